/*
 * engine_internal.h - the engine handle and what its files share.
 *
 * Files: engine.c (open/close, registration, keys, the loop, the thread),
 * estore.c (the engine's tables in the account database), send.c (sessions,
 * fan-out, texts, typing, receipts), efile.c (file transfer), recv.c (envelopes in, payload
 * dispatch, held envelopes), egroup.c (the group protocol), elink.c
 * (device linking and identity import), kt.c (key-transparency checks),
 * plus payload.c, link.c, filecrypt.c and the relay backends (net_*.c).
 *
 * Locking: every public entry point takes eng->lock (recursive) for its
 * whole duration, so callbacks may re-enter; the account has its own lock
 * below it. No engine state is global.
 */
#ifndef CAIRN_ENGINE_INTERNAL_H
#define CAIRN_ENGINE_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>

#include "base.h"
#include "cairn/cairn.h"
#include "cairn/engine.h"
#include "crypto.h"
#include "net.h"
#include "payload.h"

#define ENGINE_SECRET_LEN 64

struct cairn_engine {
    cairn_context *ctx;
    cairn_account *acct;
    engine_net *net;
    pthread_mutex_t lock;
    cairn_event_fn on_event;
    void *event_ud;
    int auto_delivered;
    int require_kt;
    int require_auditor;
    char relay[1024];
    char kt_url[512];
    char kt_sig[65];
    char kt_vrf[65];
    char auditor_key[65];
    char auditor_url[512];
    int64_t kt_self_next_ms;      /* context clock; 0: at the next process() */
    int64_t kt_monitor_period_ms; /* ENG-KT-4, within [1 s, 1 day] */
    char device_name[65];
    char temp_dir[512]; /* "" : $TMPDIR or /tmp */
    /* identity, once known */
    int have_identity;
    char uri[CAIRN_URI_MAX + 1];
    uint32_t device;
    uint8_t identity[CAIRN_PUBLIC_KEY_BYTES];
    int logged_in;
    /* linking in progress on a new device */
    int linking;
    engine_link_offer offer;
    /* engine thread */
    pthread_t thread;
    int thread_running;
    int stop_pipe[2];
    unsigned kt_alerts;
    char last_error[256];
};

/* engine.c */
void engine__lock(cairn_engine *e);
void engine__unlock(cairn_engine *e);
cairn_status engine__fail(cairn_engine *e, cairn_status rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void engine__emit(cairn_engine *e, const cairn_event *ev);
cairn_status engine__publish_keys(cairn_engine *e);
cairn_status engine__ensure_login(cairn_engine *e);
/* After an identity was installed: loads it, registers, publishes keys. */
cairn_status engine__install_and_register(cairn_engine *e);

/* estore.c: engine tables. Bodies are sealed with the account's store. */
cairn_status estore__init(cairn_engine *e);
cairn_status estore__meta_get_str(cairn_engine *e, const char *k, char *out, size_t cap);
cairn_status estore__meta_put_str(cairn_engine *e, const char *k, const char *v);
cairn_status estore__msg_put(cairn_engine *e, const char *conv, const char *msg_id,
                             const char *sender, uint32_t device, int outgoing, int kind,
                             int64_t sent_ms, const uint8_t *payload, size_t len);
/* Raises status (never lowers it); *changed says whether it moved. */
cairn_status estore__msg_status(cairn_engine *e, const char *msg_id, int outgoing, int status,
                                const char *conv_or_null, char *conv_out, size_t conv_cap,
                                int *changed);
cairn_status estore__msg_payload(cairn_engine *e, const char *conv, const char *msg_id,
                                 uint8_t **payload, size_t *len, char *sender, size_t sender_cap);
cairn_status estore__history(cairn_engine *e, const char *conv, size_t limit, cairn_history_fn fn,
                             void *ud);
cairn_status estore__device_add(cairn_engine *e, const char *uri, uint32_t dev, int *added);
cairn_status estore__devices(cairn_engine *e, const char *uri, uint32_t *out, size_t cap,
                             size_t *n);
cairn_status estore__device_forget(cairn_engine *e, const char *uri, uint32_t dev);
cairn_status estore__contact_put(cairn_engine *e, const char *uri, int kt_state);
/* Adds the contact with state 0 unless it exists. */
cairn_status estore__contact_ensure(cairn_engine *e, const char *uri);
cairn_status estore__contact_get(cairn_engine *e, const char *uri, int *kt_state);
cairn_status estore__contacts(cairn_engine *e, cairn_contact_fn fn, void *ud);
cairn_status estore__group_put(cairn_engine *e, const char *gid, const char *name,
                               const char *admin, uint64_t epoch);
cairn_status estore__group_get(cairn_engine *e, const char *gid, char *name, size_t name_cap,
                               char *admin, size_t admin_cap, uint64_t *epoch);
cairn_status estore__group_del(cairn_engine *e, const char *gid);
cairn_status estore__groups(cairn_engine *e, cairn_group_fn fn, void *ud);
/* Held envelopes: kept when they cannot be processed yet (identity change
 * not accepted, distribution for a group not joined yet). */
cairn_status estore__held_put(cairn_engine *e, const char *key, const engine_envelope *env);
typedef cairn_status (*estore_held_fn)(cairn_engine *e, engine_envelope *env);
cairn_status estore__held_replay(cairn_engine *e, const char *key, estore_held_fn fn);

/* send.c */
void engine__new_id(cairn_engine *e, uint8_t id[ENGINE_PL_ID_BYTES], char hex[CAIRN_MSG_ID_HEX]);
int64_t engine__now(cairn_engine *e);
/* Makes sure a session with each device of uri exists (bundle + KT). */
cairn_status engine__ensure_sessions(cairn_engine *e, const char *uri, uint32_t *devs, size_t cap,
                                     size_t *n);
/* Encrypts payload for one device and sends it (1:1 / distribution when
 * group is non-NULL with a raw ciphertext). */
cairn_status engine__send_payload_to(cairn_engine *e, const cairn_address *to, const uint8_t *pl,
                                     size_t len);
cairn_status engine__send_ct(cairn_engine *e, const cairn_address *to, uint8_t type,
                             const char *group, const uint8_t *ct, size_t len);
/* Fan-out of a payload to every device of uri, and self_pl (may be NULL:
 * skip) to our other devices (ENG-FAN-1..3). */
cairn_status engine__fanout(cairn_engine *e, const char *uri, const uint8_t *pl, size_t len,
                            const uint8_t *self_pl, size_t self_len);
/* Sends a TEXT/FILE/TYPING payload to a conversation (user URI or
 * "group:<id>"); sets p->group_id and p->dest. Stores it in the history
 * when store_kind != 0. */
cairn_status engine__send_to_conv(cairn_engine *e, const char *conv, engine_payload *p,
                                  int store_kind, const char *msg_hex);
cairn_status engine__send_receipt(cairn_engine *e, const char *to, int type,
                                  const uint8_t ids[][ENGINE_PL_ID_BYTES], size_t n);
cairn_status engine__bundle_identity(const char *json, size_t len,
                                     uint8_t key[CAIRN_PUBLIC_KEY_BYTES]);
/* Raises IDENTITY_CHANGED (with the directory's opinion) and remembers
 * the key for cairn_engine_identity_accept. */
void engine__identity_event(cairn_engine *e, const char *uri,
                            const uint8_t key[CAIRN_PUBLIC_KEY_BYTES]);
cairn_status engine__send_outbox(cairn_engine *e, const char *gid, cairn_outbox *ob);

/* recv.c */
cairn_status engine__handle_envelope(cairn_engine *e, engine_envelope *env);

/* egroup.c */
cairn_status egroup__handle(cairn_engine *e, const engine_envelope *env, const engine_payload *p);
cairn_status egroup__send_payload(cairn_engine *e, const char *gid, const uint8_t *pl, size_t len);

/* elink.c */
cairn_status elink__import_identity(cairn_engine *e, const char *uri, uint32_t device,
                                    const uint8_t pub[CAIRN_PUBLIC_KEY_BYTES],
                                    const uint8_t priv[32]);

/* kt.c: the directory check before trusting a key (ENG-KT-1..3, 7).
 * CAIRN_OK when the directory shows `key` for uri (or no directory is
 * configured and require_kt is 0: *state says which). */
cairn_status ekt__check(cairn_engine *e, const char *uri, const uint8_t key[CAIRN_PUBLIC_KEY_BYTES],
                        int *state);

#endif
