/*
 * tls_internal.h - what the backend-neutral part of cairn_tls shares with
 * the one backend compiled in (tls_openssl.c or tls_mbedtls.c).
 *
 * Invariant: `verify` can be false only while at least one pin is set
 * (cairn_tls_config_set_verify enforces it), so a client session always
 * authenticates its peer one way or the other.
 */
#ifndef CAIRN_TLS_INTERNAL_H
#define CAIRN_TLS_INTERNAL_H

#include "base.h"
#include "cairn/tls.h"

struct tls__be_config; /* backend state: SSL_CTX or mbedtls_ssl_config + certs */

struct cairn_tls_config {
    const cairn_context *ctx;
    cairn_tls_role role;
    bool verify;
    size_t n_pins;
    uint8_t pins[CAIRN_TLS_MAX_PINS][CAIRN_TLS_PIN_LEN];
    struct tls__be_config *be;
};

/* Backend config lifecycle and setters (called by tls_config.c). */
cairn_status tls__be_config_new(cairn_tls_config *cfg);
void tls__be_config_free(cairn_tls_config *cfg);
cairn_status tls__be_add_ca_pem(cairn_tls_config *cfg, const char *pem, size_t len);
cairn_status tls__be_set_cert(cairn_tls_config *cfg, const char *cert, size_t cert_len,
                              const char *key, size_t key_len);
/* Applies cfg->verify to the backend's verification mode. */
void tls__be_apply_verify(cairn_tls_config *cfg);

/* Checks a peer SPKI hash against the config's pins (constant time);
 * CAIRN_OK when there are no pins or one matches, else CAIRN_ERR_AUTH. */
cairn_status tls__check_pin(const cairn_tls_config *cfg, const uint8_t pin[CAIRN_TLS_PIN_LEN]);

/* True when s is an IPv4 or IPv6 literal. */
bool tls__is_ip(const char *s);

/* The backend's SHA-256. */
cairn_status tls__sha256(const uint8_t *p, size_t n, uint8_t out[32]);

#endif
