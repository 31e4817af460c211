/*
 * account.h - an account: one device's identity, keys and encrypted store.
 *
 * An account handle owns an SQLite database (a file, or memory) whose
 * secret columns are sealed under the 32-byte storage key the app supplies
 * (a mobile app keeps it in the platform keystore). All session, group and
 * key functions take the account they act on.
 *
 * Threading: an account may be used from several threads; calls are
 * serialised by the account's own lock. Two accounts never share state.
 *
 * Ownership: strings and buffers returned by these functions are
 * allocated with the context's allocator and released by the caller with
 * cairn_free(ctx, p, len). Inputs are copied; nothing is retained past the
 * call unless said otherwise.
 */
#ifndef CAIRN_ACCOUNT_H
#define CAIRN_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "export.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_STORAGE_KEY_BYTES 32
/* Serialized Curve25519 public key: 0x05 type byte + 32 bytes. */
#define CAIRN_PUBLIC_KEY_BYTES 33
/* One-time pre-keys are generated in batches of this size ... */
#define CAIRN_PREKEY_BATCH 100
/* ... whenever fewer than this many remain. */
#define CAIRN_PREKEY_LOW_WATER 10
/* Default age after which the signed pre-key is rotated (7 days). */
#define CAIRN_SIGNED_PREKEY_MAX_AGE_MS (7LL * 24 * 3600 * 1000)
/* Maximum length of a user URI, in bytes. */
#define CAIRN_URI_MAX 256

CAIRN_EXPORT size_t cairn_storage_key_bytes(void);
CAIRN_EXPORT size_t cairn_public_key_bytes(void);

typedef struct cairn_account cairn_account;

/* A peer device: a user URI (sip:/tel:, at most CAIRN_URI_MAX bytes) and
 * a device id >= 1. Borrowed by every call that takes it. */
typedef struct cairn_address {
    const char *uri;
    uint32_t device;
} cairn_address;

typedef enum cairn_durability {
    /* fsync at every commit: a result reported is on disk (default) */
    CAIRN_DURABILITY_FULL = 0,
    /* survives a crash of the app, may lose the last commits on power loss */
    CAIRN_DURABILITY_PROCESS = 1
} cairn_durability;

typedef struct cairn_account_options {
    size_t size; /* sizeof(cairn_account_options) */
    cairn_durability durability;
} cairn_account_options;

/* Opens (creating if needed) the account stored at `path`; NULL path keeps
 * everything in memory (tests, benchmarks). `key` is the storage key.
 * options may be NULL. A new store has no identity until
 * cairn_account_create_identity().
 * Errors: CAIRN_ERR_BAD_KEY (store was created with another key),
 * CAIRN_ERR_CORRUPT (not a Cairn store, or damaged), CAIRN_ERR_VERSION
 * (written by a newer library), CAIRN_ERR_IO, CAIRN_ERR_NOMEM.
 * The account keeps a pointer to ctx. Since 0.1. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status
cairn_account_open(cairn_context *ctx, const char *path, const uint8_t key[CAIRN_STORAGE_KEY_BYTES],
                   const cairn_account_options *options, cairn_account **out);

/* Closes the account and wipes its keys from memory; NULL is a no-op. */
CAIRN_EXPORT void cairn_account_close(cairn_account *acct);

/* Creates this device's identity: identity key pair, registration id, a
 * signed pre-key and CAIRN_PREKEY_BATCH one-time pre-keys, and records the
 * account's own address. CAIRN_ERR_EXISTS if the store already has one.
 * Since 0.1. */
CAIRN_EXPORT cairn_status cairn_account_create_identity(cairn_account *acct, const char *uri,
                                                        uint32_t device);

/* Installs an identity made by another device of the same account (what
 * device linking delivers): the account's identity key pair, the account's
 * URI and this device's id, then makes a fresh registration id, signed
 * pre-key and CAIRN_PREKEY_BATCH one-time pre-keys, exactly as
 * cairn_account_create_identity does for a new account. private_key is
 * the 32-byte X25519 scalar. The keys are copied into the encrypted
 * store; the caller keeps ownership of its buffers and should wipe
 * private_key afterwards. Errors:
 * CAIRN_ERR_INVALID_ARG (NULL, bad URI, device 0 or above 2^31-1, or a
 * private key that is not the public key's other half),
 * CAIRN_ERR_BAD_PUBLIC_KEY (not 0x05 + a canonical, non-small-order
 * point), CAIRN_ERR_EXISTS (the store already has an identity; nothing is
 * changed), CAIRN_ERR_STORE / CAIRN_ERR_CRYPTO (nothing is kept). Since
 * 0.1. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status cairn_account_import_identity(
    cairn_account *acct, const char *uri, uint32_t device,
    const uint8_t public_key[CAIRN_PUBLIC_KEY_BYTES],
    const uint8_t private_key[32]);

/* Reads the identity: own address (uri copied into the caller's buffer of
 * uri_cap bytes, NUL-terminated), public identity key, registration id.
 * Any output pointer may be NULL. CAIRN_ERR_NOT_FOUND before
 * cairn_account_create_identity. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_account_identity(cairn_account *acct, char *uri, size_t uri_cap,
                                                 uint32_t *device,
                                                 uint8_t public_key[CAIRN_PUBLIC_KEY_BYTES],
                                                 uint32_t *registration_id);

/* Number of unused one-time pre-keys. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_prekeys_count(cairn_account *acct, unsigned *count);

/* Generates a batch of CAIRN_PREKEY_BATCH one-time pre-keys if fewer than
 * CAIRN_PREKEY_LOW_WATER remain; *generated (may be NULL) says how many.
 * Since 0.1. */
CAIRN_EXPORT cairn_status cairn_prekeys_replenish(cairn_account *acct, unsigned *generated);

/* Rotates the signed pre-key if the current one is older than max_age_ms
 * (force with 0). The previous signed pre-key stays usable for sessions in
 * flight until the next rotation; older ones are deleted. *rotated (may be
 * NULL) is 1 when a new key was made. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_signed_prekey_rotate(cairn_account *acct, int64_t max_age_ms,
                                                     int *rotated);

/* Group commit. Between begin and commit every operation on the account is
 * one transaction: nothing is durable, and no ciphertext from inside the
 * batch may be sent and no plaintext treated as received, until commit
 * returns CAIRN_OK. An operation that fails inside a batch undoes only its
 * own writes. cairn_account_batch_rollback undoes the whole batch.
 * Batches do not nest with each other. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_account_batch_begin(cairn_account *acct);
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status cairn_account_batch_commit(cairn_account *acct);
CAIRN_EXPORT void cairn_account_batch_rollback(cairn_account *acct);

/* The last detailed error message of this account, for humans (never
 * contains secrets or message content); "" if none. Valid until the next
 * call on the account. Since 0.1. */
CAIRN_EXPORT const char *cairn_account_last_error(const cairn_account *acct);

#ifdef __cplusplus
}
#endif
#endif
