/*
 * payload.h - the engine's payload: the bytes inside every 1:1 and group
 * ciphertext (spec/client-engine.md, "Payload", ENG-PL-*), and inside the
 * provisioning envelope of device linking.
 *
 *   payload = version:u8 (1) kind:u8 field*
 *   field   = tag:u8 length:u16be value[length]
 *
 * Invariants: the decoder never allocates and never reads past `len`; its
 * output points into the input buffer (valid as long as it is). Tags are
 * strictly ascending except that a repeatable tag may repeat back to back;
 * every kind has its required fields and only its allowed ones; the
 * encoder produces exactly what the decoder accepts (canonical form), so
 * re-encoding a decoded payload gives the same bytes.
 *
 * Flag-free: no field says how a text was composed (typed, pasted, picked
 * from a smart-reply suggestion). A picked suggestion is an ordinary TEXT.
 */
#ifndef CAIRN_ENGINE_PAYLOAD_H
#define CAIRN_ENGINE_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "cairn/account.h"
#include "cairn/export.h"

#define ENGINE_PL_VERSION 1
#define ENGINE_PL_MAX_BYTES (256u * 1024u)
#define ENGINE_PL_MAX_FIELDS 1100
#define ENGINE_PL_ID_BYTES 16
#define ENGINE_PL_MAX_REFS 64
#define ENGINE_PL_MAX_MEMBERS 1000
#define ENGINE_PL_TEXT_MAX 65535
#define ENGINE_PL_URL_MAX 2048
#define ENGINE_PL_NAME_MAX 255
#define ENGINE_PL_TYPE_MAX 127
#define ENGINE_PL_GROUP_NAME_MAX 128

typedef enum engine_pl_kind {
    ENGINE_PL_TEXT = 1,
    ENGINE_PL_RECEIPT = 2,
    ENGINE_PL_TYPING = 3,
    ENGINE_PL_FILE = 4,
    ENGINE_PL_GROUP = 5,
    ENGINE_PL_PROVISION = 6,
    ENGINE_PL_HELLO = 7
} engine_pl_kind;

typedef enum engine_pl_tag {
    ENGINE_T_MSG_ID = 0x01,
    ENGINE_T_SENT_MS = 0x02,
    ENGINE_T_BODY = 0x03,
    ENGINE_T_GROUP_ID = 0x04,
    ENGINE_T_DEST = 0x05,
    ENGINE_T_REPLY_TO = 0x06,
    ENGINE_T_RECEIPT_TYPE = 0x10,
    ENGINE_T_REF_ID = 0x11,
    ENGINE_T_TYPING = 0x18,
    ENGINE_T_FILE_URL = 0x20,
    ENGINE_T_FILE_KEY = 0x21,
    ENGINE_T_FILE_DIGEST = 0x22,
    ENGINE_T_FILE_SIZE = 0x23,
    ENGINE_T_FILE_NAME = 0x24,
    ENGINE_T_FILE_TYPE = 0x25,
    ENGINE_T_GROUP_OP = 0x30,
    ENGINE_T_GROUP_EPOCH = 0x31,
    ENGINE_T_GROUP_NAME = 0x32,
    ENGINE_T_MEMBER = 0x33,
    ENGINE_T_SUBJECT = 0x34,
    ENGINE_T_PROV_URI = 0x40,
    ENGINE_T_PROV_DEVICE = 0x41,
    ENGINE_T_PROV_ID_PUB = 0x42,
    ENGINE_T_PROV_ID_PRIV = 0x43,
    ENGINE_T_DEVICE_NAME = 0x50
} engine_pl_tag;

enum { ENGINE_RECEIPT_DELIVERED = 1, ENGINE_RECEIPT_READ = 2 };
enum { ENGINE_TYPING_IDLE = 0, ENGINE_TYPING_ACTIVE = 1 };
enum {
    ENGINE_GROUP_OP_CREATE = 1,
    ENGINE_GROUP_OP_ADD = 2,
    ENGINE_GROUP_OP_REMOVE = 3,
    ENGINE_GROUP_OP_LEAVE = 4
};

/* A byte string; for decoding it points into the input. */
typedef struct engine_pl_str {
    const uint8_t *p;
    size_t len; /* 0: absent */
} engine_pl_str;

/* One payload. For encoding, fill the fields of the kind (absent = zero
 * length / has_* 0) and, for repeated fields, refs/n_refs and
 * members/n_members. Decoding fills the same fields; repeated MEMBER
 * fields are read back with engine__payload_member(). */
typedef struct engine_payload {
    uint8_t kind;
    int has_msg_id;
    uint8_t msg_id[ENGINE_PL_ID_BYTES];
    int has_sent_ms;
    uint64_t sent_ms;
    engine_pl_str body;
    engine_pl_str group_id;
    engine_pl_str dest;
    int has_reply_to;
    uint8_t reply_to[ENGINE_PL_ID_BYTES];
    uint8_t receipt_type;
    size_t n_refs;
    uint8_t refs[ENGINE_PL_MAX_REFS][ENGINE_PL_ID_BYTES];
    int has_typing;
    uint8_t typing;
    engine_pl_str file_url;
    int has_file_key;
    uint8_t file_key[32];
    int has_file_digest;
    uint8_t file_digest[32];
    int has_file_size;
    uint64_t file_size;
    engine_pl_str file_name;
    engine_pl_str file_type;
    uint8_t group_op;
    int has_group_epoch;
    uint64_t group_epoch;
    engine_pl_str group_name;
    int has_group_name; /* GROUP_NAME may be present and empty */
    /* encode: the array; decode: NULL, and members_span covers the MEMBER
     * fields (read with engine__payload_member) */
    const cairn_address *members;
    size_t n_members;
    engine_pl_str members_span;
    engine_pl_str subject;
    engine_pl_str prov_uri;
    int has_prov_device;
    uint32_t prov_device;
    int has_prov_id;
    uint8_t prov_id_pub[CAIRN_PUBLIC_KEY_BYTES];
    uint8_t prov_id_priv[32];
    engine_pl_str device_name;
} engine_payload;

/* Decodes `len` bytes into *out (zeroed first; on failure its content is
 * unspecified and must not be used). Errors: CAIRN_ERR_VERSION (version
 * byte), CAIRN_ERR_TOO_LARGE (over ENGINE_PL_MAX_BYTES or a field cap),
 * CAIRN_ERR_DECODE (anything else malformed: ENG-PL-1..12). */
CAIRN_MUST_CHECK cairn_status engine__payload_decode(const uint8_t *in, size_t len,
                                                     engine_payload *out);

/* Encodes *p; *out is allocated with ctx (free with cairn__free_secret,
 * it may carry key material). Checks the same rules as the decoder:
 * CAIRN_ERR_INVALID_ARG when *p would not decode. */
CAIRN_MUST_CHECK cairn_status engine__payload_encode(const cairn_context *ctx,
                                                     const engine_payload *p, uint8_t **out,
                                                     size_t *out_len);

/* Reads the i-th member (0-based) of a decoded GROUP payload by walking
 * *off (start at 0). uri is copied into uri_buf (CAIRN_URI_MAX + 1).
 * CAIRN_ERR_NOT_FOUND after the last. */
cairn_status engine__payload_member(const engine_payload *p, size_t *off, cairn_address *out,
                                    char uri_buf[CAIRN_URI_MAX + 1]);

/* Checks a UTF-8 string (no NUL, no overlong or surrogate forms). */
int engine__utf8_valid(const uint8_t *p, size_t len);
/* Checks a URI the way the payload needs it: 1..CAIRN_URI_MAX bytes,
 * sip:/sips:/tel:, no control characters, space or '|'. */
int engine__uri_valid(const uint8_t *p, size_t len);

#endif
