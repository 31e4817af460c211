/*
 * h_publish.c - POST /kt/v1/publish (KT-API-6, KT-API-7) and the test-only
 * POST /kt/v1/test/drop (KT-API-30).
 *
 * Invariants: nothing is staged before the request is authenticated and
 * parsed whole; a request is staged whole, in one go on the loop thread
 * (after its VRF outputs come back from vrfpool.c, in arrival order), then
 * parked in the open batch and answered by the commit, never here (except
 * on errors). The token and HMAC key are
 * compared in constant time and never logged.
 */
#include <string.h>

#include <event2/keyvalq_struct.h>

#include "kts_internal.h"

static bool authorized(kts_server *s, struct evhttp_request *req,
                       const uint8_t *body, size_t len)
{
    struct evkeyvalq *h = evhttp_request_get_input_headers(req);
    const char *a = evhttp_find_header(h, "Authorization");
    const char *x = evhttp_find_header(h, "X-Cairn-KT-Auth");
    if (s->token_len && a && strncmp(a, "Bearer ", 7) == 0 &&
        strlen(a + 7) == s->token_len &&
        cairn__memeq_ct(a + 7, s->token, s->token_len) == 0)
        return true;
    if (s->hmac_key_len && x &&
        cairn_kts_hmac_check(s->hmac_key, s->hmac_key_len, x, body, len,
                             cairn__now_ms(s->ctx)) == CAIRN_OK)
        return true;
    return false;
}

static cairn_status park(kts_server *s, struct evhttp_request *req,
                         const cairn_kts_publish *p, const uint32_t *vers)
{
    kts_pending *k = cairn__calloc(s->ctx, 1, sizeof *k);
    if (k == NULL)
        return CAIRN_ERR_NOMEM;
    k->req = req;
    k->versions = cairn__calloc(s->ctx, p->n ? p->n : 1, sizeof *k->versions);
    k->labels = cairn__calloc(s->ctx, p->n ? p->n : 1, sizeof *k->labels);
    if (k->versions == NULL || k->labels == NULL)
        goto nomem;
    k->n = p->n;
    for (size_t i = 0; i < p->n; i++) {
        k->versions[i] = vers[i];
        k->labels[i] = cairn__strndup(s->ctx, (const char *)p->updates[i].label,
                                      p->updates[i].label_len);
        if (k->labels[i] == NULL)
            goto nomem;
    }
    *s->pending_tail = k;
    s->pending_tail = &k->next;
    return CAIRN_OK;
nomem:
    for (size_t i = 0; i < k->n; i++)
        cairn__free(s->ctx, k->labels ? k->labels[i] : NULL);
    cairn__free(s->ctx, k->labels);
    cairn__free(s->ctx, k->versions);
    cairn__free(s->ctx, k);
    return CAIRN_ERR_NOMEM;
}

/* Stages one authenticated, parsed request whole and parks it in the open
 * batch (or answers an error). pred/vrf: VRF outputs the pool computed for
 * the predicted versions, or NULL to evaluate here. */
void kts__publish_stage(kts_server *s, struct evhttp_request *req,
                        const cairn_kts_publish *p, const uint32_t *pred,
                        const uint8_t (*vrf)[32])
{
    uint32_t *vers;
    cairn_status st;
    if (s->broken) {
        kts__reply_error(req, 503, "unavailable",
                         "server is read-only after a storage failure");
        return;
    }
    vers = cairn__calloc(s->ctx, p->n, sizeof *vers);
    if (vers == NULL) {
        kts__reply_error(req, 503, "unavailable", "out of memory");
        return;
    }
    for (size_t i = 0; i < p->n; i++) {
        const cairn_kts_update *u = &p->updates[i];
        st = vrf ? cairn_ktdir_update_with_vrf(s->dir, u->label, u->label_len, u->value,
                                               u->value_len, pred[i], vrf[i], &vers[i])
                 : cairn_ktdir_update(s->dir, u->label, u->label_len, u->value,
                                      u->value_len, &vers[i]);
        if (st != CAIRN_OK) {
            /* Earlier updates of this request are staged already and
             * cannot be withdrawn: stop accepting writes (KT-API-7). */
            CAIRN_LOGE(s->ctx, "kt", "staging failed (%s): now read-only",
                       cairn_status_name(st));
            s->broken = true;
            kts__reply_error(req, 503, "unavailable", "cannot stage the update");
            goto out;
        }
    }
    if (park(s, req, p, vers) != CAIRN_OK) {
        s->broken = true;
        kts__reply_error(req, 503, "unavailable", "out of memory");
        goto out;
    }
    s->batch_updates += p->n;
    kts__batch_opened(s);
out:
    cairn__free(s->ctx, vers);
}

void kts__h_publish(struct evhttp_request *req, void *arg)
{
    kts_server *s = arg;
    uint8_t *body = NULL;
    size_t len = 0;
    cairn_kts_publish p = {0};
    const char *reason = NULL;
    cairn_status st;
    if (kts__body(s, req, &body, &len) != CAIRN_OK)
        return;
    if (!authorized(s, req, body, len)) {
        kts__reply_error(req, 401, "unauthorized",
                         "missing or invalid publisher credentials");
        goto out;
    }
    if (s->broken) {
        kts__reply_error(req, 503, "unavailable",
                         "server is read-only after a storage failure");
        goto out;
    }
    st = cairn_kts_publish_parse(s->ctx, body, len, &p, &reason);
    if (st != CAIRN_OK) {
        kts__reply_error(req, st == CAIRN_ERR_NOMEM ? 503 : 400,
                         st == CAIRN_ERR_NOMEM ? "unavailable" : "bad_request",
                         st == CAIRN_ERR_NOMEM ? "out of memory" : reason);
        goto out;
    }
    if (s->pool == NULL)
        kts__publish_stage(s, req, &p, NULL, NULL);
    else if (kts__pool_submit(s, req, &p) != CAIRN_OK)
        kts__reply_error(req, 503, "unavailable", "out of memory");
out:
    cairn_kts_publish_free(s->ctx, &p);
    cairn__free(s->ctx, body);
}

void kts__h_test_drop(struct evhttp_request *req, void *arg)
{
    kts_server *s = arg;
    struct evkeyvalq q;
    const char *label, *ver;
    uint64_t v;
    cairn_kts_publish none = {0};
    uint32_t dummy = 0;
    const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
    const char *qs = evhttp_uri_get_query(u);
    TAILQ_INIT(&q);
    if (qs == NULL || evhttp_parse_query_str(qs, &q) != 0 ||
        (label = evhttp_find_header(&q, "label")) == NULL ||
        (ver = evhttp_find_header(&q, "version")) == NULL ||
        cairn_kts_parse_u64(ver, &v) != CAIRN_OK || v > UINT32_MAX) {
        kts__reply_error(req, 400, "bad_request", "need label and version");
        evhttp_clear_headers(&q);
        return;
    }
    CAIRN_LOGW(s->ctx, "kt", "TEST MODE: dropping a version from the open batch");
    if (kts__drop_version(s->dir, (const uint8_t *)label, strlen(label),
                          (uint32_t)v) != CAIRN_OK) {
        kts__reply_error(req, 404, "not_found", "no such version");
        evhttp_clear_headers(&q);
        return;
    }
    evhttp_clear_headers(&q);
    (void)dummy;
    if (park(s, req, &none, NULL) != CAIRN_OK) {
        kts__reply_error(req, 503, "unavailable", "out of memory");
        return;
    }
    kts__batch_opened(s);
}
