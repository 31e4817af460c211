/*
 * signal_store.c - libsignal-protocol-c's five stores (session, pre-key,
 * signed pre-key, identity, sender key) on the encrypted SQLite store.
 *
 * Every record is sealed with its row name as associated data
 * ("sessions|<uri>|<device>", ...), so swapping records between peers is
 * detected. Callbacks run inside the caller's transaction (protocol.h)
 * and record their first failure in acct->cb_status.
 *
 * Trust policy (is_trusted_identity): the first key seen for a user is
 * trusted (the client engine checks it against key transparency before
 * the first message); any different key afterwards is refused until
 * cairn_identity_accept. The refused key is kept in the account so the
 * API can report it, never written to the store.
 */
#include <stdio.h>
#include <string.h>

#include "protocol.h"

#define ROW_MAX (CAIRN_URI_MAX * 2 + 64)

static int cb_fail(cairn_account *acct, cairn_status rc)
{
    if (acct->cb_status == CAIRN_OK)
        acct->cb_status = rc;
    return rc == CAIRN_ERR_NOMEM ? SG_ERR_NOMEM : SG_ERR_UNKNOWN;
}

static int addr_row(char *row, const signal_protocol_address *a)
{
    int n = snprintf(row, ROW_MAX, "%.*s|%d", (int)a->name_len, a->name, (int)a->device_id);
    return n > 0 && n < ROW_MAX;
}

/* Reads one sealed column into a new signal_buffer. 1 found, 0 absent,
 * negative on error. */
static int load_sealed(cairn_account *acct, sqlite3_stmt *st, const char *table,
                       const char *row, signal_buffer **out)
{
    uint8_t *pt;
    size_t n;
    cairn_status rc;
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        sqlite3_reset(st);
        return 0;
    }
    if (step != SQLITE_ROW) {
        sqlite3_reset(st);
        return cb_fail(acct, store__status(acct->store, step));
    }
    rc = store__column_unsealed(acct->store, st, 0, table, row, &pt, &n);
    sqlite3_reset(st);
    if (rc != CAIRN_OK) {
        CAIRN_LOGW(acct->ctx, "store", "%s row failed to open", table);
        return cb_fail(acct, rc);
    }
    *out = signal_buffer_create(pt, n);
    cairn__free_secret(acct->ctx, pt, n);
    if (*out == NULL)
        return cb_fail(acct, CAIRN_ERR_NOMEM);
    return 1;
}

static int exec_cb(cairn_account *acct, sqlite3_stmt *st)
{
    cairn_status rc = store__exec(acct->store, st);
    return rc == CAIRN_OK ? 0 : cb_fail(acct, rc);
}

static int has_row(cairn_account *acct, sqlite3_stmt *st)
{
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return 1;
    if (step == SQLITE_DONE)
        return 0;
    return cb_fail(acct, store__status(acct->store, step));
}

/* ---- sessions ---- */

static int session_load(signal_buffer **record, signal_buffer **user_record,
                        const signal_protocol_address *a, void *ud)
{
    cairn_account *acct = ud;
    char row[ROW_MAX];
    sqlite3_stmt *st = store__stmt(acct->store, STORE_STMT_SESSION_GET);
    (void)user_record;
    if (st == NULL || !addr_row(row, a))
        return cb_fail(acct, CAIRN_ERR_STORE);
    sqlite3_bind_text(st, 1, a->name, (int)a->name_len, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, a->device_id);
    return load_sealed(acct, st, "sessions", row, record);
}

static int session_sub_devices(signal_int_list **sessions, const char *name, size_t name_len,
                               void *ud)
{
    cairn_account *acct = ud;
    sqlite3_stmt *st = store__stmt(acct->store, STORE_STMT_SESSION_DEVICES);
    signal_int_list *list;
    int step, count = 0;
    if (st == NULL)
        return cb_fail(acct, CAIRN_ERR_STORE);
    list = signal_int_list_alloc();
    if (list == NULL)
        return cb_fail(acct, CAIRN_ERR_NOMEM);
    sqlite3_bind_text(st, 1, name, (int)name_len, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (signal_int_list_push_back(list, sqlite3_column_int(st, 0)) < 0) {
            step = SQLITE_NOMEM;
            break;
        }
        count++;
    }
    sqlite3_reset(st);
    if (step != SQLITE_DONE) {
        signal_int_list_free(list);
        return cb_fail(acct, store__status(acct->store, step));
    }
    *sessions = list;
    return count;
}

static int session_store(const signal_protocol_address *a, uint8_t *record, size_t record_len,
                         uint8_t *user_record, size_t user_record_len, void *ud)
{
    cairn_account *acct = ud;
    char row[ROW_MAX];
    sqlite3_stmt *st;
    cairn_status rc;
    (void)user_record;
    (void)user_record_len;
    if (record_len > CAIRN_SESSION_RECORD_MAX) {
        CAIRN_LOGW(acct->ctx, "store", "session record of %zu bytes refused", record_len);
        return cb_fail(acct, CAIRN_ERR_LIMIT);
    }
    st = store__stmt(acct->store, STORE_STMT_SESSION_PUT);
    if (st == NULL || !addr_row(row, a))
        return cb_fail(acct, CAIRN_ERR_STORE);
    sqlite3_bind_text(st, 1, a->name, (int)a->name_len, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, a->device_id);
    rc = store__bind_sealed(acct->store, st, 3, "sessions", row, record, record_len);
    if (rc != CAIRN_OK) {
        sqlite3_reset(st);
        return cb_fail(acct, rc);
    }
    return exec_cb(acct, st);
}

static int session_contains(const signal_protocol_address *a, void *ud)
{
    cairn_account *acct = ud;
    sqlite3_stmt *st = store__stmt(acct->store, STORE_STMT_SESSION_HAS);
    if (st == NULL)
        return cb_fail(acct, CAIRN_ERR_STORE);
    sqlite3_bind_text(st, 1, a->name, (int)a->name_len, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, a->device_id);
    return has_row(acct, st);
}

static int session_delete(const signal_protocol_address *a, void *ud)
{
    cairn_account *acct = ud;
    sqlite3_stmt *st = store__stmt(acct->store, STORE_STMT_SESSION_DEL);
    if (st == NULL)
        return cb_fail(acct, CAIRN_ERR_STORE);
    sqlite3_bind_text(st, 1, a->name, (int)a->name_len, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, a->device_id);
    if (exec_cb(acct, st) < 0)
        return SG_ERR_UNKNOWN;
    return sqlite3_changes(acct->store->db) > 0;
}

static int session_delete_all(const char *name, size_t name_len, void *ud)
{
    cairn_account *acct = ud;
    sqlite3_stmt *st = store__stmt(acct->store, STORE_STMT_SESSION_DEL_ALL);
    if (st == NULL)
        return cb_fail(acct, CAIRN_ERR_STORE);
    sqlite3_bind_text(st, 1, name, (int)name_len, SQLITE_STATIC);
    if (exec_cb(acct, st) < 0)
        return SG_ERR_UNKNOWN;
    return sqlite3_changes(acct->store->db);
}

/* ---- one-time and signed pre-keys (same shape, different tables) ---- */

static int key_load(cairn_account *acct, store_stmt_id id, const char *table, uint32_t key_id,
                    signal_buffer **record)
{
    char row[16];
    sqlite3_stmt *st = store__stmt(acct->store, id);
    int r;
    if (st == NULL)
        return cb_fail(acct, CAIRN_ERR_STORE);
    snprintf(row, sizeof(row), "%u", key_id);
    sqlite3_bind_int64(st, 1, key_id);
    r = load_sealed(acct, st, table, row, record);
    if (r == 0)
        return SG_ERR_INVALID_KEY_ID;
    return r < 0 ? r : SG_SUCCESS;
}

static int key_store(cairn_account *acct, store_stmt_id id, const char *table, uint32_t key_id,
                     const uint8_t *record, size_t len, int with_time)
{
    char row[16];
    sqlite3_stmt *st = store__stmt(acct->store, id);
    cairn_status rc;
    if (st == NULL)
        return cb_fail(acct, CAIRN_ERR_STORE);
    snprintf(row, sizeof(row), "%u", key_id);
    sqlite3_bind_int64(st, 1, key_id);
    rc = store__bind_sealed(acct->store, st, 2, table, row, record, len);
    if (with_time)
        sqlite3_bind_int64(st, 3, cairn__now_ms(acct->ctx));
    if (rc != CAIRN_OK) {
        sqlite3_reset(st);
        return cb_fail(acct, rc);
    }
    return exec_cb(acct, st);
}

static int key_has(cairn_account *acct, store_stmt_id id, uint32_t key_id)
{
    sqlite3_stmt *st = store__stmt(acct->store, id);
    if (st == NULL)
        return cb_fail(acct, CAIRN_ERR_STORE);
    sqlite3_bind_int64(st, 1, key_id);
    return has_row(acct, st);
}

static int key_del(cairn_account *acct, store_stmt_id id, uint32_t key_id)
{
    sqlite3_stmt *st = store__stmt(acct->store, id);
    if (st == NULL)
        return cb_fail(acct, CAIRN_ERR_STORE);
    sqlite3_bind_int64(st, 1, key_id);
    return exec_cb(acct, st);
}

static int prekey_load(signal_buffer **r, uint32_t id, void *ud)
{
    return key_load(ud, STORE_STMT_PREKEY_GET, "prekeys", id, r);
}
static int prekey_store(uint32_t id, uint8_t *r, size_t n, void *ud)
{
    return key_store(ud, STORE_STMT_PREKEY_PUT, "prekeys", id, r, n, 0);
}
static int prekey_contains(uint32_t id, void *ud) { return key_has(ud, STORE_STMT_PREKEY_HAS, id); }
static int prekey_remove(uint32_t id, void *ud) { return key_del(ud, STORE_STMT_PREKEY_DEL, id); }

static int spk_load(signal_buffer **r, uint32_t id, void *ud)
{
    return key_load(ud, STORE_STMT_SPK_GET, "signed_prekeys", id, r);
}
static int spk_store(uint32_t id, uint8_t *r, size_t n, void *ud)
{
    return key_store(ud, STORE_STMT_SPK_PUT, "signed_prekeys", id, r, n, 1);
}
static int spk_contains(uint32_t id, void *ud) { return key_has(ud, STORE_STMT_SPK_HAS, id); }
static int spk_remove(uint32_t id, void *ud) { return key_del(ud, STORE_STMT_SPK_DEL, id); }

/* ---- identity ---- */

static int identity_key_pair(signal_buffer **pub, signal_buffer **priv, void *ud)
{
    cairn_account *acct = ud;
    ec_private_key *k = NULL;
    int r;
    if (!acct->have_identity)
        return cb_fail(acct, CAIRN_ERR_STATE);
    *pub = signal_buffer_create(acct->identity_pub, sizeof(acct->identity_pub));
    /* libsignal expects the serialized private key; build it from the raw
     * scalar so the serialization is libsignal's own. */
    r = curve_decode_private_point(&k, acct->identity_priv, sizeof(acct->identity_priv), acct->sg);
    if (r == 0)
        r = ec_private_key_serialize(priv, k);
    SIGNAL_UNREF(k);
    if (*pub == NULL || r < 0) {
        signal_buffer_free(*pub);
        *pub = NULL;
        return cb_fail(acct, CAIRN_ERR_NOMEM);
    }
    return 0;
}

static int identity_regid(void *ud, uint32_t *id)
{
    cairn_account *acct = ud;
    if (!acct->have_identity)
        return cb_fail(acct, CAIRN_ERR_STATE);
    *id = acct->registration_id;
    return 0;
}

static int identity_save(const signal_protocol_address *a, uint8_t *key, size_t len, void *ud)
{
    cairn_account *acct = ud;
    sqlite3_stmt *st;
    if (key == NULL)
        return 0; /* libsignal's "forget" request: trust decisions stay ours */
    st = store__stmt(acct->store, STORE_STMT_IDENT_PUT);
    if (st == NULL)
        return cb_fail(acct, CAIRN_ERR_STORE);
    sqlite3_bind_text(st, 1, a->name, (int)a->name_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, key, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, cairn__now_ms(acct->ctx));
    return exec_cb(acct, st);
}

static int identity_trusted(const signal_protocol_address *a, uint8_t *key, size_t len, void *ud)
{
    cairn_account *acct = ud;
    sqlite3_stmt *st = store__stmt(acct->store, STORE_STMT_IDENT_GET);
    const void *known;
    int step, n, same;
    if (st == NULL)
        return cb_fail(acct, CAIRN_ERR_STORE);
    sqlite3_bind_text(st, 1, a->name, (int)a->name_len, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        sqlite3_reset(st);
        return 1;
    }
    if (step != SQLITE_ROW) {
        sqlite3_reset(st);
        return cb_fail(acct, store__status(acct->store, step));
    }
    known = sqlite3_column_blob(st, 0);
    n = sqlite3_column_bytes(st, 0);
    same = (size_t)n == len && known != NULL && cairn__memeq_ct(known, key, len) == 0;
    sqlite3_reset(st);
    if (!same && len == CAIRN_PUBLIC_KEY_BYTES) {
        memcpy(acct->offered_identity, key, len);
        acct->has_offered_identity = 1;
    }
    return same;
}

/* ---- sender keys ---- */

static int skey_row(char *row, const signal_protocol_sender_key_name *k)
{
    int n = snprintf(row, ROW_MAX, "%.*s|%.*s|%d", (int)k->group_id_len, k->group_id,
                     (int)k->sender.name_len, k->sender.name, (int)k->sender.device_id);
    return n > 0 && n < ROW_MAX;
}

static void skey_bind(sqlite3_stmt *st, const signal_protocol_sender_key_name *k)
{
    sqlite3_bind_text(st, 1, k->group_id, (int)k->group_id_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, k->sender.name, (int)k->sender.name_len, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, k->sender.device_id);
}

static int skey_store(const signal_protocol_sender_key_name *k, uint8_t *record, size_t len,
                      uint8_t *user_record, size_t user_len, void *ud)
{
    cairn_account *acct = ud;
    char row[ROW_MAX];
    sqlite3_stmt *st;
    cairn_status rc;
    (void)user_record;
    (void)user_len;
    if (len > CAIRN_SESSION_RECORD_MAX)
        return cb_fail(acct, CAIRN_ERR_LIMIT);
    st = store__stmt(acct->store, STORE_STMT_SKEY_PUT);
    if (st == NULL || !skey_row(row, k))
        return cb_fail(acct, CAIRN_ERR_STORE);
    skey_bind(st, k);
    rc = store__bind_sealed(acct->store, st, 4, "sender_keys", row, record, len);
    if (rc != CAIRN_OK) {
        sqlite3_reset(st);
        return cb_fail(acct, rc);
    }
    return exec_cb(acct, st);
}

static int skey_load(signal_buffer **record, signal_buffer **user_record,
                     const signal_protocol_sender_key_name *k, void *ud)
{
    cairn_account *acct = ud;
    char row[ROW_MAX];
    sqlite3_stmt *st = store__stmt(acct->store, STORE_STMT_SKEY_GET);
    (void)user_record;
    if (st == NULL || !skey_row(row, k))
        return cb_fail(acct, CAIRN_ERR_STORE);
    skey_bind(st, k);
    return load_sealed(acct, st, "sender_keys", row, record);
}

cairn_status proto__install_stores(cairn_account *acct)
{
    signal_protocol_session_store ss = {session_load, session_sub_devices, session_store,
                                        session_contains, session_delete, session_delete_all,
                                        NULL, acct};
    signal_protocol_pre_key_store ps = {prekey_load, prekey_store, prekey_contains,
                                        prekey_remove, NULL, acct};
    signal_protocol_signed_pre_key_store sps = {spk_load, spk_store, spk_contains, spk_remove,
                                                NULL, acct};
    signal_protocol_identity_key_store is = {identity_key_pair, identity_regid, identity_save,
                                             identity_trusted, NULL, acct};
    signal_protocol_sender_key_store sks = {skey_store, skey_load, NULL, acct};

    if (signal_protocol_store_context_create(&acct->sgstore, acct->sg) != 0)
        return CAIRN_ERR_NOMEM;
    if (signal_protocol_store_context_set_session_store(acct->sgstore, &ss) != 0 ||
        signal_protocol_store_context_set_pre_key_store(acct->sgstore, &ps) != 0 ||
        signal_protocol_store_context_set_signed_pre_key_store(acct->sgstore, &sps) != 0 ||
        signal_protocol_store_context_set_identity_key_store(acct->sgstore, &is) != 0 ||
        signal_protocol_store_context_set_sender_key_store(acct->sgstore, &sks) != 0)
        return CAIRN_ERR_INTERNAL;
    return CAIRN_OK;
}
