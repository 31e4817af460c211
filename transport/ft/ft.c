/*
 * ft.c - FT-over-HTTP descriptor reader and writer; see cairn/ft.h.
 *
 * Document shape (root at depth 1):
 *   <file>                                   depth 1
 *     <file-info type="thumbnail|file" [file-disposition=...]>   depth 2
 *       <file-size/> <file-name/> <content-type/>                depth 3
 *       <data url="..." until="..."/>                            depth 3
 *       <am:playing-length/>                                     depth 3
 * Fields are collected into the file-info being read and checked when it
 * closes; the caller's struct is written once at the end.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/ft.h"
#include "cairn/rcsxml.h"

typedef struct rd {
    cairn_ft_descriptor d;
    cairn_ft_info *cur;
    bool root_ok;
    bool seen_size, seen_data, seen_ct;
} rd;

static bool ns_ok(const char *ns)
{
    return ns[0] == '\0' || strcmp(ns, CAIRN_FT_NS) == 0;
}

static const char *attr(const char **attrs, const char *name)
{
    size_t i;
    for (i = 0; attrs[i] != NULL; i += 2)
        if (strcmp(attrs[i], name) == 0)
            return attrs[i + 1];
    return NULL;
}

static cairn_status copy(char *dst, size_t cap, const char *v)
{
    if (v == NULL)
        return CAIRN_ERR_DECODE;
    return cairn_rcsxml_copy_trim(dst, cap, v, strlen(v));
}

static bool http_url(const char *u)
{
    return strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0;
}

static cairn_status parse_u64(const char *text, size_t n, uint64_t limit, uint64_t *v)
{
    char tmp[24];
    uint64_t x = 0;
    size_t i;
    if (cairn_rcsxml_copy_trim(tmp, sizeof(tmp), text, n) != CAIRN_OK || tmp[0] == '\0')
        return CAIRN_ERR_DECODE;
    for (i = 0; tmp[i]; i++) {
        unsigned d = (unsigned)(tmp[i] - '0');
        if (tmp[i] < '0' || tmp[i] > '9' || x > (limit - d) / 10)
            return CAIRN_ERR_DECODE;
        x = x * 10 + d;
    }
    *v = x;
    return CAIRN_OK;
}

static cairn_status on_start(void *ud, int depth, const char *ns, const char *name,
                             const char **attrs)
{
    rd *r = ud;
    cairn_status rc;

    if (depth == 1) {
        if (!ns_ok(ns) || strcmp(name, "file") != 0)
            return CAIRN_ERR_DECODE;
        r->root_ok = true;
        return CAIRN_OK;
    }
    if (depth == 2 && ns_ok(ns) && strcmp(name, "file-info") == 0) {
        const char *type = attr(attrs, "type"), *disp = attr(attrs, "file-disposition");
        if (type == NULL)
            return CAIRN_ERR_DECODE;
        if (strcmp(type, "file") == 0)
            r->cur = &r->d.file;
        else if (strcmp(type, "thumbnail") == 0)
            r->cur = &r->d.thumbnail;
        else
            return CAIRN_ERR_DECODE;
        if (r->cur->present)
            return CAIRN_ERR_DECODE; /* FT-1: one of each */
        r->cur->present = true;
        r->seen_size = r->seen_data = r->seen_ct = false;
        if (disp != NULL) {
            rc = copy(r->cur->disposition, sizeof(r->cur->disposition), disp);
            if (rc != CAIRN_OK)
                return rc;
        }
        return CAIRN_OK;
    }
    if (depth == 3 && r->cur != NULL && ns_ok(ns) && strcmp(name, "data") == 0) {
        const char *url = attr(attrs, "url"), *until = attr(attrs, "until");
        if (r->seen_data || url == NULL)
            return CAIRN_ERR_DECODE;
        r->seen_data = true;
        rc = copy(r->cur->url, sizeof(r->cur->url), url);
        if (rc != CAIRN_OK)
            return rc;
        if (!http_url(r->cur->url))
            return CAIRN_ERR_DECODE;
        if (until != NULL)
            return copy(r->cur->until, sizeof(r->cur->until), until);
    }
    return CAIRN_OK;
}

static cairn_status on_end(void *ud, int depth, const char *ns, const char *name,
                           const char *text, size_t n)
{
    rd *r = ud;
    cairn_ft_info *c = r->cur;

    if (depth == 2 && c != NULL && ns_ok(ns) && strcmp(name, "file-info") == 0) {
        if (!r->seen_size || !r->seen_data || !r->seen_ct)
            return CAIRN_ERR_DECODE;
        r->cur = NULL;
        return CAIRN_OK;
    }
    if (depth != 3 || c == NULL)
        return CAIRN_OK;
    if (strcmp(ns, CAIRN_FT_AM_NS) == 0 && strcmp(name, "playing-length") == 0) {
        uint64_t v;
        if (c->has_playing_length || parse_u64(text, n, UINT32_MAX, &v) != CAIRN_OK)
            return CAIRN_ERR_DECODE;
        c->has_playing_length = true;
        c->playing_length = (uint32_t)v;
        return CAIRN_OK;
    }
    if (!ns_ok(ns))
        return CAIRN_OK;
    if (strcmp(name, "file-size") == 0) {
        if (r->seen_size)
            return CAIRN_ERR_DECODE;
        r->seen_size = true;
        return parse_u64(text, n, CAIRN_FT_SIZE_LIMIT, &c->size);
    }
    if (strcmp(name, "file-name") == 0)
        return cairn_rcsxml_copy_trim(c->name, sizeof(c->name), text, n);
    if (strcmp(name, "content-type") == 0) {
        if (r->seen_ct)
            return CAIRN_ERR_DECODE;
        r->seen_ct = true;
        return cairn_rcsxml_copy_trim(c->content_type, sizeof(c->content_type), text, n);
    }
    return CAIRN_OK;
}

cairn_status cairn_ft_parse(const cairn_context *ctx, const uint8_t *xml,
                            size_t len, cairn_ft_descriptor *out)
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
    if (!r.root_ok || !r.d.file.present || r.d.file.content_type[0] == '\0')
        return CAIRN_ERR_DECODE;
    *out = r.d;
    return CAIRN_OK;
}

static bool str_ok(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static cairn_status elem(cairn__buf *b, const char *name, const char *v)
{
    cairn_status rc = cairn__buf_printf(b, "    <%s>", name);
    if (rc == CAIRN_OK) rc = cairn_rcsxml_escape(b, v);
    if (rc == CAIRN_OK) rc = cairn__buf_printf(b, "</%s>\n", name);
    return rc;
}

static cairn_status write_info(cairn__buf *b, const cairn_ft_info *i, const char *type)
{
    cairn_status rc;
    if (!str_ok(i->name, sizeof(i->name)) || !str_ok(i->content_type, sizeof(i->content_type)) ||
        !str_ok(i->url, sizeof(i->url)) || !str_ok(i->until, sizeof(i->until)) ||
        !str_ok(i->disposition, sizeof(i->disposition)) || i->content_type[0] == '\0' ||
        strncmp(i->url, "https://", 8) != 0 || i->until[0] == '\0' ||
        i->size > CAIRN_FT_SIZE_LIMIT)
        return CAIRN_ERR_INVALID_ARG;
    rc = cairn__buf_printf(b, "  <file-info type=\"%s\"", type);
    if (rc == CAIRN_OK && i->disposition[0]) {
        rc = cairn__buf_append_str(b, " file-disposition=\"");
        if (rc == CAIRN_OK) rc = cairn_rcsxml_escape(b, i->disposition);
        if (rc == CAIRN_OK) rc = cairn__buf_append_str(b, "\"");
    }
    if (rc == CAIRN_OK) rc = cairn__buf_append_str(b, ">\n");
    if (rc == CAIRN_OK)
        rc = cairn__buf_printf(b, "    <file-size>%llu</file-size>\n", (unsigned long long)i->size);
    if (rc == CAIRN_OK && i->name[0]) rc = elem(b, "file-name", i->name);
    if (rc == CAIRN_OK) rc = elem(b, "content-type", i->content_type);
    if (rc == CAIRN_OK && i->has_playing_length)
        rc = cairn__buf_printf(b, "    <am:playing-length>%u</am:playing-length>\n",
                               (unsigned)i->playing_length);
    if (rc == CAIRN_OK) rc = cairn__buf_append_str(b, "    <data url=\"");
    if (rc == CAIRN_OK) rc = cairn_rcsxml_escape(b, i->url);
    if (rc == CAIRN_OK) rc = cairn__buf_append_str(b, "\" until=\"");
    if (rc == CAIRN_OK) rc = cairn_rcsxml_escape(b, i->until);
    if (rc == CAIRN_OK) rc = cairn__buf_append_str(b, "\"/>\n  </file-info>\n");
    return rc;
}

cairn_status cairn_ft_write(cairn__buf *out, const cairn_ft_descriptor *d)
{
    size_t mark;
    cairn_status rc;
    bool am;

    if (out == NULL || d == NULL || !d->file.present)
        return CAIRN_ERR_INVALID_ARG;
    am = d->file.has_playing_length || (d->thumbnail.present && d->thumbnail.has_playing_length);
    mark = out->len;
    rc = cairn__buf_append_str(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                    "<file xmlns=\"" CAIRN_FT_NS "\"");
    if (rc == CAIRN_OK && am)
        rc = cairn__buf_append_str(out, " xmlns:am=\"" CAIRN_FT_AM_NS "\"");
    if (rc == CAIRN_OK) rc = cairn__buf_append_str(out, ">\n");
    if (rc == CAIRN_OK && d->thumbnail.present)
        rc = write_info(out, &d->thumbnail, "thumbnail");
    if (rc == CAIRN_OK) rc = write_info(out, &d->file, "file");
    if (rc == CAIRN_OK) rc = cairn__buf_append_str(out, "</file>\n");
    if (rc != CAIRN_OK) {
        out->len = mark;
        if (out->data)
            out->data[mark] = 0;
    }
    return rc;
}
