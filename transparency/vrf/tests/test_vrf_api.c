/*
 * test_vrf_api.c - the contract of cairn/vrf.h apart from the cryptography:
 * size macros and functions agree, NULL arguments are refused, outputs are
 * untouched on failure, the public key is the Ed25519 public key of the
 * same seed (VRF-1), and prove is deterministic (VRF-4).
 */
#include <string.h>

#include <sodium.h>

#include "cairn/vrf.h"
#include "test_support.h"

static void sizes_agree(void **state)
{
    (void)state;
    assert_int_equal(cairn_vrf_public_key_bytes(), CAIRN_VRF_PUBLIC_KEY_BYTES);
    assert_int_equal(cairn_vrf_secret_key_bytes(), CAIRN_VRF_SECRET_KEY_BYTES);
    assert_int_equal(cairn_vrf_proof_bytes(), CAIRN_VRF_PROOF_BYTES);
    assert_int_equal(cairn_vrf_output_bytes(), CAIRN_VRF_OUTPUT_BYTES);
    assert_int_equal(CAIRN_VRF_PUBLIC_KEY_BYTES, 32);
    assert_int_equal(CAIRN_VRF_SECRET_KEY_BYTES, 32);
    assert_int_equal(CAIRN_VRF_PROOF_BYTES, 80);
    assert_int_equal(CAIRN_VRF_OUTPUT_BYTES, 64);
}

static void null_arguments_are_refused(void **state)
{
    uint8_t sk[32] = {1}, pk[32], proof[80], beta[64], a = 'a';
    (void)state;
    assert_int_equal(cairn_vrf_public_key(NULL, sk), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_vrf_public_key(pk, NULL), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_vrf_prove(NULL, sk, &a, 1), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_vrf_prove(proof, NULL, &a, 1), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_vrf_prove(proof, sk, NULL, 1), CAIRN_ERR_INVALID_ARG);
    /* NULL alpha of length 0 is the empty input. */
    assert_int_equal(cairn_vrf_prove(proof, sk, NULL, 0), CAIRN_OK);
    assert_int_equal(cairn_vrf_public_key(pk, sk), CAIRN_OK);
    assert_int_equal(cairn_vrf_verify(beta, pk, proof, NULL, 0), CAIRN_OK);
    assert_int_equal(cairn_vrf_verify(beta, pk, proof, &a, 0), CAIRN_OK);
    assert_int_equal(cairn_vrf_verify(NULL, pk, proof, NULL, 0),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_vrf_verify(beta, NULL, proof, NULL, 0),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_vrf_verify(beta, pk, NULL, NULL, 0),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_vrf_verify(beta, pk, proof, NULL, 3),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_vrf_proof_to_hash(NULL, proof), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_vrf_proof_to_hash(beta, NULL), CAIRN_ERR_INVALID_ARG);
}

static void public_key_is_the_ed25519_key(void **state)
{
    int i;
    (void)state;
    for (i = 0; i < 16; i++) {
        uint8_t seed[32], pk[32], ed_pk[32], ed_sk[64];
        randombytes_buf(seed, sizeof seed);
        assert_int_equal(cairn_vrf_public_key(pk, seed), CAIRN_OK);
        assert_int_equal(crypto_sign_seed_keypair(ed_pk, ed_sk, seed), 0);
        assert_memory_equal(pk, ed_pk, 32);
        sodium_memzero(ed_sk, sizeof ed_sk);
    }
}

static void outputs_untouched_on_failure(void **state)
{
    uint8_t sk[32], pk[32], proof[80], beta[64], pattern[64];
    (void)state;
    randombytes_buf(sk, sizeof sk);
    assert_int_equal(cairn_vrf_public_key(pk, sk), CAIRN_OK);
    assert_int_equal(cairn_vrf_prove(proof, sk, (const uint8_t *)"x", 1),
                     CAIRN_OK);
    memset(pattern, 0x5a, sizeof pattern);
    memcpy(beta, pattern, 64);
    assert_int_equal(cairn_vrf_verify(beta, pk, proof, (const uint8_t *)"y", 1),
                     CAIRN_ERR_PROOF);
    assert_memory_equal(beta, pattern, 64);
    memset(proof, 0, 32); /* Gamma = (y = 0): a small-order point */
    assert_int_equal(cairn_vrf_proof_to_hash(beta, proof), CAIRN_ERR_PROOF);
    assert_memory_equal(beta, pattern, 64);
    memcpy(proof, pattern, 64);
    assert_int_equal(cairn_vrf_prove(proof, sk, NULL, 1), CAIRN_ERR_INVALID_ARG);
    assert_memory_equal(proof, pattern, 64);
}

static void prove_is_deterministic_and_input_bound(void **state)
{
    uint8_t sk[32], p1[80], p2[80], p3[80];
    (void)state;
    randombytes_buf(sk, sizeof sk);
    assert_int_equal(cairn_vrf_prove(p1, sk, (const uint8_t *)"alice", 5), CAIRN_OK);
    assert_int_equal(cairn_vrf_prove(p2, sk, (const uint8_t *)"alice", 5), CAIRN_OK);
    assert_int_equal(cairn_vrf_prove(p3, sk, (const uint8_t *)"alicf", 5), CAIRN_OK);
    assert_memory_equal(p1, p2, 80);
    assert_memory_not_equal(p1, p3, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_agree),
        cmocka_unit_test(null_arguments_are_refused),
        cmocka_unit_test(public_key_is_the_ed25519_key),
        cmocka_unit_test(outputs_untouched_on_failure),
        cmocka_unit_test(prove_is_deterministic_and_input_bound),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
