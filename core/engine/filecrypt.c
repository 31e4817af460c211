/*
 * filecrypt.c - file encryption for transfer over HTTP (spec/client-engine.md
 * ENG-FILE-*): libsodium's secretstream (XChaCha20-Poly1305) in 64 KiB
 * chunks under a fresh random key per file; the last chunk carries the
 * FINAL tag, so truncation and reordering are detected. The SHA-256 digest
 * of the whole ciphertext travels, with the key, inside the Signal
 * ciphertext of the FILE payload; the receiver checks size and digest
 * before it decrypts anything, so a substituted blob is refused whole.
 *
 * Everything streams one chunk at a time through read/write callbacks
 * (two chunk buffers, whatever the file size); the in-memory forms are
 * the same code over memory cursors.
 */
#include <string.h>

#include <sodium.h>

#include "crypto.h"

#define HDR crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define TAG_FINAL crypto_secretstream_xchacha20poly1305_TAG_FINAL

uint64_t engine__file_ciphertext_size(uint64_t n)
{
    uint64_t chunks = n / ENGINE_FILE_CHUNK + 1; /* a final chunk, maybe empty */
    if (n > 0 && n % ENGINE_FILE_CHUNK == 0)
        chunks = n / ENGINE_FILE_CHUNK;
    return HDR + n + chunks * ABYTES;
}

/* A plaintext chunk buffer (wiped) and a ciphertext one. */
typedef struct bufs {
    uint8_t *pt, *ct;
} bufs;

static cairn_status bufs_get(const cairn_context *ctx, bufs *b)
{
    b->pt = cairn__alloc(ctx, ENGINE_FILE_CHUNK);
    b->ct = cairn__alloc(ctx, ENGINE_FILE_CHUNK + ABYTES);
    return b->pt && b->ct ? CAIRN_OK : CAIRN_ERR_NOMEM;
}

static void bufs_put(const cairn_context *ctx, bufs *b)
{
    if (b->pt)
        cairn__free_secret(ctx, b->pt, ENGINE_FILE_CHUNK);
    cairn__free(ctx, b->ct);
}

cairn_status engine__file_encrypt_stream(const cairn_context *ctx, uint64_t len,
                                         engine_file_read_fn rd, void *rud, engine_file_write_fn wr,
                                         void *wud, uint8_t key[32], uint8_t digest[32])
{
    crypto_secretstream_xchacha20poly1305_state st;
    crypto_hash_sha256_state h;
    uint8_t k[32], hdr[HDR];
    uint64_t off = 0;
    bufs b = {NULL, NULL};
    cairn_status rc;

    if (len > ENGINE_FILE_MAX)
        return CAIRN_ERR_TOO_LARGE;
    if ((rc = bufs_get(ctx, &b)) != CAIRN_OK || (rc = cairn__random(ctx, k, sizeof(k))) != CAIRN_OK)
        goto out;
    crypto_secretstream_xchacha20poly1305_init_push(&st, hdr, k);
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, hdr, HDR);
    if ((rc = wr(wud, hdr, HDR)) != CAIRN_OK)
        goto out;
    do {
        size_t c = len - off > ENGINE_FILE_CHUNK ? ENGINE_FILE_CHUNK : (size_t)(len - off);
        uint8_t tag = off + c == len ? TAG_FINAL : 0;
        if (c > 0 && (rc = rd(rud, b.pt, c)) != CAIRN_OK)
            goto out;
        crypto_secretstream_xchacha20poly1305_push(&st, b.ct, NULL, b.pt, c, NULL, 0, tag);
        crypto_hash_sha256_update(&h, b.ct, c + ABYTES);
        if ((rc = wr(wud, b.ct, c + ABYTES)) != CAIRN_OK)
            goto out;
        off += c;
    } while (off < len);
    crypto_hash_sha256_final(&h, digest);
    memcpy(key, k, 32);
out:
    sodium_memzero(&st, sizeof(st));
    sodium_memzero(k, sizeof(k));
    bufs_put(ctx, &b);
    return rc;
}

cairn_status engine__file_digest_check(const cairn_context *ctx, uint64_t size,
                                       engine_file_read_fn rd, void *rud, const uint8_t digest[32])
{
    crypto_hash_sha256_state h;
    uint64_t left;
    uint8_t d[32];
    bufs b = {NULL, NULL};
    cairn_status rc;
    if (size > ENGINE_FILE_MAX)
        return CAIRN_ERR_TOO_LARGE;
    if ((rc = bufs_get(ctx, &b)) != CAIRN_OK)
        goto out;
    crypto_hash_sha256_init(&h);
    for (left = engine__file_ciphertext_size(size); left > 0;) {
        size_t c = left > ENGINE_FILE_CHUNK + ABYTES ? ENGINE_FILE_CHUNK + ABYTES : (size_t)left;
        if ((rc = rd(rud, b.ct, c)) != CAIRN_OK)
            goto out;
        crypto_hash_sha256_update(&h, b.ct, c);
        left -= c;
    }
    crypto_hash_sha256_final(&h, d);
    if (cairn__memeq_ct(d, digest, 32) != 0)
        rc = CAIRN_ERR_INVALID_MESSAGE;
out:
    bufs_put(ctx, &b);
    return rc;
}

cairn_status engine__file_decrypt_stream(const cairn_context *ctx, const uint8_t key[32],
                                         uint64_t size, engine_file_read_fn rd, void *rud,
                                         engine_file_write_fn wr, void *wud)
{
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t hdr[HDR];
    uint64_t left = size;
    int final = 0;
    bufs b = {NULL, NULL};
    cairn_status rc;
    if (size > ENGINE_FILE_MAX)
        return CAIRN_ERR_TOO_LARGE;
    if ((rc = bufs_get(ctx, &b)) != CAIRN_OK || (rc = rd(rud, hdr, HDR)) != CAIRN_OK)
        goto out;
    if (crypto_secretstream_xchacha20poly1305_init_pull(&st, hdr, key) != 0) {
        rc = CAIRN_ERR_INVALID_MESSAGE;
        goto out;
    }
    /* the declared size fixes every chunk's length (ENG-FILE-3) */
    while (!final) {
        size_t c = left > ENGINE_FILE_CHUNK ? ENGINE_FILE_CHUNK : (size_t)left;
        unsigned long long got = 0;
        uint8_t tag = 0;
        if ((rc = rd(rud, b.ct, c + ABYTES)) != CAIRN_OK)
            goto out;
        if (crypto_secretstream_xchacha20poly1305_pull(&st, b.pt, &got, &tag, b.ct, c + ABYTES,
                                                       NULL, 0) != 0 ||
            got != c) {
            rc = CAIRN_ERR_INVALID_MESSAGE;
            goto out;
        }
        final = tag == TAG_FINAL;
        /* FINAL exactly on the last chunk: no truncation, no extension */
        if (final != (left == c)) {
            rc = CAIRN_ERR_INVALID_MESSAGE;
            goto out;
        }
        if (c > 0 && (rc = wr(wud, b.pt, c)) != CAIRN_OK)
            goto out;
        left -= c;
    }
out:
    sodium_memzero(&st, sizeof(st));
    bufs_put(ctx, &b);
    return rc;
}

/* ------------------------------------------------ in-memory forms */

typedef struct cursor {
    const uint8_t *in;
    uint8_t *out;
    size_t left;
} cursor;

static cairn_status mem_read(void *ud, uint8_t *p, size_t n)
{
    cursor *c = ud;
    if (n > c->left)
        return CAIRN_ERR_INVALID_MESSAGE; /* truncated */
    memcpy(p, c->in, n);
    c->in += n;
    c->left -= n;
    return CAIRN_OK;
}

static cairn_status mem_write(void *ud, const uint8_t *p, size_t n)
{
    cursor *c = ud;
    if (n > c->left)
        return CAIRN_ERR_INTERNAL;
    memcpy(c->out, p, n);
    c->out += n;
    c->left -= n;
    return CAIRN_OK;
}

cairn_status engine__file_encrypt(const cairn_context *ctx, const uint8_t *pt, size_t len,
                                  uint8_t key[32], uint8_t digest[32], uint8_t **ct, size_t *ct_len)
{
    cursor r = {pt, NULL, len}, w;
    size_t n;
    uint8_t *out;
    cairn_status rc;
    if (len > ENGINE_FILE_MAX || (pt == NULL && len > 0))
        return CAIRN_ERR_TOO_LARGE;
    n = (size_t)engine__file_ciphertext_size(len);
    if ((out = cairn__alloc(ctx, n)) == NULL)
        return CAIRN_ERR_NOMEM;
    w = (cursor){NULL, out, n};
    rc = engine__file_encrypt_stream(ctx, len, mem_read, &r, mem_write, &w, key, digest);
    if (rc != CAIRN_OK) {
        cairn__free(ctx, out);
        return rc;
    }
    *ct = out;
    *ct_len = n;
    return CAIRN_OK;
}

cairn_status engine__file_decrypt(const cairn_context *ctx, const uint8_t key[32],
                                  const uint8_t digest[32], uint64_t size, const uint8_t *ct,
                                  size_t ct_len, uint8_t **pt, size_t *pt_len)
{
    cursor r, w;
    uint8_t *out;
    cairn_status rc;
    if (size > ENGINE_FILE_MAX || ct == NULL)
        return CAIRN_ERR_TOO_LARGE;
    /* ENG-FILE-3: the size the sender declared fixes the ciphertext size */
    if ((uint64_t)ct_len != engine__file_ciphertext_size(size))
        return CAIRN_ERR_INVALID_MESSAGE;
    r = (cursor){ct, NULL, ct_len};
    if ((rc = engine__file_digest_check(ctx, size, mem_read, &r, digest)) != CAIRN_OK)
        return rc;
    if ((out = cairn__alloc(ctx, size ? (size_t)size : 1)) == NULL)
        return CAIRN_ERR_NOMEM;
    r = (cursor){ct, NULL, ct_len};
    w = (cursor){NULL, out, (size_t)size};
    rc = engine__file_decrypt_stream(ctx, key, size, mem_read, &r, mem_write, &w);
    if (rc != CAIRN_OK) {
        cairn__free_secret(ctx, out, size ? (size_t)size : 1);
        return rc == CAIRN_ERR_INTERNAL ? CAIRN_ERR_INVALID_MESSAGE : rc;
    }
    *pt = out;
    *pt_len = (size_t)size;
    return CAIRN_OK;
}
