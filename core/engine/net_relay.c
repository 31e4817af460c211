/*
 * net_relay.c - the cairn-relay backend of net.h: HTTPS (libcurl) for
 * registration, the pre-key directory, device lists and the file store
 * (relay-api: /v1/accounts, /v1/keys, /v1/bundle, /v1/files), the
 * provisioning mailbox for device linking (/v1/provisioning, no
 * credentials), and SIP over TLS (transport/ua) for delivery, each
 * ciphertext in the CPIM envelope of transport-binding.md.
 *
 * URL: "https://HOST:HTTPS_PORT/?sip=SIP_PORT"; the engine's ca_file is
 * the relay's certificate (or its CA). The SIP registrar and TLS name are
 * the domain of the account's URI.
 *
 * Per-device routing is the relay's (relay-api.md section 9): each
 * envelope goes to "<user>;gr=<device>" as its Request-URI, so a user's
 * device receives only the copy made for it; a 410 answer (a device the
 * relay does not list) is CAIRN_ERR_STALE. A delivery names the sending
 * device in its SIP From URI (";gr=<device>", written by the relay from
 * the sender's registered flow, RELAY-DEV-4); the CPIM From must be the
 * same user and the CPIM To this user, else the copy is dropped.
 *
 * Delivery is handled inside the UA callback: the engine's handler runs
 * (decrypt, store, events) before the UA answers 200, so the relay deletes
 * a queued row only once its effects are stored; a store failure answers
 * 500 and the relay delivers the row again later.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cairn/bundle.h"
#include "cairn/conn.h"
#include "cairn/tls.h"
#include "cairn/ua.h"
#include "cairn/ua_envelope.h"
#include "net.h"

#define HTTP_MAX (64u * 1024u * 1024u)
#define SEND_TIMEOUT_MS 10000
#define REGISTER_TIMEOUT_MS 8000

typedef struct net_relay {
    engine_net base;
    char https[300];
    char sip_host[64];
    uint16_t sip_port;
    char ca_file[600];
    char uri[CAIRN_URI_MAX + 1];
    char domain[256];
    uint32_t device;
    char auth_id[CAIRN_URI_MAX + 16];
    char secret[128];
    int logged_in;
    CURL *curl; /* kept: one TLS connection to the relay for every request */
    cairn_tls_config *tls;
    cairn_ua *ua;
    int reg_done;
    cairn_status reg_status;
    int epfd;
    char wait_id[CAIRN_UA_ID_SIZE];
    int wait_status;
    /* Messages that arrive while a send waits for its report are queued
     * (already answered 200) and handed out by the next fetch: running the
     * engine inside a send would nest sends. */
    int sending;
    /* Sends made by the engine while it handles a delivery inside the UA
     * callback (receipts, key distributions) are built at once and sent
     * right after the callback returns: the UA is not re-entered. */
    int in_cb;
    struct outgoing {
        char to[CAIRN_URI_MAX + 24]; /* "<uri>;gr=<device>" */
        uint8_t *body;
        size_t len;
    } outbox[256];
    size_t noutbox;
    unsigned activity; /* messages seen, to tell when the queue drained */
    int drained;       /* the relay's backlog was taken after login */
    engine_envelope queue[ENGINE_FETCH_BATCH];
    size_t nqueue;
    /* Readable while the queue holds envelopes: they were read off the
     * socket already, so without it a poller (the engine thread, an app)
     * would sleep on a quiet socket with work pending. */
    int evfd;
} net_relay;

static void queue_signal(net_relay *r)
{
    uint64_t v;
    if (r->evfd < 0)
        return;
    if (r->nqueue > 0) {
        v = 1;
        (void)!write(r->evfd, &v, sizeof(v));
    } else {
        (void)!read(r->evfd, &v, sizeof(v)); /* EAGAIN when already clear */
    }
}

/* ---------------------------------------------------------------- HTTP */

/* Where a request's body comes from and its answer goes: memory, or for
 * files a descriptor on either side, so a transfer streams. */
typedef struct http_io {
    const void *body; /* request body in memory (NULL: none or in_fd) */
    size_t len;
    int in_fd; /* >= 0: request body read from here, in_len bytes */
    uint64_t in_len;
    int out_fd; /* >= 0: answer body written here (else kept in memory) */
} http_io;

typedef struct sink {
    cairn__buf buf;
    int out_fd, in_fd;
    uint64_t max, written;
    cairn_progress_fn progress;
    void *ud;
    int failed; /* 1: over max, 2: I/O error */
} sink;

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
    sink *s = ud;
    size_t len = sz * n;
    if (s->out_fd < 0) {
        if (cairn__buf_append(&s->buf, p, len) != CAIRN_OK) {
            s->failed = 1;
            return 0;
        }
        return len;
    }
    if (s->written + len > s->max) {
        s->failed = 1;
        return 0;
    }
    if (cairn__write_all(s->out_fd, p, len) != CAIRN_OK) {
        s->failed = 2;
        return 0;
    }
    s->written += len;
    return len;
}

static size_t on_upload(char *p, size_t sz, size_t n, void *ud)
{
    sink *s = ud;
    for (;;) {
        ssize_t r = read(s->in_fd, p, sz * n);
        if (r >= 0)
            return (size_t)r;
        if (errno != EINTR)
            return CURL_READFUNC_ABORT;
    }
}

static int on_xfer(void *ud, curl_off_t dlt, curl_off_t dln, curl_off_t ult, curl_off_t uln)
{
    sink *s = ud;
    if (s->progress && ult > 0)
        s->progress(s->ud, (uint64_t)uln, (uint64_t)ult);
    else if (s->progress && dlt > 0)
        s->progress(s->ud, (uint64_t)dln, (uint64_t)dlt);
    return 0;
}

/* One request; *out (may be NULL to discard) allocated with the context. */
static cairn_status http_io_do(net_relay *r, const char *method, const char *url, const char *ctype,
                               const http_io *io, int auth, uint64_t max, long *status,
                               uint8_t **out, size_t *out_len, cairn_progress_fn progress, void *ud)
{
    CURL *c;
    struct curl_slist *h = NULL;
    char ct[160], full[1400];
    sink s;
    CURLcode cc;
    cairn_status rc = CAIRN_OK;

    if (r->curl == NULL && (r->curl = curl_easy_init()) == NULL)
        return CAIRN_ERR_NOMEM;
    c = r->curl;
    curl_easy_reset(c); /* options only; the connection cache stays */
    if (strncmp(url, "https://", 8) == 0)
        snprintf(full, sizeof(full), "%s", url);
    else
        snprintf(full, sizeof(full), "%s%s", r->https, url);
    memset(&s, 0, sizeof(s));
    cairn__buf_init(&s.buf, r->base.ctx, io->out_fd >= 0 ? 0 : (size_t)max);
    s.out_fd = io->out_fd;
    s.in_fd = io->in_fd;
    s.max = max;
    s.progress = progress;
    s.ud = ud;
    curl_easy_setopt(c, CURLOPT_URL, full);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (io->in_fd >= 0 || io->out_fd >= 0) {
        /* a file may take long on a slow link: give up only when it
         * stalls (under 1 byte/s for 30 s), not after a fixed time */
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
    } else {
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
    }
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (r->ca_file[0])
        curl_easy_setopt(c, CURLOPT_CAINFO, r->ca_file);
    /* the pinned certificate anchors trust; the relay is reached by address */
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    if (auth) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, r->auth_id);
        curl_easy_setopt(c, CURLOPT_PASSWORD, r->secret);
    }
    if (io->body || io->in_fd >= 0) {
        snprintf(ct, sizeof(ct), "Content-Type: %s", ctype ? ctype : "application/json");
        h = curl_slist_append(h, ct);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        if (io->in_fd >= 0) {
            curl_easy_setopt(c, CURLOPT_POST, 1L);
            curl_easy_setopt(c, CURLOPT_READFUNCTION, on_upload);
            curl_easy_setopt(c, CURLOPT_READDATA, &s);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)io->in_len);
        } else {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, io->body);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)io->len);
        }
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    if (progress) {
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_xfer);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &s);
    }
    cc = curl_easy_perform(c);
    if (cc != CURLE_OK)
        rc = s.failed == 1                     ? CAIRN_ERR_TOO_LARGE
             : s.failed                        ? CAIRN_ERR_IO
             : cc == CURLE_ABORTED_BY_CALLBACK ? CAIRN_ERR_IO
                                               : CAIRN_ERR_NETWORK;
    else
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(h);
    if (rc == CAIRN_OK && out)
        rc = cairn__buf_take(&s.buf, out, out_len);
    else if (rc == CAIRN_OK && out_len && io->out_fd >= 0)
        *out_len = (size_t)s.written;
    cairn__buf_free(&s.buf);
    return rc;
}

/* One request with its body in memory; *out (may be NULL to discard)
 * allocated with the context. */
static cairn_status http(net_relay *r, const char *method, const char *url, const char *ctype,
                         const void *body, size_t len, int auth, size_t max, long *status,
                         uint8_t **out, size_t *out_len, cairn_progress_fn progress, void *ud)
{
    http_io io = {body, len, -1, 0, -1};
    return http_io_do(r, method, url, ctype, &io, auth, max, status, out, out_len, progress, ud);
}

static json_t *http_json(net_relay *r, const char *method, const char *url, json_t *body, int auth,
                         long *status, cairn_status *rc)
{
    char *text = NULL;
    uint8_t *out = NULL;
    size_t olen = 0, tlen = 0;
    json_t *j = NULL;
    if (body) {
        tlen = json_dumpb(body, NULL, 0, JSON_COMPACT);
        text = cairn__alloc(r->base.ctx, tlen + 1);
        if (text == NULL) {
            *rc = CAIRN_ERR_NOMEM;
            return NULL;
        }
        json_dumpb(body, text, tlen, JSON_COMPACT);
    }
    *rc = http(r, method, url, "application/json", text, tlen, auth, 1024 * 1024, status, &out,
               &olen, NULL, NULL);
    cairn__free(r->base.ctx, text);
    if (*rc == CAIRN_OK) {
        j = json_loadb((const char *)out, olen, JSON_REJECT_DUPLICATES, NULL);
        cairn__free(r->base.ctx, out);
    }
    return j;
}

static void pct(const char *in, char *out, size_t cap)
{
    static const char hx[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *in && o + 4 < cap; in++) {
        unsigned char ch = (unsigned char)*in;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~') {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hx[ch >> 4];
            out[o++] = hx[ch & 15];
        }
    }
    out[o] = '\0';
}

static cairn_status status_rc(long st)
{
    if (st >= 200 && st < 300)
        return CAIRN_OK;
    if (st == 404)
        return CAIRN_ERR_NOT_FOUND;
    if (st == 409)
        return CAIRN_ERR_EXISTS;
    if (st == 401 || st == 403)
        return CAIRN_ERR_AUTH;
    if (st == 413)
        return CAIRN_ERR_TOO_LARGE;
    return CAIRN_ERR_PROTOCOL;
}

/* ------------------------------------------------------------ accounts */

static cairn_status r_register(engine_net *n, const char *uri, uint32_t device,
                               const uint8_t identity[CAIRN_PUBLIC_KEY_BYTES], const char *secret)
{
    net_relay *r = (net_relay *)n;
    long st = 0;
    cairn_status rc;
    json_t *req = json_pack("{s:s, s:i, s:s}", "uri", uri, "device", (int)device, "secret", secret);
    json_t *res;
    /* Another device of our own account (device linking): we add it,
     * authenticated as ourselves (RELAY-REG-2, ENG-RELAY-1). */
    int as_self = r->logged_in && strcmp(uri, r->uri) == 0 && device != r->device;
    (void)identity;
    if (req == NULL)
        return CAIRN_ERR_NOMEM;
    res = http_json(r, "POST", "/v1/accounts", req, as_self, &st, &rc);
    json_decref(req);
    json_decref(res);
    if (rc != CAIRN_OK)
        return rc;
    if (as_self)
        return status_rc(st);
    if (st == 409 || st == 401) {
        /* already registered: fine if our credentials work */
        snprintf(r->auth_id, sizeof(r->auth_id), "%s.%u", uri, device);
        snprintf(r->secret, sizeof(r->secret), "%s", secret);
        res = http_json(r, "GET", "/v1/accounts/self", NULL, 1, &st, &rc);
        json_decref(res);
        if (rc == CAIRN_OK && st != 200)
            rc = CAIRN_ERR_EXISTS;
        return rc;
    }
    return status_rc(st);
}

static void on_registered(void *ud, cairn_status st, uint32_t expires)
{
    net_relay *r = ud;
    (void)expires;
    r->reg_done = 1;
    r->reg_status = st;
}

static void on_report(void *ud, const char *id, int status)
{
    net_relay *r = ud;
    if (r->wait_id[0] && strcmp(id, r->wait_id) == 0)
        r->wait_status = status;
}

/* "sip:u@h;gr=N" -> uri without parameters and N (0 if none). */
static int split_gr(const char *s, char *uri, size_t cap, uint32_t *dev)
{
    const char *semi = strchr(s, ';');
    size_t n = semi ? (size_t)(semi - s) : strlen(s);
    *dev = 0;
    if (n == 0 || n >= cap)
        return -1;
    memcpy(uri, s, n);
    uri[n] = '\0';
    if (semi && strncmp(semi, ";gr=", 4) == 0) {
        char *end;
        unsigned long v = strtoul(semi + 4, &end, 10);
        if (*end != '\0' || v == 0 || v > 0x7fffffff)
            return -1;
        *dev = (uint32_t)v;
    }
    return 0;
}

static int on_message(void *ud, const cairn_ua_incoming *m)
{
    net_relay *r = ud;
    cairn_ua_envelope_parsed *pp = NULL;
    const cairn_ua_envelope *v = NULL;
    engine_envelope env;
    char sip_to[CAIRN_URI_MAX + 1], cpim_from[CAIRN_URI_MAX + 1], cpim_to[CAIRN_URI_MAX + 1];
    uint32_t to_dev = 0, from_dev = 0, dummy = 0;
    cairn_status rc;

    r->activity++;
    if (cairn_ua_envelope_parse(r->base.ctx, m->body, m->len, &pp, &v) != CAIRN_OK)
        return 200; /* never valid: drop it (ENG-PL-12) */
    memset(&env, 0, sizeof(env));
    /* ENG-RELAY-3: who sent it (user and device) is what the relay says in
     * the SIP From (RELAY-DEV-4); the SIP To, when it names a device, must
     * name this one; the end-to-end envelope must agree on the users. */
    if (split_gr(m->from ? m->from : "", env.from_uri, sizeof(env.from_uri), &from_dev) != 0 ||
        split_gr(m->to ? m->to : "", sip_to, sizeof(sip_to), &to_dev) != 0 ||
        split_gr(v->from, cpim_from, sizeof(cpim_from), &dummy) != 0 ||
        split_gr(v->to, cpim_to, sizeof(cpim_to), &dummy) != 0 || from_dev == 0 ||
        (to_dev != 0 && to_dev != r->device) || strcmp(cpim_from, env.from_uri) != 0 ||
        strcmp(cpim_to, r->uri) != 0) {
        cairn_ua_envelope_free(pp);
        return 200; /* a copy for another device, or a lie about the sender */
    }
    env.from_device = from_dev;
    memcpy(env.to_uri, r->uri, strlen(r->uri) + 1);
    env.to_device = r->device;
    switch (v->type) {
    case CAIRN_UA_ENV_PREKEY:
        env.type = CAIRN_MSG_PREKEY;
        break;
    case CAIRN_UA_ENV_NORMAL:
        env.type = CAIRN_MSG_NORMAL;
        break;
    case CAIRN_UA_ENV_SENDER_KEY:
        env.type = CAIRN_MSG_SENDER_KEY;
        break;
    /* the inner type is not on the wire: the engine tries both */
    default:
        env.type = CAIRN_MSG_PREKEY;
        break;
    }
    if (v->group && strlen(v->group) <= CAIRN_GROUP_ID_MAX)
        memcpy(env.group_id, v->group, strlen(v->group) + 1);
    snprintf(env.id, sizeof(env.id), "%s", v->message_id);
    env.ts = v->datetime_ms;
    env.data = (uint8_t *)v->ciphertext;
    env.len = v->len;
    /* queued while a send waits, and behind anything queued before: the
     * engine sees one sender's messages in the relay's order */
    if (r->sending || r->base.handler == NULL || r->nqueue > 0) {
        if (r->nqueue == ENGINE_FETCH_BATCH) {
            cairn_ua_envelope_free(pp);
            return 503; /* the relay keeps it and delivers it again */
        }
        env.data = cairn__memdup(r->base.ctx, v->ciphertext, v->len);
        cairn_ua_envelope_free(pp);
        if (env.data == NULL)
            return 500;
        r->queue[r->nqueue++] = env;
        queue_signal(r);
        return 200;
    }
    r->in_cb++;
    rc = r->base.handler(r->base.handler_ud, &env);
    r->in_cb--;
    cairn_ua_envelope_free(pp);
    return rc == CAIRN_ERR_STORE || rc == CAIRN_ERR_NOMEM || rc == CAIRN_ERR_IO ? 500 : 200;
}

static cairn_status send_body(net_relay *r, const char *to, const uint8_t *body, size_t blen);

/* Runs the UA, then sends what handlers queued meanwhile. */
static cairn_status ua_pump(net_relay *r, int timeout_ms)
{
    cairn_status rc = cairn_ua_run_once(r->ua, timeout_ms);
    while (r->noutbox > 0 && !r->in_cb && !r->sending) {
        struct outgoing o = r->outbox[0];
        memmove(r->outbox, r->outbox + 1, (r->noutbox - 1) * sizeof(r->outbox[0]));
        r->noutbox--;
        if (send_body(r, o.to, o.body, o.len) != CAIRN_OK)
            CAIRN_LOGW(r->base.ctx, "engine", "a deferred send failed");
        cairn_free(r->base.ctx, o.body, o.len);
    }
    return rc;
}

static cairn_status r_login(engine_net *n, const char *uri, uint32_t device, const char *secret)
{
    net_relay *r = (net_relay *)n;
    cairn_ua_config cfg;
    const char *at = strchr(uri, '@');
    char registrar[300];
    long st = 0;
    cairn_status rc;
    json_t *res;

    if (at == NULL || strlen(at + 1) >= sizeof(r->domain))
        return CAIRN_ERR_INVALID_ARG;
    snprintf(r->uri, sizeof(r->uri), "%s", uri);
    snprintf(r->domain, sizeof(r->domain), "%s", at + 1);
    r->device = device;
    snprintf(r->auth_id, sizeof(r->auth_id), "%s.%u", uri, device);
    snprintf(r->secret, sizeof(r->secret), "%s", secret);
    res = http_json(r, "GET", "/v1/accounts/self", NULL, 1, &st, &rc);
    json_decref(res);
    if (rc != CAIRN_OK)
        return rc;
    if (st != 200)
        return st == 401 || st == 403 ? CAIRN_ERR_NOT_FOUND : status_rc(st);
    if (r->ua == NULL) {
        if (r->tls == NULL) {
            rc = cairn_tls_config_new(n->ctx, CAIRN_TLS_CLIENT, &r->tls);
            if (rc == CAIRN_OK && r->ca_file[0])
                rc = cairn_tls_config_add_ca_file(r->tls, r->ca_file);
            if (rc != CAIRN_OK)
                return rc;
        }
        snprintf(registrar, sizeof(registrar), "sip:%s", r->domain);
        cairn_ua_config_init(&cfg);
        cfg.aor = r->uri;
        cfg.username = r->auth_id;
        cfg.password = r->secret;
        cfg.proxy_ip = r->sip_host;
        cfg.proxy_port = r->sip_port;
        cfg.registrar = registrar;
        cfg.tls = true;
        cfg.tls_client = r->tls;
        cfg.tls_server_name = r->domain;
        cfg.accept_types = "message/cpim";
        cfg.keepalive_s = 30;
        cfg.cb.on_registered = on_registered;
        cfg.cb.on_message = on_message;
        cfg.cb.on_report = on_report;
        cfg.ud = r;
        rc = cairn_ua_create(n->ctx, &cfg, &r->ua);
        if (rc == CAIRN_OK)
            rc = cairn_ua_start(r->ua);
        if (rc != CAIRN_OK)
            return rc;
    }
    for (int waited = 0; !r->reg_done && waited < REGISTER_TIMEOUT_MS; waited += 20)
        (void)ua_pump(r, 20);
    if (!r->reg_done)
        return CAIRN_ERR_TIMEOUT;
    if (r->reg_status != CAIRN_OK)
        return r->reg_status;
    r->logged_in = 1;
    return CAIRN_OK;
}

/* ---------------------------------------------------------------- keys */

static cairn_status r_upload_keys(engine_net *n, const char *json, size_t len)
{
    net_relay *r = (net_relay *)n;
    long st = 0;
    cairn_status rc = http(r, "PUT", "/v1/keys", "application/json", json, len, 1, 1024 * 1024, &st,
                           NULL, NULL, NULL, NULL);
    return rc != CAIRN_OK ? rc : status_rc(st);
}

static cairn_status r_prekey_count(engine_net *n, unsigned *count)
{
    net_relay *r = (net_relay *)n;
    long st = 0;
    cairn_status rc;
    json_t *j = http_json(r, "GET", "/v1/keys/count", NULL, 1, &st, &rc);
    if (rc == CAIRN_OK)
        rc = status_rc(st);
    if (rc == CAIRN_OK)
        *count = (unsigned)json_integer_value(json_object_get(j, "count"));
    json_decref(j);
    return rc;
}

static cairn_status r_fetch_bundle(engine_net *n, const char *uri, uint32_t device, char **json,
                                   size_t *len)
{
    net_relay *r = (net_relay *)n;
    char u[CAIRN_URI_MAX * 3 + 1], url[CAIRN_URI_MAX * 3 + 64];
    long st = 0;
    uint8_t *out = NULL;
    cairn_status rc;
    pct(uri, u, sizeof(u));
    snprintf(url, sizeof(url), "/v1/bundle?uri=%s&device=%u", u, device);
    rc = http(r, "GET", url, NULL, NULL, 0, 1, CAIRN_BUNDLE_MAX_BYTES, &st, &out, len, NULL, NULL);
    if (rc == CAIRN_OK && (rc = status_rc(st)) != CAIRN_OK)
        cairn__free(n->ctx, out);
    else if (rc == CAIRN_OK)
        *json = (char *)out;
    return rc;
}

static cairn_status r_devices(engine_net *n, const char *uri, uint32_t *out, size_t cap,
                              size_t *count)
{
    net_relay *r = (net_relay *)n;
    char u[CAIRN_URI_MAX * 3 + 1], url[CAIRN_URI_MAX * 3 + 64];
    long st = 0;
    cairn_status rc;
    json_t *j, *a;
    size_t k = 0;
    pct(uri, u, sizeof(u));
    snprintf(url, sizeof(url), "/v1/accounts/devices?uri=%s", u);
    j = http_json(r, "GET", url, NULL, 1, &st, &rc);
    if (rc == CAIRN_OK)
        rc = status_rc(st);
    a = json_object_get(j, "devices");
    for (size_t i = 0; rc == CAIRN_OK && i < json_array_size(a); i++) {
        json_int_t d = json_integer_value(json_array_get(a, i));
        if (d < 1 || d > 0x7fffffff)
            continue;
        if (k == cap) {
            rc = CAIRN_ERR_LIMIT;
            break;
        }
        out[k++] = (uint32_t)d;
    }
    json_decref(j);
    *count = k;
    if (rc == CAIRN_OK && k == 0)
        rc = CAIRN_ERR_NOT_FOUND;
    return rc;
}

static cairn_status r_remove_device(engine_net *n, uint32_t device)
{
    net_relay *r = (net_relay *)n;
    char url[64];
    long st = 0;
    cairn_status rc;
    json_t *j;
    snprintf(url, sizeof(url), "/v1/devices/%u", device);
    j = http_json(r, "DELETE", url, NULL, 1, &st, &rc);
    json_decref(j);
    return rc == CAIRN_OK ? status_rc(st) : rc;
}

/* ---------------------------------------------------------- delivery */

static cairn_status r_send(engine_net *n, const engine_envelope *env)
{
    net_relay *r = (net_relay *)n;
    cairn_ua_envelope e;
    char to[CAIRN_URI_MAX + 24], mid[33];
    uint8_t raw[16], *body = NULL;
    size_t blen = 0;
    cairn_status rc;
    /* (deliveries may already arrive while the login waits for REGISTER) */
    if (r->ua == NULL)
        return CAIRN_ERR_STATE;
    /* RELAY-DEV-1: the Request-URI names the device; the CPIM header names
     * users only (the relay vouches for the sending device) */
    snprintf(to, sizeof(to), "%s;gr=%u", env->to_uri, env->to_device);
    rc = cairn__random(n->ctx, raw, sizeof(raw));
    if (rc != CAIRN_OK)
        return rc;
    cairn__hex_encode(mid, raw, sizeof(raw));
    memset(&e, 0, sizeof(e));
    e.from = env->from_uri;
    e.to = env->to_uri;
    e.datetime_ms = cairn__now_ms(n->ctx);
    e.message_id = mid;
    if (env->type == CAIRN_MSG_SENDER_KEY)
        e.type = CAIRN_UA_ENV_SENDER_KEY;
    else if (env->group_id[0])
        e.type = CAIRN_UA_ENV_DISTRIBUTION;
    else
        e.type = env->type == CAIRN_MSG_PREKEY ? CAIRN_UA_ENV_PREKEY : CAIRN_UA_ENV_NORMAL;
    if (env->group_id[0]) {
        e.device = env->from_device;
        e.group = env->group_id;
    }
    e.ciphertext = env->data;
    e.len = env->len;
    rc = cairn_ua_envelope_build(n->ctx, &e, false, &body, &blen);
    if (rc != CAIRN_OK)
        return rc;
    if (r->in_cb || r->sending) {
        if (r->noutbox == sizeof(r->outbox) / sizeof(r->outbox[0])) {
            cairn_free(n->ctx, body, blen);
            return CAIRN_ERR_LIMIT;
        }
        snprintf(r->outbox[r->noutbox].to, sizeof(r->outbox[0].to), "%s", to);
        r->outbox[r->noutbox].body = body;
        r->outbox[r->noutbox].len = blen;
        r->noutbox++;
        return CAIRN_OK;
    }
    rc = send_body(r, to, body, blen);
    cairn_free(n->ctx, body, blen);
    return rc;
}

static cairn_status send_body(net_relay *r, const char *to, const uint8_t *body, size_t blen)
{
    cairn_status rc;
    r->wait_status = 0;
    r->sending++;
    /* pager mode while the MESSAGE fits 1300 bytes (BIND-SIP-1), else an
     * MSRP session to that device through the relay (RELAY-MSRP-*), whose
     * success REPORT, like a 202, comes only after the durable commit */
    rc = cairn_ua_send(r->ua, to, "message/cpim", body, blen, r->wait_id);
    if (rc != CAIRN_OK) {
        r->wait_id[0] = '\0';
        r->sending--;
        return rc;
    }
    /* acknowledged by the relay only once stored durably */
    for (int waited = 0; r->wait_status == 0 && waited < SEND_TIMEOUT_MS; waited += 10)
        (void)ua_pump(r, 10);
    r->wait_id[0] = '\0';
    r->sending--;
    if (r->wait_status == 200 || r->wait_status == 202)
        return CAIRN_OK;
    if (r->wait_status == 404)
        return CAIRN_ERR_NOT_FOUND;
    if (r->wait_status == 410)
        return CAIRN_ERR_STALE; /* RELAY-DEV-3: not a device of that user */
    return r->wait_status == 0 ? CAIRN_ERR_TIMEOUT : CAIRN_ERR_NETWORK;
}

static cairn_status r_fetch(engine_net *n, engine_envelope *out, size_t cap, size_t *count)
{
    net_relay *r = (net_relay *)n;
    size_t k = 0;
    *count = 0;
    if (!r->logged_in)
        return CAIRN_ERR_STATE;
    /* deliveries are handled inside the UA callback (see the top). After a
     * login the relay pushes the backlog a window at a time: wait until it
     * has been quiet for 300 ms (at most 5 s), so a one-shot receive sees
     * everything queued while offline; later calls never block. */
    if (!r->drained) {
        int idle = 0;
        for (int t = 0; t < 5000 && idle < 300; t += 25) {
            unsigned before = r->activity;
            (void)ua_pump(r, 25);
            idle = r->activity == before ? idle + 25 : 0;
        }
        r->drained = 1;
    }
    /* what was queued first goes first; more is read only when the queue
     * is empty (a later message must not overtake a queued one) */
    for (int i = 0; i < 4 && r->nqueue == 0; i++)
        (void)ua_pump(r, 0);
    while (k < cap && k < r->nqueue) {
        out[k] = r->queue[k];
        k++;
    }
    memmove(r->queue, r->queue + k, (r->nqueue - k) * sizeof(r->queue[0]));
    r->nqueue -= k;
    queue_signal(r);
    *count = k;
    return CAIRN_OK;
}

static cairn_status r_ack(engine_net *n, const char *id)
{
    (void)n;
    (void)id;
    return CAIRN_OK;
}

/* --------------------------------------------------------------- files */

static cairn_status r_file_put(engine_net *n, int fd, uint64_t len, cairn_progress_fn progress,
                               void *ud, char *url, size_t url_cap)
{
    net_relay *r = (net_relay *)n;
    long st = 0;
    uint8_t *out = NULL;
    size_t olen = 0;
    const char *u, *e;
    http_io io = {NULL, 0, fd, len, -1};
    cairn_status rc = http_io_do(r, "POST", "/v1/files", "application/octet-stream", &io, 1,
                                 64 * 1024, &st, &out, &olen, progress, ud);
    if (rc == CAIRN_OK)
        rc = status_rc(st);
    if (rc == CAIRN_OK) {
        /* the FT-over-HTTP descriptor: <data url="..." .../> */
        u = strstr((const char *)out, "url=\"");
        e = u ? strchr(u + 5, '"') : NULL;
        if (u == NULL || e == NULL || (size_t)(e - u - 5) >= url_cap)
            rc = CAIRN_ERR_PROTOCOL;
        else {
            memcpy(url, u + 5, (size_t)(e - u - 5));
            url[e - u - 5] = '\0';
        }
    }
    if (out)
        cairn__free(n->ctx, out);
    return rc;
}

static cairn_status r_file_get(engine_net *n, const char *url, uint64_t max, int fd, uint64_t *len,
                               cairn_progress_fn progress, void *ud)
{
    net_relay *r = (net_relay *)n;
    long st = 0;
    size_t got = 0;
    http_io io = {NULL, 0, -1, 0, fd};
    cairn_status rc;
    const char *path = strstr(url, "/v1/files/");
    /* Files are fetched from this account's relay, whatever host the
     * descriptor names (it may name a public address this device cannot
     * reach, or another server entirely). */
    if (strncmp(url, "https://", 8) != 0 || path == NULL ||
        strspn(path + 10, "0123456789abcdef") != strlen(path + 10) || strlen(path + 10) != 32)
        return CAIRN_ERR_INVALID_ARG;
    rc = http_io_do(r, "GET", path, NULL, &io, 1, max, &st, NULL, &got, progress, ud);
    if (rc == CAIRN_OK)
        rc = status_rc(st);
    *len = got;
    return rc;
}

/* ENG-RELAY-5 over relay-api.md section 10: no credentials (the linking
 * device has none yet); box names are checked here too so that nothing
 * but a valid name is ever put into a URL. */
static int box_valid(const char *box)
{
    size_t n = strlen(box), i;
    if (n < 34 || n > 49 || box[32] != '.')
        return 0;
    for (i = 0; i < 32; i++)
        if (!((box[i] >= '0' && box[i] <= '9') || (box[i] >= 'a' && box[i] <= 'f')))
            return 0;
    for (i = 33; i < n; i++)
        if (box[i] < 'a' || box[i] > 'z')
            return 0;
    return 1;
}

static cairn_status r_mailbox_put(engine_net *n, const char *box, const uint8_t *d, size_t l)
{
    net_relay *r = (net_relay *)n;
    char url[96];
    long st = 0;
    cairn_status rc;
    if (!box_valid(box) || d == NULL || l == 0)
        return CAIRN_ERR_INVALID_ARG;
    if (l > 64 * 1024)
        return CAIRN_ERR_TOO_LARGE;
    snprintf(url, sizeof(url), "/v1/provisioning/%s", box);
    rc =
        http(r, "PUT", url, "application/octet-stream", d, l, 0, 4096, &st, NULL, NULL, NULL, NULL);
    if (rc == CAIRN_OK && st == 429)
        return CAIRN_ERR_LIMIT;
    return rc != CAIRN_OK ? rc : status_rc(st);
}

static cairn_status r_mailbox_take(engine_net *n, const char *box, uint8_t **d, size_t *l)
{
    net_relay *r = (net_relay *)n;
    char url[96];
    long st = 0;
    uint8_t *out = NULL;
    size_t olen = 0;
    cairn_status rc;
    if (!box_valid(box))
        return CAIRN_ERR_INVALID_ARG;
    snprintf(url, sizeof(url), "/v1/provisioning/%s", box);
    rc = http(r, "GET", url, NULL, NULL, 0, 0, 64 * 1024 + 1024, &st, &out, &olen, NULL, NULL);
    if (rc != CAIRN_OK)
        return rc;
    if (st == 429) /* polled too fast: the box is still there, poll again */
        rc = CAIRN_ERR_NOT_FOUND;
    else
        rc = status_rc(st);
    if (rc != CAIRN_OK || olen == 0) {
        cairn__free(n->ctx, out);
        return rc != CAIRN_OK ? rc : CAIRN_ERR_PROTOCOL;
    }
    *d = out;
    *l = olen;
    return CAIRN_OK;
}

/* The UA's sockets, gathered in one epoll fd the app can poll. */
static int r_fd(engine_net *n)
{
    net_relay *r = (net_relay *)n;
    cairn_ua_pollfd fds[16];
    size_t k;
    if (r->ua == NULL)
        return -1;
    if (r->epfd < 0) {
        r->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (r->epfd < 0)
            return -1;
        r->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (r->evfd >= 0) {
            struct epoll_event ev;
            memset(&ev, 0, sizeof(ev));
            ev.events = EPOLLIN;
            ev.data.fd = r->evfd;
            (void)epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->evfd, &ev);
            queue_signal(r);
        }
    }
    k = cairn_ua_pollfds(r->ua, fds, 16);
    for (size_t i = 0; i < k && i < 16; i++) {
        struct epoll_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.events = ((fds[i].events & CAIRN_CONN_EV_READ) ? EPOLLIN : 0) |
                    ((fds[i].events & CAIRN_CONN_EV_WRITE) ? EPOLLOUT : 0);
        ev.data.fd = fds[i].fd;
        if (epoll_ctl(r->epfd, EPOLL_CTL_MOD, fds[i].fd, &ev) != 0)
            (void)epoll_ctl(r->epfd, EPOLL_CTL_ADD, fds[i].fd, &ev);
    }
    return r->epfd;
}

static void r_drain(engine_net *n)
{
    net_relay *r = (net_relay *)n;
    if (r->ua)
        (void)ua_pump(r, 0);
}

static void r_destroy(engine_net *n)
{
    net_relay *r = (net_relay *)n;
    /* what handlers queued in the last callback still goes out */
    while (r->ua && r->noutbox > 0 && r->logged_in)
        (void)ua_pump(r, 0);
    for (size_t i = 0; i < r->noutbox; i++)
        cairn_free(n->ctx, r->outbox[i].body, r->outbox[i].len);
    cairn_ua_destroy(r->ua);
    cairn_tls_config_free(r->tls);
    if (r->curl)
        curl_easy_cleanup(r->curl);
    for (size_t i = 0; i < r->nqueue; i++)
        engine__envelope_clear(n->ctx, &r->queue[i]);
    if (r->epfd >= 0)
        close(r->epfd);
    if (r->evfd >= 0)
        close(r->evfd);
    cairn__wipe(r->secret, sizeof(r->secret));
    cairn__free(n->ctx, r);
}

static const engine_net_ops RELAY_OPS = {
    .register_device = r_register,
    .login = r_login,
    .upload_keys = r_upload_keys,
    .prekey_count = r_prekey_count,
    .fetch_bundle = r_fetch_bundle,
    .devices = r_devices,
    .remove_device = r_remove_device,
    .send = r_send,
    .fetch = r_fetch,
    .ack = r_ack,
    .file_put = r_file_put,
    .file_get = r_file_get,
    .mailbox_put = r_mailbox_put,
    .mailbox_take = r_mailbox_take,
    .fd = r_fd,
    .drain = r_drain,
    .destroy = r_destroy,
};

cairn_status engine__net_relay_open(const cairn_context *ctx, const char *url, const char *ca_file,
                                    engine_net **out)
{
    net_relay *r;
    const char *q, *host, *colon;
    unsigned long sip;
    char *end;
    if (strncmp(url, "https://", 8) != 0 || (q = strstr(url, "?sip=")) == NULL)
        return CAIRN_ERR_INVALID_ARG;
    sip = strtoul(q + 5, &end, 10);
    if (*end != '\0' || sip == 0 || sip > 65535)
        return CAIRN_ERR_INVALID_ARG;
    r = cairn__calloc(ctx, 1, sizeof(*r));
    if (r == NULL)
        return CAIRN_ERR_NOMEM;
    r->base.ops = &RELAY_OPS;
    r->base.ctx = ctx;
    r->epfd = -1;
    r->evfd = -1;
    snprintf(r->https, sizeof(r->https), "%.*s", (int)(q - url), url);
    if (r->https[strlen(r->https) - 1] == '/')
        r->https[strlen(r->https) - 1] = '\0';
    host = r->https + 8;
    colon = strchr(host, ':');
    snprintf(r->sip_host, sizeof(r->sip_host), "%.*s",
             (int)(colon ? (size_t)(colon - host) : strlen(host)), host);
    r->sip_port = (uint16_t)sip;
    if (ca_file)
        snprintf(r->ca_file, sizeof(r->ca_file), "%s", ca_file);
    *out = &r->base;
    return CAIRN_OK;
}
