/*
 * store.h - the encrypted SQLite store behind an account (internal).
 *
 * One SQLite connection per store, in WAL mode with secure_delete on.
 * Secret columns (private keys, session and sender-key records, message
 * bodies) hold sealed blobs: XChaCha20-Poly1305 under a subkey of the
 * app's 32-byte storage key, with the row's identity as associated data so
 * a blob moved to another row fails to open (see seal.c).
 *
 * Transactions nest: the outermost store__begin is BEGIN IMMEDIATE, inner
 * ones are SAVEPOINTs, so an operation that fails inside a caller's batch
 * rolls back only its own writes.
 *
 * Statements are prepared once per connection and cached by id
 * (store__stmt); the SQL text lives in one table in stmt.c.
 */
#ifndef CAIRN_STORE_H
#define CAIRN_STORE_H

#include <sqlite3.h>
#include <stdbool.h>

#include "base.h"

#define STORE_KEY_BYTES 32
/* Upper bound for any sealed record; larger writes are refused so a peer
 * cannot make a session record grow without limit (see session.h). */
#define STORE_MAX_RECORD_BYTES (256u * 1024u)

typedef enum store_durability {
    STORE_DURABLE_FULL = 0, /* fsync the WAL at every commit */
    STORE_DURABLE_NORMAL = 1 /* survives a process crash, not power loss */
} store_durability;

/* Statement ids; the SQL for each is in stmt.c. */
#define STORE_STMT_TABLE(X)                                                    \
    X(BEGIN, "BEGIN IMMEDIATE")                                                \
    X(COMMIT, "COMMIT")                                                        \
    X(ROLLBACK, "ROLLBACK")                                                    \
    X(META_GET, "SELECT v FROM meta WHERE k=?1")                               \
    X(META_PUT, "INSERT OR REPLACE INTO meta(k,v) VALUES(?1,?2)")              \
    X(SESSION_GET, "SELECT record FROM sessions WHERE name=?1 AND device=?2")  \
    X(SESSION_PUT, "INSERT OR REPLACE INTO sessions(name,device,record) VALUES(?1,?2,?3)") \
    X(SESSION_HAS, "SELECT 1 FROM sessions WHERE name=?1 AND device=?2")       \
    X(SESSION_DEL, "DELETE FROM sessions WHERE name=?1 AND device=?2")         \
    X(SESSION_DEL_ALL, "DELETE FROM sessions WHERE name=?1")                   \
    X(SESSION_DEVICES, "SELECT device FROM sessions WHERE name=?1 AND device<>1 ORDER BY device") \
    X(PREKEY_GET, "SELECT record FROM prekeys WHERE id=?1")                    \
    X(PREKEY_PUT, "INSERT OR REPLACE INTO prekeys(id,record) VALUES(?1,?2)")   \
    X(PREKEY_HAS, "SELECT 1 FROM prekeys WHERE id=?1")                         \
    X(PREKEY_DEL, "DELETE FROM prekeys WHERE id=?1")                           \
    X(PREKEY_COUNT, "SELECT count(*) FROM prekeys")                            \
    X(PREKEY_LIST, "SELECT id, record FROM prekeys ORDER BY id")               \
    X(SPK_GET, "SELECT record FROM signed_prekeys WHERE id=?1")                \
    X(SPK_PUT, "INSERT OR REPLACE INTO signed_prekeys(id,record,created_ms) VALUES(?1,?2,?3)") \
    X(SPK_HAS, "SELECT 1 FROM signed_prekeys WHERE id=?1")                     \
    X(SPK_DEL, "DELETE FROM signed_prekeys WHERE id=?1")                       \
    X(SPK_LATEST, "SELECT id, created_ms FROM signed_prekeys ORDER BY created_ms DESC, id DESC LIMIT 1") \
    X(SPK_OLD, "SELECT id FROM signed_prekeys WHERE id<>?1 AND created_ms<?2") \
    X(IDENT_GET, "SELECT key, verified FROM identities WHERE name=?1")         \
    X(IDENT_PUT, "INSERT INTO identities(name,key,verified,first_seen_ms) VALUES(?1,?2,0,?3) " \
                 "ON CONFLICT(name) DO UPDATE SET key=excluded.key, verified=0") \
    X(IDENT_VERIFY, "UPDATE identities SET verified=?2 WHERE name=?1")         \
    X(SKEY_GET, "SELECT record FROM sender_keys WHERE group_id=?1 AND name=?2 AND device=?3") \
    X(SKEY_PUT, "INSERT OR REPLACE INTO sender_keys(group_id,name,device,record) VALUES(?1,?2,?3,?4)") \
    X(SKEY_DEL, "DELETE FROM sender_keys WHERE group_id=?1 AND name=?2 AND device=?3") \
    X(SKEY_DEL_SENDER, "DELETE FROM sender_keys WHERE group_id=?1 AND name=?2") \
    X(MSG_SEEN, "SELECT 1 FROM messages WHERE conversation=?1 AND msg_id=?2")  \
    X(MSG_PUT, "INSERT INTO messages(conversation,msg_id,sender,sender_device,sent_ms,received_ms,body) " \
               "VALUES(?1,?2,?3,?4,?5,?6,?7)")                                 \
    X(MSG_GET, "SELECT rowid, sender, sender_device, sent_ms, received_ms, body FROM messages " \
               "WHERE conversation=?1 AND msg_id=?2")                          \
    X(MSG_COUNT, "SELECT count(*) FROM messages WHERE conversation=?1")        \
    X(CONV_PUT, "INSERT OR IGNORE INTO conversations(id,kind,created_ms) VALUES(?1,?2,?3)") \
    X(CONTACT_PUT, "INSERT OR IGNORE INTO contacts(uri,created_ms) VALUES(?1,?2)") \
    X(DEVICE_PUT, "INSERT OR IGNORE INTO devices(uri,device) VALUES(?1,?2)")   \
    X(GROUP_GET, "SELECT epoch FROM groups WHERE id=?1")                       \
    X(GROUP_PUT, "INSERT INTO groups(id,epoch,created_ms) VALUES(?1,0,?2)")    \
    X(GROUP_BUMP, "UPDATE groups SET epoch=epoch+1 WHERE id=?1")               \
    X(GMEMBER_ADD, "INSERT OR IGNORE INTO group_members(group_id,uri,device) VALUES(?1,?2,?3)") \
    X(GMEMBER_DEL, "DELETE FROM group_members WHERE group_id=?1 AND uri=?2")   \
    X(GMEMBER_HAS, "SELECT 1 FROM group_members WHERE group_id=?1 AND uri=?2 AND device=?3") \
    X(GMEMBER_LIST, "SELECT uri, device FROM group_members WHERE group_id=?1 ORDER BY uri, device")

typedef enum store_stmt_id {
#define STORE__STMT_ENUM(name, sql) STORE_STMT_##name,
    STORE_STMT_TABLE(STORE__STMT_ENUM)
#undef STORE__STMT_ENUM
    STORE_STMT_COUNT
} store_stmt_id;

typedef struct cairn__store {
    const cairn_context *ctx;
    sqlite3 *db;
    sqlite3_stmt *stmts[STORE_STMT_COUNT];
    uint8_t seal_key[32];
    /* Nonces: a random 16-byte prefix per open, then a counter; unique
     * without a system call per record (see seal.c). */
    uint8_t nonce_prefix[16];
    uint64_t nonce_counter;
    int depth; /* transaction nesting */
    bool memory;
} cairn__store;

/* path NULL opens a private in-memory database. A store that already holds
 * data must be opened with the key that created it (CAIRN_ERR_BAD_KEY
 * otherwise); a newer schema than this library knows is CAIRN_ERR_VERSION. */
CAIRN_MUST_CHECK cairn_status store__open(const cairn_context *ctx, const char *path,
                                          const uint8_t key[STORE_KEY_BYTES],
                                          store_durability durability, cairn__store **out);
void store__close(cairn__store *s);

/* Returns the cached statement, reset and with bindings cleared; NULL only
 * if preparation failed (logged). */
sqlite3_stmt *store__stmt(cairn__store *s, store_stmt_id id);
/* Maps an SQLite result code to a status (BUSY/IO/CORRUPT/FULL...). */
cairn_status store__status(cairn__store *s, int sqlite_rc);
/* Runs a statement to completion (no rows expected). */
cairn_status store__exec(cairn__store *s, sqlite3_stmt *st);

cairn_status store__begin(cairn__store *s);
cairn_status store__commit(cairn__store *s);
void store__rollback(cairn__store *s);

/* Sealing. `table` and `row` name the row and become associated data.
 * store__seal output: allocated, owned by caller (cairn__free).
 * store__unseal output: allocated, owned by caller, free with
 * cairn__free_secret; CAIRN_ERR_CORRUPT if the blob fails to open. */
cairn_status store__seal(cairn__store *s, const char *table, const char *row,
                         const uint8_t *pt, size_t pt_len, uint8_t **out, size_t *out_len);
CAIRN_MUST_CHECK cairn_status store__unseal(cairn__store *s, const char *table, const char *row,
                                            const uint8_t *blob, size_t blob_len,
                                            uint8_t **out, size_t *out_len);

/* Seals pt and binds it as a blob parameter (SQLITE_TRANSIENT copy). */
cairn_status store__bind_sealed(cairn__store *s, sqlite3_stmt *st, int idx, const char *table,
                                const char *row, const uint8_t *pt, size_t pt_len);
/* Unseals column `col` of the current row. */
CAIRN_MUST_CHECK cairn_status store__column_unsealed(cairn__store *s, sqlite3_stmt *st, int col,
                                                     const char *table, const char *row,
                                                     uint8_t **out, size_t *out_len);

/* meta table: small sealed values by key. */
cairn_status store__meta_put(cairn__store *s, const char *k, const uint8_t *v, size_t n);
/* CAIRN_ERR_NOT_FOUND when absent. Output as store__unseal. */
CAIRN_MUST_CHECK cairn_status store__meta_get(cairn__store *s, const char *k, uint8_t **v,
                                              size_t *n);

#endif
