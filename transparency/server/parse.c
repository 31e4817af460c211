/*
 * parse.c - the request parsers of cairn-kt: the publish body (JSON), the
 * HMAC authentication header, strict decimal integers and the monitoring
 * map of a query string (spec/kt-api.md KT-API-5, KT-API-6, KT-API-11).
 *
 * Invariants: every input is length-bounded before jansson sees it; a
 * request is accepted whole or not at all (out is written only on
 * success); the MAC is compared in constant time and the key never
 * leaves this file's stack frames unwiped.
 */
#include <jansson.h>
#include <sodium.h>
#include <string.h>

#include "base.h"
#include "cairn/ktdir.h"
#include "cairn/ktserver.h"

bool cairn_kts_label_ok(const uint8_t *label, size_t len)
{
    if (label == NULL || len == 0 || len > 255)
        return false;
    for (size_t i = 0; i < len; i++)
        if (label[i] < 0x20 || label[i] == 0x7f)
            return false;
    return true;
}

void cairn_kts_publish_free(const cairn_context *ctx, cairn_kts_publish *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n; i++)
        cairn__free(ctx, p->updates[i].value);
    cairn__free(ctx, p->updates);
    p->updates = NULL;
    p->n = 0;
}

static cairn_status parse_update(const cairn_context *ctx, json_t *u,
                                 cairn_kts_update *out, const char **reason)
{
    json_t *jl, *jv;
    const char *label, *vb64;
    size_t ll, vl, dl;
    if (!json_is_object(u) || json_object_size(u) != 2) {
        *reason = "each update must be an object with exactly label and value_b64";
        return CAIRN_ERR_DECODE;
    }
    jl = json_object_get(u, "label");
    jv = json_object_get(u, "value_b64");
    if (!json_is_string(jl) || !json_is_string(jv)) {
        *reason = "label and value_b64 must be strings";
        return CAIRN_ERR_DECODE;
    }
    label = json_string_value(jl);
    ll = json_string_length(jl);
    if (!cairn_kts_label_ok((const uint8_t *)label, ll)) {
        *reason = "label must be 1..255 bytes without control characters";
        return CAIRN_ERR_DECODE;
    }
    vb64 = json_string_value(jv);
    vl = json_string_length(jv);
    if (vl == 0 || vl > 4 * ((CAIRN_KT_MAX_VALUE + 2) / 3)) {
        *reason = "value must be 1..65536 bytes";
        return CAIRN_ERR_DECODE;
    }
    out->value = cairn__alloc(ctx, vl);
    if (out->value == NULL)
        return CAIRN_ERR_NOMEM;
    if (cairn__base64_decode(out->value, vl, &dl, vb64, vl) != CAIRN_OK ||
        dl == 0 || dl > CAIRN_KT_MAX_VALUE) {
        cairn__free(ctx, out->value);
        out->value = NULL;
        *reason = "value_b64 is not canonical base64 of 1..65536 bytes";
        return CAIRN_ERR_DECODE;
    }
    out->value_len = dl;
    memcpy(out->label, label, ll);
    out->label_len = ll;
    return CAIRN_OK;
}

cairn_status cairn_kts_publish_parse(const cairn_context *ctx,
                                     const uint8_t *body, size_t len,
                                     cairn_kts_publish *out,
                                     const char **reason)
{
    static const char *dummy;
    json_t *root, *ups;
    json_error_t jerr;
    cairn_kts_publish p = {0};
    cairn_status st = CAIRN_OK;
    if (reason == NULL)
        reason = &dummy;
    *reason = "";
    if (ctx == NULL || out == NULL || (len && body == NULL))
        return CAIRN_ERR_INVALID_ARG;
    if (len > CAIRN_KTS_MAX_BODY) {
        *reason = "body too large";
        return CAIRN_ERR_TOO_LARGE;
    }
    root = json_loadb((const char *)body, len,
                      JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        *reason = "body is not valid JSON";
        return CAIRN_ERR_DECODE;
    }
    ups = json_object_get(root, "updates");
    if (!json_is_object(root) || json_object_size(root) != 1 ||
        !json_is_array(ups)) {
        *reason = "body must be {\"updates\":[...]} with no other member";
        json_decref(root);
        return CAIRN_ERR_DECODE;
    }
    if (json_array_size(ups) == 0 || json_array_size(ups) > CAIRN_KTS_MAX_UPDATES) {
        *reason = "updates must hold 1..1024 entries";
        json_decref(root);
        return json_array_size(ups) ? CAIRN_ERR_TOO_LARGE : CAIRN_ERR_DECODE;
    }
    p.updates = cairn__calloc(ctx, json_array_size(ups), sizeof *p.updates);
    if (p.updates == NULL) {
        json_decref(root);
        return CAIRN_ERR_NOMEM;
    }
    for (size_t i = 0; i < json_array_size(ups) && st == CAIRN_OK; i++) {
        st = parse_update(ctx, json_array_get(ups, i), &p.updates[i], reason);
        if (st == CAIRN_OK)
            p.n++;
    }
    json_decref(root);
    if (st != CAIRN_OK) {
        cairn_kts_publish_free(ctx, &p);
        return st;
    }
    *out = p;
    return CAIRN_OK;
}

static void mac(uint8_t out[32], const uint8_t *key, size_t key_len,
                const char *t, size_t tl, const uint8_t *body, size_t len)
{
    crypto_auth_hmacsha256_state s;
    static const char pfx[] = "cairn-kt-publish-v1\n";
    crypto_auth_hmacsha256_init(&s, key, key_len);
    crypto_auth_hmacsha256_update(&s, (const uint8_t *)pfx, sizeof pfx - 1);
    crypto_auth_hmacsha256_update(&s, (const uint8_t *)t, tl);
    crypto_auth_hmacsha256_update(&s, (const uint8_t *)"\n", 1);
    if (len)
        crypto_auth_hmacsha256_update(&s, body, len);
    crypto_auth_hmacsha256_final(&s, out);
    sodium_memzero(&s, sizeof s);
}

cairn_status cairn_kts_hmac_header(const uint8_t *key, size_t key_len,
                                   const uint8_t *body, size_t body_len,
                                   int64_t now_ms, char *out, size_t cap)
{
    char t[24], hex[65];
    uint8_t m[32];
    int n;
    if (key == NULL || out == NULL || now_ms < 0)
        return CAIRN_ERR_INVALID_ARG;
    n = snprintf(t, sizeof t, "%lld", (long long)now_ms);
    mac(m, key, key_len, t, (size_t)n, body, body_len);
    cairn__hex_encode(hex, m, 32);
    n = snprintf(out, cap, "t=%s,mac=%s", t, hex);
    return (n < 0 || (size_t)n >= cap) ? CAIRN_ERR_TOO_LARGE : CAIRN_OK;
}

cairn_status cairn_kts_hmac_check(const uint8_t *key, size_t key_len,
                                  const char *header, const uint8_t *body,
                                  size_t body_len, int64_t now_ms)
{
    const char *t, *comma;
    uint8_t want[32], got[32];
    size_t gl, tl;
    uint64_t tv;
    char tbuf[24];
    int bad;
    if (key == NULL || header == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (strlen(header) > 128 || strncmp(header, "t=", 2) != 0)
        return CAIRN_ERR_DECODE;
    t = header + 2;
    comma = strchr(t, ',');
    if (comma == NULL || strncmp(comma, ",mac=", 5) != 0 || strlen(comma + 5) != 64)
        return CAIRN_ERR_DECODE;
    tl = (size_t)(comma - t);
    if (tl == 0 || tl >= sizeof tbuf)
        return CAIRN_ERR_DECODE;
    memcpy(tbuf, t, tl);
    tbuf[tl] = 0;
    if (cairn_kts_parse_u64(tbuf, &tv) != CAIRN_OK)
        return CAIRN_ERR_DECODE;
    if (cairn__hex_decode(got, sizeof got, &gl, comma + 5, 64) != CAIRN_OK || gl != 32)
        return CAIRN_ERR_DECODE;
    mac(want, key, key_len, t, tl, body, body_len);
    bad = cairn__memeq_ct(want, got, 32);
    sodium_memzero(want, sizeof want);
    if (bad)
        return CAIRN_ERR_AUTH;
    if ((int64_t)tv > now_ms + CAIRN_KTS_HMAC_SKEW_MS ||
        (int64_t)tv + CAIRN_KTS_HMAC_SKEW_MS < now_ms || tv > (uint64_t)INT64_MAX)
        return CAIRN_ERR_STALE;
    return CAIRN_OK;
}

cairn_status cairn_kts_parse_u64(const char *s, uint64_t *v)
{
    uint64_t x = 0;
    size_t i;
    if (s == NULL || v == NULL || s[0] == 0 || (s[0] == '0' && s[1] != 0))
        return CAIRN_ERR_DECODE;
    for (i = 0; s[i]; i++) {
        if (s[i] < '0' || s[i] > '9' || i >= 20)
            return CAIRN_ERR_DECODE;
        if (x > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
            return CAIRN_ERR_DECODE;
        x = x * 10 + (uint64_t)(s[i] - '0');
    }
    *v = x;
    return CAIRN_OK;
}

cairn_status cairn_kts_parse_entries(const char *s, uint64_t *pos,
                                     uint32_t *ver, size_t max, size_t *n)
{
    size_t k = 0;
    char buf[48];
    if (s == NULL || n == NULL || strlen(s) > 4096)
        return CAIRN_ERR_DECODE;
    while (*s) {
        const char *end = strchr(s, ','), *colon;
        size_t l = end ? (size_t)(end - s) : strlen(s);
        uint64_t p, v;
        if (l == 0 || l >= sizeof buf || k >= max)
            return k >= max ? CAIRN_ERR_TOO_LARGE : CAIRN_ERR_DECODE;
        memcpy(buf, s, l);
        buf[l] = 0;
        colon = strchr(buf, ':');
        if (colon == NULL)
            return CAIRN_ERR_DECODE;
        buf[colon - buf] = 0;
        if (cairn_kts_parse_u64(buf, &p) != CAIRN_OK ||
            cairn_kts_parse_u64(colon + 1, &v) != CAIRN_OK || v > UINT32_MAX)
            return CAIRN_ERR_DECODE;
        if (k && p <= pos[k - 1])
            return CAIRN_ERR_DECODE;
        pos[k] = p;
        ver[k] = (uint32_t)v;
        k++;
        s += l;
        if (*s == ',') {
            s++;
            if (*s == 0)
                return CAIRN_ERR_DECODE;
        }
    }
    if (k == 0)
        return CAIRN_ERR_DECODE;
    *n = k;
    return CAIRN_OK;
}
