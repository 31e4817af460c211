/*
 * parse.c - cairn-audit's wire formats: the witness add-checkpoint body
 * (c2sp-tlog-witness.md), gossiped tree heads (KT-AUD-API-3), KT tree
 * head signature checks, and Ed25519 cosignature lines
 * (c2sp-tlog-cosignature.md).
 *
 * Invariants: parsers are strict and bounded, write outputs only on
 * success, and never allocate; the signing key only ever lives in the
 * caller's buffers.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base.h"
#include "cairn/ktaudit.h"
#include "cairn/note.h"
#include "ktdir_internal.h"

static bool parse_dec(const uint8_t *p, size_t n, uint64_t *v)
{
    uint64_t x = 0;
    if (n == 0 || n > 20 || (p[0] == '0' && n > 1))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9' || x > (UINT64_MAX - (p[i] - '0')) / 10)
            return false;
        x = x * 10 + (uint64_t)(p[i] - '0');
    }
    *v = x;
    return true;
}

cairn_status cairn_kta_addcp_parse(const uint8_t *body, size_t len,
                                   cairn_kta_addcp *out)
{
    cairn_kta_addcp t;
    size_t off = 0;
    const uint8_t *nl;
    if (body == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (len > CAIRN_KTA_MAX_WITNESS_BODY)
        return CAIRN_ERR_TOO_LARGE;
    memset(&t, 0, sizeof t);
    nl = memchr(body, '\n', len);
    if (nl == NULL || (size_t)(nl - body) < 5 || memcmp(body, "old ", 4) != 0 ||
        !parse_dec(body + 4, (size_t)(nl - body) - 4, &t.old_size))
        return CAIRN_ERR_DECODE;
    off = (size_t)(nl - body) + 1;
    for (;;) {
        size_t ll, dl;
        nl = memchr(body + off, '\n', len - off);
        if (nl == NULL)
            return CAIRN_ERR_DECODE;
        ll = (size_t)(nl - (body + off));
        if (ll == 0) {
            off++;
            break;
        }
        if (t.n_proof == CAIRN_KTA_MAX_PROOF)
            return CAIRN_ERR_TOO_LARGE;
        if (ll != 44 ||
            cairn__base64_decode(t.proof[t.n_proof], 32, &dl, (const char *)body + off,
                                 ll) != CAIRN_OK ||
            dl != 32)
            return CAIRN_ERR_DECODE;
        t.n_proof++;
        off += ll + 1;
    }
    if (off >= len)
        return CAIRN_ERR_DECODE;
    t.note = body + off;
    t.note_len = len - off;
    *out = t;
    return CAIRN_OK;
}

static bool b64_exact(json_t *j, uint8_t *out, size_t want)
{
    const char *s = json_string_value(j);
    size_t dl;
    uint8_t tmp[96];
    if (s == NULL || strlen(s) > 128 ||
        cairn__base64_decode(tmp, sizeof tmp, &dl, s, strlen(s)) != CAIRN_OK || dl != want)
        return false;
    memcpy(out, tmp, want);
    return true;
}

cairn_status cairn_kta_head_parse(const uint8_t *body, size_t len,
                                  cairn_kta_head *out)
{
    json_t *o, *ts, *sz;
    cairn_kta_head h;
    bool ok;
    if (body == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (len > 64 * 1024)
        return CAIRN_ERR_TOO_LARGE;
    o = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, NULL);
    if (o == NULL)
        return CAIRN_ERR_DECODE;
    memset(&h, 0, sizeof h);
    sz = json_object_get(o, "tree_size");
    ts = json_object_get(o, "timestamp");
    ok = json_is_object(o) && json_is_integer(sz) && json_integer_value(sz) > 0 &&
         (ts == NULL || (json_is_integer(ts) && json_integer_value(ts) >= 0)) &&
         b64_exact(json_object_get(o, "root_b64"), h.root, 32) &&
         b64_exact(json_object_get(o, "signature_b64"), h.signature, 64);
    if (ok) {
        h.tree_size = (uint64_t)json_integer_value(sz);
        h.timestamp = ts ? (uint64_t)json_integer_value(ts) : 0;
    }
    json_decref(o);
    if (!ok)
        return CAIRN_ERR_DECODE;
    *out = h;
    return CAIRN_OK;
}

cairn_status cairn_kta_head_verify(const uint8_t *config, size_t config_len,
                                   const cairn_kta_head *h)
{
    cairn__reader r;
    cairn_kt_config cfg;
    cairn__buf tbs;
    cairn_context *ctx = NULL;
    cairn_status st;
    int bad;
    if (config == NULL || h == NULL)
        return CAIRN_ERR_INVALID_ARG;
    cairn__reader_init(&r, config, config_len);
    if (ktdir__config_decode(&r, &cfg) != CAIRN_OK || cairn__reader_left(&r) != 0)
        return CAIRN_ERR_DECODE;
    if ((st = cairn_context_create(NULL, &ctx)) != CAIRN_OK)
        return st;
    cairn__buf_init(&tbs, ctx, 4096);
    st = ktdir__treehead_tbs(&tbs, &cfg, h->tree_size, h->root);
    bad = st == CAIRN_OK ? crypto_sign_verify_detached(h->signature, tbs.data, tbs.len,
                                                       cfg.signature_public_key)
                         : -1;
    cairn__buf_free(&tbs);
    cairn_context_destroy(ctx);
    if (st != CAIRN_OK)
        return st;
    return bad ? CAIRN_ERR_BAD_SIGNATURE : CAIRN_OK;
}

cairn_status cairn_kta_cosigner_vkey(const char *name, const uint8_t pk[32],
                                     char *out, size_t cap)
{
    uint8_t k[33];
    char b64[64];
    uint32_t id;
    int n;
    if (name == NULL || pk == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    k[0] = 0x04;
    memcpy(k + 1, pk, 32);
    id = cairn_note_key_id(name, strlen(name), 0x04, pk, 32);
    cairn__base64_encode(b64, k, sizeof k);
    n = snprintf(out, cap, "%s+%08x+%s", name, (unsigned)id, b64);
    return (n < 0 || (size_t)n >= cap) ? CAIRN_ERR_TOO_LARGE : CAIRN_OK;
}

cairn_status cairn_kta_cosign(const char *name, const uint8_t sk[64],
                              const uint8_t pk[32], uint64_t time_s,
                              const char *text, size_t text_len, char *out,
                              size_t cap)
{
    char hdr[64];
    uint8_t blob[4 + 8 + 64];
    char b64[128];
    uint32_t id;
    int n;
    if (name == NULL || sk == NULL || pk == NULL || text == NULL || out == NULL ||
        time_s == 0)
        return CAIRN_ERR_INVALID_ARG;
    n = snprintf(hdr, sizeof hdr, "cosignature/v1\ntime %llu\n",
                 (unsigned long long)time_s);
    /* Ed25519 (pure) over hdr || text; checkpoints are small (origin,
     * size, root, at most 1 KiB of extensions). */
    {
        uint8_t m[4096];
        if (text_len > sizeof m - (size_t)n)
            return CAIRN_ERR_TOO_LARGE;
        memcpy(m, hdr, (size_t)n);
        memcpy(m + n, text, text_len);
        crypto_sign_detached(blob + 12, NULL, m, (size_t)n + text_len, sk);
    }
    id = cairn_note_key_id(name, strlen(name), 0x04, pk, 32);
    for (int i = 0; i < 4; i++)
        blob[i] = (uint8_t)(id >> (24 - 8 * i));
    for (int i = 0; i < 8; i++)
        blob[4 + i] = (uint8_t)(time_s >> (56 - 8 * i));
    cairn__base64_encode(b64, blob, sizeof blob);
    n = snprintf(out, cap, "\xe2\x80\x94 %s %s\n", name, b64);
    return (n < 0 || (size_t)n >= cap) ? CAIRN_ERR_TOO_LARGE : CAIRN_OK;
}
