/*
 * prove.c - the secret-key side: public key derivation and ECVRF_prove
 * (RFC 9381 section 5.1). Every operation that involves the secret scalar
 * x or the nonce k uses libsodium's constant-time code; the only point
 * multiplied here, H, has order L by construction (encode_to_curve.c), so
 * libsodium's subgroup checks always pass.
 *
 * Invariants: x, its reduction, the nonce key, the nonce and c*x are wiped
 * on every exit path; the proof buffer is written only on success.
 */
#include <string.h>

#include <sodium.h>

#include "cairn/vrf.h"
#include "vrf_internal.h"

/* x reduced mod L: the clamped x is < 2^255 but libsodium's scalar
 * multiplication by a point of order L only needs x mod L, and its scalar
 * arithmetic wants inputs below 2^253. */
static void reduce32(uint8_t out[32], const uint8_t in[32])
{
    uint8_t wide[64];
    memset(wide, 0, sizeof wide);
    memcpy(wide, in, 32);
    crypto_core_ed25519_scalar_reduce(out, wide);
    sodium_memzero(wide, sizeof wide);
}

/* s = (k + c*x) mod L, with the sum formed here so no unwiped copy of it
 * is left in a library temporary. */
static void response(uint8_t s[32], const uint8_t k[32], const uint8_t c[16],
                     const uint8_t xr[32])
{
    uint8_t cwide[32], cx[32], sum[64];
    unsigned carry = 0;
    int i;

    memset(cwide, 0, sizeof cwide);
    memcpy(cwide, c, VRF__C_LEN);
    crypto_core_ed25519_scalar_mul(cx, cwide, xr);
    memset(sum, 0, sizeof sum);
    for (i = 0; i < 32; i++) {
        carry += (unsigned)k[i] + cx[i];
        sum[i] = (uint8_t)carry;
        carry >>= 8;
    }
    sum[32] = (uint8_t)carry;
    crypto_core_ed25519_scalar_reduce(s, sum);
    sodium_memzero(cx, sizeof cx);
    sodium_memzero(sum, sizeof sum);
}

cairn_status cairn_vrf_public_key(uint8_t pk[32], const uint8_t sk[32])
{
    uint8_t x[32], nonce_key[32], xr[32], Y[32];
    cairn_status st = CAIRN_ERR_CRYPTO;

    if (pk == NULL || sk == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (sodium_init() < 0)
        return CAIRN_ERR_CRYPTO;
    vrf__expand_secret(x, nonce_key, sk);
    reduce32(xr, x);
    /* Fails only for x = 0 mod L, which clamping makes impossible. */
    if (crypto_scalarmult_ed25519_base_noclamp(Y, xr) == 0) {
        memcpy(pk, Y, 32);
        st = CAIRN_OK;
    }
    sodium_memzero(x, sizeof x);
    sodium_memzero(nonce_key, sizeof nonce_key);
    sodium_memzero(xr, sizeof xr);
    return st;
}

cairn_status vrf__prove(uint8_t proof[80], const uint8_t sk[32],
                        const uint8_t *alpha, size_t alpha_len,
                        vrf__trace *trace)
{
    uint8_t x[32], nonce_key[32], xr[32], Y[32], H_string[32], Gamma[32];
    uint8_t k_string[64], k[32], U[32], V[32], c[16], s[32];
    unsigned ctr = 0;
    vrf__ge H;
    cairn_status st;

    if (proof == NULL || sk == NULL || (alpha == NULL && alpha_len > 0))
        return CAIRN_ERR_INVALID_ARG;
    if (sodium_init() < 0)
        return CAIRN_ERR_CRYPTO;

    /* Step 1: x and Y = x*B (VRF-1). */
    vrf__expand_secret(x, nonce_key, sk);
    reduce32(xr, x);
    st = CAIRN_ERR_CRYPTO;
    if (crypto_scalarmult_ed25519_base_noclamp(Y, xr) != 0)
        goto done;
    /* Step 2-3: H and h_string (VRF-3). */
    st = vrf__encode_to_curve(&H, H_string, &ctr, Y, alpha, alpha_len);
    if (st != CAIRN_OK)
        goto done;
    st = CAIRN_ERR_CRYPTO;
    /* Step 4: Gamma = x*H. */
    if (crypto_scalarmult_ed25519_noclamp(Gamma, xr, H_string) != 0)
        goto done;
    /* Step 5: k (VRF-4); k = 0 would make libsodium fail (prob. 2^-252). */
    vrf__nonce_rfc8032(k_string, nonce_key, H_string);
    crypto_core_ed25519_scalar_reduce(k, k_string);
    /* Step 6: c = challenge(Y, H, Gamma, k*B, k*H) (VRF-5). */
    if (crypto_scalarmult_ed25519_base_noclamp(U, k) != 0 ||
        crypto_scalarmult_ed25519_noclamp(V, k, H_string) != 0)
        goto done;
    vrf__challenge(c, Y, H_string, Gamma, U, V);
    /* Step 7-8: s and pi = Gamma || c || s (VRF-2). */
    response(s, k, c, xr);

    memcpy(proof, Gamma, 32);
    memcpy(proof + VRF__PT_LEN, c, VRF__C_LEN);
    memcpy(proof + VRF__PT_LEN + VRF__C_LEN, s, VRF__Q_LEN);
    if (trace != NULL) {
        memcpy(trace->x, x, 32);
        memcpy(trace->Y, Y, 32);
        memcpy(trace->H, H_string, 32);
        trace->ctr = ctr;
        memcpy(trace->k, k_string, 64);
        memcpy(trace->U, U, 32);
        memcpy(trace->V, V, 32);
        memcpy(trace->Gamma, Gamma, 32);
        memcpy(trace->c, c, 16);
        memcpy(trace->s, s, 32);
    }
    st = CAIRN_OK;

done:
    sodium_memzero(x, sizeof x);
    sodium_memzero(nonce_key, sizeof nonce_key);
    sodium_memzero(xr, sizeof xr);
    sodium_memzero(k_string, sizeof k_string);
    sodium_memzero(k, sizeof k);
    sodium_memzero(&H, sizeof H);
    return st;
}

cairn_status cairn_vrf_prove(uint8_t proof[80], const uint8_t sk[32],
                             const uint8_t *alpha, size_t alpha_len)
{
    return vrf__prove(proof, sk, alpha, alpha_len, NULL);
}

/* beta without the proof: only steps 1 (with the caller's Y), 2-4 and
 * proof_to_hash. Skipping k, U, V and the challenge halves the cost, and
 * the output is the same bytes because beta depends on Gamma alone. */
cairn_status cairn_vrf_output(uint8_t beta[64], const uint8_t sk[32],
                              const uint8_t pk[32], const uint8_t *alpha,
                              size_t alpha_len)
{
    uint8_t x[32], nonce_key[32], xr[32], H_string[32], Gamma_string[32];
    vrf__ge H, Gamma;
    cairn_status st;

    if (beta == NULL || sk == NULL || pk == NULL || (alpha == NULL && alpha_len > 0))
        return CAIRN_ERR_INVALID_ARG;
    if (sodium_init() < 0)
        return CAIRN_ERR_CRYPTO;
    vrf__expand_secret(x, nonce_key, sk);
    reduce32(xr, x);
    st = vrf__encode_to_curve(&H, H_string, NULL, pk, alpha, alpha_len);
    if (st != CAIRN_OK)
        goto done;
    st = CAIRN_ERR_CRYPTO;
    if (crypto_scalarmult_ed25519_noclamp(Gamma_string, xr, H_string) != 0 ||
        vrf__ge_decode(&Gamma, Gamma_string) != 0)
        goto done;
    vrf__gamma_to_hash(beta, &Gamma);
    st = CAIRN_OK;
done:
    sodium_memzero(x, sizeof x);
    sodium_memzero(nonce_key, sizeof nonce_key);
    sodium_memzero(xr, sizeof xr);
    sodium_memzero(&H, sizeof H);
    return st;
}
