/*
 * optin.c - which conversations the user switched smart replies on for,
 * plus the global switch (SR-2), and their persistence blob (SR-15):
 *   "SROI" | u8 version (1) | u8 global (0/1) | u32 count |
 *   count x (u8 len (1..128), id)   -- ids strictly ascending, no trailer.
 *
 * Invariants: the set is sorted by (length, bytes) and duplicate-free;
 * import builds a complete new set before replacing the old one, so a bad
 * blob changes nothing; memory holding ids is wiped when released (ids can
 * identify people).
 */
#include <string.h>

#include "internal.h"

#define OPTIN_MAGIC "SROI"
#define OPTIN_VERSION 1

static int conv_cmp(const sr_conv *c, const uint8_t *id, size_t len)
{
    if (c->len != len)
        return c->len < len ? -1 : 1;
    return memcmp(c->id, id, len);
}

/* Index of the first entry >= (id, len). */
static size_t lower_bound(const sr_optin *o, const uint8_t *id, size_t len)
{
    size_t lo = 0, hi = o->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (conv_cmp(&o->v[mid], id, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool smartreply__optin_has(const sr_optin *o, const uint8_t *id, size_t len)
{
    size_t i;
    if (id == NULL || len == 0 || len > CAIRN_SMARTREPLY_MAX_CONV_ID)
        return false;
    i = lower_bound(o, id, len);
    return i < o->n && conv_cmp(&o->v[i], id, len) == 0;
}

cairn_status smartreply__optin_set(const cairn_context *ctx, sr_optin *o,
                                   const uint8_t *id, size_t len, int on)
{
    size_t i;
    bool present;
    if (id == NULL || len == 0 || len > CAIRN_SMARTREPLY_MAX_CONV_ID)
        return CAIRN_ERR_INVALID_ARG;
    i = lower_bound(o, id, len);
    present = i < o->n && conv_cmp(&o->v[i], id, len) == 0;
    if (!on) {
        if (present) {
            memmove(&o->v[i], &o->v[i + 1], (o->n - i - 1) * sizeof(sr_conv));
            o->n--;
            cairn__wipe(&o->v[o->n], sizeof(sr_conv));
        }
        return CAIRN_OK;
    }
    if (present)
        return CAIRN_OK;
    if (o->n >= SR_MAX_CONVERSATIONS)
        return CAIRN_ERR_LIMIT;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16;
        sr_conv *v = cairn__calloc(ctx, cap, sizeof(sr_conv));
        if (v == NULL)
            return CAIRN_ERR_NOMEM;
        if (o->n)
            memcpy(v, o->v, o->n * sizeof(sr_conv));
        cairn__free_secret(ctx, o->v, o->cap * sizeof(sr_conv));
        o->v = v;
        o->cap = cap;
    }
    memmove(&o->v[i + 1], &o->v[i], (o->n - i) * sizeof(sr_conv));
    memset(&o->v[i], 0, sizeof(sr_conv));
    o->v[i].len = (uint8_t)len;
    memcpy(o->v[i].id, id, len);
    o->n++;
    return CAIRN_OK;
}

void smartreply__optin_free(const cairn_context *ctx, sr_optin *o)
{
    cairn__free_secret(ctx, o->v, o->cap * sizeof(sr_conv));
    o->v = NULL;
    o->n = o->cap = 0;
    o->global = 0;
}

cairn_status smartreply__optin_export(const cairn_context *ctx, const sr_optin *o,
                                      uint8_t **out, size_t *out_len)
{
    cairn__buf b;
    cairn_status st;
    cairn__buf_init(&b, ctx, 10 + SR_MAX_CONVERSATIONS * (1 + CAIRN_SMARTREPLY_MAX_CONV_ID));
    st = cairn__buf_append(&b, OPTIN_MAGIC, 4);
    if (st == CAIRN_OK)
        st = cairn__buf_append_u8(&b, OPTIN_VERSION);
    if (st == CAIRN_OK)
        st = cairn__buf_append_u8(&b, o->global ? 1 : 0);
    if (st == CAIRN_OK)
        st = cairn__buf_append_u32be(&b, (uint32_t)o->n);
    for (size_t i = 0; st == CAIRN_OK && i < o->n; i++) {
        st = cairn__buf_append_u8(&b, o->v[i].len);
        if (st == CAIRN_OK)
            st = cairn__buf_append(&b, o->v[i].id, o->v[i].len);
    }
    if (st == CAIRN_OK)
        st = cairn__buf_take(&b, out, out_len);
    cairn__buf_free(&b);
    return st;
}

cairn_status smartreply__optin_import(const cairn_context *ctx, sr_optin *o,
                                      const uint8_t *blob, size_t len)
{
    cairn__reader r;
    const uint8_t *magic;
    uint8_t version, global;
    uint32_t count;
    sr_optin fresh;

    cairn__reader_init(&r, blob, len);
    magic = cairn__read_bytes(&r, 4);
    if (magic == NULL || memcmp(magic, OPTIN_MAGIC, 4) != 0)
        return CAIRN_ERR_DECODE;
    version = cairn__read_u8(&r);
    global = cairn__read_u8(&r);
    count = cairn__read_u32be(&r);
    if (r.err)
        return CAIRN_ERR_DECODE;
    if (version != OPTIN_VERSION)
        return CAIRN_ERR_VERSION;
    if (global > 1)
        return CAIRN_ERR_DECODE;
    if (count > SR_MAX_CONVERSATIONS)
        return CAIRN_ERR_LIMIT;
    /* Each entry needs at least 2 bytes: reject impossible counts early. */
    if (count > cairn__reader_left(&r) / 2)
        return CAIRN_ERR_DECODE;
    memset(&fresh, 0, sizeof(fresh));
    if (count > 0) {
        fresh.v = cairn__calloc(ctx, count, sizeof(sr_conv));
        if (fresh.v == NULL)
            return CAIRN_ERR_NOMEM;
        fresh.cap = count;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint8_t l = cairn__read_u8(&r);
        const uint8_t *id = cairn__read_bytes(&r, l);
        if (r.err || l == 0 || l > CAIRN_SMARTREPLY_MAX_CONV_ID ||
            (i > 0 && conv_cmp(&fresh.v[i - 1], id, l) >= 0)) {
            smartreply__optin_free(ctx, &fresh);
            return CAIRN_ERR_DECODE;
        }
        fresh.v[i].len = l;
        memcpy(fresh.v[i].id, id, l);
        fresh.n++;
    }
    if (cairn__reader_left(&r) != 0) {
        smartreply__optin_free(ctx, &fresh);
        return CAIRN_ERR_DECODE;
    }
    fresh.global = global;
    smartreply__optin_free(ctx, o);
    *o = fresh;
    return CAIRN_OK;
}
