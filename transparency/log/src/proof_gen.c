/*
 * proof_gen.c - inclusion and consistency proof generation (RFC 9162
 * sections 2.1.3.1 and 2.1.4.1) over a reader of stored subtree hashes.
 *
 * The RFC recursions are unrolled into loops that walk from the root down,
 * collecting one hash per step, and the result is reversed at the end so
 * the proof lists hashes from the leaf upwards as the RFC does. Every range
 * [a, b) hashed here starts at a multiple of a power of two at least b - a,
 * so it decomposes into complete stored subtrees (TLOG-3).
 */
#include <string.h>

#include "cairn/tlog_merkle.h"
#include "tlog_internal.h"

static unsigned log2_exact(uint64_t n)
{
    unsigned l = 0;
    while (n > 1) {
        n >>= 1;
        l++;
    }
    return l;
}

/* MTH(D[a:b]) for an aligned range, from complete stored subtrees. */
static cairn_status range_hash(cairn_tlog_hash_reader rd, void *ud,
                               uint64_t a, uint64_t b,
                               uint8_t out[CAIRN_TLOG_HASH_LEN])
{
    uint8_t stack[CAIRN_TLOG_MAX_PROOF_HASHES][CAIRN_TLOG_HASH_LEN];
    size_t depth = 0;
    cairn_status rc;

    /* Left parts are complete subtrees; the right remainder shrinks each
     * step, so at most 64 left parts are collected before the last one. */
    while ((b - a) & (b - a - 1)) {
        uint64_t k = tlog__split(b - a);
        unsigned level = log2_exact(k);
        rc = rd(ud, level, a >> level, stack[depth]);
        if (rc != CAIRN_OK)
            return rc;
        depth++;
        a += k;
    }
    {
        unsigned level = log2_exact(b - a);
        rc = rd(ud, level, a >> level, out);
        if (rc != CAIRN_OK)
            return rc;
    }
    while (depth > 0) {
        depth--;
        cairn_tlog_hash_children(out, stack[depth], out);
    }
    return CAIRN_OK;
}

static cairn_status emit(uint8_t tmp[][CAIRN_TLOG_HASH_LEN], size_t n,
                         uint8_t *proof, size_t cap, size_t *len)
{
    size_t i;
    if (n * CAIRN_TLOG_HASH_LEN > cap)
        return CAIRN_ERR_TOO_LARGE;
    for (i = 0; i < n; i++)
        memcpy(proof + i * CAIRN_TLOG_HASH_LEN, tmp[n - 1 - i],
               CAIRN_TLOG_HASH_LEN);
    *len = n * CAIRN_TLOG_HASH_LEN;
    return CAIRN_OK;
}

cairn_status cairn_tlog_tree_hash(cairn_tlog_hash_reader reader, void *ud,
                                  uint64_t size,
                                  uint8_t out[CAIRN_TLOG_HASH_LEN])
{
    if (reader == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (size == 0) {
        cairn_tlog_hash_empty(out);
        return CAIRN_OK;
    }
    return range_hash(reader, ud, 0, size, out);
}

cairn_status cairn_tlog_prove_inclusion(cairn_tlog_hash_reader reader,
                                        void *ud, uint64_t index,
                                        uint64_t size, uint8_t *proof,
                                        size_t proof_cap, size_t *proof_len)
{
    uint8_t tmp[CAIRN_TLOG_MAX_PROOF_HASHES][CAIRN_TLOG_HASH_LEN];
    size_t n = 0;
    uint64_t a = 0, b = size;
    cairn_status rc;

    if (reader == NULL || proof_len == NULL || (proof == NULL && proof_cap))
        return CAIRN_ERR_INVALID_ARG;
    if (index >= size)
        return CAIRN_ERR_INVALID_ARG;
    while (b - a > 1) {
        uint64_t k = tlog__split(b - a);
        if (n == CAIRN_TLOG_MAX_PROOF_HASHES)
            return CAIRN_ERR_INTERNAL;
        if (index < a + k) {
            rc = range_hash(reader, ud, a + k, b, tmp[n]);
            b = a + k;
        } else {
            rc = range_hash(reader, ud, a, a + k, tmp[n]);
            a += k;
        }
        if (rc != CAIRN_OK)
            return rc;
        n++;
    }
    return emit(tmp, n, proof, proof_cap, proof_len);
}

cairn_status cairn_tlog_prove_consistency(cairn_tlog_hash_reader reader,
                                          void *ud, uint64_t size1,
                                          uint64_t size2, uint8_t *proof,
                                          size_t proof_cap, size_t *proof_len)
{
    uint8_t tmp[CAIRN_TLOG_MAX_PROOF_HASHES][CAIRN_TLOG_HASH_LEN];
    size_t n = 0;
    uint64_t a = 0, b = size2, m = size1;
    int whole = 1; /* the RFC's flag b: still on the path of the old root */
    cairn_status rc;

    if (reader == NULL || proof_len == NULL || (proof == NULL && proof_cap))
        return CAIRN_ERR_INVALID_ARG;
    if (size1 > size2)
        return CAIRN_ERR_INVALID_ARG;
    if (size1 == 0 || size1 == size2) {
        *proof_len = 0;
        return CAIRN_OK;
    }
    for (;;) {
        if (n == CAIRN_TLOG_MAX_PROOF_HASHES)
            return CAIRN_ERR_INTERNAL;
        if (m == b - a) {
            if (!whole) {
                rc = range_hash(reader, ud, a, b, tmp[n]);
                if (rc != CAIRN_OK)
                    return rc;
                n++;
            }
            break;
        }
        {
            uint64_t k = tlog__split(b - a);
            if (m <= k) {
                rc = range_hash(reader, ud, a + k, b, tmp[n]);
                b = a + k;
            } else {
                rc = range_hash(reader, ud, a, a + k, tmp[n]);
                a += k;
                m -= k;
                whole = 0;
            }
            if (rc != CAIRN_OK)
                return rc;
            n++;
        }
    }
    return emit(tmp, n, proof, proof_cap, proof_len);
}
