/*
 * note.h - C2SP signed notes with Ed25519 keys: signer and verifier keys in
 * their text forms, key IDs, signing, and opening (parse + verify).
 *
 *   text (ends in '\n')
 *   <blank line>
 *   "\u2014 " <key name> " " base64(key ID (4 bytes BE) || signature) '\n'
 *   ... one line per signature
 *
 * Opening rules (TLOG-12 .. TLOG-17): the note is valid UTF-8 with no
 * control character but '\n'; at most CAIRN_NOTE_MAX_SIZE bytes, lines of
 * at most CAIRN_NOTE_MAX_LINE bytes, 1..CAIRN_NOTE_MAX_SIGNATURES signature
 * lines; signatures by keys the caller does not know (name and ID must both
 * match) are kept but ignored; a signature by a known key that fails to
 * verify rejects the whole note; a note with no verified signature is
 * rejected. The text of a note MUST NOT be used before it has been opened
 * with the verifiers the caller trusts.
 *
 * Ownership: objects are created with a context and freed with their
 * destroy function (NULL is a no-op); strings the library returns as char**
 * are the caller's, freed with cairn_free(ctx, p, len). Signers hold a
 * secret key that is wiped on destroy. Nothing keeps a pointer to caller
 * memory past the call.
 */
#ifndef CAIRN_NOTE_H
#define CAIRN_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/context.h"
#include "cairn/export.h"
#include "cairn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_NOTE_MAX_SIZE (256 * 1024)
#define CAIRN_NOTE_MAX_LINE (16 * 1024)
#define CAIRN_NOTE_MAX_SIGNATURES 32
#define CAIRN_NOTE_MAX_NAME 255
#define CAIRN_NOTE_ALG_ED25519 0x01

size_t cairn_note_max_size(void);
size_t cairn_note_max_signatures(void);

typedef struct cairn_note_signer cairn_note_signer;
typedef struct cairn_note_verifier cairn_note_verifier;
typedef struct cairn_note cairn_note;

/* Key ID = first 4 bytes (big-endian) of SHA-256(name || '\n' || alg ||
 * key). Returns 0 for a NULL name; never fails otherwise. */
uint32_t cairn_note_key_id(const char *name, size_t name_len, uint8_t alg,
                           const uint8_t *key, size_t key_len);

/*
 * Parses "PRIVATE+KEY+<name>+<8 lowercase hex>+base64(0x01 || 32-byte
 * Ed25519 seed)". The ID must match the key derived from the seed.
 * Errors: CAIRN_ERR_DECODE (malformed), CAIRN_ERR_UNSUPPORTED (not
 * Ed25519), CAIRN_ERR_BAD_KEY (ID does not match), CAIRN_ERR_NOMEM.
 * On success *out is the caller's (cairn_note_signer_destroy).
 */
CAIRN_MUST_CHECK cairn_status
cairn_note_signer_parse(const cairn_context *ctx, const char *text,
                        size_t len, cairn_note_signer **out);

/* A fresh Ed25519 signer for `name` (a valid key name) from the context
 * RNG. Errors: CAIRN_ERR_INVALID_ARG (bad name), CAIRN_ERR_NOMEM,
 * CAIRN_ERR_CRYPTO. */
CAIRN_MUST_CHECK cairn_status
cairn_note_signer_generate(const cairn_context *ctx, const char *name,
                           cairn_note_signer **out);

/* A copy (for a handle that must own its signer). */
CAIRN_MUST_CHECK cairn_status
cairn_note_signer_copy(const cairn_context *ctx, const cairn_note_signer *s,
                       cairn_note_signer **out);

void cairn_note_signer_destroy(cairn_note_signer *s);

/* The signer key's text form (secret: free with cairn_free, which wipes)
 * and the matching verifier key text. *out is NUL-terminated, *len
 * excludes the NUL. Errors: CAIRN_ERR_NOMEM. */
cairn_status cairn_note_signer_format(const cairn_note_signer *s, char **out,
                                      size_t *len);
cairn_status cairn_note_signer_verifier_text(const cairn_note_signer *s,
                                             char **out, size_t *len);

/* Name (NUL-terminated, owned by the signer) and key ID. */
const char *cairn_note_signer_name(const cairn_note_signer *s);
uint32_t cairn_note_signer_id(const cairn_note_signer *s);

/*
 * Parses "<name>+<8 lowercase hex>+base64(0x01 || 32-byte Ed25519 public
 * key)"; the ID must match. Errors as cairn_note_signer_parse, plus
 * CAIRN_ERR_BAD_PUBLIC_KEY for a small-order or non-canonical key.
 */
CAIRN_MUST_CHECK cairn_status
cairn_note_verifier_parse(const cairn_context *ctx, const char *text,
                          size_t len, cairn_note_verifier **out);

CAIRN_MUST_CHECK cairn_status
cairn_note_verifier_from_signer(const cairn_context *ctx,
                                const cairn_note_signer *s,
                                cairn_note_verifier **out);

void cairn_note_verifier_destroy(cairn_note_verifier *v);

cairn_status cairn_note_verifier_format(const cairn_note_verifier *v,
                                        char **out, size_t *len);
const char *cairn_note_verifier_name(const cairn_note_verifier *v);
uint32_t cairn_note_verifier_id(const cairn_note_verifier *v);

/*
 * Signs `text` with each signer, producing text + "\n" + one signature line
 * per signer, in order. text must be a valid note text: non-empty, ending
 * in '\n', valid UTF-8 without control characters but '\n', at most
 * CAIRN_NOTE_MAX_SIZE bytes. *out (NUL-terminated, *len without the NUL)
 * is freed with cairn_free. Errors: CAIRN_ERR_INVALID_ARG (text or
 * signer count), CAIRN_ERR_TOO_LARGE, CAIRN_ERR_NOMEM.
 */
cairn_status cairn_note_sign(const cairn_context *ctx, const char *text,
                             size_t text_len,
                             const cairn_note_signer *const *signers,
                             size_t n_signers, char **out, size_t *len);

/*
 * Opens a note: parses it, verifies each signature whose (name, ID) matches
 * one of the verifiers, and returns it only when at least one verified.
 * Errors: CAIRN_ERR_TOO_LARGE (size, line or signature-count limits),
 * CAIRN_ERR_DECODE (malformed), CAIRN_ERR_BAD_SIGNATURE (a known key's
 * signature is wrong), CAIRN_ERR_AUTH (no signature by a known key),
 * CAIRN_ERR_NOMEM. On success *out is the caller's (cairn_note_destroy);
 * on error *out is NULL.
 */
CAIRN_MUST_CHECK cairn_status
cairn_note_open(const cairn_context *ctx, const uint8_t *msg, size_t len,
                const cairn_note_verifier *const *verifiers,
                size_t n_verifiers, cairn_note **out);

/* Parses without verifying anything (for tools and fuzzing; a caller that
 * acts on the text of such a note defeats the point of signing it). Same
 * errors as cairn_note_open minus the signature ones. */
CAIRN_MUST_CHECK cairn_status
cairn_note_parse(const cairn_context *ctx, const uint8_t *msg, size_t len,
                 cairn_note **out);

void cairn_note_destroy(cairn_note *n);

/* The note text (including its final '\n'; NUL-terminated, owned by n). */
const char *cairn_note_text(const cairn_note *n, size_t *len);

size_t cairn_note_signature_count(const cairn_note *n);
size_t cairn_note_verified_count(const cairn_note *n);

/* Signature i: name (owned by n), key ID, signature bytes after the ID
 * (owned by n), and whether it was verified by a known key.
 * Errors: CAIRN_ERR_NOT_FOUND (i out of range). */
cairn_status cairn_note_signature(const cairn_note *n, size_t i,
                                  const char **name, uint32_t *id,
                                  const uint8_t **sig, size_t *sig_len,
                                  bool *verified);

#ifdef __cplusplus
}
#endif
#endif
