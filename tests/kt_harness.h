/*
 * kt_harness.h - helpers the key transparency integration tests share:
 * spawn the real cairn-kt / cairn-audit binaries on ephemeral loopback
 * ports (the port comes back through --port-file), publish, fetch the
 * pinned configuration, and kill/restart them.
 */
#ifndef KT_HARNESS_H
#define KT_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cairn/context.h"
#include "cairn/ktdir.h"

#define KTH_TOKEN "kt-test-token-0123456789"

typedef struct kth_proc {
    pid_t pid;
    unsigned port;
    char url[64];
    char port_file[512];
} kth_proc;

/* Path of a built binary (CAIRN_BUILD_DIR + rel). */
const char *kth_bin(const char *rel);
/* Starts `bin` with argv (NULL-terminated, without argv[0]) plus
 * "--port-file <dir>/<name>.port"; waits for the port. 0 on success. */
int kth_spawn(kth_proc *p, const char *bin, const char *dir, const char *name,
              const char *const *args);
/* Starts cairn-kt with data/keys under dir (keys created with --init),
 * the test token, and extra args. */
int kth_kt_start(kth_proc *p, const char *dir, const char *keys,
                 const char *const *extra);
void kth_kill(kth_proc *p, int sig);
/* Waits for exit; returns the exit status (or 128+signal). */
int kth_wait(kth_proc *p);

/* POST /kt/v1/publish of one update; returns the HTTP status and (if
 * position not NULL) the position/version from the JSON answer. */
long kth_publish(const cairn_context *ctx, const char *url, const char *token,
                 const char *label, const uint8_t *value, size_t vlen,
                 uint64_t *position, uint32_t *version);
/* Raw request helper: status code, body discarded. */
long kth_request(const cairn_context *ctx, const char *method, const char *url,
                 const char *const *headers, const char *body, size_t len);
/* GET /kt/v1/config -> the Configuration clients pin. */
int kth_config(const cairn_context *ctx, const char *url, cairn_kt_config *cfg);
/* GET /kt/v1/tree-head -> tree size (0 on error). */
uint64_t kth_tree_size(const cairn_context *ctx, const char *url);
/* Runs cairn-audit --init --print-keys on the state directory adir and
 * writes the auditor's public key (64 hex digits): what a directory in
 * auditing mode pins. 0, or -1 if it printed none. */
int kth_auditor_key(const char *adir, char hex[65]);

/* A cairn-relay (this build's server/cairn-relay) on loopback ports with
 * its state in dir, publishing identities to the cairn-kt at kt_url with
 * token (kt_url NULL: no publishing); per-address limits lifted and cheap
 * Argon2id, for tests. url is the engine's relay URL, ca its certificate.
 * 0 on success, -2 when the binary is not built (skip), -1 on failure. */
typedef struct kth_relay {
    pid_t pid;
    unsigned https, sip;
    char url[128];
    char ca[600];
} kth_relay;
int kth_relay_start(kth_relay *r, const char *dir, const char *kt_url, const char *token);
/* SIGTERM and wait; a never-started relay is a no-op. */
void kth_relay_stop(kth_relay *r);

#endif
