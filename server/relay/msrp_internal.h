/*
 * msrp_internal.h - what the files of the relay's MSRP session mode share
 * (spec/relay-api.md section 8, RELAY-MSRP-n): sip_invite.c (the INVITE
 * dialog on a registered SIP flow), msrp_offer.c (SDP offer checks, the
 * answer, the CPIM message id: pure functions, fuzzed), msrp_conn.c (the
 * MSRP/TLS listener and connection limits) and msrp_recv.c (binding,
 * reassembly, storage, responses and REPORTs).
 *
 * A session's life (sip_invite.c):
 *
 *   INVITE ok --200 + SDP answer--> OFFERED --ACK--> ACKED
 *   OFFERED/ACKED --first SEND matching both paths--> BOUND (one MSRP conn)
 *   any --(BYE from the device | relay BYE on: no ACK in 32 s, no MSRP
 *          connection in 32 s, idle session_timeout, its MSRP connection
 *          closed)--> freed
 *
 * The relay is the session's far end: it never forwards MSRP, it stores
 * each complete message exactly like a pager-mode MESSAGE body (one copy
 * per device of the recipient, same queue, quota and group commit) and
 * the existing delivery path sends it on as a MESSAGE.
 *
 * Ownership: sessions and connections belong to the relay's relay_msrp
 * state; a connection points at its session and the session records the
 * connection's id (never a pointer), so either may be freed first. Like
 * SIP connections, MSRP connections are freed only by their read loop or
 * the sweep, never inside a parser callback.
 */
#ifndef CAIRN_RELAY_MSRP_INTERNAL_H
#define CAIRN_RELAY_MSRP_INTERNAL_H

#include "cairn/msrp.h"
#include "cairn/sip_addr.h"
#include "sip_internal.h"

/* Longest a=path / From-Path the relay keeps (8 URIs of MSRP-PATH-2). */
#define RELAY_MSRP_PATH_MAX 2048
/* Our own MSRPS URI: msrps://host:port/<16 alnum>;tcp */
#define RELAY_MSRP_URI_MAX 320
/* RFC 3261 64*T1: no ACK, or no MSRP connection, this long after the 200
 * ends the session. */
#define RELAY_MSRP_SETUP_MS 32000

typedef struct msrp_session msrp_session;
typedef struct msrp_conn msrp_conn;

struct msrp_session {
    relay *r;
    uint64_t key; /* hash of sess_id: key in relay_msrp.sessions */
    char sess_id[CAIRN_MSRP_TID_BUF];
    char our_uri[RELAY_MSRP_URI_MAX];
    char peer_path[RELAY_MSRP_PATH_MAX + 1]; /* the device's a=path */
    /* SIP dialog (we are the UAS) */
    char call_id[256];
    char remote_tag[128];
    char local_tag[CAIRN_SIP_TOKEN_SIZE];
    char remote_from[RELAY_URI_MAX + 160]; /* INVITE From value, for our BYE's To */
    char remote_target[RELAY_URI_MAX + 64]; /* INVITE Contact URI, our BYE's R-URI */
    char local_uri[RELAY_URI_MAX + 1];     /* the recipient (INVITE To URI) */
    uint32_t local_cseq;
    uint64_t sip_conn_id; /* the flow the INVITE came on */
    relay_principal who;  /* the sending device */
    int64_t recipient_account;
    uint32_t only_device; /* RELAY-DEV-1 gr on the Request-URI, 0 = all */
    char recipient[RELAY_URI_MAX + 1];
    bool acked;
    int64_t created_ms, active_ms;
    uint64_t conn_id; /* bound MSRP connection, 0 while none */
    msrp_session *prev, *next;
};

/* What waits for a batch commit before the sender hears its REPORT. */
typedef struct msrp_pending {
    char message_id[CAIRN_MSRP_TID_BUF + 8];
    char from_path[RELAY_MSRP_PATH_MAX + 1];
    char to_path[RELAY_MSRP_URI_MAX];
    uint64_t total;
    bool success_report, failure_report;
} msrp_pending;

struct msrp_conn {
    relay *r;
    uint64_t id; /* RELAY_MSRP_CONN_FLAG | n */
    struct bufferevent *bev;
    cairn_msrp_parser *p;
    cairn_msrp_reasm *reasm;
    msrp_conn *prev, *next;
    char addr[48];
    int64_t opened_ms;
    int64_t req_start_ms; /* first byte of the request being read, 0 between */
    bool closing, out_blocked;
    bool flush_close; /* closing once the output is written */
    msrp_session *s; /* bound session, NULL until the first good SEND */
    int refusals;    /* 481s on an unbound connection */
    /* the request being read */
    bool cur_send, cur_reasm, cur_keepalive;
    int cur_code; /* 0 = fine so far, else the refusal code */
};

struct relay_msrp {
    struct evconnlistener *listener;
    uint16_t port;
    char host[64]; /* host part of our MSRPS URIs: an IP literal */
    relay_map conns;          /* id -> msrp_conn */
    msrp_conn *conn_head;
    relay_map sessions;       /* key -> msrp_session */
    msrp_session *sess_head;
    uint64_t next_id;
    int in_callbacks; /* >0 while a connection's parser callbacks run */
};

/* ---- msrp_offer.c (pure; linked into cairn_relay_parse and fuzzed) ---- */

/* Caps of the offer check: the SDP body (SIP-level), URIs in a=path. */
#define RELAY_MSRP_SDP_MAX 8192

/* Checks an INVITE's SDP offer against what the relay accepts
 * (RELAY-MSRP-2): one m=message TCP/TLS/MSRP section, a=path of 1..8
 * msrps URIs whose last one carries a session id, a=accept-types
 * containing message/cpim or '*', a=setup absent, active or actpass.
 * Copies the a=path value into path (cap bytes, NUL-terminated).
 * Returns 200 when acceptable, else the SIP code to refuse with: 400
 * unparsable SDP, 488 not MSRP over TLS or a relay-side role it cannot
 * take, 415 no acceptable type. Never keeps a pointer to sdp. */
int relay__msrp_offer_check(const cairn_context *ctx, const uint8_t *sdp, size_t len, char *path,
                            size_t cap);

/* Appends the SDP answer (passive, TCP/TLS/MSRP, a=path our_uri,
 * accept-types message/cpim, max-size). Buffer errors from out. */
cairn_status relay__msrp_answer_build(cairn__buf *out, const char *host, uint16_t port,
                                      const char *our_uri, uint64_t max_size);

/* The Cairn-Msg-Id a stored copy gets from a session-mode message
 * (RELAY-MSRP-7): the CPIM imdn.Message-ID when the body is message/cpim,
 * parses, and the id is 1..64 of [A-Za-z0-9._-]; false otherwise (the
 * caller then draws a random one). out gets a NUL-terminated copy. */
bool relay__msrp_cpim_msg_id(const cairn_context *ctx, const char *ctype, const uint8_t *body,
                             size_t len, char out[65]);

/* True when two space-separated MSRP paths have the same URIs in the same
 * order (RFC 4975 section 6.1 comparison). Malformed paths never match. */
bool relay__msrp_path_equal(const char *a, const char *b);

/* ---- sip_invite.c ---- */
void sip__handle_invite(sip_conn *c, const cairn_sip_msg *m);
void sip__handle_bye(sip_conn *c, const cairn_sip_msg *m);
void sip__handle_cancel(sip_conn *c, const cairn_sip_msg *m);
void sip__handle_ack(sip_conn *c, const cairn_sip_msg *m);
msrp_session *msrp__session_find(relay *r, const char *sess_id, size_t len);
/* Ends a session: BYE down the device's flow when send_bye, closes the
 * bound MSRP connection (unless it is the caller's, conn_id == skip),
 * frees the session. */
void msrp__session_end(msrp_session *s, const char *why, bool send_bye, uint64_t skip_conn);
/* Session timers (ACK, connect, idle). */
void msrp__sessions_sweep(relay *r, int64_t now);
void msrp__sessions_free_all(relay *r);

/* ---- msrp_conn.c ---- */
bool msrp__send(msrp_conn *c, const cairn__buf *b);
/* Marks a connection to be closed (freed by its read loop or the sweep). */
void msrp__conn_close_later(relay *r, uint64_t conn_id);

/* ---- msrp_recv.c ---- */
extern const cairn_msrp_callbacks msrp__parser_cb;
/* Writes the transaction response when the request wants one. */
void msrp__respond(msrp_conn *c, const cairn_msrp_msg *req, int code, const char *comment);

#endif
