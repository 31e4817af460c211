/*
 * main.c - the cairn-audit executable: flags, keys, and the two ways to
 * run: --once (one audit pass, exit code says the verdict) or the daemon
 * (periodic audit plus the witness, gossip and auditor-head endpoints).
 *
 * Exit codes: 0 fine, 1 operational error, 2 usage, 3 evidence of
 * misbehaviour written (KT-AUDIT-6).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "audit_internal.h"

static void usage(FILE *f)
{
    fputs("usage: cairn-audit --server URL --state DIR [options]\n"
          "Key transparency auditor and C2SP tlog witness (spec/kt-auditor.md).\n\n"
          "  --server URL        cairn-kt base URL (e.g. http://127.0.0.1:8080)\n"
          "  --state DIR         SQLite state and keys (audit.seed, witness.seed)\n"
          "  --init              create missing keys\n"
          "  --print-keys        print the auditor and witness public keys and exit\n"
          "  --evidence DIR      where evidence goes (default STATE/evidence)\n"
          "  --once              audit once and exit (0 ok, 3 evidence, 1 error)\n"
          "  --interval-ms N     poll period of the daemon (default 5000)\n"
          "  --listen ADDR       daemon listen address (default 127.0.0.1)\n"
          "  --port N            daemon port (default 0: ephemeral)\n"
          "  --port-file F       write the bound port to F\n"
          "  --name NAME         witness/auditor key name (default cairn-audit)\n"
          "  --witness-log VKEY  also witness this log (C2SP verifier key), repeatable\n"
          "  --json              machine-readable output, one JSON object per line\n"
          "  --help              this text\n",
          f);
}

static cairn_status seed_file(const char *dir, const char *name, bool create,
                              uint8_t sk[64], uint8_t pk[32])
{
    char path[4096];
    uint8_t seed[32];
    int fd;
    ssize_t n;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
        randombytes_buf(seed, sizeof seed);
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, seed, 32) != 32 || fsync(fd) != 0) {
            if (fd >= 0)
                close(fd);
            return CAIRN_ERR_IO;
        }
        close(fd);
    } else {
        if (fd < 0)
            return CAIRN_ERR_NOT_FOUND;
        n = read(fd, seed, sizeof seed);
        close(fd);
        if (n != 32)
            return CAIRN_ERR_BAD_KEY;
    }
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(seed, sizeof seed);
    return CAIRN_OK;
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
    kta *a = arg;
    (void)fd;
    (void)what;
    if (a->exit_code == 0) {
        cairn_status st = a->pinned ? kta__poll(a) : kta__pin(a);
        if (st == CAIRN_OK && !a->pinned) {
            a->pinned = true;
            st = kta__poll(a);
        }
        if (st != CAIRN_OK && a->exit_code == 0 && st != CAIRN_ERR_PROOF)
            kta__report(a, "retry", "audit step failed: %s", cairn_status_name(st));
    }
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    event_base_loopexit(((kta *)arg)->base, NULL);
}

int main(int argc, char **argv)
{
    kta a;
    cairn_context *ctx = NULL;
    const char *wlogs[16];
    size_t n_wlogs = 0;
    bool init = false, print_keys = false;
    char evdir[4096];
    int rc = 1;
    memset(&a, 0, sizeof a);
    a.listen_addr = "127.0.0.1";
    a.interval_ms = 5000;
    a.name = "cairn-audit";
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(o, "--init")) {
            init = true;
        } else if (!strcmp(o, "--print-keys")) {
            print_keys = true;
        } else if (!strcmp(o, "--once")) {
            a.once = true;
        } else if (!strcmp(o, "--json")) {
            a.json = true;
        } else if (v == NULL) {
            fprintf(stderr, "cairn-audit: %s needs a value (see --help)\n", o);
            return 2;
        } else if (!strcmp(o, "--server")) {
            a.server = v, i++;
        } else if (!strcmp(o, "--state")) {
            a.state_dir = v, i++;
        } else if (!strcmp(o, "--evidence")) {
            a.evidence_dir = v, i++;
        } else if (!strcmp(o, "--listen")) {
            a.listen_addr = v, i++;
        } else if (!strcmp(o, "--port-file")) {
            a.port_file = v, i++;
        } else if (!strcmp(o, "--name")) {
            a.name = v, i++;
        } else if (!strcmp(o, "--port")) {
            a.port = (uint16_t)atoi(v), i++;
        } else if (!strcmp(o, "--interval-ms")) {
            a.interval_ms = (uint32_t)atoi(v), i++;
            if (a.interval_ms == 0)
                a.interval_ms = 1;
        } else if (!strcmp(o, "--witness-log") && n_wlogs < 16) {
            wlogs[n_wlogs++] = v, i++;
        } else {
            fprintf(stderr, "cairn-audit: unknown option %s (see --help)\n", o);
            return 2;
        }
    }
    if (a.state_dir == NULL || (a.server == NULL && !print_keys)) {
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (cairn_context_create(NULL, &ctx) != CAIRN_OK)
        return 1;
    a.ctx = ctx;
    (void)mkdir(a.state_dir, 0700);
    if (a.evidence_dir == NULL) {
        snprintf(evdir, sizeof evdir, "%s/evidence", a.state_dir);
        a.evidence_dir = evdir;
    }
    if (seed_file(a.state_dir, "audit.seed", init, a.audit_sk, a.audit_pk) != CAIRN_OK ||
        seed_file(a.state_dir, "witness.seed", init, a.wit_sk, a.wit_pk) != CAIRN_OK) {
        fprintf(stderr, "cairn-audit: keys missing or unreadable in %s (use --init)\n",
                a.state_dir);
        goto out;
    }
    if (print_keys) {
        char hex[65], vk[512];
        cairn__hex_encode(hex, a.audit_pk, 32);
        if (cairn_kta_cosigner_vkey(a.name, a.wit_pk, vk, sizeof vk) != CAIRN_OK)
            goto out;
        printf("auditor-key %s\nwitness-key %s\n", hex, vk);
        rc = 0;
        goto out;
    }
    ktdir__log_init(&a.klog, ctx);
    if (kta__state_open(&a) != CAIRN_OK) {
        fprintf(stderr, "cairn-audit: cannot open state in %s\n", a.state_dir);
        goto out;
    }
    for (size_t i = 0; i < n_wlogs; i++)
        if (kta__witness_add_log(&a, wlogs[i]) != CAIRN_OK) {
            fprintf(stderr, "cairn-audit: bad --witness-log key\n");
            goto out;
        }
    if (a.once) {
        cairn_status st = kta__pin(&a);
        if (st == CAIRN_OK)
            st = kta__poll(&a);
        if (a.exit_code)
            rc = a.exit_code;
        else if (st != CAIRN_OK)
            kta__report(&a, "error", "audit failed: %s", cairn_status_name(st));
        else
            rc = 0;
        goto out;
    }
    a.base = event_base_new();
    if (a.base == NULL || kta__http_start(&a) != CAIRN_OK) {
        fprintf(stderr, "cairn-audit: cannot listen\n");
        goto out;
    }
    {
        struct timeval tv = {(time_t)(a.interval_ms / 1000),
                             (suseconds_t)(a.interval_ms % 1000) * 1000};
        struct timeval zero = {0, 0};
        struct event *s1 = evsignal_new(a.base, SIGINT, on_signal, &a);
        struct event *s2 = evsignal_new(a.base, SIGTERM, on_signal, &a);
        struct event *first = evtimer_new(a.base, on_timer, &a);
        a.timer = event_new(a.base, -1, EV_PERSIST, on_timer, &a);
        if (s1)
            evsignal_add(s1, NULL);
        if (s2)
            evsignal_add(s2, NULL);
        if (first)
            evtimer_add(first, &zero);
        event_add(a.timer, &tv);
        event_base_dispatch(a.base);
        if (s1)
            event_free(s1);
        if (s2)
            event_free(s2);
        if (first)
            event_free(first);
        event_free(a.timer);
    }
    rc = a.exit_code ? a.exit_code : 0;
out:
    if (a.http)
        evhttp_free(a.http);
    if (a.base)
        event_base_free(a.base);
    cairn_kt_auditor_destroy(a.aud);
    cairn_note_verifier_destroy(a.mirror_v);
    ktdir__log_free(&a.klog);
    cairn__free(ctx, a.mleaves);
    cairn__free(ctx, a.praw);
    if (a.cp_note)
        cairn_free(ctx, a.cp_note, a.cp_note_len);
    if (a.ath)
        cairn_free(ctx, a.ath, a.ath_len);
    kta__state_close(&a);
    sodium_memzero(a.audit_sk, sizeof a.audit_sk);
    sodium_memzero(a.wit_sk, sizeof a.wit_sk);
    cairn_context_destroy(ctx);
    return rc;
}
