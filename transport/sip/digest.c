/*
 * digest.c - computing and verifying Digest responses (RFC 7616 section
 * 3.4.1 with qop=auth, RFC 2069 form when a legacy challenge has no qop),
 * and writing challenges and Authorization values.
 *
 * Invariants: HA1 and the password-derived bytes are wiped before return;
 * the server-side comparison is constant time over the full hex length;
 * nothing secret is logged.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/sip_digest.h"
#include "digest_hash.h"
#include "sip_internal.h"

const char *cairn_sip_digest_alg_name(cairn_sip_digest_alg alg)
{
    switch (alg) {
    case CAIRN_SIP_DIGEST_MD5:
        return "MD5";
    case CAIRN_SIP_DIGEST_SHA256:
        return "SHA-256";
    }
    return NULL;
}

static size_t hex_len(cairn_sip_digest_alg alg)
{
    return alg == CAIRN_SIP_DIGEST_SHA256 ? 64 : 32;
}

/* out = hex(H(parts joined by ':')). */
static cairn_status hhex(cairn_sip_digest_alg alg, const char *const *s, size_t n,
                         char out[CAIRN_SIP_DIGEST_HEX])
{
    cairn_sip_str parts[16];
    uint8_t h[SIP__HASH_MAX];
    size_t i, k = 0, hl = 0;
    cairn_status rc;

    for (i = 0; i < n; i++) {
        if (i)
            parts[k++] = cairn_sip_str_of(":");
        parts[k++] = cairn_sip_str_of(s[i]);
    }
    rc = sip__hash(alg, parts, k, h, &hl);
    if (rc == CAIRN_OK)
        cairn__hex_encode(out, h, hl);
    cairn__wipe(h, sizeof(h));
    return rc;
}

cairn_status cairn_sip_digest_ha1(cairn_sip_digest_alg alg, const char *username, const char *realm,
                                  const char *password, char out[CAIRN_SIP_DIGEST_HEX])
{
    const char *p[3] = {username, realm, password};
    if (!username || !realm || !password || !out || cairn_sip_digest_alg_name(alg) == NULL)
        return CAIRN_ERR_INVALID_ARG;
    return hhex(alg, p, 3, out);
}

/* response from HA1; qop NULL gives the RFC 2069 form. */
static cairn_status response(cairn_sip_digest_alg alg, const char *ha1, const char *nonce,
                             const char *nc, const char *cnonce, const char *qop,
                             const char *method, const char *uri, char out[CAIRN_SIP_DIGEST_HEX])
{
    char ha2[CAIRN_SIP_DIGEST_HEX];
    const char *a2[2] = {method, uri};
    cairn_status rc = hhex(alg, a2, 2, ha2);
    if (rc != CAIRN_OK)
        return rc;
    if (qop) {
        const char *r[6] = {ha1, nonce, nc, cnonce, qop, ha2};
        rc = hhex(alg, r, 6, out);
    } else {
        const char *r[3] = {ha1, nonce, ha2};
        rc = hhex(alg, r, 3, out);
    }
    return rc;
}

static bool plain(const char *s)
{
    return s != NULL && strpbrk(s, "\r\n\"\\") == NULL;
}

cairn_status cairn_sip_digest_authorize(const cairn_context *ctx, const cairn_sip_challenge *ch,
                                        const char *username, const char *password,
                                        const char *method, const char *uri, const char *cnonce,
                                        uint32_t nc, cairn__buf *out)
{
    char ha1[CAIRN_SIP_DIGEST_HEX], resp[CAIRN_SIP_DIGEST_HEX];
    char rnd_cnonce[33] = "", ncs[9] = "";
    size_t mark;
    cairn_status rc;

    if (ch == NULL || out == NULL || !plain(username) || password == NULL || method == NULL ||
        *method == 0 || !plain(method) || !plain(uri) || !plain(ch->realm) || !plain(ch->nonce) ||
        !plain(ch->opaque) || cairn_sip_digest_alg_name(ch->alg) == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (ch->qop_auth) {
        if (nc == 0)
            return CAIRN_ERR_INVALID_ARG;
        if (cnonce == NULL) {
            uint8_t r[16];
            if (ctx == NULL)
                return CAIRN_ERR_INVALID_ARG;
            rc = cairn__random(ctx, r, sizeof(r));
            if (rc != CAIRN_OK)
                return rc;
            cairn__hex_encode(rnd_cnonce, r, sizeof(r));
            cnonce = rnd_cnonce;
        } else if (!plain(cnonce) || *cnonce == 0) {
            return CAIRN_ERR_INVALID_ARG;
        }
        snprintf(ncs, sizeof(ncs), "%08x", (unsigned)nc);
    }
    rc = cairn_sip_digest_ha1(ch->alg, username, ch->realm, password, ha1);
    if (rc == CAIRN_OK)
        rc = response(ch->alg, ha1, ch->nonce, ncs, cnonce, ch->qop_auth ? "auth" : NULL, method,
                      uri, resp);
    cairn__wipe(ha1, sizeof(ha1));
    if (rc != CAIRN_OK)
        return rc;
    mark = out->len;
    rc = cairn__buf_printf(out,
                           "Digest username=\"%s\", realm=\"%s\", "
                           "nonce=\"%s\", uri=\"%s\", response=\"%s\", "
                           "algorithm=%s",
                           username, ch->realm, ch->nonce, uri, resp,
                           cairn_sip_digest_alg_name(ch->alg));
    if (rc == CAIRN_OK && ch->qop_auth)
        rc = cairn__buf_printf(out, ", cnonce=\"%s\", qop=auth, nc=%s", cnonce, ncs);
    if (rc == CAIRN_OK && ch->opaque[0])
        rc = cairn__buf_printf(out, ", opaque=\"%s\"", ch->opaque);
    if (rc != CAIRN_OK) {
        out->len = mark;
        if (out->data)
            out->data[mark] = 0;
    }
    return rc;
}

cairn_status cairn_sip_digest_challenge_format(cairn__buf *out, cairn_sip_digest_alg alg,
                                               const char *realm, const char *nonce,
                                               const char *opaque, bool stale)
{
    size_t mark;
    cairn_status rc;
    if (out == NULL || !plain(realm) || !plain(nonce) || *nonce == 0 ||
        (opaque && !plain(opaque)) || cairn_sip_digest_alg_name(alg) == NULL)
        return CAIRN_ERR_INVALID_ARG;
    mark = out->len;
    rc = cairn__buf_printf(out, "Digest realm=\"%s\", nonce=\"%s\"", realm, nonce);
    if (rc == CAIRN_OK && opaque && *opaque)
        rc = cairn__buf_printf(out, ", opaque=\"%s\"", opaque);
    if (rc == CAIRN_OK)
        rc = cairn__buf_printf(out, ", algorithm=%s, qop=\"auth\"%s",
                               cairn_sip_digest_alg_name(alg), stale ? ", stale=true" : "");
    if (rc != CAIRN_OK) {
        out->len = mark;
        if (out->data)
            out->data[mark] = 0;
    }
    return rc;
}

cairn_status cairn_sip_digest_verify(const cairn_sip_credentials *cr, const char *method,
                                     const char *expected_realm, const char *expected_nonce,
                                     const char *ha1_hex)
{
    char expect[CAIRN_SIP_DIGEST_HEX], ha1[CAIRN_SIP_DIGEST_HEX];
    size_t hl, i;
    cairn_status rc;
    int diff;

    if (cr == NULL || method == NULL || expected_realm == NULL || expected_nonce == NULL ||
        ha1_hex == NULL || cairn_sip_digest_alg_name(cr->alg) == NULL)
        return CAIRN_ERR_INVALID_ARG;
    hl = hex_len(cr->alg);
    if (strlen(ha1_hex) != hl)
        return CAIRN_ERR_INVALID_ARG;
    /* Lowercase the stored HA1 so either case hashes the same. */
    for (i = 0; i <= hl; i++)
        ha1[i] = (char)(ha1_hex[i] >= 'A' && ha1_hex[i] <= 'F' ? ha1_hex[i] + 32 : ha1_hex[i]);
    if (strcmp(cr->realm, expected_realm) != 0 || strcmp(cr->nonce, expected_nonce) != 0 ||
        strcmp(cr->qop, "auth") != 0 || strlen(cr->response) != hl) {
        cairn__wipe(ha1, sizeof(ha1));
        return CAIRN_ERR_AUTH;
    }
    rc = response(cr->alg, ha1, cr->nonce, cr->nc, cr->cnonce, "auth", method, cr->uri, expect);
    cairn__wipe(ha1, sizeof(ha1));
    if (rc != CAIRN_OK)
        return rc;
    diff = cairn__memeq_ct(expect, cr->response, hl);
    cairn__wipe(expect, sizeof(expect));
    return diff == 0 ? CAIRN_OK : CAIRN_ERR_AUTH;
}
