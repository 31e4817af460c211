/*
 * http_ops.c - /healthz and /metrics on the HTTPS listener.
 *
 * /healthz is the one unauthenticated endpoint: it reveals nothing but
 * "the process answers and its database does". /metrics (counts only, no
 * identities) needs the configured bearer token, or, when none is set,
 * comes only from a loopback peer (a scraper on the same host).
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "relay.h"

static bool metrics_allowed(relay *r, struct evhttp_request *req)
{
    char peer[64];
    if (r->cfg.metrics_token[0]) {
        const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
        char want[RELAY_STR_MAX + 16];
        int n = snprintf(want, sizeof want, "Bearer %s", r->cfg.metrics_token);
        return h && strlen(h) == (size_t)n && cairn__memeq_ct(h, want, (size_t)n) == 0;
    }
    relay__http_peer(req, peer, sizeof peer);
    return strncmp(peer, "127.", 4) == 0 || strcmp(peer, "::1") == 0;
}

void relay__http_ops(relay *r, struct evhttp_request *req, const char *path)
{
    struct evbuffer *b = evbuffer_new();
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    if (b == NULL) {
        relay__http_error(req, 500, "nomem");
        return;
    }
    if (strcmp(path, "/healthz") == 0) {
        bool ok = relay__exec(r, "SELECT 1");
        evhttp_add_header(h, "Content-Type", "text/plain");
        evbuffer_add_printf(b, ok ? "ok\n" : "database unavailable\n");
        evhttp_send_reply(req, ok ? 200 : 503, ok ? "OK" : "Unavailable", b);
    } else if (!metrics_allowed(r, req)) {
        evbuffer_free(b);
        relay__http_error(req, 403, "forbidden");
        return;
    } else {
        cairn__buf o;
        cairn__buf_init(&o, r->ctx, 1 << 20);
        if (relay__metrics_format(&r->m, &o) != CAIRN_OK) {
            cairn__buf_free(&o);
            evbuffer_free(b);
            relay__http_error(req, 500, "metrics");
            return;
        }
        evbuffer_add(b, o.data, o.len);
        cairn__buf_free(&o);
        evhttp_add_header(h, "Content-Type", "text/plain; version=0.0.4");
        evhttp_send_reply(req, 200, "OK", b);
    }
    evbuffer_free(b);
}
