/*
 * tls.h - TLS for Cairn's RCS transport (SIP over TLS, MSRP over TLS):
 * one interface, two backends (OpenSSL or mbedTLS, chosen at build time by
 * CAIRN_CRYPTO; exactly one is compiled in).
 *
 * The model is caller-driven and non-blocking: a session sits on a
 * non-blocking socket fd the caller owns; every operation either completes
 * or reports which readiness it waits for (CAIRN_TLS_WANT_READ /
 * CAIRN_TLS_WANT_WRITE), and the caller calls it again when poll/libevent
 * says the fd is ready. No threads, no global state: everything lives in a
 * per-context cairn_tls_config and per-connection cairn_tls.
 *
 * Invariants (spec/transport-binding.md BIND-TLS-1..5):
 *  - TLS 1.2 is the minimum version; nothing older is ever negotiated.
 *  - A client verifies the server's chain against the configured CA and
 *    the name given to cairn_tls_new (hostname check) unless the caller
 *    explicitly turned verification off; verification is ON by default.
 *  - When SPKI pins are set, the peer's leaf key must match one of them
 *    (SHA-256 of the DER SubjectPublicKeyInfo) or the handshake fails,
 *    whatever the chain says.
 *  - No application data is returned before the handshake (including the
 *    pin check) has completed.
 *
 * Ownership: a config is created and freed by the caller and must outlive
 * every session made from it; configs are not modified by sessions and may
 * be shared by many sessions of one thread. A session never owns or closes
 * the fd. Nothing else passed in is kept past a call.
 */
#ifndef CAIRN_TLS_H
#define CAIRN_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/context.h"
#include "cairn/export.h"
#include "cairn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cairn_tls_config cairn_tls_config;
typedef struct cairn_tls cairn_tls;

typedef enum cairn_tls_role { CAIRN_TLS_CLIENT = 0, CAIRN_TLS_SERVER = 1 } cairn_tls_role;

/* What a non-blocking operation waits for. */
typedef enum cairn_tls_want {
    CAIRN_TLS_DONE = 0,      /* the operation completed */
    CAIRN_TLS_WANT_READ = 1, /* call again when the fd is readable */
    CAIRN_TLS_WANT_WRITE = 2 /* call again when the fd is writable */
} cairn_tls_want;

#define CAIRN_TLS_PIN_LEN 32u /* SHA-256 */
#define CAIRN_TLS_MAX_PINS 8u

/* The backend compiled in: "openssl" or "mbedtls" (static string). */
const char *cairn_tls_backend(void);

/* Creates a config for one role. Defaults: TLS >= 1.2, verification on,
 * no CA (a client then fails every handshake until one is set, except
 * with pins and verification off), no certificate. *out is the caller's,
 * released with cairn_tls_config_free (NULL is a no-op).
 * Errors: CAIRN_ERR_INVALID_ARG, CAIRN_ERR_NOMEM, CAIRN_ERR_TLS. */
cairn_status cairn_tls_config_new(const cairn_context *ctx, cairn_tls_role role,
                                  cairn_tls_config **out);
void cairn_tls_config_free(cairn_tls_config *cfg);

/* Adds trusted CA certificates from PEM text (len bytes, need not be
 * NUL-terminated) or from a PEM file. Errors: CAIRN_ERR_DECODE (not a
 * certificate), CAIRN_ERR_IO (file), CAIRN_ERR_NOMEM, CAIRN_ERR_INVALID_ARG. */
cairn_status cairn_tls_config_add_ca_pem(cairn_tls_config *cfg, const char *pem, size_t len);
cairn_status cairn_tls_config_add_ca_file(cairn_tls_config *cfg, const char *path);

/* Sets this side's certificate chain (leaf first) and private key, PEM.
 * Required for a server; optional client certificate otherwise.
 * Errors: CAIRN_ERR_DECODE, CAIRN_ERR_BAD_KEY (key does not match the
 * certificate), CAIRN_ERR_NOMEM, CAIRN_ERR_INVALID_ARG. The key bytes are
 * not kept by Cairn (the backend holds its parsed form). */
cairn_status cairn_tls_config_set_cert_pem(cairn_tls_config *cfg, const char *cert_pem,
                                           size_t cert_len, const char *key_pem, size_t key_len);

/* Adds a SHA-256 SPKI pin (up to CAIRN_TLS_MAX_PINS: CAIRN_ERR_LIMIT). */
cairn_status cairn_tls_config_add_pin(cairn_tls_config *cfg, const uint8_t pin[CAIRN_TLS_PIN_LEN]);

/* Turns chain + hostname verification off (client) or on. Turning it off
 * is refused (CAIRN_ERR_INVALID_ARG) unless at least one pin is set: the
 * peer is then authenticated by its key alone. */
cairn_status cairn_tls_config_set_verify(cairn_tls_config *cfg, bool verify);

/* Creates a session on a connected non-blocking socket. server_name
 * (client only, required when verifying) is checked against the server
 * certificate and sent as SNI. Errors: CAIRN_ERR_INVALID_ARG,
 * CAIRN_ERR_NOMEM, CAIRN_ERR_TLS. Free with cairn_tls_free (NULL no-op;
 * does not close the fd and sends nothing). */
cairn_status cairn_tls_new(cairn_tls_config *cfg, int fd, const char *server_name, cairn_tls **out);
void cairn_tls_free(cairn_tls *t);

/* Drives the handshake. CAIRN_OK with *want DONE when finished (pins
 * checked), CAIRN_OK with WANT_READ/WANT_WRITE when it must be called
 * again. Errors (session unusable afterwards): CAIRN_ERR_TLS (protocol
 * failure, garbage), CAIRN_ERR_AUTH (certificate or pin rejected),
 * CAIRN_ERR_NETWORK (socket error or EOF mid-handshake). */
CAIRN_MUST_CHECK cairn_status cairn_tls_handshake(cairn_tls *t, cairn_tls_want *want);

/* Reads up to cap bytes of application data. CAIRN_OK with *n > 0: data;
 * *n == 0 and DONE: the peer closed (close_notify or EOF); *n == 0 and
 * WANT_*: call again later. Errors: CAIRN_ERR_TLS, CAIRN_ERR_NETWORK,
 * CAIRN_ERR_STATE (handshake not finished). */
CAIRN_MUST_CHECK cairn_status cairn_tls_read(cairn_tls *t, uint8_t *buf, size_t cap, size_t *n,
                                             cairn_tls_want *want);

/* Writes up to len bytes; *n is how many were accepted (possibly 0 with
 * WANT_*). The caller must retry with the same remaining bytes (the
 * backends require it). Errors as cairn_tls_read. */
CAIRN_MUST_CHECK cairn_status cairn_tls_write(cairn_tls *t, const uint8_t *p, size_t len, size_t *n,
                                              cairn_tls_want *want);

/* Sends close_notify. CAIRN_OK with DONE or WANT_*; errors are
 * informational (the caller closes the fd anyway). */
cairn_status cairn_tls_shutdown(cairn_tls *t, cairn_tls_want *want);

/* Bytes decrypted and buffered inside the backend (readable without the
 * fd becoming readable again): a caller must read them before polling. */
size_t cairn_tls_pending(const cairn_tls *t);

/* SHA-256 of the peer leaf's SubjectPublicKeyInfo (after the handshake).
 * Errors: CAIRN_ERR_STATE, CAIRN_ERR_NOT_FOUND (no peer certificate). */
cairn_status cairn_tls_peer_pin(const cairn_tls *t, uint8_t pin[CAIRN_TLS_PIN_LEN]);

/* SHA-256 SPKI pin of the first certificate in a PEM text. Errors:
 * CAIRN_ERR_DECODE, CAIRN_ERR_INVALID_ARG, CAIRN_ERR_NOMEM. */
cairn_status cairn_tls_pin_from_pem(const cairn_context *ctx, const char *pem, size_t len,
                                    uint8_t pin[CAIRN_TLS_PIN_LEN]);

/* Generates a self-signed certificate (P-256 key, valid `days` from now,
 * CN and subjectAltName DNS = name, plus IP 127.0.0.1) for loopback demos
 * and tests. Randomness comes from the context. *cert_pem and *key_pem
 * are NUL-terminated, the caller's, freed with cairn_free(ctx, p, len + 1)
 * (the key is wiped then). Errors: CAIRN_ERR_INVALID_ARG, CAIRN_ERR_NOMEM,
 * CAIRN_ERR_CRYPTO. */
cairn_status cairn_tls_selfsigned(const cairn_context *ctx, const char *name, unsigned days,
                                  char **cert_pem, size_t *cert_len, char **key_pem,
                                  size_t *key_len);

#ifdef __cplusplus
}
#endif
#endif
