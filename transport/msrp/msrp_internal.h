/*
 * msrp_internal.h - helpers shared by the files of cairn_msrp: header value
 * syntax (Byte-Range, Status, Expires), character classes and the
 * case-insensitive comparisons. Not part of the component API.
 */
#ifndef CAIRN_MSRP_INTERNAL_H
#define CAIRN_MSRP_INTERNAL_H

#include "cairn/msrp.h"

/* "-------" before the transaction id of an end-line. */
#define MSRP__DASHES "-------"
#define MSRP__DASHES_LEN 7u

bool msrp__ieq(const char *a, const char *b);
bool msrp__ieqn(const char *a, size_t alen, const char *b, size_t blen);
bool msrp__is_ident_char(unsigned char c);
/* Header values the writer accepts: printable/UTF-8 and HTAB only. */
bool msrp__value_ok(const char *v);

/* "start-end/total"; '*' for end/total. Checks start >= 1, end >= start-1,
 * end <= total, numbers <= CAIRN_MSRP_RANGE_LIMIT. */
cairn_status msrp__range_parse(const char *s, cairn_msrp_range *r);
bool msrp__range_valid(const cairn_msrp_range *r);
/* "NNN NNN[ comment]"; comment points into s (NULL if none). */
cairn_status msrp__status_parse(const char *s, cairn_msrp_status_hdr *st);
/* 1*DIGIT that fits in uint32. */
cairn_status msrp__u32_parse(const char *s, uint32_t *v);

/* First URI of a path (view into path), for responses and REPORTs. */
cairn_status msrp__first_uri(const char *path, const char **p, size_t *n);

#endif
