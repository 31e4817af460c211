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

static const char SP_BEGIN[] = "SAVEPOINT msrp";
static const char SP_RELEASE[] = "RELEASE msrp";
static const char SP_ROLLBACK[] = "ROLLBACK TO msrp";

static bool step_sql(relay *r, const char *sql)
{
    sqlite3_stmt *st = relay__stmt(r, sql);
    if (st == NULL)
        return false;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE;
}

/* One copy per device of the recipient account but the sender (or only
 * for the device the Request-URI's gr named, RELAY-DEV-2), with the same
 * statements, quota rule and batch bookkeeping as pager mode
 * (sip_message.c; RELAY-Q-1, Q-5). CAIRN_ERR_LIMIT when a queue is full,
 * CAIRN_ERR_STORE on a database error (the caller rolls back). */
static cairn_status enqueue(relay *r, const msrp_session *s, const char *msg_id,
                            const uint8_t *body, size_t blen, int64_t now, int *copies)
{
    static const char SEL[] = "SELECT id, device FROM devices WHERE account=? ORDER BY device";
    static const char QUOTA[] =
        "UPDATE devices SET q_count=q_count+1, q_bytes=q_bytes+?1"
        " WHERE id=?2 AND q_count<?3 AND q_bytes+?1<=?4";
    static const char INS[] =
        "INSERT INTO queue(device_row,msg_id,sender,sender_device,content_type,body,enqueued,"
        "expires) VALUES(?,?,?,?,?,?,?,?)";
    int64_t rows[1024];
    size_t n = 0;
    sqlite3_stmt *st = relay__stmt(r, SEL);
    if (st == NULL)
        return CAIRN_ERR_STORE;
    sqlite3_bind_int64(st, 1, s->recipient_account);
    while (sqlite3_step(st) == SQLITE_ROW && n < CAIRN_ARRAY_LEN(rows))
        if (s->only_device == 0 || sqlite3_column_int64(st, 1) == (sqlite3_int64)s->only_device)
            rows[n++] = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    for (size_t i = 0; i < n; i++) {
        if (rows[i] == s->who.device_row)
            continue;
        if ((st = relay__stmt(r, QUOTA)) == NULL)
            return CAIRN_ERR_STORE;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)blen);
        sqlite3_bind_int64(st, 2, rows[i]);
        sqlite3_bind_int64(st, 3, r->cfg.max_messages);
        sqlite3_bind_int64(st, 4, r->cfg.max_bytes);
        if (sqlite3_step(st) != SQLITE_DONE)
            return CAIRN_ERR_STORE;
        if (sqlite3_changes(r->db) == 0)
            return CAIRN_ERR_LIMIT;
        if ((st = relay__stmt(r, INS)) == NULL)
            return CAIRN_ERR_STORE;
        sqlite3_bind_int64(st, 1, rows[i]);
        sqlite3_bind_text(st, 2, msg_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, s->who.uri, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, s->who.device);
        sqlite3_bind_text(st, 5, "message/cpim", -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 6, body, (int)blen, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, now);
        sqlite3_bind_int64(st, 8, now + r->cfg.ttl_seconds * 1000);
        if (sqlite3_step(st) != SQLITE_DONE)
            return CAIRN_ERR_STORE;
        relay__batch_note_queue(r, sqlite3_last_insert_rowid(r->db), 1);
        relay__batch_touch(r, rows[i]);
        (*copies)++;
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
    int copies = 0;
    int64_t now = relay__now_ms();

    *why = NULL;
    if (!relay__msrp_cpim_msg_id(r->ctx, ctype, data, len, msg_id)) {
        uint8_t rnd[16];
        cairn__random(r->ctx, rnd, sizeof rnd);
        cairn__hex_encode(msg_id, rnd, sizeof rnd);
    }
    if (!relay__batch_begin(r) || !step_sql(r, SP_BEGIN))
        return 500;
    /* As in sip_message.c: a rolled-back row id may be reused, so the
     * batch forgets what this message noted. */
    int64_t saved_max = r->batch_max_qid;
    cairn_status st = enqueue(r, s, msg_id, data, len, now, &copies);
    if (st != CAIRN_OK) {
        step_sql(r, SP_ROLLBACK);
        step_sql(r, SP_RELEASE);
        r->batch_max_qid = saved_max;
        r->batch_depth_delta -= copies;
        if (st == CAIRN_ERR_LIMIT) {
            r->m.messages_rejected_quota++;
            *why = "recipient queue full";
            return CAIRN_MSRP_413_TOO_LARGE; /* RELAY-MSRP-9 */
        }
        return 500;
    }
    step_sql(r, SP_RELEASE);
    r->m.messages_queued_total += (uint64_t)copies;
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
