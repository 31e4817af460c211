/*
 * kt_harness.c - process and HTTP helpers of the key transparency
 * integration tests (see kt_harness.h), and a cairn-relay for the engine
 * tests that need the real relay. Test code: plain libc allocation
 * for the test's own buffers; library buffers are freed with cairn_free.
 */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base.h"
#include "cairn/ktverify.h"
#include "kt_harness.h"
#include "ktdir_internal.h"

const char *kth_bin(const char *rel)
{
    static char path[4][1024];
    static int k;
    const char *b = getenv("CAIRN_BUILD_DIR");
    char *p = path[k++ & 3];
    snprintf(p, 1024, "%s/%s", b ? b : ".", rel);
    return p;
}

int kth_spawn(kth_proc *p, const char *bin, const char *dir, const char *name,
              const char *const *args)
{
    const char *argv[64];
    int n = 0;
    memset(p, 0, sizeof *p);
    snprintf(p->port_file, sizeof p->port_file, "%s/%s.port", dir, name);
    unlink(p->port_file);
    argv[n++] = bin;
    for (int i = 0; args && args[i] && n < 60; i++)
        argv[n++] = args[i];
    argv[n++] = "--port-file";
    argv[n++] = p->port_file;
    argv[n] = NULL;
    p->pid = fork();
    if (p->pid < 0)
        return -1;
    if (p->pid == 0) {
        char logf[600];
        FILE *f;
        snprintf(logf, sizeof logf, "%s/%s.log", dir, name);
        f = freopen(logf, "a", stderr);
        (void)f;
        f = freopen("/dev/null", "w", stdout);
        (void)f;
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 600; i++) {
        FILE *f = fopen(p->port_file, "r");
        int st;
        if (f) {
            int ok = fscanf(f, "%u", &p->port) == 1;
            fclose(f);
            if (ok && p->port) {
                snprintf(p->url, sizeof p->url, "http://127.0.0.1:%u", p->port);
                return 0;
            }
        }
        if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
            p->pid = 0;
            return -1;
        }
        usleep(20000);
    }
    return -1;
}

int kth_kt_start(kth_proc *p, const char *dir, const char *keys,
                 const char *const *extra)
{
    char data[512], tok[512];
    const char *args[48];
    FILE *f;
    int n = 0;
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(tok, sizeof tok, "%s/token", dir);
    f = fopen(tok, "w");
    if (f == NULL)
        return -1;
    fputs(KTH_TOKEN "\n", f);
    fclose(f);
    args[n++] = "--data";
    args[n++] = strdup(data);
    args[n++] = "--keys";
    args[n++] = keys;
    args[n++] = "--init";
    args[n++] = "--token-file";
    args[n++] = strdup(tok);
    args[n++] = "--log-level";
    args[n++] = "debug";
    for (int i = 0; extra && extra[i] && n < 46; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    n = kth_spawn(p, kth_bin("transparency/server/cairn-kt"), dir, "kt", args);
    free((void *)args[1]);
    free((void *)args[6]);
    return n;
}

void kth_kill(kth_proc *p, int sig)
{
    if (p->pid > 0)
        kill(p->pid, sig);
}

int kth_wait(kth_proc *p)
{
    int st = 0;
    if (p->pid <= 0)
        return -1;
    if (waitpid(p->pid, &st, 0) != p->pid)
        return -1;
    p->pid = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

long kth_request(const cairn_context *ctx, const char *method, const char *url,
                 const char *const *headers, const char *body, size_t len)
{
    long status = 0;
    uint8_t *b = NULL;
    size_t n = 0;
    cairn_status st;
    if (strcmp(method, "GET") == 0)
        st = cairn_ktv_http_get(ctx, url, 8u << 20, &status, &b, &n);
    else
        st = cairn_ktv_http_post(ctx, url, "application/json", headers,
                                 (const uint8_t *)body, len, 8u << 20, &status, &b, &n);
    if (st != CAIRN_OK)
        return -1;
    cairn_free(ctx, b, n);
    return status;
}

long kth_publish(const cairn_context *ctx, const char *url, const char *token,
                 const char *label, const uint8_t *value, size_t vlen,
                 uint64_t *position, uint32_t *version)
{
    char b64[4096], body[8192], auth[256], u[256];
    const char *hdr[2] = {auth, NULL};
    long status = 0;
    uint8_t *out = NULL;
    size_t n = 0;
    json_t *j;
    cairn__base64_encode(b64, value, vlen);
    snprintf(body, sizeof body, "{\"updates\":[{\"label\":\"%s\",\"value_b64\":\"%s\"}]}",
             label, b64);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    snprintf(u, sizeof u, "%s/kt/v1/publish", url);
    if (cairn_ktv_http_post(ctx, u, "application/json", hdr, (const uint8_t *)body,
                            strlen(body), 1 << 20, &status, &out, &n) != CAIRN_OK)
        return -1;
    j = json_loadb((const char *)out, n, 0, NULL);
    if (j && status == 200) {
        if (position)
            *position = (uint64_t)json_integer_value(json_object_get(j, "position"));
        if (version)
            *version = (uint32_t)json_integer_value(json_object_get(
                json_array_get(json_object_get(j, "results"), 0), "version"));
    }
    json_decref(j);
    cairn_free(ctx, out, n);
    return status;
}

int kth_config(const cairn_context *ctx, const char *url, cairn_kt_config *cfg)
{
    char u[256];
    long status = 0;
    uint8_t *out = NULL, raw[1024];
    size_t n = 0, rl = 0;
    json_t *j;
    const char *b64;
    cairn__reader r;
    int rc = -1;
    snprintf(u, sizeof u, "%s/kt/v1/config", url);
    if (cairn_ktv_http_get(ctx, u, 1 << 20, &status, &out, &n) != CAIRN_OK)
        return -1;
    j = json_loadb((const char *)out, n, 0, NULL);
    b64 = json_string_value(json_object_get(j, "configuration_b64"));
    if (status == 200 && b64 &&
        cairn__base64_decode(raw, sizeof raw, &rl, b64, strlen(b64)) == CAIRN_OK) {
        cairn__reader_init(&r, raw, rl);
        if (ktdir__config_decode(&r, cfg) == CAIRN_OK && cairn__reader_left(&r) == 0)
            rc = 0;
    }
    json_decref(j);
    cairn_free(ctx, out, n);
    return rc;
}

uint64_t kth_tree_size(const cairn_context *ctx, const char *url)
{
    char u[256];
    long status = 0;
    uint8_t *out = NULL;
    size_t n = 0;
    json_t *j;
    uint64_t s = 0;
    snprintf(u, sizeof u, "%s/kt/v1/tree-head", url);
    if (cairn_ktv_http_get(ctx, u, 1 << 20, &status, &out, &n) != CAIRN_OK)
        return 0;
    j = json_loadb((const char *)out, n, 0, NULL);
    if (status == 200)
        s = (uint64_t)json_integer_value(json_object_get(j, "tree_size"));
    json_decref(j);
    cairn_free(ctx, out, n);
    return s;
}

int kth_auditor_key(const char *adir, char hex[65])
{
    char cmd[1400], line[512];
    FILE *f;
    hex[0] = 0;
    snprintf(cmd, sizeof cmd, "%s --state %s --init --print-keys",
             kth_bin("transparency/auditor/cairn-audit"), adir);
    f = popen(cmd, "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "auditor-key %64s", hex) == 1)
            break;
    pclose(f);
    return strlen(hex) == 64 ? 0 : -1;
}

int kth_relay_start(kth_relay *r, const char *dir, const char *kt_url, const char *token)
{
    const char *bin = kth_bin("server/cairn-relay");
    char ini[600], ports[600], logf[600];
    FILE *f;
    memset(r, 0, sizeof *r);
    if (access(bin, X_OK) != 0)
        return -2;
    snprintf(ini, sizeof ini, "%s/relay.ini", dir);
    snprintf(ports, sizeof ports, "%s/relay.ports", dir);
    snprintf(logf, sizeof logf, "%s/relay.log", dir);
    unlink(ports);
    f = fopen(ini, "w");
    if (f == NULL)
        return -1;
    fprintf(f,
            "[server]\nhttps_listen = 127.0.0.1:0\nsip_listen = 127.0.0.1:0\n"
            "state_dir = %s/relay-state\nports_file = %s\ndomain = example.org\n"
            "[auth]\nargon2_opslimit = 1\nargon2_memlimit_kib = 1024\n"
            "[limits]\nrate_address_per_second = 1000000\nrate_address_burst = 1000000\n"
            "[log]\nlevel = %s\n",
            dir, ports, getenv("RELAY_TEST_DEBUG") ? "debug" : "info");
    if (kt_url)
        fprintf(f, "[kt]\nurl = %s\ntoken = %s\ntimeout_ms = 15000\n", kt_url, token);
    fclose(f);
    r->pid = fork();
    if (r->pid < 0)
        return -1;
    if (r->pid == 0) {
        if (freopen(logf, "a", stderr) == NULL || freopen("/dev/null", "w", stdout) == NULL)
            _exit(126);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execl(bin, bin, "-c", ini, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 1500; i++) {
        int st, ok;
        f = fopen(ports, "r");
        if (f) {
            ok = fscanf(f, "https=%u\nsip=%u", &r->https, &r->sip) == 2;
            fclose(f);
            if (ok) {
                snprintf(r->url, sizeof r->url, "https://127.0.0.1:%u/?sip=%u", r->https, r->sip);
                snprintf(r->ca, sizeof r->ca, "%s/relay-state/tls/cert.pem", dir);
                return 0;
            }
        }
        if (waitpid(r->pid, &st, WNOHANG) == r->pid) {
            r->pid = 0;
            return -1;
        }
        usleep(20000);
    }
    kth_relay_stop(r);
    return -1;
}

void kth_relay_stop(kth_relay *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGTERM);
        waitpid(r->pid, NULL, 0);
        r->pid = 0;
    }
}

