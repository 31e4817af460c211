/*
 * proof_verify.c - inclusion and consistency proof verification, the
 * algorithms of RFC 9162 sections 2.1.3.2 and 2.1.4.2 plus the edge rules
 * of TLOG-4 and TLOG-5 (sizes, empty proofs, hash lengths).
 *
 * Everything that arrives from outside is checked before any hashing: a
 * hash of the wrong length or a proof that is not a whole number of hashes
 * fails. Final root comparisons are constant time, not because roots are
 * secret but so the comparison has one code path.
 */
#include <string.h>

#include "cairn/tlog_merkle.h"
#include "tlog_internal.h"

#define HL CAIRN_TLOG_HASH_LEN

cairn_status cairn_tlog_verify_inclusion(uint64_t index, uint64_t size,
                                         const uint8_t *leaf_hash,
                                         size_t leaf_hash_len,
                                         const uint8_t *proof,
                                         size_t proof_len, const uint8_t *root,
                                         size_t root_len)
{
    uint8_t r[HL];
    uint64_t fn, sn;
    size_t i, count;

    if ((leaf_hash == NULL && leaf_hash_len) || (proof == NULL && proof_len) ||
        (root == NULL && root_len))
        return CAIRN_ERR_INVALID_ARG;
    if (leaf_hash_len != HL || root_len != HL || proof_len % HL != 0 ||
        proof_len > CAIRN_TLOG_MAX_PROOF_LEN)
        return CAIRN_ERR_PROOF;
    if (index >= size)
        return CAIRN_ERR_PROOF;
    count = proof_len / HL;
    fn = index;
    sn = size - 1;
    memcpy(r, leaf_hash, HL);
    for (i = 0; i < count; i++) {
        const uint8_t *p = proof + i * HL;
        if (sn == 0)
            return CAIRN_ERR_PROOF;
        if ((fn & 1) || fn == sn) {
            cairn_tlog_hash_children(r, p, r);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            cairn_tlog_hash_children(r, r, p);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || cairn__memeq_ct(r, root, HL) != 0)
        return CAIRN_ERR_PROOF;
    return CAIRN_OK;
}

cairn_status cairn_tlog_verify_consistency(uint64_t size1, uint64_t size2,
                                           const uint8_t *proof,
                                           size_t proof_len,
                                           const uint8_t *root1,
                                           size_t root1_len,
                                           const uint8_t *root2,
                                           size_t root2_len)
{
    uint8_t fr[HL], sr[HL];
    uint64_t fn, sn;
    size_t i, count;
    const uint8_t *first;

    if ((proof == NULL && proof_len) || (root1 == NULL && root1_len) ||
        (root2 == NULL && root2_len))
        return CAIRN_ERR_INVALID_ARG;
    if (size1 > size2 || size1 == 0)
        return CAIRN_ERR_PROOF;
    if (size1 == size2) {
        /* Nothing to prove: the trees are the same tree. */
        if (proof_len != 0 || root1_len != root2_len ||
            (root1_len && cairn__memeq_ct(root1, root2, root1_len) != 0))
            return CAIRN_ERR_PROOF;
        return CAIRN_OK;
    }
    if (root1_len != HL || root2_len != HL || proof_len == 0 ||
        proof_len % HL != 0 || proof_len > CAIRN_TLOG_MAX_PROOF_LEN)
        return CAIRN_ERR_PROOF;
    count = proof_len / HL;

    /* When size1 is a power of two the old root is itself a node of the
     * new tree and the proof omits it: start from root1 instead. */
    fn = size1 - 1;
    sn = size2 - 1;
    if ((size1 & (size1 - 1)) == 0) {
        first = root1;
        i = 0;
    } else {
        first = proof;
        i = 1;
    }
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    memcpy(fr, first, HL);
    memcpy(sr, first, HL);
    for (; i < count; i++) {
        const uint8_t *c = proof + i * HL;
        if (sn == 0)
            return CAIRN_ERR_PROOF;
        if ((fn & 1) || fn == sn) {
            cairn_tlog_hash_children(fr, c, fr);
            cairn_tlog_hash_children(sr, c, sr);
            while (!(fn & 1) && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            cairn_tlog_hash_children(sr, sr, c);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || cairn__memeq_ct(fr, root1, HL) != 0 ||
        cairn__memeq_ct(sr, root2, HL) != 0)
        return CAIRN_ERR_PROOF;
    return CAIRN_OK;
}
