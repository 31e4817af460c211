/*
 * tlog.h - Cairn's durable, appendable transparency log: a directory laid
 * out as a C2SP tiled log (checkpoint, tile/<L>/..., tile/entries/...)
 * that a static web server can publish as is.
 *
 * Life cycle (one writer per directory, enforced with a lock file):
 *
 *   cairn_tlog_open --> append* --> publish --> append* --> publish ... close
 *
 * cairn_tlog_append stages an entry (its index is final but it is not yet
 * durable nor visible); cairn_tlog_publish makes every staged entry durable
 * at once (one round of fsyncs) and then replaces the signed checkpoint.
 * A crash at any point leaves the directory at the last published
 * checkpoint, with every tile and bundle that checkpoint needs; files a
 * crashed publish left beyond it are ignored and rewritten (TLOG-23 ..
 * TLOG-27). If a write fails the handle refuses further work
 * (CAIRN_ERR_STATE) and must be closed and reopened, which recovers.
 *
 * Memory: the handle keeps only the right edge of the tree (one partial
 * tile per level, the partial entry bundle) plus a small tile cache; proofs
 * and old entries are read back from the tiles on disk.
 *
 * Ownership: the handle copies dir, origin and signer. Proof and hash
 * outputs are caller buffers; entries and checkpoints returned through
 * pointers are the caller's, freed with cairn_free(ctx, p, len).
 * Not thread-safe: one thread at a time per handle.
 */
#ifndef CAIRN_TLOG_H
#define CAIRN_TLOG_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/checkpoint.h"
#include "cairn/context.h"
#include "cairn/note.h"
#include "cairn/tlog_merkle.h"
#include "cairn/tlog_tiles.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cairn_tlog cairn_tlog;

/* Create the directory (its parent must exist) and publish the empty tree
 * when it holds no checkpoint yet. */
#define CAIRN_TLOG_CREATE 0x1u
/* Also keep every published checkpoint as checkpoint.<size>, so witnesses
 * and auditors can fetch old tree heads. */
#define CAIRN_TLOG_KEEP_CHECKPOINTS 0x2u

/*
 * Opens (or with CAIRN_TLOG_CREATE creates) the log in `dir`. The current
 * checkpoint must open with the signer's verifier key and carry `origin`;
 * the right edge is read back from the tiles and must hash to the
 * checkpoint's root. Leftover temporary files are removed.
 * Errors: CAIRN_ERR_INVALID_ARG, CAIRN_ERR_NOT_FOUND (no checkpoint and no
 * CREATE), CAIRN_ERR_STATE (another handle holds the lock), CAIRN_ERR_AUTH /
 * CAIRN_ERR_BAD_SIGNATURE (checkpoint not by this key or origin),
 * CAIRN_ERR_CORRUPT (tiles missing, malformed or not matching the root),
 * CAIRN_ERR_IO, CAIRN_ERR_NOMEM. On success *out is the caller's
 * (cairn_tlog_close).
 */
CAIRN_MUST_CHECK cairn_status
cairn_tlog_open(const cairn_context *ctx, const char *dir, const char *origin,
                const cairn_note_signer *signer, unsigned flags,
                cairn_tlog **out);

/* Closes; staged but unpublished entries are dropped. NULL is a no-op. */
void cairn_tlog_close(cairn_tlog *log);

/*
 * Stages one entry (at most CAIRN_TLOG_ENTRY_MAX_LEN bytes) and returns its
 * index. Full tiles completed by it are written (not yet published).
 * Errors: CAIRN_ERR_TOO_LARGE, CAIRN_ERR_LIMIT (tree size would overflow),
 * CAIRN_ERR_STATE (handle broken), CAIRN_ERR_IO (the handle is then
 * broken), CAIRN_ERR_NOMEM.
 */
cairn_status cairn_tlog_append(cairn_tlog *log, const uint8_t *entry,
                               size_t len, uint64_t *index);

/*
 * Makes every staged entry durable and publishes a newly signed checkpoint
 * for the new size. With nothing staged it does nothing and returns
 * CAIRN_OK. Errors: CAIRN_ERR_STATE, CAIRN_ERR_IO, CAIRN_ERR_NOMEM,
 * CAIRN_ERR_CRYPTO; after any error the handle is broken.
 */
cairn_status cairn_tlog_publish(cairn_tlog *log);

/* Stages `count` entries (all are checked before any is staged) and
 * publishes them under one checkpoint. *first_index (may be NULL) gets the
 * index of entries[0]. Errors: those of append and publish. */
cairn_status cairn_tlog_append_batch(cairn_tlog *log,
                                     const uint8_t *const *entries,
                                     const size_t *lens, size_t count,
                                     uint64_t *first_index);

/* Published tree size, number of staged entries, published root. */
uint64_t cairn_tlog_size(const cairn_tlog *log);
uint64_t cairn_tlog_pending(const cairn_tlog *log);
void cairn_tlog_root(const cairn_tlog *log, uint8_t out[CAIRN_TLOG_HASH_LEN]);

/* A copy of the current signed checkpoint note (freed with cairn_free).
 * Errors: CAIRN_ERR_NOMEM, CAIRN_ERR_INVALID_ARG. */
cairn_status cairn_tlog_checkpoint_note(const cairn_tlog *log, char **note,
                                        size_t *len);

/* Root hash of the published tree's first `size` leaves (size <= the
 * published size). Errors: CAIRN_ERR_INVALID_ARG, CAIRN_ERR_CORRUPT,
 * CAIRN_ERR_NOT_FOUND (a tile is missing), CAIRN_ERR_IO. */
CAIRN_MUST_CHECK cairn_status
cairn_tlog_tree_hash_at(cairn_tlog *log, uint64_t size,
                        uint8_t out[CAIRN_TLOG_HASH_LEN]);

/* Inclusion proof of entry `index` in the tree of `size` leaves (size <=
 * published size), from the stored tiles; proof_cap >=
 * CAIRN_TLOG_MAX_PROOF_LEN always suffices. Errors as tree_hash_at plus
 * CAIRN_ERR_TOO_LARGE. */
CAIRN_MUST_CHECK cairn_status
cairn_tlog_prove_inclusion_at(cairn_tlog *log, uint64_t index, uint64_t size,
                              uint8_t *proof, size_t proof_cap,
                              size_t *proof_len);

/* Consistency proof between two published-tree sizes, size1 <= size2 <=
 * published size. Errors as above. */
CAIRN_MUST_CHECK cairn_status
cairn_tlog_prove_consistency_at(cairn_tlog *log, uint64_t size1,
                                uint64_t size2, uint8_t *proof,
                                size_t proof_cap, size_t *proof_len);

/* Reads published entry `index` back from its bundle and checks it against
 * its level-0 tile. *entry (freed with cairn_free) may be empty (len 0, a
 * non-NULL pointer). Errors: CAIRN_ERR_INVALID_ARG (index >= size),
 * CAIRN_ERR_CORRUPT, CAIRN_ERR_NOT_FOUND, CAIRN_ERR_IO, CAIRN_ERR_NOMEM. */
CAIRN_MUST_CHECK cairn_status
cairn_tlog_entry(cairn_tlog *log, uint64_t index, uint8_t **entry,
                 size_t *len);

#ifdef __cplusplus
}
#endif
#endif
