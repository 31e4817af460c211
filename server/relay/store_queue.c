/*
 * store_queue.c - queue maintenance outside the message path: the TTL sweep
 * (expired rows are deleted together with the device counters they were
 * counted in, in one transaction) and the start-up figures (queue depth,
 * highest committed row).
 */
#include "relay.h"

int64_t relay__queue_sweep(relay *r, int64_t now)
{
    static const char FIX[] =
        "UPDATE devices SET"
        " q_count=q_count-(SELECT count(*) FROM queue q WHERE q.device_row=devices.id AND q.expires<=?1),"
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
