/*
 * stmt.c - the prepared-statement cache and small execution helpers.
 *
 * Preparing SQL was measured as the largest single cost of a naive store,
 * so each statement is prepared once per connection, on first use, and
 * reused; store__stmt hands it out reset, with its bindings cleared.
 */
#include <stdio.h>

#include "store.h"

static const char *const stmt_sql[STORE_STMT_COUNT] = {
#define STORE__STMT_SQL(name, sql) sql,
    STORE_STMT_TABLE(STORE__STMT_SQL)
#undef STORE__STMT_SQL
};

sqlite3_stmt *store__stmt(cairn__store *s, store_stmt_id id)
{
    sqlite3_stmt *st = s->stmts[id];
    if (st == NULL) {
        int rc = sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
        if (rc != SQLITE_OK) {
            CAIRN_LOGE(s->ctx, "store", "prepare %d failed: %s", (int)id, sqlite3_errmsg(s->db));
            return NULL;
        }
        s->stmts[id] = st;
        return st;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

cairn_status store__status(cairn__store *s, int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return CAIRN_OK;
    case SQLITE_NOMEM:
        return CAIRN_ERR_NOMEM;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return CAIRN_ERR_CORRUPT;
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
        return CAIRN_ERR_IO;
    case SQLITE_CONSTRAINT:
        return CAIRN_ERR_EXISTS;
    case SQLITE_TOOBIG:
        return CAIRN_ERR_TOO_LARGE;
    default:
        CAIRN_LOGW(s->ctx, "store", "sqlite error %d: %s", rc, sqlite3_errmsg(s->db));
        return CAIRN_ERR_STORE;
    }
}

cairn_status store__exec(cairn__store *s, sqlite3_stmt *st)
{
    int rc;
    if (st == NULL)
        return CAIRN_ERR_STORE;
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? CAIRN_OK : store__status(s, rc);
}

/* Nested transactions: depth 0 -> BEGIN IMMEDIATE, deeper -> SAVEPOINT.
 * Savepoint names carry the depth so rollback targets exactly one level. */
cairn_status store__begin(cairn__store *s)
{
    cairn_status rc;
    if (s->depth == 0) {
        rc = store__exec(s, store__stmt(s, STORE_STMT_BEGIN));
    } else {
        char sql[32];
        snprintf(sql, sizeof(sql), "SAVEPOINT sp%d", s->depth);
        rc = store__status(s, sqlite3_exec(s->db, sql, NULL, NULL, NULL));
    }
    if (rc == CAIRN_OK)
        s->depth++;
    return rc;
}

cairn_status store__commit(cairn__store *s)
{
    cairn_status rc;
    if (s->depth <= 0)
        return CAIRN_ERR_STATE;
    if (s->depth == 1) {
        rc = store__exec(s, store__stmt(s, STORE_STMT_COMMIT));
        if (rc != CAIRN_OK) {
            /* A failed COMMIT (disk full, I/O) leaves the transaction open:
             * roll it back so nothing half-done can surface later. */
            store__rollback(s);
            return rc;
        }
    } else {
        char sql[32];
        snprintf(sql, sizeof(sql), "RELEASE sp%d", s->depth - 1);
        rc = store__status(s, sqlite3_exec(s->db, sql, NULL, NULL, NULL));
        if (rc != CAIRN_OK)
            return rc;
    }
    s->depth--;
    return CAIRN_OK;
}

void store__rollback(cairn__store *s)
{
    if (s->depth <= 0)
        return;
    if (s->depth == 1) {
        if (sqlite3_get_autocommit(s->db) == 0)
            (void)store__exec(s, store__stmt(s, STORE_STMT_ROLLBACK));
    } else {
        char sql[64];
        snprintf(sql, sizeof(sql), "ROLLBACK TO sp%d; RELEASE sp%d", s->depth - 1, s->depth - 1);
        (void)sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    }
    s->depth--;
}
