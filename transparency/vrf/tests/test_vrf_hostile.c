/*
 * test_vrf_hostile.c - what a verifier must refuse (spec/vrf.md VRF-6..
 * VRF-11) and what it must still accept: every single-bit change of a
 * proof or key, s >= L (including the malleable s + L), non-canonical and
 * small-order public keys and Gammas, and, on the accepting side, keys and
 * Gammas with a small-order component (RFC 9381 allows them) and random
 * alpha lengths 0..1000.
 */
#include <string.h>

#include <sodium.h>

#include "cairn/vrf.h"
#include "test_support.h"
#include "vrf_internal.h"
#include "vrf_test_points.h"

static void fresh_proof(uint8_t sk[32], uint8_t pk[32], uint8_t proof[80],
                        uint8_t *alpha, size_t alpha_len)
{
    randombytes_buf(sk, 32);
    randombytes_buf(alpha, alpha_len);
    assert_int_equal(cairn_vrf_public_key(pk, sk), CAIRN_OK);
    assert_int_equal(cairn_vrf_prove(proof, sk, alpha, alpha_len), CAIRN_OK);
}

/* Verification fails with `want` and leaves beta untouched. */
static void expect_fail(const uint8_t pk[32], const uint8_t proof[80],
                        const uint8_t *alpha, size_t alpha_len,
                        cairn_status want)
{
    uint8_t beta[64], pattern[64];
    memset(pattern, 0xa5, sizeof pattern);
    memcpy(beta, pattern, sizeof beta);
    assert_int_equal(cairn_vrf_verify(beta, pk, proof, alpha, alpha_len), want);
    assert_memory_equal(beta, pattern, sizeof beta);
}

/* VRF-11: any flipped bit of the proof breaks it; VRF-6/11 for the key. */
static void flipped_bits_fail(void **state)
{
    uint8_t sk[32], pk[32], proof[80], alpha[17], beta[64];
    int i, b;
    (void)state;
    fresh_proof(sk, pk, proof, alpha, sizeof alpha);
    assert_int_equal(cairn_vrf_verify(beta, pk, proof, alpha, sizeof alpha),
                     CAIRN_OK);
    for (i = 0; i < 80; i++) {
        for (b = 0; b < 8; b++) {
            proof[i] ^= (uint8_t)(1u << b);
            expect_fail(pk, proof, alpha, sizeof alpha, CAIRN_ERR_PROOF);
            proof[i] ^= (uint8_t)(1u << b);
        }
    }
    for (i = 0; i < 32; i++) {
        for (b = 0; b < 8; b++) {
            uint8_t out[64];
            cairn_status st;
            pk[i] ^= (uint8_t)(1u << b);
            st = cairn_vrf_verify(out, pk, proof, alpha, sizeof alpha);
            assert_true(st == CAIRN_ERR_PROOF || st == CAIRN_ERR_BAD_PUBLIC_KEY);
            pk[i] ^= (uint8_t)(1u << b);
        }
    }
    for (i = 0; i < (int)sizeof alpha; i++) {
        alpha[i] ^= 0x01;
        expect_fail(pk, proof, alpha, sizeof alpha, CAIRN_ERR_PROOF);
        alpha[i] ^= 0x01;
    }
    /* A truncated or extended alpha is a different input. */
    expect_fail(pk, proof, alpha, sizeof alpha - 1, CAIRN_ERR_PROOF);
    expect_fail(pk, proof, alpha, 0, CAIRN_ERR_PROOF);
    assert_int_equal(cairn_vrf_verify(beta, pk, proof, alpha, sizeof alpha),
                     CAIRN_OK);
}

/* VRF-8: s must be < L. s + L describes the same group element, so this
 * also checks that proofs are not malleable. */
static void s_out_of_range_fails(void **state)
{
    uint8_t sk[32], pk[32], proof[80], bad[80], alpha[5], beta[64];
    unsigned carry = 0;
    int i;
    (void)state;
    fresh_proof(sk, pk, proof, alpha, sizeof alpha);

    memcpy(bad, proof, 80);
    for (i = 0; i < 32; i++) { /* s + L < 2^254, no overflow */
        carry += (unsigned)bad[48 + i] + L_BYTES[i];
        bad[48 + i] = (uint8_t)carry;
        carry >>= 8;
    }
    expect_fail(pk, bad, alpha, sizeof alpha, CAIRN_ERR_PROOF);
    assert_int_equal(cairn_vrf_proof_to_hash(beta, bad), CAIRN_ERR_PROOF);

    memcpy(bad, proof, 80);
    memcpy(bad + 48, L_BYTES, 32);
    expect_fail(pk, bad, alpha, sizeof alpha, CAIRN_ERR_PROOF);
    assert_int_equal(cairn_vrf_proof_to_hash(beta, bad), CAIRN_ERR_PROOF);

    memset(bad + 48, 0xff, 32);
    expect_fail(pk, bad, alpha, sizeof alpha, CAIRN_ERR_PROOF);
    assert_int_equal(cairn_vrf_proof_to_hash(beta, bad), CAIRN_ERR_PROOF);

    /* The untouched proof still verifies: the failures were the range. */
    assert_int_equal(cairn_vrf_verify(beta, pk, proof, alpha, sizeof alpha),
                     CAIRN_OK);
}

/* VRF-6, VRF-7: encodings y + p (only possible for y < 19) are refused as
 * public key and as Gamma, whether or not y itself is on the curve. */
static void non_canonical_encodings_fail(void **state)
{
    uint8_t sk[32], pk[32], proof[80], bad[80], alpha[3], beta[64];
    int y, sign, on_curve = 0;
    (void)state;
    fresh_proof(sk, pk, proof, alpha, sizeof alpha);
    for (y = 0; y < 19; y++) {
        for (sign = 0; sign < 2; sign++) {
            uint8_t enc[32], canon[32] = {0};
            vrf__ge P;
            memcpy(enc, P_BYTES, 32);
            enc[0] = (uint8_t)(0xed + y);
            enc[31] |= (uint8_t)(sign << 7);
            canon[0] = (uint8_t)y;
            canon[31] = (uint8_t)(sign << 7);

            expect_fail(enc, proof, alpha, sizeof alpha,
                        CAIRN_ERR_BAD_PUBLIC_KEY);
            memcpy(bad, proof, 80);
            memcpy(bad, enc, 32);
            expect_fail(pk, bad, alpha, sizeof alpha, CAIRN_ERR_PROOF);
            assert_int_equal(cairn_vrf_proof_to_hash(beta, bad),
                             CAIRN_ERR_PROOF);

            /* The canonical twin of an on-curve, large-order y is a
             * well-formed key: it fails only as a wrong key (PROOF). */
            if (vrf__ge_decode(&P, canon) == 0 && !vrf__ge_is_small_order(&P)) {
                on_curve++;
                expect_fail(canon, proof, alpha, sizeof alpha, CAIRN_ERR_PROOF);
            }
        }
    }
    assert_true(on_curve > 0);

    /* x = 0 with the sign bit set (RFC 8032 5.1.3 step 4). */
    memset(bad, 0, 32);
    bad[0] = 0x01;
    bad[31] = 0x80;
    expect_fail(bad, proof, alpha, sizeof alpha, CAIRN_ERR_BAD_PUBLIC_KEY);
}

/* VRF-6, VRF-7: the 8 small-order points as key or as Gamma. */
static void small_order_points_fail(void **state)
{
    uint8_t sk[32], pk[32], proof[80], bad[80], alpha[9], beta[64];
    int i;
    (void)state;
    fresh_proof(sk, pk, proof, alpha, sizeof alpha);
    for (i = 0; i < 8; i++) {
        expect_fail(SMALL_ORDER[i], proof, alpha, sizeof alpha,
                    CAIRN_ERR_BAD_PUBLIC_KEY);
        memcpy(bad, proof, 80);
        memcpy(bad, SMALL_ORDER[i], 32);
        expect_fail(pk, bad, alpha, sizeof alpha, CAIRN_ERR_PROOF);
        assert_int_equal(cairn_vrf_proof_to_hash(beta, bad), CAIRN_ERR_PROOF);
    }
}

/* RFC 9381 only refuses small-order keys: a key or Gamma with a torsion
 * component is valid and must verify (libsodium's own checks would refuse
 * it, which is why verification has its own group code). The prover here
 * is built by hand: with c = 0 mod 8 the torsion terms c*T vanish. */
static void torsioned_key_and_gamma_verify(void **state)
{
    uint8_t sk[32], x[32], nk[32], wide[64], xr[32], y0[32], pk[32];
    uint8_t H_string[32], gamma0[32], gamma[32], proof[80], alpha[4] = "abc";
    uint8_t beta[64], beta0[64], k[32], U[32], V[32], c[16], c32[32], cx[32];
    uint8_t s[32];
    vrf__ge Y, T8, T4, H, G;
    int tries;
    (void)state;

    randombytes_buf(sk, sizeof sk);
    vrf__expand_secret(x, nk, sk);
    memset(wide, 0, sizeof wide);
    memcpy(wide, x, 32);
    crypto_core_ed25519_scalar_reduce(xr, wide);
    assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(y0, xr), 0);
    assert_int_equal(vrf__ge_decode(&Y, y0), 0);
    assert_int_equal(vrf__ge_decode(&T8, SMALL_ORDER[4]), 0); /* order 8 */
    assert_int_equal(vrf__ge_decode(&T4, SMALL_ORDER[2]), 0); /* order 4 */
    vrf__ge_add(&Y, &Y, &T8);
    vrf__ge_encode(pk, &Y);
    assert_int_equal(crypto_core_ed25519_is_valid_point(pk), 0);

    assert_int_equal(vrf__encode_to_curve(&H, H_string, NULL, pk, alpha,
                                          sizeof alpha),
                     CAIRN_OK);
    assert_int_equal(crypto_scalarmult_ed25519_noclamp(gamma0, xr, H_string), 0);
    assert_int_equal(vrf__ge_decode(&G, gamma0), 0);
    vrf__ge_add(&G, &G, &T4);
    vrf__ge_encode(gamma, &G);

    for (tries = 0; tries < 1000; tries++) {
        crypto_core_ed25519_scalar_random(k);
        assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(U, k), 0);
        assert_int_equal(crypto_scalarmult_ed25519_noclamp(V, k, H_string), 0);
        vrf__challenge(c, pk, H_string, gamma, U, V);
        if ((c[0] & 7) == 0)
            break;
    }
    assert_true(tries < 1000);
    memset(c32, 0, sizeof c32);
    memcpy(c32, c, 16);
    crypto_core_ed25519_scalar_mul(cx, c32, xr);
    crypto_core_ed25519_scalar_add(s, k, cx);
    memcpy(proof, gamma, 32);
    memcpy(proof + 32, c, 16);
    memcpy(proof + 48, s, 32);

    assert_int_equal(cairn_vrf_verify(beta, pk, proof, alpha, sizeof alpha),
                     CAIRN_OK);
    /* The cofactor in proof_to_hash removes the torsion from beta. */
    memcpy(proof, gamma0, 32);
    assert_int_equal(cairn_vrf_proof_to_hash(beta0, proof), CAIRN_OK);
    assert_memory_equal(beta, beta0, 64);
    /* The same proof with the clean Gamma no longer matches c. */
    expect_fail(pk, proof, alpha, sizeof alpha, CAIRN_ERR_PROOF);
    sodium_memzero(x, sizeof x);
    sodium_memzero(xr, sizeof xr);
}

/* Every alpha length 0..1000 proves, verifies to proof_to_hash's beta,
 * and fails under a different key. */
static void random_alpha_lengths_round_trip(void **state)
{
    static uint8_t alpha[1001];
    uint8_t sk[32], pk[32], other_pk[32], other_sk[32], proof[80], again[80];
    uint8_t beta[64], beta2[64];
    size_t len;
    (void)state;
    randombytes_buf(other_sk, sizeof other_sk);
    assert_int_equal(cairn_vrf_public_key(other_pk, other_sk), CAIRN_OK);
    for (len = 0; len <= 1000; len++) {
        fresh_proof(sk, pk, proof, alpha, len);
        assert_int_equal(cairn_vrf_verify(beta, pk, proof, alpha, len),
                         CAIRN_OK);
        assert_int_equal(cairn_vrf_proof_to_hash(beta2, proof), CAIRN_OK);
        assert_memory_equal(beta, beta2, 64);
        if (len % 50 == 0) {
            assert_int_equal(cairn_vrf_prove(again, sk, alpha, len), CAIRN_OK);
            assert_memory_equal(again, proof, 80); /* VRF-4: deterministic */
            expect_fail(other_pk, proof, alpha, len, CAIRN_ERR_PROOF);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flipped_bits_fail),
        cmocka_unit_test(s_out_of_range_fails),
        cmocka_unit_test(non_canonical_encodings_fail),
        cmocka_unit_test(small_order_points_fail),
        cmocka_unit_test(torsioned_key_and_gamma_verify),
        cmocka_unit_test(random_alpha_lengths_round_trip),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
