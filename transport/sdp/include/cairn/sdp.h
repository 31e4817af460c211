/*
 * sdp.h - SDP (RFC 8866, formerly RFC 4566) as RCS uses it: session
 * descriptions offering MSRP sessions (RFC 4975 section 8, RFC 6135 for
 * a=setup, RFC 5547 for a=file-selector). A generic bounded parser that
 * keeps every line (so serialization is lossless), typed accessors, and
 * a strict builder for the MSRP offer/answer Cairn sends.
 *
 * Component-internal API. The profile is in spec/transport-sip.md
 * (identifiers SDP-n).
 *
 * Invariants: reading is liberal but bounded (LF-only line ends, spaces
 * after '=', unknown line types and attributes tolerated; total size, line
 * length, line count and media count capped). Writing is strict (CRLF,
 * fixed line order, no CR/LF/NUL inside values).
 *
 * Ownership: a cairn_sdp owns a copy of the parsed text; every
 * cairn_sdp_str it returns points into that copy and lives until
 * cairn_sdp_free (NULL is a no-op). Nothing passed in is kept.
 */
#ifndef CAIRN_SDP_H
#define CAIRN_SDP_H

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
typedef struct cairn_sdp cairn_sdp;

/* A slice of the description's text (not NUL-terminated). */
typedef struct cairn_sdp_str {
    const char *p;
    size_t len;
} cairn_sdp_str;

bool cairn_sdp_str_eq(cairn_sdp_str s, const char *lit);
bool cairn_sdp_str_ieq(cairn_sdp_str s, const char *lit);

/* Caps (SDP-20); zero fields mean the default. */
typedef struct cairn_sdp_limits {
    size_t max_bytes; /* whole description, default 16384 */
    size_t max_line;  /* one line, default 4096 */
    size_t max_lines; /* default 256 */
    size_t max_media; /* m= sections, default 16 */
} cairn_sdp_limits;

#define CAIRN_SDP_DEFAULT_MAX_BYTES 16384u
#define CAIRN_SDP_DEFAULT_MAX_LINE 4096u
#define CAIRN_SDP_DEFAULT_MAX_LINES 256u
#define CAIRN_SDP_DEFAULT_MAX_MEDIA 16u

/* Session-level index for the functions taking a media index. */
#define CAIRN_SDP_SESSION ((size_t)-1)

typedef struct cairn_sdp_origin {
    cairn_sdp_str username, sess_id, sess_version, nettype, addrtype, addr;
} cairn_sdp_origin;

typedef struct cairn_sdp_media {
    cairn_sdp_str media; /* "message" */
    uint16_t port;
    cairn_sdp_str proto; /* "TCP/MSRP", "TCP/TLS/MSRP" */
    cairn_sdp_str fmts;  /* "*" for MSRP; the rest of the m= line */
} cairn_sdp_media;

/* Parses data[0..len). Requires v=0 first, then o= (six fields) and s=;
 * c= must be "IN <addrtype> <addr>", m= "<media> <port>[/n] <proto> <fmt>
 * ...", a= a non-empty name. Errors: CAIRN_ERR_DECODE (malformed, NUL or
 * bare CR), CAIRN_ERR_VERSION (v= not 0), CAIRN_ERR_TOO_LARGE (size or a
 * line over its cap), CAIRN_ERR_LIMIT (too many lines or media),
 * CAIRN_ERR_NOMEM. On success *out is the caller's; on error NULL. */
CAIRN_MUST_CHECK cairn_status cairn_sdp_parse(const cairn_context *ctx, const cairn_sdp_limits *lim,
                                              const uint8_t *data, size_t len, cairn_sdp **out);
void cairn_sdp_free(cairn_sdp *s);

const cairn_sdp_origin *cairn_sdp_origin_get(const cairn_sdp *s);
cairn_sdp_str cairn_sdp_session_name(const cairn_sdp *s);
size_t cairn_sdp_media_count(const cairn_sdp *s);
/* NULL past the end. */
const cairn_sdp_media *cairn_sdp_media_at(const cairn_sdp *s, size_t i);

/* The connection address for media i: its own c= line, else the
 * session's (i may be CAIRN_SDP_SESSION). CAIRN_ERR_NOT_FOUND if none. */
cairn_status cairn_sdp_connection(const cairn_sdp *s, size_t media, cairn_sdp_str *addrtype,
                                  cairn_sdp_str *addr);

/* The nth a=<name>[:value] of the session or of media i (name
 * case-insensitive); *value empty for a flag. CAIRN_ERR_NOT_FOUND. */
cairn_status cairn_sdp_attr(const cairn_sdp *s, size_t media, const char *name, size_t nth,
                            cairn_sdp_str *value);

/* Iterates every line: type letter and value. CAIRN_ERR_NOT_FOUND past
 * the end. *media is the media index or CAIRN_SDP_SESSION. */
cairn_status cairn_sdp_line_at(const cairn_sdp *s, size_t i, char *type, cairn_sdp_str *value,
                               size_t *media);

/* Appends every line, in order, with CRLF ends. Buffer errors from out
 * (out->len restored). */
cairn_status cairn_sdp_serialize(const cairn_sdp *s, struct cairn__buf *out);

/* ---- MSRP (RFC 4975 section 8) ----------------------------------------- */

typedef enum cairn_sdp_setup {
    CAIRN_SDP_SETUP_NONE = 0, /* absent: RFC 4975 default (offerer active) */
    CAIRN_SDP_SETUP_ACTIVE,
    CAIRN_SDP_SETUP_PASSIVE,
    CAIRN_SDP_SETUP_ACTPASS,
    CAIRN_SDP_SETUP_HOLDCONN
} cairn_sdp_setup;

#define CAIRN_SDP_MAX_PATH 16

typedef struct cairn_sdp_msrp {
    bool tls; /* TCP/TLS/MSRP */
    uint16_t port;
    cairn_sdp_str addrtype, addr;
    cairn_sdp_str path; /* the whole a=path value */
    size_t path_count;  /* URIs in it, each msrp:// or msrps:// */
    cairn_sdp_str path_uri[CAIRN_SDP_MAX_PATH];
    cairn_sdp_setup setup;
    cairn_sdp_str accept_types;         /* space-separated */
    cairn_sdp_str accept_wrapped_types; /* empty when absent */
    bool has_max_size;
    uint64_t max_size;
    cairn_sdp_str file_selector; /* raw, empty when absent */
} cairn_sdp_msrp;

/* Index of the first m=message section with an MSRP protocol.
 * CAIRN_ERR_NOT_FOUND when there is none. */
cairn_status cairn_sdp_msrp_find(const cairn_sdp *s, size_t *media);

/* Reads the MSRP parameters of media i. Errors: CAIRN_ERR_UNSUPPORTED
 * (not message over TCP/MSRP or TCP/TLS/MSRP), CAIRN_ERR_DECODE (a=path
 * or a=accept-types missing, a path URI not msrp(s)://, an unknown setup
 * role, a bad max-size, no connection address), CAIRN_ERR_LIMIT (more
 * than CAIRN_SDP_MAX_PATH path URIs), CAIRN_ERR_NOT_FOUND (no media i). */
CAIRN_MUST_CHECK cairn_status cairn_sdp_msrp_get(const cairn_sdp *s, size_t media,
                                                 cairn_sdp_msrp *out);

/* What Cairn offers or answers for one MSRP session. */
typedef struct cairn_sdp_msrp_offer {
    const char *origin_user; /* NULL gives "-" */
    uint64_t sess_id, sess_version;
    const char *addr; /* IP literal or host; ':' in it means IP6 */
    uint16_t port;    /* non-zero (RFC 4975: ignored but set) */
    bool tls;
    const char *path;                 /* space-separated msrp(s):// URIs, required */
    cairn_sdp_setup setup;            /* NONE omits a=setup */
    const char *accept_types;         /* required, e.g. "message/cpim" */
    const char *accept_wrapped_types; /* NULL omits */
    uint64_t max_size;                /* 0 omits */
    const char *file_selector;        /* NULL omits */
    const char *direction;            /* NULL omits; else sendrecv/sendonly/recvonly/inactive */
} cairn_sdp_msrp_offer;

/* Appends the description (SDP-10): v, o, s=-, c, t=0 0, m=message,
 * then a=accept-types, accept-wrapped-types, max-size, path, setup,
 * file-selector, direction. Refuses (CAIRN_ERR_INVALID_ARG) missing
 * fields, CR/LF in any string, a path URI whose scheme does not match tls
 * (msrps:// with TLS). Buffer errors from out (out->len restored). */
cairn_status cairn_sdp_msrp_build(const cairn_sdp_msrp_offer *o, struct cairn__buf *out);

#ifdef __cplusplus
}
#endif
#endif
