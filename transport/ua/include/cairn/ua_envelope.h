/*
 * ua_envelope.h - the CPIM envelope in which Cairn's Signal ciphertexts
 * travel over RCS (spec/transport-binding.md, BIND-ENV-1..9).
 *
 * In the clear: From, To, DateTime, the imdn namespace and
 * imdn.Message-ID (plus imdn.Disposition-Notification only when the
 * interop option asks for plaintext IMDNs), and the cairn namespace
 * (NS: cairn <urn:cairn:params>) with cairn.Type and, for group messages,
 * cairn.Device and cairn.Group. The inner MIME part is the ciphertext with
 * Content-Type application/vnd.cairn.signal. Receipts, typing, file
 * descriptors (with file key and digest) are INSIDE the ciphertext.
 *
 * The parser is strict on purpose: an envelope with any other clear
 * header (Subject, cc, unknown namespaces, extra MIME headers) is refused,
 * so a sender cannot leak metadata through it by mistake and a receiver
 * never acts on unauthenticated fields beyond routing.
 *
 * Ownership: build returns a buffer the caller frees with cairn_free(ctx,
 * p, len); parse returns a handle (cairn_ua_envelope_free, NULL no-op)
 * whose view and strings live until it is freed.
 */
#ifndef CAIRN_UA_ENVELOPE_H
#define CAIRN_UA_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/context.h"
#include "cairn/export.h"
#include "cairn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_UA_ENVELOPE_CT "application/vnd.cairn.signal"
#define CAIRN_UA_ENVELOPE_NS "urn:cairn:params"
#define CAIRN_UA_ENVELOPE_GROUP_MAX 128u
#define CAIRN_UA_ENVELOPE_ID_MAX 128u

typedef enum cairn_ua_envelope_type {
    CAIRN_UA_ENV_PREKEY = 1,      /* "prekey": X3DH-initiating message */
    CAIRN_UA_ENV_NORMAL = 2,      /* "normal": ratchet message */
    CAIRN_UA_ENV_SENDER_KEY = 3,  /* "sender-key": group message */
    CAIRN_UA_ENV_DISTRIBUTION = 4 /* "distribution": sender-key distribution */
} cairn_ua_envelope_type;

typedef struct cairn_ua_envelope {
    const char *from;        /* sender URI, e.g. "sip:alice@example.org" */
    const char *to;          /* recipient (or group conference) URI */
    int64_t datetime_ms;     /* ms since the epoch, written as RFC 3339 UTC */
    const char *message_id;  /* imdn.Message-ID: 1..128 token characters */
    const char *disposition; /* imdn.Disposition-Notification; written only
                                with plaintext_imdn, NULL otherwise */
    cairn_ua_envelope_type type;
    uint32_t device;   /* sender device id; required for group types */
    const char *group; /* group id; required for group types */
    const uint8_t *ciphertext;
    size_t len;
} cairn_ua_envelope;

/* Writes the envelope (BIND-ENV-1..6). plaintext_imdn: the interop option
 * that puts imdn.Disposition-Notification in the clear (BIND-ENV-4).
 * Errors: CAIRN_ERR_INVALID_ARG (missing or malformed field, group fields
 * on a 1:1 type or missing on a group type, CR/LF in a value),
 * CAIRN_ERR_NOMEM. */
cairn_status cairn_ua_envelope_build(const cairn_context *ctx, const cairn_ua_envelope *e,
                                     bool plaintext_imdn, uint8_t **out, size_t *out_len);

typedef struct cairn_ua_envelope_parsed cairn_ua_envelope_parsed;

/* Parses and checks an envelope (BIND-ENV-7..9). On success *view points
 * into *out. Errors: CAIRN_ERR_DECODE (not CPIM, missing or repeated
 * field, unknown clear header, wrong inner type, bad type/device/group),
 * CAIRN_ERR_UNSUPPORTED (a Content-Encoding), CAIRN_ERR_TOO_LARGE,
 * CAIRN_ERR_NOMEM. */
CAIRN_MUST_CHECK cairn_status cairn_ua_envelope_parse(const cairn_context *ctx, const uint8_t *in,
                                                      size_t len, cairn_ua_envelope_parsed **out,
                                                      const cairn_ua_envelope **view);
void cairn_ua_envelope_free(cairn_ua_envelope_parsed *p);

/* "prekey", "normal", "sender-key", "distribution"; NULL if unknown. */
const char *cairn_ua_envelope_type_name(cairn_ua_envelope_type t);

#ifdef __cplusplus
}
#endif
#endif
