/*
 * ownerstate.c - the serialized label-owner state (spec KT-OWN-9), so an
 * owner's verified knowledge survives restarts of the app.
 *
 * Invariants: the encoding is versioned (format 1) and canonical; the
 * decoder is bounded by the struct's own capacities, rejects trailing
 * bytes, flags other than 0/1, and unsorted or duplicate positions and
 * versions, and writes the caller's struct only when all of it is valid.
 */
#include <string.h>

#include "ktdir_internal.h"

#define KT_OWNER_STATE_FORMAT 1

static cairn_status put_pairs(cairn__buf *b, const cairn_kt_monitor_entry *e,
                              size_t n)
{
    cairn_status st = ktdir__put_u8(b, (uint8_t)n);
    for (size_t i = 0; i < n && st == CAIRN_OK; i++)
        if ((st = ktdir__put_u64(b, e[i].position)) == CAIRN_OK)
            st = ktdir__put_u32(b, e[i].version);
    return st;
}

cairn_status cairn_kt_owner_state_encode(const cairn_context *ctx,
                                         const cairn_kt_owner_state *s,
                                         uint8_t **out, size_t *out_len)
{
    cairn__buf b;
    cairn_status st;
    if (ctx == NULL || s == NULL || out == NULL || out_len == NULL ||
        s->label_len > CAIRN_KT_MAX_LABEL || s->n_history > CAIRN_KT_MAX_HISTORY ||
        s->n_entries > CAIRN_KT_MAX_MONITOR || s->n_keys > CAIRN_KT_MAX_KEYS)
        return CAIRN_ERR_INVALID_ARG;
    cairn__buf_init(&b, ctx, 64 * 1024);
    if ((st = ktdir__put_u8(&b, KT_OWNER_STATE_FORMAT)) != CAIRN_OK ||
        (st = ktdir__put_vec8(&b, s->label, s->label_len)) != CAIRN_OK ||
        (st = ktdir__put_u64(&b, s->start)) != CAIRN_OK ||
        (st = ktdir__put_u8(&b, s->has_start_version ? 1 : 0)) != CAIRN_OK ||
        (st = ktdir__put_u32(&b, s->has_start_version ? s->start_version : 0)) != CAIRN_OK ||
        (st = ktdir__put_u8(&b, s->has_greatest ? 1 : 0)) != CAIRN_OK ||
        (st = ktdir__put_u32(&b, s->has_greatest ? s->greatest : 0)) != CAIRN_OK ||
        (st = ktdir__put_u64(&b, s->greatest_pos)) != CAIRN_OK ||
        (st = put_pairs(&b, s->history, s->n_history)) != CAIRN_OK ||
        (st = put_pairs(&b, s->entries, s->n_entries)) != CAIRN_OK ||
        (st = ktdir__put_u8(&b, (uint8_t)s->n_keys)) != CAIRN_OK)
        goto out;
    for (size_t i = 0; i < s->n_keys; i++) {
        const cairn_kt_version_key *k = &s->keys[i];
        if ((st = ktdir__put_u32(&b, k->version)) != CAIRN_OK ||
            (st = ktdir__put_bytes(&b, k->vrf_output, 32)) != CAIRN_OK ||
            (st = ktdir__put_u8(&b, k->has_commitment ? 1 : 0)) != CAIRN_OK ||
            (k->has_commitment && (st = ktdir__put_bytes(&b, k->commitment, 32)) != CAIRN_OK))
            goto out;
    }
    st = cairn__buf_take(&b, out, out_len);
out:
    cairn__buf_free(&b);
    return st;
}

static bool get_pairs(cairn__reader *r, cairn_kt_monitor_entry *e, size_t *n,
                      size_t cap)
{
    *n = ktdir__get_count8(r, cap);
    for (size_t i = 0; i < *n && !r->err; i++) {
        e[i].position = cairn__read_u64be(r);
        e[i].version = cairn__read_u32be(r);
        if (i && e[i].position <= e[i - 1].position)
            return false;
        for (size_t j = 0; j < i; j++)
            if (e[j].version == e[i].version)
                return false;
    }
    return !r->err;
}

cairn_status cairn_kt_owner_state_decode(const uint8_t *in, size_t len,
                                         cairn_kt_owner_state *out)
{
    cairn_kt_owner_state s;
    cairn__reader r;
    const uint8_t *label;
    uint8_t fmt, f1, f2;
    if (in == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (len > 64 * 1024)
        return CAIRN_ERR_TOO_LARGE;
    memset(&s, 0, sizeof s);
    cairn__reader_init(&r, in, len);
    fmt = cairn__read_u8(&r);
    if (r.err)
        return CAIRN_ERR_DECODE;
    if (fmt != KT_OWNER_STATE_FORMAT)
        return CAIRN_ERR_VERSION;
    label = ktdir__get_vec8(&r, &s.label_len, CAIRN_KT_MAX_LABEL);
    s.start = cairn__read_u64be(&r);
    f1 = cairn__read_u8(&r);
    s.start_version = cairn__read_u32be(&r);
    f2 = cairn__read_u8(&r);
    s.greatest = cairn__read_u32be(&r);
    s.greatest_pos = cairn__read_u64be(&r);
    if (r.err || f1 > 1 || f2 > 1 || (!f1 && s.start_version) || (!f2 && s.greatest))
        return CAIRN_ERR_DECODE;
    s.has_start_version = f1;
    s.has_greatest = f2;
    if (s.label_len)
        memcpy(s.label, label, s.label_len);
    if (!get_pairs(&r, s.history, &s.n_history, CAIRN_KT_MAX_HISTORY) ||
        !get_pairs(&r, s.entries, &s.n_entries, CAIRN_KT_MAX_MONITOR))
        return CAIRN_ERR_DECODE;
    s.n_keys = ktdir__get_count8(&r, CAIRN_KT_MAX_KEYS);
    for (size_t i = 0; i < s.n_keys && !r.err; i++) {
        cairn_kt_version_key *k = &s.keys[i];
        const uint8_t *vrf, *c = NULL;
        uint8_t has;
        k->version = cairn__read_u32be(&r);
        vrf = cairn__read_bytes(&r, 32);
        has = cairn__read_u8(&r);
        if (has == 1)
            c = cairn__read_bytes(&r, 32);
        if (r.err || has > 1 || (i && k->version <= s.keys[i - 1].version))
            return CAIRN_ERR_DECODE;
        memcpy(k->vrf_output, vrf, 32);
        if (c)
            memcpy(k->commitment, c, 32);
        k->has_commitment = has;
    }
    if (r.err || cairn__reader_left(&r) != 0)
        return CAIRN_ERR_DECODE;
    *out = s;
    return CAIRN_OK;
}
