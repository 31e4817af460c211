/*
 * test_e2e.c - end-to-end search and monitoring between a directory and a
 * client verifier, including the property test over random update
 * sequences (KT-GV-1, KT-FV-1, KT-MON-2, KT-CLI-1).
 */
#include <sodium.h>
#include <stdlib.h>

#include "kt_test_util.h"
#include "ktdir_internal.h"

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
    {
        /* KT-VIEW-3: a head outside the client's clock bounds is stale. */
        uint8_t *resp;
        size_t len;
        cairn_kt_view nv, fresh;
        cairn_kt_search_result res;
        memset(&fresh, 0, sizeof fresh);
        assert_int_equal(cairn_ktdir_search(d, false, 0, (const uint8_t *)"alice", 5, false,
                                            0, &resp, &len), CAIRN_OK);
        assert_int_equal(cairn_kt_verify_search(ctx, &cfg, &fresh, (const uint8_t *)"alice",
                                                5, false, 0, resp, len,
                                                (int64_t)(KT_T0 + cfg.max_behind + 1), &nv,
                                                &res, NULL), CAIRN_ERR_STALE);
        assert_int_equal(cairn_kt_verify_search(ctx, &cfg, &fresh, (const uint8_t *)"alice",
                                                5, false, 0, resp, len,
                                                (int64_t)(KT_T0 - cfg.max_ahead - 1), &nv,
                                                &res, NULL), CAIRN_ERR_STALE);
        /* Wrong label or wrong fixed version: the VRF proofs do not fit. */
        assert_int_equal(cairn_kt_verify_search(ctx, &cfg, &fresh, (const uint8_t *)"alicf",
                                                5, false, 0, resp, len, (int64_t)KT_T0, &nv,
                                                &res, NULL), CAIRN_ERR_PROOF);
        cairn_free(ctx, resp, len);
    }
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

/* Fetch a search response without verifying (helper for attack tests). */
static uint8_t *get_search(cairn_ktdir *d, const cairn_kt_view *view,
                           const char *label, bool fixed, uint32_t ver,
                           size_t *len)
{
    uint8_t *resp = NULL;
    cairn_status st = cairn_ktdir_search(d, view->tree_size > 0, view->tree_size,
                                         (const uint8_t *)label, strlen(label),
                                         fixed, ver, &resp, len);
    assert_int_equal(st, CAIRN_OK);
    return resp;
}

/* KT-GV-1, KT-FV-1, KT-CLI-1: 200 labels, 1000 updates in random batches;
 * every honest greatest- and fixed-version search verifies for clients
 * holding views of various ages, and their views stay consistent. */
static void test_property(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_ktdir *d = kt_make_dir(ctx, CAIRN_KT_MODE_CONTACT_MONITORING, 20000, 0);
    cairn_kt_config cfg;
    cairn_kt_view views[4];
    uint32_t greatest[200];
    uint64_t rng = 0x9e3779b97f4a7c15ull, now = KT_T0;
    unsigned updates = 0, searches = 0;
    char label[32];
    assert_non_null(d);
    cairn_ktdir_get_config(d, &cfg);
    memset(views, 0, sizeof views);
    memset(greatest, 0xff, sizeof greatest);
    while (updates < 1000) {
        unsigned batch = 1 + (unsigned)(kt_rand(&rng) % 40);
        for (unsigned i = 0; i < batch && updates < 1000; i++, updates++) {
            unsigned li = (unsigned)(kt_rand(&rng) % 200);
            uint32_t v;
            uint8_t val[8];
            kt_label(label, li);
            memcpy(val, &rng, 8);
            assert_int_equal(cairn_ktdir_update(d, (const uint8_t *)label, strlen(label),
                                                val, sizeof val, &v), CAIRN_OK);
            greatest[li] = v;
        }
        now += 1000 + kt_rand(&rng) % 9000;
        assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
        for (int s = 0; s < 4; s++) {
            unsigned li = (unsigned)(kt_rand(&rng) % 200);
            int c = (int)(kt_rand(&rng) % 4);
            if (greatest[li] == 0xffffffffu)
                continue;
            kt_label(label, li);
            if (kt_rand(&rng) % 3 == 0)
                one_search(ctx, d, &cfg, &views[c], label, false, 0, now);
            else
                one_search(ctx, d, &cfg, &views[c], label, true,
                           (uint32_t)(kt_rand(&rng) % (greatest[li] + 1)), now);
            searches++;
            /* Client 3 forgets its view now and then (fresh client). */
            if (c == 3 && kt_rand(&rng) % 4 == 0)
                memset(&views[3], 0, sizeof views[3]);
        }
    }
    /* Views of all clients that reached the same size agree. */
    for (int c = 1; c < 3; c++)
        if (views[c].tree_size == views[0].tree_size)
            assert_memory_equal(views[c].root, views[0].root, 32);
    fprintf(stderr, "property: %u updates in %llu entries, %u searches verified\n",
            updates, (unsigned long long)cairn_ktdir_tree_size(d), searches);
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

/* KT-CLI-1: flipping any byte of a response makes verification fail and
 * leaves the caller's view untouched; truncations are rejected too. */
static void test_flip_every_byte(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_ktdir *d = kt_make_dir(ctx, CAIRN_KT_MODE_CONTACT_MONITORING, KT_RMW, 0);
    cairn_kt_config cfg;
    cairn_kt_view view, nv, keep;
    cairn_kt_search_result res;
    uint64_t now = KT_T0;
    uint32_t v;
    assert_non_null(d);
    cairn_ktdir_get_config(d, &cfg);
    memset(&view, 0, sizeof view);
    for (int i = 0; i < 21; i++) {
        char label[32];
        kt_label(label, (unsigned)(i % 5));
        assert_int_equal(cairn_ktdir_update(d, (const uint8_t *)label, strlen(label),
                                            (const uint8_t *)"value", 5, &v), CAIRN_OK);
        now += 7000;
        assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
        if (i == 9)
            one_search(ctx, d, &cfg, &view, "user1@example.org", false, 0, now);
    }
    for (int mode = 0; mode < 2; mode++) {
        size_t len;
        uint8_t *resp = get_search(d, &view, "user2@example.org", mode == 1, 1, &len);
        assert_int_equal(cairn_kt_verify_search(ctx, &cfg, &view,
                                                (const uint8_t *)"user2@example.org", 17,
                                                mode == 1, 1, resp, len, (int64_t)now,
                                                &nv, &res, NULL), CAIRN_OK);
        cairn_kt_view honest_view;
        cairn_kt_label_state honest_ls, ls;
        memset(&honest_ls, 0, sizeof honest_ls);
        assert_int_equal(cairn_kt_verify_search(ctx, &cfg, &view,
                                                (const uint8_t *)"user2@example.org", 17,
                                                mode == 1, 1, resp, len, (int64_t)now,
                                                &honest_view, &res, &honest_ls), CAIRN_OK);
        for (size_t i = 0; i < len; i++) {
            cairn_status st;
            resp[i] ^= 0x01;
            memset(&nv, 0xaa, sizeof nv);
            keep = nv;
            memset(&ls, 0, sizeof ls);
            st = cairn_kt_verify_search(ctx, &cfg, &view,
                                        (const uint8_t *)"user2@example.org", 17,
                                        mode == 1, 1, resp, len, (int64_t)now, &nv,
                                        &res, &ls);
            if (st == CAIRN_OK) {
                /* Only bytes the draft leaves unauthenticated (a commitment
                 * for a version no inclusion proof used) may change, and
                 * then nothing the client keeps differs (KT-CLI-2). */
                assert_memory_equal(&nv, &honest_view, sizeof nv);
                assert_memory_equal(&ls, &honest_ls, sizeof ls);
                resp[i] ^= 0x01;
                continue;
            }
            if (st == CAIRN_OK)
                fprintf(stderr, "flip at %zu of %zu accepted (view %llu, tree %llu)\n", i, len,
                        (unsigned long long)view.tree_size,
                        (unsigned long long)cairn_ktdir_tree_size(d));
            assert_int_not_equal(st, CAIRN_OK);
            assert_memory_equal(&nv, &keep, sizeof nv); /* untouched */
            resp[i] ^= 0x01;
        }
        for (size_t cut = 0; cut < len; cut += 1 + cut / 8)
            assert_int_not_equal(cairn_kt_verify_search(ctx, &cfg, &view,
                                     (const uint8_t *)"user2@example.org", 17,
                                     mode == 1, 1, resp, cut, (int64_t)now, &nv,
                                     &res, NULL), CAIRN_OK);
        cairn_free(ctx, resp, len);
    }
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

/* KT-MON-2..4: a contact-monitoring client follows its label up the tree
 * and stops once a distinguished entry covers it; a server that drops the
 * monitored version is caught with CAIRN_ERR_PROOF. */
static void test_monitoring(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_ktdir *d = kt_make_dir(ctx, CAIRN_KT_MODE_CONTACT_MONITORING, 50000, 0);
    cairn_kt_config cfg;
    cairn_kt_view view, nv;
    cairn_kt_label_state ls, nls;
    cairn_kt_search_result res;
    uint64_t now = KT_T0;
    uint32_t v;
    uint8_t *resp;
    size_t len;
    int rounds = 0;
    assert_non_null(d);
    cairn_ktdir_get_config(d, &cfg);
    memset(&view, 0, sizeof view);
    memset(&ls, 0, sizeof ls);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(cairn_ktdir_update(d, (const uint8_t *)"bob", 3,
                                            (const uint8_t *)"key", 3, &v), CAIRN_OK);
        now += 20000;
        assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
    }
    resp = get_search(d, &view, "bob", false, 0, &len);
    assert_int_equal(cairn_kt_verify_search(ctx, &cfg, &view, (const uint8_t *)"bob", 3,
                                            false, 0, resp, len, (int64_t)now, &nv, &res,
                                            &ls), CAIRN_OK);
    cairn_free(ctx, resp, len);
    view = nv;
    assert_true(res.must_monitor);
    assert_int_equal(ls.n_entries, 1);
    assert_int_equal(ls.entries[0].version, 5);
    while (ls.n_entries > 0) {
        assert_true(rounds++ < 40);
        for (int i = 0; i < 3; i++) {
            char other[32];
            kt_label(other, (unsigned)(rounds * 3 + i));
            assert_int_equal(cairn_ktdir_update(d, (const uint8_t *)other, strlen(other),
                                                (const uint8_t *)"x", 1, &v), CAIRN_OK);
            now += 9000;
            assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
        }
        assert_int_equal(cairn_ktdir_monitor(d, true, view.tree_size, (const uint8_t *)"bob",
                                             3, ls.entries, ls.n_entries, &resp, &len),
                         CAIRN_OK);
        assert_int_equal(cairn_kt_verify_monitor(ctx, &cfg, &view, &ls, resp, len,
                                                 (int64_t)now, &nv, &nls), CAIRN_OK);
        cairn_free(ctx, resp, len);
        view = nv;
        ls = nls;
    }
    /* A fresh search for bob, then the server drops version 6 (the new
     * one): the next monitoring round must fail. */
    assert_int_equal(cairn_ktdir_update(d, (const uint8_t *)"bob", 3,
                                        (const uint8_t *)"key7", 4, &v), CAIRN_OK);
    now += 1000;
    assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
    resp = get_search(d, &view, "bob", false, 0, &len);
    assert_int_equal(cairn_kt_verify_search(ctx, &cfg, &view, (const uint8_t *)"bob", 3,
                                            false, 0, resp, len, (int64_t)now, &nv, &res,
                                            &ls), CAIRN_OK);
    cairn_free(ctx, resp, len);
    view = nv;
    assert_true(res.must_monitor);
    assert_int_equal(ktdir__dir_drop_version(d, (const uint8_t *)"bob", 3, 6), CAIRN_OK);
    /* Detection happens as soon as the monitoring path reaches a new entry
     * (the draft's guarantee), at the latest before it is distinguished. */
    for (rounds = 0;; rounds++) {
        cairn_status st;
        assert_true(rounds < 20);
        assert_true(ls.n_entries > 0);
        now += 1000;
        assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
        assert_int_equal(cairn_ktdir_monitor(d, true, view.tree_size, (const uint8_t *)"bob",
                                             3, ls.entries, ls.n_entries, &resp, &len),
                         CAIRN_OK);
        st = cairn_kt_verify_monitor(ctx, &cfg, &view, &ls, resp, len, (int64_t)now, &nv,
                                     &nls);
        cairn_free(ctx, resp, len);
        if (st != CAIRN_OK) {
            assert_int_equal(st, CAIRN_ERR_PROOF);
            break;
        }
        view = nv;
        ls = nls;
    }
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

/* KT-CT-2 / KT-VIEW-1: a server whose new log entry goes back in time is
 * rejected with CAIRN_ERR_STALE, by old and by fresh clients. */
static void test_timestamps_backwards(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_ktdir *d = kt_make_dir(ctx, CAIRN_KT_MODE_CONTACT_MONITORING, KT_RMW, 0);
    cairn_kt_config cfg;
    cairn_kt_view view, fresh, nv;
    cairn_kt_search_result res;
    uint64_t now = KT_T0;
    uint32_t v;
    uint8_t *resp;
    size_t len;
    assert_non_null(d);
    cairn_ktdir_get_config(d, &cfg);
    memset(&view, 0, sizeof view);
    memset(&fresh, 0, sizeof fresh);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(cairn_ktdir_update(d, (const uint8_t *)"carol", 5,
                                            (const uint8_t *)"k", 1, &v), CAIRN_OK);
        now += 5000;
        assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
    }
    one_search(ctx, d, &cfg, &view, "carol", false, 0, now);
    assert_int_equal(cairn_ktdir_commit(d, now - 4000), CAIRN_ERR_STALE);
    assert_int_equal(ktdir__dir_commit_raw(d, now - 20000), CAIRN_OK);
    resp = get_search(d, &view, "carol", false, 0, &len);
    assert_int_equal(cairn_kt_verify_search(ctx, &cfg, &view, (const uint8_t *)"carol", 5,
                                            false, 0, resp, len, (int64_t)now, &nv, &res,
                                            NULL), CAIRN_ERR_STALE);
    cairn_free(ctx, resp, len);
    resp = get_search(d, &fresh, "carol", false, 0, &len);
    assert_int_equal(cairn_kt_verify_search(ctx, &cfg, &fresh, (const uint8_t *)"carol", 5,
                                            false, 0, resp, len, (int64_t)now, &nv, &res,
                                            NULL), CAIRN_ERR_STALE);
    cairn_free(ctx, resp, len);

    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

/* KT-LOG-5: a client holding a view of one tree is shown a fork (another
 * tree of the same operator key that extends a different history). */
static void test_fork_detected(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_ktdir *a = kt_make_dir(ctx, CAIRN_KT_MODE_CONTACT_MONITORING, KT_RMW, 0);
    cairn_ktdir *b = kt_make_dir(ctx, CAIRN_KT_MODE_CONTACT_MONITORING, KT_RMW, 0);
    cairn_kt_config cfg, cfgb;
    cairn_kt_view view, nv;
    cairn_kt_search_result res;
    uint64_t now = KT_T0;
    uint32_t v;
    uint8_t *resp;
    size_t len;
    cairn_status st;
    assert_non_null(a);
    assert_non_null(b);
    cairn_ktdir_get_config(a, &cfg);
    cairn_ktdir_get_config(b, &cfgb);
    assert_memory_equal(&cfg, &cfgb, sizeof cfg); /* same keys: a real fork */
    memset(&view, 0, sizeof view);
    for (int i = 0; i < 9; i++) {
        now += 3000;
        assert_int_equal(cairn_ktdir_update(a, (const uint8_t *)"dave", 4,
                                            (const uint8_t *)"good", 4, &v), CAIRN_OK);
        assert_int_equal(cairn_ktdir_update(b, (const uint8_t *)"dave", 4,
                                            i == 4 ? (const uint8_t *)"evil"
                                                   : (const uint8_t *)"good", 4, &v),
                         CAIRN_OK);
        assert_int_equal(cairn_ktdir_commit(a, now), CAIRN_OK);
        assert_int_equal(cairn_ktdir_commit(b, now), CAIRN_OK);
        if (i == 6)
            one_search(ctx, a, &cfg, &view, "dave", false, 0, now);
    }
    resp = get_search(b, &view, "dave", false, 0, &len);
    st = cairn_kt_verify_search(ctx, &cfg, &view, (const uint8_t *)"dave", 4, false, 0,
                                resp, len, (int64_t)now, &nv, &res, NULL);
    fprintf(stderr, "fork rejected with %s\n", cairn_status_name(st));
    assert_true(st == CAIRN_ERR_PROOF || st == CAIRN_ERR_BAD_SIGNATURE);
    cairn_free(ctx, resp, len);
    cairn_ktdir_destroy(a);
    cairn_ktdir_destroy(b);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_flip_every_byte),
        cmocka_unit_test(test_monitoring),
        cmocka_unit_test(test_timestamps_backwards),
        cmocka_unit_test(test_fork_detected),
        cmocka_unit_test(test_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
