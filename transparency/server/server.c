/*
 * server.c - life cycle of the cairn-kt server: keys, SQLite replay,
 * mirror catch-up, HTTP listener, heartbeat, shutdown.
 *
 * Start-up order is the recovery procedure (KT-API-16): replay every
 * durable LogEntryRecord into a fresh directory (which re-signs the head),
 * then bring the mirror to the same size, then (if the tree is empty)
 * commit a first empty entry so there is always a signed head, and only
 * then listen. Secrets (seeds, token, HMAC key) are wiped on destroy and
 * never logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "kts_internal.h"

void cairn_kts_options_init(cairn_kts_options *o)
{
    memset(o, 0, sizeof *o);
    o->listen_addr = "127.0.0.1";
    o->origin = "cairn-kt.mirror";
    o->batch_ms = 1000;
    o->batch_max = 100000;
    o->heartbeat_s = 60;
    o->max_body = CAIRN_KTS_MAX_BODY;
    o->mode = CAIRN_KT_MODE_CONTACT_MONITORING;
    o->max_ahead = 60000;
    o->max_behind = 24ull * 3600 * 1000;
    o->rmw = 3600000;
    o->max_auditor_lag = 3600000;
    {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        o->vrf_threads = n < 1 ? 1 : n > 8 ? 8 : (uint32_t)n;
    }
}

/* Reads a small file (at most cap bytes) into buf. */
static cairn_status read_small(const char *path, uint8_t *buf, size_t cap,
                               size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    if (fd < 0)
        return errno == ENOENT ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_IO;
    n = read(fd, buf, cap);
    close(fd);
    if (n < 0)
        return CAIRN_ERR_IO;
    if ((size_t)n == cap) {
        uint8_t extra;
        (void)extra;
    }
    *len = (size_t)n;
    return CAIRN_OK;
}

static cairn_status write_secret(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return CAIRN_ERR_IO;
    if (write(fd, p, n) != (ssize_t)n || fsync(fd) != 0) {
        close(fd);
        return CAIRN_ERR_IO;
    }
    close(fd);
    return CAIRN_OK;
}

static cairn_status key32(kts_server *s, const char *name, uint8_t out[32])
{
    char path[4096];
    size_t n = 0;
    uint8_t buf[33];
    cairn_status st;
    snprintf(path, sizeof path, "%s/%s", s->opt.keys_dir, name);
    st = read_small(path, buf, sizeof buf, &n);
    if (st == CAIRN_ERR_NOT_FOUND && s->opt.init_keys) {
        if ((st = cairn__random(s->ctx, out, 32)) != CAIRN_OK)
            return st;
        return write_secret(path, out, 32);
    }
    if (st != CAIRN_OK || n != 32) {
        CAIRN_LOGE(s->ctx, "kt", "key file %s missing or not 32 bytes", name);
        sodium_memzero(buf, sizeof buf);
        return st != CAIRN_OK ? st : CAIRN_ERR_BAD_KEY;
    }
    memcpy(out, buf, 32);
    sodium_memzero(buf, sizeof buf);
    return CAIRN_OK;
}

static cairn_status mirror_key(kts_server *s)
{
    char path[4096];
    uint8_t buf[1024];
    size_t n = 0, vl;
    cairn_status st;
    snprintf(path, sizeof path, "%s/mirror.key", s->opt.keys_dir);
    st = read_small(path, buf, sizeof buf, &n);
    if (st == CAIRN_ERR_NOT_FOUND && s->opt.init_keys) {
        char *txt = NULL;
        size_t tl = 0;
        if ((st = cairn_note_signer_generate(s->ctx, s->opt.origin,
                                             &s->mirror_signer)) != CAIRN_OK ||
            (st = cairn_note_signer_format(s->mirror_signer, &txt, &tl)) != CAIRN_OK)
            return st;
        st = write_secret(path, txt, tl);
        cairn_free(s->ctx, txt, tl);
    } else if (st == CAIRN_OK) {
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            n--;
        st = cairn_note_signer_parse(s->ctx, (const char *)buf, n, &s->mirror_signer);
        sodium_memzero(buf, sizeof buf);
    }
    if (st != CAIRN_OK) {
        CAIRN_LOGE(s->ctx, "kt", "mirror.key unusable (%s)", cairn_status_name(st));
        return st;
    }
    return cairn_note_signer_verifier_text(s->mirror_signer, &s->mirror_vkey, &vl);
}

static cairn_status read_auth(kts_server *s)
{
    cairn_status st;
    if (s->opt.token_file) {
        st = read_small(s->opt.token_file, s->token, sizeof s->token, &s->token_len);
        while (st == CAIRN_OK && s->token_len &&
               (s->token[s->token_len - 1] == '\n' || s->token[s->token_len - 1] == '\r'))
            s->token_len--;
        if (st != CAIRN_OK || s->token_len < 16 || s->token_len >= sizeof s->token) {
            CAIRN_LOGE(s->ctx, "kt", "token file unusable (need 16..255 bytes)");
            return CAIRN_ERR_BAD_KEY;
        }
    }
    if (s->opt.hmac_key_file) {
        char hex[260];
        size_t n = 0;
        st = read_small(s->opt.hmac_key_file, (uint8_t *)hex, sizeof hex - 1, &n);
        while (st == CAIRN_OK && n && (hex[n - 1] == '\n' || hex[n - 1] == '\r'))
            n--;
        if (st != CAIRN_OK ||
            cairn__hex_decode(s->hmac_key, sizeof s->hmac_key, &s->hmac_key_len, hex,
                              n) != CAIRN_OK ||
            s->hmac_key_len < 16) {
            sodium_memzero(hex, sizeof hex);
            CAIRN_LOGE(s->ctx, "kt", "HMAC key file unusable (need 16..64 bytes in hex)");
            return CAIRN_ERR_BAD_KEY;
        }
        sodium_memzero(hex, sizeof hex);
    }
    if (s->token_len == 0 && s->hmac_key_len == 0) {
        CAIRN_LOGE(s->ctx, "kt", "no publisher credentials configured "
                   "(--token-file or --hmac-key-file)");
        return CAIRN_ERR_INVALID_ARG;
    }
    return CAIRN_OK;
}

static cairn_status open_dir(kts_server *s)
{
    cairn_ktdir_params p;
    cairn_ktdir_store store = {s, kts__store_on_commit};
    uint8_t *recs = NULL;
    size_t rl = 0;
    cairn_status st;
    memset(&p, 0, sizeof p);
    p.mode = (cairn_kt_mode)s->opt.mode;
    p.max_ahead = s->opt.max_ahead;
    p.max_behind = s->opt.max_behind;
    p.reasonable_monitoring_window = s->opt.rmw;
    p.max_auditor_lag = s->opt.max_auditor_lag;
    memcpy(p.auditor_public_key, s->opt.auditor_public_key, 32);
    p.store = &store;
    if ((st = key32(s, "signing.seed", p.signing_seed)) != CAIRN_OK ||
        (st = key32(s, "vrf.secret", p.vrf_secret)) != CAIRN_OK)
        goto out;
    if ((st = cairn_ktdir_create(s->ctx, &p, &s->dir)) != CAIRN_OK)
        goto out;
    if ((st = kts__store_load(s, &recs, &rl)) != CAIRN_OK)
        goto out;
    st = cairn_ktdir_import(s->dir, recs, rl);
    if (st != CAIRN_OK)
        CAIRN_LOGE(s->ctx, "kt", "stored history does not replay (%s)",
                   cairn_status_name(st));
    else if (cairn_ktdir_tree_size(s->dir)) {
        uint8_t r[32];
        kts__entry(s->dir, cairn_ktdir_tree_size(s->dir) - 1, &s->last_ts, r);
    }
out:
    cairn__free(s->ctx, recs);
    sodium_memzero(&p, sizeof p);
    return st;
}

cairn_status cairn_kts_create(const cairn_context *ctx, const cairn_kts_options *o,
                              cairn_kts_server **out)
{
    kts_server *s;
    char path[4096];
    cairn_status st;
    if (ctx == NULL || o == NULL || out == NULL || o->data_dir == NULL ||
        o->keys_dir == NULL || o->batch_ms == 0 || o->batch_max == 0)
        return CAIRN_ERR_INVALID_ARG;
    s = cairn__calloc(ctx, 1, sizeof *s);
    if (s == NULL)
        return CAIRN_ERR_NOMEM;
    s->ctx = ctx;
    s->opt = *o;
    s->pending_tail = &s->pending;
    if (o->init_keys)
        (void)mkdir(o->keys_dir, 0700);
    (void)mkdir(o->data_dir, 0700);
    snprintf(path, sizeof path, "%s/mirror", o->data_dir);
    s->mirror_dir = cairn__strdup(ctx, path);
    snprintf(path, sizeof path, "%s/kt.sqlite", o->data_dir);
    if (s->mirror_dir == NULL) {
        st = CAIRN_ERR_NOMEM;
        goto fail;
    }
    if ((st = read_auth(s)) != CAIRN_OK || (st = mirror_key(s)) != CAIRN_OK ||
        (st = kts__store_open(s, path)) != CAIRN_OK || (st = open_dir(s)) != CAIRN_OK ||
        (st = kts__mirror_open(s)) != CAIRN_OK || (st = kts__mirror_sync(s)) != CAIRN_OK)
        goto fail;
    s->base = event_base_new();
    if (s->base == NULL) {
        st = CAIRN_ERR_NOMEM;
        goto fail;
    }
    if (cairn_ktdir_tree_size(s->dir) == 0 && (st = kts__commit(s)) != CAIRN_OK)
        goto fail;
    s->last_commit_ms = cairn__now_ms(ctx);
    if (o->heartbeat_s) {
        struct timeval tv = {0, 0};
        uint64_t ms = (uint64_t)o->heartbeat_s * 250;
        tv.tv_sec = (time_t)(ms / 1000);
        tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
        s->heartbeat_ev = event_new(s->base, -1, EV_PERSIST, kts__heartbeat_cb, s);
        if (s->heartbeat_ev == NULL || event_add(s->heartbeat_ev, &tv) != 0) {
            st = CAIRN_ERR_NOMEM;
            goto fail;
        }
    }
    if ((st = kts__pool_start(s)) != CAIRN_OK || (st = kts__http_start(s)) != CAIRN_OK)
        goto fail;
    if ((st = kts__witness_start(s)) != CAIRN_OK)
        goto fail;
    if (o->unsafe_test_mode)
        CAIRN_LOGW(ctx, "kt", "UNSAFE TEST MODE: misbehaviour endpoints enabled");
    CAIRN_LOGI(ctx, "kt", "ready: tree size %llu, mirror size %llu",
               (unsigned long long)cairn_ktdir_tree_size(s->dir),
               (unsigned long long)cairn_tlog_size(s->mirror));
    *out = s;
    return CAIRN_OK;
fail:
    cairn_kts_destroy(s);
    return st;
}

cairn_status cairn_kts_run(cairn_kts_server *s)
{
    if (s == NULL)
        return CAIRN_ERR_INVALID_ARG;
    return event_base_dispatch(s->base) < 0 ? CAIRN_ERR_INTERNAL : CAIRN_OK;
}

void cairn_kts_stop(cairn_kts_server *s)
{
    if (s && s->base)
        event_base_loopexit(s->base, NULL);
}

void cairn_kts_destroy(cairn_kts_server *s)
{
    if (s == NULL)
        return;
    kts__pool_stop(s);
    if (s->batch_open && !s->broken)
        (void)kts__commit(s);
    kts__witness_stop(s);
    if (s->http)
        evhttp_free(s->http);
    kts__tls_free(s);
    if (s->batch_ev)
        event_free(s->batch_ev);
    if (s->heartbeat_ev)
        event_free(s->heartbeat_ev);
    if (s->base)
        event_base_free(s->base);
    cairn_tlog_close(s->mirror);
    cairn_ktdir_destroy(s->dir);
    kts__store_close(s);
    cairn_note_signer_destroy(s->mirror_signer);
    if (s->mirror_vkey)
        cairn_free(s->ctx, s->mirror_vkey, strlen(s->mirror_vkey));
    cairn__free(s->ctx, s->mirror_dir);
    sodium_memzero(s->token, sizeof s->token);
    sodium_memzero(s->hmac_key, sizeof s->hmac_key);
    cairn__free(s->ctx, s);
}
