/*
 * http_prework.c - the HTTPS router's pre-step that keeps Argon2id off the
 * event loop. Before a handler runs, a request that would need Argon2id -
 * Basic credentials not in the credential cache, or a registration
 * (POST /v1/accounts) whose new secret must be hashed - is held: the work
 * goes to the worker threads (worker.c) and the request is dispatched to
 * its handler when the results are back. The handlers stay synchronous:
 * relay__http_auth and relay__auth_hash pick the results up.
 *
 *   route -> [cache hit / no credentials] -> handler
 *         -> HELD --verify--> [registration? --hash-->] DISPATCH -> handler
 *                     queue full: 503 + Retry-After; shutdown: 503
 *
 * Invariants: a held request is answered exactly once (by its handler, or
 * here on 503); the failure of a verification is decided by the handler as
 * before (relay__http_auth answers 401 and charges the address ten tokens)
 * so endpoints that do not need credentials behave as they always did;
 * secrets are wiped when the held record is freed. If the client went away
 * while held, evhttp has detached the request (its connection is NULL) and
 * the reply only frees it.
 */
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "runtime.h"

struct relay_held {
    struct evhttp_request *req;
    relay_job job;
    bool need_hash;
    int auth; /* 0 not checked, 1 verified, -1 failed */
    bool known;
    relay_principal p;
    char uri[RELAY_URI_MAX + 1];
    uint32_t device;
    char hdr[1025];
    char verified_hash[crypto_pwhash_STRBYTES];
    char new_secret[RELAY_SECRET_MAX + 1]; /* registration */
    bool have_hash;
    char new_hash[crypto_pwhash_STRBYTES];
};

static struct relay_held *held_new(relay *r)
{
    struct relay_held *h = cairn__calloc(r->ctx, 1, sizeof *h);
    if (h)
        r->m.argon2_held++;
    return h;
}

static void held_free(relay *r, struct relay_held *h)
{
    r->m.argon2_held--;
    cairn__free_secret(r->ctx, h, sizeof *h);
}

static void busy(relay *r, struct evhttp_request *req)
{
    r->m.argon2_busy_total++;
    evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
    relay__http_error(req, 503, "busy");
}

/* The registration's new secret, if the body carries a valid one. The body
 * is only looked at (the handler reads it again), within the JSON cap. */
static bool registration_secret(relay *r, struct evhttp_request *req,
                                char out[RELAY_SECRET_MAX + 1])
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    if (n == 0 || n > (size_t)r->cfg.http_max_json_bytes)
        return false;
    const char *body = (const char *)evbuffer_pullup(in, (ev_ssize_t)n);
    if (body == NULL)
        return false;
    json_t *doc = json_loadb(body, n, JSON_REJECT_DUPLICATES, NULL);
    json_t *js = json_object_get(doc, "secret");
    bool ok =
        json_is_string(js) && relay__secret_valid(json_string_value(js), json_string_length(js));
    if (ok)
        memcpy(out, json_string_value(js), json_string_length(js) + 1);
    json_decref(doc);
    return ok;
}

static void on_job(relay *r, relay_job *j);

static bool submit_hash(relay *r, struct relay_held *h)
{
    memset(&h->job, 0, sizeof h->job);
    h->job.kind = RELAY_JOB_HASH;
    memcpy(h->job.secret, h->new_secret, sizeof h->job.secret);
    h->job.opslimit = (unsigned long long)r->cfg.argon2_opslimit;
    h->job.memlimit = (size_t)r->cfg.argon2_memlimit_kib * 1024u;
    h->job.done = on_job;
    h->job.arg = h;
    return relay__workers_submit(r, &h->job);
}

static void dispatch(relay *r, struct relay_held *h)
{
    if (evhttp_request_get_connection(h->req) == NULL) {
        /* The client left while we worked: this reply only frees req. */
        evhttp_send_reply(h->req, 503, "Gone", NULL);
        return;
    }
    r->rt->dispatching = h;
    relay__http_dispatch(r, h->req);
    r->rt->dispatching = NULL;
}

static void on_job(relay *r, relay_job *j)
{
    struct relay_held *h = j->arg;
    sodium_memzero(j->secret, sizeof j->secret);
    if (j->cancelled || r->draining) {
        /* No handler starts once draining: it could begin work (a KT
         * publication) that the shutdown would cut short. */
        relay__http_error(h->req, 503, "shutting_down");
        held_free(r, h);
        return;
    }
    if (j->kind == RELAY_JOB_VERIFY) {
        h->auth = -1;
        if (j->result == 0 && h->known &&
            relay__auth_confirm(r, h->hdr, h->uri, h->device, h->verified_hash, &h->p))
            h->auth = 1;
        if (h->need_hash) {
            if (!submit_hash(r, h)) {
                busy(r, h->req);
                held_free(r, h);
            }
            return;
        }
    } else if (j->result == 0) {
        h->have_hash = true;
        memcpy(h->new_hash, j->pwhash, sizeof h->new_hash);
    }
    dispatch(r, h);
    held_free(r, h);
}

bool relay__prework_start(relay *r, struct evhttp_request *req, const char *path)
{
    relay_principal p;
    const char *hdr = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
    bool verify =
        hdr != NULL && strncasecmp(hdr, "Basic ", 6) == 0 && !relay__auth_cached(r, hdr, &p);
    bool reg =
        evhttp_request_get_command(req) == EVHTTP_REQ_POST && strcmp(path, "/v1/accounts") == 0;
    if (r->rt == NULL || r->rt->workers == NULL || (!verify && !reg))
        return false;
    struct relay_held *h = held_new(r);
    if (h == NULL) {
        relay__http_error(req, 500, "nomem");
        return true;
    }
    h->req = req;
    h->need_hash = reg && registration_secret(r, req, h->new_secret);
    if (verify) {
        snprintf(h->hdr, sizeof h->hdr, "%s", hdr);
        h->job.kind = RELAY_JOB_VERIFY;
        h->job.done = on_job;
        h->job.arg = h;
        if (relay__auth_prepare(r, hdr, h->uri, &h->device, h->job.secret, h->job.pwhash,
                                &h->known) != CAIRN_OK) {
            /* Unparseable: no Argon2id needed; the handler refuses it (or
             * ignores it, where no credentials are needed). */
            verify = false;
        } else {
            memcpy(h->verified_hash, h->job.pwhash, sizeof h->verified_hash);
        }
    }
    if (!verify && !h->need_hash) {
        held_free(r, h);
        return false;
    }
    if (!(verify ? relay__workers_submit(r, &h->job) : submit_hash(r, h))) {
        busy(r, req);
        held_free(r, h);
    }
    return true;
}

int relay__prework_auth(relay *r, struct evhttp_request *req, relay_principal *p)
{
    struct relay_held *h = r->rt ? r->rt->dispatching : NULL;
    if (h == NULL || h->req != req || h->auth == 0)
        return 0;
    if (h->auth < 0) {
        r->m.auth_failures_total++;
        return -1;
    }
    *p = h->p;
    return 1;
}

bool relay__prework_hash(relay *r, const char *secret, char *out)
{
    struct relay_held *h = r->rt ? r->rt->dispatching : NULL;
    if (h == NULL || !h->have_hash)
        return false;
    size_t n = strnlen(secret, RELAY_SECRET_MAX + 1);
    if (n != strnlen(h->new_secret, sizeof h->new_secret) ||
        cairn__memeq_ct(secret, h->new_secret, n) != 0)
        return false;
    memcpy(out, h->new_hash, sizeof h->new_hash);
    return true;
}
