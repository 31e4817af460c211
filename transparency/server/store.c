/*
 * store.c - SQLite persistence of the directory (KT-API-16): one row per
 * log entry holding its LogEntryRecord, written by the directory's commit
 * hook before the entry becomes visible.
 *
 * Invariants: WAL with synchronous=FULL, so a row is on disk when the
 * INSERT's implicit transaction returns; positions are dense from 0 (the
 * hook refuses a gap), so a replay sees exactly the acknowledged history.
 */
#include <string.h>

#include "kts_internal.h"

cairn_status kts__store_open(kts_server *s, const char *path)
{
    char *err = NULL;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK)
        return CAIRN_ERR_STORE;
    if (sqlite3_exec(s->db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE IF NOT EXISTS entries("
                     " position INTEGER PRIMARY KEY, record BLOB NOT NULL);",
                     NULL, NULL, &err) != SQLITE_OK) {
        CAIRN_LOGE(s->ctx, "kt", "store: %s", err ? err : "?");
        sqlite3_free(err);
        return CAIRN_ERR_STORE;
    }
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO entries(position, record) VALUES(?, ?)",
                           -1, &s->ins_stmt, NULL) != SQLITE_OK)
        return CAIRN_ERR_STORE;
    return CAIRN_OK;
}

void kts__store_close(kts_server *s)
{
    sqlite3_finalize(s->ins_stmt);
    s->ins_stmt = NULL;
    if (s->db)
        sqlite3_close(s->db);
    s->db = NULL;
}

cairn_status kts__store_load(kts_server *s, uint8_t **recs, size_t *len)
{
    sqlite3_stmt *q;
    cairn__buf b;
    cairn_status st = CAIRN_OK;
    uint64_t expect = 0;
    int rc;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT position, record FROM entries ORDER BY position",
                           -1, &q, NULL) != SQLITE_OK)
        return CAIRN_ERR_STORE;
    cairn__buf_init(&b, s->ctx, (size_t)1 << 36);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && st == CAIRN_OK) {
        if ((uint64_t)sqlite3_column_int64(q, 0) != expect++) {
            st = CAIRN_ERR_CORRUPT;
            break;
        }
        st = cairn__buf_append(&b, sqlite3_column_blob(q, 1),
                               (size_t)sqlite3_column_bytes(q, 1));
    }
    if (st == CAIRN_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
        st = CAIRN_ERR_STORE;
    sqlite3_finalize(q);
    if (st == CAIRN_OK) {
        if (b.len == 0) {
            *recs = NULL;
            *len = 0;
        } else {
            st = cairn__buf_take(&b, recs, len);
        }
    }
    cairn__buf_free(&b);
    return st;
}

cairn_status kts__store_on_commit(void *ud, uint64_t position,
                                  const uint8_t *record, size_t record_len)
{
    kts_server *s = ud;
    int rc;
    sqlite3_reset(s->ins_stmt);
    sqlite3_bind_int64(s->ins_stmt, 1, (sqlite3_int64)position);
    sqlite3_bind_blob(s->ins_stmt, 2, record, (int)record_len, SQLITE_STATIC);
    rc = sqlite3_step(s->ins_stmt);
    sqlite3_reset(s->ins_stmt);
    sqlite3_clear_bindings(s->ins_stmt);
    if (rc != SQLITE_DONE) {
        CAIRN_LOGE(s->ctx, "kt", "store: cannot persist entry %llu: %s",
                   (unsigned long long)position, sqlite3_errmsg(s->db));
        return CAIRN_ERR_STORE;
    }
    return CAIRN_OK;
}
