/*
 * test_owner.c - the label owner against the directory: initialization,
 * publishing with UpdateResponses, owner monitoring over many commits
 * (KT-OWN-*, KT-UPD-*), and the misbehaviour the owner must catch: a
 * dropped or rolled-back version, a version the owner never published,
 * timestamps going backwards, flipped and truncated responses, and a
 * hostile serialized state.
 */
#include <sodium.h>
#include <stdlib.h>

#include "kt_test_util.h"
#include "ktdir_internal.h"

#define RMW 50000ull

typedef struct owner {
    cairn_kt_view view;
    cairn_kt_owner_state st;
    const char *label;
} owner;

static const uint8_t *L(const owner *o) { return (const uint8_t *)o->label; }

/* Third-party auditing runs: the auditor follows every commit and its
 * head is installed before the server answers. */
static cairn_kt_auditor *g_aud;

static void commit_now(cairn_context *ctx, cairn_ktdir *d, uint64_t now)
{
    assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
    if (g_aud == NULL)
        return;
    while (cairn_kt_auditor_tree_size(g_aud) < cairn_ktdir_tree_size(d)) {
        uint8_t *u;
        size_t ul;
        assert_int_equal(cairn_ktdir_auditor_update(d, cairn_kt_auditor_tree_size(g_aud), &u,
                                                    &ul), CAIRN_OK);
        assert_int_equal(cairn_kt_auditor_process(g_aud, u, ul), CAIRN_OK);
        cairn_free(ctx, u, ul);
    }
    {
        uint8_t *ath;
        size_t athl;
        assert_int_equal(cairn_kt_auditor_sign_head(g_aud, &ath, &athl), CAIRN_OK);
        assert_int_equal(cairn_ktdir_set_auditor_head(d, ath, athl), CAIRN_OK);
        cairn_free(ctx, ath, athl);
    }
}

static void owner_init(cairn_context *ctx, cairn_ktdir *d, const cairn_kt_config *cfg,
                       owner *o, const char *label, uint64_t now)
{
    uint64_t start;
    uint8_t *resp;
    size_t len;
    cairn_kt_view nv;
    memset(o, 0, sizeof *o);
    o->label = label;
    assert_int_equal(cairn_ktdir_owner_start(d, &start), CAIRN_OK);
    assert_int_equal(cairn_ktdir_owner_init(d, false, 0, L(o), strlen(label), start, &resp,
                                            &len), CAIRN_OK);
    assert_int_equal(cairn_kt_verify_owner_init(ctx, cfg, &o->view, L(o), strlen(label),
                                                start, resp, len, (int64_t)now, &nv, &o->st),
                     CAIRN_OK);
    o->view = nv;
    assert_int_equal(o->st.start, start);
    /* The client's own choice agrees with the server's suggestion. */
    {
        uint64_t mine;
        assert_int_equal(cairn_kt_owner_start(cfg, &o->view, &mine), CAIRN_OK);
        assert_true(mine >= start);
    }
    cairn_free(ctx, resp, len);
}

static cairn_status update_resp(cairn_ktdir *d, const owner *o, bool echo, uint8_t **resp,
                                size_t *len)
{
    return cairn_ktdir_update_response(d, o->view.tree_size > 0, o->view.tree_size, L(o),
                                       strlen(o->label), o->st.has_greatest, o->st.greatest,
                                       o->st.start, echo, resp, len);
}

/* The owner publishes n values in one log entry and verifies where they
 * landed (KT-UPD-1..6). */
static void publish(cairn_context *ctx, cairn_ktdir *d, const cairn_kt_config *cfg, owner *o,
                    const char **values, size_t n, uint64_t now, cairn_kt_update_result *res)
{
    cairn_kt_value req[8];
    uint8_t *resp;
    size_t len;
    cairn_kt_view nv;
    cairn_kt_owner_state ns;
    uint32_t v;
    cairn_status st;
    for (size_t i = 0; i < n; i++) {
        req[i].data = (const uint8_t *)values[i];
        req[i].len = strlen(values[i]);
        assert_int_equal(cairn_ktdir_update(d, L(o), strlen(o->label), req[i].data,
                                            req[i].len, &v), CAIRN_OK);
    }
    commit_now(ctx, d, now);
    assert_int_equal(update_resp(d, o, false, &resp, &len), CAIRN_OK);
    st = cairn_kt_verify_update(ctx, cfg, &o->view, &o->st, req, n, resp, len, (int64_t)now,
                                &nv, &ns, res);
    if (st != CAIRN_OK)
        fprintf(stderr, "verify_update: %s\n", cairn_status_name(st));
    assert_int_equal(st, CAIRN_OK);
    assert_false(res->disclosed);
    assert_int_equal(res->n_versions, n);
    assert_int_equal(res->position, cairn_ktdir_tree_size(d) - 1);
    assert_int_equal(ns.greatest, res->first_version + n - 1);
    for (size_t i = 0; i < n; i++)
        assert_memory_equal(res->values[i].data, values[i], strlen(values[i]));
    o->view = nv;
    o->st = ns;
    cairn_free(ctx, resp, len);
}

static size_t g_max_ladders = 3;

static cairn_status monitor_once(cairn_context *ctx, cairn_ktdir *d, const cairn_kt_config *cfg,
                                 owner *o, uint64_t now, cairn_kt_owner_monitor_result *res)
{
    uint8_t *resp;
    size_t len;
    cairn_kt_view nv;
    cairn_kt_owner_state ns;
    cairn_status st = cairn_ktdir_owner_monitor(
        d, o->view.tree_size > 0, o->view.tree_size, L(o), strlen(o->label), o->st.entries,
        o->st.n_entries, o->st.start, o->st.has_greatest, o->st.greatest, g_max_ladders, &resp,
        &len);
    assert_int_equal(st, CAIRN_OK);
    st = cairn_kt_verify_owner_monitor(ctx, cfg, &o->view, &o->st, resp, len, (int64_t)now,
                                       &nv, &ns, res);
    if (st == CAIRN_OK) {
        o->view = nv;
        o->st = ns;
    }
    cairn_free(ctx, resp, len);
    return st;
}

/* Monitors until the walk completes; pending versions (disclosed by the
 * log) are fetched in between and counted. */
static unsigned monitor_all(cairn_context *ctx, cairn_ktdir *d, const cairn_kt_config *cfg,
                            owner *o, uint64_t now)
{
    cairn_kt_owner_monitor_result mr;
    unsigned disclosed = 0;
    for (int round = 0;; round++) {
        uint32_t g;
        assert_true(round < 100);
        assert_int_equal(monitor_once(ctx, d, cfg, o, now, &mr), CAIRN_OK);
        if (mr.complete)
            break;
        if (cairn_ktdir_greatest(d, L(o), strlen(o->label), &g) == CAIRN_OK &&
            (!o->st.has_greatest || g > o->st.greatest)) {
            uint8_t *resp;
            size_t len;
            cairn_kt_view nv;
            cairn_kt_owner_state ns;
            cairn_kt_update_result ur;
            assert_int_equal(update_resp(d, o, true, &resp, &len), CAIRN_OK);
            assert_int_equal(cairn_kt_verify_update(ctx, cfg, &o->view, &o->st, NULL, 0, resp,
                                                    len, (int64_t)now, &nv, &ns, &ur),
                             CAIRN_OK);
            assert_true(ur.disclosed);
            o->view = nv;
            o->st = ns;
            disclosed += ur.n_versions;
            cairn_free(ctx, resp, len);
        }
    }
    return disclosed;
}

static void filler(cairn_ktdir *d, unsigned i)
{
    char label[32];
    uint32_t v;
    kt_label(label, i % 50);
    assert_int_equal(cairn_ktdir_update(d, (const uint8_t *)label, strlen(label),
                                        (const uint8_t *)"x", 1, &v), CAIRN_OK);
}

static cairn_ktdir *setup(cairn_context *ctx, cairn_kt_config *cfg, uint64_t *now,
                          unsigned entries)
{
    cairn_ktdir *d = kt_make_dir(ctx, CAIRN_KT_MODE_CONTACT_MONITORING, RMW, 0);
    assert_non_null(d);
    cairn_ktdir_get_config(d, cfg);
    for (unsigned i = 0; i < entries; i++) {
        filler(d, i);
        *now += 10000;
        assert_int_equal(cairn_ktdir_commit(d, *now), CAIRN_OK);
    }
    return d;
}

/* KT-OWN-1..8, KT-UPD-1..6: an owner publishing now and then across 120
 * commits, in single and double updates, monitors successfully throughout;
 * its state survives encode/decode; a second device of the same owner
 * initialized later learns the versions as disclosed ones. */
static void test_honest_many_commits(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_kt_config cfg;
    uint64_t now = KT_T0, rng = 77;
    cairn_ktdir *d = setup(ctx, &cfg, &now, 12);
    owner o, dev2;
    unsigned published = 0, monitors = 0, dists = 0, completes = 0, walked = 0;
    owner_init(ctx, d, &cfg, &o, "alice@example.org", now);
    assert_false(o.st.has_greatest); /* a new label */
    for (unsigned i = 0; i < 120; i++) {
        uint64_t r = kt_rand(&rng);
        filler(d, i + 100);
        now += 1000 + r % 20000;
        if (r % 5 == 0) {
            const char *vals[2] = {"key-a", "key-b"};
            cairn_kt_update_result res;
            publish(ctx, d, &cfg, &o, vals, 1 + (size_t)((r >> 8) % 2), now, &res);
            published += res.n_versions;
            dists += res.distinguished;
        } else {
            assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
        }
        if (r % 3 == 0) {
            cairn_kt_owner_monitor_result mr;
            /* a server answering one distinguished entry at a time */
            g_max_ladders = (r >> 16) % 2 ? 1 : 3;
            assert_int_equal(monitor_once(ctx, d, &cfg, &o, now, &mr), CAIRN_OK);
            g_max_ladders = 3;
            monitors++;
            completes += mr.complete;
            walked += (unsigned)mr.n_verified;
        }
        if (r % 17 == 0) {
            uint8_t *enc;
            size_t len;
            cairn_kt_owner_state back;
            assert_int_equal(cairn_kt_owner_state_encode(ctx, &o.st, &enc, &len), CAIRN_OK);
            uint8_t *enc2;
            size_t len2;
            assert_int_equal(cairn_kt_owner_state_decode(enc, len, &back), CAIRN_OK);
            assert_int_equal(cairn_kt_owner_state_encode(ctx, &back, &enc2, &len2), CAIRN_OK);
            assert_int_equal(len2, len);
            assert_memory_equal(enc2, enc, len);
            o.st = back; /* continue from the restored state */
            cairn_free(ctx, enc, len);
            cairn_free(ctx, enc2, len2);
            /* KT-VIEW-4: the view round-trips too, root recomputed */
            {
                cairn_kt_view vb;
                assert_int_equal(cairn_kt_view_encode(ctx, &o.view, &enc, &len), CAIRN_OK);
                assert_int_equal(cairn_kt_view_decode(enc, len, &vb), CAIRN_OK);
                assert_memory_equal(&vb, &o.view, sizeof vb);
                enc[len - 20] ^= 1; /* a frontier root or timestamp */
                if (cairn_kt_view_decode(enc, len, &vb) == CAIRN_OK)
                    assert_memory_not_equal(&vb, &o.view, sizeof vb);
                enc[9] ^= 1; /* a full-subtree head: the recomputed root moves */
                if (cairn_kt_view_decode(enc, len, &vb) == CAIRN_OK)
                    assert_memory_not_equal(vb.root, o.view.root, 32);
                for (size_t cut = 0; cut < len; cut++)
                    assert_int_not_equal(cairn_kt_view_decode(enc, cut, &vb), CAIRN_OK);
                cairn_free(ctx, enc, len);
            }
        }
    }
    assert_int_equal(monitor_all(ctx, d, &cfg, &o, now), 0);
    assert_int_equal(o.st.greatest + 1, published);
    fprintf(stderr, "owner: %u versions published, %u monitors (%u complete, %u "
                    "distinguished entries walked), %u updates at distinguished entries; "
                    "start %llu, %zu map entries, %zu keys\n",
            published, monitors, completes, walked, dists, (unsigned long long)o.st.start,
            o.st.n_entries, o.st.n_keys);
    assert_true(walked > 0);
    assert_true(completes < monitors); /* some rounds stopped early */
    /* Time passes: every contact-monitoring entry is eventually retired. */
    for (int i = 0; i < 30 && o.st.n_entries > 0; i++) {
        filler(d, (unsigned)i);
        now += 30000;
        assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
        monitor_all(ctx, d, &cfg, &o, now);
    }
    assert_int_equal(o.st.n_entries, 0);
    assert_int_equal(o.st.n_history, 0);
    /* A second device starting at an older distinguished entry. */
    {
        uint8_t *resp;
        size_t len;
        cairn_kt_view nv;
        uint64_t start = ktdir__ibst_root(cairn_ktdir_tree_size(d));
        memset(&dev2, 0, sizeof dev2);
        dev2.label = "alice@example.org";
        assert_int_equal(cairn_ktdir_owner_init(d, false, 0, L(&dev2), strlen(dev2.label),
                                                start, &resp, &len), CAIRN_OK);
        assert_int_equal(cairn_kt_verify_owner_init(ctx, &cfg, &dev2.view, L(&dev2),
                                                    strlen(dev2.label), start, resp, len,
                                                    (int64_t)now, &nv, &dev2.st), CAIRN_OK);
        dev2.view = nv;
        cairn_free(ctx, resp, len);
        /* Start at an entry that is not distinguished: the server refuses. */
        assert_int_equal(cairn_ktdir_owner_init(d, false, 0, L(&dev2), strlen(dev2.label),
                                                cairn_ktdir_tree_size(d) - 1, &resp, &len),
                         CAIRN_ERR_INVALID_ARG);
        monitor_all(ctx, d, &cfg, &dev2, now);
        assert_true(dev2.st.has_greatest);
        assert_int_equal(dev2.st.greatest, o.st.greatest);
    }
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

/* KT-OWN-5, KT-MON-2: a log that drops one of the owner's versions, or
 * rolls back its latest one, is caught by owner monitoring with
 * CAIRN_ERR_PROOF within a few commits. */
static void drop_scenario(bool latest, bool walk_only)
{
    cairn_context *ctx = cts_context();
    cairn_kt_config cfg;
    uint64_t now = KT_T0;
    cairn_ktdir *d = setup(ctx, &cfg, &now, 9);
    owner o;
    cairn_kt_update_result res;
    const char *vals[1] = {"k"};
    int rounds;
    owner_init(ctx, d, &cfg, &o, "bob@example.org", now);
    for (int i = 0; i < 5; i++) {
        now += 12000;
        publish(ctx, d, &cfg, &o, vals, 1, now, &res);
        filler(d, (unsigned)i);
        now += 12000;
        assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
    }
    monitor_all(ctx, d, &cfg, &o, now);
    assert_int_equal(o.st.greatest, 4);
    if (walk_only) {
        /* Let distinguished entries cover every version: the contact map
         * empties and only the owner walk can notice the loss. */
        for (int i = 0; i < 30 && o.st.n_entries > 0; i++) {
            filler(d, (unsigned)i);
            now += 30000;
            assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
            monitor_all(ctx, d, &cfg, &o, now);
        }
        assert_int_equal(o.st.n_entries, 0);
    }
    /* From the next entry on, the log lacks the version. */
    assert_int_equal(ktdir__dir_drop_version(d, L(&o), strlen(o.label), latest ? 4 : 1),
                     CAIRN_OK);
    for (rounds = 0;; rounds++) {
        cairn_kt_owner_monitor_result mr;
        cairn_kt_owner_state before = o.st;
        cairn_status st;
        assert_true(rounds < 40);
        filler(d, (unsigned)rounds);
        now += 15000;
        assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
        st = monitor_once(ctx, d, &cfg, &o, now, &mr);
        if (st != CAIRN_OK) {
            assert_int_equal(st, CAIRN_ERR_PROOF);
            assert_memory_equal(&o.st, &before, sizeof before); /* KT-OWN-8 */
            break;
        }
    }
    fprintf(stderr, "%s caught after %d commits (%s)\n", latest ? "rollback" : "drop",
            rounds + 1, walk_only ? "owner walk only" : "with contact entries");
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

static void test_drop_detected(void **state)
{
    (void)state;
    drop_scenario(false, false);
    drop_scenario(false, true);
}

static void test_rollback_detected(void **state)
{
    (void)state;
    drop_scenario(true, false);
    drop_scenario(true, true);
}

/* KT-OWN-5, KT-UPD-3: a version the owner never published. An honest log
 * discloses it (the owner learns and can alert); a log that hides it from
 * the walk, or passes it off as the owner's own request, is caught. */
static void test_unpublished_version(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_kt_config cfg;
    uint64_t now = KT_T0;
    cairn_ktdir *d = setup(ctx, &cfg, &now, 9);
    owner o, saved;
    cairn_kt_update_result res;
    const char *vals[1] = {"mine"};
    uint32_t v;
    uint8_t *resp;
    size_t len;
    cairn_kt_view nv;
    cairn_kt_owner_state ns;
    cairn_kt_owner_monitor_result mr;
    cairn_kt_value req = {(const uint8_t *)"mine2", 5};
    owner_init(ctx, d, &cfg, &o, "carol@example.org", now);
    now += 10000;
    publish(ctx, d, &cfg, &o, vals, 1, now, &res);
    monitor_all(ctx, d, &cfg, &o, now);
    /* The operator slips in version 1 for carol, then time passes so that
     * distinguished entries cover it. */
    assert_int_equal(cairn_ktdir_update(d, L(&o), strlen(o.label), (const uint8_t *)"evil", 4,
                                        &v), CAIRN_OK);
    assert_int_equal(v, 1);
    now += 10000;
    assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
    for (int i = 0; i < 8; i++) {
        filler(d, (unsigned)i);
        now += 20000;
        assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
    }
    saved = o;
    /* (a) Hiding it from the walk (answering as if the owner knew v1). */
    assert_int_equal(cairn_ktdir_owner_monitor(d, true, o.view.tree_size, L(&o),
                                               strlen(o.label), o.st.entries, o.st.n_entries,
                                               o.st.start, true, 1, 0, &resp, &len),
                     CAIRN_OK);
    assert_int_equal(cairn_kt_verify_owner_monitor(ctx, &cfg, &o.view, &o.st, resp, len,
                                                   (int64_t)now, &nv, &ns, &mr),
                     CAIRN_ERR_PROOF);
    cairn_free(ctx, resp, len);
    /* (b) Passing it off as the owner's requested value "mine2". */
    assert_int_equal(update_resp(d, &o, false, &resp, &len), CAIRN_OK);
    {
        /* The owner's commitment differs from the leaf, so the candidate
         * log root differs: the signed head does not verify. */
        cairn_status st = cairn_kt_verify_update(ctx, &cfg, &o.view, &o.st, &req, 1, resp,
                                                 len, (int64_t)now, &nv, &ns, &res);
        assert_true(st == CAIRN_ERR_PROOF || st == CAIRN_ERR_BAD_SIGNATURE);
    }
    cairn_free(ctx, resp, len);
    /* (c) The honest walk stops before the entry; the disclosed version is
     * reported to the application. */
    assert_int_equal(monitor_once(ctx, d, &cfg, &o, now, &mr), CAIRN_OK);
    assert_false(mr.complete);
    assert_int_equal(update_resp(d, &o, true, &resp, &len), CAIRN_OK);
    assert_int_equal(cairn_kt_verify_update(ctx, &cfg, &o.view, &o.st, NULL, 0, resp, len,
                                            (int64_t)now, &nv, &ns, &res), CAIRN_OK);
    assert_true(res.disclosed);
    assert_int_equal(res.first_version, 1);
    assert_int_equal(res.values[0].len, 4);
    assert_memory_equal(res.values[0].data, "evil", 4);
    cairn_free(ctx, resp, len);
    (void)saved;
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

/* KT-CT-2: a log entry going back in time is rejected by the owner's
 * monitoring (and its update verification) with CAIRN_ERR_STALE. */
static void test_timestamps_backwards(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_kt_config cfg;
    uint64_t now = KT_T0;
    cairn_ktdir *d = setup(ctx, &cfg, &now, 9);
    owner o;
    cairn_kt_update_result res;
    cairn_kt_owner_monitor_result mr;
    cairn_kt_view nv;
    cairn_kt_owner_state ns;
    const char *vals[1] = {"k"};
    uint8_t *resp;
    size_t len;
    uint32_t v;
    owner_init(ctx, d, &cfg, &o, "dave@example.org", now);
    now += 10000;
    publish(ctx, d, &cfg, &o, vals, 1, now, &res);
    monitor_all(ctx, d, &cfg, &o, now);
    assert_int_equal(cairn_ktdir_update(d, L(&o), strlen(o.label), (const uint8_t *)"k2", 2,
                                        &v), CAIRN_OK);
    assert_int_equal(ktdir__dir_commit_raw(d, now - 30000), CAIRN_OK);
    assert_int_equal(monitor_once(ctx, d, &cfg, &o, now, &mr), CAIRN_ERR_STALE);
    assert_int_equal(update_resp(d, &o, false, &resp, &len), CAIRN_OK);
    {
        cairn_kt_value req = {(const uint8_t *)"k2", 2};
        assert_int_equal(cairn_kt_verify_update(ctx, &cfg, &o.view, &o.st, &req, 1, resp, len,
                                                (int64_t)now, &nv, &ns, &res),
                         CAIRN_ERR_STALE);
    }
    cairn_free(ctx, resp, len);
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

/* KT-CLI-1, KT-OWN-8: every flipped byte of an owner-monitoring response
 * fails and leaves view and state untouched; in init and update responses
 * a flip either fails or changes nothing the owner keeps (KT-CLI-2);
 * truncations always fail. */
static void test_flips(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_kt_config cfg;
    uint64_t now = KT_T0;
    cairn_ktdir *d = setup(ctx, &cfg, &now, 9);
    owner o;
    cairn_kt_update_result res, res2;
    cairn_kt_owner_monitor_result mr;
    cairn_kt_view nv, keepv, good_v;
    cairn_kt_owner_state ns, keeps, good_s;
    const char *vals[2] = {"k0", "k1"};
    cairn_kt_value req[1] = {{(const uint8_t *)"k2", 2}};
    uint8_t *resp;
    size_t len;
    uint32_t v;
    owner_init(ctx, d, &cfg, &o, "erin@example.org", now);
    for (int i = 0; i < 3; i++) {
        now += 10000;
        publish(ctx, d, &cfg, &o, vals, 2, now, &res);
    }
    for (int i = 0; i < 6; i++) {
        filler(d, (unsigned)i);
        now += 10000;
        assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
    }
    /* Owner monitoring: contact entries and distinguished walk. */
    assert_true(o.st.n_entries > 0);
    assert_int_equal(cairn_ktdir_owner_monitor(d, true, o.view.tree_size, L(&o),
                                               strlen(o.label), o.st.entries, o.st.n_entries,
                                               o.st.start, true, o.st.greatest, 0, &resp,
                                               &len), CAIRN_OK);
    assert_int_equal(cairn_kt_verify_owner_monitor(ctx, &cfg, &o.view, &o.st, resp, len,
                                                   (int64_t)now, &good_v, &good_s, &mr),
                     CAIRN_OK);
    assert_true(mr.n_verified > 0);
    for (size_t i = 0; i < len; i++) {
        resp[i] ^= 0x01;
        memset(&nv, 0xaa, sizeof nv);
        keepv = nv;
        memset(&ns, 0x55, sizeof ns);
        keeps = ns;
        assert_int_not_equal(cairn_kt_verify_owner_monitor(ctx, &cfg, &o.view, &o.st, resp,
                                                           len, (int64_t)now, &nv, &ns, &mr),
                             CAIRN_OK);
        assert_memory_equal(&nv, &keepv, sizeof nv);
        assert_memory_equal(&ns, &keeps, sizeof ns);
        resp[i] ^= 0x01;
    }
    for (size_t cut = 0; cut < len; cut += 1 + cut / 16)
        assert_int_not_equal(cairn_kt_verify_owner_monitor(ctx, &cfg, &o.view, &o.st, resp,
                                                           cut, (int64_t)now, &nv, &ns, &mr),
                             CAIRN_OK);
    cairn_free(ctx, resp, len);
    o.view = good_v;
    o.st = good_s;
    /* UpdateResponse at a fresh (not distinguished) entry. */
    assert_int_equal(cairn_ktdir_update(d, L(&o), strlen(o.label), req[0].data, req[0].len,
                                        &v), CAIRN_OK);
    now += 1000;
    assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
    assert_int_equal(update_resp(d, &o, false, &resp, &len), CAIRN_OK);
    assert_int_equal(cairn_kt_verify_update(ctx, &cfg, &o.view, &o.st, req, 1, resp, len,
                                            (int64_t)now, &good_v, &good_s, &res), CAIRN_OK);
    assert_false(res.distinguished);
    for (size_t i = 0; i < len; i++) {
        cairn_status st;
        resp[i] ^= 0x01;
        st = cairn_kt_verify_update(ctx, &cfg, &o.view, &o.st, req, 1, resp, len,
                                    (int64_t)now, &nv, &ns, &res2);
        if (st == CAIRN_OK) {
            assert_memory_equal(&nv, &good_v, sizeof nv);
            assert_memory_equal(&ns, &good_s, sizeof ns);
        }
        resp[i] ^= 0x01;
    }
    for (size_t cut = 0; cut < len; cut += 1 + cut / 16)
        assert_int_not_equal(cairn_kt_verify_update(ctx, &cfg, &o.view, &o.st, req, 1, resp,
                                                    cut, (int64_t)now, &nv, &ns, &res2),
                             CAIRN_OK);
    cairn_free(ctx, resp, len);
    /* OwnerInitResponse of a label with history. */
    {
        uint64_t start;
        cairn_kt_owner_state fresh;
        assert_int_equal(cairn_ktdir_owner_start(d, &start), CAIRN_OK);
        assert_int_equal(cairn_ktdir_owner_init(d, false, 0, L(&o), strlen(o.label), start,
                                                &resp, &len), CAIRN_OK);
        memset(&keepv, 0, sizeof keepv);
        assert_int_equal(cairn_kt_verify_owner_init(ctx, &cfg, &keepv, L(&o), strlen(o.label),
                                                    start, resp, len, (int64_t)now, &good_v,
                                                    &good_s), CAIRN_OK);
        assert_true(good_s.has_greatest);
        for (size_t i = 0; i < len; i++) {
            cairn_status st;
            resp[i] ^= 0x01;
            st = cairn_kt_verify_owner_init(ctx, &cfg, &keepv, L(&o), strlen(o.label), start,
                                            resp, len, (int64_t)now, &nv, &fresh);
            if (st == CAIRN_OK) {
                assert_memory_equal(&nv, &good_v, sizeof nv);
                assert_memory_equal(&fresh, &good_s, sizeof fresh);
            }
            resp[i] ^= 0x01;
        }
        /* A start the response was not made for. */
        assert_int_not_equal(cairn_kt_verify_owner_init(ctx, &cfg, &keepv, L(&o),
                                                         strlen(o.label), start + 1, resp, len,
                                                         (int64_t)now, &nv, &fresh),
                             CAIRN_OK);
        cairn_free(ctx, resp, len);
    }
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

/* KT-OWN-9: the serialized state round-trips; hostile encodings are
 * rejected without touching the output. */
static void test_state_codec(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_kt_owner_state s, back, keep;
    uint8_t *enc;
    size_t len;
    memset(&s, 0, sizeof s);
    memcpy(s.label, "frank", 5);
    s.label_len = 5;
    s.start = 31;
    s.has_start_version = true;
    s.start_version = 2;
    s.has_greatest = true;
    s.greatest = 4;
    s.greatest_pos = 40;
    s.n_history = 1;
    s.history[0].position = 40;
    s.history[0].version = 4;
    s.n_entries = 1;
    s.entries[0].position = 41;
    s.entries[0].version = 4;
    s.n_keys = 2;
    s.keys[0].version = 0;
    s.keys[0].has_commitment = 1;
    memset(s.keys[0].commitment, 7, 32);
    s.keys[1].version = 7;
    memset(s.keys[1].vrf_output, 9, 32);
    assert_int_equal(cairn_kt_owner_state_encode(ctx, &s, &enc, &len), CAIRN_OK);
    assert_int_equal(cairn_kt_owner_state_decode(enc, len, &back), CAIRN_OK);
    assert_memory_equal(&back, &s, sizeof s);
    for (size_t cut = 0; cut < len; cut++) {
        memset(&keep, 0x5a, sizeof keep);
        back = keep;
        assert_int_not_equal(cairn_kt_owner_state_decode(enc, cut, &back), CAIRN_OK);
        assert_memory_equal(&back, &keep, sizeof keep);
    }
    enc[0] = 2;
    assert_int_equal(cairn_kt_owner_state_decode(enc, len, &back), CAIRN_ERR_VERSION);
    enc[0] = 1;
    /* out-of-range flag, unsorted keys, trailing byte */
    enc[1 + 1 + 5 + 8] = 2;
    assert_int_equal(cairn_kt_owner_state_decode(enc, len, &back), CAIRN_ERR_DECODE);
    enc[1 + 1 + 5 + 8] = 1;
    {
        uint8_t *big = malloc(len + 1);
        assert_non_null(big);
        memcpy(big, enc, len);
        big[len] = 0;
        assert_int_equal(cairn_kt_owner_state_decode(big, len + 1, &back), CAIRN_ERR_DECODE);
        free(big);
    }
    s.keys[1].version = 0;
    cairn_free(ctx, enc, len);
    assert_int_equal(cairn_kt_owner_state_encode(ctx, &s, &enc, &len), CAIRN_OK);
    assert_int_equal(cairn_kt_owner_state_decode(enc, len, &back), CAIRN_ERR_DECODE);
    cairn_free(ctx, enc, len);
    cairn_context_destroy(ctx);
}

/* Request checks of the draft's Owner Monitoring and Update operations. */
static void test_request_checks(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_kt_config cfg;
    uint64_t now = KT_T0;
    cairn_ktdir *d = setup(ctx, &cfg, &now, 9);
    owner o;
    cairn_kt_update_result res;
    const char *vals[1] = {"k"};
    uint8_t *resp = NULL;
    size_t len;
    cairn_kt_monitor_entry bad[2] = {{5, 0}, {3, 0}};
    owner_init(ctx, d, &cfg, &o, "gina@example.org", now);
    now += 10000;
    publish(ctx, d, &cfg, &o, vals, 1, now, &res);
    /* greatest above the label's */
    assert_int_equal(cairn_ktdir_owner_monitor(d, false, 0, L(&o), strlen(o.label), NULL, 0,
                                               o.st.start, true, 9, 0, &resp, &len),
                     CAIRN_ERR_INVALID_ARG);
    /* start beyond the tree */
    assert_int_equal(cairn_ktdir_owner_monitor(d, false, 0, L(&o), strlen(o.label), NULL, 0,
                                               1000, true, 0, 0, &resp, &len),
                     CAIRN_ERR_INVALID_ARG);
    /* unsorted entries */
    assert_int_equal(cairn_ktdir_owner_monitor(d, false, 0, L(&o), strlen(o.label), bad, 2,
                                               o.st.start, true, 0, 0, &resp, &len),
                     CAIRN_ERR_INVALID_ARG);
    /* greatest absent although a version exists at start */
    assert_int_equal(cairn_ktdir_owner_monitor(d, false, 0, L(&o), strlen(o.label), NULL, 0,
                                               res.position, false, 0, 0, &resp, &len),
                     CAIRN_ERR_INVALID_ARG);
    /* nothing newer than the owner's greatest */
    assert_int_equal(update_resp(d, &o, false, &resp, &len), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_ktdir_update_response(d, false, 0, (const uint8_t *)"nobody", 6,
                                                 false, 0, 0, false, &resp, &len),
                     CAIRN_ERR_NOT_FOUND);
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}


/* KT-OWN-*, KT-UPD-* in third-party auditing mode: the same owner flow
 * with auditor heads in every response, and a dropped version caught. */
static void test_auditing_mode(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_ktdir *d = kt_make_dir(ctx, CAIRN_KT_MODE_THIRD_PARTY_AUDITING, RMW, 0);
    cairn_kt_config cfg;
    uint64_t now = KT_T0;
    uint8_t aseed[32];
    owner o;
    cairn_kt_update_result res;
    const char *vals[1] = {"pk"};
    int rounds;
    assert_non_null(d);
    cairn_ktdir_get_config(d, &cfg);
    memset(aseed, 0x33, 32);
    assert_int_equal(cairn_kt_auditor_create(ctx, &cfg, aseed, &g_aud), CAIRN_OK);
    for (unsigned i = 0; i < 9; i++) {
        filler(d, i);
        now += 10000;
        commit_now(ctx, d, now);
    }
    owner_init(ctx, d, &cfg, &o, "ivy@example.org", now);
    for (int i = 0; i < 12; i++) {
        now += 9000;
        if (i % 3 == 0) {
            publish(ctx, d, &cfg, &o, vals, 1, now, &res);
        } else {
            filler(d, (unsigned)i);
            commit_now(ctx, d, now);
        }
        monitor_all(ctx, d, &cfg, &o, now);
    }
    assert_int_equal(o.st.greatest, 3);
    /* Version 1 is on the base ladder of 3 (0, 1, 3, 7, 5, 4), which every
     * owner walk re-checks; version 2 is not (spec KT-OWN-5). */
    assert_int_equal(ktdir__dir_drop_version(d, L(&o), strlen(o.label), 1), CAIRN_OK);
    for (rounds = 0;; rounds++) {
        cairn_kt_owner_monitor_result mr;
        cairn_status st;
        assert_true(rounds < 40);
        filler(d, (unsigned)rounds);
        now += 15000;
        /* the auditor would refuse these entries, so the server keeps its
         * last auditor head: what is tested is the owner's own check */
        assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
        st = monitor_once(ctx, d, &cfg, &o, now, &mr);
        if (st != CAIRN_OK) {
            assert_int_equal(st, CAIRN_ERR_PROOF);
            break;
        }
    }
    cairn_kt_auditor_destroy(g_aud);
    g_aud = NULL;
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

/* Conventions (torture): every allocation of the owner verifiers and
 * responders fails in turn; each failure is CAIRN_ERR_NOMEM, writes
 * nothing and leaks nothing. */
static void test_alloc_failures(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    cairn_kt_config cfg;
    uint64_t now = KT_T0;
    cairn_ktdir *d = setup(ctx, &cfg, &now, 9);
    owner o;
    cairn_kt_update_result *res = malloc(sizeof *res);
    cairn_kt_owner_monitor_result mr;
    cairn_kt_view nv, keepv;
    cairn_kt_owner_state ns, keeps;
    cairn_kt_value req = {(const uint8_t *)"kz", 2};
    const char *vals[1] = {"k"};
    uint8_t *mon, *upd, *resp;
    size_t mon_len, upd_len, len;
    uint32_t v;
    long n, live;
    assert_non_null(res);
    owner_init(ctx, d, &cfg, &o, "hank@example.org", now);
    now += 10000;
    publish(ctx, d, &cfg, &o, vals, 1, now, res);
    for (int i = 0; i < 5; i++) {
        filler(d, (unsigned)i);
        now += 20000;
        assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
    }
    assert_int_equal(cairn_ktdir_update(d, L(&o), strlen(o.label), req.data, req.len, &v),
                     CAIRN_OK);
    now += 1000;
    assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
    /* server side */
    for (n = 0;; n++) {
        cairn_status st;
        assert_true(n < 100000);
        live = cts_live_allocations();
        cts_fail_after(n);
        st = cairn_ktdir_owner_monitor(d, true, o.view.tree_size, L(&o), strlen(o.label),
                                       o.st.entries, o.st.n_entries, o.st.start, true,
                                       o.st.greatest, 0, &mon, &mon_len);
        cts_fail_after(-1);
        if (st == CAIRN_OK)
            break;
        assert_int_equal(st, CAIRN_ERR_NOMEM);
        assert_int_equal(cts_live_allocations(), live);
    }
    for (n = 0;; n++) {
        cairn_status st;
        assert_true(n < 100000);
        live = cts_live_allocations();
        cts_fail_after(n);
        st = update_resp(d, &o, false, &upd, &upd_len);
        cts_fail_after(-1);
        if (st == CAIRN_OK)
            break;
        assert_int_equal(st, CAIRN_ERR_NOMEM);
        assert_int_equal(cts_live_allocations(), live);
    }
    /* owner side */
    memset(&keepv, 0x3c, sizeof keepv);
    memset(&keeps, 0xc3, sizeof keeps);
    for (n = 0;; n++) {
        cairn_status st;
        assert_true(n < 100000);
        nv = keepv;
        ns = keeps;
        live = cts_live_allocations();
        cts_fail_after(n);
        st = cairn_kt_verify_owner_monitor(ctx, &cfg, &o.view, &o.st, mon, mon_len,
                                           (int64_t)now, &nv, &ns, &mr);
        cts_fail_after(-1);
        if (st == CAIRN_OK)
            break;
        assert_int_equal(st, CAIRN_ERR_NOMEM);
        assert_memory_equal(&nv, &keepv, sizeof nv);
        assert_memory_equal(&ns, &keeps, sizeof ns);
        assert_int_equal(cts_live_allocations(), live);
    }
    for (n = 0;; n++) {
        cairn_status st;
        assert_true(n < 100000);
        nv = keepv;
        ns = keeps;
        live = cts_live_allocations();
        cts_fail_after(n);
        st = cairn_kt_verify_update(ctx, &cfg, &o.view, &o.st, &req, 1, upd, upd_len,
                                    (int64_t)now, &nv, &ns, res);
        cts_fail_after(-1);
        if (st == CAIRN_OK)
            break;
        assert_int_equal(st, CAIRN_ERR_NOMEM);
        assert_memory_equal(&nv, &keepv, sizeof nv);
        assert_memory_equal(&ns, &keeps, sizeof ns);
        assert_int_equal(cts_live_allocations(), live);
    }
    {
        uint64_t start;
        assert_int_equal(cairn_ktdir_owner_start(d, &start), CAIRN_OK);
        assert_int_equal(cairn_ktdir_owner_init(d, false, 0, L(&o), strlen(o.label), start,
                                                &resp, &len), CAIRN_OK);
        for (n = 0;; n++) {
            cairn_status st;
            cairn_kt_view fresh;
            assert_true(n < 100000);
            memset(&fresh, 0, sizeof fresh);
            ns = keeps;
            live = cts_live_allocations();
            cts_fail_after(n);
            st = cairn_kt_verify_owner_init(ctx, &cfg, &fresh, L(&o), strlen(o.label), start,
                                            resp, len, (int64_t)now, &nv, &ns);
            cts_fail_after(-1);
            if (st == CAIRN_OK)
                break;
            assert_int_equal(st, CAIRN_ERR_NOMEM);
            assert_memory_equal(&ns, &keeps, sizeof ns);
            assert_int_equal(cts_live_allocations(), live);
        }
        cairn_free(ctx, resp, len);
    }
    cairn_free(ctx, mon, mon_len);
    cairn_free(ctx, upd, upd_len);
    free(res);
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

/* Seed corpora for the owner fuzz targets (fuzz/corpus/ktdir_owner_*,
 * ktdir_update): written only when KT_WRITE_SEEDS names the corpus root.
 * Responses are made for a fresh view by the fixed-key directory of
 * fuzz_common.h, and each seed is checked to verify before it is kept. */
static void write_file(const char *dir, const char *sub, const char *name, const uint8_t *a,
                       size_t alen, const uint8_t *b, size_t blen)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(a, 1, alen, f), alen);
    if (blen)
        assert_int_equal(fwrite(b, 1, blen, f), blen);
    fclose(f);
}

static void state_seed(cairn_context *ctx, const cairn_kt_owner_state *s, uint8_t *buf,
                       size_t *len)
{
    uint8_t *enc;
    size_t n;
    assert_int_equal(cairn_kt_owner_state_encode(ctx, s, &enc, &n), CAIRN_OK);
    buf[0] = (uint8_t)(n >> 8);
    buf[1] = (uint8_t)n;
    memcpy(buf + 2, enc, n);
    *len = 2 + n;
    cairn_free(ctx, enc, n);
}

static void test_write_seeds(void **state)
{
    (void)state;
    const char *dir = getenv("KT_WRITE_SEEDS");
    cairn_context *ctx;
    cairn_ktdir *d;
    cairn_kt_config cfg;
    cairn_kt_view fresh, nv;
    cairn_kt_owner_state ns;
    uint64_t now = KT_T0;
    owner o;
    uint8_t hdr[70000], *resp, *enc;
    size_t hl, len, n;
    char name[32];
    if (dir == NULL)
        skip();
    ctx = cts_context();
    d = kt_make_dir(ctx, CAIRN_KT_MODE_CONTACT_MONITORING, KT_RMW, 0);
    assert_non_null(d);
    cairn_ktdir_get_config(d, &cfg);
    memset(&fresh, 0, sizeof fresh);
    for (unsigned i = 0; i < 9; i++) {
        filler(d, i);
        now += 12000;
        assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
    }
    owner_init(ctx, d, &cfg, &o, "alice@example.org", now);
    for (int round = 0; round < 3; round++) {
        const char *vals[2] = {"key-one", "key-two"};
        cairn_kt_value req[2] = {{(const uint8_t *)"key-one", 7}, {(const uint8_t *)"key-two", 7}};
        cairn_kt_update_result res;
        cairn_kt_owner_monitor_result mr;
        uint32_t v;
        /* UpdateResponse seed: state before, the request values, response */
        for (int k = 0; k <= round % 2; k++)
            assert_int_equal(cairn_ktdir_update(d, L(&o), strlen(o.label), req[k].data,
                                                req[k].len, &v), CAIRN_OK);
        now += 12000;
        assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
        assert_int_equal(cairn_ktdir_update_response(d, false, 0, L(&o), strlen(o.label),
                                                     o.st.has_greatest, o.st.greatest,
                                                     o.st.start, false, &resp, &len),
                         CAIRN_OK);
        assert_int_equal(cairn_kt_verify_update(ctx, &cfg, &fresh, &o.st, req,
                                                (size_t)(round % 2 + 1), resp, len, -1, &nv,
                                                &ns, &res), CAIRN_OK);
        state_seed(ctx, &o.st, hdr, &hl);
        hdr[hl++] = (uint8_t)(round % 2 + 1);
        for (int k = 0; k <= round % 2; k++) {
            hdr[hl++] = 0;
            hdr[hl++] = 7;
            memcpy(hdr + hl, vals[k], 7);
            hl += 7;
        }
        snprintf(name, sizeof name, "upd_%d", round);
        write_file(dir, "ktdir_update", name, hdr, hl, resp, len);
        cairn_free(ctx, resp, len);
        o.st = ns;
        o.view = nv;
        for (unsigned i = 0; i < 3; i++) {
            filler(d, i);
            now += 25000;
            assert_int_equal(cairn_ktdir_commit(d, now), CAIRN_OK);
        }
        /* OwnerMonitorResponse seed */
        assert_int_equal(cairn_ktdir_owner_monitor(d, false, 0, L(&o), strlen(o.label),
                                                   o.st.entries, o.st.n_entries, o.st.start,
                                                   o.st.has_greatest, o.st.greatest, 0, &resp,
                                                   &len), CAIRN_OK);
        assert_int_equal(cairn_kt_verify_owner_monitor(ctx, &cfg, &fresh, &o.st, resp, len, -1,
                                                       &nv, &ns, &mr), CAIRN_OK);
        state_seed(ctx, &o.st, hdr, &hl);
        snprintf(name, sizeof name, "mon_%d", round);
        write_file(dir, "ktdir_owner_monitor", name, hdr, hl, resp, len);
        cairn_free(ctx, resp, len);
        o.st = ns;
        o.view = nv;
        assert_int_equal(cairn_kt_owner_state_encode(ctx, &o.st, &enc, &n), CAIRN_OK);
        snprintf(name, sizeof name, "state_%d", round);
        write_file(dir, "ktdir_owner_state", name, enc, n, NULL, 0);
        cairn_free(ctx, enc, n);
        assert_int_equal(cairn_kt_view_encode(ctx, &o.view, &enc, &n), CAIRN_OK);
        snprintf(name, sizeof name, "view_%d", round);
        write_file(dir, "ktdir_owner_state", name, enc, n, NULL, 0);
        cairn_free(ctx, enc, n);
    }
    /* OwnerInitResponse seeds: a label with history and a new label. */
    for (int k = 0; k < 2; k++) {
        const char *label = k ? "nobody@example.org" : "alice@example.org";
        uint64_t start;
        assert_int_equal(cairn_ktdir_owner_start(d, &start), CAIRN_OK);
        assert_int_equal(cairn_ktdir_owner_init(d, false, 0, (const uint8_t *)label,
                                                strlen(label), start, &resp, &len), CAIRN_OK);
        assert_int_equal(cairn_kt_verify_owner_init(ctx, &cfg, &fresh, (const uint8_t *)label,
                                                    strlen(label), start, resp, len, -1, &nv,
                                                    &ns), CAIRN_OK);
        hl = 0;
        hdr[hl++] = (uint8_t)strlen(label);
        memcpy(hdr + hl, label, strlen(label));
        hl += strlen(label);
        for (int b = 7; b >= 0; b--)
            hdr[hl++] = (uint8_t)(start >> (8 * b));
        snprintf(name, sizeof name, "init_%d", k);
        write_file(dir, "ktdir_owner_init", name, hdr, hl, resp, len);
        cairn_free(ctx, resp, len);
    }
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_codec),
        cmocka_unit_test(test_request_checks),
        cmocka_unit_test(test_honest_many_commits),
        cmocka_unit_test(test_drop_detected),
        cmocka_unit_test(test_rollback_detected),
        cmocka_unit_test(test_unpublished_version),
        cmocka_unit_test(test_timestamps_backwards),
        cmocka_unit_test(test_flips),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_auditing_mode),
        cmocka_unit_test(test_write_seeds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
