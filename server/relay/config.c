/*
 * config.c - the relay's INI configuration: one table of options (section,
 * name, type, default, range, documentation) drives the defaults, the
 * parser, --check-config and the documented example file, so an option
 * cannot exist without its documentation.
 *
 * The reader is strict and bounded (it is a fuzz target): at most
 * RELAY_CONFIG_MAX_BYTES of input and RELAY_CONFIG_MAX_LINE per line; an
 * unknown section or key, a repeated key, a number out of range or a value
 * that does not fit its slot is an error naming the line. Comments start
 * with '#' or ';' at the beginning of a line (after blanks).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay.h"

typedef enum { T_STR, T_INT, T_BOOL } opt_type;

typedef struct opt {
    const char *section;
    const char *name;
    opt_type type;
    size_t off;
    size_t size; /* for strings */
    const char *def;
    int64_t min, max;
    const char *doc;
} opt;

#define S(sec, nm, field, def, doc)                                                        \
    {sec, nm, T_STR, offsetof(relay_config, field), sizeof(((relay_config *)0)->field), def, 0, \
     0, doc}
#define I(sec, nm, field, def, lo, hi, doc)                                                \
    {sec, nm, T_INT, offsetof(relay_config, field), 0, def, lo, hi, doc}
#define B(sec, nm, field, def, doc) {sec, nm, T_BOOL, offsetof(relay_config, field), 0, def, 0, 1, doc}

static const opt OPTS[] = {
    S("server", "domain", domain, "localhost",
      "SIP domain served; user URIs are sip:<user>@<domain> (any domain is accepted at registration)"),
    S("server", "realm", realm, "cairn", "SIP Digest realm (part of every stored HA1: changing it invalidates SIP logins)"),
    S("server", "https_listen", https_listen, "127.0.0.1:8443", "HTTPS listener, host:port (port 0 = ephemeral)"),
    S("server", "sip_listen", sip_listen, "127.0.0.1:5061", "SIP over TLS listener, host:port (port 0 = ephemeral)"),
    S("server", "public_url", public_url, "",
      "base URL clients use to reach the HTTPS listener (file download URLs); empty = https://<https_listen>"),
    S("server", "state_dir", state_dir, "cairn-relay-data",
      "directory for the database, files and the generated certificate"),
    S("server", "ports_file", ports_file, "",
      "if set, the bound ports are written here as 'https=N', 'sip=N' and 'msrp=N' lines once listening"),
    S("tls", "cert_file", cert_file, "",
      "PEM certificate chain; empty = <state_dir>/tls/cert.pem, generated (self-signed) on first run"),
    S("tls", "key_file", key_file, "", "PEM private key; empty = <state_dir>/tls/key.pem"),
    S("database", "path", db_path, "", "SQLite database; empty = <state_dir>/relay.db"),
    S("database", "synchronous", synchronous, "full",
      "full (fsync every commit: survives power loss) or normal (WAL: survives process crashes only)"),
    I("database", "commit_interval_ms", commit_interval_ms, "0", 0, 1000,
      "group commit: longest a stored message waits for its commit (0 = as soon as the event loop "
      "has handled the input that is ready)"),
    I("database", "commit_batch", commit_batch, "256", 1, 100000,
      "group commit: commit as soon as this many operations are pending"),
    B("auth", "require_registration_token", require_registration_token, "false",
      "new accounts need a token made with --issue-token"),
    I("auth", "argon2_opslimit", argon2_opslimit, "2", 1, 16, "Argon2id passes for device secrets"),
    I("auth", "argon2_memlimit_kib", argon2_memlimit_kib, "19456", 8, 1048576,
      "Argon2id memory per hash, KiB (also the transient memory per verification)"),
    I("auth", "credential_cache_seconds", credential_cache_seconds, "60", 0, 86400,
      "how long a verified HTTP credential is trusted without re-running Argon2id (0 = never cache)"),
    I("auth", "credential_cache_entries", credential_cache_entries, "4096", 1, 1048576,
      "slots in the verified-credential cache"),
    I("auth", "max_devices_per_account", max_devices_per_account, "16", 1, 1024, "devices per account"),
    I("auth", "nonce_lifetime_seconds", nonce_lifetime_seconds, "300", 5, 86400,
      "a SIP Digest nonce is accepted this long after it was issued"),
    I("auth", "argon2_workers", argon2_workers, "2", 1, 64,
      "threads running Argon2id off the event loop (each uses argon2_memlimit_kib while busy)"),
    I("auth", "argon2_queue", argon2_queue, "64", 1, 100000,
      "Argon2id jobs waiting for a thread; HTTPS requests beyond it get 503 with Retry-After"),
    I("limits", "max_connections", max_connections, "20000", 1, 1000000, "SIP connections at once"),
    I("limits", "max_connections_per_address", max_connections_per_address, "128", 1, 1000000,
      "SIP connections, and separately HTTPS connections, one client address may hold at once"),
    I("limits", "max_sip_header_bytes", max_sip_header_bytes, "16384", 512, 65536,
      "start line and headers of one SIP message"),
    I("limits", "max_sip_headers", max_sip_headers, "64", 8, 256, "header lines of one SIP message"),
    I("limits", "max_message_bytes", max_message_bytes, "65536", 64, 1048576,
      "body of one SIP MESSAGE (larger: 413)"),
    I("limits", "max_pending_output", max_pending_output, "262144", 4096, 67108864,
      "bytes queued for a slow reader before the relay stops reading from and delivering to it"),
    I("limits", "message_timeout_ms", message_timeout_ms, "10000", 100, 600000,
      "a SIP message must be complete this long after its first byte (slow senders are closed)"),
    I("limits", "register_timeout_seconds", register_timeout_seconds, "30", 1, 3600,
      "a connection must REGISTER within this time"),
    I("limits", "idle_timeout_seconds", idle_timeout_seconds, "900", 5, 86400,
      "a connection with no input for this long is closed (clients send CRLF keep-alives)"),
    I("limits", "write_timeout_seconds", write_timeout_seconds, "30", 1, 3600,
      "a connection that accepts no output for this long is closed"),
    I("limits", "http_timeout_seconds", http_timeout_seconds, "30", 1, 3600, "HTTPS request timeout"),
    I("limits", "http_max_header_bytes", http_max_header_bytes, "16384", 1024, 1048576,
      "HTTPS request headers"),
    I("limits", "http_max_json_bytes", http_max_json_bytes, "262144", 1024, 16777216,
      "JSON request bodies"),
    I("limits", "rate_account_per_second", rate_account_per_second, "200", 1, 10000000,
      "operations per second per account (token bucket refill)"),
    I("limits", "rate_account_burst", rate_account_burst, "1000", 1, 10000000, "per-account burst"),
    I("limits", "rate_address_per_second", rate_address_per_second, "200", 1, 10000000,
      "new connections, HTTP requests and failed logins per second per client address"),
    I("limits", "rate_address_burst", rate_address_burst, "2000", 1, 10000000, "per-address burst"),
    I("limits", "max_prekeys", max_prekeys, "200", 1, 10000, "one-time pre-keys kept per device"),
    I("queue", "ttl_seconds", ttl_seconds, "2592000", 1, 315360000,
      "a queued message not acknowledged within this time is deleted (default 30 days)"),
    I("queue", "max_messages", max_messages, "10000", 1, 100000000, "messages queued per device"),
    I("queue", "max_bytes", max_bytes, "67108864", 1024, (int64_t)1 << 40, "bytes queued per device"),
    I("queue", "sweep_interval_seconds", sweep_interval_seconds, "60", 1, 86400,
      "how often expired messages and files are deleted"),
    I("queue", "delivery_window", delivery_window, "64", 1, 4096,
      "messages sent to a device before it acknowledges"),
    S("files", "dir", files_dir, "", "encrypted file blobs; empty = <state_dir>/files"),
    I("files", "max_bytes", file_max_bytes, "16777216", 1024, (int64_t)1 << 32,
      "largest file upload (also the largest HTTPS body)"),
    I("files", "ttl_seconds", file_ttl_seconds, "604800", 1, 315360000, "files are deleted after this"),
    I("provisioning", "ttl_seconds", prov_ttl_seconds, "600", 1, 86400,
      "a device-linking mailbox box not taken within this time is deleted"),
    I("provisioning", "max_bytes", prov_max_bytes, "65536", 64, 65536, "largest box (larger: 413)"),
    I("provisioning", "max_boxes", prov_max_boxes, "10000", 1, 10000000,
      "live boxes in all (more: 503); bounds the table whatever the callers"),
    I("provisioning", "max_boxes_per_address", prov_max_per_address, "16", 1, 1000000,
      "live boxes put from one client address (more: 429)"),
    I("provisioning", "rate_per_second", prov_rate_per_second, "10", 1, 1000000,
      "provisioning requests per second per client address (no credentials: kept low)"),
    I("provisioning", "rate_burst", prov_rate_burst, "100", 1, 1000000,
      "per-address provisioning burst"),
    S("kt", "url", kt_url, "",
      "key-transparency server base URL (http:// or https://); empty disables publishing"),
    S("kt", "ca_file", kt_ca_file, "", "CA bundle to verify an https KT server; empty = system default"),
    S("kt", "token", kt_token, "",
      "bearer token the KT server expects for publish (spec/kt-api.md); secret, never logged"),
    I("kt", "timeout_ms", kt_timeout_ms, "5000", 100, 600000, "KT request timeout"),
    I("kt", "retry_seconds", kt_retry_seconds, "30", 1, 86400, "failed publications are retried this often"),
    S("metrics", "token", metrics_token, "",
      "if set, /metrics needs 'Authorization: Bearer <token>'; else it is served to loopback peers only"),
    S("log", "level", log_level, "info", "error, warn, info or debug"),
    S("msrp", "listen", msrp_listen, "127.0.0.1:0",
      "MSRP over TLS listener for session mode, host:port (port 0 = ephemeral: devices learn the port from the SDP answer)"),
    S("msrp", "public_host", msrp_public_host, "",
      "IP literal put in the relay's MSRPS URIs and SDP answers; empty = the listen host (required when listening on 0.0.0.0 or ::)"),
    I("msrp", "max_message_bytes", msrp_max_message_bytes, "1048576", 1024, 16777216,
      "largest session-mode message (all chunks; larger: 413); devices must accept MESSAGE bodies this large"),
    I("msrp", "max_concurrent_messages", msrp_max_concurrent, "4", 1, 256,
      "partial messages being reassembled at once per session"),
    I("msrp", "max_buffered_bytes", msrp_max_buffered, "4194304", 1024, 268435456,
      "bytes of partial messages held per MSRP connection (at least max_message_bytes is used)"),
    I("msrp", "message_timeout_ms", msrp_message_timeout_ms, "60000", 100, 3600000,
      "a message's chunks must all arrive within this of its first chunk (else it is dropped)"),
    I("msrp", "session_timeout", msrp_session_timeout, "600", 5, 86400,
      "seconds without MSRP traffic after which the relay ends a session with BYE"),
    I("msrp", "max_sessions_per_device", msrp_max_sessions_per_device, "4", 1, 1024,
      "sessions one device may hold at once (more: INVITE refused with 486)"),
    I("msrp", "max_connections", msrp_max_connections, "20000", 1, 1000000, "MSRP connections at once"),
};

static void set_default(relay_config *c, const opt *o)
{
    char *base = (char *)c;
    if (o->type == T_STR) {
        snprintf(base + o->off, o->size, "%s", o->def);
    } else if (o->type == T_INT) {
        *(int64_t *)(void *)(base + o->off) = strtoll(o->def, NULL, 10);
    } else {
        *(bool *)(base + o->off) = strcmp(o->def, "true") == 0;
    }
}

void relay__config_defaults(relay_config *c)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < CAIRN_ARRAY_LEN(OPTS); i++)
        set_default(c, &OPTS[i]);
}

static bool is_blank(char ch) { return ch == ' ' || ch == '\t'; }

static void trim(const char **s, size_t *n)
{
    while (*n && is_blank(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_blank((*s)[*n - 1]))
        (*n)--;
}

static bool parse_int(const char *s, size_t n, int64_t *out)
{
    char tmp[32];
    char *end;
    if (n == 0 || n >= sizeof(tmp))
        return false;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    for (size_t i = 0; i < n; i++)
        if (!((tmp[i] >= '0' && tmp[i] <= '9') || (i == 0 && tmp[i] == '-')))
            return false;
    errno = 0;
    long long v = strtoll(tmp, &end, 10);
    if (errno != 0 || *end != 0)
        return false;
    *out = v;
    return true;
}

static cairn_status set_value(relay_config *c, const opt *o, const char *v, size_t n,
                              const char **why)
{
    char *base = (char *)c;
    if (o->type == T_STR) {
        if (n >= o->size) {
            *why = "value too long";
            return CAIRN_ERR_TOO_LARGE;
        }
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
                *why = "control character in value";
                return CAIRN_ERR_DECODE;
            }
        memcpy(base + o->off, v, n);
        (base + o->off)[n] = 0;
    } else if (o->type == T_INT) {
        int64_t x;
        if (!parse_int(v, n, &x)) {
            *why = "not an integer";
            return CAIRN_ERR_DECODE;
        }
        if (x < o->min || x > o->max) {
            *why = "out of range";
            return CAIRN_ERR_DECODE;
        }
        *(int64_t *)(void *)(base + o->off) = x;
    } else {
        if ((n == 4 && memcmp(v, "true", 4) == 0) || (n == 3 && memcmp(v, "yes", 3) == 0) ||
            (n == 1 && v[0] == '1'))
            *(bool *)(base + o->off) = true;
        else if ((n == 5 && memcmp(v, "false", 5) == 0) || (n == 2 && memcmp(v, "no", 2) == 0) ||
                 (n == 1 && v[0] == '0'))
            *(bool *)(base + o->off) = false;
        else {
            *why = "not a boolean (true/false)";
            return CAIRN_ERR_DECODE;
        }
    }
    return CAIRN_OK;
}

cairn_status relay__config_parse(relay_config *c, const char *text, size_t len, char *err,
                                 size_t errlen)
{
    bool seen[CAIRN_ARRAY_LEN(OPTS)] = {0};
    char section[32] = "";
    size_t pos = 0, lineno = 0;
    const char *why = NULL;
    cairn_status st = CAIRN_OK;

    if (len > RELAY_CONFIG_MAX_BYTES) {
        snprintf(err, errlen, "configuration larger than %d bytes", RELAY_CONFIG_MAX_BYTES);
        return CAIRN_ERR_TOO_LARGE;
    }
    while (pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - line) : len - pos;
        pos += n + (nl ? 1 : 0);
        lineno++;
        if (n > RELAY_CONFIG_MAX_LINE) {
            why = "line too long";
            st = CAIRN_ERR_TOO_LARGE;
            goto fail;
        }
        if (n && line[n - 1] == '\r')
            n--;
        if (memchr(line, 0, n) != NULL) {
            why = "NUL byte";
            st = CAIRN_ERR_DECODE;
            goto fail;
        }
        trim(&line, &n);
        if (n == 0 || line[0] == '#' || line[0] == ';')
            continue;
        if (line[0] == '[') {
            if (line[n - 1] != ']' || n - 2 >= sizeof(section) || n < 3) {
                why = "bad section header";
                st = CAIRN_ERR_DECODE;
                goto fail;
            }
            memcpy(section, line + 1, n - 2);
            section[n - 2] = 0;
            bool known = false;
            for (size_t i = 0; i < CAIRN_ARRAY_LEN(OPTS); i++)
                known = known || strcmp(OPTS[i].section, section) == 0;
            if (!known) {
                why = "unknown section";
                st = CAIRN_ERR_DECODE;
                goto fail;
            }
            continue;
        }
        const char *eq = memchr(line, '=', n);
        if (eq == NULL) {
            why = "expected key = value";
            st = CAIRN_ERR_DECODE;
            goto fail;
        }
        const char *k = line, *v = eq + 1;
        size_t kn = (size_t)(eq - line), vn = n - kn - 1;
        trim(&k, &kn);
        trim(&v, &vn);
        if (section[0] == 0) {
            why = "key outside a section";
            st = CAIRN_ERR_DECODE;
            goto fail;
        }
        size_t i;
        for (i = 0; i < CAIRN_ARRAY_LEN(OPTS); i++)
            if (strcmp(OPTS[i].section, section) == 0 && strlen(OPTS[i].name) == kn &&
                memcmp(OPTS[i].name, k, kn) == 0)
                break;
        if (i == CAIRN_ARRAY_LEN(OPTS)) {
            why = "unknown key";
            st = CAIRN_ERR_DECODE;
            goto fail;
        }
        if (seen[i]) {
            why = "key repeated";
            st = CAIRN_ERR_DECODE;
            goto fail;
        }
        seen[i] = true;
        st = set_value(c, &OPTS[i], v, vn, &why);
        if (st != CAIRN_OK)
            goto fail;
    }
    return CAIRN_OK;
fail:
    snprintf(err, errlen, "line %zu: %s", lineno, why);
    return st;
}

static bool path_join(char *dst, size_t cap, const char *dir, const char *leaf)
{
    int n = snprintf(dst, cap, "%s/%s", dir, leaf);
    return n > 0 && (size_t)n < cap;
}

cairn_status relay__config_finish(relay_config *c, char *err, size_t errlen)
{
    relay_log_level lvl;
    if (!relay__log_parse_level(c->log_level, &lvl)) {
        snprintf(err, errlen, "[log] level: unknown level '%s'", c->log_level);
        return CAIRN_ERR_INVALID_ARG;
    }
    if (strcmp(c->synchronous, "full") != 0 && strcmp(c->synchronous, "normal") != 0) {
        snprintf(err, errlen, "[database] synchronous must be full or normal");
        return CAIRN_ERR_INVALID_ARG;
    }
    if (c->state_dir[0] == 0) {
        snprintf(err, errlen, "[server] state_dir must not be empty");
        return CAIRN_ERR_INVALID_ARG;
    }
    if ((c->cert_file[0] == 0) != (c->key_file[0] == 0)) {
        snprintf(err, errlen, "[tls] cert_file and key_file are set together or not at all");
        return CAIRN_ERR_INVALID_ARG;
    }
    if ((c->cert_file[0] == 0 && (!path_join(c->cert_file, sizeof c->cert_file, c->state_dir,
                                             "tls/cert.pem") ||
                                  !path_join(c->key_file, sizeof c->key_file, c->state_dir,
                                             "tls/key.pem"))) ||
        (c->db_path[0] == 0 && !path_join(c->db_path, sizeof c->db_path, c->state_dir, "relay.db")) ||
        (c->files_dir[0] == 0 && !path_join(c->files_dir, sizeof c->files_dir, c->state_dir, "files"))) {
        snprintf(err, errlen, "[server] state_dir too long");
        return CAIRN_ERR_INVALID_ARG;
    }
    if (c->kt_url[0] && strncmp(c->kt_url, "http://", 7) != 0 &&
        strncmp(c->kt_url, "https://", 8) != 0) {
        snprintf(err, errlen, "[kt] url must start with http:// or https://");
        return CAIRN_ERR_INVALID_ARG;
    }
    if (c->public_url[0] == 0) {
        int n = snprintf(c->public_url, sizeof c->public_url, "https://%s", c->https_listen);
        if (n < 0 || (size_t)n >= sizeof c->public_url) {
            snprintf(err, errlen, "[server] public_url too long");
            return CAIRN_ERR_INVALID_ARG;
        }
    }
    if (strncmp(c->public_url, "https://", 8) != 0) {
        snprintf(err, errlen, "[server] public_url must start with https://");
        return CAIRN_ERR_INVALID_ARG;
    }
    if (c->rate_account_burst < c->rate_account_per_second / 1000 + 1 ||
        c->rate_address_burst < 1) {
        snprintf(err, errlen, "[limits] bursts must be at least 1");
        return CAIRN_ERR_INVALID_ARG;
    }
    return CAIRN_OK;
}

void relay__config_write(const relay_config *c, void *file, bool with_docs)
{
    FILE *f = file;
    const char *sec = "";
    const char *base = (const char *)c;
    for (size_t i = 0; i < CAIRN_ARRAY_LEN(OPTS); i++) {
        const opt *o = &OPTS[i];
        if (strcmp(sec, o->section) != 0) {
            fprintf(f, "%s[%s]\n", i ? "\n" : "", o->section);
            sec = o->section;
        }
        if (with_docs) {
            fprintf(f, "# %s", o->doc);
            if (o->type == T_INT)
                fprintf(f, " (%lld..%lld, default %s)", (long long)o->min, (long long)o->max, o->def);
            else
                fprintf(f, " (default '%s')", o->def);
            fprintf(f, "\n");
        }
        if (o->type == T_STR)
            fprintf(f, "%s = %s\n", o->name, base + o->off);
        else if (o->type == T_INT)
            fprintf(f, "%s = %lld\n", o->name, (long long)*(const int64_t *)(const void *)(base + o->off));
        else
            fprintf(f, "%s = %s\n", o->name, *(const bool *)(base + o->off) ? "true" : "false");
    }
}
