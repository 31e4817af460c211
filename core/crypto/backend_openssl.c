/*
 * backend_openssl.c - the backend.h primitives on OpenSSL 3 (EVP API only;
 * nothing deprecated). Compiled only when CAIRN_CRYPTO=openssl.
 *
 * Invariants: every EVP object created here is freed before return or by
 * the matching *_clear; EVP_CIPHER_CTX_free and EVP_MAC_CTX_free cleanse
 * the key schedules they hold. OpenSSL allocates its objects with its own
 * allocator, outside the cairn_context (documented in README.md).
 * OpenSSL's cipher update takes an int length, so long inputs are fed in
 * chunks.
 */
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "backend.h"
#include "crypto.h"

/* Stands in for a NULL pointer with a zero length: OpenSSL treats a NULL
 * MAC key as "keep the previous key" rather than "empty key". */
static const uint8_t empty_input[1];

/* A multiple of the AES block, well below INT_MAX. */
#define CHUNK ((size_t)1 << 30)

const char *cairn__crypto_backend_name(void) { return "openssl"; }

cairn_status cairn__sha256(const uint8_t *msg, size_t len,
                           uint8_t out[CAIRN_SHA256_LEN])
{
    if (out == NULL || (msg == NULL && len != 0))
        return CAIRN_ERR_INVALID_ARG;
    if (EVP_Digest(len ? msg : empty_input, len, out, NULL, EVP_sha256(),
                   NULL) != 1) {
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
    if (EVP_Digest(len ? msg : empty_input, len, out, NULL, EVP_sha512(),
                   NULL) != 1) {
        memset(out, 0, CAIRN_SHA512_LEN);
        return CAIRN_ERR_CRYPTO;
    }
    return CAIRN_OK;
}

cairn_status crypto__hmac_init(crypto__hmac *h, const uint8_t *key,
                               size_t key_len)
{
    OSSL_PARAM params[2];
    EVP_MAC *mac;

    h->mac = NULL;
    mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
    if (mac == NULL)
        return CAIRN_ERR_CRYPTO;
    h->mac = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); /* the context keeps its own reference */
    if (h->mac == NULL)
        return CAIRN_ERR_NOMEM;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                                 (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_MAC_init(h->mac, key_len ? key : empty_input, key_len, params) !=
        1) {
        crypto__hmac_clear(h);
        return CAIRN_ERR_CRYPTO;
    }
    return CAIRN_OK;
}

cairn_status crypto__hmac_update(crypto__hmac *h, const uint8_t *p, size_t n)
{
    if (h->mac == NULL)
        return CAIRN_ERR_STATE;
    if (n == 0)
        return CAIRN_OK;
    return EVP_MAC_update(h->mac, p, n) == 1 ? CAIRN_OK : CAIRN_ERR_CRYPTO;
}

cairn_status crypto__hmac_final(crypto__hmac *h, uint8_t out[32])
{
    size_t outl = 0;
    if (h->mac == NULL)
        return CAIRN_ERR_STATE;
    if (EVP_MAC_final(h->mac, out, &outl, 32) != 1 || outl != 32) {
        OPENSSL_cleanse(out, 32);
        return CAIRN_ERR_CRYPTO;
    }
    return CAIRN_OK;
}

void crypto__hmac_clear(crypto__hmac *h)
{
    EVP_MAC_CTX_free(h->mac);
    h->mac = NULL;
}

cairn_status crypto__sha512_init(crypto__sha512 *s)
{
    s->md = EVP_MD_CTX_new();
    if (s->md == NULL)
        return CAIRN_ERR_NOMEM;
    if (EVP_DigestInit_ex(s->md, EVP_sha512(), NULL) != 1) {
        crypto__sha512_clear(s);
        return CAIRN_ERR_CRYPTO;
    }
    return CAIRN_OK;
}

cairn_status crypto__sha512_update(crypto__sha512 *s, const uint8_t *p,
                                   size_t n)
{
    if (s->md == NULL)
        return CAIRN_ERR_STATE;
    if (n == 0)
        return CAIRN_OK;
    return EVP_DigestUpdate(s->md, p, n) == 1 ? CAIRN_OK : CAIRN_ERR_CRYPTO;
}

cairn_status crypto__sha512_final(crypto__sha512 *s, uint8_t out[64])
{
    unsigned int outl = 0;
    if (s->md == NULL)
        return CAIRN_ERR_STATE;
    if (EVP_DigestFinal_ex(s->md, out, &outl) != 1 || outl != 64) {
        OPENSSL_cleanse(out, 64);
        return CAIRN_ERR_CRYPTO;
    }
    /* Ready for the next message, as libsignal expects. */
    if (EVP_DigestInit_ex(s->md, EVP_sha512(), NULL) != 1) {
        OPENSSL_cleanse(out, 64);
        return CAIRN_ERR_CRYPTO;
    }
    return CAIRN_OK;
}

void crypto__sha512_clear(crypto__sha512 *s)
{
    EVP_MD_CTX_free(s->md);
    s->md = NULL;
}

static const EVP_CIPHER *aes_cipher(int cbc, size_t key_len)
{
    switch (key_len) {
    case 16:
        return cbc ? EVP_aes_128_cbc() : EVP_aes_128_ctr();
    case 24:
        return cbc ? EVP_aes_192_cbc() : EVP_aes_192_ctr();
    case 32:
        return cbc ? EVP_aes_256_cbc() : EVP_aes_256_ctr();
    default:
        return NULL;
    }
}

/* Runs a whole-buffer cipher operation with padding off. */
static cairn_status run_cipher(const EVP_CIPHER *cipher, int encrypt,
                               const uint8_t *key, const uint8_t iv[16],
                               const uint8_t *in, size_t len, uint8_t *out)
{
    EVP_CIPHER_CTX *c;
    cairn_status st = CAIRN_ERR_CRYPTO;
    size_t done = 0;
    int outl;

    if (cipher == NULL)
        return CAIRN_ERR_INVALID_ARG;
    c = EVP_CIPHER_CTX_new();
    if (c == NULL)
        return CAIRN_ERR_NOMEM;
    if (EVP_CipherInit_ex(c, cipher, NULL, key, iv, encrypt) != 1 ||
        EVP_CIPHER_CTX_set_padding(c, 0) != 1)
        goto out;
    while (done < len) {
        size_t n = len - done < CHUNK ? len - done : CHUNK;
        if (EVP_CipherUpdate(c, out + done, &outl, in + done, (int)n) != 1 ||
            (size_t)outl != n)
            goto out;
        done += n;
    }
    outl = 0;
    if (EVP_CipherFinal_ex(c, out + done, &outl) != 1 || outl != 0)
        goto out;
    st = CAIRN_OK;
out:
    EVP_CIPHER_CTX_free(c);
    if (st != CAIRN_OK && len)
        OPENSSL_cleanse(out, len);
    return st;
}

cairn_status crypto__aes_cbc_raw(int encrypt, const uint8_t *key,
                                 size_t key_len, const uint8_t iv[16],
                                 const uint8_t *in, size_t len, uint8_t *out)
{
    if (len % 16 != 0)
        return CAIRN_ERR_INVALID_ARG;
    return run_cipher(aes_cipher(1, key_len), encrypt ? 1 : 0, key, iv, in,
                      len, out);
}

cairn_status crypto__aes_ctr_raw(const uint8_t *key, size_t key_len,
                                 const uint8_t iv[16], const uint8_t *in,
                                 size_t len, uint8_t *out)
{
    return run_cipher(aes_cipher(0, key_len), 1, key, iv, in, len, out);
}
