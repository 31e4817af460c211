/*
 * ladder.c - navigation of the implicit binary search tree over log entries
 * and the binary ladder (draft appendices "Implicit Binary Search Tree" and
 * "Binary Ladder").
 *
 * The ladder is an adaptive iterator rather than a precomputed list: the
 * sequence of versions depends on the outcome of each lookup, and the
 * verifier only learns outcomes while consuming a PrefixProof. The prover
 * drives the very same iterator with outcomes read from its prefix tree.
 * Versions >= 2^32 are never emitted and count as non-inclusion (KT-LAD-2).
 */
#include "ktdir_internal.h"

static unsigned log2_floor(uint64_t x)
{
    unsigned k = 0;
    while (x >>= 1)
        k++;
    return k;
}

uint64_t ktdir__ibst_root(uint64_t n)
{
    return n == 0 ? 0 : (((uint64_t)1 << log2_floor(n)) - 1);
}

unsigned ktdir__ibst_level(uint64_t x)
{
    unsigned k = 0;
    while (k < 64 && ((x >> k) & 1))
        k++;
    return k;
}

bool ktdir__ibst_has_left(uint64_t x) { return ktdir__ibst_level(x) > 0; }

uint64_t ktdir__ibst_left(uint64_t x)
{
    unsigned k = ktdir__ibst_level(x);
    return k == 0 ? x : x ^ ((uint64_t)1 << (k - 1));
}

bool ktdir__ibst_has_right(uint64_t x, uint64_t n)
{
    return ktdir__ibst_level(x) > 0 && x + 1 < n;
}

uint64_t ktdir__ibst_right(uint64_t x, uint64_t n)
{
    unsigned k = ktdir__ibst_level(x);
    if (k == 0 || x + 1 >= n)
        return x;
    x ^= (uint64_t)3 << (k - 1);
    while (x >= n)
        x = ktdir__ibst_left(x);
    return x;
}

size_t ktdir__ibst_path(uint64_t x, uint64_t n, uint64_t out[64])
{
    size_t c = 0;
    uint64_t cur = ktdir__ibst_root(n);
    if (x >= n)
        return 0;
    for (;;) {
        out[c++] = cur;
        if (cur == x || c == 64)
            break;
        cur = x < cur ? ktdir__ibst_left(cur) : ktdir__ibst_right(cur, n);
    }
    return c;
}

size_t ktdir__ibst_frontier(uint64_t n, uint64_t out[64])
{
    size_t c = 0;
    uint64_t cur;
    if (n == 0)
        return 0;
    cur = ktdir__ibst_root(n);
    out[c++] = cur;
    while (c < 64 && ktdir__ibst_has_right(cur, n)) {
        cur = ktdir__ibst_right(cur, n);
        out[c++] = cur;
    }
    return c;
}

#define KT_VMAX ((int64_t)0xffffffff)

void ktdir__ladder_init(ktdir__ladder *l)
{
    l->phase = 1;
    l->k = 0;
    l->lower = -1;
    l->upper = 0;
    l->cur = 0;
}

bool ktdir__ladder_next(ktdir__ladder *l, uint32_t *version)
{
    if (l->phase == 1) {
        int64_t v = (int64_t)(((uint64_t)1 << l->k) - 1);
        if (v <= KT_VMAX) {
            l->cur = v;
            *version = (uint32_t)v;
            return true;
        }
        l->upper = v; /* skipped: counts as non-inclusion */
        l->phase = 2;
    }
    while (l->phase == 2) {
        int64_t v;
        if (l->lower + 1 >= l->upper) {
            l->phase = 3;
            break;
        }
        v = (l->lower + l->upper) / 2;
        if (v > KT_VMAX) {
            l->upper = v;
            continue;
        }
        l->cur = v;
        *version = (uint32_t)v;
        return true;
    }
    return false;
}

void ktdir__ladder_feed(ktdir__ladder *l, bool included)
{
    if (l->phase == 1) {
        if (included) {
            l->lower = l->cur;
            l->k++;
        } else {
            l->upper = l->cur;
            l->phase = 2;
        }
    } else if (l->phase == 2) {
        if (included)
            l->lower = l->cur;
        else
            l->upper = l->cur;
    }
}

size_t ktdir__base_ladder(uint32_t t, uint32_t out[KT_MAX_LADDER])
{
    ktdir__ladder l;
    uint32_t v;
    size_t c = 0;
    ktdir__ladder_init(&l);
    while (c < KT_MAX_LADDER && ktdir__ladder_next(&l, &v)) {
        out[c++] = v;
        ktdir__ladder_feed(&l, v <= t);
    }
    return c;
}
