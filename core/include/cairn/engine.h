/*
 * engine.h - the client engine: everything a messaging app needs on top of
 * the protocol core. One engine per account (store). Protocol facts are in
 * spec/client-engine.md; this header is the API documentation.
 *
 * What it does: registers the device with a relay and publishes its keys;
 * sends text and files to every device of a user and to this account's
 * other devices (fan-out); receives and reports messages, receipts,
 * typing, identity changes, key-transparency alerts, group changes and
 * linked devices as events; runs the group-management protocol over
 * sender-key groups; links a second device to the account; checks contacts'
 * keys against the key-transparency directory.
 *
 * Threading model (pick one per engine; never both):
 *  - App-driven: the app polls cairn_engine_fd() for readability with the
 *    timeout cairn_engine_process() returned, and calls
 *    cairn_engine_process() whenever it wakes. Events are delivered from
 *    inside process(), on the app's thread.
 *  - Engine thread: cairn_engine_start() runs that same loop on a thread
 *    the engine owns; events are delivered on that thread.
 *    cairn_engine_stop() (or close) joins it.
 * Every other call may come from any thread: an engine serialises all
 * calls with its own (recursive) lock, so the event callback may call back
 * into the engine. There is no global state: two engines in one process
 * (even for the same relay) never share anything but the context.
 *
 * Ownership: the engine keeps a pointer to ctx (which must outlive it) and
 * copies every string of the config. Pointers inside a cairn_event are
 * valid only during the callback. Strings the engine returns through
 * caller buffers are NUL-terminated and never truncated silently
 * (CAIRN_ERR_TOO_LARGE instead).
 *
 * Errors: every function returns a cairn_status; a human-readable detail
 * (no secrets, no message content) is available from
 * cairn_engine_last_error() until the next call on the same thread.
 */
#ifndef CAIRN_ENGINE_H
#define CAIRN_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "account.h"
#include "context.h"
#include "export.h"
#include "fingerprint.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cairn_engine cairn_engine;

/* Message ids are 16 random bytes shown as 32 lowercase hex digits. */
#define CAIRN_MSG_ID_HEX 33
/* Group ids the engine makes: 16 random bytes as 32 hex digits. */
#define CAIRN_GROUP_ID_HEX 33
/* A device-linking code: "XXXX-XXXX-XXXX-XXXX" and NUL. */
#define CAIRN_LINK_CODE_LEN 20
/* The QR text for linking: "cairn-link:1:" + 16 symbols + NUL. */
#define CAIRN_LINK_QR_LEN 32

typedef enum cairn_event_type {
    CAIRN_EVENT_MESSAGE = 1,          /* a text (incoming, or sent by our other device) */
    CAIRN_EVENT_FILE = 2,             /* a file offer; fetch with cairn_engine_file_download */
    CAIRN_EVENT_DELIVERED = 3,        /* a message of ours reached a device of the peer */
    CAIRN_EVENT_READ = 4,             /* the peer read a message of ours */
    CAIRN_EVENT_TYPING = 5,           /* typing state of a peer */
    CAIRN_EVENT_IDENTITY_CHANGED = 6, /* a contact presents a new identity key */
    CAIRN_EVENT_KT_ALERT = 7,         /* key transparency contradicts what we see */
    CAIRN_EVENT_DEVICE_LINKED = 8,    /* a new device joined this account */
    CAIRN_EVENT_GROUP = 9             /* group created, joined, member added/removed, left */
} cairn_event_type;

typedef struct cairn_event {
    cairn_event_type type;
    const char *peer;         /* the user the event is about (sender, reader...) */
    uint32_t device;          /* the peer's device, 0 if not applicable */
    const char *conversation; /* peer URI, or "group:<id>" */
    const char *group_id;     /* NULL outside groups */
    const char *msg_id;       /* 32 hex digits, NULL if not applicable */
    const char *text;         /* MESSAGE: UTF-8 body (not NUL-terminated) */
    size_t text_len;
    int64_t sent_ms;
    int outgoing;                /* MESSAGE/FILE: sent by another device of ours */
    int typing;                  /* TYPING: 1 composing, 0 idle */
    const char *file_name;       /* FILE */
    uint64_t file_size;          /* FILE */
    const uint8_t *identity_key; /* IDENTITY_CHANGED: the new key (33 bytes) */
    int kt_confirmed;            /* IDENTITY_CHANGED: the directory shows the new key */
    const char *detail;          /* KT_ALERT, GROUP: a sentence for humans */
} cairn_event;

typedef void (*cairn_event_fn)(void *ud, const cairn_event *ev);
/* Progress of an upload or download: bytes done out of total. */
typedef void (*cairn_progress_fn)(void *ud, uint64_t done, uint64_t total);

typedef struct cairn_engine_config {
    size_t size; /* sizeof(cairn_engine_config) */
    /* The relay: "dir:/path" (a relay in a shared directory, for tests and
     * single-machine use) or "https://host:port" (cairn-relay). NULL: the
     * one stored in the account when it registered. */
    const char *relay;
    /* Key transparency: directory URL (NULL: the relay's, or none) and its
     * Ed25519 signature and VRF public keys (hex, 64 digits each). */
    const char *kt_url;
    const char *kt_sig_key;
    const char *kt_vrf_key;
    /* Refuse to talk to a contact the directory cannot vouch for (1), or
     * only report it (0, default). */
    int require_kt;
    /* ENG-KT-5: trust only what the auditor has signed. The directory must
     * run in third-party-auditing mode with auditor_key (when set) as its
     * auditor, else every check fails with CAIRN_ERR_PROOF and a KT alert;
     * a key whose log entry lies past the auditor's last signed head is
     * refused with CAIRN_ERR_STALE and a KT alert (nothing is sent; retry
     * once the auditor has caught up). Implies require_kt. */
    int require_auditor;
    const char *auditor_key; /* hex Ed25519 key of the auditor */
    const char *auditor_url; /* where checkpoints are gossiped (ENG-KT-6) */
    /* TLS trust for https relays: a CA file (NULL: system default). */
    const char *ca_file;
    /* Events; may be NULL (events are then dropped). */
    cairn_event_fn on_event;
    void *event_ud;
    /* A name for this device shown to the account's other devices. */
    const char *device_name;
    /* Send delivery receipts automatically (default 1 when size covers it). */
    int no_auto_delivered;
    /* ENG-KT-4: how often process() (app-driven or on the engine thread)
     * searches this account's own label, measured with the context's
     * clock; the first search is at the first process() after open.
     * 0: once a day. Clamped to [1 s, 1 day]. Since 0.1. */
    int64_t kt_monitor_period_ms;
    /* Where cairn_engine_send_file writes the encrypted copy of a file
     * while it uploads (deleted at once, never a plaintext). NULL: $TMPDIR,
     * else /tmp. Mobile apps pass their cache directory. Since 0.2. */
    const char *temp_dir;
} cairn_engine_config;

/* Fills cfg with defaults. Since 0.1. */
CAIRN_EXPORT void cairn_engine_config_init(cairn_engine_config *cfg);

/* Opens the engine on the account store at `path` (created if missing)
 * with the 32-byte storage key. cfg may be NULL for defaults. A store that
 * has no identity yet can create one (cairn_engine_create_account) or be
 * linked (cairn_engine_link_begin).
 * Errors: as cairn_account_open; CAIRN_ERR_INVALID_ARG (bad relay URL).
 * On success *out is released with cairn_engine_close. Since 0.1. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status
cairn_engine_open(cairn_context *ctx, const char *path, const uint8_t key[CAIRN_STORAGE_KEY_BYTES],
                  const cairn_engine_config *cfg, cairn_engine **out);

/* Stops the engine thread if running, closes the relay connection and the
 * account. NULL is a no-op. Since 0.1. */
CAIRN_EXPORT void cairn_engine_close(cairn_engine *eng);

/* The account the engine runs (borrowed; valid until close). Since 0.1. */
CAIRN_EXPORT cairn_account *cairn_engine_account(cairn_engine *eng);

/* Detail of the last error on this engine, for humans. Since 0.1. */
CAIRN_EXPORT const char *cairn_engine_last_error(cairn_engine *eng);

/* Creates the account identity as device 1 of `uri`, registers it with
 * the relay and publishes its keys. CAIRN_ERR_EXISTS if the store already
 * has an identity or the relay already has this user. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_create_account(cairn_engine *eng, const char *uri);

/* Registers this device with the relay again (idempotent) and publishes
 * its keys. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_register(cairn_engine *eng);

/* Uploads a new batch of one-time pre-keys when fewer than
 * CAIRN_PREKEY_LOW_WATER remain at the relay, and rotates the signed
 * pre-key when due. *uploaded (may be NULL) is 1 when keys were sent.
 * Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_replenish(cairn_engine *eng, int *uploaded);

/* Connects to the relay (and keeps reconnecting with backoff from
 * process()). For "dir:" relays this only checks the directory.
 * Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_connect(cairn_engine *eng);

/* ----------------------------------------------------------- event loop */

/* A file descriptor that becomes readable when the engine has work; -1 if
 * the app should just call process() after the returned timeout. Owned by
 * the engine. Since 0.1. */
CAIRN_EXPORT int cairn_engine_fd(cairn_engine *eng);

/* Receives and handles everything pending, delivering events, and
 * retries what is due (including the periodic own-label search of
 * kt_monitor_period_ms, whose failure is reported as a KT_ALERT event,
 * not as the return value). *next_ms (may be NULL) receives the longest
 * the app may wait before calling again. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_process(cairn_engine *eng, int *next_ms);

/* Runs the loop on an engine-owned thread until cairn_engine_stop.
 * CAIRN_ERR_STATE if already running. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_start(cairn_engine *eng);
CAIRN_EXPORT void cairn_engine_stop(cairn_engine *eng);

/* ------------------------------------------------------------ messaging */

/* Sends a text to every device of user `to` and our other devices.
 * msg_id (may be NULL) receives the message id. Errors:
 * CAIRN_ERR_IDENTITY_CHANGED (contact's key changed and is not accepted),
 * CAIRN_ERR_PROOF (key transparency contradicts the relay: alert raised),
 * CAIRN_ERR_STALE (require_auditor: the auditor has not yet signed a head
 * covering the contact's key; alert raised, try again later),
 * CAIRN_ERR_NOT_FOUND (no such user at the relay), network errors.
 * Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_send_text(cairn_engine *eng, const char *to,
                                                 const char *text, size_t len,
                                                 char msg_id[CAIRN_MSG_ID_HEX]);

/* Sends a typing state (1 composing, 0 idle) to a conversation (a user
 * URI or "group:<id>"). Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_send_typing(cairn_engine *eng, const char *conversation,
                                                   int composing);

/* Marks a received message read and sends the encrypted read receipt to
 * its sender (and the read state to our other devices). Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_mark_read(cairn_engine *eng, const char *conversation,
                                                 const char *msg_id);

/* Encrypts the file at `path` under a fresh key, uploads it with progress
 * reports, and sends its descriptor (URL, key, digest, size, name) to a
 * conversation (user URI or "group:<id>"). The file streams through a
 * temporary encrypted copy in temp_dir (memory stays a few chunks,
 * whatever the size, up to 256 MiB). Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_send_file(cairn_engine *eng, const char *conversation,
                                                 const char *path, const char *content_type,
                                                 cairn_progress_fn progress, void *ud,
                                                 char msg_id[CAIRN_MSG_ID_HEX]);

/* Downloads, checks and decrypts the file of a received FILE message and
 * writes it to `out_path` (which must not exist: CAIRN_ERR_EXISTS). The
 * download goes to an unnamed temporary file in out_path's directory, is
 * checked whole (size, digest) and decrypted into "<out_path>.partXXXXXX",
 * which is linked to out_path only after every chunk authenticated;
 * nothing is left behind on failure. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_file_download(cairn_engine *eng, const char *conversation,
                                                     const char *msg_id, const char *out_path,
                                                     cairn_progress_fn progress, void *ud);

/* A stored message as history returns it. */
typedef struct cairn_history_item {
    const char *msg_id;
    const char *sender; /* user URI */
    int outgoing;
    int kind;         /* 1 text, 4 file */
    const char *text; /* text body or file name */
    size_t text_len;
    int64_t sent_ms;
    int status; /* outgoing: 0 sent, 1 delivered, 2 read; incoming: 0 new, 2 read */
} cairn_history_item;
typedef void (*cairn_history_fn)(void *ud, const cairn_history_item *item);

/* Calls fn for the last `limit` messages of a conversation, oldest first.
 * Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_history(cairn_engine *eng, const char *conversation,
                                               size_t limit, cairn_history_fn fn, void *ud);

/* Calls fn(ud, uri, verified, kt_state) for every contact. kt_state: 0
 * not checked, 1 verified by the directory, 2 alert. Since 0.1. */
typedef void (*cairn_contact_fn)(void *ud, const char *uri, int verified, int kt_state);
CAIRN_EXPORT cairn_status cairn_engine_contacts(cairn_engine *eng, cairn_contact_fn fn, void *ud);

/* Known devices of a user (this account's own with uri NULL). */
CAIRN_EXPORT cairn_status cairn_engine_devices(cairn_engine *eng, const char *uri,
                                               uint32_t *devices, size_t cap, size_t *count);

/* --------------------------------------------------------------- groups */

/* Creates a group with the given users (this account included
 * implicitly) and announces it. group_id receives its id. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_group_create(cairn_engine *eng, const char *name,
                                                    const char *const *members, size_t count,
                                                    char group_id[CAIRN_GROUP_ID_HEX]);
/* Adds / removes a user (admin only: CAIRN_ERR_STATE otherwise). Removal
 * rotates every remaining member's sender key. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_group_add(cairn_engine *eng, const char *group_id,
                                                 const char *uri);
CAIRN_EXPORT cairn_status cairn_engine_group_remove(cairn_engine *eng, const char *group_id,
                                                    const char *uri);
/* Leaves the group and tells the others. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_group_leave(cairn_engine *eng, const char *group_id);
/* Sends a text to the group. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_group_send(cairn_engine *eng, const char *group_id,
                                                  const char *text, size_t len,
                                                  char msg_id[CAIRN_MSG_ID_HEX]);
/* Calls fn(ud, group_id, name, admin) for each group. Since 0.1. */
typedef void (*cairn_group_fn)(void *ud, const char *group_id, const char *name, const char *admin);
CAIRN_EXPORT cairn_status cairn_engine_groups(cairn_engine *eng, cairn_group_fn fn, void *ud);

/* ------------------------------------------------------------- linking */

/* New device (store without identity): starts linking; writes the code
 * to show and the text of the QR code. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_link_begin(cairn_engine *eng, char code[CAIRN_LINK_CODE_LEN],
                                                  char qr[CAIRN_LINK_QR_LEN]);
/* New device: waits up to timeout_ms for the existing device's answer,
 * then installs the identity, registers and publishes keys.
 * CAIRN_ERR_TIMEOUT if nothing came (call again). Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_link_finish(cairn_engine *eng, int timeout_ms);
/* Existing device: approves the new device whose code (or QR text) the
 * user typed, sending it the account identity. Waits up to timeout_ms
 * for its offer. *device (may be NULL) receives the new device id.
 * CAIRN_ERR_AUTH if the code does not match the offer. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_link_approve(cairn_engine *eng, const char *code,
                                                    int timeout_ms, uint32_t *device);
/* Removes another device of this account (a lost phone, a link that never
 * finished): the relay deletes it with its queue and keys, and it leaves
 * this device's fan-out at once; other devices and contacts stop sending
 * to it when they next refresh the account's device list (ENG-FAN-3).
 * The removed device's store is not touched. CAIRN_ERR_INVALID_ARG for
 * this device itself or id 0, CAIRN_ERR_NOT_FOUND if the relay does not
 * list it, CAIRN_ERR_STATE without an identity. Since 0.2. */
CAIRN_EXPORT cairn_status cairn_engine_device_remove(cairn_engine *eng, uint32_t device);

/* -------------------------------------------------------- verification */

/* Safety number with a contact (see fingerprint.h). Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_safety_number(cairn_engine *eng, const char *uri,
                                                     char digits[CAIRN_SAFETY_NUMBER_DIGITS + 1],
                                                     uint8_t *scannable, size_t *scannable_len);
/* Marks a contact verified (1) or not (0). Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_set_verified(cairn_engine *eng, const char *uri,
                                                    int verified);
/* Accepts the new identity key a contact presented (after an
 * IDENTITY_CHANGED event); messages held meanwhile are then processed.
 * CAIRN_ERR_NOT_FOUND if no change is pending. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_identity_accept(cairn_engine *eng, const char *uri);

/* Key-transparency state: *checked 1 when this account's own label was
 * verified, the tree size of the last verified head, and the number of
 * alerts raised so far. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_kt_status(cairn_engine *eng, int *self_ok,
                                                 uint64_t *tree_size, unsigned *alerts);

/* Re-checks this account's own label now (ENG-KT-4). Since 0.1. */
CAIRN_EXPORT cairn_status cairn_engine_kt_check_self(cairn_engine *eng);

#ifdef __cplusplus
}
#endif
#endif
