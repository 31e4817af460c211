/*
 * ktserver.h - cairn-kt, the key transparency HTTP server
 * (spec/kt-api.md): the server handle the cairn-kt binary runs, and the
 * request parsers it uses, exposed so tests and fuzz targets reach them.
 *
 * Ownership: cairn_kts_server is created and destroyed in a pair
 * (destroy(NULL) is a no-op); options are copied at create time except
 * the path strings, which must outlive the server. Parsed publish
 * requests are freed with cairn_kts_publish_free.
 */
#ifndef CAIRN_KTSERVER_H
#define CAIRN_KTSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/context.h"
#include "cairn/export.h"
#include "cairn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_KTS_MAX_BODY (1024u * 1024u)   /* KT-API-2 */
#define CAIRN_KTS_MAX_UPDATES 1024           /* per publish request */
#define CAIRN_KTS_MAX_MONITOR 32
#define CAIRN_KTS_HMAC_SKEW_MS 300000

typedef struct cairn_kts_options {
    const char *data_dir;        /* SQLite file + mirror/ live here */
    const char *keys_dir;        /* signing.seed, vrf.secret, mirror.key */
    const char *listen_addr;     /* default 127.0.0.1 */
    uint16_t port;               /* 0: ephemeral */
    const char *port_file;       /* bound port written here (may be NULL) */
    const char *origin;          /* mirror origin, default cairn-kt.mirror */
    const char *token_file;      /* bearer token (may be NULL) */
    const char *hmac_key_file;   /* HMAC key, hex (may be NULL) */
    uint32_t batch_ms;           /* default 1000 */
    uint32_t batch_max;          /* default 100000 */
    uint32_t heartbeat_s;        /* default 60, 0: off */
    size_t max_body;             /* default CAIRN_KTS_MAX_BODY */
    int mode;                    /* 1 contact monitoring, 3 auditing */
    uint8_t auditor_public_key[32];
    uint64_t max_auditor_lag, max_ahead, max_behind, rmw;
    const char *witness_urls[4]; /* C2SP witnesses fed with the mirror */
    size_t n_witness;
    const char *tls_cert;        /* PEM chain: serve HTTPS (may be NULL) */
    const char *tls_key;         /* PEM private key */
    bool unsafe_test_mode;       /* KT-API-30 */
    bool init_keys;              /* create missing keys */
    /* Threads computing publish VRF outputs off the event loop (at most 8;
     * 0: on the loop thread). Default: one per online CPU. */
    uint32_t vrf_threads;
} cairn_kts_options;

/* Fills the defaults. */
void cairn_kts_options_init(cairn_kts_options *o);

typedef struct kts_server cairn_kts_server;

/* Opens the store, replays the directory, syncs the mirror and binds the
 * HTTP listener. Errors: CAIRN_ERR_INVALID_ARG, CAIRN_ERR_NOT_FOUND
 * (keys missing without init_keys), CAIRN_ERR_CORRUPT (records do not
 * replay), CAIRN_ERR_STORE, CAIRN_ERR_IO, CAIRN_ERR_NETWORK (bind). */
CAIRN_MUST_CHECK cairn_status cairn_kts_create(const cairn_context *ctx,
                                               const cairn_kts_options *o,
                                               cairn_kts_server **out);
/* Runs the event loop until cairn_kts_stop (or SIGTERM/SIGINT in main). */
cairn_status cairn_kts_run(cairn_kts_server *s);
void cairn_kts_stop(cairn_kts_server *s);
void cairn_kts_destroy(cairn_kts_server *s);

/* ------------------------------------------------------------ parsers */

typedef struct cairn_kts_update {
    uint8_t label[255];
    size_t label_len;
    uint8_t *value;      /* allocated */
    size_t value_len;
} cairn_kts_update;

typedef struct cairn_kts_publish {
    cairn_kts_update *updates;
    size_t n;
} cairn_kts_publish;

/* Parses a publish body (KT-API-6): JSON {"updates":[{"label","value_b64"}]},
 * 1..CAIRN_KTS_MAX_UPDATES updates, labels 1..255 bytes without control
 * characters (KT-API-5), values 1..65536 bytes, no unknown members. On
 * error *reason is a static human string. Errors: CAIRN_ERR_DECODE,
 * CAIRN_ERR_TOO_LARGE, CAIRN_ERR_NOMEM. */
CAIRN_MUST_CHECK cairn_status cairn_kts_publish_parse(
    const cairn_context *ctx, const uint8_t *body, size_t len,
    cairn_kts_publish *out, const char **reason);
void cairn_kts_publish_free(const cairn_context *ctx, cairn_kts_publish *p);

/* Label check of KT-API-5. */
bool cairn_kts_label_ok(const uint8_t *label, size_t len);

/* Checks the X-Cairn-KT-Auth header value (KT-API-6) for body at now_ms.
 * Errors: CAIRN_ERR_DECODE (malformed header), CAIRN_ERR_AUTH (wrong MAC),
 * CAIRN_ERR_STALE (timestamp outside the skew). */
CAIRN_MUST_CHECK cairn_status cairn_kts_hmac_check(
    const uint8_t *key, size_t key_len, const char *header,
    const uint8_t *body, size_t body_len, int64_t now_ms);
/* Computes the header value for a publisher (out holds >= 96 bytes). */
cairn_status cairn_kts_hmac_header(const uint8_t *key, size_t key_len,
                                   const uint8_t *body, size_t body_len,
                                   int64_t now_ms, char *out, size_t cap);

/* Strict decimal u64 (no sign, no leading zeros, no overflow). */
CAIRN_MUST_CHECK cairn_status cairn_kts_parse_u64(const char *s, uint64_t *v);
/* "pos:ver,pos:ver" monitoring map, ascending positions, at most max. */
CAIRN_MUST_CHECK cairn_status cairn_kts_parse_entries(const char *s,
                                                      uint64_t *pos,
                                                      uint32_t *ver,
                                                      size_t max, size_t *n);

#ifdef __cplusplus
}
#endif
#endif
