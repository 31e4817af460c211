/*
 * http.c - the HTTPS listener: libevent's evhttp over OpenSSL bufferevents
 * (evhttp_set_bevcb), request routing, and the helpers every handler uses
 * (authentication with rate limits, bounded body reads, JSON replies).
 *
 * Bounds: request headers at most http_max_header_bytes, bodies at most
 * files.max_bytes (evhttp refuses a larger Content-Length with 413 before
 * reading it), JSON bodies at most http_max_json_bytes, a request timeout,
 * and a per-address token bucket on every request.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/ssl.h>

#include "relay.h"
#include "runtime.h"


static struct bufferevent *bevcb(struct event_base *base, void *arg)
{
    relay *r = arg;
    SSL *ssl = SSL_new(r->ssl);
    if (ssl == NULL)
        return NULL;
    relay__conncap_https_attach(r, ssl); /* max_connections_per_address */
    struct bufferevent *bev =
        bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL)
        SSL_free(ssl);
    return bev;
}

const char *relay__http_peer(struct evhttp_request *req, char *buf, size_t cap)
{
    char *addr = NULL;
    ev_uint16_t port = 0;
    struct evhttp_connection *con = evhttp_request_get_connection(req);
    snprintf(buf, cap, "?");
    if (con) {
        evhttp_connection_get_peer(con, &addr, &port);
        if (addr)
            snprintf(buf, cap, "%s", addr);
    }
    return buf;
}

void relay__http_reply_json(struct evhttp_request *req, int code, const char *json, size_t len)
{
    struct evbuffer *b = evbuffer_new();
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", "application/json");
    evhttp_add_header(h, "Cache-Control", "no-store");
    if (b)
        evbuffer_add(b, json, len);
    evhttp_send_reply(req, code, code < 300 ? "OK" : "Error", b);
    if (b)
        evbuffer_free(b);
}

void relay__http_error(struct evhttp_request *req, int code, const char *error)
{
    char json[256];
    int n = snprintf(json, sizeof json, "{\"error\":\"%s\"}", error);
    relay__http_reply_json(req, code, json, (size_t)n);
}

bool relay__http_auth(relay *r, struct evhttp_request *req, relay_principal *p)
{
    char peer[64];
    const char *hdr = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
    /* Argon2id ran on the workers before dispatch (http_prework.c). */
    int pre = relay__prework_auth(r, req, p);
    if (pre < 0 || (pre == 0 && relay__auth_basic(r, hdr, p) != CAIRN_OK)) {
        relay__http_peer(req, peer, sizeof peer);
        /* A failure costs ten ordinary requests from that address. */
        relay__rl_take(&r->rl_address, peer, strlen(peer), relay__now_ms(), 10.0);
        RLOGI("http_auth_failed", "peer=%s", peer);
        evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
                          "Basic realm=\"cairn-relay\"");
        relay__http_error(req, 401, "unauthorized");
        return false;
    }
    if (!relay__rl_take(&r->rl_account, p->uri, strlen(p->uri), relay__now_ms(), 1.0)) {
        r->m.rate_limited_total++;
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
        relay__http_error(req, 429, "rate_limited");
        return false;
    }
    return true;
}

char *relay__http_body(relay *r, struct evhttp_request *req, size_t max, size_t *len)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    if (n > max) {
        relay__http_error(req, 413, "body_too_large");
        return NULL;
    }
    char *b = cairn__alloc(r->ctx, n + 1);
    if (b == NULL) {
        relay__http_error(req, 500, "nomem");
        return NULL;
    }
    evbuffer_remove(in, b, n);
    b[n] = 0;
    *len = n;
    return b;
}

static bool prefix(const char *path, const char *p)
{
    size_t n = strlen(p);
    return strncmp(path, p, n) == 0 && (path[n] == 0 || path[n] == '/');
}

static void route(struct evhttp_request *req, void *arg)
{
    relay *r = arg;
    char peer[64];
    const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
    const char *path = u ? evhttp_uri_get_path(u) : NULL;

    r->m.http_requests_total++;
    if (path == NULL) {
        relay__http_error(req, 400, "bad_request");
        return;
    }
    relay__http_peer(req, peer, sizeof peer);
    if (!relay__rl_take(&r->rl_address, peer, strlen(peer), relay__now_ms(), 1.0)) {
        r->m.rate_limited_total++;
        evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
        relay__http_error(req, 429, "rate_limited");
        return;
    }
    if (r->draining) {
        relay__http_error(req, 503, "shutting_down");
        return;
    }
    /* Requests needing Argon2id wait for the workers, then come back to
     * relay__http_dispatch. */
    if (relay__prework_start(r, req, path))
        return;
    relay__http_dispatch(r, req);
}

void relay__http_dispatch(relay *r, struct evhttp_request *req)
{
    const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
    const char *path = u ? evhttp_uri_get_path(u) : "";
    if (path == NULL)
        path = "";
    if (strcmp(path, "/healthz") == 0 || strcmp(path, "/metrics") == 0)
        relay__http_ops(r, req, path);
    else if (prefix(path, "/v1/accounts") || prefix(path, "/v1/devices"))
        relay__http_accounts(r, req, path);
    else if (prefix(path, "/v1/keys") || prefix(path, "/v1/bundle"))
        relay__http_keys(r, req, path);
    else if (prefix(path, "/v1/files"))
        relay__http_files(r, req, path);
    else if (prefix(path, "/v1/provisioning"))
        relay__http_provision(r, req, path); /* no credentials: RELAY-PROV-1 */
    else
        relay__http_error(req, 404, "not_found");
}

cairn_status relay__http_start(relay *r)
{
    char host[RELAY_STR_MAX];
    snprintf(host, sizeof host, "%s", r->cfg.https_listen);
    char *colon = strrchr(host, ':');
    if (colon == NULL) {
        RLOGE("config", "reason=\"https_listen needs host:port\"");
        return CAIRN_ERR_INVALID_ARG;
    }
    *colon = 0;
    int port = atoi(colon + 1);
    char *h = host;
    if (h[0] == '[') {
        h++;
        char *rb = strchr(h, ']');
        if (rb)
            *rb = 0;
    }
    r->http = evhttp_new(r->base);
    if (r->http == NULL)
        return CAIRN_ERR_NOMEM;
    evhttp_set_bevcb(r->http, bevcb, r);
    evhttp_set_gencb(r->http, route, r);
    evhttp_set_max_headers_size(r->http, (ev_ssize_t)r->cfg.http_max_header_bytes);
    evhttp_set_max_body_size(r->http, (ev_ssize_t)r->cfg.file_max_bytes);
    evhttp_set_timeout(r->http, (int)r->cfg.http_timeout_seconds);
    evhttp_set_allowed_methods(r->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                            EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD);
    evhttp_set_default_content_type(r->http, "application/json");
    struct evhttp_bound_socket *bs = evhttp_bind_socket_with_handle(r->http, h, (ev_uint16_t)port);
    if (bs == NULL) {
        RLOGE("https_listen_failed", "addr=%s", r->cfg.https_listen);
        return CAIRN_ERR_NETWORK;
    }
    /* Accepted sockets inherit TCP_NODELAY from the listener (Linux, BSD):
     * evhttp writes an answer's headers and body as two TLS records, and
     * under Nagle the second waited for the client's delayed ACK (~40 ms
     * per request, seen with tshark in bench_e2e). */
    int one = 1;
    (void)setsockopt(evhttp_bound_socket_get_fd(bs), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    r->https_port = relay__bound_port(evhttp_bound_socket_get_fd(bs));
    RLOGI("https_listening", "addr=%s port=%u", r->cfg.https_listen, r->https_port);
    return CAIRN_OK;
}

void relay__http_stop(relay *r)
{
    if (r->http) {
        evhttp_free(r->http);
        r->http = NULL;
    }
}
