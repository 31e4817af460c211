/*
 * engine.c - the engine handle: open/close, registration and key
 * publication, the receive loop and the optional engine thread.
 *
 * Loop (app-driven or on the engine thread, never both):
 *
 *   poll(cairn_engine_fd, next_ms) -> cairn_engine_process:
 *     drain fd; fetch up to 64 envelopes; for each: handle (decrypt,
 *     dispatch, events) then ack; repeat while a full batch came;
 *     every kt_monitor_period_ms (context clock, first at the first
 *     process): search our own label (ENG-KT-4).
 *
 * An envelope is acknowledged only after its effects are stored (or it
 * was found unusable), so a crash in between replays it and the core's
 * duplicate detection drops the second copy.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "engine_internal.h"
#include "protocol.h"

#define MAINT_INTERVAL_MS (10 * 60 * 1000)
#define KT_MONITOR_MAX_MS (24LL * 3600 * 1000) /* ENG-KT-4: at least daily */
#define KT_MONITOR_MIN_MS 1000LL

void engine__lock(cairn_engine *e)
{
    pthread_mutex_lock(&e->lock);
}

void engine__unlock(cairn_engine *e)
{
    pthread_mutex_unlock(&e->lock);
}

cairn_status engine__fail(cairn_engine *e, cairn_status rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->last_error, sizeof(e->last_error), fmt, ap);
    va_end(ap);
    CAIRN_LOGD(e->ctx, "engine", "%s: %s", cairn_status_name(rc), e->last_error);
    return rc;
}

void engine__emit(cairn_engine *e, const cairn_event *ev)
{
    if (e->on_event)
        e->on_event(e->event_ud, ev);
}

void cairn_engine_config_init(cairn_engine_config *cfg)
{
    if (cfg == NULL)
        return;
    memset(cfg, 0, sizeof(*cfg));
    cfg->size = sizeof(*cfg);
}

static cairn_status secret_get(cairn_engine *e, char out[ENGINE_SECRET_LEN + 1])
{
    uint8_t *v = NULL;
    size_t n = 0;
    cairn_status rc;
    proto__lock(e->acct);
    rc = store__meta_get(e->acct->store, "engine.secret", &v, &n);
    if (rc == CAIRN_ERR_NOT_FOUND) {
        uint8_t raw[ENGINE_SECRET_LEN / 2];
        rc = cairn__random(e->ctx, raw, sizeof(raw));
        if (rc == CAIRN_OK) {
            cairn__hex_encode(out, raw, sizeof(raw));
            rc = store__meta_put(e->acct->store, "engine.secret", (const uint8_t *)out,
                                 ENGINE_SECRET_LEN);
        }
        sodium_memzero(raw, sizeof(raw));
    } else if (rc == CAIRN_OK) {
        if (n == ENGINE_SECRET_LEN) {
            memcpy(out, v, n);
            out[n] = '\0';
        } else {
            rc = CAIRN_ERR_CORRUPT;
        }
        cairn__free_secret(e->ctx, v, n);
    }
    proto__unlock(e->acct);
    return rc;
}

static cairn_status load_identity(cairn_engine *e)
{
    cairn_status rc =
        cairn_account_identity(e->acct, e->uri, sizeof(e->uri), &e->device, e->identity, NULL);
    e->have_identity = rc == CAIRN_OK;
    return rc == CAIRN_ERR_NOT_FOUND ? CAIRN_OK : rc;
}

cairn_status engine__ensure_login(cairn_engine *e)
{
    char secret[ENGINE_SECRET_LEN + 1];
    cairn_status rc;
    if (e->logged_in)
        return CAIRN_OK;
    if (!e->have_identity)
        return engine__fail(e, CAIRN_ERR_STATE, "this device has no account yet");
    if (e->net == NULL)
        return engine__fail(e, CAIRN_ERR_STATE, "no relay configured");
    rc = secret_get(e, secret);
    if (rc == CAIRN_OK)
        rc = e->net->ops->login(e->net, e->uri, e->device, secret);
    sodium_memzero(secret, sizeof(secret));
    if (rc != CAIRN_OK)
        return engine__fail(e, rc, "relay login failed");
    e->logged_in = 1;
    return CAIRN_OK;
}

static cairn_status net_handler(void *ud, engine_envelope *env)
{
    cairn_engine *e = ud;
    cairn_status rc;
    engine__lock(e);
    rc = engine__handle_envelope(e, env);
    engine__unlock(e);
    return rc;
}

cairn_status cairn_engine_open(cairn_context *ctx, const char *path,
                               const uint8_t key[CAIRN_STORAGE_KEY_BYTES],
                               const cairn_engine_config *cfg, cairn_engine **out)
{
    cairn_engine_config dflt;
    cairn_engine *e;
    pthread_mutexattr_t ma;
    cairn_status rc;
    char stored[sizeof(e->relay)];
    char ca[600] = "";

    if (ctx == NULL || key == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (cfg == NULL) {
        cairn_engine_config_init(&dflt);
        cfg = &dflt;
    }
    if (cfg->size < offsetof(cairn_engine_config, no_auto_delivered) ||
        cfg->size > sizeof(cairn_engine_config))
        return CAIRN_ERR_INVALID_ARG;
    if (cfg->relay && strlen(cfg->relay) >= sizeof(e->relay))
        return CAIRN_ERR_INVALID_ARG;
    e = cairn__calloc(ctx, 1, sizeof(*e));
    if (e == NULL)
        return CAIRN_ERR_NOMEM;
    e->ctx = ctx;
    e->stop_pipe[0] = e->stop_pipe[1] = -1;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&e->lock, &ma);
    pthread_mutexattr_destroy(&ma);
    e->on_event = cfg->on_event;
    e->event_ud = cfg->event_ud;
    e->require_kt = cfg->require_kt;
    e->require_auditor = cfg->require_auditor;
    e->auto_delivered = cfg->size >= offsetof(cairn_engine_config, no_auto_delivered) + sizeof(int)
                            ? !cfg->no_auto_delivered
                            : 1;
    e->kt_monitor_period_ms = KT_MONITOR_MAX_MS;
    if (cfg->size >= offsetof(cairn_engine_config, kt_monitor_period_ms) + sizeof(int64_t) &&
        cfg->kt_monitor_period_ms > 0)
        e->kt_monitor_period_ms = cfg->kt_monitor_period_ms < KT_MONITOR_MIN_MS ? KT_MONITOR_MIN_MS
                                  : cfg->kt_monitor_period_ms > KT_MONITOR_MAX_MS
                                      ? KT_MONITOR_MAX_MS
                                      : cfg->kt_monitor_period_ms;
    if (cfg->device_name) {
        size_t n = strlen(cfg->device_name);
        if (n >= sizeof(e->device_name))
            n = sizeof(e->device_name) - 1;
        memcpy(e->device_name, cfg->device_name, n);
    }
#define COPY_CFG(field, src)                                                                       \
    do {                                                                                           \
        if ((src) && strlen(src) < sizeof(e->field))                                               \
            memcpy(e->field, (src), strlen(src) + 1);                                              \
    } while (0)
    COPY_CFG(kt_url, cfg->kt_url);
    COPY_CFG(kt_sig, cfg->kt_sig_key);
    COPY_CFG(kt_vrf, cfg->kt_vrf_key);
    COPY_CFG(auditor_key, cfg->auditor_key);
    COPY_CFG(auditor_url, cfg->auditor_url);
    if (cfg->size >= offsetof(cairn_engine_config, temp_dir) + sizeof(char *))
        COPY_CFG(temp_dir, cfg->temp_dir);
#undef COPY_CFG
    rc = cairn_account_open(ctx, path, key, NULL, &e->acct);
    if (rc == CAIRN_OK)
        rc = estore__init(e);
    if (rc == CAIRN_OK)
        rc = load_identity(e);
    if (rc == CAIRN_OK) {
        if (cfg->relay) {
            memcpy(e->relay, cfg->relay, strlen(cfg->relay) + 1);
            rc = estore__meta_put_str(e, "relay", e->relay);
        } else if (estore__meta_get_str(e, "relay", stored, sizeof(stored)) == CAIRN_OK) {
            memcpy(e->relay, stored, strlen(stored) + 1);
        }
    }
    /* the directory and auditor are remembered like the relay */
    if (rc == CAIRN_OK && e->kt_url[0])
        rc = estore__meta_put_str(e, "kt.url", e->kt_url);
    else if (rc == CAIRN_OK)
        (void)estore__meta_get_str(e, "kt.url", e->kt_url, sizeof(e->kt_url));
    if (rc == CAIRN_OK && e->auditor_url[0])
        rc = estore__meta_put_str(e, "kt.auditor", e->auditor_url);
    else if (rc == CAIRN_OK)
        (void)estore__meta_get_str(e, "kt.auditor", e->auditor_url, sizeof(e->auditor_url));
    if (rc == CAIRN_OK && cfg->ca_file)
        rc = estore__meta_put_str(e, "relay.ca", cfg->ca_file);
    else if (rc == CAIRN_OK)
        (void)estore__meta_get_str(e, "relay.ca", ca, sizeof(ca));
    if (rc == CAIRN_OK && e->relay[0])
        rc = engine__net_open(ctx, e->relay, cfg->ca_file ? cfg->ca_file : (ca[0] ? ca : NULL),
                              &e->net);
    if (rc == CAIRN_OK && e->net) {
        e->net->handler = net_handler;
        e->net->handler_ud = e;
    }
    if (rc != CAIRN_OK) {
        cairn_engine_close(e);
        return rc;
    }
    *out = e;
    return CAIRN_OK;
}

void cairn_engine_close(cairn_engine *e)
{
    if (e == NULL)
        return;
    cairn_engine_stop(e);
    if (e->net)
        e->net->ops->destroy(e->net);
    cairn_account_close(e->acct);
    pthread_mutex_destroy(&e->lock);
    cairn__free_secret(e->ctx, e, sizeof(*e));
}

cairn_account *cairn_engine_account(cairn_engine *e)
{
    return e ? e->acct : NULL;
}

const char *cairn_engine_last_error(cairn_engine *e)
{
    return e ? e->last_error : "";
}

cairn_status engine__publish_keys(cairn_engine *e)
{
    char *json = NULL;
    size_t len = 0;
    cairn_status rc = cairn_bundle_export(e->acct, &json, &len);
    if (rc != CAIRN_OK)
        return engine__fail(e, rc, "cannot export keys");
    rc = e->net->ops->upload_keys(e->net, json, len);
    cairn_free(e->ctx, json, len);
    return rc == CAIRN_OK ? CAIRN_OK : engine__fail(e, rc, "key upload failed");
}

static cairn_status do_register(cairn_engine *e)
{
    char secret[ENGINE_SECRET_LEN + 1];
    cairn_status rc = secret_get(e, secret);
    if (rc == CAIRN_OK)
        rc = e->net->ops->register_device(e->net, e->uri, e->device, e->identity, secret);
    sodium_memzero(secret, sizeof(secret));
    if (rc != CAIRN_OK)
        return engine__fail(e, rc, "registration refused by the relay");
    e->logged_in = 0;
    rc = engine__ensure_login(e);
    if (rc == CAIRN_OK)
        rc = engine__publish_keys(e);
    if (rc == CAIRN_OK)
        rc = estore__device_add(e, e->uri, e->device, NULL);
    return rc;
}

cairn_status engine__install_and_register(cairn_engine *e)
{
    cairn_status rc = load_identity(e);
    if (rc == CAIRN_OK && !e->have_identity)
        rc = CAIRN_ERR_STATE;
    if (rc == CAIRN_OK)
        rc = do_register(e);
    return rc;
}

cairn_status cairn_engine_create_account(cairn_engine *e, const char *uri)
{
    cairn_status rc;
    if (e == NULL || uri == NULL || !engine__uri_valid((const uint8_t *)uri, strlen(uri)))
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    if (e->have_identity) {
        rc = engine__fail(e, CAIRN_ERR_EXISTS, "this store already has an account");
    } else if (e->net == NULL) {
        rc = engine__fail(e, CAIRN_ERR_STATE, "no relay configured");
    } else {
        rc = cairn_account_create_identity(e->acct, uri, 1);
        if (rc == CAIRN_OK)
            rc = load_identity(e);
        if (rc == CAIRN_OK)
            rc = do_register(e);
    }
    engine__unlock(e);
    return rc;
}

cairn_status cairn_engine_register(cairn_engine *e)
{
    cairn_status rc;
    if (e == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    if (!e->have_identity || e->net == NULL)
        rc = engine__fail(e, CAIRN_ERR_STATE, "no account or no relay");
    else
        rc = do_register(e);
    engine__unlock(e);
    return rc;
}

cairn_status cairn_engine_replenish(cairn_engine *e, int *uploaded)
{
    unsigned at_relay = 0, made = 0;
    int rotated = 0;
    cairn_status rc;
    if (e == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (uploaded)
        *uploaded = 0;
    engine__lock(e);
    rc = engine__ensure_login(e);
    if (rc == CAIRN_OK)
        rc = e->net->ops->prekey_count(e->net, &at_relay);
    /* PKB-2: a fresh batch when the relay runs low, PKB-3: rotate */
    if (rc == CAIRN_OK)
        rc = cairn_prekeys_replenish(e->acct, &made);
    if (rc == CAIRN_OK)
        rc = cairn_signed_prekey_rotate(e->acct, CAIRN_SIGNED_PREKEY_MAX_AGE_MS, &rotated);
    /* Only a new batch or a new signed pre-key is uploaded: re-uploading
     * keys the relay already handed out would serve them twice. */
    (void)at_relay;
    if (rc == CAIRN_OK && (made || rotated)) {
        rc = engine__publish_keys(e);
        if (rc == CAIRN_OK && uploaded)
            *uploaded = 1;
    }
    engine__unlock(e);
    return rc;
}

cairn_status cairn_engine_connect(cairn_engine *e)
{
    cairn_status rc;
    if (e == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    rc = engine__ensure_login(e);
    engine__unlock(e);
    return rc;
}

int cairn_engine_fd(cairn_engine *e)
{
    int fd = -1;
    if (e == NULL)
        return -1;
    engine__lock(e);
    if (e->net && engine__ensure_login(e) == CAIRN_OK)
        fd = e->net->ops->fd(e->net);
    engine__unlock(e);
    return fd;
}

cairn_status cairn_engine_process(cairn_engine *e, int *next_ms)
{
    engine_envelope envs[ENGINE_FETCH_BATCH];
    size_t n = 0;
    cairn_status rc;
    if (e == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    if (next_ms)
        *next_ms = 1000;
    rc = engine__ensure_login(e);
    if (rc == CAIRN_OK) {
        int fd = e->net->ops->fd(e->net);
        e->net->ops->drain(e->net);
        if (next_ms)
            *next_ms = fd >= 0 ? 30000 : 250;
    }
    /* ENG-KT-4: our own label at start and then every period; a failure
     * has raised its alert and waits for the next period like a success
     * (a down directory is not hammered) */
    if (rc == CAIRN_OK && e->kt_url[0] && e->have_identity) {
        int64_t now = cairn__now_ms(e->ctx);
        if (now >= e->kt_self_next_ms) {
            e->kt_self_next_ms = now + e->kt_monitor_period_ms;
            (void)cairn_engine_kt_check_self(e);
            now = cairn__now_ms(e->ctx);
        }
        if (next_ms && e->kt_self_next_ms - now < *next_ms)
            *next_ms = e->kt_self_next_ms - now < 0 ? 0 : (int)(e->kt_self_next_ms - now);
    }
    while (rc == CAIRN_OK) {
        rc = e->net->ops->fetch(e->net, envs, ENGINE_FETCH_BATCH, &n);
        if (rc != CAIRN_OK)
            break;
        for (size_t i = 0; i < n; i++) {
            cairn_status h = CAIRN_OK;
            if (rc == CAIRN_OK) {
                h = engine__handle_envelope(e, &envs[i]);
                /* store failures keep the envelope for a retry; anything
                 * else is final for this envelope */
                if (h == CAIRN_ERR_STORE || h == CAIRN_ERR_NOMEM || h == CAIRN_ERR_IO)
                    rc = h;
                else
                    (void)e->net->ops->ack(e->net, envs[i].id);
            }
            engine__envelope_clear(e->ctx, &envs[i]);
        }
        if (n < ENGINE_FETCH_BATCH)
            break;
    }
    engine__unlock(e);
    return rc;
}

static void *engine_thread(void *arg)
{
    cairn_engine *e = arg;
    int next = 0;
    for (;;) {
        struct pollfd p[2];
        int nfds = 1, fd = cairn_engine_fd(e);
        p[0].fd = e->stop_pipe[0];
        p[0].events = POLLIN;
        if (fd >= 0) {
            p[1].fd = fd;
            p[1].events = POLLIN;
            nfds = 2;
        }
        if (poll(p, (nfds_t)nfds, next) < 0 && errno != EINTR)
            break;
        if (p[0].revents)
            break;
        if (cairn_engine_process(e, &next) != CAIRN_OK && next < 1000)
            next = 1000;
    }
    return NULL;
}

cairn_status cairn_engine_start(cairn_engine *e)
{
    cairn_status rc = CAIRN_OK;
    if (e == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    if (e->thread_running) {
        rc = CAIRN_ERR_STATE;
    } else if (pipe2(e->stop_pipe, O_CLOEXEC) != 0) {
        rc = CAIRN_ERR_IO;
    } else if (pthread_create(&e->thread, NULL, engine_thread, e) != 0) {
        close(e->stop_pipe[0]);
        close(e->stop_pipe[1]);
        e->stop_pipe[0] = e->stop_pipe[1] = -1;
        rc = CAIRN_ERR_INTERNAL;
    } else {
        e->thread_running = 1;
    }
    engine__unlock(e);
    return rc;
}

void cairn_engine_stop(cairn_engine *e)
{
    pthread_t t;
    int running;
    if (e == NULL)
        return;
    engine__lock(e);
    running = e->thread_running;
    t = e->thread;
    if (running)
        (void)!write(e->stop_pipe[1], "x", 1);
    engine__unlock(e);
    if (!running)
        return;
    pthread_join(t, NULL);
    engine__lock(e);
    close(e->stop_pipe[0]);
    close(e->stop_pipe[1]);
    e->stop_pipe[0] = e->stop_pipe[1] = -1;
    e->thread_running = 0;
    engine__unlock(e);
}

cairn_status cairn_engine_safety_number(cairn_engine *e, const char *uri,
                                        char digits[CAIRN_SAFETY_NUMBER_DIGITS + 1],
                                        uint8_t *scannable, size_t *scannable_len)
{
    cairn_status rc;
    if (e == NULL || uri == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    rc = cairn_safety_number(e->acct, uri, NULL, digits, scannable, scannable_len);
    engine__unlock(e);
    return rc;
}

cairn_status cairn_engine_set_verified(cairn_engine *e, const char *uri, int verified)
{
    cairn_status rc;
    if (e == NULL || uri == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    rc = cairn_identity_set_verified(e->acct, uri, verified);
    engine__unlock(e);
    return rc;
}

cairn_status cairn_engine_contacts(cairn_engine *e, cairn_contact_fn fn, void *ud)
{
    cairn_status rc;
    if (e == NULL || fn == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    rc = estore__contacts(e, fn, ud);
    engine__unlock(e);
    return rc;
}

cairn_status cairn_engine_devices(cairn_engine *e, const char *uri, uint32_t *devices, size_t cap,
                                  size_t *count)
{
    cairn_status rc;
    if (e == NULL || count == NULL || (devices == NULL && cap > 0))
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    if (uri == NULL && !e->have_identity)
        rc = CAIRN_ERR_STATE;
    else
        rc = estore__devices(e, uri ? uri : e->uri, devices, cap, count);
    engine__unlock(e);
    return rc;
}

cairn_status cairn_engine_history(cairn_engine *e, const char *conv, size_t limit,
                                  cairn_history_fn fn, void *ud)
{
    cairn_status rc;
    if (e == NULL || conv == NULL || fn == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    rc = estore__history(e, conv, limit, fn, ud);
    engine__unlock(e);
    return rc;
}

cairn_status cairn_engine_groups(cairn_engine *e, cairn_group_fn fn, void *ud)
{
    cairn_status rc;
    if (e == NULL || fn == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    rc = estore__groups(e, fn, ud);
    engine__unlock(e);
    return rc;
}

cairn_status cairn_engine_kt_status(cairn_engine *e, int *self_ok, uint64_t *tree_size,
                                    unsigned *alerts)
{
    char v[32];
    if (e == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    if (self_ok)
        *self_ok = estore__meta_get_str(e, "kt.self_ok", v, sizeof(v)) == CAIRN_OK && v[0] == '1';
    if (tree_size) {
        *tree_size = 0;
        if (estore__meta_get_str(e, "kt.tree_size", v, sizeof(v)) == CAIRN_OK)
            *tree_size = strtoull(v, NULL, 10);
    }
    if (alerts) {
        *alerts = e->kt_alerts;
        if (estore__meta_get_str(e, "kt.alerts", v, sizeof(v)) == CAIRN_OK)
            *alerts = (unsigned)strtoul(v, NULL, 10);
    }
    engine__unlock(e);
    return CAIRN_OK;
}
