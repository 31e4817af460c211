/*
 * main.c - cairn-relay's entry point: command line, start-up order, timers
 * and signals (see cairn-relay(8)).
 *
 * Start-up: config -> state directories -> certificate (generated on
 * first run) -> TLS context -> database -> listeners -> ports file.
 * SIGTERM/SIGINT drain: stop accepting, commit the pending batch (so every
 * message a sender was promised is durable and answered), give sockets a
 * moment to flush, close everything, exit 0. SIGHUP reloads the
 * certificate and key (a bad pair is logged and the old one kept).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/ssl.h>
#include <sodium.h>

#include "relay.h"
#include "runtime.h"

void relay__files_sweep(relay *r, int64_t now);

static cairn_status load_config(relay *r, const char *path)
{
    char err[256];
    relay__config_defaults(&r->cfg);
    if (path) {
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
            fprintf(stderr, "cairn-relay: cannot open %s: %s\n", path, strerror(errno));
            return CAIRN_ERR_IO;
        }
        char *buf = cairn__alloc(r->ctx, RELAY_CONFIG_MAX_BYTES + 1);
        size_t n = buf ? fread(buf, 1, RELAY_CONFIG_MAX_BYTES + 1, f) : 0;
        fclose(f);
        if (buf == NULL)
            return CAIRN_ERR_NOMEM;
        cairn_status st = relay__config_parse(&r->cfg, buf, n, err, sizeof err);
        cairn__free(r->ctx, buf);
        if (st != CAIRN_OK) {
            fprintf(stderr, "cairn-relay: %s: %s\n", path, err);
            return st;
        }
    }
    if (relay__config_finish(&r->cfg, err, sizeof err) != CAIRN_OK) {
        fprintf(stderr, "cairn-relay: %s: %s\n", path ? path : "defaults", err);
        return CAIRN_ERR_INVALID_ARG;
    }
    relay_log_level l;
    relay__log_parse_level(r->cfg.log_level, &l);
    relay__log_set_level(l);
    return CAIRN_OK;
}

static int mkdirs(const char *path)
{
    char tmp[RELAY_STR_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return (mkdir(tmp, 0700) != 0 && errno != EEXIST) ? -1 : 0;
}

static void on_commit(evutil_socket_t fd, short what, void *arg)
{
    relay *r = arg;
    (void)fd;
    (void)what;
    r->commit_scheduled = false;
    relay__batch_flush(r);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    relay *r = arg;
    static int64_t last_sweep, last_kt;
    int64_t now = relay__now_ms();
    (void)fd;
    (void)what;
    relay__sip_sweep(r, now);
    relay__msrp_sweep(r, now);
    if (now - last_sweep >= r->cfg.sweep_interval_seconds * 1000) {
        last_sweep = now;
        relay__queue_sweep(r, now);
        relay__files_sweep(r, now);
        relay__prov_sweep(r, now);
    }
    if (now - last_kt >= r->cfg.kt_retry_seconds * 1000) {
        last_kt = now;
        relay__kt_retry(r);
    }
}

static void on_exit_timer(evutil_socket_t fd, short what, void *arg)
{
    relay *r = arg;
    (void)fd;
    (void)what;
    event_base_loopbreak(r->base);
}

static void on_term(evutil_socket_t sig, short what, void *arg)
{
    relay *r = arg;
    (void)what;
    if (r->draining)
        return;
    RLOGI("draining", "signal=%d", (int)sig);
    r->draining = true;
    relay__sip_stop_accepting(r);
    relay__msrp_stop_accepting(r);
    relay__batch_flush(r);
    struct timeval tv = {0, 300000};
    event_base_once(r->base, -1, EV_TIMEOUT, on_exit_timer, r, &tv);
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
    relay *r = arg;
    (void)sig;
    (void)what;
    RLOGI("reload", "what=certificate");
    if (relay__tls_load(r) != CAIRN_OK)
        RLOGW("reload_failed", "reason=\"keeping the previous certificate\"");
}

static bool write_ports(relay *r)
{
    char tmp[RELAY_STR_MAX + 8];
    if (r->cfg.ports_file[0] == 0)
        return true;
    snprintf(tmp, sizeof tmp, "%s.tmp", r->cfg.ports_file);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return false;
    fprintf(f, "https=%u\nsip=%u\npid=%ld\nmsrp=%u\n", r->https_port, r->sip_port, (long)getpid(),
            r->msrp_port);
    if (fclose(f) != 0)
        return false;
    return rename(tmp, r->cfg.ports_file) == 0;
}

static int issue_token(relay *r, int uses, int days)
{
    uint8_t raw[24], h[crypto_hash_sha256_BYTES];
    char token[49];
    if (mkdirs(r->cfg.state_dir) != 0 || relay__store_open(r) != CAIRN_OK)
        return 1;
    randombytes_buf(raw, sizeof raw);
    cairn__hex_encode(token, raw, sizeof raw);
    crypto_hash_sha256(h, (const uint8_t *)token, strlen(token));
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, "INSERT INTO reg_tokens(hash,uses_left,expires) VALUES(?,?,?)", -1,
                           &st, NULL) != SQLITE_OK)
        return 1;
    sqlite3_bind_blob(st, 1, h, sizeof h, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, uses);
    sqlite3_bind_int64(st, 3, relay__now_ms() + (int64_t)days * 86400000);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    relay__store_close(r);
    if (rc != SQLITE_DONE)
        return 1;
    printf("%s\n", token);
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cairn-relay [-c FILE] [--check-config] [--print-config]\n"
            "                   [--issue-token [--uses N] [--days D]]\n"
            "  -c, --config FILE   INI configuration (default: built-in defaults)\n"
            "  --check-config      validate the configuration, print it, exit\n"
            "  --print-config      print every option with its documentation\n"
            "  --issue-token       create a registration token and print it\n");
}

int main(int argc, char **argv)
{
    static const struct option LONG[] = {{"config", required_argument, NULL, 'c'},
                                         {"check-config", no_argument, NULL, 'k'},
                                         {"print-config", no_argument, NULL, 'p'},
                                         {"issue-token", no_argument, NULL, 't'},
                                         {"uses", required_argument, NULL, 'u'},
                                         {"days", required_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *cfg_path = NULL;
    bool check = false, print = false, token = false;
    int uses = 1, days = 7, opt, rc = 1;
    relay r;
    cairn_context *ctx = NULL;

    while ((opt = getopt_long(argc, argv, "c:h", LONG, NULL)) != -1) {
        switch (opt) {
        case 'c': cfg_path = optarg; break;
        case 'k': check = true; break;
        case 'p': print = true; break;
        case 't': token = true; break;
        case 'u': uses = atoi(optarg); break;
        case 'd': days = atoi(optarg); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    /* Tokens and branches come from a read-ahead pool (rng.c), not one
     * getrandom() each. */
    static relay_rng rng;
    cairn_context_config cc;
    cairn_context_config_init(&cc);
    relay__rng_init(&rng);
    cc.random = relay__rng_fill;
    cc.random_ud = &rng;
    if (cairn_context_create(&cc, &ctx) != CAIRN_OK) {
        fprintf(stderr, "cairn-relay: cannot initialise libsodium\n");
        return 1;
    }
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.config_path = cfg_path;
    if (load_config(&r, cfg_path) != CAIRN_OK)
        goto out;
    if (print || check) {
        relay__config_write(&r.cfg, stdout, print);
        if (check)
            fprintf(stderr, "cairn-relay: configuration OK\n");
        rc = 0;
        goto out;
    }
    if (token) {
        rc = issue_token(&r, uses > 0 ? uses : 1, days > 0 ? days : 7);
        goto out;
    }
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (mkdirs(r.cfg.state_dir) != 0 || mkdirs(r.cfg.files_dir) != 0) {
        RLOGE("state_dir_failed", "dir=%s errno=%d", r.cfg.state_dir, errno);
        goto out;
    }
    randombytes_buf(r.boot_id, sizeof r.boot_id);
    if (relay__tls_ensure_cert(&r) != CAIRN_OK || relay__tls_load(&r) != CAIRN_OK ||
        relay__store_open(&r) != CAIRN_OK || relay__auth_init(&r) != CAIRN_OK ||
        relay__rl_init(&r.rl_account, ctx, 65536, (double)r.cfg.rate_account_per_second,
                       (double)r.cfg.rate_account_burst) != CAIRN_OK ||
        relay__rl_init(&r.rl_address, ctx, 65536, (double)r.cfg.rate_address_per_second,
                       (double)r.cfg.rate_address_burst) != CAIRN_OK ||
        relay__prov_open(&r) != CAIRN_OK)
        goto out;
    r.base = event_base_new();
    if (r.base == NULL)
        goto out;
    if (relay__runtime_create(&r) != CAIRN_OK || relay__conncap_https_init(&r) != CAIRN_OK ||
        relay__workers_start(&r) != CAIRN_OK)
        goto out;
    r.commit_ev = evtimer_new(r.base, on_commit, &r);
    r.tick_ev = event_new(r.base, -1, EV_PERSIST, on_tick, &r);
    r.sigterm_ev = evsignal_new(r.base, SIGTERM, on_term, &r);
    r.sigint_ev = evsignal_new(r.base, SIGINT, on_term, &r);
    r.sighup_ev = evsignal_new(r.base, SIGHUP, on_hup, &r);
    struct timeval one = {1, 0};
    if (!r.commit_ev || !r.tick_ev || !r.sigterm_ev || !r.sigint_ev || !r.sighup_ev ||
        event_add(r.tick_ev, &one) != 0 || event_add(r.sigterm_ev, NULL) != 0 ||
        event_add(r.sigint_ev, NULL) != 0 || event_add(r.sighup_ev, NULL) != 0)
        goto out;
    if (relay__kt_init(&r) != CAIRN_OK || relay__http_start(&r) != CAIRN_OK ||
        relay__sip_start(&r) != CAIRN_OK || relay__msrp_start(&r) != CAIRN_OK)
        goto out;
    if (!write_ports(&r)) {
        RLOGE("ports_file_failed", "path=%s", r.cfg.ports_file);
        goto out;
    }
    RLOGI("started", "domain=%s queue_depth=%lld", r.cfg.domain, (long long)r.m.queue_depth);
    event_base_dispatch(r.base);
    relay__batch_flush(&r);
    RLOGI("stopped", "queue_depth=%lld", (long long)r.m.queue_depth);
    rc = 0;
out:
    relay__sip_stop_accepting(&r);
    relay__msrp_stop_accepting(&r);
    relay__msrp_close_all(&r);
    relay__sip_close_all(&r);
    relay__workers_stop(&r); /* answers held HTTPS requests before evhttp goes */
    relay__http_stop(&r);
    relay__kt_free(&r);
    if (r.commit_ev)
        event_free(r.commit_ev);
    if (r.tick_ev)
        event_free(r.tick_ev);
    if (r.sigterm_ev)
        event_free(r.sigterm_ev);
    if (r.sigint_ev)
        event_free(r.sigint_ev);
    if (r.sighup_ev)
        event_free(r.sighup_ev);
    relay__store_close(&r);
    relay__auth_free(&r);
    relay__rl_free(&r.rl_account, ctx);
    relay__rl_free(&r.rl_address, ctx);
    relay__prov_close(&r);
    if (r.ssl)
        SSL_CTX_free(r.ssl);
    if (r.base)
        event_base_free(r.base);
    relay__runtime_destroy(&r); /* after the SSL objects' deferred frees */
    relay__rng_wipe(&rng);
    cairn__free(ctx, r.pending);
    cairn__free(ctx, r.touched);
    cairn_context_destroy(ctx);
    return rc;
}
