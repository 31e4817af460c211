/*
 * iscomposing.h - the typing indicator, application/im-iscomposing+xml
 * (RFC 3994): state active/idle, lastactive, contenttype, refresh.
 * Parsed with the hardened reader of cairn/rcsxml.h into a fixed-size
 * struct; built strictly (ISCOMP-1, ISCOMP-2).
 */
#ifndef CAIRN_ISCOMPOSING_H
#define CAIRN_ISCOMPOSING_H

#include <stdbool.h>
#include <stdint.h>

#include "base.h"
#include "cairn/export.h"
#include "cairn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_ISCOMPOSING_NS "urn:ietf:params:xml:ns:im-iscomposing"
#define CAIRN_ISCOMPOSING_CONTENT_TYPE "application/im-iscomposing+xml"

typedef struct cairn_iscomposing {
    bool active;            /* state: active (true) or idle (false) */
    char lastactive[65];    /* RFC 3339 date-time, may be empty */
    char contenttype[129];  /* media type being composed, may be empty */
    uint32_t refresh;       /* seconds, 0 = absent */
} cairn_iscomposing;

/* Parses the document into *out (written only on success). Unknown
 * elements are ignored. Errors: CAIRN_ERR_DECODE (no or bad <state>,
 * refresh not a positive number, wrong root, DOCTYPE, malformed),
 * CAIRN_ERR_TOO_LARGE / CAIRN_ERR_LIMIT, CAIRN_ERR_NOMEM. */
CAIRN_MUST_CHECK cairn_status cairn_iscomposing_parse(const cairn_context *ctx,
                                                      const uint8_t *xml,
                                                      size_t len,
                                                      cairn_iscomposing *out);

/* Appends the document. Errors: CAIRN_ERR_INVALID_ARG,
 * CAIRN_ERR_TOO_LARGE, CAIRN_ERR_NOMEM; buffer unchanged on error. */
cairn_status cairn_iscomposing_write(cairn__buf *out, const cairn_iscomposing *c);

#ifdef __cplusplus
}
#endif
#endif
