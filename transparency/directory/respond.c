/*
 * respond.c - the server side of the user operations: builds SearchResponse
 * and ContactMonitorResponse by running the shared algorithms in prove mode
 * and encoding what they recorded.
 *
 * Invariants: a response is assembled from the directory's published state
 * only; the proof's computed log root must equal the root the head was
 * signed over, otherwise the server refuses to answer (CAIRN_ERR_INTERNAL)
 * rather than emit a proof no client could verify.
 */
#include <string.h>

#include "ktdir_internal.h"

#define KT_MAX_WRITE (4u * 1024u * 1024u)

cairn_status ktdir__resp_head(cairn_ktdir *d, bool has_last, uint64_t last,
                             cairn__buf *b)
{
    ktdir__fth h;
    memset(&h, 0, sizeof h);
    if (has_last && last == d->n_ents) {
        h.type = KT_HEAD_SAME;
    } else {
        h.type = KT_HEAD_UPDATED;
        h.tree_size = d->n_ents;
        memcpy(h.sig, d->head_sig, KT_SIG_LEN);
        if (d->cfg.mode == CAIRN_KT_MODE_THIRD_PARTY_AUDITING) {
            if (!d->has_auditor_head)
                return CAIRN_ERR_STATE;
            h.has_auditor = true;
            h.a_ts = d->a_ts;
            h.a_size = d->a_size;
            memcpy(h.a_sig, d->a_sig, KT_SIG_LEN);
        }
    }
    return ktdir__fth_encode(b, &h);
}

/* Key table for versions of l (existing ones carry commitments). */
cairn_status ktdir__resp_key(cairn_ktdir *d, const ktdir__label *l, uint32_t v,
                            ktdir__vkey *k, uint8_t proof[KT_VRF_NP])
{
    cairn_status st;
    memset(k, 0, sizeof *k);
    k->version = v;
    if (proof) {
        if ((st = ktdir__vrf_eval(k->vrf, proof, d->vrf_sk, l->label, l->len, v)) != CAIRN_OK)
            return st;
    } else if (v < l->n_published) {
        memcpy(k->vrf, l->vers[v].vrf, KT_VRF_NH);
    } else if ((st = ktdir__vrf_output(k->vrf, d->vrf_sk, d->cfg.vrf_public_key, l->label,
                                         l->len, v)) != CAIRN_OK) {
        return st;
    }
    if (v < l->n_published) {
        memcpy(k->commit, l->vers[v].commit, KT_H);
        k->has_commit = true;
    }
    return CAIRN_OK;
}

cairn_status ktdir__resp_start(cairn_ktdir *d, bool has_last, uint64_t last,
                              cairn_kt_view *view, ktdir__pctx *pc,
                              ktdir__source *src, ktdir__combined *out)
{
    cairn_status st;
    if (d->n_ents == 0)
        return CAIRN_ERR_STATE;
    if (has_last && (last == 0 || last > d->n_ents))
        return CAIRN_ERR_INVALID_ARG;
    if ((st = ktdir__dir_view(d, has_last ? last : 0, view)) != CAIRN_OK)
        return st;
    ktdir__dir_source(d, src);
    if ((st = ktdir__pctx_init(pc, d->ctx, true, &d->cfg, d->n_ents, view)) != CAIRN_OK)
        return st;
    pc->src = src;
    pc->out = out;
    return ktdir__update_view(pc);
}

cairn_status ktdir__resp_finish(cairn_ktdir *d, ktdir__pctx *pc)
{
    uint8_t root[KT_H], a_root[KT_H], want[KT_H];
    uint8_t (*heads)[KT_H] = cairn__calloc(d->ctx, 64, KT_H);
    uint64_t a = 0;
    cairn_status st;
    if (heads == NULL)
        return CAIRN_ERR_NOMEM;
    /* A "same head" answer carries no auditor head, so the client proves
     * no auditor root: the proof must not carry its nodes either. */
    if (d->cfg.mode == CAIRN_KT_MODE_THIRD_PARTY_AUDITING && d->has_auditor_head &&
        pc->view->tree_size != d->n_ents)
        a = d->a_size;
    st = ktdir__pctx_finish(pc, a, root, a_root, heads);
    cairn__free(d->ctx, heads);
    if (st != CAIRN_OK)
        return st;
    ktdir__log_root(&d->log, d->n_ents, want);
    return memcmp(root, want, KT_H) == 0 ? CAIRN_OK : CAIRN_ERR_INTERNAL;
}

cairn_status cairn_ktdir_search(cairn_ktdir *d, bool has_last, uint64_t last,
                                const uint8_t *label, size_t label_len,
                                bool has_version, uint32_t version,
                                uint8_t **out, size_t *out_len)
{
    const ktdir__label *l;
    uint32_t t, base[KT_MAX_LADDER];
    size_t nb;
    ktdir__vkey *keys = NULL;
    uint8_t (*proofs)[KT_VRF_NP] = NULL;
    cairn_kt_view *view = NULL;
    ktdir__pctx pc;
    ktdir__source src;
    ktdir__combined comb;
    cairn__buf b;
    uint64_t terminal;
    bool monitor;
    cairn_status st;

    if (d == NULL || out == NULL || out_len == NULL || label_len > CAIRN_KT_MAX_LABEL)
        return CAIRN_ERR_INVALID_ARG;
    l = ktdir__find_label(d, label, label_len);
    if (l == NULL || l->n_published == 0)
        return CAIRN_ERR_NOT_FOUND;
    t = has_version ? version : l->n_published - 1;
    if (t >= l->n_published)
        return CAIRN_ERR_NOT_FOUND;
    memset(&pc, 0, sizeof pc);
    memset(&comb, 0, sizeof comb);
    cairn__buf_init(&b, d->ctx, KT_MAX_WRITE);
    nb = ktdir__base_ladder(t, base);
    keys = cairn__calloc(d->ctx, KT_MAX_LADDER, sizeof *keys);
    proofs = cairn__calloc(d->ctx, KT_MAX_LADDER, KT_VRF_NP);
    view = cairn__calloc(d->ctx, 1, sizeof *view);
    if (keys == NULL || proofs == NULL || view == NULL) {
        st = CAIRN_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < nb; i++)
        if ((st = ktdir__resp_key(d, l, base[i], &keys[i], proofs[i])) != CAIRN_OK)
            goto out;
    if ((st = ktdir__resp_start(d, has_last, last, view, &pc, &src, &comb)) != CAIRN_OK)
        goto out;
    pc.keys = keys;
    pc.n_keys = nb;
    st = has_version ? ktdir__search_fixed(&pc, t, &terminal, &monitor)
                     : ktdir__search_greatest(&pc, t, &terminal, &monitor);
    if (st == CAIRN_OK)
        st = ktdir__resp_finish(d, &pc);
    if (st != CAIRN_OK)
        goto out;
    if ((st = ktdir__resp_head(d, has_last, last, &b)) != CAIRN_OK)
        goto out;
    if (!has_version && (st = ktdir__put_u32(&b, t)) != CAIRN_OK)
        goto out;
    if ((st = ktdir__put_bytes(&b, l->vers[t].opening, KT_NC)) != CAIRN_OK ||
        (st = ktdir__put_vec32(&b, l->vers[t].value, l->vers[t].value_len)) != CAIRN_OK ||
        (st = ktdir__put_u8(&b, (uint8_t)nb)) != CAIRN_OK)
        goto out;
    for (size_t i = 0; i < nb; i++) {
        bool with = keys[i].has_commit && base[i] != t;
        if ((st = ktdir__put_bytes(&b, proofs[i], KT_VRF_NP)) != CAIRN_OK ||
            (st = ktdir__put_u8(&b, with ? 1 : 0)) != CAIRN_OK ||
            (with && (st = ktdir__put_bytes(&b, keys[i].commit, KT_H)) != CAIRN_OK))
            goto out;
    }
    if ((st = ktdir__combined_encode(&b, &comb)) != CAIRN_OK)
        goto out;
    st = cairn__buf_take(&b, out, out_len);
out:
    ktdir__pctx_free(&pc);
    ktdir__combined_free(d->ctx, &comb);
    cairn__buf_free(&b);
    cairn__free(d->ctx, keys);
    cairn__free(d->ctx, proofs);
    cairn__free(d->ctx, view);
    return st;
}

cairn_status cairn_ktdir_monitor(cairn_ktdir *d, bool has_last, uint64_t last,
                                 const uint8_t *label, size_t label_len,
                                 const cairn_kt_monitor_entry *entries,
                                 size_t n_entries, uint8_t **out,
                                 size_t *out_len)
{
    const ktdir__label *l;
    cairn_kt_monitor_entry map[CAIRN_KT_MAX_MONITOR];
    ktdir__vkey *keys = NULL;
    size_t nk = 0, cnt = n_entries;
    cairn_kt_view *view = NULL;
    ktdir__pctx pc;
    ktdir__source src;
    ktdir__combined comb;
    cairn__buf b;
    cairn_status st;

    if (d == NULL || out == NULL || out_len == NULL ||
        label_len > CAIRN_KT_MAX_LABEL || n_entries > CAIRN_KT_MAX_MONITOR ||
        (n_entries && entries == NULL))
        return CAIRN_ERR_INVALID_ARG;
    l = ktdir__find_label(d, label, label_len);
    if (l == NULL || l->n_published == 0)
        return CAIRN_ERR_NOT_FOUND;
    for (size_t i = 0; i < n_entries; i++)
        if (entries[i].version >= l->n_published)
            return CAIRN_ERR_INVALID_ARG;
    memcpy(map, entries, n_entries * sizeof *map);
    memset(&pc, 0, sizeof pc);
    memset(&comb, 0, sizeof comb);
    cairn__buf_init(&b, d->ctx, KT_MAX_WRITE);
    keys = cairn__calloc(d->ctx, CAIRN_KT_MAX_KEYS, sizeof *keys);
    view = cairn__calloc(d->ctx, 1, sizeof *view);
    if (keys == NULL || view == NULL) {
        st = CAIRN_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < n_entries; i++) {
        uint32_t base[KT_MAX_LADDER];
        size_t nb = ktdir__base_ladder(entries[i].version, base);
        for (size_t j = 0; j < nb; j++) {
            bool dup = false;
            if (base[j] > entries[i].version)
                continue;
            for (size_t k = 0; k < nk; k++)
                dup = dup || keys[k].version == base[j];
            if (dup)
                continue;
            if (nk >= CAIRN_KT_MAX_KEYS) {
                st = CAIRN_ERR_LIMIT;
                goto out;
            }
            if ((st = ktdir__resp_key(d, l, base[j], &keys[nk++], NULL)) != CAIRN_OK)
                goto out;
        }
    }
    if ((st = ktdir__resp_start(d, has_last, last, view, &pc, &src, &comb)) != CAIRN_OK)
        goto out;
    pc.keys = keys;
    pc.n_keys = nk;
    if ((st = ktdir__contact_monitor(&pc, map, &cnt)) != CAIRN_OK ||
        (st = ktdir__resp_finish(d, &pc)) != CAIRN_OK)
        goto out;
    if ((st = ktdir__resp_head(d, has_last, last, &b)) != CAIRN_OK ||
        (st = ktdir__combined_encode(&b, &comb)) != CAIRN_OK)
        goto out;
    st = cairn__buf_take(&b, out, out_len);
out:
    ktdir__pctx_free(&pc);
    ktdir__combined_free(d->ctx, &comb);
    cairn__buf_free(&b);
    cairn__free(d->ctx, keys);
    cairn__free(d->ctx, view);
    return st;
}
