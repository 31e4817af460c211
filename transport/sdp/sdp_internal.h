/*
 * sdp_internal.h - the layout of a parsed description, shared by the
 * parser/accessors and the MSRP reader.
 *
 * Invariant: lines[] are in input order; a line's media is the index of
 * the m= line that precedes it (the m= line itself belongs to its media),
 * or CAIRN_SDP_SESSION before the first m=.
 */
#ifndef CAIRN_SDP_INTERNAL_H
#define CAIRN_SDP_INTERNAL_H

#include "base.h"
#include "cairn/sdp.h"

typedef struct sdp__line {
    char type;
    size_t media;
    cairn_sdp_str value;
} sdp__line;

struct cairn_sdp {
    const cairn_context *ctx;
    char *text; /* owned copy of the input */
    sdp__line *lines;
    size_t nlines;
    cairn_sdp_origin origin;
    cairn_sdp_str session_name;
    cairn_sdp_media *media;
    size_t nmedia;
};

/* Splits s at runs of spaces into up to max fields; returns the count. The
 * last field takes the rest of the line when rest_last is true. */
size_t sdp__fields(cairn_sdp_str s, cairn_sdp_str *f, size_t max, bool rest_last);
int sdp__strncasecmp(const char *a, const char *b, size_t n);

#endif
