/*
 * main.c - the cairn-kt executable: command-line flags and an optional
 * config file (the same names, "name value" per line), logging to stderr,
 * SIGINT/SIGTERM for a clean stop (the open batch is committed first).
 *
 * Secrets are never given on the command line (they would show in ps):
 * keys, token and HMAC key are file paths.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kts_internal.h"

static void usage(FILE *f)
{
    fputs(
        "usage: cairn-kt --data DIR --keys DIR (--token-file F | --hmac-key-file F) [options]\n"
        "Key transparency server (spec/kt-api.md).\n\n"
        "  --config FILE         read options from FILE (one \"name value\" per line)\n"
        "  --data DIR            SQLite store and mirror directory\n"
        "  --keys DIR            signing.seed, vrf.secret, mirror.key\n"
        "  --init                create missing keys (mode 0600)\n"
        "  --listen ADDR         listen address (default 127.0.0.1)\n"
        "  --port N              port (default 0: ephemeral)\n"
        "  --port-file F         write the bound port to F\n"
        "  --origin NAME         mirror checkpoint origin (default cairn-kt.mirror)\n"
        "  --token-file F        publisher bearer token (16..255 bytes)\n"
        "  --hmac-key-file F     publisher HMAC key (hex, 16..64 bytes)\n"
        "  --tls-cert F, --tls-key F  serve HTTPS with this PEM chain and key\n"
        "  --witness URL         feed mirror checkpoints to this C2SP witness (up to 4)\n"
        "  --batch-ms N          batching window (default 1000)\n"
        "  --batch-max N         commit early at N staged updates (default 100000)\n"
        "  --heartbeat-s N       empty entry at least every N s (default 60, 0 off)\n"
        "  --vrf-threads N       publish VRF workers, 0 on the loop (default: CPUs, max 8)\n"
        "  --max-body N          request body cap in bytes (default 1048576)\n"
        "  --mode contact|audit  deployment mode (default contact)\n"
        "  --auditor-key HEX     auditor Ed25519 public key (audit mode)\n"
        "  --max-ahead-ms N, --max-behind-ms N, --rmw-ms N, --max-auditor-lag-ms N\n"
        "  --log-level L         error|warn|info|debug (default info)\n"
        "  --unsafe-test-mode    enable misbehaviour endpoints (tests only)\n"
        "  --help                this text\n",
        f);
}

static cairn_log_level g_level = CAIRN_LOG_INFO;

static void log_stderr(void *ud, cairn_log_level level, const char *comp,
                       const char *line)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    struct timespec ts;
    (void)ud;
    if (level > g_level)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    fprintf(stderr, "%lld.%03ld %s %s: %s\n", (long long)ts.tv_sec,
            ts.tv_nsec / 1000000, names[level], comp, line);
}

/* Values read from a config file live until main returns. */
static char *g_strs[128];
static size_t g_nstrs;

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p;
    if (g_nstrs == CAIRN_ARRAY_LEN(g_strs))
        return NULL;
    p = malloc(n);
    if (p) {
        memcpy(p, s, n);
        g_strs[g_nstrs++] = p;
    }
    return p;
}

static void free_strs(void)
{
    while (g_nstrs)
        free(g_strs[--g_nstrs]);
}

static int set_opt(cairn_kts_options *o, const char *name, const char *val);

static int read_config(cairn_kts_options *o, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    int lineno = 0;
    if (f == NULL) {
        fprintf(stderr, "cairn-kt: cannot open config %s\n", path);
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        char *p = line, *name, *val;
        lineno++;
        line[strcspn(line, "\r\n")] = 0;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == 0 || *p == '#')
            continue;
        name = p;
        p += strcspn(p, " \t=");
        if (*p)
            *p++ = 0;
        while (*p == ' ' || *p == '\t' || *p == '=')
            p++;
        val = p;
        if (set_opt(o, name, *val ? dupstr(val) : NULL) != 0) {
            fprintf(stderr, "cairn-kt: %s:%d: bad option %s\n", path, lineno, name);
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return 0;
}

static int num(const char *v, uint64_t max, uint64_t *out)
{
    if (v == NULL || cairn_kts_parse_u64(v, out) != CAIRN_OK || *out > max)
        return -1;
    return 0;
}

static int set_opt(cairn_kts_options *o, const char *name, const char *val)
{
    uint64_t n;
    if (strncmp(name, "--", 2) == 0)
        name += 2;
    if (!strcmp(name, "init")) o->init_keys = true;
    else if (!strcmp(name, "unsafe-test-mode")) o->unsafe_test_mode = true;
    else if (val == NULL) return -1;
    else if (!strcmp(name, "config")) return read_config(o, val);
    else if (!strcmp(name, "data")) o->data_dir = val;
    else if (!strcmp(name, "keys")) o->keys_dir = val;
    else if (!strcmp(name, "listen")) o->listen_addr = val;
    else if (!strcmp(name, "port-file")) o->port_file = val;
    else if (!strcmp(name, "origin")) o->origin = val;
    else if (!strcmp(name, "token-file")) o->token_file = val;
    else if (!strcmp(name, "hmac-key-file")) o->hmac_key_file = val;
    else if (!strcmp(name, "tls-cert")) o->tls_cert = val;
    else if (!strcmp(name, "witness")) {
        if (o->n_witness == CAIRN_ARRAY_LEN(o->witness_urls)) return -1;
        o->witness_urls[o->n_witness++] = val;
    }
    else if (!strcmp(name, "tls-key")) o->tls_key = val;
    else if (!strcmp(name, "port")) { if (num(val, 65535, &n)) return -1; o->port = (uint16_t)n; }
    else if (!strcmp(name, "batch-ms")) { if (num(val, 600000, &n) || !n) return -1; o->batch_ms = (uint32_t)n; }
    else if (!strcmp(name, "batch-max")) { if (num(val, 10000000, &n) || !n) return -1; o->batch_max = (uint32_t)n; }
    else if (!strcmp(name, "vrf-threads")) { if (num(val, 8, &n)) return -1; o->vrf_threads = (uint32_t)n; }
    else if (!strcmp(name, "heartbeat-s")) { if (num(val, 86400, &n)) return -1; o->heartbeat_s = (uint32_t)n; }
    else if (!strcmp(name, "max-body")) { if (num(val, 64u << 20, &n) || n < 1024) return -1; o->max_body = n; }
    else if (!strcmp(name, "max-ahead-ms")) { if (num(val, UINT64_MAX, &o->max_ahead)) return -1; }
    else if (!strcmp(name, "max-behind-ms")) { if (num(val, UINT64_MAX, &o->max_behind)) return -1; }
    else if (!strcmp(name, "rmw-ms")) { if (num(val, UINT64_MAX, &o->rmw)) return -1; }
    else if (!strcmp(name, "max-auditor-lag-ms")) { if (num(val, UINT64_MAX, &o->max_auditor_lag)) return -1; }
    else if (!strcmp(name, "mode")) {
        if (!strcmp(val, "contact")) o->mode = CAIRN_KT_MODE_CONTACT_MONITORING;
        else if (!strcmp(val, "audit")) o->mode = CAIRN_KT_MODE_THIRD_PARTY_AUDITING;
        else return -1;
    } else if (!strcmp(name, "auditor-key")) {
        size_t l;
        if (cairn__hex_decode(o->auditor_public_key, 32, &l, val, strlen(val)) != CAIRN_OK || l != 32)
            return -1;
    } else if (!strcmp(name, "log-level")) {
        if (!strcmp(val, "error")) g_level = CAIRN_LOG_ERROR;
        else if (!strcmp(val, "warn")) g_level = CAIRN_LOG_WARN;
        else if (!strcmp(val, "info")) g_level = CAIRN_LOG_INFO;
        else if (!strcmp(val, "debug")) g_level = CAIRN_LOG_DEBUG;
        else return -1;
    } else return -1;
    return 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)sig;
    (void)what;
    cairn_kts_stop(arg);
}

int main(int argc, char **argv)
{
    cairn_kts_options o;
    cairn_context_config cc;
    cairn_context *ctx = NULL;
    cairn_kts_server *s = NULL;
    struct event *ev_int, *ev_term;
    cairn_status st;
    cairn_kts_options_init(&o);
    atexit(free_strs);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool flag = !strcmp(a, "--init") || !strcmp(a, "--unsafe-test-mode");
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (strncmp(a, "--", 2) != 0 || (!flag && i + 1 >= argc) ||
            set_opt(&o, a, flag ? NULL : argv[i + 1]) != 0) {
            fprintf(stderr, "cairn-kt: bad option %s (see --help)\n", a);
            return 2;
        }
        if (!flag)
            i++;
    }
    if (o.data_dir == NULL || o.keys_dir == NULL) {
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    cairn_context_config_init(&cc);
    cc.log = log_stderr;
    cc.log_level = CAIRN_LOG_DEBUG;
    if (cairn_context_create(&cc, &ctx) != CAIRN_OK) {
        fprintf(stderr, "cairn-kt: cannot create context\n");
        return 1;
    }
    st = cairn_kts_create(ctx, &o, &s);
    if (st != CAIRN_OK) {
        fprintf(stderr, "cairn-kt: start-up failed: %s\n", cairn_strerror(st));
        cairn_context_destroy(ctx);
        return 1;
    }
    ev_int = evsignal_new(s->base, SIGINT, on_signal, s);
    ev_term = evsignal_new(s->base, SIGTERM, on_signal, s);
    if (ev_int)
        evsignal_add(ev_int, NULL);
    if (ev_term)
        evsignal_add(ev_term, NULL);
    st = cairn_kts_run(s);
    if (ev_int)
        event_free(ev_int);
    if (ev_term)
        event_free(ev_term);
    cairn_kts_destroy(s);
    cairn_context_destroy(ctx);
    return st == CAIRN_OK ? 0 : 1;
}
