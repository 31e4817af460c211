/*
 * monitor.c - contact monitoring (draft "Contact Algorithm"): moving each
 * monitored (position, version) pair up the implicit search tree with a
 * monitoring binary ladder from every newly established ancestor to its
 * right, until a distinguished entry has been checked.
 *
 * Invariants: map entries are processed right to left; a monitoring
 * ladder must show every looked-up version included, so a version the log
 * dropped or rolled back is a proof error (KT-MON-2); an ancestor already
 * laddered in the same response is reused only if it proved a greater
 * version (KT-MON-3); on return only non-distinguished positions remain,
 * sorted by position (KT-MON-4). In an owner-monitoring response an
 * entry at or right of the owner's start leaves its final distinguished
 * ancestor to the owner walk (draft step 2.4, KT-OWN-6).
 */
#include "ktdir_internal.h"

cairn_status ktdir__contact_monitor(ktdir__pctx *pc,
                                    cairn_kt_monitor_entry *entries,
                                    size_t *count)
{
    return ktdir__contact_monitor_owner(pc, entries, count, false, 0, NULL);
}

cairn_status ktdir__contact_monitor_owner(ktdir__pctx *pc,
                                          cairn_kt_monitor_entry *entries,
                                          size_t *count, bool has_start,
                                          uint64_t start, uint64_t *pending)
{
    bool removed[CAIRN_KT_MAX_MONITOR] = {false};
    size_t n = *count, w = 0;
    cairn_status st;

    if (n > CAIRN_KT_MAX_MONITOR)
        return CAIRN_ERR_LIMIT;
    for (size_t i = 0; i < n; i++) {
        if (entries[i].position >= pc->n)
            return CAIRN_ERR_INVALID_ARG;
        if (i && (entries[i].position <= entries[i - 1].position ||
                  entries[i].version == entries[i - 1].version))
            return CAIRN_ERR_INVALID_ARG;
    }
    for (size_t i = n; i-- > 0;) {
        cairn_kt_monitor_entry *e = &entries[i];
        uint64_t path[64], pos = e->position;
        size_t c;
        bool dist;
        if ((st = ktdir__distinguished(pc, pos, &dist)) != CAIRN_OK)
            return st;
        if (pending)
            pending[i] = UINT64_MAX;
        if (dist)
            continue;
        c = ktdir__ibst_path(pos, pc->n, path);
        /* Ancestors right of pos, bottom up (ascending position). */
        for (size_t j = c - 1; j-- > 0;) {
            uint64_t y = path[j];
            uint32_t seen;
            int cmp;
            if (y < pos)
                continue;
            if (ktdir__ladder_seen(pc, y, &seen)) {
                if (seen > e->version) {
                    removed[i] = true;
                    break;
                }
                return CAIRN_ERR_PROOF;
            }
            if (has_start && pos >= start) {
                /* Step 2.4: the owner walk inspects the final
                 * distinguished entry; the map entry stays until then. */
                if ((st = ktdir__distinguished(pc, y, &dist)) != CAIRN_OK)
                    return st;
                if (dist) {
                    if (pending)
                        pending[i] = y;
                    break;
                }
            }
            if ((st = ktdir__ladder_at(pc, y, e->version, KT_LADDER_MONITOR,
                                       &cmp)) != CAIRN_OK)
                return st;
            e->position = y;
            if ((st = ktdir__distinguished(pc, y, &dist)) != CAIRN_OK)
                return st;
            if (dist)
                break;
        }
    }
    for (size_t i = 0; i < n; i++) {
        bool dist;
        if (removed[i])
            continue;
        if ((st = ktdir__distinguished(pc, entries[i].position, &dist)) != CAIRN_OK)
            return st;
        if (!dist) {
            if (pending)
                pending[w] = pending[i];
            entries[w++] = entries[i];
        }
    }
    *count = w;
    return CAIRN_OK;
}
