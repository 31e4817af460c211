/*
 * msrp_reasm.c - reassembly of chunked MSRP messages by Message-ID and
 * Byte-Range (RFC 4975 section 5.1 / 7.3.1).
 *
 * Invariants:
 *  - At most max_messages messages and max_total buffered bytes over all
 *    of them, each message at most max_message bytes: checked before any
 *    allocation, from the Byte-Range numbers and again per body piece, so a
 *    hostile "Byte-Range: 1-* / 9999999999" costs nothing (MSRP-REASM-1).
 *  - Received ranges are kept as a sorted list of disjoint half-open
 *    intervals (at most max_pieces); duplicates and overlaps merge, so the
 *    message is complete exactly when one interval covers [0, total) and
 *    the last chunk ('$') was seen (MSRP-REASM-2).
 *  - A '#' chunk or any error drops the message and its memory
 *    (MSRP-REASM-3).
 */
#include <string.h>

#include "msrp_internal.h"

typedef struct piece {
    uint64_t a, b; /* [a, b), 0-based */
} piece;

typedef struct slot {
    bool used;
    bool final_seen;
    bool complete;
    char *message_id;
    char *content_type;
    uint8_t *data;
    size_t cap;
    uint64_t total; /* CAIRN_MSRP_UNKNOWN until known */
    piece *pieces;
    size_t npieces;
    int64_t t_start;
} slot;

struct cairn_msrp_reasm {
    const cairn_context *ctx;
    cairn_msrp_reasm_limits lim;
    slot *slots;
    size_t bytes;
    /* the chunk being received */
    slot *cur;
    uint64_t cur_start, cur_off, cur_limit;
    bool cur_limit_is_cap;
};

cairn_status cairn_msrp_reasm_create(const cairn_context *ctx,
                                     const cairn_msrp_reasm_limits *limits,
                                     cairn_msrp_reasm **out)
{
    cairn_msrp_reasm *r;
    if (ctx == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    r = cairn__calloc(ctx, 1, sizeof(*r));
    if (r == NULL)
        return CAIRN_ERR_NOMEM;
    r->ctx = ctx;
    if (limits != NULL)
        r->lim = *limits;
    if (r->lim.max_message == 0)
        r->lim.max_message = (size_t)4 << 20;
    if (r->lim.max_messages == 0)
        r->lim.max_messages = 16;
    if (r->lim.max_total == 0)
        r->lim.max_total = (size_t)16 << 20;
    if (r->lim.max_pieces == 0)
        r->lim.max_pieces = 256;
    if (r->lim.max_messages > 4096 || r->lim.max_pieces > 65536) {
        cairn__free(ctx, r);
        return CAIRN_ERR_INVALID_ARG;
    }
    r->slots = cairn__calloc(ctx, r->lim.max_messages, sizeof(slot));
    if (r->slots == NULL) {
        cairn__free(ctx, r);
        return CAIRN_ERR_NOMEM;
    }
    *out = r;
    return CAIRN_OK;
}

static void slot_drop(cairn_msrp_reasm *r, slot *s)
{
    if (r->cur == s)
        r->cur = NULL;
    r->bytes -= s->cap;
    /* Message bodies are plaintext until the layer above decrypts them;
     * wipe them like any other message content. */
    cairn__free_secret(r->ctx, s->data, s->cap);
    cairn__free(r->ctx, s->message_id);
    cairn__free(r->ctx, s->content_type);
    cairn__free(r->ctx, s->pieces);
    memset(s, 0, sizeof(*s));
}

void cairn_msrp_reasm_destroy(cairn_msrp_reasm *r)
{
    size_t i;
    if (r == NULL)
        return;
    for (i = 0; i < r->lim.max_messages; i++)
        if (r->slots[i].used)
            slot_drop(r, &r->slots[i]);
    cairn__free(r->ctx, r->slots);
    cairn__free(r->ctx, r);
}

static slot *find(cairn_msrp_reasm *r, const char *id)
{
    size_t i;
    for (i = 0; i < r->lim.max_messages; i++)
        if (r->slots[i].used && strcmp(r->slots[i].message_id, id) == 0)
            return &r->slots[i];
    return NULL;
}

cairn_status cairn_msrp_reasm_start(cairn_msrp_reasm *r, const cairn_msrp_msg *m)
{
    cairn_msrp_range rg = {1, CAIRN_MSRP_UNKNOWN, CAIRN_MSRP_UNKNOWN};
    uint64_t cap = 0;
    slot *s;
    size_t i;

    if (r == NULL || m == NULL)
        return CAIRN_ERR_INVALID_ARG;
    r->cur = NULL;
    if (m->error != CAIRN_OK || m->is_response ||
        m->method_id != CAIRN_MSRP_SEND || m->message_id == NULL ||
        m->message_id[0] == '\0' || strlen(m->message_id) > 256)
        return CAIRN_ERR_DECODE;
    if (m->has_range)
        rg = m->range; /* absent Byte-Range means 1-*, total * */
    if (!msrp__range_valid(&rg))
        return CAIRN_ERR_DECODE;
    cap = r->lim.max_message;
    if (rg.start - 1 > cap || (rg.end != CAIRN_MSRP_UNKNOWN && rg.end > cap) ||
        (rg.total != CAIRN_MSRP_UNKNOWN && rg.total > cap))
        return CAIRN_ERR_TOO_LARGE;

    s = find(r, m->message_id);
    if (s == NULL) {
        for (i = 0; i < r->lim.max_messages && r->slots[i].used; i++)
            ;
        if (i == r->lim.max_messages)
            return CAIRN_ERR_LIMIT;
        s = &r->slots[i];
        s->message_id = cairn__strdup(r->ctx, m->message_id);
        s->pieces = cairn__calloc(r->ctx, r->lim.max_pieces, sizeof(piece));
        if (s->message_id == NULL || s->pieces == NULL) {
            cairn__free(r->ctx, s->message_id);
            cairn__free(r->ctx, s->pieces);
            memset(s, 0, sizeof(*s));
            return CAIRN_ERR_NOMEM;
        }
        s->used = true;
        s->total = CAIRN_MSRP_UNKNOWN;
        s->t_start = cairn__now_ms(r->ctx);
    }
    if (rg.total != CAIRN_MSRP_UNKNOWN) {
        if (s->total != CAIRN_MSRP_UNKNOWN && s->total != rg.total)
            return CAIRN_ERR_PROTOCOL;
        if (s->npieces > 0 && s->pieces[s->npieces - 1].b > rg.total)
            return CAIRN_ERR_PROTOCOL;
        s->total = rg.total;
    }
    if (s->total != CAIRN_MSRP_UNKNOWN && rg.start - 1 > s->total)
        return CAIRN_ERR_PROTOCOL;
    if (s->content_type == NULL && m->content_type != NULL) {
        s->content_type = cairn__strdup(r->ctx, m->content_type);
        if (s->content_type == NULL)
            return CAIRN_ERR_NOMEM;
    }
    r->cur = s;
    r->cur_start = r->cur_off = rg.start - 1;
    r->cur_limit = cap;
    r->cur_limit_is_cap = true;
    if (rg.end != CAIRN_MSRP_UNKNOWN && rg.end <= r->cur_limit) {
        r->cur_limit = rg.end;
        r->cur_limit_is_cap = false;
    }
    if (s->total != CAIRN_MSRP_UNKNOWN && s->total <= r->cur_limit) {
        r->cur_limit = s->total;
        r->cur_limit_is_cap = false;
    }
    return CAIRN_OK;
}

static cairn_status grow(cairn_msrp_reasm *r, slot *s, uint64_t need)
{
    uint64_t ncap = s->cap ? (uint64_t)s->cap * 2 : 4096;
    uint64_t ceiling = s->total != CAIRN_MSRP_UNKNOWN ? s->total : r->lim.max_message;
    uint8_t *p;

    if (ncap < need)
        ncap = need;
    if (ncap > ceiling)
        ncap = ceiling;
    if (ncap < need)
        return CAIRN_ERR_TOO_LARGE;
    if (r->bytes - s->cap + ncap > r->lim.max_total)
        return CAIRN_ERR_LIMIT;
    p = cairn__calloc(r->ctx, 1, (size_t)ncap);
    if (p == NULL)
        return CAIRN_ERR_NOMEM;
    if (s->cap)
        memcpy(p, s->data, s->cap);
    cairn__free_secret(r->ctx, s->data, s->cap);
    r->bytes = r->bytes - s->cap + (size_t)ncap;
    s->data = p;
    s->cap = (size_t)ncap;
    return CAIRN_OK;
}

cairn_status cairn_msrp_reasm_body(cairn_msrp_reasm *r, const uint8_t *p, size_t n)
{
    slot *s;
    cairn_status rc;

    if (r == NULL || (p == NULL && n > 0))
        return CAIRN_ERR_INVALID_ARG;
    s = r->cur;
    if (s == NULL)
        return CAIRN_ERR_STATE;
    if (n > r->cur_limit - r->cur_off) {
        rc = r->cur_limit_is_cap ? CAIRN_ERR_TOO_LARGE : CAIRN_ERR_PROTOCOL;
        slot_drop(r, s);
        return rc;
    }
    if (r->cur_off + n > s->cap) {
        rc = grow(r, s, r->cur_off + n);
        if (rc != CAIRN_OK) {
            slot_drop(r, s);
            return rc;
        }
    }
    if (n > 0)
        memcpy(s->data + r->cur_off, p, n);
    r->cur_off += n;
    return CAIRN_OK;
}

/* Inserts [a, b) into the sorted disjoint list, merging neighbours. */
static cairn_status add_piece(cairn_msrp_reasm *r, slot *s, uint64_t a, uint64_t b)
{
    size_t i = 0, j;
    while (i < s->npieces && s->pieces[i].b < a)
        i++;
    /* pieces[i..j) touch or overlap [a, b) */
    j = i;
    while (j < s->npieces && s->pieces[j].a <= b) {
        if (s->pieces[j].a < a)
            a = s->pieces[j].a;
        if (s->pieces[j].b > b)
            b = s->pieces[j].b;
        j++;
    }
    if (j == i) {
        if (s->npieces == r->lim.max_pieces)
            return CAIRN_ERR_LIMIT;
        memmove(&s->pieces[i + 1], &s->pieces[i], (s->npieces - i) * sizeof(piece));
        s->npieces++;
    } else if (j > i + 1) {
        memmove(&s->pieces[i + 1], &s->pieces[j], (s->npieces - j) * sizeof(piece));
        s->npieces -= j - i - 1;
    }
    s->pieces[i].a = a;
    s->pieces[i].b = b;
    return CAIRN_OK;
}

cairn_status cairn_msrp_reasm_end(cairn_msrp_reasm *r, char flag,
                                  cairn_msrp_reasm_state *st)
{
    slot *s;
    cairn_status rc;

    if (r == NULL || st == NULL || (flag != '$' && flag != '+' && flag != '#'))
        return CAIRN_ERR_INVALID_ARG;
    s = r->cur;
    if (s == NULL)
        return CAIRN_ERR_STATE;
    r->cur = NULL;
    *st = CAIRN_MSRP_REASM_PENDING;
    if (flag == '#') {
        slot_drop(r, s);
        *st = CAIRN_MSRP_REASM_ABORTED;
        return CAIRN_OK;
    }
    if (r->cur_off > r->cur_start) {
        rc = add_piece(r, s, r->cur_start, r->cur_off);
        if (rc != CAIRN_OK) {
            slot_drop(r, s);
            return rc;
        }
    }
    if (flag == '$') {
        s->final_seen = true;
        /* With a '*' total the last chunk's end is the size. */
        if (s->total == CAIRN_MSRP_UNKNOWN)
            s->total = s->npieces ? s->pieces[s->npieces - 1].b : 0;
    }
    if (s->final_seen && s->total != CAIRN_MSRP_UNKNOWN &&
        (s->total == 0 || (s->npieces == 1 && s->pieces[0].a == 0 &&
                           s->pieces[0].b == s->total))) {
        s->complete = true;
        *st = CAIRN_MSRP_REASM_COMPLETE;
    }
    return CAIRN_OK;
}

cairn_status cairn_msrp_reasm_take(cairn_msrp_reasm *r, const char *message_id,
                                   uint8_t **data, size_t *len,
                                   char **content_type)
{
    slot *s;
    if (r == NULL || message_id == NULL || data == NULL || len == NULL)
        return CAIRN_ERR_INVALID_ARG;
    s = find(r, message_id);
    if (s == NULL || !s->complete)
        return CAIRN_ERR_NOT_FOUND;
    if (s->data == NULL) { /* the empty message */
        s->data = cairn__calloc(r->ctx, 1, 1);
        if (s->data == NULL)
            return CAIRN_ERR_NOMEM;
        s->cap = 1;
        r->bytes += 1;
    }
    *data = s->data;
    *len = (size_t)s->total;
    if (content_type != NULL) {
        *content_type = s->content_type;
        s->content_type = NULL;
    }
    s->data = NULL;
    r->bytes -= s->cap;
    s->cap = 0;
    slot_drop(r, s);
    return CAIRN_OK;
}

size_t cairn_msrp_reasm_expire(cairn_msrp_reasm *r, int64_t max_age_ms)
{
    size_t i, dropped = 0;
    int64_t now;
    if (r == NULL)
        return 0;
    now = cairn__now_ms(r->ctx);
    for (i = 0; i < r->lim.max_messages; i++) {
        slot *s = &r->slots[i];
        if (s->used && !s->complete && now - s->t_start > max_age_ms) {
            slot_drop(r, s);
            dropped++;
        }
    }
    return dropped;
}

size_t cairn_msrp_reasm_count(const cairn_msrp_reasm *r)
{
    size_t i, n = 0;
    if (r == NULL)
        return 0;
    for (i = 0; i < r->lim.max_messages; i++)
        n += r->slots[i].used;
    return n;
}

size_t cairn_msrp_reasm_bytes(const cairn_msrp_reasm *r)
{
    return r ? r->bytes : 0;
}
