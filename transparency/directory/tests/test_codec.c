/*
 * test_codec.c - unit tests of the building blocks: implicit binary search
 * tree and binary ladders against the draft's examples (KT-LAD-1..2), the
 * log-tree walk against a naive recomputation and the draft's worked
 * example (KT-LOG-4/5), prefix proofs (KT-PT-4..7), encodings and their
 * round trips, and hostile decoding (KT-ENC-2/3).
 */
#include <sodium.h>
#include <stdlib.h>

#include "kt_test_util.h"
#include "ktdir_internal.h"

static void test_ibst(void **state)
{
    (void)state;
    uint64_t fr[64], path[64];
    size_t c;
    /* Draft: a log of 50 entries has root 31 and frontier 31, 47, 49. */
    assert_int_equal(ktdir__ibst_root(50), 31);
    c = ktdir__ibst_frontier(50, fr);
    assert_int_equal(c, 3);
    assert_int_equal(fr[0], 31);
    assert_int_equal(fr[1], 47);
    assert_int_equal(fr[2], 49);
    /* Worked example: 13 entries, frontier 7, 11, 12. */
    c = ktdir__ibst_frontier(13, fr);
    assert_int_equal(c, 3);
    assert_int_equal(fr[0], 7);
    assert_int_equal(fr[1], 11);
    assert_int_equal(fr[2], 12);
    c = ktdir__ibst_path(3, 13, path);
    assert_int_equal(c, 2);
    assert_int_equal(path[0], 7);
    assert_int_equal(path[1], 3);
    c = ktdir__ibst_path(49, 52, path); /* 31 -> 47 -> 51 -> 49 */
    assert_int_equal(c, 4);
    assert_int_equal(path[2], 51);
    assert_int_equal(ktdir__ibst_root(1), 0);
    assert_false(ktdir__ibst_has_right(0, 1));
}

static void test_ladder(void **state)
{
    (void)state;
    uint32_t out[KT_MAX_LADDER];
    size_t c;
    /* Draft: greatest version 6 -> 0, 1, 3, 7, 5, 6. */
    c = ktdir__base_ladder(6, out);
    assert_int_equal(c, 6);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 1);
    assert_int_equal(out[2], 3);
    assert_int_equal(out[3], 7);
    assert_int_equal(out[4], 5);
    assert_int_equal(out[5], 6);
    /* Worked example: target 2 -> 0, 1, 3, 2. */
    c = ktdir__base_ladder(2, out);
    assert_int_equal(c, 4);
    assert_int_equal(out[3], 2);
    c = ktdir__base_ladder(0, out);
    assert_int_equal(c, 2); /* 0, 1 */
    /* KT-LAD-2: never a version >= 2^32. */
    c = ktdir__base_ladder(0xffffffffu, out);
    assert_true(c > 30 && c <= KT_MAX_LADDER);
    for (size_t i = 0; i < c; i++)
        assert_true(out[i] <= 0xffffffffu);
    assert_int_equal(out[c - 1], 0xffffffffu);
    c = ktdir__base_ladder(0xfffffffeu, out);
    assert_true(c <= KT_MAX_LADDER);
}

/* Naive root of leaves[lo, lo+n). */
static void naive(uint8_t (*leaves)[32], uint64_t lo, uint64_t n, uint8_t out[32])
{
    uint64_t k = 1;
    uint8_t l[32], r[32];
    if (n == 1) {
        memcpy(out, leaves[lo], 32);
        return;
    }
    while (k * 2 < n)
        k *= 2;
    naive(leaves, lo, k, l);
    naive(leaves, lo + k, n - k, r);
    ktdir__log_parent(out, l, k == 1, r, n - k == 1);
}

typedef struct wt {
    ktdir__log *log;
    uint8_t (*leaves)[32];
    const uint64_t *known;
    uint8_t retained[64][32];
    uint8_t elems[256][32];
    size_t n_el, pos;
    bool verify;
} wt;

static void wt_leaf(void *ud, size_t i, uint8_t out[32])
{
    wt *w = ud;
    memcpy(out, w->leaves[w->known[i]], 32);
}
static void wt_ret(void *ud, size_t j, uint8_t out[32])
{
    wt *w = ud;
    memcpy(out, w->retained[j], 32);
}
static cairn_status wt_el(void *ud, uint64_t lo, uint64_t size, uint8_t out[32])
{
    wt *w = ud;
    if (w->verify) {
        if (w->pos >= w->n_el)
            return CAIRN_ERR_PROOF;
        memcpy(out, w->elems[w->pos++], 32);
        return CAIRN_OK;
    }
    assert_int_equal(ktdir__log_node(w->log, lo, size, out), CAIRN_OK);
    memcpy(w->elems[w->n_el++], out, 32);
    return CAIRN_OK;
}

/* KT-LOG-4/5: prove then verify batched inclusion + consistency for many
 * (n, m, known) combinations; tampering a retained head is caught. */
static void test_log_walk(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    ktdir__log log;
    uint8_t (*leaves)[32] = calloc(80, 32);
    uint64_t rng = 42;
    ktdir__log_init(&log, ctx);
    for (int i = 0; i < 80; i++) {
        randombytes_buf(leaves[i], 32);
        assert_int_equal(ktdir__log_append(&log, leaves[i]), CAIRN_OK);
    }
    for (uint64_t n = 1; n <= 80; n++) {
        uint8_t want[32], got[32], root2[32];
        naive(leaves, 0, n, want);
        ktdir__log_root(&log, n, got);
        assert_memory_equal(want, got, 32);
        for (int trial = 0; trial < 6; trial++) {
            uint64_t known[8], st[64], sz[64];
            size_t nk = 0;
            uint64_t m = kt_rand(&rng) % (n + 1), a = kt_rand(&rng) % (n + 1);
            wt w;
            ktdir__logwalk lw;
            uint8_t heads[64][32], ah[64][32];
            for (int k = 0; k < 3; k++) {
                uint64_t x = kt_rand(&rng) % n;
                bool dup = false;
                for (size_t j = 0; j < nk; j++)
                    dup = dup || known[j] == x;
                if (!dup)
                    known[nk++] = x;
            }
            for (size_t i = 1; i < nk; i++)
                for (size_t j = i; j > 0 && known[j - 1] > known[j]; j--) {
                    uint64_t t = known[j];
                    known[j] = known[j - 1];
                    known[j - 1] = t;
                }
            memset(&w, 0, sizeof w);
            w.log = &log;
            w.leaves = leaves;
            w.known = known;
            size_t c = ktdir__log_full_subtrees(m, st, sz);
            for (size_t i = 0; i < c; i++)
                ktdir__log_node(&log, st[i], sz[i], w.retained[i]);
            memset(&lw, 0, sizeof lw);
            lw.n = n;
            lw.m = m;
            lw.a = a;
            lw.known = known;
            lw.n_known = nk;
            lw.ud = &w;
            lw.leaf = wt_leaf;
            lw.retained = wt_ret;
            lw.element = wt_el;
            lw.n_heads = heads;
            lw.a_heads = ah;
            assert_int_equal(ktdir__log_walk(&lw, got), CAIRN_OK);
            assert_memory_equal(got, want, 32);
            w.verify = true;
            assert_int_equal(ktdir__log_walk(&lw, root2), CAIRN_OK);
            assert_int_equal(w.pos, w.n_el);
            assert_memory_equal(root2, want, 32);
            if (a) {
                uint8_t ar[32], aw[32];
                uint64_t s2[64], z2[64];
                size_t ca = ktdir__log_full_subtrees(a, s2, z2);
                ktdir__log_root_from_full(ar, (const uint8_t(*)[32])ah, z2, ca);
                naive(leaves, 0, a, aw);
                assert_memory_equal(ar, aw, 32);
            }
            if (m && c) {
                /* A wrong retained head never yields the true root. */
                w.pos = 0;
                w.retained[0][0] ^= 1;
                cairn_status s = ktdir__log_walk(&lw, root2);
                if (!(s != CAIRN_OK || memcmp(root2, want, 32) != 0))
                    fprintf(stderr, "n=%llu m=%llu a=%llu nk=%zu k0=%llu\n",
                            (unsigned long long)n, (unsigned long long)m,
                            (unsigned long long)a, nk, (unsigned long long)known[0]);
                assert_true(s != CAIRN_OK || memcmp(root2, want, 32) != 0);
            }
        }
    }
    ktdir__log_free(&log);
    free(leaves);
    cairn_context_destroy(ctx);
}

/* Draft worked example: m = 4, n = 13, known leaves 7, 11, 12 give the
 * elements [4,6), 6, [8,10), 10 in that order. */
static uint64_t ex_lo[8], ex_sz[8];
static size_t ex_n;
static cairn_status ex_el(void *ud, uint64_t lo, uint64_t size, uint8_t out[32])
{
    (void)ud;
    memset(out, 0, 32);
    ex_lo[ex_n] = lo;
    ex_sz[ex_n++] = size;
    return CAIRN_OK;
}
static void ex_leaf(void *ud, size_t i, uint8_t out[32]) { (void)ud; (void)i; memset(out, 1, 32); }
static void ex_ret(void *ud, size_t j, uint8_t out[32]) { (void)ud; (void)j; memset(out, 2, 32); }

static void test_log_worked_example(void **state)
{
    (void)state;
    uint64_t known[3] = {7, 11, 12};
    ktdir__logwalk lw;
    uint8_t root[32];
    memset(&lw, 0, sizeof lw);
    lw.n = 13;
    lw.m = 4;
    lw.known = known;
    lw.n_known = 3;
    lw.leaf = ex_leaf;
    lw.retained = ex_ret;
    lw.element = ex_el;
    ex_n = 0;
    assert_int_equal(ktdir__log_walk(&lw, root), CAIRN_OK);
    assert_int_equal(ex_n, 4);
    assert_true(ex_lo[0] == 4 && ex_sz[0] == 2);
    assert_true(ex_lo[1] == 6 && ex_sz[1] == 1);
    assert_true(ex_lo[2] == 8 && ex_sz[2] == 2);
    assert_true(ex_lo[3] == 10 && ex_sz[3] == 1);
    /* Consistency 5 -> 7: only leaves 5 and 6 (draft figure). */
    lw.n = 7;
    lw.m = 5;
    lw.n_known = 0;
    ex_n = 0;
    assert_int_equal(ktdir__log_walk(&lw, root), CAIRN_OK);
    assert_int_equal(ex_n, 2);
    assert_true(ex_lo[0] == 5 && ex_lo[1] == 6);
}

/* KT-PT-2/4..7: prefix proofs from the server tree verify; inclusion needs
 * the right commitment; extra/missing elements and wrong depths fail; the
 * partial tree reproduces insertions. */
static void test_prefix(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    ktdir__ptree t;
    uint32_t root, r0;
    uint8_t keys[300][32], commits[300][32];
    assert_int_equal(ktdir__ptree_init(&t, ctx, 0, &root), CAIRN_OK);
    r0 = root;
    for (int i = 0; i < 300; i++) {
        randombytes_buf(keys[i], 32);
        randombytes_buf(commits[i], 32);
    }
    keys[1][0] = keys[0][0]; /* share a prefix byte to get deeper nodes */
    keys[1][1] = keys[0][1] ^ 0x01;
    for (int i = 0; i < 200; i++)
        assert_int_equal(ktdir__ptree_insert(&t, &root, keys[i], commits[i]), CAIRN_OK);
    assert_int_equal(ktdir__ptree_insert(&t, &root, keys[5], commits[5]), CAIRN_ERR_EXISTS);
    ktdir__ptree_seal(&t, root);
    for (int round = 0; round < 40; round++) {
        uint8_t q[6][32], qc[6][32], rt[32];
        bool hc[6], inc[6];
        ktdir__pproof pp;
        for (int j = 0; j < 6; j++) {
            int k = (round * 7 + j * 53) % 300;
            memcpy(q[j], keys[k], 32);
            memcpy(qc[j], commits[k], 32);
            hc[j] = true;
        }
        assert_int_equal(ktdir__ptree_prove(&t, root, (const uint8_t(*)[32])q, 6, &pp), CAIRN_OK);
        assert_int_equal(ktdir__pproof_eval(ctx, &pp, (const uint8_t(*)[32])q,
                                            (const uint8_t(*)[32])qc, hc, 6, rt, inc, NULL),
                         CAIRN_OK);
        assert_memory_equal(rt, t.nodes[root].hash, 32);
        for (int j = 0; j < 6; j++)
            assert_int_equal(inc[j], ((round * 7 + j * 53) % 300) < 200);
        /* Round trip through the encoding. */
        {
            cairn__buf b;
            cairn__reader r;
            ktdir__pproof p2;
            uint8_t rt2[32];
            cairn__buf_init(&b, ctx, 1 << 20);
            assert_int_equal(ktdir__pproof_encode(&b, &pp, false), CAIRN_OK);
            cairn__reader_init(&r, b.data, b.len);
            assert_int_equal(ktdir__pproof_decode(ctx, &r, &p2, false), CAIRN_OK);
            assert_int_equal(cairn__reader_left(&r), 0);
            assert_int_equal(ktdir__pproof_eval(ctx, &p2, (const uint8_t(*)[32])q,
                                                (const uint8_t(*)[32])qc, hc, 6, rt2, inc,
                                                NULL), CAIRN_OK);
            assert_memory_equal(rt2, rt, 32);
            ktdir__pproof_free(ctx, &p2);
            cairn__buf_free(&b);
        }
        /* Wrong commitment for an included key changes the root. */
        qc[0][0] ^= 1;
        if (pp.results[0].type == KT_PR_INCLUSION) {
            uint8_t rt3[32];
            if (ktdir__pproof_eval(ctx, &pp, (const uint8_t(*)[32])q,
                                   (const uint8_t(*)[32])qc, hc, 6, rt3, inc, NULL) == CAIRN_OK)
                assert_memory_not_equal(rt3, rt, 32);
            hc[0] = false; /* inclusion without a commitment: rejected */
            assert_int_equal(ktdir__pproof_eval(ctx, &pp, (const uint8_t(*)[32])q,
                                                (const uint8_t(*)[32])qc, hc, 6, rt3,
                                                inc, NULL), CAIRN_ERR_PROOF);
            hc[0] = true;
        }
        qc[0][0] ^= 1;
        /* Depth lies and element count errors. */
        pp.results[0].depth++;
        assert_int_not_equal(ktdir__pproof_eval(ctx, &pp, (const uint8_t(*)[32])q,
                                                (const uint8_t(*)[32])qc, hc, 6, rt, inc,
                                                NULL), CAIRN_OK);
        pp.results[0].depth--;
        if (pp.n_elements > 0) {
            pp.n_elements--;
            assert_int_equal(ktdir__pproof_eval(ctx, &pp, (const uint8_t(*)[32])q,
                                                (const uint8_t(*)[32])qc, hc, 6, rt, inc,
                                                NULL), CAIRN_ERR_PROOF);
            pp.n_elements++;
        }
        ktdir__pproof_free(ctx, &pp);
    }
    /* Partial tree: prove absent keys in r0-based tree, insert, compare. */
    {
        uint32_t r1 = root;
        uint8_t add[40][32], addc[40][32], before[32], after[32];
        ktdir__pproof pp;
        ktdir__ptree_partial part;
        for (int i = 0; i < 40; i++) {
            memcpy(add[i], keys[200 + i], 32);
            memcpy(addc[i], commits[200 + i], 32);
        }
        for (int i = 1; i < 40; i++)
            for (int j = i; j > 0 && memcmp(add[j - 1], add[j], 32) > 0; j--) {
                uint8_t tk[32], tc[32];
                memcpy(tk, add[j], 32); memcpy(add[j], add[j - 1], 32); memcpy(add[j - 1], tk, 32);
                memcpy(tc, addc[j], 32); memcpy(addc[j], addc[j - 1], 32); memcpy(addc[j - 1], tc, 32);
            }
        assert_int_equal(ktdir__ptree_prove(&t, root, (const uint8_t(*)[32])add, 40, &pp), CAIRN_OK);
        assert_int_equal(ktdir__pproof_eval(ctx, &pp, (const uint8_t(*)[32])add, NULL, NULL,
                                            40, before, NULL, &part), CAIRN_OK);
        assert_memory_equal(before, t.nodes[root].hash, 32);
        for (int i = 0; i < 40; i++) {
            assert_int_equal(ktdir__partial_insert(&part, add[i], addc[i]), CAIRN_OK);
            assert_int_equal(ktdir__ptree_insert(&t, &r1, add[i], addc[i]), CAIRN_OK);
        }
        ktdir__ptree_seal(&t, r1);
        ktdir__partial_root(&part, after);
        assert_memory_equal(after, t.nodes[r1].hash, 32);
        /* Removal restores the canonical shape (KT-PT-2). */
        for (int i = 0; i < 40; i++)
            assert_int_equal(ktdir__ptree_remove(&t, &r1, add[i]), CAIRN_OK);
        ktdir__ptree_seal(&t, r1);
        assert_memory_equal(t.nodes[r1].hash, t.nodes[root].hash, 32);
        ktdir__partial_free(&part);
        ktdir__pproof_free(ctx, &pp);
    }
    /* The old version of the tree is untouched (persistence, KT-PT-3). */
    {
        uint8_t empty[32];
        ktdir__ptree_empty_root(empty);
        assert_memory_equal(t.nodes[r0].hash, empty, 32);
    }
    ktdir__ptree_free(&t);
    cairn_context_destroy(ctx);
}

/* KT-ENC-2/3: hostile inputs to every decoder are rejected, never crash. */
static void test_hostile_decode(void **state)
{
    (void)state;
    cairn_context *ctx = cts_context();
    uint8_t buf[4096];
    cairn__reader r;
    ktdir__pproof pp;
    ktdir__combined cb;
    ktdir__fth h;
    cairn_kt_config cfg;
    long live0 = cts_live_allocations();
    /* Huge element count. */
    memset(buf, 0, sizeof buf);
    buf[0] = 0;
    buf[1] = 0xff;
    buf[2] = 0xff;
    cairn__reader_init(&r, buf, 3);
    assert_int_equal(ktdir__pproof_decode(ctx, &r, &pp, false), CAIRN_ERR_DECODE);
    /* Unknown result type. */
    buf[0] = 1;
    buf[1] = 9;
    cairn__reader_init(&r, buf, 10);
    assert_int_equal(ktdir__pproof_decode(ctx, &r, &pp, false), CAIRN_ERR_DECODE);
    /* 255 results claimed, 10 bytes present. */
    buf[0] = 0xff;
    buf[1] = 1;
    cairn__reader_init(&r, buf, 10);
    assert_int_equal(ktdir__pproof_decode(ctx, &r, &pp, false), CAIRN_ERR_DECODE);
    /* Combined proof: 255 timestamps claimed in 20 bytes. */
    buf[0] = 0xff;
    cairn__reader_init(&r, buf, 20);
    assert_int_equal(ktdir__combined_decode(ctx, &r, &cb), CAIRN_ERR_DECODE);
    /* Inclusion element count above the cap. */
    memset(buf, 0, 8);
    buf[3] = 0xff;
    buf[4] = 0xff;
    cairn__reader_init(&r, buf, sizeof buf);
    assert_int_equal(ktdir__combined_decode(ctx, &r, &cb), CAIRN_ERR_DECODE);
    /* Full tree head: bad type, short signature. */
    buf[0] = 3;
    cairn__reader_init(&r, buf, 1);
    assert_int_equal(ktdir__fth_decode(&r, CAIRN_KT_MODE_CONTACT_MONITORING, &h), CAIRN_ERR_DECODE);
    memset(buf, 0, 16);
    buf[0] = 2;
    buf[9] = 0;
    buf[10] = 63;
    cairn__reader_init(&r, buf, 11 + 63);
    assert_int_equal(ktdir__fth_decode(&r, CAIRN_KT_MODE_CONTACT_MONITORING, &h), CAIRN_ERR_DECODE);
    /* optional<T> presence octet other than 0/1 (KT-ENC-3). */
    {
        cairn_kt_config c0;
        cairn__buf b;
        memset(&c0, 0, sizeof c0);
        c0.mode = CAIRN_KT_MODE_CONTACT_MONITORING;
        cairn__buf_init(&b, ctx, 4096);
        assert_int_equal(ktdir__config_encode(&b, &c0), CAIRN_OK);
        cairn__reader_init(&r, b.data, b.len);
        assert_int_equal(ktdir__config_decode(&r, &cfg), CAIRN_OK);
        assert_memory_equal(&cfg, &c0, sizeof cfg);
        b.data[b.len - 1] = 2;
        cairn__reader_init(&r, b.data, b.len);
        assert_int_equal(ktdir__config_decode(&r, &cfg), CAIRN_ERR_DECODE);
        b.data[1] = 1; /* P-256 suite: unsupported */
        cairn__reader_init(&r, b.data, b.len);
        assert_int_equal(ktdir__config_decode(&r, &cfg), CAIRN_ERR_UNSUPPORTED);
        cairn__buf_free(&b);
    }
    assert_int_equal(cts_live_allocations(), live0);
    cairn_context_destroy(ctx);
}

/* KT-COM-1: commitment over CommitmentValue changes with every input. */
static void test_commitment(void **state)
{
    (void)state;
    uint8_t op[16] = {0}, c1[32], c2[32];
    assert_int_equal(ktdir__commitment(c1, op, (const uint8_t *)"a", 1, 0,
                                       (const uint8_t *)"v", 1), CAIRN_OK);
    assert_int_equal(ktdir__commitment(c2, op, (const uint8_t *)"a", 1, 1,
                                       (const uint8_t *)"v", 1), CAIRN_OK);
    assert_memory_not_equal(c1, c2, 32);
    assert_int_equal(ktdir__commitment(c2, op, (const uint8_t *)"av", 2, 0, NULL, 0), CAIRN_OK);
    assert_memory_not_equal(c1, c2, 32); /* length prefixes separate fields */
    op[15] = 1;
    assert_int_equal(ktdir__commitment(c2, op, (const uint8_t *)"a", 1, 0,
                                       (const uint8_t *)"v", 1), CAIRN_OK);
    assert_memory_not_equal(c1, c2, 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ibst),
        cmocka_unit_test(test_ladder),
        cmocka_unit_test(test_log_walk),
        cmocka_unit_test(test_log_worked_example),
        cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_hostile_decode),
        cmocka_unit_test(test_commitment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
