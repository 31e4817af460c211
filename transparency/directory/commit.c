/*
 * commit.c - commitments (HMAC-SHA256 keyed with the suite's Kc over
 * CommitmentValue) and VRF inputs/outputs for label-version pairs.
 *
 * Invariants: the commitment is computed over the exact TLS encoding of
 * CommitmentValue (KT-COM-1); the VRF output used as a prefix-tree search
 * key is the first 32 bytes of the 64-byte ECVRF beta (KT-VRF-2). Secrets
 * (VRF key material handled by cairn_vrf) never pass through buffers here.
 */
#include <sodium.h>
#include <string.h>

#include "cairn/vrf.h"
#include "ktdir_internal.h"

/* Kc of the KT_128_SHA256_* suites: d821f8790d97709796b4d7903357c3f5. */
static const uint8_t KC[16] = {0xd8, 0x21, 0xf8, 0x79, 0x0d, 0x97, 0x70, 0x97,
                               0x96, 0xb4, 0xd7, 0x90, 0x33, 0x57, 0xc3, 0xf5};

cairn_status ktdir__vrf_input(uint8_t *out, size_t *out_len,
                              const uint8_t *label, size_t label_len,
                              uint32_t version)
{
    if (label_len > CAIRN_KT_MAX_LABEL)
        return CAIRN_ERR_INVALID_ARG;
    out[0] = (uint8_t)label_len;
    if (label_len)
        memcpy(out + 1, label, label_len);
    out[1 + label_len] = (uint8_t)(version >> 24);
    out[2 + label_len] = (uint8_t)(version >> 16);
    out[3 + label_len] = (uint8_t)(version >> 8);
    out[4 + label_len] = (uint8_t)version;
    *out_len = label_len + 5;
    return CAIRN_OK;
}

cairn_status ktdir__commitment(uint8_t out[KT_H], const uint8_t opening[KT_NC],
                               const uint8_t *label, size_t label_len,
                               uint32_t version, const uint8_t *value,
                               size_t value_len)
{
    crypto_auth_hmacsha256_state st;
    uint8_t hdr[1 + CAIRN_KT_MAX_LABEL + 4 + 4];
    size_t hl;
    if (label_len > CAIRN_KT_MAX_LABEL || value_len > 0xffffffffu)
        return CAIRN_ERR_INVALID_ARG;
    if (ktdir__vrf_input(hdr, &hl, label, label_len, version) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    /* UpdateValue: value<0..2^32-1>, empty suffix outside TPM mode. */
    hdr[hl++] = (uint8_t)(value_len >> 24);
    hdr[hl++] = (uint8_t)(value_len >> 16);
    hdr[hl++] = (uint8_t)(value_len >> 8);
    hdr[hl++] = (uint8_t)value_len;
    crypto_auth_hmacsha256_init(&st, KC, sizeof KC);
    crypto_auth_hmacsha256_update(&st, opening, KT_NC);
    crypto_auth_hmacsha256_update(&st, hdr, hl);
    if (value_len)
        crypto_auth_hmacsha256_update(&st, value, value_len);
    crypto_auth_hmacsha256_final(&st, out);
    return CAIRN_OK;
}

cairn_status ktdir__vrf_verify(uint8_t out[KT_VRF_NH], const uint8_t pk[KT_PK_LEN],
                               const uint8_t proof[KT_VRF_NP],
                               const uint8_t *label, size_t label_len,
                               uint32_t version)
{
    uint8_t alpha[CAIRN_KT_MAX_LABEL + 5];
    uint8_t beta[64];
    size_t al;
    cairn_status st;
    if ((st = ktdir__vrf_input(alpha, &al, label, label_len, version)) != CAIRN_OK)
        return st;
    if (cairn_vrf_verify(beta, pk, proof, alpha, al) != CAIRN_OK)
        return CAIRN_ERR_PROOF;
    memcpy(out, beta, KT_VRF_NH);
    return CAIRN_OK;
}

cairn_status ktdir__vrf_eval(uint8_t out[KT_VRF_NH], uint8_t proof[KT_VRF_NP],
                             const uint8_t sk[32], const uint8_t *label,
                             size_t label_len, uint32_t version)
{
    uint8_t alpha[CAIRN_KT_MAX_LABEL + 5];
    uint8_t beta[64];
    uint8_t pr[KT_VRF_NP];
    size_t al;
    cairn_status st;
    if ((st = ktdir__vrf_input(alpha, &al, label, label_len, version)) != CAIRN_OK)
        return st;
    if ((st = cairn_vrf_prove(pr, sk, alpha, al)) != CAIRN_OK)
        return st;
    if ((st = cairn_vrf_proof_to_hash(beta, pr)) != CAIRN_OK)
        return st;
    memcpy(out, beta, KT_VRF_NH);
    if (proof)
        memcpy(proof, pr, KT_VRF_NP);
    return CAIRN_OK;
}

cairn_status ktdir__vrf_output(uint8_t out[KT_VRF_NH], const uint8_t sk[32],
                               const uint8_t pk[KT_PK_LEN], const uint8_t *label,
                               size_t label_len, uint32_t version)
{
    uint8_t alpha[CAIRN_KT_MAX_LABEL + 5];
    uint8_t beta[64];
    size_t al;
    cairn_status st;
    if ((st = ktdir__vrf_input(alpha, &al, label, label_len, version)) != CAIRN_OK)
        return st;
    if ((st = cairn_vrf_output(beta, sk, pk, alpha, al)) != CAIRN_OK)
        return st;
    memcpy(out, beta, KT_VRF_NH);
    return CAIRN_OK;
}
