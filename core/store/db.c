/*
 * db.c - opening the database: pragmas, schema migrations, the key check.
 *
 * Schema versions are numbered in PRAGMA user_version and applied in order
 * inside one transaction each, so a crash mid-migration leaves the
 * previous version intact. A database written by a newer library (higher
 * user_version than MIGRATIONS has) is refused rather than misread.
 *
 * The key check: the first open seals a known marker into meta; every
 * later open must unseal it, so a wrong storage key is reported as
 * CAIRN_ERR_BAD_KEY before anything else is read.
 */
#include <string.h>

#include <sodium.h>

#include "store.h"

static const char *const MIGRATIONS[] = {
    /* 1: everything the core needs: the five libsignal stores, app tables. */
    "CREATE TABLE meta(k TEXT PRIMARY KEY, v BLOB NOT NULL);"
    "CREATE TABLE sessions(name TEXT NOT NULL, device INTEGER NOT NULL, record BLOB NOT NULL,"
    " PRIMARY KEY(name, device));"
    "CREATE TABLE prekeys(id INTEGER PRIMARY KEY, record BLOB NOT NULL);"
    "CREATE TABLE signed_prekeys(id INTEGER PRIMARY KEY, record BLOB NOT NULL,"
    " created_ms INTEGER NOT NULL);"
    "CREATE TABLE identities(name TEXT PRIMARY KEY, key BLOB NOT NULL,"
    " verified INTEGER NOT NULL DEFAULT 0, first_seen_ms INTEGER NOT NULL);"
    "CREATE TABLE sender_keys(group_id TEXT NOT NULL, name TEXT NOT NULL, device INTEGER NOT NULL,"
    " record BLOB NOT NULL, PRIMARY KEY(group_id, name, device));"
    "CREATE TABLE contacts(uri TEXT PRIMARY KEY, display_name TEXT, created_ms INTEGER NOT NULL);"
    "CREATE TABLE devices(uri TEXT NOT NULL, device INTEGER NOT NULL, PRIMARY KEY(uri, device));"
    "CREATE TABLE conversations(id TEXT PRIMARY KEY, kind INTEGER NOT NULL,"
    " created_ms INTEGER NOT NULL, smartreply INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE messages(conversation TEXT NOT NULL, msg_id TEXT NOT NULL, sender TEXT NOT NULL,"
    " sender_device INTEGER NOT NULL, sent_ms INTEGER NOT NULL, received_ms INTEGER NOT NULL,"
    " body BLOB NOT NULL, state INTEGER NOT NULL DEFAULT 0, UNIQUE(conversation, msg_id));"
    "CREATE TABLE groups(id TEXT PRIMARY KEY, epoch INTEGER NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE TABLE group_members(group_id TEXT NOT NULL, uri TEXT NOT NULL, device INTEGER NOT NULL,"
    " PRIMARY KEY(group_id, uri, device));",
};

static const char KEYCHECK[] = "cairn storage key check v1";

static cairn_status migrate(cairn__store *s)
{
    sqlite3_stmt *st = NULL;
    int version = 0;
    size_t i;

    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return store__status(s, sqlite3_errcode(s->db));
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > (int)CAIRN_ARRAY_LEN(MIGRATIONS))
        return CAIRN_ERR_VERSION;
    for (i = (size_t)version; i < CAIRN_ARRAY_LEN(MIGRATIONS); i++) {
        char sql[64];
        int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(s->db, MIGRATIONS[i], NULL, NULL, NULL);
        snprintf(sql, sizeof(sql), "PRAGMA user_version=%zu", i + 1);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            cairn_status st2 = store__status(s, rc);
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return st2 == CAIRN_OK ? CAIRN_ERR_STORE : st2;
        }
    }
    return CAIRN_OK;
}

static cairn_status key_check(cairn__store *s)
{
    uint8_t *v = NULL;
    size_t n = 0;
    cairn_status rc = store__meta_get(s, "keycheck", &v, &n);
    if (rc == CAIRN_ERR_NOT_FOUND)
        return store__meta_put(s, "keycheck", (const uint8_t *)KEYCHECK, sizeof(KEYCHECK) - 1);
    if (rc == CAIRN_ERR_CORRUPT)
        return CAIRN_ERR_BAD_KEY;
    if (rc != CAIRN_OK)
        return rc;
    rc = (n == sizeof(KEYCHECK) - 1 && memcmp(v, KEYCHECK, n) == 0) ? CAIRN_OK : CAIRN_ERR_CORRUPT;
    cairn__free_secret(s->ctx, v, n);
    return rc;
}

cairn_status store__open(const cairn_context *ctx, const char *path,
                         const uint8_t key[STORE_KEY_BYTES], store_durability durability,
                         cairn__store **out)
{
    cairn__store *s;
    cairn_status rc;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const char *pragmas;

    *out = NULL;
    s = cairn__calloc(ctx, 1, sizeof(*s));
    if (s == NULL)
        return CAIRN_ERR_NOMEM;
    s->ctx = ctx;
    s->memory = path == NULL;
    crypto_kdf_derive_from_key(s->seal_key, sizeof(s->seal_key), 1, "cairnsto", key);
    rc = cairn__random(ctx, s->nonce_prefix, sizeof(s->nonce_prefix));
    if (rc != CAIRN_OK) {
        store__close(s);
        return rc;
    }
    if (sqlite3_open_v2(s->memory ? ":memory:" : path, &s->db, flags, NULL) != SQLITE_OK) {
        rc = s->db ? store__status(s, sqlite3_errcode(s->db)) : CAIRN_ERR_NOMEM;
        store__close(s);
        return rc == CAIRN_OK ? CAIRN_ERR_IO : rc;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, 5000);
    if (s->memory)
        pragmas = "PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON;";
    /* One process owns an account's database at a time (a second one gets
     * CAIRN_ERR_STORE "database is locked"): exclusive locking spares the
     * shared-memory WAL index and a file lock call per transaction. */
    else if (durability == STORE_DURABLE_FULL)
        pragmas = "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                  "PRAGMA cache_size=-16384; PRAGMA temp_store=MEMORY;"
                  "PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON;";
    else
        pragmas = "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL;"
                  "PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON;";
    rc = store__status(s, sqlite3_exec(s->db, pragmas, NULL, NULL, NULL));
    if (rc == CAIRN_OK)
        rc = migrate(s);
    if (rc == CAIRN_OK)
        rc = key_check(s);
    if (rc != CAIRN_OK) {
        store__close(s);
        return rc;
    }
    *out = s;
    return CAIRN_OK;
}

void store__close(cairn__store *s)
{
    size_t i;
    if (s == NULL)
        return;
    for (i = 0; i < STORE_STMT_COUNT; i++)
        sqlite3_finalize(s->stmts[i]);
    if (s->db)
        sqlite3_close_v2(s->db);
    sodium_memzero(s->seal_key, sizeof(s->seal_key));
    cairn__free(s->ctx, s);
}
