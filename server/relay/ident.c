/*
 * ident.c - the relay's hand-written parsers for identities: user URIs
 * (normalised so that one user has exactly one spelling in the database),
 * "<uri>.<device>" auth ids, and HTTP Basic credentials. Fuzzed by
 * fuzz/relay_ident.c.
 *
 * Invariants: inputs are explicit-length and capped (URI 256 bytes, header
 * 1024); outputs are written only on success; the decoded Basic secret is
 * the caller's to wipe (it is wiped here on every failure path).
 */
#include <string.h>

#include "cairn/sip_addr.h"
#include "relay.h"

bool relay__secret_valid(const char *s, size_t len)
{
    if (len < RELAY_SECRET_MIN || len > RELAY_SECRET_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              strchr("._~+/=-", c) != NULL) || c == 0)
            return false;
    }
    return true;
}

cairn_status relay__uri_normalize(const char *s, size_t len, char out[RELAY_URI_MAX + 1])
{
    cairn_sip_uri u;
    char tmp[RELAY_URI_MAX + 1];
    size_t n = 0;

    if (len == 0 || len > RELAY_URI_MAX)
        return CAIRN_ERR_DECODE;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f || c == '|' || c == '<' || c == '>' || c == '"')
            return CAIRN_ERR_DECODE;
    }
    cairn_status st = cairn_sip_uri_parse(s, len, &u);
    if (st != CAIRN_OK)
        return st;
    if (u.user.len == 0 || u.password.len != 0 || u.headers.len != 0)
        return CAIRN_ERR_DECODE;
#define PUT(p, l)                                                                                 \
    do {                                                                                          \
        if (n + (l) > RELAY_URI_MAX)                                                              \
            return CAIRN_ERR_DECODE;                                                              \
        memcpy(tmp + n, (p), (l));                                                                \
        n += (l);                                                                                 \
    } while (0)
    if (u.scheme == CAIRN_SIP_SCHEME_TEL) {
        PUT("tel:", 4);
        PUT(u.user.p, u.user.len);
    } else {
        if (u.scheme == CAIRN_SIP_SCHEME_SIPS)
            PUT("sips:", 5);
        else
            PUT("sip:", 4);
        PUT(u.user.p, u.user.len);
        PUT("@", 1);
        size_t h0 = n;
        PUT(u.host.p, u.host.len);
        for (size_t i = h0; i < n; i++)
            if (tmp[i] >= 'A' && tmp[i] <= 'Z')
                tmp[i] = (char)(tmp[i] - 'A' + 'a');
        if (u.port) {
            char pb[8];
            int pn = 0;
            unsigned p = u.port;
            char rev[8];
            while (p) {
                rev[pn++] = (char)('0' + p % 10);
                p /= 10;
            }
            pb[0] = ':';
            for (int i = 0; i < pn; i++)
                pb[1 + i] = rev[pn - 1 - i];
            PUT(pb, (size_t)pn + 1);
        }
    }
#undef PUT
    tmp[n] = 0;
    memcpy(out, tmp, n + 1);
    return CAIRN_OK;
}

cairn_status relay__authid_parse(const char *s, size_t len, char uri[RELAY_URI_MAX + 1],
                                 uint32_t *device)
{
    size_t dot = len;
    uint64_t d = 0;

    while (dot > 0 && s[dot - 1] != '.')
        dot--;
    if (dot == 0 || dot == len || len - dot > 10)
        return CAIRN_ERR_DECODE;
    for (size_t i = dot; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return CAIRN_ERR_DECODE;
        d = d * 10 + (uint64_t)(s[i] - '0');
    }
    if (s[dot] == '0' || d == 0 || d > 0x7fffffffu)
        return CAIRN_ERR_DECODE;
    char tmp[RELAY_URI_MAX + 1];
    cairn_status st = relay__uri_normalize(s, dot - 1, tmp);
    if (st != CAIRN_OK)
        return CAIRN_ERR_DECODE;
    memcpy(uri, tmp, strlen(tmp) + 1);
    *device = (uint32_t)d;
    return CAIRN_OK;
}

cairn_status relay__basic_parse(const char *hdr, size_t len, char uri[RELAY_URI_MAX + 1],
                                uint32_t *device, char secret[RELAY_SECRET_MAX + 1])
{
    uint8_t dec[800];
    size_t dn = 0;
    cairn_status st = CAIRN_ERR_AUTH;

    if (len > 1024 || len < 7)
        return CAIRN_ERR_DECODE;
    if (!((hdr[0] | 0x20) == 'b' && (hdr[1] | 0x20) == 'a' && (hdr[2] | 0x20) == 's' &&
          (hdr[3] | 0x20) == 'i' && (hdr[4] | 0x20) == 'c' && hdr[5] == ' '))
        return CAIRN_ERR_DECODE;
    const char *b = hdr + 6;
    size_t bn = len - 6;
    while (bn && *b == ' ') {
        b++;
        bn--;
    }
    while (bn && b[bn - 1] == ' ')
        bn--;
    if (cairn__base64_decode(dec, sizeof dec - 1, &dn, b, bn) != CAIRN_OK) {
        cairn__wipe(dec, sizeof dec);
        return CAIRN_ERR_DECODE;
    }
    /* The URI contains ':' and secrets never do: split at the last one. */
    size_t colon = dn;
    while (colon > 0 && dec[colon - 1] != ':')
        colon--;
    if (colon == 0)
        goto out;
    size_t sn = dn - colon;
    if (!relay__secret_valid((const char *)dec + colon, sn))
        goto out;
    if (relay__authid_parse((const char *)dec, colon - 1, uri, device) != CAIRN_OK)
        goto out;
    memcpy(secret, dec + colon, sn);
    secret[sn] = 0;
    st = CAIRN_OK;
out:
    cairn__wipe(dec, sizeof dec);
    return st;
}
