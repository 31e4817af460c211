/*
 * conn.c - the connection state machine drawn in cairn/conn.h:
 * CONNECTING -> HANDSHAKING -> OPEN -> CLOSING -> CLOSED.
 *
 * Invariants kept here: the output queue (out.data[out_off..out.len)) never
 * exceeds cfg.max_out; on_data is only called in OPEN/CLOSING; reads per
 * process() call are capped; every failure path ends in enter_closed(),
 * which closes the fd exactly once and reports the reason once. With TLS
 * the bytes at the queue head are offered again unchanged after a
 * WANT_WRITE, as both backends require.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include "conn_internal.h"

struct cairn_conn {
    const cairn_context *ctx;
    cairn_conn_config cfg;
    cairn_conn_callbacks cb;
    void *ud;
    int fd;
    cairn_conn_state state;
    cairn_status error;
    cairn_tls *tls;
    cairn_tls_want tls_want; /* what the last TLS call waits for */
    cairn__buf out;
    size_t out_off;
    uint8_t *rbuf;
    bool paused;
    bool notify_open; /* adopted plain socket: report OPEN on first process */
    bool shut_sent;
    int64_t phase_deadline; /* connect / handshake / close */
    int64_t last_rx, last_tx;
};

void cairn_conn_config_init(cairn_conn_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->max_out = (size_t)1 << 20;
    cfg->read_chunk = 16384;
    cfg->max_read_per_call = 262144;
    cfg->connect_timeout_ms = 15000;
    cfg->handshake_timeout_ms = 15000;
    cfg->close_timeout_ms = 2000;
}

static void set_state(cairn_conn *c, cairn_conn_state st, cairn_status why)
{
    c->state = st;
    if (c->cb.on_state)
        c->cb.on_state(c->ud, c, st, why);
}

static void enter_closed(cairn_conn *c, cairn_status why)
{
    if (c->state == CAIRN_CONN_CLOSED)
        return;
    c->error = why;
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    cairn__buf_reset(&c->out);
    c->out_off = 0;
    set_state(c, CAIRN_CONN_CLOSED, why);
}

static cairn_status conn_new(const cairn_context *ctx, const cairn_conn_config *cfg, int fd,
                             const cairn_conn_callbacks *cb, void *ud, cairn_conn **out)
{
    cairn_conn *c = cairn__calloc(ctx, 1, sizeof(*c));

    if (c == NULL)
        return CAIRN_ERR_NOMEM;
    c->ctx = ctx;
    if (cfg != NULL)
        c->cfg = *cfg;
    else
        cairn_conn_config_init(&c->cfg);
    {
        cairn_conn_config d;
        cairn_conn_config_init(&d);
        if (c->cfg.max_out == 0)
            c->cfg.max_out = d.max_out;
        if (c->cfg.read_chunk == 0)
            c->cfg.read_chunk = d.read_chunk;
        if (c->cfg.max_read_per_call < c->cfg.read_chunk)
            c->cfg.max_read_per_call = c->cfg.read_chunk;
        if (c->cfg.connect_timeout_ms <= 0)
            c->cfg.connect_timeout_ms = d.connect_timeout_ms;
        if (c->cfg.handshake_timeout_ms <= 0)
            c->cfg.handshake_timeout_ms = d.handshake_timeout_ms;
        if (c->cfg.close_timeout_ms <= 0)
            c->cfg.close_timeout_ms = d.close_timeout_ms;
    }
    if (cb != NULL)
        c->cb = *cb;
    c->ud = ud;
    c->fd = fd;
    c->phase_deadline = -1;
    c->last_rx = c->last_tx = cairn__now_ms(ctx);
    cairn__buf_init(&c->out, ctx, c->cfg.max_out);
    c->rbuf = cairn__alloc(ctx, c->cfg.read_chunk);
    if (c->rbuf == NULL) {
        cairn__free(ctx, c);
        return CAIRN_ERR_NOMEM;
    }
    if (c->cfg.keepalive == CAIRN_CONN_KA_TCP && c->cfg.keepalive_ms > 0) {
        int one = 1, idle = (int)(c->cfg.keepalive_ms / 1000);
        if (idle < 1)
            idle = 1;
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &idle, sizeof(idle));
    }
    *out = c;
    return CAIRN_OK;
}

static cairn_status start_tls(cairn_conn *c)
{
    cairn_status st = cairn_tls_new(c->cfg.tls, c->fd, c->cfg.server_name, &c->tls);

    if (st != CAIRN_OK)
        return st;
    c->state = CAIRN_CONN_HANDSHAKING;
    c->tls_want = CAIRN_TLS_WANT_WRITE;
    c->phase_deadline = cairn__now_ms(c->ctx) + c->cfg.handshake_timeout_ms;
    return CAIRN_OK;
}

cairn_status cairn_conn_connect(const cairn_context *ctx, const cairn_conn_config *cfg,
                                const char *ip, uint16_t port, const cairn_conn_callbacks *cb,
                                void *ud, cairn_conn **out)
{
    struct sockaddr_storage ss;
    socklen_t len;
    cairn_status st;
    int fd;

    if (ctx == NULL || out == NULL || port == 0)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    if (conn__sockaddr(ip, port, &ss, &len) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return CAIRN_ERR_NETWORK;
    conn__tune(fd);
    if (connect(fd, (struct sockaddr *)&ss, len) != 0 && errno != EINPROGRESS) {
        close(fd);
        return CAIRN_ERR_NETWORK;
    }
    st = conn_new(ctx, cfg, fd, cb, ud, out);
    if (st != CAIRN_OK) {
        close(fd);
        return st;
    }
    (*out)->state = CAIRN_CONN_CONNECTING;
    (*out)->phase_deadline = cairn__now_ms(ctx) + (*out)->cfg.connect_timeout_ms;
    return CAIRN_OK;
}

cairn_status cairn_conn_adopt(const cairn_context *ctx, const cairn_conn_config *cfg, int fd,
                              const cairn_conn_callbacks *cb, void *ud, cairn_conn **out)
{
    cairn_status st;

    if (ctx == NULL || out == NULL || fd < 0) {
        if (fd >= 0)
            close(fd);
        return CAIRN_ERR_INVALID_ARG;
    }
    *out = NULL;
    conn__tune(fd);
    st = conn_new(ctx, cfg, fd, cb, ud, out);
    if (st != CAIRN_OK) {
        close(fd);
        return st;
    }
    if ((*out)->cfg.tls != NULL) {
        st = start_tls(*out);
        if (st != CAIRN_OK) {
            cairn_conn_free(*out);
            *out = NULL;
            return st;
        }
    } else {
        (*out)->state = CAIRN_CONN_OPEN;
        (*out)->notify_open = true;
    }
    return CAIRN_OK;
}

void cairn_conn_free(cairn_conn *c)
{
    if (c == NULL)
        return;
    cairn_tls_free(c->tls);
    if (c->fd >= 0)
        close(c->fd);
    cairn__buf_free(&c->out);
    cairn__free(c->ctx, c->rbuf);
    cairn__free(c->ctx, c);
}

int cairn_conn_fd(const cairn_conn *c)
{
    return c ? c->fd : -1;
}
cairn_conn_state cairn_conn_get_state(const cairn_conn *c)
{
    return c ? c->state : CAIRN_CONN_CLOSED;
}
cairn_status cairn_conn_error(const cairn_conn *c)
{
    return c ? c->error : CAIRN_ERR_INVALID_ARG;
}
cairn_tls *cairn_conn_tls(const cairn_conn *c)
{
    return c ? c->tls : NULL;
}
size_t cairn_conn_out_pending(const cairn_conn *c)
{
    return c ? c->out.len - c->out_off : 0;
}

size_t cairn_conn_out_room(const cairn_conn *c)
{
    return c ? c->cfg.max_out - (c->out.len - c->out_off) : 0;
}

unsigned cairn_conn_events(const cairn_conn *c)
{
    unsigned ev = 0;

    if (c == NULL)
        return 0;
    switch (c->state) {
    case CAIRN_CONN_CONNECTING:
        return CAIRN_CONN_EV_WRITE;
    case CAIRN_CONN_HANDSHAKING:
        return c->tls_want == CAIRN_TLS_WANT_WRITE ? CAIRN_CONN_EV_WRITE : CAIRN_CONN_EV_READ;
    case CAIRN_CONN_OPEN:
    case CAIRN_CONN_CLOSING:
        if (!c->paused || c->state == CAIRN_CONN_CLOSING)
            ev |= CAIRN_CONN_EV_READ;
        if (c->out.len > c->out_off || c->notify_open || c->tls_want == CAIRN_TLS_WANT_WRITE)
            ev |= CAIRN_CONN_EV_WRITE;
        return ev;
    default:
        return 0;
    }
}

int64_t cairn_conn_deadline(const cairn_conn *c)
{
    int64_t d = -1, t;

    if (c == NULL || c->state == CAIRN_CONN_CLOSED)
        return -1;
    if (c->phase_deadline >= 0)
        d = c->phase_deadline;
    if (c->state == CAIRN_CONN_OPEN) {
        if (c->cfg.keepalive_ms > 0 && (c->cfg.keepalive == CAIRN_CONN_KA_CRLF ||
                                        c->cfg.keepalive == CAIRN_CONN_KA_CALLBACK)) {
            t = (c->last_tx > c->last_rx ? c->last_tx : c->last_rx) + c->cfg.keepalive_ms;
            if (d < 0 || t < d)
                d = t;
        }
        if (c->cfg.idle_timeout_ms > 0) {
            t = c->last_rx + c->cfg.idle_timeout_ms;
            if (d < 0 || t < d)
                d = t;
        }
    }
    return d;
}

cairn_status cairn_conn_send(cairn_conn *c, const void *p, size_t n)
{
    if (c == NULL || (p == NULL && n > 0))
        return CAIRN_ERR_INVALID_ARG;
    if (c->state == CAIRN_CONN_CLOSING || c->state == CAIRN_CONN_CLOSED)
        return CAIRN_ERR_STATE;
    if (n > cairn_conn_out_room(c))
        return CAIRN_ERR_LIMIT;
    /* Compact so the buffer's own limit (max_out) counts only live bytes. */
    if (c->out_off > 0 && c->out.len + n > c->cfg.max_out) {
        memmove(c->out.data, c->out.data + c->out_off, c->out.len - c->out_off);
        c->out.len -= c->out_off;
        c->out_off = 0;
    }
    return cairn__buf_append(&c->out, p, n);
}

void cairn_conn_pause_read(cairn_conn *c, bool pause)
{
    if (c != NULL)
        c->paused = pause;
}

void cairn_conn_close(cairn_conn *c)
{
    if (c == NULL || c->state == CAIRN_CONN_CLOSED || c->state == CAIRN_CONN_CLOSING)
        return;
    if (c->state != CAIRN_CONN_OPEN) { /* nothing useful in flight yet */
        enter_closed(c, CAIRN_OK);
        return;
    }
    c->state = CAIRN_CONN_CLOSING;
    c->phase_deadline = cairn__now_ms(c->ctx) + c->cfg.close_timeout_ms;
    if (c->cb.on_state)
        c->cb.on_state(c->ud, c, CAIRN_CONN_CLOSING, CAIRN_OK);
}

/* ---- I/O ------------------------------------------------------------------ */

/* Writes as much of the queue as the socket takes. */
static cairn_status flush_out(cairn_conn *c)
{
    while (c->out.len > c->out_off) {
        const uint8_t *p = c->out.data + c->out_off;
        size_t left = c->out.len - c->out_off, n = 0;

        c->tls_want = CAIRN_TLS_DONE;
        if (c->tls != NULL) {
            cairn_status st = cairn_tls_write(c->tls, p, left, &n, &c->tls_want);
            if (st != CAIRN_OK)
                return st;
            if (n == 0)
                return CAIRN_OK;
        } else {
            ssize_t r = send(c->fd, p, left, MSG_NOSIGNAL);
            if (r < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                    c->tls_want = CAIRN_TLS_WANT_WRITE;
                    return CAIRN_OK;
                }
                return CAIRN_ERR_NETWORK;
            }
            n = (size_t)r;
        }
        c->out_off += n;
        c->last_tx = cairn__now_ms(c->ctx);
    }
    c->tls_want = CAIRN_TLS_DONE;
    cairn__buf_reset(&c->out);
    c->out_off = 0;
    return CAIRN_OK;
}

/* Reads up to the per-call cap; *eof set on orderly close. */
static cairn_status read_in(cairn_conn *c, bool *eof)
{
    size_t total = 0;

    *eof = false;
    while (total < c->cfg.max_read_per_call && c->state != CAIRN_CONN_CLOSED &&
           (!c->paused || c->state == CAIRN_CONN_CLOSING)) {
        size_t n = 0;
        cairn_status st;

        if (c->tls != NULL) {
            cairn_tls_want w;
            st = cairn_tls_read(c->tls, c->rbuf, c->cfg.read_chunk, &n, &w);
            if (st != CAIRN_OK)
                return st;
            if (n == 0) {
                if (w == CAIRN_TLS_DONE)
                    *eof = true;
                return CAIRN_OK;
            }
        } else {
            ssize_t r = recv(c->fd, c->rbuf, c->cfg.read_chunk, 0);
            if (r < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                    return CAIRN_OK;
                return CAIRN_ERR_NETWORK;
            }
            if (r == 0) {
                *eof = true;
                return CAIRN_OK;
            }
            n = (size_t)r;
        }
        total += n;
        c->last_rx = cairn__now_ms(c->ctx);
        if (c->state == CAIRN_CONN_CLOSING)
            continue; /* draining: the owner asked to stop taking work */
        if (c->cb.on_data != NULL) {
            st = c->cb.on_data(c->ud, c, c->rbuf, n);
            if (st != CAIRN_OK)
                return st;
        }
    }
    return CAIRN_OK;
}

static void do_timers(cairn_conn *c, int64_t now)
{
    if (c->phase_deadline >= 0 && now >= c->phase_deadline) {
        enter_closed(c, c->state == CAIRN_CONN_CLOSING ? CAIRN_OK : CAIRN_ERR_TIMEOUT);
        return;
    }
    if (c->state != CAIRN_CONN_OPEN)
        return;
    if (c->cfg.idle_timeout_ms > 0 && now - c->last_rx >= c->cfg.idle_timeout_ms) {
        enter_closed(c, CAIRN_ERR_TIMEOUT);
        return;
    }
    if (c->cfg.keepalive_ms > 0 && c->out.len == c->out_off &&
        now - (c->last_tx > c->last_rx ? c->last_tx : c->last_rx) >= c->cfg.keepalive_ms) {
        if (c->cfg.keepalive == CAIRN_CONN_KA_CRLF) {
            /* RFC 5626 section 4.4.1: the double-CRLF ping. */
            if (cairn_conn_send(c, "\r\n\r\n", 4) == CAIRN_OK)
                c->last_tx = now;
        } else if (c->cfg.keepalive == CAIRN_CONN_KA_CALLBACK) {
            c->last_tx = now; /* once per idle period even if the owner sends nothing */
            if (c->cb.on_keepalive)
                c->cb.on_keepalive(c->ud, c);
        }
    }
}

static void step_connecting(cairn_conn *c, unsigned revents)
{
    int err = 0;
    socklen_t len = sizeof(err);
    cairn_status st;

    if (!(revents & (CAIRN_CONN_EV_WRITE | CAIRN_CONN_EV_READ)))
        return;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
        err = errno;
    if (err == EINPROGRESS || err == EALREADY)
        return;
    if (err != 0) {
        enter_closed(c, CAIRN_ERR_NETWORK);
        return;
    }
    if (c->cfg.tls != NULL) {
        st = start_tls(c);
        if (st != CAIRN_OK) {
            enter_closed(c, st);
            return;
        }
        set_state(c, CAIRN_CONN_HANDSHAKING, CAIRN_OK);
    } else {
        c->phase_deadline = -1;
        c->last_rx = c->last_tx = cairn__now_ms(c->ctx);
        set_state(c, CAIRN_CONN_OPEN, CAIRN_OK);
    }
}

static void step_handshake(cairn_conn *c)
{
    cairn_status st = cairn_tls_handshake(c->tls, &c->tls_want);

    if (st != CAIRN_OK) {
        enter_closed(c, st);
        return;
    }
    if (c->tls_want != CAIRN_TLS_DONE)
        return;
    c->phase_deadline = -1;
    c->last_rx = c->last_tx = cairn__now_ms(c->ctx);
    set_state(c, CAIRN_CONN_OPEN, CAIRN_OK);
}

cairn_status cairn_conn_process(cairn_conn *c, unsigned revents)
{
    cairn_status st;
    bool eof = false;

    if (c == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (c->state == CAIRN_CONN_CONNECTING)
        step_connecting(c, revents);
    if (c->state == CAIRN_CONN_HANDSHAKING && revents)
        step_handshake(c);
    if (c->notify_open && c->state == CAIRN_CONN_OPEN) {
        c->notify_open = false;
        set_state(c, CAIRN_CONN_OPEN, CAIRN_OK);
    }
    if (c->state == CAIRN_CONN_OPEN || c->state == CAIRN_CONN_CLOSING) {
        /* Reading first lets responses queued by on_data go out below. */
        if ((revents & CAIRN_CONN_EV_READ) || (c->tls && cairn_tls_pending(c->tls) > 0)) {
            st = read_in(c, &eof);
            if (st != CAIRN_OK) {
                enter_closed(c, st);
                return CAIRN_OK;
            }
        }
        if (c->state != CAIRN_CONN_CLOSED) {
            st = flush_out(c);
            if (st != CAIRN_OK) {
                enter_closed(c, st);
                return CAIRN_OK;
            }
        }
        if (eof && c->state != CAIRN_CONN_CLOSED) {
            enter_closed(c, CAIRN_OK);
            return CAIRN_OK;
        }
        if (c->state == CAIRN_CONN_CLOSING && c->out.len == c->out_off && !c->shut_sent) {
            cairn_tls_want w = CAIRN_TLS_DONE;
            if (c->tls != NULL)
                (void)cairn_tls_shutdown(c->tls, &w);
            if (w == CAIRN_TLS_DONE) {
                c->shut_sent = true;
                shutdown(c->fd, SHUT_WR);
                enter_closed(c, CAIRN_OK);
                return CAIRN_OK;
            }
        }
    }
    if (c->state != CAIRN_CONN_CLOSED)
        do_timers(c, cairn__now_ms(c->ctx));
    return CAIRN_OK;
}

static cairn_status addr_of(const cairn_conn *c, bool peer, char *ip, size_t cap, uint16_t *port)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int rc;

    if (c == NULL || ip == NULL || port == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (c->fd < 0)
        return CAIRN_ERR_STATE;
    rc = peer ? getpeername(c->fd, (struct sockaddr *)&ss, &len)
              : getsockname(c->fd, (struct sockaddr *)&ss, &len);
    if (rc != 0)
        return CAIRN_ERR_NETWORK;
    return conn__format(&ss, ip, cap, port);
}

cairn_status cairn_conn_local_addr(const cairn_conn *c, char *ip, size_t ip_cap, uint16_t *port)
{
    return addr_of(c, false, ip, ip_cap, port);
}

cairn_status cairn_conn_peer_addr(const cairn_conn *c, char *ip, size_t ip_cap, uint16_t *port)
{
    return addr_of(c, true, ip, ip_cap, port);
}
