/*
 * respond_owner.c - the server side of the label owner's operations:
 * OwnerInitResponse, OwnerMonitorResponse and UpdateResponse, built by
 * running owner.c's algorithms in prove mode over the published state.
 *
 * Invariants: requests are validated as the draft's "User Operations"
 * require before any proof is built (INVALID_ARG otherwise); the key table
 * given to the prover holds every version an honest run can look up; the
 * proof's log root must equal the signed head (ktdir__resp_finish), so the
 * server never emits a response no owner could verify.
 */
#include <string.h>

#include "ktdir_internal.h"

#define KT_MAX_WRITE (4u * 1024u * 1024u)
#define KT_MAX_OWNER_KEYS 4096

/* Greatest published version of l in the prefix tree of entry x. */
static bool greatest_at(const ktdir__label *l, uint64_t x, uint32_t *v)
{
    uint32_t a = 0, b = l ? l->n_published : 0;
    while (a < b) { /* first version inserted after x */
        uint32_t mid = a + (b - a) / 2;
        if (l->vers[mid].pos <= x)
            a = mid + 1;
        else
            b = mid;
    }
    if (a == 0)
        return false;
    *v = a - 1;
    return true;
}

/* Key for version v of a label that may not exist yet. */
static cairn_status key_for(cairn_ktdir *d, const ktdir__label *l,
                            const uint8_t *label, size_t len, uint32_t v,
                            ktdir__vkey *k, uint8_t proof[KT_VRF_NP])
{
    if (l)
        return ktdir__resp_key(d, l, v, k, proof);
    memset(k, 0, sizeof *k);
    k->version = v;
    return ktdir__vrf_eval(k->vrf, proof, d->vrf_sk, label, len, v);
}

static cairn_status keys_for(cairn_ktdir *d, const ktdir__label *l,
                             const uint8_t *label, size_t len,
                             const uint32_t *vers, size_t n, ktdir__vkey **out)
{
    ktdir__vkey *k = cairn__calloc(d->ctx, n ? n : 1, sizeof *k);
    cairn_status st;
    if (k == NULL)
        return CAIRN_ERR_NOMEM;
    for (size_t i = 0; i < n; i++)
        if ((st = key_for(d, l, label, len, vers[i], &k[i], NULL)) != CAIRN_OK) {
            cairn__free(d->ctx, k);
            return st;
        }
    *out = k;
    return CAIRN_OK;
}

/* Inserts v into the ascending set (capacity KT_MAX_OWNER_KEYS). */
static cairn_status set_insert(uint32_t *set, size_t *n, uint32_t v)
{
    size_t a = 0;
    while (a < *n && set[a] < v)
        a++;
    if (a < *n && set[a] == v)
        return CAIRN_OK;
    if (*n >= KT_MAX_OWNER_KEYS)
        return CAIRN_ERR_LIMIT;
    memmove(&set[a + 1], &set[a], (*n - a) * sizeof *set);
    set[a] = v;
    (*n)++;
    return CAIRN_OK;
}

/* Adds base_binary_ladder(t) to the ascending set. */
static cairn_status add_ladder(uint32_t *set, size_t *n, uint32_t t)
{
    uint32_t b[KT_MAX_LADDER];
    size_t nb = ktdir__base_ladder(t, b);
    cairn_status st;
    for (size_t i = 0; i < nb; i++)
        if ((st = set_insert(set, n, b[i])) != CAIRN_OK)
            return st;
    return CAIRN_OK;
}

static cairn_status put_step(cairn__buf *b, const uint8_t proof[KT_VRF_NP],
                             const ktdir__vkey *k, bool with_commit)
{
    cairn_status st;
    if ((st = ktdir__put_bytes(b, proof, KT_VRF_NP)) != CAIRN_OK ||
        (st = ktdir__put_u8(b, with_commit ? 1 : 0)) != CAIRN_OK)
        return st;
    return with_commit ? ktdir__put_bytes(b, k->commit, KT_H) : CAIRN_OK;
}

cairn_status cairn_ktdir_owner_init(cairn_ktdir *d, bool has_last, uint64_t last,
                                    const uint8_t *label, size_t label_len,
                                    uint64_t start, uint8_t **out,
                                    size_t *out_len)
{
    const ktdir__label *l;
    uint64_t list[64];
    uint32_t gv[64], *vers = NULL;
    size_t n_gv = 0, nl, nv;
    ktdir__vkey *keys = NULL;
    uint8_t (*proofs)[KT_VRF_NP] = NULL;
    cairn_kt_view *view = NULL;
    ktdir__pctx pc;
    ktdir__source src;
    ktdir__combined comb;
    cairn__buf b;
    cairn_status st;

    if (d == NULL || out == NULL || out_len == NULL ||
        label_len > CAIRN_KT_MAX_LABEL || (label_len && label == NULL))
        return CAIRN_ERR_INVALID_ARG;
    if (d->n_ents == 0)
        return CAIRN_ERR_STATE;
    if (start >= d->n_ents)
        return CAIRN_ERR_INVALID_ARG;
    l = ktdir__find_label(d, label, label_len);
    nl = ktdir__owner_init_list(start, d->n_ents, list);
    for (size_t i = 0; i < nl; i++) {
        if (!greatest_at(l, list[i], &gv[n_gv]))
            break;
        n_gv++;
    }
    memset(&pc, 0, sizeof pc);
    memset(&comb, 0, sizeof comb);
    cairn__buf_init(&b, d->ctx, KT_MAX_WRITE);
    vers = cairn__calloc(d->ctx, KT_MAX_OWNER_KEYS, sizeof *vers);
    view = cairn__calloc(d->ctx, 1, sizeof *view);
    if (vers == NULL || view == NULL) {
        st = CAIRN_ERR_NOMEM;
        goto out;
    }
    nv = ktdir__init_versions(gv, n_gv, vers, KT_MAX_OWNER_KEYS);
    if (nv == SIZE_MAX || nv > 0xffff) {
        st = CAIRN_ERR_LIMIT;
        goto out;
    }
    keys = cairn__calloc(d->ctx, nv, sizeof *keys);
    proofs = cairn__calloc(d->ctx, nv, KT_VRF_NP);
    if (keys == NULL || proofs == NULL) {
        st = CAIRN_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < nv; i++) {
        if ((st = key_for(d, l, label, label_len, vers[i], &keys[i], proofs[i])) != CAIRN_OK)
            goto out;
        /* KT-OWN-3: commitments exactly for versions <= gv[0] */
        keys[i].has_commit = n_gv > 0 && vers[i] <= gv[0];
    }
    if ((st = ktdir__resp_start(d, has_last, last, view, &pc, &src, &comb)) != CAIRN_OK)
        goto out;
    pc.keys = keys;
    pc.n_keys = nv;
    if ((st = ktdir__owner_init(&pc, start, gv, n_gv)) != CAIRN_OK ||
        (st = ktdir__resp_finish(d, &pc)) != CAIRN_OK)
        goto out;
    if ((st = ktdir__resp_head(d, has_last, last, &b)) != CAIRN_OK ||
        (st = ktdir__put_u8(&b, (uint8_t)n_gv)) != CAIRN_OK)
        goto out;
    for (size_t i = 0; i < n_gv; i++)
        if ((st = ktdir__put_u32(&b, gv[i])) != CAIRN_OK)
            goto out;
    if ((st = ktdir__put_u16(&b, (uint16_t)nv)) != CAIRN_OK)
        goto out;
    for (size_t i = 0; i < nv; i++)
        if ((st = put_step(&b, proofs[i], &keys[i], keys[i].has_commit)) != CAIRN_OK)
            goto out;
    if ((st = ktdir__combined_encode(&b, &comb)) != CAIRN_OK)
        goto out;
    st = cairn__buf_take(&b, out, out_len);
out:
    ktdir__pctx_free(&pc);
    ktdir__combined_free(d->ctx, &comb);
    cairn__buf_free(&b);
    cairn__free(d->ctx, vers);
    cairn__free(d->ctx, keys);
    cairn__free(d->ctx, proofs);
    cairn__free(d->ctx, view);
    return st;
}

typedef struct walk_ud {
    const ktdir__label *l;
    bool has_adv;
    uint32_t adv;
} walk_ud;

static bool srv_expected(void *ud, uint64_t idx, uint32_t *v)
{
    const walk_ud *w = ud;
    return greatest_at(w->l, idx, v);
}

static bool srv_must_stop(void *ud, uint64_t idx)
{
    const walk_ud *w = ud;
    uint32_t v;
    if (!greatest_at(w->l, idx, &v))
        return false;
    return !w->has_adv || v > w->adv;
}

cairn_status cairn_ktdir_owner_monitor(cairn_ktdir *d, bool has_last,
                                       uint64_t last, const uint8_t *label,
                                       size_t label_len,
                                       const cairn_kt_monitor_entry *entries,
                                       size_t n_entries, uint64_t start,
                                       bool has_greatest, uint32_t greatest,
                                       size_t max_ladders, uint8_t **out,
                                       size_t *out_len)
{
    const ktdir__label *l;
    cairn_kt_monitor_entry map[CAIRN_KT_MAX_MONITOR];
    uint64_t pending[CAIRN_KT_MAX_MONITOR];
    uint32_t *vers = NULL, at_start;
    size_t nv = 0, cnt = n_entries;
    ktdir__vkey *keys = NULL;
    cairn_kt_view *view = NULL;
    ktdir__pctx pc;
    ktdir__source src;
    ktdir__combined comb;
    ktdir__owner_walk w;
    walk_ud wu;
    cairn__buf b;
    cairn_status st;

    if (d == NULL || out == NULL || out_len == NULL ||
        label_len > CAIRN_KT_MAX_LABEL || (label_len && label == NULL) ||
        n_entries > CAIRN_KT_MAX_MONITOR || (n_entries && entries == NULL))
        return CAIRN_ERR_INVALID_ARG;
    if (d->n_ents == 0)
        return CAIRN_ERR_STATE;
    l = ktdir__find_label(d, label, label_len);
    /* Request checks of the draft's "Owner Monitoring" steps 1-3. */
    if (start >= d->n_ents)
        return CAIRN_ERR_INVALID_ARG;
    if (has_greatest && (l == NULL || greatest >= l->n_published))
        return CAIRN_ERR_INVALID_ARG;
    if (greatest_at(l, start, &at_start) && (!has_greatest || greatest < at_start))
        return CAIRN_ERR_INVALID_ARG;
    for (size_t i = 0; i < n_entries; i++) {
        if (l == NULL || entries[i].version >= l->n_published ||
            entries[i].position >= d->n_ents ||
            entries[i].position < l->vers[entries[i].version].pos)
            return CAIRN_ERR_INVALID_ARG;
        if (i && entries[i].position <= entries[i - 1].position)
            return CAIRN_ERR_INVALID_ARG;
        for (size_t j = 0; j < i; j++)
            if (entries[j].version == entries[i].version)
                return CAIRN_ERR_INVALID_ARG;
    }
    if (max_ladders == 0)
        max_ladders = CAIRN_KT_OWNER_MAX_LADDERS;
    memcpy(map, entries, n_entries * sizeof *map);
    memset(&pc, 0, sizeof pc);
    memset(&comb, 0, sizeof comb);
    cairn__buf_init(&b, d->ctx, KT_MAX_WRITE);
    vers = cairn__calloc(d->ctx, KT_MAX_OWNER_KEYS, sizeof *vers);
    view = cairn__calloc(d->ctx, 1, sizeof *view);
    if (vers == NULL || view == NULL) {
        st = CAIRN_ERR_NOMEM;
        goto out;
    }
    /* Versions an honest run may look up: version 0 (absent label), the
     * monitoring ladders of the map, and the search ladders for each
     * greatest version the walk may meet right of start. */
    vers[nv++] = 0;
    for (size_t i = 0; i < n_entries; i++)
        if ((st = add_ladder(vers, &nv, entries[i].version)) != CAIRN_OK)
            goto out;
    if (greatest_at(l, start, &at_start) &&
        (st = add_ladder(vers, &nv, at_start)) != CAIRN_OK)
        goto out;
    if (l && has_greatest)
        for (uint32_t v = 0; v <= greatest; v++) {
            bool last_of_entry = v + 1 == l->n_published ||
                                 l->vers[v + 1].pos != l->vers[v].pos;
            if (last_of_entry && l->vers[v].pos > start &&
                (st = add_ladder(vers, &nv, v)) != CAIRN_OK)
                goto out;
        }
    if ((st = keys_for(d, l, label, label_len, vers, nv, &keys)) != CAIRN_OK)
        goto out;
    if ((st = ktdir__resp_start(d, has_last, last, view, &pc, &src, &comb)) != CAIRN_OK)
        goto out;
    pc.keys = keys;
    pc.n_keys = nv;
    if ((st = ktdir__contact_monitor_owner(&pc, map, &cnt, true, start, pending)) != CAIRN_OK)
        goto out;
    memset(&w, 0, sizeof w);
    wu.l = l;
    wu.has_adv = has_greatest;
    wu.adv = greatest;
    w.start = start;
    w.expected = srv_expected;
    w.must_stop = srv_must_stop;
    w.ud = &wu;
    w.max_ladders = max_ladders;
    if ((st = ktdir__owner_walk_run(&pc, &w)) != CAIRN_OK ||
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
    cairn__free(d->ctx, vers);
    cairn__free(d->ctx, keys);
    cairn__free(d->ctx, view);
    return st;
}

cairn_status cairn_ktdir_update_response(cairn_ktdir *d, bool has_last,
                                         uint64_t last, const uint8_t *label,
                                         size_t label_len, bool has_greatest,
                                         uint32_t greatest, uint64_t owner_start,
                                         bool echo_values, uint8_t **out,
                                         size_t *out_len)
{
    const ktdir__label *l;
    uint32_t first, g_new, *vers = NULL, *all = NULL;
    size_t nk, na = 0;
    uint64_t pos, floor;
    ktdir__vkey *keys = NULL;
    uint8_t (*proofs)[KT_VRF_NP] = NULL;
    cairn_kt_view *view = NULL;
    ktdir__pctx pc;
    ktdir__source src;
    ktdir__combined comb;
    cairn__buf b;
    bool dist;
    cairn_status st;

    if (d == NULL || out == NULL || out_len == NULL ||
        label_len > CAIRN_KT_MAX_LABEL || (label_len && label == NULL))
        return CAIRN_ERR_INVALID_ARG;
    l = ktdir__find_label(d, label, label_len);
    if (l == NULL || l->n_published == 0)
        return CAIRN_ERR_NOT_FOUND;
    if (has_greatest && greatest >= l->n_published - 1)
        return CAIRN_ERR_INVALID_ARG; /* nothing newer than the owner's */
    first = has_greatest ? greatest + 1 : 0;
    pos = l->vers[first].pos;
    if (has_greatest && l->vers[greatest].pos == pos)
        return CAIRN_ERR_INVALID_ARG; /* the owner stopped inside an entry */
    g_new = first;
    while (g_new + 1 < l->n_published && l->vers[g_new + 1].pos == pos)
        g_new++;
    if (g_new - first >= KT_MAX_PP_LOOKUPS)
        return CAIRN_ERR_LIMIT;
    floor = owner_start;
    if (has_greatest && l->vers[greatest].pos > floor)
        floor = l->vers[greatest].pos;
    if (floor >= pos)
        return CAIRN_ERR_INVALID_ARG; /* owner start right of the update */
    memset(&pc, 0, sizeof pc);
    memset(&comb, 0, sizeof comb);
    cairn__buf_init(&b, d->ctx, KT_MAX_WRITE);
    vers = cairn__calloc(d->ctx, KT_MAX_LADDER + 256, sizeof *vers);
    all = cairn__calloc(d->ctx, KT_MAX_OWNER_KEYS, sizeof *all);
    view = cairn__calloc(d->ctx, 1, sizeof *view);
    if (vers == NULL || all == NULL || view == NULL) {
        st = CAIRN_ERR_NOMEM;
        goto out;
    }
    nk = ktdir__update_versions(has_greatest, greatest, g_new, vers);
    if (nk > 0xff) {
        st = CAIRN_ERR_LIMIT;
        goto out;
    }
    proofs = cairn__calloc(d->ctx, nk ? nk : 1, KT_VRF_NP);
    if (proofs == NULL) {
        st = CAIRN_ERR_NOMEM;
        goto out;
    }
    /* Prover's table: what the response carries plus what the owner
     * knows (base ladder of g_prev, or version 0) and each new version. */
    st = has_greatest ? add_ladder(all, &na, greatest) : set_insert(all, &na, 0);
    if (st == CAIRN_OK)
        st = add_ladder(all, &na, g_new);
    for (uint32_t v = first; st == CAIRN_OK && v <= g_new; v++)
        st = set_insert(all, &na, v);
    if (st != CAIRN_OK)
        goto out;
    if ((st = keys_for(d, l, label, label_len, all, na, &keys)) != CAIRN_OK)
        goto out;
    if ((st = ktdir__resp_start(d, has_last, last, view, &pc, &src, &comb)) != CAIRN_OK)
        goto out;
    pc.keys = keys;
    pc.n_keys = na;
    if ((st = ktdir__update_alg(&pc, pos, has_greatest, greatest, g_new, floor,
                                &dist)) != CAIRN_OK ||
        (st = ktdir__resp_finish(d, &pc)) != CAIRN_OK)
        goto out;
    if ((st = ktdir__resp_head(d, has_last, last, &b)) != CAIRN_OK ||
        (st = ktdir__put_u64(&b, pos)) != CAIRN_OK ||
        (st = ktdir__put_u8(&b, echo_values ? (uint8_t)(g_new - first + 1) : 0)) != CAIRN_OK)
        goto out;
    for (uint32_t v = first; echo_values && v <= g_new; v++)
        if ((st = ktdir__put_vec32(&b, l->vers[v].value, l->vers[v].value_len)) != CAIRN_OK)
            goto out;
    if ((st = ktdir__put_u8(&b, (uint8_t)(g_new - first + 1))) != CAIRN_OK)
        goto out;
    for (uint32_t v = first; v <= g_new; v++)
        if ((st = ktdir__put_bytes(&b, l->vers[v].opening, KT_NC)) != CAIRN_OK)
            goto out;
    if ((st = ktdir__put_u8(&b, (uint8_t)nk)) != CAIRN_OK)
        goto out;
    for (size_t i = 0; i < nk; i++) {
        ktdir__vkey k;
        if ((st = ktdir__resp_key(d, l, vers[i], &k, proofs[i])) != CAIRN_OK ||
            (st = put_step(&b, proofs[i], &k, has_greatest && vers[i] < greatest)) != CAIRN_OK)
            goto out;
    }
    if ((st = ktdir__combined_encode(&b, &comb)) != CAIRN_OK)
        goto out;
    st = cairn__buf_take(&b, out, out_len);
out:
    ktdir__pctx_free(&pc);
    ktdir__combined_free(d->ctx, &comb);
    cairn__buf_free(&b);
    cairn__free(d->ctx, vers);
    cairn__free(d->ctx, all);
    cairn__free(d->ctx, keys);
    cairn__free(d->ctx, proofs);
    cairn__free(d->ctx, view);
    return st;
}

cairn_status cairn_ktdir_owner_start(const cairn_ktdir *d, uint64_t *start)
{
    cairn_kt_view *v;
    cairn_status st;
    if (d == NULL || start == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (d->n_ents == 0)
        return CAIRN_ERR_STATE;
    if ((v = cairn__calloc(d->ctx, 1, sizeof *v)) == NULL)
        return CAIRN_ERR_NOMEM;
    st = ktdir__dir_view(d, d->n_ents, v);
    if (st == CAIRN_OK)
        st = cairn_kt_owner_start(&d->cfg, v, start);
    cairn__free(d->ctx, v);
    return st;
}
