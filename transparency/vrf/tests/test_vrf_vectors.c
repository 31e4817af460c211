/*
 * test_vrf_vectors.c - RFC 9381 Appendix B.3 examples (from the shared
 * vectors, never copied into the repository): every public result and
 * every intermediate value the file lists (x, H and its counter, k, U, V,
 * Gamma, c, s, pi, beta), on both the prove and the verify side.
 * Skips with a message when the vectors are absent.
 */
#include <stdbool.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "base.h"
#include "cairn/vrf.h"
#include "test_support.h"
#include "vrf_internal.h"

#define VECTORS "ecvrf/rfc9381-edwards25519-sha512-tai.json"

/* Decodes member `name` into out, which must be exactly `want` bytes
 * (want = SIZE_MAX: any length up to cap, length in *got). */
static void hex_field(json_t *v, const char *name, uint8_t *out, size_t cap,
                      size_t want, size_t *got)
{
    json_t *s = json_object_get(v, name);
    size_t n = 0;
    assert_non_null(s);
    assert_true(json_is_string(s));
    assert_int_equal(cairn__hex_decode(out, cap, &n, json_string_value(s),
                                       json_string_length(s)),
                     CAIRN_OK);
    if (want != SIZE_MAX)
        assert_int_equal(n, want);
    if (got != NULL)
        *got = n;
}

static json_t *load_vectors(void)
{
    const char *path = CTS_VECTOR_OR_SKIP(VECTORS);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    if (root == NULL)
        fail_msg("%s: %s", path, err.text);
    assert_string_equal(json_string_value(json_object_get(root, "suite")),
                        "ECVRF-EDWARDS25519-SHA512-TAI");
    return root;
}

/* VRF-1..VRF-5, VRF-11: the prover reproduces every intermediate value. */
static void prove_matches_rfc_examples(void **state)
{
    json_t *root = load_vectors();
    json_t *vectors = json_object_get(root, "vectors"), *v;
    size_t idx, cases = 0;
    (void)state;

    json_array_foreach(vectors, idx, v) {
        uint8_t sk[32], pk[32], x[32], H[32], k[64], U[32], V[32], pi[80];
        uint8_t beta[64], alpha[256], got[80], got_pk[32], nk[32];
        uint8_t H_string[32];
        size_t alpha_len;
        unsigned ctr = 99;
        vrf__trace tr;
        vrf__ge Hp;

        hex_field(v, "SK", sk, 32, 32, NULL);
        hex_field(v, "PK", pk, 32, 32, NULL);
        hex_field(v, "alpha", alpha, sizeof alpha, SIZE_MAX, &alpha_len);
        hex_field(v, "x", x, 32, 32, NULL);
        hex_field(v, "H", H, 32, 32, NULL);
        hex_field(v, "k", k, 64, 64, NULL);
        hex_field(v, "U", U, 32, 32, NULL);
        hex_field(v, "V", V, 32, 32, NULL);
        hex_field(v, "pi", pi, 80, 80, NULL);
        hex_field(v, "beta", beta, 64, 64, NULL);

        assert_int_equal(cairn_vrf_public_key(got_pk, sk), CAIRN_OK);
        assert_memory_equal(got_pk, pk, 32);
        vrf__expand_secret(got_pk, nk, sk);
        assert_memory_equal(got_pk, x, 32);

        /* VRF-3 on its own, with the counter the RFC reports. */
        assert_int_equal(vrf__encode_to_curve(&Hp, H_string, &ctr, pk, alpha,
                                              alpha_len),
                         CAIRN_OK);
        assert_memory_equal(H_string, H, 32);
        assert_int_equal(
            ctr, json_integer_value(json_object_get(v, "try_and_increment_ctr")));

        memset(&tr, 0, sizeof tr);
        assert_int_equal(vrf__prove(got, sk, alpha, alpha_len, &tr), CAIRN_OK);
        assert_memory_equal(tr.x, x, 32);
        assert_memory_equal(tr.Y, pk, 32);
        assert_memory_equal(tr.H, H, 32);
        assert_memory_equal(tr.k, k, 64);
        assert_memory_equal(tr.U, U, 32);
        assert_memory_equal(tr.V, V, 32);
        assert_memory_equal(tr.Gamma, pi, 32);
        assert_memory_equal(tr.c, pi + 32, 16);
        assert_memory_equal(tr.s, pi + 48, 32);
        assert_memory_equal(got, pi, 80);
        sodium_memzero(&tr, sizeof tr);

        /* The public entry point gives the same bytes. */
        memset(got, 0, sizeof got);
        assert_int_equal(cairn_vrf_prove(got, sk, alpha, alpha_len), CAIRN_OK);
        assert_memory_equal(got, pi, 80);

        /* VRF-10: proof_to_hash alone. */
        {
            uint8_t b[64];
            assert_int_equal(cairn_vrf_proof_to_hash(b, pi), CAIRN_OK);
            assert_memory_equal(b, beta, 64);
        }
        cases++;
    }
    assert_true(cases > 0);
    print_message("prove: %zu RFC 9381 examples checked\n", cases);
    json_decref(root);
}

/* VRF-6..VRF-11: the verifier recomputes the same U, V, H and c from the
 * public values only, with its own group arithmetic. */
static void verify_matches_rfc_examples(void **state)
{
    json_t *root = load_vectors();
    json_t *vectors = json_object_get(root, "vectors"), *v;
    size_t idx, cases = 0;
    (void)state;

    json_array_foreach(vectors, idx, v) {
        uint8_t pk[32], H[32], U[32], V[32], pi[80], beta[64], alpha[256];
        uint8_t got[64];
        size_t alpha_len;
        vrf__trace tr;

        hex_field(v, "PK", pk, 32, 32, NULL);
        hex_field(v, "alpha", alpha, sizeof alpha, SIZE_MAX, &alpha_len);
        hex_field(v, "H", H, 32, 32, NULL);
        hex_field(v, "U", U, 32, 32, NULL);
        hex_field(v, "V", V, 32, 32, NULL);
        hex_field(v, "pi", pi, 80, 80, NULL);
        hex_field(v, "beta", beta, 64, 64, NULL);

        memset(&tr, 0, sizeof tr);
        assert_int_equal(vrf__verify(got, pk, pi, alpha, alpha_len, &tr),
                         CAIRN_OK);
        assert_memory_equal(got, beta, 64);
        assert_memory_equal(tr.H, H, 32);
        assert_memory_equal(tr.U, U, 32);
        assert_memory_equal(tr.V, V, 32);
        assert_memory_equal(tr.c, pi + 32, 16);

        memset(got, 0, sizeof got);
        assert_int_equal(cairn_vrf_verify(got, pk, pi, alpha, alpha_len),
                         CAIRN_OK);
        assert_memory_equal(got, beta, 64);

        /* The same proof for another input must not verify. */
        alpha[alpha_len] = 0x00;
        assert_int_equal(cairn_vrf_verify(got, pk, pi, alpha, alpha_len + 1),
                         CAIRN_ERR_PROOF);
        cases++;
    }
    assert_true(cases > 0);
    print_message("verify: %zu RFC 9381 examples checked\n", cases);
    json_decref(root);
}

/* The proofs of different examples are not interchangeable. */
static void examples_do_not_cross_verify(void **state)
{
    json_t *root = load_vectors();
    json_t *vectors = json_object_get(root, "vectors");
    size_t n = json_array_size(vectors), i, j;
    (void)state;
    assert_true(n > 0);
    for (i = 0; i < n; i++) {
        for (j = 0; j < n; j++) {
            uint8_t pk[32], pi[80], alpha[256], beta[64];
            size_t alpha_len;
            cairn_status want = i == j ? CAIRN_OK : CAIRN_ERR_PROOF;
            hex_field(json_array_get(vectors, i), "PK", pk, 32, 32, NULL);
            hex_field(json_array_get(vectors, i), "alpha", alpha,
                      sizeof alpha, SIZE_MAX, &alpha_len);
            hex_field(json_array_get(vectors, j), "pi", pi, 80, 80, NULL);
            assert_int_equal(
                cairn_vrf_verify(beta, pk, pi, alpha, alpha_len), want);
        }
    }
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(prove_matches_rfc_examples),
        cmocka_unit_test(verify_matches_rfc_examples),
        cmocka_unit_test(examples_do_not_cross_verify),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
