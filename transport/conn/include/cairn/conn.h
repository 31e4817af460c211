/*
 * conn.h - non-blocking stream connections (TCP, or TLS over TCP) for the
 * SIP and MSRP layers, usable from any event loop.
 *
 * Loop-agnostic model: the owner asks cairn_conn_fd() and
 * cairn_conn_events() which readiness to wait for, waits with whatever it
 * has (poll, libevent's event_new on the fd, a phone OS run loop), then
 * calls cairn_conn_process() with the readiness it saw (0 when only a
 * timer fired), and re-reads cairn_conn_events() and cairn_conn_deadline()
 * afterwards because both change with the state. With libevent: register
 * the fd with EV_READ|EV_WRITE|EV_PERSIST only as events() asks (event_del
 * + event_assign when it changes) plus a timer at deadline().
 *
 * State machine (driven only from process/send/close):
 *
 *   connect()                 accept()/adopt() plain      adopt() with TLS
 *      |                               |                        |
 *      v   SO_ERROR=0, TLS             |                        v
 *  CONNECTING ---------------------> HANDSHAKING <--------------+
 *      |  SO_ERROR=0, plain            |  handshake done (pins ok)
 *      +-------------------------+     |
 *                                v     v
 *                                  OPEN  <------------- (plain accept)
 *                                   |  close(): flush queue, close_notify
 *                                   v
 *                                CLOSING --- queue empty / close timeout ---+
 *                                                                           v
 *   any state: socket error, EOF, TLS/pin failure, timeout, data callback -> CLOSED
 *
 * Invariants:
 *  - The output queue never holds more than max_out bytes: cairn_conn_send
 *    refuses (CAIRN_ERR_LIMIT, nothing queued) instead of growing; the caller
 *    applies backpressure (stop producing until out_pending drops).
 *  - One process() call reads at most max_read_per_call bytes, in pieces of
 *    at most read_chunk, so a flooding peer cannot starve the loop; a
 *    paused connection reads nothing (input backpressure).
 *  - on_data runs only in OPEN (and CLOSING), never before the TLS
 *    handshake and pin check are complete.
 *  - The connection owns its fd and closes it when it reaches CLOSED or is
 *    freed; callbacks never free the connection (free it after process()
 *    returns, e.g. when the state is CLOSED).
 *
 * Keepalive: CRLF ("\r\n\r\n", RFC 5626 section 4.4.1 ping) for SIP,
 * a callback for MSRP (the owner sends an empty SEND or nothing), or TCP
 * keepalive (SO_KEEPALIVE). Reconnection is the owner's: cairn_backoff
 * gives exponential delays with jitter from the context RNG.
 *
 * Ownership: the config is copied (its tls pointer and server name are
 * kept, not owned; they must outlive the connection). The callbacks' ud is
 * kept, not owned.
 */
#ifndef CAIRN_CONN_H
#define CAIRN_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/context.h"
#include "cairn/status.h"
#include "cairn/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cairn_conn cairn_conn;

typedef enum cairn_conn_state {
    CAIRN_CONN_CONNECTING = 0,
    CAIRN_CONN_HANDSHAKING = 1,
    CAIRN_CONN_OPEN = 2,
    CAIRN_CONN_CLOSING = 3,
    CAIRN_CONN_CLOSED = 4
} cairn_conn_state;

/* Readiness bits for cairn_conn_events / cairn_conn_process. */
#define CAIRN_CONN_EV_READ 1u
#define CAIRN_CONN_EV_WRITE 2u

typedef enum cairn_conn_keepalive {
    CAIRN_CONN_KA_NONE = 0,
    CAIRN_CONN_KA_CRLF = 1,     /* SIP: send CRLFCRLF after keepalive_ms idle */
    CAIRN_CONN_KA_CALLBACK = 2, /* MSRP: call on_keepalive after keepalive_ms idle */
    CAIRN_CONN_KA_TCP = 3       /* kernel TCP keepalive, idle = keepalive_ms */
} cairn_conn_keepalive;

typedef struct cairn_conn_callbacks {
    /* Bytes received (any split). Returning non-OK closes the connection
     * with that status (framing lost, hostile peer). May call
     * cairn_conn_send / cairn_conn_close, not cairn_conn_free. */
    cairn_status (*on_data)(void *ud, cairn_conn *c, const uint8_t *p, size_t n);
    /* The connection entered `state`; `why` is CAIRN_OK or the reason for
     * CLOSED (CAIRN_ERR_NETWORK, _TLS, _AUTH, _TIMEOUT, _PROTOCOL...). */
    void (*on_state)(void *ud, cairn_conn *c, cairn_conn_state state, cairn_status why);
    /* KA_CALLBACK: the link was idle for keepalive_ms. */
    void (*on_keepalive)(void *ud, cairn_conn *c);
} cairn_conn_callbacks;

typedef struct cairn_conn_config {
    cairn_tls_config *tls;        /* NULL: plain TCP */
    const char *server_name;      /* TLS client: name to verify (and SNI) */
    size_t max_out;               /* output queue cap, default 1 MiB */
    size_t read_chunk;            /* bytes per read, default 16 KiB */
    size_t max_read_per_call;     /* default 256 KiB */
    int64_t connect_timeout_ms;   /* default 15000 */
    int64_t handshake_timeout_ms; /* default 15000 */
    int64_t close_timeout_ms;     /* default 2000 */
    int64_t idle_timeout_ms;      /* 0: none; else CLOSED/TIMEOUT with no input */
    int64_t keepalive_ms;         /* 0: none */
    cairn_conn_keepalive keepalive;
} cairn_conn_config;

/* Fills the defaults (plain TCP, no keepalive). */
void cairn_conn_config_init(cairn_conn_config *cfg);

/* Starts a non-blocking connect to a numeric IPv4/IPv6 address (name
 * resolution is the caller's: it may block). On success *out is the
 * caller's (cairn_conn_free) and is CONNECTING.
 * Errors: CAIRN_ERR_INVALID_ARG (not a numeric address, port 0),
 * CAIRN_ERR_NETWORK (socket/connect failed at once), CAIRN_ERR_NOMEM. */
cairn_status cairn_conn_connect(const cairn_context *ctx, const cairn_conn_config *cfg,
                                const char *ip, uint16_t port, const cairn_conn_callbacks *cb,
                                void *ud, cairn_conn **out);

/* Takes ownership of a connected socket (made non-blocking here): the
 * server side. With cfg->tls (a SERVER config) it starts HANDSHAKING,
 * else it is OPEN (on_state(OPEN) is reported by the first process()).
 * On error the fd is closed. Errors: CAIRN_ERR_INVALID_ARG, _NOMEM, _TLS. */
cairn_status cairn_conn_adopt(const cairn_context *ctx, const cairn_conn_config *cfg, int fd,
                              const cairn_conn_callbacks *cb, void *ud, cairn_conn **out);

/* Opens a non-blocking listening socket on a numeric address; port 0
 * picks an ephemeral port, returned in *bound. The fd is the caller's
 * (close it). Errors: CAIRN_ERR_INVALID_ARG, CAIRN_ERR_NETWORK. */
cairn_status cairn_conn_listen(const char *ip, uint16_t port, int backlog, int *fd,
                               uint16_t *bound);

/* Accepts one pending connection from a listening fd and adopts it.
 * CAIRN_ERR_NOT_FOUND when none is pending; other errors as adopt. */
cairn_status cairn_conn_accept(const cairn_context *ctx, const cairn_conn_config *cfg, int lfd,
                               const cairn_conn_callbacks *cb, void *ud, cairn_conn **out);

/* Closes the fd and frees; NULL is a no-op. Never calls callbacks. */
void cairn_conn_free(cairn_conn *c);

/* The fd to watch (-1 once CLOSED) and the readiness wanted now. */
int cairn_conn_fd(const cairn_conn *c);
unsigned cairn_conn_events(const cairn_conn *c);
cairn_conn_state cairn_conn_get_state(const cairn_conn *c);
/* Why the connection closed (CAIRN_OK while not CLOSED or on clean EOF). */
cairn_status cairn_conn_error(const cairn_conn *c);

/* Advances the state machine: revents are the readiness seen (0: timers
 * only). Returns CAIRN_OK unless the arguments are bad; failures move the
 * connection to CLOSED (check the state, or on_state). */
cairn_status cairn_conn_process(cairn_conn *c, unsigned revents);

/* The next absolute time (context clock, ms) at which process(c, 0) must
 * run for timeouts/keepalive, or -1 for none. */
int64_t cairn_conn_deadline(const cairn_conn *c);

/* Queues bytes (copied). Allowed before OPEN (sent once open).
 * Errors: CAIRN_ERR_LIMIT (would exceed max_out; nothing queued),
 * CAIRN_ERR_STATE (closing or closed), CAIRN_ERR_NOMEM. */
cairn_status cairn_conn_send(cairn_conn *c, const void *p, size_t n);
/* Bytes queued and not yet written to the socket. */
size_t cairn_conn_out_pending(const cairn_conn *c);
/* Room left in the output queue. */
size_t cairn_conn_out_room(const cairn_conn *c);

/* Stops (true) or resumes (false) reading: input backpressure. */
void cairn_conn_pause_read(cairn_conn *c, bool pause);

/* Graceful close: stop reading new work, flush the queue, send TLS
 * close_notify, then CLOSED (at the latest after close_timeout_ms). */
void cairn_conn_close(cairn_conn *c);

/* Local / peer numeric address of the socket. ip holds >= 46 bytes.
 * Errors: CAIRN_ERR_STATE (no socket), CAIRN_ERR_NETWORK. */
cairn_status cairn_conn_local_addr(const cairn_conn *c, char *ip, size_t ip_cap, uint16_t *port);
cairn_status cairn_conn_peer_addr(const cairn_conn *c, char *ip, size_t ip_cap, uint16_t *port);

/* The TLS session (NULL for plain TCP or before the handshake starts). */
cairn_tls *cairn_conn_tls(const cairn_conn *c);

/* ---- reconnect backoff --------------------------------------------------
 * Exponential backoff with jitter: attempt k waits a uniformly random time
 * in [d/2, d] with d = min(max_ms, base_ms * 2^k), drawn from the context
 * RNG (deterministic when a test supplies the RNG). */
typedef struct cairn_backoff {
    int64_t base_ms;
    int64_t max_ms;
    unsigned attempt;
} cairn_backoff;

void cairn_backoff_init(cairn_backoff *b, int64_t base_ms, int64_t max_ms);
/* The delay before the next attempt; advances the attempt counter. */
int64_t cairn_backoff_next(const cairn_context *ctx, cairn_backoff *b);
/* After a successful connection. */
void cairn_backoff_reset(cairn_backoff *b);

#ifdef __cplusplus
}
#endif
#endif
