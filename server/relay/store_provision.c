/*
 * store_provision.c - the provisioning mailbox's SQLite side (spec/
 * relay-api.md section 10): named boxes holding one small opaque blob
 * each, put once, taken once, gone after a TTL.
 *
 * Invariants: a name holds at most one live box (the primary key; an
 * expired box of the same name is deleted in the put's transaction, so
 * the name can be reused); a take reads and deletes in one statement of
 * one transaction, so two concurrent takes never both get the blob; the
 * caps (boxes in all, boxes per client address) are checked in the same
 * transaction as the insert. Blobs are end-to-end sealed by the devices
 * (client-engine.md section 7); the relay never looks inside.
 */
#include <string.h>

#include "relay.h"

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS provision("
    " name TEXT PRIMARY KEY, body BLOB NOT NULL, addr TEXT NOT NULL,"
    " expires INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS provision_expires ON provision(expires);"
    "CREATE INDEX IF NOT EXISTS provision_addr ON provision(addr, expires);";

cairn_status relay__prov_store_open(relay *r)
{
    return relay__exec(r, SCHEMA) ? CAIRN_OK : CAIRN_ERR_STORE;
}

static int64_t count(relay *r, const char *sql, const char *addr, int64_t now)
{
    sqlite3_stmt *st = relay__stmt(r, sql);
    int64_t n = -1;
    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, now);
    if (addr)
        sqlite3_bind_text(st, 2, addr, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return n;
}

cairn_status relay__prov_put(relay *r, const char *name, const uint8_t *body, size_t len,
                             const char *addr, int64_t now)
{
    static const char DEL_OLD[] = "DELETE FROM provision WHERE name=? AND expires<=?";
    static const char ALL[] = "SELECT count(*) FROM provision WHERE expires>?1";
    static const char MINE[] = "SELECT count(*) FROM provision WHERE expires>?1 AND addr=?2";
    static const char INS[] =
        "INSERT OR IGNORE INTO provision(name, body, addr, expires) VALUES(?,?,?,?)";
    cairn_status rc = CAIRN_ERR_STORE;
    sqlite3_stmt *st;

    if (!relay__tx_begin(r))
        return CAIRN_ERR_STORE;
    if ((st = relay__stmt(r, DEL_OLD)) == NULL)
        goto out;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        goto out;
    int64_t all = count(r, ALL, NULL, now), mine = count(r, MINE, addr, now);
    if (all < 0 || mine < 0)
        goto out;
    if (all >= r->cfg.prov_max_boxes) {
        rc = CAIRN_ERR_LIMIT;
        goto out;
    }
    if (mine >= r->cfg.prov_max_per_address) {
        rc = CAIRN_ERR_DECLINED;
        goto out;
    }
    if ((st = relay__stmt(r, INS)) == NULL)
        goto out;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, body, (int)len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, addr, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now + r->cfg.prov_ttl_seconds * 1000);
    s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        goto out;
    if (sqlite3_changes(r->db) == 0) {
        rc = CAIRN_ERR_EXISTS;
        goto out;
    }
    return relay__tx_commit(r) ? CAIRN_OK : CAIRN_ERR_STORE;
out:
    relay__tx_rollback(r);
    return rc;
}

cairn_status relay__prov_take(relay *r, const char *name, int64_t now, uint8_t **body, size_t *len)
{
    static const char TAKE[] = "DELETE FROM provision WHERE name=? AND expires>? RETURNING body";
    cairn_status rc = CAIRN_ERR_NOT_FOUND;
    *body = NULL;
    *len = 0;
    if (!relay__tx_begin(r))
        return CAIRN_ERR_STORE;
    sqlite3_stmt *st = relay__stmt(r, TAKE);
    if (st == NULL) {
        relay__tx_rollback(r);
        return CAIRN_ERR_STORE;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        const void *p = sqlite3_column_blob(st, 0);
        *body = cairn__alloc(r->ctx, n ? n : 1);
        if (*body == NULL) {
            rc = CAIRN_ERR_NOMEM;
        } else {
            if (n)
                memcpy(*body, p, n);
            *len = n;
            rc = CAIRN_OK;
        }
        while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        }
    }
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        rc = CAIRN_ERR_STORE;
    if (rc == CAIRN_OK && relay__tx_commit(r))
        return CAIRN_OK;
    if (rc == CAIRN_OK)
        rc = CAIRN_ERR_STORE; /* the commit failed: the box stays */
    else
        relay__tx_rollback(r);
    cairn__free(r->ctx, *body);
    *body = NULL;
    *len = 0;
    return rc;
}

int64_t relay__prov_sweep(relay *r, int64_t now)
{
    static const char DEL[] = "DELETE FROM provision WHERE expires<=?";
    if (!relay__tx_begin(r))
        return 0;
    sqlite3_stmt *st = relay__stmt(r, DEL);
    if (st == NULL) {
        relay__tx_rollback(r);
        return 0;
    }
    sqlite3_bind_int64(st, 1, now);
    int s = sqlite3_step(st);
    int64_t n = sqlite3_changes(r->db);
    sqlite3_reset(st);
    if (s != SQLITE_DONE) {
        relay__tx_rollback(r);
        return 0;
    }
    if (!relay__tx_commit(r))
        return 0;
    if (n > 0)
        RLOGI("provisioning_expired", "boxes=%lld", (long long)n);
    return n;
}
