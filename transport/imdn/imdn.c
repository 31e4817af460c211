/*
 * imdn.c - message/imdn+xml (RFC 5438 section 7) reader and writer, and
 * the entry point that unwraps CPIM and deflate (section 9 / deployed
 * practice) before reading.
 *
 * Reading is a SAX walk over cairn_rcsxml: element names are matched by
 * local name and depth (root at 1, fields at 2, status at 4), in the IMDN
 * namespace or in none. The struct is filled in a scratch copy and
 * written to the caller only when the whole document checks out.
 */
#include <string.h>

#include "cairn/cpim.h"
#include "cairn/imdn.h"
#include "cairn/rcsxml.h"

typedef struct rd {
    cairn_imdn n;
    bool root_ok;
    bool in_notification;
    bool in_status;
    int notifications;
    int statuses;
    bool have_id;
} rd;

static bool ns_ok(const char *ns)
{
    return ns[0] == '\0' || strcmp(ns, CAIRN_IMDN_NS) == 0;
}

bool cairn_imdn_valid(cairn_imdn_kind kind, cairn_imdn_status st)
{
    switch (kind) {
    case CAIRN_IMDN_KIND_DELIVERY:
        return st == CAIRN_IMDN_DELIVERED || st == CAIRN_IMDN_FAILED ||
               st == CAIRN_IMDN_FORBIDDEN || st == CAIRN_IMDN_ERROR;
    case CAIRN_IMDN_KIND_DISPLAY:
        return st == CAIRN_IMDN_DISPLAYED || st == CAIRN_IMDN_FORBIDDEN ||
               st == CAIRN_IMDN_ERROR;
    case CAIRN_IMDN_KIND_PROCESSING:
        return st == CAIRN_IMDN_PROCESSED || st == CAIRN_IMDN_STORED ||
               st == CAIRN_IMDN_FORBIDDEN || st == CAIRN_IMDN_ERROR;
    default:
        return false;
    }
}

static const struct {
    const char *name;
    cairn_imdn_kind kind;
} kinds[] = {
    {"delivery-notification", CAIRN_IMDN_KIND_DELIVERY},
    {"display-notification", CAIRN_IMDN_KIND_DISPLAY},
    {"processing-notification", CAIRN_IMDN_KIND_PROCESSING},
};

static const struct {
    const char *name;
    cairn_imdn_status st;
} statuses[] = {
    {"delivered", CAIRN_IMDN_DELIVERED}, {"failed", CAIRN_IMDN_FAILED},
    {"forbidden", CAIRN_IMDN_FORBIDDEN}, {"error", CAIRN_IMDN_ERROR},
    {"displayed", CAIRN_IMDN_DISPLAYED}, {"processed", CAIRN_IMDN_PROCESSED},
    {"stored", CAIRN_IMDN_STORED},
};

static cairn_status on_start(void *ud, int depth, const char *ns, const char *name,
                             const char **attrs)
{
    rd *r = ud;
    size_t i;
    (void)attrs;
    if (depth == 1) {
        if (!ns_ok(ns) || strcmp(name, "imdn") != 0)
            return CAIRN_ERR_DECODE;
        r->root_ok = true;
        return CAIRN_OK;
    }
    if (!ns_ok(ns))
        return CAIRN_OK; /* extensions in other namespaces are ignored */
    if (depth == 2) {
        for (i = 0; i < CAIRN_ARRAY_LEN(kinds); i++)
            if (strcmp(name, kinds[i].name) == 0) {
                r->notifications++;
                r->n.kind = kinds[i].kind;
                r->in_notification = true;
            }
    } else if (depth == 3 && r->in_notification && strcmp(name, "status") == 0) {
        r->in_status = true;
    } else if (depth == 4 && r->in_status) {
        for (i = 0; i < CAIRN_ARRAY_LEN(statuses); i++)
            if (strcmp(name, statuses[i].name) == 0) {
                r->statuses++;
                r->n.status = statuses[i].st;
            }
    }
    return CAIRN_OK;
}

static cairn_status on_end(void *ud, int depth, const char *ns, const char *name,
                           const char *text, size_t n)
{
    rd *r = ud;
    if (!ns_ok(ns))
        return CAIRN_OK;
    if (depth == 2) {
        r->in_notification = false;
        if (strcmp(name, "message-id") == 0) {
            if (r->have_id)
                return CAIRN_ERR_DECODE;
            r->have_id = true;
            return cairn_rcsxml_copy_trim(r->n.message_id, sizeof(r->n.message_id), text, n);
        }
        if (strcmp(name, "datetime") == 0)
            return cairn_rcsxml_copy_trim(r->n.datetime, sizeof(r->n.datetime), text, n);
        if (strcmp(name, "recipient-uri") == 0)
            return cairn_rcsxml_copy_trim(r->n.recipient_uri, sizeof(r->n.recipient_uri), text, n);
        if (strcmp(name, "original-recipient-uri") == 0)
            return cairn_rcsxml_copy_trim(r->n.original_recipient_uri,
                                          sizeof(r->n.original_recipient_uri), text, n);
    } else if (depth == 3) {
        r->in_status = false;
    }
    return CAIRN_OK;
}

cairn_status cairn_imdn_parse_xml(const cairn_context *ctx, const uint8_t *xml,
                                  size_t len, cairn_imdn *out)
{
    static const cairn_rcsxml_handler h = {on_start, on_end};
    rd r;
    cairn_status rc;

    if (out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    memset(&r, 0, sizeof(r));
    rc = cairn_rcsxml_parse(ctx, xml, len, &h, &r);
    if (rc != CAIRN_OK)
        return rc;
    if (!r.root_ok || !r.have_id || r.n.message_id[0] == '\0' ||
        r.notifications != 1 || r.statuses != 1 ||
        !cairn_imdn_valid(r.n.kind, r.n.status))
        return CAIRN_ERR_DECODE;
    *out = r.n;
    return CAIRN_OK;
}

/* Case-insensitive match of the media type before any ';'. */
static bool media_is(const char *ct, const char *want)
{
    size_t n = strlen(want), i;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    for (i = 0; i < n; i++) {
        char a = ct[i], b = want[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a + 32);
        if (a != b)
            return false;
    }
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t';
}

static cairn_status parse_encoded(const cairn_context *ctx, const char *enc,
                                  const uint8_t *body, size_t len, cairn_imdn *out)
{
    uint8_t *plain;
    size_t n;
    cairn_status rc;

    if (enc == NULL || enc[0] == '\0' || media_is(enc, "identity"))
        return cairn_imdn_parse_xml(ctx, body, len, out);
    if (!media_is(enc, "deflate"))
        return CAIRN_ERR_UNSUPPORTED;
    rc = cairn_imdn_inflate(ctx, body, len, CAIRN_IMDN_INFLATE_MAX, &plain, &n);
    if (rc != CAIRN_OK)
        return rc;
    rc = cairn_imdn_parse_xml(ctx, plain, n, out);
    cairn__free_secret(ctx, plain, n);
    return rc;
}

cairn_status cairn_imdn_parse(const cairn_context *ctx, const char *content_type,
                              const char *content_encoding, const uint8_t *body,
                              size_t len, cairn_imdn *out)
{
    bool cpim;
    cairn_cpim_parsed *p = NULL;
    const cairn_cpim *m = NULL;
    cairn_status rc;

    if (ctx == NULL || out == NULL || (body == NULL && len > 0))
        return CAIRN_ERR_INVALID_ARG;
    if (content_type != NULL) {
        if (media_is(content_type, "message/cpim"))
            cpim = true;
        else if (media_is(content_type, CAIRN_IMDN_CONTENT_TYPE))
            cpim = false;
        else
            return CAIRN_ERR_UNSUPPORTED;
    } else {
        size_t i = 0;
        while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
            i++;
        cpim = !(i < len && body[i] == '<');
    }
    if (!cpim)
        return parse_encoded(ctx, content_encoding, body, len, out);
    rc = cairn_cpim_parse(ctx, body, len, &p, &m);
    if (rc != CAIRN_OK)
        return rc;
    if (m->content_type == NULL || !media_is(m->content_type, CAIRN_IMDN_CONTENT_TYPE))
        rc = CAIRN_ERR_UNSUPPORTED;
    else
        rc = parse_encoded(ctx, m->content_encoding ? m->content_encoding : content_encoding,
                           m->body, m->body_len, out);
    cairn_cpim_free(p);
    return rc;
}

static const char *kind_name(cairn_imdn_kind k)
{
    size_t i;
    for (i = 0; i < CAIRN_ARRAY_LEN(kinds); i++)
        if (kinds[i].kind == k)
            return kinds[i].name;
    return NULL;
}

static const char *status_name(cairn_imdn_status s)
{
    size_t i;
    for (i = 0; i < CAIRN_ARRAY_LEN(statuses); i++)
        if (statuses[i].st == s)
            return statuses[i].name;
    return NULL;
}

static bool bounded(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static cairn_status elem(cairn__buf *b, const char *name, const char *v)
{
    cairn_status rc;
    if (v[0] == '\0')
        return CAIRN_OK;
    rc = cairn__buf_printf(b, "  <%s>", name);
    if (rc == CAIRN_OK)
        rc = cairn_rcsxml_escape(b, v);
    if (rc == CAIRN_OK)
        rc = cairn__buf_printf(b, "</%s>\n", name);
    return rc;
}

cairn_status cairn_imdn_write_xml(cairn__buf *out, const cairn_imdn *n)
{
    size_t mark;
    cairn_status rc;
    const char *kn, *sn;

    if (out == NULL || n == NULL || !cairn_imdn_valid(n->kind, n->status) ||
        !bounded(n->message_id, sizeof(n->message_id)) || n->message_id[0] == '\0' ||
        !bounded(n->datetime, sizeof(n->datetime)) || n->datetime[0] == '\0' ||
        !bounded(n->recipient_uri, sizeof(n->recipient_uri)) ||
        !bounded(n->original_recipient_uri, sizeof(n->original_recipient_uri)))
        return CAIRN_ERR_INVALID_ARG;
    kn = kind_name(n->kind);
    sn = status_name(n->status);
    mark = out->len;
    rc = cairn__buf_append_str(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                    "<imdn xmlns=\"" CAIRN_IMDN_NS "\">\n");
    if (rc == CAIRN_OK) rc = elem(out, "message-id", n->message_id);
    if (rc == CAIRN_OK) rc = elem(out, "datetime", n->datetime);
    if (rc == CAIRN_OK) rc = elem(out, "recipient-uri", n->recipient_uri);
    if (rc == CAIRN_OK) rc = elem(out, "original-recipient-uri", n->original_recipient_uri);
    if (rc == CAIRN_OK)
        rc = cairn__buf_printf(out, "  <%s>\n    <status>\n      <%s/>\n    </status>\n  </%s>\n</imdn>\n",
                               kn, sn, kn);
    if (rc != CAIRN_OK) {
        out->len = mark;
        if (out->data)
            out->data[mark] = 0;
    }
    return rc;
}

cairn_status cairn_imdn_write_cpim(cairn__buf *out, const char *from, const char *to,
                                   const char *imdn_message_id, const cairn_imdn *n)
{
    cairn__buf xml;
    cairn_cpim m;
    cairn_status rc;

    if (out == NULL || n == NULL)
        return CAIRN_ERR_INVALID_ARG;
    cairn__buf_init(&xml, out->ctx, CAIRN_RCSXML_MAX_INPUT);
    rc = cairn_imdn_write_xml(&xml, n);
    if (rc == CAIRN_OK) {
        memset(&m, 0, sizeof(m));
        m.from = from;
        m.to = to;
        m.datetime = n->datetime;
        m.imdn_message_id = imdn_message_id;
        m.content_type = CAIRN_IMDN_CONTENT_TYPE;
        m.content_disposition = "notification";
        rc = imdn_message_id == NULL ? CAIRN_ERR_INVALID_ARG
                                     : cairn_cpim_write(out, &m, xml.data, xml.len);
    }
    cairn__buf_free(&xml);
    return rc;
}
