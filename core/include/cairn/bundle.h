/*
 * bundle.h - pre-key bundles in Cairn's JSON format (spec/prekey-bundle.md).
 *
 * Export produces what a device uploads to the relay: its identity key,
 * registration id, signed pre-key and all unused one-time pre-keys.
 * Processing takes one fetched bundle for one peer device (at most one
 * one-time pre-key) and starts a session with it (X3DH).
 *
 * Ownership: *json is allocated by the library, NUL-terminated, and freed
 * by the caller with cairn_free(ctx, json, len).
 */
#ifndef CAIRN_BUNDLE_H
#define CAIRN_BUNDLE_H

#include "account.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Upper bound on a bundle document this library accepts, in bytes. */
#define CAIRN_BUNDLE_MAX_BYTES (64u * 1024u)

/* The upload document ("cairn-keys/1"). Since 0.1. */
CAIRN_EXPORT cairn_status cairn_bundle_export(cairn_account *acct, char **json, size_t *len);

/* Starts a session with `peer` from a fetched bundle ("cairn-bundle/1").
 * Every public key is checked first (canonical, not of low order) and the
 * signed pre-key's signature is verified.
 * Errors: CAIRN_ERR_DECODE / CAIRN_ERR_TOO_LARGE (bad JSON),
 * CAIRN_ERR_BAD_PUBLIC_KEY, CAIRN_ERR_BAD_SIGNATURE,
 * CAIRN_ERR_IDENTITY_CHANGED (the bundle's identity key differs from the
 * one stored for this user: nothing is changed; accept the new key with
 * cairn_identity_accept first). Since 0.1. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status cairn_bundle_process(cairn_account *acct,
                                                                const cairn_address *peer,
                                                                const char *json, size_t len);

/* Builds a fetched-bundle document for one of this account's one-time
 * pre-keys (pre_key_id 0: none), as the relay would serve it. Used by
 * tests and by the in-process demo. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_bundle_for_peer(cairn_account *acct, uint32_t pre_key_id,
                                                char **json, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
