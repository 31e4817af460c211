/*
 * auditor.c - third-party auditing: the AuditorUpdate a service operator
 * sends for each log entry, the auditor that verifies the prefix-tree
 * transition and signs AuditorTreeHeads, and the operator installing a
 * signed auditor head.
 *
 * Invariants: the auditor's state (tree size, full-subtree heads, last
 * timestamp, current prefix root) only advances after an update verified
 * completely (KT-AUD-1): the proof must evaluate to the auditor's current
 * prefix root, every added leaf must be absent from it, and the new prefix
 * root is recomputed by the auditor itself from the revealed partial tree.
 * Removals are not supported (spec DEVIATION-5).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ktdir_internal.h"

#define KT_EMPTY_ROOT_ID 1 /* first node ktdir__ptree_init creates */
#define KT_MAX_ADDED 0xffffu

struct cairn_kt_auditor {
    const cairn_context *ctx;
    cairn_kt_config cfg;
    uint8_t sk[64];
    uint64_t size;
    uint8_t heads[64][KT_H];
    uint64_t sizes[64];
    size_t n_heads;
    uint64_t last_ts;
    uint8_t prefix_root[KT_H];
};

static int cmp_leaf(const void *a, const void *b)
{
    return memcmp(a, b, KT_VRF_NH);
}

cairn_status cairn_ktdir_auditor_update(cairn_ktdir *d, uint64_t pos,
                                        uint8_t **out, size_t *out_len)
{
    const ktdir__logent *e;
    uint8_t (*leaves)[KT_VRF_NH + KT_H] = NULL;
    uint8_t (*keys)[KT_VRF_NH] = NULL;
    ktdir__pproof pp;
    cairn__buf b;
    cairn_status st;
    size_t n;

    if (d == NULL || out == NULL || out_len == NULL || pos >= d->n_ents)
        return CAIRN_ERR_INVALID_ARG;
    e = &d->ents[pos];
    n = e->ins_count;
    if (n > KT_MAX_ADDED)
        return CAIRN_ERR_TOO_LARGE;
    memset(&pp, 0, sizeof pp);
    cairn__buf_init(&b, d->ctx, 64u * 1024u * 1024u);
    if (n) {
        leaves = cairn__calloc(d->ctx, n, sizeof *leaves);
        keys = cairn__calloc(d->ctx, n, sizeof *keys);
        if (leaves == NULL || keys == NULL) {
            st = CAIRN_ERR_NOMEM;
            goto out;
        }
    }
    for (size_t i = 0; i < n; i++) {
        const ktdir__ins *in = &d->ins[e->ins_first + i];
        const ktdir__version *v = &d->labels[in->label].vers[in->version];
        memcpy(leaves[i], v->vrf, KT_VRF_NH);
        memcpy(leaves[i] + KT_VRF_NH, v->commit, KT_H);
    }
    if (n > 1)
        qsort(leaves, n, sizeof *leaves, cmp_leaf);
    for (size_t i = 0; i < n; i++)
        memcpy(keys[i], leaves[i], KT_VRF_NH);
    st = ktdir__ptree_prove(&d->pt, pos ? d->ents[pos - 1].proot : KT_EMPTY_ROOT_ID,
                            (const uint8_t(*)[KT_VRF_NH])keys, n, &pp);
    if (st != CAIRN_OK)
        goto out;
    if ((st = ktdir__put_u64(&b, e->ts)) != CAIRN_OK ||
        (st = ktdir__put_u16(&b, (uint16_t)n)) != CAIRN_OK ||
        (st = ktdir__put_bytes(&b, leaves, n * sizeof *leaves)) != CAIRN_OK ||
        (st = ktdir__put_u16(&b, 0)) != CAIRN_OK ||
        (st = ktdir__pproof_encode(&b, &pp, true)) != CAIRN_OK)
        goto out;
    st = cairn__buf_take(&b, out, out_len);
out:
    ktdir__pproof_free(d->ctx, &pp);
    cairn__free(d->ctx, leaves);
    cairn__free(d->ctx, keys);
    cairn__buf_free(&b);
    return st;
}

cairn_status cairn_ktdir_set_auditor_head(cairn_ktdir *d, const uint8_t *ath,
                                          size_t len)
{
    cairn__reader r;
    uint64_t ts, size;
    size_t sl;
    const uint8_t *sig;
    uint8_t root[KT_H];
    cairn__buf tbs;
    cairn_status st;
    if (d == NULL || ath == NULL)
        return CAIRN_ERR_INVALID_ARG;
    cairn__reader_init(&r, ath, len);
    ts = cairn__read_u64be(&r);
    size = cairn__read_u64be(&r);
    sig = ktdir__get_vec16(&r, &sl, KT_SIG_LEN);
    if (r.err || sl != KT_SIG_LEN || cairn__reader_left(&r) != 0)
        return CAIRN_ERR_DECODE;
    if (size == 0 || size > d->n_ents || (d->has_auditor_head && size < d->a_size))
        return CAIRN_ERR_PROOF;
    ktdir__log_root(&d->log, size, root);
    cairn__buf_init(&tbs, d->ctx, 4096);
    st = ktdir__auditor_tbs(&tbs, &d->cfg, ts, size, root);
    if (st == CAIRN_OK &&
        crypto_sign_verify_detached(sig, tbs.data, tbs.len, d->cfg.auditor_public_key) != 0)
        st = CAIRN_ERR_BAD_SIGNATURE;
    cairn__buf_free(&tbs);
    if (st != CAIRN_OK)
        return st;
    d->has_auditor_head = true;
    d->a_ts = ts;
    d->a_size = size;
    memcpy(d->a_sig, sig, KT_SIG_LEN);
    return CAIRN_OK;
}

cairn_status cairn_kt_auditor_create(const cairn_context *ctx,
                                     const cairn_kt_config *cfg,
                                     const uint8_t seed[32],
                                     cairn_kt_auditor **out)
{
    cairn_kt_auditor *a;
    uint8_t pk[32];
    if (ctx == NULL || cfg == NULL || seed == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (cfg->mode != CAIRN_KT_MODE_THIRD_PARTY_AUDITING)
        return CAIRN_ERR_INVALID_ARG;
    a = cairn__calloc(ctx, 1, sizeof *a);
    if (a == NULL)
        return CAIRN_ERR_NOMEM;
    a->ctx = ctx;
    a->cfg = *cfg;
    if (crypto_sign_seed_keypair(pk, a->sk, seed) != 0) {
        cairn__free(ctx, a);
        return CAIRN_ERR_CRYPTO;
    }
    ktdir__ptree_empty_root(a->prefix_root);
    *out = a;
    return CAIRN_OK;
}

void cairn_kt_auditor_destroy(cairn_kt_auditor *a)
{
    if (a == NULL)
        return;
    sodium_memzero(a->sk, sizeof a->sk);
    cairn__free(a->ctx, a);
}

uint64_t cairn_kt_auditor_tree_size(const cairn_kt_auditor *a) { return a->size; }

static uint64_t load_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int k = 0; k < 8; k++)
        v = (v << 8) | p[k];
    return v;
}

/* Commit of one verified entry: its log leaf joins the full-subtree
 * stack (merging equal sizes), and the entry becomes the current one. */
static void advance(cairn_kt_auditor *a, const uint8_t leaf[KT_H], uint64_t ts,
                    const uint8_t prefix_root[KT_H])
{
    memcpy(a->heads[a->n_heads], leaf, KT_H);
    a->sizes[a->n_heads++] = 1;
    while (a->n_heads >= 2 && a->sizes[a->n_heads - 1] == a->sizes[a->n_heads - 2]) {
        size_t k = a->n_heads;
        ktdir__log_parent(a->heads[k - 2], a->heads[k - 2], a->sizes[k - 2] == 1,
                          a->heads[k - 1], a->sizes[k - 1] == 1);
        a->sizes[k - 2] *= 2;
        a->n_heads--;
    }
    a->size++;
    a->last_ts = ts;
    memcpy(a->prefix_root, prefix_root, KT_H);
}

cairn_status cairn_kt_auditor_resume(cairn_kt_auditor *a, const uint8_t *entries,
                                     uint64_t n)
{
    uint64_t prev = 0;
    uint8_t leaf[KT_H];
    if (a == NULL || (n && entries == NULL))
        return CAIRN_ERR_INVALID_ARG;
    if (a->size != 0)
        return CAIRN_ERR_STATE;
    if (n >= (UINT64_C(1) << 62))
        return CAIRN_ERR_LIMIT;
    /* Checked before anything changes, so a refused resume leaves the
     * auditor fresh (the same rule process() keeps: KT-AUD-1). */
    for (uint64_t i = 0; i < n; i++) {
        uint64_t ts = load_u64(entries + i * CAIRN_KT_AUDIT_ENTRY_BYTES);
        if (ts < prev)
            return CAIRN_ERR_CORRUPT;
        prev = ts;
    }
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *e = entries + i * CAIRN_KT_AUDIT_ENTRY_BYTES;
        uint64_t ts = load_u64(e);
        ktdir__log_leaf_hash(leaf, ts, e + 8);
        advance(a, leaf, ts, e + 8);
    }
    return CAIRN_OK;
}

cairn_status cairn_kt_auditor_process(cairn_kt_auditor *a, const uint8_t *upd,
                                      size_t len)
{
    cairn__reader r;
    uint64_t ts;
    size_t n_add, n_rem;
    const uint8_t *added;
    ktdir__pproof pp;
    ktdir__ptree_partial part;
    uint8_t (*keys)[KT_VRF_NH] = NULL;
    uint8_t old_root[KT_H], new_root[KT_H], leaf[KT_H];
    cairn_status st;

    if (a == NULL || upd == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (a->n_heads >= 63)
        return CAIRN_ERR_LIMIT;
    cairn__reader_init(&r, upd, len);
    ts = cairn__read_u64be(&r);
    n_add = ktdir__get_count16(&r, KT_MAX_ADDED);
    added = r.err ? NULL : cairn__read_bytes(&r, n_add * (KT_VRF_NH + KT_H));
    n_rem = ktdir__get_count16(&r, KT_MAX_ADDED);
    if (r.err || (n_add && added == NULL))
        return CAIRN_ERR_DECODE;
    if (n_rem)
        return CAIRN_ERR_UNSUPPORTED;
    if ((st = ktdir__pproof_decode(a->ctx, &r, &pp, true)) != CAIRN_OK)
        return st;
    memset(&part, 0, sizeof part);
    if (cairn__reader_left(&r) != 0) {
        st = CAIRN_ERR_DECODE;
        goto out;
    }
    if (a->size && ts < a->last_ts) {
        st = CAIRN_ERR_STALE;
        goto out;
    }
    if (n_add) {
        keys = cairn__calloc(a->ctx, n_add, sizeof *keys);
        if (keys == NULL) {
            st = CAIRN_ERR_NOMEM;
            goto out;
        }
    }
    for (size_t i = 0; i < n_add; i++) {
        memcpy(keys[i], added + i * (KT_VRF_NH + KT_H), KT_VRF_NH);
        if (i && memcmp(keys[i - 1], keys[i], KT_VRF_NH) >= 0) {
            st = CAIRN_ERR_PROOF; /* KT-AUD-2: sorted, no duplicates */
            goto out;
        }
    }
    /* No commitments given: any inclusion result is rejected. */
    st = ktdir__pproof_eval(a->ctx, &pp, (const uint8_t(*)[KT_VRF_NH])keys, NULL,
                            NULL, n_add, old_root, NULL, n_add ? &part : NULL);
    if (st != CAIRN_OK)
        goto out;
    if (memcmp(old_root, a->prefix_root, KT_H) != 0) {
        st = CAIRN_ERR_PROOF;
        goto out;
    }
    memcpy(new_root, old_root, KT_H);
    if (n_add) {
        for (size_t i = 0; i < n_add; i++) {
            st = ktdir__partial_insert(&part, keys[i],
                                       added + i * (KT_VRF_NH + KT_H) + KT_VRF_NH);
            if (st != CAIRN_OK) {
                if (st == CAIRN_ERR_EXISTS)
                    st = CAIRN_ERR_PROOF;
                goto out;
            }
        }
        ktdir__partial_root(&part, new_root);
    }
    ktdir__log_leaf_hash(leaf, ts, new_root);
    advance(a, leaf, ts, new_root);
    st = CAIRN_OK;
out:
    ktdir__partial_free(&part);
    ktdir__pproof_free(a->ctx, &pp);
    cairn__free(a->ctx, keys);
    return st;
}

cairn_status cairn_kt_auditor_sign_head(cairn_kt_auditor *a, uint8_t **out,
                                        size_t *out_len)
{
    uint8_t root[KT_H], sig[KT_SIG_LEN];
    cairn__buf tbs, b;
    cairn_status st;
    if (a == NULL || out == NULL || out_len == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (a->size == 0)
        return CAIRN_ERR_STATE;
    ktdir__log_root_from_full(root, (const uint8_t(*)[KT_H])a->heads, a->sizes,
                              a->n_heads);
    cairn__buf_init(&tbs, a->ctx, 4096);
    st = ktdir__auditor_tbs(&tbs, &a->cfg, a->last_ts, a->size, root);
    if (st == CAIRN_OK)
        crypto_sign_detached(sig, NULL, tbs.data, tbs.len, a->sk);
    cairn__buf_free(&tbs);
    if (st != CAIRN_OK)
        return st;
    cairn__buf_init(&b, a->ctx, 256);
    if ((st = ktdir__put_u64(&b, a->last_ts)) == CAIRN_OK &&
        (st = ktdir__put_u64(&b, a->size)) == CAIRN_OK &&
        (st = ktdir__put_vec16(&b, sig, KT_SIG_LEN)) == CAIRN_OK)
        st = cairn__buf_take(&b, out, out_len);
    cairn__buf_free(&b);
    return st;
}
