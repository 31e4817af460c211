/*
 * sip_msg.c - the SIP message object: creation, header list editing, body,
 * and queries. The builder side is strict (SIP-10, SIP-11): names must be
 * tokens and values may not carry CR, LF or NUL, so a caller cannot inject
 * a header line through a value.
 *
 * Invariants: hdrs[0..nhdrs) are in wire order; every edit either fully
 * succeeds or leaves the message as it was.
 */
#include <stdio.h>
#include <string.h>

#include "sip_internal.h"

cairn_status sip__msg_alloc(const cairn_context *ctx, cairn_sip_msg **out)
{
    cairn_sip_msg *m = cairn__calloc(ctx, 1, sizeof(*m));
    if (m == NULL)
        return CAIRN_ERR_NOMEM;
    m->ctx = ctx;
    *out = m;
    return CAIRN_OK;
}

void cairn_sip_msg_free(cairn_sip_msg *m)
{
    size_t i;
    if (m == NULL)
        return;
    for (i = 0; i < m->nhdrs; i++)
        cairn__free(m->ctx, m->hdrs[i].name);
    cairn__free(m->ctx, m->hdrs);
    cairn__free(m->ctx, m->method);
    cairn__free(m->ctx, m->uri);
    cairn__free(m->ctx, m->reason);
    /* Bodies carry message content: wipe it (CPIM payloads, SDP). */
    if (m->body)
        cairn__free_secret(m->ctx, m->body, m->body_len + 1);
    cairn__free(m->ctx, m);
}

static bool is_token(const char *s)
{
    if (s == NULL || *s == 0)
        return false;
    for (; *s; s++)
        if (!sip__is_token_char((unsigned char)*s))
            return false;
    return true;
}

/* Values we write may hold any byte but CR, LF and NUL (the last is
 * implied by C strings). */
static bool is_safe_text(const char *s)
{
    return s != NULL && strpbrk(s, "\r\n") == NULL;
}

cairn_status cairn_sip_msg_new_request(const cairn_context *ctx, const char *method,
                                       const char *uri, cairn_sip_msg **out)
{
    cairn_sip_msg *m;
    const char *p;
    cairn_status rc;

    if (out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    if (ctx == NULL || !is_token(method) || uri == NULL || *uri == 0)
        return CAIRN_ERR_INVALID_ARG;
    for (p = uri; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return CAIRN_ERR_INVALID_ARG;
    rc = sip__msg_alloc(ctx, &m);
    if (rc != CAIRN_OK)
        return rc;
    m->is_request = true;
    m->method = cairn__strdup(ctx, method);
    m->uri = cairn__strdup(ctx, uri);
    if (m->method == NULL || m->uri == NULL) {
        cairn_sip_msg_free(m);
        return CAIRN_ERR_NOMEM;
    }
    m->method_id = cairn_sip_method_from_name(method, strlen(method));
    *out = m;
    return CAIRN_OK;
}

static const char *default_reason(int status)
{
    static const struct {
        int code;
        const char *text;
    } t[] = {
        {100, "Trying"},
        {180, "Ringing"},
        {181, "Call Is Being Forwarded"},
        {182, "Queued"},
        {183, "Session Progress"},
        {200, "OK"},
        {202, "Accepted"},
        {301, "Moved Permanently"},
        {302, "Moved Temporarily"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {406, "Not Acceptable"},
        {407, "Proxy Authentication Required"},
        {408, "Request Timeout"},
        {413, "Request Entity Too Large"},
        {415, "Unsupported Media Type"},
        {420, "Bad Extension"},
        {423, "Interval Too Brief"},
        {480, "Temporarily Unavailable"},
        {481, "Call/Transaction Does Not Exist"},
        {482, "Loop Detected"},
        {483, "Too Many Hops"},
        {486, "Busy Here"},
        {487, "Request Terminated"},
        {488, "Not Acceptable Here"},
        {500, "Server Internal Error"},
        {501, "Not Implemented"},
        {503, "Service Unavailable"},
        {504, "Server Time-out"},
        {505, "Version Not Supported"},
        {513, "Message Too Large"},
        {600, "Busy Everywhere"},
        {603, "Decline"},
        {604, "Does Not Exist Anywhere"},
        {606, "Not Acceptable"},
    };
    size_t i;
    for (i = 0; i < CAIRN_ARRAY_LEN(t); i++)
        if (t[i].code == status)
            return t[i].text;
    return "Unknown";
}

cairn_status cairn_sip_msg_new_response(const cairn_context *ctx, int status, const char *reason,
                                        cairn_sip_msg **out)
{
    cairn_sip_msg *m;
    cairn_status rc;

    if (out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    if (ctx == NULL || status < 100 || status > 699)
        return CAIRN_ERR_INVALID_ARG;
    if (reason == NULL)
        reason = default_reason(status);
    if (!is_safe_text(reason))
        return CAIRN_ERR_INVALID_ARG;
    rc = sip__msg_alloc(ctx, &m);
    if (rc != CAIRN_OK)
        return rc;
    m->status = status;
    m->reason = cairn__strdup(ctx, reason);
    if (m->reason == NULL) {
        cairn_sip_msg_free(m);
        return CAIRN_ERR_NOMEM;
    }
    *out = m;
    return CAIRN_OK;
}

/* Makes room for one more header; the array grows geometrically. */
static cairn_status grow(cairn_sip_msg *m)
{
    sip__hdr *n;
    size_t ncap;
    if (m->nhdrs < m->hcap)
        return CAIRN_OK;
    ncap = m->hcap ? m->hcap * 2 : 16;
    n = cairn__alloc(m->ctx, ncap * sizeof(*n));
    if (n == NULL)
        return CAIRN_ERR_NOMEM;
    if (m->nhdrs)
        memcpy(n, m->hdrs, m->nhdrs * sizeof(*n));
    cairn__free(m->ctx, m->hdrs);
    m->hdrs = n;
    m->hcap = ncap;
    return CAIRN_OK;
}

/* Builds one entry; a known header gets its canonical spelling. */
static cairn_status make_entry(const cairn_context *ctx, const char *name, size_t nlen, int known,
                               const char *value, size_t vlen, sip__hdr *e)
{
    const char *canon = sip__header_name(known);
    char *blk;
    if (canon) {
        name = canon;
        nlen = strlen(canon);
    }
    while (vlen && sip__is_ws((unsigned char)*value)) {
        value++;
        vlen--;
    }
    while (vlen && sip__is_ws((unsigned char)value[vlen - 1]))
        vlen--;
    blk = cairn__alloc(ctx, nlen + vlen + 2);
    if (blk == NULL)
        return CAIRN_ERR_NOMEM;
    memcpy(blk, name, nlen);
    blk[nlen] = 0;
    memcpy(blk + nlen + 1, value, vlen);
    blk[nlen + 1 + vlen] = 0;
    e->name = blk;
    e->value = blk + nlen + 1;
    e->known = known;
    return CAIRN_OK;
}

static cairn_status insert_at(cairn_sip_msg *m, size_t pos, const char *name, size_t nlen,
                              int known, const char *value, size_t vlen)
{
    sip__hdr e;
    cairn_status rc = grow(m);
    if (rc != CAIRN_OK)
        return rc;
    rc = make_entry(m->ctx, name, nlen, known, value, vlen, &e);
    if (rc != CAIRN_OK)
        return rc;
    memmove(m->hdrs + pos + 1, m->hdrs + pos, (m->nhdrs - pos) * sizeof(e));
    m->hdrs[pos] = e;
    m->nhdrs++;
    return CAIRN_OK;
}

cairn_status sip__msg_push(cairn_sip_msg *m, const char *name, size_t nlen, int known,
                           const char *value, size_t vlen)
{
    return insert_at(m, m->nhdrs, name, nlen, known, value, vlen);
}

/* Whether entry e has the name (known index or, for unknown names, a
 * case-insensitive text match). */
static bool entry_is(const sip__hdr *e, const char *name, size_t nlen, int known)
{
    if (known >= 0)
        return e->known == known;
    return e->known < 0 && strlen(e->name) == nlen && sip__strncasecmp(e->name, name, nlen) == 0;
}

static cairn_status check_args(const cairn_sip_msg *m, const char *name, const char *value)
{
    if (m == NULL || !is_token(name) || !is_safe_text(value))
        return CAIRN_ERR_INVALID_ARG;
    return CAIRN_OK;
}

cairn_status cairn_sip_msg_header_add(cairn_sip_msg *m, const char *name, const char *value)
{
    cairn_status rc = check_args(m, name, value);
    if (rc != CAIRN_OK)
        return rc;
    return sip__msg_push(m, name, strlen(name), sip__header_index(name, strlen(name)), value,
                         strlen(value));
}

cairn_status cairn_sip_msg_header_addf(cairn_sip_msg *m, const char *name, const char *fmt, ...)
{
    char tmp[8193];
    va_list ap;
    int n;
    if (fmt == NULL)
        return CAIRN_ERR_INVALID_ARG;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return CAIRN_ERR_INVALID_ARG;
    if ((size_t)n >= sizeof(tmp))
        return CAIRN_ERR_TOO_LARGE;
    return cairn_sip_msg_header_add(m, name, tmp);
}

cairn_status cairn_sip_msg_header_prepend(cairn_sip_msg *m, const char *name, const char *value)
{
    size_t i, nlen;
    int known;
    cairn_status rc = check_args(m, name, value);
    if (rc != CAIRN_OK)
        return rc;
    nlen = strlen(name);
    known = sip__header_index(name, nlen);
    for (i = 0; i < m->nhdrs; i++)
        if (entry_is(&m->hdrs[i], name, nlen, known))
            break;
    if (i == m->nhdrs)
        i = 0;
    return insert_at(m, i, name, nlen, known, value, strlen(value));
}

size_t cairn_sip_msg_header_remove(cairn_sip_msg *m, const char *name)
{
    size_t i, j, nlen, removed = 0;
    int known;
    if (m == NULL || name == NULL)
        return 0;
    nlen = strlen(name);
    known = sip__header_index(name, nlen);
    for (i = j = 0; i < m->nhdrs; i++) {
        if (entry_is(&m->hdrs[i], name, nlen, known)) {
            cairn__free(m->ctx, m->hdrs[i].name);
            removed++;
        } else {
            m->hdrs[j++] = m->hdrs[i];
        }
    }
    m->nhdrs = j;
    return removed;
}

cairn_status cairn_sip_msg_header_remove_at(cairn_sip_msg *m, const char *name, size_t idx)
{
    size_t i, nlen;
    int known;
    if (m == NULL || name == NULL)
        return CAIRN_ERR_INVALID_ARG;
    nlen = strlen(name);
    known = sip__header_index(name, nlen);
    for (i = 0; i < m->nhdrs; i++) {
        if (!entry_is(&m->hdrs[i], name, nlen, known))
            continue;
        if (idx-- == 0) {
            cairn__free(m->ctx, m->hdrs[i].name);
            memmove(m->hdrs + i, m->hdrs + i + 1, (m->nhdrs - i - 1) * sizeof(*m->hdrs));
            m->nhdrs--;
            return CAIRN_OK;
        }
    }
    return CAIRN_ERR_NOT_FOUND;
}

cairn_status cairn_sip_msg_header_set(cairn_sip_msg *m, const char *name, const char *value)
{
    cairn_status rc = check_args(m, name, value);
    if (rc != CAIRN_OK)
        return rc;
    /* Reserve first so the removal below cannot be followed by a failure
     * that would lose the old value. */
    rc = grow(m);
    if (rc != CAIRN_OK)
        return rc;
    {
        sip__hdr e;
        size_t nlen = strlen(name);
        int known = sip__header_index(name, nlen);
        rc = make_entry(m->ctx, name, nlen, known, value, strlen(value), &e);
        if (rc != CAIRN_OK)
            return rc;
        cairn_sip_msg_header_remove(m, name);
        m->hdrs[m->nhdrs++] = e;
    }
    return CAIRN_OK;
}

cairn_status cairn_sip_msg_body_set(cairn_sip_msg *m, const char *content_type, const void *body,
                                    size_t len)
{
    uint8_t *copy = NULL;
    cairn_status rc;
    if (m == NULL || (len && body == NULL))
        return CAIRN_ERR_INVALID_ARG;
    if (content_type && (!is_safe_text(content_type) || *content_type == 0))
        return CAIRN_ERR_INVALID_ARG;
    if (len && content_type == NULL && cairn_sip_msg_header(m, "Content-Type", 0) == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (len) {
        copy = cairn__alloc(m->ctx, len + 1);
        if (copy == NULL)
            return CAIRN_ERR_NOMEM;
        memcpy(copy, body, len);
        copy[len] = 0;
    }
    if (content_type) {
        rc = cairn_sip_msg_header_set(m, "Content-Type", content_type);
        if (rc != CAIRN_OK) {
            cairn__free(m->ctx, copy);
            return rc;
        }
    } else if (len == 0) {
        cairn_sip_msg_header_remove(m, "Content-Type");
    }
    if (m->body)
        cairn__free_secret(m->ctx, m->body, m->body_len + 1);
    m->body = copy;
    m->body_len = len;
    return CAIRN_OK;
}

bool cairn_sip_msg_is_request(const cairn_sip_msg *m)
{
    return m != NULL && m->is_request;
}

const char *cairn_sip_msg_method(const cairn_sip_msg *m)
{
    return m ? m->method : NULL;
}

cairn_sip_method cairn_sip_msg_method_id(const cairn_sip_msg *m)
{
    return m ? m->method_id : CAIRN_SIP_OTHER;
}

const char *cairn_sip_msg_request_uri(const cairn_sip_msg *m)
{
    return m ? m->uri : NULL;
}

int cairn_sip_msg_status(const cairn_sip_msg *m)
{
    return m ? m->status : 0;
}

const char *cairn_sip_msg_reason(const cairn_sip_msg *m)
{
    return m ? m->reason : NULL;
}

size_t cairn_sip_msg_header_count(const cairn_sip_msg *m, const char *name)
{
    size_t i, nlen, n = 0;
    int known;
    if (m == NULL)
        return 0;
    if (name == NULL)
        return m->nhdrs;
    nlen = strlen(name);
    known = sip__header_index(name, nlen);
    for (i = 0; i < m->nhdrs; i++)
        n += entry_is(&m->hdrs[i], name, nlen, known);
    return n;
}

const char *cairn_sip_msg_header(const cairn_sip_msg *m, const char *name, size_t idx)
{
    size_t i, nlen;
    int known;
    if (m == NULL || name == NULL)
        return NULL;
    nlen = strlen(name);
    known = sip__header_index(name, nlen);
    for (i = 0; i < m->nhdrs; i++)
        if (entry_is(&m->hdrs[i], name, nlen, known) && idx-- == 0)
            return m->hdrs[i].value;
    return NULL;
}

cairn_status cairn_sip_msg_header_at(const cairn_sip_msg *m, size_t i, const char **name,
                                     const char **value)
{
    if (m == NULL || i >= m->nhdrs)
        return CAIRN_ERR_NOT_FOUND;
    if (name)
        *name = m->hdrs[i].name;
    if (value)
        *value = m->hdrs[i].value;
    return CAIRN_OK;
}

const uint8_t *cairn_sip_msg_body(const cairn_sip_msg *m, size_t *len)
{
    if (len)
        *len = m && m->body ? m->body_len : 0;
    return m && m->body ? m->body : (const uint8_t *)"";
}

void cairn_sip_limits_default(cairn_sip_limits *lim)
{
    lim->max_line = CAIRN_SIP_DEFAULT_MAX_LINE;
    lim->max_headers = CAIRN_SIP_DEFAULT_MAX_HEADERS;
    lim->max_header_bytes = CAIRN_SIP_DEFAULT_MAX_HEADER_BYTES;
    lim->max_body = CAIRN_SIP_DEFAULT_MAX_BODY;
}

void sip__limits_fill(cairn_sip_limits *out, const cairn_sip_limits *lim)
{
    cairn_sip_limits_default(out);
    if (lim == NULL)
        return;
    if (lim->max_line)
        out->max_line = lim->max_line;
    if (lim->max_headers)
        out->max_headers = lim->max_headers;
    if (lim->max_header_bytes)
        out->max_header_bytes = lim->max_header_bytes;
    if (lim->max_body)
        out->max_body = lim->max_body;
}
