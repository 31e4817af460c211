/*
 * sdp_parse.c - the bounded SDP reader, accessors and the lossless writer.
 *
 * Liberal (SDP-21): LF-only line ends, a trailing line without an end,
 * spaces after "x=", unknown line types and attributes (kept and written
 * back). Refused: a first line other than v=0, a line not "<letter>=",
 * NUL or bare CR, a malformed o=, c= or m=, missing o= or s=, and
 * anything over a cap (SDP-20).
 *
 * Invariant: parsing works on a private copy; every slice handed out
 * points into it.
 */
#include <string.h>

#include "sdp_internal.h"

int sdp__strncasecmp(const char *a, const char *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

bool cairn_sdp_str_eq(cairn_sdp_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

bool cairn_sdp_str_ieq(cairn_sdp_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && (n == 0 || sdp__strncasecmp(s.p, lit, n) == 0);
}

size_t sdp__fields(cairn_sdp_str s, cairn_sdp_str *f, size_t max, bool rest_last)
{
    size_t n = 0, i = 0;
    while (n < max) {
        while (i < s.len && (s.p[i] == ' ' || s.p[i] == '\t'))
            i++;
        if (i == s.len)
            break;
        f[n].p = s.p + i;
        if (rest_last && n + 1 == max) {
            size_t e = s.len;
            while (e > i && (s.p[e - 1] == ' ' || s.p[e - 1] == '\t'))
                e--;
            f[n++].len = e - i;
            return n;
        }
        while (i < s.len && s.p[i] != ' ' && s.p[i] != '\t')
            i++;
        f[n].len = (size_t)(s.p + i - f[n].p);
        n++;
    }
    /* More fields than max is an error for the callers: report max + 1. */
    while (i < s.len && (s.p[i] == ' ' || s.p[i] == '\t'))
        i++;
    return i < s.len ? max + 1 : n;
}

static void limits_fill(cairn_sdp_limits *l, const cairn_sdp_limits *in)
{
    l->max_bytes = in && in->max_bytes ? in->max_bytes : CAIRN_SDP_DEFAULT_MAX_BYTES;
    l->max_line = in && in->max_line ? in->max_line : CAIRN_SDP_DEFAULT_MAX_LINE;
    l->max_lines = in && in->max_lines ? in->max_lines : CAIRN_SDP_DEFAULT_MAX_LINES;
    l->max_media = in && in->max_media ? in->max_media : CAIRN_SDP_DEFAULT_MAX_MEDIA;
}

void cairn_sdp_free(cairn_sdp *s)
{
    if (s == NULL)
        return;
    if (s->text)
        cairn__free_secret(s->ctx, s->text, strlen(s->text) + 1);
    cairn__free(s->ctx, s->lines);
    cairn__free(s->ctx, s->media);
    cairn__free(s->ctx, s);
}

static cairn_status parse_media(cairn_sdp_str v, cairn_sdp_media *m)
{
    cairn_sdp_str f[4];
    size_t i, n = sdp__fields(v, f, 4, true);
    uint32_t port = 0;
    if (n != 4)
        return CAIRN_ERR_DECODE;
    m->media = f[0];
    for (i = 0; i < f[1].len && f[1].p[i] != '/'; i++) {
        if (f[1].p[i] < '0' || f[1].p[i] > '9' || i >= 5)
            return CAIRN_ERR_DECODE;
        port = port * 10 + (uint32_t)(f[1].p[i] - '0');
    }
    if (i == 0 || port > 65535)
        return CAIRN_ERR_DECODE;
    m->port = (uint16_t)port;
    m->proto = f[2];
    m->fmts = f[3];
    return CAIRN_OK;
}

static cairn_status check_connection(cairn_sdp_str v)
{
    cairn_sdp_str f[3];
    if (sdp__fields(v, f, 3, false) != 3 || !cairn_sdp_str_eq(f[0], "IN"))
        return CAIRN_ERR_DECODE;
    return CAIRN_OK;
}

static cairn_status check_line(cairn_sdp *s, const cairn_sdp_limits *l, sdp__line *ln)
{
    cairn_sdp_str f[6];
    switch (ln->type) {
    case 'o':
        if (sdp__fields(ln->value, f, 6, false) != 6)
            return CAIRN_ERR_DECODE;
        s->origin.username = f[0];
        s->origin.sess_id = f[1];
        s->origin.sess_version = f[2];
        s->origin.nettype = f[3];
        s->origin.addrtype = f[4];
        s->origin.addr = f[5];
        return CAIRN_OK;
    case 's':
        s->session_name = ln->value;
        return CAIRN_OK;
    case 'c':
        return check_connection(ln->value);
    case 'm':
        if (s->nmedia >= l->max_media)
            return CAIRN_ERR_LIMIT;
        ln->media = s->nmedia;
        return parse_media(ln->value, &s->media[s->nmedia++]);
    case 'a':
        if (ln->value.len == 0 || ln->value.p[0] == ':')
            return CAIRN_ERR_DECODE;
        return CAIRN_OK;
    default:
        return CAIRN_OK;
    }
}

cairn_status cairn_sdp_parse(const cairn_context *ctx, const cairn_sdp_limits *lim,
                             const uint8_t *data, size_t len, cairn_sdp **out)
{
    cairn_sdp_limits l;
    cairn_sdp *s;
    size_t pos = 0, maxlines;
    bool seen_o = false, seen_s = false;
    cairn_status rc = CAIRN_OK;

    if (out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    if (ctx == NULL || (data == NULL && len))
        return CAIRN_ERR_INVALID_ARG;
    limits_fill(&l, lim);
    if (len > l.max_bytes)
        return CAIRN_ERR_TOO_LARGE;
    if (len == 0)
        return CAIRN_ERR_DECODE;
    if (memchr(data, 0, len))
        return CAIRN_ERR_DECODE;
    s = cairn__calloc(ctx, 1, sizeof(*s));
    if (s == NULL)
        return CAIRN_ERR_NOMEM;
    s->ctx = ctx;
    /* Upper bound of lines: newlines + 1, capped. */
    maxlines = 1;
    {
        const uint8_t *p = data, *e = data + len;
        while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL && maxlines <= l.max_lines) {
            p++;
            maxlines++;
        }
    }
    if (maxlines > l.max_lines + 1)
        maxlines = l.max_lines + 1;
    s->text = cairn__strndup(ctx, (const char *)data, len);
    s->lines = cairn__calloc(ctx, maxlines, sizeof(*s->lines));
    s->media = cairn__calloc(ctx, l.max_media, sizeof(*s->media));
    if (s->text == NULL || s->lines == NULL || s->media == NULL) {
        cairn_sdp_free(s);
        return CAIRN_ERR_NOMEM;
    }
    while (rc == CAIRN_OK && pos < len) {
        const char *line = s->text + pos, *lf;
        size_t n;
        sdp__line *ln;
        lf = memchr(line, '\n', len - pos);
        n = lf ? (size_t)(lf - line) : len - pos;
        pos += n + (lf ? 1 : 0);
        if (n && line[n - 1] == '\r')
            n--;
        if (n > l.max_line) {
            rc = CAIRN_ERR_TOO_LARGE;
            break;
        }
        if (n == 0 && pos >= len)
            break; /* trailing blank line tolerated */
        if (memchr(line, '\r', n) || n < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') {
            rc = CAIRN_ERR_DECODE;
            break;
        }
        if (s->nlines >= l.max_lines) {
            rc = CAIRN_ERR_LIMIT;
            break;
        }
        ln = &s->lines[s->nlines++];
        ln->type = line[0];
        ln->value.p = line + 2;
        ln->value.len = n - 2;
        ln->media = s->nmedia ? s->nmedia - 1 : CAIRN_SDP_SESSION;
        if (s->nlines == 1) {
            if (ln->type != 'v')
                rc = CAIRN_ERR_DECODE;
            else if (!cairn_sdp_str_eq(ln->value, "0"))
                rc = CAIRN_ERR_VERSION;
            continue;
        }
        if (ln->type == 'v') {
            rc = CAIRN_ERR_DECODE;
            continue;
        }
        seen_o |= ln->type == 'o' && ln->media == CAIRN_SDP_SESSION;
        seen_s |= ln->type == 's' && ln->media == CAIRN_SDP_SESSION;
        rc = check_line(s, &l, ln);
    }
    if (rc == CAIRN_OK && (!seen_o || !seen_s))
        rc = CAIRN_ERR_DECODE;
    if (rc != CAIRN_OK) {
        cairn_sdp_free(s);
        return rc;
    }
    *out = s;
    return CAIRN_OK;
}

const cairn_sdp_origin *cairn_sdp_origin_get(const cairn_sdp *s)
{
    return s ? &s->origin : NULL;
}

cairn_sdp_str cairn_sdp_session_name(const cairn_sdp *s)
{
    cairn_sdp_str e = {NULL, 0};
    return s ? s->session_name : e;
}

size_t cairn_sdp_media_count(const cairn_sdp *s)
{
    return s ? s->nmedia : 0;
}

const cairn_sdp_media *cairn_sdp_media_at(const cairn_sdp *s, size_t i)
{
    return s && i < s->nmedia ? &s->media[i] : NULL;
}

static cairn_status find_c(const cairn_sdp *s, size_t media, cairn_sdp_str *addrtype,
                           cairn_sdp_str *addr)
{
    size_t i;
    for (i = 0; i < s->nlines; i++) {
        cairn_sdp_str f[3];
        if (s->lines[i].type != 'c' || s->lines[i].media != media)
            continue;
        (void)sdp__fields(s->lines[i].value, f, 3, false);
        if (addrtype)
            *addrtype = f[1];
        if (addr)
            *addr = f[2];
        return CAIRN_OK;
    }
    return CAIRN_ERR_NOT_FOUND;
}

cairn_status cairn_sdp_connection(const cairn_sdp *s, size_t media, cairn_sdp_str *addrtype,
                                  cairn_sdp_str *addr)
{
    if (s == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (media != CAIRN_SDP_SESSION && find_c(s, media, addrtype, addr) == CAIRN_OK)
        return CAIRN_OK;
    return find_c(s, CAIRN_SDP_SESSION, addrtype, addr);
}

cairn_status cairn_sdp_attr(const cairn_sdp *s, size_t media, const char *name, size_t nth,
                            cairn_sdp_str *value)
{
    size_t i, nl;
    if (s == NULL || name == NULL)
        return CAIRN_ERR_INVALID_ARG;
    nl = strlen(name);
    for (i = 0; i < s->nlines; i++) {
        const sdp__line *ln = &s->lines[i];
        const char *colon;
        size_t an;
        if (ln->type != 'a' || ln->media != media)
            continue;
        colon = memchr(ln->value.p, ':', ln->value.len);
        an = colon ? (size_t)(colon - ln->value.p) : ln->value.len;
        if (an != nl || sdp__strncasecmp(ln->value.p, name, nl) != 0)
            continue;
        if (nth-- > 0)
            continue;
        if (value) {
            value->p = colon ? colon + 1 : ln->value.p + an;
            value->len = colon ? ln->value.len - an - 1 : 0;
        }
        return CAIRN_OK;
    }
    return CAIRN_ERR_NOT_FOUND;
}

cairn_status cairn_sdp_line_at(const cairn_sdp *s, size_t i, char *type, cairn_sdp_str *value,
                               size_t *media)
{
    if (s == NULL || i >= s->nlines)
        return CAIRN_ERR_NOT_FOUND;
    if (type)
        *type = s->lines[i].type;
    if (value)
        *value = s->lines[i].value;
    if (media)
        *media = s->lines[i].media;
    return CAIRN_OK;
}

cairn_status cairn_sdp_serialize(const cairn_sdp *s, cairn__buf *out)
{
    size_t i, mark;
    cairn_status rc = CAIRN_OK;
    if (s == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    mark = out->len;
    for (i = 0; rc == CAIRN_OK && i < s->nlines; i++) {
        char head[2] = {s->lines[i].type, '='};
        rc = cairn__buf_append(out, head, 2);
        if (rc == CAIRN_OK)
            rc = cairn__buf_append(out, s->lines[i].value.p, s->lines[i].value.len);
        if (rc == CAIRN_OK)
            rc = cairn__buf_append(out, "\r\n", 2);
    }
    if (rc != CAIRN_OK) {
        out->len = mark;
        if (out->data)
            out->data[mark] = 0;
    }
    return rc;
}
