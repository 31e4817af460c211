/*
 * sip.h - SIP (RFC 3261) messages for Cairn's RCS transport: an owned
 * message object that is easy to build and to query, a parser for one
 * complete message (datagram style) and an incremental reader that frames
 * messages on a byte stream (TCP/TLS) by Content-Length.
 *
 * Component-internal API (not exported to apps); the SIP user agent,
 * registrar and transaction layers build on it. The profile (methods,
 * headers, limits) is spec/transport-sip.md; identifiers SIP-n refer to it.
 *
 * Invariants:
 *  - Writing is strict: every header is written on its own line with its
 *    canonical name, CRLF line ends, and a Content-Length computed from the
 *    body (any stored Content-Length header is ignored). Builders refuse
 *    values containing CR, LF or NUL (header injection).
 *  - Reading is liberal but bounded: compact header names, any case,
 *    folded lines, LF-only line ends, comma lists and leading empty lines
 *    (keep-alives) are accepted; every line, the header count, the header
 *    bytes and the body size are capped by cairn_sip_limits (SIP-20..24).
 *  - Header names are stored canonically ("v" and "VIA" are both stored as
 *    "Via"); lookups are case-insensitive and accept compact forms. Headers
 *    that RFC 3261 defines as comma lists (Via, Contact, Route, Require...)
 *    are split on read, so each stored header holds one value (SIP-12).
 *
 * Ownership: a cairn_sip_msg is owned by whoever created or received it and
 * released with cairn_sip_msg_free (NULL is a no-op). Every const char *
 * returned by a query points into the message and stays valid until the
 * message is modified or freed. Nothing passed in is kept after a call.
 */
#ifndef CAIRN_SIP_H
#define CAIRN_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/context.h"
#include "cairn/export.h"
#include "cairn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cairn__buf;
typedef struct cairn_sip_msg cairn_sip_msg;

/* Methods Cairn knows; anything else is CAIRN_SIP_OTHER (still carried). */
typedef enum cairn_sip_method {
    CAIRN_SIP_OTHER = 0,
    CAIRN_SIP_REGISTER,
    CAIRN_SIP_MESSAGE,
    CAIRN_SIP_INVITE,
    CAIRN_SIP_ACK,
    CAIRN_SIP_BYE,
    CAIRN_SIP_OPTIONS,
    CAIRN_SIP_CANCEL
} cairn_sip_method;

/* Reader caps (SIP-20..24). A zero field means "use the default". */
typedef struct cairn_sip_limits {
    size_t max_line;         /* bytes in one physical line, default 8192 */
    size_t max_headers;      /* header lines and header values, default 256 */
    size_t max_header_bytes; /* start line + headers, default 65536 */
    size_t max_body;         /* body bytes, default 1048576 */
} cairn_sip_limits;

#define CAIRN_SIP_DEFAULT_MAX_LINE 8192u
#define CAIRN_SIP_DEFAULT_MAX_HEADERS 256u
#define CAIRN_SIP_DEFAULT_MAX_HEADER_BYTES 65536u
#define CAIRN_SIP_DEFAULT_MAX_BODY 1048576u

/* Fills every field with its default. */
void cairn_sip_limits_default(cairn_sip_limits *lim);

/* ---- building ---------------------------------------------------------- */

/* Creates a request "<method> <uri> SIP/2.0" with no headers. method must
 * be a token, uri non-empty without whitespace or control characters.
 * Errors: CAIRN_ERR_INVALID_ARG, CAIRN_ERR_NOMEM. *out is the caller's. */
cairn_status cairn_sip_msg_new_request(const cairn_context *ctx, const char *method,
                                       const char *uri, cairn_sip_msg **out);

/* Creates a response "SIP/2.0 <status> <reason>". status 100..699; reason
 * NULL picks the RFC 3261 phrase (or "Unknown"). Errors as above. */
cairn_status cairn_sip_msg_new_response(const cairn_context *ctx, int status, const char *reason,
                                        cairn_sip_msg **out);

/* Releases the message and everything it owns; NULL is a no-op. */
void cairn_sip_msg_free(cairn_sip_msg *m);

/* Appends a header line after all existing ones. name must be a token
 * (compact forms are expanded: "i" is stored as "Call-ID"); value must not
 * contain CR, LF or NUL and is stored trimmed. The value is stored as is,
 * even for list headers. Errors: CAIRN_ERR_INVALID_ARG, CAIRN_ERR_NOMEM. */
cairn_status cairn_sip_msg_header_add(cairn_sip_msg *m, const char *name, const char *value);

/* printf-style variant of cairn_sip_msg_header_add; the formatted value is
 * limited to 8192 bytes (CAIRN_ERR_TOO_LARGE). */
cairn_status cairn_sip_msg_header_addf(cairn_sip_msg *m, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Inserts the header before the first existing header of the same name, or
 * at the top when there is none (a proxy pushing its Via). Errors as add. */
cairn_status cairn_sip_msg_header_prepend(cairn_sip_msg *m, const char *name, const char *value);

/* Removes every header of that name, then appends one. Errors as add; on
 * error the message is unchanged. */
cairn_status cairn_sip_msg_header_set(cairn_sip_msg *m, const char *name, const char *value);

/* Removes every header of that name; returns how many were removed. */
size_t cairn_sip_msg_header_remove(cairn_sip_msg *m, const char *name);

/* Removes the idx-th header of that name (0 = topmost). CAIRN_ERR_NOT_FOUND
 * when there is none. */
cairn_status cairn_sip_msg_header_remove_at(cairn_sip_msg *m, const char *name, size_t idx);

/* Replaces the body with a copy of body[0..len). content_type non-NULL
 * sets Content-Type; NULL with len 0 removes it. A non-empty body needs a
 * content type (here or already set): CAIRN_ERR_INVALID_ARG otherwise.
 * Errors: CAIRN_ERR_INVALID_ARG, CAIRN_ERR_NOMEM; unchanged on error. */
cairn_status cairn_sip_msg_body_set(cairn_sip_msg *m, const char *content_type, const void *body,
                                    size_t len);

/* Appends the wire form to out (CRLF lines, canonical names, computed
 * Content-Length, then the body). out's own limit applies
 * (CAIRN_ERR_TOO_LARGE); on error out->len is restored. */
cairn_status cairn_sip_msg_serialize(const cairn_sip_msg *m, struct cairn__buf *out);

/* ---- querying ---------------------------------------------------------- */

bool cairn_sip_msg_is_request(const cairn_sip_msg *m);
/* Request method text and id; NULL / CAIRN_SIP_OTHER for a response. */
const char *cairn_sip_msg_method(const cairn_sip_msg *m);
cairn_sip_method cairn_sip_msg_method_id(const cairn_sip_msg *m);
/* Request-URI text; NULL for a response. */
const char *cairn_sip_msg_request_uri(const cairn_sip_msg *m);
/* Status code and reason phrase; 0 / NULL for a request. */
int cairn_sip_msg_status(const cairn_sip_msg *m);
const char *cairn_sip_msg_reason(const cairn_sip_msg *m);

/* Number of headers with that name (any case, compact forms accepted);
 * name NULL counts all headers. */
size_t cairn_sip_msg_header_count(const cairn_sip_msg *m, const char *name);

/* Value of the idx-th header of that name (0 = topmost), or NULL. */
const char *cairn_sip_msg_header(const cairn_sip_msg *m, const char *name, size_t idx);

/* Iteration over all headers in order: the i-th header's canonical name
 * and value. CAIRN_ERR_NOT_FOUND past the end. */
cairn_status cairn_sip_msg_header_at(const cairn_sip_msg *m, size_t i, const char **name,
                                     const char **value);

/* The body (NUL-terminated for convenience, not counted in *len); an empty
 * body gives a non-NULL pointer to "" and *len 0. */
const uint8_t *cairn_sip_msg_body(const cairn_sip_msg *m, size_t *len);

/* Method name -> id ("invite" is CAIRN_SIP_INVITE: case-insensitive). */
cairn_sip_method cairn_sip_method_from_name(const char *name, size_t len);
/* The canonical spelling of a header name ("i" -> "Call-ID",
 * "call-id" -> "Call-ID"), or NULL for an unknown header. */
const char *cairn_sip_header_canonical(const char *name, size_t len);

/* ---- reading ----------------------------------------------------------- */

/* Parses exactly one complete message held in data[0..len) (a datagram or
 * a framed buffer). A body runs for Content-Length bytes (bytes after it
 * are ignored, RFC 3261 section 18.3); without Content-Length it is the
 * rest of the data. lim NULL means defaults.
 * Errors: CAIRN_ERR_DECODE (malformed, truncated, no blank line after the
 * headers, NUL/bare CR in the headers, bad or conflicting Content-Length),
 * CAIRN_ERR_VERSION (not SIP/2.0), CAIRN_ERR_TOO_LARGE (a line, the header
 * bytes or the body over its cap), CAIRN_ERR_LIMIT (too many headers),
 * CAIRN_ERR_NOMEM. On success *out is the caller's; on error it is NULL. */
CAIRN_MUST_CHECK cairn_status cairn_sip_msg_parse(const cairn_context *ctx,
                                                  const cairn_sip_limits *lim, const uint8_t *data,
                                                  size_t len, cairn_sip_msg **out);

/*
 * Stream reader: frames SIP messages on a TCP/TLS byte stream.
 *
 *   START --(non CR/LF byte)--> HEAD --(blank line)--> BODY --(Content-Length
 *   bytes)--> message out, back to START. CR/LF bytes in START are
 *   keep-alives (RFC 5626) and are skipped. Any error -> FAILED (sticky).
 *
 * The reader buffers at most one message (header bytes cap + body cap);
 * a Content-Length over the body cap fails before any body is buffered.
 * The result does not depend on how the stream is split into feeds.
 */
typedef struct cairn_sip_reader cairn_sip_reader;

/* Creates a reader; lim NULL means defaults. Errors: CAIRN_ERR_NOMEM. */
cairn_status cairn_sip_reader_new(const cairn_context *ctx, const cairn_sip_limits *lim,
                                  cairn_sip_reader **out);
/* Releases the reader and any partial message; NULL is a no-op. */
void cairn_sip_reader_free(cairn_sip_reader *r);

/* Feeds data[0..len). Consumes bytes until one message completes or the
 * data runs out: *consumed says how many were used. When a message
 * completes, *out receives it (the caller's to free) and the caller feeds
 * the rest (data + *consumed) again; otherwise *out is NULL and all bytes
 * were consumed. Errors are those of cairn_sip_msg_parse except that a
 * missing Content-Length means an empty body; after an error the reader
 * stays failed (framing is lost: close the connection) and returns the
 * same status on every later call. */
CAIRN_MUST_CHECK cairn_status cairn_sip_reader_feed(cairn_sip_reader *r, const uint8_t *data,
                                                    size_t len, size_t *consumed,
                                                    cairn_sip_msg **out);

/* Bytes buffered for the message in progress (0 between messages). */
size_t cairn_sip_reader_pending(const cairn_sip_reader *r);

#ifdef __cplusplus
}
#endif
#endif
