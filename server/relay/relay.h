/*
 * relay.h - internal interface between the files of cairn-relay, the
 * store-and-forward server (see server/README.md and spec/relay-api.md).
 *
 * The relay is one process with one libevent loop and one SQLite
 * connection. Everything here runs on the loop thread, so no state here is
 * locked; the only blocking work on the loop is SQLite (bounded by group
 * commit). Argon2id and the per-commit fsync run on helper threads that
 * only see their own job (runtime.h). Files: config.c (INI), log.c, tls.c,
 * store*.c (SQLite), batch.c (group commit), auth.c, ratelimit.c, http*.c,
 * keys_json.c, kt.c, sip_*.c, metrics.c, main.c.
 *
 * Invariants kept across files:
 *  - a message is acknowledged to its sender (SIP 202) only after the
 *    transaction that stored it committed (batch.c);
 *  - a queue row is delivered only once committed (id <= committed_max) and
 *    removed only by an acknowledgement from the device that owns it;
 *  - message content and secrets are never logged (log.c takes no bodies).
 */
#ifndef CAIRN_RELAY_H
#define CAIRN_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "base.h"
#include "cairn/context.h"
#include "cairn/status.h"

struct event_base;
struct event;
struct evhttp;
struct evhttp_request;
struct evconnlistener;
struct bufferevent;
typedef struct ssl_ctx_st SSL_CTX;

/* ---- configuration (config.c) ------------------------------------------ */

#define RELAY_STR_MAX 512

typedef struct relay_config {
    /* [server] */
    char domain[RELAY_STR_MAX];
    char realm[RELAY_STR_MAX];
    char https_listen[RELAY_STR_MAX];
    char sip_listen[RELAY_STR_MAX];
    char public_url[RELAY_STR_MAX];
    char state_dir[RELAY_STR_MAX];
    char ports_file[RELAY_STR_MAX];
    /* [tls] */
    char cert_file[RELAY_STR_MAX];
    char key_file[RELAY_STR_MAX];
    /* [database] */
    char db_path[RELAY_STR_MAX];
    char synchronous[16];
    int64_t commit_interval_ms;
    int64_t commit_batch;
    /* [auth] */
    bool require_registration_token;
    int64_t argon2_opslimit;
    int64_t argon2_memlimit_kib;
    int64_t credential_cache_seconds;
    int64_t credential_cache_entries;
    int64_t max_devices_per_account;
    int64_t nonce_lifetime_seconds;
    int64_t argon2_workers; /* Argon2id threads (runtime.h) */
    int64_t argon2_queue;
    /* [limits] */
    int64_t max_connections;
    int64_t max_connections_per_address;
    int64_t max_sip_header_bytes;
    int64_t max_sip_headers;
    int64_t max_message_bytes;
    int64_t max_pending_output;
    int64_t message_timeout_ms;
    int64_t register_timeout_seconds;
    int64_t idle_timeout_seconds;
    int64_t write_timeout_seconds;
    int64_t http_timeout_seconds;
    int64_t http_max_header_bytes;
    int64_t http_max_json_bytes;
    int64_t rate_account_per_second;
    int64_t rate_account_burst;
    int64_t rate_address_per_second;
    int64_t rate_address_burst;
    int64_t max_prekeys;
    /* [queue] */
    int64_t ttl_seconds;
    int64_t max_messages;
    int64_t max_bytes;
    int64_t sweep_interval_seconds;
    int64_t delivery_window;
    /* [files] */
    char files_dir[RELAY_STR_MAX];
    int64_t file_max_bytes;
    int64_t file_ttl_seconds;
    /* [provisioning] (store_provision.c, http_provision.c) */
    int64_t prov_ttl_seconds;
    int64_t prov_max_bytes;
    int64_t prov_max_boxes;
    int64_t prov_max_per_address;
    int64_t prov_rate_per_second;
    int64_t prov_rate_burst;
    /* [kt] */
    char kt_url[RELAY_STR_MAX];
    char kt_ca_file[RELAY_STR_MAX];
    char kt_token[RELAY_STR_MAX];
    int64_t kt_timeout_ms;
    int64_t kt_retry_seconds;
    /* [metrics] */
    char metrics_token[RELAY_STR_MAX];
    /* [log] */
    char log_level[16];
    /* [msrp] session mode (msrp_*.c, spec/relay-api.md section 8) */
    char msrp_listen[RELAY_STR_MAX];
    char msrp_public_host[RELAY_STR_MAX];
    int64_t msrp_max_message_bytes;
    int64_t msrp_max_concurrent;
    int64_t msrp_max_buffered;
    int64_t msrp_message_timeout_ms;
    int64_t msrp_session_timeout;
    int64_t msrp_max_sessions_per_device;
    int64_t msrp_max_connections;
} relay_config;

/* Hard caps of the INI reader (fuzzed by fuzz/relay_config.c). */
#define RELAY_CONFIG_MAX_BYTES (1024 * 1024)
#define RELAY_CONFIG_MAX_LINE 4096

/* Fills every option with its documented default. */
void relay__config_defaults(relay_config *c);
/* Parses INI text over the current values (defaults first). Unknown
 * sections/keys, duplicates, out-of-range numbers and over-long lines are
 * errors; err gets "line N: why". CAIRN_ERR_DECODE / CAIRN_ERR_TOO_LARGE. */
CAIRN_MUST_CHECK cairn_status relay__config_parse(relay_config *c, const char *text, size_t len,
                                                  char *err, size_t errlen);
/* Fills derived paths (db, files, certificate) from state_dir and checks
 * cross-option rules. CAIRN_ERR_INVALID_ARG with err set. */
CAIRN_MUST_CHECK cairn_status relay__config_finish(relay_config *c, char *err, size_t errlen);
/* Writes the documented configuration (with current values) to f. */
void relay__config_write(const relay_config *c, void *file, bool with_docs);

/* ---- logging (log.c): key=value lines on stderr ------------------------- */

typedef enum { RLOG_ERROR = 0, RLOG_WARN, RLOG_INFO, RLOG_DEBUG } relay_log_level;
void relay__log_set_level(relay_log_level l);
bool relay__log_parse_level(const char *s, relay_log_level *out);
/* fmt continues the line with " key=value" pairs; never message content. */
void relay__log(relay_log_level l, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define RLOGE(ev, ...) relay__log(RLOG_ERROR, ev, __VA_ARGS__)
#define RLOGW(ev, ...) relay__log(RLOG_WARN, ev, __VA_ARGS__)
#define RLOGI(ev, ...) relay__log(RLOG_INFO, ev, __VA_ARGS__)
#define RLOGD(ev, ...) relay__log(RLOG_DEBUG, ev, __VA_ARGS__)

/* ---- metrics (metrics.c) ------------------------------------------------ */

#define RELAY_HIST_BUCKETS 14
typedef struct relay_hist {
    uint64_t bucket[RELAY_HIST_BUCKETS + 1]; /* last one is +Inf */
    uint64_t count;
    double sum;
} relay_hist;

typedef struct relay_metrics {
    uint64_t sip_connections_total;
    int64_t sip_connections_open;
    int64_t sip_registered;
    uint64_t http_requests_total;
    uint64_t messages_queued_total;
    uint64_t messages_delivered_total; /* acknowledged by the device */
    uint64_t messages_expired_total;
    uint64_t messages_rejected_quota;
    uint64_t auth_failures_total;
    uint64_t rate_limited_total;
    uint64_t prekeys_served_total;
    uint64_t files_stored_total;
    uint64_t commits_total;
    uint64_t kt_publish_ok;
    uint64_t kt_publish_failed;
    uint64_t hostile_closed_total;     /* connections closed for a limit */
    uint64_t address_cap_closed_total; /* refused: max_connections_per_address */
    uint64_t argon2_busy_total;        /* HTTPS 503: Argon2id queue full */
    int64_t argon2_held;               /* HTTPS requests waiting for Argon2id */
    int64_t queue_depth;               /* rows in the queue (kept exact) */
    relay_hist commit_latency;         /* MESSAGE received -> 202 sent */
    relay_hist delivery_latency;       /* enqueued -> device acknowledged */
    /* MSRP session mode */
    uint64_t msrp_sessions_total;
    int64_t msrp_sessions_open;
    int64_t msrp_connections_open;
    uint64_t msrp_messages_total; /* complete messages stored */
    uint64_t msrp_refused_total;  /* chunks/messages refused (4xx) */
} relay_metrics;

void relay__hist_add(relay_hist *h, double seconds);
/* Appends the Prometheus text exposition to out. */
cairn_status relay__metrics_format(const relay_metrics *m, cairn__buf *out);

/* ---- rate limits (ratelimit.c) ------------------------------------------ */

typedef struct relay_bucket {
    double tokens;
    int64_t last_ms;
} relay_bucket;

/* A fixed table of token buckets indexed by a keyed hash of the key, so
 * memory is bounded whatever the number of peers; colliding keys share a
 * bucket (conservative). */
typedef struct relay_ratelimit {
    relay_bucket *b;
    size_t n;
    double rate, burst;
    uint8_t key[16];
} relay_ratelimit;

cairn_status relay__rl_init(relay_ratelimit *rl, const cairn_context *ctx, size_t n, double rate,
                            double burst);
void relay__rl_free(relay_ratelimit *rl, const cairn_context *ctx);
/* Takes `cost` tokens for key; false when the bucket is empty. */
bool relay__rl_take(relay_ratelimit *rl, const void *key, size_t klen, int64_t now_ms, double cost);

/* ---- small maps ---------------------------------------------------------- */

/* u64 -> pointer, open addressing; 0 is not a valid key. */
typedef struct relay_map {
    uint64_t *keys;
    void **vals;
    size_t cap, count;
} relay_map;
cairn_status relay__map_put(relay_map *m, const cairn_context *ctx, uint64_t k, void *v);
void *relay__map_get(const relay_map *m, uint64_t k);
void relay__map_del(relay_map *m, uint64_t k);
void relay__map_free(relay_map *m, const cairn_context *ctx);

/* ---- auth helpers (auth.c / basic.c) ------------------------------------- */

#define RELAY_URI_MAX 256
#define RELAY_SECRET_MIN 16
#define RELAY_SECRET_MAX 128

/* An authenticated device. */
typedef struct relay_principal {
    int64_t device_row;
    int64_t account_row;
    uint32_t device;
    char uri[RELAY_URI_MAX + 1];
} relay_principal;

/* Splits "<uri>.<device>" into its parts (device after the last '.').
 * CAIRN_ERR_DECODE unless the URI is valid (relay__uri_normalize) and the
 * device 1..2^31-1. uri is normalised. */
CAIRN_MUST_CHECK cairn_status relay__authid_parse(const char *s, size_t len,
                                                  char uri[RELAY_URI_MAX + 1], uint32_t *device);
/* Parses an HTTP Authorization header "Basic base64(<uri>.<device>:<secret>)".
 * The secret is copied to secret (wiped by the caller). Bounded: header
 * at most 1024 bytes. CAIRN_ERR_DECODE / CAIRN_ERR_AUTH. */
CAIRN_MUST_CHECK cairn_status relay__basic_parse(const char *hdr, size_t len,
                                                 char uri[RELAY_URI_MAX + 1], uint32_t *device,
                                                 char secret[RELAY_SECRET_MAX + 1]);
/* Normalises a user URI: sip:/sips:/tel: (scheme lower-case), user part
 * kept, host lower-cased, URI parameters and headers dropped, at most
 * RELAY_URI_MAX bytes, none of "|", space, control characters.
 * CAIRN_ERR_DECODE / CAIRN_ERR_UNSUPPORTED. */
CAIRN_MUST_CHECK cairn_status relay__uri_normalize(const char *s, size_t len,
                                                   char out[RELAY_URI_MAX + 1]);
/* A secret is 16..128 characters of [A-Za-z0-9._~+/=-]. */
bool relay__secret_valid(const char *s, size_t len);

/* ---- cairn-keys/1 validation (keys_json.c; fuzzed) ------------------------ */

#define RELAY_PUBKEY_LEN 33
#define RELAY_SIG_LEN 64

typedef struct relay_prekey {
    uint32_t id;
    uint8_t pub[RELAY_PUBKEY_LEN];
} relay_prekey;

typedef struct relay_keys_doc {
    char uri[RELAY_URI_MAX + 1];
    uint32_t device;
    uint32_t registration_id;
    uint8_t identity[RELAY_PUBKEY_LEN];
    uint32_t spk_id;
    uint8_t spk_pub[RELAY_PUBKEY_LEN];
    uint8_t spk_sig[RELAY_SIG_LEN];
    relay_prekey *prekeys; /* cairn__alloc'd */
    size_t n_prekeys;
} relay_keys_doc;

#define RELAY_KEYS_MAX_JSON 65536
/* Parses and validates a cairn-keys/1 upload (PKB rules that a relay can
 * check: version, sizes, key encodings and canonical non-small-order
 * points, id ranges, no duplicate pre-key ids, at most max_prekeys).
 * On success *out owns prekeys (relay__keys_doc_free). CAIRN_ERR_DECODE,
 * CAIRN_ERR_VERSION, CAIRN_ERR_BAD_PUBLIC_KEY, CAIRN_ERR_TOO_LARGE,
 * CAIRN_ERR_LIMIT, CAIRN_ERR_NOMEM. */
CAIRN_MUST_CHECK cairn_status relay__keys_parse(const cairn_context *ctx, const char *json,
                                                size_t len, size_t max_prekeys,
                                                relay_keys_doc *out);
void relay__keys_doc_free(const cairn_context *ctx, relay_keys_doc *d);
/* The PKB-5 point check: 33 bytes, 0x05, canonical u, not small order. */
bool relay__pubkey_valid(const uint8_t *k, size_t len);

/* ---- RFC 5365 recipient lists (recipients.c; fuzzed) -------------------- */

#define RELAY_MAX_RECIPIENTS 64
typedef struct relay_recipients {
    char uri[RELAY_MAX_RECIPIENTS][RELAY_URI_MAX + 1];
    uint32_t device[RELAY_MAX_RECIPIENTS]; /* 0: every device (RELAY-DEV-6) */
    size_t n;
    const uint8_t *body; /* the message part: points into the input */
    size_t body_len;
    char content_type[128];
} relay_recipients;

/* Splits a multipart/mixed body (boundary from content_type) into the
 * recipient-list part (application/resource-lists+xml with
 * Content-Disposition: recipient-list; 1..64 "to" entries, normalised,
 * duplicates removed) and the one other part, the payload.
 * CAIRN_ERR_DECODE / CAIRN_ERR_LIMIT / CAIRN_ERR_NOMEM. */
CAIRN_MUST_CHECK cairn_status relay__recipients_parse(const cairn_context *ctx,
                                                      const char *content_type, const uint8_t *body,
                                                      size_t len, relay_recipients *out);
/* The device a URI addresses (RELAY-DEV-1): its `gr` parameter, 1..2^31-1
 * in plain decimal; *device = 0 when there is none. CAIRN_ERR_DECODE for a
 * malformed URI or gr value. */
CAIRN_MUST_CHECK cairn_status relay__uri_device(const char *s, size_t len, uint32_t *device);

/* ---- the server ---------------------------------------------------------- */

typedef struct relay relay;
typedef struct sip_conn sip_conn;

/* A MESSAGE waiting for its batch to commit before the sender hears 202. */
typedef struct relay_pending {
    uint64_t conn_id;
    double received; /* relay__mono_s() when the request was read */
    void *req;       /* the cairn_sip_msg request, owned by the batch */
} relay_pending;

struct relay {
    const cairn_context *ctx;
    relay_config cfg;
    const char *config_path;
    struct event_base *base;
    sqlite3 *db;
    SSL_CTX *ssl; /* current server context (replaced on SIGHUP) */
    struct evhttp *http;
    struct evconnlistener *sip_listener;
    uint16_t https_port, sip_port;
    relay_metrics m;
    relay_ratelimit rl_account, rl_address;
    relay_ratelimit rl_prov; /* provisioning requests per address */
    /* credential cache (auth.c) */
    struct relay_cred *cred;
    size_t n_cred;
    uint8_t cred_key[32];
    char dummy_hash[128]; /* crypto_pwhash_STRBYTES */
    /* SIP connections */
    relay_map conns;     /* conn id -> sip_conn */
    relay_map bindings;  /* device row -> sip_conn (registered flow) */
    sip_conn *conn_head; /* all connections, for the sweep */
    uint64_t next_conn_id;
    /* group commit (batch.c) */
    bool in_tx;
    int tx_ops;
    relay_pending *pending;
    size_t n_pending, cap_pending;
    int64_t *touched; /* device rows to deliver to after commit */
    size_t n_touched, cap_touched;
    int64_t committed_max; /* highest queue id known committed */
    int64_t batch_max_qid, batch_depth_delta;
    struct event *commit_ev;
    bool commit_scheduled;
    /* timers and signals */
    struct event *sweep_ev, *sigterm_ev, *sigint_ev, *sighup_ev, *tick_ev;
    bool draining;
    /* KT publisher (kt.c) */
    struct relay_kt *kt;
    uint8_t boot_id[8];
    /* connection caps, Argon2id workers (runtime.h) */
    struct relay_runtime *rt;
    /* MSRP session mode (msrp_internal.h) */
    struct relay_msrp *msrp;
    uint16_t msrp_port;
};

/* tls.c */
CAIRN_MUST_CHECK cairn_status relay__tls_ensure_cert(relay *r);
CAIRN_MUST_CHECK cairn_status relay__tls_load(relay *r);
/* Frees a connection's TLS bufferevent without waiting for the peer's
 * close_notify (the peer may be gone or hostile). NULL-safe. */
struct bufferevent;
void relay__tls_bev_free(struct bufferevent *bev);

/* store.c: schema, statement helpers. */
CAIRN_MUST_CHECK cairn_status relay__store_open(relay *r);
void relay__store_close(relay *r);
/* A cached prepared statement for sql (static string); NULL on error. */
sqlite3_stmt *relay__stmt(relay *r, const char *sql);
void relay__stmt_cache_free(void);
bool relay__exec(relay *r, const char *sql);
/* Standalone write transaction (after flushing the batch). */
bool relay__tx_begin(relay *r);
bool relay__tx_commit(relay *r);
void relay__tx_rollback(relay *r);

/* store_accounts.c */
CAIRN_MUST_CHECK cairn_status relay__account_find(relay *r, const char *uri, int64_t *account_row);
/* Looks a device up: its row, and optionally its Argon2id string / HA1. */
CAIRN_MUST_CHECK cairn_status relay__device_find(relay *r, const char *uri, uint32_t device,
                                                 relay_principal *p, char *pwhash, size_t pwcap,
                                                 char ha1_sha256[65], char ha1_md5[65]);

/* store_devices.c: per-device addressing (spec/relay-api.md section 9). */
/* CAIRN_OK with *row (may be NULL) when device is listed for account,
 * CAIRN_ERR_NOT_FOUND when not, CAIRN_ERR_STORE on a database error. */
CAIRN_MUST_CHECK cairn_status relay__device_of_account(relay *r, int64_t account, uint32_t device,
                                                       int64_t *row);
/* Writes the account's device ids, ascending, space-separated, into out
 * (NUL-terminated, cut at cap); returns the length. */
size_t relay__devices_format(relay *r, int64_t account, char *out, size_t cap);

/* store_provision.c, http_provision.c: the provisioning mailbox
 * (spec/relay-api.md section 10). */
#define RELAY_PROV_SUFFIX_MAX 16
/* RELAY-PROV-2: 32 lowercase hex digits, '.', 1..16 of [a-z]. */
bool relay__prov_name_valid(const char *s);
/* Creates the table and the per-address rate limiter (at start-up). */
CAIRN_MUST_CHECK cairn_status relay__prov_open(relay *r);
void relay__prov_close(relay *r);
CAIRN_MUST_CHECK cairn_status relay__prov_store_open(relay *r);
/* Stores a box in its own transaction. CAIRN_ERR_EXISTS (a live box has
 * the name), CAIRN_ERR_LIMIT (max_boxes live boxes), CAIRN_ERR_DECLINED
 * (max_boxes_per_address from addr), CAIRN_ERR_STORE. */
CAIRN_MUST_CHECK cairn_status relay__prov_put(relay *r, const char *name, const uint8_t *body,
                                              size_t len, const char *addr, int64_t now_ms);
/* Reads and deletes a live box in one transaction; *body is cairn__alloc'd
 * (the caller frees). CAIRN_ERR_NOT_FOUND (none or expired),
 * CAIRN_ERR_NOMEM / CAIRN_ERR_STORE (then the box is kept). */
CAIRN_MUST_CHECK cairn_status relay__prov_take(relay *r, const char *name, int64_t now_ms,
                                               uint8_t **body, size_t *len);
/* Deletes expired boxes; returns how many. */
int64_t relay__prov_sweep(relay *r, int64_t now_ms);
void relay__http_provision(relay *r, struct evhttp_request *req, const char *path);

/* batch.c: group commit. */
/* Opens the batch transaction if needed; false on SQLite error. */
bool relay__batch_begin(relay *r);
/* Holds a request whose 202 is sent after commit (takes ownership of req:
 * relay__sip_after_commit answers and frees it). */
cairn_status relay__batch_add_pending(relay *r, uint64_t conn_id, double received, void *req);
/* Records that queue rows up to qid and a depth change are in the batch. */
void relay__batch_note_queue(relay *r, int64_t qid, int64_t depth_delta);
void relay__batch_touch(relay *r, int64_t device_row);
/* Counts one operation; flushes when the batch is full, else schedules. */
void relay__batch_op(relay *r);
/* Commits now (no-op when nothing is open), then sends the responses and
 * starts deliveries. Safe to call from any handler. */
void relay__batch_flush(relay *r);

/* auth.c */
CAIRN_MUST_CHECK cairn_status relay__auth_init(relay *r);
void relay__auth_free(relay *r);
void relay__auth_cache_clear(relay *r);
/* Authenticates an Authorization header value; *p on success.
 * CAIRN_ERR_AUTH for any failure (which is also counted). */
CAIRN_MUST_CHECK cairn_status relay__auth_basic(relay *r, const char *hdr, relay_principal *p);
/* Argon2id hash of secret into out (crypto_pwhash_STRBYTES). */
CAIRN_MUST_CHECK cairn_status relay__auth_hash(relay *r, const char *secret, char *out);

/* http.c */
CAIRN_MUST_CHECK cairn_status relay__http_start(relay *r);
void relay__http_stop(relay *r);
void relay__http_reply_json(struct evhttp_request *req, int code, const char *json, size_t len);
void relay__http_error(struct evhttp_request *req, int code, const char *error);
/* Authenticates the request (Basic) with rate limits; replies 401/429 and
 * returns false on failure. */
bool relay__http_auth(relay *r, struct evhttp_request *req, relay_principal *p);
/* Reads the JSON body (at most http_max_json_bytes) into a NUL-terminated
 * cairn__alloc'd buffer; replies 413/400 and returns NULL on failure. */
char *relay__http_body(relay *r, struct evhttp_request *req, size_t max, size_t *len);
const char *relay__http_peer(struct evhttp_request *req, char *buf, size_t cap);

void relay__http_accounts(relay *r, struct evhttp_request *req, const char *path);
void relay__http_keys(relay *r, struct evhttp_request *req, const char *path);
void relay__http_files(relay *r, struct evhttp_request *req, const char *path);
void relay__http_ops(relay *r, struct evhttp_request *req, const char *path);

/* kt.c */
CAIRN_MUST_CHECK cairn_status relay__kt_init(relay *r);
void relay__kt_free(relay *r);
/* Publishes uri -> identity key. When req is non-NULL the KT answer (or
 * failure) completes it: `reply` (a jansson json_t object, ownership taken)
 * gets a "kt" member and is sent with status 200. Otherwise it is a retry. */
void relay__kt_publish(relay *r, int64_t device_row, const char *uri, uint32_t device,
                       const uint8_t identity[RELAY_PUBKEY_LEN], struct evhttp_request *req,
                       void *reply);
/* Retries publications that failed earlier (timer). */
void relay__kt_retry(relay *r);

/* sip_conn.c */
CAIRN_MUST_CHECK cairn_status relay__sip_start(relay *r);
/* Closes the listener and stops reading every connection (drain). */
void relay__sip_stop_accepting(relay *r);
void relay__sip_close_all(relay *r);
void relay__sip_sweep(relay *r, int64_t now_ms);
/* Sends bytes on a connection (looked up by id); false when it is gone. */
bool relay__sip_send_to(relay *r, uint64_t conn_id, const void *data, size_t len);
/* Answers a batched MESSAGE (202 when ok, else 500) and frees req. */
void relay__sip_after_commit(relay *r, uint64_t conn_id, void *req, double received, bool ok);
/* Closes the connection bound to a removed device, if any. */
void relay__sip_drop_device(relay *r, int64_t device_row);
/* Starts or continues delivery to the device's registered connection. */
void relay__sip_deliver(relay *r, int64_t device_row);

/* MSRP session mode (sip_invite.c, msrp_*.c; spec/relay-api.md 8). MSRP
 * connection ids carry this bit, so a batched MSRP message's after-commit
 * is told apart from a MESSAGE's even once its connection is gone. */
#define RELAY_MSRP_CONN_FLAG ((uint64_t)1 << 63)
/* Opens the MSRP/TLS listener ([msrp] listen). */
CAIRN_MUST_CHECK cairn_status relay__msrp_start(relay *r);
void relay__msrp_stop_accepting(relay *r);
/* Closes every MSRP connection and frees every session. */
void relay__msrp_close_all(relay *r);
/* Slow senders, partial messages, session timers (1 s tick). */
void relay__msrp_sweep(relay *r, int64_t now_ms);
/* Sends the REPORT owed for a stored MSRP message (success when ok, else
 * a failure) and frees pending (an msrp_pending). */
void relay__msrp_after_commit(relay *r, uint64_t conn_id, void *pending, double received, bool ok);

/* store_queue.c */
/* Expired rows are deleted (TTL); returns how many. */
/* listen.c: "host:port" of a listener (IP literal, IPv6 in brackets) into
 * ss/len, and when host is not NULL the host as it goes into our URIs;
 * relay__uri_host does the latter for a bare IP literal (false if s is
 * not one or does not fit); relay__bound_port is the port fd is bound to
 * (0 on error). */
struct sockaddr_storage;
bool relay__parse_listen(const char *s, struct sockaddr_storage *ss, int *len, char *host,
                         size_t hcap);
bool relay__uri_host(char *host, size_t cap, const char *ip);
uint16_t relay__bound_port(int fd);
/* Admits a connection a listener accepted: false (fd closed, metric
 * counted) while draining, at the listener's max_open, over the address's
 * rate limit or its connection cap (cap_kind, runtime.h; the caller puts
 * it back when the connection ends). On true the address is in addr and
 * TCP_NODELAY is set. */
struct sockaddr;
bool relay__accept_admit(relay *r, int fd, const struct sockaddr *sa, int64_t open_now,
                         int64_t max_open, int cap_kind, char addr[48]);

/* Storing one message's copies (store_queue.c). begin opens the batch
 * and a savepoint (false: answer 500); enqueue_account stores one copy
 * per device of account but the sender's (only device `only` when not 0):
 * CAIRN_ERR_LIMIT when a queue is full (RELAY-Q-5), CAIRN_ERR_STORE on a
 * database error; after any error the caller calls abort (nothing of the
 * message stays), otherwise done. */
typedef struct relay_enqueue {
    int64_t saved_max;
    int copies;
} relay_enqueue;
bool relay__enqueue_begin(relay *r, relay_enqueue *q);
cairn_status relay__enqueue_account(relay *r, relay_enqueue *q, const relay_principal *from,
                                    int64_t account, uint32_t only, const char *msg_id,
                                    const char *ctype, const uint8_t *body, size_t blen,
                                    int64_t now);
void relay__enqueue_abort(relay *r, relay_enqueue *q);
void relay__enqueue_done(relay *r, relay_enqueue *q);
int64_t relay__queue_sweep(relay *r, int64_t now_ms);
CAIRN_MUST_CHECK cairn_status relay__queue_depth_load(relay *r);

int64_t relay__now_ms(void);
/* Monotonic clock for latency figures. */
double relay__mono_s(void);

#endif
