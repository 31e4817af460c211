/*
 * paths.c - where a profile lives and how the engine is opened.
 *
 * Data: $XDG_DATA_HOME/cairn/<profile>/ (default ~/.local/share), holding
 * account.db (the encrypted store) and storage.key (32 random bytes, mode
 * 0600: a desktop has no platform keystore; CAIRN_STORAGE_KEY=<64 hex>
 * overrides it). Config: $XDG_CONFIG_HOME/cairn/<profile>.conf (default
 * ~/.config), "key = value" lines: relay, relay_ca, kt_url, kt_sig_key, kt_vrf_key,
 * require_kt, auditor, auditor_key, kt_monitor_hours, device_name. --home DIR puts both under DIR.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"

static int mkdir_p(const char *path)
{
    char p[1100];
    size_t n = strlen(path);
    if (n >= sizeof(p))
        return -1;
    memcpy(p, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] == '/' || p[i] == '\0') {
            char ch = p[i];
            p[i] = '\0';
            if (mkdir(p, 0700) != 0 && errno != EEXIST)
                return -1;
            p[i] = ch;
        }
    }
    return 0;
}

static int profile_ok(const char *p)
{
    size_t n = strlen(p);
    return n > 0 && n < 64 &&
           strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n &&
           p[0] != '.';
}

int cli_paths(cli *c)
{
    const char *home = getenv("HOME");
    char data[900], conf[900];
    if (!profile_ok(c->profile)) {
        fprintf(stderr, "cairn: bad profile name\n");
        return CLI_USAGE;
    }
    if (c->home) {
        snprintf(data, sizeof(data), "%s/data", c->home);
        snprintf(conf, sizeof(conf), "%s/config", c->home);
    } else {
        const char *xd = getenv("XDG_DATA_HOME"), *xc = getenv("XDG_CONFIG_HOME");
        if ((!xd || !*xd || !xc || !*xc) && (home == NULL || !*home)) {
            fprintf(stderr, "cairn: neither XDG directories nor HOME are set (use --home)\n");
            return CLI_USAGE;
        }
        if (xd && *xd)
            snprintf(data, sizeof(data), "%s/cairn", xd);
        else
            snprintf(data, sizeof(data), "%s/.local/share/cairn", home);
        if (xc && *xc)
            snprintf(conf, sizeof(conf), "%s/cairn", xc);
        else
            snprintf(conf, sizeof(conf), "%s/.config/cairn", home);
    }
    snprintf(c->data_dir, sizeof(c->data_dir), "%s/%s", data, c->profile);
    snprintf(c->config_path, sizeof(c->config_path), "%s/%s.conf", conf, c->profile);
    snprintf(c->db_path, sizeof(c->db_path), "%s/account.db", c->data_dir);
    snprintf(c->key_path, sizeof(c->key_path), "%s/storage.key", c->data_dir);
    return CLI_OK;
}

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

/* Config strings live as long as the process. */
static char cfg_store[12][1024];

void cli_config_load(cli *c)
{
    FILE *f = fopen(c->config_path, "r");
    char line[1200];
    int slot = 0;
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f) && slot < 12) {
        char *eq, *k, *v;
        if (line[0] == '#' || (eq = strchr(line, '=')) == NULL)
            continue;
        *eq = '\0';
        k = trim(line);
        v = trim(eq + 1);
        if (strlen(v) >= sizeof(cfg_store[0]))
            continue;
        memcpy(cfg_store[slot], v, strlen(v) + 1);
        v = cfg_store[slot];
        if (strcmp(k, "relay") == 0 && !c->relay)
            c->relay = v, slot++;
        else if (strcmp(k, "relay_ca") == 0 && !c->relay_ca)
            c->relay_ca = v, slot++;
        else if (strcmp(k, "kt_url") == 0 && !c->kt_url)
            c->kt_url = v, slot++;
        else if (strcmp(k, "kt_sig_key") == 0 && !c->kt_sig_key)
            c->kt_sig_key = v, slot++;
        else if (strcmp(k, "kt_vrf_key") == 0 && !c->kt_vrf_key)
            c->kt_vrf_key = v, slot++;
        else if (strcmp(k, "auditor") == 0 && !c->auditor_url)
            c->auditor_url = v, slot++;
        else if (strcmp(k, "auditor_key") == 0 && !c->auditor_key)
            c->auditor_key = v, c->require_auditor = 1, slot++;
        else if (strcmp(k, "device_name") == 0 && !c->device_name)
            c->device_name = v, slot++;
        else if (strcmp(k, "require_kt") == 0)
            c->require_kt = c->require_kt || strcmp(v, "1") == 0;
        else if (strcmp(k, "kt_monitor_hours") == 0 && c->kt_monitor_hours == 0)
            c->kt_monitor_hours = atoi(v) >= 1 && atoi(v) <= 24 ? atoi(v) : 0;
    }
    fclose(f);
}

int cli_config_save(cli *c)
{
    char dir[1100];
    char *slash;
    FILE *f;
    snprintf(dir, sizeof(dir), "%s", c->config_path);
    slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    if (mkdir_p(dir) != 0)
        return CLI_ERR;
    f = fopen(c->config_path, "w");
    if (f == NULL)
        return CLI_ERR;
    fprintf(f, "# cairn profile %s (see cairn(1))\n", c->profile);
    if (c->relay)
        fprintf(f, "relay = %s\n", c->relay);
    if (c->relay_ca)
        fprintf(f, "relay_ca = %s\n", c->relay_ca);
    if (c->kt_url)
        fprintf(f, "kt_url = %s\n", c->kt_url);
    if (c->kt_sig_key)
        fprintf(f, "kt_sig_key = %s\n", c->kt_sig_key);
    if (c->kt_vrf_key)
        fprintf(f, "kt_vrf_key = %s\n", c->kt_vrf_key);
    if (c->auditor_url)
        fprintf(f, "auditor = %s\n", c->auditor_url);
    if (c->auditor_key)
        fprintf(f, "auditor_key = %s\n", c->auditor_key);
    if (c->device_name)
        fprintf(f, "device_name = %s\n", c->device_name);
    if (c->require_kt)
        fprintf(f, "require_kt = 1\n");
    if (c->kt_monitor_hours)
        fprintf(f, "kt_monitor_hours = %d\n", c->kt_monitor_hours);
    fclose(f);
    return CLI_OK;
}

static int storage_key(cli *c, int create, uint8_t key[32])
{
    const char *env = getenv("CAIRN_STORAGE_KEY");
    int fd;
    ssize_t n;
    if (env && *env) {
        size_t got = 0;
        if (sodium_hex2bin(key, 32, env, strlen(env), NULL, &got, NULL) != 0 || got != 32) {
            fprintf(stderr, "cairn: CAIRN_STORAGE_KEY must be 64 hex digits\n");
            return CLI_USAGE;
        }
        return CLI_OK;
    }
    fd = open(c->key_path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        n = read(fd, key, 32);
        close(fd);
        return n == 32 ? CLI_OK : CLI_ERR;
    }
    if (!create) {
        fprintf(stderr, "cairn: no account in profile '%s' (run: cairn init)\n", c->profile);
        return CLI_NOTFOUND;
    }
    if (mkdir_p(c->data_dir) != 0)
        return CLI_ERR;
    randombytes_buf(key, 32);
    fd = open(c->key_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return CLI_ERR;
    n = write(fd, key, 32);
    if (close(fd) != 0 || n != 32)
        return CLI_ERR;
    return CLI_OK;
}

static void dispatch_event(void *ud, const cairn_event *ev)
{
    cli *c = ud;
    if (c->on_event)
        c->on_event(c, ev);
    else
        cli_print_event(c, ev);
}

int cli_open(cli *c, int create)
{
    uint8_t key[32];
    cairn_engine_config cfg;
    cairn_status rc;
    int r = storage_key(c, create, key);
    if (r != CLI_OK)
        return r;
    if (cairn_context_create(NULL, &c->ctx) != CAIRN_OK)
        return CLI_ERR;
    cairn_engine_config_init(&cfg);
    cfg.relay = c->relay;
    cfg.ca_file = c->relay_ca;
    cfg.kt_url = c->kt_url;
    cfg.kt_sig_key = c->kt_sig_key;
    cfg.kt_vrf_key = c->kt_vrf_key;
    cfg.require_kt = c->require_kt;
    cfg.auditor_url = c->auditor_url;
    cfg.auditor_key = c->auditor_key;
    cfg.require_auditor = c->require_auditor;
    cfg.kt_monitor_period_ms = (int64_t)c->kt_monitor_hours * 3600 * 1000;
    cfg.device_name = c->device_name;
    cfg.on_event = dispatch_event;
    cfg.event_ud = c;
    rc = cairn_engine_open(c->ctx, c->db_path, key, &cfg, &c->eng);
    sodium_memzero(key, sizeof(key));
    if (rc != CAIRN_OK) {
        cairn_context_destroy(c->ctx);
        c->ctx = NULL;
        fprintf(stderr, "cairn: cannot open the account: %s\n", cairn_strerror(rc));
        return cli_exit_code(rc);
    }
    return CLI_OK;
}

void cli_close(cli *c)
{
    cairn_engine_close(c->eng);
    c->eng = NULL;
    cairn_context_destroy(c->ctx);
    c->ctx = NULL;
}
