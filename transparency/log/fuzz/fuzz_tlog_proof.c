/*
 * fuzz_tlog_proof.c - fuzz target for proof verification with fuzzed proof
 * bytes against a fixed 64-leaf tree. Input: index (1 byte), size (1 byte),
 * old size (1 byte), then the proof. Verification must never crash, and
 * whenever it accepts a proof for the true leaf and roots, that proof must
 * be the one generation produces (no second valid proof, TLOG-4/TLOG-5).
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/tlog_merkle.h"

#define N 64
#define HL CAIRN_TLOG_HASH_LEN

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Consumes a status whose value the target does not judge. */
static void sink(cairn_status rc)
{
    if ((int)rc < 0)
        abort();
}

static uint8_t g_leaves[N][HL];

static cairn_status reader(void *ud, unsigned level, uint64_t index, uint8_t out[HL])
{
    (void)ud;
    if (level > 6 || ((index + 1) << level) > N)
        return CAIRN_ERR_INVALID_ARG;
    return cairn_tlog_root_from_leaf_hashes(out, g_leaves[index << level],
                                            (uint64_t)1 << level);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    uint8_t r1[HL], r2[HL], want[CAIRN_TLOG_MAX_PROOF_LEN];
    size_t wlen;
    uint64_t idx, n, m;
    const uint8_t *proof;
    size_t plen;

    if (!init) {
        uint8_t i;
        for (i = 0; i < N; i++)
            cairn_tlog_hash_leaf(g_leaves[i], &i, 1);
        init = 1;
    }
    if (size < 3)
        return 0;
    idx = data[0];
    n = 1 + data[1] % N;
    m = 1 + data[2] % N;
    proof = data + 3;
    plen = size - 3;
    if (cairn_tlog_root_from_leaf_hashes(r2, &g_leaves[0][0], n) != CAIRN_OK ||
        cairn_tlog_root_from_leaf_hashes(r1, &g_leaves[0][0], m) != CAIRN_OK)
        abort();

    if (cairn_tlog_verify_inclusion(idx, n, g_leaves[idx % N], HL, proof, plen, r2, HL) ==
        CAIRN_OK) {
        if (cairn_tlog_prove_inclusion(reader, NULL, idx, n, want, sizeof(want), &wlen) !=
                CAIRN_OK ||
            wlen != plen || memcmp(want, proof, plen) != 0)
            abort();
    }
    if (cairn_tlog_verify_consistency(m, n, proof, plen, r1, HL, r2, HL) == CAIRN_OK) {
        if (m > n ||
            cairn_tlog_prove_consistency(reader, NULL, m, n, want, sizeof(want), &wlen) !=
                CAIRN_OK ||
            wlen != plen || memcmp(want, proof, plen) != 0)
            abort();
    }
    /* raw sizes from the input too, including huge ones */
    if (size >= 19) {
        uint64_t a = 0, b = 0;
        int k;
        for (k = 0; k < 8; k++) {
            a = a << 8 | data[3 + k];
            b = b << 8 | data[11 + k];
        }
        sink(cairn_tlog_verify_inclusion(a, b, g_leaves[0], HL, data + 19, size - 19, r2, HL));
        sink(cairn_tlog_verify_consistency(a, b, data + 19, size - 19, r1, HL, r2, HL));
    }
    return 0;
}
