/*
 * ktverify.h - the client side of Cairn's key transparency: a client's
 * view of the directory log as a handle that verifies every response
 * before it moves, serialises to a bounded blob the core keeps in its own
 * encrypted store, and a small libcurl client for cairn-kt (spec/kt-api.md)
 * and for gossiping tree heads to an auditor (cairn-audit).
 *
 * What a view holds: the draft's retained state (tree size, full-subtree
 * heads, frontier timestamps and prefix roots, auditor head size), the
 * last accepted timestamp, the last signed tree head (for gossip), and the
 * monitoring state (VRF outputs, commitments, monitoring map) of the
 * labels the client monitors (its own label and its contacts).
 *
 * Verification is all-or-nothing (KTV-1): a verify call either passes
 * every check and then moves the view, or fails and leaves the view
 * exactly as it was. A caller persists the view (cairn_ktv_serialize)
 * after every successful call.
 *
 * Ownership: handles from create/parse are the caller's (destroy(NULL) is
 * a no-op); byte buffers returned through (uint8_t **, size_t *) are freed
 * with cairn_free(ctx, p, len). The handle keeps no pointer to caller
 * memory. Not thread-safe: one thread at a time per handle.
 */
#ifndef CAIRN_KTVERIFY_H
#define CAIRN_KTVERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/context.h"
#include "cairn/export.h"
#include "cairn/ktdir.h"
#include "cairn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_KTV_MAX_LABELS 256          /* monitored labels per view */
#define CAIRN_KTV_MAX_BLOB (4u * 1024u * 1024u)
#define CAIRN_KTV_MAX_RESPONSE (4u * 1024u * 1024u)

typedef struct cairn_ktv_options {
    /* A tree head timestamp more than this far ahead of the local clock is
     * rejected (CAIRN_ERR_STALE), on top of the configuration's max_ahead
     * and max_behind. 0: default 10 minutes. */
    int64_t max_skew_ms;
    /* Require an auditor-signed tree head in every response: only
     * meaningful in third-party-auditing mode (create fails with
     * CAIRN_ERR_INVALID_ARG otherwise), where the directory library then
     * checks the auditor's signature, start position and lag (KT-AUD-3). */
    bool require_auditor;
} cairn_ktv_options;

typedef struct cairn_ktv cairn_ktv;

/* A fresh view (the client has seen nothing) for the pinned
 * configuration cfg. opts may be NULL (defaults). Errors: INVALID_ARG,
 * NOMEM. Since 0.1. */
CAIRN_MUST_CHECK cairn_status cairn_ktv_create(const cairn_context *ctx,
                                               const cairn_kt_config *cfg,
                                               const cairn_ktv_options *opts,
                                               cairn_ktv **out);
void cairn_ktv_destroy(cairn_ktv *v);

/* Serialises the view (format in spec/kt-api.md "View blob"). *out is
 * allocated; free with cairn_free. Errors: NOMEM. */
cairn_status cairn_ktv_serialize(const cairn_ktv *v, uint8_t **out,
                                 size_t *len);
/* Parses a blob made by cairn_ktv_serialize for the same configuration
 * (a blob bound to other keys is CAIRN_ERR_BAD_KEY). Every count is
 * bounded and the retained root is recomputed from the full subtrees.
 * Errors: DECODE, TOO_LARGE, BAD_KEY, CORRUPT (internally inconsistent),
 * VERSION, NOMEM. *out is written only on success. */
CAIRN_MUST_CHECK cairn_status cairn_ktv_parse(const cairn_context *ctx,
                                              const cairn_kt_config *cfg,
                                              const cairn_ktv_options *opts,
                                              const uint8_t *blob, size_t len,
                                              cairn_ktv **out);

uint64_t cairn_ktv_tree_size(const cairn_ktv *v);
/* Timestamp (ms) of the newest log entry the view accepted; 0 if none. */
uint64_t cairn_ktv_last_timestamp(const cairn_ktv *v);
/* Tree size the auditor's signed head covered in the last verified
 * third-party-auditing response (entries 0..size-1 were audited); 0 if
 * none (contact mode, or nothing verified yet). Lets a client require
 * that what it relies on was audited (spec/client-engine.md ENG-KT-5). */
uint64_t cairn_ktv_auditor_tree_size(const cairn_ktv *v);

/* Result of a verified search; value points into the response buffer the
 * caller passed (valid while that buffer is). */
typedef struct cairn_ktv_result {
    uint32_t version;
    const uint8_t *value;
    size_t value_len;
    uint64_t terminal;   /* log entry where the search ended */
} cairn_ktv_result;

/*
 * Verifies a SearchResponse for label (greatest version when has_version
 * is false) against the view at local time now_ms, and on success moves
 * the view. With monitor true the label's monitoring state is kept in the
 * view (so later cairn_ktv_verify_monitor calls can detect a dropped or
 * rolled-back version). Checks (KTV-2): every proof (spec/keytrans.md),
 * signatures, consistency with the retained view (a fork is
 * CAIRN_ERR_PROOF), the rightmost timestamp not below the last accepted
 * one and within the configured clock bounds and max_skew
 * (CAIRN_ERR_STALE). Errors: as cairn_kt_verify_search, plus LIMIT (too
 * many monitored labels).
 */
CAIRN_MUST_CHECK cairn_status cairn_ktv_verify_search(
    cairn_ktv *v, const uint8_t *label, size_t label_len, bool has_version,
    uint32_t version, const uint8_t *resp, size_t resp_len, int64_t now_ms,
    bool monitor, cairn_ktv_result *res);

/* The monitoring map of a monitored label as the query value
 * "pos:ver,..." of GET /kt/v1/monitor (KT-API-11), NUL-terminated in out.
 * Errors: NOT_FOUND (label not monitored or nothing left to monitor),
 * TOO_LARGE (cap). */
cairn_status cairn_ktv_monitor_entries(const cairn_ktv *v, const uint8_t *label,
                                       size_t label_len, char *out, size_t cap);

/* Verifies a ContactMonitorResponse for a monitored label (the request
 * carried cairn_ktv_monitor_entries). A version the server dropped or
 * rolled back is CAIRN_ERR_PROOF. Moves the view only on success. */
CAIRN_MUST_CHECK cairn_status cairn_ktv_verify_monitor(
    cairn_ktv *v, const uint8_t *label, size_t label_len, const uint8_t *resp,
    size_t resp_len, int64_t now_ms);

/* The last verified signed tree head, as gossiped (KT-AUD-API-3).
 * Errors: NOT_FOUND (nothing verified yet). */
cairn_status cairn_ktv_head(const cairn_ktv *v, uint64_t *tree_size,
                            uint8_t root[32], uint8_t signature[64],
                            uint64_t *timestamp);

/* ------------------------------------------------------------- HTTP */

/* GET base_url + path_and_query; body capped at max bytes. *status gets
 * the HTTP status; *body (allocated, cairn_free) the body. Errors:
 * NETWORK (connection, timeout), TOO_LARGE, NOMEM, INVALID_ARG. */
CAIRN_MUST_CHECK cairn_status cairn_ktv_http_get(const cairn_context *ctx,
                                                 const char *url, size_t max,
                                                 long *status, uint8_t **body,
                                                 size_t *len);
/* POST with the given content type and headers (NULL-terminated list of
 * "Name: value" strings, may be NULL). */
CAIRN_MUST_CHECK cairn_status cairn_ktv_http_post(
    const cairn_context *ctx, const char *url, const char *ctype,
    const char *const *headers, const uint8_t *data, size_t data_len,
    size_t max, long *status, uint8_t **body, size_t *len);

/* Fetches a SearchResponse from cairn-kt at base_url (e.g.
 * "http://127.0.0.1:8080"), with last = the view's tree size when the
 * view is not empty. Errors: NOT_FOUND (404), PROTOCOL (other status),
 * NETWORK, NOMEM. */
CAIRN_MUST_CHECK cairn_status cairn_ktv_fetch_search(
    const cairn_ktv *v, const char *base_url, const uint8_t *label,
    size_t label_len, bool has_version, uint32_t version, uint8_t **resp,
    size_t *resp_len);
/* Fetches the ContactMonitorResponse for a monitored label. */
CAIRN_MUST_CHECK cairn_status cairn_ktv_fetch_monitor(
    const cairn_ktv *v, const char *base_url, const uint8_t *label,
    size_t label_len, uint8_t **resp, size_t *resp_len);

/* Fetch + verify in one call (the response is freed inside; res->value
 * is therefore NOT set: use the two-step form to read the value).
 * Convenience for monitoring. */
CAIRN_MUST_CHECK cairn_status cairn_ktv_monitor(cairn_ktv *v,
                                                const char *base_url,
                                                const uint8_t *label,
                                                size_t label_len,
                                                int64_t now_ms);

/* Fetches GET /kt/v1/tree-head, checks the directory's signature over
 * TreeHeadTBS(config, size, root) and, against the view: a size below the
 * view's is CAIRN_ERR_STALE, the view's size with another root is
 * CAIRN_ERR_PROOF (a fork; keep both heads). It does NOT move the view
 * (the draft's views advance only through search/monitor proofs); use it
 * to learn the current size or to gossip the newest head. Outputs are
 * written only on success. */
CAIRN_MUST_CHECK cairn_status cairn_ktv_fetch_tree_head(
    const cairn_ktv *v, const char *base_url, uint64_t *tree_size,
    uint8_t root[32], uint8_t signature[64], uint64_t *timestamp);

/* Gossips the view's last signed head to an auditor (POST /gossip).
 * CAIRN_OK: the auditor found it consistent (or not yet reached, *pending
 * true); CAIRN_ERR_PROOF: the auditor saw a split view (409); PROTOCOL:
 * other answers; NOT_FOUND: nothing to gossip. */
CAIRN_MUST_CHECK cairn_status cairn_ktv_gossip(const cairn_ktv *v,
                                               const char *auditor_url,
                                               bool *pending);

#ifdef __cplusplus
}
#endif
#endif
