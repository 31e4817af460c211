/*
 * estore.c - the engine's tables, in the account's own SQLite database
 * (one file, one key, one transaction log): message history with delivery
 * state, known devices per user, contacts and their key-transparency
 * state, groups (name, admin, epoch), envelopes held for later, and plain
 * settings.
 *
 * Invariants: message payloads are sealed under the account's storage key
 * (associated data names the row, so a blob moved to another row fails to
 * open); a message's status only ever increases (sent < delivered < read,
 * ENG-RCPT-3); every statement runs under the account lock, since the
 * connection is the account's.
 */
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"
#include "protocol.h"

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS eng_messages(conv TEXT NOT NULL, msg_id TEXT NOT NULL,"
    " sender TEXT NOT NULL, device INTEGER NOT NULL, outgoing INTEGER NOT NULL,"
    " kind INTEGER NOT NULL, sent_ms INTEGER NOT NULL, status INTEGER NOT NULL DEFAULT 0,"
    " payload BLOB, PRIMARY KEY(conv, msg_id));"
    "CREATE INDEX IF NOT EXISTS eng_messages_id ON eng_messages(msg_id);"
    "CREATE TABLE IF NOT EXISTS eng_devices(uri TEXT NOT NULL, device INTEGER NOT NULL,"
    " PRIMARY KEY(uri, device));"
    "CREATE TABLE IF NOT EXISTS eng_contacts(uri TEXT PRIMARY KEY, kt_state INTEGER NOT NULL,"
    " added_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS eng_groups(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " admin TEXT NOT NULL, epoch INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS eng_held(key TEXT NOT NULL, from_uri TEXT NOT NULL,"
    " from_device INTEGER NOT NULL, type INTEGER NOT NULL, group_id TEXT NOT NULL,"
    " env_id TEXT NOT NULL, data BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS eng_settings(k TEXT PRIMARY KEY, v TEXT NOT NULL);";

#define HELD_MAX 1000

static cairn__store *S(cairn_engine *e)
{
    return e->acct->store;
}

static sqlite3_stmt *prep(cairn_engine *e, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(S(e)->db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    return st;
}

/* Runs a prepared statement without rows; finalizes it. */
static cairn_status run(cairn_engine *e, sqlite3_stmt *st)
{
    int r;
    if (st == NULL)
        return CAIRN_ERR_STORE;
    r = sqlite3_step(st);
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? CAIRN_OK : store__status(S(e), r);
}

cairn_status estore__init(cairn_engine *e)
{
    int r;
    proto__lock(e->acct);
    r = sqlite3_exec(S(e)->db, SCHEMA, NULL, NULL, NULL);
    proto__unlock(e->acct);
    return r == SQLITE_OK ? CAIRN_OK : CAIRN_ERR_STORE;
}

cairn_status estore__meta_get_str(cairn_engine *e, const char *k, char *out, size_t cap)
{
    sqlite3_stmt *st;
    cairn_status rc = CAIRN_ERR_NOT_FOUND;
    proto__lock(e->acct);
    st = prep(e, "SELECT v FROM eng_settings WHERE k=?1");
    if (st == NULL) {
        proto__unlock(e->acct);
        return CAIRN_ERR_STORE;
    }
    sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        size_t n = v ? strlen(v) : 0;
        if (n >= cap) {
            rc = CAIRN_ERR_TOO_LARGE;
        } else {
            memcpy(out, v ? v : "", n + 1);
            rc = CAIRN_OK;
        }
    }
    sqlite3_finalize(st);
    proto__unlock(e->acct);
    return rc;
}

cairn_status estore__meta_put_str(cairn_engine *e, const char *k, const char *v)
{
    sqlite3_stmt *st;
    cairn_status rc;
    proto__lock(e->acct);
    st = prep(e, "INSERT OR REPLACE INTO eng_settings(k, v) VALUES(?1, ?2)");
    if (st) {
        sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, v, -1, SQLITE_STATIC);
    }
    rc = run(e, st);
    proto__unlock(e->acct);
    return rc;
}

static void row_name(char *out, size_t cap, const char *conv, const char *msg_id)
{
    snprintf(out, cap, "%s|%s", conv, msg_id);
}

cairn_status estore__msg_put(cairn_engine *e, const char *conv, const char *msg_id,
                             const char *sender, uint32_t device, int outgoing, int kind,
                             int64_t sent_ms, const uint8_t *payload, size_t len)
{
    sqlite3_stmt *st;
    char row[CAIRN_URI_MAX + 200];
    cairn_status rc = CAIRN_OK;
    row_name(row, sizeof(row), conv, msg_id);
    proto__lock(e->acct);
    st = prep(e, "INSERT OR IGNORE INTO eng_messages(conv, msg_id, sender, device, outgoing,"
                 " kind, sent_ms, status, payload) VALUES(?1,?2,?3,?4,?5,?6,?7,0,?8)");
    if (st == NULL)
        rc = CAIRN_ERR_STORE;
    if (rc == CAIRN_OK) {
        sqlite3_bind_text(st, 1, conv, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, msg_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, sender, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, device);
        sqlite3_bind_int(st, 5, outgoing);
        sqlite3_bind_int(st, 6, kind);
        sqlite3_bind_int64(st, 7, sent_ms);
        rc = store__bind_sealed(S(e), st, 8, "eng_messages", row, payload, len);
        if (rc != CAIRN_OK) {
            sqlite3_finalize(st);
            st = NULL;
        }
    }
    if (st)
        rc = run(e, st);
    proto__unlock(e->acct);
    return rc;
}

cairn_status estore__msg_status(cairn_engine *e, const char *msg_id, int outgoing, int status,
                                const char *conv_or_null, char *conv_out, size_t conv_cap,
                                int *changed)
{
    sqlite3_stmt *st;
    cairn_status rc = CAIRN_ERR_NOT_FOUND;
    *changed = 0;
    proto__lock(e->acct);
    st = prep(e, "SELECT conv, status FROM eng_messages WHERE msg_id=?1 AND outgoing=?2"
                 " AND (?3 IS NULL OR conv=?3)");
    if (st == NULL) {
        proto__unlock(e->acct);
        return CAIRN_ERR_STORE;
    }
    sqlite3_bind_text(st, 1, msg_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, outgoing);
    if (conv_or_null)
        sqlite3_bind_text(st, 3, conv_or_null, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(st, 0);
        int old = sqlite3_column_int(st, 1);
        rc = CAIRN_OK;
        if (conv_out && c && strlen(c) < conv_cap)
            memcpy(conv_out, c, strlen(c) + 1);
        if (status > old) { /* ENG-RCPT-3: only upgrades */
            sqlite3_stmt *up =
                prep(e, "UPDATE eng_messages SET status=?1 WHERE msg_id=?2 AND outgoing=?3");
            if (up) {
                sqlite3_bind_int(up, 1, status);
                sqlite3_bind_text(up, 2, msg_id, -1, SQLITE_STATIC);
                sqlite3_bind_int(up, 3, outgoing);
            }
            rc = run(e, up);
            *changed = rc == CAIRN_OK;
        }
    }
    sqlite3_finalize(st);
    proto__unlock(e->acct);
    return rc;
}

cairn_status estore__msg_payload(cairn_engine *e, const char *conv, const char *msg_id,
                                 uint8_t **payload, size_t *len, char *sender, size_t sender_cap)
{
    sqlite3_stmt *st;
    char row[CAIRN_URI_MAX + 200];
    cairn_status rc = CAIRN_ERR_NOT_FOUND;
    row_name(row, sizeof(row), conv, msg_id);
    proto__lock(e->acct);
    st = prep(e, "SELECT payload, sender FROM eng_messages WHERE conv=?1 AND msg_id=?2");
    if (st == NULL) {
        proto__unlock(e->acct);
        return CAIRN_ERR_STORE;
    }
    sqlite3_bind_text(st, 1, conv, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, msg_id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 1);
        rc = store__column_unsealed(S(e), st, 0, "eng_messages", row, payload, len);
        if (rc == CAIRN_OK && sender) {
            if (s == NULL || strlen(s) >= sender_cap) {
                cairn__free_secret(e->ctx, *payload, *len);
                rc = CAIRN_ERR_TOO_LARGE;
            } else {
                memcpy(sender, s, strlen(s) + 1);
            }
        }
    }
    sqlite3_finalize(st);
    proto__unlock(e->acct);
    return rc;
}

cairn_status estore__history(cairn_engine *e, const char *conv, size_t limit, cairn_history_fn fn,
                             void *ud)
{
    sqlite3_stmt *st;
    cairn_status rc = CAIRN_OK;
    int r;
    proto__lock(e->acct);
    st = prep(e, "SELECT * FROM (SELECT msg_id, sender, outgoing, kind, sent_ms, status, payload,"
                 " rowid FROM eng_messages WHERE conv=?1 ORDER BY rowid DESC LIMIT ?2)"
                 " ORDER BY rowid ASC");
    if (st == NULL) {
        proto__unlock(e->acct);
        return CAIRN_ERR_STORE;
    }
    sqlite3_bind_text(st, 1, conv, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)(limit ? limit : 1000000));
    while ((r = sqlite3_step(st)) == SQLITE_ROW && rc == CAIRN_OK) {
        cairn_history_item it;
        char row[CAIRN_URI_MAX + 200];
        uint8_t *pl = NULL;
        size_t plen = 0;
        engine_payload p;
        memset(&it, 0, sizeof(it));
        it.msg_id = (const char *)sqlite3_column_text(st, 0);
        it.sender = (const char *)sqlite3_column_text(st, 1);
        it.outgoing = sqlite3_column_int(st, 2);
        it.kind = sqlite3_column_int(st, 3);
        it.sent_ms = sqlite3_column_int64(st, 4);
        it.status = sqlite3_column_int(st, 5);
        row_name(row, sizeof(row), conv, it.msg_id ? it.msg_id : "");
        rc = store__column_unsealed(S(e), st, 6, "eng_messages", row, &pl, &plen);
        if (rc != CAIRN_OK)
            break;
        if (engine__payload_decode(pl, plen, &p) == CAIRN_OK) {
            if (p.kind == ENGINE_PL_TEXT) {
                it.text = (const char *)p.body.p;
                it.text_len = p.body.len;
            } else if (p.kind == ENGINE_PL_FILE) {
                it.text = p.file_name.len ? (const char *)p.file_name.p : "file";
                it.text_len = p.file_name.len ? p.file_name.len : 4;
            }
            fn(ud, &it);
        }
        cairn__wipe(&p, sizeof(p));
        cairn__free_secret(e->ctx, pl, plen);
    }
    sqlite3_finalize(st);
    proto__unlock(e->acct);
    return rc;
}

cairn_status estore__device_add(cairn_engine *e, const char *uri, uint32_t dev, int *added)
{
    sqlite3_stmt *st;
    cairn_status rc;
    proto__lock(e->acct);
    st = prep(e, "INSERT OR IGNORE INTO eng_devices(uri, device) VALUES(?1, ?2)");
    if (st) {
        sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, dev);
    }
    rc = run(e, st);
    if (added)
        *added = rc == CAIRN_OK && sqlite3_changes(S(e)->db) > 0;
    proto__unlock(e->acct);
    return rc;
}

cairn_status estore__device_forget(cairn_engine *e, const char *uri, uint32_t dev)
{
    sqlite3_stmt *st;
    cairn_status rc;
    proto__lock(e->acct);
    st = prep(e, "DELETE FROM eng_devices WHERE uri=?1 AND device=?2");
    if (st) {
        sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, dev);
    }
    rc = run(e, st);
    proto__unlock(e->acct);
    return rc;
}

cairn_status estore__devices(cairn_engine *e, const char *uri, uint32_t *out, size_t cap, size_t *n)
{
    sqlite3_stmt *st;
    size_t k = 0;
    cairn_status rc = CAIRN_OK;
    proto__lock(e->acct);
    st = prep(e, "SELECT device FROM eng_devices WHERE uri=?1 ORDER BY device");
    if (st == NULL) {
        proto__unlock(e->acct);
        return CAIRN_ERR_STORE;
    }
    sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (k == cap) {
            rc = CAIRN_ERR_LIMIT;
            break;
        }
        out[k++] = (uint32_t)sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    proto__unlock(e->acct);
    *n = k;
    return rc;
}

cairn_status estore__contact_put(cairn_engine *e, const char *uri, int kt_state)
{
    sqlite3_stmt *st;
    cairn_status rc;
    proto__lock(e->acct);
    st = prep(e, "INSERT INTO eng_contacts(uri, kt_state, added_ms) VALUES(?1, ?2, ?3)"
                 " ON CONFLICT(uri) DO UPDATE SET kt_state=excluded.kt_state");
    if (st) {
        sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, kt_state);
        sqlite3_bind_int64(st, 3, cairn__now_ms(e->ctx));
    }
    rc = run(e, st);
    proto__unlock(e->acct);
    return rc;
}

cairn_status estore__contact_ensure(cairn_engine *e, const char *uri)
{
    sqlite3_stmt *st;
    cairn_status rc;
    proto__lock(e->acct);
    st = prep(e, "INSERT OR IGNORE INTO eng_contacts(uri, kt_state, added_ms) VALUES(?1, 0, ?2)");
    if (st) {
        sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, cairn__now_ms(e->ctx));
    }
    rc = run(e, st);
    proto__unlock(e->acct);
    return rc;
}

cairn_status estore__contact_get(cairn_engine *e, const char *uri, int *kt_state)
{
    sqlite3_stmt *st;
    cairn_status rc = CAIRN_ERR_NOT_FOUND;
    proto__lock(e->acct);
    st = prep(e, "SELECT kt_state FROM eng_contacts WHERE uri=?1");
    if (st) {
        sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            *kt_state = sqlite3_column_int(st, 0);
            rc = CAIRN_OK;
        }
        sqlite3_finalize(st);
    } else {
        rc = CAIRN_ERR_STORE;
    }
    proto__unlock(e->acct);
    return rc;
}

cairn_status estore__contacts(cairn_engine *e, cairn_contact_fn fn, void *ud)
{
    sqlite3_stmt *st;
    proto__lock(e->acct);
    st = prep(e, "SELECT uri, kt_state FROM eng_contacts ORDER BY uri");
    if (st == NULL) {
        proto__unlock(e->acct);
        return CAIRN_ERR_STORE;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *uri = (const char *)sqlite3_column_text(st, 0);
        uint8_t key[CAIRN_PUBLIC_KEY_BYTES];
        int verified = 0;
        if (cairn_identity_get(e->acct, uri, key, &verified) != CAIRN_OK)
            verified = 0;
        fn(ud, uri, verified, sqlite3_column_int(st, 1));
    }
    sqlite3_finalize(st);
    proto__unlock(e->acct);
    return CAIRN_OK;
}

cairn_status estore__group_put(cairn_engine *e, const char *gid, const char *name,
                               const char *admin, uint64_t epoch)
{
    sqlite3_stmt *st;
    cairn_status rc;
    proto__lock(e->acct);
    st = prep(e, "INSERT OR REPLACE INTO eng_groups(id, name, admin, epoch) VALUES(?1,?2,?3,?4)");
    if (st) {
        sqlite3_bind_text(st, 1, gid, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, admin, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)epoch);
    }
    rc = run(e, st);
    proto__unlock(e->acct);
    return rc;
}

cairn_status estore__group_get(cairn_engine *e, const char *gid, char *name, size_t name_cap,
                               char *admin, size_t admin_cap, uint64_t *epoch)
{
    sqlite3_stmt *st;
    cairn_status rc = CAIRN_ERR_NOT_FOUND;
    proto__lock(e->acct);
    st = prep(e, "SELECT name, admin, epoch FROM eng_groups WHERE id=?1");
    if (st == NULL) {
        proto__unlock(e->acct);
        return CAIRN_ERR_STORE;
    }
    sqlite3_bind_text(st, 1, gid, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *n = (const char *)sqlite3_column_text(st, 0);
        const char *a = (const char *)sqlite3_column_text(st, 1);
        rc = CAIRN_OK;
        if (name && (n == NULL || strlen(n) >= name_cap))
            rc = CAIRN_ERR_TOO_LARGE;
        else if (name)
            memcpy(name, n, strlen(n) + 1);
        if (rc == CAIRN_OK && admin && (a == NULL || strlen(a) >= admin_cap))
            rc = CAIRN_ERR_TOO_LARGE;
        else if (rc == CAIRN_OK && admin)
            memcpy(admin, a, strlen(a) + 1);
        if (epoch)
            *epoch = (uint64_t)sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    proto__unlock(e->acct);
    return rc;
}

cairn_status estore__group_del(cairn_engine *e, const char *gid)
{
    sqlite3_stmt *st;
    cairn_status rc;
    proto__lock(e->acct);
    st = prep(e, "DELETE FROM eng_groups WHERE id=?1");
    if (st)
        sqlite3_bind_text(st, 1, gid, -1, SQLITE_STATIC);
    rc = run(e, st);
    proto__unlock(e->acct);
    return rc;
}

cairn_status estore__groups(cairn_engine *e, cairn_group_fn fn, void *ud)
{
    sqlite3_stmt *st;
    proto__lock(e->acct);
    st = prep(e, "SELECT id, name, admin FROM eng_groups ORDER BY name, id");
    if (st == NULL) {
        proto__unlock(e->acct);
        return CAIRN_ERR_STORE;
    }
    while (sqlite3_step(st) == SQLITE_ROW)
        fn(ud, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
           (const char *)sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
    proto__unlock(e->acct);
    return CAIRN_OK;
}

cairn_status estore__held_put(cairn_engine *e, const char *key, const engine_envelope *env)
{
    sqlite3_stmt *st;
    cairn_status rc = CAIRN_OK;
    proto__lock(e->acct);
    /* bounded: a peer cannot fill the store with envelopes we cannot read */
    st = prep(e, "SELECT count(*) FROM eng_held");
    if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) >= HELD_MAX)
        rc = CAIRN_ERR_LIMIT;
    sqlite3_finalize(st);
    if (rc == CAIRN_OK) {
        st = prep(e, "INSERT INTO eng_held(key, from_uri, from_device, type, group_id, env_id,"
                     " data) VALUES(?1,?2,?3,?4,?5,?6,?7)");
        if (st) {
            sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, env->from_uri, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, env->from_device);
            sqlite3_bind_int(st, 4, env->type);
            sqlite3_bind_text(st, 5, env->group_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 6, env->id, -1, SQLITE_STATIC);
            sqlite3_bind_blob(st, 7, env->data, (int)env->len, SQLITE_STATIC);
        }
        rc = run(e, st);
    }
    proto__unlock(e->acct);
    return rc;
}

cairn_status estore__held_replay(cairn_engine *e, const char *key, estore_held_fn fn)
{
    /* Take one row at a time (the handler may send, or hold it again:
     * rows held during the replay are past `last` and wait). */
    sqlite3_int64 last = 0;
    {
        sqlite3_stmt *m;
        proto__lock(e->acct);
        m = prep(e, "SELECT coalesce(max(rowid), 0) FROM eng_held");
        if (m && sqlite3_step(m) == SQLITE_ROW)
            last = sqlite3_column_int64(m, 0);
        sqlite3_finalize(m);
        proto__unlock(e->acct);
    }
    for (int guard = 0; guard < HELD_MAX; guard++) {
        sqlite3_stmt *st;
        engine_envelope env;
        sqlite3_int64 rowid;
        int found = 0;
        cairn_status rc = CAIRN_OK;
        memset(&env, 0, sizeof(env));
        proto__lock(e->acct);
        st = prep(e, "SELECT rowid, from_uri, from_device, type, group_id, env_id, data"
                     " FROM eng_held WHERE key=?1 AND rowid<=?2 ORDER BY rowid LIMIT 1");
        if (st == NULL) {
            proto__unlock(e->acct);
            return CAIRN_ERR_STORE;
        }
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, last);
        if (sqlite3_step(st) == SQLITE_ROW) {
            const char *f = (const char *)sqlite3_column_text(st, 1);
            const char *g = (const char *)sqlite3_column_text(st, 4);
            const char *id = (const char *)sqlite3_column_text(st, 5);
            int n = sqlite3_column_bytes(st, 6);
            found = 1;
            rowid = sqlite3_column_int64(st, 0);
            if (f && strlen(f) <= CAIRN_URI_MAX && g && strlen(g) <= CAIRN_GROUP_ID_MAX && id &&
                strlen(id) <= ENGINE_ENV_ID_MAX && n > 0) {
                memcpy(env.from_uri, f, strlen(f) + 1);
                memcpy(env.group_id, g, strlen(g) + 1);
                memcpy(env.id, id, strlen(id) + 1);
                memcpy(env.to_uri, e->uri, strlen(e->uri) + 1);
                env.to_device = e->device;
                env.from_device = (uint32_t)sqlite3_column_int64(st, 2);
                env.type = (uint8_t)sqlite3_column_int(st, 3);
                env.data = cairn__memdup(e->ctx, sqlite3_column_blob(st, 6), (size_t)n);
                env.len = (size_t)n;
                if (env.data == NULL)
                    rc = CAIRN_ERR_NOMEM;
            }
        }
        sqlite3_finalize(st);
        if (found && rc == CAIRN_OK) {
            st = prep(e, "DELETE FROM eng_held WHERE rowid=?1");
            if (st)
                sqlite3_bind_int64(st, 1, rowid);
            rc = run(e, st);
        }
        proto__unlock(e->acct);
        if (!found)
            return CAIRN_OK;
        if (rc == CAIRN_OK && env.data)
            rc = fn(e, &env);
        engine__envelope_clear(e->ctx, &env);
        if (rc == CAIRN_ERR_NOMEM || rc == CAIRN_ERR_STORE)
            return rc;
    }
    return CAIRN_OK;
}
