/*
 * search.c - the draft's algorithms for updating a user's view of the tree,
 * greatest-version search and fixed-version search, written once against
 * the proof-context oracle so the server (recording) and the client
 * (consuming) execute literally the same steps.
 *
 * Invariants: timestamps are requested in the order the draft lists them
 * (KT-VIEW-1); a greatest-version search starts at the rightmost
 * distinguished frontier entry and demands that no greater version exists
 * anywhere it looks and that the target exists at the rightmost entry
 * (KT-GV-1); fixed-version search walks the implicit search tree from the
 * root (KT-FV-1). Maximum lifetime is not supported (spec DEVIATION-2), so
 * no entry is ever expired.
 */
#include "ktdir_internal.h"

cairn_status ktdir__update_view(ktdir__pctx *pc)
{
    uint64_t m = pc->view->tree_size, n = pc->n, ts, cur;
    uint64_t path[64];
    size_t c;
    cairn_status st;

    if (m == 0) {
        uint64_t fr[64];
        c = ktdir__ibst_frontier(n, fr);
        for (size_t i = 0; i < c; i++)
            if ((st = ktdir__get_ts(pc, fr[i], &ts)) != CAIRN_OK)
                return st;
        return CAIRN_OK;
    }
    if (m == n)
        return CAIRN_OK;
    c = ktdir__ibst_path(m - 1, n, path);
    cur = m - 1;
    /* Direct path of m-1, bottom up, entries at or right of m. */
    for (size_t i = c - 1; i-- > 0;) {
        if (path[i] >= m) {
            if ((st = ktdir__get_ts(pc, path[i], &ts)) != CAIRN_OK)
                return st;
            cur = path[i];
        }
    }
    while (ktdir__ibst_has_right(cur, n)) {
        cur = ktdir__ibst_right(cur, n);
        if ((st = ktdir__get_ts(pc, cur, &ts)) != CAIRN_OK)
            return st;
    }
    return CAIRN_OK;
}

static bool window_reached(const ktdir__pctx *pc, uint64_t lo, uint64_t hi)
{
    return hi >= lo && hi - lo >= pc->cfg->reasonable_monitoring_window;
}

cairn_status ktdir__distinguished(ktdir__pctx *pc, uint64_t x, bool *dist)
{
    uint64_t path[64], lo = 0, hi, ts;
    size_t c;
    cairn_status st;
    if ((st = ktdir__get_ts(pc, pc->n - 1, &hi)) != CAIRN_OK)
        return st;
    c = ktdir__ibst_path(x, pc->n, path);
    if (c == 0)
        return pc->prove ? CAIRN_ERR_INTERNAL : CAIRN_ERR_PROOF;
    for (size_t i = 0; i < c; i++) {
        if (!window_reached(pc, lo, hi)) {
            *dist = false;
            return CAIRN_OK;
        }
        if (path[i] == x)
            break;
        if ((st = ktdir__get_ts(pc, path[i], &ts)) != CAIRN_OK)
            return st;
        if (x < path[i])
            hi = ts;
        else
            lo = ts;
    }
    *dist = true;
    return CAIRN_OK;
}

cairn_status ktdir__rightmost_distinguished(ktdir__pctx *pc, bool *found,
                                            uint64_t *x)
{
    uint64_t fr[64], lo = 0, hi, ts;
    size_t c = ktdir__ibst_frontier(pc->n, fr);
    cairn_status st;
    *found = false;
    if ((st = ktdir__get_ts(pc, pc->n - 1, &hi)) != CAIRN_OK)
        return st;
    for (size_t i = 0; i < c; i++) {
        if (!window_reached(pc, lo, hi))
            break;
        *found = true;
        *x = fr[i];
        if ((st = ktdir__get_ts(pc, fr[i], &ts)) != CAIRN_OK)
            return st;
        lo = ts;
    }
    return CAIRN_OK;
}

static cairn_status needs_monitoring(ktdir__pctx *pc, uint64_t terminal,
                                     bool *monitor)
{
    bool found;
    uint64_t rd = 0;
    cairn_status st;
    *monitor = false;
    if (pc->cfg->mode != CAIRN_KT_MODE_CONTACT_MONITORING)
        return CAIRN_OK;
    if ((st = ktdir__rightmost_distinguished(pc, &found, &rd)) != CAIRN_OK)
        return st;
    *monitor = !found || terminal > rd;
    return CAIRN_OK;
}

cairn_status ktdir__search_greatest(ktdir__pctx *pc, uint32_t t,
                                    uint64_t *terminal, bool *monitor)
{
    uint64_t fr[64], rd = 0;
    size_t c = ktdir__ibst_frontier(pc->n, fr), start = 0;
    bool found, have_terminal = false;
    cairn_status st;

    if ((st = ktdir__rightmost_distinguished(pc, &found, &rd)) != CAIRN_OK)
        return st;
    if (found)
        while (start < c && fr[start] != rd)
            start++;
    if (start >= c)
        return CAIRN_ERR_INTERNAL;
    for (size_t i = start; i < c; i++) {
        int cmp;
        if ((st = ktdir__ladder_at(pc, fr[i], t, KT_LADDER_SEARCH, &cmp)) != CAIRN_OK)
            return st;
        if (cmp == KT_CMP_GREATER)
            return CAIRN_ERR_PROOF; /* a version above the claimed greatest */
        if (i == c - 1 && cmp != KT_CMP_EQUAL)
            return CAIRN_ERR_PROOF; /* target absent at the rightmost entry */
        if (cmp == KT_CMP_EQUAL && !have_terminal) {
            *terminal = fr[i];
            have_terminal = true;
        }
    }
    return needs_monitoring(pc, *terminal, monitor);
}

cairn_status ktdir__search_fixed(ktdir__pctx *pc, uint32_t t,
                                 uint64_t *terminal, bool *monitor)
{
    uint64_t x = ktdir__ibst_root(pc->n), greater = 0;
    bool have_greater = false, incl;
    cairn_status st;
    unsigned steps = 0;

    for (;;) {
        int cmp;
        if (++steps > 64)
            return CAIRN_ERR_INTERNAL;
        if ((st = ktdir__ladder_at(pc, x, t, KT_LADDER_SEARCH, &cmp)) != CAIRN_OK)
            return st;
        if (cmp == KT_CMP_EQUAL) {
            *terminal = x;
            return needs_monitoring(pc, x, monitor);
        }
        if (cmp == KT_CMP_LESS) {
            if (!ktdir__ibst_has_right(x, pc->n))
                break;
            x = ktdir__ibst_right(x, pc->n);
        } else {
            if (!have_greater || x < greater)
                greater = x;
            have_greater = true;
            if (!ktdir__ibst_has_left(x))
                break;
            x = ktdir__ibst_left(x);
        }
    }
    if (!have_greater)
        return CAIRN_ERR_NOT_FOUND;
    if ((st = ktdir__lookup_at(pc, greater, t, &incl)) != CAIRN_OK)
        return st;
    if (!incl)
        return CAIRN_ERR_NOT_FOUND;
    *terminal = greater;
    return needs_monitoring(pc, greater, monitor);
}
