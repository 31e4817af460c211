/*
 * sip_internal.h - what the files of the SIP component share: the message
 * layout, the header-name table and small lexical helpers.
 *
 * Invariants: a message's headers are an ordered array; each entry owns one
 * allocation holding "name\0value\0"; `known` is the index of the name in
 * the header table (or -1), so lookups of known names compare integers.
 */
#ifndef CAIRN_SIP_INTERNAL_H
#define CAIRN_SIP_INTERNAL_H

#include "base.h"
#include "cairn/sip.h"
#include "cairn/sip_addr.h"

typedef struct sip__hdr {
    char *name; /* canonical spelling for known headers */
    char *value;
    int known; /* index into the header table, -1 if unknown */
} sip__hdr;

struct cairn_sip_msg {
    const cairn_context *ctx;
    bool is_request;
    cairn_sip_method method_id;
    char *method; /* request: method; response: NULL */
    char *uri;    /* request: Request-URI */
    int status;
    char *reason;
    sip__hdr *hdrs;
    size_t nhdrs, hcap;
    uint8_t *body; /* NUL-terminated, NULL when empty */
    size_t body_len;
};

/* Header table lookup: index of the name (full or compact, any case) or -1. */
int sip__header_index(const char *name, size_t len);
const char *sip__header_name(int idx);
/* True when RFC 3261 (or its extensions) define the header as a comma
 * list that may be split into one value per header. */
bool sip__header_is_list(int idx);

/* Message internals used by the parser: a message with the given start
 * line, and appending a header without the builder's checks (the parser
 * has already validated the bytes). */
cairn_status sip__msg_alloc(const cairn_context *ctx, cairn_sip_msg **out);
cairn_status sip__msg_push(cairn_sip_msg *m, const char *name, size_t nlen, int known,
                           const char *value, size_t vlen);

/* Parses the header section head[0..len) (start line through the blank
 * line) into a new message. Caps from lim (already filled in). */
cairn_status sip__parse_head(const cairn_context *ctx, const cairn_sip_limits *lim,
                             const char *head, size_t len, cairn_sip_msg **out);

/* The message's Content-Length: *present false when absent. All copies
 * must agree. CAIRN_ERR_DECODE for garbage, CAIRN_ERR_TOO_LARGE when over
 * max (checked before anything is buffered). */
cairn_status sip__content_length(const cairn_sip_msg *m, size_t max, bool *present, size_t *n);

/* Fills zero fields of *out from lim (or all defaults when lim is NULL). */
void sip__limits_fill(cairn_sip_limits *out, const cairn_sip_limits *lim);

/* Lexical classes of RFC 3261 section 25.1. */
bool sip__is_token_char(unsigned char c);
static inline bool sip__is_ws(unsigned char c)
{
    return c == ' ' || c == '\t';
}
int sip__strncasecmp(const char *a, const char *b, size_t n);

#endif
