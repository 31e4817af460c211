/*
 * merkle.c - the RFC 6962 hash functions and the in-memory tree hash.
 * Every other file builds its hashes from the three primitives here, so
 * domain separation (0x00 leaf, 0x01 node) lives in exactly one place
 * (TLOG-1).
 */
#include <string.h>

#include <sodium.h>

#include "cairn/tlog_merkle.h"
#include "tlog_internal.h"

size_t cairn_tlog_hash_len(void) { return CAIRN_TLOG_HASH_LEN; }
size_t cairn_tlog_max_proof_len(void) { return CAIRN_TLOG_MAX_PROOF_LEN; }

void cairn_tlog_hash_leaf(uint8_t out[CAIRN_TLOG_HASH_LEN],
                          const uint8_t *entry, size_t len)
{
    static const uint8_t prefix = 0x00;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, &prefix, 1);
    if (len)
        crypto_hash_sha256_update(&st, entry, len);
    crypto_hash_sha256_final(&st, out);
}

void cairn_tlog_hash_children(uint8_t out[CAIRN_TLOG_HASH_LEN],
                              const uint8_t left[CAIRN_TLOG_HASH_LEN],
                              const uint8_t right[CAIRN_TLOG_HASH_LEN])
{
    uint8_t buf[1 + 2 * CAIRN_TLOG_HASH_LEN];
    buf[0] = 0x01;
    memcpy(buf + 1, left, CAIRN_TLOG_HASH_LEN);
    memcpy(buf + 1 + CAIRN_TLOG_HASH_LEN, right, CAIRN_TLOG_HASH_LEN);
    crypto_hash_sha256(out, buf, sizeof(buf));
}

void cairn_tlog_hash_empty(uint8_t out[CAIRN_TLOG_HASH_LEN])
{
    crypto_hash_sha256(out, NULL, 0);
}

uint64_t tlog__split(uint64_t n)
{
    uint64_t k = 1;
    while (k < n - k) /* k * 2 < n without overflow */
        k <<= 1;
    return k;
}

void tlog__fold(uint8_t out[CAIRN_TLOG_HASH_LEN], const uint8_t *hashes,
                size_t count)
{
    uint8_t left[CAIRN_TLOG_HASH_LEN], right[CAIRN_TLOG_HASH_LEN];
    size_t k;
    if (count == 1) {
        memcpy(out, hashes, CAIRN_TLOG_HASH_LEN);
        return;
    }
    k = (size_t)tlog__split(count);
    tlog__fold(left, hashes, k);
    tlog__fold(right, hashes + k * CAIRN_TLOG_HASH_LEN, count - k);
    cairn_tlog_hash_children(out, left, right);
}

cairn_status cairn_tlog_root_from_leaf_hashes(uint8_t out[CAIRN_TLOG_HASH_LEN],
                                              const uint8_t *leaf_hashes,
                                              uint64_t count)
{
    if (out == NULL || (leaf_hashes == NULL && count > 0) ||
        count > SIZE_MAX / CAIRN_TLOG_HASH_LEN)
        return CAIRN_ERR_INVALID_ARG;
    if (count == 0)
        cairn_tlog_hash_empty(out);
    else
        tlog__fold(out, leaf_hashes, (size_t)count);
    return CAIRN_OK;
}
