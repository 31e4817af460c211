/*
 * logtree.c - the draft's log tree: leaf and parent hashing, full subtrees,
 * and the single walk that both builds and checks batched inclusion and
 * consistency proofs; plus the server's store of balanced subtree heads.
 *
 * The walk (KT-LOG-4) recurses over the left-balanced tree of n leaves.
 * It descends into a node only if the node holds a leaf whose value the
 * verifier knows, or strictly straddles the retained size m or the auditor
 * size a; any other node is a retained full subtree of m (free), a balanced
 * subtree (one proof element), or a non-balanced one broken into balanced
 * pieces. Proof elements therefore come out left to right and are the
 * minimum set the draft asks for. When a retained head is recomputed from
 * known leaves it must equal the retained value (KT-LOG-5).
 */
#include <string.h>

#include "ktdir_internal.h"

void ktdir__log_leaf_hash(uint8_t out[KT_H], uint64_t ts,
                          const uint8_t prefix_root[KT_H])
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(ts >> (56 - 8 * i));
    ktdir__sha256(out, b, 8, prefix_root, KT_H, NULL, 0);
}

void ktdir__log_parent(uint8_t out[KT_H], const uint8_t l[KT_H], bool l_leaf,
                       const uint8_t r[KT_H], bool r_leaf)
{
    uint8_t buf[2 * (KT_H + 1)];
    buf[0] = l_leaf ? 0x00 : 0x01;
    memcpy(buf + 1, l, KT_H);
    buf[KT_H + 1] = r_leaf ? 0x00 : 0x01;
    memcpy(buf + KT_H + 2, r, KT_H);
    ktdir__sha256(out, buf, sizeof buf, NULL, 0, NULL, 0);
}

size_t ktdir__log_full_subtrees(uint64_t n, uint64_t starts[64],
                                uint64_t sizes[64])
{
    size_t c = 0;
    uint64_t lo = 0;
    for (int b = 63; b >= 0; b--) {
        uint64_t s = (uint64_t)1 << b;
        if (n & s) {
            starts[c] = lo;
            sizes[c] = s;
            c++;
            lo += s;
        }
    }
    return c;
}

void ktdir__log_root_from_full(uint8_t out[KT_H], const uint8_t (*heads)[KT_H],
                               const uint64_t *sizes, size_t count)
{
    uint8_t v[KT_H];
    bool v_leaf;
    if (count == 0) {
        memset(out, 0, KT_H);
        return;
    }
    memcpy(v, heads[count - 1], KT_H);
    v_leaf = sizes[count - 1] == 1;
    for (size_t i = count - 1; i-- > 0;) {
        ktdir__log_parent(v, heads[i], sizes[i] == 1, v, v_leaf);
        v_leaf = false;
    }
    memcpy(out, v, KT_H);
}

typedef struct walkctx {
    const ktdir__logwalk *w;
    uint64_t m_start[64], m_size[64];
    size_t m_count;
    uint64_t n_start[64], n_size[64];
    size_t n_count;
    uint64_t a_start[64], a_size[64];
    size_t a_count;
} walkctx;

static bool is_pow2(uint64_t x) { return x && !(x & (x - 1)); }

static uint64_t split_point(uint64_t size)
{
    uint64_t k = 1;
    while (k * 2 < size)
        k *= 2;
    return k;
}

/* Index of the first known leaf >= lo, or n_known. */
static size_t first_known(const ktdir__logwalk *w, uint64_t lo)
{
    size_t a = 0, b = w->n_known;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (w->known[mid] < lo)
            a = mid + 1;
        else
            b = mid;
    }
    return a;
}

static int find_range(const uint64_t *st, const uint64_t *sz, size_t c,
                      uint64_t lo, uint64_t size)
{
    for (size_t i = 0; i < c; i++)
        if (st[i] == lo && sz[i] == size)
            return (int)i;
    return -1;
}

static bool straddles(uint64_t b, uint64_t lo, uint64_t size)
{
    return b > lo && b < lo + size;
}

static cairn_status walk(walkctx *wc, uint64_t lo, uint64_t size, int depth,
                         uint8_t out[KT_H])
{
    const ktdir__logwalk *w = wc->w;
    size_t fk = first_known(w, lo);
    bool has_known = fk < w->n_known && w->known[fk] < lo + size;
    int ret = w->m ? find_range(wc->m_start, wc->m_size, wc->m_count, lo, size) : -1;
    bool strad = (w->m && straddles(w->m, lo, size)) ||
                 (w->a && straddles(w->a, lo, size));
    cairn_status st = CAIRN_OK;
    int ni, ai;

    if (depth > 64)
        return CAIRN_ERR_INTERNAL;
    if (size == 1 && has_known) {
        w->leaf(w->ud, fk, out);
        if (ret >= 0) {
            uint8_t want[KT_H];
            w->retained(w->ud, (size_t)ret, want);
            if (cairn__memeq_ct(want, out, KT_H) != 0)
                return CAIRN_ERR_PROOF;
        }
    } else if (ret >= 0 && !has_known && !(w->a && straddles(w->a, lo, size))) {
        w->retained(w->ud, (size_t)ret, out);
    } else if (!has_known && !strad && is_pow2(size)) {
        st = w->element(w->ud, lo, size, out);
    } else {
        uint8_t l[KT_H], r[KT_H];
        uint64_t k = split_point(size);
        if (size < 2)
            return CAIRN_ERR_INTERNAL;
        if ((st = walk(wc, lo, k, depth + 1, l)) != CAIRN_OK)
            return st;
        if ((st = walk(wc, lo + k, size - k, depth + 1, r)) != CAIRN_OK)
            return st;
        ktdir__log_parent(out, l, k == 1, r, size - k == 1);
        if (ret >= 0) {
            uint8_t want[KT_H];
            w->retained(w->ud, (size_t)ret, want);
            if (cairn__memeq_ct(want, out, KT_H) != 0)
                return CAIRN_ERR_PROOF;
        }
    }
    if (st != CAIRN_OK)
        return st;
    ni = find_range(wc->n_start, wc->n_size, wc->n_count, lo, size);
    if (ni >= 0 && w->n_heads)
        memcpy(w->n_heads[ni], out, KT_H);
    if (w->a && w->a_heads) {
        ai = find_range(wc->a_start, wc->a_size, wc->a_count, lo, size);
        if (ai >= 0)
            memcpy(w->a_heads[ai], out, KT_H);
    }
    return CAIRN_OK;
}

cairn_status ktdir__log_walk(const ktdir__logwalk *w, uint8_t root[KT_H])
{
    walkctx wc;
    if (w->n == 0 || w->m > w->n || w->a > w->n)
        return CAIRN_ERR_INVALID_ARG;
    for (size_t i = 0; i < w->n_known; i++)
        if (w->known[i] >= w->n || (i && w->known[i] <= w->known[i - 1]))
            return CAIRN_ERR_INVALID_ARG;
    memset(&wc, 0, sizeof wc);
    wc.w = w;
    wc.m_count = ktdir__log_full_subtrees(w->m, wc.m_start, wc.m_size);
    wc.n_count = ktdir__log_full_subtrees(w->n, wc.n_start, wc.n_size);
    wc.a_count = ktdir__log_full_subtrees(w->a, wc.a_start, wc.a_size);
    return walk(&wc, 0, w->n, 0, root);
}

/* ------------------------------------------------------ server log store */

void ktdir__log_init(ktdir__log *l, const cairn_context *ctx)
{
    memset(l, 0, sizeof *l);
    l->ctx = ctx;
}

void ktdir__log_free(ktdir__log *l)
{
    for (int i = 0; i < 64; i++)
        cairn__free(l->ctx, l->level[i]);
    memset(l, 0, sizeof *l);
}

static cairn_status level_push(ktdir__log *l, int k, const uint8_t h[KT_H])
{
    if (l->count[k] == l->cap[k]) {
        size_t nc = l->cap[k] ? l->cap[k] * 2 : 16;
        void *p = cairn__realloc(l->ctx, l->level[k], nc * KT_H);
        if (p == NULL)
            return CAIRN_ERR_NOMEM;
        l->level[k] = p;
        l->cap[k] = nc;
    }
    memcpy(l->level[k][l->count[k]++], h, KT_H);
    return CAIRN_OK;
}

cairn_status ktdir__log_append(ktdir__log *l, const uint8_t leaf[KT_H])
{
    cairn_status st;
    int k = 0;
    /* Reserve first so a failure leaves the store consistent. */
    for (int i = 0; i < 63; i++) {
        if (l->count[i] == l->cap[i]) {
            size_t nc = l->cap[i] ? l->cap[i] * 2 : 16;
            void *p = cairn__realloc(l->ctx, l->level[i], nc * KT_H);
            if (p == NULL)
                return CAIRN_ERR_NOMEM;
            l->level[i] = p;
            l->cap[i] = nc;
        }
        if (((l->size >> i) & 1) == 0)
            break;
    }
    if ((st = level_push(l, 0, leaf)) != CAIRN_OK)
        return st;
    while (k < 63 && (l->count[k] % 2) == 0) {
        uint8_t h[KT_H];
        ktdir__log_parent(h, l->level[k][l->count[k] - 2], k == 0,
                          l->level[k][l->count[k] - 1], k == 0);
        if ((st = level_push(l, k + 1, h)) != CAIRN_OK)
            return st;
        k++;
    }
    l->size++;
    return CAIRN_OK;
}

cairn_status ktdir__log_node(const ktdir__log *l, uint64_t lo, uint64_t size,
                             uint8_t out[KT_H])
{
    int k = 0;
    if (!is_pow2(size) || (lo & (size - 1)) != 0)
        return CAIRN_ERR_INTERNAL;
    while (((uint64_t)1 << k) < size)
        k++;
    if ((lo >> k) >= l->count[k])
        return CAIRN_ERR_INTERNAL;
    memcpy(out, l->level[k][lo >> k], KT_H);
    return CAIRN_OK;
}

void ktdir__log_root(const ktdir__log *l, uint64_t n, uint8_t out[KT_H])
{
    uint64_t st[64], sz[64];
    uint8_t heads[64][KT_H];
    size_t c = ktdir__log_full_subtrees(n, st, sz);
    for (size_t i = 0; i < c; i++)
        if (ktdir__log_node(l, st[i], sz[i], heads[i]) != CAIRN_OK)
            memset(heads[i], 0, KT_H);
    ktdir__log_root_from_full(out, (const uint8_t(*)[KT_H])heads, sz, c);
}
