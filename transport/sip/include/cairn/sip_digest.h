/*
 * sip_digest.h - HTTP Digest authentication as SIP uses it: RFC 8760
 * (SHA-256 in SIP) with MD5 (RFC 2617 / RFC 7616) kept for interop, qop=auth
 * with nc / cnonce. Client side: read a WWW-Authenticate /
 * Proxy-Authenticate challenge and compute the Authorization /
 * Proxy-Authorization value. Server side: write a challenge, read the
 * credentials and verify the response in constant time.
 *
 * Profile (SIP-50..56): algorithms MD5 and SHA-256 only (the -sess variants
 * and SHA-512-256 are refused as unsupported); a challenge that offers qop
 * must offer "auth"; a server issues qop="auth" and accepts only qop=auth.
 *
 * Ownership: the parsed structs are self-contained (fixed arrays holding
 * unescaped, NUL-terminated strings); they may be copied freely. No secret
 * is kept anywhere past a call; intermediate hashes are wiped.
 */
#ifndef CAIRN_SIP_DIGEST_H
#define CAIRN_SIP_DIGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "cairn/sip.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cairn_sip_digest_alg {
    CAIRN_SIP_DIGEST_MD5 = 1,
    CAIRN_SIP_DIGEST_SHA256 = 2
} cairn_sip_digest_alg;

/* Field capacities (including the NUL); longer values: CAIRN_ERR_TOO_LARGE. */
#define CAIRN_SIP_DIGEST_FIELD 256
#define CAIRN_SIP_DIGEST_URI 1024
/* Lowercase hex of the longest hash plus NUL. */
#define CAIRN_SIP_DIGEST_HEX 65

typedef struct cairn_sip_challenge {
    cairn_sip_digest_alg alg; /* MD5 when the challenge names none */
    bool qop_auth;            /* qop offered and includes "auth" */
    bool stale;
    char realm[CAIRN_SIP_DIGEST_FIELD];
    char nonce[CAIRN_SIP_DIGEST_FIELD];
    char opaque[CAIRN_SIP_DIGEST_FIELD]; /* "" when absent */
} cairn_sip_challenge;

typedef struct cairn_sip_credentials {
    cairn_sip_digest_alg alg;
    char username[CAIRN_SIP_DIGEST_FIELD];
    char realm[CAIRN_SIP_DIGEST_FIELD];
    char nonce[CAIRN_SIP_DIGEST_FIELD];
    char uri[CAIRN_SIP_DIGEST_URI];
    char response[CAIRN_SIP_DIGEST_HEX]; /* lowercase hex */
    char cnonce[CAIRN_SIP_DIGEST_FIELD]; /* "" when no qop */
    char nc[9];                          /* 8 hex digits, "" when no qop */
    char qop[16];                        /* "auth" or "" */
    char opaque[CAIRN_SIP_DIGEST_FIELD];
} cairn_sip_credentials;

/* Parses a WWW-Authenticate / Proxy-Authenticate value ("Digest
 * realm=..., nonce=..., ..."). Unknown parameters are ignored.
 * Errors: CAIRN_ERR_DECODE (not Digest, malformed, realm or nonce missing,
 * a parameter repeated), CAIRN_ERR_UNSUPPORTED (algorithm other than MD5 /
 * SHA-256, or qop without "auth"), CAIRN_ERR_TOO_LARGE (a field over its
 * capacity). *out is written only on success. */
CAIRN_MUST_CHECK cairn_status cairn_sip_challenge_parse(const char *s, size_t len,
                                                        cairn_sip_challenge *out);

/* Among the headers of that name in m (topmost first), the first
 * challenge this profile supports (RFC 8760 section 2.4: the UAC uses the
 * topmost one it supports). CAIRN_ERR_NOT_FOUND when none is usable. */
CAIRN_MUST_CHECK cairn_status cairn_sip_msg_challenge(const cairn_sip_msg *m, const char *header,
                                                      cairn_sip_challenge *out);

/* Parses an Authorization / Proxy-Authorization value. Requires username,
 * realm, nonce, uri, response (hex of the algorithm's length); with qop
 * (which must be auth) also cnonce and nc (8 hex digits).
 * Errors as cairn_sip_challenge_parse. */
CAIRN_MUST_CHECK cairn_status cairn_sip_credentials_parse(const char *s, size_t len,
                                                          cairn_sip_credentials *out);

/* Client: appends the Authorization value answering ch for a request
 * (method, uri as in the request line) to out. With qop auth, cnonce (NULL
 * = 16 random bytes in hex from ctx) and nc (>= 1) are used; without qop
 * the RFC 2069 form is produced. Strings must not contain CR/LF; username
 * and uri also no '"' or '\'. Errors: CAIRN_ERR_INVALID_ARG,
 * CAIRN_ERR_CRYPTO, buffer errors (out->len restored). */
cairn_status cairn_sip_digest_authorize(const cairn_context *ctx, const cairn_sip_challenge *ch,
                                        const char *username, const char *password,
                                        const char *method, const char *uri, const char *cnonce,
                                        uint32_t nc, struct cairn__buf *out);

/* Server: appends a challenge value: Digest realm="..", nonce="..",
 * [opaque="..",] algorithm=.., qop="auth"[, stale=true]. The nonce is the
 * caller's (random, and remembered to check freshness). realm/nonce/opaque
 * must not contain CR, LF, '"' or '\'. Errors: CAIRN_ERR_INVALID_ARG,
 * buffer errors. */
cairn_status cairn_sip_digest_challenge_format(struct cairn__buf *out, cairn_sip_digest_alg alg,
                                               const char *realm, const char *nonce,
                                               const char *opaque, bool stale);

/* H(username:realm:password) in lowercase hex (what a registrar stores
 * instead of the password). Errors: CAIRN_ERR_INVALID_ARG,
 * CAIRN_ERR_CRYPTO. */
cairn_status cairn_sip_digest_ha1(cairn_sip_digest_alg alg, const char *username, const char *realm,
                                  const char *password, char out[CAIRN_SIP_DIGEST_HEX]);

/* Server: verifies credentials for a request method given the stored HA1
 * (hex, as from cairn_sip_digest_ha1 with cr->alg). Checks realm and nonce
 * equal the expected ones, qop=auth, and the response (compared in
 * constant time). The caller still checks that the nonce is fresh, that nc
 * grows, and that cr->uri matches the Request-URI.
 * Returns CAIRN_OK or CAIRN_ERR_AUTH; CAIRN_ERR_INVALID_ARG for bad
 * arguments; CAIRN_ERR_CRYPTO if hashing fails. */
CAIRN_MUST_CHECK cairn_status cairn_sip_digest_verify(const cairn_sip_credentials *cr,
                                                      const char *method,
                                                      const char *expected_realm,
                                                      const char *expected_nonce,
                                                      const char *ha1_hex);

/* The algorithm's token ("MD5", "SHA-256"), NULL for an unknown value. */
const char *cairn_sip_digest_alg_name(cairn_sip_digest_alg alg);

#ifdef __cplusplus
}
#endif
#endif
