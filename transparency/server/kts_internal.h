/*
 * kts_internal.h - state and functions shared by the files of cairn-kt, the
 * key transparency HTTP server (spec/kt-api.md).
 *
 * One process, one libevent loop, one thread: every handler runs to
 * completion, so the directory, the SQLite store and the mirror are never
 * touched concurrently. A publish request stays open (its evhttp_request
 * parked in the open batch) until the batch is committed: SQLite first
 * (the commit hook), then the signed head, then the mirror; only then are
 * the parked requests answered (KT-API-7). A storage failure makes the
 * server read-only (`broken`) because the in-memory directory may then be
 * ahead of the durable one.
 */
#ifndef CAIRN_KTS_INTERNAL_H
#define CAIRN_KTS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pthread.h>
#include <sys/queue.h>

#include <event2/event.h>
#include <event2/http.h>
#include <sqlite3.h>

#include "base.h"
#include "cairn/ktdir.h"
#include "cairn/ktserver.h"
#include "cairn/tlog.h"

typedef struct kts_pending {
    struct evhttp_request *req;
    size_t n;          /* updates in this request */
    uint32_t *versions;
    char **labels;     /* NUL-terminated copies, for the response */
    struct kts_pending *next;
} kts_pending;

#define KTS_MAX_VRF_THREADS 8

typedef struct kts_job kts_job;
typedef struct kts_pool kts_pool;

typedef struct kts_server {
    const cairn_context *ctx;
    cairn_kts_options opt;
    cairn_ktdir *dir;
    sqlite3 *db;
    sqlite3_stmt *ins_stmt;
    cairn_tlog *mirror;
    cairn_note_signer *mirror_signer;
    char *mirror_vkey;           /* verifier key text */
    char *mirror_dir;
    struct event_base *base;
    struct evhttp *http;
    struct event *batch_ev, *heartbeat_ev;
    kts_pending *pending, **pending_tail;
    size_t batch_updates;
    bool batch_open;
    bool broken;
    int64_t last_commit_ms;
    uint64_t last_ts;
    void *tls_ctx;               /* SSL_CTX when serving HTTPS */
    struct kts_witness *wit;     /* witness feeder thread (witness.c) */
    kts_pool *pool;              /* VRF workers (vrfpool.c), NULL: inline */
    uint8_t token[256];
    size_t token_len;
    uint8_t hmac_key[64];
    size_t hmac_key_len;
} kts_server;

/* store.c: SQLite persistence of LogEntryRecords (KT-API-16). */
cairn_status kts__store_open(kts_server *s, const char *path);
void kts__store_close(kts_server *s);
cairn_status kts__store_load(kts_server *s, uint8_t **recs, size_t *len);
cairn_status kts__store_on_commit(void *ud, uint64_t position,
                                  const uint8_t *record, size_t record_len);

/* mirror.c: the tiled RFC 6962 mirror (KT-API-20). */
cairn_status kts__mirror_open(kts_server *s);
/* Appends the LogEntry of every directory entry the mirror lacks and
 * publishes once. */
cairn_status kts__mirror_sync(kts_server *s);
/* Directory entry accessors (via the directory's internal header). */
void kts__entry(const cairn_ktdir *d, uint64_t pos, uint64_t *ts,
                uint8_t prefix_root[32]);
void kts__head(const cairn_ktdir *d, uint64_t *size, uint8_t root[32],
               uint8_t sig[64], uint64_t *ts);
cairn_status kts__config_encode(const cairn_context *ctx, const cairn_ktdir *d,
                                uint8_t **out, size_t *len);
cairn_status kts__drop_version(cairn_ktdir *d, const uint8_t *label,
                               size_t len, uint32_t version);

/* batch.c: open batch, commit, heartbeat. */
cairn_status kts__commit(kts_server *s);
void kts__batch_opened(kts_server *s);
void kts__heartbeat_cb(evutil_socket_t fd, short what, void *arg);

/* http.c: routing and replies. */
cairn_status kts__http_start(kts_server *s);
/* witness.c: a thread that submits each new mirror checkpoint to the
 * configured witnesses (c2sp-tlog-witness.md) and keeps the cosigned
 * note, served at /mirror/checkpoint.cosigned. It reads only published,
 * immutable files of the mirror directory, never the tlog handle. */
cairn_status kts__witness_start(kts_server *s);
void kts__witness_stop(kts_server *s);
/* Copy of the latest checkpoint with the witnesses' cosignatures
 * (cairn_free), or CAIRN_ERR_NOT_FOUND. */
cairn_status kts__witness_note(kts_server *s, char **out, size_t *len);
void kts__h_cosigned(struct evhttp_request *req, void *arg);

/* tls.c: HTTPS through libevent_openssl bufferevents (optional). */
cairn_status kts__tls_setup(kts_server *s);
void kts__tls_free(kts_server *s);
void kts__reply_error(struct evhttp_request *req, int code, const char *err,
                      const char *reason);
void kts__reply_bytes(struct evhttp_request *req, const char *ctype,
                      const uint8_t *p, size_t n, const char *cache);
/* Body bytes of a request (copied, caller frees with cairn__free); 413
 * already answered when it returns CAIRN_ERR_TOO_LARGE. */
cairn_status kts__body(kts_server *s, struct evhttp_request *req,
                       uint8_t **out, size_t *len);
void kts__h_publish(struct evhttp_request *req, void *arg);
/* h_publish.c: stage a whole parsed request and park it (or answer an
 * error); pred/vrf NULL: evaluate the VRF here. */
void kts__publish_stage(kts_server *s, struct evhttp_request *req,
                        const cairn_kts_publish *p, const uint32_t *pred,
                        const uint8_t (*vrf)[32]);

/* vrfpool.c: VRF outputs on worker threads (opt.vrf_threads, 0: none).
 * start after the event base exists; submit takes ownership of *p (left
 * zeroed) and stages the request later, in arrival order, through
 * kts__publish_stage; stop joins the workers and stages what is queued
 * (call it before the final commit and before evhttp_free). */
cairn_status kts__pool_start(kts_server *s);
cairn_status kts__pool_submit(kts_server *s, struct evhttp_request *req,
                              cairn_kts_publish *p);
void kts__pool_stop(kts_server *s);
void kts__h_test_drop(struct evhttp_request *req, void *arg);
void kts__h_search(struct evhttp_request *req, void *arg);
void kts__h_monitor(struct evhttp_request *req, void *arg);
void kts__h_tree_head(struct evhttp_request *req, void *arg);
void kts__h_config(struct evhttp_request *req, void *arg);
void kts__h_audit(struct evhttp_request *req, void *arg);
void kts__h_auditor_head(struct evhttp_request *req, void *arg);
void kts__h_mirror(struct evhttp_request *req, void *arg);

#endif
