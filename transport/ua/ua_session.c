/*
 * ua_session.c - session mode: the INVITE dialog that sets up an MSRP
 * session (RFC 4975 section 8 SDP: m=message TCP/MSRP or TCP/TLS/MSRP,
 * a=path, a=accept-types, a=accept-wrapped-types, a=setup per RFC 6135),
 * the ACK for the 2xx, BYE in both directions, and the route set for
 * in-dialog requests (loose routing through the proxy's Record-Route).
 *
 * Who connects (BIND-SESS-2): without a relay the offerer is active
 * (a=setup:active) and the answerer passive on its MSRP listener; with an
 * RFC 4976 relay both ends connect to their relay, AUTH first, and put
 * the relay's Use-Path in front of their own URI in a=path.
 *
 * Invariants: a session is announced CLOSED exactly once and freed only
 * by the UA's sweep afterwards; every queued payload gets exactly one
 * on_report (delivered or failed) unless the UA is destroyed first.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/sdp.h"
#include "ua_internal.h"

static void announce(cairn_ua_session *s, cairn_ua_session_event ev, cairn_status why)
{
    cairn_ua *ua = s->ua;

    if (ev == CAIRN_UA_SESSION_CLOSED) {
        if (s->announced_closed)
            return;
        s->announced_closed = true;
    }
    if (ua->cfg.cb.on_session)
        ua->cfg.cb.on_session(ua->cfg.ud, s, ev, why);
}

void ua__session_free(cairn_ua_session *s)
{
    cairn_ua *ua = s->ua;

    ua__txn_drop_owner(ua, s);
    while (s->out_head) {
        ua_out_msg *m = s->out_head;
        s->out_head = m->next;
        ua__msrp_out_free(ua, m);
    }
    if (s->link != NULL) {
        s->link->s = NULL;
        s->link->dead = true;
    }
    cairn_msrp_reasm_destroy(s->reasm);
    cairn_sip_msg_free(s->invite);
    cairn__free(ua->ctx, s);
}

void ua__session_fail(cairn_ua_session *s, cairn_status why, int code)
{
    cairn_ua *ua = s->ua;

    if (s->state == UA_SESS_CLOSED)
        return;
    s->state = UA_SESS_CLOSED;
    while (s->out_head) {
        ua_out_msg *m = s->out_head;
        s->out_head = m->next;
        s->n_out--;
        ua__report(ua, m->id, code);
        ua__msrp_out_free(ua, m);
    }
    s->out_tail = NULL;
    if (s->link != NULL) {
        if (s->link->conn)
            cairn_conn_close(s->link->conn);
        s->link->s = NULL;
        s->link->dead = true;
        s->link = NULL;
    }
    announce(s, CAIRN_UA_SESSION_CLOSED, why);
}

static cairn_status session_new(cairn_ua *ua, bool outgoing, cairn_ua_session **out)
{
    cairn_ua_session *s = cairn__calloc(ua->ctx, 1, sizeof(*s));
    cairn_status st;
    cairn_msrp_reasm_limits lim;

    if (s == NULL)
        return CAIRN_ERR_NOMEM;
    s->ua = ua;
    s->outgoing = outgoing;
    s->cseq = 1;
    memset(&lim, 0, sizeof(lim));
    lim.max_message = ua->cfg.max_message;
    st = cairn_msrp_reasm_create(ua->ctx, &lim, &s->reasm);
    if (st == CAIRN_OK)
        st = ua__token(ua, s->local_tag);
    if (st == CAIRN_OK)
        st = cairn_msrp_tid_generate(ua->ctx, s->sess_id);
    if (st != CAIRN_OK) {
        cairn_msrp_reasm_destroy(s->reasm);
        cairn__free(ua->ctx, s);
        return st;
    }
    snprintf(s->own_uri, sizeof(s->own_uri), "%s://%s:%u/%s;tcp", ua->cfg.tls ? "msrps" : "msrp",
             ua->cfg.local_ip, (unsigned)(ua->msrp_lfd >= 0 ? ua->msrp_port : 9), s->sess_id);
    snprintf(s->local_from, sizeof(s->local_from), "%s", ua->cfg.aor);
    s->next = ua->sessions;
    ua->sessions = s;
    *out = s;
    return CAIRN_OK;
}

static cairn_status build_sdp(cairn_ua_session *s, cairn__buf *b)
{
    cairn_ua *ua = s->ua;
    cairn_sdp_msrp_offer o;
    char path[2 * UA__PATH_MAX];
    uint8_t r[8];

    if (cairn__random(ua->ctx, r, sizeof(r)) != CAIRN_OK)
        return CAIRN_ERR_CRYPTO;
    if (s->use_path[0])
        snprintf(path, sizeof(path), "%s %s", s->use_path, s->own_uri);
    else
        snprintf(path, sizeof(path), "%s", s->own_uri);
    memset(&o, 0, sizeof(o));
    o.sess_id = ((uint64_t)r[0] << 24 | (uint64_t)r[1] << 16 | (uint64_t)r[2] << 8 | r[3]) + 1;
    o.sess_version = 1;
    o.addr = ua->cfg.local_ip;
    o.port = ua->msrp_lfd >= 0 ? ua->msrp_port : 9;
    o.tls = ua->cfg.tls;
    o.path = path;
    /* BIND-SESS-2 */
    o.setup =
        (s->outgoing || ua->cfg.msrp_relay_ip) ? CAIRN_SDP_SETUP_ACTIVE : CAIRN_SDP_SETUP_PASSIVE;
    o.accept_types = ua->cfg.accept_types;
    o.accept_wrapped_types = ua->cfg.accept_wrapped_types;
    o.max_size = ua->cfg.max_message;
    return cairn_sdp_msrp_build(&o, b);
}

/* Reads the peer's MSRP parameters (path) from an SDP body. */
static int read_sdp(cairn_ua_session *s, const uint8_t *body, size_t len)
{
    cairn_sdp *sdp = NULL;
    cairn_sdp_msrp m;
    size_t idx;
    int code = 488;

    if (cairn_sdp_parse(s->ua->ctx, NULL, body, len, &sdp) != CAIRN_OK)
        return 400;
    if (cairn_sdp_msrp_find(sdp, &idx) == CAIRN_OK &&
        cairn_sdp_msrp_get(sdp, idx, &m) == CAIRN_OK && m.tls == s->ua->cfg.tls &&
        ua__copy(s->peer_path, sizeof(s->peer_path), m.path.p, m.path.len)) {
        /* the peer must take at least one of our wrapper types */
        code = 415;
        for (const char *p = s->ua->cfg.accept_types; *p;) {
            size_t n = strcspn(p, " ");
            if (n > 0 && (ua__type_accepted_slice(m.accept_types.p, m.accept_types.len, p, n)))
                code = 200;
            p += n;
            while (*p == ' ')
                p++;
        }
    }
    cairn_sdp_free(sdp);
    return code;
}

static void ack_2xx(cairn_ua_session *s)
{
    cairn_ua *ua = s->ua;
    cairn_sip_msg *ack = NULL;
    char branch[CAIRN_SIP_BRANCH_SIZE];
    ua_flow *f = s->flow;
    cairn_status st;

    if (f == NULL || f->dead)
        return;
    st = cairn_sip_branch_new(ua->ctx, branch);
    if (st == CAIRN_OK)
        st = ua__request(ua, f, "ACK", s->target, s->local_from, s->local_tag, s->peer,
                         s->remote_tag, s->call_id, s->cseq, branch, &ack);
    for (size_t i = 0; st == CAIRN_OK && i < s->n_routes; i++)
        st = cairn_sip_msg_header_add(ack, "Route", s->routes[i]);
    if (st == CAIRN_OK)
        (void)ua__flow_send(f, ack);
    cairn_sip_msg_free(ack);
}

static void invite_done(cairn_ua *ua, ua_txn *t, const cairn_sip_msg *rsp, int code)
{
    cairn_ua_session *s = t->owner;
    uint32_t num;
    cairn_sip_str meth, tag;
    cairn_sip_addr a;
    size_t len, nrr, i;
    const uint8_t *body;

    (void)ua;
    if (s == NULL || s->state != UA_SESS_INVITING)
        return;
    if (t->req != NULL && cairn_sip_msg_cseq(t->req, &num, &meth) == CAIRN_OK)
        s->cseq = num;
    if (rsp == NULL || code >= 300) {
        ua__session_fail(s,
                         code == 408   ? CAIRN_ERR_TIMEOUT
                         : rsp == NULL ? CAIRN_ERR_NETWORK
                                       : CAIRN_ERR_DECLINED,
                         code);
        return;
    }
    if (cairn_sip_msg_tag(rsp, "To", &tag) != CAIRN_OK ||
        !ua__copy(s->remote_tag, sizeof(s->remote_tag), tag.p, tag.len) ||
        cairn_sip_msg_addr(rsp, "Contact", 0, &a) != CAIRN_OK ||
        !ua__copy(s->target, sizeof(s->target), a.uri_text.p, a.uri_text.len)) {
        ack_2xx(s);
        ua__session_fail(s, CAIRN_ERR_PROTOCOL, 502);
        return;
    }
    /* UAC route set: Record-Route in reverse (RFC 3261 12.1.2) */
    nrr = cairn_sip_msg_header_count(rsp, "Record-Route");
    s->n_routes = 0;
    for (i = nrr; i > 0 && s->n_routes < UA__ROUTES; i--)
        snprintf(s->routes[s->n_routes++], UA__URI_MAX, "%s",
                 cairn_sip_msg_header(rsp, "Record-Route", i - 1));
    ack_2xx(s);
    body = cairn_sip_msg_body(rsp, &len);
    code = read_sdp(s, body, len);
    if (code != 200) {
        ua__session_fail(s, CAIRN_ERR_PROTOCOL, code);
        (void)cairn_ua_session_close(s);
        return;
    }
    s->state = UA_SESS_CONNECTING;
    if (s->link != NULL) /* through the relay: already connected and authenticated */
        ua__msrp_bound(s);
    else if (ua__msrp_connect(s, false) != CAIRN_OK)
        ua__session_fail(s, CAIRN_ERR_NETWORK, 503);
}

static cairn_status send_invite(cairn_ua_session *s)
{
    cairn_ua *ua = s->ua;
    cairn_sip_msg *m = NULL;
    char branch[CAIRN_SIP_BRANCH_SIZE];
    cairn__buf b;
    ua_flow *f;
    cairn_status st;

    st = ua__outbound(ua, &f);
    if (st != CAIRN_OK)
        return st;
    s->flow = f;
    cairn__buf_init(&b, ua->ctx, CAIRN_SDP_DEFAULT_MAX_BYTES);
    st = build_sdp(s, &b);
    if (st == CAIRN_OK)
        st = cairn_sip_branch_new(ua->ctx, branch);
    if (st == CAIRN_OK)
        st = ua__request(ua, f, "INVITE", s->peer, s->local_from, s->local_tag, s->peer, NULL,
                         s->call_id, s->cseq, branch, &m);
    if (st == CAIRN_OK)
        st = cairn_sip_msg_header_add(m, "Accept-Contact", "*;+g.oma.sip-im;explicit;require");
    if (st == CAIRN_OK)
        st = cairn_sip_msg_body_set(m, "application/sdp", b.data, b.len);
    if (st == CAIRN_OK)
        st = ua__txn_start(ua, f, m, invite_done, s, NULL);
    cairn__buf_free(&b);
    if (st != CAIRN_OK) {
        cairn_sip_msg_free(m);
        return st;
    }
    s->state = UA_SESS_INVITING;
    return CAIRN_OK;
}

cairn_status cairn_ua_session_open(cairn_ua *ua, const char *to, cairn_ua_session **out)
{
    cairn_ua_session *s;
    cairn_sip_uri u;
    cairn_status st;

    if (ua == NULL || to == NULL || out == NULL || strlen(to) >= UA__URI_MAX ||
        cairn_sip_uri_parse(to, strlen(to), &u) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    if (ua->cfg.proxy_ip == NULL)
        return CAIRN_ERR_STATE;
    st = session_new(ua, true, &s);
    if (st != CAIRN_OK)
        return st;
    snprintf(s->peer, sizeof(s->peer), "%s", to);
    st = ua__token(ua, s->call_id);
    if (st == CAIRN_OK) {
        if (ua->cfg.msrp_relay_ip != NULL) {
            s->state = UA_SESS_AUTHING;
            st = ua__msrp_connect(s, true);
        } else {
            st = send_invite(s);
        }
    }
    if (st != CAIRN_OK) {
        s->state = UA_SESS_CLOSED;
        s->announced_closed = true; /* never announced: the caller gets the error */
        return st;
    }
    *out = s;
    return CAIRN_OK;
}

/* Clones a message (the answer may have to wait for the relay). */
static cairn_status clone_msg(cairn_ua *ua, const cairn_sip_msg *m, cairn_sip_msg **out)
{
    cairn__buf b;
    cairn_status st;

    cairn__buf_init(&b, ua->ctx, CAIRN_SIP_DEFAULT_MAX_HEADER_BYTES + CAIRN_SIP_DEFAULT_MAX_BODY);
    st = cairn_sip_msg_serialize(m, &b);
    if (st == CAIRN_OK)
        st = cairn_sip_msg_parse(ua->ctx, NULL, b.data, b.len, out);
    cairn__buf_free(&b);
    return st;
}

static void answer(cairn_ua_session *s)
{
    cairn_ua *ua = s->ua;
    cairn__buf b;
    cairn_status st;

    cairn__buf_init(&b, ua->ctx, CAIRN_SDP_DEFAULT_MAX_BYTES);
    st = build_sdp(s, &b);
    if (st == CAIRN_OK && s->flow != NULL)
        st = ua__respond(ua, s->flow, s->invite, 200, s->local_tag, "application/sdp", b.data,
                         b.len, NULL, NULL);
    else if (st == CAIRN_OK)
        st = CAIRN_ERR_NETWORK;
    cairn__buf_free(&b);
    cairn_sip_msg_free(s->invite);
    s->invite = NULL;
    if (st != CAIRN_OK) {
        ua__session_fail(s, st, 503);
        return;
    }
    s->state = UA_SESS_CONNECTING;
    if (s->link != NULL)
        ua__msrp_bound(s); /* relay: ready as soon as the answer is out */
}

void ua__session_relay_ready(cairn_ua_session *s, cairn_status st)
{
    if (st != CAIRN_OK) {
        if (!s->outgoing && s->invite != NULL && s->flow != NULL)
            (void)ua__respond(s->ua, s->flow, s->invite, 503, s->local_tag, NULL, NULL, 0, NULL,
                              NULL);
        ua__session_fail(s, st, 503);
        return;
    }
    if (s->outgoing) {
        st = send_invite(s);
        if (st != CAIRN_OK)
            ua__session_fail(s, st, 503);
    } else {
        answer(s);
    }
}

void ua__session_invite(cairn_ua *ua, ua_flow *f, const cairn_sip_msg *req)
{
    cairn_ua_session *s;
    cairn_sip_addr a;
    cairn_sip_str tag;
    const uint8_t *body;
    size_t len, i;
    int code;
    const char *cid = cairn_sip_msg_header(req, "Call-ID", 0);

    if (session_new(ua, false, &s) != CAIRN_OK) {
        (void)ua__respond(ua, f, req, 500, NULL, NULL, NULL, 0, NULL, NULL);
        return;
    }
    s->flow = f;
    body = cairn_sip_msg_body(req, &len);
    code = read_sdp(s, body, len);
    if (code == 200 && (cairn_sip_msg_addr(req, "From", 0, &a) != CAIRN_OK ||
                        !ua__copy(s->peer, sizeof(s->peer), a.uri_text.p, a.uri_text.len) ||
                        cairn_sip_msg_tag(req, "From", &tag) != CAIRN_OK || tag.len == 0 ||
                        !ua__copy(s->remote_tag, sizeof(s->remote_tag), tag.p, tag.len) ||
                        cairn_sip_msg_addr(req, "Contact", 0, &a) != CAIRN_OK ||
                        !ua__copy(s->target, sizeof(s->target), a.uri_text.p, a.uri_text.len) ||
                        !ua__copy(s->call_id, sizeof(s->call_id), cid, strlen(cid))))
        code = 400;
    if (code == 200 && ua->msrp_lfd < 0 && ua->cfg.msrp_relay_ip == NULL)
        code = 488; /* nobody can connect to us */
    if (code != 200) {
        (void)ua__respond(ua, f, req, code, s->local_tag, NULL, NULL, 0,
                          code == 415 ? "Accept" : NULL, ua->cfg.accept_types);
        s->state = UA_SESS_CLOSED;
        s->announced_closed = true;
        return;
    }
    /* UAS route set: Record-Route in order (RFC 3261 12.1.1) */
    for (i = 0; i < cairn_sip_msg_header_count(req, "Record-Route") && s->n_routes < UA__ROUTES;
         i++)
        snprintf(s->routes[s->n_routes++], UA__URI_MAX, "%s",
                 cairn_sip_msg_header(req, "Record-Route", i));
    if (clone_msg(ua, req, &s->invite) != CAIRN_OK) {
        (void)ua__respond(ua, f, req, 500, s->local_tag, NULL, NULL, 0, NULL, NULL);
        s->state = UA_SESS_CLOSED;
        s->announced_closed = true;
        return;
    }
    announce(s, CAIRN_UA_SESSION_INCOMING, CAIRN_OK);
    if (ua->cfg.msrp_relay_ip != NULL) {
        s->state = UA_SESS_ANSWERING;
        if (ua__msrp_connect(s, true) != CAIRN_OK)
            ua__session_relay_ready(s, CAIRN_ERR_NETWORK);
    } else {
        answer(s);
    }
}

static cairn_ua_session *by_call_id(cairn_ua *ua, const cairn_sip_msg *m)
{
    const char *cid = cairn_sip_msg_header(m, "Call-ID", 0);

    for (cairn_ua_session *s = ua->sessions; s && cid; s = s->next)
        if (s->state != UA_SESS_CLOSED && strcmp(s->call_id, cid) == 0)
            return s;
    return NULL;
}

void ua__session_ack(cairn_ua *ua, const cairn_sip_msg *req)
{
    (void)by_call_id(ua, req); /* nothing to stop: no 2xx retransmission over TCP */
}

void ua__session_bye(cairn_ua *ua, ua_flow *f, const cairn_sip_msg *req)
{
    cairn_ua_session *s = by_call_id(ua, req);

    (void)ua__respond(ua, f, req, s ? 200 : 481, NULL, NULL, NULL, 0, NULL, NULL);
    if (s != NULL)
        ua__session_fail(s, CAIRN_OK, 481);
}

cairn_status cairn_ua_session_close(cairn_ua_session *s)
{
    cairn_ua *ua;
    cairn_sip_msg *bye = NULL;
    char branch[CAIRN_SIP_BRANCH_SIZE];
    ua_flow *f;
    cairn_status st = CAIRN_OK;

    if (s == NULL)
        return CAIRN_ERR_INVALID_ARG;
    ua = s->ua;
    if (s->remote_tag[0] && s->target[0] && s->call_id[0]) {
        f = s->flow;
        if (f == NULL || f->dead)
            st = ua__outbound(ua, &f);
        if (st == CAIRN_OK)
            st = cairn_sip_branch_new(ua->ctx, branch);
        if (st == CAIRN_OK)
            st = ua__request(ua, f, "BYE", s->target, s->local_from, s->local_tag, s->peer,
                             s->remote_tag, s->call_id, ++s->cseq, branch, &bye);
        for (size_t i = 0; st == CAIRN_OK && i < s->n_routes; i++)
            st = cairn_sip_msg_header_add(bye, "Route", s->routes[i]);
        if (st == CAIRN_OK)
            st = ua__txn_start(ua, f, bye, NULL, NULL, NULL);
        if (st != CAIRN_OK)
            cairn_sip_msg_free(bye);
    }
    ua__session_fail(s, CAIRN_OK, 481);
    return st;
}

void ua__session_flow_lost(cairn_ua *ua, ua_flow *f)
{
    for (cairn_ua_session *s = ua->sessions; s; s = s->next)
        if (s->flow == f) {
            s->flow = NULL;
            if (s->state == UA_SESS_ANSWERING)
                ua__session_fail(s, CAIRN_ERR_NETWORK, 503);
        }
}

cairn_ua_session *ua__session_by_sess_id(cairn_ua *ua, const char *id, size_t len)
{
    for (cairn_ua_session *s = ua->sessions; s; s = s->next)
        if (s->state != UA_SESS_CLOSED && strlen(s->sess_id) == len &&
            memcmp(s->sess_id, id, len) == 0)
            return s;
    return NULL;
}

const char *cairn_ua_session_peer(const cairn_ua_session *s)
{
    return s ? s->peer : NULL;
}
bool cairn_ua_session_established(const cairn_ua_session *s)
{
    return s != NULL && s->state == UA_SESS_OPEN;
}
size_t cairn_ua_session_pending(const cairn_ua_session *s)
{
    return s ? s->n_out : 0;
}

cairn_status cairn_ua_send(cairn_ua *ua, const char *to, const char *content_type,
                           const uint8_t *body, size_t len, char *id)
{
    cairn_ua_session *s;
    cairn_status st;

    if (ua == NULL || to == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (len > ua->cfg.max_message)
        return CAIRN_ERR_TOO_LARGE;
    st = cairn_ua_pager_send(ua, to, content_type, body, len, id);
    if (st != CAIRN_ERR_TOO_LARGE)
        return st;
    for (s = ua->sessions; s; s = s->next)
        if (s->state != UA_SESS_CLOSED && strcmp(s->peer, to) == 0)
            break;
    if (s == NULL) {
        st = cairn_ua_session_open(ua, to, &s);
        if (st != CAIRN_OK)
            return st;
    }
    return cairn_ua_session_send(s, content_type, body, len, id);
}
