/*
 * audit_internal.h - state shared by the files of cairn-audit
 * (spec/kt-auditor.md).
 *
 * One thread, one libevent loop: polling the server (blocking libcurl
 * calls from a timer), the witness endpoint and gossip all run to
 * completion one at a time, which is what makes the witness's
 * check-and-save atomic (c2sp-tlog-witness.md) without locks.
 *
 * What the auditor trusts: the server configuration pinned on first
 * contact (or given), the mirror verifier key from it, and its own
 * SQLite state: per log position the LogEntry it verified, per tree size
 * the directory root it computed, and the latest mirror checkpoint.
 */
#ifndef CAIRN_KTA_INTERNAL_H
#define CAIRN_KTA_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <event2/event.h>
#include <event2/http.h>
#include <sqlite3.h>

#include "base.h"
#include "cairn/checkpoint.h"
#include "cairn/ktaudit.h"
#include "cairn/ktdir.h"
#include "cairn/note.h"
#include "ktdir_internal.h"

#define KTA_EXIT_EVIDENCE 3

typedef struct kta {
    const cairn_context *ctx;
    /* options */
    const char *server, *state_dir, *evidence_dir, *listen_addr, *port_file;
    const char *name;            /* witness / auditor name */
    uint16_t port;
    uint32_t interval_ms;
    bool once, json, daemon;
    /* keys */
    uint8_t audit_sk[64], audit_pk[32];   /* auditor tree heads */
    uint8_t wit_sk[64], wit_pk[32];       /* cosignatures */
    /* pinned server facts */
    bool pinned;
    uint8_t config[1024];
    size_t config_len;
    cairn_kt_config cfg, acfg;          /* acfg: cfg as the auditor signs it */
    char mirror_origin[256];
    cairn_note_verifier *mirror_v;
    /* progress */
    cairn_kt_auditor *aud;
    ktdir__log klog;                    /* directory log tree (KT-LOG-2) */
    uint8_t *mleaves;                   /* RFC 6962 leaf hashes of the mirror */
    uint64_t n_entries, cap_mleaves;
    uint64_t persisted;                 /* entries [0, persisted) are in SQLite */
    uint8_t *praw;                      /* verified LogEntries not yet stored */
    size_t cap_praw;
    uint64_t head_size;                 /* last verified signed head */
    uint8_t head_root[32], head_sig[64];
    uint64_t cp_size;                   /* last verified mirror checkpoint */
    uint8_t cp_root[32];
    char *cp_note;
    size_t cp_note_len;
    uint8_t *ath;                       /* latest AuditorTreeHead */
    size_t ath_len;
    /* runtime */
    sqlite3 *db;
    struct event_base *base;
    struct evhttp *http;
    struct event *timer;
    int exit_code;
} kta;

/* state.c */
cairn_status kta__state_open(kta *a);
void kta__state_close(kta *a);
cairn_status kta__state_put(kta *a, const char *k, const void *v, size_t n);
cairn_status kta__state_get(kta *a, const char *k, void *v, size_t cap, size_t *n);
cairn_status kta__root_put(kta *a, uint64_t size, const uint8_t root[32]);
cairn_status kta__root_get(kta *a, uint64_t size, uint8_t root[32]);
cairn_status kta__witness_get(kta *a, const char *origin, uint64_t *size,
                              uint8_t root[32]);
cairn_status kta__witness_put(kta *a, const char *origin, uint64_t size,
                              const uint8_t root[32], const uint8_t *note,
                              size_t note_len);
/* Verified LogEntries (CAIRN_KT_AUDIT_ENTRY_BYTES each), positions from
 * `from`, stored with the head and checkpoint meta rows in one
 * transaction, so a restart resumes exactly where a verified poll ended. */
cairn_status kta__entries_commit(kta *a, uint64_t from, const uint8_t *raw, uint64_t n,
                                 const uint8_t *head, size_t head_len,
                                 const char *note, size_t note_len);
/* All stored entries in position order (allocated; CORRUPT if positions
 * have gaps or a row has the wrong size). */
cairn_status kta__entries_load(kta *a, uint8_t **raw, uint64_t *n);
cairn_status kta__witness_log_key(kta *a, const char *origin, char *vkey, size_t cap);
cairn_status kta__witness_add_log(kta *a, const char *vkey);

/* follow.c: one poll; CAIRN_ERR_PROOF after evidence was written. */
cairn_status kta__poll(kta *a);
cairn_status kta__pin(kta *a);

/* evidence.c: writes the two conflicting statements and a reason, sets
 * exit_code and stops the loop. */
void kta__evidence(kta *a, const char *reason, const char *a_name,
                   const void *a_data, size_t a_len, const char *b_name,
                   const void *b_data, size_t b_len);
void kta__report(kta *a, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* http.c */
cairn_status kta__http_start(kta *a);

#endif
