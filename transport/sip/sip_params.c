/*
 * sip_params.c - slices and ";name=value" parameter lists (RFC 3261
 * section 25.1 generic-param and uri-parameter), shared by URIs, Via,
 * name-addr and the feature tags.
 *
 * Invariant: never reads outside the slice; a quoted value ends at an
 * unescaped '"' and an unterminated quote is an error, not a run-on.
 */
#include <string.h>

#include "sip_internal.h"

bool cairn_sip_str_eq(cairn_sip_str s, const char *lit)
{
    size_t n = lit ? strlen(lit) : 0;
    return s.len == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

bool cairn_sip_str_ieq(cairn_sip_str s, const char *lit)
{
    size_t n = lit ? strlen(lit) : 0;
    return s.len == n && (n == 0 || sip__strncasecmp(s.p, lit, n) == 0);
}

cairn_sip_str cairn_sip_str_of(const char *s)
{
    cairn_sip_str r = {s, s ? strlen(s) : 0};
    return r;
}

static void skip_ws(cairn_sip_str *c)
{
    while (c->len && sip__is_ws((unsigned char)*c->p)) {
        c->p++;
        c->len--;
    }
}

cairn_status cairn_sip_param_next(cairn_sip_str *cursor, cairn_sip_str *name, cairn_sip_str *value)
{
    cairn_sip_str c = *cursor;
    size_t i = 0;

    name->p = value->p = NULL;
    name->len = value->len = 0;
    skip_ws(&c);
    if (c.len == 0)
        return CAIRN_ERR_NOT_FOUND;
    if (*c.p != ';')
        return CAIRN_ERR_DECODE;
    c.p++;
    c.len--;
    skip_ws(&c);
    /* Names are tokens; liberal: anything up to '=', ';' or whitespace. */
    while (i < c.len && c.p[i] != '=' && c.p[i] != ';' && !sip__is_ws((unsigned char)c.p[i]) &&
           c.p[i] != '"')
        i++;
    if (i == 0)
        return CAIRN_ERR_DECODE;
    name->p = c.p;
    name->len = i;
    c.p += i;
    c.len -= i;
    skip_ws(&c);
    if (c.len && *c.p == '=') {
        c.p++;
        c.len--;
        skip_ws(&c);
        if (c.len && *c.p == '"') {
            i = 1;
            while (i < c.len && c.p[i] != '"') {
                if (c.p[i] == '\\')
                    i++;
                i++;
            }
            if (i >= c.len)
                return CAIRN_ERR_DECODE;
            value->p = c.p + 1;
            value->len = i - 1;
            c.p += i + 1;
            c.len -= i + 1;
        } else {
            i = 0;
            while (i < c.len && c.p[i] != ';' && !sip__is_ws((unsigned char)c.p[i]))
                i++;
            value->p = c.p;
            value->len = i;
            c.p += i;
            c.len -= i;
        }
        skip_ws(&c);
    }
    if (c.len && *c.p != ';')
        return CAIRN_ERR_DECODE;
    *cursor = c;
    return CAIRN_OK;
}

cairn_status cairn_sip_param_get(cairn_sip_str params, const char *name, cairn_sip_str *value)
{
    cairn_sip_str n, v;
    cairn_status rc;
    while ((rc = cairn_sip_param_next(&params, &n, &v)) == CAIRN_OK) {
        if (cairn_sip_str_ieq(n, name)) {
            if (value)
                *value = v;
            return CAIRN_OK;
        }
    }
    return rc;
}
