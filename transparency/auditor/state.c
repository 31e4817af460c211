/*
 * state.c - cairn-audit's persistent state in SQLite (WAL,
 * synchronous=FULL): the pinned server configuration and last verified
 * heads (meta), the directory root the auditor computed at each tree size
 * (roots: what gossiped heads are compared with), and the witness's
 * latest cosigned checkpoint per log (witness) with the logs it trusts,
 * and every LogEntry it verified (entries), which a restart resumes from
 * instead of re-auditing the log from position 0.
 *
 * Invariant: a row is durable before the caller acts on it (the witness
 * answers only after kta__witness_put returned).
 */
#include <stdio.h>
#include <string.h>

#include "audit_internal.h"

cairn_status kta__state_open(kta *a)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/audit.sqlite", a->state_dir);
    if (sqlite3_open_v2(path, &a->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK)
        return CAIRN_ERR_STORE;
    if (sqlite3_exec(a->db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v BLOB);"
                     "CREATE TABLE IF NOT EXISTS roots(size INTEGER PRIMARY KEY, root BLOB);"
                     "CREATE TABLE IF NOT EXISTS entries(pos INTEGER PRIMARY KEY,"
                     " entry BLOB NOT NULL);"
                     "CREATE TABLE IF NOT EXISTS witness(origin TEXT PRIMARY KEY,"
                     " size INTEGER, root BLOB, note BLOB);"
                     "CREATE TABLE IF NOT EXISTS witness_logs(origin TEXT PRIMARY KEY,"
                     " vkey TEXT);",
                     NULL, NULL, NULL) != SQLITE_OK)
        return CAIRN_ERR_STORE;
    return CAIRN_OK;
}

void kta__state_close(kta *a)
{
    if (a->db)
        sqlite3_close(a->db);
    a->db = NULL;
}

static cairn_status exec_bind(kta *a, const char *sql, const char *t1, int64_t i2,
                              const void *b3, size_t n3, const void *b4, size_t n4)
{
    sqlite3_stmt *q;
    int rc;
    if (sqlite3_prepare_v2(a->db, sql, -1, &q, NULL) != SQLITE_OK)
        return CAIRN_ERR_STORE;
    if (t1)
        sqlite3_bind_text(q, 1, t1, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(q, 1, i2);
    if (t1 && strstr(sql, "?4"))
        sqlite3_bind_int64(q, 2, i2);
    if (b3)
        sqlite3_bind_blob(q, strstr(sql, "?4") ? 3 : 2, b3, (int)n3, SQLITE_STATIC);
    if (b4)
        sqlite3_bind_blob(q, 4, b4, (int)n4, SQLITE_STATIC);
    rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? CAIRN_OK : CAIRN_ERR_STORE;
}

cairn_status kta__state_put(kta *a, const char *k, const void *v, size_t n)
{
    return exec_bind(a, "INSERT OR REPLACE INTO meta(k, v) VALUES(?1, ?2)", k, 0,
                     v, n, NULL, 0);
}

static cairn_status get_blob(kta *a, const char *sql, const char *t, int64_t i,
                             void *v, size_t cap, size_t *n)
{
    sqlite3_stmt *q;
    cairn_status st = CAIRN_ERR_NOT_FOUND;
    if (sqlite3_prepare_v2(a->db, sql, -1, &q, NULL) != SQLITE_OK)
        return CAIRN_ERR_STORE;
    if (t)
        sqlite3_bind_text(q, 1, t, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(q, 1, i);
    if (sqlite3_step(q) == SQLITE_ROW) {
        size_t l = (size_t)sqlite3_column_bytes(q, 0);
        if (l > cap) {
            st = CAIRN_ERR_CORRUPT;
        } else {
            if (l)
                memcpy(v, sqlite3_column_blob(q, 0), l);
            if (n)
                *n = l;
            st = CAIRN_OK;
        }
    }
    sqlite3_finalize(q);
    return st;
}

cairn_status kta__state_get(kta *a, const char *k, void *v, size_t cap, size_t *n)
{
    return get_blob(a, "SELECT v FROM meta WHERE k = ?1", k, 0, v, cap, n);
}

cairn_status kta__root_put(kta *a, uint64_t size, const uint8_t root[32])
{
    return exec_bind(a, "INSERT OR REPLACE INTO roots(size, root) VALUES(?1, ?2)",
                     NULL, (int64_t)size, root, 32, NULL, 0);
}

cairn_status kta__root_get(kta *a, uint64_t size, uint8_t root[32])
{
    size_t n = 0;
    cairn_status st = get_blob(a, "SELECT root FROM roots WHERE size = ?1", NULL,
                               (int64_t)size, root, 32, &n);
    return st == CAIRN_OK && n != 32 ? CAIRN_ERR_CORRUPT : st;
}

cairn_status kta__witness_get(kta *a, const char *origin, uint64_t *size,
                              uint8_t root[32])
{
    sqlite3_stmt *q;
    cairn_status st = CAIRN_ERR_NOT_FOUND;
    if (sqlite3_prepare_v2(a->db, "SELECT size, root FROM witness WHERE origin = ?1",
                           -1, &q, NULL) != SQLITE_OK)
        return CAIRN_ERR_STORE;
    sqlite3_bind_text(q, 1, origin, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 1) == 32) {
        *size = (uint64_t)sqlite3_column_int64(q, 0);
        memcpy(root, sqlite3_column_blob(q, 1), 32);
        st = CAIRN_OK;
    }
    sqlite3_finalize(q);
    return st;
}

cairn_status kta__witness_put(kta *a, const char *origin, uint64_t size,
                              const uint8_t root[32], const uint8_t *note,
                              size_t note_len)
{
    return exec_bind(a,
                     "INSERT OR REPLACE INTO witness(origin, size, root, note)"
                     " VALUES(?1, ?2, ?3, ?4)",
                     origin, (int64_t)size, root, 32, note, note_len);
}

cairn_status kta__witness_log_key(kta *a, const char *origin, char *vkey, size_t cap)
{
    size_t n = 0;
    cairn_status st = get_blob(a, "SELECT vkey FROM witness_logs WHERE origin = ?1",
                               origin, 0, vkey, cap - 1, &n);
    if (st == CAIRN_OK)
        vkey[n] = 0;
    return st;
}

cairn_status kta__witness_add_log(kta *a, const char *vkey)
{
    cairn_note_verifier *v = NULL;
    cairn_status st = cairn_note_verifier_parse(a->ctx, vkey, strlen(vkey), &v);
    if (st != CAIRN_OK)
        return st;
    st = exec_bind(a, "INSERT OR REPLACE INTO witness_logs(origin, vkey) VALUES(?1, ?2)",
                   cairn_note_verifier_name(v), 0, vkey, strlen(vkey), NULL, 0);
    cairn_note_verifier_destroy(v);
    return st;
}

cairn_status kta__entries_commit(kta *a, uint64_t from, const uint8_t *raw, uint64_t n,
                                 const uint8_t *head, size_t head_len,
                                 const char *note, size_t note_len)
{
    sqlite3_stmt *q = NULL;
    cairn_status st = CAIRN_ERR_STORE;
    if (sqlite3_exec(a->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return CAIRN_ERR_STORE;
    if (sqlite3_prepare_v2(a->db, "INSERT OR REPLACE INTO entries(pos, entry) VALUES(?1, ?2)",
                           -1, &q, NULL) != SQLITE_OK)
        goto out;
    for (uint64_t i = 0; i < n; i++) {
        sqlite3_bind_int64(q, 1, (int64_t)(from + i));
        sqlite3_bind_blob(q, 2, raw + i * CAIRN_KT_AUDIT_ENTRY_BYTES,
                          CAIRN_KT_AUDIT_ENTRY_BYTES, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_DONE)
            goto out;
        sqlite3_reset(q);
    }
    if (kta__state_put(a, "head", head, head_len) != CAIRN_OK ||
        (note && kta__state_put(a, "checkpoint", note, note_len) != CAIRN_OK))
        goto out;
    st = sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? CAIRN_OK
                                                                       : CAIRN_ERR_STORE;
out:
    sqlite3_finalize(q);
    if (st != CAIRN_OK)
        (void)sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

cairn_status kta__entries_load(kta *a, uint8_t **raw, uint64_t *n)
{
    sqlite3_stmt *q;
    uint8_t *buf = NULL;
    uint64_t count = 0, cap = 0;
    cairn_status st = CAIRN_OK;
    int rc;
    *raw = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(a->db, "SELECT pos, entry FROM entries ORDER BY pos", -1, &q,
                           NULL) != SQLITE_OK)
        return CAIRN_ERR_STORE;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if ((uint64_t)sqlite3_column_int64(q, 0) != count ||
            sqlite3_column_bytes(q, 1) != CAIRN_KT_AUDIT_ENTRY_BYTES) {
            st = CAIRN_ERR_CORRUPT;
            break;
        }
        if (count == cap) {
            uint64_t nc = cap ? cap * 2 : 1024;
            void *p = cairn__realloc(a->ctx, buf, (size_t)nc * CAIRN_KT_AUDIT_ENTRY_BYTES);
            if (p == NULL) {
                st = CAIRN_ERR_NOMEM;
                break;
            }
            buf = p;
            cap = nc;
        }
        memcpy(buf + count * CAIRN_KT_AUDIT_ENTRY_BYTES, sqlite3_column_blob(q, 1),
               CAIRN_KT_AUDIT_ENTRY_BYTES);
        count++;
    }
    if (st == CAIRN_OK && rc != SQLITE_DONE)
        st = CAIRN_ERR_STORE;
    sqlite3_finalize(q);
    if (st != CAIRN_OK) {
        cairn__free(a->ctx, buf);
        return st;
    }
    *raw = buf;
    *n = count;
    return CAIRN_OK;
}
