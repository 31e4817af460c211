/*
 * client_owner.c - the label owner's verification of OwnerInitResponse,
 * UpdateResponse and OwnerMonitorResponse (draft "User Operations"),
 * running owner.c's algorithms in verify mode over the owner state.
 *
 * Invariants: decode everything with hard caps first; every VRF proof is
 * checked; the owner state, view and results are written only after the
 * whole response verified (KT-CLI-1, KT-OWN-8); the state keeps only
 * commitments it computed itself or that an inclusion proof used
 * (KT-CLI-2), so bytes a response leaves unauthenticated never reach it.
 */
#include <string.h>

#include "ktdir_internal.h"

cairn_status cairn_kt_owner_start(const cairn_kt_config *cfg,
                                  const cairn_kt_view *view, uint64_t *start)
{
    uint64_t lo = 0, hi;
    bool found = false;
    if (cfg == NULL || view == NULL || start == NULL || view->tree_size == 0 ||
        view->n_frontier == 0 || view->n_frontier > 64 ||
        view->frontier[view->n_frontier - 1].position != view->tree_size - 1)
        return CAIRN_ERR_INVALID_ARG;
    hi = view->frontier[view->n_frontier - 1].timestamp;
    for (size_t i = 0; i < view->n_frontier; i++) {
        if (hi < lo || hi - lo < cfg->reasonable_monitoring_window)
            break;
        *start = view->frontier[i].position;
        found = true;
        lo = view->frontier[i].timestamp;
    }
    return found ? CAIRN_OK : CAIRN_ERR_NOT_FOUND;
}

/* ------------------------------------------------------- owner state */

/* Expected greatest version at idx from the owner's state (KT-OWN-5). */
static bool state_expected(void *ud, uint64_t idx, uint32_t *v)
{
    const cairn_kt_owner_state *s = ud;
    bool has = s->has_start_version && idx >= s->start;
    if (has)
        *v = s->start_version;
    for (size_t i = 0; i < s->n_history; i++)
        if (s->history[i].position <= idx) {
            *v = s->history[i].version;
            has = true;
        }
    return has;
}

static bool needed(const cairn_kt_owner_state *s, uint32_t v)
{
    if (v == 0)
        return true;
    if (s->has_greatest && ktdir__in_base_ladder(s->greatest, v))
        return true;
    if (s->has_start_version && ktdir__in_base_ladder(s->start_version, v))
        return true;
    for (size_t i = 0; i < s->n_history; i++)
        if (ktdir__in_base_ladder(s->history[i].version, v))
            return true;
    for (size_t i = 0; i < s->n_entries; i++)
        if (ktdir__in_base_ladder(s->entries[i].version, v))
            return true;
    return false;
}

/* Stores the keys of table k the state still needs (ascending version). */
static cairn_status store_keys(cairn_kt_owner_state *s, const ktdir__vkey *k,
                               size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j;
        if (!needed(s, k[i].version))
            continue;
        if (c >= CAIRN_KT_MAX_KEYS)
            return CAIRN_ERR_LIMIT;
        for (j = c; j > 0 && s->keys[j - 1].version > k[i].version; j--)
            s->keys[j] = s->keys[j - 1];
        memset(&s->keys[j], 0, sizeof s->keys[j]);
        s->keys[j].version = k[i].version;
        memcpy(s->keys[j].vrf_output, k[i].vrf, KT_VRF_NH);
        if (k[i].has_commit) {
            memcpy(s->keys[j].commitment, k[i].commit, KT_H);
            s->keys[j].has_commitment = 1;
        }
        c++;
    }
    s->n_keys = c;
    return CAIRN_OK;
}

/* The state's keys as a prover/verifier key table (room for `extra`). */
static ktdir__vkey *state_table(const cairn_context *ctx,
                                const cairn_kt_owner_state *s, size_t extra)
{
    ktdir__vkey *k = cairn__calloc(ctx, s->n_keys + extra + 1, sizeof *k);
    if (k == NULL)
        return NULL;
    for (size_t i = 0; i < s->n_keys; i++) {
        k[i].version = s->keys[i].version;
        memcpy(k[i].vrf, s->keys[i].vrf_output, KT_VRF_NH);
        memcpy(k[i].commit, s->keys[i].commitment, KT_H);
        k[i].has_commit = s->keys[i].has_commitment != 0;
        k[i].used = true; /* authenticated earlier */
    }
    return k;
}

static cairn_status check_state(const cairn_kt_owner_state *s)
{
    if (s->label_len > CAIRN_KT_MAX_LABEL || s->n_history > CAIRN_KT_MAX_HISTORY ||
        s->n_entries > CAIRN_KT_MAX_MONITOR || s->n_keys > CAIRN_KT_MAX_KEYS)
        return CAIRN_ERR_INVALID_ARG;
    return CAIRN_OK;
}

/* Decodes FullTreeHead at the start and CombinedTreeProof at the end. */
static cairn_status decode_tail(ktdir__verifier *v, cairn__reader *r)
{
    cairn_status st;
    if ((st = ktdir__combined_decode(v->ctx, r, &v->comb)) != CAIRN_OK)
        return st;
    if (cairn__reader_left(r) != 0)
        return CAIRN_ERR_DECODE;
    v->nv = cairn__calloc(v->ctx, 1, sizeof *v->nv);
    return v->nv ? CAIRN_OK : CAIRN_ERR_NOMEM;
}

/* One BinaryLadderStep for version `ver`: proof checked, commitment
 * present exactly when `want_commit`. */
static cairn_status read_step(const cairn_kt_config *cfg, cairn__reader *r,
                              const uint8_t *label, size_t label_len,
                              uint32_t ver, bool want_commit, ktdir__vkey *k)
{
    const uint8_t *proof = cairn__read_bytes(r, KT_VRF_NP);
    bool has_c = ktdir__get_present(r);
    const uint8_t *c = has_c ? cairn__read_bytes(r, KT_H) : NULL;
    if (r->err)
        return CAIRN_ERR_DECODE;
    if (has_c != want_commit)
        return CAIRN_ERR_PROOF;
    memset(k, 0, sizeof *k);
    k->version = ver;
    if (ktdir__vrf_verify(k->vrf, cfg->vrf_public_key, proof, label, label_len,
                          ver) != CAIRN_OK)
        return CAIRN_ERR_PROOF;
    if (has_c) {
        memcpy(k->commit, c, KT_H);
        k->has_commit = true;
    }
    return CAIRN_OK;
}

static cairn_status fix_status(cairn_status st)
{
    return st == CAIRN_ERR_INTERNAL || st == CAIRN_ERR_INVALID_ARG ? CAIRN_ERR_PROOF : st;
}

cairn_status cairn_kt_verify_owner_init(const cairn_context *ctx,
                                        const cairn_kt_config *cfg,
                                        const cairn_kt_view *old,
                                        const uint8_t *label, size_t label_len,
                                        uint64_t start, const uint8_t *resp,
                                        size_t resp_len, int64_t now_ms,
                                        cairn_kt_view *out_view,
                                        cairn_kt_owner_state *out_state)
{
    ktdir__verifier v;
    cairn__reader r;
    uint32_t gv[64], *vers = NULL;
    size_t n_gv, nsteps, nv;
    ktdir__vkey *keys = NULL;
    cairn_kt_owner_state *ns = NULL;
    cairn_status st;

    if ((st = ktdir__verify_check_args(ctx, cfg, old, resp)) != CAIRN_OK)
        return st;
    if (label_len > CAIRN_KT_MAX_LABEL || (label_len && label == NULL) ||
        out_view == NULL || out_state == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (resp_len > KT_MAX_RESPONSE)
        return CAIRN_ERR_TOO_LARGE;
    memset(&v, 0, sizeof v);
    v.ctx = ctx;
    v.cfg = cfg;
    v.old = old;
    cairn__reader_init(&r, resp, resp_len);
    if ((st = ktdir__fth_decode(&r, cfg->mode, &v.fth)) != CAIRN_OK)
        return st;
    n_gv = ktdir__get_count8(&r, 64);
    for (size_t i = 0; i < n_gv && !r.err; i++)
        gv[i] = cairn__read_u32be(&r);
    nsteps = ktdir__get_count16(&r, 0xffff);
    if (r.err)
        return CAIRN_ERR_DECODE;
    for (size_t i = 1; i < n_gv; i++)
        if (gv[i] > gv[i - 1])
            return CAIRN_ERR_PROOF; /* KT-OWN-2 */
    vers = cairn__calloc(ctx, KT_MAX_LOOKUPS, sizeof *vers);
    if (vers == NULL)
        return CAIRN_ERR_NOMEM;
    nv = ktdir__init_versions(gv, n_gv, vers, KT_MAX_LOOKUPS);
    if (nv == SIZE_MAX || nv != nsteps) {
        st = CAIRN_ERR_PROOF;
        goto out;
    }
    keys = cairn__calloc(ctx, nv, sizeof *keys);
    ns = cairn__calloc(ctx, 1, sizeof *ns);
    if (keys == NULL || ns == NULL) {
        st = CAIRN_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < nv; i++)
        if ((st = read_step(cfg, &r, label, label_len, vers[i],
                            n_gv > 0 && vers[i] <= gv[0], &keys[i])) != CAIRN_OK)
            goto out;
    if ((st = decode_tail(&v, &r)) != CAIRN_OK ||
        (st = ktdir__verify_begin(&v)) != CAIRN_OK)
        goto out;
    v.pc.keys = keys;
    v.pc.n_keys = nv;
    if ((st = fix_status(ktdir__owner_init(&v.pc, start, gv, n_gv))) != CAIRN_OK ||
        (st = ktdir__verify_end(&v, now_ms)) != CAIRN_OK)
        goto out;
    if (label_len)
        memcpy(ns->label, label, label_len);
    ns->label_len = label_len;
    ns->start = start;
    ns->has_start_version = ns->has_greatest = n_gv > 0;
    ns->start_version = ns->greatest = n_gv ? gv[0] : 0;
    ns->greatest_pos = start;
    for (size_t i = 0; i < nv; i++)
        keys[i].has_commit = keys[i].has_commit && keys[i].used;
    if ((st = store_keys(ns, keys, nv)) != CAIRN_OK)
        goto out;
    *out_view = *v.nv;
    *out_state = *ns;
out:
    cairn__free(ctx, vers);
    cairn__free(ctx, keys);
    cairn__free(ctx, ns);
    ktdir__verify_cleanup(&v);
    return st;
}

/* Adds (pos, ver) to the contact map; an entry at the same position with
 * a lesser version is superseded (draft contact algorithm step 3.1). */
static cairn_status map_add(cairn_kt_owner_state *s, uint64_t pos, uint32_t ver)
{
    size_t i = 0;
    while (i < s->n_entries && s->entries[i].position < pos)
        i++;
    if (i < s->n_entries && s->entries[i].position == pos) {
        if (s->entries[i].version < ver)
            s->entries[i].version = ver;
        return CAIRN_OK;
    }
    if (s->n_entries >= CAIRN_KT_MAX_MONITOR)
        return CAIRN_ERR_LIMIT;
    memmove(&s->entries[i + 1], &s->entries[i],
            (s->n_entries - i) * sizeof s->entries[0]);
    s->entries[i].position = pos;
    s->entries[i].version = ver;
    s->n_entries++;
    return CAIRN_OK;
}

static ktdir__vkey *find_key(ktdir__vkey *k, size_t n, uint32_t v)
{
    for (size_t i = 0; i < n; i++)
        if (k[i].version == v)
            return &k[i];
    return NULL;
}

cairn_status cairn_kt_verify_update(const cairn_context *ctx,
                                    const cairn_kt_config *cfg,
                                    const cairn_kt_view *old,
                                    const cairn_kt_owner_state *s,
                                    const cairn_kt_value *req, size_t n_req,
                                    const uint8_t *resp, size_t resp_len,
                                    int64_t now_ms, cairn_kt_view *out_view,
                                    cairn_kt_owner_state *out_state,
                                    cairn_kt_update_result *res)
{
    ktdir__verifier v;
    cairn__reader r;
    cairn_kt_value vals[CAIRN_KT_MAX_UPDATE_VALUES];
    const uint8_t *openings;
    uint32_t vers[KT_MAX_LADDER + 256], first, g_new;
    size_t n_vals, n_info, nsteps, nk, nkeys;
    uint64_t pos, floor;
    ktdir__vkey *keys = NULL;
    cairn_kt_owner_state *ns = NULL;
    cairn_kt_update_result *out = NULL;
    bool has_prev, dist;
    cairn_status st;

    if ((st = ktdir__verify_check_args(ctx, cfg, old, resp)) != CAIRN_OK)
        return st;
    if (s == NULL || out_view == NULL || out_state == NULL || res == NULL ||
        n_req > CAIRN_KT_MAX_UPDATE_VALUES || (n_req && req == NULL) ||
        check_state(s) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    for (size_t i = 0; i < n_req; i++)
        if (req[i].len > CAIRN_KT_MAX_VALUE || (req[i].len && req[i].data == NULL))
            return CAIRN_ERR_INVALID_ARG;
    if (resp_len > KT_MAX_RESPONSE)
        return CAIRN_ERR_TOO_LARGE;
    memset(&v, 0, sizeof v);
    v.ctx = ctx;
    v.cfg = cfg;
    v.old = old;
    cairn__reader_init(&r, resp, resp_len);
    if ((st = ktdir__fth_decode(&r, cfg->mode, &v.fth)) != CAIRN_OK)
        return st;
    pos = cairn__read_u64be(&r);
    n_vals = ktdir__get_count8(&r, CAIRN_KT_MAX_UPDATE_VALUES);
    for (size_t i = 0; i < n_vals && !r.err; i++)
        vals[i].data = ktdir__get_vec32(&r, &vals[i].len, CAIRN_KT_MAX_VALUE);
    n_info = ktdir__get_count8(&r, CAIRN_KT_MAX_UPDATE_VALUES);
    openings = r.err ? NULL : cairn__read_bytes(&r, n_info * KT_NC);
    nsteps = ktdir__get_count8(&r, 0xff);
    if (r.err || (n_info && openings == NULL))
        return CAIRN_ERR_DECODE;
    /* Steps 1 and 2 of the draft's UpdateResponse verification. */
    has_prev = s->has_greatest;
    floor = s->start > s->greatest_pos ? s->start : s->greatest_pos;
    if (pos <= floor || n_info == 0 || n_info != (n_vals ? n_vals : n_req) ||
        (has_prev && s->greatest == UINT32_MAX))
        return CAIRN_ERR_PROOF;
    first = has_prev ? s->greatest + 1 : 0;
    if ((uint64_t)first + n_info - 1 > UINT32_MAX)
        return CAIRN_ERR_PROOF;
    g_new = (uint32_t)(first + n_info - 1);
    nk = ktdir__update_versions(has_prev, s->greatest, g_new, vers);
    if (nk != nsteps)
        return CAIRN_ERR_PROOF;
    keys = state_table(ctx, s, nk + n_info);
    ns = cairn__memdup(ctx, s, sizeof *s);
    out = cairn__calloc(ctx, 1, sizeof *out);
    if (keys == NULL || ns == NULL || out == NULL) {
        st = CAIRN_ERR_NOMEM;
        goto out;
    }
    nkeys = s->n_keys;
    /* Step 4: VRF proofs; commitments only below the owner's greatest. */
    for (size_t i = 0; i < nk; i++) {
        ktdir__vkey k, *have;
        if ((st = read_step(cfg, &r, s->label, s->label_len, vers[i],
                            has_prev && vers[i] < s->greatest, &k)) != CAIRN_OK)
            goto out;
        have = find_key(keys, nkeys, vers[i]);
        if (have == NULL) {
            keys[nkeys++] = k;
        } else if (memcmp(have->vrf, k.vrf, KT_VRF_NH) != 0 ||
                   (have->has_commit && k.has_commit &&
                    memcmp(have->commit, k.commit, KT_H) != 0)) {
            st = CAIRN_ERR_PROOF;
            goto out;
        } else if (k.has_commit && !have->has_commit) {
            memcpy(have->commit, k.commit, KT_H);
            have->has_commit = true;
            have->used = false;
        }
    }
    if ((st = decode_tail(&v, &r)) != CAIRN_OK)
        goto out;
    /* The new versions' commitments come from their openings and values. */
    for (size_t i = 0; i < n_info; i++) {
        const cairn_kt_value *val = n_vals ? &vals[i] : &req[i];
        uint8_t c[KT_H];
        ktdir__vkey *k = find_key(keys, nkeys, first + (uint32_t)i);
        if (k == NULL || (k->has_commit && k->used)) {
            st = CAIRN_ERR_PROOF; /* no VRF output, or an existing version */
            goto out;
        }
        if ((st = ktdir__commitment(c, openings + i * KT_NC, s->label, s->label_len,
                                    first + (uint32_t)i, val->data, val->len)) != CAIRN_OK)
            goto out;
        memcpy(k->commit, c, KT_H);
        k->has_commit = true;
        k->used = true; /* computed by the owner */
        out->values[i] = *val;
    }
    if ((st = ktdir__verify_begin(&v)) != CAIRN_OK)
        goto out;
    v.pc.keys = keys;
    v.pc.n_keys = nkeys;
    if ((st = fix_status(ktdir__update_alg(&v.pc, pos, has_prev, s->greatest, g_new,
                                           floor, &dist))) != CAIRN_OK ||
        (st = ktdir__verify_end(&v, now_ms)) != CAIRN_OK)
        goto out;
    /* New state: the update is retained for the owner walk (history) and,
     * off a distinguished entry, for contact monitoring. */
    ns->has_greatest = true;
    ns->greatest = g_new;
    ns->greatest_pos = pos;
    if (ns->n_history >= CAIRN_KT_MAX_HISTORY) {
        st = CAIRN_ERR_LIMIT;
        goto out;
    }
    ns->history[ns->n_history].position = pos;
    ns->history[ns->n_history].version = g_new;
    ns->n_history++;
    if (!dist && (st = map_add(ns, pos, g_new)) != CAIRN_OK)
        goto out;
    for (size_t i = 0; i < nkeys; i++)
        keys[i].has_commit = keys[i].has_commit && keys[i].used;
    if ((st = store_keys(ns, keys, nkeys)) != CAIRN_OK)
        goto out;
    out->position = pos;
    out->first_version = first;
    out->n_versions = (uint32_t)n_info;
    out->distinguished = dist;
    out->disclosed = n_vals > 0;
    *out_view = *v.nv;
    *out_state = *ns;
    memcpy(res, out, sizeof *res);
out:
    cairn__free(ctx, keys);
    cairn__free(ctx, ns);
    cairn__free(ctx, out);
    ktdir__verify_cleanup(&v);
    return st;
}

cairn_status cairn_kt_verify_owner_monitor(const cairn_context *ctx,
                                           const cairn_kt_config *cfg,
                                           const cairn_kt_view *old,
                                           const cairn_kt_owner_state *s,
                                           const uint8_t *resp, size_t resp_len,
                                           int64_t now_ms,
                                           cairn_kt_view *out_view,
                                           cairn_kt_owner_state *out_state,
                                           cairn_kt_owner_monitor_result *res)
{
    ktdir__verifier v;
    cairn__reader r;
    uint64_t pending[CAIRN_KT_MAX_MONITOR];
    size_t cnt, w_out = 0, h_out = 0;
    ktdir__vkey *keys = NULL;
    cairn_kt_owner_state *ns = NULL;
    ktdir__owner_walk w;
    cairn_status st;

    if ((st = ktdir__verify_check_args(ctx, cfg, old, resp)) != CAIRN_OK)
        return st;
    if (s == NULL || out_view == NULL || out_state == NULL || res == NULL ||
        check_state(s) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    if (resp_len > KT_MAX_RESPONSE)
        return CAIRN_ERR_TOO_LARGE;
    memset(&v, 0, sizeof v);
    v.ctx = ctx;
    v.cfg = cfg;
    v.old = old;
    cairn__reader_init(&r, resp, resp_len);
    if ((st = ktdir__fth_decode(&r, cfg->mode, &v.fth)) != CAIRN_OK)
        return st;
    keys = state_table(ctx, s, 0);
    ns = cairn__memdup(ctx, s, sizeof *s);
    if (keys == NULL || ns == NULL) {
        st = CAIRN_ERR_NOMEM;
        goto out;
    }
    if ((st = decode_tail(&v, &r)) != CAIRN_OK ||
        (st = ktdir__verify_begin(&v)) != CAIRN_OK)
        goto out;
    v.pc.keys = keys;
    v.pc.n_keys = s->n_keys;
    cnt = s->n_entries;
    st = ktdir__contact_monitor_owner(&v.pc, ns->entries, &cnt, true, s->start, pending);
    if ((st = fix_status(st)) != CAIRN_OK)
        goto out;
    memset(&w, 0, sizeof w);
    w.start = s->start;
    w.expected = state_expected;
    w.ud = (void *)s;
    if ((st = fix_status(ktdir__owner_walk_run(&v.pc, &w))) != CAIRN_OK ||
        (st = ktdir__verify_end(&v, now_ms)) != CAIRN_OK)
        goto out;
    /* Advance start; fold history into start_version (KT-OWN-7). */
    if (w.has_last) {
        uint32_t sv;
        ns->start = w.last;
        ns->has_start_version = state_expected((void *)s, w.last, &sv);
        ns->start_version = ns->has_start_version ? sv : 0;
        for (size_t i = 0; i < s->n_history; i++)
            if (s->history[i].position > w.last)
                ns->history[h_out++] = s->history[i];
        ns->n_history = h_out;
    }
    /* Entries whose final distinguished entry the walk verified retire. */
    for (size_t i = 0; i < cnt; i++)
        if (pending[i] == UINT64_MAX || !w.has_last || pending[i] > w.last)
            ns->entries[w_out++] = ns->entries[i];
    ns->n_entries = w_out;
    if ((st = store_keys(ns, keys, s->n_keys)) != CAIRN_OK)
        goto out;
    res->complete = !w.stopped;
    res->n_verified = w.n_ladders;
    *out_view = *v.nv;
    *out_state = *ns;
out:
    cairn__free(ctx, keys);
    cairn__free(ctx, ns);
    ktdir__verify_cleanup(&v);
    return st;
}
