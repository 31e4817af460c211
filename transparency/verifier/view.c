/*
 * view.c - the client's view: create, accessors, and the bounded blob the
 * core persists (KTV-3):
 *
 *   "KTV1" | cfg_hash[32] | u64 tree_size | u8 n_full | full[n_full][32]
 *   | u8 n_frontier | (u64 pos, u64 ts, root[32]) * n_frontier
 *   | u64 auditor_size | u64 auditor_ts | root[32] | u64 last_ts
 *   | u8 has_head [u64 head_size, sig[64]] | u16 n_labels
 *   | per label: u8 len, label, u8 n_keys, (u32 ver, vrf[32], com[32],
 *     u8 has_com) * n_keys, u8 n_entries, (u64 pos, u32 ver) * n_entries
 *
 * Invariants: the parser rejects trailing bytes and every count above its
 * cap; n_full must be popcount(tree_size), the frontier positions must be
 * exactly the frontier of tree_size, and the stored root must equal the
 * root recomputed from the full subtrees, so a corrupted blob cannot
 * smuggle in an inconsistent view.
 */
#include <sodium.h>
#include <string.h>

#include "ktv_internal.h"
#include "ktdir_internal.h"

void ktv__cfg_hash(const cairn_kt_config *cfg, uint8_t out[32])
{
    crypto_hash_sha256_state s;
    crypto_hash_sha256_init(&s);
    crypto_hash_sha256_update(&s, (const uint8_t *)"cairn-ktv-1", 11);
    crypto_hash_sha256_update(&s, cfg->signature_public_key, 32);
    crypto_hash_sha256_update(&s, cfg->vrf_public_key, 32);
    crypto_hash_sha256_final(&s, out);
}

cairn_kt_label_state *ktv__find(const cairn_ktv *v, const uint8_t *label,
                                size_t len)
{
    for (size_t i = 0; i < v->n_labels; i++)
        if (v->labels[i].label_len == len && memcmp(v->labels[i].label, label, len) == 0)
            return &v->labels[i];
    return NULL;
}

cairn_status ktv__reserve(cairn_ktv *v, size_t need)
{
    size_t nc;
    cairn_kt_label_state *p;
    if (need <= v->cap_labels)
        return CAIRN_OK;
    if (need > CAIRN_KTV_MAX_LABELS)
        return CAIRN_ERR_LIMIT;
    nc = v->cap_labels ? v->cap_labels * 2 : 4;
    while (nc < need)
        nc *= 2;
    if (nc > CAIRN_KTV_MAX_LABELS)
        nc = CAIRN_KTV_MAX_LABELS;
    /* Not realloc: the old copy holds commitments and is wiped on free. */
    p = cairn__calloc(v->ctx, nc, sizeof *p);
    if (p == NULL)
        return CAIRN_ERR_NOMEM;
    if (v->labels) {
        memcpy(p, v->labels, v->n_labels * sizeof *p);
        cairn__free_secret(v->ctx, v->labels, v->cap_labels * sizeof *v->labels);
    }
    v->labels = p;
    v->cap_labels = nc;
    return CAIRN_OK;
}

static cairn_status alloc_view(const cairn_context *ctx,
                               const cairn_kt_config *cfg,
                               const cairn_ktv_options *opts, cairn_ktv **out)
{
    cairn_ktv *v;
    if (ctx == NULL || cfg == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (opts && opts->require_auditor && cfg->mode != CAIRN_KT_MODE_THIRD_PARTY_AUDITING)
        return CAIRN_ERR_INVALID_ARG;
    v = cairn__calloc(ctx, 1, sizeof *v);
    if (v == NULL)
        return CAIRN_ERR_NOMEM;
    v->ctx = ctx;
    v->cfg = *cfg;
    if (opts)
        v->opt = *opts;
    if (v->opt.max_skew_ms <= 0)
        v->opt.max_skew_ms = 600000;
    *out = v;
    return CAIRN_OK;
}

cairn_status cairn_ktv_create(const cairn_context *ctx, const cairn_kt_config *cfg,
                              const cairn_ktv_options *opts, cairn_ktv **out)
{
    return alloc_view(ctx, cfg, opts, out);
}

void cairn_ktv_destroy(cairn_ktv *v)
{
    if (v == NULL)
        return;
    if (v->labels)
        cairn__free_secret(v->ctx, v->labels, v->cap_labels * sizeof *v->labels);
    cairn__free_secret(v->ctx, v, sizeof *v);
}

uint64_t cairn_ktv_tree_size(const cairn_ktv *v) { return v ? v->view.tree_size : 0; }
uint64_t cairn_ktv_last_timestamp(const cairn_ktv *v) { return v ? v->last_ts : 0; }
uint64_t cairn_ktv_auditor_tree_size(const cairn_ktv *v)
{
    return v ? v->view.auditor_tree_size : 0;
}

cairn_status cairn_ktv_head(const cairn_ktv *v, uint64_t *tree_size,
                            uint8_t root[32], uint8_t signature[64],
                            uint64_t *timestamp)
{
    if (v == NULL || !v->has_head || v->head_size != v->view.tree_size)
        return CAIRN_ERR_NOT_FOUND;
    if (tree_size)
        *tree_size = v->head_size;
    if (root)
        memcpy(root, v->view.root, 32);
    if (signature)
        memcpy(signature, v->head_sig, 64);
    if (timestamp)
        *timestamp = v->last_ts;
    return CAIRN_OK;
}

static unsigned popcount64(uint64_t x)
{
    unsigned c = 0;
    for (; x; x &= x - 1)
        c++;
    return c;
}

cairn_status cairn_ktv_serialize(const cairn_ktv *v, uint8_t **out, size_t *len)
{
    cairn__buf b;
    uint8_t h[32];
    cairn_status st = CAIRN_OK;
    unsigned nf;
    if (v == NULL || out == NULL || len == NULL)
        return CAIRN_ERR_INVALID_ARG;
    nf = popcount64(v->view.tree_size);
    cairn__buf_init(&b, v->ctx, CAIRN_KTV_MAX_BLOB);
    ktv__cfg_hash(&v->cfg, h);
#define P(x) if (st == CAIRN_OK) st = (x)
    P(cairn__buf_append(&b, "KTV1", 4));
    P(cairn__buf_append(&b, h, 32));
    P(cairn__buf_append_u64be(&b, v->view.tree_size));
    P(cairn__buf_append_u8(&b, (uint8_t)nf));
    for (unsigned i = 0; i < nf; i++)
        P(cairn__buf_append(&b, v->view.full_subtrees[i], 32));
    P(cairn__buf_append_u8(&b, (uint8_t)v->view.n_frontier));
    for (size_t i = 0; i < v->view.n_frontier; i++) {
        P(cairn__buf_append_u64be(&b, v->view.frontier[i].position));
        P(cairn__buf_append_u64be(&b, v->view.frontier[i].timestamp));
        P(cairn__buf_append(&b, v->view.frontier[i].prefix_root, 32));
    }
    P(cairn__buf_append_u64be(&b, v->view.auditor_tree_size));
    P(cairn__buf_append_u64be(&b, v->view.auditor_timestamp));
    P(cairn__buf_append(&b, v->view.root, 32));
    P(cairn__buf_append_u64be(&b, v->last_ts));
    P(cairn__buf_append_u8(&b, v->has_head));
    if (v->has_head) {
        P(cairn__buf_append_u64be(&b, v->head_size));
        P(cairn__buf_append(&b, v->head_sig, 64));
    }
    P(cairn__buf_append_u16be(&b, (uint16_t)v->n_labels));
    for (size_t i = 0; i < v->n_labels; i++) {
        const cairn_kt_label_state *s = &v->labels[i];
        P(cairn__buf_append_u8(&b, (uint8_t)s->label_len));
        P(cairn__buf_append(&b, s->label, s->label_len));
        P(cairn__buf_append_u8(&b, (uint8_t)s->n_keys));
        for (size_t k = 0; k < s->n_keys; k++) {
            P(cairn__buf_append_u32be(&b, s->keys[k].version));
            P(cairn__buf_append(&b, s->keys[k].vrf_output, 32));
            P(cairn__buf_append(&b, s->keys[k].commitment, 32));
            P(cairn__buf_append_u8(&b, s->keys[k].has_commitment));
        }
        P(cairn__buf_append_u8(&b, (uint8_t)s->n_entries));
        for (size_t k = 0; k < s->n_entries; k++) {
            P(cairn__buf_append_u64be(&b, s->entries[k].position));
            P(cairn__buf_append_u32be(&b, s->entries[k].version));
        }
    }
#undef P
    if (st == CAIRN_OK)
        st = cairn__buf_take(&b, out, len);
    cairn__buf_free(&b);
    return st;
}

static bool rd(cairn__reader *r, void *dst, size_t n)
{
    const uint8_t *p = cairn__read_bytes(r, n);
    if (p)
        memcpy(dst, p, n);
    return p != NULL;
}

static cairn_status parse_label(cairn__reader *r, cairn_kt_label_state *s)
{
    s->label_len = cairn__read_u8(r);
    if (r->err || s->label_len == 0 || !rd(r, s->label, s->label_len))
        return CAIRN_ERR_DECODE;
    s->n_keys = cairn__read_u8(r);
    if (r->err || s->n_keys > CAIRN_KT_MAX_KEYS)
        return CAIRN_ERR_TOO_LARGE;
    for (size_t k = 0; k < s->n_keys; k++) {
        s->keys[k].version = cairn__read_u32be(r);
        if (!rd(r, s->keys[k].vrf_output, 32) || !rd(r, s->keys[k].commitment, 32))
            return CAIRN_ERR_DECODE;
        s->keys[k].has_commitment = cairn__read_u8(r);
        if (s->keys[k].has_commitment > 1)
            return CAIRN_ERR_DECODE;
    }
    s->n_entries = cairn__read_u8(r);
    if (r->err || s->n_entries > CAIRN_KT_MAX_MONITOR)
        return r->err ? CAIRN_ERR_DECODE : CAIRN_ERR_TOO_LARGE;
    for (size_t k = 0; k < s->n_entries; k++) {
        s->entries[k].position = cairn__read_u64be(r);
        s->entries[k].version = cairn__read_u32be(r);
        if (k && s->entries[k].position <= s->entries[k - 1].position)
            return CAIRN_ERR_CORRUPT;
    }
    return r->err ? CAIRN_ERR_DECODE : CAIRN_OK;
}

static cairn_status parse_into(cairn_ktv *v, const uint8_t *blob, size_t len)
{
    cairn__reader r;
    uint8_t h[32], want[32], magic[4];
    uint64_t st_[64], sz[64], fr[64];
    size_t nf, nfr, c;
    cairn_kt_view *w = &v->view;
    cairn_status st;
    if (len > CAIRN_KTV_MAX_BLOB)
        return CAIRN_ERR_TOO_LARGE;
    cairn__reader_init(&r, blob, len);
    if (!rd(&r, magic, 4) || !rd(&r, h, 32))
        return CAIRN_ERR_DECODE;
    if (memcmp(magic, "KTV1", 4) != 0)
        return CAIRN_ERR_VERSION;
    ktv__cfg_hash(&v->cfg, want);
    if (memcmp(h, want, 32) != 0)
        return CAIRN_ERR_BAD_KEY;
    w->tree_size = cairn__read_u64be(&r);
    nf = cairn__read_u8(&r);
    if (r.err)
        return CAIRN_ERR_DECODE;
    if (nf != popcount64(w->tree_size))
        return CAIRN_ERR_CORRUPT;
    for (size_t i = 0; i < nf; i++)
        if (!rd(&r, w->full_subtrees[i], 32))
            return CAIRN_ERR_DECODE;
    nfr = cairn__read_u8(&r);
    if (r.err || nfr > 64)
        return CAIRN_ERR_DECODE;
    c = w->tree_size ? ktdir__ibst_frontier(w->tree_size, fr) : 0;
    if (c != nfr)
        return CAIRN_ERR_CORRUPT;
    w->n_frontier = nfr;
    for (size_t i = 0; i < nfr; i++) {
        w->frontier[i].position = cairn__read_u64be(&r);
        w->frontier[i].timestamp = cairn__read_u64be(&r);
        if (!rd(&r, w->frontier[i].prefix_root, 32))
            return CAIRN_ERR_DECODE;
        if (w->frontier[i].position != fr[i] ||
            (i && w->frontier[i].timestamp < w->frontier[i - 1].timestamp))
            return CAIRN_ERR_CORRUPT;
    }
    w->auditor_tree_size = cairn__read_u64be(&r);
    w->auditor_timestamp = cairn__read_u64be(&r);
    if (!rd(&r, w->root, 32))
        return CAIRN_ERR_DECODE;
    if (w->auditor_tree_size > w->tree_size)
        return CAIRN_ERR_CORRUPT;
    if (w->tree_size) {
        uint8_t root[32];
        c = ktdir__log_full_subtrees(w->tree_size, st_, sz);
        ktdir__log_root_from_full(root, (const uint8_t(*)[32])w->full_subtrees, sz, c);
        if (memcmp(root, w->root, 32) != 0)
            return CAIRN_ERR_CORRUPT;
    }
    v->last_ts = cairn__read_u64be(&r);
    {
        uint8_t hh = cairn__read_u8(&r);
        if (r.err || hh > 1)
            return CAIRN_ERR_DECODE;
        v->has_head = hh == 1;
    }
    if (nfr && v->last_ts != w->frontier[nfr - 1].timestamp)
        return CAIRN_ERR_CORRUPT;
    if (v->has_head) {
        v->head_size = cairn__read_u64be(&r);
        if (!rd(&r, v->head_sig, 64))
            return CAIRN_ERR_DECODE;
        if (v->head_size != w->tree_size)
            return CAIRN_ERR_CORRUPT;
    }
    v->n_labels = cairn__read_u16be(&r);
    if (r.err)
        return CAIRN_ERR_DECODE;
    if (v->n_labels > CAIRN_KTV_MAX_LABELS)
        return CAIRN_ERR_TOO_LARGE;
    {
        size_t nl = v->n_labels;
        v->n_labels = 0;
        /* Each label takes at least 3 bytes: refuse to allocate for
         * labels the input cannot hold. */
        if (nl > cairn__reader_left(&r) / 3)
            return CAIRN_ERR_DECODE;
        if ((st = ktv__reserve(v, nl)) != CAIRN_OK)
            return st;
        v->n_labels = nl;
    }
    for (size_t i = 0; i < v->n_labels; i++)
        if ((st = parse_label(&r, &v->labels[i])) != CAIRN_OK)
            return st;
    if (cairn__reader_left(&r) != 0)
        return CAIRN_ERR_DECODE;
    return CAIRN_OK;
}

cairn_status cairn_ktv_parse(const cairn_context *ctx, const cairn_kt_config *cfg,
                             const cairn_ktv_options *opts, const uint8_t *blob,
                             size_t len, cairn_ktv **out)
{
    cairn_ktv *v = NULL;
    cairn_status st;
    if (out == NULL || (len && blob == NULL))
        return CAIRN_ERR_INVALID_ARG;
    if ((st = alloc_view(ctx, cfg, opts, &v)) != CAIRN_OK)
        return st;
    st = parse_into(v, blob, len);
    if (st != CAIRN_OK) {
        cairn_ktv_destroy(v);
        return st;
    }
    *out = v;
    return CAIRN_OK;
}
