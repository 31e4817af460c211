/*
 * protocol.h - internals shared by the files of core/protocol: the account
 * structure, the libsignal glue and helpers every operation uses.
 *
 * Locking: every public entry point takes acct->lock (recursive, so
 * libsignal's own lock callbacks can take it again) and releases it
 * before returning.
 *
 * Transactions: every public operation that writes runs in one store
 * transaction (store__begin .. store__commit) and rolls back on any
 * failure, including failures libsignal reports after it already called
 * a store callback. Inside a caller's batch the same calls are savepoints.
 *
 * Store callbacks cannot return our status codes through libsignal, so
 * they record the first failure in acct->cb_status; proto__map_signal
 * prefers it over libsignal's generic error.
 */
#ifndef CAIRN_PROTOCOL_H
#define CAIRN_PROTOCOL_H

#include <pthread.h>
#include <string.h>

#include <signal/signal_protocol.h>
#include <signal/curve.h>

#include "cairn/cairn.h"
#include "base.h"
#include "store.h"

struct cairn_account {
    cairn_context *ctx;
    cairn__store *store;
    signal_context *sg;
    signal_protocol_store_context *sgstore;
    pthread_mutex_t lock;
    int have_identity;
    char uri[CAIRN_URI_MAX + 1];
    uint32_t device;
    uint32_t registration_id;
    uint8_t identity_pub[CAIRN_PUBLIC_KEY_BYTES];
    uint8_t identity_priv[32];
    int in_batch;
    /* set by store callbacks: see the file comment */
    cairn_status cb_status;
    /* identity key offered by a peer that is_trusted_identity refused */
    int has_offered_identity;
    uint8_t offered_identity[CAIRN_PUBLIC_KEY_BYTES];
    char last_error[256];
};

/* account.c */
void proto__lock(cairn_account *acct);
void proto__unlock(cairn_account *acct);
/* Records a message for cairn_account_last_error and returns rc. */
cairn_status proto__fail(cairn_account *acct, cairn_status rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
cairn_status proto__map_signal(cairn_account *acct, int sg_rc);
/* Begins an operation: lock + transaction + reset of callback state. */
cairn_status proto__op_begin(cairn_account *acct);
/* Ends it: commit when rc == CAIRN_OK (a failed commit becomes rc),
 * otherwise roll back; unlocks; returns the final status. */
cairn_status proto__op_end(cairn_account *acct, cairn_status rc);
cairn_status proto__check_uri(const char *uri);
cairn_status proto__check_address(const cairn_address *a);

/* signal_store.c */
cairn_status proto__install_stores(cairn_account *acct);

/* keys.c */
/* Checks a serialized public key (0x05 || 32 bytes): canonical encoding
 * and not of small order. */
CAIRN_MUST_CHECK cairn_status proto__check_public_key(const uint8_t *key, size_t len);
CAIRN_MUST_CHECK cairn_status proto__check_ec_key(const ec_public_key *key);
cairn_status proto__load_identity(cairn_account *acct);
cairn_status proto__generate_prekeys(cairn_account *acct, unsigned count);
cairn_status proto__generate_signed_prekey(cairn_account *acct);
/* keys.c: installs an identity and ends the caller's operation (create
 * and import share it). */
cairn_status proto__install_identity(cairn_account *acct, const char *uri, uint32_t device,
                                     const uint8_t pub[33], const uint8_t priv[32],
                                     uint32_t regid);

/* session.c */
cairn_status proto__pad(cairn_account *acct, const uint8_t *in, size_t len, uint8_t **out,
                        size_t *out_len);
CAIRN_MUST_CHECK cairn_status proto__unpad(const uint8_t *in, size_t len, size_t *out_len);
/* Decrypts a 1:1 message inside the current transaction; *pt is a
 * libsignal buffer with the PADDED plaintext (free with
 * signal_buffer_bzero_free). */
CAIRN_MUST_CHECK cairn_status proto__decrypt_raw(cairn_account *acct, const cairn_address *from,
                                                 cairn_message_type type, const uint8_t *data,
                                                 size_t len, signal_buffer **pt);
/* Encrypts inside the current transaction (pads first). */
CAIRN_MUST_CHECK cairn_status proto__encrypt_raw(cairn_account *acct, const cairn_address *peer,
                                                 const uint8_t *pt, size_t len,
                                                 cairn_ciphertext *out);
/* Resolves the conversation and message id for a received message, then
 * refuses duplicates and stores the unpadded body. */
cairn_status proto__store_received(cairn_account *acct, const char *conversation, int kind,
                                   const cairn_address *from, const char *msg_id, int64_t sent_ms,
                                   signal_buffer *padded, cairn_plaintext *out);
cairn_status proto__message_id(const cairn_message_meta *meta, const uint8_t *ct, size_t len,
                               char id[CAIRN_MSGID_MAX + 1]);
cairn_status proto__check_not_seen(cairn_account *acct, const char *conversation,
                                   const char *msg_id);

static inline signal_protocol_address proto__sg_address(const cairn_address *a)
{
    signal_protocol_address s;
    s.name = a->uri;
    s.name_len = strlen(a->uri);
    s.device_id = (int32_t)a->device;
    return s;
}

#endif
