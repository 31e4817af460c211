/*
 * test_vrfstage.c - staging with a VRF output computed outside the
 * directory (cairn_ktdir_next_version / cairn_ktdir_vrf_output /
 * cairn_ktdir_update_with_vrf, used by cairn-kt's worker threads) and the
 * proof-less cairn_vrf_output it rests on (KT-VRF-1: the output must be
 * bit-identical to proof_to_hash of the proof served later).
 */
#include <sodium.h>

#include "cairn/vrf.h"
#include "kt_test_util.h"
#include "ktdir_internal.h"

static cairn_status search_verify(cairn_context *ctx, cairn_ktdir *d,
                                  const cairn_kt_config *cfg, const char *label,
                                  bool fixed, uint32_t ver)
{
    uint8_t *resp = NULL;
    size_t len = 0;
    cairn_kt_view view, nv;
    cairn_kt_search_result res;
    cairn_status st;
    memset(&view, 0, sizeof view);
    st = cairn_ktdir_search(d, false, 0, (const uint8_t *)label, strlen(label), fixed, ver,
                            &resp, &len);
    if (st != CAIRN_OK)
        return st;
    st = cairn_kt_verify_search(ctx, cfg, &view, (const uint8_t *)label, strlen(label), fixed,
                                ver, resp, len, (int64_t)KT_T0, &nv, &res, NULL);
    cairn_free(ctx, resp, len);
    return st;
}

/* cairn_vrf_output == proof_to_hash(prove) for many keys and inputs,
 * including the empty input and the RFC 9381 example 16 key. */
static void test_vrf_output_identical(void **state)
{
    (void)state;
    static const uint8_t rfc_sk[32] = {
        0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a,
        0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32,
        0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60};
    /* RFC 9381 example 16 beta (first 8 bytes), a fact of the RFC. */
    static const uint8_t rfc_beta16[8] = {0x90, 0xcf, 0x1d, 0xf3, 0xb7, 0x03, 0xcc, 0xe5};
    uint8_t sk[32], pk[32], proof[80], b1[64], b2[64], alpha[64];
    assert_int_equal(cairn_vrf_public_key(pk, rfc_sk), CAIRN_OK);
    assert_int_equal(cairn_vrf_output(b1, rfc_sk, pk, NULL, 0), CAIRN_OK);
    assert_memory_equal(b1, rfc_beta16, sizeof rfc_beta16);
    for (int i = 0; i < 40; i++) {
        memset(sk, i * 7 + 1, sizeof sk);
        sk[0] = (uint8_t)i;
        randombytes_buf(alpha, sizeof alpha);
        assert_int_equal(cairn_vrf_public_key(pk, sk), CAIRN_OK);
        assert_int_equal(cairn_vrf_prove(proof, sk, alpha, (size_t)i), CAIRN_OK);
        assert_int_equal(cairn_vrf_proof_to_hash(b1, proof), CAIRN_OK);
        assert_int_equal(cairn_vrf_output(b2, sk, pk, alpha, (size_t)i), CAIRN_OK);
        assert_memory_equal(b1, b2, 64);
        /* A different salt (pk) or input gives another output. */
        pk[0] ^= 1;
        if (cairn_vrf_output(b2, sk, pk, alpha, (size_t)i) == CAIRN_OK)
            assert_memory_not_equal(b1, b2, 64);
    }
    assert_int_equal(cairn_vrf_output(NULL, sk, pk, alpha, 1), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_vrf_output(b1, sk, NULL, alpha, 1), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_vrf_output(b1, sk, pk, NULL, 1), CAIRN_ERR_INVALID_ARG);
}

/* Outputs computed ahead verify end to end; a stale prediction (another
 * update staged in between) is recomputed; a wrong output (trusted, not
 * checked) yields proofs the client refuses. */
static void test_update_with_vrf(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_ktdir *d = kt_make_dir(ctx, CAIRN_KT_MODE_CONTACT_MONITORING, KT_RMW, 0);
    cairn_kt_config cfg;
    uint8_t out[32], out2[32];
    uint32_t nv, v;
    assert_non_null(d);
    cairn_ktdir_get_config(d, &cfg);

    assert_int_equal(cairn_ktdir_next_version(d, (const uint8_t *)"alice", 5, &nv), CAIRN_OK);
    assert_int_equal(nv, 0);
    assert_int_equal(cairn_ktdir_vrf_output(d, (const uint8_t *)"alice", 5, 0, out), CAIRN_OK);
    assert_int_equal(cairn_ktdir_update_with_vrf(d, (const uint8_t *)"alice", 5,
                                                 (const uint8_t *)"k1", 2, 0, out, &v),
                     CAIRN_OK);
    assert_int_equal(v, 0);
    assert_int_equal(cairn_ktdir_next_version(d, (const uint8_t *)"alice", 5, &nv), CAIRN_OK);
    assert_int_equal(nv, 1); /* staged versions count */

    /* Predicted 1 for bob's version 0... wrong: recomputed. */
    assert_int_equal(cairn_ktdir_vrf_output(d, (const uint8_t *)"bob", 3, 1, out2), CAIRN_OK);
    assert_int_equal(cairn_ktdir_update_with_vrf(d, (const uint8_t *)"bob", 3,
                                                 (const uint8_t *)"k2", 2, 1, out2, &v),
                     CAIRN_OK);
    assert_int_equal(v, 0);
    /* Two predictions of alice's version 1: the second is stale. */
    assert_int_equal(cairn_ktdir_vrf_output(d, (const uint8_t *)"alice", 5, 1, out), CAIRN_OK);
    assert_int_equal(cairn_ktdir_update_with_vrf(d, (const uint8_t *)"alice", 5,
                                                 (const uint8_t *)"k3", 2, 1, out, &v),
                     CAIRN_OK);
    assert_int_equal(v, 1);
    assert_int_equal(cairn_ktdir_update_with_vrf(d, (const uint8_t *)"alice", 5,
                                                 (const uint8_t *)"k4", 2, 1, out, &v),
                     CAIRN_OK);
    assert_int_equal(v, 2);
    assert_int_equal(cairn_ktdir_commit(d, KT_T0), CAIRN_OK);

    assert_int_equal(search_verify(ctx, d, &cfg, "alice", false, 0), CAIRN_OK);
    for (uint32_t i = 0; i < 3; i++)
        assert_int_equal(search_verify(ctx, d, &cfg, "alice", true, i), CAIRN_OK);
    assert_int_equal(search_verify(ctx, d, &cfg, "bob", true, 0), CAIRN_OK);
    {
        /* carol: a flipped output for the right version is used as given
         * (trusted), and the published entry is then unprovable. */
        cairn_ktdir *e = kt_make_dir(ctx, CAIRN_KT_MODE_CONTACT_MONITORING, KT_RMW, 0);
        assert_non_null(e);
        assert_int_equal(cairn_ktdir_vrf_output(e, (const uint8_t *)"carol", 5, 0, out),
                         CAIRN_OK);
        out[5] ^= 0x40;
        assert_int_equal(cairn_ktdir_update_with_vrf(e, (const uint8_t *)"carol", 5,
                                                     (const uint8_t *)"k5", 2, 0, out, &v),
                         CAIRN_OK);
        assert_int_equal(cairn_ktdir_commit(e, KT_T0), CAIRN_OK);
        assert_int_not_equal(search_verify(ctx, e, &cfg, "carol", true, 0), CAIRN_OK);
        assert_int_not_equal(search_verify(ctx, e, &cfg, "carol", false, 0), CAIRN_OK);
        cairn_ktdir_destroy(e);
    }

    /* Hostile arguments. */
    assert_int_equal(cairn_ktdir_update_with_vrf(d, (const uint8_t *)"x", 1, NULL, 0, 0,
                                                 NULL, &v), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_ktdir_update_with_vrf(d, NULL, 3, NULL, 0, 0, out, &v),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_ktdir_vrf_output(d, (const uint8_t *)"x", 256, 0, out),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_ktdir_next_version(d, (const uint8_t *)"x", 256, &nv),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_ktdir_update_with_vrf(d, (const uint8_t *)"x", 1, NULL,
                                                 CAIRN_KT_MAX_VALUE + 1, 0, out, &v),
                     CAIRN_ERR_INVALID_ARG);
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

/* A directory fed through update_with_vrf exports the same VRF outputs as
 * one fed through cairn_ktdir_update (KT-PERS-1 replay stays exact). */
static void test_same_as_update(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_ktdir *a = kt_make_dir(ctx, CAIRN_KT_MODE_CONTACT_MONITORING, KT_RMW, 0);
    cairn_ktdir *b = kt_make_dir(ctx, CAIRN_KT_MODE_CONTACT_MONITORING, KT_RMW, 0);
    assert_non_null(a);
    assert_non_null(b);
    for (unsigned i = 0; i < 60; i++) {
        char label[32];
        uint8_t out[32];
        uint32_t nv, va, vb;
        kt_label(label, i % 23);
        assert_int_equal(cairn_ktdir_next_version(a, (uint8_t *)label, strlen(label), &nv),
                         CAIRN_OK);
        assert_int_equal(cairn_ktdir_vrf_output(a, (uint8_t *)label, strlen(label), nv, out),
                         CAIRN_OK);
        assert_int_equal(cairn_ktdir_update_with_vrf(a, (uint8_t *)label, strlen(label),
                                                     (const uint8_t *)"v", 1, nv, out, &va),
                         CAIRN_OK);
        assert_int_equal(cairn_ktdir_update(b, (uint8_t *)label, strlen(label),
                                            (const uint8_t *)"v", 1, &vb), CAIRN_OK);
        assert_int_equal(va, vb);
        assert_memory_equal(a->labels[a->ins[a->n_ins - 1].label].vers[va].vrf,
                            b->labels[b->ins[b->n_ins - 1].label].vers[vb].vrf, 32);
    }
    cairn_ktdir_destroy(a);
    cairn_ktdir_destroy(b);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vrf_output_identical),
        cmocka_unit_test(test_update_with_vrf),
        cmocka_unit_test(test_same_as_update),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
