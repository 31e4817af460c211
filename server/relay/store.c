/*
 * store.c - the relay's SQLite database: schema, pragmas, prepared
 * statement cache and transaction helpers.
 *
 * One connection, used only from the event-loop thread. WAL journal so
 * readers (the --issue-token CLI) never block the server; synchronous FULL
 * by default so a committed message survives power loss, NORMAL as an
 * option (still safe against process crashes). In FULL mode the running
 * server hands the per-commit fsync to syncer.c (the connection itself is
 * then in NORMAL) and relay__tx_commit syncs inline. The schema version is
 * PRAGMA user_version; a database from a newer relay is refused.
 *
 * Tables: accounts, devices (with the device's queue counters, kept
 * exactly in step with the queue rows in the same transactions so the
 * quota check is one UPDATE), reg_tokens, identity (keys per device),
 * prekeys, queue, files, kt_pending.
 */
#include <stdio.h>
#include <string.h>

#include "runtime.h"

#define SCHEMA_VERSION 1

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS accounts("
    " id INTEGER PRIMARY KEY, uri TEXT NOT NULL UNIQUE, created INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS devices("
    " id INTEGER PRIMARY KEY, account INTEGER NOT NULL REFERENCES accounts(id),"
    " device INTEGER NOT NULL, pwhash TEXT NOT NULL, ha1_sha256 TEXT NOT NULL,"
    " ha1_md5 TEXT NOT NULL, created INTEGER NOT NULL,"
    " q_count INTEGER NOT NULL DEFAULT 0, q_bytes INTEGER NOT NULL DEFAULT 0,"
    " UNIQUE(account, device));"
    "CREATE TABLE IF NOT EXISTS reg_tokens("
    " hash BLOB PRIMARY KEY, uses_left INTEGER NOT NULL, expires INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS identity("
    " device_row INTEGER PRIMARY KEY, registration_id INTEGER NOT NULL,"
    " identity_key BLOB NOT NULL, spk_id INTEGER NOT NULL, spk_pub BLOB NOT NULL,"
    " spk_sig BLOB NOT NULL, kt_receipt TEXT);"
    "CREATE TABLE IF NOT EXISTS prekeys("
    " device_row INTEGER NOT NULL, id INTEGER NOT NULL, pub BLOB NOT NULL,"
    " PRIMARY KEY(device_row, id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS queue("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, device_row INTEGER NOT NULL,"
    " msg_id TEXT NOT NULL, sender TEXT NOT NULL, sender_device INTEGER NOT NULL,"
    " content_type TEXT NOT NULL, body BLOB NOT NULL, enqueued INTEGER NOT NULL,"
    " expires INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS queue_device ON queue(device_row, id);"
    "CREATE INDEX IF NOT EXISTS queue_expires ON queue(expires);"
    "CREATE TABLE IF NOT EXISTS files("
    " id TEXT PRIMARY KEY, owner INTEGER NOT NULL, size INTEGER NOT NULL,"
    " expires INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS files_expires ON files(expires);"
    "CREATE TABLE IF NOT EXISTS kt_pending("
    " device_row INTEGER PRIMARY KEY, since INTEGER NOT NULL);";

#define STMT_CACHE 64
static struct {
    const char *sql;
    sqlite3_stmt *st;
} g_cache[STMT_CACHE];
static size_t g_ncache;

sqlite3_stmt *relay__stmt(relay *r, const char *sql)
{
    for (size_t i = 0; i < g_ncache; i++)
        if (g_cache[i].sql == sql) {
            sqlite3_reset(g_cache[i].st);
            sqlite3_clear_bindings(g_cache[i].st);
            return g_cache[i].st;
        }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(r->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        RLOGE("db_prepare_failed", "reason=\"%s\"", sqlite3_errmsg(r->db));
        return NULL;
    }
    if (g_ncache < STMT_CACHE) {
        g_cache[g_ncache].sql = sql;
        g_cache[g_ncache].st = st;
        g_ncache++;
    } else {
        RLOGE("db_stmt_cache_full", "%s", "");
    }
    return st;
}

void relay__stmt_cache_free(void)
{
    for (size_t i = 0; i < g_ncache; i++)
        sqlite3_finalize(g_cache[i].st);
    g_ncache = 0;
}

bool relay__exec(relay *r, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(r->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        RLOGE("db_exec_failed", "reason=\"%s\"", msg ? msg : "?");
        sqlite3_free(msg);
        return false;
    }
    return true;
}

bool relay__tx_begin(relay *r)
{
    relay__batch_flush(r);
    return relay__exec(r, "BEGIN IMMEDIATE");
}

bool relay__tx_commit(relay *r)
{
    if (!relay__exec(r, "COMMIT")) {
        relay__exec(r, "ROLLBACK");
        return false;
    }
    /* While the syncer runs, COMMIT does not fsync: these transactions
     * (accounts, keys, files...) are answered as soon as they return, so
     * they sync inline, as SQLite did before. */
    return relay__syncer_sync_now(r);
}

void relay__tx_rollback(relay *r) { relay__exec(r, "ROLLBACK"); }

cairn_status relay__store_open(relay *r)
{
    char pragmas[256];
    int uv = 0;
    sqlite3_stmt *st;

    /* One connection used by one thread: SQLite's mutexes and memory
     * statistics are pure overhead here (they showed in profiles). */
    sqlite3_config(SQLITE_CONFIG_SINGLETHREAD);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    if (sqlite3_open_v2(r->cfg.db_path, &r->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        RLOGE("db_open_failed", "path=%s reason=\"%s\"", r->cfg.db_path,
              r->db ? sqlite3_errmsg(r->db) : "nomem");
        return CAIRN_ERR_STORE;
    }
    sqlite3_busy_timeout(r->db, 5000);
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=OFF;"
             "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-8192;",
             r->cfg.synchronous);
    if (!relay__exec(r, pragmas))
        return CAIRN_ERR_STORE;
    if (sqlite3_prepare_v2(r->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            uv = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    if (uv > SCHEMA_VERSION) {
        RLOGE("db_version", "found=%d supported=%d", uv, SCHEMA_VERSION);
        return CAIRN_ERR_VERSION;
    }
    if (!relay__exec(r, "BEGIN") || !relay__exec(r, SCHEMA) ||
        !relay__exec(r, "PRAGMA user_version=1") || !relay__exec(r, "COMMIT"))
        return CAIRN_ERR_STORE;
    return relay__queue_depth_load(r);
}

void relay__store_close(relay *r)
{
    relay__stmt_cache_free();
    if (r->db) {
        sqlite3_close(r->db);
        r->db = NULL;
    }
}
