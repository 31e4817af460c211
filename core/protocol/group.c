/*
 * group.c - sender-key groups (cairn/group.h).
 *
 * Rotation is the security mechanism for membership: this device's
 * sender key for a group is deleted and a fresh one created and sent only
 * to the current members, so a removed member, who never receives the
 * new key, cannot decrypt what follows. Every membership change goes
 * through rotate(), inside the same transaction as the change.
 *
 * Group ids are opaque strings (at most CAIRN_GROUP_ID_MAX bytes, no
 * control characters or '|'); the group's conversation id is "group:<id>".
 */
#include <string.h>

#include <signal/group_cipher.h>
#include <signal/group_session_builder.h>
#include <signal/protocol.h>
#include <signal/sender_key_record.h>

#include "crypto.h"
#include "protocol.h"

#define CONV_PREFIX "group:"

static cairn_status check_group_id(const char *id)
{
    size_t n;
    if (id == NULL)
        return CAIRN_ERR_INVALID_ARG;
    n = strnlen(id, CAIRN_GROUP_ID_MAX + 1);
    if (n == 0 || n > CAIRN_GROUP_ID_MAX)
        return CAIRN_ERR_INVALID_ARG;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] < 0x21 || id[i] == '|' || id[i] == 0x7f)
            return CAIRN_ERR_INVALID_ARG;
    return CAIRN_OK;
}

static signal_protocol_sender_key_name skname(const char *group, const char *uri, uint32_t dev)
{
    signal_protocol_sender_key_name k;
    k.group_id = group;
    k.group_id_len = strlen(group);
    k.sender.name = uri;
    k.sender.name_len = strlen(uri);
    k.sender.device_id = (int32_t)dev;
    return k;
}

static int group_exists(cairn_account *acct, const char *group)
{
    sqlite3_stmt *st = store__stmt(acct->store, STORE_STMT_GROUP_GET);
    int step;
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, group, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    sqlite3_reset(st);
    return step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : -1;
}

static int is_member(cairn_account *acct, const char *group, const cairn_address *a)
{
    sqlite3_stmt *st = store__stmt(acct->store, STORE_STMT_GMEMBER_HAS);
    int step;
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, group, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->uri, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, a->device);
    step = sqlite3_step(st);
    sqlite3_reset(st);
    return step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : -1;
}

static cairn_status add_members(cairn_account *acct, const char *group, const cairn_address *m,
                                size_t count)
{
    for (size_t i = 0; i < count; i++) {
        sqlite3_stmt *st;
        cairn_status rc;
        if (proto__check_address(&m[i]) != CAIRN_OK)
            return CAIRN_ERR_INVALID_ARG;
        if (strcmp(m[i].uri, acct->uri) == 0 && m[i].device == acct->device)
            continue; /* this device is implicit */
        st = store__stmt(acct->store, STORE_STMT_GMEMBER_ADD);
        if (st == NULL)
            return CAIRN_ERR_STORE;
        sqlite3_bind_text(st, 1, group, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, m[i].uri, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, m[i].device);
        rc = store__exec(acct->store, st);
        if (rc != CAIRN_OK)
            return rc;
    }
    return CAIRN_OK;
}

static cairn_status list_members(cairn_account *acct, const char *group, cairn_address **out,
                                 size_t *count)
{
    sqlite3_stmt *st = store__stmt(acct->store, STORE_STMT_GMEMBER_LIST);
    cairn_address *list = NULL;
    size_t n = 0, cap = 0;
    cairn_status rc = CAIRN_OK;
    int step;
    if (st == NULL)
        return CAIRN_ERR_STORE;
    sqlite3_bind_text(st, 1, group, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == CAIRN_GROUP_MAX_MEMBERS) {
            rc = CAIRN_ERR_LIMIT;
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            cairn_address *nl = cairn__realloc(acct->ctx, list, ncap * sizeof(*nl));
            if (nl == NULL) {
                rc = CAIRN_ERR_NOMEM;
                break;
            }
            list = nl;
            cap = ncap;
        }
        list[n].uri = cairn__strdup(acct->ctx, (const char *)sqlite3_column_text(st, 0));
        list[n].device = (uint32_t)sqlite3_column_int64(st, 1);
        if (list[n].uri == NULL) {
            rc = CAIRN_ERR_NOMEM;
            break;
        }
        n++;
    }
    sqlite3_reset(st);
    if (rc == CAIRN_OK && step != SQLITE_DONE)
        rc = store__status(acct->store, step);
    if (rc != CAIRN_OK) {
        cairn_group_members_free(acct, list, n);
        return rc;
    }
    *out = list;
    *count = n;
    return CAIRN_OK;
}

/* Fresh sender key, distributed to every member over 1:1 sessions. */
static cairn_status rotate(cairn_account *acct, const char *group, cairn_outbox *out)
{
    signal_protocol_sender_key_name self = skname(group, acct->uri, acct->device);
    group_session_builder *builder = NULL;
    sender_key_distribution_message *skdm = NULL;
    cairn_address *members = NULL;
    size_t count = 0, i;
    signal_buffer *ser;
    sqlite3_stmt *st;
    cairn_status rc;
    int r;

    st = store__stmt(acct->store, STORE_STMT_SKEY_DEL);
    if (st == NULL)
        return CAIRN_ERR_STORE;
    sqlite3_bind_text(st, 1, group, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, acct->uri, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, acct->device);
    rc = store__exec(acct->store, st);
    if (rc == CAIRN_OK) {
        st = store__stmt(acct->store, STORE_STMT_GROUP_BUMP);
        if (st == NULL)
            return CAIRN_ERR_STORE;
        sqlite3_bind_text(st, 1, group, -1, SQLITE_STATIC);
        rc = store__exec(acct->store, st);
    }
    if (rc != CAIRN_OK)
        return rc;
    r = group_session_builder_create(&builder, acct->sgstore, acct->sg);
    if (r == 0)
        r = group_session_builder_create_session(builder, &skdm, &self);
    group_session_builder_free(builder);
    if (r < 0)
        return proto__map_signal(acct, r);
    rc = list_members(acct, group, &members, &count);
    memset(out, 0, sizeof(*out));
    if (rc == CAIRN_OK && count > 0) {
        out->items = cairn__calloc(acct->ctx, count, sizeof(*out->items));
        if (out->items == NULL)
            rc = CAIRN_ERR_NOMEM;
    }
    ser = ciphertext_message_get_serialized((ciphertext_message *)skdm);
    for (i = 0; rc == CAIRN_OK && i < count; i++) {
        rc = proto__encrypt_raw(acct, &members[i], signal_buffer_data(ser), signal_buffer_len(ser),
                                &out->items[i].ct);
        if (rc == CAIRN_OK) {
            out->items[i].to.uri = members[i].uri;
            out->items[i].to.device = members[i].device;
            members[i].uri = NULL; /* now owned by the outbox */
            out->count = i + 1;
        }
    }
    SIGNAL_UNREF(skdm);
    cairn_group_members_free(acct, members, count);
    if (rc != CAIRN_OK)
        cairn_outbox_free(acct, out);
    return rc;
}

/* Starts a group operation: lock + transaction, then requires an identity
 * and that the group exists (want_exists 1) or not (0). On failure the
 * operation is already ended and its status returned. */
static cairn_status group_op_begin(cairn_account *acct, const char *group_id, int want_exists)
{
    cairn_status rc = proto__op_begin(acct);
    int exists;
    if (rc != CAIRN_OK)
        return rc;
    if (!acct->have_identity)
        return proto__op_end(acct, CAIRN_ERR_STATE);
    exists = group_exists(acct, group_id);
    if (exists < 0)
        return proto__op_end(acct, CAIRN_ERR_STORE);
    if (exists != want_exists)
        return proto__op_end(acct, want_exists ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_EXISTS);
    return CAIRN_OK;
}

/* Adds the group row. */
static cairn_status group_insert(cairn_account *acct, const char *group_id)
{
    sqlite3_stmt *st = store__stmt(acct->store, STORE_STMT_GROUP_PUT);
    if (st == NULL)
        return CAIRN_ERR_STORE;
    sqlite3_bind_text(st, 1, group_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, cairn__now_ms(acct->ctx));
    return store__exec(acct->store, st);
}

cairn_status cairn_group_create(cairn_account *acct, const char *group_id,
                                const cairn_address *members, size_t count, cairn_outbox *out)
{
    cairn_status rc;
    if (acct == NULL || out == NULL || check_group_id(group_id) != CAIRN_OK ||
        (members == NULL && count > 0) || count > CAIRN_GROUP_MAX_MEMBERS)
        return CAIRN_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    rc = group_op_begin(acct, group_id, 0);
    if (rc != CAIRN_OK)
        return rc;
    rc = group_insert(acct, group_id);
    if (rc == CAIRN_OK)
        rc = add_members(acct, group_id, members, count);
    if (rc == CAIRN_OK)
        rc = rotate(acct, group_id, out);
    rc = proto__op_end(acct, rc);
    if (rc != CAIRN_OK)
        cairn_outbox_free(acct, out);
    return rc;
}

cairn_status cairn_group_join(cairn_account *acct, const char *group_id,
                              const cairn_address *members, size_t count)
{
    cairn_status rc;
    int exists;
    if (acct == NULL || check_group_id(group_id) != CAIRN_OK || (members == NULL && count > 0) ||
        count > CAIRN_GROUP_MAX_MEMBERS)
        return CAIRN_ERR_INVALID_ARG;
    rc = proto__op_begin(acct);
    if (rc != CAIRN_OK)
        return rc;
    exists = group_exists(acct, group_id);
    if (exists < 0)
        return proto__op_end(acct, CAIRN_ERR_STORE);
    if (!exists)
        rc = group_insert(acct, group_id);
    if (rc == CAIRN_OK)
        rc = add_members(acct, group_id, members, count);
    return proto__op_end(acct, rc);
}

cairn_status cairn_group_add(cairn_account *acct, const char *group_id,
                             const cairn_address *members, size_t count, cairn_outbox *out)
{
    cairn_status rc;
    if (acct == NULL || out == NULL || check_group_id(group_id) != CAIRN_OK || members == NULL ||
        count == 0 || count > CAIRN_GROUP_MAX_MEMBERS)
        return CAIRN_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    rc = group_op_begin(acct, group_id, 1);
    if (rc != CAIRN_OK)
        return rc;
    rc = add_members(acct, group_id, members, count);
    if (rc == CAIRN_OK)
        rc = rotate(acct, group_id, out);
    rc = proto__op_end(acct, rc);
    if (rc != CAIRN_OK)
        cairn_outbox_free(acct, out);
    return rc;
}

cairn_status cairn_group_remove(cairn_account *acct, const char *group_id, const char *uri,
                                cairn_outbox *out)
{
    sqlite3_stmt *st;
    cairn_status rc;
    if (acct == NULL || out == NULL || check_group_id(group_id) != CAIRN_OK ||
        proto__check_uri(uri) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    rc = group_op_begin(acct, group_id, 1);
    if (rc != CAIRN_OK)
        return rc;
    st = store__stmt(acct->store, STORE_STMT_GMEMBER_DEL);
    if (st == NULL)
        return proto__op_end(acct, CAIRN_ERR_STORE);
    sqlite3_bind_text(st, 1, group_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, uri, -1, SQLITE_STATIC);
    rc = store__exec(acct->store, st);
    if (rc == CAIRN_OK && sqlite3_changes(acct->store->db) == 0)
        rc = CAIRN_ERR_NOT_MEMBER;
    if (rc == CAIRN_OK) {
        /* Forget what the removed user sent us: nothing more from them is
         * accepted for this group. */
        st = store__stmt(acct->store, STORE_STMT_SKEY_DEL_SENDER);
        if (st == NULL)
            rc = CAIRN_ERR_STORE;
        else {
            sqlite3_bind_text(st, 1, group_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, uri, -1, SQLITE_STATIC);
            rc = store__exec(acct->store, st);
        }
    }
    if (rc == CAIRN_OK)
        rc = rotate(acct, group_id, out);
    rc = proto__op_end(acct, rc);
    if (rc != CAIRN_OK)
        cairn_outbox_free(acct, out);
    return rc;
}

cairn_status cairn_group_leave(cairn_account *acct, const char *group_id)
{
    static const char *const sql[] = {"DELETE FROM group_members WHERE group_id=?1",
                                      "DELETE FROM sender_keys WHERE group_id=?1",
                                      "DELETE FROM groups WHERE id=?1"};
    cairn_status rc;
    if (acct == NULL || check_group_id(group_id) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    rc = group_op_begin(acct, group_id, 1);
    if (rc != CAIRN_OK)
        return rc;
    /* Rare operation: plain prepared statements, not cached. */
    for (size_t i = 0; rc == CAIRN_OK && i < CAIRN_ARRAY_LEN(sql); i++) {
        sqlite3_stmt *st = NULL;
        int r = sqlite3_prepare_v2(acct->store->db, sql[i], -1, &st, NULL);
        if (r == SQLITE_OK) {
            sqlite3_bind_text(st, 1, group_id, -1, SQLITE_STATIC);
            r = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        if (r != SQLITE_DONE)
            rc = store__status(acct->store, r);
    }
    return proto__op_end(acct, rc);
}

cairn_status cairn_group_rotate(cairn_account *acct, const char *group_id, cairn_outbox *out)
{
    cairn_status rc;
    if (acct == NULL || out == NULL || check_group_id(group_id) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    rc = group_op_begin(acct, group_id, 1);
    if (rc != CAIRN_OK)
        return rc;
    rc = rotate(acct, group_id, out);
    rc = proto__op_end(acct, rc);
    if (rc != CAIRN_OK)
        cairn_outbox_free(acct, out);
    return rc;
}

cairn_status cairn_group_receive_distribution(cairn_account *acct, const char *group_id,
                                              const cairn_address *from, cairn_message_type type,
                                              const uint8_t *data, size_t len)
{
    signal_buffer *pt = NULL;
    sender_key_distribution_message *skdm = NULL;
    group_session_builder *builder = NULL;
    signal_protocol_sender_key_name name;
    size_t plen = 0;
    cairn_status rc;
    int r, member;

    if (acct == NULL || data == NULL || check_group_id(group_id) != CAIRN_OK ||
        proto__check_address(from) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    rc = proto__op_begin(acct);
    if (rc != CAIRN_OK)
        return rc;
    member = is_member(acct, group_id, from);
    if (member != 1)
        return proto__op_end(acct, member < 0 ? CAIRN_ERR_STORE : CAIRN_ERR_NOT_MEMBER);
    rc = proto__decrypt_raw(acct, from, type, data, len, &pt);
    if (rc == CAIRN_OK)
        rc = proto__unpad(signal_buffer_data(pt), signal_buffer_len(pt), &plen);
    if (rc == CAIRN_OK) {
        r = sender_key_distribution_message_deserialize(&skdm, signal_buffer_data(pt), plen,
                                                        acct->sg);
        if (r < 0)
            rc = CAIRN_ERR_INVALID_MESSAGE;
    }
    if (rc == CAIRN_OK)
        rc = proto__check_ec_key(sender_key_distribution_message_get_signature_key(skdm));
    if (rc == CAIRN_OK) {
        name = skname(group_id, from->uri, from->device);
        r = group_session_builder_create(&builder, acct->sgstore, acct->sg);
        if (r == 0)
            r = group_session_builder_process_session(builder, &name, skdm);
        if (r < 0)
            rc = proto__map_signal(acct, r);
    }
    group_session_builder_free(builder);
    SIGNAL_UNREF(skdm);
    signal_buffer_bzero_free(pt);
    return proto__op_end(acct, rc);
}

cairn_status cairn_group_encrypt(cairn_account *acct, const char *group_id,
                                 const uint8_t *plaintext, size_t len, cairn_ciphertext *out)
{
    signal_protocol_sender_key_name self;
    group_cipher *cipher = NULL;
    ciphertext_message *msg = NULL;
    uint8_t *padded = NULL;
    size_t plen = 0;
    cairn_status rc;
    int r;

    if (acct == NULL || out == NULL || check_group_id(group_id) != CAIRN_OK ||
        (plaintext == NULL && len > 0))
        return CAIRN_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    if (len > CAIRN_PLAINTEXT_MAX)
        return CAIRN_ERR_TOO_LARGE;
    rc = group_op_begin(acct, group_id, 1);
    if (rc != CAIRN_OK)
        return rc;
    self = skname(group_id, acct->uri, acct->device);
    rc = proto__pad(acct, plaintext, len, &padded, &plen);
    if (rc == CAIRN_OK) {
        /* libsignal crashes when an HMAC init fails inside it here */
        cairn__hmac_reserve hr;
        rc = cairn__hmac_reserve_begin(&hr, acct->ctx);
        if (rc == CAIRN_OK) {
            r = group_cipher_create(&cipher, acct->sgstore, &self, acct->sg);
            if (r == 0)
                r = group_cipher_encrypt(cipher, padded, plen, &msg);
            if (r < 0)
                rc = proto__map_signal(acct, r);
            group_cipher_free(cipher);
            cairn__hmac_reserve_end(&hr);
        }
        cairn__free_secret(acct->ctx, padded, plen);
    }
    if (rc == CAIRN_OK) {
        signal_buffer *ser = ciphertext_message_get_serialized(msg);
        out->data = cairn__memdup(acct->ctx, signal_buffer_data(ser), signal_buffer_len(ser));
        out->len = signal_buffer_len(ser);
        out->type = CAIRN_MSG_SENDER_KEY;
        if (out->data == NULL)
            rc = CAIRN_ERR_NOMEM;
    }
    SIGNAL_UNREF(msg);
    rc = proto__op_end(acct, rc);
    if (rc != CAIRN_OK)
        cairn_ciphertext_clear(acct, out);
    return rc;
}

/* A message under a sender key this device never received (it was
 * rotated while we were not a member) is "no session", not a forgery:
 * say so before libsignal reports a generic failure. */
static cairn_status have_sender_key(cairn_account *acct, const char *group,
                                    const cairn_address *from, uint32_t key_id)
{
    signal_protocol_sender_key_name name = skname(group, from->uri, from->device);
    sender_key_record *rec = NULL;
    sender_key_state *state = NULL;
    int r = signal_protocol_sender_key_load_key(acct->sgstore, &rec, &name);
    cairn_status rc;
    if (r < 0)
        return proto__map_signal(acct, r);
    if (sender_key_record_is_empty(rec))
        rc = CAIRN_ERR_NO_SESSION;
    else
        rc = sender_key_record_get_sender_key_state_by_id(rec, &state, key_id) < 0
                 ? CAIRN_ERR_NO_SESSION
                 : CAIRN_OK;
    SIGNAL_UNREF(rec);
    return rc;
}

cairn_status cairn_group_decrypt(cairn_account *acct, const char *group_id,
                                 const cairn_address *from, const uint8_t *data, size_t len,
                                 const cairn_message_meta *meta, cairn_plaintext *out)
{
    char conv[sizeof(CONV_PREFIX) + CAIRN_GROUP_ID_MAX];
    char id[CAIRN_MSGID_MAX + 1];
    signal_protocol_sender_key_name name;
    sender_key_message *m = NULL;
    group_cipher *cipher = NULL;
    signal_buffer *padded = NULL;
    cairn_plaintext res;
    cairn_status rc;
    int r, member;

    if (acct == NULL || out == NULL || data == NULL || len == 0 ||
        check_group_id(group_id) != CAIRN_OK || proto__check_address(from) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    if (len > CAIRN_PLAINTEXT_MAX + 4096)
        return CAIRN_ERR_TOO_LARGE;
    snprintf(conv, sizeof(conv), CONV_PREFIX "%s", group_id);
    rc = proto__message_id(meta, data, len, id);
    if (rc != CAIRN_OK)
        return rc;
    memset(&res, 0, sizeof(res));
    rc = proto__op_begin(acct);
    if (rc != CAIRN_OK)
        return rc;
    member = is_member(acct, group_id, from);
    if (member != 1)
        return proto__op_end(acct, member < 0 ? CAIRN_ERR_STORE : CAIRN_ERR_NOT_MEMBER);
    rc = proto__check_not_seen(acct, conv, id);
    if (rc == CAIRN_OK) {
        r = sender_key_message_deserialize(&m, data, len, acct->sg);
        if (r < 0)
            rc = r == SG_ERR_NOMEM ? CAIRN_ERR_NOMEM : CAIRN_ERR_INVALID_MESSAGE;
    }
    if (rc == CAIRN_OK)
        rc = have_sender_key(acct, group_id, from, sender_key_message_get_key_id(m));
    if (rc == CAIRN_OK) {
        /* as in cairn_group_encrypt: no HMAC init may fail inside */
        cairn__hmac_reserve hr;
        name = skname(group_id, from->uri, from->device);
        rc = cairn__hmac_reserve_begin(&hr, acct->ctx);
        if (rc == CAIRN_OK) {
            r = group_cipher_create(&cipher, acct->sgstore, &name, acct->sg);
            if (r == 0)
                r = group_cipher_decrypt(cipher, m, NULL, &padded);
            if (r < 0)
                rc = proto__map_signal(acct, r);
            group_cipher_free(cipher);
            cairn__hmac_reserve_end(&hr);
        }
    }
    SIGNAL_UNREF(m);
    if (rc == CAIRN_OK)
        rc = proto__store_received(acct, conv, 2, from, id, meta ? meta->sent_ms : 0, padded,
                                   &res);
    signal_buffer_bzero_free(padded);
    rc = proto__op_end(acct, rc);
    if (rc != CAIRN_OK) {
        cairn__free_secret(acct->ctx, res.body, res.len);
        return rc;
    }
    *out = res;
    return CAIRN_OK;
}

cairn_status cairn_group_members(cairn_account *acct, const char *group_id,
                                 cairn_address **members, size_t *count)
{
    cairn_status rc;
    if (acct == NULL || members == NULL || count == NULL || check_group_id(group_id) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    proto__lock(acct);
    rc = group_exists(acct, group_id) == 1 ? list_members(acct, group_id, members, count)
                                           : CAIRN_ERR_NOT_FOUND;
    proto__unlock(acct);
    return rc;
}

void cairn_group_members_free(cairn_account *acct, cairn_address *members, size_t count)
{
    if (acct == NULL || members == NULL)
        return;
    for (size_t i = 0; i < count; i++)
        cairn__free(acct->ctx, (void *)members[i].uri);
    cairn__free(acct->ctx, members);
}

void cairn_outbox_free(cairn_account *acct, cairn_outbox *out)
{
    if (acct == NULL || out == NULL)
        return;
    for (size_t i = 0; i < out->count; i++) {
        cairn__free(acct->ctx, (void *)out->items[i].to.uri);
        cairn_ciphertext_clear(acct, &out->items[i].ct);
    }
    cairn__free(acct->ctx, out->items);
    memset(out, 0, sizeof(*out));
}
