/*
 * directory.c - the server's in-memory directory: labels and their
 * versions, the prefix tree arena, the log tree, and batched publication
 * (stage updates, then commit one log entry and sign the new tree head).
 *
 * Invariants: only committed versions (n_published) are ever served; a
 * commit never lets the timestamp go backwards (KT-DIR-1); persistence is
 * the sequence of LogEntryRecords (the inputs), from which import rebuilds
 * and re-checks the trees deterministically (KT-PERS-1), and the store hook
 * sees a record before the entry becomes visible. Values, labels and all
 * counts are bounded by the public limits.
 */
#include <sodium.h>
#include <string.h>

#include "cairn/vrf.h"
#include "ktdir_internal.h"

static uint64_t label_hash(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

ktdir__label *ktdir__find_label(const cairn_ktdir *d, const uint8_t *label,
                                size_t len)
{
    size_t mask = d->n_slots - 1, i;
    if (d->n_slots == 0 || len > CAIRN_KT_MAX_LABEL)
        return NULL;
    i = (size_t)label_hash(label, len) & mask;
    while (d->slots[i]) {
        ktdir__label *l = &d->labels[d->slots[i] - 1];
        if (l->len == len && (len == 0 || memcmp(l->label, label, len) == 0))
            return l;
        i = (i + 1) & mask;
    }
    return NULL;
}

static cairn_status rehash_slots(cairn_ktdir *d, size_t ns)
{
    uint32_t *s = cairn__calloc(d->ctx, ns, sizeof *s);
    if (s == NULL)
        return CAIRN_ERR_NOMEM;
    for (size_t k = 0; k < d->n_labels; k++) {
        size_t i = (size_t)label_hash(d->labels[k].label, d->labels[k].len) & (ns - 1);
        while (s[i])
            i = (i + 1) & (ns - 1);
        s[i] = (uint32_t)(k + 1);
    }
    cairn__free(d->ctx, d->slots);
    d->slots = s;
    d->n_slots = ns;
    return CAIRN_OK;
}

static cairn_status get_label(cairn_ktdir *d, const uint8_t *label, size_t len,
                              ktdir__label **out, uint32_t *index)
{
    ktdir__label *l = ktdir__find_label(d, label, len);
    cairn_status st;
    if (l) {
        *out = l;
        *index = (uint32_t)(l - d->labels);
        return CAIRN_OK;
    }
    if (d->n_labels >= 0x7fffffff)
        return CAIRN_ERR_LIMIT;
    if ((d->n_labels + 1) * 2 > d->n_slots &&
        (st = rehash_slots(d, d->n_slots ? d->n_slots * 2 : 1024)) != CAIRN_OK)
        return st;
    if (d->n_labels == d->cap_labels) {
        size_t nc = d->cap_labels ? d->cap_labels * 2 : 256;
        void *p = cairn__realloc(d->ctx, d->labels, nc * sizeof *d->labels);
        if (p == NULL)
            return CAIRN_ERR_NOMEM;
        d->labels = p;
        d->cap_labels = nc;
    }
    l = &d->labels[d->n_labels];
    memset(l, 0, sizeof *l);
    if (len)
        memcpy(l->label, label, len);
    l->len = (uint8_t)len;
    {
        size_t i = (size_t)label_hash(label, len) & (d->n_slots - 1);
        while (d->slots[i])
            i = (i + 1) & (d->n_slots - 1);
        d->slots[i] = (uint32_t)(d->n_labels + 1);
    }
    *index = (uint32_t)d->n_labels++;
    *out = l;
    return CAIRN_OK;
}

cairn_status cairn_ktdir_create(const cairn_context *ctx,
                                const cairn_ktdir_params *p, cairn_ktdir **out)
{
    cairn_ktdir *d;
    uint8_t pk[32];
    cairn_status st;
    if (ctx == NULL || p == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (p->mode != CAIRN_KT_MODE_CONTACT_MONITORING &&
        p->mode != CAIRN_KT_MODE_THIRD_PARTY_AUDITING)
        return CAIRN_ERR_UNSUPPORTED;
    d = cairn__calloc(ctx, 1, sizeof *d);
    if (d == NULL)
        return CAIRN_ERR_NOMEM;
    d->ctx = ctx;
    d->cfg.mode = p->mode;
    d->cfg.max_ahead = p->max_ahead;
    d->cfg.max_behind = p->max_behind;
    d->cfg.reasonable_monitoring_window = p->reasonable_monitoring_window;
    d->cfg.max_auditor_lag = p->max_auditor_lag;
    d->cfg.auditor_start_pos = p->auditor_start_pos;
    memcpy(d->cfg.auditor_public_key, p->auditor_public_key, 32);
    if (crypto_sign_seed_keypair(pk, d->sign_sk, p->signing_seed) != 0) {
        cairn__free(ctx, d);
        return CAIRN_ERR_CRYPTO;
    }
    memcpy(d->cfg.signature_public_key, pk, 32);
    memcpy(d->vrf_sk, p->vrf_secret, 32);
    if ((st = cairn_vrf_public_key(d->cfg.vrf_public_key, d->vrf_sk)) != CAIRN_OK) {
        cairn_ktdir_destroy(d);
        return st;
    }
    if (p->store) {
        d->store = *p->store;
        d->has_store = true;
    }
    ktdir__log_init(&d->log, ctx);
    if ((st = ktdir__ptree_init(&d->pt, ctx, p->max_prefix_nodes, &d->work_root)) != CAIRN_OK) {
        cairn_ktdir_destroy(d);
        return st;
    }
    *out = d;
    return CAIRN_OK;
}

void cairn_ktdir_destroy(cairn_ktdir *d)
{
    if (d == NULL)
        return;
    for (size_t i = 0; i < d->n_labels; i++) {
        for (uint32_t v = 0; v < d->labels[i].n_vers; v++)
            cairn__free_secret(d->ctx, d->labels[i].vers[v].value,
                               d->labels[i].vers[v].value_len);
        cairn__free(d->ctx, d->labels[i].vers);
    }
    cairn__free(d->ctx, d->labels);
    cairn__free(d->ctx, d->slots);
    cairn__free(d->ctx, d->ents);
    cairn__free(d->ctx, d->ins);
    ktdir__ptree_free(&d->pt);
    ktdir__log_free(&d->log);
    sodium_memzero(d->sign_sk, sizeof d->sign_sk);
    sodium_memzero(d->vrf_sk, sizeof d->vrf_sk);
    cairn__free(d->ctx, d);
}

void cairn_ktdir_get_config(const cairn_ktdir *d, cairn_kt_config *cfg)
{
    *cfg = d->cfg;
}

uint64_t cairn_ktdir_tree_size(const cairn_ktdir *d) { return d->n_ents; }

cairn_status cairn_ktdir_greatest(const cairn_ktdir *d, const uint8_t *label,
                                  size_t len, uint32_t *version)
{
    const ktdir__label *l = ktdir__find_label(d, label, len);
    if (l == NULL || l->n_published == 0)
        return CAIRN_ERR_NOT_FOUND;
    *version = l->n_published - 1;
    return CAIRN_OK;
}

static cairn_status stage(cairn_ktdir *d, const uint8_t *label, size_t len,
                          const uint8_t *value, size_t vlen,
                          const uint8_t *opening, const uint8_t *vrf,
                          uint32_t *version)
{
    ktdir__label *l;
    ktdir__version *v;
    uint32_t li;
    cairn_status st;
    if ((len && label == NULL) || len > CAIRN_KT_MAX_LABEL ||
        (vlen && value == NULL) || vlen > CAIRN_KT_MAX_VALUE)
        return CAIRN_ERR_INVALID_ARG;
    if ((st = get_label(d, label, len, &l, &li)) != CAIRN_OK)
        return st;
    if (l->n_vers == 0xffffffffu)
        return CAIRN_ERR_LIMIT;
    if (l->n_vers == l->cap_vers) {
        uint32_t nc = l->cap_vers ? l->cap_vers * 2 : 2;
        void *p = cairn__realloc(d->ctx, l->vers, (size_t)nc * sizeof *l->vers);
        if (p == NULL)
            return CAIRN_ERR_NOMEM;
        l->vers = p;
        l->cap_vers = nc;
    }
    if (d->n_ins == d->cap_ins) {
        size_t nc = d->cap_ins ? d->cap_ins * 2 : 1024;
        void *p = cairn__realloc(d->ctx, d->ins, nc * sizeof *d->ins);
        if (p == NULL)
            return CAIRN_ERR_NOMEM;
        d->ins = p;
        d->cap_ins = nc;
    }
    v = &l->vers[l->n_vers];
    memset(v, 0, sizeof *v);
    if (opening)
        memcpy(v->opening, opening, KT_NC);
    else if ((st = cairn__random(d->ctx, v->opening, KT_NC)) != CAIRN_OK)
        return st;
    if (vrf)
        memcpy(v->vrf, vrf, KT_VRF_NH);
    else if ((st = ktdir__vrf_output(v->vrf, d->vrf_sk, d->cfg.vrf_public_key,
                                     label, len, l->n_vers)) != CAIRN_OK)
        return st;
    if ((st = ktdir__commitment(v->commit, v->opening, label, len, l->n_vers,
                                value, vlen)) != CAIRN_OK)
        return st;
    if (vlen && (v->value = cairn__memdup(d->ctx, value, vlen)) == NULL)
        return CAIRN_ERR_NOMEM;
    v->value_len = (uint32_t)vlen;
    v->pos = d->n_ents;
    if ((st = ktdir__ptree_insert(&d->pt, &d->work_root, v->vrf, v->commit)) != CAIRN_OK) {
        cairn__free(d->ctx, v->value);
        return st;
    }
    d->ins[d->n_ins].label = li;
    d->ins[d->n_ins].version = l->n_vers;
    d->n_ins++;
    *version = l->n_vers++;
    return CAIRN_OK;
}

cairn_status cairn_ktdir_update(cairn_ktdir *d, const uint8_t *label,
                                size_t len, const uint8_t *value, size_t vlen,
                                uint32_t *version)
{
    uint32_t v;
    cairn_status st;
    if (d == NULL)
        return CAIRN_ERR_INVALID_ARG;
    st = stage(d, label, len, value, vlen, NULL, NULL, &v);
    if (st == CAIRN_OK && version)
        *version = v;
    return st;
}

cairn_status cairn_ktdir_next_version(const cairn_ktdir *d, const uint8_t *label,
                                      size_t len, uint32_t *version)
{
    const ktdir__label *l;
    if (d == NULL || version == NULL || (len && label == NULL) ||
        len > CAIRN_KT_MAX_LABEL)
        return CAIRN_ERR_INVALID_ARG;
    l = ktdir__find_label(d, label, len);
    *version = l ? l->n_vers : 0;
    return CAIRN_OK;
}

/* Reads only the VRF key pair, which nothing writes after create: this is
 * what makes it callable from other threads while the owner thread
 * stages and commits. */
cairn_status cairn_ktdir_vrf_output(const cairn_ktdir *d, const uint8_t *label,
                                    size_t len, uint32_t version,
                                    uint8_t out[CAIRN_KT_HASH_LEN])
{
    if (d == NULL || out == NULL || (len && label == NULL) || len > CAIRN_KT_MAX_LABEL)
        return CAIRN_ERR_INVALID_ARG;
    return ktdir__vrf_output(out, d->vrf_sk, d->cfg.vrf_public_key, label, len, version);
}

/* The output is trusted, not checked (checking costs a VRF verification,
 * more than computing it): the caller is the server itself. It is used
 * only when it was computed for the version this update gets; otherwise
 * (another update of the label was staged meanwhile) it is recomputed. */
cairn_status cairn_ktdir_update_with_vrf(cairn_ktdir *d, const uint8_t *label,
                                         size_t len, const uint8_t *value,
                                         size_t vlen, uint32_t vrf_version,
                                         const uint8_t vrf_output[CAIRN_KT_HASH_LEN],
                                         uint32_t *version)
{
    const ktdir__label *l;
    uint32_t v;
    cairn_status st;
    if (d == NULL || vrf_output == NULL || (len && label == NULL) ||
        len > CAIRN_KT_MAX_LABEL)
        return CAIRN_ERR_INVALID_ARG;
    l = ktdir__find_label(d, label, len);
    st = stage(d, label, len, value, vlen, NULL,
               (l ? l->n_vers : 0) == vrf_version ? vrf_output : NULL, &v);
    if (st == CAIRN_OK && version)
        *version = v;
    return st;
}

/* LogEntryRecord of the open batch (spec "Persistence"). */
static cairn_status encode_record(const cairn_ktdir *d, uint64_t ts,
                                  size_t first, size_t count, cairn__buf *b)
{
    cairn_status st;
    if ((st = ktdir__put_u64(b, ts)) != CAIRN_OK ||
        (st = ktdir__put_u32(b, (uint32_t)count)) != CAIRN_OK)
        return st;
    for (size_t i = first; i < first + count; i++) {
        const ktdir__label *l = &d->labels[d->ins[i].label];
        const ktdir__version *v = &l->vers[d->ins[i].version];
        if ((st = ktdir__put_vec8(b, l->label, l->len)) != CAIRN_OK ||
            (st = ktdir__put_u32(b, d->ins[i].version)) != CAIRN_OK ||
            (st = ktdir__put_bytes(b, v->opening, KT_NC)) != CAIRN_OK ||
            (st = ktdir__put_bytes(b, v->vrf, KT_VRF_NH)) != CAIRN_OK ||
            (st = ktdir__put_vec32(b, v->value, v->value_len)) != CAIRN_OK)
            return st;
    }
    return CAIRN_OK;
}

static cairn_status commit(cairn_ktdir *d, uint64_t ts, bool check, bool hook)
{
    uint8_t leaf[KT_H], root[KT_H];
    size_t first = d->n_ents ? d->ents[d->n_ents - 1].ins_first +
                                   d->ents[d->n_ents - 1].ins_count : 0;
    cairn__buf tbs;
    cairn_status st;

    if (check && d->n_ents && ts < d->ents[d->n_ents - 1].ts)
        return CAIRN_ERR_STALE;
    if (d->n_ents == d->cap_ents) {
        size_t nc = d->cap_ents ? d->cap_ents * 2 : 64;
        void *p = cairn__realloc(d->ctx, d->ents, nc * sizeof *d->ents);
        if (p == NULL)
            return CAIRN_ERR_NOMEM;
        d->ents = p;
        d->cap_ents = nc;
    }
    ktdir__ptree_seal(&d->pt, d->work_root);
    if (hook && d->has_store && d->store.on_commit) {
        cairn__buf rec;
        cairn__buf_init(&rec, d->ctx, (size_t)1 << 30);
        st = encode_record(d, ts, first, d->n_ins - first, &rec);
        if (st == CAIRN_OK)
            st = d->store.on_commit(d->store.ud, d->n_ents, rec.data, rec.len);
        cairn__buf_free(&rec);
        if (st != CAIRN_OK)
            return st;
    }
    ktdir__log_leaf_hash(leaf, ts, d->pt.nodes[d->work_root].hash);
    if ((st = ktdir__log_append(&d->log, leaf)) != CAIRN_OK)
        return st;
    d->ents[d->n_ents].ts = ts;
    d->ents[d->n_ents].proot = d->work_root;
    d->ents[d->n_ents].ins_first = first;
    d->ents[d->n_ents].ins_count = d->n_ins - first;
    d->n_ents++;
    for (size_t i = first; i < d->n_ins; i++) {
        ktdir__label *l = &d->labels[d->ins[i].label];
        if (d->ins[i].version + 1 > l->n_published)
            l->n_published = d->ins[i].version + 1;
    }
    ktdir__log_root(&d->log, d->n_ents, root);
    cairn__buf_init(&tbs, d->ctx, 4096);
    st = ktdir__treehead_tbs(&tbs, &d->cfg, d->n_ents, root);
    if (st == CAIRN_OK)
        crypto_sign_detached(d->head_sig, NULL, tbs.data, tbs.len, d->sign_sk);
    cairn__buf_free(&tbs);
    return st;
}

cairn_status cairn_ktdir_commit(cairn_ktdir *d, uint64_t ts)
{
    return d ? commit(d, ts, true, true) : CAIRN_ERR_INVALID_ARG;
}

cairn_status ktdir__dir_commit_raw(cairn_ktdir *d, uint64_t ts)
{
    return commit(d, ts, false, true);
}

cairn_status ktdir__dir_drop_version(cairn_ktdir *d, const uint8_t *label,
                                     size_t len, uint32_t version)
{
    ktdir__label *l = ktdir__find_label(d, label, len);
    if (l == NULL || version >= l->n_vers)
        return CAIRN_ERR_NOT_FOUND;
    return ktdir__ptree_remove(&d->pt, &d->work_root, l->vers[version].vrf);
}

cairn_status ktdir__dir_insert_filler(cairn_ktdir *d)
{
    uint8_t key[KT_VRF_NH], c[KT_H];
    cairn_status st;
    if ((st = cairn__random(d->ctx, key, sizeof key)) != CAIRN_OK ||
        (st = cairn__random(d->ctx, c, sizeof c)) != CAIRN_OK)
        return st;
    return ktdir__ptree_insert(&d->pt, &d->work_root, key, c);
}

/* ------------------------------------------------------ prover's source */

static cairn_status src_entry(void *ud, uint64_t idx, uint64_t *ts,
                              uint8_t root[KT_H])
{
    cairn_ktdir *d = ud;
    if (idx >= d->n_ents)
        return CAIRN_ERR_INTERNAL;
    *ts = d->ents[idx].ts;
    memcpy(root, d->pt.nodes[d->ents[idx].proot].hash, KT_H);
    return CAIRN_OK;
}

static bool src_contains(void *ud, uint64_t idx, const uint8_t key[KT_VRF_NH])
{
    cairn_ktdir *d = ud;
    return idx < d->n_ents && ktdir__ptree_contains(&d->pt, d->ents[idx].proot, key);
}

static cairn_status src_prove(void *ud, uint64_t idx,
                              const uint8_t (*keys)[KT_VRF_NH], size_t n,
                              ktdir__pproof *out)
{
    cairn_ktdir *d = ud;
    if (idx >= d->n_ents)
        return CAIRN_ERR_INTERNAL;
    return ktdir__ptree_prove(&d->pt, d->ents[idx].proot, keys, n, out);
}

static cairn_status src_node(void *ud, uint64_t lo, uint64_t size,
                             uint8_t out[KT_H])
{
    cairn_ktdir *d = ud;
    return ktdir__log_node(&d->log, lo, size, out);
}

void ktdir__dir_source(cairn_ktdir *d, ktdir__source *src)
{
    src->ud = d;
    src->entry = src_entry;
    src->contains = src_contains;
    src->prefix_prove = src_prove;
    src->log_node = src_node;
}

cairn_status ktdir__dir_view(const cairn_ktdir *d, uint64_t last,
                             cairn_kt_view *v)
{
    uint64_t st[64], sz[64], fr[64];
    size_t c;
    memset(v, 0, sizeof *v);
    if (last > d->n_ents)
        return CAIRN_ERR_INVALID_ARG;
    v->tree_size = last;
    if (last == 0)
        return CAIRN_OK;
    c = ktdir__log_full_subtrees(last, st, sz);
    for (size_t i = 0; i < c; i++)
        if (ktdir__log_node(&d->log, st[i], sz[i], v->full_subtrees[i]) != CAIRN_OK)
            return CAIRN_ERR_INTERNAL;
    c = ktdir__ibst_frontier(last, fr);
    for (size_t i = 0; i < c; i++) {
        v->frontier[i].position = fr[i];
        v->frontier[i].timestamp = d->ents[fr[i]].ts;
        memcpy(v->frontier[i].prefix_root, d->pt.nodes[d->ents[fr[i]].proot].hash, KT_H);
    }
    v->n_frontier = c;
    ktdir__log_root(&d->log, last, v->root);
    return CAIRN_OK;
}

/* ---------------------------------------------------------- persistence */

cairn_status cairn_ktdir_export(const cairn_ktdir *d, uint8_t **out,
                                size_t *out_len)
{
    cairn__buf b;
    cairn_status st = CAIRN_OK;
    if (d == NULL || out == NULL || out_len == NULL)
        return CAIRN_ERR_INVALID_ARG;
    cairn__buf_init(&b, d->ctx, (size_t)1 << 34);
    for (size_t i = 0; i < d->n_ents && st == CAIRN_OK; i++)
        st = encode_record(d, d->ents[i].ts, d->ents[i].ins_first,
                           d->ents[i].ins_count, &b);
    if (st == CAIRN_OK)
        st = cairn__buf_take(&b, out, out_len);
    cairn__buf_free(&b);
    return st;
}

cairn_status cairn_ktdir_import(cairn_ktdir *d, const uint8_t *rec, size_t len)
{
    cairn__reader r;
    if (d == NULL || (len && rec == NULL))
        return CAIRN_ERR_INVALID_ARG;
    if (d->n_ents != 0 || d->n_ins != 0)
        return CAIRN_ERR_STATE;
    cairn__reader_init(&r, rec, len);
    while (cairn__reader_left(&r) > 0) {
        uint64_t ts = cairn__read_u64be(&r);
        uint32_t count = cairn__read_u32be(&r);
        cairn_status st;
        if (r.err)
            return CAIRN_ERR_DECODE;
        for (uint32_t i = 0; i < count; i++) {
            size_t ll, vl;
            const uint8_t *label = ktdir__get_vec8(&r, &ll, CAIRN_KT_MAX_LABEL);
            uint32_t ver = cairn__read_u32be(&r), got;
            const uint8_t *opening = cairn__read_bytes(&r, KT_NC);
            const uint8_t *vrf = cairn__read_bytes(&r, KT_VRF_NH);
            const uint8_t *value = ktdir__get_vec32(&r, &vl, CAIRN_KT_MAX_VALUE);
            const ktdir__label *l;
            if (r.err)
                return CAIRN_ERR_DECODE;
            l = ktdir__find_label(d, label, ll);
            if ((l ? l->n_vers : 0) != ver)
                return CAIRN_ERR_CORRUPT;
            if ((st = stage(d, label, ll, value, vl, opening, vrf, &got)) != CAIRN_OK)
                return st == CAIRN_ERR_EXISTS ? CAIRN_ERR_CORRUPT : st;
        }
        if (d->n_ents && ts < d->ents[d->n_ents - 1].ts)
            return CAIRN_ERR_CORRUPT;
        if ((st = commit(d, ts, true, false)) != CAIRN_OK)
            return st;
    }
    return CAIRN_OK;
}
