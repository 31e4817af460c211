/*
 * msrp.h - MSRP (RFC 4975, relays RFC 4976) wire codec for Cairn's RCS
 * transport: an incremental push parser, a strict writer into cairn__buf,
 * a chunker, a reassembler and the transaction-response / REPORT rules.
 * No sockets here: the session layer feeds bytes in and writes bytes out.
 *
 * Invariants:
 *  - The parser keeps at most one header block (<= max_header_bytes) plus a
 *    fixed end-line hold-back (<= 48 bytes) per connection; bodies are handed
 *    to the consumer in pieces and never buffered, so a 1 GB chunk costs no
 *    more memory than a 1 byte one.
 *  - The parser gives the same events for every way the byte stream is split
 *    across calls to cairn_msrp_parser_feed().
 *  - Writers never emit a message whose body contains its own end-line, a
 *    header value with CR/LF/control characters, or a bad transaction id.
 *  - The reassembler never holds more than its configured byte and message
 *    caps, whatever Byte-Range values a peer sends.
 *
 * Profile and limits: spec/transport-msrp.md (MSRP-n identifiers).
 * Ownership: nothing here keeps a pointer to caller memory past a call,
 * except the chunker (see cairn_msrp_chunker_init).
 */
#ifndef CAIRN_MSRP_H
#define CAIRN_MSRP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "cairn/export.h"
#include "cairn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* MSRP-CHUNK-1: largest body Cairn puts in one SEND chunk. */
#define CAIRN_MSRP_CHUNK_MAX 10240u
/* MSRP-TID-1: transaction ids are 4..32 ident characters. */
#define CAIRN_MSRP_TID_MIN 4u
#define CAIRN_MSRP_TID_MAX 32u
#define CAIRN_MSRP_TID_BUF (CAIRN_MSRP_TID_MAX + 1u)
/* Length of the transaction ids Cairn generates. */
#define CAIRN_MSRP_TID_LEN 16u
/* Byte-Range '*' (unknown end or total). */
#define CAIRN_MSRP_UNKNOWN UINT64_MAX
/* Largest Byte-Range number accepted (2^53 - 1, MSRP-RANGE-2). */
#define CAIRN_MSRP_RANGE_LIMIT ((uint64_t)9007199254740991ull)
/* Parser defaults (MSRP-LIM-1). */
#define CAIRN_MSRP_DEFAULT_MAX_LINE 4096u
#define CAIRN_MSRP_DEFAULT_MAX_HEADERS 32u
#define CAIRN_MSRP_DEFAULT_MAX_HEADER_BYTES 16384u
#define CAIRN_MSRP_DEFAULT_MAX_BODY ((uint64_t)16u << 20)
/* Maximum URIs in one To-Path / From-Path / Use-Path (MSRP-PATH-2). */
#define CAIRN_MSRP_PATH_MAX 8u

/* RFC 4975 / RFC 4976 response codes. */
enum {
    CAIRN_MSRP_200_OK = 200,
    CAIRN_MSRP_400_BAD_REQUEST = 400,
    CAIRN_MSRP_401_UNAUTHORIZED = 401,
    CAIRN_MSRP_403_FORBIDDEN = 403,
    CAIRN_MSRP_408_TIMEOUT = 408,
    CAIRN_MSRP_413_TOO_LARGE = 413,
    CAIRN_MSRP_415_UNSUPPORTED_MEDIA = 415,
    CAIRN_MSRP_423_OUT_OF_BOUNDS = 423,
    CAIRN_MSRP_481_NO_SESSION = 481,
    CAIRN_MSRP_501_UNKNOWN_METHOD = 501,
    CAIRN_MSRP_506_ALREADY_BOUND = 506
};

/* The standard reason phrase for a code, or "Unknown" (static string). */
const char *cairn_msrp_status_text(int code);

typedef enum cairn_msrp_method {
    CAIRN_MSRP_OTHER = 0, /* an extension method: see cairn_msrp_msg.method */
    CAIRN_MSRP_SEND = 1,
    CAIRN_MSRP_REPORT = 2,
    CAIRN_MSRP_AUTH = 3
} cairn_msrp_method;

/* A Byte-Range: 1-based inclusive start and end; end and total may be
 * CAIRN_MSRP_UNKNOWN ('*'). An empty message is 1-0/0. */
typedef struct cairn_msrp_range {
    uint64_t start;
    uint64_t end;
    uint64_t total;
} cairn_msrp_range;

/* A Status header: "Status: 000 200 OK". */
typedef struct cairn_msrp_status_hdr {
    int ns;               /* namespace, 000 for MSRP */
    int code;
    const char *comment;  /* may be NULL */
} cairn_msrp_status_hdr;

/* A header the codec has no field for (including Content-ID and other
 * MIME headers, which the writer puts after Content-Type). */
typedef struct cairn_msrp_header {
    const char *name;
    const char *value;
} cairn_msrp_header;

/*
 * One MSRP request or response head. The parser fills one and lends it to
 * the callbacks (all strings point into the parser and stay valid until
 * on_end returns). Writers read one the caller fills; strings are
 * NUL-terminated, NULL means "header absent".
 */
typedef struct cairn_msrp_msg {
    bool is_response;
    const char *tid;
    /* requests */
    cairn_msrp_method method_id;
    const char *method;   /* "SEND", "REPORT", "AUTH" or an extension */
    /* responses */
    int code;
    const char *comment;  /* may be NULL */

    const char *to_path;  /* raw header values: space separated URIs */
    const char *from_path;
    const char *message_id;
    bool has_range;
    cairn_msrp_range range;
    const char *content_type;
    const char *success_report; /* "yes" / "no" */
    const char *failure_report; /* "yes" / "no" / "partial" */
    bool has_status;
    cairn_msrp_status_hdr status;
    const char *use_path;
    const char *www_authenticate;
    const char *authorization;
    const char *authentication_info;
    bool has_expires, has_min_expires, has_max_expires;
    uint32_t expires, min_expires, max_expires;
    const cairn_msrp_header *extra;
    size_t n_extra;

    /* Parser output only. */
    bool has_body;            /* a content section (blank line) was present */
    /* CAIRN_OK, or why the head is semantically bad although the framing
     * was fine (bad Byte-Range, missing To-Path, ...): the session layer
     * answers such a request with 400 and the stream goes on (MSRP-PARSE-4). */
    cairn_status error;
    const char *error_header; /* name of the offending header, or NULL */
} cairn_msrp_msg;

/* ---------------------------------------------------------------- URIs */

/* One MSRP URI (RFC 4975 section 6): views into the parsed string. */
typedef struct cairn_msrp_uri {
    bool secure; /* msrps: */
    const char *user;      size_t user_len;    /* may be 0 */
    const char *host;      size_t host_len;    /* IPv6 with brackets */
    uint16_t port;         /* 0 when absent */
    const char *session;   size_t session_len; /* 0 for relay URIs */
    const char *transport; size_t transport_len;
    const char *params;    size_t params_len;  /* after transport, may be 0 */
} cairn_msrp_uri;

/* Parses exactly one URI from s[0..len). Errors: CAIRN_ERR_DECODE. */
CAIRN_MUST_CHECK cairn_status cairn_msrp_uri_parse(const char *s, size_t len,
                                                   cairn_msrp_uri *out);

/* Parses a space-separated path into at most max URIs (views into s, a
 * NUL-terminated string). Errors: CAIRN_ERR_DECODE, CAIRN_ERR_LIMIT (more
 * than max or CAIRN_MSRP_PATH_MAX URIs). */
CAIRN_MUST_CHECK cairn_status cairn_msrp_path_parse(const char *s,
                                                    cairn_msrp_uri *out,
                                                    size_t max, size_t *n);

/* RFC 4975 section 6.1 comparison: scheme, host (case-insensitive), port,
 * session id (case-sensitive) and transport (case-insensitive). */
bool cairn_msrp_uri_equal(const cairn_msrp_uri *a, const cairn_msrp_uri *b);

/* ----------------------------------------------------------- parsing */

typedef struct cairn_msrp_parser cairn_msrp_parser;

/* Callbacks. Returning anything but CAIRN_OK stops the parser: feed
 * returns that status and the parser stays failed. They must not destroy
 * the parser. on_body gets the body bytes of the current message in order,
 * in pieces of any size (never zero); body pieces of one message are never
 * interleaved with another message's. on_end's flag is '$' (complete),
 * '+' (more chunks follow) or '#' (message aborted). */
typedef struct cairn_msrp_callbacks {
    cairn_status (*on_start)(void *ud, const cairn_msrp_msg *m);
    cairn_status (*on_body)(void *ud, const cairn_msrp_msg *m,
                            const uint8_t *p, size_t n);
    cairn_status (*on_end)(void *ud, const cairn_msrp_msg *m, char flag,
                           uint64_t body_len);
} cairn_msrp_callbacks;

/* Limits; zero members take the defaults above. */
typedef struct cairn_msrp_limits {
    size_t max_line;
    size_t max_headers;
    size_t max_header_bytes;
    uint64_t max_body; /* per chunk */
} cairn_msrp_limits;

/* Creates a parser. limits may be NULL. The parser keeps cb's content and
 * ud (not owned). Free with cairn_msrp_parser_destroy (NULL is a no-op).
 * Errors: CAIRN_ERR_NOMEM, CAIRN_ERR_INVALID_ARG. */
CAIRN_MUST_CHECK cairn_status cairn_msrp_parser_create(
    const cairn_context *ctx, const cairn_msrp_limits *limits,
    const cairn_msrp_callbacks *cb, void *ud, cairn_msrp_parser **out);
void cairn_msrp_parser_destroy(cairn_msrp_parser *p);

/* Feeds bytes; callbacks run before it returns. Framing errors are fatal
 * for the connection and sticky: CAIRN_ERR_PROTOCOL (bad start line, bad
 * end-line, bare LF, control characters), CAIRN_ERR_TOO_LARGE (line, header
 * block or body cap), CAIRN_ERR_LIMIT (too many headers), or a callback's
 * status. Once failed, every later call returns CAIRN_ERR_STATE. */
CAIRN_MUST_CHECK cairn_status cairn_msrp_parser_feed(cairn_msrp_parser *p,
                                                     const uint8_t *data,
                                                     size_t len);

/* True between messages (nothing buffered): the connection may be closed
 * cleanly here. */
bool cairn_msrp_parser_idle(const cairn_msrp_parser *p);

/* ----------------------------------------------------------- writing */

/* Generates a random transaction id (CAIRN_MSRP_TID_LEN alphanumerics)
 * into out (CAIRN_MSRP_TID_BUF bytes). Also fine as a Message-ID. */
CAIRN_MUST_CHECK cairn_status cairn_msrp_tid_generate(const cairn_context *ctx,
                                                      char *out);

/* True when t is a valid transaction id (RFC 4975 ident, 4..32 chars). */
bool cairn_msrp_tid_valid(const char *t);

/*
 * Appends a complete request (m->is_response false) with an optional body:
 * a content section is written when body_len > 0 or m->content_type is set
 * (Content-Type is then required). flag is '$', '+' or '#'. Header order:
 * To-Path, From-Path, Message-ID, Success-Report, Failure-Report,
 * Byte-Range, Status, Use-Path, Expires, Min-Expires, Max-Expires,
 * WWW-Authenticate, Authorization, Authentication-Info, non-MIME extras,
 * Content-Type, then extras named Content-* (MSRP-WRITE-1).
 * On error the buffer is left as it was. Errors: CAIRN_ERR_INVALID_ARG
 * (bad tid/method/flag, header value with CR/LF, body containing its
 * end-line: pick another tid), CAIRN_ERR_TOO_LARGE (buffer limit),
 * CAIRN_ERR_NOMEM.
 */
cairn_status cairn_msrp_write(cairn__buf *out, const cairn_msrp_msg *m,
                              const uint8_t *body, size_t body_len, char flag);

/* Streaming halves of cairn_msrp_write for bodies produced in pieces:
 * write_head writes the start line, headers and (when with_body) the blank
 * line; the caller appends body bytes itself (it must then check them with
 * cairn_msrp_body_safe) and finishes with write_end, which writes
 * "\r\n" (when with_body) and the end-line. */
cairn_status cairn_msrp_write_head(cairn__buf *out, const cairn_msrp_msg *m,
                                   bool with_body);
cairn_status cairn_msrp_write_end(cairn__buf *out, const char *tid,
                                  bool with_body, char flag);
/* True when body can be sent under tid without containing its end-line. */
bool cairn_msrp_body_safe(const char *tid, const uint8_t *body, size_t len);

/* Appends the transaction response to a parsed request: To-Path is the
 * first URI of the request's From-Path, From-Path the first URI of its
 * To-Path (hop by hop, RFC 4975 section 7.2). comment NULL gives the
 * standard text. Errors as cairn_msrp_write, plus CAIRN_ERR_INVALID_ARG
 * for a request without paths or a code outside 200..999. */
cairn_status cairn_msrp_write_response(cairn__buf *out,
                                       const cairn_msrp_msg *req, int code,
                                       const char *comment);

/* Appends a REPORT for the SEND `send` with a new transaction id `tid`:
 * To-Path is the SEND's whole From-Path, From-Path the first URI of its
 * To-Path, same Message-ID, Byte-Range start-end/total (end or total may
 * be CAIRN_MSRP_UNKNOWN) and "Status: 000 <code> <comment>". */
cairn_status cairn_msrp_write_report(cairn__buf *out, const char *tid,
                                     const cairn_msrp_msg *send,
                                     const cairn_msrp_range *range, int code,
                                     const char *comment);

/* Reporting rules (RFC 4975 sections 7.1.1-7.1.2, MSRP-REPORT-1..4). */
/* Whether `code` must be answered with a transaction response. */
bool cairn_msrp_wants_response(const cairn_msrp_msg *req, int code);
/* Whether a success REPORT is wanted once the message is received. */
bool cairn_msrp_wants_success_report(const cairn_msrp_msg *req);
/* Whether a failure REPORT may be sent for this request. */
bool cairn_msrp_wants_failure_report(const cairn_msrp_msg *req);

/* ----------------------------------------------------------- chunking */

/*
 * Splits one message into SEND chunks of at most chunk_max body bytes with
 * exact Byte-Ranges. The chunker keeps pointers to tmpl's strings and to
 * data (not owned): they must outlive it. tmpl gives To-Path, From-Path,
 * Message-ID, Content-Type, Success-Report, Failure-Report and extras;
 * tmpl->tid and range are ignored. chunk_max 0 means CAIRN_MSRP_CHUNK_MAX;
 * larger than CAIRN_MSRP_CHUNK_MAX is refused (MSRP-CHUNK-1).
 */
typedef struct cairn_msrp_chunker {
    const cairn_context *ctx;
    const cairn_msrp_msg *tmpl;
    const uint8_t *data;
    size_t len;
    size_t off;
    size_t chunk_max;
    bool done;
} cairn_msrp_chunker;

cairn_status cairn_msrp_chunker_init(cairn_msrp_chunker *c,
                                     const cairn_context *ctx,
                                     const cairn_msrp_msg *tmpl,
                                     const uint8_t *data, size_t len,
                                     size_t chunk_max);
/* Appends the next chunk (fresh random tid, returned in tid_out of
 * CAIRN_MSRP_TID_BUF bytes; the session matches the 200 with it). An empty
 * message gives one chunk 1-0/0. Errors: CAIRN_ERR_STATE when done, or as
 * cairn_msrp_write. The chunker does not advance on error. */
cairn_status cairn_msrp_chunker_next(cairn_msrp_chunker *c, cairn__buf *out,
                                     char *tid_out);
bool cairn_msrp_chunker_done(const cairn_msrp_chunker *c);

/* ------------------------------------------------------- reassembly */

typedef struct cairn_msrp_reasm cairn_msrp_reasm;

typedef struct cairn_msrp_reasm_limits {
    size_t max_message;   /* bytes per message (default 4 MiB) */
    size_t max_messages;  /* concurrent partial messages (default 16) */
    size_t max_total;     /* bytes over all partial messages (16 MiB) */
    size_t max_pieces;    /* disjoint received ranges per message (256) */
} cairn_msrp_reasm_limits;

/* What cairn_msrp_reasm_end reports. */
typedef enum cairn_msrp_reasm_state {
    CAIRN_MSRP_REASM_PENDING = 0,  /* more chunks needed */
    CAIRN_MSRP_REASM_COMPLETE = 1, /* cairn_msrp_reasm_take now works */
    CAIRN_MSRP_REASM_ABORTED = 2   /* sender aborted ('#'); state dropped */
} cairn_msrp_reasm_state;

/* Creates a reassembler (limits NULL = defaults); destroy(NULL) no-op. */
CAIRN_MUST_CHECK cairn_status cairn_msrp_reasm_create(
    const cairn_context *ctx, const cairn_msrp_reasm_limits *limits,
    cairn_msrp_reasm **out);
void cairn_msrp_reasm_destroy(cairn_msrp_reasm *r);

/*
 * Drive it from the parser callbacks of one SEND chunk: start, body*, end.
 * start errors (nothing stored, chunk must be refused with the given
 * response): CAIRN_ERR_DECODE (not a SEND, no Message-ID, or m->error:
 * answer 400; a missing Byte-Range means 1-* of *),
 * CAIRN_ERR_TOO_LARGE (range beyond max_message: 413),
 * CAIRN_ERR_LIMIT (too many concurrent messages / bytes: 413),
 * CAIRN_ERR_PROTOCOL (total differs from an earlier chunk's: 400).
 * body errors: CAIRN_ERR_PROTOCOL (bytes past the range end or total),
 * CAIRN_ERR_TOO_LARGE, CAIRN_ERR_NOMEM; the message is then dropped.
 * Duplicate bytes overwrite with the same offsets (last write wins).
 */
CAIRN_MUST_CHECK cairn_status cairn_msrp_reasm_start(cairn_msrp_reasm *r,
                                                     const cairn_msrp_msg *m);
CAIRN_MUST_CHECK cairn_status cairn_msrp_reasm_body(cairn_msrp_reasm *r,
                                                    const uint8_t *p, size_t n);
CAIRN_MUST_CHECK cairn_status cairn_msrp_reasm_end(cairn_msrp_reasm *r,
                                                   char flag,
                                                   cairn_msrp_reasm_state *st);

/* After COMPLETE: hands over the message (free *data with
 * cairn_free(ctx, data, len)) and its Content-Type (owned copy, free with
 * cairn_free(ctx, ct, strlen+1); NULL when none). message_id selects the
 * message. Errors: CAIRN_ERR_NOT_FOUND. */
CAIRN_MUST_CHECK cairn_status cairn_msrp_reasm_take(cairn_msrp_reasm *r,
                                                    const char *message_id,
                                                    uint8_t **data, size_t *len,
                                                    char **content_type);

/* Drops partial messages older than max_age_ms (by the context clock);
 * returns how many were dropped. */
size_t cairn_msrp_reasm_expire(cairn_msrp_reasm *r, int64_t max_age_ms);
/* Partial (or complete but not taken) messages held, and their bytes. */
size_t cairn_msrp_reasm_count(const cairn_msrp_reasm *r);
size_t cairn_msrp_reasm_bytes(const cairn_msrp_reasm *r);

#ifdef __cplusplus
}
#endif
#endif
