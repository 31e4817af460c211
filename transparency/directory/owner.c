/*
 * owner.c - the label owner's algorithms of draft-ietf-keytrans-protocol:
 * owner initialization and the owner-monitoring walk ("Owner Algorithm")
 * and the verification of where new versions landed ("Updating a Label").
 * Written once against the proof-context oracle, like search.c, so the
 * server (recording) and the owner (consuming) run the same steps.
 *
 * Invariants: every ladder here is checked against what the owner expects
 * to be the greatest version at that entry, and a mismatch is
 * CAIRN_ERR_PROOF in verify mode (CAIRN_ERR_INTERNAL in prove mode: the
 * server's own data contradicts itself). The owner walk visits the
 * distinguished entries right of `start` in ascending order, so "the walk
 * verified up to x" means every distinguished entry in (start, x] was
 * verified (KT-OWN-4). No entry is ever expired (spec DEVIATION-2).
 */
#include "ktdir_internal.h"

static cairn_status fail(const ktdir__pctx *pc)
{
    return pc->prove ? CAIRN_ERR_INTERNAL : CAIRN_ERR_PROOF;
}

/* A ladder outcome that contradicts what the owner expects: the verifier
 * rejects; the prover reports what its tree holds and lets the owner
 * judge (a misbehaving server must still be able to answer, so tests can
 * show that the owner catches it). */
static cairn_status judge(const ktdir__pctx *pc)
{
    return pc->prove ? CAIRN_OK : CAIRN_ERR_PROOF;
}

bool ktdir__in_base_ladder(uint32_t t, uint32_t v)
{
    uint32_t b[KT_MAX_LADDER];
    size_t n = ktdir__base_ladder(t, b);
    for (size_t i = 0; i < n; i++)
        if (b[i] == v)
            return true;
    return false;
}

/* Inserts v into the ascending set out[0..*n) unless present. */
static bool set_add(uint32_t *out, size_t *n, size_t cap, uint32_t v)
{
    size_t i = 0;
    while (i < *n && out[i] < v)
        i++;
    if (i < *n && out[i] == v)
        return true;
    if (*n >= cap)
        return false;
    for (size_t j = *n; j > i; j--)
        out[j] = out[j - 1];
    out[i] = v;
    (*n)++;
    return true;
}

size_t ktdir__init_versions(const uint32_t *gv, size_t n, uint32_t *out,
                            size_t cap)
{
    size_t c = 0;
    if (cap == 0)
        return 0;
    set_add(out, &c, cap, 0);
    for (size_t i = 0; i < n; i++) {
        uint32_t b[KT_MAX_LADDER];
        size_t nb;
        /* equal neighbours have equal ladders */
        if (i && gv[i] == gv[i - 1])
            continue;
        nb = ktdir__base_ladder(gv[i], b);
        for (size_t j = 0; j < nb; j++)
            if (!set_add(out, &c, cap, b[j]))
                return SIZE_MAX;
    }
    return c;
}

size_t ktdir__update_versions(bool has_prev, uint32_t g_prev, uint32_t g_new,
                              uint32_t *out)
{
    uint32_t b[KT_MAX_LADDER];
    size_t nb = ktdir__base_ladder(g_new, b), c = 0;
    uint32_t first = has_prev ? g_prev + 1 : 0;
    const size_t cap = KT_MAX_LADDER + 256;
    for (size_t i = 0; i < nb; i++)
        set_add(out, &c, cap, b[i]);
    for (uint64_t v = first; v <= g_new && v - first < 256; v++)
        set_add(out, &c, cap, (uint32_t)v);
    /* drop what the owner already knows */
    for (size_t i = 0; i < c;) {
        bool known = has_prev ? ktdir__in_base_ladder(g_prev, out[i]) : out[i] == 0;
        if (known) {
            for (size_t j = i + 1; j < c; j++)
                out[j - 1] = out[j];
            c--;
        } else {
            i++;
        }
    }
    return c;
}

size_t ktdir__owner_init_list(uint64_t start, uint64_t n, uint64_t out[64])
{
    uint64_t path[64];
    size_t c = ktdir__ibst_path(start, n, path), k = 0;
    if (c == 0)
        return 0;
    out[k++] = start;
    for (size_t i = c - 1; i-- > 0;)
        if (path[i] < start)
            out[k++] = path[i];
    return k;
}

cairn_status ktdir__owner_init(ktdir__pctx *pc, uint64_t start,
                               const uint32_t *gv, size_t n_gv)
{
    uint64_t list[64];
    size_t c;
    bool dist;
    cairn_status st;

    if (start >= pc->n)
        return fail(pc);
    /* Precondition: start is distinguished (timestamps root..start). */
    if ((st = ktdir__distinguished(pc, start, &dist)) != CAIRN_OK)
        return st;
    if (!dist)
        return pc->prove ? CAIRN_ERR_INVALID_ARG : CAIRN_ERR_PROOF;
    c = ktdir__owner_init_list(start, pc->n, list);
    if (n_gv > c)
        return fail(pc);
    for (size_t i = 1; i < n_gv; i++)
        if (gv[i] > gv[i - 1])
            return fail(pc); /* KT-OWN-2: non-increasing */
    for (size_t i = 0; i < c; i++) {
        int cmp;
        uint32_t t = i < n_gv ? gv[i] : 0;
        if ((st = ktdir__ladder_at(pc, list[i], t, KT_LADDER_SEARCH_FULL,
                                   &cmp)) != CAIRN_OK)
            return st;
        if (cmp != (i < n_gv ? KT_CMP_EQUAL : KT_CMP_LESS) &&
            (st = judge(pc)) != CAIRN_OK)
            return st;
    }
    return CAIRN_OK;
}

static cairn_status walk(ktdir__pctx *pc, ktdir__owner_walk *w, uint64_t x,
                         unsigned depth)
{
    bool dist, has;
    uint32_t t = 0;
    int cmp;
    cairn_status st;

    if (w->stopped)
        return CAIRN_OK;
    if (depth > 64)
        return CAIRN_ERR_INTERNAL;
    if ((st = ktdir__distinguished(pc, x, &dist)) != CAIRN_OK)
        return st;
    if (!dist)
        return CAIRN_OK;
    if (x <= w->start) {
        if (ktdir__ibst_has_right(x, pc->n))
            return walk(pc, w, ktdir__ibst_right(x, pc->n), depth + 1);
        return CAIRN_OK;
    }
    if (ktdir__ibst_has_left(x)) {
        if ((st = walk(pc, w, ktdir__ibst_left(x), depth + 1)) != CAIRN_OK)
            return st;
        if (w->stopped)
            return CAIRN_OK;
    }
    /* Step 4: the server stops when the owner must first learn a newer
     * version, or at its output limit; the owner stops when the response
     * has no PrefixProof left. */
    if (pc->prove ? (w->n_ladders >= w->max_ladders || w->must_stop(w->ud, x))
                  : ktdir__pp_exhausted(pc)) {
        w->stopped = true;
        return CAIRN_OK;
    }
    has = w->expected(w->ud, x, &t);
    if ((st = ktdir__ladder_at(pc, x, t, KT_LADDER_SEARCH_FULL, &cmp)) != CAIRN_OK)
        return st;
    if (cmp != (has ? KT_CMP_EQUAL : KT_CMP_LESS) && (st = judge(pc)) != CAIRN_OK)
        return st; /* KT-OWN-5: dropped, rolled back or unexpected */
    w->n_ladders++;
    w->has_last = true;
    w->last = x;
    if (ktdir__ibst_has_right(x, pc->n))
        return walk(pc, w, ktdir__ibst_right(x, pc->n), depth + 1);
    return CAIRN_OK;
}

cairn_status ktdir__owner_walk_run(ktdir__pctx *pc, ktdir__owner_walk *w)
{
    w->n_ladders = 0;
    w->stopped = false;
    w->has_last = false;
    return walk(pc, w, ktdir__ibst_root(pc->n), 0);
}

cairn_status ktdir__update_alg(ktdir__pctx *pc, uint64_t pos, bool has_prev,
                               uint32_t g_prev, uint32_t g_new, uint64_t floor,
                               bool *dist)
{
    uint64_t fr[64];
    size_t c = ktdir__ibst_frontier(pos, fr), i = 0;
    uint32_t first = has_prev ? g_prev + 1 : 0, extra[256];
    size_t n_extra = 0;
    bool assumed = false, incl[256];
    int cmp;
    cairn_status st;

    if (pos >= pc->n || g_new < first || g_new - first >= KT_MAX_PP_LOOKUPS ||
        (has_prev && g_prev == UINT32_MAX))
        return fail(pc);
    /* Step 1: first entry of the previous frontier that is not
     * distinguished in the current tree. */
    for (; i < c; i++) {
        bool d;
        if ((st = ktdir__distinguished(pc, fr[i], &d)) != CAIRN_OK)
            return st;
        if (!d)
            break;
    }
    /* Step 2: greatest-version search for g_prev in the previous tree. */
    for (; i < c; i++) {
        if (has_prev && fr[i] <= floor) {
            if (!assumed) {
                /* KT-UPD-4: a skipped entry counts as having shown every
                 * version <= g_prev included, so later ladders omit them. */
                uint32_t b[KT_MAX_LADDER], keep[KT_MAX_LADDER];
                size_t nb = ktdir__base_ladder(g_prev, b), nk = 0;
                for (size_t j = 0; j < nb; j++)
                    if (b[j] <= g_prev)
                        keep[nk++] = b[j];
                if ((st = ktdir__assume_included(pc, fr[i], keep, nk)) != CAIRN_OK)
                    return st;
                assumed = true;
            }
            continue;
        }
        if ((st = ktdir__ladder_at(pc, fr[i], has_prev ? g_prev : 0,
                                   KT_LADDER_SEARCH, &cmp)) != CAIRN_OK)
            return st;
        if ((!has_prev && cmp != KT_CMP_LESS) || /* label existed before */
            cmp == KT_CMP_GREATER ||              /* a version never seen */
            (has_prev && i == c - 1 && cmp != KT_CMP_EQUAL)) /* not greatest */
            if ((st = judge(pc)) != CAIRN_OK)
                return st;
    }
    /* Steps 3 and 4: how the new versions were inserted at pos. */
    if ((st = ktdir__distinguished(pc, pos, dist)) != CAIRN_OK)
        return st;
    if (!*dist) {
        if ((st = ktdir__ladder_at(pc, pos, g_new, KT_LADDER_SEARCH, &cmp)) != CAIRN_OK)
            return st;
        if (cmp != KT_CMP_EQUAL && (st = judge(pc)) != CAIRN_OK)
            return st;
    }
    for (uint64_t v = first; v <= g_new; v++)
        if (!ktdir__in_base_ladder(g_new, (uint32_t)v))
            extra[n_extra++] = (uint32_t)v;
    if (n_extra) {
        if ((st = ktdir__lookups_at(pc, pos, extra, n_extra, incl)) != CAIRN_OK)
            return st;
        for (size_t q = 0; q < n_extra; q++)
            if (!incl[q] && (st = judge(pc)) != CAIRN_OK)
                return st; /* a new version is missing at pos */
    }
    return CAIRN_OK;
}
