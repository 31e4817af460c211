/*
 * http.c - cairn-kt's HTTP front: the listener, bounded request sizes
 * (KT-API-2), routing by path, and the reply helpers every handler uses
 * (JSON errors with a reason, KT-API-3).
 *
 * Invariants: libevent enforces the body and header caps before a handler
 * runs; handlers answer every request exactly once (publish handlers
 * possibly later, from the batch commit).
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "kts_internal.h"

void kts__reply_bytes(struct evhttp_request *req, const char *ctype,
                      const uint8_t *p, size_t n, const char *cache)
{
    struct evbuffer *b = evbuffer_new();
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    if (b == NULL) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    evbuffer_add(b, p, n);
    evhttp_add_header(h, "Content-Type", ctype);
    if (cache)
        evhttp_add_header(h, "Cache-Control", cache);
    evhttp_send_reply(req, 200, "OK", b);
    evbuffer_free(b);
}

void kts__reply_error(struct evhttp_request *req, int code, const char *err,
                      const char *reason)
{
    struct evbuffer *b = evbuffer_new();
    json_t *o = json_object();
    char *txt;
    json_object_set_new(o, "error", json_string(err));
    json_object_set_new(o, "reason", json_string(reason));
    txt = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (b == NULL || txt == NULL) {
        evhttp_send_error(req, code, NULL);
        if (b)
            evbuffer_free(b);
        free(txt);
        return;
    }
    evbuffer_add(b, txt, strlen(txt));
    free(txt);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "application/json");
    evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control",
                      "no-store");
    evhttp_send_reply(req, code, err, b);
    evbuffer_free(b);
}

cairn_status kts__body(kts_server *s, struct evhttp_request *req,
                       uint8_t **out, size_t *len)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    uint8_t *p;
    if (n > s->opt.max_body) {
        kts__reply_error(req, 413, "too_large", "request body too large");
        return CAIRN_ERR_TOO_LARGE;
    }
    p = cairn__alloc(s->ctx, n ? n : 1);
    if (p == NULL) {
        kts__reply_error(req, 503, "unavailable", "out of memory");
        return CAIRN_ERR_NOMEM;
    }
    evbuffer_copyout(in, p, n);
    *out = p;
    *len = n;
    return CAIRN_OK;
}

typedef struct route {
    const char *path;
    int method;
    void (*fn)(struct evhttp_request *, void *);
} route;

static const route routes[] = {
    {"/kt/v1/publish", EVHTTP_REQ_POST, kts__h_publish},
    {"/kt/v1/search", EVHTTP_REQ_GET, kts__h_search},
    {"/kt/v1/monitor", EVHTTP_REQ_GET, kts__h_monitor},
    {"/kt/v1/tree-head", EVHTTP_REQ_GET, kts__h_tree_head},
    {"/kt/v1/config", EVHTTP_REQ_GET, kts__h_config},
    {"/kt/v1/audit", EVHTTP_REQ_GET, kts__h_audit},
    {"/kt/v1/auditor-head", EVHTTP_REQ_POST, kts__h_auditor_head},
    {"/kt/v1/test/drop", EVHTTP_REQ_POST, kts__h_test_drop},
};

static void dispatch(struct evhttp_request *req, void *arg)
{
    kts_server *s = arg;
    const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
    const char *path = u ? evhttp_uri_get_path(u) : NULL;
    const char *q = u ? evhttp_uri_get_query(u) : NULL;
    if (path == NULL) {
        kts__reply_error(req, 400, "bad_request", "malformed request URI");
        return;
    }
    if (q && strlen(q) > 4096) {
        kts__reply_error(req, 414, "too_large", "query string too long");
        return;
    }
    if (strncmp(path, "/mirror/", 8) == 0) {
        if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
            evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
            kts__reply_error(req, 405, "method_not_allowed", "mirror is read-only");
            return;
        }
        kts__h_mirror(req, s);
        return;
    }
    for (size_t i = 0; i < CAIRN_ARRAY_LEN(routes); i++) {
        if (strcmp(path, routes[i].path) != 0)
            continue;
        if (routes[i].fn == kts__h_test_drop && !s->opt.unsafe_test_mode)
            break;
        if ((int)evhttp_request_get_command(req) != routes[i].method) {
            kts__reply_error(req, 405, "method_not_allowed",
                             routes[i].method == EVHTTP_REQ_POST ? "use POST" : "use GET");
            return;
        }
        routes[i].fn(req, s);
        return;
    }
    kts__reply_error(req, 404, "not_found", "no such endpoint");
}

cairn_status kts__http_start(kts_server *s)
{
    struct evhttp_bound_socket *h;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    uint16_t port = 0;
    s->http = evhttp_new(s->base);
    if (s->http == NULL)
        return CAIRN_ERR_NOMEM;
    evhttp_set_max_body_size(s->http, (ev_ssize_t)s->opt.max_body);
    evhttp_set_max_headers_size(s->http, 8192);
    evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
                                            EVHTTP_REQ_HEAD);
    evhttp_set_timeout(s->http, 30);
    evhttp_set_gencb(s->http, dispatch, s);
    if (s->opt.tls_cert && kts__tls_setup(s) != CAIRN_OK)
        return CAIRN_ERR_TLS;
    h = evhttp_bind_socket_with_handle(s->http, s->opt.listen_addr, s->opt.port);
    if (h == NULL) {
        CAIRN_LOGE(s->ctx, "kt", "cannot listen on %s:%u", s->opt.listen_addr,
                   (unsigned)s->opt.port);
        return CAIRN_ERR_NETWORK;
    }
    if (getsockname(evhttp_bound_socket_get_fd(h), (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET)
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        else if (ss.ss_family == AF_INET6)
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    }
    CAIRN_LOGI(s->ctx, "kt", "listening on %s:%u", s->opt.listen_addr, (unsigned)port);
    if (s->opt.port_file) {
        char tmp[4096];
        FILE *f;
        snprintf(tmp, sizeof tmp, "%s.tmp", s->opt.port_file);
        f = fopen(tmp, "w");
        if (f == NULL || fprintf(f, "%u\n", (unsigned)port) < 0 || fclose(f) != 0 ||
            rename(tmp, s->opt.port_file) != 0)
            return CAIRN_ERR_IO;
    }
    return CAIRN_OK;
}
