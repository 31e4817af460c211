/*
 * bench_e2e.c - end-to-end messaging through the client engine: alice ->
 * relay -> bob, real encrypted stores (fsync at every commit), real Signal
 * sessions. The relay is a directory on local disk, or a running
 * cairn-relay when BENCH_RELAY=https://host:port/?sip=port and
 * BENCH_RELAY_CA=<its certificate> are set (HTTPS + SIP over TLS, with its
 * durable queue and group commit), or BENCH_RELAY=local: the benchmark
 * starts its own cairn-kt and cairn-relay (the ones of this build, or
 * BENCH_KT_BIN / BENCH_RELAY_BIN) on loopback ports in its temporary
 * directory, the relay publishing identities to cairn-kt and every engine
 * checking its contacts there (ENG-KT-1), and stops them at the end.
 * Every client comes from 127.0.0.1, so that relay's per-address limits
 * are lifted (it stands for many addresses); Argon2id is cheap so that
 * creating 200 accounts does not dominate the run.
 *
 * Prints: one-way latency p50/p99 (send call to bob's MESSAGE event, bob
 * driven by its own engine thread, one message in flight), and messages
 * per second for 1 pair and for 100 pairs (senders on one thread,
 * receivers on another, delivered receipts on).
 * Usage: bench_e2e [messages-for-latency] [messages-per-pair] [pairs]
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cairn/cairn.h"
#include "cairn/engine.h"

static cairn_context *ctx;
static char root[256];
static const char *relay_url, *relay_ca, *kt_url;
static char local_relay[200], local_ca[400], local_kt[100];
static pid_t kt_pid, relay_pid;
static int run_id;
static const uint8_t KEY[32] = {42};

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

typedef struct rx {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long got;
    int64_t last_ns;
} rx;

static void on_event(void *ud, const cairn_event *e)
{
    rx *r = ud;
    if (r == NULL || e->type != CAIRN_EVENT_MESSAGE)
        return;
    pthread_mutex_lock(&r->mu);
    r->got++;
    r->last_ns = now_ns();
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

static cairn_engine *make(const char *name, rx *r)
{
    cairn_engine_config cfg;
    cairn_engine *e = NULL;
    cairn_status rc;
    char path[512], uri[128], relay[300];
    snprintf(path, sizeof(path), "%s/%s.db", root, name);
    snprintf(uri, sizeof(uri), "sip:%s-%d@%s", name, run_id,
             relay_url ? "example.org" : "bench.example");
    snprintf(relay, sizeof(relay), "dir:%s/relay", root);
    cairn_engine_config_init(&cfg);
    cfg.relay = relay_url ? relay_url : relay;
    cfg.ca_file = relay_ca;
    cfg.kt_url = kt_url;
    cfg.on_event = on_event;
    cfg.event_ud = r;
    if ((rc = cairn_engine_open(ctx, path, KEY, &cfg, &e)) != CAIRN_OK ||
        (rc = cairn_engine_create_account(e, uri)) != CAIRN_OK) {
        fprintf(stderr, "bench_e2e: cannot create %s: %s (%s)\n", name, cairn_status_name(rc),
                rc == CAIRN_OK || e == NULL ? "" : cairn_engine_last_error(e));
        exit(1);
    }
    return e;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void latency(int n)
{
    char to_lat[128];
    rx r = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    cairn_engine *a = make("lat-alice", NULL), *b = make("lat-bob", &r);
    int64_t *lat = calloc((size_t)n, sizeof(*lat)), *snd = calloc((size_t)n, sizeof(*snd));
    snprintf(to_lat, sizeof(to_lat), "sip:lat-bob-%d@%s", run_id,
             relay_url ? "example.org" : "bench.example");
    cairn_engine_start(b);
    /* warm-up: the first message starts the session */
    cairn_engine_send_text(a, to_lat, "hello", 5, NULL);
    pthread_mutex_lock(&r.mu);
    while (r.got < 1)
        pthread_cond_wait(&r.cv, &r.mu);
    pthread_mutex_unlock(&r.mu);
    for (int i = 0; i < n; i++) {
        int64_t t0 = now_ns();
        long want = r.got + 1;
        if (cairn_engine_send_text(a, to_lat, "ping", 4, NULL) != CAIRN_OK) {
            fprintf(stderr, "bench_e2e: send failed\n");
            exit(1);
        }
        snd[i] = now_ns() - t0;
        pthread_mutex_lock(&r.mu);
        while (r.got < want)
            pthread_cond_wait(&r.cv, &r.mu);
        lat[i] = r.last_ns - t0;
        pthread_mutex_unlock(&r.mu);
        (void)cairn_engine_process(a, NULL); /* take bob's receipts */
    }
    cairn_engine_stop(b);
    qsort(lat, (size_t)n, sizeof(*lat), cmp64);
    qsort(snd, (size_t)n, sizeof(*snd), cmp64);
    printf("e2e latency alice->relay->bob (%d msgs, one in flight): p50 %.2f ms  p99 %.2f ms\n", n,
           lat[n / 2] / 1e6, lat[(n * 99) / 100] / 1e6);
    printf("  of which the send call (encrypt, store, relay ack): p50 %.2f ms  p99 %.2f ms\n",
           snd[n / 2] / 1e6, snd[(n * 99) / 100] / 1e6);
    free(lat);
    free(snd);
    cairn_engine_close(a);
    cairn_engine_close(b);
}

typedef struct pairs {
    int n, per;
    cairn_engine **rx_eng;
    rx *r;
    volatile int done_sending;
} pairs;

static void *receiver(void *arg)
{
    pairs *p = arg;
    long want = (long)p->n * p->per;
    for (;;) {
        long got = 0;
        for (int i = 0; i < p->n; i++)
            (void)cairn_engine_process(p->rx_eng[i], NULL);
        for (int i = 0; i < p->n; i++)
            got += p->r[i].got;
        if (got >= want)
            break;
        if (p->done_sending)
            usleep(100);
    }
    return NULL;
}

static void throughput(int npairs, int per)
{
    pairs p;
    cairn_engine **tx = calloc((size_t)npairs, sizeof(*tx));
    pthread_t th;
    int64_t t0, t1;
    char name[64], to[128];
    p.n = npairs;
    p.per = per;
    p.rx_eng = calloc((size_t)npairs, sizeof(*p.rx_eng));
    p.r = calloc((size_t)npairs, sizeof(*p.r));
    p.done_sending = 0;
    for (int i = 0; i < npairs; i++) {
        pthread_mutex_init(&p.r[i].mu, NULL);
        pthread_cond_init(&p.r[i].cv, NULL);
        snprintf(name, sizeof(name), "tp%d-%d-a", npairs, i);
        tx[i] = make(name, NULL);
        snprintf(name, sizeof(name), "tp%d-%d-b", npairs, i);
        p.rx_eng[i] = make(name, &p.r[i]);
    }
    /* sessions first: throughput is about the steady state */
    for (int i = 0; i < npairs; i++) {
        snprintf(to, sizeof(to), "sip:tp%d-%d-b-%d@%s", npairs, i, run_id,
                 relay_url ? "example.org" : "bench.example");
        cairn_engine_send_text(tx[i], to, "hi", 2, NULL);
        (void)cairn_engine_process(p.rx_eng[i], NULL);
        p.r[i].got = 0;
    }
    t0 = now_ns();
    pthread_create(&th, NULL, receiver, &p);
    for (int k = 0; k < per; k++)
        for (int i = 0; i < npairs; i++) {
            snprintf(to, sizeof(to), "sip:tp%d-%d-b-%d@%s", npairs, i, run_id,
                     relay_url ? "example.org" : "bench.example");
            if (cairn_engine_send_text(tx[i], to, "throughput test message", 23, NULL) !=
                CAIRN_OK) {
                fprintf(stderr, "bench_e2e: send failed\n");
                exit(1);
            }
        }
    p.done_sending = 1;
    pthread_join(th, NULL);
    t1 = now_ns();
    printf("e2e throughput, %3d pair(s) x %d msgs: %.0f messages/s (%.2f s, receipts on)\n", npairs,
           per, (double)npairs * per / ((t1 - t0) / 1e9), (t1 - t0) / 1e9);
    for (int i = 0; i < npairs; i++) {
        cairn_engine_close(tx[i]);
        cairn_engine_close(p.rx_eng[i]);
    }
    free(tx);
    free(p.rx_eng);
    free(p.r);
}

#ifndef BENCH_KT_BIN
#define BENCH_KT_BIN "cairn-kt"
#endif
#ifndef BENCH_RELAY_BIN
#define BENCH_RELAY_BIN "cairn-relay"
#endif

/* fork + exec with stderr to <root>/<name>.log; 0 when it failed */
static pid_t spawn(const char *name, const char *const *argv)
{
    char log[400];
    pid_t pid;
    snprintf(log, sizeof(log), "%s/%s.log", root, name);
    pid = fork();
    if (pid == 0) {
        if (freopen(log, "a", stderr) == NULL || freopen("/dev/null", "w", stdout) == NULL)
            _exit(126);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid > 0 ? pid : 0;
}

/* Waits until the port file holds a port (cairn-kt) or "https=N sip=N"
 * (cairn-relay), or the process exits (-1). */
static int wait_ports(pid_t pid, const char *file, int relay, unsigned *a, unsigned *b)
{
    for (int i = 0; i < 1500; i++) {
        FILE *f = fopen(file, "r");
        int st;
        if (f) {
            int ok = relay ? fscanf(f, "https=%u\nsip=%u", a, b) == 2 : fscanf(f, "%u", a) == 1;
            fclose(f);
            if (ok)
                return 0;
        }
        if (waitpid(pid, &st, WNOHANG) == pid)
            return -1;
        usleep(20000);
    }
    return -1;
}

static void stop(pid_t *pid)
{
    if (*pid > 0) {
        kill(*pid, SIGTERM);
        waitpid(*pid, NULL, 0);
        *pid = 0;
    }
}

static int relay_try(const char *bin, int with_conn_cap, unsigned *https, unsigned *sip)
{
    char ini[400], ports[400];
    FILE *f;
    snprintf(ini, sizeof(ini), "%s/relay.ini", root);
    snprintf(ports, sizeof(ports), "%s/relay.ports", root);
    unlink(ports);
    f = fopen(ini, "w");
    if (f == NULL)
        return -1;
    fprintf(f,
            "[server]\nhttps_listen = 127.0.0.1:0\nsip_listen = 127.0.0.1:0\n"
            "state_dir = %s/relay-state\nports_file = %s\ndomain = example.org\n"
            "[auth]\nargon2_opslimit = 1\nargon2_memlimit_kib = 1024\n"
            "[limits]\nrate_address_per_second = 10000000\nrate_address_burst = 10000000\n"
            "rate_account_per_second = 10000000\nrate_account_burst = 10000000\n%s"
            "[kt]\nurl = %s\ntoken = bench-token-0123456789\n[log]\nlevel = warn\n",
            root, ports, with_conn_cap ? "max_connections_per_address = 100000\n" : "", local_kt);
    fclose(f);
    {
        const char *argv[] = {bin, "-c", ini, NULL};
        relay_pid = spawn("relay", argv);
    }
    if (relay_pid == 0 || wait_ports(relay_pid, ports, 1, https, sip) != 0) {
        relay_pid = 0;
        return -1;
    }
    return 0;
}

/* BENCH_RELAY=local: cairn-kt, then cairn-relay publishing to it. */
static int start_local(void)
{
    const char *kt_bin = getenv("BENCH_KT_BIN") ? getenv("BENCH_KT_BIN") : BENCH_KT_BIN;
    const char *relay_bin =
        getenv("BENCH_RELAY_BIN") ? getenv("BENCH_RELAY_BIN") : BENCH_RELAY_BIN;
    char data[300], keys[300], tok[300], pf[300];
    unsigned kt_port = 0, https = 0, sip = 0, unused = 0;
    FILE *f;
    snprintf(data, sizeof(data), "%s/kt-data", root);
    snprintf(keys, sizeof(keys), "%s/kt-keys", root);
    snprintf(tok, sizeof(tok), "%s/kt-token", root);
    snprintf(pf, sizeof(pf), "%s/kt.port", root);
    f = fopen(tok, "w");
    if (f == NULL)
        return -1;
    fputs("bench-token-0123456789\n", f);
    fclose(f);
    {
        const char *argv[] = {kt_bin,        "--data",     data,          "--keys",
                              keys,          "--init",     "--token-file", tok,
                              "--port-file", pf,           "--batch-ms",  "20",
                              "--log-level", "warn",       NULL};
        kt_pid = spawn("kt", argv);
    }
    if (kt_pid == 0 || wait_ports(kt_pid, pf, 0, &kt_port, &unused) != 0) {
        fprintf(stderr, "bench_e2e: %s did not start (log in %s)\n", kt_bin, root);
        return -1;
    }
    snprintf(local_kt, sizeof(local_kt), "http://127.0.0.1:%u", kt_port);
    /* the per-address connection cap is newer than some relays: retry
     * without it when the relay refuses the key */
    if (relay_try(relay_bin, 1, &https, &sip) != 0 && relay_try(relay_bin, 0, &https, &sip) != 0) {
        fprintf(stderr, "bench_e2e: %s did not start (log in %s)\n", relay_bin, root);
        stop(&kt_pid);
        return -1;
    }
    snprintf(local_relay, sizeof(local_relay), "https://127.0.0.1:%u/?sip=%u", https, sip);
    snprintf(local_ca, sizeof(local_ca), "%s/relay-state/tls/cert.pem", root);
    relay_url = local_relay;
    relay_ca = local_ca;
    kt_url = local_kt;
    return 0;
}

int main(int argc, char **argv)
{
    int nlat = argc > 1 ? atoi(argv[1]) : 300;
    int per = argc > 2 ? atoi(argv[2]) : 20;
    int many = argc > 3 ? atoi(argv[3]) : 100;
    char cmd[400];
    snprintf(root, sizeof(root), "%s/cairn-bench-e2e-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (mkdtemp(root) == NULL || cairn_context_create(NULL, &ctx) != CAIRN_OK)
        return 1;
    relay_url = getenv("BENCH_RELAY");
    relay_ca = getenv("BENCH_RELAY_CA");
    run_id = (int)getpid();
    if (relay_url && strcmp(relay_url, "local") == 0 && start_local() != 0)
        return 1;
    printf("relay: %s%s%s\n", relay_url ? relay_url : "directory on local disk",
           kt_url ? ", key transparency: " : "", kt_url ? kt_url : "");
    fflush(stdout);
    latency(nlat);
    throughput(1, per * 20);
    throughput(many, per);
    cairn_context_destroy(ctx);
    stop(&relay_pid);
    stop(&kt_pid);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : 1;
}
