/*
 * backend_mbedtls.c - the backend.h primitives on mbedTLS 2.28 (the
 * *_ret functions; nothing deprecated). Compiled only when
 * CAIRN_CRYPTO=mbedtls.
 *
 * Invariants: AES and SHA-512 states live inside the caller's struct or on
 * the stack and are released with the mbedtls_*_free functions, which
 * zeroize them; the running CBC IV and CTR counter/keystream copies are
 * zeroized here. The HMAC state's inner/outer pads are allocated by
 * mbedtls_md_setup with mbedTLS's own calloc, outside the cairn_context
 * (documented in README.md), and freed and zeroized by mbedtls_md_free.
 */
#include <string.h>

#include <mbedtls/aes.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/sha512.h>

#include "backend.h"
#include "crypto.h"

const char *cairn__crypto_backend_name(void) { return "mbedtls"; }

cairn_status cairn__sha256(const uint8_t *msg, size_t len,
                           uint8_t out[CAIRN_SHA256_LEN])
{
    if (out == NULL || (msg == NULL && len != 0))
        return CAIRN_ERR_INVALID_ARG;
    if (mbedtls_sha256_ret(msg, len, out, 0) != 0) {
        memset(out, 0, CAIRN_SHA256_LEN);
        return CAIRN_ERR_CRYPTO;
    }
    return CAIRN_OK;
}

cairn_status cairn__sha512(const uint8_t *msg, size_t len,
                           uint8_t out[CAIRN_SHA512_LEN])
{
    if (out == NULL || (msg == NULL && len != 0))
        return CAIRN_ERR_INVALID_ARG;
    if (mbedtls_sha512_ret(msg, len, out, 0) != 0) {
        memset(out, 0, CAIRN_SHA512_LEN);
        return CAIRN_ERR_CRYPTO;
    }
    return CAIRN_OK;
}

cairn_status crypto__hmac_init(crypto__hmac *h, const uint8_t *key,
                               size_t key_len)
{
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    int rc;

    mbedtls_md_init(&h->md);
    h->ready = 1;
    if (info == NULL) {
        crypto__hmac_clear(h);
        return CAIRN_ERR_CRYPTO;
    }
    rc = mbedtls_md_setup(&h->md, info, 1);
    if (rc != 0) {
        crypto__hmac_clear(h);
        return rc == MBEDTLS_ERR_MD_ALLOC_FAILED ? CAIRN_ERR_NOMEM
                                                 : CAIRN_ERR_CRYPTO;
    }
    if (mbedtls_md_hmac_starts(&h->md, key, key_len) != 0) {
        crypto__hmac_clear(h);
        return CAIRN_ERR_CRYPTO;
    }
    return CAIRN_OK;
}

cairn_status crypto__hmac_update(crypto__hmac *h, const uint8_t *p, size_t n)
{
    if (!h->ready)
        return CAIRN_ERR_STATE;
    if (n == 0)
        return CAIRN_OK;
    return mbedtls_md_hmac_update(&h->md, p, n) == 0 ? CAIRN_OK
                                                      : CAIRN_ERR_CRYPTO;
}

cairn_status crypto__hmac_final(crypto__hmac *h, uint8_t out[32])
{
    if (!h->ready)
        return CAIRN_ERR_STATE;
    if (mbedtls_md_hmac_finish(&h->md, out) != 0) {
        mbedtls_platform_zeroize(out, 32);
        return CAIRN_ERR_CRYPTO;
    }
    return CAIRN_OK;
}

void crypto__hmac_clear(crypto__hmac *h)
{
    if (h->ready)
        mbedtls_md_free(&h->md);
    h->ready = 0;
}

cairn_status crypto__sha512_init(crypto__sha512 *s)
{
    mbedtls_sha512_init(&s->sha);
    s->ready = 1;
    if (mbedtls_sha512_starts_ret(&s->sha, 0) != 0) {
        crypto__sha512_clear(s);
        return CAIRN_ERR_CRYPTO;
    }
    return CAIRN_OK;
}

cairn_status crypto__sha512_update(crypto__sha512 *s, const uint8_t *p,
                                   size_t n)
{
    if (!s->ready)
        return CAIRN_ERR_STATE;
    if (n == 0)
        return CAIRN_OK;
    return mbedtls_sha512_update_ret(&s->sha, p, n) == 0 ? CAIRN_OK
                                                         : CAIRN_ERR_CRYPTO;
}

cairn_status crypto__sha512_final(crypto__sha512 *s, uint8_t out[64])
{
    if (!s->ready)
        return CAIRN_ERR_STATE;
    if (mbedtls_sha512_finish_ret(&s->sha, out) != 0 ||
        mbedtls_sha512_starts_ret(&s->sha, 0) != 0) {
        mbedtls_platform_zeroize(out, 64);
        return CAIRN_ERR_CRYPTO;
    }
    return CAIRN_OK;
}

void crypto__sha512_clear(crypto__sha512 *s)
{
    if (s->ready)
        mbedtls_sha512_free(&s->sha);
    s->ready = 0;
}

cairn_status crypto__aes_cbc_raw(int encrypt, const uint8_t *key,
                                 size_t key_len, const uint8_t iv[16],
                                 const uint8_t *in, size_t len, uint8_t *out)
{
    mbedtls_aes_context aes;
    unsigned char run_iv[16]; /* mbedTLS advances the IV in place */
    int rc;

    if (len % 16 != 0 || (key_len != 16 && key_len != 24 && key_len != 32))
        return CAIRN_ERR_INVALID_ARG;
    mbedtls_aes_init(&aes);
    if (encrypt)
        rc = mbedtls_aes_setkey_enc(&aes, key, (unsigned int)(key_len * 8));
    else
        rc = mbedtls_aes_setkey_dec(&aes, key, (unsigned int)(key_len * 8));
    if (rc == 0 && len != 0) {
        memcpy(run_iv, iv, 16);
        rc = mbedtls_aes_crypt_cbc(&aes,
                                   encrypt ? MBEDTLS_AES_ENCRYPT
                                           : MBEDTLS_AES_DECRYPT,
                                   len, run_iv, in, out);
        mbedtls_platform_zeroize(run_iv, sizeof(run_iv));
    }
    mbedtls_aes_free(&aes);
    if (rc != 0) {
        if (len)
            mbedtls_platform_zeroize(out, len);
        return CAIRN_ERR_CRYPTO;
    }
    return CAIRN_OK;
}

cairn_status crypto__aes_ctr_raw(const uint8_t *key, size_t key_len,
                                 const uint8_t iv[16], const uint8_t *in,
                                 size_t len, uint8_t *out)
{
    mbedtls_aes_context aes;
    unsigned char counter[16];
    unsigned char stream[16];
    size_t off = 0;
    int rc;

    if (key_len != 16 && key_len != 24 && key_len != 32)
        return CAIRN_ERR_INVALID_ARG;
    mbedtls_aes_init(&aes);
    /* CTR only ever runs the forward cipher. */
    rc = mbedtls_aes_setkey_enc(&aes, key, (unsigned int)(key_len * 8));
    if (rc == 0 && len != 0) {
        memcpy(counter, iv, 16);
        memset(stream, 0, sizeof(stream));
        rc = mbedtls_aes_crypt_ctr(&aes, len, &off, counter, stream, in, out);
        mbedtls_platform_zeroize(counter, sizeof(counter));
        mbedtls_platform_zeroize(stream, sizeof(stream));
    }
    mbedtls_aes_free(&aes);
    if (rc != 0) {
        if (len)
            mbedtls_platform_zeroize(out, len);
        return CAIRN_ERR_CRYPTO;
    }
    return CAIRN_OK;
}
