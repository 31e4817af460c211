/*
 * h_read.c - the public read endpoints of cairn-kt: search, monitor, tree
 * head, configuration, auditor updates, and installing an auditor head
 * (KT-API-9 .. KT-API-14).
 *
 * Invariants: only committed entries are ever served (the directory
 * guarantees it); every query parameter is parsed strictly and a bad one
 * gets 400 with a reason before the directory is asked anything.
 */
#include <jansson.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "kts_internal.h"

typedef struct query {
    struct evkeyvalq kv;
    bool ok;
} query;

static bool parse_query(struct evhttp_request *req, query *q)
{
    const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
    const char *qs = u ? evhttp_uri_get_query(u) : NULL;
    TAILQ_INIT(&q->kv);
    q->ok = qs == NULL || evhttp_parse_query_str(qs, &q->kv) == 0;
    if (!q->ok)
        kts__reply_error(req, 400, "bad_request", "malformed query string");
    return q->ok;
}

/* Optional u64 parameter; false (and 400 sent) when present but bad. */
static bool opt_u64(struct evhttp_request *req, query *q, const char *name,
                    bool *has, uint64_t *v)
{
    const char *s = evhttp_find_header(&q->kv, name);
    *has = s != NULL;
    if (s && cairn_kts_parse_u64(s, v) != CAIRN_OK) {
        kts__reply_error(req, 400, "bad_request", "parameter is not a decimal integer");
        return false;
    }
    return true;
}

static bool get_label(struct evhttp_request *req, query *q, const char **label)
{
    *label = evhttp_find_header(&q->kv, "label");
    if (*label == NULL || !cairn_kts_label_ok((const uint8_t *)*label, strlen(*label))) {
        kts__reply_error(req, 400, "bad_request",
                         "label must be 1..255 bytes without control characters");
        return false;
    }
    return true;
}

static void reply_status(struct evhttp_request *req, cairn_status st)
{
    switch (st) {
    case CAIRN_ERR_NOT_FOUND:
        kts__reply_error(req, 404, "not_found", "no such label or version");
        break;
    case CAIRN_ERR_INVALID_ARG:
        kts__reply_error(req, 400, "bad_request", "last is beyond the current tree");
        break;
    case CAIRN_ERR_STATE:
        kts__reply_error(req, 503, "unavailable",
                         "tree is empty or no auditor head is installed");
        break;
    default:
        kts__reply_error(req, 500, "internal", cairn_status_name(st));
    }
}

void kts__h_search(struct evhttp_request *req, void *arg)
{
    kts_server *s = arg;
    query q;
    const char *label;
    bool has_last, has_ver;
    uint64_t last = 0, ver = 0;
    uint8_t *out = NULL;
    size_t n = 0;
    cairn_status st;
    if (!parse_query(req, &q))
        return;
    if (!get_label(req, &q, &label) || !opt_u64(req, &q, "last", &has_last, &last) ||
        !opt_u64(req, &q, "version", &has_ver, &ver))
        goto out;
    if (has_last && (last == 0 || last > cairn_ktdir_tree_size(s->dir))) {
        kts__reply_error(req, 400, "bad_request", "last must be 1..current tree size");
        goto out;
    }
    if (ver > UINT32_MAX) {
        kts__reply_error(req, 400, "bad_request", "version exceeds 2^32-1");
        goto out;
    }
    st = cairn_ktdir_search(s->dir, has_last, last, (const uint8_t *)label,
                            strlen(label), has_ver, (uint32_t)ver, &out, &n);
    if (st != CAIRN_OK)
        reply_status(req, st);
    else
        kts__reply_bytes(req, "application/octet-stream", out, n, "no-store");
    cairn_free(s->ctx, out, n);
out:
    evhttp_clear_headers(&q.kv);
}

void kts__h_monitor(struct evhttp_request *req, void *arg)
{
    kts_server *s = arg;
    query q;
    const char *label, *ents;
    bool has_last;
    uint64_t last = 0, pos[CAIRN_KTS_MAX_MONITOR];
    uint32_t ver[CAIRN_KTS_MAX_MONITOR];
    cairn_kt_monitor_entry e[CAIRN_KTS_MAX_MONITOR];
    size_t ne = 0, n = 0;
    uint8_t *out = NULL;
    cairn_status st;
    if (!parse_query(req, &q))
        return;
    if (!get_label(req, &q, &label) || !opt_u64(req, &q, "last", &has_last, &last))
        goto out;
    if (has_last && (last == 0 || last > cairn_ktdir_tree_size(s->dir))) {
        kts__reply_error(req, 400, "bad_request", "last must be 1..current tree size");
        goto out;
    }
    ents = evhttp_find_header(&q.kv, "entries");
    if (ents == NULL ||
        cairn_kts_parse_entries(ents, pos, ver, CAIRN_KTS_MAX_MONITOR, &ne) != CAIRN_OK) {
        kts__reply_error(req, 400, "bad_request",
                         "entries must be 1..32 pos:ver pairs in ascending position");
        goto out;
    }
    for (size_t i = 0; i < ne; i++) {
        e[i].position = pos[i];
        e[i].version = ver[i];
    }
    st = cairn_ktdir_monitor(s->dir, has_last, last, (const uint8_t *)label,
                             strlen(label), e, ne, &out, &n);
    if (st != CAIRN_OK)
        reply_status(req, st);
    else
        kts__reply_bytes(req, "application/octet-stream", out, n, "no-store");
    cairn_free(s->ctx, out, n);
out:
    evhttp_clear_headers(&q.kv);
}

static void set_b64(json_t *o, const char *k, const uint8_t *p, size_t n)
{
    char b[128];
    cairn__base64_encode(b, p, n);
    json_object_set_new(o, k, json_string(b));
}

static void reply_json(struct evhttp_request *req, json_t *o)
{
    char *txt = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (txt == NULL) {
        kts__reply_error(req, 503, "unavailable", "out of memory");
        return;
    }
    kts__reply_bytes(req, "application/json", (const uint8_t *)txt, strlen(txt),
                     "no-cache");
    free(txt);
}

void kts__h_tree_head(struct evhttp_request *req, void *arg)
{
    kts_server *s = arg;
    uint64_t size, ts;
    uint8_t root[32], sig[64];
    char *note = NULL;
    size_t nl = 0;
    json_t *o;
    kts__head(s->dir, &size, root, sig, &ts);
    if (size == 0) {
        kts__reply_error(req, 503, "unavailable", "the tree is empty");
        return;
    }
    if (cairn_tlog_checkpoint_note(s->mirror, &note, &nl) != CAIRN_OK) {
        kts__reply_error(req, 503, "unavailable", "no mirror checkpoint");
        return;
    }
    o = json_object();
    json_object_set_new(o, "tree_size", json_integer((json_int_t)size));
    json_object_set_new(o, "timestamp", json_integer((json_int_t)ts));
    set_b64(o, "root_b64", root, 32);
    set_b64(o, "signature_b64", sig, 64);
    json_object_set_new(o, "mirror_checkpoint", json_stringn(note, nl));
    cairn_free(s->ctx, note, nl);
    reply_json(req, o);
}

void kts__h_config(struct evhttp_request *req, void *arg)
{
    kts_server *s = arg;
    cairn_kt_config c;
    uint8_t *enc = NULL;
    size_t el = 0;
    json_t *o;
    char *b;
    cairn_ktdir_get_config(s->dir, &c);
    if (kts__config_encode(s->ctx, s->dir, &enc, &el) != CAIRN_OK) {
        kts__reply_error(req, 503, "unavailable", "out of memory");
        return;
    }
    b = cairn__alloc(s->ctx, cairn__base64_encoded_len(el) + 1);
    if (b == NULL) {
        cairn_free(s->ctx, enc, el);
        kts__reply_error(req, 503, "unavailable", "out of memory");
        return;
    }
    cairn__base64_encode(b, enc, el);
    o = json_object();
    json_object_set_new(o, "configuration_b64", json_string(b));
    cairn__free(s->ctx, b);
    cairn_free(s->ctx, enc, el);
    json_object_set_new(o, "mode", json_integer(c.mode));
    set_b64(o, "signature_public_key_b64", c.signature_public_key, 32);
    set_b64(o, "vrf_public_key_b64", c.vrf_public_key, 32);
    json_object_set_new(o, "max_ahead_ms", json_integer((json_int_t)c.max_ahead));
    json_object_set_new(o, "max_behind_ms", json_integer((json_int_t)c.max_behind));
    json_object_set_new(o, "reasonable_monitoring_window_ms",
                        json_integer((json_int_t)c.reasonable_monitoring_window));
    json_object_set_new(o, "mirror_origin", json_string(s->opt.origin));
    json_object_set_new(o, "mirror_key", json_string(s->mirror_vkey));
    reply_json(req, o);
}

void kts__h_audit(struct evhttp_request *req, void *arg)
{
    kts_server *s = arg;
    query q;
    bool has;
    uint64_t pos = 0;
    uint8_t *out = NULL;
    size_t n = 0;
    cairn_status st;
    if (!parse_query(req, &q))
        return;
    if (!opt_u64(req, &q, "position", &has, &pos))
        goto out;
    if (!has) {
        kts__reply_error(req, 400, "bad_request", "position is required");
        goto out;
    }
    if (pos >= cairn_ktdir_tree_size(s->dir)) {
        kts__reply_error(req, 404, "not_found", "position is beyond the tree");
        goto out;
    }
    st = cairn_ktdir_auditor_update(s->dir, pos, &out, &n);
    if (st != CAIRN_OK)
        reply_status(req, st);
    else
        kts__reply_bytes(req, "application/octet-stream", out, n,
                         "public, max-age=31536000, immutable");
    cairn_free(s->ctx, out, n);
out:
    evhttp_clear_headers(&q.kv);
}

void kts__h_auditor_head(struct evhttp_request *req, void *arg)
{
    kts_server *s = arg;
    uint8_t *body = NULL;
    size_t len = 0;
    cairn_status st;
    if (kts__body(s, req, &body, &len) != CAIRN_OK)
        return;
    st = cairn_ktdir_set_auditor_head(s->dir, body, len);
    cairn__free(s->ctx, body);
    if (st != CAIRN_OK) {
        kts__reply_error(req, 400, "bad_request", cairn_status_name(st));
        return;
    }
    kts__reply_bytes(req, "application/json", (const uint8_t *)"{}", 2, "no-store");
}
