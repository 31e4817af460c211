/*
 * rcsxml.c - hardened expat walk; see cairn/rcsxml.h for the invariants.
 *
 * Expat runs with namespace processing (separator 0x1F, a character that
 * cannot occur in XML, so "uri<sep>local" splits unambiguously). Any
 * DOCTYPE stops the parser from its start handler, before any
 * declaration inside it is processed.
 */
#include <string.h>

#include <expat.h>

#include "cairn/rcsxml.h"

#define NS_SEP '\x1f'

static _Thread_local const cairn_context *tls_ctx;

static void *x_malloc(size_t n) { return cairn__alloc(tls_ctx, n); }
static void *x_realloc(void *p, size_t n) { return cairn__realloc(tls_ctx, p, n); }
static void x_free(void *p) { cairn__free(tls_ctx, p); }

typedef struct walk {
    XML_Parser xp;
    const cairn_rcsxml_handler *h;
    void *ud;
    cairn_status rc;
    int depth;
    int elements;
    char text[CAIRN_RCSXML_MAX_TEXT + 1];
    size_t text_len;
} walk;

static void stop(walk *w, cairn_status rc)
{
    if (w->rc == CAIRN_OK)
        w->rc = rc;
    XML_StopParser(w->xp, XML_FALSE);
}

/* Splits "uri<sep>local" into a caller buffer for the URI. */
static const char *split(const char *qname, char *nsbuf, size_t cap)
{
    const char *sep = strchr(qname, NS_SEP);
    size_t n;
    if (sep == NULL) {
        nsbuf[0] = '\0';
        return qname;
    }
    n = (size_t)(sep - qname);
    if (n >= cap)
        n = cap - 1; /* over-long URIs cannot match any namespace we know */
    memcpy(nsbuf, qname, n);
    nsbuf[n] = '\0';
    return sep + 1;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    walk *w = ud;
    const char *attrs[2 * CAIRN_RCSXML_MAX_ATTRS + 1];
    char nsbuf[512], tmp[8];
    const char *local;
    int i;

    if (w->rc != CAIRN_OK)
        return;
    if (++w->depth > CAIRN_RCSXML_MAX_DEPTH || ++w->elements > CAIRN_RCSXML_MAX_ELEMENTS) {
        stop(w, CAIRN_ERR_LIMIT);
        return;
    }
    for (i = 0; atts[i] != NULL; i += 2) {
        if (i / 2 >= CAIRN_RCSXML_MAX_ATTRS) {
            stop(w, CAIRN_ERR_LIMIT);
            return;
        }
        attrs[i] = split(atts[i], tmp, sizeof(tmp));
        attrs[i + 1] = atts[i + 1];
    }
    attrs[i] = NULL;
    w->text_len = 0;
    w->text[0] = '\0';
    local = split(name, nsbuf, sizeof(nsbuf));
    if (w->h->start != NULL) {
        cairn_status rc = w->h->start(w->ud, w->depth, nsbuf, local, attrs);
        if (rc != CAIRN_OK)
            stop(w, rc);
    }
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    walk *w = ud;
    char nsbuf[512];
    const char *local;
    if (w->rc != CAIRN_OK)
        return;
    local = split(name, nsbuf, sizeof(nsbuf));
    if (w->h->end != NULL) {
        cairn_status rc = w->h->end(w->ud, w->depth, nsbuf, local, w->text, w->text_len);
        if (rc != CAIRN_OK) {
            stop(w, rc);
            return;
        }
    }
    w->depth--;
    w->text_len = 0;
    w->text[0] = '\0';
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    walk *w = ud;
    if (w->rc != CAIRN_OK || len <= 0)
        return;
    if ((size_t)len > CAIRN_RCSXML_MAX_TEXT - w->text_len) {
        stop(w, CAIRN_ERR_TOO_LARGE);
        return;
    }
    memcpy(w->text + w->text_len, s, (size_t)len);
    w->text_len += (size_t)len;
    w->text[w->text_len] = '\0';
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal;
    stop(ud, CAIRN_ERR_DECODE);
}

static void XMLCALL on_entity(void *ud, const XML_Char *name, int is_param,
                              const XML_Char *value, int value_len,
                              const XML_Char *base, const XML_Char *sysid,
                              const XML_Char *pubid, const XML_Char *notation)
{
    (void)name; (void)is_param; (void)value; (void)value_len;
    (void)base; (void)sysid; (void)pubid; (void)notation;
    stop(ud, CAIRN_ERR_DECODE);
}

static int XMLCALL on_ext_entity(XML_Parser p, const XML_Char *context,
                                 const XML_Char *base, const XML_Char *sysid,
                                 const XML_Char *pubid)
{
    (void)p; (void)context; (void)base; (void)sysid; (void)pubid;
    return XML_STATUS_ERROR; /* never fetch anything */
}

cairn_status cairn_rcsxml_parse(const cairn_context *ctx, const uint8_t *xml,
                                size_t len, const cairn_rcsxml_handler *h, void *ud)
{
    static const XML_Memory_Handling_Suite mm = {x_malloc, x_realloc, x_free};
    const cairn_context *saved = tls_ctx;
    walk *w;
    cairn_status rc;

    if (ctx == NULL || h == NULL || (xml == NULL && len > 0))
        return CAIRN_ERR_INVALID_ARG;
    if (len > CAIRN_RCSXML_MAX_INPUT)
        return CAIRN_ERR_TOO_LARGE;
    w = cairn__calloc(ctx, 1, sizeof(*w));
    if (w == NULL)
        return CAIRN_ERR_NOMEM;
    tls_ctx = ctx;
    w->h = h;
    w->ud = ud;
    w->xp = XML_ParserCreate_MM("UTF-8", &mm, "\x1f");
    if (w->xp == NULL) {
        tls_ctx = saved;
        cairn__free(ctx, w);
        return CAIRN_ERR_NOMEM;
    }
    XML_SetUserData(w->xp, w);
    XML_SetElementHandler(w->xp, on_start, on_end);
    XML_SetCharacterDataHandler(w->xp, on_text);
    XML_SetStartDoctypeDeclHandler(w->xp, on_doctype);
    XML_SetEntityDeclHandler(w->xp, on_entity);
    XML_SetExternalEntityRefHandler(w->xp, on_ext_entity);
    XML_SetParamEntityParsing(w->xp, XML_PARAM_ENTITY_PARSING_NEVER);
    if (XML_Parse(w->xp, (const char *)xml, (int)len, XML_TRUE) == XML_STATUS_ERROR &&
        w->rc == CAIRN_OK)
        w->rc = XML_GetErrorCode(w->xp) == XML_ERROR_NO_MEMORY ? CAIRN_ERR_NOMEM
                                                                : CAIRN_ERR_DECODE;
    rc = w->rc;
    XML_ParserFree(w->xp);
    tls_ctx = saved;
    cairn__wipe(w->text, sizeof(w->text));
    cairn__free(ctx, w);
    return rc;
}

static bool xml_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

cairn_status cairn_rcsxml_copy_trim(char *dst, size_t cap, const char *text, size_t n)
{
    while (n > 0 && xml_space(*text)) {
        text++;
        n--;
    }
    while (n > 0 && xml_space(text[n - 1]))
        n--;
    if (n >= cap)
        return CAIRN_ERR_TOO_LARGE;
    memcpy(dst, text, n);
    /* Clear the whole tail, not just one NUL: an element that repeats with
     * a shorter value must not leave the longer one's bytes behind (found
     * by fuzzing: parse -> write -> parse gave different structs). */
    memset(dst + n, 0, cap - n);
    return CAIRN_OK;
}

cairn_status cairn_rcsxml_escape(cairn__buf *out, const char *s)
{
    cairn_status rc = CAIRN_OK;
    const char *p;
    for (p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return CAIRN_ERR_INVALID_ARG;
    }
    for (; rc == CAIRN_OK && *s; s++) {
        switch (*s) {
        case '&': rc = cairn__buf_append_str(out, "&amp;"); break;
        case '<': rc = cairn__buf_append_str(out, "&lt;"); break;
        case '>': rc = cairn__buf_append_str(out, "&gt;"); break;
        case '"': rc = cairn__buf_append_str(out, "&quot;"); break;
        case '\'': rc = cairn__buf_append_str(out, "&apos;"); break;
        default: rc = cairn__buf_append(out, s, 1); break;
        }
    }
    return rc;
}
