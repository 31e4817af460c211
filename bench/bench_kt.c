/*
 * bench_kt.c - key transparency figures through the real cairn-kt server
 * on loopback: sustained acknowledged (durable) label updates per second
 * with the 1 s batching window and many concurrent publishers; search
 * proof size and client verification time at 10^4 and 10^5 labels (fresh
 * and returning client); mirror (tiled log) appends per second. Prints
 * figures, asserts nothing.
 *
 * usage: bench_kt [seconds of sustained load, default 10] [max labels,
 * default 100000] [publishers, default 64] [updates per request, default
 * 128] [server --vrf-threads, default: the server's (one per CPU); 0 puts
 * the VRF back on the event-loop thread]
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base.h"
#include "cairn/ktverify.h"
#include "cairn/tlog.h"
#include "kt_harness.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct pub {
    const char *url;
    int id, per_req;
    volatile int *stop;
    long acked, failed;
    unsigned long long next;
} pub;

/* One request of n updates for labels sip:<prefix>-<k>@bench. */
static long publish_batch(cairn_context *ctx, const char *url, const char *prefix,
                          unsigned long long first, int n)
{
    size_t cap = (size_t)n * 128 + 64, off = 0;
    char *body = malloc(cap), u[256];
    const char *hdr[] = {"Authorization: Bearer " KTH_TOKEN, NULL};
    long status = 0;
    uint8_t *out = NULL;
    size_t ol = 0;
    off += (size_t)snprintf(body + off, cap - off, "{\"updates\":[");
    for (int i = 0; i < n; i++)
        off += (size_t)snprintf(body + off, cap - off,
                                "%s{\"label\":\"sip:%s-%llu@bench\",\"value_b64\":"
                                "\"BSr8c1fVx0V2vZ0L8m8Vq1z3pQ9r8zY1xw8s7T6u5V4w\"}",
                                i ? "," : "", prefix, first + (unsigned long long)i);
    off += (size_t)snprintf(body + off, cap - off, "]}");
    snprintf(u, sizeof u, "%s/kt/v1/publish", url);
    if (cairn_ktv_http_post(ctx, u, "application/json", hdr, (uint8_t *)body, off, 1 << 20,
                            &status, &out, &ol) != CAIRN_OK)
        status = -1;
    else
        cairn_free(ctx, out, ol);
    free(body);
    return status;
}

static void *pub_main(void *arg)
{
    pub *p = arg;
    cairn_context *ctx = NULL;
    char prefix[32];
    if (cairn_context_create(NULL, &ctx) != CAIRN_OK)
        return NULL;
    snprintf(prefix, sizeof prefix, "p%d", p->id);
    while (!*p->stop) {
        long st = publish_batch(ctx, p->url, prefix, p->next, p->per_req);
        if (st == 200 && !*p->stop)
            p->acked += p->per_req;
        else if (st != 200)
            p->failed++;
        p->next += (unsigned long long)p->per_req;
    }
    cairn_context_destroy(ctx);
    return NULL;
}

static void sustained(const char *url, int seconds, int threads, int per_req)
{
    pthread_t th[256];
    pub ps[256];
    volatile int stop = 0;
    long acked = 0, failed = 0;
    double t0;
    for (int i = 0; i < threads; i++) {
        memset(&ps[i], 0, sizeof ps[i]);
        ps[i].url = url;
        ps[i].id = i;
        ps[i].per_req = per_req;
        ps[i].stop = &stop;
        pthread_create(&th[i], NULL, pub_main, &ps[i]);
    }
    t0 = now_s();
    sleep((unsigned)seconds);
    stop = 1;
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        acked += ps[i].acked;
        failed += ps[i].failed;
    }
    printf("sustained publish: %d publishers x %d updates/request, batch window 1000 ms: "
           "%.0f acked updates/s (%ld acked in %.1f s, %ld failed requests)\n",
           threads, per_req, (double)acked / (now_s() - t0), acked, now_s() - t0, failed);
}

typedef struct fill_arg {
    const char *url;
    unsigned long long from, to;
    int ok;
} fill_arg;

static void *fill_main(void *arg)
{
    fill_arg *f = arg;
    cairn_context *ctx = NULL;
    if (cairn_context_create(NULL, &ctx) != CAIRN_OK)
        return NULL;
    f->ok = 1;
    for (unsigned long long k = f->from; k < f->to;) {
        int n = f->to - k > 1024 ? 1024 : (int)(f->to - k);
        if (publish_batch(ctx, f->url, "fill", k, n) != 200) {
            f->ok = 0;
            break;
        }
        k += (unsigned long long)n;
    }
    cairn_context_destroy(ctx);
    return NULL;
}

/* Labels sip:fill-<k>@bench for k in [have, want), 16 publishers. */
static void fill(cairn_context *ctx, const char *url, unsigned long long have,
                 unsigned long long want)
{
    pthread_t th[16];
    fill_arg fa[16];
    unsigned long long chunk = (want - have + 15) / 16;
    double t0 = now_s();
    (void)ctx;
    for (int t = 0; t < 16; t++) {
        fa[t].url = url;
        fa[t].from = have + (unsigned long long)t * chunk;
        fa[t].to = fa[t].from + chunk > want ? want : fa[t].from + chunk;
        if (fa[t].from > fa[t].to)
            fa[t].from = fa[t].to;
        pthread_create(&th[t], NULL, fill_main, &fa[t]);
    }
    for (int t = 0; t < 16; t++) {
        pthread_join(th[t], NULL);
        if (!fa[t].ok)
            fprintf(stderr, "fill failed\n");
    }
    printf("  (filled to %llu labels in %.1f s: %.0f updates/s with 16 publishers x 1024)\n",
           want, now_s() - t0, (double)(want - have) / (now_s() - t0));
}

static void measure(cairn_context *ctx, const char *url, const cairn_kt_config *cfg,
                    unsigned long long labels)
{
    cairn_ktv *ret = NULL;
    double fresh_bytes = 0, ret_bytes = 0, fresh_t = 0, ret_t = 0;
    int n = 50, okf = 0, okr = 0;
    if (cairn_ktv_create(ctx, cfg, NULL, &ret) != CAIRN_OK)
        return;
    /* The returning client first syncs once. */
    {
        uint8_t *r = NULL;
        size_t rl = 0;
        cairn_ktv_result res;
        if (cairn_ktv_fetch_search(ret, url, (const uint8_t *)"sip:fill-0@bench", 16, false,
                                   0, &r, &rl) == CAIRN_OK) {
            if (cairn_ktv_verify_search(ret, (const uint8_t *)"sip:fill-0@bench", 16, false,
                                        0, r, rl, wall_ms(), false, &res) != CAIRN_OK)
                fprintf(stderr, "sync verify failed\n");
            cairn_free(ctx, r, rl);
        }
    }
    for (int i = 0; i < n; i++) {
        char label[64];
        unsigned long long k = ((unsigned long long)i * 7919u) % labels;
        uint8_t *r = NULL;
        size_t rl = 0;
        cairn_ktv_result res;
        cairn_ktv *fresh = NULL;
        double t;
        snprintf(label, sizeof label, "sip:fill-%llu@bench", k);
        if (cairn_ktv_create(ctx, cfg, NULL, &fresh) != CAIRN_OK)
            break;
        if (cairn_ktv_fetch_search(fresh, url, (uint8_t *)label, strlen(label), false, 0, &r,
                                   &rl) == CAIRN_OK) {
            t = now_s();
            if (cairn_ktv_verify_search(fresh, (uint8_t *)label, strlen(label), false, 0, r, rl,
                                        wall_ms(), false, &res) == CAIRN_OK) {
                fresh_t += now_s() - t;
                fresh_bytes += (double)rl;
                okf++;
            }
            cairn_free(ctx, r, rl);
        }
        cairn_ktv_destroy(fresh);
        if (cairn_ktv_fetch_search(ret, url, (uint8_t *)label, strlen(label), false, 0, &r,
                                   &rl) == CAIRN_OK) {
            t = now_s();
            if (cairn_ktv_verify_search(ret, (uint8_t *)label, strlen(label), false, 0, r, rl,
                                        wall_ms(), false, &res) == CAIRN_OK) {
                ret_t += now_s() - t;
                ret_bytes += (double)rl;
                okr++;
            }
            cairn_free(ctx, r, rl);
        }
    }
    printf("%7llu labels (tree size %llu): search proof %.0f B fresh client, %.0f B "
           "returning client; client verify %.3f ms fresh, %.3f ms returning (%d/%d verified)\n",
           labels, (unsigned long long)kth_tree_size(ctx, url),
           okf ? fresh_bytes / okf : 0, okr ? ret_bytes / okr : 0,
           okf ? 1000 * fresh_t / okf : 0, okr ? 1000 * ret_t / okr : 0, okf + okr, 2 * n);
    cairn_ktv_destroy(ret);
}

static void mirror_rate(cairn_context *ctx, const char *dir)
{
    cairn_note_signer *s = NULL;
    cairn_tlog *log = NULL;
    char path[512];
    uint8_t e[40] = {0};
    int n = 200;
    double t0;
    snprintf(path, sizeof path, "%s/mirror-bench", dir);
    if (cairn_note_signer_generate(ctx, "bench.mirror", &s) != CAIRN_OK ||
        cairn_tlog_open(ctx, path, "bench.mirror", s,
                        CAIRN_TLOG_CREATE | CAIRN_TLOG_KEEP_CHECKPOINTS, &log) != CAIRN_OK) {
        cairn_note_signer_destroy(s);
        return;
    }
    t0 = now_s();
    for (int i = 0; i < n; i++) {
        uint64_t idx;
        e[0] = (uint8_t)i;
        if (cairn_tlog_append(log, e, sizeof e, &idx) != CAIRN_OK ||
            cairn_tlog_publish(log) != CAIRN_OK)
            break;
    }
    printf("mirror: %.0f durable appends/s with one signed checkpoint each "
           "(one directory log entry per batch, so this bounds batches/s, not updates/s)\n",
           n / (now_s() - t0));
    cairn_tlog_close(log);
    cairn_note_signer_destroy(s);
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 10;
    unsigned long long max_labels = argc > 2 ? strtoull(argv[2], NULL, 10) : 100000;
    char tmpl[] = "/tmp/bench-kt-XXXXXX", keys[512], cmd[600];
    const char *extra[] = {"--batch-ms", "1000", "--log-level", "warn", NULL, NULL, NULL};
    cairn_context *ctx = NULL;
    cairn_kt_config cfg;
    kth_proc p;
    char *dir = mkdtemp(tmpl);
    signal(SIGPIPE, SIG_IGN);
    if (getenv("CAIRN_BUILD_DIR") == NULL)
        setenv("CAIRN_BUILD_DIR", CAIRN_BENCH_BUILD_DIR, 1);
    if (dir == NULL || cairn_context_create(NULL, &ctx) != CAIRN_OK)
        return 1;
    if (argc > 5) {
        extra[4] = "--vrf-threads";
        extra[5] = argv[5];
    }
    snprintf(keys, sizeof keys, "%s/keys", dir);
    if (kth_kt_start(&p, dir, keys, extra) != 0 || kth_config(ctx, p.url, &cfg) != 0) {
        fprintf(stderr, "cannot start cairn-kt\n");
        return 1;
    }
    {
        int th = argc > 3 ? atoi(argv[3]) : 64, per = argc > 4 ? atoi(argv[4]) : 128;
        if (th < 1 || th > 256)
            th = 64;
        if (per < 1 || per > 1024)
            per = 128;
        sustained(p.url, seconds, th, per);
    }
    fill(ctx, p.url, 0, 10000 < max_labels ? 10000 : max_labels);
    measure(ctx, p.url, &cfg, 10000 < max_labels ? 10000 : max_labels);
    if (max_labels > 10000) {
        fill(ctx, p.url, 10000, max_labels);
        measure(ctx, p.url, &cfg, max_labels);
    }
    mirror_rate(ctx, dir);
    kth_kill(&p, SIGTERM);
    kth_wait(&p);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup of %s failed\n", dir);
    cairn_context_destroy(ctx);
    return 0;
}
