/*
 * session.h - 1:1 Signal-protocol sessions (X3DH + Double Ratchet, via
 * libsignal-protocol-c) between this device and a peer device.
 *
 * What this layer adds to libsignal (spec/core-sessions.md):
 *  - Atomic decrypt: the ratchet step, any identity save and the write of
 *    the plaintext into the message table are one SQLite transaction that
 *    rolls back on any failure, so a forged message leaves no trace.
 *  - Identity changes are CAIRN_ERR_IDENTITY_CHANGED; only
 *    cairn_identity_accept() trusts a new key.
 *  - Public keys in every message are checked (canonical encoding, not of
 *    low order) before libsignal sees them.
 *  - Plaintext is padded inside the ciphertext to a multiple of 160 bytes
 *    (CAIRN_PAD_BUCKET) and unpadded on decrypt.
 *  - A replayed or duplicate message is CAIRN_ERR_DUPLICATE and changes
 *    nothing.
 *  - Bounded state. libsignal-protocol-c caps a session record at 40
 *    archived states, 5 receiver chains, and 2000 skipped message keys per
 *    chain, and refuses a message more than 2000 steps ahead in its chain.
 *    On top, Cairn refuses to store any record larger than
 *    CAIRN_SESSION_RECORD_MAX bytes (the message is then rejected with
 *    CAIRN_ERR_LIMIT and nothing changes).
 *
 * Ownership: cairn_ciphertext and cairn_plaintext contents are allocated by
 * the library; release them with cairn_ciphertext_clear /
 * cairn_plaintext_clear (which wipe). Addresses and inputs are borrowed.
 */
#ifndef CAIRN_SESSION_H
#define CAIRN_SESSION_H

#include "account.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_PAD_BUCKET 160
#define CAIRN_SESSION_RECORD_MAX (256u * 1024u)
/* Largest plaintext accepted for encryption. */
#define CAIRN_PLAINTEXT_MAX (1024u * 1024u)
/* Largest message id (bytes) the caller may give. */
#define CAIRN_MSGID_MAX 128

typedef enum cairn_message_type {
    CAIRN_MSG_PREKEY = 1,     /* first message(s) of a session: PreKeySignalMessage */
    CAIRN_MSG_NORMAL = 2,     /* SignalMessage */
    CAIRN_MSG_SENDER_KEY = 3, /* group message under a sender key */
    CAIRN_MSG_DISTRIBUTION = 4 /* sender-key distribution, wrapped in a 1:1 message */
} cairn_message_type;

typedef struct cairn_ciphertext {
    cairn_message_type type;
    uint8_t *data;
    size_t len;
} cairn_ciphertext;

/* What decrypt hands back. `body` is the unpadded plaintext; `msg_id` the
 * id it was stored under (the caller's, or derived from the ciphertext). On
 * CAIRN_ERR_IDENTITY_CHANGED, new_identity holds the key the peer now
 * presents (has_new_identity = 1) so the app can verify and accept it. */
typedef struct cairn_plaintext {
    uint8_t *body;
    size_t len;
    char msg_id[CAIRN_MSGID_MAX + 1];
    int has_new_identity;
    uint8_t new_identity[CAIRN_PUBLIC_KEY_BYTES];
} cairn_plaintext;

/* Optional metadata for decrypt: the conversation the message belongs to
 * (default: the sender's URI), the transport's message id (default: hex of
 * the first 16 bytes of SHA-256 of the ciphertext) and the sender's
 * timestamp. Duplicates are detected per (conversation, msg_id). */
typedef struct cairn_message_meta {
    const char *conversation;
    const char *msg_id;
    int64_t sent_ms;
} cairn_message_meta;

/* Encrypts for `peer`; a session must exist (cairn_bundle_process or a
 * received pre-key message). CAIRN_ERR_NO_SESSION otherwise.
 * CAIRN_ERR_IDENTITY_CHANGED if the stored identity for the peer is no
 * longer trusted. Since 0.1. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status cairn_session_encrypt(cairn_account *acct,
                                                                 const cairn_address *peer,
                                                                 const uint8_t *plaintext,
                                                                 size_t len,
                                                                 cairn_ciphertext *out);

/* Decrypts a message from `from` and stores its plaintext, atomically.
 * Output is written only on CAIRN_OK (and new_identity on
 * CAIRN_ERR_IDENTITY_CHANGED). Errors: CAIRN_ERR_DUPLICATE,
 * CAIRN_ERR_INVALID_MESSAGE (failed authentication or malformed),
 * CAIRN_ERR_BAD_PUBLIC_KEY, CAIRN_ERR_NO_SESSION, CAIRN_ERR_IDENTITY_CHANGED,
 * CAIRN_ERR_DECODE (bad padding), CAIRN_ERR_LIMIT, CAIRN_ERR_TOO_LARGE.
 * meta may be NULL. Since 0.1. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status
cairn_session_decrypt(cairn_account *acct, const cairn_address *from, cairn_message_type type,
                      const uint8_t *data, size_t len, const cairn_message_meta *meta,
                      cairn_plaintext *out);

/* 1 if a session with the peer exists, 0 if not. Since 0.1. */
CAIRN_EXPORT int cairn_session_exists(cairn_account *acct, const cairn_address *peer);

/* Deletes the session with one device (session reset); the next message
 * needs a fresh bundle. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_session_delete(cairn_account *acct, const cairn_address *peer);

/* Trusts `key` as the identity of user `uri` from now on (after the user
 * or key transparency vouched for it) and drops the sessions made under
 * the old key. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_identity_accept(cairn_account *acct, const char *uri,
                                                const uint8_t key[CAIRN_PUBLIC_KEY_BYTES]);

/* The identity key stored for `uri` and whether it was marked verified.
 * CAIRN_ERR_NOT_FOUND if none. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_identity_get(cairn_account *acct, const char *uri,
                                             uint8_t key[CAIRN_PUBLIC_KEY_BYTES], int *verified);

/* Marks the stored identity of `uri` verified (1) or not (0), e.g. after
 * comparing safety numbers. Cleared automatically when the key changes.
 * Since 0.1. */
CAIRN_EXPORT cairn_status cairn_identity_set_verified(cairn_account *acct, const char *uri,
                                                      int verified);

/* Reads back a stored message body (for apps and tests); *body is freed
 * with cairn_free. CAIRN_ERR_NOT_FOUND if absent. Since 0.1. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status cairn_message_get(cairn_account *acct,
                                                             const char *conversation,
                                                             const char *msg_id, uint8_t **body,
                                                             size_t *len, char *sender,
                                                             size_t sender_cap);

CAIRN_EXPORT void cairn_ciphertext_clear(cairn_account *acct, cairn_ciphertext *ct);
CAIRN_EXPORT void cairn_plaintext_clear(cairn_account *acct, cairn_plaintext *pt);

#ifdef __cplusplus
}
#endif
#endif
