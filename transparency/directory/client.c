/*
 * client.c - client verification of SearchResponse and
 * ContactMonitorResponse against the retained view.
 *
 * Order of checks follows the draft's "User Operations": decode everything
 * with hard caps, check the binary-ladder VRF proofs and commitments, run
 * the shared algorithm in verify mode (which consumes the proof), compute
 * the candidate log root from the inclusion proof and retained subtrees,
 * then verify the FullTreeHead (signature, size growth, auditor head,
 * clock bounds). Invariant (KT-CLI-1): the caller's outputs are written
 * only after all of that succeeded; a failure leaves them untouched.
 */
#include <sodium.h>
#include <string.h>

#include "ktdir_internal.h"

cairn_status ktdir__verify_begin(ktdir__verifier *v)
{
    cairn_status st;
    if (v->fth.type == KT_HEAD_SAME) {
        if (v->old->tree_size == 0)
            return CAIRN_ERR_PROOF;
        v->n = v->old->tree_size;
    } else {
        if (v->fth.tree_size == 0)
            return CAIRN_ERR_PROOF;
        if (v->old->tree_size && v->fth.tree_size <= v->old->tree_size)
            return CAIRN_ERR_STALE; /* KT-TH-3: must grow */
        v->n = v->fth.tree_size;
    }
    if ((st = ktdir__pctx_init(&v->pc, v->ctx, false, v->cfg, v->n, v->old)) != CAIRN_OK)
        return st == CAIRN_ERR_INVALID_ARG ? CAIRN_ERR_PROOF : st;
    v->pc.in = &v->comb;
    return ktdir__update_view(&v->pc);
}

static cairn_status verify_sig(const uint8_t pk[32], const uint8_t sig[64],
                               const cairn__buf *tbs)
{
    return crypto_sign_verify_detached(sig, tbs->data, tbs->len, pk) == 0
               ? CAIRN_OK : CAIRN_ERR_BAD_SIGNATURE;
}

cairn_status ktdir__verify_end(ktdir__verifier *v, int64_t now_ms)
{
    uint8_t root[KT_H], a_root[KT_H];
    uint64_t last_ts, a = 0, fr[64];
    size_t c;
    cairn__buf tbs;
    cairn_status st;

    if ((st = ktdir__get_ts(&v->pc, v->n - 1, &last_ts)) != CAIRN_OK)
        return st;
    if (v->fth.has_auditor) {
        if (v->fth.a_size == 0 || v->fth.a_size > v->n)
            return CAIRN_ERR_PROOF;
        a = v->fth.a_size;
    }
    if ((st = ktdir__pctx_finish(&v->pc, a, root, a_root, v->nv->full_subtrees)) != CAIRN_OK)
        return st;
    /* Clock bounds on the rightmost entry (KT-VIEW-3). */
    if (now_ms >= 0) {
        uint64_t now = (uint64_t)now_ms;
        if (last_ts > now && last_ts - now > v->cfg->max_ahead)
            return CAIRN_ERR_STALE;
        if (now > last_ts && now - last_ts > v->cfg->max_behind)
            return CAIRN_ERR_STALE;
    }
    if (v->fth.type == KT_HEAD_SAME) {
        if (memcmp(root, v->old->root, KT_H) != 0)
            return CAIRN_ERR_PROOF;
    } else {
        cairn__buf_init(&tbs, v->ctx, 4096);
        st = ktdir__treehead_tbs(&tbs, v->cfg, v->n, root);
        if (st == CAIRN_OK)
            st = verify_sig(v->cfg->signature_public_key, v->fth.sig, &tbs);
        cairn__buf_free(&tbs);
        if (st != CAIRN_OK)
            return st;
    }
    if (v->fth.has_auditor) {
        /* KT-AUD-3: auditor head checks. */
        if (v->old->tree_size && v->old->auditor_tree_size < v->cfg->auditor_start_pos)
            return CAIRN_ERR_PROOF;
        if (last_ts < v->fth.a_ts || last_ts - v->fth.a_ts > v->cfg->max_auditor_lag)
            return CAIRN_ERR_STALE;
        cairn__buf_init(&tbs, v->ctx, 4096);
        st = ktdir__auditor_tbs(&tbs, v->cfg, v->fth.a_ts, v->fth.a_size, a_root);
        if (st == CAIRN_OK)
            st = verify_sig(v->cfg->auditor_public_key, v->fth.a_sig, &tbs);
        cairn__buf_free(&tbs);
        if (st != CAIRN_OK)
            return st;
        v->nv->auditor_tree_size = v->fth.a_size;
        v->nv->auditor_timestamp = v->fth.a_ts;
    } else {
        v->nv->auditor_tree_size = v->old->auditor_tree_size;
        v->nv->auditor_timestamp = v->old->auditor_timestamp;
    }
    /* New view: frontier entries with their timestamps and roots. */
    v->nv->tree_size = v->n;
    memcpy(v->nv->root, root, KT_H);
    c = ktdir__ibst_frontier(v->n, fr);
    for (size_t i = 0; i < c; i++) {
        const ktdir__entry *e = NULL;
        for (size_t j = 0; j < v->pc.n_ents; j++)
            if (v->pc.ents[j].idx == fr[i])
                e = &v->pc.ents[j];
        if (e == NULL || !e->has_ts || !e->has_root)
            return CAIRN_ERR_PROOF;
        v->nv->frontier[i].position = fr[i];
        v->nv->frontier[i].timestamp = e->ts;
        memcpy(v->nv->frontier[i].prefix_root, e->root, KT_H);
    }
    v->nv->n_frontier = c;
    return CAIRN_OK;
}

void ktdir__verify_cleanup(ktdir__verifier *v)
{
    ktdir__pctx_free(&v->pc);
    ktdir__combined_free(v->ctx, &v->comb);
    cairn__free(v->ctx, v->nv);
}

cairn_status ktdir__verify_check_args(const cairn_context *ctx,
                                     const cairn_kt_config *cfg,
                                     const cairn_kt_view *old,
                                     const uint8_t *resp)
{
    if (ctx == NULL || cfg == NULL || old == NULL || resp == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (cfg->mode != CAIRN_KT_MODE_CONTACT_MONITORING &&
        cfg->mode != CAIRN_KT_MODE_THIRD_PARTY_AUDITING)
        return CAIRN_ERR_UNSUPPORTED;
    if (old->n_frontier > 64)
        return CAIRN_ERR_INVALID_ARG;
    return CAIRN_OK;
}

/* Keeps only what the response authenticated: VRF outputs, and the
 * commitments an inclusion proof actually used (KT-CLI-2). */
static cairn_status merge_keys(cairn_kt_label_state *s, const ktdir__vkey *in,
                               size_t nk)
{
    for (size_t i = 0; i < nk; i++) {
        bool has_commit = in[i].has_commit && in[i].used;
        size_t j;
        for (j = 0; j < s->n_keys; j++)
            if (s->keys[j].version == in[i].version)
                break;
        if (j == s->n_keys) {
            if (s->n_keys >= CAIRN_KT_MAX_KEYS)
                return CAIRN_ERR_LIMIT;
            s->n_keys++;
        } else if (s->keys[j].has_commitment && !has_commit) {
            continue;
        }
        s->keys[j].version = in[i].version;
        memcpy(s->keys[j].vrf_output, in[i].vrf, 32);
        if (has_commit)
            memcpy(s->keys[j].commitment, in[i].commit, 32);
        else
            memset(s->keys[j].commitment, 0, 32);
        s->keys[j].has_commitment = has_commit;
    }
    return CAIRN_OK;
}

static cairn_status add_monitor(cairn_kt_label_state *s, uint64_t pos, uint32_t ver)
{
    size_t i = 0;
    for (size_t j = 0; j < s->n_entries; j++)
        if (s->entries[j].position == pos || s->entries[j].version == ver)
            return CAIRN_OK; /* already tracked */
    if (s->n_entries >= CAIRN_KT_MAX_MONITOR)
        return CAIRN_ERR_LIMIT;
    while (i < s->n_entries && s->entries[i].position < pos)
        i++;
    memmove(&s->entries[i + 1], &s->entries[i], (s->n_entries - i) * sizeof s->entries[0]);
    s->entries[i].position = pos;
    s->entries[i].version = ver;
    s->n_entries++;
    return CAIRN_OK;
}

cairn_status cairn_kt_verify_search(const cairn_context *ctx,
                                    const cairn_kt_config *cfg,
                                    const cairn_kt_view *old,
                                    const uint8_t *label, size_t label_len,
                                    bool has_version, uint32_t version,
                                    const uint8_t *resp, size_t resp_len,
                                    int64_t now_ms, cairn_kt_view *out_view,
                                    cairn_kt_search_result *res,
                                    cairn_kt_label_state *state)
{
    ktdir__verifier v;
    cairn__reader r;
    uint32_t t, base[KT_MAX_LADDER];
    size_t nb, nsteps, vlen;
    const uint8_t *opening, *value;
    ktdir__vkey keys[KT_MAX_LADDER];
    cairn_kt_label_state *ns = NULL;
    cairn_kt_search_result out;
    cairn_status st;

    if ((st = ktdir__verify_check_args(ctx, cfg, old, resp)) != CAIRN_OK)
        return st;
    if (label_len > CAIRN_KT_MAX_LABEL || (label_len && label == NULL) ||
        out_view == NULL || res == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (state && state->label_len &&
        (state->label_len != label_len || memcmp(state->label, label, label_len) != 0))
        return CAIRN_ERR_INVALID_ARG;
    if (resp_len > KT_MAX_RESPONSE)
        return CAIRN_ERR_TOO_LARGE;
    memset(&v, 0, sizeof v);
    memset(&out, 0, sizeof out);
    v.ctx = ctx;
    v.cfg = cfg;
    v.old = old;
    cairn__reader_init(&r, resp, resp_len);
    if ((st = ktdir__fth_decode(&r, cfg->mode, &v.fth)) != CAIRN_OK)
        return st;
    t = has_version ? version : cairn__read_u32be(&r);
    opening = cairn__read_bytes(&r, KT_NC);
    value = ktdir__get_vec32(&r, &vlen, CAIRN_KT_MAX_VALUE);
    nsteps = ktdir__get_count8(&r, KT_MAX_LADDER);
    if (r.err)
        return CAIRN_ERR_DECODE;
    nb = ktdir__base_ladder(t, base);
    if (nsteps != nb)
        return CAIRN_ERR_PROOF;
    memset(keys, 0, sizeof keys);
    for (size_t i = 0; i < nb; i++) {
        const uint8_t *proof = cairn__read_bytes(&r, KT_VRF_NP);
        bool has_c = ktdir__get_present(&r);
        const uint8_t *c = has_c ? cairn__read_bytes(&r, KT_H) : NULL;
        if (r.err)
            return CAIRN_ERR_DECODE;
        if (has_c && base[i] == t)
            return CAIRN_ERR_PROOF; /* no commitment for the target */
        keys[i].version = base[i];
        if ((st = ktdir__vrf_verify(keys[i].vrf, cfg->vrf_public_key, proof,
                                    label, label_len, base[i])) != CAIRN_OK)
            return CAIRN_ERR_PROOF;
        if (has_c) {
            memcpy(keys[i].commit, c, KT_H);
            keys[i].has_commit = true;
        }
        if (base[i] == t) {
            if ((st = ktdir__commitment(keys[i].commit, opening, label, label_len,
                                        t, value, vlen)) != CAIRN_OK)
                return st;
            keys[i].has_commit = true;
        }
    }
    if ((st = ktdir__combined_decode(ctx, &r, &v.comb)) != CAIRN_OK)
        return st;
    if (cairn__reader_left(&r) != 0) {
        ktdir__combined_free(ctx, &v.comb);
        return CAIRN_ERR_DECODE;
    }
    v.nv = cairn__calloc(ctx, 1, sizeof *v.nv);
    if (v.nv == NULL) {
        ktdir__combined_free(ctx, &v.comb);
        return CAIRN_ERR_NOMEM;
    }
    if ((st = ktdir__verify_begin(&v)) != CAIRN_OK)
        goto out;
    v.pc.keys = keys;
    v.pc.n_keys = nb;
    st = has_version ? ktdir__search_fixed(&v.pc, t, &out.terminal, &out.must_monitor)
                     : ktdir__search_greatest(&v.pc, t, &out.terminal, &out.must_monitor);
    if (st == CAIRN_ERR_INTERNAL || st == CAIRN_ERR_INVALID_ARG)
        st = CAIRN_ERR_PROOF;
    if (st != CAIRN_OK || (st = ktdir__verify_end(&v, now_ms)) != CAIRN_OK)
        goto out;
    if (state) {
        ns = cairn__memdup(ctx, state, sizeof *state);
        if (ns == NULL) {
            st = CAIRN_ERR_NOMEM;
            goto out;
        }
        if (ns->label_len == 0 && label_len) {
            memcpy(ns->label, label, label_len);
            ns->label_len = label_len;
        }
        if ((st = merge_keys(ns, keys, nb)) != CAIRN_OK ||
            (out.must_monitor && (st = add_monitor(ns, out.terminal, t)) != CAIRN_OK))
            goto out;
    }
    out.version = t;
    out.value = value;
    out.value_len = vlen;
    *out_view = *v.nv;
    *res = out;
    if (state)
        *state = *ns;
out:
    cairn__free(ctx, ns);
    ktdir__verify_cleanup(&v);
    return st;
}

cairn_status cairn_kt_verify_monitor(const cairn_context *ctx,
                                     const cairn_kt_config *cfg,
                                     const cairn_kt_view *old,
                                     const cairn_kt_label_state *state,
                                     const uint8_t *resp, size_t resp_len,
                                     int64_t now_ms, cairn_kt_view *out_view,
                                     cairn_kt_label_state *out_state)
{
    ktdir__verifier v;
    cairn__reader r;
    ktdir__vkey *keys = NULL;
    cairn_kt_monitor_entry map[CAIRN_KT_MAX_MONITOR];
    size_t cnt;
    cairn_status st;

    if ((st = ktdir__verify_check_args(ctx, cfg, old, resp)) != CAIRN_OK)
        return st;
    if (state == NULL || out_view == NULL || out_state == NULL ||
        state->n_entries > CAIRN_KT_MAX_MONITOR || state->n_keys > CAIRN_KT_MAX_KEYS)
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
    if ((st = ktdir__combined_decode(ctx, &r, &v.comb)) != CAIRN_OK)
        return st;
    if (cairn__reader_left(&r) != 0) {
        ktdir__combined_free(ctx, &v.comb);
        return CAIRN_ERR_DECODE;
    }
    v.nv = cairn__calloc(ctx, 1, sizeof *v.nv);
    keys = cairn__calloc(ctx, CAIRN_KT_MAX_KEYS, sizeof *keys);
    if (v.nv == NULL || keys == NULL) {
        st = CAIRN_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < state->n_keys; i++) {
        keys[i].version = state->keys[i].version;
        memcpy(keys[i].vrf, state->keys[i].vrf_output, 32);
        memcpy(keys[i].commit, state->keys[i].commitment, 32);
        keys[i].has_commit = state->keys[i].has_commitment != 0;
    }
    memcpy(map, state->entries, state->n_entries * sizeof *map);
    cnt = state->n_entries;
    if ((st = ktdir__verify_begin(&v)) != CAIRN_OK)
        goto out;
    v.pc.keys = keys;
    v.pc.n_keys = state->n_keys;
    st = ktdir__contact_monitor(&v.pc, map, &cnt);
    if (st == CAIRN_ERR_INTERNAL)
        st = CAIRN_ERR_PROOF;
    if (st != CAIRN_OK || (st = ktdir__verify_end(&v, now_ms)) != CAIRN_OK)
        goto out;
    *out_view = *v.nv;
    if (out_state != state)
        *out_state = *state;
    memcpy(out_state->entries, map, cnt * sizeof *map);
    out_state->n_entries = cnt;
out:
    cairn__free(ctx, keys);
    ktdir__verify_cleanup(&v);
    return st;
}

void cairn_kt_view_root(const cairn_kt_view *v, uint8_t out[32])
{
    memcpy(out, v->root, 32);
}
