/*
 * sdp_msrp.c - the MSRP view of a description (RFC 4975 section 8,
 * RFC 6135 a=setup, RFC 5547 a=file-selector) and the strict builder of
 * the offers/answers Cairn sends (SDP-10..16).
 *
 * Invariant: the builder refuses whatever its own reader would refuse, so
 * an offer we send always parses back to the same parameters.
 */
#include <string.h>

#include "sdp_internal.h"

static bool is_msrp_uri(cairn_sdp_str u, bool *tls)
{
    if (u.len > 7 && sdp__strncasecmp(u.p, "msrp://", 7) == 0) {
        *tls = false;
        return true;
    }
    if (u.len > 8 && sdp__strncasecmp(u.p, "msrps://", 8) == 0) {
        *tls = true;
        return true;
    }
    return false;
}

cairn_status cairn_sdp_msrp_find(const cairn_sdp *s, size_t *media)
{
    size_t i;
    if (s == NULL || media == NULL)
        return CAIRN_ERR_INVALID_ARG;
    for (i = 0; i < s->nmedia; i++) {
        const cairn_sdp_media *m = &s->media[i];
        if (cairn_sdp_str_ieq(m->media, "message") &&
            (cairn_sdp_str_ieq(m->proto, "TCP/MSRP") ||
             cairn_sdp_str_ieq(m->proto, "TCP/TLS/MSRP"))) {
            *media = i;
            return CAIRN_OK;
        }
    }
    return CAIRN_ERR_NOT_FOUND;
}

static cairn_status parse_u64(cairn_sdp_str v, uint64_t *out)
{
    uint64_t x = 0;
    size_t i;
    if (v.len == 0 || v.len > 19)
        return CAIRN_ERR_DECODE;
    for (i = 0; i < v.len; i++) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return CAIRN_ERR_DECODE;
        x = x * 10 + (uint64_t)(v.p[i] - '0');
    }
    *out = x;
    return CAIRN_OK;
}

cairn_status cairn_sdp_msrp_get(const cairn_sdp *s, size_t media, cairn_sdp_msrp *out)
{
    cairn_sdp_msrp r;
    const cairn_sdp_media *m;
    cairn_sdp_str v;
    size_t n, i;
    bool tls;

    if (s == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    m = cairn_sdp_media_at(s, media);
    if (m == NULL)
        return CAIRN_ERR_NOT_FOUND;
    memset(&r, 0, sizeof(r));
    if (!cairn_sdp_str_ieq(m->media, "message"))
        return CAIRN_ERR_UNSUPPORTED;
    if (cairn_sdp_str_ieq(m->proto, "TCP/TLS/MSRP"))
        r.tls = true;
    else if (!cairn_sdp_str_ieq(m->proto, "TCP/MSRP"))
        return CAIRN_ERR_UNSUPPORTED;
    r.port = m->port;
    if (cairn_sdp_connection(s, media, &r.addrtype, &r.addr) != CAIRN_OK)
        return CAIRN_ERR_DECODE;
    /* a=path: one or more MSRP URIs separated by spaces (SDP-12). */
    if (cairn_sdp_attr(s, media, "path", 0, &r.path) != CAIRN_OK)
        return CAIRN_ERR_DECODE;
    n = sdp__fields(r.path, r.path_uri, CAIRN_SDP_MAX_PATH, false);
    if (n > CAIRN_SDP_MAX_PATH)
        return CAIRN_ERR_LIMIT;
    if (n == 0)
        return CAIRN_ERR_DECODE;
    for (i = 0; i < n; i++)
        if (!is_msrp_uri(r.path_uri[i], &tls))
            return CAIRN_ERR_DECODE;
    r.path_count = n;
    if (cairn_sdp_attr(s, media, "accept-types", 0, &r.accept_types) != CAIRN_OK ||
        r.accept_types.len == 0)
        return CAIRN_ERR_DECODE;
    (void)cairn_sdp_attr(s, media, "accept-wrapped-types", 0, &r.accept_wrapped_types);
    if (cairn_sdp_attr(s, media, "max-size", 0, &v) == CAIRN_OK) {
        if (parse_u64(v, &r.max_size) != CAIRN_OK)
            return CAIRN_ERR_DECODE;
        r.has_max_size = true;
    }
    if (cairn_sdp_attr(s, media, "setup", 0, &v) == CAIRN_OK ||
        cairn_sdp_attr(s, CAIRN_SDP_SESSION, "setup", 0, &v) == CAIRN_OK) {
        if (cairn_sdp_str_ieq(v, "active"))
            r.setup = CAIRN_SDP_SETUP_ACTIVE;
        else if (cairn_sdp_str_ieq(v, "passive"))
            r.setup = CAIRN_SDP_SETUP_PASSIVE;
        else if (cairn_sdp_str_ieq(v, "actpass"))
            r.setup = CAIRN_SDP_SETUP_ACTPASS;
        else if (cairn_sdp_str_ieq(v, "holdconn"))
            r.setup = CAIRN_SDP_SETUP_HOLDCONN;
        else
            return CAIRN_ERR_DECODE;
    }
    (void)cairn_sdp_attr(s, media, "file-selector", 0, &r.file_selector);
    *out = r;
    return CAIRN_OK;
}

static bool text_ok(const char *s, bool required)
{
    if (s == NULL)
        return !required;
    if (required && *s == 0)
        return false;
    return strpbrk(s, "\r\n") == NULL;
}

/* Every URI of the path must be msrp(s):// matching the transport. */
static bool path_ok(const char *path, bool tls)
{
    cairn_sdp_str all = {path, strlen(path)}, f[CAIRN_SDP_MAX_PATH];
    size_t n = sdp__fields(all, f, CAIRN_SDP_MAX_PATH, false), i;
    bool t;
    if (n == 0 || n > CAIRN_SDP_MAX_PATH)
        return false;
    for (i = 0; i < n; i++)
        if (!is_msrp_uri(f[i], &t) || t != tls)
            return false;
    return true;
}

static bool token_ok(const char *s)
{
    size_t i;
    if (s == NULL || *s == 0)
        return false;
    for (i = 0; s[i]; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
            return false;
    return true;
}

static const char *setup_name(cairn_sdp_setup s)
{
    switch (s) {
    case CAIRN_SDP_SETUP_ACTIVE:
        return "active";
    case CAIRN_SDP_SETUP_PASSIVE:
        return "passive";
    case CAIRN_SDP_SETUP_ACTPASS:
        return "actpass";
    case CAIRN_SDP_SETUP_HOLDCONN:
        return "holdconn";
    case CAIRN_SDP_SETUP_NONE:
        break;
    }
    return NULL;
}

cairn_status cairn_sdp_msrp_build(const cairn_sdp_msrp_offer *o, cairn__buf *out)
{
    const char *user, *at, *dir;
    size_t mark;
    cairn_status rc;

    if (o == NULL || out == NULL || !token_ok(o->addr) || o->port == 0 || !text_ok(o->path, true) ||
        !path_ok(o->path, o->tls) || !text_ok(o->accept_types, true) ||
        !text_ok(o->accept_wrapped_types, false) || !text_ok(o->file_selector, false) ||
        (o->setup != CAIRN_SDP_SETUP_NONE && setup_name(o->setup) == NULL) ||
        (o->origin_user && !token_ok(o->origin_user)))
        return CAIRN_ERR_INVALID_ARG;
    dir = o->direction;
    if (dir && strcmp(dir, "sendrecv") && strcmp(dir, "sendonly") && strcmp(dir, "recvonly") &&
        strcmp(dir, "inactive"))
        return CAIRN_ERR_INVALID_ARG;
    user = o->origin_user ? o->origin_user : "-";
    at = strchr(o->addr, ':') ? "IP6" : "IP4";
    mark = out->len;
    rc = cairn__buf_printf(
        out,
        "v=0\r\n"
        "o=%s %llu %llu IN %s %s\r\n"
        "s=-\r\n"
        "c=IN %s %s\r\n"
        "t=0 0\r\n"
        "m=message %u %s *\r\n"
        "a=accept-types:%s\r\n",
        user, (unsigned long long)o->sess_id, (unsigned long long)o->sess_version, at, o->addr, at,
        o->addr, (unsigned)o->port, o->tls ? "TCP/TLS/MSRP" : "TCP/MSRP", o->accept_types);
    if (rc == CAIRN_OK && o->accept_wrapped_types)
        rc = cairn__buf_printf(out, "a=accept-wrapped-types:%s\r\n", o->accept_wrapped_types);
    if (rc == CAIRN_OK && o->max_size)
        rc = cairn__buf_printf(out, "a=max-size:%llu\r\n", (unsigned long long)o->max_size);
    if (rc == CAIRN_OK)
        rc = cairn__buf_printf(out, "a=path:%s\r\n", o->path);
    if (rc == CAIRN_OK && o->setup != CAIRN_SDP_SETUP_NONE)
        rc = cairn__buf_printf(out, "a=setup:%s\r\n", setup_name(o->setup));
    if (rc == CAIRN_OK && o->file_selector)
        rc = cairn__buf_printf(out, "a=file-selector:%s\r\n", o->file_selector);
    if (rc == CAIRN_OK && dir)
        rc = cairn__buf_printf(out, "a=%s\r\n", dir);
    if (rc != CAIRN_OK) {
        out->len = mark;
        if (out->data)
            out->data[mark] = 0;
    }
    return rc;
}
