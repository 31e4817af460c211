/*
 * backend.h - the few primitives each crypto backend (backend_openssl.c or
 * backend_mbedtls.c) implements; everything else in core/crypto (padding,
 * HKDF, one-shot HMAC, the libsignal provider) is written once on top of
 * them. Private to core/crypto.
 *
 * The streaming states are plain structs the caller places where it likes
 * (stack, or memory from the context allocator), so the backend itself
 * never needs a cairn_context. Their layout depends on the backend, picked
 * by the CAIRN_CRYPTO_OPENSSL / CAIRN_CRYPTO_MBEDTLS definition that only
 * this component's sources see.
 *
 * Contract for every state type:
 *  - *_init first puts the state in the "clear" condition, so *_clear is
 *    safe after any init, successful or not, and safe to call twice;
 *  - *_clear releases whatever the library allocated and wipes the state;
 *  - after an error from update/final the state must only be cleared.
 */
#ifndef CAIRN_CRYPTO_BACKEND_H
#define CAIRN_CRYPTO_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/status.h"

#if defined(CAIRN_CRYPTO_OPENSSL)
#include <openssl/evp.h>
typedef struct crypto__hmac {
    EVP_MAC_CTX *mac;
} crypto__hmac;
typedef struct crypto__sha512 {
    EVP_MD_CTX *md;
} crypto__sha512;
#elif defined(CAIRN_CRYPTO_MBEDTLS)
#include <mbedtls/md.h>
#include <mbedtls/sha512.h>
typedef struct crypto__hmac {
    mbedtls_md_context_t md;
    int ready; /* mbedtls_md_free needs a prior mbedtls_md_init */
} crypto__hmac;
typedef struct crypto__sha512 {
    mbedtls_sha512_context sha;
    int ready;
} crypto__sha512;
#else
#error "define CAIRN_CRYPTO_OPENSSL or CAIRN_CRYPTO_MBEDTLS"
#endif

/* HMAC-SHA256. key may be NULL when key_len is 0. */
cairn_status crypto__hmac_init(crypto__hmac *h, const uint8_t *key,
                               size_t key_len);
cairn_status crypto__hmac_update(crypto__hmac *h, const uint8_t *p, size_t n);
cairn_status crypto__hmac_final(crypto__hmac *h, uint8_t out[32]);
void crypto__hmac_clear(crypto__hmac *h);

/* SHA-512; final leaves the state ready for a new message (libsignal
 * reuses a digest context after final). */
cairn_status crypto__sha512_init(crypto__sha512 *s);
cairn_status crypto__sha512_update(crypto__sha512 *s, const uint8_t *p,
                                   size_t n);
cairn_status crypto__sha512_final(crypto__sha512 *s, uint8_t out[64]);
void crypto__sha512_clear(crypto__sha512 *s);

/*
 * Raw AES over whole blocks, no padding: len must be a multiple of 16
 * (CBC) or anything (CTR). out must hold len bytes and may equal in (fully
 * in place) but must not otherwise overlap it. key_len is 16, 24 or 32,
 * already checked by the caller. The key schedule and the running IV /
 * counter are wiped before return.
 */
cairn_status crypto__aes_cbc_raw(int encrypt, const uint8_t *key,
                                 size_t key_len, const uint8_t iv[16],
                                 const uint8_t *in, size_t len, uint8_t *out);
cairn_status crypto__aes_ctr_raw(const uint8_t *key, size_t key_len,
                                 const uint8_t iv[16], const uint8_t *in,
                                 size_t len, uint8_t *out);

#endif
