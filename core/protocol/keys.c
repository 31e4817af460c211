/*
 * keys.c - this device's keys (identity, registration id, signed and
 * one-time pre-keys) and the peer identity table, plus the public-key
 * check applied to every key that arrives from outside.
 *
 * Why the check: libsignal-protocol-c's X25519 accepts points of small
 * order, for which the shared secret is all zeros whatever our private
 * key is; and it ignores the top bit, so one key has two encodings.
 * Cairn refuses both before libsignal sees the key.
 *
 * Identity layout in meta["identity"] (sealed): public (33) || private
 * (32) || registration id (4, BE) || device (4, BE) || uri.
 */
#include <string.h>

#include <sodium.h>
#include <signal/key_helper.h>
#include <signal/session_pre_key.h>

#include "protocol.h"

#define PREKEY_ID_MAX 0xFFFFFE

cairn_status proto__check_public_key(const uint8_t *key, size_t len)
{
    /* A fixed clamped scalar: for every point of small order the product
     * is the identity, which libsodium reports as failure. */
    static const uint8_t probe[32] = {0x48, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                                      16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 0x5f};
    uint8_t out[32];
    const uint8_t *u;
    int i, ge_p;

    if (key == NULL || len != CAIRN_PUBLIC_KEY_BYTES || key[0] != 0x05)
        return CAIRN_ERR_BAD_PUBLIC_KEY;
    u = key + 1;
    if (u[31] & 0x80)
        return CAIRN_ERR_BAD_PUBLIC_KEY;
    /* u >= p = 2^255 - 19 ? (little-endian: 0xed, 0xff x30, 0x7f) */
    ge_p = u[31] == 0x7f && u[0] >= 0xed;
    for (i = 1; i < 31 && ge_p; i++)
        ge_p = u[i] == 0xff;
    if (ge_p)
        return CAIRN_ERR_BAD_PUBLIC_KEY;
    if (crypto_scalarmult_curve25519(out, probe, u) != 0)
        return CAIRN_ERR_BAD_PUBLIC_KEY;
    return CAIRN_OK;
}

cairn_status proto__check_ec_key(const ec_public_key *key)
{
    signal_buffer *b = NULL;
    cairn_status rc;
    if (key == NULL)
        return CAIRN_ERR_BAD_PUBLIC_KEY;
    if (ec_public_key_serialize(&b, key) < 0)
        return CAIRN_ERR_NOMEM;
    rc = proto__check_public_key(signal_buffer_data(b), signal_buffer_len(b));
    signal_buffer_free(b);
    return rc;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

cairn_status proto__load_identity(cairn_account *acct)
{
    uint8_t *v;
    size_t n;
    cairn_status rc = store__meta_get(acct->store, "identity", &v, &n);
    if (rc != CAIRN_OK)
        return rc;
    if (n < 33 + 32 + 8 + 1 || n > 33 + 32 + 8 + CAIRN_URI_MAX) {
        cairn__free_secret(acct->ctx, v, n);
        return CAIRN_ERR_CORRUPT;
    }
    memcpy(acct->identity_pub, v, 33);
    memcpy(acct->identity_priv, v + 33, 32);
    acct->registration_id = get32(v + 65);
    acct->device = get32(v + 69);
    memcpy(acct->uri, v + 73, n - 73);
    acct->uri[n - 73] = '\0';
    acct->have_identity = 1;
    cairn__free_secret(acct->ctx, v, n);
    return CAIRN_OK;
}

static cairn_status meta_u32(cairn_account *acct, const char *k, uint32_t dflt, uint32_t *out)
{
    uint8_t *v;
    size_t n;
    cairn_status rc = store__meta_get(acct->store, k, &v, &n);
    if (rc == CAIRN_ERR_NOT_FOUND) {
        *out = dflt;
        return CAIRN_OK;
    }
    if (rc != CAIRN_OK)
        return rc;
    rc = n == 4 ? CAIRN_OK : CAIRN_ERR_CORRUPT;
    if (rc == CAIRN_OK)
        *out = get32(v);
    cairn__free_secret(acct->ctx, v, n);
    return rc;
}

static cairn_status meta_put_u32(cairn_account *acct, const char *k, uint32_t v)
{
    uint8_t b[4];
    put32(b, v);
    return store__meta_put(acct->store, k, b, 4);
}

cairn_status proto__generate_prekeys(cairn_account *acct, unsigned count)
{
    signal_protocol_key_helper_pre_key_list_node *head = NULL, *node;
    uint32_t start;
    cairn_status rc = meta_u32(acct, "next_prekey_id", 1, &start);
    if (rc != CAIRN_OK)
        return rc;
    if (signal_protocol_key_helper_generate_pre_keys(&head, start, count, acct->sg) < 0)
        return proto__map_signal(acct, SG_ERR_NOMEM);
    for (node = head; node && rc == CAIRN_OK; node = signal_protocol_key_helper_key_list_next(node)) {
        int r = signal_protocol_pre_key_store_key(acct->sgstore,
                                                  signal_protocol_key_helper_key_list_element(node));
        if (r < 0)
            rc = proto__map_signal(acct, r);
    }
    signal_protocol_key_helper_key_list_free(head);
    if (rc == CAIRN_OK)
        rc = meta_put_u32(acct, "next_prekey_id", (start - 1 + count) % PREKEY_ID_MAX + 1);
    return rc;
}

cairn_status proto__generate_signed_prekey(cairn_account *acct)
{
    ratchet_identity_key_pair *kp = NULL;
    ec_public_key *pub = NULL;
    ec_private_key *priv = NULL;
    session_signed_pre_key *spk = NULL;
    uint32_t id;
    cairn_status rc = meta_u32(acct, "next_spk_id", 1, &id);
    int r;

    if (rc != CAIRN_OK)
        return rc;
    r = curve_decode_point(&pub, acct->identity_pub, 33, acct->sg);
    if (r == 0)
        r = curve_decode_private_point(&priv, acct->identity_priv, 32, acct->sg);
    if (r == 0)
        r = ratchet_identity_key_pair_create(&kp, pub, priv);
    if (r == 0)
        r = signal_protocol_key_helper_generate_signed_pre_key(&spk, kp, id,
                                                               (uint64_t)cairn__now_ms(acct->ctx),
                                                               acct->sg);
    if (r == 0)
        r = signal_protocol_signed_pre_key_store_key(acct->sgstore, spk);
    SIGNAL_UNREF(spk);
    SIGNAL_UNREF(kp);
    SIGNAL_UNREF(pub);
    SIGNAL_UNREF(priv);
    if (r < 0)
        return proto__map_signal(acct, r);
    rc = meta_put_u32(acct, "next_spk_id", id % PREKEY_ID_MAX + 1);
    if (rc == CAIRN_OK)
        rc = meta_put_u32(acct, "current_spk_id", id);
    /* Keep the new key and the one before it (sessions in flight may
     * still name it); delete anything older. */
    if (rc == CAIRN_OK)
        rc = store__status(acct->store,
                           sqlite3_exec(acct->store->db,
                                        "DELETE FROM signed_prekeys WHERE id NOT IN (SELECT id FROM "
                                        "signed_prekeys ORDER BY created_ms DESC, id DESC LIMIT 2)",
                                        NULL, NULL, NULL));
    return rc;
}

/* Makes (pub, priv) this account's identity as `device` of `uri` and
 * stores it with its first signed pre-key and one-time pre-keys, then
 * ends the caller's operation (proto__op_begin). If anything fails,
 * the commit included, the rows are rolled back and the account is left
 * without an identity in memory too. */
cairn_status proto__install_identity(cairn_account *acct, const char *uri, uint32_t device,
                                     const uint8_t pub[33], const uint8_t priv[32],
                                     uint32_t regid)
{
    uint8_t blob[33 + 32 + 8 + CAIRN_URI_MAX];
    size_t ulen = strlen(uri);
    cairn_status rc;
    memcpy(acct->identity_pub, pub, 33);
    memcpy(acct->identity_priv, priv, 32);
    acct->registration_id = regid;
    acct->device = device;
    memcpy(acct->uri, uri, ulen + 1);
    acct->have_identity = 1;
    memcpy(blob, pub, 33);
    memcpy(blob + 33, priv, 32);
    put32(blob + 65, regid);
    put32(blob + 69, device);
    memcpy(blob + 73, uri, ulen);
    rc = store__meta_put(acct->store, "identity", blob, 73 + ulen);
    sodium_memzero(blob, sizeof(blob));
    if (rc == CAIRN_OK)
        rc = proto__generate_signed_prekey(acct);
    if (rc == CAIRN_OK)
        rc = proto__generate_prekeys(acct, CAIRN_PREKEY_BATCH);
    rc = proto__op_end(acct, rc);
    if (rc != CAIRN_OK) {
        acct->have_identity = 0;
        sodium_memzero(acct->identity_priv, sizeof(acct->identity_priv));
    }
    return rc;
}

cairn_status cairn_account_create_identity(cairn_account *acct, const char *uri, uint32_t device)
{
    ratchet_identity_key_pair *kp = NULL;
    signal_buffer *pub = NULL, *priv = NULL;
    uint8_t pk[33], sk[32];
    uint32_t regid = 0;
    cairn_status rc;
    int r;

    if (acct == NULL || proto__check_uri(uri) != CAIRN_OK || device == 0 || device > 0x7fffffff)
        return CAIRN_ERR_INVALID_ARG;
    rc = proto__op_begin(acct);
    if (rc != CAIRN_OK)
        return rc;
    if (acct->have_identity)
        return proto__op_end(acct, proto__fail(acct, CAIRN_ERR_EXISTS, "identity exists"));
    r = signal_protocol_key_helper_generate_identity_key_pair(&kp, acct->sg);
    if (r == 0)
        r = signal_protocol_key_helper_generate_registration_id(&regid, 0, acct->sg);
    if (r == 0)
        r = ec_public_key_serialize(&pub, ratchet_identity_key_pair_get_public(kp));
    if (r == 0)
        r = ec_private_key_serialize(&priv, ratchet_identity_key_pair_get_private(kp));
    SIGNAL_UNREF(kp);
    if (r < 0 || signal_buffer_len(pub) != 33 || signal_buffer_len(priv) != 32) {
        signal_buffer_free(pub);
        signal_buffer_bzero_free(priv);
        return proto__op_end(acct, r < 0 ? proto__map_signal(acct, r) : CAIRN_ERR_CRYPTO);
    }
    memcpy(pk, signal_buffer_data(pub), 33);
    memcpy(sk, signal_buffer_data(priv), 32);
    signal_buffer_free(pub);
    signal_buffer_bzero_free(priv);
    rc = proto__install_identity(acct, uri, device, pk, sk, regid);
    sodium_memzero(sk, sizeof(sk));
    return rc;
}

cairn_status cairn_account_identity(cairn_account *acct, char *uri, size_t uri_cap,
                                    uint32_t *device, uint8_t public_key[CAIRN_PUBLIC_KEY_BYTES],
                                    uint32_t *registration_id)
{
    cairn_status rc = CAIRN_OK;
    if (acct == NULL)
        return CAIRN_ERR_INVALID_ARG;
    proto__lock(acct);
    if (!acct->have_identity) {
        rc = CAIRN_ERR_NOT_FOUND;
    } else if (uri != NULL && uri_cap <= strlen(acct->uri)) {
        rc = CAIRN_ERR_TOO_LARGE;
    } else {
        if (uri)
            memcpy(uri, acct->uri, strlen(acct->uri) + 1);
        if (device)
            *device = acct->device;
        if (public_key)
            memcpy(public_key, acct->identity_pub, 33);
        if (registration_id)
            *registration_id = acct->registration_id;
    }
    proto__unlock(acct);
    return rc;
}

static cairn_status count_prekeys(cairn_account *acct, unsigned *count)
{
    sqlite3_stmt *st = store__stmt(acct->store, STORE_STMT_PREKEY_COUNT);
    int step;
    if (st == NULL)
        return CAIRN_ERR_STORE;
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *count = (unsigned)sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return step == SQLITE_ROW ? CAIRN_OK : store__status(acct->store, step);
}

cairn_status cairn_prekeys_count(cairn_account *acct, unsigned *count)
{
    cairn_status rc;
    if (acct == NULL || count == NULL)
        return CAIRN_ERR_INVALID_ARG;
    proto__lock(acct);
    rc = count_prekeys(acct, count);
    proto__unlock(acct);
    return rc;
}

cairn_status cairn_prekeys_replenish(cairn_account *acct, unsigned *generated)
{
    unsigned have = 0, made = 0;
    cairn_status rc;
    if (acct == NULL)
        return CAIRN_ERR_INVALID_ARG;
    rc = proto__op_begin(acct);
    if (rc != CAIRN_OK)
        return rc;
    if (!acct->have_identity)
        rc = CAIRN_ERR_STATE;
    if (rc == CAIRN_OK)
        rc = count_prekeys(acct, &have);
    if (rc == CAIRN_OK && have < CAIRN_PREKEY_LOW_WATER) {
        rc = proto__generate_prekeys(acct, CAIRN_PREKEY_BATCH);
        made = CAIRN_PREKEY_BATCH;
    }
    rc = proto__op_end(acct, rc);
    if (generated)
        *generated = rc == CAIRN_OK ? made : 0;
    return rc;
}

cairn_status cairn_signed_prekey_rotate(cairn_account *acct, int64_t max_age_ms, int *rotated)
{
    sqlite3_stmt *st;
    int64_t created = 0;
    int step, due = 1;
    cairn_status rc;
    if (acct == NULL || max_age_ms < 0)
        return CAIRN_ERR_INVALID_ARG;
    if (rotated)
        *rotated = 0;
    rc = proto__op_begin(acct);
    if (rc != CAIRN_OK)
        return rc;
    if (!acct->have_identity)
        return proto__op_end(acct, CAIRN_ERR_STATE);
    st = store__stmt(acct->store, STORE_STMT_SPK_LATEST);
    if (st == NULL)
        return proto__op_end(acct, CAIRN_ERR_STORE);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        created = sqlite3_column_int64(st, 1);
        due = max_age_ms == 0 || cairn__now_ms(acct->ctx) - created >= max_age_ms;
    }
    sqlite3_reset(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        return proto__op_end(acct, store__status(acct->store, step));
    if (due)
        rc = proto__generate_signed_prekey(acct);
    rc = proto__op_end(acct, rc);
    if (rotated && rc == CAIRN_OK)
        *rotated = due;
    return rc;
}

cairn_status cairn_identity_get(cairn_account *acct, const char *uri,
                                uint8_t key[CAIRN_PUBLIC_KEY_BYTES], int *verified)
{
    sqlite3_stmt *st;
    cairn_status rc;
    int step;
    if (acct == NULL || proto__check_uri(uri) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    proto__lock(acct);
    st = store__stmt(acct->store, STORE_STMT_IDENT_GET);
    if (st == NULL) {
        proto__unlock(acct);
        return CAIRN_ERR_STORE;
    }
    sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        rc = CAIRN_ERR_NOT_FOUND;
    } else if (step != SQLITE_ROW) {
        rc = store__status(acct->store, step);
    } else if (sqlite3_column_bytes(st, 0) != CAIRN_PUBLIC_KEY_BYTES) {
        rc = CAIRN_ERR_CORRUPT;
    } else {
        if (key)
            memcpy(key, sqlite3_column_blob(st, 0), CAIRN_PUBLIC_KEY_BYTES);
        if (verified)
            *verified = sqlite3_column_int(st, 1);
        rc = CAIRN_OK;
    }
    sqlite3_reset(st);
    proto__unlock(acct);
    return rc;
}

cairn_status cairn_identity_accept(cairn_account *acct, const char *uri,
                                   const uint8_t key[CAIRN_PUBLIC_KEY_BYTES])
{
    signal_protocol_address a;
    cairn_status rc;
    int r;
    if (acct == NULL || proto__check_uri(uri) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    rc = proto__check_public_key(key, CAIRN_PUBLIC_KEY_BYTES);
    if (rc != CAIRN_OK)
        return rc;
    rc = proto__op_begin(acct);
    if (rc != CAIRN_OK)
        return rc;
    a.name = uri;
    a.name_len = strlen(uri);
    a.device_id = 1;
    /* Sessions made under the old key must not outlive the decision. */
    r = signal_protocol_session_delete_all_sessions(acct->sgstore, uri, a.name_len);
    if (r < 0)
        rc = proto__map_signal(acct, r);
    if (rc == CAIRN_OK) {
        sqlite3_stmt *st = store__stmt(acct->store, STORE_STMT_IDENT_PUT);
        if (st == NULL)
            rc = CAIRN_ERR_STORE;
        else {
            sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
            sqlite3_bind_blob(st, 2, key, CAIRN_PUBLIC_KEY_BYTES, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, cairn__now_ms(acct->ctx));
            rc = store__exec(acct->store, st);
        }
    }
    return proto__op_end(acct, rc);
}

cairn_status cairn_identity_set_verified(cairn_account *acct, const char *uri, int verified)
{
    sqlite3_stmt *st;
    cairn_status rc;
    if (acct == NULL || proto__check_uri(uri) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    rc = proto__op_begin(acct);
    if (rc != CAIRN_OK)
        return rc;
    st = store__stmt(acct->store, STORE_STMT_IDENT_VERIFY);
    if (st == NULL)
        return proto__op_end(acct, CAIRN_ERR_STORE);
    sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, verified ? 1 : 0);
    rc = store__exec(acct->store, st);
    if (rc == CAIRN_OK && sqlite3_changes(acct->store->db) == 0)
        rc = CAIRN_ERR_NOT_FOUND;
    return proto__op_end(acct, rc);
}
