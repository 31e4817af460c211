/*
 * combined.c - the CombinedTreeProof structure and the proof context: the
 * single oracle through which the shared algorithms (search.c, monitor.c)
 * obtain timestamps and binary ladders.
 *
 * In prove mode the oracle reads the directory through ktdir__source and
 * APPENDS each timestamp / PrefixProof the first time it is needed; in
 * verify mode it CONSUMES them from the decoded proof in the same order.
 * Per log entry it remembers the timestamp and the prefix-tree root so a
 * value is never sent twice, several proofs from one entry must agree, and
 * a retained entry's proof must give the retained root (KT-CT-3). At the
 * end it checks exact counts (KT-CT-1), monotonic timestamps (KT-CT-2) and
 * runs the log-tree walk over every entry whose timestamp was sent.
 */
#include <string.h>

#include "ktdir_internal.h"

void ktdir__combined_free(const cairn_context *ctx, ktdir__combined *c)
{
    if (c == NULL)
        return;
    cairn__free(ctx, c->ts);
    for (size_t i = 0; i < c->n_pp; i++)
        ktdir__pproof_free(ctx, &c->pp[i]);
    cairn__free(ctx, c->pp);
    cairn__free(ctx, c->roots);
    cairn__free(ctx, c->incl);
    memset(c, 0, sizeof *c);
}

cairn_status ktdir__combined_encode(cairn__buf *b, const ktdir__combined *c)
{
    cairn_status st;
    if (c->n_ts > 0xff || c->n_pp > 0xff || c->n_roots > 0xff ||
        c->n_incl > 0xffff)
        return CAIRN_ERR_TOO_LARGE;
    if ((st = ktdir__put_u8(b, (uint8_t)c->n_ts)) != CAIRN_OK)
        return st;
    for (size_t i = 0; i < c->n_ts; i++)
        if ((st = ktdir__put_u64(b, c->ts[i])) != CAIRN_OK)
            return st;
    if ((st = ktdir__put_u8(b, (uint8_t)c->n_pp)) != CAIRN_OK)
        return st;
    for (size_t i = 0; i < c->n_pp; i++)
        if ((st = ktdir__pproof_encode(b, &c->pp[i], false)) != CAIRN_OK)
            return st;
    if ((st = ktdir__put_u8(b, (uint8_t)c->n_roots)) != CAIRN_OK ||
        (st = ktdir__put_bytes(b, c->roots, c->n_roots * KT_H)) != CAIRN_OK ||
        (st = ktdir__put_u16(b, (uint16_t)c->n_incl)) != CAIRN_OK)
        return st;
    return ktdir__put_bytes(b, c->incl, c->n_incl * KT_H);
}

cairn_status ktdir__combined_decode(const cairn_context *ctx, cairn__reader *r,
                                    ktdir__combined *c)
{
    cairn_status st = CAIRN_ERR_DECODE;
    size_t n;
    const uint8_t *p;
    memset(c, 0, sizeof *c);
    n = ktdir__get_count8(r, 255);
    if (r->err)
        goto fail;
    if (n) {
        c->ts = cairn__calloc(ctx, n, sizeof *c->ts);
        if (c->ts == NULL) {
            st = CAIRN_ERR_NOMEM;
            goto fail;
        }
    }
    c->n_ts = n;
    for (size_t i = 0; i < n; i++)
        c->ts[i] = cairn__read_u64be(r);
    n = ktdir__get_count8(r, 255);
    if (r->err)
        goto fail;
    if (n) {
        c->pp = cairn__calloc(ctx, n, sizeof *c->pp);
        if (c->pp == NULL) {
            st = CAIRN_ERR_NOMEM;
            goto fail;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if ((st = ktdir__pproof_decode(ctx, r, &c->pp[i], false)) != CAIRN_OK)
            goto fail;
        c->n_pp++;
    }
    st = CAIRN_ERR_DECODE;
    n = ktdir__get_count8(r, 255);
    p = r->err ? NULL : cairn__read_bytes(r, n * KT_H);
    if (r->err || (n && p == NULL))
        goto fail;
    if (n) {
        if ((c->roots = cairn__memdup(ctx, p, n * KT_H)) == NULL) {
            st = CAIRN_ERR_NOMEM;
            goto fail;
        }
    }
    c->n_roots = n;
    n = ktdir__get_count16(r, KT_MAX_INCL_ELEMENTS);
    p = r->err ? NULL : cairn__read_bytes(r, n * KT_H);
    if (r->err || (n && p == NULL))
        goto fail;
    if (n) {
        if ((c->incl = cairn__memdup(ctx, p, n * KT_H)) == NULL) {
            st = CAIRN_ERR_NOMEM;
            goto fail;
        }
    }
    c->n_incl = n;
    return CAIRN_OK;
fail:
    ktdir__combined_free(ctx, c);
    return st == CAIRN_OK ? CAIRN_ERR_DECODE : st;
}

/* ---------------------------------------------------------- the oracle */

static ktdir__entry *find_entry(ktdir__pctx *pc, uint64_t idx)
{
    size_t a = 0, b = pc->n_ents;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (pc->ents[mid].idx < idx)
            a = mid + 1;
        else
            b = mid;
    }
    return (a < pc->n_ents && pc->ents[a].idx == idx) ? &pc->ents[a] : NULL;
}

static cairn_status add_entry(ktdir__pctx *pc, uint64_t idx, ktdir__entry **out)
{
    size_t a = 0;
    ktdir__entry *e = find_entry(pc, idx);
    if (e) {
        *out = e;
        return CAIRN_OK;
    }
    if (pc->n_ents >= KT_MAX_TOUCHED)
        return CAIRN_ERR_LIMIT;
    while (a < pc->n_ents && pc->ents[a].idx < idx)
        a++;
    memmove(&pc->ents[a + 1], &pc->ents[a], (pc->n_ents - a) * sizeof *pc->ents);
    memset(&pc->ents[a], 0, sizeof *pc->ents);
    pc->ents[a].idx = idx;
    pc->n_ents++;
    *out = &pc->ents[a];
    return CAIRN_OK;
}

cairn_status ktdir__pctx_init(ktdir__pctx *pc, const cairn_context *ctx,
                              bool prove, const cairn_kt_config *cfg,
                              uint64_t n, const cairn_kt_view *view)
{
    cairn_status st;
    memset(pc, 0, sizeof *pc);
    pc->ctx = ctx;
    pc->prove = prove;
    pc->cfg = cfg;
    pc->n = n;
    pc->view = view;
    if (n == 0 || view->tree_size > n || view->n_frontier > 64)
        return CAIRN_ERR_INVALID_ARG;
    pc->ents = cairn__calloc(ctx, KT_MAX_TOUCHED, sizeof *pc->ents);
    pc->lookups = cairn__calloc(ctx, KT_MAX_LOOKUPS, sizeof *pc->lookups);
    if (pc->ents == NULL || pc->lookups == NULL) {
        ktdir__pctx_free(pc);
        return CAIRN_ERR_NOMEM;
    }
    for (size_t i = 0; i < view->n_frontier; i++) {
        ktdir__entry *e;
        if ((st = add_entry(pc, view->frontier[i].position, &e)) != CAIRN_OK) {
            ktdir__pctx_free(pc);
            return st;
        }
        e->ts = view->frontier[i].timestamp;
        memcpy(e->root, view->frontier[i].prefix_root, KT_H);
        e->has_ts = e->retained = e->has_root = true;
    }
    return CAIRN_OK;
}

void ktdir__pctx_free(ktdir__pctx *pc)
{
    cairn__free(pc->ctx, pc->ents);
    cairn__free(pc->ctx, pc->lookups);
    pc->ents = NULL;
    pc->lookups = NULL;
}

static cairn_status grow(const cairn_context *ctx, void **p, size_t *cap,
                         size_t need, size_t elem, size_t max)
{
    size_t nc;
    void *q;
    if (need <= *cap)
        return CAIRN_OK;
    if (need > max)
        return CAIRN_ERR_TOO_LARGE;
    nc = *cap ? *cap * 2 : 16;
    if (nc < need)
        nc = need;
    if (nc > max)
        nc = max;
    q = cairn__realloc(ctx, *p, nc * elem);
    if (q == NULL)
        return CAIRN_ERR_NOMEM;
    *p = q;
    *cap = nc;
    return CAIRN_OK;
}

cairn_status ktdir__get_ts(ktdir__pctx *pc, uint64_t idx, uint64_t *ts)
{
    ktdir__entry *e;
    cairn_status st;
    if (idx >= pc->n)
        return pc->prove ? CAIRN_ERR_INTERNAL : CAIRN_ERR_PROOF;
    if ((st = add_entry(pc, idx, &e)) != CAIRN_OK)
        return st;
    if (!e->has_ts) {
        if (pc->prove) {
            uint8_t root[KT_H];
            uint64_t v;
            if ((st = pc->src->entry(pc->src->ud, idx, &v, root)) != CAIRN_OK)
                return st;
            if ((st = grow(pc->ctx, (void **)&pc->out->ts, &pc->cap_ts,
                           pc->out->n_ts + 1, sizeof(uint64_t), 255)) != CAIRN_OK)
                return st;
            pc->out->ts[pc->out->n_ts++] = v;
            e->ts = v;
        } else {
            if (pc->ts_pos >= pc->in->n_ts)
                return CAIRN_ERR_PROOF;
            e->ts = pc->in->ts[pc->ts_pos++];
        }
        e->has_ts = true;
    }
    *ts = e->ts;
    return CAIRN_OK;
}

static ktdir__vkey *key_for(const ktdir__pctx *pc, uint32_t v)
{
    for (size_t i = 0; i < pc->n_keys; i++)
        if (pc->keys[i].version == v)
            return &pc->keys[i];
    return NULL;
}

static bool omitted(const ktdir__pctx *pc, uint64_t idx, uint32_t v,
                    bool *implied)
{
    for (size_t i = 0; i < pc->n_lookups; i++) {
        const ktdir__lookup *l = &pc->lookups[i];
        if (l->version != v)
            continue;
        if (l->included && l->idx < idx) {
            *implied = true;
            return true;
        }
        if (!l->included && l->idx > idx) {
            *implied = false;
            return true;
        }
    }
    return false;
}

/* Obtains (prove) or consumes (verify) one PrefixProof for the given
 * versions at idx and records the root it evaluates to. */
static cairn_status take_proof(ktdir__pctx *pc, uint64_t idx,
                               const uint32_t *vers, const bool *outcome,
                               size_t nv)
{
    uint8_t keys[KT_MAX_PP_LOOKUPS][KT_VRF_NH];
    uint8_t commits[KT_MAX_PP_LOOKUPS][KT_H];
    bool has_commit[KT_MAX_PP_LOOKUPS], incl[KT_MAX_PP_LOOKUPS];
    uint8_t root[KT_H];
    const ktdir__pproof *pp;
    ktdir__entry *e;
    cairn_status st;

    if (nv > KT_MAX_PP_LOOKUPS)
        return CAIRN_ERR_INTERNAL;
    for (size_t i = 0; i < nv; i++) {
        const ktdir__vkey *k = key_for(pc, vers[i]);
        if (k == NULL)
            return pc->prove ? CAIRN_ERR_INTERNAL : CAIRN_ERR_PROOF;
        memcpy(keys[i], k->vrf, KT_VRF_NH);
        memcpy(commits[i], k->commit, KT_H);
        has_commit[i] = k->has_commit;
    }
    if (pc->prove) {
        ktdir__pproof np;
        if ((st = grow(pc->ctx, (void **)&pc->out->pp, &pc->cap_pp,
                       pc->out->n_pp + 1, sizeof(ktdir__pproof), 255)) != CAIRN_OK)
            return st;
        if ((st = pc->src->prefix_prove(pc->src->ud, idx,
                                        (const uint8_t(*)[KT_VRF_NH])keys, nv,
                                        &np)) != CAIRN_OK)
            return st;
        pc->out->pp[pc->out->n_pp++] = np;
        pp = &pc->out->pp[pc->out->n_pp - 1];
    } else {
        if (pc->pp_pos >= pc->in->n_pp)
            return CAIRN_ERR_PROOF;
        pp = &pc->in->pp[pc->pp_pos++];
    }
    st = ktdir__pproof_eval(pc->ctx, pp, (const uint8_t(*)[KT_VRF_NH])keys,
                            (const uint8_t(*)[KT_H])commits, has_commit, nv,
                            root, incl, NULL);
    if (st != CAIRN_OK)
        return pc->prove && st == CAIRN_ERR_PROOF ? CAIRN_ERR_INTERNAL : st;
    for (size_t i = 0; i < nv; i++) {
        if (incl[i] != outcome[i])
            return pc->prove ? CAIRN_ERR_INTERNAL : CAIRN_ERR_PROOF;
        if (incl[i])
            key_for(pc, vers[i])->used = true;
    }
    if ((st = add_entry(pc, idx, &e)) != CAIRN_OK)
        return st;
    if (e->has_root) {
        if (memcmp(e->root, root, KT_H) != 0)
            return CAIRN_ERR_PROOF;
    } else {
        memcpy(e->root, root, KT_H);
        e->has_root = true;
    }
    return CAIRN_OK;
}

/* Outcome of looking up v at idx: the real tree, or the next result. */
static cairn_status outcome_of(ktdir__pctx *pc, uint64_t idx, uint32_t v,
                               size_t pos, bool *incl)
{
    if (pc->prove) {
        const ktdir__vkey *k = key_for(pc, v);
        if (k == NULL)
            return CAIRN_ERR_INTERNAL;
        *incl = pc->src->contains(pc->src->ud, idx, k->vrf);
        return CAIRN_OK;
    }
    if (pc->pp_pos >= pc->in->n_pp || pos >= pc->in->pp[pc->pp_pos].n_results)
        return CAIRN_ERR_PROOF;
    *incl = pc->in->pp[pc->pp_pos].results[pos].type == KT_PR_INCLUSION;
    return CAIRN_OK;
}

static cairn_status record_lookups(ktdir__pctx *pc, uint64_t idx,
                                   const uint32_t *vers, const bool *res,
                                   size_t nv, uint32_t t)
{
    if (pc->n_lookups + nv > KT_MAX_LOOKUPS ||
        pc->n_ladders >= CAIRN_ARRAY_LEN(pc->ladders))
        return CAIRN_ERR_LIMIT;
    for (size_t i = 0; i < nv; i++) {
        pc->lookups[pc->n_lookups].idx = idx;
        pc->lookups[pc->n_lookups].version = vers[i];
        pc->lookups[pc->n_lookups].included = res[i];
        pc->n_lookups++;
    }
    pc->ladders[pc->n_ladders].idx = idx;
    pc->ladders[pc->n_ladders].target = t;
    pc->n_ladders++;
    return CAIRN_OK;
}

cairn_status ktdir__ladder_at(ktdir__pctx *pc, uint64_t idx, uint32_t t,
                              int kind, int *cmp)
{
    uint32_t vers[KT_MAX_LADDER];
    bool res[KT_MAX_LADDER];
    size_t nv = 0;
    uint64_t ts;
    cairn_status st;

    if ((st = ktdir__get_ts(pc, idx, &ts)) != CAIRN_OK)
        return st;
    *cmp = KT_CMP_EQUAL;
    if (kind == KT_LADDER_MONITOR) {
        uint32_t base[KT_MAX_LADDER];
        size_t nb = ktdir__base_ladder(t, base);
        for (size_t i = 0; i < nb; i++) {
            bool inc;
            if (base[i] > t)
                continue;
            if ((st = outcome_of(pc, idx, base[i], nv, &inc)) != CAIRN_OK)
                return st;
            vers[nv] = base[i];
            res[nv++] = inc;
        }
    } else {
        ktdir__ladder l;
        uint32_t v;
        ktdir__ladder_init(&l);
        while (ktdir__ladder_next(&l, &v)) {
            bool inc, implied;
            if (kind == KT_LADDER_SEARCH && omitted(pc, idx, v, &implied)) {
                inc = implied;
            } else {
                if (nv >= KT_MAX_LADDER)
                    return CAIRN_ERR_INTERNAL;
                if ((st = outcome_of(pc, idx, v, nv, &inc)) != CAIRN_OK)
                    return st;
                vers[nv] = v;
                res[nv++] = inc;
            }
            ktdir__ladder_feed(&l, inc);
            if (inc && v > t) {
                *cmp = KT_CMP_GREATER;
                break;
            }
            if (!inc && v <= t) {
                *cmp = KT_CMP_LESS;
                break;
            }
        }
    }
    if (nv > 0 && (st = take_proof(pc, idx, vers, res, nv)) != CAIRN_OK)
        return st;
    if ((st = record_lookups(pc, idx, vers, res, nv, t)) != CAIRN_OK)
        return st;
    /* The prover reports what its tree holds; the verifier judges. */
    if (kind == KT_LADDER_MONITOR && !pc->prove)
        for (size_t i = 0; i < nv; i++)
            if (!res[i])
                return CAIRN_ERR_PROOF; /* a monitored version vanished */
    return CAIRN_OK;
}

cairn_status ktdir__lookup_at(ktdir__pctx *pc, uint64_t idx, uint32_t v,
                              bool *included)
{
    uint64_t ts;
    bool inc;
    cairn_status st;
    if ((st = ktdir__get_ts(pc, idx, &ts)) != CAIRN_OK ||
        (st = outcome_of(pc, idx, v, 0, &inc)) != CAIRN_OK ||
        (st = take_proof(pc, idx, &v, &inc, 1)) != CAIRN_OK)
        return st;
    *included = inc;
    return CAIRN_OK;
}

cairn_status ktdir__lookups_at(ktdir__pctx *pc, uint64_t idx,
                               const uint32_t *vers, size_t n, bool *included)
{
    bool inc[KT_MAX_PP_LOOKUPS];
    uint64_t ts;
    cairn_status st;
    if (n == 0 || n > KT_MAX_PP_LOOKUPS)
        return pc->prove ? CAIRN_ERR_INTERNAL : CAIRN_ERR_PROOF;
    if ((st = ktdir__get_ts(pc, idx, &ts)) != CAIRN_OK)
        return st;
    for (size_t i = 0; i < n; i++)
        if ((st = outcome_of(pc, idx, vers[i], i, &inc[i])) != CAIRN_OK)
            return st;
    if ((st = take_proof(pc, idx, vers, inc, n)) != CAIRN_OK)
        return st;
    memcpy(included, inc, n * sizeof *inc);
    return CAIRN_OK;
}

cairn_status ktdir__assume_included(ktdir__pctx *pc, uint64_t idx,
                                    const uint32_t *vers, size_t n)
{
    if (pc->n_lookups + n > KT_MAX_LOOKUPS)
        return CAIRN_ERR_LIMIT;
    for (size_t i = 0; i < n; i++) {
        pc->lookups[pc->n_lookups].idx = idx;
        pc->lookups[pc->n_lookups].version = vers[i];
        pc->lookups[pc->n_lookups].included = true;
        pc->n_lookups++;
    }
    return CAIRN_OK;
}

bool ktdir__pp_exhausted(const ktdir__pctx *pc)
{
    return !pc->prove && pc->pp_pos >= pc->in->n_pp;
}

bool ktdir__ladder_seen(const ktdir__pctx *pc, uint64_t idx, uint32_t *target)
{
    for (size_t i = 0; i < pc->n_ladders; i++)
        if (pc->ladders[i].idx == idx) {
            *target = pc->ladders[i].target;
            return true;
        }
    return false;
}

typedef struct finctx {
    ktdir__pctx *pc;
    uint8_t (*leaves)[KT_H];
    size_t incl_pos;
    size_t cap_incl;
} finctx;

static void fin_leaf(void *ud, size_t i, uint8_t out[KT_H])
{
    finctx *f = ud;
    memcpy(out, f->leaves[i], KT_H);
}

static void fin_retained(void *ud, size_t j, uint8_t out[KT_H])
{
    finctx *f = ud;
    memcpy(out, f->pc->view->full_subtrees[j], KT_H);
}

static cairn_status fin_element(void *ud, uint64_t lo, uint64_t size,
                                uint8_t out[KT_H])
{
    finctx *f = ud;
    ktdir__pctx *pc = f->pc;
    cairn_status st;
    if (pc->prove) {
        if ((st = pc->src->log_node(pc->src->ud, lo, size, out)) != CAIRN_OK)
            return st;
        if ((st = grow(pc->ctx, (void **)&pc->out->incl, &f->cap_incl,
                       pc->out->n_incl + 1, KT_H, KT_MAX_INCL_ELEMENTS)) != CAIRN_OK)
            return st;
        memcpy(pc->out->incl[pc->out->n_incl++], out, KT_H);
        return CAIRN_OK;
    }
    if (f->incl_pos >= pc->in->n_incl)
        return CAIRN_ERR_PROOF;
    memcpy(out, pc->in->incl[f->incl_pos++], KT_H);
    return CAIRN_OK;
}

cairn_status ktdir__pctx_finish(ktdir__pctx *pc, uint64_t a, uint8_t root[KT_H],
                                uint8_t a_root[KT_H], uint8_t (*n_heads)[KT_H])
{
    uint64_t *known = NULL;
    size_t n_known = 0, roots_pos = 0, cap_roots = 0;
    uint8_t a_heads[64][KT_H];
    finctx f;
    ktdir__logwalk w;
    cairn_status st = CAIRN_OK;
    uint64_t last_ts = 0;
    bool have_last = false;

    memset(&f, 0, sizeof f);
    f.pc = pc;
    /* prefix_roots: entries with a sent timestamp but no proof. */
    for (size_t i = 0; i < pc->n_ents; i++) {
        ktdir__entry *e = &pc->ents[i];
        if (!e->has_ts || e->retained || e->has_root)
            continue;
        if (pc->prove) {
            uint64_t ts;
            if ((st = pc->src->entry(pc->src->ud, e->idx, &ts, e->root)) != CAIRN_OK)
                return st;
            if ((st = grow(pc->ctx, (void **)&pc->out->roots, &cap_roots,
                           pc->out->n_roots + 1, KT_H, 255)) != CAIRN_OK)
                return st;
            memcpy(pc->out->roots[pc->out->n_roots++], e->root, KT_H);
        } else {
            if (roots_pos >= pc->in->n_roots)
                return CAIRN_ERR_PROOF;
            memcpy(e->root, pc->in->roots[roots_pos++], KT_H);
        }
        e->has_root = true;
    }
    if (!pc->prove && (roots_pos != pc->in->n_roots || pc->ts_pos != pc->in->n_ts ||
                       pc->pp_pos != pc->in->n_pp))
        return CAIRN_ERR_PROOF;
    /* Monotonic timestamps over sent and retained entries. */
    for (size_t i = 0; i < pc->n_ents; i++) {
        if (!pc->ents[i].has_ts)
            continue;
        if (!pc->prove && have_last && pc->ents[i].ts < last_ts)
            return CAIRN_ERR_STALE; /* the verifier judges, the prover reports */
        last_ts = pc->ents[i].ts;
        have_last = true;
        if (!pc->ents[i].retained)
            n_known++;
    }
    if (n_known) {
        known = cairn__calloc(pc->ctx, n_known, sizeof *known);
        f.leaves = cairn__calloc(pc->ctx, n_known, KT_H);
        if (known == NULL || f.leaves == NULL) {
            st = CAIRN_ERR_NOMEM;
            goto out;
        }
    }
    n_known = 0;
    for (size_t i = 0; i < pc->n_ents; i++) {
        ktdir__entry *e = &pc->ents[i];
        if (!e->has_ts || e->retained)
            continue;
        known[n_known] = e->idx;
        ktdir__log_leaf_hash(f.leaves[n_known], e->ts, e->root);
        n_known++;
    }
    memset(&w, 0, sizeof w);
    w.n = pc->n;
    w.m = pc->view->tree_size;
    w.a = a;
    w.known = known;
    w.n_known = n_known;
    w.ud = &f;
    w.leaf = fin_leaf;
    w.retained = fin_retained;
    w.element = fin_element;
    w.n_heads = n_heads;
    w.a_heads = a_heads;
    st = ktdir__log_walk(&w, root);
    if (st == CAIRN_ERR_PROOF && pc->prove)
        st = CAIRN_ERR_INTERNAL;
    if (st == CAIRN_OK && !pc->prove && f.incl_pos != pc->in->n_incl)
        st = CAIRN_ERR_PROOF;
    if (st == CAIRN_OK && a) {
        uint64_t s[64], z[64];
        size_t c = ktdir__log_full_subtrees(a, s, z);
        ktdir__log_root_from_full(a_root, (const uint8_t(*)[KT_H])a_heads, z, c);
    }
out:
    cairn__free(pc->ctx, known);
    cairn__free(pc->ctx, f.leaves);
    return st;
}
