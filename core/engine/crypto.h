/*
 * crypto.h - the engine's own cryptography: the device-linking handshake
 * (spec/client-engine.md ENG-LINK-*) and file encryption for transfer over
 * HTTP (ENG-FILE-*). Everything else is the Signal protocol in
 * core/protocol.
 *
 * Invariants: outputs are written only on success; every secret
 * intermediate is wiped before return; verification uses constant-time
 * comparison; no function allocates more than its input size plus a
 * fixed overhead.
 */
#ifndef CAIRN_ENGINE_CRYPTO_H
#define CAIRN_ENGINE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "cairn/export.h"

/* ------------------------------------------------------------ linking */

#define ENGINE_LINK_SECRET_BYTES 10 /* 80 bits */
/* "XXXX-XXXX-XXXX-XXXX" + NUL */
#define ENGINE_LINK_CODE_LEN 20
#define ENGINE_LINK_MAILBOX_LEN 32 /* hex characters */
#define ENGINE_LINK_OFFER_BYTES 65
#define ENGINE_LINK_ENVELOPE_OVERHEAD (1 + 32 + 24 + 16)

typedef struct engine_link_secret {
    uint8_t s[ENGINE_LINK_SECRET_BYTES];
} engine_link_secret;

/* The new device's side of a linking in progress. */
typedef struct engine_link_offer {
    engine_link_secret secret;
    uint8_t eph_pub[32];
    uint8_t eph_priv[32];
} engine_link_offer;

/* Formats the secret as the code a person types (Crockford base32 in
 * groups of four). */
void engine__link_code_format(const engine_link_secret *s, char out[ENGINE_LINK_CODE_LEN]);
/* Parses a typed code: case-insensitive, '-' and spaces ignored, the
 * look-alikes I/L -> 1 and O -> 0 accepted. CAIRN_ERR_DECODE otherwise. */
CAIRN_MUST_CHECK cairn_status engine__link_code_parse(const char *code, engine_link_secret *s);
/* The mailbox name both sides use at the relay (hex, NUL-terminated). */
void engine__link_mailbox(const engine_link_secret *s, char out[ENGINE_LINK_MAILBOX_LEN + 1]);

/* New device: fresh secret and ephemeral key; the offer it posts. */
cairn_status engine__link_offer_new(const cairn_context *ctx, engine_link_offer *o,
                                    uint8_t offer[ENGINE_LINK_OFFER_BYTES]);
/* Existing device: checks an offer against the typed secret (ENG-LINK-3)
 * and seals `payload` for the offering device. *env is allocated (free
 * with cairn__free). CAIRN_ERR_AUTH when the offer's MAC is wrong,
 * CAIRN_ERR_DECODE when malformed. */
CAIRN_MUST_CHECK cairn_status engine__link_seal(const cairn_context *ctx,
                                                const engine_link_secret *s, const uint8_t *offer,
                                                size_t offer_len, const uint8_t *payload,
                                                size_t payload_len, uint8_t **env, size_t *env_len);
/* New device: opens the provisioning envelope. *payload allocated (free
 * with cairn__free_secret). CAIRN_ERR_INVALID_MESSAGE on any failure to
 * authenticate, CAIRN_ERR_DECODE when malformed. */
CAIRN_MUST_CHECK cairn_status engine__link_open(const cairn_context *ctx,
                                                const engine_link_offer *o, const uint8_t *env,
                                                size_t env_len, uint8_t **payload,
                                                size_t *payload_len);

/* ENG-LINK-7: the new device's relay secret, 64 lowercase hex digits of
 * BLAKE2b-256(key = K, "cairn-link/1 relay-secret"). */
#define ENGINE_LINK_RELAY_SECRET_LEN 64
/* The existing device's side between checking the offer and sealing:
 * both ephemeral public keys and K. Secret: wipe with sodium_memzero. */
typedef struct engine_link_reply {
    uint8_t n_pub[32];
    uint8_t e_pub[32];
    uint8_t k[32];
} engine_link_reply;
/* engine__link_seal in two steps, so the relay secret derived from K can
 * register the new device before the envelope (which names the device)
 * is sealed. begin: the offer's checks (CAIRN_ERR_DECODE, CAIRN_ERR_AUTH,
 * CAIRN_ERR_BAD_PUBLIC_KEY) and a fresh ephemeral key; seal: *env
 * allocated as by engine__link_seal. */
CAIRN_MUST_CHECK cairn_status engine__link_reply_begin(const cairn_context *ctx,
                                                       const engine_link_secret *s,
                                                       const uint8_t *offer, size_t offer_len,
                                                       engine_link_reply *r);
CAIRN_MUST_CHECK cairn_status engine__link_reply_seal(const cairn_context *ctx,
                                                      const engine_link_reply *r,
                                                      const uint8_t *payload, size_t payload_len,
                                                      uint8_t **env, size_t *env_len);
void engine__link_relay_secret(const uint8_t k[32], char out[ENGINE_LINK_RELAY_SECRET_LEN + 1]);
/* engine__link_open that also derives the relay secret (relay_secret may
 * be NULL); the secret is written only when the envelope authenticates. */
CAIRN_MUST_CHECK cairn_status engine__link_open_secret(
    const cairn_context *ctx, const engine_link_offer *o, const uint8_t *env, size_t env_len,
    uint8_t **payload, size_t *payload_len, char relay_secret[ENGINE_LINK_RELAY_SECRET_LEN + 1]);

/* ------------------------------------------------------------ files */

#define ENGINE_FILE_CHUNK 65536
#define ENGINE_FILE_MAX (256u * 1024u * 1024u)

/* Size of the ciphertext for a plaintext of n bytes (ENG-FILE-2). */
uint64_t engine__file_ciphertext_size(uint64_t n);

/* The streaming forms move one 64 KiB chunk at a time through these
 * callbacks, so a file never has to fit in memory: read must fill exactly
 * n bytes, write must take all n; any other status stops the operation
 * and is returned as is. */
typedef cairn_status (*engine_file_read_fn)(void *ud, uint8_t *p, size_t n);
typedef cairn_status (*engine_file_write_fn)(void *ud, const uint8_t *p, size_t n);

/* Reads len plaintext bytes, writes engine__file_ciphertext_size(len)
 * ciphertext bytes under a fresh random key; key and digest (SHA-256 of
 * the ciphertext) are written only on success. */
cairn_status engine__file_encrypt_stream(const cairn_context *ctx, uint64_t len,
                                         engine_file_read_fn rd, void *rud, engine_file_write_fn wr,
                                         void *wud, uint8_t key[32], uint8_t digest[32]);
/* ENG-FILE-4, first pass: reads the ciphertext of a `size`-byte file
 * (exactly engine__file_ciphertext_size(size) bytes) and compares its
 * SHA-256 with digest: CAIRN_ERR_INVALID_MESSAGE on a mismatch. */
CAIRN_MUST_CHECK cairn_status engine__file_digest_check(const cairn_context *ctx, uint64_t size,
                                                        engine_file_read_fn rd, void *rud,
                                                        const uint8_t digest[32]);
/* Second pass: reads that ciphertext and writes the `size` plaintext
 * bytes, each chunk only after it authenticated; the FINAL tag must be on
 * the last chunk and nowhere else (CAIRN_ERR_INVALID_MESSAGE). A caller
 * that fails here must discard what was written. */
CAIRN_MUST_CHECK cairn_status engine__file_decrypt_stream(const cairn_context *ctx,
                                                          const uint8_t key[32], uint64_t size,
                                                          engine_file_read_fn rd, void *rud,
                                                          engine_file_write_fn wr, void *wud);

/* In-memory forms of the above (tests, small files). */
/* Encrypts a whole file under a fresh random key. *ct allocated (free
 * with cairn__free). digest = SHA-256 of the ciphertext. */
cairn_status engine__file_encrypt(const cairn_context *ctx, const uint8_t *pt, size_t len,
                                  uint8_t key[32], uint8_t digest[32], uint8_t **ct,
                                  size_t *ct_len);
/* Checks size and digest first, then decrypts (ENG-FILE-3/4). *pt
 * allocated (free with cairn__free_secret). CAIRN_ERR_INVALID_MESSAGE on a
 * digest, tag, truncation or size mismatch. */
CAIRN_MUST_CHECK cairn_status engine__file_decrypt(const cairn_context *ctx, const uint8_t key[32],
                                                   const uint8_t digest[32], uint64_t size,
                                                   const uint8_t *ct, size_t ct_len, uint8_t **pt,
                                                   size_t *pt_len);

#endif
