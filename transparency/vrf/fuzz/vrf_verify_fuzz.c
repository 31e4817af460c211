/*
 * vrf_verify_fuzz.c - fuzz target for cairn_vrf_verify and
 * cairn_vrf_proof_to_hash. Two modes, chosen by the low bit of byte 0:
 *
 *   0: raw      pk[32] || proof[80] || alpha...   hostile bytes straight in
 *   1: mutate   sk[32] || mask[112] || alpha...   a real proof and key,
 *               XORed with mask (80 bytes of proof, then 32 of key)
 *
 * Properties checked (trap on violation): verify returns only OK, PROOF or
 * BAD_PUBLIC_KEY (proof_to_hash only OK or PROOF); on OK, proof_to_hash gives the same beta; in mutate
 * mode the proof verifies exactly when the mask is all zero.
 */
#include <stdint.h>
#include <string.h>

#include "cairn/vrf.h"

static void check_verify(const uint8_t pk[32], const uint8_t proof[80],
                         const uint8_t *alpha, size_t alpha_len, int want_ok)
{
    uint8_t beta[64], beta2[64];
    cairn_status st = cairn_vrf_verify(beta, pk, proof, alpha, alpha_len);
    if (st == CAIRN_OK) {
        if (cairn_vrf_proof_to_hash(beta2, proof) != CAIRN_OK ||
            memcmp(beta, beta2, 64) != 0)
            __builtin_trap();
    } else if (st != CAIRN_ERR_PROOF && st != CAIRN_ERR_BAD_PUBLIC_KEY) {
        __builtin_trap();
    }
    if (want_ok >= 0 && (st == CAIRN_OK) != (want_ok == 1))
        __builtin_trap();
    /* proof_to_hash must cope with anything, failing only as PROOF. */
    st = cairn_vrf_proof_to_hash(beta2, proof);
    if (st != CAIRN_OK && st != CAIRN_ERR_PROOF)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if ((data[0] & 1) == 0) {
        uint8_t pk[32], proof[80];
        if (size < 1 + 32 + 80)
            return 0;
        memcpy(pk, data + 1, 32);
        memcpy(proof, data + 33, 80);
        check_verify(pk, proof, data + 113, size - 113, -1);
    } else {
        uint8_t sk[32], pk[32], proof[80];
        unsigned any = 0;
        size_t i;
        if (size < 1 + 32 + 112)
            return 0;
        memcpy(sk, data + 1, 32);
        if (cairn_vrf_public_key(pk, sk) != CAIRN_OK ||
            cairn_vrf_prove(proof, sk, data + 145, size - 145) != CAIRN_OK)
            __builtin_trap();
        for (i = 0; i < 80; i++) {
            proof[i] ^= data[33 + i];
            any |= data[33 + i];
        }
        for (i = 0; i < 32; i++) {
            pk[i] ^= data[113 + i];
            any |= data[113 + i];
        }
        check_verify(pk, proof, data + 145, size - 145, any == 0);
    }
    return 0;
}
