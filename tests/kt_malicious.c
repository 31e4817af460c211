/*
 * kt_malicious.c - misbehaving key transparency servers, each caught with
 * a clear error (spec/kt-api.md, spec/kt-auditor.md):
 *  - a forked history shown to one client: that client's verifier rejects
 *    the fork against its retained view (CAIRN_ERR_PROOF), and a client
 *    that only ever saw the fork is caught by gossip to the auditor (409,
 *    evidence files, exit 3);
 *  - a server that rolls back a label's version: the owner's monitoring
 *    fails (CAIRN_ERR_PROOF);
 *  - a server that signs two inconsistent mirror checkpoints: the auditor
 *    writes both as evidence and exits 3;
 *  - the witness endpoint's status codes (c2sp-tlog-witness.md).
 */
#include <dirent.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>

#include "base.h"
#include "cairn/checkpoint.h"
#include "cairn/ktaudit.h"
#include "cairn/ktverify.h"
#include "kt_harness.h"
#include "test_support.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void publish_n(cairn_context *ctx, const char *url, const char *prefix, int n)
{
    for (int i = 0; i < n; i++) {
        char label[64];
        snprintf(label, sizeof label, "sip:%s%d@example.org", prefix, i);
        assert_int_equal(kth_publish(ctx, url, KTH_TOKEN, label, (const uint8_t *)"key", 3,
                                     NULL, NULL), 200);
    }
}

static cairn_status search(cairn_ktv *v, const char *url, const char *label, bool monitor)
{
    uint8_t *resp = NULL;
    size_t n = 0;
    cairn_ktv_result r;
    cairn_status st = cairn_ktv_fetch_search(v, url, (const uint8_t *)label, strlen(label),
                                             false, 0, &resp, &n);
    if (st != CAIRN_OK)
        return st;
    st = cairn_ktv_verify_search(v, (const uint8_t *)label, strlen(label), false, 0, resp,
                                 n, now_ms(), monitor, &r);
    free(resp);
    return st;
}

static int count_evidence(const char *evdir, const char *must_have)
{
    DIR *d = opendir(evdir);
    struct dirent *e;
    int n = 0;
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        char p[1024];
        if (strncmp(e->d_name, "evidence-", 9) != 0)
            continue;
        snprintf(p, sizeof p, "%s/%s/reason.txt", evdir, e->d_name);
        if (access(p, R_OK) != 0)
            continue;
        snprintf(p, sizeof p, "%s/%s/%s", evdir, e->d_name, must_have);
        if (access(p, R_OK) == 0)
            n++;
    }
    closedir(d);
    return n;
}

static uint64_t audited_size(cairn_context *ctx, const char *url)
{
    char u[256];
    long st = 0;
    uint8_t *b = NULL;
    size_t n = 0;
    unsigned long long s = 0;
    snprintf(u, sizeof u, "%s/status", url);
    if (cairn_ktv_http_get(ctx, u, 4096, &st, &b, &n) != CAIRN_OK)
        return 0;
    if (st == 200 && n < 200) {
        char t[256];
        memcpy(t, b, n);
        t[n] = 0;
        if (sscanf(t, "{\"tree_size\":%llu", &s) != 1)
            s = 0;
    }
    cairn_free(ctx, b, n);
    return s;
}

static int start_auditor(kth_proc *p, const char *dir, const char *server, bool once)
{
    char state[512], ev[512];
    const char *args[16];
    int n = 0;
    snprintf(state, sizeof state, "%s/audit", dir);
    snprintf(ev, sizeof ev, "%s/evidence", dir);
    args[n++] = "--server";
    args[n++] = server;
    args[n++] = "--state";
    args[n++] = state;
    args[n++] = "--evidence";
    args[n++] = ev;
    args[n++] = "--init";
    args[n++] = "--interval-ms";
    args[n++] = "200";
    if (once)
        args[n++] = "--once";
    args[n] = NULL;
    if (once) {
        /* --once writes no port file: spawn and wait for its exit code */
        pid_t pid = fork();
        const char *argv[20];
        int st;
        argv[0] = kth_bin("transparency/auditor/cairn-audit");
        for (int i = 0; i <= n; i++)
            argv[i + 1] = args[i];
        if (pid == 0) {
            char logf[600];
            snprintf(logf, sizeof logf, "%s/audit.log", dir);
            if (freopen(logf, "a", stdout) == NULL || freopen(logf, "a", stderr) == NULL)
                _exit(126);
            execv(argv[0], (char *const *)argv);
            _exit(127);
        }
        memset(p, 0, sizeof *p);
        p->pid = pid;
        return kth_wait(p) == 0 ? 0 : (waitpid(pid, &st, 0), -1);
    }
    return kth_spawn(p, kth_bin("transparency/auditor/cairn-audit"), dir, "audit", args);
}

/* A fork shown to two clients (KT-AUDIT-5, KTV-2). */
static void test_fork(void **state)
{
    cairn_context *ctx = NULL;
    char *dir = cts_tempdir(), *dir_b = cts_tempdir(), keys[512], ev[512];
    const char *extra[] = {"--batch-ms", "30", NULL};
    kth_proc a, b, aud;
    cairn_kt_config cfg;
    cairn_ktv *c1 = NULL, *c2 = NULL;
    bool pending = true;
    (void)state;
    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    snprintf(keys, sizeof keys, "%s/keys", dir);
    snprintf(ev, sizeof ev, "%s/evidence", dir);
    assert_int_equal(kth_kt_start(&a, dir, keys, extra), 0);
    assert_int_equal(kth_kt_start(&b, dir_b, keys, extra), 0); /* same keys, other history */
    assert_int_equal(kth_config(ctx, a.url, &cfg), 0);
    publish_n(ctx, b.url, "fork", 2);                  /* B: size 3 */
    assert_int_equal(cairn_ktv_create(ctx, &cfg, NULL, &c2), CAIRN_OK);
    assert_int_equal(search(c2, b.url, "sip:fork0@example.org", false), CAIRN_OK);
    publish_n(ctx, b.url, "forkmore", 2);              /* B: size 5 */
    publish_n(ctx, a.url, "honest", 3);                /* A: size 4 */

    /* Client 1 follows the honest log, then is shown the fork. */
    assert_int_equal(cairn_ktv_create(ctx, &cfg, NULL, &c1), CAIRN_OK);
    assert_int_equal(search(c1, a.url, "sip:honest0@example.org", false), CAIRN_OK);
    assert_int_equal(cairn_ktv_tree_size(c1), 4);
    assert_int_equal(search(c1, b.url, "sip:fork0@example.org", false), CAIRN_ERR_PROOF);
    assert_int_equal(cairn_ktv_tree_size(c1), 4); /* view untouched */

    /* Client 2 only saw the fork: gossip reveals it. */
    assert_int_equal(start_auditor(&aud, dir, a.url, false), 0);
    for (int i = 0; i < 200 && audited_size(ctx, aud.url) < 4; i++)
        usleep(50000);
    assert_true(audited_size(ctx, aud.url) >= 4);
    assert_int_equal(cairn_ktv_gossip(c1, aud.url, &pending), CAIRN_OK);
    assert_false(pending);
    assert_int_equal(cairn_ktv_gossip(c2, aud.url, &pending), CAIRN_ERR_PROOF);
    assert_int_equal(kth_wait(&aud), 3);
    assert_int_equal(count_evidence(ev, "tree-head-gossiped.json"), 1);

    cairn_ktv_destroy(c1);
    cairn_ktv_destroy(c2);
    kth_kill(&a, SIGTERM);
    kth_kill(&b, SIGTERM);
    assert_int_equal(kth_wait(&a), 0);
    assert_int_equal(kth_wait(&b), 0);
    cts_rmdir(dir);
    cts_rmdir(dir_b);
    free(dir);
    free(dir_b);
    cairn_context_destroy(ctx);
}

/* A server that rolls back a label's version (KT-API-30, KT-MON-2). */
static void test_rollback(void **state)
{
    cairn_context *ctx = NULL;
    char *dir = cts_tempdir(), keys[512], u[512];
    const char *extra[] = {"--batch-ms", "30", "--unsafe-test-mode", NULL};
    const char *owner = "sip:owner@example.org";
    kth_proc p;
    cairn_kt_config cfg;
    cairn_ktv *v = NULL;
    cairn_status st;
    (void)state;
    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    snprintf(keys, sizeof keys, "%s/keys", dir);
    assert_int_equal(kth_kt_start(&p, dir, keys, extra), 0);
    assert_int_equal(kth_config(ctx, p.url, &cfg), 0);
    assert_int_equal(kth_publish(ctx, p.url, KTH_TOKEN, owner, (const uint8_t *)"k0", 2,
                                 NULL, NULL), 200);
    assert_int_equal(kth_publish(ctx, p.url, KTH_TOKEN, owner, (const uint8_t *)"k1", 2,
                                 NULL, NULL), 200);
    assert_int_equal(cairn_ktv_create(ctx, &cfg, NULL, &v), CAIRN_OK);
    assert_int_equal(search(v, p.url, owner, true), CAIRN_OK);
    assert_int_equal(cairn_ktv_monitor(v, p.url, (const uint8_t *)owner, strlen(owner),
                                       now_ms()), CAIRN_OK);
    /* The server drops version 1 from its next entry. */
    snprintf(u, sizeof u, "%s/kt/v1/test/drop?label=%s&version=1", p.url, owner);
    assert_int_equal(kth_request(ctx, "POST", u, NULL, "", 0), 200);
    st = cairn_ktv_monitor(v, p.url, (const uint8_t *)owner, strlen(owner), now_ms());
    assert_int_equal(st, CAIRN_ERR_PROOF);
    cairn_ktv_destroy(v);
    kth_kill(&p, SIGTERM);
    assert_int_equal(kth_wait(&p), 0);
    cts_rmdir(dir);
    free(dir);
    cairn_context_destroy(ctx);
}

/* Two inconsistent mirror checkpoints signed with the same key
 * (KT-AUDIT-2, KT-AUDIT-6). */
static void test_inconsistent_checkpoints(void **state)
{
    cairn_context *ctx = NULL;
    char *dir = cts_tempdir(), *dir_b = cts_tempdir(), keys[512], ev[512], port[16];
    const char *extra[] = {"--batch-ms", "30", NULL};
    const char *extra_b[] = {"--batch-ms", "30", "--port", port, NULL};
    kth_proc a, b, aud;
    (void)state;
    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    snprintf(keys, sizeof keys, "%s/keys", dir);
    snprintf(ev, sizeof ev, "%s/evidence", dir);
    assert_int_equal(kth_kt_start(&a, dir, keys, extra), 0);
    publish_n(ctx, a.url, "a", 2);
    assert_int_equal(start_auditor(&aud, dir, a.url, true), 0);
    assert_int_equal(count_evidence(ev, "reason.txt"), 0);
    /* The operator replaces the log by another history under the same key. */
    snprintf(port, sizeof port, "%u", a.port);
    kth_kill(&a, SIGTERM);
    assert_int_equal(kth_wait(&a), 0);
    assert_int_equal(kth_kt_start(&b, dir_b, keys, extra_b), 0);
    assert_int_equal(b.port, a.port);
    publish_n(ctx, b.url, "b", 3);
    assert_int_not_equal(start_auditor(&aud, dir, a.url, true), 0);
    assert_int_equal(count_evidence(ev, "checkpoint-a.txt") +
                         count_evidence(ev, "checkpoint-old.txt"),
                     1);
    kth_kill(&b, SIGTERM);
    assert_int_equal(kth_wait(&b), 0);
    cts_rmdir(dir);
    cts_rmdir(dir_b);
    free(dir);
    free(dir_b);
    cairn_context_destroy(ctx);
}

static long post(cairn_context *ctx, const char *url, const char *body, char *out,
                 size_t cap)
{
    long status = 0;
    uint8_t *b = NULL;
    size_t n = 0;
    if (cairn_ktv_http_post(ctx, url, "text/plain", NULL, (const uint8_t *)body,
                            strlen(body), 1 << 16, &status, &b, &n) != CAIRN_OK)
        return -1;
    if (out) {
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(out, b, k);
        out[k] = 0;
    }
    cairn_free(ctx, b, n);
    return status;
}

static char *get_text(cairn_context *ctx, const char *url, size_t *len)
{
    long status = 0;
    uint8_t *b = NULL;
    size_t n = 0;
    char *t;
    if (cairn_ktv_http_get(ctx, url, 1 << 16, &status, &b, &n) != CAIRN_OK)
        return NULL;
    if (status != 200) { /* the body is ours to free on any status */
        cairn_free(ctx, b, n);
        return NULL;
    }
    t = malloc(n + 1);
    memcpy(t, b, n);
    t[n] = 0;
    cairn_free(ctx, b, n);
    *len = n;
    return t;
}

/* c2sp-tlog-witness.md add-checkpoint status codes and the cosignature
 * (c2sp-tlog-cosignature.md), KT-WIT-1..4. */
static void test_witness(void **state)
{
    cairn_context *ctx = NULL;
    char *dir = cts_tempdir(), keys[512], u[512], wurl[512], body[8192], out[1024], sp[64];
    const char *extra[] = {"--batch-ms", "30", NULL};
    kth_proc a, aud;
    char *cp1, *cp2;
    size_t l1, l2;
    uint8_t seed[32], pk[32], sk[64], blob[76];
    size_t bl = 0;
    (void)state;
    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    snprintf(keys, sizeof keys, "%s/keys", dir);
    assert_int_equal(kth_kt_start(&a, dir, keys, extra), 0);
    publish_n(ctx, a.url, "w", 1);
    assert_int_equal(start_auditor(&aud, dir, a.url, false), 0);
    for (int i = 0; i < 200 && audited_size(ctx, aud.url) < 2; i++)
        usleep(50000);
    snprintf(wurl, sizeof wurl, "%s/add-checkpoint", aud.url);
    snprintf(u, sizeof u, "%s/mirror/checkpoint", a.url);
    cp1 = get_text(ctx, u, &l1);
    assert_non_null(cp1);

    snprintf(body, sizeof body, "old 0\n\n%s", cp1);
    assert_int_equal(post(ctx, wurl, body, out, sizeof out), 200);
    /* The cosignature verifies with the witness key over the body. */
    {
        char path[600], *sp_ = strchr(out + 4, ' ');
        FILE *f;
        char msg[4096];
        int ml;
        uint64_t t = 0;
        snprintf(path, sizeof path, "%s/audit/witness.seed", dir);
        f = fopen(path, "rb");
        assert_non_null(f);
        assert_int_equal(fread(seed, 1, 32, f), 32);
        fclose(f);
        crypto_sign_seed_keypair(pk, sk, seed);
        assert_memory_equal(out, "\xe2\x80\x94 cairn-audit ", 16);
        assert_non_null(sp_);
        assert_int_equal(cairn__base64_decode(blob, sizeof blob, &bl, sp_ + 1,
                                              strlen(sp_ + 1) - 1), CAIRN_OK);
        assert_int_equal(bl, 76);
        for (int i = 0; i < 8; i++)
            t = (t << 8) | blob[4 + i];
        ml = snprintf(msg, sizeof msg, "cosignature/v1\ntime %llu\n", (unsigned long long)t);
        memcpy(msg + ml, cp1, (size_t)(strstr(cp1, "\n\n") - cp1) + 1);
        ml += (int)(strstr(cp1, "\n\n") - cp1) + 1;
        assert_int_equal(crypto_sign_verify_detached(blob + 12, (uint8_t *)msg, (size_t)ml, pk), 0);
        msg[ml - 2] ^= 1;
        assert_int_not_equal(crypto_sign_verify_detached(blob + 12, (uint8_t *)msg, (size_t)ml, pk), 0);
    }
    /* Stale old size: 409 with the current size. */
    assert_int_equal(post(ctx, wurl, body, out, sizeof out), 409);
    assert_true(strchr(out, '\n') != NULL);
    snprintf(sp, sizeof sp, "%llu\n", (unsigned long long)kth_tree_size(ctx, a.url));
    assert_string_equal(out, sp);
    /* Malformed bodies: 400. */
    assert_int_equal(post(ctx, wurl, "old 01\n\nx\n", NULL, 0), 400);
    assert_int_equal(post(ctx, wurl, "garbage", NULL, 0), 400);
    /* Unknown origin: 404; right origin, wrong key: 403. */
    {
        cairn_note_signer *s = NULL;
        cairn_checkpoint cp;
        char *note = NULL;
        size_t nl = 0;
        memset(&cp, 0, sizeof cp);
        strcpy(cp.origin, "other.example/log");
        cp.size = 1;
        assert_int_equal(cairn_note_signer_generate(ctx, "other.example/log", &s), CAIRN_OK);
        assert_int_equal(cairn_checkpoint_sign(ctx, &cp, s, &note, &nl), CAIRN_OK);
        snprintf(body, sizeof body, "old 0\n\n%s", note);
        assert_int_equal(post(ctx, wurl, body, NULL, 0), 404);
        cairn_free(ctx, note, nl);
        cairn_note_signer_destroy(s);
        strcpy(cp.origin, "cairn-kt.mirror");
        assert_int_equal(cairn_note_signer_generate(ctx, "cairn-kt.mirror", &s), CAIRN_OK);
        assert_int_equal(cairn_checkpoint_sign(ctx, &cp, s, &note, &nl), CAIRN_OK);
        snprintf(body, sizeof body, "old 0\n\n%s", note);
        assert_int_equal(post(ctx, wurl, body, NULL, 0), 403);
        cairn_free(ctx, note, nl);
        cairn_note_signer_destroy(s);
    }
    /* A newer checkpoint: wrong proof 422, right proof 200. */
    publish_n(ctx, a.url, "w2", 2);
    cp2 = get_text(ctx, u, &l2);
    assert_non_null(cp2);
    {
        unsigned long long s1 = strtoull(strchr(cp1, '\n') + 1, NULL, 10);
        unsigned long long s2 = strtoull(strchr(cp2, '\n') + 1, NULL, 10);
        char pu[512], lines[4096] = "";
        long st = 0;
        uint8_t *pr = NULL;
        size_t pl = 0;
        snprintf(body, sizeof body, "old %llu\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n%s",
                 s1, cp2);
        assert_int_equal(post(ctx, wurl, body, NULL, 0), 422);
        snprintf(pu, sizeof pu, "%s/mirror/proof/consistency?old=%llu&new=%llu", a.url, s1, s2);
        assert_int_equal(cairn_ktv_http_get(ctx, pu, 4096, &st, &pr, &pl), CAIRN_OK);
        assert_int_equal(st, 200);
        for (size_t i = 0; i + 32 <= pl; i += 32) {
            char b64[64];
            cairn__base64_encode(b64, pr + i, 32);
            strcat(lines, b64);
            strcat(lines, "\n");
        }
        cairn_free(ctx, pr, pl);
        snprintf(body, sizeof body, "old %llu\n%s\n%s", s1, lines, cp2);
        assert_int_equal(post(ctx, wurl, body, NULL, 0), 200);
    }
    free(cp1);
    free(cp2);
    kth_kill(&aud, SIGTERM);
    assert_int_equal(kth_wait(&aud), 0);
    kth_kill(&a, SIGTERM);
    assert_int_equal(kth_wait(&a), 0);
    cts_rmdir(dir);
    free(dir);
    cairn_context_destroy(ctx);
}

/* cairn-kt feeds its mirror checkpoints to a witness (cairn-audit) and
 * serves them with the cosignature (KT-API-24), first from size 0, then
 * with consistency proofs built from its tiles. */
static void test_witness_feed(void **state)
{
    cairn_context *ctx = NULL;
    char *dir = cts_tempdir(), keys[512], port[16], u[512], wurl[128];
    const char *extra[] = {"--batch-ms", "30", NULL};
    const char *extra2[] = {"--batch-ms", "30", "--port", port, "--witness", wurl, NULL};
    kth_proc a, aud;
    unsigned long long first = 0, second = 0;
    (void)state;
    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    snprintf(keys, sizeof keys, "%s/keys", dir);
    assert_int_equal(kth_kt_start(&a, dir, keys, extra), 0);
    publish_n(ctx, a.url, "f", 1);
    assert_int_equal(start_auditor(&aud, dir, a.url, false), 0);
    for (int i = 0; i < 200 && audited_size(ctx, aud.url) < 2; i++)
        usleep(50000);
    snprintf(port, sizeof port, "%u", a.port);
    snprintf(wurl, sizeof wurl, "%s", aud.url);
    kth_kill(&a, SIGTERM);
    assert_int_equal(kth_wait(&a), 0);
    assert_int_equal(kth_kt_start(&a, dir, keys, extra2), 0);
    snprintf(u, sizeof u, "%s/mirror/checkpoint.cosigned", a.url);
    for (int round = 0; round < 2; round++) {
        char *t = NULL;
        size_t n = 0;
        for (int i = 0; i < 100; i++) {
            t = get_text(ctx, u, &n);
            if (t) {
                unsigned long long sz = strtoull(strchr(t, '\n') + 1, NULL, 10);
                if (sz > first)
                    break;
                free(t);
                t = NULL;
            }
            usleep(50000);
        }
        assert_non_null(t);
        assert_non_null(strstr(t, "\xe2\x80\x94 cairn-audit "));
        assert_non_null(strstr(t, "\xe2\x80\x94 cairn-kt.mirror "));
        if (round == 0)
            first = strtoull(strchr(t, '\n') + 1, NULL, 10);
        else
            second = strtoull(strchr(t, '\n') + 1, NULL, 10);
        free(t);
        if (round == 0)
            publish_n(ctx, a.url, "g", 300); /* past a full tile: proofs from tiles */
    }
    assert_true(second > first);
    kth_kill(&aud, SIGTERM);
    assert_int_equal(kth_wait(&aud), 0);
    kth_kill(&a, SIGTERM);
    assert_int_equal(kth_wait(&a), 0);
    cts_rmdir(dir);
    free(dir);
    cairn_context_destroy(ctx);
}

/* Third-party-auditing mode end to end: the server refuses searches until
 * the auditor's head is installed (KT-API-10, KT-API-14); the auditor
 * pushes it (KT-AUDIT-5); a client that requires an auditor-signed head
 * then verifies (KT-AUD-3 through cairn_ktdir). */
static void test_auditing_mode(void **state)
{
    cairn_context *ctx = NULL;
    char *dir = cts_tempdir(), keys[512], cmd[1024], hex[80] = "", u[512];
    const char *extra[] = {"--batch-ms", "30", "--mode", "audit", "--auditor-key", hex, NULL};
    kth_proc p, aud;
    cairn_kt_config cfg;
    cairn_ktv *v = NULL;
    cairn_ktv_options o = {0, true};
    (void)state;
    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    snprintf(keys, sizeof keys, "%s/keys", dir);
    snprintf(cmd, sizeof cmd, "%s/audit", dir);
    assert_int_equal(kth_auditor_key(cmd, hex), 0);
    assert_int_equal(kth_kt_start(&p, dir, keys, extra), 0);
    publish_n(ctx, p.url, "aud", 2);
    snprintf(u, sizeof u, "%s/kt/v1/search?label=sip:aud0@example.org", p.url);
    assert_int_equal(kth_request(ctx, "GET", u, NULL, NULL, 0), 503);
    assert_int_equal(start_auditor(&aud, dir, p.url, false), 0);
    for (int i = 0; i < 200 && kth_request(ctx, "GET", u, NULL, NULL, 0) != 200; i++)
        usleep(50000);
    assert_int_equal(kth_config(ctx, p.url, &cfg), 0);
    assert_int_equal(cfg.mode, CAIRN_KT_MODE_THIRD_PARTY_AUDITING);
    assert_int_equal(cairn_ktv_create(ctx, &cfg, &o, &v), CAIRN_OK);
    assert_int_equal(search(v, p.url, "sip:aud0@example.org", false), CAIRN_OK);
    cairn_ktv_destroy(v);
    kth_kill(&aud, SIGTERM);
    assert_int_equal(kth_wait(&aud), 0);
    kth_kill(&p, SIGTERM);
    assert_int_equal(kth_wait(&p), 0);
    cts_rmdir(dir);
    free(dir);
    cairn_context_destroy(ctx);
}

/* The auditor's verified LogEntries survive a restart (KT-AUDIT-8): a
 * second run resumes after them and audits only what is new; a state whose
 * stored entries no longer match its stored head is refused, not trusted. */
static void test_resume(void **state)
{
    cairn_context *ctx = NULL;
    char *dir = cts_tempdir(), keys[512], logf[600], db[600], *log;
    const char *extra[] = {"--batch-ms", "30", NULL};
    kth_proc a, aud;
    sqlite3 *h = NULL;
    size_t n = 0;
    (void)state;
    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    snprintf(keys, sizeof keys, "%s/keys", dir);
    snprintf(logf, sizeof logf, "%s/audit.log", dir);
    snprintf(db, sizeof db, "%s/audit/audit.sqlite", dir);
    assert_int_equal(kth_kt_start(&a, dir, keys, extra), 0);
    publish_n(ctx, a.url, "r", 3);
    assert_int_equal(start_auditor(&aud, dir, a.url, true), 0);
    log = cts_read_file(logf, &n);
    assert_non_null(log);
    assert_null(strstr(log, "resumed"));
    free(log);
    publish_n(ctx, a.url, "s", 2);
    assert_int_equal(start_auditor(&aud, dir, a.url, true), 0);
    log = cts_read_file(logf, &n);
    assert_non_null(log);
    assert_non_null(strstr(log, "log entries verified by an earlier run"));
    free(log);
    /* A row goes missing: the stored entries no longer add up to the
     * stored head, and the auditor stops instead of signing. */
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "DELETE FROM entries WHERE pos = 1", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    assert_int_not_equal(start_auditor(&aud, dir, a.url, true), 0);
    log = cts_read_file(logf, &n);
    assert_non_null(log);
    assert_non_null(strstr(log, "stored audit state does not match"));
    free(log);
    kth_kill(&a, SIGTERM);
    assert_int_equal(kth_wait(&a), 0);
    cts_rmdir(dir);
    free(dir);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fork),
        cmocka_unit_test(test_rollback),
        cmocka_unit_test(test_inconsistent_checkpoints),
        cmocka_unit_test(test_witness),
        cmocka_unit_test(test_auditing_mode),
        cmocka_unit_test(test_witness_feed),
        cmocka_unit_test(test_resume),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
