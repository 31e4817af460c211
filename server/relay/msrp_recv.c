/*
 * msrp_recv.c - what the relay does with each MSRP request on a session
 * connection (RELAY-MSRP-5..10): binds the connection by the first SEND
 * whose To-Path is the relay's URI and whose From-Path is the path the
 * device offered (else 481), answers every chunk (200 or the refusal),
 * reassembles under the connection's caps, and stores each complete
 * message exactly like a pager-mode MESSAGE body: one copy per device of
 * the recipient but the sender, all or nothing, inside the group-commit
 * batch. The success REPORT is written only from the after-commit hook,
 * so a sender that sees it knows every copy is durable (RELAY-MSRP-8).
 *
 * Per request: p_start decides (cur_code = 0 or the refusal), p_body
 * feeds the reassembler, p_end answers and, on the last chunk, stores.
 * Nothing here frees the connection (msrp_conn.c does, after the parser
 * returns).
 */
#include <stdio.h>
#include <string.h>

#include "msrp_internal.h"

void msrp__respond(msrp_conn *c, const cairn_msrp_msg *req, int code, const char *comment)
{
    cairn__buf b;
    if (!cairn_msrp_wants_response(req, code))
        return;
    cairn__buf_init(&b, c->r->ctx, 16384);
    if (cairn_msrp_write_response(&b, req, code, comment) == CAIRN_OK)
        msrp__send(c, &b);
    cairn__buf_free(&b);
}

/* A REPORT for a message (success 200, or a failure). */
static void report(msrp_conn *c, const msrp_pending *p, int code, const char *comment)
{
    char tid[CAIRN_MSRP_TID_BUF];
    cairn_msrp_msg send;
    cairn_msrp_range range = {1, p->total, p->total};
    cairn__buf b;

    if (cairn_msrp_tid_generate(c->r->ctx, tid) != CAIRN_OK)
        return;
    memset(&send, 0, sizeof send);
    send.method_id = CAIRN_MSRP_SEND;
    send.method = "SEND";
    send.to_path = p->to_path;
    send.from_path = p->from_path;
    send.message_id = p->message_id;
    cairn__buf_init(&b, c->r->ctx, 16384);
    if (cairn_msrp_write_report(&b, tid, &send, &range, code, comment) == CAIRN_OK)
        msrp__send(c, &b);
    cairn__buf_free(&b);
}

/* Fills what a REPORT about request m needs. */
static bool pending_fill(msrp_pending *p, const msrp_session *s, const cairn_msrp_msg *m,
                         uint64_t total)
{
    int n1 = snprintf(p->message_id, sizeof p->message_id, "%s", m->message_id);
    int n2 = snprintf(p->from_path, sizeof p->from_path, "%s", m->from_path);
    snprintf(p->to_path, sizeof p->to_path, "%s", s->our_uri);
    p->total = total;
    p->success_report = cairn_msrp_wants_success_report(m);
    p->failure_report = cairn_msrp_wants_failure_report(m);
    return n1 > 0 && (size_t)n1 < sizeof p->message_id && n2 > 0 &&
           (size_t)n2 < sizeof p->from_path;
}

/* The session a request addresses: the session id of its To-Path's last
 * URI, and both paths must be exactly the session's (RELAY-MSRP-5). */
static msrp_session *session_of(relay *r, const cairn_msrp_msg *m)
{
    cairn_msrp_uri u[CAIRN_MSRP_PATH_MAX];
    size_t n = 0;
    if (m->to_path == NULL || m->from_path == NULL ||
        cairn_msrp_path_parse(m->to_path, u, CAIRN_MSRP_PATH_MAX, &n) != CAIRN_OK || n == 0)
        return NULL;
    msrp_session *s = msrp__session_find(r, u[n - 1].session, u[n - 1].session_len);
    if (s == NULL || !relay__msrp_path_equal(m->to_path, s->our_uri) ||
        !relay__msrp_path_equal(m->from_path, s->peer_path))
        return NULL;
    return s;
}

static bool is_cpim(const char *ct)
{
    return ct != NULL && strncasecmp(ct, "message/cpim", 12) == 0 &&
           (ct[12] == 0 || ct[12] == ';' || ct[12] == ' ');
}

static cairn_status p_start(void *ud, const cairn_msrp_msg *m)
{
    msrp_conn *c = ud;
    relay *r = c->r;

    c->cur_send = c->cur_reasm = c->cur_keepalive = false;
    c->cur_code = 0;
    if (m->is_response || m->method_id == CAIRN_MSRP_REPORT)
        return CAIRN_OK; /* the relay sends no SEND; REPORTs are never answered */
    if (m->method_id != CAIRN_MSRP_SEND) {
        c->cur_code = CAIRN_MSRP_501_UNKNOWN_METHOD; /* AUTH too: the relay is no RFC 4976 relay */
        return CAIRN_OK;
    }
    c->cur_send = true;
    msrp_session *s = session_of(r, m);
    if (s == NULL || (c->s != NULL && c->s != s)) {
        c->cur_code = CAIRN_MSRP_481_NO_SESSION;
        return CAIRN_OK;
    }
    if (c->s == NULL) {
        if (s->conn_id != 0 && s->conn_id != c->id) {
            c->cur_code = CAIRN_MSRP_506_ALREADY_BOUND;
            return CAIRN_OK;
        }
        c->s = s;
        s->conn_id = c->id;
    }
    s->active_ms = relay__now_ms();
    if (m->error != CAIRN_OK) {
        c->cur_code = CAIRN_MSRP_400_BAD_REQUEST;
        return CAIRN_OK;
    }
    /* An empty SEND binds the connection or keeps it alive; nothing is
     * stored (an empty message has nothing for a device to decrypt). */
    if ((m->content_type == NULL && !m->has_body) || (m->has_range && m->range.total == 0)) {
        c->cur_keepalive = true;
        return CAIRN_OK;
    }
    if (!is_cpim(m->content_type)) {
        c->cur_code = CAIRN_MSRP_415_UNSUPPORTED_MEDIA;
        return CAIRN_OK;
    }
    cairn_status st = cairn_msrp_reasm_start(c->reasm, m);
    if (st != CAIRN_OK) {
        c->cur_code = (st == CAIRN_ERR_TOO_LARGE || st == CAIRN_ERR_LIMIT)
                          ? CAIRN_MSRP_413_TOO_LARGE
                          : CAIRN_MSRP_400_BAD_REQUEST;
        return CAIRN_OK;
    }
    c->cur_reasm = true;
    return CAIRN_OK;
}

static cairn_status p_body(void *ud, const cairn_msrp_msg *m, const uint8_t *p, size_t n)
{
    msrp_conn *c = ud;
    (void)m;
    if (!c->cur_reasm)
        return CAIRN_OK;
    cairn_status st = cairn_msrp_reasm_body(c->reasm, p, n);
    if (st != CAIRN_OK) {
        /* the reassembler dropped the message */
        c->cur_reasm = false;
        c->cur_code =
            st == CAIRN_ERR_PROTOCOL ? CAIRN_MSRP_400_BAD_REQUEST : CAIRN_MSRP_413_TOO_LARGE;
    }
    return CAIRN_OK;
}

/* Stores a complete message; on success the REPORT waits for the commit
 * (pend is handed to the batch). Returns 0, or the failure REPORT code. */
static int store(msrp_conn *c, msrp_pending *pend, const char *ctype, const uint8_t *data,
                 size_t len, const char **why)
{
    relay *r = c->r;
    msrp_session *s = c->s;
    char msg_id[65];
    int64_t now = relay__now_ms();

    *why = NULL;
    if (!relay__msrp_cpim_msg_id(r->ctx, ctype, data, len, msg_id)) {
        uint8_t rnd[16];
        cairn__random(r->ctx, rnd, sizeof rnd);
        cairn__hex_encode(msg_id, rnd, sizeof rnd);
    }
    /* the same per-account budget as a pager MESSAGE (RELAY-MSRP-12):
     * one INVITE must not buy an unmetered stream of messages */
    if (!relay__rl_take(&r->rl_account, s->who.uri, strlen(s->who.uri), now, 1.0)) {
        r->m.rate_limited_total++;
        *why = "rate limited, retry later";
        return CAIRN_MSRP_413_TOO_LARGE;
    }
    relay_enqueue q;
    if (!relay__enqueue_begin(r, &q))
        return 500;
    cairn_status st = relay__enqueue_account(r, &q, &s->who, s->recipient_account, s->only_device,
                                             msg_id, "message/cpim", data, len, now);
    if (st != CAIRN_OK) {
        relay__enqueue_abort(r, &q);
        if (st == CAIRN_ERR_LIMIT) {
            r->m.messages_rejected_quota++;
            *why = "recipient queue full";
            return CAIRN_MSRP_413_TOO_LARGE; /* RELAY-MSRP-9 */
        }
        return 500;
    }
    relay__enqueue_done(r, &q);
    r->m.msrp_messages_total++;
    if (relay__batch_add_pending(r, c->id, relay__mono_s(), pend) != CAIRN_OK)
        return 500; /* stored all the same; the sender may resend (dedup by id) */
    relay__batch_op(r);
    return 0;
}

static void complete(msrp_conn *c, const cairn_msrp_msg *m)
{
    relay *r = c->r;
    uint8_t *data = NULL;
    size_t len = 0;
    char *ct = NULL;
    const char *why = NULL;
    int code = 500;

    msrp_pending *p = cairn__calloc(r->ctx, 1, sizeof *p);
    if (p == NULL || cairn_msrp_reasm_take(c->reasm, m->message_id, &data, &len, &ct) != CAIRN_OK ||
        !pending_fill(p, c->s, m, len)) {
        cairn__free(r->ctx, p);
        p = NULL;
    } else {
        code = store(c, p, ct, data, len, &why);
    }
    if (code != 0) {
        r->m.msrp_refused_total++;
        if (p != NULL && p->failure_report)
            report(c, p, code, why);
        cairn__free(r->ctx, p);
    }
    if (data)
        cairn_free(r->ctx, data, len);
    if (ct)
        cairn_free(r->ctx, ct, strlen(ct) + 1);
}

static cairn_status p_end(void *ud, const cairn_msrp_msg *m, char flag, uint64_t body_len)
{
    msrp_conn *c = ud;
    (void)body_len;
    c->req_start_ms = 0;
    if (m->is_response || m->method_id == CAIRN_MSRP_REPORT)
        return CAIRN_OK;
    cairn_msrp_reasm_state rs = CAIRN_MSRP_REASM_PENDING;
    if (c->cur_code == 0 && c->cur_reasm && cairn_msrp_reasm_end(c->reasm, flag, &rs) != CAIRN_OK)
        c->cur_code = CAIRN_MSRP_400_BAD_REQUEST;
    if (c->cur_code != 0) {
        c->r->m.msrp_refused_total++;
        msrp__respond(c, m, c->cur_code, NULL);
        /* an unbound connection that keeps missing is closed */
        if (c->s == NULL && ++c->refusals >= 3)
            c->closing = true;
        return CAIRN_OK;
    }
    msrp__respond(c, m, CAIRN_MSRP_200_OK, NULL);
    if (c->cur_reasm && rs == CAIRN_MSRP_REASM_COMPLETE && c->s != NULL)
        complete(c, m);
    c->cur_reasm = false;
    return CAIRN_OK;
}

const cairn_msrp_callbacks msrp__parser_cb = {p_start, p_body, p_end};

void relay__msrp_after_commit(relay *r, uint64_t conn_id, void *pending, double received, bool ok)
{
    msrp_pending *p = pending;
    msrp_conn *c = r->msrp ? relay__map_get(&r->msrp->conns, conn_id) : NULL;
    (void)received;
    if (c != NULL && !c->closing) {
        if (ok && p->success_report)
            report(c, p, CAIRN_MSRP_200_OK, NULL);
        else if (!ok && p->failure_report)
            report(c, p, 500, "commit failed");
    }
    cairn__free(r->ctx, p);
}
