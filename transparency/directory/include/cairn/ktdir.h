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

/* ------------------------------------------------------ label owner */

#define CAIRN_KT_MAX_HISTORY 32       /* owner updates right of start */
#define CAIRN_KT_MAX_UPDATE_VALUES 255 /* new versions in one UpdateResponse */
#define CAIRN_KT_OWNER_MAX_LADDERS 16  /* server default per owner walk */

/* What a label owner keeps between operations (draft "Owner Algorithm"
 * and "Updating a Label"; spec KT-OWN-*, KT-UPD-*). Written only by the
 * cairn_kt_verify_owner_init / _update / _owner_monitor functions; persist
 * it with cairn_kt_owner_state_encode/decode. Since 0.2.
 * - start: the rightmost distinguished log entry verified for this label.
 * - start_version: the greatest version at `start` (absent: none).
 * - greatest / greatest_pos: the greatest version the owner knows and the
 *   log entry it was inserted at (set to `start` at initialization).
 * - history: (position, greatest version from then on) for each update
 *   processed right of `start`, ascending; folded into start_version as
 *   owner monitoring advances `start`.
 * - entries: the contact-monitoring map for versions inserted at entries
 *   that were not distinguished (ascending position).
 * - keys: VRF outputs (and commitments of existing versions) the owner
 *   needs for the ladders of the versions above. */
typedef struct cairn_kt_owner_state {
    uint8_t label[CAIRN_KT_MAX_LABEL];
    size_t label_len;
    uint64_t start;
    bool has_start_version;
    uint32_t start_version;
    bool has_greatest;
    uint32_t greatest;
    uint64_t greatest_pos;
    size_t n_history;
    cairn_kt_monitor_entry history[CAIRN_KT_MAX_HISTORY];
    size_t n_entries;
    cairn_kt_monitor_entry entries[CAIRN_KT_MAX_MONITOR];
    size_t n_keys;
    cairn_kt_version_key keys[CAIRN_KT_MAX_KEYS];
} cairn_kt_owner_state;

/* A byte string the caller owns (or, in results, one inside the response
 * buffer or the caller's request values). */
typedef struct cairn_kt_value {
    const uint8_t *data;
    size_t len;
} cairn_kt_value;

/* Result of a verified UpdateResponse. */
typedef struct cairn_kt_update_result {
    uint64_t position;       /* log entry holding the new versions */
    uint32_t first_version;  /* first new version */
    uint32_t n_versions;     /* how many (first..first+n-1) */
    bool distinguished;      /* position distinguished in the current tree */
    /* true: the versions are NOT the ones the owner asked for: the log
     * disclosed versions created by someone else (draft: non-empty
     * UpdateResponse.values). The application MUST alert the user unless
     * it knows them (e.g. made on another device of the same owner). */
    bool disclosed;
    cairn_kt_value values[CAIRN_KT_MAX_UPDATE_VALUES]; /* n_versions used */
} cairn_kt_update_result;

/* Result of a verified OwnerMonitorResponse. */
typedef struct cairn_kt_owner_monitor_result {
    /* true: every distinguished entry right of the old start was verified.
     * false: the log stopped early (its output limit, or a version newer
     * than the owner's greatest exists): fetch pending versions with an
     * UpdateResponse for state->greatest, then monitor again. */
    bool complete;
    size_t n_verified;       /* distinguished entries checked this time */
} cairn_kt_owner_monitor_result;

/* The rightmost distinguished entry of a verified view's frontier, the
 * natural `start` for owner initialization (distinguished status of a
 * frontier entry depends only on frontier timestamps). NOT_FOUND when no
 * entry is distinguished yet (INVALID_ARG for an empty view). Since 0.2. */
CAIRN_MUST_CHECK cairn_status cairn_kt_owner_start(const cairn_kt_config *cfg,
                                                   const cairn_kt_view *view,
                                                   uint64_t *start);

/* Verifies an OwnerInitResponse for (label, start) against the retained
 * view `old` and writes a fresh owner state (greatest = the greatest
 * version at start, if any) and the new view. Versions created after
 * `start` are then learnt one log entry at a time with UpdateResponses
 * (cairn_kt_verify_update with no request values). All-or-nothing.
 * Errors as cairn_kt_verify_search; CAIRN_ERR_PROOF also when start is
 * not distinguished or the claimed greatest versions do not hold. Since 0.2. */
CAIRN_MUST_CHECK cairn_status cairn_kt_verify_owner_init(
    const cairn_context *ctx, const cairn_kt_config *cfg,
    const cairn_kt_view *old, const uint8_t *label, size_t label_len,
    uint64_t start, const uint8_t *resp, size_t resp_len, int64_t now_ms,
    cairn_kt_view *out_view, cairn_kt_owner_state *out_state);

/* Verifies an UpdateResponse for the owner state `st` (the request must
 * have carried st->greatest as greatest_version). req/n_req: the values
 * the owner asked to publish (n_req 0: only learn existing versions). On
 * success writes the new view, the new owner state (greatest advanced,
 * contact-monitoring entry added when the position is not distinguished)
 * and *res (values point into resp or into req). out_state may equal st.
 * Errors: CAIRN_ERR_PROOF for anything inconsistent (position not right of
 * the owner's last update or start, wrong counts, a version above the
 * owner's greatest in the previous tree, a new version missing, openings
 * that do not match the values), CAIRN_ERR_LIMIT (state full: monitor
 * first), others as cairn_kt_verify_search. Since 0.2. */
CAIRN_MUST_CHECK cairn_status cairn_kt_verify_update(
    const cairn_context *ctx, const cairn_kt_config *cfg,
    const cairn_kt_view *old, const cairn_kt_owner_state *st,
    const cairn_kt_value *req, size_t n_req, const uint8_t *resp,
    size_t resp_len, int64_t now_ms, cairn_kt_view *out_view,
    cairn_kt_owner_state *out_state, cairn_kt_update_result *res);

/* Verifies an OwnerMonitorResponse for the owner state `st` (the request
 * carried st->entries, st->start and st->greatest). A version the log
 * dropped or rolled back, or one the owner never processed, is
 * CAIRN_ERR_PROOF; timestamps going backwards CAIRN_ERR_STALE. On success
 * advances start to the rightmost distinguished entry verified and moves
 * or retires contact-monitoring entries. out_state may equal st. Since 0.2. */
CAIRN_MUST_CHECK cairn_status cairn_kt_verify_owner_monitor(
    const cairn_context *ctx, const cairn_kt_config *cfg,
    const cairn_kt_view *old, const cairn_kt_owner_state *st,
    const uint8_t *resp, size_t resp_len, int64_t now_ms,
    cairn_kt_view *out_view, cairn_kt_owner_state *out_state,
    cairn_kt_owner_monitor_result *res);

/* Serialized owner state (spec KT-OWN-9, versioned, self-checking
 * counts). encode allocates *out (cairn_free). decode writes *out only
 * when the whole input is valid: CAIRN_ERR_DECODE / ERR_VERSION /
 * ERR_TOO_LARGE otherwise. Since 0.2. */
cairn_status cairn_kt_owner_state_encode(const cairn_context *ctx,
                                         const cairn_kt_owner_state *s,
                                         uint8_t **out, size_t *out_len);
CAIRN_MUST_CHECK cairn_status cairn_kt_owner_state_decode(
    const uint8_t *in, size_t len, cairn_kt_owner_state *out);

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
/* Staging with the VRF evaluated elsewhere (e.g. on worker threads), so
 * the thread that owns the directory does not spend ~130 us per update:
 *
 *   cairn_ktdir_next_version  (owner thread) the version the next update
 *                             of label would get: staged ones included.
 *   cairn_ktdir_vrf_output    (ANY thread, concurrently with everything
 *                             else on dir except destroy) the 32-byte VRF
 *                             output for (label, version) with the
 *                             directory's key (spec KT-VRF-1).
 *   cairn_ktdir_update_with_vrf (owner thread) cairn_ktdir_update that
 *                             uses vrf_output when vrf_version is the
 *                             version assigned now, and recomputes it
 *                             otherwise (a racing update of the label).
 *
 * The output is NOT verified (that would cost more than computing it): it
 * MUST come from cairn_ktdir_vrf_output of this directory. A wrong output
 * publishes an entry whose search proofs no client accepts.
 * Errors: INVALID_ARG (NULL pointers, lengths), and those of
 * cairn_ktdir_update. No pointer is kept. Since 0.3. */
cairn_status cairn_ktdir_next_version(const cairn_ktdir *dir,
                                      const uint8_t *label, size_t label_len,
                                      uint32_t *version);
cairn_status cairn_ktdir_vrf_output(const cairn_ktdir *dir,
                                    const uint8_t *label, size_t label_len,
                                    uint32_t version,
                                    uint8_t out[CAIRN_KT_HASH_LEN]);
cairn_status cairn_ktdir_update_with_vrf(
    cairn_ktdir *dir, const uint8_t *label, size_t label_len,
    const uint8_t *value, size_t value_len, uint32_t vrf_version,
    const uint8_t vrf_output[CAIRN_KT_HASH_LEN], uint32_t *version);
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

/* OwnerInitResponse for (last, label, start). start must be a
 * distinguished entry (INVALID_ARG otherwise); the label may not exist
 * yet (a new owner). Since 0.2. */
cairn_status cairn_ktdir_owner_init(cairn_ktdir *dir, bool has_last,
                                    uint64_t last, const uint8_t *label,
                                    size_t label_len, uint64_t start,
                                    uint8_t **out, size_t *out_len);
/* OwnerMonitorResponse for the owner's request: its contact-monitoring
 * entries, start and greatest version (has_greatest false: none).
 * max_ladders bounds the distinguished entries checked (0: default
 * CAIRN_KT_OWNER_MAX_LADDERS). The walk stops before an entry holding a
 * version newer than `greatest`. Errors: INVALID_ARG for a request the
 * draft says to reject (unsorted or duplicate entries, entries off the
 * direct path of their version, start beyond the tree, greatest absent or
 * below the version at start, greatest above the label's). Since 0.2. */
cairn_status cairn_ktdir_owner_monitor(cairn_ktdir *dir, bool has_last,
                                       uint64_t last, const uint8_t *label,
                                       size_t label_len,
                                       const cairn_kt_monitor_entry *entries,
                                       size_t n_entries, uint64_t start,
                                       bool has_greatest, uint32_t greatest,
                                       size_t max_ladders, uint8_t **out,
                                       size_t *out_len);
/* The rightmost distinguished entry of the published tree: a `start` the
 * server can suggest to a new owner that holds no view yet (the owner's
 * verification still checks that it is distinguished). NOT_FOUND when no
 * entry is distinguished yet, STATE for an empty tree. Since 0.2. */
cairn_status cairn_ktdir_owner_start(const cairn_ktdir *dir, uint64_t *start);
/* UpdateResponse for the versions of `label` created in the log entry
 * that holds version greatest+1 (0 when has_greatest is false), all of
 * them. Call it after cairn_ktdir_commit published the owner's update.
 * owner_start: the owner's current start (the `start` of its last
 * OwnerMonitorRequest or initialization; spec DEVIATION-7).
 * echo_values false: UpdateResponse.values is empty, telling the owner
 * that exactly its requested values were created there; true: the values
 * are disclosed (versions the owner did not ask for, or a request with no
 * values). Errors: NOT_FOUND (no version), INVALID_ARG (greatest is
 * already the latest, or not the last version of its entry, or the owner
 * start is not left of the entry), LIMIT (more new versions than one
 * response can carry). Since 0.2. */
cairn_status cairn_ktdir_update_response(cairn_ktdir *dir, bool has_last,
                                         uint64_t last, const uint8_t *label,
                                         size_t label_len, bool has_greatest,
                                         uint32_t greatest,
                                         uint64_t owner_start,
                                         bool echo_values, uint8_t **out,
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

/* A LogEntry as the auditor persists it: timestamp (u64, big endian) ||
 * prefix-tree root (32 bytes). */
#define CAIRN_KT_AUDIT_ENTRY_BYTES 40

/* Resumes a fresh auditor (tree size 0) at the state it reaches after
 * verifying the n LogEntries `entries` (n * CAIRN_KT_AUDIT_ENTRY_BYTES
 * bytes, positions 0..n-1), without their AuditorUpdates. The caller vouches
 * that an auditor of the same configuration verified exactly these entries
 * (cairn-audit persists them only after a verified poll): the prefix-tree
 * transitions are not re-checked, the log tree is rebuilt from them.
 * Errors: INVALID_ARG, STATE (not fresh), LIMIT (n >= 2^62), CORRUPT
 * (timestamps go backwards, which process() never accepts); on error the
 * auditor is unchanged. Borrowed input; nothing allocated. */
CAIRN_MUST_CHECK cairn_status cairn_kt_auditor_resume(cairn_kt_auditor *a,
                                                      const uint8_t *entries,
                                                      uint64_t n);
/* Encoded AuditorTreeHead for the current state (allocated). */
cairn_status cairn_kt_auditor_sign_head(cairn_kt_auditor *a, uint8_t **out,
                                        size_t *out_len);

/* Serialized view (spec KT-VIEW-4): what a client or owner retains, for
 * persistence. The root is not stored: decode recomputes it from the full
 * subtrees and re-derives frontier positions from the tree size, so a
 * decoded view is self-consistent. encode allocates *out (cairn_free);
 * INVALID_ARG for a view whose frontier does not fit its size. decode
 * writes *out only on success (DECODE, VERSION, TOO_LARGE). Since 0.2. */
cairn_status cairn_kt_view_encode(const cairn_context *ctx,
                                  const cairn_kt_view *view, uint8_t **out,
                                  size_t *out_len);
CAIRN_MUST_CHECK cairn_status cairn_kt_view_decode(const uint8_t *in,
                                                   size_t len,
                                                   cairn_kt_view *out);

/* Log root value at tree_size; for tools and tests. */
void cairn_kt_view_root(const cairn_kt_view *v, uint8_t out[32]);

#ifdef __cplusplus
}
#endif
#endif
