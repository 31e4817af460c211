/*
 * pproof.c - PrefixProof encoding and evaluation, shared by clients (search
 * and monitoring), the prover's self-check and the auditor.
 *
 * Evaluation (KT-PT-4) sorts the looked-up keys, then rebuilds the tree top
 * down: a node where searches end gets the leaf or stand-in value implied
 * by the results; a node with searches on one side only takes the other
 * side's value from `elements`, consumed left to right. Every element must
 * be consumed exactly (KT-PT-6), the root is always a parent so no search
 * may end at depth 0, and a nonInclusionLeaf must share the key's prefix
 * without being the key (KT-PT-5). The optional partial tree records what
 * the proof reveals so an auditor can apply insertions to it.
 */
#include <string.h>

#include "ktdir_internal.h"

void ktdir__pproof_free(const cairn_context *ctx, ktdir__pproof *p)
{
    if (p == NULL)
        return;
    cairn__free(ctx, p->results);
    cairn__free(ctx, p->elements);
    memset(p, 0, sizeof *p);
}

cairn_status ktdir__pproof_encode(cairn__buf *b, const ktdir__pproof *p,
                                  bool wide)
{
    cairn_status st;
    if (p->n_results > (wide ? 0xffffu : 0xffu) || p->n_elements > 0xffff)
        return CAIRN_ERR_TOO_LARGE;
    st = wide ? ktdir__put_u16(b, (uint16_t)p->n_results)
              : ktdir__put_u8(b, (uint8_t)p->n_results);
    if (st != CAIRN_OK)
        return st;
    for (size_t i = 0; i < p->n_results; i++) {
        const ktdir__presult *r = &p->results[i];
        if ((st = ktdir__put_u8(b, r->type)) != CAIRN_OK)
            return st;
        if (r->type == KT_PR_NONINCL_LEAF) {
            if ((st = ktdir__put_bytes(b, r->leaf_vrf, KT_VRF_NH)) != CAIRN_OK ||
                (st = ktdir__put_bytes(b, r->leaf_commit, KT_H)) != CAIRN_OK)
                return st;
        }
        if ((st = ktdir__put_u8(b, r->depth)) != CAIRN_OK)
            return st;
    }
    if ((st = ktdir__put_u16(b, (uint16_t)p->n_elements)) != CAIRN_OK)
        return st;
    return ktdir__put_bytes(b, p->elements, p->n_elements * KT_H);
}

cairn_status ktdir__pproof_decode(const cairn_context *ctx, cairn__reader *r,
                                  ktdir__pproof *p, bool wide)
{
    size_t n;
    const uint8_t *e;
    memset(p, 0, sizeof *p);
    n = wide ? ktdir__get_count16(r, 0xffff) : ktdir__get_count8(r, 255);
    if (r->err)
        return CAIRN_ERR_DECODE;
    if (n) {
        p->results = cairn__calloc(ctx, n, sizeof *p->results);
        if (p->results == NULL)
            return CAIRN_ERR_NOMEM;
    }
    p->n_results = n;
    for (size_t i = 0; i < n && !r->err; i++) {
        ktdir__presult *res = &p->results[i];
        res->type = cairn__read_u8(r);
        if (res->type == KT_PR_NONINCL_LEAF) {
            const uint8_t *lv = cairn__read_bytes(r, KT_VRF_NH + KT_H);
            if (lv) {
                memcpy(res->leaf_vrf, lv, KT_VRF_NH);
                memcpy(res->leaf_commit, lv + KT_VRF_NH, KT_H);
            }
        } else if (res->type != KT_PR_INCLUSION &&
                   res->type != KT_PR_NONINCL_PARENT) {
            r->err = true;
        }
        res->depth = cairn__read_u8(r);
    }
    n = ktdir__get_count16(r, KT_MAX_PP_ELEMENTS);
    e = r->err ? NULL : cairn__read_bytes(r, n * KT_H);
    if (r->err || (n && e == NULL)) {
        ktdir__pproof_free(ctx, p);
        return CAIRN_ERR_DECODE;
    }
    if (n) {
        p->elements = cairn__memdup(ctx, e, n * KT_H);
        if (p->elements == NULL) {
            ktdir__pproof_free(ctx, p);
            return CAIRN_ERR_NOMEM;
        }
    }
    p->n_elements = n;
    return CAIRN_OK;
}

/* ------------------------------------------------------------- hashing */

void ktdir__ptree_leaf_hash(uint8_t out[KT_H], const uint8_t key[KT_VRF_NH],
                            const uint8_t commit[KT_H])
{
    static const uint8_t tag = 0x02;
    ktdir__sha256(out, &tag, 1, key, KT_VRF_NH, commit, KT_H);
}

void ktdir__ptree_parent_hash(uint8_t out[KT_H], const uint8_t l[KT_H],
                              const uint8_t r[KT_H])
{
    static const uint8_t tag = 0x03;
    ktdir__sha256(out, &tag, 1, l, KT_H, r, KT_H);
}

void ktdir__ptree_empty_root(uint8_t out[KT_H])
{
    static const uint8_t z[KT_H];
    ktdir__ptree_parent_hash(out, z, z);
}

static int key_bit(const uint8_t *key, unsigned d)
{
    return (key[d / 8] >> (7 - d % 8)) & 1;
}

static bool prefix_eq(const uint8_t *a, const uint8_t *b, unsigned bits)
{
    unsigned full = bits / 8, rem = bits % 8;
    if (full && memcmp(a, b, full) != 0)
        return false;
    if (rem) {
        uint8_t mask = (uint8_t)(0xff << (8 - rem));
        if ((a[full] & mask) != (b[full] & mask))
            return false;
    }
    return true;
}

/* ------------------------------------------------------- partial trees */

void ktdir__partial_free(ktdir__ptree_partial *t)
{
    if (t->nodes)
        cairn__free(t->ctx, t->nodes);
    t->nodes = NULL;
    t->n = t->cap = 0;
}

static cairn_status partial_new(ktdir__ptree_partial *t, uint8_t kind,
                                uint32_t *id)
{
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        void *p;
        if (nc > 16u * 1024u * 1024u)
            return CAIRN_ERR_TOO_LARGE;
        p = cairn__realloc(t->ctx, t->nodes, nc * sizeof *t->nodes);
        if (p == NULL)
            return CAIRN_ERR_NOMEM;
        t->nodes = p;
        t->cap = nc;
    }
    memset(&t->nodes[t->n], 0, sizeof t->nodes[0]);
    t->nodes[t->n].kind = kind;
    *id = (uint32_t)t->n++;
    return CAIRN_OK;
}

cairn_status ktdir__partial_insert(ktdir__ptree_partial *t,
                                   const uint8_t key[KT_VRF_NH],
                                   const uint8_t commit[KT_H])
{
    uint32_t cur = t->root;
    unsigned d = 0;
    cairn_status st;
    for (;;) {
        uint32_t child;
        int b;
        if (d >= 255)
            return CAIRN_ERR_LIMIT;
        b = key_bit(key, d);
        child = b ? t->nodes[cur].r : t->nodes[cur].l;
        switch (t->nodes[child].kind) {
        case KT_PT_EMPTY:
            t->nodes[child].kind = KT_PT_LEAF;
            memcpy(t->nodes[child].key, key, KT_VRF_NH);
            memcpy(t->nodes[child].commit, commit, KT_H);
            return CAIRN_OK;
        case KT_PT_PARENT:
            cur = child;
            d++;
            continue;
        case KT_PT_OPAQUE:
            return CAIRN_ERR_PROOF;
        default: {
            /* Split: chain of parents until the keys' bits differ. */
            uint8_t okey[KT_VRF_NH], ocommit[KT_H];
            uint32_t p = child;
            unsigned dd = d + 1;
            if (memcmp(t->nodes[child].key, key, KT_VRF_NH) == 0)
                return CAIRN_ERR_EXISTS;
            memcpy(okey, t->nodes[child].key, KT_VRF_NH);
            memcpy(ocommit, t->nodes[child].commit, KT_H);
            for (;;) {
                uint32_t a, c;
                if (dd > 255)
                    return CAIRN_ERR_LIMIT;
                t->nodes[p].kind = KT_PT_PARENT;
                if ((st = partial_new(t, KT_PT_EMPTY, &a)) != CAIRN_OK ||
                    (st = partial_new(t, KT_PT_EMPTY, &c)) != CAIRN_OK)
                    return st;
                t->nodes[p].l = a;
                t->nodes[p].r = c;
                if (key_bit(okey, dd) == key_bit(key, dd)) {
                    p = key_bit(key, dd) ? c : a;
                    dd++;
                    continue;
                }
                {
                    uint32_t on = key_bit(okey, dd) ? c : a;
                    uint32_t nn = key_bit(key, dd) ? c : a;
                    t->nodes[on].kind = KT_PT_LEAF;
                    memcpy(t->nodes[on].key, okey, KT_VRF_NH);
                    memcpy(t->nodes[on].commit, ocommit, KT_H);
                    t->nodes[nn].kind = KT_PT_LEAF;
                    memcpy(t->nodes[nn].key, key, KT_VRF_NH);
                    memcpy(t->nodes[nn].commit, commit, KT_H);
                }
                return CAIRN_OK;
            }
        }
        }
    }
}

static void partial_hash(ktdir__ptree_partial *t, uint32_t id, uint8_t out[KT_H],
                         int depth)
{
    ktdir__ptnode *nd = &t->nodes[id];
    switch (nd->kind) {
    case KT_PT_OPAQUE:
        memcpy(out, nd->hash, KT_H);
        break;
    case KT_PT_EMPTY:
        memset(out, 0, KT_H);
        break;
    case KT_PT_LEAF:
        ktdir__ptree_leaf_hash(out, nd->key, nd->commit);
        break;
    default: {
        uint8_t l[KT_H], r[KT_H];
        uint32_t li = nd->l, ri = nd->r;
        if (depth > 300) { /* cannot happen: depth is bounded by 256 */
            memset(out, 0, KT_H);
            return;
        }
        partial_hash(t, li, l, depth + 1);
        partial_hash(t, ri, r, depth + 1);
        ktdir__ptree_parent_hash(out, l, r);
    }
    }
}

void ktdir__partial_root(ktdir__ptree_partial *t, uint8_t out[KT_H])
{
    partial_hash(t, t->root, out, 0);
}

/* ----------------------------------------------------------- evaluation */

typedef struct evalctx {
    const ktdir__pproof *p;
    const uint8_t (*keys)[KT_VRF_NH];
    const uint8_t (*commits)[KT_H];
    const bool *has_commit;
    size_t *order;
    size_t next_elem;
    ktdir__ptree_partial *partial;
} evalctx;

static cairn_status eval(evalctx *e, size_t lo, size_t hi, unsigned d,
                         uint8_t out[KT_H], uint32_t node)
{
    bool any_here = false, all_here = true;
    cairn_status st;
    for (size_t i = lo; i < hi; i++) {
        if (e->p->results[e->order[i]].depth == d)
            any_here = true;
        else
            all_here = false;
    }
    if (any_here) {
        if (!all_here || d == 0)
            return CAIRN_ERR_PROOF;
        for (size_t i = lo; i < hi; i++) {
            size_t k = e->order[i];
            const ktdir__presult *r = &e->p->results[k];
            uint8_t v[KT_H];
            switch (r->type) {
            case KT_PR_INCLUSION:
                if (e->has_commit == NULL || !e->has_commit[k])
                    return CAIRN_ERR_PROOF;
                ktdir__ptree_leaf_hash(v, e->keys[k], e->commits[k]);
                break;
            case KT_PR_NONINCL_LEAF:
                if (memcmp(r->leaf_vrf, e->keys[k], KT_VRF_NH) == 0 ||
                    !prefix_eq(r->leaf_vrf, e->keys[k], d))
                    return CAIRN_ERR_PROOF;
                ktdir__ptree_leaf_hash(v, r->leaf_vrf, r->leaf_commit);
                break;
            default:
                memset(v, 0, KT_H);
                break;
            }
            if (i == lo)
                memcpy(out, v, KT_H);
            else if (memcmp(out, v, KT_H) != 0)
                return CAIRN_ERR_PROOF;
            if (i == lo && e->partial) {
                ktdir__ptnode *nd = &e->partial->nodes[node];
                if (r->type == KT_PR_NONINCL_PARENT) {
                    nd->kind = KT_PT_EMPTY;
                } else {
                    nd->kind = KT_PT_LEAF;
                    memcpy(nd->key, r->type == KT_PR_INCLUSION ? e->keys[k]
                                                               : r->leaf_vrf,
                           KT_VRF_NH);
                    memcpy(nd->commit, r->type == KT_PR_INCLUSION
                                           ? e->commits[k] : r->leaf_commit,
                           KT_H);
                }
            }
        }
        return CAIRN_OK;
    }
    if (d >= 255)
        return CAIRN_ERR_PROOF;
    {
        size_t mid = lo;
        uint8_t l[KT_H], r[KT_H];
        uint32_t ln = 0, rn = 0;
        while (mid < hi && key_bit(e->keys[e->order[mid]], d) == 0)
            mid++;
        if (e->partial) {
            if ((st = partial_new(e->partial, KT_PT_OPAQUE, &ln)) != CAIRN_OK ||
                (st = partial_new(e->partial, KT_PT_OPAQUE, &rn)) != CAIRN_OK)
                return st;
            e->partial->nodes[node].kind = KT_PT_PARENT;
            e->partial->nodes[node].l = ln;
            e->partial->nodes[node].r = rn;
        }
        for (int side = 0; side < 2; side++) {
            size_t a = side ? mid : lo, b = side ? hi : mid;
            uint8_t *dst = side ? r : l;
            uint32_t nn = side ? rn : ln;
            if (a == b) {
                static const uint8_t zero[KT_H];
                if (e->next_elem >= e->p->n_elements)
                    return CAIRN_ERR_PROOF;
                memcpy(dst, e->p->elements[e->next_elem++], KT_H);
                if (e->partial) {
                    ktdir__ptnode *nd = &e->partial->nodes[nn];
                    if (memcmp(dst, zero, KT_H) == 0)
                        nd->kind = KT_PT_EMPTY;
                    else
                        memcpy(nd->hash, dst, KT_H);
                }
            } else if ((st = eval(e, a, b, d + 1, dst, nn)) != CAIRN_OK) {
                return st;
            }
        }
        ktdir__ptree_parent_hash(out, l, r);
    }
    return CAIRN_OK;
}

cairn_status ktdir__pproof_eval(const cairn_context *ctx, const ktdir__pproof *p,
                                const uint8_t (*keys)[KT_VRF_NH],
                                const uint8_t (*commits)[KT_H],
                                const bool *has_commit, size_t n_keys,
                                uint8_t root[KT_H], bool *included,
                                ktdir__ptree_partial *partial)
{
    evalctx e;
    cairn_status st;
    uint8_t r[KT_H];
    bool sorted = true;

    if (p->n_results != n_keys)
        return CAIRN_ERR_PROOF;
    memset(&e, 0, sizeof e);
    e.p = p;
    e.keys = keys;
    e.commits = commits;
    e.has_commit = has_commit;
    e.partial = partial;
    if (n_keys == 0) {
        /* An empty lookup proves only the root: it must be one element. */
        if (p->n_elements != 1)
            return CAIRN_ERR_PROOF;
        memcpy(root, p->elements[0], KT_H);
        return CAIRN_OK;
    }
    e.order = cairn__calloc(ctx, n_keys, sizeof *e.order);
    if (e.order == NULL)
        return CAIRN_ERR_NOMEM;
    for (size_t i = 0; i < n_keys; i++) {
        e.order[i] = i;
        if (i && memcmp(keys[i - 1], keys[i], KT_VRF_NH) > 0)
            sorted = false;
    }
    if (!sorted) {
        if (n_keys > 255) {
            cairn__free(ctx, e.order);
            return CAIRN_ERR_TOO_LARGE;
        }
        for (size_t i = 1; i < n_keys; i++) {
            size_t v = e.order[i], j = i;
            while (j > 0 && memcmp(keys[e.order[j - 1]], keys[v], KT_VRF_NH) > 0) {
                e.order[j] = e.order[j - 1];
                j--;
            }
            e.order[j] = v;
        }
    }
    if (partial) {
        partial->ctx = ctx;
        partial->nodes = NULL;
        partial->n = partial->cap = 0;
        if ((st = partial_new(partial, KT_PT_PARENT, &partial->root)) != CAIRN_OK)
            goto out;
    }
    st = eval(&e, 0, n_keys, 0, r, partial ? partial->root : 0);
    if (st == CAIRN_OK && e.next_elem != p->n_elements)
        st = CAIRN_ERR_PROOF;
    if (st == CAIRN_OK) {
        memcpy(root, r, KT_H);
        if (included)
            for (size_t i = 0; i < n_keys; i++)
                included[i] = p->results[i].type == KT_PR_INCLUSION;
    }
out:
    if (st != CAIRN_OK && partial)
        ktdir__partial_free(partial);
    cairn__free(ctx, e.order);
    return st;
}
