/*
 * payload.c - bounded encoder and decoder of the engine payload
 * (spec/client-engine.md ENG-PL-1..14; layout in payload.h).
 *
 * The decoder is a single pass over TLV fields with a fixed table saying,
 * per tag, which kinds allow it and which require it. It allocates nothing;
 * strings point into the input. The encoder writes fields in tag order and
 * then runs the decoder over its own output, so anything it emits is
 * exactly what a receiver accepts (and a caller mistake is reported as
 * CAIRN_ERR_INVALID_ARG instead of going on the wire).
 */
#include <string.h>

#include "cairn/group.h"
#include "payload.h"

#define K(x) (1u << (x))
#define K_ALL (K(1) | K(2) | K(3) | K(4) | K(5) | K(6) | K(7))

typedef struct tag_rule {
    uint8_t tag;
    unsigned allowed;  /* kinds that may carry it */
    unsigned required; /* kinds that must carry it */
    int repeatable;
} tag_rule;

static const tag_rule RULES[] = {
    {ENGINE_T_MSG_ID, K(1) | K(4) | K(5), K(1) | K(4) | K(5), 0},
    {ENGINE_T_SENT_MS, K_ALL, K_ALL, 0},
    {ENGINE_T_BODY, K(1), K(1), 0},
    {ENGINE_T_GROUP_ID, K(1) | K(3) | K(4) | K(5), K(5), 0},
    {ENGINE_T_DEST, K(1) | K(2) | K(4), 0, 0},
    {ENGINE_T_REPLY_TO, K(1) | K(4), 0, 0},
    {ENGINE_T_RECEIPT_TYPE, K(2), K(2), 0},
    {ENGINE_T_REF_ID, K(2), K(2), 1},
    {ENGINE_T_TYPING, K(3), K(3), 0},
    {ENGINE_T_FILE_URL, K(4), K(4), 0},
    {ENGINE_T_FILE_KEY, K(4), K(4), 0},
    {ENGINE_T_FILE_DIGEST, K(4), K(4), 0},
    {ENGINE_T_FILE_SIZE, K(4), K(4), 0},
    {ENGINE_T_FILE_NAME, K(4), 0, 0},
    {ENGINE_T_FILE_TYPE, K(4), 0, 0},
    {ENGINE_T_GROUP_OP, K(5), K(5), 0},
    {ENGINE_T_GROUP_EPOCH, K(5), K(5), 0},
    {ENGINE_T_GROUP_NAME, K(5), 0, 0},
    {ENGINE_T_MEMBER, K(5), 0, 1},
    {ENGINE_T_SUBJECT, K(5), 0, 0},
    {ENGINE_T_PROV_URI, K(6), K(6), 0},
    {ENGINE_T_PROV_DEVICE, K(6), K(6), 0},
    {ENGINE_T_PROV_ID_PUB, K(6), K(6), 0},
    {ENGINE_T_PROV_ID_PRIV, K(6), K(6), 0},
    {ENGINE_T_DEVICE_NAME, K(6) | K(7), 0, 0},
};

static const tag_rule *rule_for(uint8_t tag)
{
    for (size_t i = 0; i < CAIRN_ARRAY_LEN(RULES); i++)
        if (RULES[i].tag == tag)
            return &RULES[i];
    return NULL;
}

int engine__utf8_valid(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = p[i];
        size_t n;
        uint32_t cp;
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (len - i - 1 < n)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += n + 1;
    }
    return 1;
}

int engine__uri_valid(const uint8_t *p, size_t len)
{
    if (len == 0 || len > CAIRN_URI_MAX)
        return 0;
    if (!((len > 4 && memcmp(p, "sip:", 4) == 0) || (len > 5 && memcmp(p, "sips:", 5) == 0) ||
          (len > 4 && memcmp(p, "tel:", 4) == 0)))
        return 0;
    for (size_t i = 0; i < len; i++)
        if (p[i] <= 0x20 || p[i] == 0x7f || p[i] == '|')
            return 0;
    return engine__utf8_valid(p, len);
}

/* Printable text without control characters (names shown to users). */
static int text_valid(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] < 0x20 || p[i] == 0x7f)
            return 0;
    return engine__utf8_valid(p, len);
}

static int ascii_token(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i] <= 0x20 || p[i] >= 0x7f)
            return 0;
    return 1;
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int member_valid(const uint8_t *v, size_t n)
{
    uint32_t dev;
    if (n < 5)
        return 0;
    dev = get32(v);
    return dev >= 1 && dev <= 0x7fffffff && engine__uri_valid(v + 4, n - 4);
}

static int file_name_valid(const uint8_t *v, size_t n)
{
    if (n == 0 || n > ENGINE_PL_NAME_MAX || !text_valid(v, n))
        return 0;
    if ((n == 1 && v[0] == '.') || (n == 2 && v[0] == '.' && v[1] == '.'))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] == '/' || v[i] == '\\')
            return 0;
    return 1;
}

static int group_id_valid(const uint8_t *v, size_t n)
{
    if (n == 0 || n > CAIRN_GROUP_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] <= 0x20 || v[i] == 0x7f || v[i] == '|')
            return 0;
    return engine__utf8_valid(v, n);
}

/* Stores one field's value into *out after checking it (ENG-PL-6..11). */
static cairn_status take_field(engine_payload *out, uint8_t tag, const uint8_t *v, size_t n)
{
    switch (tag) {
    case ENGINE_T_MSG_ID:
    case ENGINE_T_REPLY_TO:
    case ENGINE_T_REF_ID:
        if (n != ENGINE_PL_ID_BYTES)
            return CAIRN_ERR_DECODE;
        if (tag == ENGINE_T_MSG_ID) {
            memcpy(out->msg_id, v, n);
            out->has_msg_id = 1;
        } else if (tag == ENGINE_T_REPLY_TO) {
            memcpy(out->reply_to, v, n);
            out->has_reply_to = 1;
        } else {
            if (out->n_refs >= ENGINE_PL_MAX_REFS)
                return CAIRN_ERR_TOO_LARGE;
            memcpy(out->refs[out->n_refs++], v, n);
        }
        return CAIRN_OK;
    case ENGINE_T_SENT_MS:
    case ENGINE_T_FILE_SIZE:
    case ENGINE_T_GROUP_EPOCH:
        if (n != 8)
            return CAIRN_ERR_DECODE;
        if (tag == ENGINE_T_SENT_MS) {
            out->sent_ms = get64(v);
            out->has_sent_ms = 1;
        } else if (tag == ENGINE_T_FILE_SIZE) {
            out->file_size = get64(v);
            out->has_file_size = 1;
        } else {
            out->group_epoch = get64(v);
            out->has_group_epoch = 1;
        }
        return CAIRN_OK;
    case ENGINE_T_BODY:
        if (n == 0 || !engine__utf8_valid(v, n))
            return CAIRN_ERR_DECODE;
        out->body = (engine_pl_str){v, n};
        return CAIRN_OK;
    case ENGINE_T_GROUP_ID:
        if (!group_id_valid(v, n))
            return CAIRN_ERR_DECODE;
        out->group_id = (engine_pl_str){v, n};
        return CAIRN_OK;
    case ENGINE_T_DEST:
    case ENGINE_T_SUBJECT:
    case ENGINE_T_PROV_URI:
        if (!engine__uri_valid(v, n))
            return CAIRN_ERR_DECODE;
        if (tag == ENGINE_T_DEST)
            out->dest = (engine_pl_str){v, n};
        else if (tag == ENGINE_T_SUBJECT)
            out->subject = (engine_pl_str){v, n};
        else
            out->prov_uri = (engine_pl_str){v, n};
        return CAIRN_OK;
    case ENGINE_T_RECEIPT_TYPE:
        if (n != 1 || (v[0] != ENGINE_RECEIPT_DELIVERED && v[0] != ENGINE_RECEIPT_READ))
            return CAIRN_ERR_DECODE;
        out->receipt_type = v[0];
        return CAIRN_OK;
    case ENGINE_T_TYPING:
        if (n != 1 || v[0] > ENGINE_TYPING_ACTIVE)
            return CAIRN_ERR_DECODE;
        out->typing = v[0];
        out->has_typing = 1;
        return CAIRN_OK;
    case ENGINE_T_FILE_URL:
        if (n == 0 || n > ENGINE_PL_URL_MAX || !ascii_token(v, n))
            return CAIRN_ERR_DECODE;
        out->file_url = (engine_pl_str){v, n};
        return CAIRN_OK;
    case ENGINE_T_FILE_KEY:
    case ENGINE_T_FILE_DIGEST:
        if (n != 32)
            return CAIRN_ERR_DECODE;
        if (tag == ENGINE_T_FILE_KEY) {
            memcpy(out->file_key, v, 32);
            out->has_file_key = 1;
        } else {
            memcpy(out->file_digest, v, 32);
            out->has_file_digest = 1;
        }
        return CAIRN_OK;
    case ENGINE_T_FILE_NAME:
        if (!file_name_valid(v, n))
            return CAIRN_ERR_DECODE;
        out->file_name = (engine_pl_str){v, n};
        return CAIRN_OK;
    case ENGINE_T_FILE_TYPE:
        if (n == 0 || n > ENGINE_PL_TYPE_MAX || !ascii_token(v, n))
            return CAIRN_ERR_DECODE;
        out->file_type = (engine_pl_str){v, n};
        return CAIRN_OK;
    case ENGINE_T_GROUP_OP:
        if (n != 1 || v[0] < ENGINE_GROUP_OP_CREATE || v[0] > ENGINE_GROUP_OP_LEAVE)
            return CAIRN_ERR_DECODE;
        out->group_op = v[0];
        return CAIRN_OK;
    case ENGINE_T_GROUP_NAME:
        if (n > ENGINE_PL_GROUP_NAME_MAX || !text_valid(v, n))
            return CAIRN_ERR_DECODE;
        out->group_name = (engine_pl_str){v, n};
        out->has_group_name = 1;
        return CAIRN_OK;
    case ENGINE_T_MEMBER:
        if (!member_valid(v, n))
            return CAIRN_ERR_DECODE;
        if (out->n_members >= ENGINE_PL_MAX_MEMBERS)
            return CAIRN_ERR_TOO_LARGE;
        if (out->n_members == 0)
            out->members_span.p = v - 3;
        out->members_span.len = (size_t)(v + n - out->members_span.p);
        out->n_members++;
        return CAIRN_OK;
    case ENGINE_T_PROV_DEVICE:
        if (n != 4 || get32(v) == 0 || get32(v) > 0x7fffffff)
            return CAIRN_ERR_DECODE;
        out->prov_device = get32(v);
        out->has_prov_device = 1;
        return CAIRN_OK;
    case ENGINE_T_PROV_ID_PUB:
        if (n != CAIRN_PUBLIC_KEY_BYTES || v[0] != 0x05)
            return CAIRN_ERR_DECODE;
        memcpy(out->prov_id_pub, v, n);
        out->has_prov_id |= 1;
        return CAIRN_OK;
    case ENGINE_T_PROV_ID_PRIV:
        if (n != 32)
            return CAIRN_ERR_DECODE;
        memcpy(out->prov_id_priv, v, n);
        out->has_prov_id |= 2;
        return CAIRN_OK;
    case ENGINE_T_DEVICE_NAME:
        if (n == 0 || n > 64 || !text_valid(v, n))
            return CAIRN_ERR_DECODE;
        out->device_name = (engine_pl_str){v, n};
        return CAIRN_OK;
    default:
        return CAIRN_ERR_DECODE;
    }
}

cairn_status engine__payload_decode(const uint8_t *in, size_t len, engine_payload *out)
{
    cairn__reader r;
    unsigned kind_bit;
    int prev_tag = 0;
    size_t nfields = 0;
    uint32_t present[8] = {0}; /* bitmap of tags seen, for required checks */

    if (in == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    memset(out, 0, sizeof(*out));
    if (len > ENGINE_PL_MAX_BYTES)
        return CAIRN_ERR_TOO_LARGE;
    if (len < 2)
        return CAIRN_ERR_DECODE;
    if (in[0] != ENGINE_PL_VERSION) /* ENG-PL-1 */
        return CAIRN_ERR_VERSION;
    if (in[1] < ENGINE_PL_TEXT || in[1] > ENGINE_PL_HELLO) /* ENG-PL-2 */
        return CAIRN_ERR_DECODE;
    out->kind = in[1];
    kind_bit = K(out->kind);
    cairn__reader_init(&r, in + 2, len - 2);
    while (cairn__reader_left(&r) > 0) {
        uint8_t tag = cairn__read_u8(&r);
        uint16_t flen = cairn__read_u16be(&r);
        const uint8_t *v = cairn__read_bytes(&r, flen);
        const tag_rule *rule;
        cairn_status rc;
        if (r.err || tag == 0) /* ENG-PL-3 */
            return CAIRN_ERR_DECODE;
        if (++nfields > ENGINE_PL_MAX_FIELDS)
            return CAIRN_ERR_TOO_LARGE;
        rule = rule_for(tag);
        /* ENG-PL-4: ascending tags; only repeatable ones may repeat */
        if (tag < prev_tag || (tag == prev_tag && (rule == NULL || !rule->repeatable)))
            return CAIRN_ERR_DECODE;
        prev_tag = tag;
        if (rule == NULL) {
            if (tag >= 0x80) /* ENG-PL-5: extension fields are skipped */
                continue;
            return CAIRN_ERR_DECODE;
        }
        if (!(rule->allowed & kind_bit)) /* ENG-PL-6 */
            return CAIRN_ERR_DECODE;
        rc = take_field(out, tag, v, flen);
        if (rc != CAIRN_OK)
            return rc;
        present[tag / 32] |= 1u << (tag % 32);
    }
    for (size_t i = 0; i < CAIRN_ARRAY_LEN(RULES); i++) {
        if ((RULES[i].required & kind_bit) &&
            !(present[RULES[i].tag / 32] & (1u << (RULES[i].tag % 32))))
            return CAIRN_ERR_DECODE; /* ENG-PL-7 */
    }
    /* ENG-PL-8: per-kind rules the table cannot say */
    if (out->kind == ENGINE_PL_GROUP) {
        if ((out->group_op == ENGINE_GROUP_OP_ADD || out->group_op == ENGINE_GROUP_OP_REMOVE) &&
            out->subject.len == 0)
            return CAIRN_ERR_DECODE;
        if (out->group_op == ENGINE_GROUP_OP_CREATE && out->n_members == 0)
            return CAIRN_ERR_DECODE;
    }
    if (out->kind == ENGINE_PL_PROVISION && out->has_prov_id != 3)
        return CAIRN_ERR_DECODE;
    return CAIRN_OK;
}

cairn_status engine__payload_member(const engine_payload *p, size_t *off, cairn_address *out,
                                    char uri_buf[CAIRN_URI_MAX + 1])
{
    const uint8_t *s = p->members_span.p;
    size_t n, o = *off;
    if (s == NULL || o >= p->members_span.len)
        return CAIRN_ERR_NOT_FOUND;
    /* the span was validated by the decoder: tag, length, device, uri */
    if (p->members_span.len - o < 3)
        return CAIRN_ERR_DECODE;
    n = (size_t)s[o + 1] << 8 | s[o + 2];
    if (s[o] != ENGINE_T_MEMBER || n < 5 || p->members_span.len - o - 3 < n)
        return CAIRN_ERR_DECODE;
    out->device = get32(s + o + 3);
    memcpy(uri_buf, s + o + 7, n - 4);
    uri_buf[n - 4] = '\0';
    out->uri = uri_buf;
    *off = o + 3 + n;
    return CAIRN_OK;
}

/* ---------------------------------------------------------------- encoder */

static cairn_status put(cairn__buf *b, uint8_t tag, const void *v, size_t n)
{
    cairn_status rc;
    if (n > 0xffff)
        return CAIRN_ERR_INVALID_ARG;
    rc = cairn__buf_append_u8(b, tag);
    if (rc == CAIRN_OK)
        rc = cairn__buf_append_u16be(b, (uint16_t)n);
    if (rc == CAIRN_OK && n > 0)
        rc = cairn__buf_append(b, v, n);
    return rc;
}

static cairn_status put64(cairn__buf *b, uint8_t tag, uint64_t v)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (uint8_t)(v >> (56 - 8 * i));
    return put(b, tag, x, 8);
}

static cairn_status put32(cairn__buf *b, uint8_t tag, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    return put(b, tag, x, 4);
}

static cairn_status put_str(cairn__buf *b, uint8_t tag, engine_pl_str s)
{
    return s.len ? put(b, tag, s.p, s.len) : CAIRN_OK;
}

static cairn_status put_member(cairn__buf *b, const cairn_address *a)
{
    size_t ul = a->uri ? strlen(a->uri) : 0;
    cairn_status rc;
    if (ul == 0 || ul > CAIRN_URI_MAX)
        return CAIRN_ERR_INVALID_ARG;
    rc = cairn__buf_append_u8(b, ENGINE_T_MEMBER);
    if (rc == CAIRN_OK)
        rc = cairn__buf_append_u16be(b, (uint16_t)(4 + ul));
    if (rc == CAIRN_OK)
        rc = cairn__buf_append_u32be(b, a->device);
    if (rc == CAIRN_OK)
        rc = cairn__buf_append(b, a->uri, ul);
    return rc;
}

static cairn_status encode_fields(cairn__buf *b, const engine_payload *p)
{
    cairn_status rc = CAIRN_OK;
#define TRY(x)                                                                                     \
    do {                                                                                           \
        if (rc == CAIRN_OK)                                                                        \
            rc = (x);                                                                              \
    } while (0)
    TRY(cairn__buf_append_u8(b, ENGINE_PL_VERSION));
    TRY(cairn__buf_append_u8(b, p->kind));
    if (p->has_msg_id)
        TRY(put(b, ENGINE_T_MSG_ID, p->msg_id, ENGINE_PL_ID_BYTES));
    if (p->has_sent_ms)
        TRY(put64(b, ENGINE_T_SENT_MS, p->sent_ms));
    TRY(put_str(b, ENGINE_T_BODY, p->body));
    TRY(put_str(b, ENGINE_T_GROUP_ID, p->group_id));
    TRY(put_str(b, ENGINE_T_DEST, p->dest));
    if (p->has_reply_to)
        TRY(put(b, ENGINE_T_REPLY_TO, p->reply_to, ENGINE_PL_ID_BYTES));
    if (p->receipt_type)
        TRY(put(b, ENGINE_T_RECEIPT_TYPE, &p->receipt_type, 1));
    if (p->n_refs > ENGINE_PL_MAX_REFS)
        return CAIRN_ERR_INVALID_ARG;
    for (size_t i = 0; i < p->n_refs; i++)
        TRY(put(b, ENGINE_T_REF_ID, p->refs[i], ENGINE_PL_ID_BYTES));
    if (p->has_typing)
        TRY(put(b, ENGINE_T_TYPING, &p->typing, 1));
    TRY(put_str(b, ENGINE_T_FILE_URL, p->file_url));
    if (p->has_file_key)
        TRY(put(b, ENGINE_T_FILE_KEY, p->file_key, 32));
    if (p->has_file_digest)
        TRY(put(b, ENGINE_T_FILE_DIGEST, p->file_digest, 32));
    if (p->has_file_size)
        TRY(put64(b, ENGINE_T_FILE_SIZE, p->file_size));
    TRY(put_str(b, ENGINE_T_FILE_NAME, p->file_name));
    TRY(put_str(b, ENGINE_T_FILE_TYPE, p->file_type));
    if (p->group_op)
        TRY(put(b, ENGINE_T_GROUP_OP, &p->group_op, 1));
    if (p->has_group_epoch)
        TRY(put64(b, ENGINE_T_GROUP_EPOCH, p->group_epoch));
    if (p->has_group_name)
        TRY(put(b, ENGINE_T_GROUP_NAME, p->group_name.p, p->group_name.len));
    if (p->n_members > ENGINE_PL_MAX_MEMBERS || (p->n_members && p->members == NULL))
        return CAIRN_ERR_INVALID_ARG;
    for (size_t i = 0; i < p->n_members; i++)
        TRY(put_member(b, &p->members[i]));
    TRY(put_str(b, ENGINE_T_SUBJECT, p->subject));
    TRY(put_str(b, ENGINE_T_PROV_URI, p->prov_uri));
    if (p->has_prov_device)
        TRY(put32(b, ENGINE_T_PROV_DEVICE, p->prov_device));
    if (p->has_prov_id) {
        TRY(put(b, ENGINE_T_PROV_ID_PUB, p->prov_id_pub, CAIRN_PUBLIC_KEY_BYTES));
        TRY(put(b, ENGINE_T_PROV_ID_PRIV, p->prov_id_priv, 32));
    }
    TRY(put_str(b, ENGINE_T_DEVICE_NAME, p->device_name));
#undef TRY
    return rc;
}

cairn_status engine__payload_encode(const cairn_context *ctx, const engine_payload *p,
                                    uint8_t **out, size_t *out_len)
{
    cairn__buf b;
    engine_payload check;
    cairn_status rc;
    uint8_t *bytes;
    size_t n;

    if (ctx == NULL || p == NULL || out == NULL || out_len == NULL)
        return CAIRN_ERR_INVALID_ARG;
    cairn__buf_init(&b, ctx, ENGINE_PL_MAX_BYTES);
    rc = encode_fields(&b, p);
    if (rc == CAIRN_ERR_TOO_LARGE)
        rc = CAIRN_ERR_INVALID_ARG;
    if (rc != CAIRN_OK) {
        cairn__buf_free(&b);
        return rc;
    }
    rc = cairn__buf_take(&b, &bytes, &n);
    if (rc != CAIRN_OK) {
        cairn__buf_free(&b);
        return rc;
    }
    /* The receiver's rules are the encoder's contract. */
    rc = engine__payload_decode(bytes, n, &check);
    cairn__wipe(&check, sizeof(check));
    if (rc != CAIRN_OK) {
        cairn__free_secret(ctx, bytes, n);
        return CAIRN_ERR_INVALID_ARG;
    }
    *out = bytes;
    *out_len = n;
    return CAIRN_OK;
}
