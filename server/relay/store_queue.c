/*
 * store_queue.c - the per-device queues: storing the copies of one
 * message (pager MESSAGE and MSRP alike, RELAY-Q-1, Q-5), the TTL sweep
 * (expired rows are deleted together with the device counters they were
 * counted in, in one transaction) and the start-up figures (queue depth,
 * highest committed row).
 *
 * A message's copies are all stored or none: they go inside a savepoint
 * of the open batch, and an abort also makes the batch forget the row ids
 * it noted (a rolled-back id may be handed out again by the next insert,
 * and committed_max must never cover a row that is not committed).
 */
#include "relay.h"

static bool step_sql(relay *r, const char *sql)
{
    sqlite3_stmt *st = relay__stmt(r, sql);
    if (st == NULL)
        return false;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE;
}

bool relay__enqueue_begin(relay *r, relay_enqueue *q)
{
    q->saved_max = r->batch_max_qid;
    q->copies = 0;
    return relay__batch_begin(r) && step_sql(r, "SAVEPOINT enq");
}

cairn_status relay__enqueue_account(relay *r, relay_enqueue *q, const relay_principal *from,
                                    int64_t account, uint32_t only, const char *msg_id,
                                    const char *ctype, const uint8_t *body, size_t blen,
                                    int64_t now)
{
    static const char SEL[] = "SELECT id, device FROM devices WHERE account=? ORDER BY device";
    /* reserves quota or tells us the queue is full, in one statement */
    static const char QUOTA[] = "UPDATE devices SET q_count=q_count+1, q_bytes=q_bytes+?1"
                                " WHERE id=?2 AND q_count<?3 AND q_bytes+?1<=?4";
    static const char INS[] =
        "INSERT INTO queue(device_row,msg_id,sender,sender_device,content_type,body,enqueued,"
        "expires) VALUES(?,?,?,?,?,?,?,?)";
    int64_t rows[1024];
    size_t n = 0;
    sqlite3_stmt *st = relay__stmt(r, SEL);
    if (st == NULL)
        return CAIRN_ERR_STORE;
    sqlite3_bind_int64(st, 1, account);
    while (sqlite3_step(st) == SQLITE_ROW && n < CAIRN_ARRAY_LEN(rows))
        if (only == 0 || sqlite3_column_int64(st, 1) == (sqlite3_int64)only)
            rows[n++] = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    for (size_t i = 0; i < n; i++) {
        if (rows[i] == from->device_row)
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
        sqlite3_bind_text(st, 3, from->uri, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, from->device);
        sqlite3_bind_text(st, 5, ctype, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 6, body, (int)blen, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, now);
        sqlite3_bind_int64(st, 8, now + r->cfg.ttl_seconds * 1000);
        if (sqlite3_step(st) != SQLITE_DONE)
            return CAIRN_ERR_STORE;
        relay__batch_note_queue(r, sqlite3_last_insert_rowid(r->db), 1);
        relay__batch_touch(r, rows[i]);
        q->copies++;
    }
    return CAIRN_OK;
}

void relay__enqueue_abort(relay *r, relay_enqueue *q)
{
    step_sql(r, "ROLLBACK TO enq");
    step_sql(r, "RELEASE enq");
    r->batch_max_qid = q->saved_max;
    r->batch_depth_delta -= q->copies;
    q->copies = 0;
}

void relay__enqueue_done(relay *r, relay_enqueue *q)
{
    step_sql(r, "RELEASE enq");
    r->m.messages_queued_total += (uint64_t)q->copies;
}

int64_t relay__queue_sweep(relay *r, int64_t now)
{
    static const char FIX[] =
        "UPDATE devices SET"
        " q_count=q_count-(SELECT count(*) FROM queue q WHERE q.device_row=devices.id AND "
        "q.expires<=?1),"
        " q_bytes=q_bytes-(SELECT coalesce(sum(length(body)),0) FROM queue q"
        "   WHERE q.device_row=devices.id AND q.expires<=?1)"
        " WHERE id IN (SELECT DISTINCT device_row FROM queue WHERE expires<=?1)";
    static const char DEL[] = "DELETE FROM queue WHERE expires<=?1";
    int64_t n = 0;

    if (!relay__tx_begin(r))
        return 0;
    sqlite3_stmt *st = relay__stmt(r, FIX);
    if (st == NULL)
        goto fail;
    sqlite3_bind_int64(st, 1, now);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto fail;
    st = relay__stmt(r, DEL);
    if (st == NULL)
        goto fail;
    sqlite3_bind_int64(st, 1, now);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto fail;
    n = sqlite3_changes(r->db);
    sqlite3_reset(st);
    if (!relay__tx_commit(r))
        return 0;
    r->m.queue_depth -= n;
    r->m.messages_expired_total += (uint64_t)n;
    if (n)
        RLOGI("queue_expired", "rows=%lld", (long long)n);
    return n;
fail:
    if (st)
        sqlite3_reset(st);
    relay__tx_rollback(r);
    return 0;
}

cairn_status relay__queue_depth_load(relay *r)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(r->db, "SELECT count(*), coalesce(max(id),0) FROM queue", -1, &st,
                           NULL) != SQLITE_OK)
        return CAIRN_ERR_STORE;
    if (sqlite3_step(st) == SQLITE_ROW) {
        r->m.queue_depth = sqlite3_column_int64(st, 0);
        r->committed_max = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return CAIRN_OK;
}
