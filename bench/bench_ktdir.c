/*
 * bench_ktdir.c - KEYTRANS directory figures: label updates per second
 * (real VRF per update, batched commits), then for directories of 10^4,
 * 10^5 and 10^6 prefix-tree leaves the greatest-version search proof size
 * and the client verification time. To reach 10^6 leaves without 10^6 VRF
 * evaluations the tree is padded with random filler leaves (same shape as
 * VRF outputs); 1000 real labels are searched. For the returning
 * client's responses it also prints where the bytes go (VRF ladder,
 * commitments, PrefixProof elements and results, timestamps, roots, log
 * inclusion) and the lookups per PrefixProof: the figures behind the
 * proof-size discussion in spec/keytrans.md. Then the sizes of a label
 * owner's init, update and monitoring responses at that scale. Prints
 * figures, asserts nothing.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ktdir_internal.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Byte breakdown of one SearchResponse (greatest-version). */
typedef struct breakdown {
    double head, value, vrf, commit, pp_elem, pp_res, ts, roots, incl;
    double n_pp, lookups, elements, nonincl_leaf, repeated, bound;
} breakdown;

static double log2d(double x)
{
    double k = 0;
    while (x >= 2) {
        x /= 2;
        k++;
    }
    return k + (x - 1); /* piecewise-linear log2, enough for a bound */
}

static void account(cairn_context *ctx, const cairn_kt_config *cfg, const uint8_t *resp,
                    size_t len, size_t leaves, breakdown *b)
{
    cairn__reader r;
    ktdir__fth h;
    ktdir__combined c;
    size_t n, vl, before;
    cairn__reader_init(&r, resp, len);
    if (ktdir__fth_decode(&r, cfg->mode, &h) != CAIRN_OK)
        return;
    b->head += (double)(len - cairn__reader_left(&r));
    before = cairn__reader_left(&r);
    (void)cairn__read_u32be(&r);
    (void)cairn__read_bytes(&r, 16);
    (void)ktdir__get_vec32(&r, &vl, CAIRN_KT_MAX_VALUE);
    b->value += (double)(before - cairn__reader_left(&r));
    n = ktdir__get_count8(&r, 255);
    b->vrf += 1;
    for (size_t i = 0; i < n; i++) {
        (void)cairn__read_bytes(&r, 80);
        b->vrf += 80;
        if (ktdir__get_present(&r)) {
            (void)cairn__read_bytes(&r, 32);
            b->commit += 33;
        } else {
            b->commit += 1;
        }
    }
    if (r.err || ktdir__combined_decode(ctx, &r, &c) != CAIRN_OK)
        return;
    b->ts += 1 + 8.0 * (double)c.n_ts;
    b->n_pp += (double)c.n_pp;
    for (size_t i = 0; i < c.n_pp; i++) {
        b->pp_elem += 2 + 32.0 * (double)c.pp[i].n_elements;
        b->pp_res += 1;
        b->lookups += (double)c.pp[i].n_results;
        b->elements += (double)c.pp[i].n_elements;
        for (size_t j = 0; j < c.pp[i].n_results; j++) {
            b->pp_res += c.pp[i].results[j].type == KT_PR_NONINCL_LEAF ? 66 : 2;
            b->nonincl_leaf += c.pp[i].results[j].type == KT_PR_NONINCL_LEAF;
        }
        /* L random keys in a tree of N leaves need about L*(log2 N - log2 L)
         * siblings: the format's lower bound for this proof. */
        if (c.pp[i].n_results)
            b->bound += (double)c.pp[i].n_results *
                        (log2d((double)leaves) - log2d((double)c.pp[i].n_results));
        /* siblings an earlier PrefixProof of the same response already
         * carried (the trees of nearby entries share most subtrees) */
        for (size_t e = 0; e < c.pp[i].n_elements; e++) {
            bool seen = false;
            for (size_t q = 0; q < i && !seen; q++)
                for (size_t f = 0; f < c.pp[q].n_elements && !seen; f++)
                    seen = memcmp(c.pp[i].elements[e], c.pp[q].elements[f], 32) == 0;
            b->repeated += seen;
        }
    }
    b->ts += 1; /* prefix_proofs count */
    b->roots += 1 + 32.0 * (double)c.n_roots;
    b->incl += 2 + 32.0 * (double)c.n_incl;
    ktdir__combined_free(ctx, &c);
}

static cairn_ktdir *make(cairn_context *ctx)
{
    cairn_ktdir_params p;
    cairn_ktdir *d = NULL;
    memset(&p, 0, sizeof p);
    p.mode = CAIRN_KT_MODE_CONTACT_MONITORING;
    memset(p.signing_seed, 0x11, 32);
    memset(p.vrf_secret, 0x22, 32);
    p.max_ahead = 600000;
    p.max_behind = 31536000000ull;
    p.reasonable_monitoring_window = 24ull * 3600 * 1000;
    if (cairn_ktdir_create(ctx, &p, &d) != CAIRN_OK)
        return NULL;
    return d;
}

/* Owner responses at this scale: initialization for an existing label,
 * the UpdateResponse of a new version, and an owner-monitoring round once
 * more entries were published (all verified, sizes printed). */
static void owner_sizes(cairn_context *ctx, cairn_ktdir *d, const cairn_kt_config *cfg,
                        uint64_t ts)
{
    const uint8_t *label = (const uint8_t *)"user7@example.org";
    size_t ll = 17, li, lu = 0, lm = 0;
    uint8_t *resp;
    uint64_t start;
    uint32_t v;
    cairn_kt_view view, nv;
    cairn_kt_owner_state st, ns;
    cairn_kt_update_result *ur = calloc(1, sizeof *ur);
    cairn_kt_owner_monitor_result mr;
    cairn_kt_value req = {(const uint8_t *)"pk3", 3};
    memset(&view, 0, sizeof view);
    if (ur == NULL || cairn_ktdir_owner_start(d, &start) != CAIRN_OK ||
        cairn_ktdir_owner_init(d, false, 0, label, ll, start, &resp, &li) != CAIRN_OK)
        goto out;
    if (cairn_kt_verify_owner_init(ctx, cfg, &view, label, ll, start, resp, li, (int64_t)ts,
                                   &nv, &st) != CAIRN_OK)
        fprintf(stderr, "owner init failed!\n");
    cairn_free(ctx, resp, li);
    view = nv;
    /* versions created after start are learnt first (not counted) */
    while (st.has_greatest && cairn_ktdir_greatest(d, label, ll, &v) == CAIRN_OK &&
           v > st.greatest &&
           cairn_ktdir_update_response(d, true, view.tree_size, label, ll, true, st.greatest,
                                       st.start, true, &resp, &lu) == CAIRN_OK) {
        if (cairn_kt_verify_update(ctx, cfg, &view, &st, NULL, 0, resp, lu, (int64_t)ts, &nv,
                                   &ns, ur) != CAIRN_OK) {
            cairn_free(ctx, resp, lu);
            goto out;
        }
        cairn_free(ctx, resp, lu);
        view = nv;
        st = ns;
    }
    cairn_ktdir_update(d, label, ll, req.data, req.len, &v);
    ts += 3600 * 1000;
    cairn_ktdir_commit(d, ts);
    if (cairn_ktdir_update_response(d, true, view.tree_size, label, ll, st.has_greatest,
                                    st.greatest, st.start, false, &resp, &lu) != CAIRN_OK)
        goto out;
    if (cairn_kt_verify_update(ctx, cfg, &view, &st, &req, 1, resp, lu, (int64_t)ts, &nv, &ns,
                               ur) != CAIRN_OK)
        fprintf(stderr, "update verify failed!\n");
    cairn_free(ctx, resp, lu);
    view = nv;
    st = ns;
    for (int i = 0; i < 30; i++) {
        ts += 3600 * 1000;
        cairn_ktdir_commit(d, ts);
    }
    if (cairn_ktdir_owner_monitor(d, true, view.tree_size, label, ll, st.entries, st.n_entries,
                                  st.start, st.has_greatest, st.greatest, 0, &resp,
                                  &lm) != CAIRN_OK)
        goto out;
    if (cairn_kt_verify_owner_monitor(ctx, cfg, &view, &st, resp, lm, (int64_t)ts, &nv, &ns,
                                      &mr) != CAIRN_OK)
        fprintf(stderr, "owner monitor verify failed!\n");
    cairn_free(ctx, resp, lm);
    printf("          owner: init %zu B, update response %zu B, monitor after 30 entries %zu B"
           " (%zu distinguished entries walked, %zu contact entries)\n",
           li, lu, lm, mr.n_verified, st.n_entries);
out:
    free(ur);
}

static void scale(cairn_context *ctx, size_t total)
{
    cairn_ktdir *d = make(ctx);
    cairn_kt_config cfg;
    uint64_t ts = 1700000000000ull;
    size_t filled = 0, batch = total / 100 > 1000 ? total / 100 : 1000;
    double t0 = now_s(), tv = 0, build;
    size_t bytes = 0, bytes_fresh = 0, runs = 0;
    breakdown bd;
    uint32_t v;
    char label[32];
    if (d == NULL)
        return;
    cairn_ktdir_get_config(d, &cfg);
    for (unsigned i = 0; i < 1000; i++) {
        snprintf(label, sizeof label, "user%u@example.org", i);
        cairn_ktdir_update(d, (const uint8_t *)label, strlen(label), (const uint8_t *)"pk", 2, &v);
    }
    while (filled + 1000 < total) {
        for (size_t i = 0; i < batch && filled + 1000 < total; i++, filled++)
            if (ktdir__dir_insert_filler(d) != CAIRN_OK)
                break;
        /* a few real updates per entry so labels have several versions */
        for (unsigned i = 0; i < 10; i++) {
            snprintf(label, sizeof label, "user%u@example.org", (unsigned)(filled / batch * 10 + i) % 1000);
            cairn_ktdir_update(d, (const uint8_t *)label, strlen(label), (const uint8_t *)"pk2", 3, &v);
        }
        ts += 3600 * 1000;
        cairn_ktdir_commit(d, ts);
    }
    ts += 1000;
    cairn_ktdir_commit(d, ts);
    build = now_s() - t0;
    memset(&bd, 0, sizeof bd);
    for (unsigned i = 0; i < 50; i++) {
        uint8_t *resp;
        size_t len;
        cairn_kt_view view, nv;
        cairn_kt_search_result res;
        uint64_t n = cairn_ktdir_tree_size(d);
        double a;
        snprintf(label, sizeof label, "user%u@example.org", i * 17 % 1000);
        /* returning client: view from a few entries ago */
        if (ktdir__dir_view(d, n > 3 ? n - 3 : n, &view) != CAIRN_OK)
            continue;
        if (cairn_ktdir_search(d, true, view.tree_size, (const uint8_t *)label, strlen(label),
                               false, 0, &resp, &len) != CAIRN_OK)
            continue;
        a = now_s();
        if (cairn_kt_verify_search(ctx, &cfg, &view, (const uint8_t *)label, strlen(label),
                                   false, 0, resp, len, (int64_t)ts, &nv, &res, NULL) != CAIRN_OK)
            fprintf(stderr, "verify failed!\n");
        tv += now_s() - a;
        bytes += len;
        account(ctx, &cfg, resp, len, total, &bd);
        cairn_free(ctx, resp, len);
        memset(&view, 0, sizeof view);
        if (cairn_ktdir_search(d, false, 0, (const uint8_t *)label, strlen(label), false, 0,
                               &resp, &len) == CAIRN_OK) {
            bytes_fresh += len;
            cairn_free(ctx, resp, len);
        }
        runs++;
    }
    printf("%8zu leaves, %4llu log entries (built in %.1f s): search proof %zu B (returning"
           " client), %zu B (fresh client); client verify %.3f ms\n",
           total, (unsigned long long)cairn_ktdir_tree_size(d), build,
           runs ? bytes / runs : 0, runs ? bytes_fresh / runs : 0,
           runs ? tv * 1000 / (double)runs : 0);
    if (runs) {
        double k = (double)runs;
        printf("          returning client, mean bytes: head %.0f, version+opening+value %.0f, "
               "VRF proofs %.0f, commitments %.0f, PrefixProof elements %.0f, results %.0f, "
               "timestamps %.0f, prefix_roots %.0f, log inclusion %.0f\n",
               bd.head / k, bd.value / k, bd.vrf / k, bd.commit / k, bd.pp_elem / k,
               bd.pp_res / k, bd.ts / k, bd.roots / k, bd.incl / k);
        printf("          %.1f PrefixProofs, %.1f lookups (%.1f nonInclusionLeaf), %.1f "
               "elements = %.1f per lookup (format lower bound ~%.0f); %.1f elements repeat "
               "one of an earlier PrefixProof of the response\n",
               bd.n_pp / k, bd.lookups / k, bd.nonincl_leaf / k, bd.elements / k,
               bd.lookups > 0 ? bd.elements / bd.lookups : 0, bd.bound / k, bd.repeated / k);
    }
    owner_sizes(ctx, d, &cfg, ts);
    cairn_ktdir_destroy(d);
}

int main(int argc, char **argv)
{
    cairn_context *ctx;
    cairn_ktdir *d;
    double t0, t;
    uint32_t v;
    size_t max = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    if (cairn_context_create(NULL, &ctx) != CAIRN_OK)
        return 1;
    d = make(ctx);
    if (d == NULL)
        return 1;
    t0 = now_s();
    for (unsigned i = 0; i < 5000; i++) {
        char label[32];
        snprintf(label, sizeof label, "user%u@example.org", i % 2000);
        cairn_ktdir_update(d, (const uint8_t *)label, strlen(label), (const uint8_t *)"pk", 2, &v);
        if (i % 100 == 99)
            cairn_ktdir_commit(d, 1700000000000ull + i);
    }
    t = now_s() - t0;
    printf("label updates: %.0f /s (5000 updates, VRF + commitment + prefix insert,"
           " commits of 100)\n", 5000 / t);
    cairn_ktdir_destroy(d);
    for (size_t n = 10000; n <= max; n *= 10)
        scale(ctx, n);
    cairn_context_destroy(ctx);
    return 0;
}
