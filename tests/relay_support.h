/*
 * relay_support.h - helpers for the cairn-relay integration tests: start
 * the real server binary on ephemeral loopback ports with a generated
 * configuration, talk HTTPS to it with libcurl, and speak SIP over TLS
 * (OpenSSL, blocking sockets with timeouts) with the cairn_sip codec.
 *
 * Everything here is test code: failures return -1 / NULL and the test
 * asserts on them.
 */
#ifndef CAIRN_TEST_RELAY_SUPPORT_H
#define CAIRN_TEST_RELAY_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cairn/sip.h"

typedef struct rt_server {
    pid_t pid;
    char dir[512];
    char cfg[600];
    char ports[600];
    char log[600];
    uint16_t https, sip;
} rt_server;

/* Creates a fresh state directory, writes a config (loopback, ephemeral
 * ports, fast Argon2id) followed by `extra` INI text (sections of its own;
 * may be NULL), starts the relay and waits until it listens. 0 / -1. */
int rt_server_start(rt_server *s, const char *extra);
/* Starts the relay again on the same directory and config. 0 / -1. */
int rt_server_restart(rt_server *s);
/* Sends sig and waits for the process (up to 10 s). Returns its exit
 * status (or 128+signal), -1 on timeout. */
int rt_server_stop(rt_server *s, int sig);
/* Stops (if running) and removes the directory. */
void rt_server_cleanup(rt_server *s);
/* VmRSS of the server in KiB, -1 on error. */
long rt_server_rss_kb(const rt_server *s);
/* Reads an integer metric from /metrics; -1 if absent. */
long long rt_metric(rt_server *s, const char *name);

typedef struct rt_resp {
    long code;
    char *body; /* malloc'd, NUL-terminated */
    size_t len;
} rt_resp;

/* One HTTPS request. user/secret NULL: no Authorization. Returns 0 when
 * a response came back (any code), -1 otherwise. Free out->body. */
int rt_http(rt_server *s, const char *method, const char *path, const char *authid,
            const char *secret, const void *body, size_t len, rt_resp *out);
/* POST /v1/accounts; returns the HTTP status. extra_auth_id/secret
 * authenticate as an existing device (adding a device), may be NULL. */
long rt_register(rt_server *s, const char *uri, unsigned device, const char *secret,
                 const char *token, const char *auth_id, const char *auth_secret);

typedef struct rt_sip rt_sip;

/* TLS connection to the SIP port. NULL on failure. */
rt_sip *rt_sip_connect(rt_server *s);
void rt_sip_close(rt_sip *c);
int rt_sip_fd(rt_sip *c);
/* Raw bytes. 0 / -1. */
int rt_sip_send_raw(rt_sip *c, const void *p, size_t n);
/* The next message (a response to us, or a request such as a delivered
 * MESSAGE), waiting up to timeout_ms. NULL on timeout, EOF or error. */
cairn_sip_msg *rt_sip_read(rt_sip *c, int timeout_ms);
/* True when the server closed the connection within timeout_ms. */
bool rt_sip_closed(rt_sip *c, int timeout_ms);
/* True when the server hung up within timeout_ms, without reading
 * anything (for clients that must stay non-reading). */
bool rt_sip_hangup(rt_sip *c, int timeout_ms);
/* REGISTER with Digest; returns the final status (200, 403...), -1. */
int rt_sip_register(rt_sip *c, const char *uri, unsigned device, const char *secret);
/* Sends a MESSAGE to `to` with Cairn-Msg-Id msg_id (NULL: none) and
 * waits for its final response, keeping requests that arrive meanwhile
 * in the inbox. Returns the status, -1 on timeout. */
int rt_sip_message(rt_sip *c, const char *to, const char *msg_id, const char *ctype,
                   const void *body, size_t len);
/* Sends a MESSAGE without waiting (pipelining), with Call-ID "c-<msg_id>";
 * its response is read by rt_sip_read. */
int rt_sip_message_nowait(rt_sip *c, const char *to, const char *msg_id, const void *body,
                          size_t len, unsigned cseq);
/* Next delivered MESSAGE (from the inbox or the wire), or NULL after
 * timeout_ms. */
cairn_sip_msg *rt_sip_next_delivery(rt_sip *c, int timeout_ms);
/* Acknowledges a delivered MESSAGE with `code` (200 normally). */
int rt_sip_reply(rt_sip *c, const cairn_sip_msg *req, int code);

/* One counting-allocator context shared by the test (created once). */
cairn_context *rt_ctx(void);

/* A random device secret (32 hex characters) into out[33]. */
void rt_secret(char out[33]);

#endif
