/*
 * cpim.h - Common Presence and Instant Messaging message format
 * (message/cpim, RFC 3862) with the IMDN namespace (RFC 5438 section 5):
 * bounded parser and strict writer. CPIM is the envelope every RCS chat
 * message and notification travels in over MSRP (and SIP MESSAGE).
 *
 * Layout: message headers, blank line, content (MIME) headers, blank
 * line, body. Namespaced headers are "prefix.Name"; "NS: prefix <uri>"
 * declares a prefix. The imdn prefix is bound to urn:ietf:params:imdn.
 *
 * Invariants: the parser copies the input into one allocation owned by
 * the result (every pointer in it points there); it never reads past len
 * and refuses input over CAIRN_CPIM_MAX_INPUT, lines over
 * CAIRN_CPIM_MAX_LINE and more than CAIRN_CPIM_MAX_HEADERS headers per
 * section (CPIM-1). The writer refuses CR, LF and control characters in
 * any header (CPIM-4).
 */
#ifndef CAIRN_CPIM_H
#define CAIRN_CPIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "cairn/export.h"
#include "cairn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_CPIM_MAX_INPUT ((size_t)4 << 20)
#define CAIRN_CPIM_MAX_LINE 4096u
#define CAIRN_CPIM_MAX_HEADERS 64u
#define CAIRN_CPIM_IMDN_NS "urn:ietf:params:imdn"

/* One header: prefix is NULL for un-namespaced headers. */
typedef struct cairn_cpim_header {
    const char *prefix;
    const char *name;
    const char *value;
} cairn_cpim_header;

/* A namespace declaration "NS: prefix <uri>" (prefix may be empty: the
 * default namespace). */
typedef struct cairn_cpim_ns {
    const char *prefix;
    const char *uri;
} cairn_cpim_ns;

/*
 * A CPIM message. Parsed: every string belongs to the cairn_cpim_parsed
 * that holds it. Written: the caller fills it; NULL means absent. Known
 * headers have fields; the rest, in order, are in `extra` (message
 * headers) and `mime_extra` (content headers). A second To or cc goes to
 * `extra`.
 */
typedef struct cairn_cpim {
    const char *from;           /* "Display Name <uri>" or "<uri>" */
    const char *to;
    const char *cc;
    const char *datetime;       /* RFC 3339 */
    const char *subject;
    const char *imdn_message_id;
    const char *imdn_disposition_notification; /* e.g. "positive-delivery, display" */
    const cairn_cpim_ns *ns;    /* declarations other than imdn */
    size_t n_ns;
    const cairn_cpim_header *extra;
    size_t n_extra;

    const char *content_type;
    const char *content_disposition;
    const char *content_encoding;
    const char *content_id;
    bool has_content_length;    /* parse output; the writer always writes it */
    uint64_t content_length;
    const cairn_cpim_header *mime_extra;
    size_t n_mime_extra;

    const uint8_t *body;        /* parse output */
    size_t body_len;
} cairn_cpim;

typedef struct cairn_cpim_parsed cairn_cpim_parsed;

/*
 * Parses a CPIM message. Liberal: header names match case-insensitively,
 * bare LF line ends are accepted, an undeclared "imdn." prefix is taken as
 * the IMDN namespace, a missing second blank line means an empty body.
 * Content-Length, when present, selects the body bytes and must not exceed
 * what is there. On success *out is owned by the caller (free with
 * cairn_cpim_free) and *view points into it.
 * Errors: CAIRN_ERR_DECODE (syntax, Content-Length), CAIRN_ERR_TOO_LARGE
 * (input or line cap), CAIRN_ERR_LIMIT (too many headers), CAIRN_ERR_NOMEM,
 * CAIRN_ERR_INVALID_ARG.
 */
CAIRN_MUST_CHECK cairn_status cairn_cpim_parse(const cairn_context *ctx,
                                               const uint8_t *in, size_t len,
                                               cairn_cpim_parsed **out,
                                               const cairn_cpim **view);
/* Frees a parse result; NULL is a no-op. The text is wiped first. */
void cairn_cpim_free(cairn_cpim_parsed *p);

/* Finds the first message header with this (prefix, name); prefix NULL
 * matches un-namespaced headers only. NULL when absent. */
const char *cairn_cpim_get(const cairn_cpim *m, const char *prefix,
                           const char *name);

/*
 * Appends the message: From, To, cc, DateTime, Subject, NS declarations
 * (imdn first when an imdn header is set), imdn.Message-ID,
 * imdn.Disposition-Notification, extras; blank line; Content-Type,
 * Content-Length (always, = body_len), Content-Disposition,
 * Content-Encoding, Content-ID, MIME extras; blank line; body (CPIM-3).
 * Requires from, to and content_type. The buffer is unchanged on error.
 * Errors: CAIRN_ERR_INVALID_ARG, CAIRN_ERR_TOO_LARGE, CAIRN_ERR_NOMEM.
 */
cairn_status cairn_cpim_write(cairn__buf *out, const cairn_cpim *m,
                              const uint8_t *body, size_t body_len);

/* Formats a UTC timestamp (ms since the epoch) as RFC 3339
 * "YYYY-MM-DDTHH:MM:SS.mmmZ" into out (>= 25 bytes). */
cairn_status cairn_cpim_datetime(int64_t ms, char *out, size_t cap);

/* Extracts the URI from "Name <uri>" or "<uri>" or a bare uri: a view
 * into value. Errors: CAIRN_ERR_DECODE. */
CAIRN_MUST_CHECK cairn_status cairn_cpim_addr_uri(const char *value,
                                                  const char **uri, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
