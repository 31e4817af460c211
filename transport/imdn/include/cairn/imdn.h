/*
 * imdn.h - Instant Message Disposition Notifications (RFC 5438),
 * message/imdn+xml: parse and build, bare or wrapped in CPIM, including
 * bodies sent with "Content-Encoding: deflate" (inflated with a hard
 * output cap, IMDN-3).
 *
 * Invariants: results are fixed-size structs (no allocation handed out);
 * every field is bounded by the sizes below; a notification is accepted
 * only with a message-id and exactly one known notification kind with one
 * status valid for that kind (IMDN-1).
 */
#ifndef CAIRN_IMDN_H
#define CAIRN_IMDN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "cairn/export.h"
#include "cairn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_IMDN_NS "urn:ietf:params:xml:ns:imdn"
#define CAIRN_IMDN_CONTENT_TYPE "message/imdn+xml"
#define CAIRN_IMDN_ID_MAX 256u
#define CAIRN_IMDN_URI_MAX 1024u
#define CAIRN_IMDN_DATETIME_MAX 64u
/* Largest inflated body accepted (IMDN-3). */
#define CAIRN_IMDN_INFLATE_MAX (64u * 1024u)

typedef enum cairn_imdn_kind {
    CAIRN_IMDN_KIND_NONE = 0,
    CAIRN_IMDN_KIND_DELIVERY = 1,  /* <delivery-notification> */
    CAIRN_IMDN_KIND_DISPLAY = 2,   /* <display-notification> */
    CAIRN_IMDN_KIND_PROCESSING = 3 /* <processing-notification> */
} cairn_imdn_kind;

typedef enum cairn_imdn_status {
    CAIRN_IMDN_STATUS_NONE = 0,
    CAIRN_IMDN_DELIVERED = 1, /* delivery */
    CAIRN_IMDN_FAILED = 2,    /* delivery */
    CAIRN_IMDN_FORBIDDEN = 3, /* any kind */
    CAIRN_IMDN_ERROR = 4,     /* any kind */
    CAIRN_IMDN_DISPLAYED = 5, /* display */
    CAIRN_IMDN_PROCESSED = 6, /* processing */
    CAIRN_IMDN_STORED = 7     /* processing */
} cairn_imdn_status;

typedef struct cairn_imdn {
    char message_id[CAIRN_IMDN_ID_MAX + 1];
    char datetime[CAIRN_IMDN_DATETIME_MAX + 1];       /* may be empty */
    char recipient_uri[CAIRN_IMDN_URI_MAX + 1];       /* may be empty */
    char original_recipient_uri[CAIRN_IMDN_URI_MAX + 1];
    cairn_imdn_kind kind;
    cairn_imdn_status status;
} cairn_imdn;

/* True when status is allowed for kind. */
bool cairn_imdn_valid(cairn_imdn_kind kind, cairn_imdn_status status);

/* Parses a message/imdn+xml document into *out (written only on success).
 * Liberal: unknown elements are ignored, a missing namespace is accepted,
 * datetime may be absent. Errors: CAIRN_ERR_DECODE (malformed, missing
 * message-id, no or several notifications/statuses, bad kind/status pair,
 * DOCTYPE), CAIRN_ERR_TOO_LARGE / CAIRN_ERR_LIMIT (XML caps, field too
 * long), CAIRN_ERR_NOMEM. */
CAIRN_MUST_CHECK cairn_status cairn_imdn_parse_xml(const cairn_context *ctx,
                                                   const uint8_t *xml, size_t len,
                                                   cairn_imdn *out);

/*
 * Parses a notification from a message body as it arrives:
 *  - content_type "message/cpim" (or NULL and the body does not start with
 *    '<'): the CPIM envelope is parsed, its inner Content-Type must be
 *    message/imdn+xml, and its Content-Encoding (or, when absent, the
 *    outer content_encoding) may be "deflate";
 *  - content_type "message/imdn+xml" (or NULL and a body starting with
 *    '<'): the body itself, inflated first when content_encoding is
 *    "deflate".
 * "deflate" accepts zlib-wrapped, gzip-wrapped and raw deflate data.
 * Errors: as cairn_imdn_parse_xml and cairn_cpim_parse, plus
 * CAIRN_ERR_UNSUPPORTED (other content types or encodings) and
 * CAIRN_ERR_TOO_LARGE (inflated beyond CAIRN_IMDN_INFLATE_MAX).
 */
CAIRN_MUST_CHECK cairn_status cairn_imdn_parse(const cairn_context *ctx,
                                               const char *content_type,
                                               const char *content_encoding,
                                               const uint8_t *body, size_t len,
                                               cairn_imdn *out);

/* Appends the XML document (IMDN-2): message-id, datetime (required),
 * recipient-uri and original-recipient-uri when non-empty, then the
 * notification. Errors: CAIRN_ERR_INVALID_ARG, CAIRN_ERR_TOO_LARGE,
 * CAIRN_ERR_NOMEM; the buffer is unchanged on error. */
cairn_status cairn_imdn_write_xml(cairn__buf *out, const cairn_imdn *n);

/* Appends a CPIM-wrapped notification: From, To, DateTime,
 * imdn.Message-ID (the notification's own, fresh id), Content-Type
 * message/imdn+xml, Content-Disposition: notification, the XML. Never
 * compressed (IMDN-4). */
cairn_status cairn_imdn_write_cpim(cairn__buf *out, const char *from,
                                   const char *to, const char *imdn_message_id,
                                   const cairn_imdn *n);

/* Inflates zlib, gzip or raw deflate data into a new buffer of at most
 * max_out bytes (free with cairn_free(ctx, p, len)). Errors:
 * CAIRN_ERR_DECODE (corrupt, truncated, trailing garbage),
 * CAIRN_ERR_TOO_LARGE (output would exceed max_out: the inflation stops
 * there, so a bomb costs at most max_out bytes), CAIRN_ERR_NOMEM. */
CAIRN_MUST_CHECK cairn_status cairn_imdn_inflate(const cairn_context *ctx,
                                                 const uint8_t *in, size_t len,
                                                 size_t max_out, uint8_t **out,
                                                 size_t *out_len);

#ifdef __cplusplus
}
#endif
#endif
