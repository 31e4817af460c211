/*
 * sip_conn.c - the SIP-over-TLS listener and connection life cycle on
 * libevent OpenSSL bufferevents, with every per-connection resource
 * bounded:
 *  - input: the cairn_sip_reader caps header bytes, header count and body
 *    (a too-large Content-Length fails before any body is buffered) and
 *    libevent reads at most 64 KiB ahead (read high-water mark);
 *  - slow senders: a message must complete within message_timeout_ms of
 *    its first byte (checked by the 1 s sweep, since a byte a second keeps
 *    a plain idle timeout from ever firing); a connection must REGISTER
 *    within register_timeout_seconds; no input for idle_timeout_seconds
 *    closes it;
 *  - slow readers: when more than max_pending_output bytes wait to be
 *    written, the relay stops reading the connection's requests and stops
 *    delivering to it, until the output drains to half; if nothing can be
 *    written for write_timeout_seconds the connection is closed.
 * A framing error is final (SIP-26): the connection is closed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "cairn/sip_addr.h"
#include "runtime.h"
#include "msrp_internal.h"

static void conn_free(sip_conn *c, const char *why, bool limit)
{
    relay *r = c->r;
    if (limit)
        r->m.hostile_closed_total++;
    RLOGD("sip_close", "conn=%llu peer=%s reason=%s", (unsigned long long)c->id, c->addr, why);
    sip__unbind(c);
    relay__map_del(&r->conns, c->id);
    if (c->prev)
        c->prev->next = c->next;
    else
        r->conn_head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    relay__tls_bev_free(c->bev);
    cairn_sip_reader_free(c->rd);
    cairn__free(r->ctx, c->win);
    relay__conncap_put(r, RELAY_CAP_SIP, c->addr);
    r->m.sip_connections_open--;
    cairn__free(r->ctx, c);
}

void sip__bind(sip_conn *c, const relay_principal *p)
{
    relay *r = c->r;
    sip_conn *old = relay__map_get(&r->bindings, (uint64_t)p->device_row);
    if (old && old != c)
        sip__unbind(old);
    if (c->registered && c->who.device_row != p->device_row)
        sip__unbind(c);
    if (c->win == NULL) {
        c->win = cairn__calloc(r->ctx, (size_t)r->cfg.delivery_window, sizeof(sip_inflight));
        if (c->win == NULL) {
            c->closing = true;
            return;
        }
    }
    if (relay__map_put(&r->bindings, r->ctx, (uint64_t)p->device_row, c) != CAIRN_OK) {
        c->closing = true;
        return;
    }
    if (!c->registered)
        r->m.sip_registered++;
    c->registered = true;
    c->who = *p;
    memset(c->win, 0, (size_t)r->cfg.delivery_window * sizeof(sip_inflight));
    c->last_sent_qid = 0;
    c->drained_at = 0;
    c->retry_at_ms = 0;
    c->inflight = 0;
}

void sip__unbind(sip_conn *c)
{
    relay *r = c->r;
    if (!c->registered)
        return;
    if (relay__map_get(&r->bindings, (uint64_t)c->who.device_row) == c)
        relay__map_del(&r->bindings, (uint64_t)c->who.device_row);
    c->registered = false;
    c->inflight = 0;
    r->m.sip_registered--;
}

static void check_output(sip_conn *c)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (!c->out_blocked && evbuffer_get_length(out) > (size_t)c->r->cfg.max_pending_output) {
        c->out_blocked = true;
        bufferevent_disable(c->bev, EV_READ);
    }
}

bool sip__send(sip_conn *c, const void *p, size_t n)
{
    if (c->closing || c->bev == NULL)
        return false;
    if (bufferevent_write(c->bev, p, n) != 0)
        return false;
    check_output(c);
    return true;
}

bool relay__sip_send_to(relay *r, uint64_t conn_id, const void *data, size_t len)
{
    sip_conn *c = relay__map_get(&r->conns, conn_id);
    return c != NULL && sip__send(c, data, len);
}

void sip__respond_with(sip_conn *c, const cairn_sip_msg *req, int code, const char *reason,
                       const char *tag, const char *extra, const char *ctype, const void *body,
                       size_t len)
{
    struct evbuffer *o;
    const char *v;
    cairn_sip_str t = {0};

    if (c->closing || c->bev == NULL || (o = evbuffer_new()) == NULL)
        return;
    evbuffer_add_printf(o, "SIP/2.0 %d %s\r\n", code, reason);
    for (size_t i = 0; (v = cairn_sip_msg_header(req, "Via", i)) != NULL; i++)
        evbuffer_add_printf(o, "Via: %s\r\n", v);
    if ((v = cairn_sip_msg_header(req, "From", 0)) != NULL)
        evbuffer_add_printf(o, "From: %s\r\n", v);
    if ((v = cairn_sip_msg_header(req, "To", 0)) != NULL) {
        bool add = tag && cairn_sip_msg_tag(req, "To", &t) == CAIRN_OK && t.len == 0;
        evbuffer_add_printf(o, "To: %s%s%s\r\n", v, add ? ";tag=" : "", add ? tag : "");
    }
    if ((v = cairn_sip_msg_header(req, "Call-ID", 0)) != NULL)
        evbuffer_add_printf(o, "Call-ID: %s\r\n", v);
    if ((v = cairn_sip_msg_header(req, "CSeq", 0)) != NULL)
        evbuffer_add_printf(o, "CSeq: %s\r\n", v);
    evbuffer_add_printf(o, "Server: cairn-relay\r\n%s", extra ? extra : "");
    if (body != NULL) {
        evbuffer_add_printf(o, "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n", ctype, len);
        evbuffer_add(o, body, len);
    } else {
        evbuffer_add_printf(o, "Content-Length: 0\r\n\r\n");
    }
    bufferevent_write_buffer(c->bev, o);
    check_output(c);
    evbuffer_free(o);
}

void sip__respond(sip_conn *c, const cairn_sip_msg *req, int code, const char *reason,
                  const char *extra)
{
    char tag[CAIRN_SIP_TOKEN_SIZE];
    /* a fresh To tag, used only when the request's To has none */
    bool have = cairn_sip_token_new(c->r->ctx, tag) == CAIRN_OK;
    sip__respond_with(c, req, code, reason, have ? tag : NULL, extra, NULL, NULL, 0);
}

static void handle(sip_conn *c, cairn_sip_msg *m)
{
    double t0 = relay__mono_s();
    if (!cairn_sip_msg_is_request(m)) {
        sip__handle_response(c, m);
        cairn_sip_msg_free(m);
        return;
    }
    switch (cairn_sip_msg_method_id(m)) {
    case CAIRN_SIP_REGISTER:
        sip__handle_register(c, m);
        break;
    case CAIRN_SIP_MESSAGE:
        sip__handle_message(c, m, t0);
        return; /* owns m */
    case CAIRN_SIP_OPTIONS:
        sip__respond(c, m, 200, "OK",
                     "Allow: REGISTER, MESSAGE, OPTIONS, INVITE, ACK, BYE, CANCEL\r\nAccept: "
                     "message/cpim, multipart/mixed, application/sdp\r\n");
        break;
    case CAIRN_SIP_ACK:
        sip__handle_ack(c, m);
        break;
    case CAIRN_SIP_INVITE: /* session mode: sip_invite.c */
        sip__handle_invite(c, m);
        break;
    case CAIRN_SIP_BYE:
        sip__handle_bye(c, m);
        break;
    case CAIRN_SIP_CANCEL:
        sip__handle_cancel(c, m);
        break;
    default:
        sip__respond(c, m, 405, "Method Not Allowed",
                     "Allow: REGISTER, MESSAGE, OPTIONS, INVITE, ACK, BYE, CANCEL\r\n");
        break;
    }
    cairn_sip_msg_free(m);
}

static void on_read(struct bufferevent *bev, void *arg);

static void process_input(sip_conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    while (!c->closing && !c->out_blocked && evbuffer_get_length(in) > 0) {
        struct evbuffer_iovec v;
        if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
            break;
        size_t used = 0;
        cairn_sip_msg *m = NULL;
        cairn_status st = cairn_sip_reader_feed(c->rd, v.iov_base, v.iov_len, &used, &m);
        evbuffer_drain(in, used);
        if (st != CAIRN_OK) {
            c->r->m.hostile_closed_total++;
            RLOGI("sip_framing_error", "conn=%llu peer=%s status=%s", (unsigned long long)c->id,
                  c->addr, cairn_status_name(st));
            c->closing = true;
            break;
        }
        if (m != NULL) {
            c->msg_start_ms = 0;
            handle(c, m);
        }
        if (cairn_sip_reader_pending(c->rd) > 0 && c->msg_start_ms == 0)
            c->msg_start_ms = relay__now_ms();
    }
}

static void on_read(struct bufferevent *bev, void *arg)
{
    sip_conn *c = arg;
    (void)bev;
    process_input(c);
    if (c->closing)
        conn_free(c, "closed", false);
}

static void on_write(struct bufferevent *bev, void *arg)
{
    sip_conn *c = arg;
    (void)bev;
    if (!c->out_blocked)
        return;
    c->out_blocked = false;
    if (c->r->draining)
        return;
    bufferevent_enable(c->bev, EV_READ);
    process_input(c);
    if (!c->closing)
        sip__deliver_more(c);
    if (c->closing)
        conn_free(c, "closed", false);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    sip_conn *c = arg;
    (void)bev;
    if (what & BEV_EVENT_CONNECTED)
        return;
    if (what & BEV_EVENT_TIMEOUT)
        conn_free(c, (what & BEV_EVENT_WRITING) ? "write_timeout" : "idle_timeout", true);
    else
        conn_free(c, (what & BEV_EVENT_EOF) ? "eof" : "error", false);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
    relay *r = arg;
    char addr[48];
    (void)l;
    (void)salen;

    if (!relay__accept_admit(r, fd, sa, (int64_t)r->m.sip_connections_open, r->cfg.max_connections,
                             RELAY_CAP_SIP, addr))
        return;
    sip_conn *c = cairn__calloc(r->ctx, 1, sizeof *c);
    SSL *ssl = SSL_new(r->ssl);
    cairn_sip_limits lim;
    cairn_sip_limits_default(&lim);
    lim.max_header_bytes = (size_t)r->cfg.max_sip_header_bytes;
    lim.max_headers = (size_t)r->cfg.max_sip_headers;
    lim.max_line = lim.max_header_bytes < 8192 ? lim.max_header_bytes : 8192;
    lim.max_body = (size_t)r->cfg.max_message_bytes + 16384; /* multipart overhead */
    if (c == NULL || ssl == NULL || cairn_sip_reader_new(r->ctx, &lim, &c->rd) != CAIRN_OK) {
        SSL_free(ssl);
        cairn__free(r->ctx, c);
        evutil_closesocket(fd);
        relay__conncap_put(r, RELAY_CAP_SIP, addr);
        return;
    }
    c->bev = bufferevent_openssl_socket_new(r->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                            BEV_OPT_CLOSE_ON_FREE);
    if (c->bev == NULL) {
        SSL_free(ssl);
        cairn_sip_reader_free(c->rd);
        cairn__free(r->ctx, c);
        evutil_closesocket(fd);
        relay__conncap_put(r, RELAY_CAP_SIP, addr);
        return;
    }
    c->r = r;
    c->id = ++r->next_conn_id;
    snprintf(c->addr, sizeof c->addr, "%s", addr);
    c->opened_ms = relay__now_ms();
    if (relay__map_put(&r->conns, r->ctx, c->id, c) != CAIRN_OK) {
        bufferevent_free(c->bev);
        cairn_sip_reader_free(c->rd);
        cairn__free(r->ctx, c);
        relay__conncap_put(r, RELAY_CAP_SIP, addr);
        return;
    }
    c->next = r->conn_head;
    if (r->conn_head)
        r->conn_head->prev = c;
    r->conn_head = c;
    r->m.sip_connections_total++;
    r->m.sip_connections_open++;
    struct timeval rd = {r->cfg.idle_timeout_seconds, 0}, wr = {r->cfg.write_timeout_seconds, 0};
    bufferevent_set_timeouts(c->bev, &rd, &wr);
    bufferevent_setwatermark(c->bev, EV_READ, 0, 65536);
    bufferevent_setwatermark(c->bev, EV_WRITE, (size_t)r->cfg.max_pending_output / 2, 0);
    bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

void relay__sip_drop_device(relay *r, int64_t device_row)
{
    sip_conn *c = relay__map_get(&r->bindings, (uint64_t)device_row);
    if (c != NULL)
        conn_free(c, "device_removed", false);
}

void relay__sip_sweep(relay *r, int64_t now)
{
    sip_conn *c = r->conn_head, *next;
    for (; c; c = next) {
        next = c->next;
        if (c->msg_start_ms && now - c->msg_start_ms > r->cfg.message_timeout_ms)
            conn_free(c, "message_timeout", true);
        else if (!c->registered && now - c->opened_ms > r->cfg.register_timeout_seconds * 1000)
            conn_free(c, "register_timeout", true);
        else if (c->registered && c->retry_at_ms && now >= c->retry_at_ms && c->inflight == 0) {
            /* RELAY-Q-4: once nothing is in flight, start again from the
             * oldest copy still queued (the refused one) */
            c->retry_at_ms = 0;
            c->last_sent_qid = 0;
            c->drained_at = 0;
            sip__deliver_more(c);
        }
    }
}

cairn_status relay__sip_start(relay *r)
{
    struct sockaddr_storage ss;
    int len;
    if (!relay__parse_listen(r->cfg.sip_listen, &ss, &len, NULL, 0)) {
        RLOGE("config", "reason=\"bad sip_listen '%s'\"", r->cfg.sip_listen);
        return CAIRN_ERR_INVALID_ARG;
    }
    r->sip_listener = evconnlistener_new_bind(
        r->base, on_accept, r, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
        4096, (struct sockaddr *)&ss, len);
    if (r->sip_listener == NULL) {
        RLOGE("sip_listen_failed", "addr=%s", r->cfg.sip_listen);
        return CAIRN_ERR_NETWORK;
    }
    r->sip_port = relay__bound_port(evconnlistener_get_fd(r->sip_listener));
    RLOGI("sip_listening", "addr=%s port=%u", r->cfg.sip_listen, r->sip_port);
    return CAIRN_OK;
}

void relay__sip_stop_accepting(relay *r)
{
    if (r->sip_listener) {
        evconnlistener_free(r->sip_listener);
        r->sip_listener = NULL;
    }
    /* Draining: take no new requests, so nothing arrives after the final
     * batch; responses already owed still go out. */
    for (sip_conn *c = r->conn_head; c; c = c->next)
        if (c->bev)
            bufferevent_disable(c->bev, EV_READ);
}

void relay__sip_close_all(relay *r)
{
    while (r->conn_head) {
        sip_conn *c = r->conn_head;
        if (c->bev)
            bufferevent_flush(c->bev, EV_WRITE, BEV_FLUSH);
        conn_free(c, "shutdown", false);
    }
    relay__map_free(&r->conns, r->ctx);
    relay__map_free(&r->bindings, r->ctx);
}
