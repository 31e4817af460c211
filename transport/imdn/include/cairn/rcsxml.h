/*
 * rcsxml.h - the one hardened XML reader behind every small RCS XML body
 * Cairn reads (IMDN, isComposing, the FT-over-HTTP descriptor): a SAX walk
 * over expat with hard caps, shared by cairn_imdn and cairn_ft.
 *
 * Invariants (XML-1..XML-4 in spec/transport-msrp.md):
 *  - any DOCTYPE is refused, so no entity of any kind (internal, external,
 *    parameter) can be declared: no billion laughs, no XXE;
 *  - input <= CAIRN_RCSXML_MAX_INPUT bytes, depth <= CAIRN_RCSXML_MAX_DEPTH,
 *    elements <= CAIRN_RCSXML_MAX_ELEMENTS, attributes per element <=
 *    CAIRN_RCSXML_MAX_ATTRS, text per element <= CAIRN_RCSXML_MAX_TEXT;
 *  - the document is read as UTF-8 whatever it declares;
 *  - expat allocates through the context allocator (the context is handed
 *    to expat's hooks in a thread-local for the duration of the call,
 *    because expat's memory hooks take no user pointer).
 */
#ifndef CAIRN_RCSXML_H
#define CAIRN_RCSXML_H

#include <stddef.h>

#include "base.h"
#include "cairn/export.h"
#include "cairn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_RCSXML_MAX_INPUT (64u * 1024u)
#define CAIRN_RCSXML_MAX_DEPTH 16
#define CAIRN_RCSXML_MAX_ELEMENTS 256
#define CAIRN_RCSXML_MAX_ATTRS 16
#define CAIRN_RCSXML_MAX_TEXT 4096u

/*
 * Callbacks (either may be NULL). depth is 1 for the root. ns is the
 * namespace URI ("" when none), name the local name. attrs is a
 * NULL-terminated list of local-name/value pairs. text is the character
 * data seen since the last start tag (so, for a leaf, its content),
 * NUL-terminated, not trimmed. A non-OK return aborts the parse with it.
 */
typedef struct cairn_rcsxml_handler {
    cairn_status (*start)(void *ud, int depth, const char *ns,
                          const char *name, const char **attrs);
    cairn_status (*end)(void *ud, int depth, const char *ns, const char *name,
                        const char *text, size_t text_len);
} cairn_rcsxml_handler;

/* Walks the document. Errors: CAIRN_ERR_DECODE (not well-formed, DOCTYPE,
 * not UTF-8), CAIRN_ERR_TOO_LARGE (input or text cap), CAIRN_ERR_LIMIT
 * (depth, elements, attributes), CAIRN_ERR_NOMEM, or a handler's status. */
CAIRN_MUST_CHECK cairn_status cairn_rcsxml_parse(const cairn_context *ctx,
                                                 const uint8_t *xml, size_t len,
                                                 const cairn_rcsxml_handler *h,
                                                 void *ud);

/* Copies text trimmed of XML whitespace into dst (cap bytes incl. NUL).
 * Errors: CAIRN_ERR_TOO_LARGE when it does not fit. */
CAIRN_MUST_CHECK cairn_status cairn_rcsxml_copy_trim(char *dst, size_t cap,
                                                     const char *text, size_t n);

/* Appends s with &, <, >, " and ' escaped. Refuses control characters
 * other than TAB/LF/CR (not representable in XML 1.0): CAIRN_ERR_INVALID_ARG. */
cairn_status cairn_rcsxml_escape(cairn__buf *out, const char *s);

#ifdef __cplusplus
}
#endif
#endif
