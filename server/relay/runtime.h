/*
 * runtime.h - what keeps the relay's event loop fast and fair: the
 * read-ahead random source (rng.c), the per-address connection counts
 * (conncap.c) and the Argon2id worker threads (worker.c) with the HTTPS
 * pre-step that uses them (http_prework.c).
 *
 * Threading: only worker.c's threads run off the loop, and they touch
 * nothing but the relay_job they were handed (and libsodium, which is
 * thread-safe). Every other function here runs on the loop thread.
 */
#ifndef CAIRN_RELAY_RUNTIME_H
#define CAIRN_RELAY_RUNTIME_H

#include <sodium.h>

#include "relay.h"

struct ssl_st;

typedef enum { RELAY_CAP_SIP = 0, RELAY_CAP_HTTPS = 1 } relay_conncap_kind;

/* The state behind r->rt (created by relay__runtime_create). */
struct relay_runtime {
    relay_map cap[2];    /* keyed hash of the address -> count */
    uint8_t cap_key[16]; /* SipHash key, random per process */
    int https_ex_idx;    /* OpenSSL ex-data slot of HTTPS SSL objects */
    struct relay_workers *workers;
    struct relay_held *dispatching; /* the held request being dispatched */
    struct relay_syncer *syncer;    /* WAL fsync thread (syncer.c) */
};

/* Allocates r->rt. CAIRN_ERR_NOMEM. */
CAIRN_MUST_CHECK cairn_status relay__runtime_create(relay *r);
/* Frees r->rt (after relay__workers_stop and every connection closed);
 * NULL-safe. */
void relay__runtime_destroy(relay *r);

/* ---- waking the loop from a helper thread (worker.c) ---------------------- */

/* A non-blocking pipe whose read end is a persistent loop event: a helper
 * thread calls relay__wake_notify (a full pipe already means the loop
 * will look), the loop drains the pipe and calls fn(r). */
typedef struct relay_wake {
    int rd, wr;
    struct event *ev;
    void (*fn)(relay *r);
    relay *r;
} relay_wake;

/* CAIRN_ERR_IO (no pipe) or CAIRN_ERR_NOMEM (no event); relay__wake_close
 * is safe after any outcome, and on a zeroed or closed wake. */
cairn_status relay__wake_open(relay *r, relay_wake *w, void (*fn)(relay *r));
void relay__wake_notify(relay_wake *w); /* any thread */
void relay__wake_close(relay_wake *w);

/* ---- random source (rng.c) ------------------------------------------------ */

typedef struct relay_rng {
    uint8_t pool[4096];
    size_t pos; /* next unused byte; sizeof pool when empty */
} relay_rng;

/* Marks the pool empty (the first relay__rng_fill reads it). */
void relay__rng_init(relay_rng *g);
/* cairn_context_config.random hook (ud is a relay_rng): fills buf with n
 * bytes from libsodium's randombytes, read 4 KiB ahead; bytes handed out
 * are wiped from the pool. Always 0. Loop thread only. */
int relay__rng_fill(void *ud, uint8_t *buf, size_t n);
/* Wipes the pool (at exit). */
void relay__rng_wipe(relay_rng *g);

/* ---- per-address connection caps (conncap.c) ------------------------------ */

/* Counts one more connection from addr (the textual peer address) unless
 * that address already holds limits.max_connections_per_address
 * connections (SIP and HTTPS counted separately): false means refuse it
 * (r->m.address_cap_closed_total is counted). true also when the count
 * cannot be stored (out of memory): the cap must not lock clients out. */
bool relay__conncap_take(relay *r, relay_conncap_kind kind, const char *addr);
/* Gives back a connection counted by relay__conncap_take. */
void relay__conncap_put(relay *r, relay_conncap_kind kind, const char *addr);
/* Starts counting HTTPS connections: SSL objects made by the HTTPS
 * listener get relay__conncap_https_attach, which checks the cap when the
 * handshake starts (the peer is known then) and gives the count back when
 * OpenSSL frees the object. CAIRN_ERR_TLS when OpenSSL has no ex-data slot. */
CAIRN_MUST_CHECK cairn_status relay__conncap_https_init(relay *r);
void relay__conncap_https_attach(relay *r, struct ssl_st *ssl);

/* ---- Argon2id workers (worker.c) ------------------------------------------ */

typedef enum { RELAY_JOB_VERIFY, RELAY_JOB_HASH } relay_job_kind;

typedef struct relay_job relay_job;
/* Runs on the loop thread once the job finished (or was cancelled at
 * shutdown: j->cancelled). It owns j from then on. */
typedef void (*relay_job_done_fn)(relay *r, relay_job *j);

struct relay_job {
    relay_job_kind kind;
    /* in: the secret (wiped by the worker after use) */
    char secret[RELAY_SECRET_MAX + 1];
    /* VERIFY: in, the stored Argon2id string; HASH: out, the new one */
    char pwhash[crypto_pwhash_STRBYTES];
    unsigned long long opslimit; /* HASH only */
    size_t memlimit;             /* HASH only */
    /* out */
    int result; /* 0: verified / hashed; -1 otherwise */
    bool cancelled;
    relay_job_done_fn done;
    void *arg;
    relay_job *next; /* queue link, owned by worker.c */
};

/* Starts auth.argon2_workers threads with a queue of auth.argon2_queue
 * jobs, and the loop-side completion event. CAIRN_ERR_NOMEM /
 * CAIRN_ERR_IO (pipe or thread creation failed). */
CAIRN_MUST_CHECK cairn_status relay__workers_start(relay *r);
/* Queues j (the caller keeps ownership until done runs). false when the
 * queue is full or the pool is stopped: the caller answers 503. */
bool relay__workers_submit(relay *r, relay_job *j);
/* Jobs queued or running. */
size_t relay__workers_busy(const relay *r);
/* Stops the threads (a running job finishes first), then calls done for
 * every finished job and, with cancelled set, for every queued one. */
void relay__workers_stop(relay *r);

/* ---- group commit durability (batch.c, syncer.c) ------------------------- */

/* A committed batch waiting to be answered: what relay__batch_flush took
 * from the relay (lists cairn__alloc'd, owned by this record). */
typedef struct relay_batch_result {
    relay_pending *pending;
    size_t n_pending;
    int64_t *touched;
    size_t n_touched;
    int64_t max_qid, depth_delta;
    bool ok;
} relay_batch_result;

/* Answers a batch once it is durable (or failed): raises committed_max,
 * sends the 202s (500s when !ok), delivers, frees the lists. batch.c. */
void relay__batch_complete(relay *r, relay_batch_result *b);
/* Starts the WAL sync thread when [database] synchronous=full (and switches
 * the connection to synchronous=NORMAL, the thread syncing instead);
 * nothing for normal. Needs r->base. CAIRN_ERR_NOMEM / IO / STORE. */
CAIRN_MUST_CHECK cairn_status relay__syncer_start(relay *r);
/* Stops the thread, syncs inline and completes what is still waiting;
 * the connection goes back to synchronous=FULL. NULL-safe. */
void relay__syncer_stop(relay *r);
/* True while batches may be deferred to the thread (not when draining). */
bool relay__syncer_running(const relay *r);
/* Takes b (by value; its lists now belong to the syncer) to be completed
 * after the next fdatasync. false (out of memory): sync inline instead. */
bool relay__syncer_defer(relay *r, const relay_batch_result *b);
/* fdatasync of the WAL now, on the calling (loop) thread, then completes
 * every deferred batch. true when durable (also when no syncer runs: then
 * SQLite synced inside COMMIT). */
bool relay__syncer_sync_now(relay *r);

/* ---- Argon2id helpers (auth.c) ------------------------------------------- */

/* The credential cache: true and *p when hdr was verified recently. */
bool relay__auth_cached(relay *r, const char *hdr, relay_principal *p);
/* Parses Basic credentials and finds the device: secret gets the secret
 * (the caller wipes it), pwhash the stored Argon2id string, or a dummy one
 * (*known false) so an unknown device costs what a known one does.
 * CAIRN_ERR_AUTH when the header does not parse (no Argon2id needed). */
CAIRN_MUST_CHECK cairn_status relay__auth_prepare(relay *r, const char *hdr,
                                                  char uri[RELAY_URI_MAX + 1], uint32_t *device,
                                                  char secret[RELAY_SECRET_MAX + 1],
                                                  char pwhash[crypto_pwhash_STRBYTES], bool *known);
/* After pwhash verified: true and *p (and a cache entry for hdr) only if
 * the device still exists and still holds pwhash. */
CAIRN_MUST_CHECK bool relay__auth_confirm(relay *r, const char *hdr, const char *uri,
                                          uint32_t device, const char *pwhash, relay_principal *p);

/* ---- HTTPS pre-step (http_prework.c) -------------------------------------- */

/* Called by the router before a handler: when the request needs Argon2id
 * (Basic credentials not in the cache, or a registration's new secret),
 * runs it on the workers and returns true: the request is held and
 * dispatched later (or answered 401 / 503 from here). false: dispatch now. */
bool relay__prework_start(relay *r, struct evhttp_request *req, const char *path);
/* For relay__http_auth on a request dispatched after the pre-step: 1 and
 * *p when its credentials verified, -1 when they did not (the failure is
 * counted), 0 when the pre-step has nothing to say about req. */
int relay__prework_auth(relay *r, struct evhttp_request *req, relay_principal *p);
/* The router's dispatch (http.c): runs the handler for req's path. */
void relay__http_dispatch(relay *r, struct evhttp_request *req);
/* For relay__auth_hash: the Argon2id string the workers made for this
 * secret of the request being dispatched, if any (copied to out). */
bool relay__prework_hash(relay *r, const char *secret, char *out);

#endif
