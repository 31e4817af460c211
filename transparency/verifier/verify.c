/*
 * verify.c - search and monitor verification over the view (KTV-1,
 * KTV-2): the directory library's verifiers do the proof work; this file
 * adds the client policy (timestamps never go backwards across calls,
 * local clock skew, the signed head kept for gossip, the monitored label
 * table) and makes the whole step all-or-nothing.
 */
#include <stdio.h>
#include <string.h>

#include "ktv_internal.h"
#include "ktdir_internal.h"

/* The FullTreeHead that opens every response: the signed size and the
 * signature (for gossip). "same" heads keep the previous signature. */
static cairn_status read_head(const cairn_ktv *v, const uint8_t *resp,
                              size_t len, bool *updated, uint64_t *size,
                              uint8_t sig[64])
{
    cairn__reader r;
    ktdir__fth h;
    cairn_status st;
    cairn__reader_init(&r, resp, len);
    if ((st = ktdir__fth_decode(&r, v->cfg.mode, &h)) != CAIRN_OK)
        return st;
    *updated = h.type == KT_HEAD_UPDATED;
    *size = h.tree_size;
    memcpy(sig, h.sig, 64);
    return CAIRN_OK;
}

/* Policy checks on a verified new view. */
static cairn_status policy(const cairn_ktv *v, const cairn_kt_view *nv,
                           int64_t now_ms, uint64_t *rightmost)
{
    uint64_t ts;
    if (nv->n_frontier == 0)
        return CAIRN_ERR_PROOF;
    ts = nv->frontier[nv->n_frontier - 1].timestamp;
    if (ts < v->last_ts)
        return CAIRN_ERR_STALE;
    if (nv->tree_size < v->view.tree_size)
        return CAIRN_ERR_STALE;
    if (now_ms >= 0 && ts > (uint64_t)now_ms + (uint64_t)v->opt.max_skew_ms)
        return CAIRN_ERR_STALE;
    *rightmost = ts;
    return CAIRN_OK;
}

static void commit_head(cairn_ktv *v, const cairn_kt_view *nv, uint64_t ts,
                        bool updated, uint64_t size, const uint8_t sig[64])
{
    v->view = *nv;
    v->last_ts = ts;
    if (updated) {
        v->has_head = true;
        v->head_size = size;
        memcpy(v->head_sig, sig, 64);
    }
}

cairn_status cairn_ktv_verify_search(cairn_ktv *v, const uint8_t *label,
                                     size_t label_len, bool has_version,
                                     uint32_t version, const uint8_t *resp,
                                     size_t resp_len, int64_t now_ms,
                                     bool monitor, cairn_ktv_result *res)
{
    cairn_kt_view nv;
    cairn_kt_search_result r;
    cairn_kt_label_state *slot = NULL, *tmp = NULL;
    uint64_t ts = 0, size = 0;
    uint8_t sig[64];
    bool updated = false;
    cairn_status st;
    if (v == NULL || label == NULL || label_len == 0 ||
        label_len > CAIRN_KT_MAX_LABEL || resp == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (resp_len > CAIRN_KTV_MAX_RESPONSE)
        return CAIRN_ERR_TOO_LARGE;
    if ((st = read_head(v, resp, resp_len, &updated, &size, sig)) != CAIRN_OK)
        return st;
    if (monitor) {
        slot = ktv__find(v, label, label_len);
        if (slot == NULL && v->n_labels >= CAIRN_KTV_MAX_LABELS)
            return CAIRN_ERR_LIMIT;
        if (slot == NULL && (st = ktv__reserve(v, v->n_labels + 1)) != CAIRN_OK)
            return st;
        tmp = cairn__calloc(v->ctx, 1, sizeof *tmp);
        if (tmp == NULL)
            return CAIRN_ERR_NOMEM;
        if (slot)
            *tmp = *slot;
    }
    st = cairn_kt_verify_search(v->ctx, &v->cfg, &v->view, label, label_len,
                                has_version, version, resp, resp_len, now_ms,
                                &nv, &r, tmp);
    if (st == CAIRN_OK)
        st = policy(v, &nv, now_ms, &ts);
    if (st == CAIRN_OK) {
        commit_head(v, &nv, ts, updated, size, sig);
        if (monitor) {
            if (slot == NULL)
                slot = &v->labels[v->n_labels++];
            *slot = *tmp;
        }
        if (res) {
            res->version = r.version;
            res->value = r.value;
            res->value_len = r.value_len;
            res->terminal = r.terminal;
        }
    }
    if (tmp)
        cairn__free_secret(v->ctx, tmp, sizeof *tmp);
    return st;
}

cairn_status cairn_ktv_monitor_entries(const cairn_ktv *v, const uint8_t *label,
                                       size_t label_len, char *out, size_t cap)
{
    const cairn_kt_label_state *s;
    size_t off = 0;
    if (v == NULL || out == NULL || cap == 0)
        return CAIRN_ERR_INVALID_ARG;
    s = ktv__find(v, label, label_len);
    if (s == NULL || s->n_entries == 0)
        return CAIRN_ERR_NOT_FOUND;
    out[0] = 0;
    for (size_t i = 0; i < s->n_entries; i++) {
        int n = snprintf(out + off, cap - off, "%s%llu:%u", i ? "," : "",
                         (unsigned long long)s->entries[i].position,
                         (unsigned)s->entries[i].version);
        if (n < 0 || (size_t)n >= cap - off)
            return CAIRN_ERR_TOO_LARGE;
        off += (size_t)n;
    }
    return CAIRN_OK;
}

cairn_status cairn_ktv_verify_monitor(cairn_ktv *v, const uint8_t *label,
                                      size_t label_len, const uint8_t *resp,
                                      size_t resp_len, int64_t now_ms)
{
    cairn_kt_view nv;
    cairn_kt_label_state *slot, *ns;
    uint64_t ts = 0, size = 0;
    uint8_t sig[64];
    bool updated = false;
    cairn_status st;
    if (v == NULL || resp == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (resp_len > CAIRN_KTV_MAX_RESPONSE)
        return CAIRN_ERR_TOO_LARGE;
    slot = ktv__find(v, label, label_len);
    if (slot == NULL)
        return CAIRN_ERR_NOT_FOUND;
    if ((st = read_head(v, resp, resp_len, &updated, &size, sig)) != CAIRN_OK)
        return st;
    ns = cairn__calloc(v->ctx, 1, sizeof *ns);
    if (ns == NULL)
        return CAIRN_ERR_NOMEM;
    st = cairn_kt_verify_monitor(v->ctx, &v->cfg, &v->view, slot, resp, resp_len,
                                 now_ms, &nv, ns);
    if (st == CAIRN_OK)
        st = policy(v, &nv, now_ms, &ts);
    if (st == CAIRN_OK) {
        commit_head(v, &nv, ts, updated, size, sig);
        *slot = *ns;
    }
    cairn__free_secret(v->ctx, ns, sizeof *ns);
    return st;
}
