/*
 * sip_addr.h - zero-copy views of SIP header values: URIs (sip:, sips:,
 * tel:), name-addr / addr-spec (From, To, Contact...), ";name=value"
 * parameters, Via, CSeq and numeric headers; plus generators for branch
 * and tag values and a strict name-addr writer.
 *
 * Invariants: parsers never allocate and never write past the view they
 * were given; every result is a cairn_sip_str slice into the caller's
 * input, which must outlive the result. Slices are not NUL-terminated.
 * Quoted values are returned without their quotes but with backslash
 * escapes left in place.
 */
#ifndef CAIRN_SIP_ADDR_H
#define CAIRN_SIP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/sip.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A slice of someone else's bytes; {NULL, 0} or {p, 0} means empty. */
typedef struct cairn_sip_str {
    const char *p;
    size_t len;
} cairn_sip_str;

/* Case-sensitive / case-insensitive comparison with a C string. */
bool cairn_sip_str_eq(cairn_sip_str s, const char *lit);
bool cairn_sip_str_ieq(cairn_sip_str s, const char *lit);
/* A slice of a C string (NULL gives the empty slice). */
cairn_sip_str cairn_sip_str_of(const char *s);

/* ---- parameters -------------------------------------------------------- */

/* Walks ";name[=value]" parameters. *cursor is advanced past the one
 * returned. value is empty for a flag parameter; quoted values come
 * without quotes. Returns CAIRN_OK, CAIRN_ERR_NOT_FOUND at the end, or
 * CAIRN_ERR_DECODE (no ';', empty name, unterminated quote). */
CAIRN_MUST_CHECK cairn_status cairn_sip_param_next(cairn_sip_str *cursor, cairn_sip_str *name,
                                                   cairn_sip_str *value);

/* Finds the first parameter called name (case-insensitive). CAIRN_OK with
 * *value set (value may be NULL), CAIRN_ERR_NOT_FOUND, CAIRN_ERR_DECODE. */
CAIRN_MUST_CHECK cairn_status cairn_sip_param_get(cairn_sip_str params, const char *name,
                                                  cairn_sip_str *value);

/* ---- URIs -------------------------------------------------------------- */

typedef enum cairn_sip_scheme {
    CAIRN_SIP_SCHEME_SIP = 1,
    CAIRN_SIP_SCHEME_SIPS,
    CAIRN_SIP_SCHEME_TEL
} cairn_sip_scheme;

typedef struct cairn_sip_uri {
    cairn_sip_scheme scheme;
    cairn_sip_str user;     /* sip(s): user part (may be empty); tel: number */
    cairn_sip_str password; /* sip(s): after ':' in userinfo, usually empty */
    cairn_sip_str host;     /* sip(s): host, IPv6 with brackets; tel: empty */
    uint16_t port;          /* 0 when absent */
    cairn_sip_str params;   /* ";a=b;c" (with the leading ';') or empty */
    cairn_sip_str headers;  /* after '?' or empty */
} cairn_sip_uri;

/* Parses a sip:, sips: or tel: URI (scheme any case). Errors:
 * CAIRN_ERR_DECODE (malformed: empty host, bad port, bad characters),
 * CAIRN_ERR_UNSUPPORTED (another scheme). */
CAIRN_MUST_CHECK cairn_status cairn_sip_uri_parse(const char *s, size_t len, cairn_sip_uri *out);

/* ---- name-addr / addr-spec --------------------------------------------- */

typedef struct cairn_sip_addr {
    cairn_sip_str display;  /* display name without quotes, or empty */
    cairn_sip_str uri_text; /* the URI text (inside <> for a name-addr) */
    cairn_sip_uri uri;
    cairn_sip_str params; /* header parameters after the URI (";tag=...") */
    bool star;            /* Contact: * (then uri is zeroed) */
} cairn_sip_addr;

/* Parses a From/To/Contact/P-Asserted-Identity... value: a name-addr
 * ("Bob" <sip:bob@b.example>;tag=x) or an addr-spec (sip:bob@b.example;
 * tag=x, where ';' starts header parameters as RFC 3261 section 20.10
 * says), or "*" when allow_star. Errors as cairn_sip_uri_parse. */
CAIRN_MUST_CHECK cairn_status cairn_sip_addr_parse(const char *s, size_t len, bool allow_star,
                                                   cairn_sip_addr *out);

/* Writes a name-addr: ["display" ]<uri>[;tag=tag]. display is quoted with
 * '"' and '\' escaped; NULL/"" omits it. uri must parse; display, uri and
 * tag must not contain CR/LF/NUL; tag must be a token.
 * Errors: CAIRN_ERR_INVALID_ARG, CAIRN_ERR_TOO_LARGE/NOMEM from out. */
cairn_status cairn_sip_addr_format(struct cairn__buf *out, const char *display, const char *uri,
                                   const char *tag);

/* ---- Via, CSeq --------------------------------------------------------- */

typedef struct cairn_sip_via {
    cairn_sip_str transport; /* "UDP", "TCP", "TLS", "WS", "WSS"... */
    cairn_sip_str host;      /* sent-by host, IPv6 with brackets */
    uint16_t port;           /* 0 when absent */
    cairn_sip_str branch;    /* empty when absent */
    cairn_sip_str received;  /* empty when absent */
    bool has_rport;          /* rport present (RFC 3581) */
    uint16_t rport;          /* its value, 0 for the bare flag */
    cairn_sip_str params;    /* all parameters, with leading ';' */
} cairn_sip_via;

/* Parses one Via value "SIP/2.0/TCP host:port;branch=...". Errors:
 * CAIRN_ERR_DECODE, CAIRN_ERR_VERSION (not SIP/2.0). */
CAIRN_MUST_CHECK cairn_status cairn_sip_via_parse(const char *s, size_t len, cairn_sip_via *out);

/* Parses "4711 INVITE": the number (< 2^31, RFC 3261 section 8.1.1.5) and
 * the method token. Errors: CAIRN_ERR_DECODE. */
CAIRN_MUST_CHECK cairn_status cairn_sip_cseq_parse(const char *s, size_t len, uint32_t *num,
                                                   cairn_sip_str *method);

/* ---- message shortcuts (slices point into the message) ----------------- */

/* Parses the idx-th header of that name with the matching parser above.
 * CAIRN_ERR_NOT_FOUND when absent, else the parser's status. */
CAIRN_MUST_CHECK cairn_status cairn_sip_msg_via(const cairn_sip_msg *m, size_t idx,
                                                cairn_sip_via *out);
CAIRN_MUST_CHECK cairn_status cairn_sip_msg_addr(const cairn_sip_msg *m, const char *name,
                                                 size_t idx, cairn_sip_addr *out);
CAIRN_MUST_CHECK cairn_status cairn_sip_msg_cseq(const cairn_sip_msg *m, uint32_t *num,
                                                 cairn_sip_str *method);
/* The tag parameter of From or To; empty slice (and CAIRN_OK) when the
 * header has no tag. */
CAIRN_MUST_CHECK cairn_status cairn_sip_msg_tag(const cairn_sip_msg *m, const char *name,
                                                cairn_sip_str *tag);
/* A decimal header such as Expires, Max-Forwards or Min-Expires (at most
 * 2^32-1). CAIRN_ERR_NOT_FOUND, CAIRN_ERR_DECODE. */
CAIRN_MUST_CHECK cairn_status cairn_sip_msg_uint(const cairn_sip_msg *m, const char *name,
                                                 uint32_t *out);

/* ---- generators -------------------------------------------------------- */

/* A Via branch: "z9hG4bK" + 32 lowercase hex random digits (RFC 3261
 * magic cookie, SIP-30). out must hold CAIRN_SIP_BRANCH_SIZE bytes. */
#define CAIRN_SIP_BRANCH_SIZE 40
cairn_status cairn_sip_branch_new(const cairn_context *ctx, char out[CAIRN_SIP_BRANCH_SIZE]);
/* A From/To tag or Call-ID: 32 lowercase hex random digits, NUL-ended. */
#define CAIRN_SIP_TOKEN_SIZE 33
cairn_status cairn_sip_token_new(const cairn_context *ctx, char out[CAIRN_SIP_TOKEN_SIZE]);

#ifdef __cplusplus
}
#endif
#endif
