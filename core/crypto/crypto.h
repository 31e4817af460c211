/*
 * crypto.h - the symmetric primitives Cairn and libsignal-protocol-c need
 * (SHA-256, SHA-512, HMAC-SHA256, HKDF-SHA256, AES-CBC/PKCS#7, AES-CTR),
 * and the signal_crypto_provider built on them. Internal to libcairn, never
 * installed. One backend (OpenSSL 3 or mbedTLS 2.28) is chosen at build
 * time with CAIRN_CRYPTO; callers cannot tell which, except through
 * cairn__crypto_backend_name().
 *
 * Invariants kept by every function here:
 *  - no function aborts; errors come back as cairn_status;
 *  - a pointer with a zero length may be NULL; a NULL pointer with a
 *    non-zero length, or a NULL output pointer, is CAIRN_ERR_INVALID_ARG;
 *  - key schedules, intermediate keys (HKDF PRK) and intermediate plaintext
 *    are wiped before return, on success and on every error path;
 *  - on error nothing is handed out: *out stays NULL, and fixed-size
 *    outputs are zeroed when the backend operation itself failed;
 *  - nothing here keeps a pointer to its arguments past the call, except
 *    the provider, which keeps the context pointer (see below).
 */
#ifndef CAIRN_CRYPTO_H
#define CAIRN_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <signal/signal_protocol.h>

#include "base.h"
#include "cairn/export.h"

#define CAIRN_SHA256_LEN 32
#define CAIRN_SHA512_LEN 64
#define CAIRN_AES_BLOCK_LEN 16
/* RFC 5869 section 2.3: L <= 255 * HashLen. */
#define CAIRN_HKDF_SHA256_MAX_OUT (255 * CAIRN_SHA256_LEN)

/*
 * Fills *p with the libsignal crypto callbacks. p->user_data is set to
 * (void *)ctx: random bytes come from the context's RNG hook (cairn__random)
 * and the callbacks' own small allocations (HMAC and digest states, the
 * intermediate AES output) go through the context's allocator. The context
 * must outlive every signal_context the provider is installed in.
 * Buffers the callbacks hand to libsignal are signal_buffers (libsignal
 * frees them). Callback failures are negative SG_ERR_* codes:
 * SG_ERR_INVAL (bad key/IV length, unknown cipher, NULL argument),
 * SG_ERR_NOMEM (allocation failed), SG_ERR_INVALID_MESSAGE (bad CBC padding
 * or a ciphertext that is not whole blocks), SG_ERR_UNKNOWN (RNG or
 * backend failure).
 * Errors: CAIRN_ERR_INVALID_ARG when p or ctx is NULL.
 */
cairn_status cairn__crypto_provider_init(signal_crypto_provider *p,
                                         const cairn_context *ctx);

/*
 * A reserved HMAC state for the libsignal calls made between begin and end
 * on this thread, for the provider of ctx. It works around
 * libsignal-protocol-c 2.3.3: sender_message_key_create (reached from
 * group_cipher_encrypt and group_cipher_decrypt) frees uninitialised
 * pointers when an HMAC init fails inside it, so core must not let that
 * init fail. While a reserve is active, an HMAC init takes the reserved
 * state if it is free (libsignal keeps at most one HMAC state alive at a
 * time there) instead of allocating, and its cleanup hands it back.
 * begin allocates the state (CAIRN_ERR_NOMEM then, before libsignal is
 * called); end releases it and must come on the same thread, after the
 * libsignal call returned. The reserve lives in the caller's frame; the
 * thread remembers only a pointer to it between begin and end (the one
 * piece of thread-local state in libcairn; reserves nest). Other contexts
 * on the thread are not affected.
 */
typedef struct cairn__hmac_reserve {
    const cairn_context *ctx;
    void *state;
    int busy;
    struct cairn__hmac_reserve *outer;
} cairn__hmac_reserve;
cairn_status cairn__hmac_reserve_begin(cairn__hmac_reserve *r, const cairn_context *ctx);
void cairn__hmac_reserve_end(cairn__hmac_reserve *r);

/* "openssl" or "mbedtls": a static string, never NULL. */
const char *cairn__crypto_backend_name(void);

/*
 * One-shot hashes and MAC into caller-provided fixed-size arrays; they do
 * not allocate. Any key length is accepted for HMAC (RFC 2104: keys longer
 * than a block are hashed first). Errors: CAIRN_ERR_INVALID_ARG,
 * CAIRN_ERR_CRYPTO (backend failure). To check a MAC, compare with
 * cairn__memeq_ct, never memcmp.
 */
cairn_status cairn__hmac_sha256(const uint8_t *key, size_t key_len,
                                const uint8_t *msg, size_t msg_len,
                                uint8_t out[CAIRN_SHA256_LEN]);
cairn_status cairn__sha256(const uint8_t *msg, size_t len,
                           uint8_t out[CAIRN_SHA256_LEN]);
cairn_status cairn__sha512(const uint8_t *msg, size_t len,
                           uint8_t out[CAIRN_SHA512_LEN]);

/*
 * HKDF-SHA256 (RFC 5869): extract with salt (NULL/empty salt means
 * HashLen zero bytes), then expand with info into out_len bytes of the
 * caller's buffer. out_len 0 succeeds and writes nothing. Does not
 * allocate. Errors: out_len > CAIRN_HKDF_SHA256_MAX_OUT ->
 * CAIRN_ERR_INVALID_ARG before anything is written; CAIRN_ERR_CRYPTO on
 * backend failure, in which case out is wiped.
 */
cairn_status cairn__hkdf_sha256(const uint8_t *salt, size_t salt_len,
                                const uint8_t *ikm, size_t ikm_len,
                                const uint8_t *info, size_t info_len,
                                uint8_t *out, size_t out_len);

/*
 * AES-CBC with PKCS#5/7 padding and AES-CTR (no padding; the 16-byte IV is
 * the initial counter block, incremented as one 128-bit big-endian number).
 * key_len is 16, 24 or 32.
 *
 * Ownership: on success *out is allocated with cairn__alloc(ctx, ...) and
 * owned by the caller, who releases it with
 * cairn__free_secret(ctx, *out, *out_len). *out is never NULL on success,
 * even when *out_len is 0. On error *out is NULL and *out_len is 0.
 *
 * Errors: CAIRN_ERR_INVALID_ARG (bad key or IV length, NULL arguments,
 * input too large to pad); CAIRN_ERR_NOMEM; CAIRN_ERR_CRYPTO (backend
 * failure). cairn__aes_cbc_decrypt: CAIRN_ERR_INVALID_MESSAGE when the
 * ciphertext is empty, not a multiple of 16 bytes, or its padding is bad;
 * the padding is checked in constant time and no plaintext is handed out
 * (nor left in memory) when it fails.
 */
CAIRN_MUST_CHECK cairn_status
cairn__aes_cbc_encrypt(const cairn_context *ctx, const uint8_t *key,
                       size_t key_len, const uint8_t iv[CAIRN_AES_BLOCK_LEN],
                       const uint8_t *in, size_t in_len, uint8_t **out,
                       size_t *out_len);
CAIRN_MUST_CHECK cairn_status
cairn__aes_cbc_decrypt(const cairn_context *ctx, const uint8_t *key,
                       size_t key_len, const uint8_t iv[CAIRN_AES_BLOCK_LEN],
                       const uint8_t *in, size_t in_len, uint8_t **out,
                       size_t *out_len);
/* Encryption and decryption are the same operation in CTR mode. */
CAIRN_MUST_CHECK cairn_status
cairn__aes_ctr_crypt(const cairn_context *ctx, const uint8_t *key,
                     size_t key_len, const uint8_t iv[CAIRN_AES_BLOCK_LEN],
                     const uint8_t *in, size_t in_len, uint8_t **out,
                     size_t *out_len);

#endif
