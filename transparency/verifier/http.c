/*
 * http.c - the small libcurl client of cairn_ktverify: GET/POST with a
 * response cap and timeouts, and the cairn-kt and auditor calls built on
 * them (spec/kt-api.md KT-API-10, KT-API-11, KT-AUD-API-3).
 *
 * Invariants: a response body larger than the cap aborts the transfer
 * (no unbounded buffering); labels are percent-encoded by libcurl; the
 * responses are not trusted here at all: callers verify them.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "ktv_internal.h"
#include "ktdir_internal.h"

#include <sodium.h>

typedef struct sink {
    cairn__buf b;
    bool over;
} sink;

static size_t on_data(char *p, size_t sz, size_t n, void *ud)
{
    sink *s = ud;
    if (cairn__buf_append(&s->b, p, sz * n) != CAIRN_OK) {
        s->over = true;
        return 0;
    }
    return sz * n;
}

static cairn_status perform(const cairn_context *ctx, const char *url,
                            const char *ctype, const char *const *headers,
                            const uint8_t *data, size_t data_len, bool post,
                            size_t max, long *status, uint8_t **body,
                            size_t *len)
{
    CURL *c;
    struct curl_slist *hl = NULL;
    sink s;
    CURLcode rc;
    cairn_status st = CAIRN_OK;
    if (ctx == NULL || url == NULL || status == NULL || body == NULL || len == NULL)
        return CAIRN_ERR_INVALID_ARG;
    c = curl_easy_init();
    if (c == NULL)
        return CAIRN_ERR_NOMEM;
    cairn__buf_init(&s.b, ctx, max);
    s.over = false;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 60000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (post) {
        char ct[128];
        snprintf(ct, sizeof ct, "Content-Type: %s", ctype ? ctype : "application/octet-stream");
        hl = curl_slist_append(hl, ct);
        hl = curl_slist_append(hl, "Expect:");
        for (size_t i = 0; headers && headers[i]; i++)
            hl = curl_slist_append(hl, headers[i]);
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, data ? (const char *)data : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)data_len);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    }
    rc = curl_easy_perform(c);
    if (rc != CURLE_OK)
        st = s.over ? CAIRN_ERR_TOO_LARGE : CAIRN_ERR_NETWORK;
    else
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    if (st == CAIRN_OK) {
        if (s.b.len == 0) {
            *body = cairn__alloc(ctx, 1);
            *len = 0;
            st = *body ? CAIRN_OK : CAIRN_ERR_NOMEM;
        } else {
            st = cairn__buf_take(&s.b, body, len);
        }
    }
    cairn__buf_free(&s.b);
    return st;
}

cairn_status cairn_ktv_http_get(const cairn_context *ctx, const char *url,
                                size_t max, long *status, uint8_t **body,
                                size_t *len)
{
    return perform(ctx, url, NULL, NULL, NULL, 0, false, max, status, body, len);
}

cairn_status cairn_ktv_http_post(const cairn_context *ctx, const char *url,
                                 const char *ctype, const char *const *headers,
                                 const uint8_t *data, size_t data_len, size_t max,
                                 long *status, uint8_t **body, size_t *len)
{
    return perform(ctx, url, ctype, headers, data, data_len, true, max, status,
                   body, len);
}

static cairn_status get_checked(const cairn_context *ctx, const char *url,
                                uint8_t **resp, size_t *len)
{
    long status = 0;
    uint8_t *b = NULL;
    size_t n = 0;
    cairn_status st = cairn_ktv_http_get(ctx, url, CAIRN_KTV_MAX_RESPONSE, &status, &b, &n);
    if (st != CAIRN_OK)
        return st;
    if (status != 200) {
        cairn_free(ctx, b, n);
        return status == 404 ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_PROTOCOL;
    }
    *resp = b;
    *len = n;
    return CAIRN_OK;
}

static char *escape(const uint8_t *label, size_t len)
{
    CURL *c = curl_easy_init();
    char *e = c ? curl_easy_escape(c, (const char *)label, (int)len) : NULL;
    if (c)
        curl_easy_cleanup(c);
    return e;
}

cairn_status cairn_ktv_fetch_search(const cairn_ktv *v, const char *base_url,
                                    const uint8_t *label, size_t label_len,
                                    bool has_version, uint32_t version,
                                    uint8_t **resp, size_t *resp_len)
{
    char url[2048], *e;
    int n;
    if (v == NULL || base_url == NULL || label == NULL || label_len == 0 ||
        label_len > CAIRN_KT_MAX_LABEL || resp == NULL || resp_len == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if ((e = escape(label, label_len)) == NULL)
        return CAIRN_ERR_NOMEM;
    n = snprintf(url, sizeof url, "%s/kt/v1/search?label=%s", base_url, e);
    curl_free(e);
    if (n > 0 && has_version)
        n += snprintf(url + n, sizeof url - (size_t)n, "&version=%u", (unsigned)version);
    if (n > 0 && (size_t)n < sizeof url && v->view.tree_size)
        n += snprintf(url + n, sizeof url - (size_t)n, "&last=%llu",
                      (unsigned long long)v->view.tree_size);
    if (n < 0 || (size_t)n >= sizeof url)
        return CAIRN_ERR_TOO_LARGE;
    return get_checked(v->ctx, url, resp, resp_len);
}

cairn_status cairn_ktv_fetch_monitor(const cairn_ktv *v, const char *base_url,
                                     const uint8_t *label, size_t label_len,
                                     uint8_t **resp, size_t *resp_len)
{
    char url[4096], ents[1024], *e;
    int n;
    cairn_status st;
    if (v == NULL || base_url == NULL || label == NULL || resp == NULL ||
        resp_len == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if ((st = cairn_ktv_monitor_entries(v, label, label_len, ents, sizeof ents)) != CAIRN_OK)
        return st;
    if ((e = escape(label, label_len)) == NULL)
        return CAIRN_ERR_NOMEM;
    n = snprintf(url, sizeof url, "%s/kt/v1/monitor?label=%s&entries=%s&last=%llu",
                 base_url, e, ents, (unsigned long long)v->view.tree_size);
    curl_free(e);
    if (n < 0 || (size_t)n >= sizeof url)
        return CAIRN_ERR_TOO_LARGE;
    return get_checked(v->ctx, url, resp, resp_len);
}

cairn_status cairn_ktv_monitor(cairn_ktv *v, const char *base_url,
                               const uint8_t *label, size_t label_len,
                               int64_t now_ms)
{
    uint8_t *resp = NULL;
    size_t len = 0;
    cairn_status st = cairn_ktv_fetch_monitor(v, base_url, label, label_len, &resp, &len);
    if (st != CAIRN_OK)
        return st;
    st = cairn_ktv_verify_monitor(v, label, label_len, resp, len, now_ms);
    cairn_free(v->ctx, resp, len);
    return st;
}

cairn_status cairn_ktv_gossip(const cairn_ktv *v, const char *auditor_url,
                              bool *pending)
{
    uint64_t size, ts;
    uint8_t root[32], sig[64], *b = NULL;
    char rb[64], sb[100], url[2048], txt[512];
    size_t tl;
    json_t *o;
    long status = 0;
    size_t n = 0;
    cairn_status st;
    if (v == NULL || auditor_url == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if ((st = cairn_ktv_head(v, &size, root, sig, &ts)) != CAIRN_OK)
        return st;
    cairn__base64_encode(rb, root, 32);
    cairn__base64_encode(sb, sig, 64);
    o = json_pack("{s:I,s:I,s:s,s:s}", "tree_size", (json_int_t)size, "timestamp",
                  (json_int_t)ts, "root_b64", rb, "signature_b64", sb);
    /* Serialised into a stack buffer: the body is small and bounded, and
     * this keeps jansson's malloc out of the library. */
    tl = o ? json_dumpb(o, txt, sizeof(txt), JSON_COMPACT) : 0;
    json_decref(o);
    if (tl == 0 || tl >= sizeof(txt))
        return tl == 0 ? CAIRN_ERR_NOMEM : CAIRN_ERR_INTERNAL;
    snprintf(url, sizeof url, "%s/gossip", auditor_url);
    st = cairn_ktv_http_post(v->ctx, url, "application/json", NULL,
                             (const uint8_t *)txt, tl, 64 * 1024, &status, &b, &n);
    if (st != CAIRN_OK)
        return st;
    if (pending)
        *pending = status == 200 && n >= 7 && memmem(b, n, "pending", 7) != NULL;
    cairn_free(v->ctx, b, n);
    if (status == 200)
        return CAIRN_OK;
    return status == 409 ? CAIRN_ERR_PROOF : CAIRN_ERR_PROTOCOL;
}

static bool b64_field(json_t *o, const char *k, uint8_t *out, size_t want)
{
    const char *s = json_string_value(json_object_get(o, k));
    uint8_t tmp[96];
    size_t n;
    if (s == NULL || strlen(s) > 128 ||
        cairn__base64_decode(tmp, sizeof tmp, &n, s, strlen(s)) != CAIRN_OK || n != want)
        return false;
    memcpy(out, tmp, want);
    return true;
}

cairn_status cairn_ktv_fetch_tree_head(const cairn_ktv *v, const char *base_url,
                                       uint64_t *tree_size, uint8_t root[32],
                                       uint8_t signature[64], uint64_t *timestamp)
{
    char url[2048];
    uint8_t *b = NULL, r[32], sig[64];
    size_t n = 0;
    json_t *o, *js, *jt;
    uint64_t size, ts;
    cairn__buf tbs;
    cairn_status st;
    bool ok;
    if (v == NULL || base_url == NULL)
        return CAIRN_ERR_INVALID_ARG;
    snprintf(url, sizeof url, "%s/kt/v1/tree-head", base_url);
    if ((st = get_checked(v->ctx, url, &b, &n)) != CAIRN_OK)
        return st;
    o = json_loadb((const char *)b, n, JSON_REJECT_DUPLICATES, NULL);
    cairn_free(v->ctx, b, n);
    js = json_object_get(o, "tree_size");
    jt = json_object_get(o, "timestamp");
    ok = json_is_integer(js) && json_integer_value(js) > 0 && json_is_integer(jt) &&
         json_integer_value(jt) >= 0 && b64_field(o, "root_b64", r, 32) &&
         b64_field(o, "signature_b64", sig, 64);
    size = ok ? (uint64_t)json_integer_value(js) : 0;
    ts = ok ? (uint64_t)json_integer_value(jt) : 0;
    json_decref(o);
    if (!ok)
        return CAIRN_ERR_DECODE;
    cairn__buf_init(&tbs, v->ctx, 4096);
    st = ktdir__treehead_tbs(&tbs, &v->cfg, size, r);
    if (st == CAIRN_OK &&
        crypto_sign_verify_detached(sig, tbs.data, tbs.len, v->cfg.signature_public_key) != 0)
        st = CAIRN_ERR_BAD_SIGNATURE;
    cairn__buf_free(&tbs);
    if (st != CAIRN_OK)
        return st;
    if (size < v->view.tree_size)
        return CAIRN_ERR_STALE;
    if (size == v->view.tree_size && memcmp(r, v->view.root, 32) != 0)
        return CAIRN_ERR_PROOF;
    if (tree_size)
        *tree_size = size;
    if (root)
        memcpy(root, r, 32);
    if (signature)
        memcpy(signature, sig, 64);
    if (timestamp)
        *timestamp = ts;
    return CAIRN_OK;
}
