/*
 * ktdir.h - KEYTRANS key directory (draft-ietf-keytrans-protocol), cipher
 * suite KT_128_SHA256_Ed25519 only: the server-side directory, the client
 * verifier of search and monitor responses, and the third-party auditor.
 * Wire formats and every deviation from the draft: spec/keytrans.md.
 *
 * Ownership: structs declared here are plain values owned by the caller.
 * Byte buffers returned through (uint8_t **out, size_t *out_len) are
 * allocated with the context allocator; release them with cairn_free().
 * Handles (cairn_ktdir, cairn_kt_auditor) are created and destroyed in
 * pairs; destroy(NULL) is a no-op. Nothing keeps a pointer to caller
 * memory past the call except where stated (the store hooks' user data).
 *
 * Verification functions are all-or-nothing: their outputs (new view,
 * results) are written only when every check passed (KT-CLI-1).
 */
#ifndef CAIRN_KTDIR_H
#define CAIRN_KTDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/context.h"
#include "cairn/export.h"
#include "cairn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_KT_HASH_LEN 32
#define CAIRN_KT_MAX_LABEL 255
#define CAIRN_KT_MAX_VALUE (64u * 1024u)
#define CAIRN_KT_MAX_MONITOR 32   /* monitoring map entries per label */
#define CAIRN_KT_MAX_KEYS 128     /* remembered version keys per label */

typedef enum cairn_kt_mode {
    CAIRN_KT_MODE_CONTACT_MONITORING = 1,
    CAIRN_KT_MODE_THIRD_PARTY_AUDITING = 3
} cairn_kt_mode;

/* The draft's Configuration (the ciphersuite is fixed to 0x0002; the
 * optional maximum_lifetime is always absent: see spec DEVIATION-2). */
typedef struct cairn_kt_config {
    cairn_kt_mode mode;
    uint8_t signature_public_key[32];   /* Ed25519 */
    uint8_t vrf_public_key[32];         /* ECVRF-EDWARDS25519-SHA512-TAI */
    uint64_t max_auditor_lag;           /* auditing mode only */
    uint64_t auditor_start_pos;
    uint8_t auditor_public_key[32];
    uint64_t max_ahead;                 /* ms */
    uint64_t max_behind;                /* ms */
    uint64_t reasonable_monitoring_window; /* ms */
} cairn_kt_config;

/* --------------------------------------------------------- client state */

typedef struct cairn_kt_frontier_entry {
    uint64_t position;
    uint64_t timestamp;
    uint8_t prefix_root[CAIRN_KT_HASH_LEN];
} cairn_kt_frontier_entry;

/* What a client retains of the last verified tree head (draft section
 * "Updating Views of the Tree"). Zero-initialise for a new client. */
typedef struct cairn_kt_view {
    uint64_t tree_size;                         /* 0: never observed */
    uint8_t full_subtrees[64][CAIRN_KT_HASH_LEN]; /* popcount(tree_size) */
    size_t n_frontier;
    cairn_kt_frontier_entry frontier[64];
    uint64_t auditor_tree_size;                 /* auditing mode */
    uint64_t auditor_timestamp;
    uint8_t root[CAIRN_KT_HASH_LEN];            /* log root at tree_size */
} cairn_kt_view;

typedef struct cairn_kt_monitor_entry {
    uint64_t position;
    uint32_t version;
} cairn_kt_monitor_entry;

typedef struct cairn_kt_version_key {
    uint32_t version;
    uint8_t vrf_output[32];
    uint8_t commitment[32];
    uint8_t has_commitment;
} cairn_kt_version_key;

/* Per-label client state for contact monitoring: the VRF outputs and
 * commitments learnt in searches, and the monitoring map. */
typedef struct cairn_kt_label_state {
    uint8_t label[CAIRN_KT_MAX_LABEL];
    size_t label_len;
    size_t n_keys;
    cairn_kt_version_key keys[CAIRN_KT_MAX_KEYS];
    size_t n_entries;
    cairn_kt_monitor_entry entries[CAIRN_KT_MAX_MONITOR];
} cairn_kt_label_state;

/* Result of a verified search. `value` points into the caller's response
 * buffer (valid as long as it is). */
typedef struct cairn_kt_search_result {
    uint32_t version;
    const uint8_t *value;
    size_t value_len;
    uint64_t terminal;      /* terminal log entry of the search */
    bool must_monitor;      /* right of the rightmost distinguished entry */
} cairn_kt_search_result;

/* Verifies a SearchResponse (greatest-version when has_version is false,
 * else fixed-version) for `label` against the retained view `old` at local
 * time now_ms (negative: skip the clock bounds, for tools and fuzzing). On success writes *out_view (the new view to retain) and
 * *res, and when `state` is non-NULL merges the learnt version keys and,
 * if must_monitor, the monitoring map entry into it (state->label must be
 * the searched label or state->label_len 0 to initialise it). On failure
 * nothing is written. Errors: CAIRN_ERR_DECODE / ERR_TOO_LARGE (malformed),
 * CAIRN_ERR_PROOF (any proof inconsistency, fork, missing version),
 * CAIRN_ERR_BAD_SIGNATURE (tree head or auditor head), CAIRN_ERR_STALE
 * (timestamps going backwards, tree size not increasing, clock bounds),
 * CAIRN_ERR_NOT_FOUND (the response says the version does not exist),
 * CAIRN_ERR_LIMIT (label state full). Since 0.1. */
CAIRN_MUST_CHECK cairn_status cairn_kt_verify_search(
    const cairn_context *ctx, const cairn_kt_config *cfg,
    const cairn_kt_view *old, const uint8_t *label, size_t label_len,
    bool has_version, uint32_t version, const uint8_t *resp, size_t resp_len,
    int64_t now_ms, cairn_kt_view *out_view, cairn_kt_search_result *res,
    cairn_kt_label_state *state);

/* Verifies a ContactMonitorResponse for the monitoring map in *state (the
 * request must have carried exactly state->entries). On success writes the
 * new view and the updated state (entries moved up or removed). Errors as
 * cairn_kt_verify_search; a dropped or rolled-back version is
 * CAIRN_ERR_PROOF. Since 0.1. */
CAIRN_MUST_CHECK cairn_status cairn_kt_verify_monitor(
    const cairn_context *ctx, const cairn_kt_config *cfg,
    const cairn_kt_view *old, const cairn_kt_label_state *state,
    const uint8_t *resp, size_t resp_len, int64_t now_ms,
    cairn_kt_view *out_view, cairn_kt_label_state *out_state);

/* --------------------------------------------------------------- server */

typedef struct cairn_ktdir cairn_ktdir;

/* Persistence hooks. on_commit receives the encoded LogEntryRecord of each
 * new log entry (spec: "Persistence"); a store appends it. Returning
 * non-OK fails the commit (the entry is not published). */
typedef struct cairn_ktdir_store {
    void *ud;
    cairn_status (*on_commit)(void *ud, uint64_t position,
                              const uint8_t *record, size_t record_len);
} cairn_ktdir_store;

typedef struct cairn_ktdir_params {
    cairn_kt_mode mode;
    uint8_t signing_seed[32];   /* Ed25519 seed of the tree head key */
    uint8_t vrf_secret[32];     /* VRF secret key */
    uint64_t max_ahead, max_behind, reasonable_monitoring_window;
    uint64_t max_auditor_lag, auditor_start_pos;
    uint8_t auditor_public_key[32];
    size_t max_prefix_nodes;    /* 0: default 64M */
    const cairn_ktdir_store *store; /* may be NULL; copied */
} cairn_ktdir_params;

/* Creates an empty directory. Errors: INVALID_ARG, NOMEM, CRYPTO. */
CAIRN_MUST_CHECK cairn_status cairn_ktdir_create(const cairn_context *ctx,
                                                 const cairn_ktdir_params *p,
                                                 cairn_ktdir **out);
void cairn_ktdir_destroy(cairn_ktdir *dir);
/* The Configuration clients need to verify responses. */
void cairn_ktdir_get_config(const cairn_ktdir *dir, cairn_kt_config *cfg);
uint64_t cairn_ktdir_tree_size(const cairn_ktdir *dir);
/* Greatest version of a label in the published tree; NOT_FOUND if none. */
cairn_status cairn_ktdir_greatest(const cairn_ktdir *dir, const uint8_t *label,
                                  size_t label_len, uint32_t *version);

/* Stages a new version of label with value in the open batch (published
 * by the next commit). *version gets the version assigned. The opening is
 * drawn from the context RNG. Errors: INVALID_ARG (lengths), LIMIT
 * (2^32 versions), NOMEM. */
cairn_status cairn_ktdir_update(cairn_ktdir *dir, const uint8_t *label,
                                size_t label_len, const uint8_t *value,
                                size_t value_len, uint32_t *version);
/* Publishes the open batch as a new log entry with timestamp_ms (must not
 * go backwards: ERR_STALE) and signs the new tree head. */
cairn_status cairn_ktdir_commit(cairn_ktdir *dir, uint64_t timestamp_ms);

/* SearchResponse for (last, label, version). has_last false: the client
 * has no view; has_version false: greatest-version search. *out is
 * allocated (cairn_free). Errors: NOT_FOUND (label/version missing),
 * INVALID_ARG (last > tree size), STATE (auditing mode without an auditor
 * head, or empty tree). */
cairn_status cairn_ktdir_search(cairn_ktdir *dir, bool has_last,
                                uint64_t last, const uint8_t *label,
                                size_t label_len, bool has_version,
                                uint32_t version, uint8_t **out,
                                size_t *out_len);
/* ContactMonitorResponse for the given monitoring map. */
cairn_status cairn_ktdir_monitor(cairn_ktdir *dir, bool has_last,
                                 uint64_t last, const uint8_t *label,
                                 size_t label_len,
                                 const cairn_kt_monitor_entry *entries,
                                 size_t n_entries, uint8_t **out,
                                 size_t *out_len);

/* Encoded AuditorUpdate for log entry `position` (third-party auditing). */
cairn_status cairn_ktdir_auditor_update(cairn_ktdir *dir, uint64_t position,
                                        uint8_t **out, size_t *out_len);
/* Installs an encoded AuditorTreeHead (signature checked; ERR_BAD_SIGNATURE,
 * ERR_PROOF when it does not match the log). */
CAIRN_MUST_CHECK cairn_status cairn_ktdir_set_auditor_head(cairn_ktdir *dir,
                                                           const uint8_t *ath,
                                                           size_t ath_len);

/* Persistence: every committed entry as a sequence of LogEntryRecords (the
 * same records on_commit received); import replays them, recomputing and
 * checking the trees. Errors: DECODE, CORRUPT (records do not match). */
cairn_status cairn_ktdir_export(const cairn_ktdir *dir, uint8_t **out,
                                size_t *out_len);
CAIRN_MUST_CHECK cairn_status cairn_ktdir_import(cairn_ktdir *dir,
                                                 const uint8_t *records,
                                                 size_t len);

/* -------------------------------------------------------------- auditor */

typedef struct cairn_kt_auditor cairn_kt_auditor;

/* An auditor for cfg (must be auditing mode) signing with seed. */
CAIRN_MUST_CHECK cairn_status cairn_kt_auditor_create(
    const cairn_context *ctx, const cairn_kt_config *cfg,
    const uint8_t signing_seed[32], cairn_kt_auditor **out);
void cairn_kt_auditor_destroy(cairn_kt_auditor *a);
/* Verifies one AuditorUpdate (the next log entry) and advances. Errors:
 * DECODE, PROOF (transition does not match), STALE (timestamp backwards),
 * UNSUPPORTED (removals). On error the auditor state is unchanged. */
CAIRN_MUST_CHECK cairn_status cairn_kt_auditor_process(cairn_kt_auditor *a,
                                                       const uint8_t *upd,
                                                       size_t len);
uint64_t cairn_kt_auditor_tree_size(const cairn_kt_auditor *a);
/* Encoded AuditorTreeHead for the current state (allocated). */
cairn_status cairn_kt_auditor_sign_head(cairn_kt_auditor *a, uint8_t **out,
                                        size_t *out_len);

/* Log root value at tree_size; for tools and tests. */
void cairn_kt_view_root(const cairn_kt_view *v, uint8_t out[32]);

#ifdef __cplusplus
}
#endif
#endif
