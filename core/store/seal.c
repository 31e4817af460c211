/*
 * seal.c - encryption at rest for secret columns.
 *
 * Blob layout: version (1 byte, 0x01) || nonce (24 bytes) || ciphertext
 * with its 16-byte Poly1305 tag. The associated data is
 * "cairn.v1|<table>|<row>", so a blob copied into another row, table or
 * database with another key fails to open: CAIRN_ERR_CORRUPT, never
 * garbage. A nonce is a 16-byte random prefix drawn when the store is
 * opened followed by a 64-bit counter: unique for every record sealed by
 * this handle, and across handles by the prefix (XChaCha20's 192-bit
 * nonce leaves room for both), without a getrandom() call per record,
 * which profiling showed to dominate small writes. The sealing key is a libsodium KDF subkey of the app's
 * storage key, so the raw storage key is never used directly.
 */
#include <string.h>

#include <sodium.h>

#include "store.h"

#define SEAL_VERSION 0x01
#define SEAL_OVERHEAD (1 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + \
                       crypto_aead_xchacha20poly1305_ietf_ABYTES)

static size_t make_ad(char *ad, size_t cap, const char *table, const char *row)
{
    int n = snprintf(ad, cap, "cairn.v1|%s|%s", table, row);
    if (n < 0 || (size_t)n >= cap)
        return 0;
    return (size_t)n;
}

cairn_status store__seal(cairn__store *s, const char *table, const char *row,
                         const uint8_t *pt, size_t pt_len, uint8_t **out, size_t *out_len)
{
    char ad[512];
    size_t ad_len = make_ad(ad, sizeof(ad), table, row);
    uint8_t *blob;
    unsigned long long clen = 0;

    if (ad_len == 0)
        return CAIRN_ERR_TOO_LARGE;
    if (pt_len > STORE_MAX_RECORD_BYTES)
        return CAIRN_ERR_TOO_LARGE;
    blob = cairn__alloc(s->ctx, pt_len + SEAL_OVERHEAD);
    if (blob == NULL)
        return CAIRN_ERR_NOMEM;
    blob[0] = SEAL_VERSION;
    memcpy(blob + 1, s->nonce_prefix, sizeof(s->nonce_prefix));
    for (int i = 0; i < 8; i++)
        blob[1 + sizeof(s->nonce_prefix) + i] = (uint8_t)(s->nonce_counter >> (8 * i));
    s->nonce_counter++;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        blob + 1 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, pt, pt_len,
        (const uint8_t *)ad, ad_len, NULL, blob + 1, s->seal_key);
    *out = blob;
    *out_len = 1 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + (size_t)clen;
    return CAIRN_OK;
}

cairn_status store__unseal(cairn__store *s, const char *table, const char *row,
                           const uint8_t *blob, size_t blob_len, uint8_t **out, size_t *out_len)
{
    char ad[512];
    size_t ad_len = make_ad(ad, sizeof(ad), table, row);
    uint8_t *pt;
    unsigned long long plen = 0;
    size_t max;

    if (ad_len == 0)
        return CAIRN_ERR_TOO_LARGE;
    if (blob == NULL || blob_len < SEAL_OVERHEAD || blob[0] != SEAL_VERSION)
        return CAIRN_ERR_CORRUPT;
    max = blob_len - SEAL_OVERHEAD;
    pt = cairn__alloc(s->ctx, max + 1);
    if (pt == NULL)
        return CAIRN_ERR_NOMEM;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            pt, &plen, NULL, blob + 1 + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
            blob_len - 1 - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, (const uint8_t *)ad,
            ad_len, blob + 1, s->seal_key) != 0) {
        cairn__free_secret(s->ctx, pt, max + 1);
        return CAIRN_ERR_CORRUPT;
    }
    pt[plen] = 0;
    *out = pt;
    *out_len = (size_t)plen;
    return CAIRN_OK;
}

cairn_status store__bind_sealed(cairn__store *s, sqlite3_stmt *st, int idx, const char *table,
                                const char *row, const uint8_t *pt, size_t pt_len)
{
    uint8_t *blob;
    size_t n;
    cairn_status rc = store__seal(s, table, row, pt, pt_len, &blob, &n);
    if (rc != CAIRN_OK)
        return rc;
    rc = store__status(s, sqlite3_bind_blob(st, idx, blob, (int)n, SQLITE_TRANSIENT));
    cairn__free(s->ctx, blob);
    return rc;
}

cairn_status store__column_unsealed(cairn__store *s, sqlite3_stmt *st, int col, const char *table,
                                    const char *row, uint8_t **out, size_t *out_len)
{
    const uint8_t *blob = sqlite3_column_blob(st, col);
    int n = sqlite3_column_bytes(st, col);
    if (sqlite3_column_type(st, col) != SQLITE_BLOB || n <= 0)
        return CAIRN_ERR_CORRUPT;
    return store__unseal(s, table, row, blob, (size_t)n, out, out_len);
}

cairn_status store__meta_put(cairn__store *s, const char *k, const uint8_t *v, size_t n)
{
    sqlite3_stmt *st = store__stmt(s, STORE_STMT_META_PUT);
    cairn_status rc;
    if (st == NULL)
        return CAIRN_ERR_STORE;
    sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
    rc = store__bind_sealed(s, st, 2, "meta", k, v, n);
    if (rc != CAIRN_OK) {
        sqlite3_reset(st);
        return rc;
    }
    return store__exec(s, st);
}

cairn_status store__meta_get(cairn__store *s, const char *k, uint8_t **v, size_t *n)
{
    sqlite3_stmt *st = store__stmt(s, STORE_STMT_META_GET);
    cairn_status rc;
    int step;
    if (st == NULL)
        return CAIRN_ERR_STORE;
    sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_DONE)
        rc = CAIRN_ERR_NOT_FOUND;
    else if (step != SQLITE_ROW)
        rc = store__status(s, step);
    else
        rc = store__column_unsealed(s, st, 0, "meta", k, v, n);
    sqlite3_reset(st);
    return rc;
}
