/*
 * aes.c - AES-CBC with PKCS#7 padding and AES-CTR on top of the backend's
 * raw block-mode primitives: argument checks, the output allocation and
 * the padding live here once, so both backends behave identically.
 *
 * Invariants:
 *  - padding is added and checked here, never by the backend; the check
 *    on decrypt reads the whole last block and does not branch on secret
 *    bytes, so its timing does not reveal where the padding went wrong;
 *  - a buffer holding plaintext is wiped before it is freed on every error
 *    path; on encrypt, the plaintext copy is overwritten in place by the
 *    ciphertext, so no plaintext survives in the returned buffer;
 *  - *out / *out_len are written only on success.
 */
#include <string.h>

#include "backend.h"
#include "crypto.h"

static int key_len_ok(size_t key_len)
{
    return key_len == 16 || key_len == 24 || key_len == 32;
}

static cairn_status check_args(const cairn_context *ctx, const uint8_t *key,
                               size_t key_len, const uint8_t *iv,
                               const uint8_t *in, size_t in_len,
                               uint8_t **out, size_t *out_len)
{
    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (ctx == NULL || key == NULL || iv == NULL || out == NULL ||
        out_len == NULL || (in == NULL && in_len != 0) || !key_len_ok(key_len))
        return CAIRN_ERR_INVALID_ARG;
    return CAIRN_OK;
}

/* All-ones when a < b, else 0, without a branch (a, b < 2^31). */
static unsigned ct_lt_mask(unsigned a, unsigned b)
{
    return 0u - ((a - b) >> (sizeof(unsigned) * 8 - 1));
}

/* Returns the padding length (1..16) of a decrypted CBC message whose
 * length is a positive multiple of 16, or 0 when the padding is invalid. */
static size_t pkcs7_pad_len(const uint8_t *p, size_t len)
{
    const uint8_t *last = p + len - CAIRN_AES_BLOCK_LEN;
    unsigned pad = last[CAIRN_AES_BLOCK_LEN - 1];
    unsigned bad = 0;
    unsigned i;

    /* pad must be in 1..16 */
    bad |= ct_lt_mask(pad, 1);
    bad |= ct_lt_mask(CAIRN_AES_BLOCK_LEN, pad);
    /* every byte counted by pad must equal pad; look at all 16 anyway */
    for (i = 0; i < CAIRN_AES_BLOCK_LEN; i++) {
        unsigned in_pad = ct_lt_mask(i, pad);
        bad |= in_pad & (last[CAIRN_AES_BLOCK_LEN - 1 - i] ^ pad);
    }
    /* bad is either 0 or has some bit set; fold to 0 / all-ones */
    bad = 0u - ((bad | (0u - bad)) >> (sizeof(unsigned) * 8 - 1));
    return (size_t)(pad & ~bad);
}

cairn_status cairn__aes_cbc_encrypt(const cairn_context *ctx,
                                    const uint8_t *key, size_t key_len,
                                    const uint8_t iv[CAIRN_AES_BLOCK_LEN],
                                    const uint8_t *in, size_t in_len,
                                    uint8_t **out, size_t *out_len)
{
    cairn_status st = check_args(ctx, key, key_len, iv, in, in_len, out,
                                 out_len);
    size_t pad, total;
    uint8_t *buf;

    if (st != CAIRN_OK)
        return st;
    pad = CAIRN_AES_BLOCK_LEN - in_len % CAIRN_AES_BLOCK_LEN;
    if (in_len > SIZE_MAX - pad)
        return CAIRN_ERR_INVALID_ARG;
    total = in_len + pad;
    buf = cairn__alloc(ctx, total);
    if (buf == NULL)
        return CAIRN_ERR_NOMEM;
    if (in_len)
        memcpy(buf, in, in_len);
    memset(buf + in_len, (int)pad, pad);
    st = crypto__aes_cbc_raw(1, key, key_len, iv, buf, total, buf);
    if (st != CAIRN_OK) {
        cairn__free_secret(ctx, buf, total);
        return st;
    }
    *out = buf;
    *out_len = total;
    return CAIRN_OK;
}

cairn_status cairn__aes_cbc_decrypt(const cairn_context *ctx,
                                    const uint8_t *key, size_t key_len,
                                    const uint8_t iv[CAIRN_AES_BLOCK_LEN],
                                    const uint8_t *in, size_t in_len,
                                    uint8_t **out, size_t *out_len)
{
    cairn_status st = check_args(ctx, key, key_len, iv, in, in_len, out,
                                 out_len);
    uint8_t *buf;
    size_t pad;

    if (st != CAIRN_OK)
        return st;
    /* Padding always adds at least one byte, so an empty ciphertext
     * cannot come from a valid encryption. */
    if (in_len == 0 || in_len % CAIRN_AES_BLOCK_LEN != 0)
        return CAIRN_ERR_INVALID_MESSAGE;
    buf = cairn__alloc(ctx, in_len);
    if (buf == NULL)
        return CAIRN_ERR_NOMEM;
    st = crypto__aes_cbc_raw(0, key, key_len, iv, in, in_len, buf);
    if (st != CAIRN_OK) {
        cairn__free_secret(ctx, buf, in_len);
        return st;
    }
    pad = pkcs7_pad_len(buf, in_len);
    if (pad == 0) {
        cairn__free_secret(ctx, buf, in_len);
        return CAIRN_ERR_INVALID_MESSAGE;
    }
    /* The padding bytes are public, but the caller frees only out_len. */
    cairn__wipe(buf + in_len - pad, pad);
    *out = buf;
    *out_len = in_len - pad;
    return CAIRN_OK;
}

cairn_status cairn__aes_ctr_crypt(const cairn_context *ctx, const uint8_t *key,
                                  size_t key_len,
                                  const uint8_t iv[CAIRN_AES_BLOCK_LEN],
                                  const uint8_t *in, size_t in_len,
                                  uint8_t **out, size_t *out_len)
{
    cairn_status st = check_args(ctx, key, key_len, iv, in, in_len, out,
                                 out_len);
    uint8_t *buf;

    if (st != CAIRN_OK)
        return st;
    /* Never a zero-byte request, so *out is non-NULL even for empty input. */
    buf = cairn__alloc(ctx, in_len ? in_len : 1);
    if (buf == NULL)
        return CAIRN_ERR_NOMEM;
    if (in_len) {
        st = crypto__aes_ctr_raw(key, key_len, iv, in, in_len, buf);
        if (st != CAIRN_OK) {
            cairn__free_secret(ctx, buf, in_len);
            return st;
        }
    }
    *out = buf;
    *out_len = in_len;
    return CAIRN_OK;
}
