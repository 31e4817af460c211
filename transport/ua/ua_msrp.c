/*
 * ua_msrp.c - MSRP links of the user agent: connecting to the peer or to
 * the RFC 4976 relay (AUTH with digest, Use-Path), accepting and binding
 * connections by the session id in the To-Path (passive side), sending
 * payloads in chunks of at most CAIRN_MSRP_CHUNK_MAX body bytes, pipelined
 * while the connection's queue has room (BIND-SESS-5), matching
 * transaction responses by id, and turning Success/Failure REPORTs into
 * delivery results; receiving with reassembly, per-chunk 200 responses and
 * a success REPORT per complete message (BIND-SESS-6).
 *
 * Invariants: at most UA__PENDING_TIDS chunks await a response (the ring
 * below); a payload is reported exactly once; nothing is delivered to the
 * app before the whole message has been reassembled and its type checked.
 */
#include <stdio.h>
#include <string.h>

#include "ua_internal.h"

#define PEND_MASK (UA__PENDING_TIDS - 1)

/* ---- pending transaction ids (ring) ---------------------------------------- */

static bool pend_push(cairn_ua *ua, const char *tid, cairn_ua_session *s, ua_out_msg *m)
{
    struct ua_pend *p;

    if (ua->pend_tail - ua->pend_head >= UA__PENDING_TIDS)
        return false;
    p = &ua->pend[ua->pend_tail++ & PEND_MASK];
    snprintf(p->tid, sizeof(p->tid), "%s", tid);
    p->s = s;
    p->m = m;
    p->used = true;
    return true;
}

static struct ua_pend *pend_find(cairn_ua *ua, const char *tid)
{
    for (uint32_t i = ua->pend_head; i != ua->pend_tail; i++) {
        struct ua_pend *p = &ua->pend[i & PEND_MASK];
        if (p->used && strcmp(p->tid, tid) == 0)
            return p;
    }
    return NULL;
}

static void pend_trim(cairn_ua *ua)
{
    while (ua->pend_head != ua->pend_tail && !ua->pend[ua->pend_head & PEND_MASK].used)
        ua->pend_head++;
}

static void pend_forget(cairn_ua *ua, const void *who)
{
    for (uint32_t i = ua->pend_head; i != ua->pend_tail; i++) {
        struct ua_pend *p = &ua->pend[i & PEND_MASK];
        if (p->m == who || p->s == who) {
            p->m = NULL;
            p->s = NULL;
        }
    }
}

void ua__msrp_out_free(cairn_ua *ua, ua_out_msg *m)
{
    pend_forget(ua, m);
    cairn__free(ua->ctx, m->ct);
    cairn__free_secret(ua->ctx, m->data, m->len);
    cairn__free(ua->ctx, m);
}

/* Takes m off its session's queue, reports, frees. */
static void out_finish(cairn_ua_session *s, ua_out_msg *m, int status)
{
    ua_out_msg **pp = &s->out_head, *prev = NULL;

    while (*pp && *pp != m) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    if (*pp == NULL)
        return;
    *pp = m->next;
    if (s->out_tail == m)
        s->out_tail = prev;
    s->n_out--;
    ua__report(s->ua, m->id, status);
    ua__msrp_out_free(s->ua, m);
}

void ua__msrp_free(ua_msrp *l)
{
    cairn_ua *ua = l->ua;

    pend_forget(ua, l->s);
    cairn_msrp_parser_destroy(l->parser);
    cairn_conn_free(l->conn);
    cairn__free(ua->ctx, l);
}

/* ---- sending ------------------------------------------------------------------ */

static cairn_status link_send(ua_msrp *l, const cairn__buf *b)
{
    if (l->conn == NULL || l->dead)
        return CAIRN_ERR_STATE;
    return cairn_conn_send(l->conn, b->data, b->len);
}

static void send_auth(ua_msrp *l, const char *authorization)
{
    cairn_ua *ua = l->ua;
    cairn_msrp_msg m;
    char to[UA__URI_MAX];
    cairn__buf b;

    snprintf(to, sizeof(to), "%s://%s:%u;tcp", ua->cfg.tls ? "msrps" : "msrp",
             ua->cfg.msrp_relay_ip, (unsigned)ua->cfg.msrp_relay_port);
    if (cairn_msrp_tid_generate(ua->ctx, l->auth_tid) != CAIRN_OK)
        return;
    memset(&m, 0, sizeof(m));
    m.tid = l->auth_tid;
    m.method_id = CAIRN_MSRP_AUTH;
    m.method = "AUTH";
    m.to_path = to;
    m.from_path = l->s ? l->s->own_uri : "msrp://invalid/x;tcp";
    m.authorization = authorization;
    cairn__buf_init(&b, ua->ctx, 16384);
    if (cairn_msrp_write(&b, &m, NULL, 0, '$') == CAIRN_OK)
        (void)link_send(l, &b);
    cairn__buf_free(&b);
}

/* RFC 4975 section 7.1: the active end binds the connection with a SEND
 * (empty here) as soon as it is up. */
static void send_bind(ua_msrp *l)
{
    cairn_ua_session *s = l->s;
    cairn_msrp_msg m;
    char tid[CAIRN_MSRP_TID_BUF], mid[CAIRN_MSRP_TID_BUF];
    cairn__buf b;

    if (s == NULL || cairn_msrp_tid_generate(s->ua->ctx, tid) != CAIRN_OK ||
        cairn_msrp_tid_generate(s->ua->ctx, mid) != CAIRN_OK)
        return;
    memset(&m, 0, sizeof(m));
    m.tid = tid;
    m.method_id = CAIRN_MSRP_SEND;
    m.method = "SEND";
    m.to_path = s->to_path;
    m.from_path = s->own_uri;
    m.message_id = mid;
    m.has_range = true;
    m.range.start = 1;
    m.range.end = 0;
    m.range.total = 0;
    cairn__buf_init(&b, s->ua->ctx, 16384);
    if (cairn_msrp_write(&b, &m, NULL, 0, '$') == CAIRN_OK && link_send(l, &b) == CAIRN_OK)
        (void)pend_push(s->ua, tid, s, NULL);
    cairn__buf_free(&b);
    l->bind_sent = true;
}

static void compute_to_path(cairn_ua_session *s)
{
    /* RFC 4976 section 6: our relays' Use-Path, then the peer's path */
    if (s->use_path[0])
        snprintf(s->to_path, sizeof(s->to_path), "%s %s", s->use_path, s->peer_path);
    else
        snprintf(s->to_path, sizeof(s->to_path), "%s", s->peer_path);
}

void ua__msrp_bound(cairn_ua_session *s)
{
    if (s->state == UA_SESS_OPEN || s->state == UA_SESS_CLOSED)
        return;
    compute_to_path(s);
    s->state = UA_SESS_OPEN;
    if (s->ua->cfg.cb.on_session)
        s->ua->cfg.cb.on_session(s->ua->cfg.ud, s, CAIRN_UA_SESSION_ESTABLISHED, CAIRN_OK);
    ua__msrp_pump(s);
}

void ua__msrp_pump(cairn_ua_session *s)
{
    cairn_ua *ua = s->ua;
    ua_msrp *l = s->link;
    cairn__buf b;

    if (s->state != UA_SESS_OPEN || l == NULL || l->dead || l->conn == NULL)
        return;
    cairn__buf_init(&b, ua->ctx, CAIRN_MSRP_CHUNK_MAX + 8192);
    for (ua_out_msg *m = s->out_head; m; m = m->next) {
        if (!m->started) {
            memset(&m->tmpl, 0, sizeof(m->tmpl));
            m->tmpl.method_id = CAIRN_MSRP_SEND;
            m->tmpl.method = "SEND";
            m->tmpl.to_path = s->to_path;
            m->tmpl.from_path = s->own_uri;
            m->tmpl.message_id = m->id;
            m->tmpl.content_type = m->ct;
            m->tmpl.success_report = "yes";
            m->tmpl.failure_report = "yes";
            if (cairn_msrp_chunker_init(&m->ch, ua->ctx, &m->tmpl, m->data, m->len, 0) !=
                CAIRN_OK) {
                m->failed = true;
                continue;
            }
            m->started = true;
        }
        while (!cairn_msrp_chunker_done(&m->ch)) {
            char tid[CAIRN_MSRP_TID_BUF];
            if (cairn_conn_out_room(l->conn) < CAIRN_MSRP_CHUNK_MAX + 4096 ||
                ua->pend_tail - ua->pend_head >= UA__PENDING_TIDS) {
                cairn__buf_free(&b);
                return; /* backpressure: resume when the queue drains */
            }
            cairn__buf_reset(&b);
            if (cairn_msrp_chunker_next(&m->ch, &b, tid) != CAIRN_OK ||
                link_send(l, &b) != CAIRN_OK || !pend_push(ua, tid, s, m)) {
                m->failed = true;
                break;
            }
            m->chunks_out++;
            m->last_progress = cairn__now_ms(ua->ctx);
        }
    }
    cairn__buf_free(&b);
    /* payloads that could not even be framed fail now */
    for (ua_out_msg *m = s->out_head, *n; m; m = n) {
        n = m->next;
        if (m->failed && m->chunks_out == 0)
            out_finish(s, m, 500);
    }
}

void ua__msrp_expire(cairn_ua_session *s, int64_t now)
{
    for (ua_out_msg *m = s->out_head, *n; m; m = n) {
        n = m->next;
        if (m->started && now - m->last_progress >= UA__REPORT_TIMEOUT_MS)
            out_finish(s, m, 408); /* the REPORT never came: relay or peer lost it */
    }
}

cairn_status cairn_ua_session_send(cairn_ua_session *s, const char *content_type,
                                   const uint8_t *body, size_t len, char *id)
{
    cairn_ua *ua;
    ua_out_msg *m;
    cairn_status st;

    if (s == NULL || content_type == NULL || (body == NULL && len > 0) || id == NULL)
        return CAIRN_ERR_INVALID_ARG;
    ua = s->ua;
    if (s->state == UA_SESS_CLOSED)
        return CAIRN_ERR_STATE;
    if (len > ua->cfg.max_message)
        return CAIRN_ERR_TOO_LARGE;
    m = cairn__calloc(ua->ctx, 1, sizeof(*m));
    if (m == NULL)
        return CAIRN_ERR_NOMEM;
    st = cairn_msrp_tid_generate(ua->ctx, m->id);
    if (st == CAIRN_OK) {
        m->ct = cairn__strdup(ua->ctx, content_type);
        m->data = cairn__memdup(ua->ctx, len ? (const void *)body : "", len ? len : 1);
        m->len = len;
        if (m->ct == NULL || m->data == NULL)
            st = CAIRN_ERR_NOMEM;
    }
    if (st != CAIRN_OK) {
        cairn__free(ua->ctx, m->ct);
        cairn__free(ua->ctx, m->data);
        cairn__free(ua->ctx, m);
        return st;
    }
    if (s->out_tail)
        s->out_tail->next = m;
    else
        s->out_head = m;
    s->out_tail = m;
    s->n_out++;
    memcpy(id, m->id, CAIRN_MSRP_TID_BUF);
    ua__msrp_pump(s);
    return CAIRN_OK;
}

/* ---- receiving ---------------------------------------------------------------- */

static void respond(ua_msrp *l, const cairn_msrp_msg *req, int code)
{
    cairn__buf b;

    if (!cairn_msrp_wants_response(req, code))
        return;
    cairn__buf_init(&b, l->ua->ctx, 16384);
    if (cairn_msrp_write_response(&b, req, code, NULL) == CAIRN_OK)
        (void)link_send(l, &b);
    cairn__buf_free(&b);
}

static void report(ua_msrp *l, const cairn_msrp_msg *req, uint64_t total, int code)
{
    char tid[CAIRN_MSRP_TID_BUF];
    cairn_msrp_range r = {1, total, total};
    cairn__buf b;

    if (cairn_msrp_tid_generate(l->ua->ctx, tid) != CAIRN_OK)
        return;
    cairn__buf_init(&b, l->ua->ctx, 16384);
    if (cairn_msrp_write_report(&b, tid, req, &r, code, NULL) == CAIRN_OK)
        (void)link_send(l, &b);
    cairn__buf_free(&b);
}

/* The session id of the last URI in a path (our own URI in a To-Path). */
static bool last_session_id(const char *path, const char **id, size_t *len)
{
    cairn_msrp_uri u[CAIRN_MSRP_PATH_MAX];
    size_t n = 0;

    if (path == NULL || cairn_msrp_path_parse(path, u, CAIRN_MSRP_PATH_MAX, &n) != CAIRN_OK ||
        n == 0 || u[n - 1].session_len == 0)
        return false;
    *id = u[n - 1].session;
    *len = u[n - 1].session_len;
    return true;
}

static void on_response(ua_msrp *l, const cairn_msrp_msg *m)
{
    cairn_ua *ua = l->ua;
    struct ua_pend *p;

    if (m->tid == NULL)
        return;
    if (l->relay && strcmp(m->tid, l->auth_tid) == 0) {
        cairn_ua_session *s = l->s;
        l->auth_tid[0] = '\0';
        if (s == NULL)
            return;
        if (m->code == 401 && m->www_authenticate && l->auth_tries++ < 2 && ua->cfg.password) {
            cairn_sip_challenge ch;
            cairn__buf b;
            char to[UA__URI_MAX];
            snprintf(to, sizeof(to), "%s://%s:%u;tcp", ua->cfg.tls ? "msrps" : "msrp",
                     ua->cfg.msrp_relay_ip, (unsigned)ua->cfg.msrp_relay_port);
            cairn__buf_init(&b, ua->ctx, 8192);
            if (cairn_sip_challenge_parse(m->www_authenticate, strlen(m->www_authenticate), &ch) ==
                    CAIRN_OK &&
                cairn_sip_digest_authorize(ua->ctx, &ch,
                                           ua->cfg.username ? ua->cfg.username : ua->aor_user,
                                           ua->cfg.password, "AUTH", to, NULL, 1, &b) == CAIRN_OK &&
                cairn__buf_append_u8(&b, 0) == CAIRN_OK) {
                send_auth(l, (const char *)b.data);
                cairn__buf_free(&b);
                return;
            }
            cairn__buf_free(&b);
        }
        cairn_msrp_uri up[CAIRN_MSRP_PATH_MAX];
        size_t nup = 0;
        if (m->code == 200 && m->use_path != NULL &&
            cairn_msrp_path_parse(m->use_path, up, CAIRN_MSRP_PATH_MAX, &nup) == CAIRN_OK &&
            nup > 0 &&
            ua__copy(s->use_path, sizeof(s->use_path), m->use_path, strlen(m->use_path))) {
            ua__session_relay_ready(s, CAIRN_OK);
            return;
        }
        ua__session_relay_ready(s, m->code == 401 || m->code == 403 ? CAIRN_ERR_AUTH
                                                                    : CAIRN_ERR_PROTOCOL);
        return;
    }
    p = pend_find(ua, m->tid);
    if (p == NULL)
        return;
    p->used = false;
    if (p->m != NULL && p->s != NULL) {
        ua_out_msg *om = p->m;
        if (om->chunks_out > 0)
            om->chunks_out--;
        om->last_progress = cairn__now_ms(ua->ctx);
        if (m->code != 200)
            out_finish(p->s, om, m->code);
    }
    pend_trim(ua);
}

static void on_report_req(ua_msrp *l, const cairn_msrp_msg *m)
{
    cairn_ua_session *s = l->s;
    ua_out_msg *om;

    if (s == NULL || m->message_id == NULL || !m->has_status)
        return;
    for (om = s->out_head; om; om = om->next)
        if (strcmp(om->id, m->message_id) == 0)
            break;
    if (om == NULL)
        return;
    if (m->status.code != 200)
        out_finish(s, om, m->status.code);
    else if (m->has_range && m->range.end != CAIRN_MSRP_UNKNOWN && m->range.end >= om->len)
        out_finish(s, om, 200);
}

static cairn_status p_start(void *ud, const cairn_msrp_msg *m)
{
    ua_msrp *l = ud;
    cairn_ua *ua = l->ua;
    cairn_status st;

    l->cur_refused = false;
    l->cur_is_send = false;
    l->cur_reasm = false;
    if (m->is_response) {
        on_response(l, m);
        return CAIRN_OK;
    }
    if (m->method_id != CAIRN_MSRP_SEND)
        return CAIRN_OK; /* REPORT handled at the end; others refused there */
    l->cur_is_send = true;
    if (l->s == NULL) { /* passive side: bind by our session id */
        const char *id;
        size_t n;
        cairn_ua_session *s = NULL;
        if (last_session_id(m->to_path, &id, &n))
            s = ua__session_by_sess_id(ua, id, n);
        if (s == NULL || (s->link != NULL && s->link != l)) {
            l->cur_refused = true;
            return CAIRN_OK;
        }
        l->s = s;
        s->link = l;
        ua__msrp_bound(s);
    }
    if (m->error != CAIRN_OK) {
        l->cur_refused = true;
        return CAIRN_OK;
    }
    if (m->content_type == NULL && !m->has_body)
        return CAIRN_OK; /* empty SEND: bind or keepalive */
    if (m->content_type == NULL ||
        !ua__type_accepted(ua->cfg.accept_types, m->content_type, strlen(m->content_type))) {
        l->cur_refused = true;
        return CAIRN_OK;
    }
    st = cairn_msrp_reasm_start(l->s->reasm, m);
    if (st != CAIRN_OK) {
        l->cur_refused = true;
        return CAIRN_OK;
    }
    l->cur_reasm = true;
    return CAIRN_OK;
}

static cairn_status p_body(void *ud, const cairn_msrp_msg *m, const uint8_t *p, size_t n)
{
    ua_msrp *l = ud;
    (void)m;

    if (l->cur_reasm && !l->cur_refused && cairn_msrp_reasm_body(l->s->reasm, p, n) != CAIRN_OK) {
        l->cur_refused = true;
        l->cur_reasm = false;
    }
    return CAIRN_OK;
}

static int refusal_code(ua_msrp *l, const cairn_msrp_msg *m)
{
    if (l->s == NULL)
        return CAIRN_MSRP_481_NO_SESSION;
    if (m->error != CAIRN_OK)
        return CAIRN_MSRP_400_BAD_REQUEST;
    if (m->content_type != NULL &&
        !ua__type_accepted(l->ua->cfg.accept_types, m->content_type, strlen(m->content_type)))
        return CAIRN_MSRP_415_UNSUPPORTED_MEDIA;
    return CAIRN_MSRP_413_TOO_LARGE;
}

static void deliver(ua_msrp *l, const cairn_msrp_msg *m)
{
    cairn_ua_session *s = l->s;
    cairn_ua *ua = l->ua;
    uint8_t *data = NULL;
    size_t len = 0;
    char *ct = NULL;
    int code;

    if (cairn_msrp_reasm_take(s->reasm, m->message_id, &data, &len, &ct) != CAIRN_OK)
        return;
    code = ua__check_types(ua, ct, data, len);
    if (code == 200) {
        cairn_ua_incoming in;
        memset(&in, 0, sizeof(in));
        in.mode = CAIRN_UA_SESSION;
        in.from = s->peer;
        in.to = ua->cfg.aor;
        in.content_type = ct;
        in.body = data;
        in.len = len;
        in.message_id = m->message_id;
        in.session = s;
        code = ua->cfg.cb.on_message ? ua->cfg.cb.on_message(ua->cfg.ud, &in) : 200;
    }
    if (code == 200 || code == 202) {
        if (cairn_msrp_wants_success_report(m))
            report(l, m, len, 200);
    } else if (cairn_msrp_wants_failure_report(m)) {
        report(l, m, len, code);
    }
    cairn_free(ua->ctx, data, len);
    if (ct != NULL)
        cairn_free(ua->ctx, ct, strlen(ct) + 1);
}

static cairn_status p_end(void *ud, const cairn_msrp_msg *m, char flag, uint64_t body_len)
{
    ua_msrp *l = ud;
    (void)body_len;

    if (m->is_response)
        return CAIRN_OK;
    if (m->method_id == CAIRN_MSRP_REPORT) {
        on_report_req(l, m); /* REPORTs are never answered */
        return CAIRN_OK;
    }
    if (m->method_id != CAIRN_MSRP_SEND) {
        respond(l, m, CAIRN_MSRP_501_UNKNOWN_METHOD);
        return CAIRN_OK;
    }
    if (l->cur_refused) {
        int code = refusal_code(l, m);
        respond(l, m, code);
        return CAIRN_OK;
    }
    respond(l, m, CAIRN_MSRP_200_OK);
    if (l->cur_reasm) {
        cairn_msrp_reasm_state rs;
        if (cairn_msrp_reasm_end(l->s->reasm, flag, &rs) == CAIRN_OK &&
            rs == CAIRN_MSRP_REASM_COMPLETE)
            deliver(l, m);
    }
    l->cur_reasm = false;
    return CAIRN_OK;
}

static const cairn_msrp_callbacks k_parser_cb = {p_start, p_body, p_end};

/* ---- connection glue ---------------------------------------------------------- */

static cairn_status link_on_data(void *ud, cairn_conn *c, const uint8_t *p, size_t n)
{
    ua_msrp *l = ud;
    (void)c;
    return cairn_msrp_parser_feed(l->parser, p, n);
}

static void link_on_state(void *ud, cairn_conn *c, cairn_conn_state st, cairn_status why)
{
    ua_msrp *l = ud;
    (void)c;

    if (st == CAIRN_CONN_OPEN) {
        if (l->relay) {
            send_auth(l, NULL);
        } else if (l->s != NULL && l->s->outgoing && !l->bind_sent) {
            compute_to_path(l->s);
            send_bind(l);
            ua__msrp_bound(l->s);
        }
        return;
    }
    if (st == CAIRN_CONN_CLOSED && !l->dead) {
        cairn_ua_session *s = l->s;
        l->dead = true;
        if (s != NULL) {
            s->link = NULL;
            l->s = NULL;
            if (s->state == UA_SESS_AUTHING || s->state == UA_SESS_ANSWERING)
                ua__session_relay_ready(s, why == CAIRN_OK ? CAIRN_ERR_NETWORK : why);
            else
                ua__session_fail(s, why == CAIRN_OK ? CAIRN_ERR_NETWORK : why, 503);
        }
    }
}

static void link_on_keepalive(void *ud, cairn_conn *c)
{
    ua_msrp *l = ud;
    (void)c;
    if (l->s != NULL && l->s->state == UA_SESS_OPEN)
        send_bind(l); /* an empty SEND keeps relays and NATs awake */
}

static const cairn_conn_callbacks k_link_cb = {link_on_data, link_on_state, link_on_keepalive};

static cairn_status link_new(cairn_ua *ua, ua_msrp **out)
{
    ua_msrp *l = cairn__calloc(ua->ctx, 1, sizeof(*l));
    cairn_msrp_limits lim;
    cairn_status st;

    if (l == NULL)
        return CAIRN_ERR_NOMEM;
    l->ua = ua;
    memset(&lim, 0, sizeof(lim));
    lim.max_body = CAIRN_MSRP_CHUNK_MAX * 2 > ua->cfg.max_message ? CAIRN_MSRP_CHUNK_MAX * 2
                                                                  : ua->cfg.max_message;
    st = cairn_msrp_parser_create(ua->ctx, &lim, &k_parser_cb, l, &l->parser);
    if (st != CAIRN_OK) {
        cairn__free(ua->ctx, l);
        return st;
    }
    l->next = ua->links;
    ua->links = l;
    *out = l;
    return CAIRN_OK;
}

static cairn_conn_config link_cfg(cairn_ua *ua, bool server)
{
    cairn_conn_config cc = server ? ua->conn_cfg_server : ua->conn_cfg_client;

    if (ua->cfg.keepalive_s > 0) {
        cc.keepalive = CAIRN_CONN_KA_CALLBACK;
        cc.keepalive_ms = (int64_t)ua->cfg.keepalive_s * 1000;
    }
    return cc;
}

cairn_status ua__msrp_connect(cairn_ua_session *s, bool relay)
{
    cairn_ua *ua = s->ua;
    cairn_conn_config cc = link_cfg(ua, false);
    char host[64];
    uint16_t port;
    ua_msrp *l;
    cairn_status st;

    if (relay) {
        snprintf(host, sizeof(host), "%s", ua->cfg.msrp_relay_ip);
        port = ua->cfg.msrp_relay_port;
    } else {
        cairn_msrp_uri u[CAIRN_MSRP_PATH_MAX];
        size_t n = 0;
        if (cairn_msrp_path_parse(s->peer_path, u, CAIRN_MSRP_PATH_MAX, &n) != CAIRN_OK || n == 0 ||
            u[0].port == 0)
            return CAIRN_ERR_PROTOCOL;
        if (u[0].host_len >= 2 && u[0].host[0] == '[') {
            if (!ua__copy(host, sizeof(host), u[0].host + 1, u[0].host_len - 2))
                return CAIRN_ERR_PROTOCOL;
        } else if (!ua__copy(host, sizeof(host), u[0].host, u[0].host_len)) {
            return CAIRN_ERR_PROTOCOL;
        }
        port = u[0].port;
    }
    st = link_new(ua, &l);
    if (st != CAIRN_OK)
        return st;
    l->relay = relay;
    l->s = s;
    s->link = l;
    st = cairn_conn_connect(ua->ctx, &cc, host, port, &k_link_cb, l, &l->conn);
    if (st != CAIRN_OK) {
        l->dead = true;
        l->s = NULL;
        s->link = NULL;
    }
    return st;
}

cairn_status ua__msrp_adopt(cairn_ua *ua, int lfd)
{
    cairn_conn_config cc = link_cfg(ua, true);
    ua_msrp *l;
    cairn_status st = link_new(ua, &l);

    if (st != CAIRN_OK)
        return st;
    st = cairn_conn_accept(ua->ctx, &cc, lfd, &k_link_cb, l, &l->conn);
    if (st != CAIRN_OK)
        l->dead = true;
    return st;
}
