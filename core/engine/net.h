/*
 * net.h - what the engine needs from a relay, as one interface with one
 * backend per kind of relay: net_dir.c (a relay in a shared directory,
 * for tests and single-machine use) and, as the transport lands, the
 * cairn-relay backend (HTTPS + SIP, spec/relay-api.md).
 *
 * Invariants every backend keeps: envelopes for one device come out of
 * fetch() in the order they were accepted by send(); an envelope stays
 * queued until ack() names it; send() to a device the relay does not list
 * for that user is CAIRN_ERR_STALE (the engine then refreshes the device
 * list, ENG-FAN-3). Outputs are allocated with the context allocator.
 */
#ifndef CAIRN_ENGINE_NET_H
#define CAIRN_ENGINE_NET_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "cairn/account.h"
#include "cairn/engine.h"
#include "cairn/group.h"

#define ENGINE_ENV_ID_MAX 64
#define ENGINE_MAX_DEVICES 32
#define ENGINE_FETCH_BATCH 64

typedef struct engine_envelope {
    char from_uri[CAIRN_URI_MAX + 1];
    uint32_t from_device;
    char to_uri[CAIRN_URI_MAX + 1];
    uint32_t to_device;
    /* 1 PREKEY / 2 NORMAL (a distribution when group_id is set),
     * 3 SENDER_KEY (group_id set) */
    uint8_t type;
    char group_id[CAIRN_GROUP_ID_MAX + 1];
    char id[ENGINE_ENV_ID_MAX + 1];
    int64_t ts;
    uint8_t *data;
    size_t len;
} engine_envelope;

typedef struct engine_net engine_net;

typedef struct engine_net_ops {
    /* Makes (uri, device) known with a secret the backend authenticates it
     * by later. CAIRN_ERR_EXISTS if device 1 of uri exists with another
     * identity. */
    cairn_status (*register_device)(engine_net *n, const char *uri, uint32_t device,
                                    const uint8_t identity[CAIRN_PUBLIC_KEY_BYTES],
                                    const char *secret);
    /* Sets who this connection acts as (after open). */
    cairn_status (*login)(engine_net *n, const char *uri, uint32_t device, const char *secret);
    cairn_status (*upload_keys)(engine_net *n, const char *json, size_t len);
    cairn_status (*prekey_count)(engine_net *n, unsigned *count);
    cairn_status (*fetch_bundle)(engine_net *n, const char *uri, uint32_t device, char **json,
                                 size_t *len);
    cairn_status (*devices)(engine_net *n, const char *uri, uint32_t *out, size_t cap,
                            size_t *count);
    /* Removes another device of the logged-in account with its queue and
     * keys (ENG-RELAY-10). CAIRN_ERR_NOT_FOUND if the relay does not list it. */
    cairn_status (*remove_device)(engine_net *n, uint32_t device);
    cairn_status (*send)(engine_net *n, const engine_envelope *env);
    /* Up to cap envelopes for this device; data owned by the caller. */
    cairn_status (*fetch)(engine_net *n, engine_envelope *out, size_t cap, size_t *count);
    cairn_status (*ack)(engine_net *n, const char *id);
    /* Uploads the len bytes fd holds from its current offset (streamed,
     * never all in memory); url receives where they can be fetched. */
    cairn_status (*file_put)(engine_net *n, int fd, uint64_t len, cairn_progress_fn progress,
                             void *ud, char *url, size_t url_cap);
    /* Writes the blob at url to fd; CAIRN_ERR_TOO_LARGE past max bytes
     * (what was written then is garbage); *len = bytes written. */
    cairn_status (*file_get)(engine_net *n, const char *url, uint64_t max, int fd, uint64_t *len,
                             cairn_progress_fn progress, void *ud);
    cairn_status (*mailbox_put)(engine_net *n, const char *box, const uint8_t *data, size_t len);
    /* CAIRN_ERR_NOT_FOUND when empty. */
    cairn_status (*mailbox_take)(engine_net *n, const char *box, uint8_t **data, size_t *len);
    int (*fd)(engine_net *n);
    /* Drains the fd's readiness. */
    void (*drain)(engine_net *n);
    void (*destroy)(engine_net *n);
} engine_net_ops;

/* Backends that receive by push (a SIP connection) hand each envelope to
 * this handler as it arrives, so it is acknowledged only after the engine
 * stored its effects (a store failure makes the relay keep it). */
typedef cairn_status (*engine_net_handler)(void *ud, engine_envelope *env);

struct engine_net {
    const engine_net_ops *ops;
    const cairn_context *ctx;
    engine_net_handler handler;
    void *handler_ud;
};

/* Opens the backend for a relay URL ("dir:/path", "https://..."). */
cairn_status engine__net_open(const cairn_context *ctx, const char *url, const char *ca_file,
                              engine_net **out);
cairn_status engine__net_relay_open(const cairn_context *ctx, const char *url, const char *ca_file,
                                    engine_net **out);
cairn_status engine__net_dir_open(const cairn_context *ctx, const char *path, engine_net **out);

void engine__envelope_clear(const cairn_context *ctx, engine_envelope *e);

#endif
