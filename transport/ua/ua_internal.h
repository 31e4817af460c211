/*
 * ua_internal.h - the structures shared by the files of cairn_ua:
 * ua.c (lifecycle, loop, SIP dispatch), ua_txn.c (client transactions,
 * digest retry), ua_register.c, ua_pager.c, ua_session.c (INVITE dialogs,
 * SDP) and ua_msrp.c (MSRP connections, chunking, REPORTs, relay AUTH).
 *
 * Invariants: every cairn_conn the UA owns belongs to exactly one flow or
 * msrp link; objects are only freed by ua__sweep() at the end of a
 * cairn_ua_process call, never inside a callback, so pointers held on the
 * stack during dispatch stay valid.
 */
#ifndef CAIRN_UA_INTERNAL_H
#define CAIRN_UA_INTERNAL_H

#include "base.h"
#include "cairn/conn.h"
#include "cairn/msrp.h"
#include "cairn/sip.h"
#include "cairn/sip_addr.h"
#include "cairn/sip_digest.h"
#include "cairn/ua.h"

#define UA__T1_MS 500
#define UA__TIMER_B_MS (64 * UA__T1_MS)
#define UA__URI_MAX 512
#define UA__PATH_MAX 1024
#define UA__ROUTES 8
#define UA__PENDING_TIDS 8192
#define UA__REPORT_TIMEOUT_MS 120000

typedef struct ua_flow ua_flow;
typedef struct ua_txn ua_txn;
typedef struct ua_msrp ua_msrp;
typedef struct ua_out_msg ua_out_msg;

/* A SIP connection: the outbound one to the proxy, or one accepted. */
struct ua_flow {
    cairn_ua *ua;
    cairn_conn *conn;
    cairn_sip_reader *reader;
    bool outbound;
    bool dead; /* closed: swept at the end of process */
    char local_ip[64];
    uint16_t local_port;
    ua_flow *next;
};

/* rsp NULL: local failure, code 408 (timer B/F) or 503 (flow lost). */
typedef void (*ua_txn_cb)(cairn_ua *ua, ua_txn *t, const cairn_sip_msg *rsp, int code);

/* A client transaction (RFC 3261 17.1 over a reliable transport). */
struct ua_txn {
    cairn_ua *ua;
    char branch[CAIRN_SIP_BRANCH_SIZE];
    cairn_sip_method method;
    cairn_sip_msg *req; /* kept for the digest retry */
    ua_flow *flow;
    int64_t deadline; /* timer B / F */
    int auth_tries;
    ua_txn_cb cb;
    void *owner;
    bool done;
    ua_txn *next;
};

/* A payload queued on an MSRP session. */
struct ua_out_msg {
    char id[CAIRN_UA_ID_SIZE];
    char *ct;
    uint8_t *data;
    size_t len;
    cairn_msrp_msg tmpl;
    cairn_msrp_chunker ch;
    bool started;
    size_t chunks_out; /* sent and not yet answered */
    bool failed;
    int64_t last_progress; /* context clock: last chunk sent or answered */
    ua_out_msg *next;
};

typedef enum ua_sess_state {
    UA_SESS_AUTHING,    /* waiting for the relay's AUTH 200 */
    UA_SESS_INVITING,   /* INVITE sent */
    UA_SESS_ANSWERING,  /* INVITE received, answer pending (relay AUTH) */
    UA_SESS_CONNECTING, /* dialog up, MSRP connection not yet bound */
    UA_SESS_OPEN,
    UA_SESS_CLOSED
} ua_sess_state;

struct cairn_ua_session {
    cairn_ua *ua;
    ua_sess_state state;
    bool outgoing;
    bool announced_closed;
    char peer[UA__URI_MAX];   /* the peer AOR */
    char target[UA__URI_MAX]; /* remote target (Contact) */
    char call_id[CAIRN_SIP_TOKEN_SIZE + 32];
    char local_tag[CAIRN_SIP_TOKEN_SIZE];
    char remote_tag[128];
    char local_from[UA__URI_MAX]; /* our From/To URI in this dialog */
    char routes[UA__ROUTES][UA__URI_MAX];
    size_t n_routes;
    uint32_t cseq;
    ua_flow *flow;
    cairn_sip_msg *invite; /* the peer's INVITE while answering */
    /* MSRP */
    char sess_id[CAIRN_MSRP_TID_BUF];
    char own_uri[UA__URI_MAX];      /* msrp(s)://ip:port/sess;tcp */
    char use_path[UA__PATH_MAX];    /* from the relay's AUTH 200 */
    char peer_path[UA__PATH_MAX];   /* the peer's a=path */
    char to_path[2 * UA__PATH_MAX]; /* our SENDs' To-Path */
    ua_msrp *link;
    ua_out_msg *out_head, *out_tail;
    size_t n_out;
    cairn_msrp_reasm *reasm;
    cairn_ua_session *next;
};

/* An MSRP connection: to the peer, to the relay, or accepted. */
struct ua_msrp {
    cairn_ua *ua;
    cairn_conn *conn;
    cairn_msrp_parser *parser;
    cairn_ua_session *s; /* bound session, NULL until bound */
    bool dead;
    bool relay; /* connected to the relay (AUTH needed) */
    int auth_tries;
    char auth_tid[CAIRN_MSRP_TID_BUF];
    bool bind_sent;
    /* the request being received */
    bool cur_refused;
    bool cur_is_send;
    bool cur_reasm;
    ua_msrp *next;
};

struct cairn_ua {
    const cairn_context *ctx;
    cairn_ua_config cfg;
    char *strs; /* one allocation holding every copied string */
    char aor_user[128];
    char aor_host[256];
    int sip_lfd, msrp_lfd;
    uint16_t sip_port, msrp_port;
    cairn_conn_config conn_cfg_client, conn_cfg_server;
    ua_flow *flows;
    ua_flow *outbound;
    ua_txn *txns;
    cairn_ua_session *sessions;
    ua_msrp *links;
    /* registration */
    bool registered;
    char reg_call_id[CAIRN_SIP_TOKEN_SIZE];
    char reg_tag[CAIRN_SIP_TOKEN_SIZE];
    uint32_t reg_cseq;
    int64_t reg_refresh_at;
    bool reg_inflight;
    /* reconnect */
    cairn_backoff backoff;
    int64_t reconnect_at;
    /* MSRP transaction ids awaiting a response: tid -> message */
    struct ua_pend {
        char tid[CAIRN_MSRP_TID_BUF];
        cairn_ua_session *s;
        ua_out_msg *m;
        bool used;
    } pend[UA__PENDING_TIDS];
    uint32_t pend_head, pend_tail; /* ring: [head, tail) */
    bool in_process;
};

/* ua.c */
cairn_status ua__flow_send(ua_flow *f, const cairn_sip_msg *m);
cairn_status ua__outbound(cairn_ua *ua, ua_flow **out);
cairn_status ua__respond(cairn_ua *ua, ua_flow *f, const cairn_sip_msg *req, int code,
                         const char *to_tag, const char *ct, const void *body, size_t len,
                         const char *extra_name, const char *extra_value);
/* Builds a request with Via (placeholder filled by ua__flow_send), Max-Forwards,
 * From, To, Call-ID, CSeq and (for INVITE/REGISTER) Contact. */
cairn_status ua__request(cairn_ua *ua, ua_flow *f, const char *method, const char *ruri,
                         const char *from_uri, const char *from_tag, const char *to_uri,
                         const char *to_tag, const char *call_id, uint32_t cseq, const char *branch,
                         cairn_sip_msg **out);
bool ua__type_accepted(const char *list, const char *type, size_t len);
bool ua__type_accepted_slice(const char *list, size_t list_len, const char *type, size_t len);
void ua__report(cairn_ua *ua, const char *id, int status);
cairn_status ua__token(cairn_ua *ua, char *out);
/* Copies a slice into a bounded C string; false when it does not fit. */
bool ua__copy(char *dst, size_t cap, const char *p, size_t n);

/* ua_txn.c */
cairn_status ua__txn_start(cairn_ua *ua, ua_flow *f, cairn_sip_msg *req, ua_txn_cb cb, void *owner,
                           ua_txn **out);
/* Retries the request with credentials for a 401/407; true when retried. */
bool ua__txn_auth_retry(cairn_ua *ua, ua_txn *t, const cairn_sip_msg *rsp);
void ua__txn_response(cairn_ua *ua, const cairn_sip_msg *rsp);
void ua__txn_timers(cairn_ua *ua, int64_t now, int64_t *next);
void ua__txn_drop_owner(cairn_ua *ua, void *owner);
void ua__txn_flow_lost(cairn_ua *ua, ua_flow *f);
void ua__txn_free_all(cairn_ua *ua);

/* ua_register.c */
cairn_status ua__register(cairn_ua *ua);
void ua__register_timers(cairn_ua *ua, int64_t now, int64_t *next);

/* ua_pager.c */
/* 200, or the code refusing the type (415) / envelope (400). */
int ua__check_types(cairn_ua *ua, const char *ct, const uint8_t *body, size_t len);
void ua__pager_incoming(cairn_ua *ua, ua_flow *f, const cairn_sip_msg *req);

/* ua_session.c */
void ua__session_invite(cairn_ua *ua, ua_flow *f, const cairn_sip_msg *req);
void ua__session_ack(cairn_ua *ua, const cairn_sip_msg *req);
void ua__session_bye(cairn_ua *ua, ua_flow *f, const cairn_sip_msg *req);
cairn_ua_session *ua__session_by_sess_id(cairn_ua *ua, const char *id, size_t len);
void ua__session_fail(cairn_ua_session *s, cairn_status why, int code);
/* Called by ua_msrp.c when the relay AUTH finished (ok or not). */
void ua__session_relay_ready(cairn_ua_session *s, cairn_status st);
void ua__session_free(cairn_ua_session *s);
void ua__session_flow_lost(cairn_ua *ua, ua_flow *f);

/* ua_msrp.c */
cairn_status ua__msrp_connect(cairn_ua_session *s, bool relay);
cairn_status ua__msrp_adopt(cairn_ua *ua, int lfd);
void ua__msrp_pump(cairn_ua_session *s);
void ua__msrp_free(ua_msrp *l);
void ua__msrp_out_free(cairn_ua *ua, ua_out_msg *m);
void ua__msrp_bound(cairn_ua_session *s);
/* Fails payloads with no progress for UA__REPORT_TIMEOUT_MS (408). */
void ua__msrp_expire(cairn_ua_session *s, int64_t now);

#endif
