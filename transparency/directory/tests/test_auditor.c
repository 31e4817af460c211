/*
 * test_auditor.c - third-party auditing mode (KT-AUD-1..3): the auditor
 * follows every log entry's AuditorUpdate, its signed head lets clients
 * verify searches, tampered updates and a server whose tree does not match
 * its updates are rejected; plus persistence round trips (KT-PERS-1).
 */
#include <sodium.h>
#include <stdlib.h>

#include "kt_test_util.h"
#include "ktdir_internal.h"

static void feed_auditor(cairn_context *ctx, cairn_ktdir *d, cairn_kt_auditor *a)
{
    while (cairn_kt_auditor_tree_size(a) < cairn_ktdir_tree_size(d)) {
        uint8_t *u;
        size_t ul;
        assert_int_equal(cairn_ktdir_auditor_update(d, cairn_kt_auditor_tree_size(a),
                                                    &u, &ul), CAIRN_OK);
        assert_int_equal(cairn_kt_auditor_process(a, u, ul), CAIRN_OK);
        cairn_free(ctx, u, ul);
    }
}

static void test_auditing(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_ktdir *d = kt_make_dir(ctx, CAIRN_KT_MODE_THIRD_PARTY_AUDITING, KT_RMW, 0);
    cairn_kt_config cfg;
    cairn_kt_auditor *a = NULL;
    cairn_kt_view view, nv;
    cairn_kt_search_result res;
    uint8_t aseed[32], *resp, *ath;
    size_t len, athl;
    uint64_t now = KT_T0;
    uint32_t v;
    assert_non_null(d);
    cairn_ktdir_get_config(d, &cfg);
    memset(aseed, 0x33, 32);
    assert_int_equal(cairn_kt_auditor_create(ctx, &cfg, aseed, &a), CAIRN_OK);
    memset(&view, 0, sizeof view);
    for (int round = 0; round < 12; round++) {
        for (int i = 0; i < 1 + round * 5; i++) {
            char label[32];
            kt_label(label, (unsigned)(i * 7 + round) % 60);
            assert_int_equal(cairn_ktdir_update(d, (const uint8_t *)label, strlen(label),
                                                (const uint8_t *)"pk", 2, &v), CAIRN_OK);
        }
        now += 4000;
        assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
        if (round == 0) {
            /* No auditor head yet: the server cannot answer. */
            assert_int_equal(cairn_ktdir_search(d, false, 0, (const uint8_t *)"user0@example.org",
                                                17, false, 0, &resp, &len), CAIRN_ERR_STATE);
        }
        feed_auditor(ctx, d, a);
        if (round % 2 == 1) {
            assert_int_equal(cairn_kt_auditor_sign_head(a, &ath, &athl), CAIRN_OK);
            assert_int_equal(cairn_ktdir_set_auditor_head(d, ath, athl), CAIRN_OK);
            ath[athl - 1] ^= 1;
            assert_int_equal(cairn_ktdir_set_auditor_head(d, ath, athl), CAIRN_ERR_BAD_SIGNATURE);
            cairn_free(ctx, ath, athl);
        }
        if (round >= 3 && round % 2 == 1) {
            char label[32];
            kt_label(label, (unsigned)round % 60);
            assert_int_equal(cairn_ktdir_search(d, view.tree_size > 0, view.tree_size,
                                                (const uint8_t *)label, strlen(label), false,
                                                0, &resp, &len), CAIRN_OK);
            assert_int_equal(cairn_kt_verify_search(ctx, &cfg, &view, (const uint8_t *)label,
                                                    strlen(label), false, 0, resp, len,
                                                    (int64_t)now, &nv, &res, NULL), CAIRN_OK);
            assert_false(res.must_monitor); /* no contact monitoring here */
            assert_int_equal(nv.auditor_tree_size, cairn_ktdir_tree_size(d));
            /* The auditor signature is checked: flip a byte of it. */
            resp[1 + 8 + 2 + 64 + 8 + 8 + 2 + 10] ^= 1;
            assert_int_equal(cairn_kt_verify_search(ctx, &cfg, &view, (const uint8_t *)label,
                                                    strlen(label), false, 0, resp, len,
                                                    (int64_t)now, &nv, &res, NULL),
                             CAIRN_ERR_BAD_SIGNATURE);
            view = nv;
            cairn_free(ctx, resp, len);
        }
    }
    /* Auditor lagging more than max_auditor_lag: client says stale. */
    {
        cairn_kt_config strict = cfg;
        char label[32];
        kt_label(label, 5);
        assert_int_equal(cairn_ktdir_update(d, (const uint8_t *)label, strlen(label),
                                            (const uint8_t *)"pk", 2, &v), CAIRN_OK);
        now += 100000;
        assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
        strict.max_auditor_lag = 1000;
        assert_int_equal(cairn_ktdir_search(d, false, 0, (const uint8_t *)label,
                                            strlen(label), false, 0, &resp, &len), CAIRN_OK);
        /* strict config changes the signed bytes too; only check it fails */
        assert_int_not_equal(cairn_kt_verify_search(ctx, &strict, &view, (const uint8_t *)label,
                                                    strlen(label), false, 0, resp, len,
                                                    (int64_t)now, &nv, &res, NULL), CAIRN_OK);
        cairn_free(ctx, resp, len);
        feed_auditor(ctx, d, a);
    }
    cairn_kt_auditor_destroy(a);
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

/* KT-AUD-1/2: the auditor rejects tampered, replayed and reordered
 * updates, and a transition the server did not really make. */
static void test_auditor_rejects(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_ktdir *d = kt_make_dir(ctx, CAIRN_KT_MODE_THIRD_PARTY_AUDITING, KT_RMW, 0);
    cairn_kt_config cfg;
    cairn_kt_auditor *a = NULL;
    uint8_t aseed[32], *u0, *u1, *u2;
    size_t l0, l1, l2;
    uint32_t v;
    assert_non_null(d);
    cairn_ktdir_get_config(d, &cfg);
    memset(aseed, 0x33, 32);
    assert_int_equal(cairn_kt_auditor_create(ctx, &cfg, aseed, &a), CAIRN_OK);
    for (int e = 0; e < 3; e++) {
        for (int i = 0; i < 9; i++) {
            char label[32];
            kt_label(label, (unsigned)(e * 9 + i) % 13);
            assert_int_equal(cairn_ktdir_update(d, (const uint8_t *)label, strlen(label),
                                                (const uint8_t *)"pk", 2, &v), CAIRN_OK);
        }
        assert_int_equal(cairn_ktdir_commit(d, KT_T0 + (uint64_t)e * 1000), CAIRN_OK);
    }
    assert_int_equal(cairn_ktdir_auditor_update(d, 0, &u0, &l0), CAIRN_OK);
    assert_int_equal(cairn_ktdir_auditor_update(d, 1, &u1, &l1), CAIRN_OK);
    assert_int_equal(cairn_ktdir_auditor_update(d, 2, &u2, &l2), CAIRN_OK);
    /* Out of order: entry 1 before entry 0. */
    assert_int_equal(cairn_kt_auditor_process(a, u1, l1), CAIRN_ERR_PROOF);
    /* Every flipped byte of the proof in update 0 is rejected and changes
     * nothing (leaf bytes are opaque to the auditor: a changed leaf makes
     * its head disagree with the server, tested below). */
    for (size_t i = 8 + 2 + 9 * 64 + 2; i < l0; i++) {
        cairn_status st;
        u0[i] ^= 0x04;
        st = cairn_kt_auditor_process(a, u0, l0);
        assert_int_not_equal(st, CAIRN_OK);
        u0[i] ^= 0x04;
    }
    assert_int_equal(cairn_kt_auditor_tree_size(a), 0);
    for (size_t cut = 0; cut < l0; cut += 7)
        assert_int_not_equal(cairn_kt_auditor_process(a, u0, cut), CAIRN_OK);
    assert_int_equal(cairn_kt_auditor_process(a, u0, l0), CAIRN_OK);
    /* Replay of entry 0 now fails (keys already present). */
    assert_int_equal(cairn_kt_auditor_process(a, u0, l0), CAIRN_ERR_PROOF);
    assert_int_equal(cairn_kt_auditor_process(a, u1, l1), CAIRN_OK);
    /* Timestamp going backwards. */
    u2[7] = 0;
    u2[6] = 0;
    assert_int_equal(cairn_kt_auditor_process(a, u2, l2), CAIRN_ERR_STALE);
    cairn_free(ctx, u0, l0);
    cairn_free(ctx, u1, l1);
    cairn_free(ctx, u2, l2);
    /* A server that silently drops a version in entry 3: the auditor's
     * head (over the root it computed) no longer matches the server log. */
    {
        uint8_t *u3, *ath;
        size_t l3, athl;
        assert_int_equal(cairn_ktdir_auditor_update(d, 2, &u2, &l2), CAIRN_OK);
        assert_int_equal(cairn_kt_auditor_process(a, u2, l2), CAIRN_OK);
        cairn_free(ctx, u2, l2);
        assert_int_equal(cairn_ktdir_update(d, (const uint8_t *)"zed", 3,
                                            (const uint8_t *)"pk", 2, &v), CAIRN_OK);
        assert_int_equal(ktdir__dir_drop_version(d, (const uint8_t *)"user1@example.org",
                                                 17, 0), CAIRN_OK);
        assert_int_equal(cairn_ktdir_commit(d, KT_T0 + 9000), CAIRN_OK);
        assert_int_equal(cairn_ktdir_auditor_update(d, 3, &u3, &l3), CAIRN_OK);
        assert_int_equal(cairn_kt_auditor_process(a, u3, l3), CAIRN_OK);
        assert_int_equal(cairn_kt_auditor_sign_head(a, &ath, &athl), CAIRN_OK);
        assert_int_equal(cairn_ktdir_set_auditor_head(d, ath, athl), CAIRN_ERR_BAD_SIGNATURE);
        cairn_free(ctx, ath, athl);
        cairn_free(ctx, u3, l3);
    }
    cairn_kt_auditor_destroy(a);
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

typedef struct rec_store {
    uint8_t *data;
    size_t len;
    uint64_t count;
} rec_store;

static cairn_status on_commit(void *ud, uint64_t pos, const uint8_t *rec, size_t len)
{
    rec_store *s = ud;
    assert_int_equal(pos, s->count);
    s->data = realloc(s->data, s->len + len);
    memcpy(s->data + s->len, rec, len);
    s->len += len;
    s->count++;
    return CAIRN_OK;
}


/* cairn_kt_auditor_resume: an auditor resumed from the LogEntries another
 * verified signs the same head and goes on verifying the same updates;
 * entries whose timestamps go backwards, or a resume into a used auditor,
 * are refused and change nothing. */
static void test_resume(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_ktdir *d = kt_make_dir(ctx, CAIRN_KT_MODE_THIRD_PARTY_AUDITING, KT_RMW, 0);
    cairn_kt_config cfg;
    cairn_kt_auditor *a = NULL, *b = NULL;
    uint8_t aseed[32], ents[9 * CAIRN_KT_AUDIT_ENTRY_BYTES], *ha, *hb, *u;
    size_t hal, hbl, ul;
    uint64_t now = KT_T0, n;
    uint32_t v;
    assert_non_null(d);
    cairn_ktdir_get_config(d, &cfg);
    memset(aseed, 0x33, 32); /* the auditor key kt_make_dir configures */
    assert_int_equal(cairn_kt_auditor_create(ctx, &cfg, aseed, &a), CAIRN_OK);
    assert_int_equal(cairn_kt_auditor_create(ctx, &cfg, aseed, &b), CAIRN_OK);
    for (int round = 0; round < 9; round++) {
        char label[32];
        kt_label(label, (unsigned)round);
        assert_int_equal(cairn_ktdir_update(d, (const uint8_t *)label, strlen(label),
                                            (const uint8_t *)"pk", 2, &v), CAIRN_OK);
        now += 1000;
        assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
    }
    feed_auditor(ctx, d, a);
    n = cairn_ktdir_tree_size(d);
    assert_int_equal(n, 9);
    for (uint64_t i = 0; i < n; i++) {
        uint8_t *e = ents + i * CAIRN_KT_AUDIT_ENTRY_BYTES;
        uint64_t ts = d->ents[i].ts;
        for (int k = 0; k < 8; k++)
            e[k] = (uint8_t)(ts >> (56 - 8 * k));
        memcpy(e + 8, d->pt.nodes[d->ents[i].proot].hash, 32);
    }
    /* Timestamps going backwards: refused, b stays fresh. */
    {
        uint8_t bad[sizeof ents];
        memcpy(bad, ents, sizeof bad);
        bad[3 * CAIRN_KT_AUDIT_ENTRY_BYTES + 7] ^= 0xff;
        bad[3 * CAIRN_KT_AUDIT_ENTRY_BYTES + 6] ^= 0xff;
        assert_int_equal(cairn_kt_auditor_resume(b, bad, n), CAIRN_ERR_CORRUPT);
        assert_int_equal(cairn_kt_auditor_tree_size(b), 0);
    }
    assert_int_equal(cairn_kt_auditor_resume(b, ents, n), CAIRN_OK);
    assert_int_equal(cairn_kt_auditor_tree_size(b), n);
    assert_int_equal(cairn_kt_auditor_resume(b, ents, n), CAIRN_ERR_STATE);
    assert_int_equal(cairn_kt_auditor_sign_head(a, &ha, &hal), CAIRN_OK);
    assert_int_equal(cairn_kt_auditor_sign_head(b, &hb, &hbl), CAIRN_OK);
    assert_int_equal(hal, hbl);
    assert_memory_equal(ha, hb, hal);
    assert_int_equal(cairn_ktdir_set_auditor_head(d, hb, hbl), CAIRN_OK);
    cairn_free(ctx, ha, hal);
    cairn_free(ctx, hb, hbl);
    /* The resumed auditor verifies the next real transition, and a
     * resumed auditor whose prefix root is wrong refuses it. */
    {
        char label[32];
        cairn_kt_auditor *c = NULL;
        kt_label(label, 40);
        assert_int_equal(cairn_ktdir_update(d, (const uint8_t *)label, strlen(label),
                                            (const uint8_t *)"pk", 2, &v), CAIRN_OK);
        now += 1000;
        assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
        assert_int_equal(cairn_ktdir_auditor_update(d, n, &u, &ul), CAIRN_OK);
        assert_int_equal(cairn_kt_auditor_create(ctx, &cfg, aseed, &c), CAIRN_OK);
        ents[(n - 1) * CAIRN_KT_AUDIT_ENTRY_BYTES + 20] ^= 1;
        assert_int_equal(cairn_kt_auditor_resume(c, ents, n), CAIRN_OK);
        assert_int_equal(cairn_kt_auditor_process(c, u, ul), CAIRN_ERR_PROOF);
        assert_int_equal(cairn_kt_auditor_process(b, u, ul), CAIRN_OK);
        assert_int_equal(cairn_kt_auditor_process(a, u, ul), CAIRN_OK);
        cairn_free(ctx, u, ul);
        cairn_kt_auditor_destroy(c);
    }
    assert_int_equal(cairn_kt_auditor_sign_head(a, &ha, &hal), CAIRN_OK);
    assert_int_equal(cairn_kt_auditor_sign_head(b, &hb, &hbl), CAIRN_OK);
    assert_memory_equal(ha, hb, hal);
    cairn_free(ctx, ha, hal);
    cairn_free(ctx, hb, hbl);
    cairn_kt_auditor_destroy(a);
    cairn_kt_auditor_destroy(b);
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

/* KT-PERS-1: the store hook's records rebuild an identical directory. */
static void test_persistence(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_ktdir_params p;
    cairn_ktdir *d = NULL, *d2 = NULL;
    cairn_ktdir_store hooks;
    rec_store rs = {0};
    cairn_kt_view v1, v2;
    uint8_t *exp;
    size_t el;
    uint32_t v;
    memset(&p, 0, sizeof p);
    p.mode = CAIRN_KT_MODE_CONTACT_MONITORING;
    memset(p.signing_seed, 0x11, 32);
    memset(p.vrf_secret, 0x22, 32);
    p.reasonable_monitoring_window = KT_RMW;
    hooks.ud = &rs;
    hooks.on_commit = on_commit;
    p.store = &hooks;
    assert_int_equal(cairn_ktdir_create(ctx, &p, &d), CAIRN_OK);
    for (int e = 0; e < 10; e++) {
        for (int i = 0; i < e + 1; i++) {
            char label[32];
            kt_label(label, (unsigned)(e * 3 + i) % 11);
            assert_int_equal(cairn_ktdir_update(d, (const uint8_t *)label, strlen(label),
                                                (const uint8_t *)label, 5, &v), CAIRN_OK);
        }
        assert_int_equal(cairn_ktdir_commit(d, KT_T0 + (uint64_t)e), CAIRN_OK);
    }
    assert_int_equal(rs.count, 10);
    assert_int_equal(cairn_ktdir_export(d, &exp, &el), CAIRN_OK);
    assert_int_equal(el, rs.len);
    assert_memory_equal(exp, rs.data, el);
    p.store = NULL;
    assert_int_equal(cairn_ktdir_create(ctx, &p, &d2), CAIRN_OK);
    assert_int_equal(cairn_ktdir_import(d2, rs.data, rs.len), CAIRN_OK);
    assert_int_equal(ktdir__dir_view(d, 10, &v1), CAIRN_OK);
    assert_int_equal(ktdir__dir_view(d2, 10, &v2), CAIRN_OK);
    assert_memory_equal(&v1, &v2, sizeof v1);
    cairn_ktdir_destroy(d2);
    /* Truncated or corrupted records are refused. */
    for (size_t cut = 1; cut < rs.len; cut += 13) {
        d2 = NULL;
        assert_int_equal(cairn_ktdir_create(ctx, &p, &d2), CAIRN_OK);
        cairn_status st = cairn_ktdir_import(d2, rs.data, cut);
        (void)st; /* a cut on a record boundary is a valid shorter log */
        cairn_ktdir_destroy(d2);
    }
    d2 = NULL;
    assert_int_equal(cairn_ktdir_create(ctx, &p, &d2), CAIRN_OK);
    rs.data[8 + 4 + 1 + 17] = 7; /* version counter of the first insertion */
    assert_int_equal(cairn_ktdir_import(d2, rs.data, rs.len), CAIRN_ERR_CORRUPT);
    cairn_ktdir_destroy(d2);
    cairn_free(ctx, exp, el);
    free(rs.data);
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auditing),
        cmocka_unit_test(test_auditor_rejects),
        cmocka_unit_test(test_persistence),
        cmocka_unit_test(test_resume),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
