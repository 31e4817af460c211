/*
 * bench_ktdir.c - KEYTRANS directory figures: label updates per second
 * (real VRF per update, batched commits), then for directories of 10^4,
 * 10^5 and 10^6 prefix-tree leaves the greatest-version search proof size
 * and the client verification time. To reach 10^6 leaves without 10^6 VRF
 * evaluations the tree is padded with random filler leaves (same shape as
 * VRF outputs); 1000 real labels are searched. Prints figures, asserts
 * nothing.
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

static void scale(cairn_context *ctx, size_t total)
{
    cairn_ktdir *d = make(ctx);
    cairn_kt_config cfg;
    uint64_t ts = 1700000000000ull;
    size_t filled = 0, batch = total / 100 > 1000 ? total / 100 : 1000;
    double t0 = now_s(), tv = 0, build;
    size_t bytes = 0, bytes_fresh = 0, runs = 0;
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
