/*
 * sip_register.c - REGISTER with Digest (RFC 8760 SHA-256 first, MD5 second,
 * qop=auth only; SIP-50..56) against the HA1 values stored at device
 * registration, binding the TLS connection to the device (an RFC 5626-style
 * flow: deliveries go down the connection that registered).
 *
 * Nonces are per connection: 128 random bits, valid nonce_lifetime_seconds,
 * with nc strictly growing, so a captured Authorization cannot be replayed
 * on another connection or twice on this one. Three failed attempts close
 * the connection; failures also draw from the per-address bucket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/sip_addr.h"
#include "cairn/sip_digest.h"
#include "sip_internal.h"

static void challenge(sip_conn *c, const cairn_sip_msg *m, bool stale)
{
    relay *r = c->r;
    uint8_t rnd[16];
    cairn__buf b;
    char extra[1200];

    cairn__random(r->ctx, rnd, sizeof rnd);
    cairn__hex_encode(c->nonce, rnd, sizeof rnd);
    c->nonce_ms = relay__now_ms();
    c->last_nc = 0;
    cairn__buf_init(&b, r->ctx, 1100);
    if (cairn__buf_append_str(&b, "WWW-Authenticate: ") != CAIRN_OK ||
        cairn_sip_digest_challenge_format(&b, CAIRN_SIP_DIGEST_SHA256, r->cfg.realm, c->nonce,
                                          NULL, stale) != CAIRN_OK ||
        cairn__buf_append_str(&b, "\r\nWWW-Authenticate: ") != CAIRN_OK ||
        cairn_sip_digest_challenge_format(&b, CAIRN_SIP_DIGEST_MD5, r->cfg.realm, c->nonce, NULL,
                                          stale) != CAIRN_OK ||
        cairn__buf_append_str(&b, "\r\n") != CAIRN_OK) {
        cairn__buf_free(&b);
        sip__respond(c, m, 500, "Server Internal Error", NULL);
        return;
    }
    snprintf(extra, sizeof extra, "%.*s", (int)b.len, (const char *)b.data);
    cairn__buf_free(&b);
    sip__respond(c, m, 401, "Unauthorized", extra);
}

static void fail(sip_conn *c, const cairn_sip_msg *m, const char *why)
{
    relay *r = c->r;
    r->m.auth_failures_total++;
    RLOGI("sip_auth_failed", "conn=%llu peer=%s reason=%s", (unsigned long long)c->id, c->addr, why);
    sip__respond(c, m, 403, "Forbidden", NULL);
    if (++c->auth_failures >= 3 ||
        !relay__rl_take(&r->rl_address, c->addr, strlen(c->addr), relay__now_ms(), 10.0))
        c->closing = true;
}

void sip__handle_register(sip_conn *c, const cairn_sip_msg *m)
{
    relay *r = c->r;
    const char *auth = cairn_sip_msg_header(m, "Authorization", 0);
    cairn_sip_credentials cr;
    char uri[RELAY_URI_MAX + 1], to_uri[RELAY_URI_MAX + 1];
    char ha1_sha[65], ha1_md5[65];
    uint32_t device, expires = 3600, ce;
    relay_principal p;
    cairn_sip_addr to;

    if (auth == NULL) {
        challenge(c, m, false);
        return;
    }
    if (cairn_sip_credentials_parse(auth, strlen(auth), &cr) != CAIRN_OK) {
        sip__respond(c, m, 400, "Bad Authorization", NULL);
        return;
    }
    if (c->nonce[0] == 0 || strcmp(cr.nonce, c->nonce) != 0 ||
        relay__now_ms() - c->nonce_ms > r->cfg.nonce_lifetime_seconds * 1000) {
        challenge(c, m, c->nonce[0] != 0);
        return;
    }
    if (strcmp(cr.qop, "auth") != 0) {
        fail(c, m, "qop");
        return;
    }
    unsigned long nc = strtoul(cr.nc, NULL, 16);
    if (nc <= c->last_nc || nc > 0xffffffffUL) {
        fail(c, m, "nc_replay");
        return;
    }
    if (strcmp(cr.uri, cairn_sip_msg_request_uri(m)) != 0) {
        fail(c, m, "uri_mismatch");
        return;
    }
    if (relay__authid_parse(cr.username, strlen(cr.username), uri, &device) != CAIRN_OK) {
        fail(c, m, "bad_username");
        return;
    }
    if (cairn_sip_msg_addr(m, "To", 0, &to) != CAIRN_OK ||
        relay__uri_normalize(to.uri_text.p, to.uri_text.len, to_uri) != CAIRN_OK ||
        strcmp(to_uri, uri) != 0) {
        fail(c, m, "to_mismatch");
        return;
    }
    if (relay__device_find(r, uri, device, &p, NULL, 0, ha1_sha, ha1_md5) != CAIRN_OK) {
        fail(c, m, "unknown_device");
        return;
    }
    cairn_status vs = cairn_sip_digest_verify(&cr, "REGISTER", r->cfg.realm, c->nonce,
                                              cr.alg == CAIRN_SIP_DIGEST_SHA256 ? ha1_sha : ha1_md5);
    cairn__wipe(ha1_sha, sizeof ha1_sha);
    cairn__wipe(ha1_md5, sizeof ha1_md5);
    if (vs != CAIRN_OK) {
        fail(c, m, "bad_response");
        return;
    }
    c->last_nc = (uint32_t)nc;
    if (cairn_sip_msg_uint(m, "Expires", &ce) == CAIRN_OK)
        expires = ce;
    if (expires > 3600)
        expires = 3600;
    if (expires == 0) {
        sip__unbind(c);
        sip__respond(c, m, 200, "OK", NULL);
        RLOGI("sip_unregistered", "conn=%llu device_row=%lld", (unsigned long long)c->id,
              (long long)p.device_row);
        return;
    }
    sip__bind(c, &p);
    if (c->closing)
        return;
    char extra[RELAY_URI_MAX + 1200];
    const char *contact = cairn_sip_msg_header(m, "Contact", 0);
    if (contact && strlen(contact) < 1024)
        snprintf(extra, sizeof extra, "Contact: %s;expires=%u\r\nExpires: %u\r\n", contact,
                 expires, expires);
    else
        snprintf(extra, sizeof extra, "Expires: %u\r\n", expires);
    sip__respond(c, m, 200, "OK", extra);
    RLOGI("sip_registered", "conn=%llu device_row=%lld alg=%s", (unsigned long long)c->id,
          (long long)p.device_row, cairn_sip_digest_alg_name(cr.alg));
    sip__deliver_more(c);
}
