/*
 * digest_parse.c - reading Digest challenges and credentials (RFC 7616
 * section 3.3 / 3.4 syntax; RFC 3261 section 25.1 for SIP's LWS rules).
 *
 * Liberal: whitespace around '=' and ',', empty list elements, unknown
 * parameters and any case in names and tokens are accepted. Bounded: each
 * value lands in a fixed field of the output struct; a longer one is an
 * error. Strict where it matters: a repeated parameter is refused (two
 * realms or two responses would let two parties read different things).
 */
#include <string.h>

#include "cairn/sip_digest.h"
#include "sip_internal.h"

typedef struct {
    cairn_sip_str name, value;
    bool quoted;
} auth_param;

static void skip(cairn_sip_str *c, const char *set)
{
    while (c->len && strchr(set, *c->p) && *c->p) {
        c->p++;
        c->len--;
    }
}

/* Checks the scheme is "Digest" and positions *cur after it. */
static cairn_status scheme(const char *s, size_t len, cairn_sip_str *cur)
{
    cur->p = s;
    cur->len = len;
    skip(cur, " \t");
    if (cur->len < 7 || sip__strncasecmp(cur->p, "Digest", 6) != 0 ||
        !sip__is_ws((unsigned char)cur->p[6]))
        return CAIRN_ERR_DECODE;
    cur->p += 6;
    cur->len -= 6;
    return CAIRN_OK;
}

static cairn_status next_param(cairn_sip_str *c, auth_param *out)
{
    size_t i = 0;
    skip(c, " \t,");
    if (c->len == 0)
        return CAIRN_ERR_NOT_FOUND;
    while (i < c->len && sip__is_token_char((unsigned char)c->p[i]))
        i++;
    if (i == 0)
        return CAIRN_ERR_DECODE;
    out->name.p = c->p;
    out->name.len = i;
    c->p += i;
    c->len -= i;
    skip(c, " \t");
    if (c->len == 0 || *c->p != '=')
        return CAIRN_ERR_DECODE;
    c->p++;
    c->len--;
    skip(c, " \t");
    if (c->len && *c->p == '"') {
        i = 1;
        while (i < c->len && c->p[i] != '"')
            i += c->p[i] == '\\' ? 2 : 1;
        if (i >= c->len)
            return CAIRN_ERR_DECODE;
        out->value.p = c->p + 1;
        out->value.len = i - 1;
        out->quoted = true;
        c->p += i + 1;
        c->len -= i + 1;
    } else {
        i = 0;
        while (i < c->len && sip__is_token_char((unsigned char)c->p[i]))
            i++;
        if (i == 0)
            return CAIRN_ERR_DECODE;
        out->value.p = c->p;
        out->value.len = i;
        out->quoted = false;
        c->p += i;
        c->len -= i;
    }
    skip(c, " \t");
    if (c->len && *c->p != ',')
        return CAIRN_ERR_DECODE;
    return CAIRN_OK;
}

/* Copies a value, removing quoted-pair escapes, into dst[cap]. */
static cairn_status field(char *dst, size_t cap, const auth_param *p)
{
    size_t i, n = 0;
    for (i = 0; i < p->value.len; i++) {
        char ch = p->value.p[i];
        if (p->quoted && ch == '\\' && i + 1 < p->value.len)
            ch = p->value.p[++i];
        if (ch == 0 || ch == '\r' || ch == '\n')
            return CAIRN_ERR_DECODE;
        if (n + 1 >= cap)
            return CAIRN_ERR_TOO_LARGE;
        dst[n++] = ch;
    }
    dst[n] = 0;
    return CAIRN_OK;
}

static cairn_status parse_alg(const auth_param *p, cairn_sip_digest_alg *alg)
{
    if (cairn_sip_str_ieq(p->value, "MD5"))
        *alg = CAIRN_SIP_DIGEST_MD5;
    else if (cairn_sip_str_ieq(p->value, "SHA-256"))
        *alg = CAIRN_SIP_DIGEST_SHA256;
    else
        return CAIRN_ERR_UNSUPPORTED;
    return CAIRN_OK;
}

/* Marks a parameter seen; a second sighting is an error. */
static cairn_status once(unsigned *seen, unsigned bit)
{
    if (*seen & bit)
        return CAIRN_ERR_DECODE;
    *seen |= bit;
    return CAIRN_OK;
}

static bool list_has_auth(cairn_sip_str v)
{
    size_t start = 0, i;
    for (i = 0; i <= v.len; i++) {
        if (i == v.len || v.p[i] == ',') {
            cairn_sip_str it = {v.p + start, i - start};
            while (it.len && sip__is_ws((unsigned char)*it.p)) {
                it.p++;
                it.len--;
            }
            while (it.len && sip__is_ws((unsigned char)it.p[it.len - 1]))
                it.len--;
            if (cairn_sip_str_ieq(it, "auth"))
                return true;
            start = i + 1;
        }
    }
    return false;
}

cairn_status cairn_sip_challenge_parse(const char *s, size_t len, cairn_sip_challenge *out)
{
    cairn_sip_challenge ch;
    cairn_sip_str cur;
    auth_param p;
    unsigned seen = 0;
    bool qop = false;
    cairn_status rc;

    if (s == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    memset(&ch, 0, sizeof(ch));
    ch.alg = CAIRN_SIP_DIGEST_MD5;
    rc = scheme(s, len, &cur);
    while (rc == CAIRN_OK && (rc = next_param(&cur, &p)) == CAIRN_OK) {
        if (cairn_sip_str_ieq(p.name, "realm")) {
            rc = once(&seen, 1);
            if (rc == CAIRN_OK)
                rc = field(ch.realm, sizeof(ch.realm), &p);
        } else if (cairn_sip_str_ieq(p.name, "nonce")) {
            rc = once(&seen, 2);
            if (rc == CAIRN_OK)
                rc = field(ch.nonce, sizeof(ch.nonce), &p);
        } else if (cairn_sip_str_ieq(p.name, "opaque")) {
            rc = once(&seen, 4);
            if (rc == CAIRN_OK)
                rc = field(ch.opaque, sizeof(ch.opaque), &p);
        } else if (cairn_sip_str_ieq(p.name, "algorithm")) {
            rc = once(&seen, 8);
            if (rc == CAIRN_OK)
                rc = parse_alg(&p, &ch.alg);
        } else if (cairn_sip_str_ieq(p.name, "qop")) {
            rc = once(&seen, 16);
            qop = true;
            ch.qop_auth = list_has_auth(p.value);
        } else if (cairn_sip_str_ieq(p.name, "stale")) {
            rc = once(&seen, 32);
            ch.stale = cairn_sip_str_ieq(p.value, "true");
        }
    }
    if (rc != CAIRN_ERR_NOT_FOUND)
        return rc == CAIRN_OK ? CAIRN_ERR_DECODE : rc;
    if ((seen & 3) != 3 || ch.nonce[0] == 0)
        return CAIRN_ERR_DECODE;
    if (qop && !ch.qop_auth)
        return CAIRN_ERR_UNSUPPORTED;
    *out = ch;
    return CAIRN_OK;
}

cairn_status cairn_sip_msg_challenge(const cairn_sip_msg *m, const char *header,
                                     cairn_sip_challenge *out)
{
    size_t i, n = cairn_sip_msg_header_count(m, header);
    for (i = 0; i < n; i++) {
        const char *v = cairn_sip_msg_header(m, header, i);
        if (cairn_sip_challenge_parse(v, strlen(v), out) == CAIRN_OK)
            return CAIRN_OK;
    }
    return CAIRN_ERR_NOT_FOUND;
}

static bool is_hex(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!strchr("0123456789abcdefABCDEF", s[i]) || s[i] == 0)
            return false;
    return true;
}

cairn_status cairn_sip_credentials_parse(const char *s, size_t len, cairn_sip_credentials *out)
{
    cairn_sip_credentials cr;
    cairn_sip_str cur;
    auth_param p;
    unsigned seen = 0;
    size_t i, hexlen;
    cairn_status rc;

    if (s == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    memset(&cr, 0, sizeof(cr));
    cr.alg = CAIRN_SIP_DIGEST_MD5;
    rc = scheme(s, len, &cur);
    while (rc == CAIRN_OK && (rc = next_param(&cur, &p)) == CAIRN_OK) {
        static const struct {
            const char *name;
            size_t off, cap;
        } f[] = {
            {"username", offsetof(cairn_sip_credentials, username), CAIRN_SIP_DIGEST_FIELD},
            {"realm", offsetof(cairn_sip_credentials, realm), CAIRN_SIP_DIGEST_FIELD},
            {"nonce", offsetof(cairn_sip_credentials, nonce), CAIRN_SIP_DIGEST_FIELD},
            {"uri", offsetof(cairn_sip_credentials, uri), CAIRN_SIP_DIGEST_URI},
            {"response", offsetof(cairn_sip_credentials, response), CAIRN_SIP_DIGEST_HEX},
            {"cnonce", offsetof(cairn_sip_credentials, cnonce), CAIRN_SIP_DIGEST_FIELD},
            {"nc", offsetof(cairn_sip_credentials, nc), 9},
            {"qop", offsetof(cairn_sip_credentials, qop), 16},
            {"opaque", offsetof(cairn_sip_credentials, opaque), CAIRN_SIP_DIGEST_FIELD},
        };
        if (cairn_sip_str_ieq(p.name, "algorithm")) {
            rc = once(&seen, 1u << 10);
            if (rc == CAIRN_OK)
                rc = parse_alg(&p, &cr.alg);
            continue;
        }
        for (i = 0; i < CAIRN_ARRAY_LEN(f); i++) {
            if (!cairn_sip_str_ieq(p.name, f[i].name))
                continue;
            rc = once(&seen, 1u << i);
            if (rc == CAIRN_OK)
                rc = field((char *)&cr + f[i].off, f[i].cap, &p);
            break;
        }
    }
    if (rc != CAIRN_ERR_NOT_FOUND)
        return rc == CAIRN_OK ? CAIRN_ERR_DECODE : rc;
    if ((seen & 0x1f) != 0x1f) /* username realm nonce uri response */
        return CAIRN_ERR_DECODE;
    hexlen = cr.alg == CAIRN_SIP_DIGEST_SHA256 ? 64 : 32;
    if (strlen(cr.response) != hexlen || !is_hex(cr.response, hexlen))
        return CAIRN_ERR_DECODE;
    for (i = 0; i < hexlen; i++)
        if (cr.response[i] >= 'A' && cr.response[i] <= 'F')
            cr.response[i] = (char)(cr.response[i] + 32);
    if (cr.qop[0]) {
        if (sip__strncasecmp(cr.qop, "auth", 5) != 0)
            return CAIRN_ERR_UNSUPPORTED;
        memcpy(cr.qop, "auth", 5);
        if (cr.cnonce[0] == 0 || strlen(cr.nc) != 8 || !is_hex(cr.nc, 8))
            return CAIRN_ERR_DECODE;
    } else if (cr.cnonce[0] || cr.nc[0]) {
        return CAIRN_ERR_DECODE;
    }
    *out = cr;
    return CAIRN_OK;
}
