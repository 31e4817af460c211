/*
 * follow.c - the auditing loop (spec/kt-auditor.md KT-AUDIT-1..7): pin
 * the server's configuration, then on every poll verify the signed tree
 * head, the mirror checkpoint at the same size and its consistency with
 * the last one, every new log entry's prefix-tree transition
 * (cairn_kt_auditor_process), that the mirror's entries are exactly the
 * directory's LogEntries (both roots recomputed from them), and finally
 * sign an auditor tree head.
 *
 * Invariant: any pair of signed statements that cannot both be true is
 * written as evidence (kta__evidence) and ends the process with exit code
 * 3; transient failures (network, 5xx) are only reported and retried.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "audit_internal.h"
#include "cairn/ktverify.h"
#include "cairn/tlog.h"

static cairn_status get(kta *a, const char *path, size_t max, uint8_t **b, size_t *n)
{
    char url[2048];
    long status = 0;
    cairn_status st;
    snprintf(url, sizeof url, "%s%s", a->server, path);
    st = cairn_ktv_http_get(a->ctx, url, max, &status, b, n);
    if (st != CAIRN_OK)
        return st;
    if (status != 200) {
        cairn_free(a->ctx, *b, *n);
        *b = NULL;
        return status == 404 ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_PROTOCOL;
    }
    return CAIRN_OK;
}

/* The last verified head and checkpoint of a previous run. */
static cairn_status restore(kta *a)
{
    uint8_t hb[8 + 32 + 64], note[CAIRN_NOTE_MAX_SIZE > 8192 ? 8192 : CAIRN_NOTE_MAX_SIZE];
    size_t n = 0;
    const cairn_note_verifier *vs[1] = {a->mirror_v};
    cairn_checkpoint cp;
    if (kta__state_get(a, "head", hb, sizeof hb, &n) == CAIRN_OK && n == sizeof hb) {
        a->head_size = 0;
        for (int k = 0; k < 8; k++)
            a->head_size = (a->head_size << 8) | hb[k];
        memcpy(a->head_root, hb + 8, 32);
        memcpy(a->head_sig, hb + 40, 64);
    }
    if (kta__state_get(a, "checkpoint", note, sizeof note, &n) == CAIRN_OK) {
        if (cairn_checkpoint_open(a->ctx, note, n, a->mirror_origin, vs, 1, &cp) != CAIRN_OK)
            return CAIRN_ERR_CORRUPT;
        a->cp_note = cairn__memdup(a->ctx, note, n);
        if (a->cp_note == NULL)
            return CAIRN_ERR_NOMEM;
        a->cp_note_len = n;
        a->cp_size = cp.size;
        memcpy(a->cp_root, cp.root, 32);
    }
    return CAIRN_OK;
}

static cairn_status grow_leaves(kta *a, uint64_t n);

/* Adds verified LogEntry e at position p to both trees the auditor keeps:
 * the directory's log (KT-LOG-2) and the RFC 6962 mirror's leaves. */
static cairn_status add_entry(kta *a, uint64_t p, const uint8_t *e)
{
    uint64_t ts = 0;
    uint8_t leaf[32];
    for (int k = 0; k < 8; k++)
        ts = (ts << 8) | e[k];
    ktdir__log_leaf_hash(leaf, ts, e + 8);
    cairn_tlog_hash_leaf(a->mleaves + p * 32, e, CAIRN_KT_AUDIT_ENTRY_BYTES);
    return ktdir__log_append(&a->klog, leaf);
}

/* Rebuilds the log trees and the auditor from the LogEntries a previous
 * run verified and stored together with its last head, then checks them
 * against that head: a state directory whose rows do not add up is
 * refused (CORRUPT) rather than trusted. */
static cairn_status resume(kta *a)
{
    uint8_t *raw = NULL, root[32];
    uint64_t n = 0;
    cairn_status st = kta__entries_load(a, &raw, &n);
    if (st != CAIRN_OK || n == 0)
        goto out;
    if (n != a->head_size) {
        st = CAIRN_ERR_CORRUPT;
        goto out;
    }
    if ((st = grow_leaves(a, n)) != CAIRN_OK)
        goto out;
    for (uint64_t p = 0; p < n && st == CAIRN_OK; p++)
        st = add_entry(a, p, raw + p * CAIRN_KT_AUDIT_ENTRY_BYTES);
    if (st != CAIRN_OK || (st = cairn_kt_auditor_resume(a->aud, raw, n)) != CAIRN_OK)
        goto out;
    ktdir__log_root(&a->klog, n, root);
    if (memcmp(root, a->head_root, 32) != 0) {
        st = CAIRN_ERR_CORRUPT;
        goto out;
    }
    a->n_entries = a->persisted = n;
    kta__report(a, "resumed", "%llu log entries verified by an earlier run",
                (unsigned long long)n);
out:
    if (st == CAIRN_ERR_CORRUPT)
        kta__report(a, "error", "stored audit state does not match the stored head");
    cairn__free(a->ctx, raw);
    return st;
}

static cairn_status setup(kta *a)
{
    cairn__reader r;
    char vkey[512];
    size_t vl = 0;
    cairn_status st;
    cairn__reader_init(&r, a->config, a->config_len);
    if (ktdir__config_decode(&r, &a->cfg) != CAIRN_OK || cairn__reader_left(&r))
        return CAIRN_ERR_DECODE;
    a->acfg = a->cfg;
    if (a->cfg.mode != CAIRN_KT_MODE_THIRD_PARTY_AUDITING) {
        /* Contact-monitoring server: the auditor still audits, signing
         * heads under the same configuration in auditing form. */
        a->acfg.mode = CAIRN_KT_MODE_THIRD_PARTY_AUDITING;
        memcpy(a->acfg.auditor_public_key, a->audit_pk, 32);
    } else if (memcmp(a->cfg.auditor_public_key, a->audit_pk, 32) != 0) {
        kta__report(a, "error", "the server names another auditor key");
        return CAIRN_ERR_BAD_KEY;
    }
    if ((st = kta__state_get(a, "mirror_key", vkey, sizeof vkey - 1, &vl)) != CAIRN_OK)
        return st;
    vkey[vl] = 0;
    if ((st = cairn_note_verifier_parse(a->ctx, vkey, vl, &a->mirror_v)) != CAIRN_OK)
        return st;
    snprintf(a->mirror_origin, sizeof a->mirror_origin, "%s",
             cairn_note_verifier_name(a->mirror_v));
    (void)kta__witness_add_log(a, vkey);
    if ((st = restore(a)) != CAIRN_OK)
        return st;
    if ((st = cairn_kt_auditor_create(a->ctx, &a->acfg, a->audit_sk, &a->aud)) != CAIRN_OK)
        return st;
    return resume(a);
}

cairn_status kta__pin(kta *a)
{
    uint8_t *b = NULL;
    size_t n = 0;
    json_t *o;
    const char *cb, *mk;
    cairn_status st;
    if (kta__state_get(a, "config", a->config, sizeof a->config, &a->config_len) ==
        CAIRN_OK)
        return setup(a);
    if ((st = get(a, "/kt/v1/config", 64 * 1024, &b, &n)) != CAIRN_OK)
        return st;
    o = json_loadb((const char *)b, n, 0, NULL);
    cairn_free(a->ctx, b, n);
    cb = json_string_value(json_object_get(o, "configuration_b64"));
    mk = json_string_value(json_object_get(o, "mirror_key"));
    st = CAIRN_ERR_DECODE;
    if (cb && mk && strlen(mk) < 500 &&
        cairn__base64_decode(a->config, sizeof a->config, &a->config_len, cb,
                             strlen(cb)) == CAIRN_OK &&
        kta__state_put(a, "mirror_key", mk, strlen(mk)) == CAIRN_OK &&
        kta__state_put(a, "config", a->config, a->config_len) == CAIRN_OK)
        st = CAIRN_OK;
    json_decref(o);
    if (st != CAIRN_OK)
        return st;
    kta__report(a, "pinned", "configuration of %s pinned (trust on first use)", a->server);
    return setup(a);
}

static void head_json(const cairn_kta_head *h, char *out, size_t cap)
{
    char r[64], s[100];
    cairn__base64_encode(r, h->root, 32);
    cairn__base64_encode(s, h->signature, 64);
    snprintf(out, cap,
             "{\"tree_size\":%llu,\"timestamp\":%llu,\"root_b64\":\"%s\",\"signature_b64\":\"%s\"}\n",
             (unsigned long long)h->tree_size, (unsigned long long)h->timestamp, r, s);
}

/* The mirror checkpoint at exactly `size`, opened with the pinned key. */
static cairn_status checkpoint_at(kta *a, uint64_t size, cairn_checkpoint *cp,
                                  uint8_t **note, size_t *note_len)
{
    char path[64];
    const cairn_note_verifier *vs[1] = {a->mirror_v};
    cairn_status st;
    snprintf(path, sizeof path, "/mirror/checkpoint.%llu", (unsigned long long)size);
    if ((st = get(a, path, CAIRN_NOTE_MAX_SIZE, note, note_len)) != CAIRN_OK)
        return st;
    st = cairn_checkpoint_open(a->ctx, *note, *note_len, a->mirror_origin, vs, 1, cp);
    if (st == CAIRN_OK && cp->size != size)
        st = CAIRN_ERR_PROTOCOL;
    if (st != CAIRN_OK) {
        cairn_free(a->ctx, *note, *note_len);
        *note = NULL;
    }
    return st;
}

/* Checks the new checkpoint against the last verified one (KT-AUDIT-2). */
static cairn_status mirror_consistent(kta *a, const cairn_checkpoint *cp,
                                      const uint8_t *note, size_t note_len)
{
    uint8_t *old = NULL, *proof = NULL;
    size_t ol = 0, pl = 0;
    cairn_checkpoint ocp;
    char path[128];
    cairn_status st;
    if (a->cp_size == 0)
        return CAIRN_OK;
    if (cp->size < a->cp_size) {
        kta__evidence(a, "mirror checkpoint went backwards", "checkpoint-old.txt",
                      a->cp_note, a->cp_note_len, "checkpoint-new.txt", note, note_len);
        return CAIRN_ERR_PROOF;
    }
    /* The server's own checkpoint at our old size must be the one we hold. */
    if (checkpoint_at(a, a->cp_size, &ocp, &old, &ol) == CAIRN_OK) {
        bool same = memcmp(ocp.root, a->cp_root, 32) == 0;
        if (!same)
            kta__evidence(a, "two mirror checkpoints of the same size with different roots",
                          "checkpoint-a.txt", a->cp_note, a->cp_note_len,
                          "checkpoint-b.txt", old, ol);
        cairn_free(a->ctx, old, ol);
        if (!same)
            return CAIRN_ERR_PROOF;
    }
    if (cp->size == a->cp_size) {
        if (memcmp(cp->root, a->cp_root, 32) != 0) {
            kta__evidence(a, "two mirror checkpoints of the same size with different roots",
                          "checkpoint-a.txt", a->cp_note, a->cp_note_len,
                          "checkpoint-b.txt", note, note_len);
            return CAIRN_ERR_PROOF;
        }
        return CAIRN_OK;
    }
    snprintf(path, sizeof path, "/mirror/proof/consistency?old=%llu&new=%llu",
             (unsigned long long)a->cp_size, (unsigned long long)cp->size);
    if ((st = get(a, path, CAIRN_TLOG_MAX_PROOF_LEN, &proof, &pl)) != CAIRN_OK)
        return st;
    st = cairn_tlog_verify_consistency(a->cp_size, cp->size, proof, pl, a->cp_root, 32,
                                       cp->root, 32);
    cairn_free(a->ctx, proof, pl);
    if (st != CAIRN_OK) {
        kta__evidence(a, "mirror checkpoints are not consistent (no valid consistency proof)",
                      "checkpoint-old.txt", a->cp_note, a->cp_note_len,
                      "checkpoint-new.txt", note, note_len);
        return CAIRN_ERR_PROOF;
    }
    return CAIRN_OK;
}

/* Size of the latest mirror checkpoint, unverified (0 on failure). */
static uint64_t mirror_size_hint(kta *a)
{
    uint8_t *b = NULL;
    size_t n = 0;
    uint64_t size = 0;
    const uint8_t *nl;
    if (get(a, "/mirror/checkpoint", CAIRN_NOTE_MAX_SIZE, &b, &n) != CAIRN_OK)
        return 0;
    nl = memchr(b, '\n', n);
    if (nl)
        for (const uint8_t *p = nl + 1; p < b + n && *p >= '0' && *p <= '9' && size < UINT64_MAX / 10; p++)
            size = size * 10 + (uint64_t)(*p - '0');
    cairn_free(a->ctx, b, n);
    return size;
}

/* Mirror entries [from, to) into out (40 bytes each) from the bundles. */
static cairn_status mirror_entries(kta *a, uint64_t from, uint64_t to, uint8_t *out)
{
    uint64_t p = from;
    while (p < to) {
        uint64_t idx = p / 256;
        unsigned w = cairn_tlog_tile_width(0, idx, to);
        char path[96], rel[CAIRN_TLOG_TILE_PATH_MAX];
        uint8_t *b = NULL;
        size_t n = 0, off = 0;
        cairn_status st;
        if ((st = cairn_tlog_bundle_path(rel, sizeof rel, idx, w)) != CAIRN_OK)
            return st;
        snprintf(path, sizeof path, "/mirror/%s", rel);
        st = get(a, path, CAIRN_TLOG_BUNDLE_MAX_LEN, &b, &n);
        if (st == CAIRN_ERR_NOT_FOUND) {
            /* The mirror grew past `to` and dropped that partial bundle:
             * read the bundle at the current size (a hint only: the
             * entries are checked against the signed roots later). */
            uint64_t msize = mirror_size_hint(a);
            unsigned w2 = msize > to ? cairn_tlog_tile_width(0, idx, msize) : 0;
            if (w2 > w && cairn_tlog_bundle_path(rel, sizeof rel, idx, w2) == CAIRN_OK) {
                snprintf(path, sizeof path, "/mirror/%s", rel);
                st = get(a, path, CAIRN_TLOG_BUNDLE_MAX_LEN, &b, &n);
                w = w2;
            }
        }
        if (st != CAIRN_OK)
            return st;
        st = cairn_tlog_bundle_check(b, n, w, NULL, 0);
        for (uint64_t i = idx * 256; st == CAIRN_OK && i < idx * 256 + w; i++) {
            const uint8_t *e;
            size_t el;
            st = cairn_tlog_bundle_next(b, n, &off, &e, &el);
            if (st == CAIRN_OK && el != 40)
                st = CAIRN_ERR_PROTOCOL;
            if (st == CAIRN_OK && i >= p && i < to)
                memcpy(out + (i - from) * 40, e, 40);
        }
        cairn_free(a->ctx, b, n);
        if (st != CAIRN_OK)
            return st;
        p = idx * 256 + w < to ? idx * 256 + w : to;
    }
    return CAIRN_OK;
}

static cairn_status grow_leaves(kta *a, uint64_t n)
{
    if (n <= a->cap_mleaves)
        return CAIRN_OK;
    uint64_t nc = a->cap_mleaves ? a->cap_mleaves : 1024;
    while (nc < n)
        nc *= 2;
    void *p = cairn__realloc(a->ctx, a->mleaves, nc * 32);
    if (p == NULL)
        return CAIRN_ERR_NOMEM;
    a->mleaves = p;
    a->cap_mleaves = nc;
    return CAIRN_OK;
}

/* Keeps verified entry p until a successful poll stores it. */
static cairn_status keep_raw(kta *a, uint64_t p, const uint8_t *e)
{
    size_t need = (size_t)(p - a->persisted + 1) * CAIRN_KT_AUDIT_ENTRY_BYTES;
    if (need > a->cap_praw) {
        size_t nc = a->cap_praw ? a->cap_praw * 2 : 64 * CAIRN_KT_AUDIT_ENTRY_BYTES;
        void *q;
        while (nc < need)
            nc *= 2;
        if ((q = cairn__realloc(a->ctx, a->praw, nc)) == NULL)
            return CAIRN_ERR_NOMEM;
        a->praw = q;
        a->cap_praw = nc;
    }
    memcpy(a->praw + need - CAIRN_KT_AUDIT_ENTRY_BYTES, e, CAIRN_KT_AUDIT_ENTRY_BYTES);
    return CAIRN_OK;
}

/* Audits entries [n_entries, size): transitions, mirror bytes. */
static cairn_status audit_entries(kta *a, uint64_t size, const char *hjson)
{
    uint64_t from = a->n_entries;
    uint8_t *ents;
    cairn_status st;
    if (size <= from)
        return CAIRN_OK;
    if ((st = grow_leaves(a, size)) != CAIRN_OK)
        return st;
    ents = cairn__alloc(a->ctx, (size_t)(size - from) * CAIRN_KT_AUDIT_ENTRY_BYTES);
    if (ents == NULL)
        return CAIRN_ERR_NOMEM;
    if ((st = mirror_entries(a, from, size, ents)) != CAIRN_OK)
        goto out;
    for (uint64_t p = from; p < size; p++) {
        char path[96];
        uint8_t *u = NULL;
        size_t ul = 0;
        const uint8_t *e = ents + (p - from) * CAIRN_KT_AUDIT_ENTRY_BYTES;
        snprintf(path, sizeof path, "/kt/v1/audit?position=%llu", (unsigned long long)p);
        if ((st = get(a, path, 64u << 20, &u, &ul)) != CAIRN_OK)
            goto out;
        st = cairn_kt_auditor_process(a->aud, u, ul);
        if (st != CAIRN_OK) {
            char reason[128];
            snprintf(reason, sizeof reason,
                     "log entry %llu: invalid prefix-tree transition (%s)",
                     (unsigned long long)p, cairn_status_name(st));
            kta__evidence(a, reason, "auditor-update.bin", u, ul, "tree-head.json", hjson,
                          strlen(hjson));
            cairn_free(a->ctx, u, ul);
            st = CAIRN_ERR_PROOF;
            goto out;
        }
        cairn_free(a->ctx, u, ul);
        if ((st = keep_raw(a, p, e)) != CAIRN_OK || (st = add_entry(a, p, e)) != CAIRN_OK)
            goto out;
        a->n_entries = p + 1;
    }
out:
    cairn__free(a->ctx, ents);
    return st;
}

/* The auditor's own head must verify over the root recomputed from the
 * mirror: then its prefix-tree transitions and the mirror agree. */
static cairn_status sign_head(kta *a, const uint8_t root[32], const char *hjson)
{
    uint8_t *ath = NULL;
    size_t al = 0;
    cairn__reader r;
    cairn__buf tbs;
    uint64_t ts, size;
    const uint8_t *sig;
    size_t sl = 0;
    int bad;
    cairn_status st;
    if ((st = cairn_kt_auditor_sign_head(a->aud, &ath, &al)) != CAIRN_OK)
        return st;
    cairn__reader_init(&r, ath, al);
    ts = cairn__read_u64be(&r);
    size = cairn__read_u64be(&r);
    sig = ktdir__get_vec16(&r, &sl, 64);
    if (r.err || sl != 64) {
        cairn_free(a->ctx, ath, al);
        return CAIRN_ERR_INTERNAL;
    }
    cairn__buf_init(&tbs, a->ctx, 4096);
    st = ktdir__auditor_tbs(&tbs, &a->acfg, ts, size, root);
    bad = st == CAIRN_OK ? crypto_sign_verify_detached(sig, tbs.data, tbs.len, a->audit_pk) : 1;
    cairn__buf_free(&tbs);
    if (bad) {
        kta__evidence(a, "prefix-tree transitions do not produce the log the server signed",
                      "auditor-tree-head.bin", ath, al, "tree-head.json", hjson,
                      strlen(hjson));
        cairn_free(a->ctx, ath, al);
        return CAIRN_ERR_PROOF;
    }
    if (a->ath)
        cairn_free(a->ctx, a->ath, a->ath_len);
    a->ath = ath;
    a->ath_len = al;
    if (a->cfg.mode == CAIRN_KT_MODE_THIRD_PARTY_AUDITING) {
        char url[2048];
        long status = 0;
        uint8_t *b = NULL;
        size_t n = 0;
        snprintf(url, sizeof url, "%s/kt/v1/auditor-head", a->server);
        if (cairn_ktv_http_post(a->ctx, url, "application/octet-stream", NULL, ath, al,
                                64 * 1024, &status, &b, &n) == CAIRN_OK)
            cairn_free(a->ctx, b, n);
        if (status != 200)
            kta__report(a, "warning", "server refused the auditor head (HTTP %ld)", status);
    }
    return CAIRN_OK;
}

cairn_status kta__poll(kta *a)
{
    uint8_t *b = NULL, *note = NULL, root[32], mroot[32], stored[32];
    size_t n = 0, nl = 0;
    cairn_kta_head h;
    cairn_checkpoint cp;
    char hjson[512], ojson[512];
    bool changed;
    cairn_status st;
    if ((st = get(a, "/kt/v1/tree-head", 256 * 1024, &b, &n)) != CAIRN_OK)
        return st;
    st = cairn_kta_head_parse(b, n, &h);
    cairn_free(a->ctx, b, n);
    if (st != CAIRN_OK)
        return CAIRN_ERR_PROTOCOL;
    if (cairn_kta_head_verify(a->config, a->config_len, &h) != CAIRN_OK) {
        kta__report(a, "warning", "tree head signature does not verify; ignored");
        return CAIRN_ERR_BAD_SIGNATURE;
    }
    head_json(&h, hjson, sizeof hjson);
    if (a->head_size) {
        cairn_kta_head o;
        memset(&o, 0, sizeof o);
        o.tree_size = a->head_size;
        memcpy(o.root, a->head_root, 32);
        memcpy(o.signature, a->head_sig, 64);
        head_json(&o, ojson, sizeof ojson);
        if (h.tree_size < a->head_size ||
            (h.tree_size == a->head_size && memcmp(h.root, a->head_root, 32) != 0)) {
            kta__evidence(a, h.tree_size < a->head_size
                                 ? "signed tree head went backwards"
                                 : "two signed tree heads of the same size with different roots",
                          "tree-head-a.json", ojson, strlen(ojson), "tree-head-b.json",
                          hjson, strlen(hjson));
            return CAIRN_ERR_PROOF;
        }
    }
    if ((st = checkpoint_at(a, h.tree_size, &cp, &note, &nl)) != CAIRN_OK) {
        kta__report(a, "warning", "no usable mirror checkpoint at size %llu (%s)",
                    (unsigned long long)h.tree_size, cairn_status_name(st));
        return st;
    }
    if ((st = mirror_consistent(a, &cp, note, nl)) != CAIRN_OK)
        goto out;
    if ((st = audit_entries(a, h.tree_size, hjson)) != CAIRN_OK)
        goto out;
    ktdir__log_root(&a->klog, h.tree_size, root);
    if (memcmp(root, h.root, 32) != 0) {
        kta__evidence(a, "the mirror's entries do not hash to the signed directory root",
                      "tree-head.json", hjson, strlen(hjson), "checkpoint.txt", note, nl);
        st = CAIRN_ERR_PROOF;
        goto out;
    }
    if ((st = cairn_tlog_root_from_leaf_hashes(mroot, a->mleaves, h.tree_size)) != CAIRN_OK)
        goto out;
    if (memcmp(mroot, cp.root, 32) != 0) {
        kta__evidence(a, "the mirror checkpoint does not match the mirror's entries",
                      "tree-head.json", hjson, strlen(hjson), "checkpoint.txt", note, nl);
        st = CAIRN_ERR_PROOF;
        goto out;
    }
    if (kta__root_get(a, h.tree_size, stored) == CAIRN_OK && memcmp(stored, root, 32) != 0) {
        kta__evidence(a, "the server's history changed since this auditor last saw it",
                      "tree-head.json", hjson, strlen(hjson), "checkpoint.txt", note, nl);
        st = CAIRN_ERR_PROOF;
        goto out;
    }
    if ((st = sign_head(a, root, hjson)) != CAIRN_OK)
        goto out;
    (void)kta__root_put(a, h.tree_size, root);
    changed = h.tree_size != a->head_size;
    a->head_size = h.tree_size;
    memcpy(a->head_root, h.root, 32);
    memcpy(a->head_sig, h.signature, 64);
    if (a->cp_note)
        cairn_free(a->ctx, a->cp_note, a->cp_note_len);
    a->cp_note = (char *)note;
    a->cp_note_len = nl;
    note = NULL;
    a->cp_size = cp.size;
    memcpy(a->cp_root, cp.root, 32);
    {
        uint8_t hb[8 + 32 + 64];
        for (int k = 0; k < 8; k++)
            hb[k] = (uint8_t)(a->head_size >> (56 - 8 * k));
        memcpy(hb + 8, a->head_root, 32);
        memcpy(hb + 40, a->head_sig, 64);
        if (kta__entries_commit(a, a->persisted, a->praw, a->n_entries - a->persisted, hb,
                                sizeof hb, a->cp_note, a->cp_note_len) == CAIRN_OK)
            a->persisted = a->n_entries;
        else
            kta__report(a, "warning", "cannot persist the audited entries and heads");
    }
    if (changed || a->once)
        kta__report(a, "audited", "tree size %llu verified (prefix transitions, mirror, heads)",
                    (unsigned long long)h.tree_size);
out:
    if (note)
        cairn_free(a->ctx, note, nl);
    return st;
}
