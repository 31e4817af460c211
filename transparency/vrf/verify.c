/*
 * verify.c - the public-key side: ECVRF_verify (RFC 9381 section 5.3) and
 * ECVRF_proof_to_hash (section 5.2). Verification computes
 * U = s*B - c*Y and V = s*H - c*Gamma with this component's own group code
 * (point.c), because Y and Gamma may legitimately lie outside the
 * prime-order subgroup, where libsodium's scalar multiplication refuses to
 * work. All inputs here are public, so variable-time arithmetic is fine.
 *
 * Invariants: the public key is validated before anything else (VRF-6), a
 * defect of the proof is CAIRN_ERR_PROOF whatever it is, and beta is
 * written only after the recomputed challenge matches (VRF-11).
 */
#include <string.h>

#include <sodium.h>

#include "base.h"
#include "cairn/vrf.h"
#include "vrf_internal.h"

cairn_status vrf__verify(uint8_t beta[64], const uint8_t pk[32],
                         const uint8_t proof[80], const uint8_t *alpha,
                         size_t alpha_len, vrf__trace *trace)
{
    vrf__ge Y, Gamma, H, B, neg, U, V;
    uint8_t H_string[32], U_string[32], V_string[32], c_wide[32], c2[16];
    const uint8_t *c = proof + VRF__PT_LEN;
    const uint8_t *s = proof + VRF__PT_LEN + VRF__C_LEN;
    unsigned ctr = 0;
    cairn_status st;

    if (beta == NULL || pk == NULL || proof == NULL ||
        (alpha == NULL && alpha_len > 0))
        return CAIRN_ERR_INVALID_ARG;
    if (sodium_init() < 0)
        return CAIRN_ERR_CRYPTO;

    /* Steps 1-3: Y decodes strictly and is not of small order (VRF-6). */
    if (vrf__ge_decode(&Y, pk) != 0 || vrf__ge_is_small_order(&Y))
        return CAIRN_ERR_BAD_PUBLIC_KEY;
    /* Steps 4-5: Gamma, c, s (VRF-7, VRF-8). */
    if (vrf__decode_proof(&Gamma, proof) != 0)
        return CAIRN_ERR_PROOF;
    /* Step 6: H from the public key exactly as received (canonical). */
    st = vrf__encode_to_curve(&H, H_string, &ctr, pk, alpha, alpha_len);
    if (st != CAIRN_OK)
        return st;

    /* Steps 7-8: U = s*B - c*Y, V = s*H - c*Gamma. */
    memset(c_wide, 0, sizeof c_wide);
    memcpy(c_wide, c, VRF__C_LEN);
    vrf__ge_base(&B);
    vrf__ge_neg(&neg, &Y);
    vrf__ge_double_scalarmult_vartime(&U, s, &B, c_wide, &neg);
    vrf__ge_neg(&neg, &Gamma);
    vrf__ge_double_scalarmult_vartime(&V, s, &H, c_wide, &neg);
    vrf__ge_encode(U_string, &U);
    vrf__ge_encode(V_string, &V);

    /* Steps 9-10: the proof's Gamma bytes are canonical, so they equal
     * point_to_string(Gamma). */
    vrf__challenge(c2, pk, H_string, proof, U_string, V_string);
    if (trace != NULL) {
        memcpy(trace->Y, pk, 32);
        memcpy(trace->H, H_string, 32);
        trace->ctr = ctr;
        memcpy(trace->U, U_string, 32);
        memcpy(trace->V, V_string, 32);
        memcpy(trace->Gamma, proof, 32);
        memcpy(trace->c, c2, 16);
        memcpy(trace->s, s, 32);
    }
    if (cairn__memeq_ct(c2, c, VRF__C_LEN) != 0)
        return CAIRN_ERR_PROOF;
    vrf__gamma_to_hash(beta, &Gamma);
    return CAIRN_OK;
}

cairn_status cairn_vrf_verify(uint8_t beta[64], const uint8_t pk[32],
                              const uint8_t proof[80], const uint8_t *alpha,
                              size_t alpha_len)
{
    return vrf__verify(beta, pk, proof, alpha, alpha_len, NULL);
}

cairn_status cairn_vrf_proof_to_hash(uint8_t beta[64],
                                     const uint8_t proof[80])
{
    vrf__ge Gamma;
    if (beta == NULL || proof == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (sodium_init() < 0)
        return CAIRN_ERR_CRYPTO;
    if (vrf__decode_proof(&Gamma, proof) != 0)
        return CAIRN_ERR_PROOF;
    vrf__gamma_to_hash(beta, &Gamma);
    return CAIRN_OK;
}
