/*
 * kt.c - key transparency in the client (spec/client-engine.md ENG-KT-*),
 * on cairn_ktverify: a persistent view of the directory log that only
 * moves when a response verifies.
 *
 *   first use: GET /kt/v1/config -> Configuration; its keys must equal the
 *     pinned ones (engine config, or pinned at first use and kept) -> view
 *     from the store (sealed blob) or fresh
 *   check(uri, key): fetch search(uri, last = view size) -> verify against
 *     the view (proofs, signatures, consistency = no fork, timestamps) ->
 *     [require_auditor: the entry showing the key must lie inside the
 *     auditor-signed size, else alert + CAIRN_ERR_STALE, old view kept] ->
 *     value == key ? state 1 : alert + refuse -> save view -> gossip the
 *     head to the auditor (a split view is an alert)
 *
 * Without a directory URL a check reports state 0 ("not checked"), which
 * require_kt (or require_auditor) turns into a refusal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cairn/ktverify.h"
#include "engine_internal.h"
#include "ktdir_internal.h"
#include "protocol.h"

static void alert(cairn_engine *e, const char *uri, const char *detail)
{
    cairn_event ev;
    char n[16];
    memset(&ev, 0, sizeof(ev));
    ev.type = CAIRN_EVENT_KT_ALERT;
    ev.peer = uri;
    ev.conversation = uri;
    ev.detail = detail;
    e->kt_alerts++;
    snprintf(n, sizeof(n), "%u", e->kt_alerts);
    (void)estore__meta_put_str(e, "kt.alerts", n);
    engine__emit(e, &ev);
}

static int hex32(const char *s, uint8_t out[32])
{
    size_t n = 0;
    return s && cairn__hex_decode(out, 32, &n, s, strlen(s)) == CAIRN_OK && n == 32;
}

/* Fetches the directory's Configuration and checks it against the pins. */
static cairn_status load_config(cairn_engine *e, cairn_kt_config *cfg)
{
    char url[1100], pin[65];
    long status = 0;
    uint8_t *body = NULL, raw[1024], k[32];
    size_t n = 0, rl = 0;
    json_t *j;
    const char *b64;
    cairn__reader r;
    cairn_status rc = CAIRN_ERR_PROTOCOL;

    snprintf(url, sizeof(url), "%s/kt/v1/config", e->kt_url);
    if (cairn_ktv_http_get(e->ctx, url, 64 * 1024, &status, &body, &n) != CAIRN_OK)
        return engine__fail(e, CAIRN_ERR_NETWORK, "key-transparency directory unreachable");
    j = json_loadb((const char *)body, n, JSON_REJECT_DUPLICATES, NULL);
    b64 = json_string_value(json_object_get(j, "configuration_b64"));
    if (status == 200 && b64 &&
        cairn__base64_decode(raw, sizeof(raw), &rl, b64, strlen(b64)) == CAIRN_OK) {
        cairn__reader_init(&r, raw, rl);
        if (ktdir__config_decode(&r, cfg) == CAIRN_OK && cairn__reader_left(&r) == 0)
            rc = CAIRN_OK;
    }
    json_decref(j);
    cairn_free(e->ctx, body, n);
    if (rc != CAIRN_OK)
        return engine__fail(e, rc, "bad directory configuration");
    /* pins: configured keys win; otherwise the first keys seen are kept */
    if (e->kt_sig[0] || estore__meta_get_str(e, "kt.sig", pin, sizeof(pin)) == CAIRN_OK) {
        if (!hex32(e->kt_sig[0] ? e->kt_sig : pin, k) ||
            cairn__memeq_ct(k, cfg->signature_public_key, 32) != 0) {
            alert(e, NULL, "the directory's signing key is not the pinned one");
            return engine__fail(e, CAIRN_ERR_PROOF, "directory key mismatch");
        }
    } else {
        cairn__hex_encode(pin, cfg->signature_public_key, 32);
        (void)estore__meta_put_str(e, "kt.sig", pin);
    }
    if (e->kt_vrf[0] || estore__meta_get_str(e, "kt.vrf", pin, sizeof(pin)) == CAIRN_OK) {
        if (!hex32(e->kt_vrf[0] ? e->kt_vrf : pin, k) ||
            cairn__memeq_ct(k, cfg->vrf_public_key, 32) != 0) {
            alert(e, NULL, "the directory's VRF key is not the pinned one");
            return engine__fail(e, CAIRN_ERR_PROOF, "directory key mismatch");
        }
    } else {
        cairn__hex_encode(pin, cfg->vrf_public_key, 32);
        (void)estore__meta_put_str(e, "kt.vrf", pin);
    }
    /* ENG-KT-5: with require_auditor the directory must run in auditing
     * mode and its heads must carry the configured auditor's signature */
    if (e->require_auditor) {
        if (cfg->mode != CAIRN_KT_MODE_THIRD_PARTY_AUDITING) {
            alert(e, NULL, "the directory is not audited, and this client requires an auditor");
            return engine__fail(e, CAIRN_ERR_PROOF, "directory is not in auditing mode");
        }
        if (e->auditor_key[0] &&
            (!hex32(e->auditor_key, k) || cairn__memeq_ct(k, cfg->auditor_public_key, 32) != 0)) {
            alert(e, NULL, "the directory names an auditor other than the configured one");
            return engine__fail(e, CAIRN_ERR_PROOF, "directory names another auditor");
        }
    }
    return CAIRN_OK;
}

static cairn_status open_view(cairn_engine *e, cairn_ktv **out)
{
    cairn_kt_config cfg;
    cairn_ktv_options opts;
    uint8_t *blob = NULL;
    size_t n = 0;
    cairn_status rc;
    memset(&cfg, 0, sizeof(cfg));
    memset(&opts, 0, sizeof(opts));
    opts.require_auditor = e->require_auditor != 0;
    rc = load_config(e, &cfg);
    if (rc != CAIRN_OK)
        return rc;
    proto__lock(e->acct);
    rc = store__meta_get(e->acct->store, "engine.kt_view", &blob, &n);
    proto__unlock(e->acct);
    if (rc == CAIRN_OK) {
        rc = cairn_ktv_parse(e->ctx, &cfg, &opts, blob, n, out);
        cairn__free_secret(e->ctx, blob, n);
        if (rc != CAIRN_OK)
            return engine__fail(e, rc, "stored key-transparency view does not parse");
        return CAIRN_OK;
    }
    if (rc != CAIRN_ERR_NOT_FOUND)
        return rc;
    return cairn_ktv_create(e->ctx, &cfg, &opts, out);
}

static cairn_status save_view(cairn_engine *e, cairn_ktv *v)
{
    uint8_t *blob = NULL;
    size_t n = 0;
    char size[32];
    cairn_status rc = cairn_ktv_serialize(v, &blob, &n);
    if (rc != CAIRN_OK)
        return rc;
    proto__lock(e->acct);
    rc = store__meta_put(e->acct->store, "engine.kt_view", blob, n);
    proto__unlock(e->acct);
    cairn_free(e->ctx, blob, n);
    snprintf(size, sizeof(size), "%llu", (unsigned long long)cairn_ktv_tree_size(v));
    (void)estore__meta_put_str(e, "kt.tree_size", size);
    return rc;
}

cairn_status ekt__check(cairn_engine *e, const char *uri, const uint8_t key[CAIRN_PUBLIC_KEY_BYTES],
                        int *state)
{
    cairn_ktv *v = NULL;
    uint8_t *resp = NULL;
    size_t len = 0;
    cairn_ktv_result res;
    int own = strcmp(uri, e->uri) == 0;
    /* requiring an auditor makes no sense without requiring the directory */
    int strict = e->require_kt || e->require_auditor;
    char detail[CAIRN_URI_MAX + 128];
    cairn_status rc;

    *state = 0;
    if (e->kt_url[0] == '\0') {
        if (strict) {
            alert(e, uri, "no key-transparency directory to vouch for this contact");
            return engine__fail(e, CAIRN_ERR_PROOF, "key transparency required but unavailable");
        }
        return CAIRN_OK;
    }
    rc = open_view(e, &v);
    if (rc == CAIRN_OK)
        rc = cairn_ktv_fetch_search(v, e->kt_url, (const uint8_t *)uri, strlen(uri), false, 0,
                                    &resp, &len);
    if (rc == CAIRN_ERR_NOT_FOUND) {
        cairn_ktv_destroy(v);
        if (strict || own) {
            snprintf(detail, sizeof(detail), "%s is not in the key-transparency directory", uri);
            alert(e, uri, detail);
            return engine__fail(e, CAIRN_ERR_PROOF, "label not in the directory");
        }
        return CAIRN_OK;
    }
    if (rc == CAIRN_ERR_PROTOCOL && cairn_ktv_tree_size(v) > 0) {
        /* the directory refused the tree size we already verified: it
         * claims a smaller tree than it showed us (a rollback). (With an
         * empty view nothing can be rolled back: an audited directory
         * answers 503 until its auditor's first head; that is handled as
         * unavailable below.) */
        cairn_ktv_destroy(v);
        snprintf(detail, sizeof(detail), "the directory refused our view for %s (rollback?)", uri);
        alert(e, uri, detail);
        return engine__fail(e, CAIRN_ERR_PROOF, "directory refused our view");
    }
    if (rc != CAIRN_OK) {
        cairn_ktv_destroy(v);
        if (strict && rc == CAIRN_ERR_PROOF)
            return rc; /* load_config said why */
        if (strict)
            return engine__fail(e, CAIRN_ERR_NETWORK, "key-transparency search failed");
        return CAIRN_OK; /* directory down: reported as unchecked */
    }
    rc = cairn_ktv_verify_search(v, (const uint8_t *)uri, strlen(uri), false, 0, resp, len,
                                 cairn__now_ms(e->ctx), own, &res);
    if (rc != CAIRN_OK) {
        /* ENG-KT-3: a fork, rollback, bad signature or stale head */
        snprintf(detail, sizeof(detail), "the directory's proof for %s does not verify (%s)", uri,
                 cairn_status_name(rc));
        alert(e, uri, detail);
        cairn_free(e->ctx, resp, len);
        cairn_ktv_destroy(v);
        return engine__fail(e, CAIRN_ERR_PROOF, "key-transparency proof failed");
    }
    if (e->require_auditor && res.terminal >= cairn_ktv_auditor_tree_size(v)) {
        /* ENG-KT-5: the entry that shows this key is past what the auditor
         * has signed. The old view is kept: saving this one would make the
         * directory answer "same head" (without the auditor's newer head)
         * until its tree grows again. */
        snprintf(detail, sizeof(detail),
                 "the auditor has not yet signed a tree head covering the key of %s", uri);
        alert(e, uri, detail);
        cairn_free(e->ctx, resp, len);
        cairn_ktv_destroy(v);
        return engine__fail(e, CAIRN_ERR_STALE, "key not yet covered by the auditor");
    }
    if (res.value_len != CAIRN_PUBLIC_KEY_BYTES ||
        cairn__memeq_ct(res.value, key, CAIRN_PUBLIC_KEY_BYTES) != 0) {
        /* ENG-KT-2 / ENG-KT-4 */
        if (own)
            snprintf(detail, sizeof(detail),
                     "the directory shows a key for this account that it did not publish");
        else
            snprintf(detail, sizeof(detail), "the relay's key for %s differs from the directory's",
                     uri);
        alert(e, uri, detail);
        rc = engine__fail(e, CAIRN_ERR_PROOF, "key transparency contradicts the relay");
    } else {
        *state = 1;
    }
    cairn_free(e->ctx, resp, len);
    /* the view moved even when the value disagreed: the proof was good */
    (void)save_view(e, v);
    if (e->auditor_url[0]) {
        bool pending = false;
        /* ENG-KT-6 */
        if (cairn_ktv_gossip(v, e->auditor_url, &pending) == CAIRN_ERR_PROOF) {
            alert(e, uri, "the auditor saw a different tree: split view");
            rc = engine__fail(e, CAIRN_ERR_PROOF, "split view reported by the auditor");
            *state = 0;
        }
    }
    cairn_ktv_destroy(v);
    return rc;
}

cairn_status cairn_engine_kt_check_self(cairn_engine *e)
{
    int state = 0;
    cairn_status rc;
    if (e == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    rc = e->have_identity ? CAIRN_OK : CAIRN_ERR_STATE;
    if (rc == CAIRN_OK)
        rc = ekt__check(e, e->uri, e->identity, &state);
    (void)estore__meta_put_str(e, "kt.self_ok", rc == CAIRN_OK && state == 1 ? "1" : "0");
    engine__unlock(e);
    return rc;
}
