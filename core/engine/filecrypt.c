/*
 * filecrypt.c - file encryption for transfer over HTTP (spec/client-engine.md
 * ENG-FILE-*): libsodium's secretstream (XChaCha20-Poly1305) in 64 KiB
 * chunks under a fresh random key per file; the last chunk carries the
 * FINAL tag, so truncation and reordering are detected. The SHA-256 digest
 * of the whole ciphertext travels, with the key, inside the Signal
 * ciphertext of the FILE payload; the receiver checks size and digest
 * before it decrypts anything, so a substituted blob is refused whole.
 */
#include <string.h>

#include <sodium.h>

#include "crypto.h"

#define HDR crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES

uint64_t engine__file_ciphertext_size(uint64_t n)
{
    uint64_t chunks = n / ENGINE_FILE_CHUNK + 1; /* a final chunk, maybe empty */
    if (n > 0 && n % ENGINE_FILE_CHUNK == 0)
        chunks = n / ENGINE_FILE_CHUNK;
    return HDR + n + chunks * ABYTES;
}

cairn_status engine__file_encrypt(const cairn_context *ctx, const uint8_t *pt, size_t len,
                                  uint8_t key[32], uint8_t digest[32], uint8_t **ct, size_t *ct_len)
{
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t k[32];
    uint8_t *out;
    size_t n, off = 0, o = HDR;
    cairn_status rc;

    if (len > ENGINE_FILE_MAX || (pt == NULL && len > 0))
        return CAIRN_ERR_TOO_LARGE;
    n = (size_t)engine__file_ciphertext_size(len);
    rc = cairn__random(ctx, k, sizeof(k));
    if (rc != CAIRN_OK)
        return rc;
    out = cairn__alloc(ctx, n);
    if (out == NULL) {
        sodium_memzero(k, sizeof(k));
        return CAIRN_ERR_NOMEM;
    }
    crypto_secretstream_xchacha20poly1305_init_push(&st, out, k);
    do {
        size_t c = len - off > ENGINE_FILE_CHUNK ? ENGINE_FILE_CHUNK : len - off;
        uint8_t tag = off + c == len ? crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0;
        crypto_secretstream_xchacha20poly1305_push(&st, out + o, NULL, pt ? pt + off : NULL, c,
                                                   NULL, 0, tag);
        off += c;
        o += c + ABYTES;
    } while (off < len);
    sodium_memzero(&st, sizeof(st));
    crypto_hash_sha256(digest, out, n);
    memcpy(key, k, 32);
    sodium_memzero(k, sizeof(k));
    *ct = out;
    *ct_len = n;
    return CAIRN_OK;
}

cairn_status engine__file_decrypt(const cairn_context *ctx, const uint8_t key[32],
                                  const uint8_t digest[32], uint64_t size, const uint8_t *ct,
                                  size_t ct_len, uint8_t **pt, size_t *pt_len)
{
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t d[32];
    uint8_t *out;
    size_t off = HDR, o = 0;
    int final = 0;

    if (size > ENGINE_FILE_MAX || ct == NULL)
        return CAIRN_ERR_TOO_LARGE;
    /* ENG-FILE-3: the size the sender declared fixes the ciphertext size */
    if ((uint64_t)ct_len != engine__file_ciphertext_size(size))
        return CAIRN_ERR_INVALID_MESSAGE;
    crypto_hash_sha256(d, ct, ct_len);
    if (cairn__memeq_ct(d, digest, 32) != 0) /* ENG-FILE-4 */
        return CAIRN_ERR_INVALID_MESSAGE;
    out = cairn__alloc(ctx, size ? (size_t)size : 1);
    if (out == NULL)
        return CAIRN_ERR_NOMEM;
    if (crypto_secretstream_xchacha20poly1305_init_pull(&st, ct, key) != 0)
        goto bad;
    while (!final) {
        size_t c =
            ct_len - off > ENGINE_FILE_CHUNK + ABYTES ? ENGINE_FILE_CHUNK + ABYTES : ct_len - off;
        unsigned long long got = 0;
        uint8_t tag = 0;
        if (c < ABYTES || o + (c - ABYTES) > size)
            goto bad;
        if (crypto_secretstream_xchacha20poly1305_pull(&st, out + o, &got, &tag, ct + off, c, NULL,
                                                       0) != 0)
            goto bad;
        final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
        off += c;
        o += (size_t)got;
        if (!final && off >= ct_len)
            goto bad; /* truncated: no FINAL chunk */
    }
    if (off != ct_len || o != size)
        goto bad;
    sodium_memzero(&st, sizeof(st));
    *pt = out;
    *pt_len = o;
    return CAIRN_OK;
bad:
    sodium_memzero(&st, sizeof(st));
    cairn__free_secret(ctx, out, size ? (size_t)size : 1);
    return CAIRN_ERR_INVALID_MESSAGE;
}
