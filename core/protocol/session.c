/*
 * session.c - 1:1 encrypt and decrypt with the guarantees listed in
 * cairn/session.h: padding, key checks, atomic decrypt-and-store,
 * duplicate refusal, identity-change reporting.
 *
 * Decrypt, in order (all inside one transaction):
 *   1. derive the message id; refuse a (conversation, id) already stored
 *   2. parse the message and check every public key it carries
 *   3. libsignal decrypts (may save an identity, consume a pre-key,
 *      advance the ratchet - all in the transaction)
 *   4. strip the padding
 *   5. store the plaintext sealed in the messages table
 *   6. commit; only now is the plaintext handed to the caller
 * Any failure rolls back everything from step 1.
 */
#include <string.h>

#include <sodium.h>
#include <signal/protocol.h>
#include <signal/session_cipher.h>

#include "protocol.h"

/* The ciphertext limit leaves room for padding and protocol framing. */
#define CIPHERTEXT_MAX (CAIRN_PLAINTEXT_MAX + 4096)

cairn_status proto__pad(cairn_account *acct, const uint8_t *in, size_t len, uint8_t **out,
                        size_t *out_len)
{
    size_t n = (len / CAIRN_PAD_BUCKET + 1) * CAIRN_PAD_BUCKET;
    uint8_t *p = cairn__calloc(acct->ctx, 1, n);
    if (p == NULL)
        return CAIRN_ERR_NOMEM;
    if (len)
        memcpy(p, in, len);
    p[len] = 0x80; /* ISO/IEC 7816-4 padding: 0x80 then zeros */
    *out = p;
    *out_len = n;
    return CAIRN_OK;
}

cairn_status proto__unpad(const uint8_t *in, size_t len, size_t *out_len)
{
    size_t i = len;
    if (len == 0 || len % CAIRN_PAD_BUCKET != 0)
        return CAIRN_ERR_DECODE;
    while (i > 0 && in[i - 1] == 0)
        i--;
    if (i == 0 || in[i - 1] != 0x80 || len - i >= CAIRN_PAD_BUCKET)
        return CAIRN_ERR_DECODE;
    *out_len = i - 1;
    return CAIRN_OK;
}

cairn_status proto__message_id(const cairn_message_meta *meta, const uint8_t *ct, size_t len,
                               char id[CAIRN_MSGID_MAX + 1])
{
    uint8_t h[crypto_hash_sha256_BYTES];
    if (meta != NULL && meta->msg_id != NULL) {
        size_t n = strnlen(meta->msg_id, CAIRN_MSGID_MAX + 1);
        if (n == 0 || n > CAIRN_MSGID_MAX)
            return CAIRN_ERR_INVALID_ARG;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)meta->msg_id[i] < 0x21 || meta->msg_id[i] == '|')
                return CAIRN_ERR_INVALID_ARG;
        memcpy(id, meta->msg_id, n + 1);
        return CAIRN_OK;
    }
    crypto_hash_sha256(h, ct, len);
    cairn__hex_encode(id, h, 16);
    return CAIRN_OK;
}

cairn_status proto__check_not_seen(cairn_account *acct, const char *conversation,
                                   const char *msg_id)
{
    sqlite3_stmt *st = store__stmt(acct->store, STORE_STMT_MSG_SEEN);
    int step;
    if (st == NULL)
        return CAIRN_ERR_STORE;
    sqlite3_bind_text(st, 1, conversation, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, msg_id, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return CAIRN_ERR_DUPLICATE;
    return step == SQLITE_DONE ? CAIRN_OK : store__status(acct->store, step);
}

static cairn_status check_signal_message_keys(const signal_message *m)
{
    return proto__check_ec_key(signal_message_get_sender_ratchet_key(m));
}

cairn_status proto__decrypt_raw(cairn_account *acct, const cairn_address *from,
                                cairn_message_type type, const uint8_t *data, size_t len,
                                signal_buffer **pt)
{
    signal_protocol_address a = proto__sg_address(from);
    session_cipher *cipher = NULL;
    cairn_status rc = CAIRN_OK;
    int r;

    if (!acct->have_identity)
        return proto__fail(acct, CAIRN_ERR_STATE, "account has no identity");
    if (type == CAIRN_MSG_PREKEY) {
        pre_key_signal_message *m = NULL;
        r = pre_key_signal_message_deserialize(&m, data, len, acct->sg);
        if (r < 0)
            return proto__fail(acct, r == SG_ERR_NOMEM ? CAIRN_ERR_NOMEM : CAIRN_ERR_INVALID_MESSAGE,
                               "malformed pre-key message");
        if (proto__check_ec_key(pre_key_signal_message_get_identity_key(m)) != CAIRN_OK ||
            proto__check_ec_key(pre_key_signal_message_get_base_key(m)) != CAIRN_OK ||
            check_signal_message_keys(pre_key_signal_message_get_signal_message(m)) != CAIRN_OK)
            rc = proto__fail(acct, CAIRN_ERR_BAD_PUBLIC_KEY, "pre-key message carries a bad key");
        if (rc == CAIRN_OK) {
            r = session_cipher_create(&cipher, acct->sgstore, &a, acct->sg);
            if (r == 0)
                r = session_cipher_decrypt_pre_key_signal_message(cipher, m, NULL, pt);
            if (r < 0)
                rc = proto__map_signal(acct, r);
        }
        SIGNAL_UNREF(m);
    } else if (type == CAIRN_MSG_NORMAL) {
        signal_message *m = NULL;
        r = signal_message_deserialize(&m, data, len, acct->sg);
        if (r < 0)
            return proto__fail(acct, r == SG_ERR_NOMEM ? CAIRN_ERR_NOMEM : CAIRN_ERR_INVALID_MESSAGE,
                               "malformed message");
        if (check_signal_message_keys(m) != CAIRN_OK)
            rc = proto__fail(acct, CAIRN_ERR_BAD_PUBLIC_KEY, "message carries a bad ratchet key");
        if (rc == CAIRN_OK) {
            r = session_cipher_create(&cipher, acct->sgstore, &a, acct->sg);
            if (r == 0)
                r = session_cipher_decrypt_signal_message(cipher, m, NULL, pt);
            if (r < 0)
                rc = proto__map_signal(acct, r);
        }
        SIGNAL_UNREF(m);
    } else {
        return proto__fail(acct, CAIRN_ERR_INVALID_ARG, "not a 1:1 message type");
    }
    session_cipher_free(cipher);
    if (rc != CAIRN_OK && acct->last_error[0] == '\0')
        proto__fail(acct, rc, "decrypt from device %u failed: %s", from->device,
                    cairn_strerror(rc));
    return rc;
}

cairn_status proto__encrypt_raw(cairn_account *acct, const cairn_address *peer,
                                const uint8_t *pt, size_t len, cairn_ciphertext *out)
{
    signal_protocol_address a = proto__sg_address(peer);
    session_cipher *cipher = NULL;
    ciphertext_message *msg = NULL;
    uint8_t *padded = NULL, *data;
    size_t plen = 0;
    signal_buffer *ser;
    cairn_status rc;
    int r;

    if (!acct->have_identity)
        return proto__fail(acct, CAIRN_ERR_STATE, "account has no identity");
    r = signal_protocol_session_contains_session(acct->sgstore, &a);
    if (r < 0)
        return proto__map_signal(acct, r);
    if (r == 0)
        return proto__fail(acct, CAIRN_ERR_NO_SESSION, "no session with device %u", peer->device);
    rc = proto__pad(acct, pt, len, &padded, &plen);
    if (rc != CAIRN_OK)
        return rc;
    r = session_cipher_create(&cipher, acct->sgstore, &a, acct->sg);
    if (r == 0)
        r = session_cipher_encrypt(cipher, padded, plen, &msg);
    cairn__free_secret(acct->ctx, padded, plen);
    session_cipher_free(cipher);
    if (r < 0)
        return proto__map_signal(acct, r);
    ser = ciphertext_message_get_serialized(msg);
    data = cairn__memdup(acct->ctx, signal_buffer_data(ser), signal_buffer_len(ser));
    if (data == NULL) {
        SIGNAL_UNREF(msg);
        return CAIRN_ERR_NOMEM;
    }
    out->type = ciphertext_message_get_type(msg) == CIPHERTEXT_PREKEY_TYPE ? CAIRN_MSG_PREKEY
                                                                            : CAIRN_MSG_NORMAL;
    out->data = data;
    out->len = signal_buffer_len(ser);
    SIGNAL_UNREF(msg);
    return CAIRN_OK;
}

cairn_status proto__store_received(cairn_account *acct, const char *conversation, int kind,
                                   const cairn_address *from, const char *msg_id, int64_t sent_ms,
                                   signal_buffer *padded, cairn_plaintext *out)
{
    char row[CAIRN_URI_MAX + CAIRN_MSGID_MAX + 2];
    sqlite3_stmt *st;
    size_t n = 0;
    uint8_t *body;
    cairn_status rc = proto__unpad(signal_buffer_data(padded), signal_buffer_len(padded), &n);
    if (rc != CAIRN_OK)
        return proto__fail(acct, rc, "bad padding");
    st = store__stmt(acct->store, STORE_STMT_CONV_PUT);
    if (st == NULL)
        return CAIRN_ERR_STORE;
    sqlite3_bind_text(st, 1, conversation, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, kind);
    sqlite3_bind_int64(st, 3, cairn__now_ms(acct->ctx));
    rc = store__exec(acct->store, st);
    if (rc != CAIRN_OK)
        return rc;
    st = store__stmt(acct->store, STORE_STMT_MSG_PUT);
    if (st == NULL)
        return CAIRN_ERR_STORE;
    snprintf(row, sizeof(row), "%s|%s", conversation, msg_id);
    sqlite3_bind_text(st, 1, conversation, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, msg_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, from->uri, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, from->device);
    sqlite3_bind_int64(st, 5, sent_ms);
    sqlite3_bind_int64(st, 6, cairn__now_ms(acct->ctx));
    rc = store__bind_sealed(acct->store, st, 7, "messages", row, signal_buffer_data(padded), n);
    if (rc != CAIRN_OK) {
        sqlite3_reset(st);
        return rc;
    }
    rc = store__exec(acct->store, st);
    if (rc == CAIRN_ERR_EXISTS)
        return CAIRN_ERR_DUPLICATE;
    if (rc != CAIRN_OK)
        return rc;
    body = cairn__memdup(acct->ctx, signal_buffer_data(padded), n);
    if (body == NULL)
        return CAIRN_ERR_NOMEM;
    out->body = body;
    out->len = n;
    memcpy(out->msg_id, msg_id, strlen(msg_id) + 1);
    return CAIRN_OK;
}

cairn_status cairn_session_encrypt(cairn_account *acct, const cairn_address *peer,
                                   const uint8_t *plaintext, size_t len, cairn_ciphertext *out)
{
    cairn_status rc;
    if (acct == NULL || out == NULL || (plaintext == NULL && len > 0) ||
        proto__check_address(peer) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    if (len > CAIRN_PLAINTEXT_MAX)
        return CAIRN_ERR_TOO_LARGE;
    rc = proto__op_begin(acct);
    if (rc != CAIRN_OK)
        return rc;
    rc = proto__encrypt_raw(acct, peer, plaintext, len, out);
    rc = proto__op_end(acct, rc);
    if (rc != CAIRN_OK)
        cairn_ciphertext_clear(acct, out);
    return rc;
}

cairn_status cairn_session_decrypt(cairn_account *acct, const cairn_address *from,
                                   cairn_message_type type, const uint8_t *data, size_t len,
                                   const cairn_message_meta *meta, cairn_plaintext *out)
{
    signal_buffer *padded = NULL;
    cairn_plaintext res;
    char id[CAIRN_MSGID_MAX + 1];
    const char *conv;
    cairn_status rc;

    if (acct == NULL || out == NULL || data == NULL || proto__check_address(from) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    if (len == 0)
        return CAIRN_ERR_INVALID_MESSAGE;
    if (len > CIPHERTEXT_MAX)
        return CAIRN_ERR_TOO_LARGE;
    conv = meta && meta->conversation ? meta->conversation : from->uri;
    if (strnlen(conv, CAIRN_URI_MAX + 1) > CAIRN_URI_MAX)
        return CAIRN_ERR_INVALID_ARG;
    rc = proto__message_id(meta, data, len, id);
    if (rc != CAIRN_OK)
        return rc;
    memset(&res, 0, sizeof(res));
    rc = proto__op_begin(acct);
    if (rc != CAIRN_OK)
        return rc;
    rc = proto__check_not_seen(acct, conv, id);
    if (rc == CAIRN_OK)
        rc = proto__decrypt_raw(acct, from, type, data, len, &padded);
    if (rc == CAIRN_OK)
        rc = proto__store_received(acct, conv, 1, from, id, meta ? meta->sent_ms : 0, padded,
                                   &res);
    signal_buffer_bzero_free(padded);
    if (rc == CAIRN_ERR_IDENTITY_CHANGED && acct->has_offered_identity) {
        out->has_new_identity = 1;
        memcpy(out->new_identity, acct->offered_identity, CAIRN_PUBLIC_KEY_BYTES);
    }
    rc = proto__op_end(acct, rc);
    if (rc != CAIRN_OK) {
        cairn__free_secret(acct->ctx, res.body, res.len);
        return rc;
    }
    *out = res;
    return CAIRN_OK;
}

int cairn_session_exists(cairn_account *acct, const cairn_address *peer)
{
    signal_protocol_address a;
    int r;
    if (acct == NULL || proto__check_address(peer) != CAIRN_OK)
        return 0;
    a = proto__sg_address(peer);
    proto__lock(acct);
    r = signal_protocol_session_contains_session(acct->sgstore, &a);
    proto__unlock(acct);
    return r == 1;
}

cairn_status cairn_session_delete(cairn_account *acct, const cairn_address *peer)
{
    signal_protocol_address a;
    cairn_status rc;
    int r;
    if (acct == NULL || proto__check_address(peer) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    a = proto__sg_address(peer);
    rc = proto__op_begin(acct);
    if (rc != CAIRN_OK)
        return rc;
    r = signal_protocol_session_delete_session(acct->sgstore, &a);
    return proto__op_end(acct, r < 0 ? proto__map_signal(acct, r) : CAIRN_OK);
}

cairn_status cairn_message_get(cairn_account *acct, const char *conversation, const char *msg_id,
                               uint8_t **body, size_t *len, char *sender, size_t sender_cap)
{
    char row[CAIRN_URI_MAX + CAIRN_MSGID_MAX + 2];
    sqlite3_stmt *st;
    cairn_status rc;
    int step;
    if (acct == NULL || conversation == NULL || msg_id == NULL || body == NULL || len == NULL ||
        strlen(conversation) > CAIRN_URI_MAX || strlen(msg_id) > CAIRN_MSGID_MAX)
        return CAIRN_ERR_INVALID_ARG;
    snprintf(row, sizeof(row), "%s|%s", conversation, msg_id);
    proto__lock(acct);
    st = store__stmt(acct->store, STORE_STMT_MSG_GET);
    if (st == NULL) {
        proto__unlock(acct);
        return CAIRN_ERR_STORE;
    }
    sqlite3_bind_text(st, 1, conversation, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, msg_id, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        rc = CAIRN_ERR_NOT_FOUND;
    } else if (step != SQLITE_ROW) {
        rc = store__status(acct->store, step);
    } else {
        const char *s = (const char *)sqlite3_column_text(st, 1);
        rc = CAIRN_OK;
        if (sender != NULL) {
            if (s == NULL || strlen(s) >= sender_cap)
                rc = CAIRN_ERR_TOO_LARGE;
            else
                memcpy(sender, s, strlen(s) + 1);
        }
        if (rc == CAIRN_OK)
            rc = store__column_unsealed(acct->store, st, 5, "messages", row, body, len);
    }
    sqlite3_reset(st);
    proto__unlock(acct);
    return rc;
}

void cairn_ciphertext_clear(cairn_account *acct, cairn_ciphertext *ct)
{
    if (acct == NULL || ct == NULL)
        return;
    cairn__free_secret(acct->ctx, ct->data, ct->len);
    memset(ct, 0, sizeof(*ct));
}

void cairn_plaintext_clear(cairn_account *acct, cairn_plaintext *pt)
{
    if (acct == NULL || pt == NULL)
        return;
    cairn__free_secret(acct->ctx, pt->body, pt->len);
    sodium_memzero(pt, sizeof(*pt));
}
