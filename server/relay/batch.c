/*
 * batch.c - group commit. Stored messages and acknowledgements accumulate
 * in one open SQLite transaction; it commits when commit_batch operations
 * are pending or commit_interval_ms after the first one, whichever comes
 * first, so one fsync covers many messages.
 *
 *   IDLE --op--> OPEN --(N ops | timer | flush())--> COMMIT --> IDLE
 *                                                      |
 *             senders get 202 (500 if the commit failed), then queued
 *             rows (id <= committed_max) are pushed to online devices.
 *
 * Invariant: no 202 and no delivery of a row happens before the commit
 * that made the row durable. With synchronous=full the fsync that makes it
 * durable runs on the syncer thread (syncer.c) and the batch completes
 * (relay__batch_complete) when it is done; batches complete in order. Handlers needing their own
 * transaction call relay__tx_begin, which flushes the batch first.
 */
#include <event2/event.h>

#include "runtime.h"

/* Transaction statements prepared once: sqlite3_exec would parse them on
 * every batch (it showed in profiles). */
static const char SQL_BEGIN[] = "BEGIN IMMEDIATE";
static const char SQL_BEGIN_READ[] = "BEGIN";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";

static bool step(relay *r, const char *sql)
{
    sqlite3_stmt *st = relay__stmt(r, sql);
    if (st == NULL)
        return false;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        RLOGE("db_step_failed", "sql=\"%s\" reason=\"%s\"", sql, sqlite3_errmsg(r->db));
        return false;
    }
    return true;
}

bool relay__batch_begin(relay *r)
{
    if (r->in_tx)
        return true;
    if (!step(r, SQL_BEGIN))
        return false;
    r->in_tx = true;
    r->tx_ops = 0;
    r->batch_max_qid = 0;
    r->batch_depth_delta = 0;
    return true;
}

static bool grow(relay *r, void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return true;
    size_t nc = *cap ? *cap * 2 : 64;
    void *p = cairn__realloc(r->ctx, *arr, nc * elem);
    if (p == NULL)
        return false;
    *arr = p;
    *cap = nc;
    return true;
}

cairn_status relay__batch_add_pending(relay *r, uint64_t conn_id, double received, void *req)
{
    if (!grow(r, (void **)&r->pending, &r->cap_pending, r->n_pending, sizeof(relay_pending)))
        return CAIRN_ERR_NOMEM;
    r->pending[r->n_pending].conn_id = conn_id;
    r->pending[r->n_pending].received = received;
    r->pending[r->n_pending].req = req;
    r->n_pending++;
    return CAIRN_OK;
}

void relay__batch_touch(relay *r, int64_t device_row)
{
    for (size_t i = 0; i < r->n_touched; i++)
        if (r->touched[i] == device_row)
            return;
    if (!grow(r, (void **)&r->touched, &r->cap_touched, r->n_touched, sizeof(int64_t)))
        return; /* delivery then waits for the device's next reconnect */
    r->touched[r->n_touched++] = device_row;
}

void relay__batch_note_queue(relay *r, int64_t qid, int64_t depth_delta)
{
    if (qid > r->batch_max_qid)
        r->batch_max_qid = qid;
    r->batch_depth_delta += depth_delta;
}

void relay__batch_op(relay *r)
{
    r->tx_ops++;
    if (r->tx_ops >= r->cfg.commit_batch) {
        relay__batch_flush(r);
    } else if (!r->commit_scheduled) {
        struct timeval tv = {0, (long)r->cfg.commit_interval_ms * 1000};
        evtimer_add(r->commit_ev, &tv);
        r->commit_scheduled = true;
    }
}

void relay__batch_complete(relay *r, relay_batch_result *b)
{
    if (b->ok) {
        if (b->max_qid > r->committed_max)
            r->committed_max = b->max_qid;
        r->m.queue_depth += b->depth_delta;
    }
    for (size_t i = 0; i < b->n_pending; i++)
        relay__sip_after_commit(r, b->pending[i].conn_id, b->pending[i].req, b->pending[i].received,
                                b->ok);
    /* One read transaction for all the deliveries: each query on its own
     * would take and release a WAL read lock (two fcntl calls) per device.
     * Delivery only reads, so nothing inside needs a write transaction. */
    if (b->ok && b->n_touched > 0) {
        bool rtx = b->n_touched > 1 && !r->in_tx && step(r, SQL_BEGIN_READ);
        for (size_t i = 0; i < b->n_touched; i++)
            relay__sip_deliver(r, b->touched[i]);
        if (rtx)
            step(r, SQL_COMMIT);
    }
    cairn__free(r->ctx, b->pending);
    cairn__free(r->ctx, b->touched);
    b->pending = NULL;
    b->touched = NULL;
}

void relay__batch_flush(relay *r)
{
    if (r->commit_scheduled) {
        evtimer_del(r->commit_ev);
        r->commit_scheduled = false;
    }
    if (!r->in_tx)
        return;
    r->in_tx = false;
    bool ok = step(r, SQL_COMMIT);
    if (!ok)
        step(r, SQL_ROLLBACK);
    r->m.commits_total++;
    if (!ok)
        RLOGE("commit_failed", "ops=%d", r->tx_ops);
    /* Take the lists first: answering may start a new batch. */
    relay_batch_result b = {r->pending,       r->n_pending,         r->touched, r->n_touched,
                            r->batch_max_qid, r->batch_depth_delta, ok};
    r->pending = NULL;
    r->n_pending = r->cap_pending = 0;
    r->touched = NULL;
    r->n_touched = r->cap_touched = 0;
    /* Durable before answered (RELAY-Q-2): the syncer thread fsyncs the
     * WAL while the loop goes on; inline when it cannot (draining, no
     * memory, synchronous=FULL left to SQLite). */
    if (ok && relay__syncer_running(r) && relay__syncer_defer(r, &b))
        return;
    if (ok && !relay__syncer_sync_now(r))
        b.ok = false;
    relay__batch_complete(r, &b);
}
