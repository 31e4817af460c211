/*
 * test_ktverify.c - unit tests of the client view (cairn_ktverify)
 * against an in-process directory: honest responses verify and move the
 * view (KTV-2); the view blob round-trips and its parser rejects every
 * truncation, flipped structural byte, trailing byte and foreign
 * configuration (KTV-3); failures leave the view untouched (KTV-1);
 * timestamps going backwards and clock skew are rejected; a dropped
 * version is caught by monitoring. With KT_WRITE_CORPUS=<dir> it also
 * writes seed blobs for the kt_view fuzz target.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/ktverify.h"
#include "ktdir_internal.h"
#include "test_support.h"

static int64_t g_now = 1700000000000;
static cairn_context *g_ctx;

static cairn_ktdir *make_dir(cairn_context *ctx)
{
    cairn_ktdir_params p;
    cairn_ktdir *d = NULL;
    memset(&p, 0, sizeof p);
    p.mode = CAIRN_KT_MODE_CONTACT_MONITORING;
    memset(p.signing_seed, 7, 32);
    memset(p.vrf_secret, 9, 32);
    p.max_ahead = 60000;
    p.max_behind = 3600000;
    p.reasonable_monitoring_window = 3600000;
    assert_int_equal(cairn_ktdir_create(ctx, &p, &d), CAIRN_OK);
    return d;
}

static void put(cairn_ktdir *d, const char *label, const char *value, int64_t ts)
{
    uint32_t v;
    assert_int_equal(cairn_ktdir_update(d, (const uint8_t *)label, strlen(label),
                                        (const uint8_t *)value, strlen(value), &v),
                     CAIRN_OK);
    assert_int_equal(cairn_ktdir_commit(d, (uint64_t)ts), CAIRN_OK);
}

static cairn_status search(cairn_ktdir *d, cairn_ktv *v, const char *label, bool monitor,
                           int64_t now)
{
    uint8_t *r = NULL;
    size_t n = 0;
    cairn_ktv_result res;
    cairn_status st = cairn_ktdir_search(d, cairn_ktv_tree_size(v) > 0, cairn_ktv_tree_size(v),
                                         (const uint8_t *)label, strlen(label), false, 0, &r, &n);
    if (st != CAIRN_OK)
        return st;
    st = cairn_ktv_verify_search(v, (const uint8_t *)label, strlen(label), false, 0, r, n, now,
                                 monitor, &res);
    cairn_free(g_ctx, r, n);
    return st;
}

static void dump(const char *name, const cairn_kt_config *cfg, const uint8_t *b, size_t n)
{
    const char *dir = getenv("KT_WRITE_CORPUS");
    char path[1024];
    FILE *f;
    if (dir == NULL)
        return;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL)
        return;
    fwrite(cfg->signature_public_key, 1, 32, f);
    fwrite(cfg->vrf_public_key, 1, 32, f);
    fwrite(b, 1, n, f);
    fclose(f);
}

static void test_view_round_trip(void **state)
{
    cairn_context *ctx = g_ctx = cts_context();
    cairn_ktdir *d = make_dir(ctx);
    cairn_kt_config cfg, other;
    cairn_ktv *v = NULL, *w = NULL;
    uint8_t *b = NULL, *b2 = NULL;
    size_t n = 0, n2 = 0;
    (void)state;
    cairn_ktdir_get_config(d, &cfg);
    assert_int_equal(cairn_ktv_create(ctx, &cfg, NULL, &v), CAIRN_OK);
    assert_int_equal(cairn_ktv_serialize(v, &b, &n), CAIRN_OK);
    dump("empty", &cfg, b, n);
    cairn_free(ctx, b, n);
    for (int i = 0; i < 5; i++) {
        char label[32];
        snprintf(label, sizeof label, "sip:u%d@x", i % 2);
        put(d, label, "value", g_now + i);
    }
    assert_int_equal(search(d, v, "sip:u0@x", true, g_now + 10), CAIRN_OK);
    assert_int_equal(search(d, v, "sip:u1@x", true, g_now + 10), CAIRN_OK);
    assert_int_equal(cairn_ktv_serialize(v, &b, &n), CAIRN_OK);
    dump("two_labels", &cfg, b, n);
    assert_int_equal(cairn_ktv_parse(ctx, &cfg, NULL, b, n, &w), CAIRN_OK);
    assert_int_equal(cairn_ktv_serialize(w, &b2, &n2), CAIRN_OK);
    assert_int_equal(n2, n);
    assert_memory_equal(b2, b, n);
    assert_int_equal(cairn_ktv_tree_size(w), 5);
    cairn_ktv_destroy(w);
    /* Truncations and trailing bytes are rejected. */
    for (size_t l = 0; l < n; l++) {
        w = NULL;
        assert_int_not_equal(cairn_ktv_parse(ctx, &cfg, NULL, b, l, &w), CAIRN_OK);
        assert_null(w);
    }
    {
        uint8_t *x = malloc(n + 1);
        memcpy(x, b, n);
        x[n] = 0;
        assert_int_not_equal(cairn_ktv_parse(ctx, &cfg, NULL, x, n + 1, &w), CAIRN_OK);
        free(x);
    }
    /* The retained-state part is self-checking: any flipped bit in the
     * header, sizes, full subtrees, frontier or root is rejected. */
    {
        /* tree size 5: two full subtrees; frontier count read from the blob */
        size_t fr0 = 4 + 32 + 8 + 1 + 2 * 32 + 1, nfr = b[fr0 - 1];
        size_t aud = fr0 + nfr * 48, fixed = aud + 16 + 32;
        for (size_t i = 0; i < fixed && i < n; i++) {
            if (i >= fr0 && i < aud && (i - fr0) % 48 >= 8)
                continue; /* frontier timestamps and prefix roots are opaque here */
            if (i >= aud && i < aud + 16)
                continue; /* auditor size/timestamp: opaque in contact mode */
            b[i] ^= 0x01;
            w = NULL;
            if (cairn_ktv_parse(ctx, &cfg, NULL, b, n, &w) == CAIRN_OK) {
                cairn_ktv_destroy(w);
                fail_msg("flipped byte %zu accepted", i);
            }
            b[i] ^= 0x01;
        }
    }
    /* A view is bound to its configuration. */
    other = cfg;
    other.vrf_public_key[0] ^= 1;
    assert_int_equal(cairn_ktv_parse(ctx, &other, NULL, b, n, &w), CAIRN_ERR_BAD_KEY);
    /* require_auditor needs auditing mode. */
    {
        cairn_ktv_options o = {0, true};
        assert_int_equal(cairn_ktv_create(ctx, &cfg, &o, &w), CAIRN_ERR_INVALID_ARG);
    }
    cairn_free(ctx, b, n);
    cairn_free(ctx, b2, n2);
    cairn_ktv_destroy(v);
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

static void test_policy(void **state)
{
    cairn_context *ctx = g_ctx = cts_context();
    cairn_ktdir *d = make_dir(ctx);
    cairn_kt_config cfg;
    cairn_ktv *v = NULL;
    uint8_t *before = NULL, *after = NULL;
    size_t bl = 0, al = 0;
    uint64_t sz = 0, ts = 0;
    uint8_t root[32], sig[64];
    (void)state;
    cairn_ktdir_get_config(d, &cfg);
    assert_int_equal(cairn_ktv_create(ctx, &cfg, NULL, &v), CAIRN_OK);
    assert_int_equal(cairn_ktv_head(v, &sz, root, sig, &ts), CAIRN_ERR_NOT_FOUND);
    put(d, "sip:first@x", "f", g_now - 1); /* like cairn-kt's start-up entry */
    put(d, "sip:a@x", "k0", g_now);
    /* A head from the far future (beyond max_ahead / max skew) fails and
     * leaves the view as it was. */
    assert_int_equal(cairn_ktv_serialize(v, &before, &bl), CAIRN_OK);
    assert_int_equal(search(d, v, "sip:a@x", true, g_now - 3600000), CAIRN_ERR_STALE);
    assert_int_equal(cairn_ktv_serialize(v, &after, &al), CAIRN_OK);
    assert_int_equal(al, bl);
    assert_memory_equal(after, before, bl);
    assert_int_equal(search(d, v, "sip:a@x", true, g_now + 5), CAIRN_OK);
    assert_int_equal(cairn_ktv_head(v, &sz, root, sig, &ts), CAIRN_OK);
    assert_int_equal(sz, 2);
    assert_int_equal(ts, (uint64_t)g_now);
    /* Monitoring an honest log passes; a dropped version is caught. */
    put(d, "sip:a@x", "k1", g_now + 10);
    assert_int_equal(search(d, v, "sip:a@x", true, g_now + 20), CAIRN_OK);
    {
        char ents[256];
        uint8_t *r = NULL;
        size_t n = 0;
        uint64_t pos[32];
        uint32_t ver[32];
        cairn_kt_monitor_entry e[32];
        size_t ne = 0;
        assert_int_equal(cairn_ktv_monitor_entries(v, (const uint8_t *)"sip:a@x", 7, ents,
                                                   sizeof ents), CAIRN_OK);
        /* parse back "pos:ver,..." */
        {
            char *p = ents;
            while (*p && ne < 32) {
                unsigned long long a;
                unsigned b;
                int k = 0;
                if (sscanf(p, "%llu:%u%n", &a, &b, &k) != 2)
                    break;
                pos[ne] = a;
                ver[ne] = b;
                e[ne].position = a;
                e[ne].version = b;
                ne++;
                p += k;
                if (*p == ',')
                    p++;
            }
        }
        (void)pos;
        (void)ver;
        assert_true(ne >= 1);
        assert_int_equal(ktdir__dir_drop_version(d, (const uint8_t *)"sip:a@x", 7, 1), CAIRN_OK);
        assert_int_equal(cairn_ktdir_commit(d, (uint64_t)g_now + 30), CAIRN_OK);
        if (cairn_ktdir_monitor(d, true, cairn_ktv_tree_size(v), (const uint8_t *)"sip:a@x", 7,
                                e, ne, &r, &n) == CAIRN_OK) {
            assert_int_equal(cairn_ktv_verify_monitor(v, (const uint8_t *)"sip:a@x", 7, r, n,
                                                      g_now + 40),
                             CAIRN_ERR_PROOF);
            cairn_free(ctx, r, n);
        }
    }
    cairn_free(ctx, before, bl);
    cairn_free(ctx, after, al);
    cairn_ktv_destroy(v);
    cairn_ktdir_destroy(d);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_view_round_trip),
        cmocka_unit_test(test_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
