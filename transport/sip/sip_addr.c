/*
 * sip_addr.c - URIs (sip:, sips:, tel:), name-addr / addr-spec, Via, CSeq
 * and the message shortcuts built on them; also the random branch / tag
 * generators and the strict name-addr writer.
 *
 * Invariants: parsers are zero-copy and allocation-free; every slice they
 * return lies inside the input. The writer refuses anything that would not
 * parse back (SIP-11).
 */
#include <string.h>

#include "sip_internal.h"

static cairn_sip_str sl(const char *p, size_t n)
{
    cairn_sip_str s = {p, n};
    return s;
}

static void trim(const char **p, size_t *n)
{
    while (*n && sip__is_ws((unsigned char)**p)) {
        (*p)++;
        (*n)--;
    }
    while (*n && sip__is_ws((unsigned char)(*p)[*n - 1]))
        (*n)--;
}

static bool parse_port(const char *p, size_t n, uint16_t *port)
{
    uint32_t v = 0;
    size_t i;
    if (n == 0 || n > 5)
        return false;
    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (uint32_t)(p[i] - '0');
    }
    if (v == 0 || v > 65535)
        return false;
    *port = (uint16_t)v;
    return true;
}

static bool host_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

/* host [":" port]; host is a name, IPv4 or "[" IPv6 "]". */
static cairn_status hostport(const char *p, size_t n, cairn_sip_str *host, uint16_t *port)
{
    size_t i = 0;
    *port = 0;
    if (n && p[0] == '[') {
        while (i < n && p[i] != ']') {
            unsigned char c = (unsigned char)p[i];
            if (i > 0 && !(c == ':' || c == '.' || (c >= '0' && c <= '9') ||
                           (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
                return CAIRN_ERR_DECODE;
            i++;
        }
        if (i == n || i < 3)
            return CAIRN_ERR_DECODE;
        i++;
    } else {
        while (i < n && host_char((unsigned char)p[i]))
            i++;
        if (i == 0)
            return CAIRN_ERR_DECODE;
    }
    *host = sl(p, i);
    if (i == n)
        return CAIRN_OK;
    if (p[i] != ':' || !parse_port(p + i + 1, n - i - 1, port))
        return CAIRN_ERR_DECODE;
    return CAIRN_OK;
}

static bool no_ctl_or_space(const char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f || p[i] == '<' || p[i] == '>' || p[i] == '"')
            return false;
    return true;
}

cairn_status cairn_sip_uri_parse(const char *s, size_t len, cairn_sip_uri *out)
{
    cairn_sip_uri u;
    const char *colon, *rest, *end, *at, *q, *semi;
    size_t sn;
    cairn_status rc;
    cairn_sip_str cur, n, v;

    if (s == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    memset(&u, 0, sizeof(u));
    colon = memchr(s, ':', len);
    if (colon == NULL)
        return CAIRN_ERR_DECODE;
    sn = (size_t)(colon - s);
    if (sn == 3 && sip__strncasecmp(s, "sip", 3) == 0)
        u.scheme = CAIRN_SIP_SCHEME_SIP;
    else if (sn == 4 && sip__strncasecmp(s, "sips", 4) == 0)
        u.scheme = CAIRN_SIP_SCHEME_SIPS;
    else if (sn == 3 && sip__strncasecmp(s, "tel", 3) == 0)
        u.scheme = CAIRN_SIP_SCHEME_TEL;
    else
        return CAIRN_ERR_UNSUPPORTED;
    rest = colon + 1;
    end = s + len;
    if (!no_ctl_or_space(rest, (size_t)(end - rest)) || rest == end)
        return CAIRN_ERR_DECODE;
    if (u.scheme == CAIRN_SIP_SCHEME_TEL) {
        /* tel: number [;params] (RFC 3966); the number keeps its visual
         * separators, comparisons are the caller's business. */
        size_t i;
        semi = memchr(rest, ';', (size_t)(end - rest));
        if (semi == NULL)
            semi = end;
        if (semi == rest)
            return CAIRN_ERR_DECODE;
        for (i = 0; rest + i < semi; i++)
            if (!strchr("0123456789+-.()*#abcdefABCDEF", rest[i]))
                return CAIRN_ERR_DECODE;
        u.user = sl(rest, (size_t)(semi - rest));
        u.params = sl(semi, (size_t)(end - semi));
    } else {
        q = memchr(rest, '?', (size_t)(end - rest));
        if (q) {
            u.headers = sl(q + 1, (size_t)(end - q - 1));
            end = q;
        }
        at = memchr(rest, '@', (size_t)(end - rest));
        if (at) {
            const char *pc = memchr(rest, ':', (size_t)(at - rest));
            if (pc) {
                u.user = sl(rest, (size_t)(pc - rest));
                u.password = sl(pc + 1, (size_t)(at - pc - 1));
            } else {
                u.user = sl(rest, (size_t)(at - rest));
            }
            if (u.user.len == 0)
                return CAIRN_ERR_DECODE;
            rest = at + 1;
        }
        semi = memchr(rest, ';', (size_t)(end - rest));
        if (semi == NULL)
            semi = end;
        rc = hostport(rest, (size_t)(semi - rest), &u.host, &u.port);
        if (rc != CAIRN_OK)
            return rc;
        u.params = sl(semi, (size_t)(end - semi));
    }
    /* The parameters must at least be well formed. */
    cur = u.params;
    while ((rc = cairn_sip_param_next(&cur, &n, &v)) == CAIRN_OK)
        ;
    if (rc != CAIRN_ERR_NOT_FOUND)
        return CAIRN_ERR_DECODE;
    *out = u;
    return CAIRN_OK;
}

cairn_status cairn_sip_addr_parse(const char *s, size_t len, bool allow_star, cairn_sip_addr *out)
{
    cairn_sip_addr a;
    const char *p = s, *lt, *gt, *e;
    size_t n = len;
    cairn_status rc;
    cairn_sip_str cur, pn, pv;

    if (s == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    memset(&a, 0, sizeof(a));
    trim(&p, &n);
    if (n == 0)
        return CAIRN_ERR_DECODE;
    if (allow_star && p[0] == '*') {
        size_t i = 1;
        while (i < n && sip__is_ws((unsigned char)p[i]))
            i++;
        a.star = true;
        a.params = sl(p + i, n - i);
        goto params;
    }
    e = p + n;
    if (p[0] == '"') {
        size_t i = 1;
        while (i < n && p[i] != '"') {
            if (p[i] == '\\')
                i++;
            i++;
        }
        if (i >= n)
            return CAIRN_ERR_DECODE;
        a.display = sl(p + 1, i - 1);
        lt = p + i + 1;
        while (lt < e && sip__is_ws((unsigned char)*lt))
            lt++;
        if (lt == e || *lt != '<')
            return CAIRN_ERR_DECODE;
    } else {
        lt = memchr(p, '<', n);
        if (lt) {
            const char *d = p;
            size_t dn = (size_t)(lt - p);
            trim(&d, &dn);
            a.display = sl(d, dn);
        }
    }
    if (lt) {
        gt = memchr(lt, '>', (size_t)(e - lt));
        if (gt == NULL)
            return CAIRN_ERR_DECODE;
        a.uri_text = sl(lt + 1, (size_t)(gt - lt - 1));
        a.params = sl(gt + 1, (size_t)(e - gt - 1));
    } else {
        /* addr-spec: parameters after the URI belong to the header. */
        const char *semi = memchr(p, ';', n);
        if (semi == NULL)
            semi = e;
        a.uri_text = sl(p, (size_t)(semi - p));
        trim(&a.uri_text.p, &a.uri_text.len);
        a.params = sl(semi, (size_t)(e - semi));
    }
    rc = cairn_sip_uri_parse(a.uri_text.p, a.uri_text.len, &a.uri);
    if (rc != CAIRN_OK)
        return rc;
params:
    cur = a.params;
    while ((rc = cairn_sip_param_next(&cur, &pn, &pv)) == CAIRN_OK)
        ;
    if (rc != CAIRN_ERR_NOT_FOUND)
        return CAIRN_ERR_DECODE;
    *out = a;
    return CAIRN_OK;
}

cairn_status cairn_sip_addr_format(cairn__buf *out, const char *display, const char *uri,
                                   const char *tag)
{
    cairn_sip_uri u;
    size_t mark, i;
    cairn_status rc = CAIRN_OK;

    if (out == NULL || uri == NULL || cairn_sip_uri_parse(uri, strlen(uri), &u) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    if (display && strpbrk(display, "\r\n"))
        return CAIRN_ERR_INVALID_ARG;
    if (tag) {
        if (*tag == 0)
            return CAIRN_ERR_INVALID_ARG;
        for (i = 0; tag[i]; i++)
            if (!sip__is_token_char((unsigned char)tag[i]))
                return CAIRN_ERR_INVALID_ARG;
    }
    mark = out->len;
    if (display && *display) {
        rc = cairn__buf_append(out, "\"", 1);
        for (i = 0; rc == CAIRN_OK && display[i]; i++) {
            if (display[i] == '"' || display[i] == '\\')
                rc = cairn__buf_append(out, "\\", 1);
            if (rc == CAIRN_OK)
                rc = cairn__buf_append(out, display + i, 1);
        }
        if (rc == CAIRN_OK)
            rc = cairn__buf_append(out, "\" ", 2);
    }
    if (rc == CAIRN_OK)
        rc = cairn__buf_printf(out, "<%s>", uri);
    if (rc == CAIRN_OK && tag)
        rc = cairn__buf_printf(out, ";tag=%s", tag);
    if (rc != CAIRN_OK) {
        out->len = mark;
        if (out->data)
            out->data[mark] = 0;
    }
    return rc;
}

cairn_status cairn_sip_via_parse(const char *s, size_t len, cairn_sip_via *out)
{
    cairn_sip_via v;
    const char *p = s, *e;
    size_t n = len, i;
    const char *part[3];
    size_t plen[3];
    int k;
    cairn_status rc;
    cairn_sip_str cur, pn, pv;

    if (s == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    memset(&v, 0, sizeof(v));
    trim(&p, &n);
    e = p + n;
    /* sent-protocol = name SLASH version SLASH transport, with optional
     * whitespace around the slashes. */
    for (k = 0; k < 3; k++) {
        while (p < e && sip__is_ws((unsigned char)*p))
            p++;
        i = 0;
        while (p + i < e && sip__is_token_char((unsigned char)p[i]))
            i++;
        if (i == 0)
            return CAIRN_ERR_DECODE;
        part[k] = p;
        plen[k] = i;
        p += i;
        while (p < e && sip__is_ws((unsigned char)*p))
            p++;
        if (k < 2) {
            if (p == e || *p != '/')
                return CAIRN_ERR_DECODE;
            p++;
        }
    }
    if (plen[0] != 3 || sip__strncasecmp(part[0], "SIP", 3) != 0 || plen[1] != 3 ||
        memcmp(part[1], "2.0", 3) != 0)
        return CAIRN_ERR_VERSION;
    v.transport = sl(part[2], plen[2]);
    i = 0;
    while (p + i < e && p[i] != ';' && !sip__is_ws((unsigned char)p[i]))
        i++;
    rc = hostport(p, i, &v.host, &v.port);
    if (rc != CAIRN_OK)
        return rc;
    p += i;
    v.params = sl(p, (size_t)(e - p));
    cur = v.params;
    while ((rc = cairn_sip_param_next(&cur, &pn, &pv)) == CAIRN_OK) {
        if (cairn_sip_str_ieq(pn, "branch"))
            v.branch = pv;
        else if (cairn_sip_str_ieq(pn, "received"))
            v.received = pv;
        else if (cairn_sip_str_ieq(pn, "rport")) {
            v.has_rport = true;
            if (pv.len && !parse_port(pv.p, pv.len, &v.rport))
                return CAIRN_ERR_DECODE;
        }
    }
    if (rc != CAIRN_ERR_NOT_FOUND)
        return CAIRN_ERR_DECODE;
    *out = v;
    return CAIRN_OK;
}

cairn_status cairn_sip_cseq_parse(const char *s, size_t len, uint32_t *num, cairn_sip_str *method)
{
    const char *p = s;
    size_t n = len, i = 0;
    uint64_t v = 0;

    if (s == NULL || num == NULL || method == NULL)
        return CAIRN_ERR_INVALID_ARG;
    trim(&p, &n);
    while (i < n && p[i] >= '0' && p[i] <= '9') {
        v = v * 10 + (uint64_t)(p[i] - '0');
        if (v >= (1u << 31))
            return CAIRN_ERR_DECODE;
        i++;
    }
    if (i == 0 || i == n || !sip__is_ws((unsigned char)p[i]))
        return CAIRN_ERR_DECODE;
    while (i < n && sip__is_ws((unsigned char)p[i]))
        i++;
    if (i == n)
        return CAIRN_ERR_DECODE;
    method->p = p + i;
    method->len = n - i;
    for (; i < n; i++)
        if (!sip__is_token_char((unsigned char)p[i]))
            return CAIRN_ERR_DECODE;
    *num = (uint32_t)v;
    return CAIRN_OK;
}

cairn_status cairn_sip_msg_via(const cairn_sip_msg *m, size_t idx, cairn_sip_via *out)
{
    const char *v = cairn_sip_msg_header(m, "Via", idx);
    if (v == NULL)
        return CAIRN_ERR_NOT_FOUND;
    return cairn_sip_via_parse(v, strlen(v), out);
}

cairn_status cairn_sip_msg_addr(const cairn_sip_msg *m, const char *name, size_t idx,
                                cairn_sip_addr *out)
{
    const char *v = cairn_sip_msg_header(m, name, idx);
    if (v == NULL)
        return CAIRN_ERR_NOT_FOUND;
    return cairn_sip_addr_parse(v, strlen(v), true, out);
}

cairn_status cairn_sip_msg_cseq(const cairn_sip_msg *m, uint32_t *num, cairn_sip_str *method)
{
    const char *v = cairn_sip_msg_header(m, "CSeq", 0);
    if (v == NULL)
        return CAIRN_ERR_NOT_FOUND;
    return cairn_sip_cseq_parse(v, strlen(v), num, method);
}

cairn_status cairn_sip_msg_tag(const cairn_sip_msg *m, const char *name, cairn_sip_str *tag)
{
    cairn_sip_addr a;
    cairn_status rc = cairn_sip_msg_addr(m, name, 0, &a);
    if (rc != CAIRN_OK)
        return rc;
    tag->p = NULL;
    tag->len = 0;
    rc = cairn_sip_param_get(a.params, "tag", tag);
    return rc == CAIRN_ERR_NOT_FOUND ? CAIRN_OK : rc;
}

cairn_status cairn_sip_msg_uint(const cairn_sip_msg *m, const char *name, uint32_t *out)
{
    const char *v = cairn_sip_msg_header(m, name, 0);
    uint64_t x = 0;
    size_t i;
    if (v == NULL)
        return CAIRN_ERR_NOT_FOUND;
    if (*v == 0)
        return CAIRN_ERR_DECODE;
    for (i = 0; v[i]; i++) {
        if (v[i] < '0' || v[i] > '9')
            return CAIRN_ERR_DECODE;
        x = x * 10 + (uint64_t)(v[i] - '0');
        if (x > UINT32_MAX)
            return CAIRN_ERR_DECODE;
    }
    *out = (uint32_t)x;
    return CAIRN_OK;
}

static cairn_status random_hex(const cairn_context *ctx, char *out, size_t n)
{
    uint8_t r[16];
    cairn_status rc = cairn__random(ctx, r, sizeof(r));
    if (rc != CAIRN_OK)
        return rc;
    (void)n;
    cairn__hex_encode(out, r, sizeof(r));
    return CAIRN_OK;
}

cairn_status cairn_sip_branch_new(const cairn_context *ctx, char out[CAIRN_SIP_BRANCH_SIZE])
{
    memcpy(out, "z9hG4bK", 7);
    return random_hex(ctx, out + 7, CAIRN_SIP_BRANCH_SIZE - 7);
}

cairn_status cairn_sip_token_new(const cairn_context *ctx, char out[CAIRN_SIP_TOKEN_SIZE])
{
    return random_hex(ctx, out, CAIRN_SIP_TOKEN_SIZE);
}
