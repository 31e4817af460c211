/*
 * http_provision.c - the provisioning mailbox's HTTPS side (spec/
 * relay-api.md section 10, RELAY-PROV-*): `PUT /v1/provisioning/<name>`
 * and the take-once `GET /v1/provisioning/<name>`, usable without
 * credentials because the device that links is not registered yet.
 *
 * Since anyone can call these, everything is bounded before the database
 * is touched: the name's syntax, the body size, a per-address token bucket
 * of its own ([provisioning] rate_*); the box caps (in all, per address)
 * are then checked with the insert (store_provision.c). Names are 128-bit
 * secrets of the two devices, so a take of an unknown name and a take of
 * an expired one answer the same 404.
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "relay.h"

bool relay__prov_name_valid(const char *s)
{
    size_t n = strlen(s), i;
    if (n < 34 || n > 32 + 1 + RELAY_PROV_SUFFIX_MAX)
        return false;
    for (i = 0; i < 32; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    if (s[32] != '.')
        return false;
    for (i = 33; i < n; i++)
        if (s[i] < 'a' || s[i] > 'z')
            return false;
    return true;
}

static void too_fast(relay *r, struct evhttp_request *req)
{
    r->m.rate_limited_total++;
    evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
    relay__http_error(req, 429, "rate_limited");
}

static void do_put(relay *r, struct evhttp_request *req, const char *name, const char *peer)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    if (n > (size_t)r->cfg.prov_max_bytes) {
        relay__http_error(req, 413, "body_too_large");
        return;
    }
    if (n == 0) {
        relay__http_error(req, 400, "empty_body");
        return;
    }
    uint8_t *body = cairn__alloc(r->ctx, n);
    if (body == NULL) {
        relay__http_error(req, 500, "nomem");
        return;
    }
    evbuffer_remove(in, body, n);
    cairn_status rc = relay__prov_put(r, name, body, n, peer, relay__now_ms());
    cairn__free(r->ctx, body);
    switch (rc) {
    case CAIRN_OK:
        relay__http_reply_json(req, 201, "{}", 2);
        RLOGD("provisioning_put", "bytes=%zu", n);
        break;
    case CAIRN_ERR_EXISTS:
        relay__http_error(req, 409, "exists");
        break;
    case CAIRN_ERR_LIMIT:
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "60");
        relay__http_error(req, 503, "provisioning_full");
        break;
    case CAIRN_ERR_DECLINED:
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "60");
        relay__http_error(req, 429, "too_many_boxes");
        break;
    default:
        relay__http_error(req, 500, "db");
        break;
    }
}

static void do_take(relay *r, struct evhttp_request *req, const char *name)
{
    uint8_t *body = NULL;
    size_t len = 0;
    cairn_status rc = relay__prov_take(r, name, relay__now_ms(), &body, &len);
    if (rc == CAIRN_ERR_NOT_FOUND) {
        relay__http_error(req, 404, "not_found");
        return;
    }
    if (rc != CAIRN_OK) {
        relay__http_error(req, 500, "db");
        return;
    }
    struct evbuffer *b = evbuffer_new();
    if (b == NULL || evbuffer_add(b, body, len) != 0) {
        /* the box is gone already: the devices start the linking again */
        if (b)
            evbuffer_free(b);
        cairn__free(r->ctx, body);
        relay__http_error(req, 500, "nomem");
        return;
    }
    cairn__free(r->ctx, body);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", "application/octet-stream");
    evhttp_add_header(h, "Cache-Control", "no-store");
    evhttp_send_reply(req, 200, "OK", b);
    evbuffer_free(b);
}

void relay__http_provision(relay *r, struct evhttp_request *req, const char *path)
{
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    char peer[64];
    const char *name = path + strlen("/v1/provisioning");
    relay__http_peer(req, peer, sizeof peer);
    if (!relay__rl_take(&r->rl_prov, peer, strlen(peer), relay__now_ms(), 1.0)) {
        too_fast(r, req);
        return;
    }
    if (*name != '/' || !relay__prov_name_valid(name + 1)) {
        relay__http_error(req, *name == '/' ? 400 : 404, *name == '/' ? "bad_name" : "not_found");
        return;
    }
    name++;
    if (cmd == EVHTTP_REQ_PUT)
        do_put(r, req, name, peer);
    else if (cmd == EVHTTP_REQ_GET)
        do_take(r, req, name);
    else
        relay__http_error(req, 405, "method_not_allowed");
}

cairn_status relay__prov_open(relay *r)
{
    cairn_status rc = relay__prov_store_open(r);
    if (rc == CAIRN_OK)
        rc = relay__rl_init(&r->rl_prov, r->ctx, 16384, (double)r->cfg.prov_rate_per_second,
                            (double)r->cfg.prov_rate_burst);
    return rc;
}

void relay__prov_close(relay *r)
{
    relay__rl_free(&r->rl_prov, r->ctx);
}
