/*
 * msrp_conn.c - the MSRP-over-TLS listener of session mode and the life
 * cycle of its connections, on libevent OpenSSL bufferevents, bounded like
 * the SIP listener (sip_conn.c):
 *  - input: the cairn_msrp parser holds at most one header block (4 KiB
 *    lines, 32 headers, 16 KiB) and streams bodies; a chunk body over
 *    [msrp] max_message_bytes is a framing error; the reassembler holds at
 *    most max_concurrent_messages partial messages and max_buffered_bytes;
 *    libevent reads at most 64 KiB ahead;
 *  - slow senders: one MSRP request must complete within [limits]
 *    message_timeout_ms of its first byte, a message's chunks within
 *    [msrp] message_timeout_ms of its first chunk, and a connection must
 *    bind to a session (first good SEND) within register_timeout_seconds;
 *  - connections: [msrp] max_connections in all, and per client address
 *    limits.max_connections_per_address shared with SIP (conncap.c);
 *  - idle_timeout_seconds without input and write_timeout_seconds without
 *    progress on output close the connection; over max_pending_output
 *    bytes of unsent output the relay stops reading until it drains.
 * A framing error is final (MSRP-PARSE-5): the connection is closed.
 * Connections are freed by their own callbacks or the sweep only; a
 * handler that wants one gone sets `closing`.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "msrp_internal.h"
#include "runtime.h"

/* MSRP connections count against limits.max_connections_per_address
 * together with the address's SIP connections: both serve the same
 * devices, and conncap.c has no separate MSRP count yet. */
#define MSRP_CAP RELAY_CAP_SIP

static void conn_free(msrp_conn *c, const char *why, bool limit)
{
    relay *r = c->r;
    struct relay_msrp *ms = r->msrp;
    if (limit)
        r->m.hostile_closed_total++;
    RLOGD("msrp_close", "conn=%llu peer=%s reason=%s",
          (unsigned long long)(c->id & ~RELAY_MSRP_CONN_FLAG), c->addr, why);
    relay__map_del(&ms->conns, c->id);
    if (c->prev)
        c->prev->next = c->next;
    else
        ms->conn_head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    relay__tls_bev_free(c->bev);
    cairn_msrp_parser_destroy(c->p);
    cairn_msrp_reasm_destroy(c->reasm);
    relay__conncap_put(r, MSRP_CAP, c->addr);
    r->m.msrp_connections_open--;
    msrp_session *s = c->s;
    cairn__free(r->ctx, c);
    /* BIND-SESS-7 in reverse: without its connection the session is over. */
    if (s != NULL) {
        s->conn_id = 0;
        msrp__session_end(s, "msrp_closed", true, 0);
    }
}

void msrp__conn_close_later(relay *r, uint64_t conn_id)
{
    msrp_conn *c = relay__map_get(&r->msrp->conns, conn_id);
    if (c == NULL)
        return;
    c->s = NULL;
    if (r->msrp->in_callbacks)
        c->closing = true;
    else
        conn_free(c, "session_ended", false);
}

static void check_output(msrp_conn *c)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (!c->out_blocked && evbuffer_get_length(out) > (size_t)c->r->cfg.max_pending_output) {
        c->out_blocked = true;
        bufferevent_disable(c->bev, EV_READ);
    }
}

bool msrp__send(msrp_conn *c, const cairn__buf *b)
{
    if (c->closing || c->bev == NULL || bufferevent_write(c->bev, b->data, b->len) != 0)
        return false;
    check_output(c);
    return true;
}

static void process_input(msrp_conn *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    c->r->msrp->in_callbacks++;
    while (!c->closing && !c->out_blocked && evbuffer_get_length(in) > 0) {
        struct evbuffer_iovec v;
        if (evbuffer_peek(in, -1, NULL, &v, 1) < 1)
            break;
        cairn_status st = cairn_msrp_parser_feed(c->p, v.iov_base, v.iov_len);
        evbuffer_drain(in, v.iov_len);
        if (st != CAIRN_OK) {
            c->r->m.hostile_closed_total++;
            RLOGI("msrp_framing_error", "conn=%llu peer=%s status=%s",
                  (unsigned long long)(c->id & ~RELAY_MSRP_CONN_FLAG), c->addr,
                  cairn_status_name(st));
            c->closing = true;
            break;
        }
        if (!cairn_msrp_parser_idle(c->p) && c->req_start_ms == 0)
            c->req_start_ms = relay__now_ms();
    }
    c->r->msrp->in_callbacks--;
}

/* Frees a closing connection now, or once its last responses are
 * written (a 481 before hanging up is worth delivering); the write
 * timeout bounds the wait. */
static void close_or_flush(msrp_conn *c)
{
    if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
        conn_free(c, "closed", false);
        return;
    }
    c->flush_close = true;
    bufferevent_disable(c->bev, EV_READ);
    bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
}

static void on_read(struct bufferevent *bev, void *arg)
{
    msrp_conn *c = arg;
    (void)bev;
    process_input(c);
    if (c->closing)
        close_or_flush(c);
}

static void on_write(struct bufferevent *bev, void *arg)
{
    msrp_conn *c = arg;
    (void)bev;
    if (c->flush_close) {
        if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
            conn_free(c, "closed", false);
        return;
    }
    if (!c->out_blocked)
        return;
    c->out_blocked = false;
    if (c->r->draining)
        return;
    bufferevent_enable(c->bev, EV_READ);
    process_input(c);
    if (c->closing)
        close_or_flush(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    msrp_conn *c = arg;
    (void)bev;
    if (what & BEV_EVENT_CONNECTED)
        return;
    if (what & BEV_EVENT_TIMEOUT)
        conn_free(c, (what & BEV_EVENT_WRITING) ? "write_timeout" : "idle_timeout", true);
    else
        conn_free(c, (what & BEV_EVENT_EOF) ? "eof" : "error", false);
}

static cairn_status conn_new(relay *r, msrp_conn **out)
{
    msrp_conn *c = cairn__calloc(r->ctx, 1, sizeof *c);
    cairn_msrp_limits lim;
    cairn_msrp_reasm_limits rl;
    if (c == NULL)
        return CAIRN_ERR_NOMEM;
    memset(&lim, 0, sizeof lim);
    /* No legitimate chunk is larger than a whole message. */
    lim.max_body = (uint64_t)r->cfg.msrp_max_message_bytes;
    memset(&rl, 0, sizeof rl);
    rl.max_message = (size_t)r->cfg.msrp_max_message_bytes;
    rl.max_messages = (size_t)r->cfg.msrp_max_concurrent;
    rl.max_total = (size_t)(r->cfg.msrp_max_buffered > r->cfg.msrp_max_message_bytes
                                ? r->cfg.msrp_max_buffered
                                : r->cfg.msrp_max_message_bytes);
    c->r = r;
    if (cairn_msrp_parser_create(r->ctx, &lim, &msrp__parser_cb, c, &c->p) != CAIRN_OK ||
        cairn_msrp_reasm_create(r->ctx, &rl, &c->reasm) != CAIRN_OK) {
        cairn_msrp_parser_destroy(c->p);
        cairn__free(r->ctx, c);
        return CAIRN_ERR_NOMEM;
    }
    *out = c;
    return CAIRN_OK;
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
    relay *r = arg;
    struct relay_msrp *ms = r->msrp;
    char addr[48];
    msrp_conn *c = NULL;
    (void)l;
    (void)salen;

    if (!relay__accept_admit(r, fd, sa, (int64_t)r->m.msrp_connections_open,
                             r->cfg.msrp_max_connections, MSRP_CAP, addr))
        return;
    SSL *ssl = SSL_new(r->ssl);
    if (ssl == NULL || conn_new(r, &c) != CAIRN_OK) {
        SSL_free(ssl);
        evutil_closesocket(fd);
        relay__conncap_put(r, MSRP_CAP, addr);
        return;
    }
    c->bev = bufferevent_openssl_socket_new(r->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                            BEV_OPT_CLOSE_ON_FREE);
    c->id = RELAY_MSRP_CONN_FLAG | ++ms->next_id;
    if (c->bev == NULL || relay__map_put(&ms->conns, r->ctx, c->id, c) != CAIRN_OK) {
        if (c->bev)
            bufferevent_free(c->bev);
        else {
            SSL_free(ssl);
            evutil_closesocket(fd);
        }
        cairn_msrp_parser_destroy(c->p);
        cairn_msrp_reasm_destroy(c->reasm);
        cairn__free(r->ctx, c);
        relay__conncap_put(r, MSRP_CAP, addr);
        return;
    }
    snprintf(c->addr, sizeof c->addr, "%s", addr);
    c->opened_ms = relay__now_ms();
    c->next = ms->conn_head;
    if (ms->conn_head)
        ms->conn_head->prev = c;
    ms->conn_head = c;
    r->m.msrp_connections_open++;
    struct timeval rd = {r->cfg.idle_timeout_seconds, 0}, wr = {r->cfg.write_timeout_seconds, 0};
    bufferevent_set_timeouts(c->bev, &rd, &wr);
    bufferevent_setwatermark(c->bev, EV_READ, 0, 65536);
    bufferevent_setwatermark(c->bev, EV_WRITE, (size_t)r->cfg.max_pending_output / 2, 0);
    bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

void relay__msrp_sweep(relay *r, int64_t now)
{
    if (r->msrp == NULL)
        return;
    msrp_conn *c = r->msrp->conn_head, *next;
    for (; c; c = next) {
        next = c->next;
        if (c->flush_close)
            continue; /* freed by on_write or the write timeout */
        if (c->closing)
            close_or_flush(c);
        else if (c->req_start_ms && now - c->req_start_ms > r->cfg.message_timeout_ms)
            conn_free(c, "request_timeout", true);
        else if (c->s == NULL && now - c->opened_ms > r->cfg.register_timeout_seconds * 1000)
            conn_free(c, "bind_timeout", true);
        else if (cairn_msrp_reasm_expire(c->reasm, r->cfg.msrp_message_timeout_ms) > 0)
            r->m.msrp_refused_total++;
    }
    msrp__sessions_sweep(r, now);
}

cairn_status relay__msrp_start(relay *r)
{
    struct sockaddr_storage ss;
    int len;
    char host[64];

    r->msrp = cairn__calloc(r->ctx, 1, sizeof *r->msrp);
    if (r->msrp == NULL)
        return CAIRN_ERR_NOMEM;
    if (!relay__parse_listen(r->cfg.msrp_listen, &ss, &len, host, sizeof host)) {
        RLOGE("config", "reason=\"bad [msrp] listen '%s'\"", r->cfg.msrp_listen);
        return CAIRN_ERR_INVALID_ARG;
    }
    if (r->cfg.msrp_public_host[0]) {
        if (!relay__uri_host(host, sizeof host, r->cfg.msrp_public_host)) {
            RLOGE("config", "reason=\"[msrp] public_host must be an IP literal\"");
            return CAIRN_ERR_INVALID_ARG;
        }
    } else if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "[::]") == 0) {
        RLOGE("config", "reason=\"[msrp] public_host is required with a wildcard listen\"");
        return CAIRN_ERR_INVALID_ARG;
    }
    memcpy(r->msrp->host, host, sizeof host);
    r->msrp->listener = evconnlistener_new_bind(
        r->base, on_accept, r, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
        4096, (struct sockaddr *)&ss, len);
    if (r->msrp->listener == NULL) {
        RLOGE("msrp_listen_failed", "addr=%s", r->cfg.msrp_listen);
        return CAIRN_ERR_NETWORK;
    }
    r->msrp->port = relay__bound_port(evconnlistener_get_fd(r->msrp->listener));
    r->msrp_port = r->msrp->port;
    RLOGI("msrp_listening", "addr=%s port=%u", r->cfg.msrp_listen, r->msrp->port);
    return CAIRN_OK;
}

void relay__msrp_stop_accepting(relay *r)
{
    if (r->msrp == NULL)
        return;
    if (r->msrp->listener) {
        evconnlistener_free(r->msrp->listener);
        r->msrp->listener = NULL;
    }
    for (msrp_conn *c = r->msrp->conn_head; c; c = c->next)
        if (c->bev)
            bufferevent_disable(c->bev, EV_READ);
}

void relay__msrp_close_all(relay *r)
{
    if (r->msrp == NULL)
        return;
    /* Sessions first: their connections go with them, without BYEs (the
     * SIP connections are closing too). */
    msrp__sessions_free_all(r);
    while (r->msrp->conn_head) {
        msrp_conn *c = r->msrp->conn_head;
        if (c->bev)
            bufferevent_flush(c->bev, EV_WRITE, BEV_FLUSH);
        conn_free(c, "shutdown", false);
    }
    relay__map_free(&r->msrp->conns, r->ctx);
    relay__map_free(&r->msrp->sessions, r->ctx);
    cairn__free(r->ctx, r->msrp);
    r->msrp = NULL;
}
