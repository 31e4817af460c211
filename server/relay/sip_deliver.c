/*
 * sip_deliver.c - delivery from a device's queue down its registered
 * connection, and the acknowledgements that remove rows.
 *
 * Each queued row is sent as a MESSAGE whose Call-ID is "cq-<row id>-<boot>";
 * the device acknowledges it with a 2xx response to that MESSAGE, which
 * deletes the row (only if it belongs to the device whose connection the
 * response came on: a device can never remove or see another's rows).
 * Rows go out in id order, at most delivery_window unacknowledged at a
 * time, and only rows known committed (id <= committed_max). A row sent
 * but not acknowledged stays queued and is sent again after the device
 * reconnects, or, when the device refused it (a final non-2xx), once its
 * Retry-After passed and nothing is in flight; the client removes
 * duplicates by Cairn-Msg-Id.
 *
 * RELAY-DEV-4: the From URI carries the sending device as `;gr=<id>` and
 * the To URI the receiving one, both from the relay's own records (the
 * sender's registered flow), never from the sender's request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "cairn/sip_addr.h"
#include "sip_internal.h"

void relay__sip_deliver(relay *r, int64_t device_row)
{
    sip_conn *c = relay__map_get(&r->bindings, (uint64_t)device_row);
    if (c != NULL)
        sip__deliver_more(c);
}

static bool send_row(sip_conn *c, sqlite3_stmt *st)
{
    relay *r = c->r;
    char branch[CAIRN_SIP_BRANCH_SIZE], tag[CAIRN_SIP_TOKEN_SIZE], boot[17];
    int64_t qid = sqlite3_column_int64(st, 0);
    const char *msg_id = (const char *)sqlite3_column_text(st, 1);
    const char *sender = (const char *)sqlite3_column_text(st, 2);
    int64_t sdev = sqlite3_column_int64(st, 3);
    const char *ctype = (const char *)sqlite3_column_text(st, 4);
    const void *body = sqlite3_column_blob(st, 5);
    int blen = sqlite3_column_bytes(st, 5);
    int64_t enq = sqlite3_column_int64(st, 6);
    struct evbuffer *o = bufferevent_get_output(c->bev);

    if (cairn_sip_branch_new(r->ctx, branch) != CAIRN_OK ||
        cairn_sip_token_new(r->ctx, tag) != CAIRN_OK)
        return false;
    cairn__hex_encode(boot, r->boot_id, sizeof r->boot_id);
    /* Every value here was validated on the way in (normalised URIs, token
     * msg ids, a parsed Content-Type), so none holds CR/LF. */
    if (evbuffer_add_printf(o,
                            "MESSAGE %s SIP/2.0\r\n"
                            "Via: SIP/2.0/TLS %s;branch=%s\r\n"
                            "Max-Forwards: 70\r\n"
                            "From: <%s;gr=%lld>;tag=%s\r\n"
                            "To: <%s;gr=%u>\r\n"
                            "Call-ID: cq-%lld-%s\r\n"
                            "CSeq: 1 MESSAGE\r\n"
                            "Cairn-Msg-Id: %s\r\n"
                            "Cairn-Sender-Device: %lld\r\n"
                            "Cairn-Queued-At: %lld\r\n"
                            "Content-Type: %s\r\n"
                            "Content-Length: %d\r\n\r\n",
                            c->who.uri, r->cfg.domain, branch, sender, (long long)sdev, tag,
                            c->who.uri, c->who.device, (long long)qid, boot, msg_id,
                            (long long)sdev, (long long)enq, ctype, blen) < 0 ||
        evbuffer_add(o, body, (size_t)blen) != 0)
        return false;
    sip_inflight *w = NULL;
    for (int64_t i = 0; i < c->r->cfg.delivery_window; i++)
        if (c->win[i].qid == 0) {
            w = &c->win[i];
            break;
        }
    if (w) {
        w->qid = qid;
        w->enqueued_ms = enq;
        w->sent = relay__mono_s();
    }
    c->last_sent_qid = qid;
    c->inflight++;
    return true;
}

void sip__deliver_more(sip_conn *c)
{
    static const char SQL[] =
        "SELECT id,msg_id,sender,sender_device,content_type,body,enqueued FROM queue"
        " WHERE device_row=? AND id>? AND id<=? AND expires>? ORDER BY id LIMIT ?";
    relay *r = c->r;
    if (!c->registered || c->closing || c->out_blocked ||
        c->inflight >= (size_t)r->cfg.delivery_window)
        return;
    /* Rows for this device only appear with a commit that raises
     * committed_max: if none happened since the queue was found empty,
     * skip the query (one SELECT per acknowledgement otherwise). */
    if (c->drained_at != 0 && c->drained_at == r->committed_max)
        return;
    int64_t want = r->cfg.delivery_window - (int64_t)c->inflight, got = 0;
    sqlite3_stmt *st = relay__stmt(r, SQL);
    if (st == NULL)
        return;
    sqlite3_bind_int64(st, 1, c->who.device_row);
    sqlite3_bind_int64(st, 2, c->last_sent_qid);
    sqlite3_bind_int64(st, 3, r->committed_max);
    sqlite3_bind_int64(st, 4, relay__now_ms());
    sqlite3_bind_int64(st, 5, want);
    bool failed = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (!send_row(c, st)) {
            failed = true;
            break;
        }
        got++;
    }
    sqlite3_reset(st);
    c->drained_at = (!failed && got < want) ? r->committed_max : 0;
    struct evbuffer *out = bufferevent_get_output(c->bev);
    if (evbuffer_get_length(out) > (size_t)r->cfg.max_pending_output && !c->out_blocked) {
        c->out_blocked = true;
        bufferevent_disable(c->bev, EV_READ);
    }
}

static bool parse_qid(const char *cid, int64_t *qid)
{
    if (cid == NULL || strncmp(cid, "cq-", 3) != 0)
        return false;
    char *end;
    long long v = strtoll(cid + 3, &end, 10);
    if (end == cid + 3 || *end != '-' || v <= 0)
        return false;
    *qid = v;
    return true;
}

void sip__handle_response(sip_conn *c, const cairn_sip_msg *m)
{
    static const char DEL[] = "DELETE FROM queue WHERE id=? AND device_row=? RETURNING length(body)";
    static const char CNT[] =
        "UPDATE devices SET q_count=q_count-1, q_bytes=q_bytes-? WHERE id=?";
    relay *r = c->r;
    int code = cairn_sip_msg_status(m);
    int64_t qid;

    if (code < 200 || !c->registered ||
        !parse_qid(cairn_sip_msg_header(m, "Call-ID", 0), &qid))
        return;
    sip_inflight *w = NULL;
    for (int64_t i = 0; i < r->cfg.delivery_window; i++)
        if (c->win[i].qid == qid) {
            w = &c->win[i];
            break;
        }
    if (code < 300) {
        if (!relay__batch_begin(r))
            return;
        sqlite3_stmt *st = relay__stmt(r, DEL);
        if (st == NULL)
            return;
        sqlite3_bind_int64(st, 1, qid);
        sqlite3_bind_int64(st, 2, c->who.device_row);
        int64_t len = -1;
        if (sqlite3_step(st) == SQLITE_ROW)
            len = sqlite3_column_int64(st, 0);
        while (sqlite3_step(st) == SQLITE_ROW) {
        }
        sqlite3_reset(st);
        if (len >= 0) {
            st = relay__stmt(r, CNT);
            if (st) {
                sqlite3_bind_int64(st, 1, len);
                sqlite3_bind_int64(st, 2, c->who.device_row);
                sqlite3_step(st);
                sqlite3_reset(st);
            }
            relay__batch_note_queue(r, 0, -1);
            r->m.messages_delivered_total++;
            if (w)
                relay__hist_add(&r->m.delivery_latency,
                                (double)(relay__now_ms() - w->enqueued_ms) / 1000.0);
        }
        relay__batch_op(r);
    }
    if (w) {
        w->qid = 0;
        if (c->inflight > 0)
            c->inflight--;
        if (code >= 300 && c->retry_at_ms == 0) {
            /* RELAY-Q-4: a refused copy is sent again on this flow after
             * the device's Retry-After (1..60 s, default 2 s) */
            const char *ra = cairn_sip_msg_header(m, "Retry-After", 0);
            long secs = ra ? strtol(ra, NULL, 10) : 2;
            if (secs < 1)
                secs = 1;
            if (secs > 60)
                secs = 60;
            c->retry_at_ms = relay__now_ms() + secs * 1000;
        }
    }
    sip__deliver_more(c);
}
