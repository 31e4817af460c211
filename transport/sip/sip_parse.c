/*
 * sip_parse.c - parsing the header section of a SIP message and the
 * datagram-style parse of one complete message.
 *
 * Reading is liberal but bounded (SIP-20..25): lines may end in CRLF or a
 * bare LF; a line starting with SP/HT continues the previous header
 * (folding, replaced by one SP); compact and any-case names are accepted;
 * list headers are split at commas outside quotes and <>. Refused: NUL and
 * bare CR in the header section, names that are not tokens, a fold before
 * the first header, any line, header count or header size over its cap.
 *
 * Invariant: on error nothing is returned and every allocation made here
 * has been released.
 */
#include <string.h>

#include "sip_internal.h"

typedef struct {
    const cairn_sip_limits *lim;
    cairn_sip_msg *m;
    size_t values; /* header values pushed so far (SIP-21) */
    /* The header being collected: name slice plus either a value slice
     * into the input or, after a fold, the joined text in `fold`. */
    const char *name;
    size_t nlen;
    const char *val;
    size_t vlen;
    bool folded;
    cairn__buf fold;
} head_state;

static bool all_ws(const char *p, size_t n)
{
    while (n--)
        if (!sip__is_ws((unsigned char)*p++))
            return false;
    return true;
}

/* Splits a list value at commas that are outside quotes and <...>. */
static cairn_status push_value(head_state *st, int known, const char *v, size_t n)
{
    size_t i, start = 0;
    int angle = 0;
    bool quote = false;
    cairn_status rc;

    if (!sip__header_is_list(known)) {
        if (++st->values > st->lim->max_headers)
            return CAIRN_ERR_LIMIT;
        return sip__msg_push(st->m, st->name, st->nlen, known, v, n);
    }
    for (i = 0; i <= n; i++) {
        char c = i < n ? v[i] : ',';
        if (quote) {
            if (c == '\\' && i + 1 < n)
                i++;
            else if (c == '"')
                quote = false;
            continue;
        }
        if (c == '"')
            quote = true;
        else if (c == '<')
            angle++;
        else if (c == '>' && angle > 0)
            angle--;
        else if (c == ',' && angle == 0) {
            /* Empty elements ("a,,b") are tolerated and dropped. */
            if (!all_ws(v + start, i - start)) {
                if (++st->values > st->lim->max_headers)
                    return CAIRN_ERR_LIMIT;
                rc = sip__msg_push(st->m, st->name, st->nlen, known, v + start, i - start);
                if (rc != CAIRN_OK)
                    return rc;
            }
            start = i + 1;
        }
    }
    if (quote || angle)
        return CAIRN_ERR_DECODE;
    return CAIRN_OK;
}

static cairn_status flush(head_state *st)
{
    cairn_status rc;
    int known;
    if (st->name == NULL)
        return CAIRN_OK;
    known = sip__header_index(st->name, st->nlen);
    if (st->folded)
        rc = push_value(st, known, (const char *)st->fold.data, st->fold.len);
    else
        rc = push_value(st, known, st->val, st->vlen);
    st->name = NULL;
    st->folded = false;
    st->fold.len = 0;
    return rc;
}

static cairn_status header_line(head_state *st, const char *p, size_t n)
{
    size_t i = 0;
    cairn_status rc;

    if (sip__is_ws((unsigned char)p[0])) {
        /* Folding: join with a single space. */
        if (st->name == NULL)
            return CAIRN_ERR_DECODE;
        while (i < n && sip__is_ws((unsigned char)p[i]))
            i++;
        if (!st->folded) {
            st->folded = true;
            rc = cairn__buf_append(&st->fold, st->val, st->vlen);
            if (rc != CAIRN_OK)
                return rc;
        }
        if (i == n)
            return CAIRN_OK;
        rc = cairn__buf_append(&st->fold, " ", 1);
        if (rc == CAIRN_OK)
            rc = cairn__buf_append(&st->fold, p + i, n - i);
        return rc;
    }
    rc = flush(st);
    if (rc != CAIRN_OK)
        return rc;
    while (i < n && sip__is_token_char((unsigned char)p[i]))
        i++;
    if (i == 0)
        return CAIRN_ERR_DECODE;
    st->name = p;
    st->nlen = i;
    while (i < n && sip__is_ws((unsigned char)p[i]))
        i++;
    if (i == n || p[i] != ':')
        return CAIRN_ERR_DECODE;
    i++;
    st->val = p + i;
    st->vlen = n - i;
    return CAIRN_OK;
}

static bool is_version(const char *p, size_t n)
{
    return n == 7 && sip__strncasecmp(p, "SIP/2.0", 7) == 0;
}

static cairn_status start_line(cairn_sip_msg *m, const char *p, size_t n)
{
    size_t i = 0, a, b;

    while (i < n && !sip__is_ws((unsigned char)p[i]))
        i++;
    if (i >= 4 && sip__strncasecmp(p, "SIP/", 4) == 0) {
        int status = 0;
        if (!is_version(p, i))
            return CAIRN_ERR_VERSION;
        while (i < n && sip__is_ws((unsigned char)p[i]))
            i++;
        for (a = 0; a < 3; a++, i++) {
            if (i >= n || p[i] < '0' || p[i] > '9')
                return CAIRN_ERR_DECODE;
            status = status * 10 + (p[i] - '0');
        }
        if (status < 100 || (i < n && !sip__is_ws((unsigned char)p[i])))
            return CAIRN_ERR_DECODE;
        while (i < n && sip__is_ws((unsigned char)p[i]))
            i++;
        while (n > i && sip__is_ws((unsigned char)p[n - 1]))
            n--;
        m->status = status;
        m->reason = cairn__strndup(m->ctx, p + i, n - i);
        return m->reason ? CAIRN_OK : CAIRN_ERR_NOMEM;
    }
    /* Request-Line = Method SP Request-URI SP SIP-Version */
    for (a = 0; a < i; a++)
        if (!sip__is_token_char((unsigned char)p[a]))
            return CAIRN_ERR_DECODE;
    if (i == 0)
        return CAIRN_ERR_DECODE;
    m->is_request = true;
    m->method_id = cairn_sip_method_from_name(p, i);
    m->method = cairn__strndup(m->ctx, p, i);
    if (m->method == NULL)
        return CAIRN_ERR_NOMEM;
    while (i < n && sip__is_ws((unsigned char)p[i]))
        i++;
    a = i;
    while (i < n && (unsigned char)p[i] > ' ' && p[i] != 0x7f)
        i++;
    b = i;
    if (a == b || (i < n && !sip__is_ws((unsigned char)p[i])))
        return CAIRN_ERR_DECODE;
    while (i < n && sip__is_ws((unsigned char)p[i]))
        i++;
    while (n > i && sip__is_ws((unsigned char)p[n - 1]))
        n--;
    if (i == n)
        return CAIRN_ERR_DECODE;
    if (!is_version(p + i, n - i))
        return (n - i >= 4 && sip__strncasecmp(p + i, "SIP/", 4) == 0) ? CAIRN_ERR_VERSION
                                                                       : CAIRN_ERR_DECODE;
    m->uri = cairn__strndup(m->ctx, p + a, b - a);
    return m->uri ? CAIRN_OK : CAIRN_ERR_NOMEM;
}

cairn_status sip__parse_head(const cairn_context *ctx, const cairn_sip_limits *lim,
                             const char *head, size_t len, cairn_sip_msg **out)
{
    head_state st;
    cairn_sip_msg *m = NULL;
    size_t pos = 0, lines = 0;
    cairn_status rc;
    bool done = false;

    *out = NULL;
    if (len > lim->max_header_bytes)
        return CAIRN_ERR_TOO_LARGE;
    memset(&st, 0, sizeof(st));
    st.lim = lim;
    cairn__buf_init(&st.fold, ctx, lim->max_header_bytes);
    rc = sip__msg_alloc(ctx, &m);
    if (rc != CAIRN_OK)
        return rc;
    st.m = m;
    while (rc == CAIRN_OK && !done) {
        const char *line = head + pos, *lf;
        size_t n;
        lf = memchr(line, '\n', len - pos);
        if (lf == NULL) {
            rc = CAIRN_ERR_DECODE; /* no blank line: truncated */
            break;
        }
        n = (size_t)(lf - line);
        pos += n + 1;
        if (n && line[n - 1] == '\r')
            n--;
        if (n > lim->max_line) {
            rc = CAIRN_ERR_TOO_LARGE;
            break;
        }
        if (memchr(line, '\0', n) || memchr(line, '\r', n)) {
            rc = CAIRN_ERR_DECODE;
            break;
        }
        if (lines++ == 0) {
            rc = n ? start_line(m, line, n) : CAIRN_ERR_DECODE;
            continue;
        }
        if (n == 0) {
            rc = flush(&st);
            done = true;
            continue;
        }
        if (lines - 1 > lim->max_headers) {
            rc = CAIRN_ERR_LIMIT;
            break;
        }
        rc = header_line(&st, line, n);
    }
    cairn__buf_free(&st.fold);
    if (rc != CAIRN_OK) {
        cairn_sip_msg_free(m);
        return rc;
    }
    *out = m;
    return CAIRN_OK;
}

cairn_status sip__content_length(const cairn_sip_msg *m, size_t max, bool *present, size_t *n)
{
    size_t i, k, v = 0, first = 0;
    bool seen = false;
    int idx = sip__header_index("Content-Length", 14);

    for (i = 0; i < m->nhdrs; i++) {
        const char *s = m->hdrs[i].value;
        if (m->hdrs[i].known != idx)
            continue;
        if (*s == 0)
            return CAIRN_ERR_DECODE;
        v = 0;
        for (k = 0; s[k]; k++) {
            if (s[k] < '0' || s[k] > '9')
                return CAIRN_ERR_DECODE;
            if (v > (SIZE_MAX - 9) / 10)
                return CAIRN_ERR_TOO_LARGE;
            v = v * 10 + (size_t)(s[k] - '0');
        }
        /* Two different lengths would let two parsers frame the stream
         * differently (request smuggling): refuse. */
        if (seen && v != first)
            return CAIRN_ERR_DECODE;
        seen = true;
        first = v;
    }
    if (seen && first > max)
        return CAIRN_ERR_TOO_LARGE;
    *present = seen;
    *n = seen ? first : 0;
    return CAIRN_OK;
}

/* Finds the end of the header section (just past the blank line) with the
 * caps applied while scanning, so a hostile datagram costs no allocation. */
static cairn_status find_head_end(const cairn_sip_limits *lim, const char *p, size_t len,
                                  size_t *end)
{
    size_t pos = 0, lines = 0;
    while (pos < len) {
        const char *lf = memchr(p + pos, '\n', len - pos);
        size_t n = lf ? (size_t)(lf - (p + pos)) : len - pos;
        size_t content = n && p[pos + n - 1] == '\r' ? n - 1 : n;
        if (content > lim->max_line)
            return CAIRN_ERR_TOO_LARGE;
        if (lf == NULL)
            break;
        pos += n + 1;
        if (pos > lim->max_header_bytes)
            return CAIRN_ERR_TOO_LARGE;
        if (content == 0 && lines > 0) {
            *end = pos;
            return CAIRN_OK;
        }
        if (++lines > lim->max_headers + 1)
            return CAIRN_ERR_LIMIT;
    }
    return len > lim->max_header_bytes ? CAIRN_ERR_TOO_LARGE : CAIRN_ERR_DECODE;
}

cairn_status cairn_sip_msg_parse(const cairn_context *ctx, const cairn_sip_limits *lim,
                                 const uint8_t *data, size_t len, cairn_sip_msg **out)
{
    cairn_sip_limits l;
    const char *p = (const char *)data;
    size_t end = 0, n = 0, rest;
    bool present = false;
    cairn_sip_msg *m = NULL;
    cairn_status rc;

    if (out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    if (ctx == NULL || (data == NULL && len))
        return CAIRN_ERR_INVALID_ARG;
    sip__limits_fill(&l, lim);
    /* Leading CRLFs (keep-alives) are ignored, RFC 3261 section 7.5. */
    while (len && (*p == '\r' || *p == '\n')) {
        p++;
        len--;
    }
    if (len == 0)
        return CAIRN_ERR_DECODE;
    rc = find_head_end(&l, p, len, &end);
    if (rc == CAIRN_OK)
        rc = sip__parse_head(ctx, &l, p, end, &m);
    if (rc == CAIRN_OK)
        rc = sip__content_length(m, l.max_body, &present, &n);
    if (rc != CAIRN_OK) {
        cairn_sip_msg_free(m);
        return rc;
    }
    rest = len - end;
    if (!present)
        n = rest;
    if (n > l.max_body)
        rc = CAIRN_ERR_TOO_LARGE;
    else if (n > rest)
        rc = CAIRN_ERR_DECODE; /* truncated body */
    else if (n) {
        m->body = cairn__alloc(ctx, n + 1);
        if (m->body == NULL)
            rc = CAIRN_ERR_NOMEM;
        else {
            memcpy(m->body, p + end, n);
            m->body[n] = 0;
            m->body_len = n;
        }
    }
    if (rc != CAIRN_OK) {
        cairn_sip_msg_free(m);
        return rc;
    }
    *out = m;
    return CAIRN_OK;
}
