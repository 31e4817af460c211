/*
 * iscomposing.c - application/im-iscomposing+xml (RFC 3994 section 5)
 * reader and writer. Fields are children of the root <isComposing>
 * (depth 2); the struct is published only after the whole document
 * passed (ISCOMP-1).
 */
#include <stdio.h>
#include <string.h>

#include "cairn/iscomposing.h"
#include "cairn/rcsxml.h"

typedef struct rd {
    cairn_iscomposing c;
    bool root_ok, have_state;
} rd;

static bool ns_ok(const char *ns)
{
    return ns[0] == '\0' || strcmp(ns, CAIRN_ISCOMPOSING_NS) == 0;
}

static cairn_status on_start(void *ud, int depth, const char *ns, const char *name,
                             const char **attrs)
{
    rd *r = ud;
    (void)attrs;
    if (depth == 1) {
        if (!ns_ok(ns) || strcmp(name, "isComposing") != 0)
            return CAIRN_ERR_DECODE;
        r->root_ok = true;
    }
    return CAIRN_OK;
}

static cairn_status on_end(void *ud, int depth, const char *ns, const char *name,
                           const char *text, size_t n)
{
    rd *r = ud;
    char tmp[32];
    cairn_status rc;

    if (depth != 2 || !ns_ok(ns))
        return CAIRN_OK;
    if (strcmp(name, "state") == 0) {
        if (r->have_state)
            return CAIRN_ERR_DECODE;
        rc = cairn_rcsxml_copy_trim(tmp, sizeof(tmp), text, n);
        if (rc != CAIRN_OK)
            return CAIRN_ERR_DECODE;
        if (strcmp(tmp, "active") == 0)
            r->c.active = true;
        else if (strcmp(tmp, "idle") == 0)
            r->c.active = false;
        else
            return CAIRN_ERR_DECODE;
        r->have_state = true;
    } else if (strcmp(name, "lastactive") == 0) {
        return cairn_rcsxml_copy_trim(r->c.lastactive, sizeof(r->c.lastactive), text, n);
    } else if (strcmp(name, "contenttype") == 0) {
        return cairn_rcsxml_copy_trim(r->c.contenttype, sizeof(r->c.contenttype), text, n);
    } else if (strcmp(name, "refresh") == 0) {
        uint64_t v = 0;
        size_t i;
        if (cairn_rcsxml_copy_trim(tmp, sizeof(tmp), text, n) != CAIRN_OK || tmp[0] == '\0')
            return CAIRN_ERR_DECODE;
        for (i = 0; tmp[i]; i++) {
            if (tmp[i] < '0' || tmp[i] > '9' || v > UINT32_MAX / 10)
                return CAIRN_ERR_DECODE;
            v = v * 10 + (uint64_t)(tmp[i] - '0');
        }
        if (v == 0 || v > UINT32_MAX)
            return CAIRN_ERR_DECODE;
        r->c.refresh = (uint32_t)v;
    }
    return CAIRN_OK;
}

cairn_status cairn_iscomposing_parse(const cairn_context *ctx, const uint8_t *xml,
                                     size_t len, cairn_iscomposing *out)
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
    if (!r.root_ok || !r.have_state)
        return CAIRN_ERR_DECODE;
    *out = r.c;
    return CAIRN_OK;
}

cairn_status cairn_iscomposing_write(cairn__buf *out, const cairn_iscomposing *c)
{
    size_t mark;
    cairn_status rc;

    if (out == NULL || c == NULL ||
        memchr(c->lastactive, '\0', sizeof(c->lastactive)) == NULL ||
        memchr(c->contenttype, '\0', sizeof(c->contenttype)) == NULL)
        return CAIRN_ERR_INVALID_ARG;
    mark = out->len;
    rc = cairn__buf_printf(out,
                           "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                           "<isComposing xmlns=\"" CAIRN_ISCOMPOSING_NS "\">\n"
                           "  <state>%s</state>\n",
                           c->active ? "active" : "idle");
    if (rc == CAIRN_OK && c->lastactive[0]) {
        rc = cairn__buf_append_str(out, "  <lastactive>");
        if (rc == CAIRN_OK) rc = cairn_rcsxml_escape(out, c->lastactive);
        if (rc == CAIRN_OK) rc = cairn__buf_append_str(out, "</lastactive>\n");
    }
    if (rc == CAIRN_OK && c->contenttype[0]) {
        rc = cairn__buf_append_str(out, "  <contenttype>");
        if (rc == CAIRN_OK) rc = cairn_rcsxml_escape(out, c->contenttype);
        if (rc == CAIRN_OK) rc = cairn__buf_append_str(out, "</contenttype>\n");
    }
    if (rc == CAIRN_OK && c->refresh)
        rc = cairn__buf_printf(out, "  <refresh>%u</refresh>\n", (unsigned)c->refresh);
    if (rc == CAIRN_OK)
        rc = cairn__buf_append_str(out, "</isComposing>\n");
    if (rc != CAIRN_OK) {
        out->len = mark;
        if (out->data)
            out->data[mark] = 0;
    }
    return rc;
}
