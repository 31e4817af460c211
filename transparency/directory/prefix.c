/*
 * prefix.c - the server's prefix tree: every version of the tree lives in
 * one append-only node arena, and a log entry just remembers its root id.
 *
 * Invariants: nodes below `batch_start` belong to published tree versions
 * and are never modified (path copying), so any old log entry's tree can be
 * searched and proved at any time; nodes of the open batch are mutated in
 * place and hashed once when the batch is sealed. The root is always a
 * parent node (an empty tree is a root without children, KT-PT-1). The
 * shape is canonical: a leaf sits at the shallowest depth where its key is
 * unique, exactly as pproof.c's partial trees insert (KT-PT-2). Node ids
 * are array indices so the arena can be written to and read from storage.
 */
#include <string.h>

#include "ktdir_internal.h"

static int key_bit(const uint8_t *key, unsigned d)
{
    return (key[d / 8] >> (7 - d % 8)) & 1;
}

static cairn_status new_node(ktdir__ptree *t, uint32_t *id)
{
    if (t->n >= t->max_nodes)
        return CAIRN_ERR_LIMIT;
    if (t->n == t->cap) {
        size_t nc = t->cap * 2;
        void *p = cairn__realloc(t->ctx, t->nodes, nc * sizeof *t->nodes);
        if (p == NULL)
            return CAIRN_ERR_NOMEM;
        t->nodes = p;
        t->cap = nc;
    }
    memset(&t->nodes[t->n], 0, sizeof t->nodes[0]);
    *id = (uint32_t)t->n++;
    return CAIRN_OK;
}

static cairn_status new_leaf(ktdir__ptree *t, const uint8_t key[KT_VRF_NH],
                             const uint8_t commit[KT_H], uint32_t *id)
{
    cairn_status st;
    if (t->n_leaves == t->cap_leaves) {
        size_t nc = t->cap_leaves ? t->cap_leaves * 2 : 1024;
        void *p = cairn__realloc(t->ctx, t->leaves, nc * sizeof *t->leaves);
        if (p == NULL)
            return CAIRN_ERR_NOMEM;
        t->leaves = p;
        t->cap_leaves = nc;
    }
    if ((st = new_node(t, id)) != CAIRN_OK)
        return st;
    memcpy(t->leaves[t->n_leaves].key, key, KT_VRF_NH);
    memcpy(t->leaves[t->n_leaves].commit, commit, KT_H);
    t->nodes[*id].leaf = 1;
    t->nodes[*id].l = (uint32_t)t->n_leaves++;
    return CAIRN_OK;
}

/* A mutable copy of node id for the open batch. */
static cairn_status own(ktdir__ptree *t, uint32_t *id)
{
    uint32_t nid;
    cairn_status st;
    if (*id >= t->batch_start)
        return CAIRN_OK;
    if ((st = new_node(t, &nid)) != CAIRN_OK)
        return st;
    t->nodes[nid] = t->nodes[*id];
    *id = nid;
    return CAIRN_OK;
}

cairn_status ktdir__ptree_init(ktdir__ptree *t, const cairn_context *ctx,
                               size_t max_nodes, uint32_t *empty_root)
{
    uint32_t root;
    cairn_status st;
    memset(t, 0, sizeof *t);
    t->ctx = ctx;
    t->max_nodes = max_nodes ? max_nodes : (64u * 1024u * 1024u);
    if (t->max_nodes > 0xfffffff0u)
        t->max_nodes = 0xfffffff0u;
    t->cap = 1024;
    t->nodes = cairn__calloc(ctx, t->cap, sizeof *t->nodes);
    if (t->nodes == NULL)
        return CAIRN_ERR_NOMEM;
    t->n = 1; /* id 0 means "no child" */
    t->batch_start = 1;
    if ((st = new_node(t, &root)) != CAIRN_OK)
        return st;
    ktdir__ptree_empty_root(t->nodes[root].hash);
    t->batch_start = (uint32_t)t->n;
    *empty_root = root;
    return CAIRN_OK;
}

void ktdir__ptree_free(ktdir__ptree *t)
{
    if (t->ctx == NULL)
        return;
    cairn__free(t->ctx, t->nodes);
    cairn__free(t->ctx, t->leaves);
    memset(t, 0, sizeof *t);
}

static uint32_t *child_ref(ktdir__ptree *t, uint32_t id, int bit)
{
    return bit ? &t->nodes[id].r : &t->nodes[id].l;
}

cairn_status ktdir__ptree_insert(ktdir__ptree *t, uint32_t *root,
                                 const uint8_t key[KT_VRF_NH],
                                 const uint8_t commit[KT_H])
{
    uint32_t cur = *root;
    unsigned d = 0;
    cairn_status st;
    if ((st = own(t, &cur)) != CAIRN_OK)
        return st;
    *root = cur;
    for (;;) {
        int b = key_bit(key, d);
        uint32_t child = *child_ref(t, cur, b);
        if (d >= 255)
            return CAIRN_ERR_LIMIT;
        if (child == 0) {
            uint32_t lf;
            if ((st = new_leaf(t, key, commit, &lf)) != CAIRN_OK)
                return st;
            *child_ref(t, cur, b) = lf;
            return CAIRN_OK;
        }
        if (!t->nodes[child].leaf) {
            if ((st = own(t, &child)) != CAIRN_OK)
                return st;
            *child_ref(t, cur, b) = child;
            cur = child;
            d++;
            continue;
        }
        {
            const uint8_t *okey = t->leaves[t->nodes[child].l].key;
            uint8_t ok[KT_VRF_NH];
            uint32_t parent = cur, p, lf, old = child;
            int pb = b;
            unsigned dd = d + 1;
            if (memcmp(okey, key, KT_VRF_NH) == 0)
                return CAIRN_ERR_EXISTS;
            memcpy(ok, okey, KT_VRF_NH);
            for (;;) {
                if (dd > 255)
                    return CAIRN_ERR_LIMIT;
                if ((st = new_node(t, &p)) != CAIRN_OK)
                    return st;
                *child_ref(t, parent, pb) = p;
                if (key_bit(ok, dd) != key_bit(key, dd))
                    break;
                parent = p;
                pb = key_bit(key, dd);
                dd++;
            }
            if ((st = new_leaf(t, key, commit, &lf)) != CAIRN_OK)
                return st;
            *child_ref(t, p, key_bit(key, dd)) = lf;
            *child_ref(t, p, key_bit(ok, dd)) = old;
            return CAIRN_OK;
        }
    }
}

static cairn_status rem(ktdir__ptree *t, uint32_t *id, const uint8_t *key,
                        unsigned d)
{
    cairn_status st;
    uint32_t c, *ref, l, r;
    if (*id == 0)
        return CAIRN_ERR_NOT_FOUND;
    if (t->nodes[*id].leaf) {
        if (memcmp(t->leaves[t->nodes[*id].l].key, key, KT_VRF_NH) != 0)
            return CAIRN_ERR_NOT_FOUND;
        *id = 0;
        return CAIRN_OK;
    }
    c = *child_ref(t, *id, key_bit(key, d));
    if ((st = rem(t, &c, key, d + 1)) != CAIRN_OK)
        return st;
    if ((st = own(t, id)) != CAIRN_OK)
        return st;
    ref = child_ref(t, *id, key_bit(key, d));
    *ref = c;
    if (d == 0)
        return CAIRN_OK;
    /* Collapse so the shape stays canonical. */
    l = t->nodes[*id].l;
    r = t->nodes[*id].r;
    if (l == 0 && r == 0)
        *id = 0;
    else if (l == 0 && t->nodes[r].leaf)
        *id = r;
    else if (r == 0 && t->nodes[l].leaf)
        *id = l;
    return CAIRN_OK;
}

cairn_status ktdir__ptree_remove(ktdir__ptree *t, uint32_t *root,
                                 const uint8_t key[KT_VRF_NH])
{
    uint32_t r = *root;
    cairn_status st = rem(t, &r, key, 0);
    if (st == CAIRN_OK)
        *root = r;
    return st;
}

static void rehash(ktdir__ptree *t, uint32_t id, int depth)
{
    ktdir__pnode *nd;
    uint8_t l[KT_H], r[KT_H];
    if (id < t->batch_start || depth > 260)
        return;
    nd = &t->nodes[id];
    if (nd->leaf) {
        ktdir__ptree_leaf_hash(nd->hash, t->leaves[nd->l].key,
                               t->leaves[nd->l].commit);
        return;
    }
    rehash(t, nd->l, depth + 1);
    rehash(t, nd->r, depth + 1);
    nd = &t->nodes[id];
    if (nd->l)
        memcpy(l, t->nodes[nd->l].hash, KT_H);
    else
        memset(l, 0, KT_H);
    if (nd->r)
        memcpy(r, t->nodes[nd->r].hash, KT_H);
    else
        memset(r, 0, KT_H);
    ktdir__ptree_parent_hash(nd->hash, l, r);
}

void ktdir__ptree_seal(ktdir__ptree *t, uint32_t root)
{
    rehash(t, root, 0);
    t->batch_start = (uint32_t)t->n;
}

bool ktdir__ptree_contains(const ktdir__ptree *t, uint32_t root,
                           const uint8_t key[KT_VRF_NH])
{
    uint32_t cur = root;
    unsigned d = 0;
    while (cur != 0 && !t->nodes[cur].leaf && d < 256) {
        cur = key_bit(key, d) ? t->nodes[cur].r : t->nodes[cur].l;
        d++;
    }
    return cur != 0 && t->nodes[cur].leaf &&
           memcmp(t->leaves[t->nodes[cur].l].key, key, KT_VRF_NH) == 0;
}

typedef struct provectx {
    const ktdir__ptree *t;
    const uint8_t (*keys)[KT_VRF_NH];
    size_t *order;
    ktdir__pproof *out;
    size_t cap_el;
} provectx;

static cairn_status push_elem(provectx *pc, const uint8_t h[KT_H])
{
    ktdir__pproof *o = pc->out;
    if (o->n_elements == pc->cap_el) {
        size_t nc = pc->cap_el ? pc->cap_el * 2 : 32;
        void *p;
        if (nc > KT_MAX_PP_ELEMENTS)
            nc = KT_MAX_PP_ELEMENTS;
        if (o->n_elements >= nc)
            return CAIRN_ERR_TOO_LARGE;
        p = cairn__realloc(pc->t->ctx, o->elements, nc * KT_H);
        if (p == NULL)
            return CAIRN_ERR_NOMEM;
        o->elements = p;
        pc->cap_el = nc;
    }
    memcpy(o->elements[o->n_elements++], h, KT_H);
    return CAIRN_OK;
}

static cairn_status prove_rec(provectx *pc, uint32_t id, size_t lo, size_t hi,
                              unsigned d)
{
    const ktdir__ptree *t = pc->t;
    cairn_status st;
    if (id == 0 || t->nodes[id].leaf) {
        for (size_t i = lo; i < hi; i++) {
            size_t k = pc->order[i];
            ktdir__presult *r = &pc->out->results[k];
            r->depth = (uint8_t)d;
            if (id == 0) {
                r->type = KT_PR_NONINCL_PARENT;
            } else {
                const ktdir__pleaf *lf = &t->leaves[t->nodes[id].l];
                if (memcmp(lf->key, pc->keys[k], KT_VRF_NH) == 0) {
                    r->type = KT_PR_INCLUSION;
                } else {
                    r->type = KT_PR_NONINCL_LEAF;
                    memcpy(r->leaf_vrf, lf->key, KT_VRF_NH);
                    memcpy(r->leaf_commit, lf->commit, KT_H);
                }
            }
        }
        return CAIRN_OK;
    }
    if (d >= 255)
        return CAIRN_ERR_INTERNAL;
    {
        size_t mid = lo;
        while (mid < hi && key_bit(pc->keys[pc->order[mid]], d) == 0)
            mid++;
        for (int side = 0; side < 2; side++) {
            size_t a = side ? mid : lo, b = side ? hi : mid;
            uint32_t c = side ? t->nodes[id].r : t->nodes[id].l;
            if (a == b) {
                static const uint8_t zero[KT_H];
                st = push_elem(pc, c ? t->nodes[c].hash : zero);
            } else {
                st = prove_rec(pc, c, a, b, d + 1);
            }
            if (st != CAIRN_OK)
                return st;
        }
    }
    return CAIRN_OK;
}

cairn_status ktdir__ptree_prove(const ktdir__ptree *t, uint32_t root,
                                const uint8_t (*keys)[KT_VRF_NH],
                                size_t n_keys, ktdir__pproof *out)
{
    provectx pc;
    cairn_status st;
    memset(out, 0, sizeof *out);
    if (n_keys > 0xffff)
        return CAIRN_ERR_TOO_LARGE;
    memset(&pc, 0, sizeof pc);
    pc.t = t;
    pc.keys = keys;
    pc.out = out;
    if (n_keys == 0)
        return push_elem(&pc, t->nodes[root].hash);
    out->results = cairn__calloc(t->ctx, n_keys, sizeof *out->results);
    pc.order = cairn__calloc(t->ctx, n_keys, sizeof *pc.order);
    if (out->results == NULL || pc.order == NULL) {
        cairn__free(t->ctx, pc.order);
        ktdir__pproof_free(t->ctx, out);
        return CAIRN_ERR_NOMEM;
    }
    out->n_results = n_keys;
    for (size_t i = 0; i < n_keys; i++) {
        size_t v = i, j = i;
        while (j > 0 && memcmp(keys[pc.order[j - 1]], keys[v], KT_VRF_NH) > 0) {
            pc.order[j] = pc.order[j - 1];
            j--;
        }
        pc.order[j] = v;
    }
    st = prove_rec(&pc, root, 0, n_keys, 0);
    cairn__free(t->ctx, pc.order);
    if (st != CAIRN_OK)
        ktdir__pproof_free(t->ctx, out);
    return st;
}
