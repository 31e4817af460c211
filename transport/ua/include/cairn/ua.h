/*
 * ua.h - Cairn's RCS user agent: SIP registration with digest auth, pager
 * mode (SIP MESSAGE) and session mode (INVITE + MSRP, directly or through
 * RFC 4976 relays), over TCP or TLS, on cairn_conn connections.
 *
 * What the client engine calls: create a UA from a config, start it, hand
 * it payloads with cairn_ua_send (the UA picks pager or session mode by
 * size, BIND-SIP-1), and get callbacks for received payloads, delivery
 * results and registration state. The payloads are opaque here: the
 * engine wraps its Signal ciphertext with cairn_ua_envelope_build
 * (ua_envelope.h) first.
 *
 * Event loop: like cairn_conn, the UA never blocks and never spawns
 * threads. The owner lists the fds with cairn_ua_pollfds, waits, calls
 * cairn_ua_process for each ready fd and cairn_ua_process(ua, -1, 0) at
 * cairn_ua_deadline(). cairn_ua_run_once does all of that with poll(2) for
 * simple programs and tests.
 *
 * Transactions follow RFC 3261 for reliable transports: requests are
 * never retransmitted; timer B/F (64*T1 = 32 s) fails a request that got
 * no final response. Call-IDs, tags, branches and MSRP ids come from the
 * context RNG.
 *
 * Ownership: the config's strings and TLS configs are copied or kept as
 * documented on each field; payloads passed to send functions are copied.
 * Strings and buffers handed to callbacks are lent for the call only.
 * A session handle stays valid until its CLOSED event returns.
 */
#ifndef CAIRN_UA_H
#define CAIRN_UA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/context.h"
#include "cairn/status.h"
#include "cairn/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cairn_ua cairn_ua;
typedef struct cairn_ua_session cairn_ua_session;

/* BIND-SIP-1: a SIP MESSAGE is at most this many bytes in all. */
#define CAIRN_UA_PAGER_MAX 1300u
/* Message ids handed out by the send functions (NUL-terminated). */
#define CAIRN_UA_ID_SIZE 33u

typedef enum cairn_ua_mode { CAIRN_UA_PAGER = 1, CAIRN_UA_SESSION = 2 } cairn_ua_mode;

/* A received payload. */
typedef struct cairn_ua_incoming {
    cairn_ua_mode mode;
    const char *from; /* peer URI (From of the MESSAGE/INVITE) */
    const char *to;
    const char *content_type; /* e.g. "message/cpim" */
    const uint8_t *body;
    size_t len;
    const char *message_id;    /* MSRP Message-ID, or the SIP Call-ID */
    cairn_ua_session *session; /* NULL in pager mode */
} cairn_ua_incoming;

typedef enum cairn_ua_session_event {
    CAIRN_UA_SESSION_INCOMING = 1,    /* a peer's INVITE was accepted */
    CAIRN_UA_SESSION_ESTABLISHED = 2, /* the MSRP connection is up */
    CAIRN_UA_SESSION_CLOSED = 3       /* BYE, failure or local close */
} cairn_ua_session_event;

typedef struct cairn_ua_callbacks {
    /* Registration result: CAIRN_OK with the granted expiry, or the error
     * (CAIRN_ERR_AUTH for a refused password, _TIMEOUT, _NETWORK...). */
    void (*on_registered)(void *ud, cairn_status st, uint32_t expires);
    /* A payload arrived whose content type is accepted. Return the SIP /
     * MSRP status to answer: 200 (or 202 in pager mode) to accept, 415 to
     * refuse the type, anything else 4xx/5xx. NULL accepts everything. */
    int (*on_message)(void *ud, const cairn_ua_incoming *m);
    /* Delivery result of a payload sent with an id: 200 = delivered
     * (MESSAGE 200/202, or MSRP success REPORT for all bytes), otherwise
     * the SIP/MSRP failure code (408 for a timeout, 415 for a refused
     * type, 503 for a transport failure). */
    void (*on_report)(void *ud, const char *message_id, int status);
    void (*on_session)(void *ud, cairn_ua_session *s, cairn_ua_session_event ev, cairn_status why);
} cairn_ua_callbacks;

typedef struct cairn_ua_config {
    const char *aor;      /* "sip:alice@cairn.test" (required) */
    const char *username; /* digest user; NULL: the AOR's user part */
    const char *password; /* NULL: no credentials */
    /* Where out-of-dialog requests go: outbound proxy, registrar, or the
     * peer itself in direct mode. Numeric address. NULL: only receive. */
    const char *proxy_ip;
    uint16_t proxy_port;
    const char *registrar;        /* Request-URI of REGISTER; NULL: no REGISTER */
    uint32_t register_expires;    /* default 600 */
    bool tls;                     /* SIP and MSRP over TLS */
    cairn_tls_config *tls_client; /* kept, not owned; required with tls */
    cairn_tls_config *tls_server; /* kept; required with tls and listeners */
    const char *tls_server_name;  /* name checked in peers' certificates */
    const char *local_ip;         /* for listeners, SDP and MSRP URIs; default 127.0.0.1 */
    bool sip_listen;              /* accept SIP connections (direct mode UAS) */
    uint16_t sip_port;            /* 0: ephemeral (see cairn_ua_sip_port) */
    bool msrp_listen;             /* accept MSRP connections (setup passive) */
    uint16_t msrp_port;           /* 0: ephemeral */
    /* RFC 4976 relay: when set, every MSRP session goes through it after
     * an AUTH (digest with username/password). Numeric address. */
    const char *msrp_relay_ip;
    uint16_t msrp_relay_port;
    const char *accept_types;         /* default "message/cpim" */
    const char *accept_wrapped_types; /* default: see BIND-SESS-3 */
    size_t max_message;               /* largest payload received, default 4 MiB */
    size_t max_out;                   /* per-connection output queue, default 1 MiB */
    uint32_t keepalive_s;             /* CRLF/empty-SEND keepalive, 0: none */
    cairn_ua_callbacks cb;
    void *ud;
} cairn_ua_config;

/* Fills defaults (everything zero/NULL except the documented defaults). */
void cairn_ua_config_init(cairn_ua_config *cfg);

/* Creates the UA (copies the strings; keeps the TLS configs and ud).
 * Opens the listeners. Errors: CAIRN_ERR_INVALID_ARG (bad AOR, missing
 * TLS config), CAIRN_ERR_NETWORK (listen failed), CAIRN_ERR_NOMEM. */
cairn_status cairn_ua_create(const cairn_context *ctx, const cairn_ua_config *cfg, cairn_ua **out);
/* Closes every connection and frees; no callbacks run. NULL is a no-op. */
void cairn_ua_destroy(cairn_ua *ua);

/* Connects to the proxy (if any) and starts registration (if any). */
cairn_status cairn_ua_start(cairn_ua *ua);

/* Ports actually bound (after create). */
uint16_t cairn_ua_sip_port(const cairn_ua *ua);
uint16_t cairn_ua_msrp_port(const cairn_ua *ua);
bool cairn_ua_registered(const cairn_ua *ua);

/* ---- event loop ---------------------------------------------------------- */

typedef struct cairn_ua_pollfd {
    int fd;
    unsigned events; /* CAIRN_CONN_EV_READ / _WRITE bits */
} cairn_ua_pollfd;

/* Writes up to cap entries; returns how many fds the UA has (may exceed
 * cap: call again with a bigger array). */
size_t cairn_ua_pollfds(cairn_ua *ua, cairn_ua_pollfd *out, size_t cap);
/* Handles readiness on fd (fd -1: timers only). Returns CAIRN_OK unless
 * the arguments are bad; failures surface through the callbacks. */
cairn_status cairn_ua_process(cairn_ua *ua, int fd, unsigned revents);
/* Next absolute context-clock time at which process(ua, -1, 0) is due,
 * -1 for none. */
int64_t cairn_ua_deadline(cairn_ua *ua);
/* poll(2) over the UA's fds for at most timeout_ms, then process. */
cairn_status cairn_ua_run_once(cairn_ua *ua, int timeout_ms);

/* ---- sending ------------------------------------------------------------- */

/* Sends one payload to a peer AOR: pager mode when the whole MESSAGE fits
 * in CAIRN_UA_PAGER_MAX bytes, otherwise over an MSRP session to that
 * peer (opened on demand and reused). id (CAIRN_UA_ID_SIZE) receives the
 * id later given to on_report. Errors: CAIRN_ERR_INVALID_ARG,
 * CAIRN_ERR_STATE (no proxy), CAIRN_ERR_TOO_LARGE (over max_message),
 * CAIRN_ERR_LIMIT (output queue full: retry later), CAIRN_ERR_NOMEM. */
cairn_status cairn_ua_send(cairn_ua *ua, const char *to, const char *content_type,
                           const uint8_t *body, size_t len, char *id);

/* Pager mode only: CAIRN_ERR_TOO_LARGE when the MESSAGE would exceed
 * CAIRN_UA_PAGER_MAX bytes (BIND-SIP-1). */
cairn_status cairn_ua_pager_send(cairn_ua *ua, const char *to, const char *content_type,
                                 const uint8_t *body, size_t len, char *id);

/* Session mode: opens (INVITE) a session to `to`; the handle is the UA's
 * and valid until its CLOSED event. */
cairn_status cairn_ua_session_open(cairn_ua *ua, const char *to, cairn_ua_session **out);
/* Queues a payload on the session (sent chunked once established, at
 * most CAIRN_MSRP_CHUNK_MAX body bytes per chunk, BIND-SESS-5). */
cairn_status cairn_ua_session_send(cairn_ua_session *s, const char *content_type,
                                   const uint8_t *body, size_t len, char *id);
/* Sends BYE and closes the MSRP connection; CLOSED follows. */
cairn_status cairn_ua_session_close(cairn_ua_session *s);
/* The peer's URI, and whether the MSRP connection is up. */
const char *cairn_ua_session_peer(const cairn_ua_session *s);
bool cairn_ua_session_established(const cairn_ua_session *s);
/* Payloads queued or in flight (not yet reported). */
size_t cairn_ua_session_pending(const cairn_ua_session *s);

#ifdef __cplusplus
}
#endif
#endif
