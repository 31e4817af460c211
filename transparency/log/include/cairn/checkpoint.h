/*
 * checkpoint.h - C2SP tlog-checkpoint: the signed tree head of a log, a
 * signed note whose text is
 *
 *   <origin>\n<tree size in decimal>\n<base64 root hash>\n[extension lines]
 *
 * and the client-side check that a new checkpoint is signed by the log and
 * consistent with the (size, root) the client already trusts.
 *
 * cairn_checkpoint is a plain value (no pointers): copy it freely.
 * Spec: spec/transparency-log.md, TLOG-18 .. TLOG-22.
 */
#ifndef CAIRN_CHECKPOINT_H
#define CAIRN_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/note.h"
#include "cairn/tlog_merkle.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_CHECKPOINT_ORIGIN_MAX 255
/* Total bytes of the extension lines, newlines included. */
#define CAIRN_CHECKPOINT_EXT_MAX 1024

typedef struct cairn_checkpoint {
    char origin[CAIRN_CHECKPOINT_ORIGIN_MAX + 1]; /* NUL-terminated */
    uint64_t size;
    uint8_t root[CAIRN_TLOG_HASH_LEN];
    /* Extension lines, each ending in '\n', NUL-terminated; "" if none. */
    char extensions[CAIRN_CHECKPOINT_EXT_MAX + 1];
} cairn_checkpoint;

/*
 * Parses a checkpoint body (the note text, final newline included)
 * strictly: non-empty origin of at most 255 bytes; size in decimal without
 * sign, spaces or leading zeros, at most 2^64 - 1; root the canonical
 * base64 of exactly 32 bytes; extension lines non-empty. out is written
 * only on success. Errors: CAIRN_ERR_DECODE, CAIRN_ERR_TOO_LARGE (origin,
 * extensions, or a size past 2^64 - 1), CAIRN_ERR_INVALID_ARG.
 * The body must come from an opened (verified) note to mean anything.
 */
CAIRN_MUST_CHECK cairn_status
cairn_checkpoint_parse(const char *text, size_t len, cairn_checkpoint *out);

/* Writes the body into out (NUL-terminated). Errors: CAIRN_ERR_INVALID_ARG
 * (a field that would not parse back), CAIRN_ERR_TOO_LARGE (cap). */
cairn_status cairn_checkpoint_format(const cairn_checkpoint *cp, char *out,
                                     size_t cap, size_t *len);

/* Formats and signs: *note (freed with cairn_free) is the signed note.
 * Errors: those of cairn_checkpoint_format and cairn_note_sign. */
cairn_status cairn_checkpoint_sign(const cairn_context *ctx,
                                   const cairn_checkpoint *cp,
                                   const cairn_note_signer *signer,
                                   char **note, size_t *note_len);

/*
 * Opens a signed checkpoint: cairn_note_open with the given verifiers,
 * then a strict parse of the text, then (when origin is not NULL) an exact
 * origin match. out is written only on success. Errors: those of
 * cairn_note_open and cairn_checkpoint_parse; CAIRN_ERR_AUTH when the
 * origin differs.
 */
CAIRN_MUST_CHECK cairn_status
cairn_checkpoint_open(const cairn_context *ctx, const uint8_t *note,
                      size_t note_len, const char *origin,
                      const cairn_note_verifier *const *verifiers,
                      size_t n_verifiers, cairn_checkpoint *out);

/*
 * The client/auditor step: opens a new checkpoint with the log's verifier
 * and origin, and checks it extends the tree the caller trusts
 * (old_size, old_root) using a consistency proof from old_size to the new
 * size. old_size 0 means "trust nothing yet" (proof must be empty, old_root
 * may be NULL). A new size below old_size is CAIRN_ERR_STALE; an equal size
 * with a different root, or a failing proof, is CAIRN_ERR_PROOF (evidence
 * of a forked log: keep both checkpoints). out is written only on success.
 */
CAIRN_MUST_CHECK cairn_status
cairn_checkpoint_verify_update(const cairn_context *ctx, const uint8_t *note,
                               size_t note_len, const char *origin,
                               const cairn_note_verifier *verifier,
                               uint64_t old_size, const uint8_t *old_root,
                               const uint8_t *proof, size_t proof_len,
                               cairn_checkpoint *out);

#ifdef __cplusplus
}
#endif
#endif
