/*
 * cpim.c - message/cpim (RFC 3862) parser and writer; see cairn/cpim.h.
 *
 * The parser works on a private NUL-terminated copy of the input and
 * replaces line ends and the ':' after each name with NULs, so every
 * field is a plain C string inside that one block. The header tables live
 * in the same allocation; the body is the tail of the copy.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cairn/cpim.h"

struct cairn_cpim_parsed {
    const cairn_context *ctx;
    size_t size;
    cairn_cpim view;
    cairn_cpim_header hdr[CAIRN_CPIM_MAX_HEADERS];
    cairn_cpim_header mime[CAIRN_CPIM_MAX_HEADERS];
    cairn_cpim_ns ns[CAIRN_CPIM_MAX_HEADERS];
    char text[]; /* input copy + NUL */
};

static bool ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a, y = *b;
        if (x >= 'A' && x <= 'Z')
            x = (char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (char)(y + 32);
        if (x != y)
            return false;
    }
    return *a == *b;
}

/* Next line of s[*off .. end): returns it NUL-terminated (CRLF or LF
 * removed), or NULL at the end of input. */
static cairn_status next_line(char *s, size_t end, size_t *off, char **line)
{
    size_t i = *off, n;
    char *nl;
    if (i >= end) {
        *line = NULL;
        return CAIRN_OK;
    }
    nl = memchr(s + i, '\n', end - i);
    n = nl ? (size_t)(nl - (s + i)) : end - i;
    if (n > CAIRN_CPIM_MAX_LINE)
        return CAIRN_ERR_TOO_LARGE;
    /* A NUL would silently cut a header value short. */
    if (memchr(s + i, '\0', n) != NULL)
        return CAIRN_ERR_DECODE;
    *line = s + i;
    *off = nl ? i + n + 1 : end;
    if (n > 0 && s[i + n - 1] == '\r')
        n--;
    s[i + n] = '\0';
    return CAIRN_OK;
}

static bool line_ok(const char *l)
{
    for (; *l; l++) {
        unsigned char c = (unsigned char)*l;
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

/* "Name: value" or "prefix.Name: value" -> header (in place). */
static cairn_status split_header(char *line, cairn_cpim_header *h)
{
    char *colon = strchr(line, ':'), *dot, *v, *e, *p;
    if (colon == NULL || colon == line || !line_ok(line))
        return CAIRN_ERR_DECODE;
    for (p = line; p < colon; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            return CAIRN_ERR_DECODE;
    *colon = '\0';
    v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    e = v + strlen(v);
    while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = '\0';
    dot = strchr(line, '.');
    h->prefix = NULL;
    h->name = line;
    if (dot != NULL) {
        if (dot == line || dot[1] == '\0')
            return CAIRN_ERR_DECODE;
        *dot = '\0';
        h->prefix = line;
        h->name = dot + 1;
    }
    h->value = v;
    return CAIRN_OK;
}

/* "prefix <uri>" or "<uri>" (default namespace). */
static cairn_status parse_ns(char *v, cairn_cpim_ns *ns)
{
    char *lt = strchr(v, '<'), *gt, *e;
    if (lt == NULL || (gt = strchr(lt, '>')) == NULL || gt[1] != '\0' || gt == lt + 1)
        return CAIRN_ERR_DECODE;
    *gt = '\0';
    ns->uri = lt + 1;
    e = lt;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *e = '\0';
    ns->prefix = v;
    return CAIRN_OK;
}

static bool is_imdn_prefix(const struct cairn_cpim_parsed *p, const char *prefix)
{
    size_t i;
    for (i = p->view.n_ns; i > 0; i--)
        if (strcmp(p->ns[i - 1].prefix, prefix) == 0)
            return strcmp(p->ns[i - 1].uri, CAIRN_CPIM_IMDN_NS) == 0;
    /* undeclared: liberal reading of the one prefix everyone uses */
    return strcmp(prefix, "imdn") == 0;
}

static void set_once(const char **slot, const char *v, cairn_cpim_header *extra,
                     size_t *n, const cairn_cpim_header *h)
{
    if (*slot == NULL)
        *slot = v;
    else
        extra[(*n)++] = *h;
}

static cairn_status parse_u64(const char *s, uint64_t *v)
{
    uint64_t x = 0;
    if (*s == '\0')
        return CAIRN_ERR_DECODE;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || x > (UINT64_MAX - 9) / 10)
            return CAIRN_ERR_DECODE;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    *v = x;
    return CAIRN_OK;
}

cairn_status cairn_cpim_parse(const cairn_context *ctx, const uint8_t *in,
                              size_t len, cairn_cpim_parsed **out,
                              const cairn_cpim **view)
{
    struct cairn_cpim_parsed *p;
    cairn_cpim_header hdrs[CAIRN_CPIM_MAX_HEADERS];
    size_t off = 0, n, i, nhdr = 0;
    char *line;
    cairn_status rc;
    cairn_cpim *v;

    if (ctx == NULL || (in == NULL && len > 0) || out == NULL || view == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    *view = NULL;
    if (len > CAIRN_CPIM_MAX_INPUT)
        return CAIRN_ERR_TOO_LARGE;
    p = cairn__calloc(ctx, 1, sizeof(*p) + len + 1);
    if (p == NULL)
        return CAIRN_ERR_NOMEM;
    p->ctx = ctx;
    p->size = sizeof(*p) + len + 1;
    if (len)
        memcpy(p->text, in, len);
    v = &p->view;

    /* Section 1: message headers. NS first pass needs all of them, so
     * collect, then classify. */
    for (;;) {
        rc = next_line(p->text, len, &off, &line);
        if (rc != CAIRN_OK)
            goto fail;
        if (line == NULL) {
            rc = CAIRN_ERR_DECODE; /* no content section at all */
            goto fail;
        }
        if (line[0] == '\0')
            break;
        /* NS lines count too: they fill p->ns. */
        if (nhdr + p->view.n_ns == CAIRN_CPIM_MAX_HEADERS) {
            rc = CAIRN_ERR_LIMIT;
            goto fail;
        }
        rc = split_header(line, &hdrs[nhdr]);
        if (rc != CAIRN_OK)
            goto fail;
        if (hdrs[nhdr].prefix == NULL && ieq(hdrs[nhdr].name, "NS")) {
            rc = parse_ns((char *)hdrs[nhdr].value, &p->ns[v->n_ns++]);
            if (rc != CAIRN_OK)
                goto fail;
            continue;
        }
        nhdr++;
    }
    if (nhdr == 0) {
        rc = CAIRN_ERR_DECODE;
        goto fail;
    }
    for (i = 0; i < nhdr; i++) {
        cairn_cpim_header *h = &hdrs[i];
        cairn_cpim_header *x = p->hdr;
        if (h->prefix == NULL && ieq(h->name, "From"))
            set_once(&v->from, h->value, x, &v->n_extra, h);
        else if (h->prefix == NULL && ieq(h->name, "To"))
            set_once(&v->to, h->value, x, &v->n_extra, h);
        else if (h->prefix == NULL && ieq(h->name, "cc"))
            set_once(&v->cc, h->value, x, &v->n_extra, h);
        else if (h->prefix == NULL && ieq(h->name, "DateTime"))
            set_once(&v->datetime, h->value, x, &v->n_extra, h);
        else if (h->prefix == NULL && ieq(h->name, "Subject"))
            set_once(&v->subject, h->value, x, &v->n_extra, h);
        else if (h->prefix && is_imdn_prefix(p, h->prefix) && ieq(h->name, "Message-ID"))
            set_once(&v->imdn_message_id, h->value, x, &v->n_extra, h);
        else if (h->prefix && is_imdn_prefix(p, h->prefix) &&
                 ieq(h->name, "Disposition-Notification"))
            set_once(&v->imdn_disposition_notification, h->value, x, &v->n_extra, h);
        else
            x[v->n_extra++] = *h;
    }
    v->extra = p->hdr;
    v->ns = p->ns;

    /* Section 2: content headers. */
    n = 0;
    for (;;) {
        cairn_cpim_header h;
        rc = next_line(p->text, len, &off, &line);
        if (rc != CAIRN_OK)
            goto fail;
        if (line == NULL || line[0] == '\0')
            break;
        if (n == CAIRN_CPIM_MAX_HEADERS) {
            rc = CAIRN_ERR_LIMIT;
            goto fail;
        }
        rc = split_header(line, &h);
        if (rc != CAIRN_OK)
            goto fail;
        n++;
        if (h.prefix == NULL && ieq(h.name, "Content-Type") && !v->content_type) {
            v->content_type = h.value;
        } else if (h.prefix == NULL && ieq(h.name, "Content-Disposition") &&
                   !v->content_disposition) {
            v->content_disposition = h.value;
        } else if (h.prefix == NULL && ieq(h.name, "Content-Encoding") &&
                   !v->content_encoding) {
            v->content_encoding = h.value;
        } else if (h.prefix == NULL && ieq(h.name, "Content-ID") && !v->content_id) {
            v->content_id = h.value;
        } else if (h.prefix == NULL && ieq(h.name, "Content-Length")) {
            if (v->has_content_length || parse_u64(h.value, &v->content_length) != CAIRN_OK) {
                rc = CAIRN_ERR_DECODE;
                goto fail;
            }
            v->has_content_length = true;
        } else {
            p->mime[v->n_mime_extra++] = h;
        }
    }
    v->mime_extra = p->mime;
    v->body = (const uint8_t *)p->text + off;
    v->body_len = len - off;
    if (v->has_content_length) {
        if (v->content_length > v->body_len) {
            rc = CAIRN_ERR_DECODE;
            goto fail;
        }
        v->body_len = (size_t)v->content_length;
    }
    *out = p;
    *view = v;
    return CAIRN_OK;
fail:
    cairn_cpim_free(p);
    return rc;
}

void cairn_cpim_free(cairn_cpim_parsed *p)
{
    if (p != NULL)
        cairn__free_secret(p->ctx, p, p->size);
}

const char *cairn_cpim_get(const cairn_cpim *m, const char *prefix, const char *name)
{
    size_t i;
    if (m == NULL || name == NULL)
        return NULL;
    for (i = 0; i < m->n_extra; i++) {
        const cairn_cpim_header *h = &m->extra[i];
        if ((prefix == NULL) != (h->prefix == NULL))
            continue;
        if (prefix != NULL && strcmp(prefix, h->prefix) != 0)
            continue;
        if (ieq(h->name, name))
            return h->value;
    }
    return NULL;
}

static bool val_ok(const char *v)
{
    return v == NULL || line_ok(v);
}

static bool name_ok(const char *n, bool allow_dot)
{
    if (n == NULL || *n == '\0')
        return false;
    for (; *n; n++) {
        unsigned char c = (unsigned char)*n;
        if (c <= 0x20 || c >= 0x7f || c == ':' || (!allow_dot && c == '.'))
            return false;
    }
    return true;
}

static cairn_status put(cairn__buf *b, const char *prefix, const char *name,
                        const char *v)
{
    if (v == NULL)
        return CAIRN_OK;
    return prefix ? cairn__buf_printf(b, "%s.%s: %s\r\n", prefix, name, v)
                  : cairn__buf_printf(b, "%s: %s\r\n", name, v);
}

/* The "NS: imdn <urn:ietf:params:imdn>" declaration the writer adds itself
 * whenever imdn headers are present. */
static bool is_imdn_decl(const cairn_cpim_ns *ns)
{
    return ns->prefix != NULL && strcmp(ns->prefix, "imdn") == 0 && ns->uri != NULL &&
           strcmp(ns->uri, CAIRN_CPIM_IMDN_NS) == 0;
}

cairn_status cairn_cpim_write(cairn__buf *out, const cairn_cpim *m,
                              const uint8_t *body, size_t body_len)
{
    size_t mark, i;
    cairn_status rc = CAIRN_OK;
    bool imdn;

    if (out == NULL || m == NULL || (body == NULL && body_len > 0) ||
        m->from == NULL || m->to == NULL || m->content_type == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (!val_ok(m->from) || !val_ok(m->to) || !val_ok(m->cc) ||
        !val_ok(m->datetime) || !val_ok(m->subject) ||
        !val_ok(m->imdn_message_id) || !val_ok(m->imdn_disposition_notification) ||
        !val_ok(m->content_type) || !val_ok(m->content_disposition) ||
        !val_ok(m->content_encoding) || !val_ok(m->content_id) ||
        (m->n_ns && m->ns == NULL) || (m->n_extra && m->extra == NULL) ||
        (m->n_mime_extra && m->mime_extra == NULL))
        return CAIRN_ERR_INVALID_ARG;
    for (i = 0; i < m->n_ns; i++) {
        if (m->ns[i].prefix == NULL || m->ns[i].uri == NULL ||
            (m->ns[i].prefix[0] && !name_ok(m->ns[i].prefix, false)) ||
            !val_ok(m->ns[i].uri) || strchr(m->ns[i].uri, '>') != NULL)
            return CAIRN_ERR_INVALID_ARG;
        /* A prefix bound twice makes the meaning of later headers depend
         * on line order; we never write such a message (found by fuzzing:
         * a second "imdn" binding changed what imdn.Message-ID meant). */
        for (size_t j = 0; j < i; j++)
            if (strcmp(m->ns[i].prefix, m->ns[j].prefix) == 0)
                return CAIRN_ERR_INVALID_ARG;
        if ((m->imdn_message_id != NULL || m->imdn_disposition_notification != NULL) &&
            strcmp(m->ns[i].prefix, "imdn") == 0 && !is_imdn_decl(&m->ns[i]))
            return CAIRN_ERR_INVALID_ARG;
    }
    for (i = 0; i < m->n_extra; i++)
        if (!name_ok(m->extra[i].name, false) || !val_ok(m->extra[i].value) ||
            m->extra[i].value == NULL ||
            (m->extra[i].prefix && !name_ok(m->extra[i].prefix, false)))
            return CAIRN_ERR_INVALID_ARG;
    for (i = 0; i < m->n_mime_extra; i++)
        if (!name_ok(m->mime_extra[i].name, false) || m->mime_extra[i].prefix ||
            m->mime_extra[i].value == NULL || !val_ok(m->mime_extra[i].value))
            return CAIRN_ERR_INVALID_ARG;

    imdn = m->imdn_message_id != NULL || m->imdn_disposition_notification != NULL;
    /* What is written must parse again (CPIM-1): refuse a message whose
     * header blocks would exceed the reader's cap once the writer's own
     * lines (NS imdn, Content-Length) are added. */
    {
        size_t nh = 2 + (m->cc != NULL) + (m->datetime != NULL) + (m->subject != NULL) +
                    (m->imdn_message_id != NULL) + (m->imdn_disposition_notification != NULL) +
                    m->n_extra + imdn;
        size_t nm = 2 + (m->content_disposition != NULL) + (m->content_encoding != NULL) +
                    (m->content_id != NULL) + m->n_mime_extra;
        for (i = 0; i < m->n_ns; i++)
            nh += !(imdn && is_imdn_decl(&m->ns[i]));
        if (nh > CAIRN_CPIM_MAX_HEADERS || nm > CAIRN_CPIM_MAX_HEADERS)
            return CAIRN_ERR_LIMIT;
    }
    mark = out->len;
    rc = put(out, NULL, "From", m->from);
    if (rc == CAIRN_OK) rc = put(out, NULL, "To", m->to);
    if (rc == CAIRN_OK) rc = put(out, NULL, "cc", m->cc);
    if (rc == CAIRN_OK) rc = put(out, NULL, "DateTime", m->datetime);
    if (rc == CAIRN_OK) rc = put(out, NULL, "Subject", m->subject);
    if (rc == CAIRN_OK && imdn)
        rc = cairn__buf_append_str(out, "NS: imdn <" CAIRN_CPIM_IMDN_NS ">\r\n");
    for (i = 0; rc == CAIRN_OK && i < m->n_ns; i++)
        if (imdn && is_imdn_decl(&m->ns[i]))
            continue; /* written just above; a parsed message lists it too */
        else
            rc = m->ns[i].prefix[0]
                 ? cairn__buf_printf(out, "NS: %s <%s>\r\n", m->ns[i].prefix, m->ns[i].uri)
                 : cairn__buf_printf(out, "NS: <%s>\r\n", m->ns[i].uri);
    if (rc == CAIRN_OK) rc = put(out, "imdn", "Message-ID", m->imdn_message_id);
    if (rc == CAIRN_OK)
        rc = put(out, "imdn", "Disposition-Notification", m->imdn_disposition_notification);
    for (i = 0; rc == CAIRN_OK && i < m->n_extra; i++)
        rc = put(out, m->extra[i].prefix, m->extra[i].name, m->extra[i].value);
    if (rc == CAIRN_OK) rc = cairn__buf_append_str(out, "\r\n");
    if (rc == CAIRN_OK) rc = put(out, NULL, "Content-Type", m->content_type);
    if (rc == CAIRN_OK)
        rc = cairn__buf_printf(out, "Content-Length: %zu\r\n", body_len);
    if (rc == CAIRN_OK) rc = put(out, NULL, "Content-Disposition", m->content_disposition);
    if (rc == CAIRN_OK) rc = put(out, NULL, "Content-Encoding", m->content_encoding);
    if (rc == CAIRN_OK) rc = put(out, NULL, "Content-ID", m->content_id);
    for (i = 0; rc == CAIRN_OK && i < m->n_mime_extra; i++)
        rc = put(out, NULL, m->mime_extra[i].name, m->mime_extra[i].value);
    if (rc == CAIRN_OK) rc = cairn__buf_append_str(out, "\r\n");
    if (rc == CAIRN_OK && body_len)
        rc = cairn__buf_append(out, body, body_len);
    if (rc != CAIRN_OK) {
        out->len = mark;
        if (out->data)
            out->data[mark] = 0;
    }
    return rc;
}

cairn_status cairn_cpim_datetime(int64_t ms, char *out, size_t cap)
{
    time_t t;
    struct tm tm;
    int n;
    if (out == NULL || cap < 25 || ms < 0)
        return CAIRN_ERR_INVALID_ARG;
    t = (time_t)(ms / 1000);
    if (gmtime_r(&t, &tm) == NULL)
        return CAIRN_ERR_INVALID_ARG;
    n = snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (int)(ms % 1000));
    return n > 0 && (size_t)n < cap ? CAIRN_OK : CAIRN_ERR_INVALID_ARG;
}

cairn_status cairn_cpim_addr_uri(const char *value, const char **uri, size_t *len)
{
    const char *lt, *gt;
    if (value == NULL || uri == NULL || len == NULL)
        return CAIRN_ERR_INVALID_ARG;
    lt = strchr(value, '<');
    if (lt == NULL) {
        while (*value == ' ' || *value == '\t')
            value++;
        if (*value == '\0' || strpbrk(value, " \t>") != NULL)
            return CAIRN_ERR_DECODE;
        *uri = value;
        *len = strlen(value);
        return CAIRN_OK;
    }
    gt = strchr(lt, '>');
    if (gt == NULL || gt == lt + 1)
        return CAIRN_ERR_DECODE;
    *uri = lt + 1;
    *len = (size_t)(gt - lt - 1);
    return CAIRN_OK;
}
