/*
 * viewstate.c - the serialized client view (spec KT-VIEW-4): what a client
 * or label owner retains of the last verified tree head, so it survives
 * restarts.
 *
 * Invariants: canonical encoding (format 1); the decoder recomputes what
 * is redundant and rejects any disagreement: the number of full subtrees
 * is popcount(tree_size), frontier positions are those of the implicit
 * search tree of tree_size, frontier timestamps do not decrease, and the
 * stored root equals the root recomputed from the full subtrees. The
 * caller's struct is written only when all of it is valid.
 */
#include <string.h>

#include "ktdir_internal.h"

#define KT_VIEW_FORMAT 1

cairn_status cairn_kt_view_encode(const cairn_context *ctx, const cairn_kt_view *v,
                                  uint8_t **out, size_t *out_len)
{
    uint64_t s[64], z[64], fr[64];
    size_t nf, nfr;
    cairn__buf b;
    cairn_status st;
    if (ctx == NULL || v == NULL || out == NULL || out_len == NULL)
        return CAIRN_ERR_INVALID_ARG;
    nf = ktdir__log_full_subtrees(v->tree_size, s, z);
    nfr = ktdir__ibst_frontier(v->tree_size, fr);
    if (v->n_frontier != nfr)
        return CAIRN_ERR_INVALID_ARG;
    cairn__buf_init(&b, ctx, 8192);
    if ((st = ktdir__put_u8(&b, KT_VIEW_FORMAT)) != CAIRN_OK ||
        (st = ktdir__put_u64(&b, v->tree_size)) != CAIRN_OK ||
        (st = ktdir__put_bytes(&b, v->full_subtrees, nf * KT_H)) != CAIRN_OK)
        goto out;
    for (size_t i = 0; i < nfr; i++)
        if ((st = ktdir__put_u64(&b, v->frontier[i].timestamp)) != CAIRN_OK ||
            (st = ktdir__put_bytes(&b, v->frontier[i].prefix_root, KT_H)) != CAIRN_OK)
            goto out;
    if ((st = ktdir__put_u64(&b, v->auditor_tree_size)) != CAIRN_OK ||
        (st = ktdir__put_u64(&b, v->auditor_timestamp)) != CAIRN_OK)
        goto out;
    st = cairn__buf_take(&b, out, out_len);
out:
    cairn__buf_free(&b);
    return st;
}

cairn_status cairn_kt_view_decode(const uint8_t *in, size_t len, cairn_kt_view *out)
{
    cairn_kt_view v;
    cairn__reader r;
    uint64_t s[64], z[64], fr[64];
    size_t nf, nfr;
    if (in == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (len > 8192)
        return CAIRN_ERR_TOO_LARGE;
    memset(&v, 0, sizeof v);
    cairn__reader_init(&r, in, len);
    if (cairn__read_u8(&r) != KT_VIEW_FORMAT)
        return r.err ? CAIRN_ERR_DECODE : CAIRN_ERR_VERSION;
    v.tree_size = cairn__read_u64be(&r);
    if (r.err)
        return CAIRN_ERR_DECODE;
    nf = ktdir__log_full_subtrees(v.tree_size, s, z);
    nfr = ktdir__ibst_frontier(v.tree_size, fr);
    for (size_t i = 0; i < nf && !r.err; i++) {
        const uint8_t *h = cairn__read_bytes(&r, KT_H);
        if (h)
            memcpy(v.full_subtrees[i], h, KT_H);
    }
    for (size_t i = 0; i < nfr && !r.err; i++) {
        const uint8_t *h;
        v.frontier[i].position = fr[i];
        v.frontier[i].timestamp = cairn__read_u64be(&r);
        h = cairn__read_bytes(&r, KT_H);
        if (h)
            memcpy(v.frontier[i].prefix_root, h, KT_H);
        if (i && v.frontier[i].timestamp < v.frontier[i - 1].timestamp)
            return CAIRN_ERR_DECODE;
    }
    v.n_frontier = nfr;
    v.auditor_tree_size = cairn__read_u64be(&r);
    v.auditor_timestamp = cairn__read_u64be(&r);
    if (r.err || cairn__reader_left(&r) != 0 || v.auditor_tree_size > v.tree_size)
        return CAIRN_ERR_DECODE;
    ktdir__log_root_from_full(v.root, (const uint8_t(*)[KT_H])v.full_subtrees, z, nf);
    *out = v;
    return CAIRN_OK;
}
