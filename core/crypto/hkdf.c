/*
 * hkdf.c - HKDF-SHA256 (RFC 5869) on the backend's streaming HMAC; the
 * same code runs over both backends.
 *
 * Invariants: the output length is checked (L <= 255 * HashLen, RFC 5869
 * section 2.3) before anything is written; the pseudorandom key PRK and the
 * running block T(i) are wiped before return; on a backend failure the
 * caller's output is wiped so a half-derived key is never used.
 */
#include <string.h>

#include "backend.h"
#include "crypto.h"

/* T(i) = HMAC(PRK, T(i-1) | info | i), T(0) empty. */
static cairn_status expand_block(const uint8_t prk[32], const uint8_t *prev,
                                 const uint8_t *info, size_t info_len,
                                 uint8_t counter, uint8_t t[32])
{
    crypto__hmac h;
    cairn_status st = crypto__hmac_init(&h, prk, 32);
    if (st == CAIRN_OK && prev != NULL)
        st = crypto__hmac_update(&h, prev, 32);
    if (st == CAIRN_OK)
        st = crypto__hmac_update(&h, info, info_len);
    if (st == CAIRN_OK)
        st = crypto__hmac_update(&h, &counter, 1);
    if (st == CAIRN_OK)
        st = crypto__hmac_final(&h, t);
    crypto__hmac_clear(&h);
    return st;
}

cairn_status cairn__hkdf_sha256(const uint8_t *salt, size_t salt_len,
                                const uint8_t *ikm, size_t ikm_len,
                                const uint8_t *info, size_t info_len,
                                uint8_t *out, size_t out_len)
{
    static const uint8_t zero_salt[CAIRN_SHA256_LEN];
    uint8_t prk[CAIRN_SHA256_LEN];
    uint8_t t[CAIRN_SHA256_LEN];
    cairn_status st;
    size_t done = 0;
    unsigned i;

    if (out_len > CAIRN_HKDF_SHA256_MAX_OUT ||
        (out == NULL && out_len != 0) || (salt == NULL && salt_len != 0) ||
        (ikm == NULL && ikm_len != 0) || (info == NULL && info_len != 0))
        return CAIRN_ERR_INVALID_ARG;
    if (out_len == 0)
        return CAIRN_OK;

    /* Extract. An absent salt is HashLen zero bytes (RFC 5869 2.2). */
    if (salt_len == 0)
        st = cairn__hmac_sha256(zero_salt, sizeof(zero_salt), ikm, ikm_len,
                                prk);
    else
        st = cairn__hmac_sha256(salt, salt_len, ikm, ikm_len, prk);

    for (i = 1; st == CAIRN_OK && done < out_len; i++) {
        size_t n = out_len - done < sizeof(t) ? out_len - done : sizeof(t);
        st = expand_block(prk, i == 1 ? NULL : t, info, info_len,
                          (uint8_t)i, t);
        if (st == CAIRN_OK) {
            memcpy(out + done, t, n);
            done += n;
        }
    }
    cairn__wipe(prk, sizeof(prk));
    cairn__wipe(t, sizeof(t));
    if (st != CAIRN_OK)
        cairn__wipe(out, out_len);
    return st;
}
