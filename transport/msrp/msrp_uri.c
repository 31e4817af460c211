/*
 * msrp_uri.c - MSRP URIs and paths (RFC 4975 section 6, 9):
 *   msrp[s]://[userinfo@]host[:port][/session-id];transport*(;param)
 * Results are views into the caller's string; nothing is allocated.
 * A path is at most CAIRN_MSRP_PATH_MAX URIs separated by whitespace
 * (MSRP-PATH-1, MSRP-PATH-2).
 */
#include <string.h>

#include "msrp_internal.h"

static bool unreserved(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

static bool alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}

cairn_status cairn_msrp_uri_parse(const char *s, size_t len, cairn_msrp_uri *out)
{
    cairn_msrp_uri u;
    const char *p = s, *end = s + len, *auth_end, *at, *h;
    size_t i;

    if (s == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    memset(&u, 0, sizeof(u));
    if (len >= 7 && msrp__ieqn(p, 7, "msrp://", 7)) {
        p += 7;
    } else if (len >= 8 && msrp__ieqn(p, 8, "msrps://", 8)) {
        u.secure = true;
        p += 8;
    } else {
        return CAIRN_ERR_DECODE;
    }
    /* authority ends at '/' or ';' */
    auth_end = p;
    while (auth_end < end && *auth_end != '/' && *auth_end != ';')
        auth_end++;
    at = NULL;
    for (h = p; h < auth_end; h++)
        if (*h == '@')
            at = h;
    if (at != NULL) {
        u.user = p;
        u.user_len = (size_t)(at - p);
        for (i = 0; i < u.user_len; i++) {
            unsigned char c = (unsigned char)p[i];
            if (c <= 0x20 || c >= 0x7f || c == '@')
                return CAIRN_ERR_DECODE;
        }
        p = at + 1;
    }
    h = p;
    if (p < auth_end && *p == '[') {
        while (p < auth_end && *p != ']') {
            unsigned char c = (unsigned char)*p;
            if (p > h && !(alnum(c) || c == ':' || c == '.'))
                return CAIRN_ERR_DECODE;
            p++;
        }
        if (p == auth_end)
            return CAIRN_ERR_DECODE;
        p++;
    } else {
        while (p < auth_end && *p != ':') {
            unsigned char c = (unsigned char)*p;
            if (!(alnum(c) || c == '-' || c == '.'))
                return CAIRN_ERR_DECODE;
            p++;
        }
    }
    u.host = h;
    u.host_len = (size_t)(p - h);
    if (u.host_len == 0)
        return CAIRN_ERR_DECODE;
    if (p < auth_end) {
        uint32_t port = 0;
        size_t digits = 0;
        if (*p++ != ':')
            return CAIRN_ERR_DECODE;
        while (p < auth_end && *p >= '0' && *p <= '9' && digits < 6) {
            port = port * 10 + (uint32_t)(*p - '0');
            p++;
            digits++;
        }
        if (digits == 0 || p != auth_end || port > 65535)
            return CAIRN_ERR_DECODE;
        u.port = (uint16_t)port;
    }
    if (p < end && *p == '/') {
        p++;
        u.session = p;
        while (p < end && *p != ';') {
            unsigned char c = (unsigned char)*p;
            if (!(unreserved(c) || c == '+' || c == '=' || c == '/' || c == '%'))
                return CAIRN_ERR_DECODE;
            p++;
        }
        u.session_len = (size_t)(p - u.session);
        if (u.session_len == 0)
            return CAIRN_ERR_DECODE;
    }
    /* The transport is mandatory: ";tcp". */
    if (p >= end || *p++ != ';')
        return CAIRN_ERR_DECODE;
    u.transport = p;
    while (p < end && alnum((unsigned char)*p))
        p++;
    u.transport_len = (size_t)(p - u.transport);
    if (u.transport_len == 0)
        return CAIRN_ERR_DECODE;
    if (p < end) {
        if (*p != ';')
            return CAIRN_ERR_DECODE;
        u.params = p + 1;
        u.params_len = (size_t)(end - u.params);
        for (i = 0; i < u.params_len; i++) {
            unsigned char c = (unsigned char)u.params[i];
            if (c <= 0x20 || c >= 0x7f)
                return CAIRN_ERR_DECODE;
        }
    }
    *out = u;
    return CAIRN_OK;
}

cairn_status cairn_msrp_path_parse(const char *s, cairn_msrp_uri *out,
                                   size_t max, size_t *n)
{
    size_t count = 0;
    cairn_status rc;

    if (s == NULL || n == NULL || (out == NULL && max > 0))
        return CAIRN_ERR_INVALID_ARG;
    if (max > CAIRN_MSRP_PATH_MAX)
        max = CAIRN_MSRP_PATH_MAX;
    for (;;) {
        const char *e;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0')
            break;
        e = s;
        while (*e && *e != ' ' && *e != '\t')
            e++;
        if (count >= max)
            return CAIRN_ERR_LIMIT;
        rc = cairn_msrp_uri_parse(s, (size_t)(e - s), &out[count]);
        if (rc != CAIRN_OK)
            return rc;
        count++;
        s = e;
    }
    if (count == 0)
        return CAIRN_ERR_DECODE;
    *n = count;
    return CAIRN_OK;
}

bool cairn_msrp_uri_equal(const cairn_msrp_uri *a, const cairn_msrp_uri *b)
{
    return a->secure == b->secure &&
           msrp__ieqn(a->host, a->host_len, b->host, b->host_len) &&
           a->port == b->port && a->session_len == b->session_len &&
           (a->session_len == 0 ||
            memcmp(a->session, b->session, a->session_len) == 0) &&
           msrp__ieqn(a->transport, a->transport_len, b->transport,
                      b->transport_len);
}
