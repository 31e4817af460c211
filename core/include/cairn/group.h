/*
 * group.h - group chats with sender keys (libsignal's group cipher).
 *
 * Each member device has its own sender key per group, distributed to the
 * other members inside their 1:1 sessions. A message is encrypted once and
 * decrypted by each member. Any membership change rotates the local
 * sender key: a fresh key is made and distributed only to the current
 * members, so a removed member cannot read what follows (every member
 * does this on its side when it learns of the change).
 *
 * Membership here is each device's local view; how changes are announced
 * is the client engine's concern (spec/core-groups.md).
 *
 * Ownership: an outbox is allocated by the library and released with
 * cairn_outbox_free. Inputs are borrowed.
 */
#ifndef CAIRN_GROUP_H
#define CAIRN_GROUP_H

#include "session.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_GROUP_ID_MAX 128
#define CAIRN_GROUP_MAX_MEMBERS 1000

/* Messages to send, one per recipient device, each already encrypted in
 * that device's 1:1 session (type CAIRN_MSG_PREKEY or CAIRN_MSG_NORMAL; the
 * transport marks them as distributions, see spec). */
typedef struct cairn_outbox_item {
    cairn_address to; /* uri owned by the outbox */
    cairn_ciphertext ct;
} cairn_outbox_item;

typedef struct cairn_outbox {
    size_t count;
    cairn_outbox_item *items;
} cairn_outbox;

/* Creates group `group_id` with the given member devices (not including
 * this device), makes this device's sender key and returns its
 * distribution to every member. Sessions with all members must exist.
 * CAIRN_ERR_EXISTS if the group exists. Since 0.1. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status cairn_group_create(cairn_account *acct,
                                                              const char *group_id,
                                                              const cairn_address *members,
                                                              size_t count, cairn_outbox *out);

/* Adds member devices (a new member is also sent the current key holders'
 * view: only this device's own key is sent here) and rotates. Since 0.1. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status cairn_group_add(cairn_account *acct,
                                                           const char *group_id,
                                                           const cairn_address *members,
                                                           size_t count, cairn_outbox *out);

/* Removes every device of user `uri` from the group, forgets the sender
 * keys received from that user, and rotates this device's sender key to
 * the remaining members. Since 0.1. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status cairn_group_remove(cairn_account *acct,
                                                              const char *group_id,
                                                              const char *uri, cairn_outbox *out);

/* Makes this device a member of an existing group (a group created by
 * someone else) with the given other members, without distributing yet;
 * then cairn_group_rotate distributes this device's key. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_group_join(cairn_account *acct, const char *group_id,
                                           const cairn_address *members, size_t count);

/* Leaves the group: deletes the group, its members and all its sender
 * keys from this device. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_group_leave(cairn_account *acct, const char *group_id);

/* Makes a fresh sender key and distributes it to all current members.
 * Since 0.1. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status cairn_group_rotate(cairn_account *acct,
                                                              const char *group_id,
                                                              cairn_outbox *out);

/* Receives a distribution: decrypts the 1:1 message from `from` and
 * installs the sender key it carries, atomically. The sender must be a
 * member (CAIRN_ERR_NOT_MEMBER otherwise). Since 0.1. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status
cairn_group_receive_distribution(cairn_account *acct, const char *group_id,
                                 const cairn_address *from, cairn_message_type type,
                                 const uint8_t *data, size_t len);

/* Encrypts once for the whole group (type CAIRN_MSG_SENDER_KEY). */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status cairn_group_encrypt(cairn_account *acct,
                                                               const char *group_id,
                                                               const uint8_t *plaintext,
                                                               size_t len, cairn_ciphertext *out);

/* Decrypts a group message from member `from` and stores it in the
 * group's conversation, atomically (same guarantees as
 * cairn_session_decrypt). CAIRN_ERR_NO_SESSION if no sender key from that
 * device is known (e.g. after removal). Since 0.1. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status cairn_group_decrypt(cairn_account *acct,
                                                               const char *group_id,
                                                               const cairn_address *from,
                                                               const uint8_t *data, size_t len,
                                                               const cairn_message_meta *meta,
                                                               cairn_plaintext *out);

/* Lists member devices; *members freed with cairn_group_members_free. */
CAIRN_EXPORT cairn_status cairn_group_members(cairn_account *acct, const char *group_id,
                                              cairn_address **members, size_t *count);
CAIRN_EXPORT void cairn_group_members_free(cairn_account *acct, cairn_address *members,
                                           size_t count);

CAIRN_EXPORT void cairn_outbox_free(cairn_account *acct, cairn_outbox *out);

#ifdef __cplusplus
}
#endif
#endif
