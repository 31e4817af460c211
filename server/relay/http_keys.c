/*
 * http_keys.c - the pre-key directory (RELAY-KEYS-*), modelled on
 * Signal-Server's keys API with Cairn's JSON documents
 * (spec/prekey-bundle.md):
 *
 *   PUT /v1/keys                   upload my cairn-keys/1 (replaces my
 *                                  stored set, PKB-1); publishes the
 *                                  identity key to KT when it is new or changed
 *   GET /v1/keys/count             my remaining one-time pre-keys
 *   GET /v1/bundle?uri=U&device=D  one cairn-bundle/1, consuming one
 *                                  one-time pre-key
 *   GET /v1/bundle?uri=U           {"v":"cairn-bundles/1","bundles":[...]}
 *                                  for every device with keys
 *
 * Atomicity: a fetch selects and deletes its one-time pre-key inside one
 * SQLite transaction (after the group-commit batch was flushed), and the
 * loop is single-threaded, so two fetches can never be handed the same
 * pre-key, and a pre-key handed out is durably gone before the reply.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "relay.h"

static void reply(struct evhttp_request *req, int code, json_t *o)
{
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (s == NULL)
        relay__http_error(req, 500, "nomem");
    else
        relay__http_reply_json(req, code, s, strlen(s));
    free(s);
    json_decref(o);
}

static json_t *b64(const uint8_t *p, size_t n)
{
    char buf[128];
    if (cairn__base64_encoded_len(n) >= sizeof buf)
        return NULL;
    cairn__base64_encode(buf, p, n);
    return json_string(buf);
}

static void do_upload(relay *r, struct evhttp_request *req, const relay_principal *p)
{
    static const char OLD[] = "SELECT identity_key, kt_receipt FROM identity WHERE device_row=?";
    static const char UPS[] =
        "INSERT INTO identity(device_row,registration_id,identity_key,spk_id,spk_pub,spk_sig)"
        " VALUES(?1,?2,?3,?4,?5,?6) ON CONFLICT(device_row) DO UPDATE SET"
        " registration_id=?2, identity_key=?3, spk_id=?4, spk_pub=?5, spk_sig=?6,"
        " kt_receipt=CASE WHEN identity_key=?3 THEN kt_receipt ELSE NULL END";
    static const char DEL[] = "DELETE FROM prekeys WHERE device_row=?";
    static const char INS[] = "INSERT INTO prekeys(device_row,id,pub) VALUES(?,?,?)";
    static const char PEND[] = "INSERT OR REPLACE INTO kt_pending(device_row,since) VALUES(?,?)";
    relay_keys_doc d;
    size_t len;
    bool changed = true;
    char *receipt = NULL;

    char *body = relay__http_body(r, req, RELAY_KEYS_MAX_JSON, &len);
    if (body == NULL)
        return;
    cairn_status st = relay__keys_parse(r->ctx, body, len, (size_t)r->cfg.max_prekeys, &d);
    cairn__free(r->ctx, body);
    if (st != CAIRN_OK) {
        relay__http_error(req, st == CAIRN_ERR_LIMIT ? 413 : 400, cairn_status_name(st));
        return;
    }
    if (strcmp(d.uri, p->uri) != 0 || d.device != p->device) {
        relay__keys_doc_free(r->ctx, &d);
        relay__http_error(req, 403, "not_your_device");
        return;
    }
    if (!relay__tx_begin(r)) {
        relay__keys_doc_free(r->ctx, &d);
        relay__http_error(req, 500, "db");
        return;
    }
    sqlite3_stmt *s = relay__stmt(r, OLD);
    if (s == NULL)
        goto dberr;
    sqlite3_bind_int64(s, 1, p->device_row);
    if (sqlite3_step(s) == SQLITE_ROW) {
        changed = sqlite3_column_bytes(s, 0) != RELAY_PUBKEY_LEN ||
                  memcmp(sqlite3_column_blob(s, 0), d.identity, RELAY_PUBKEY_LEN) != 0;
        const unsigned char *t = sqlite3_column_text(s, 1);
        if (!changed && t)
            receipt = cairn__strdup(r->ctx, (const char *)t);
        else if (!changed)
            changed = true; /* never published successfully: publish again */
    }
    sqlite3_reset(s);
    s = relay__stmt(r, UPS);
    if (s == NULL)
        goto dberr;
    sqlite3_bind_int64(s, 1, p->device_row);
    sqlite3_bind_int64(s, 2, d.registration_id);
    sqlite3_bind_blob(s, 3, d.identity, RELAY_PUBKEY_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, d.spk_id);
    sqlite3_bind_blob(s, 5, d.spk_pub, RELAY_PUBKEY_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(s, 6, d.spk_sig, RELAY_SIG_LEN, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        goto dberr;
    sqlite3_reset(s);
    s = relay__stmt(r, DEL);
    if (s == NULL)
        goto dberr;
    sqlite3_bind_int64(s, 1, p->device_row);
    sqlite3_step(s);
    sqlite3_reset(s);
    for (size_t i = 0; i < d.n_prekeys; i++) {
        s = relay__stmt(r, INS);
        if (s == NULL)
            goto dberr;
        sqlite3_bind_int64(s, 1, p->device_row);
        sqlite3_bind_int64(s, 2, d.prekeys[i].id);
        sqlite3_bind_blob(s, 3, d.prekeys[i].pub, RELAY_PUBKEY_LEN, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE)
            goto dberr;
        sqlite3_reset(s);
    }
    if (changed && r->cfg.kt_url[0]) {
        s = relay__stmt(r, PEND);
        if (s == NULL)
            goto dberr;
        sqlite3_bind_int64(s, 1, p->device_row);
        sqlite3_bind_int64(s, 2, relay__now_ms());
        sqlite3_step(s);
        sqlite3_reset(s);
    }
    if (!relay__tx_commit(r)) {
        relay__keys_doc_free(r->ctx, &d);
        cairn__free(r->ctx, receipt);
        relay__http_error(req, 500, "db");
        return;
    }
    RLOGI("keys_uploaded", "device_row=%lld prekeys=%zu identity_changed=%d",
          (long long)p->device_row, d.n_prekeys, changed);
    json_t *o = json_pack("{s:I}", "prekeys", (json_int_t)d.n_prekeys);
    if (changed && r->cfg.kt_url[0] && o) {
        relay__kt_publish(r, p->device_row, p->uri, p->device, d.identity, req, o);
    } else {
        json_t *kt;
        json_t *rec = receipt ? json_loads(receipt, 0, NULL) : NULL;
        if (!r->cfg.kt_url[0])
            kt = json_pack("{s:s}", "status", "disabled");
        else
            kt = json_pack("{s:s, s:o*}", "status", "unchanged", "receipt", rec);
        json_object_set_new(o, "kt", kt);
        reply(req, 200, o);
    }
    relay__keys_doc_free(r->ctx, &d);
    cairn__free(r->ctx, receipt);
    return;
dberr:
    if (s)
        sqlite3_reset(s);
    relay__tx_rollback(r);
    relay__keys_doc_free(r->ctx, &d);
    cairn__free(r->ctx, receipt);
    relay__http_error(req, 500, "db");
}

/* One bundle for a device row, consuming a pre-key; NULL when the device
 * has no keys. Runs inside the caller's transaction. */
static json_t *bundle_for(relay *r, const char *uri, int64_t row, int64_t device, bool *dberr)
{
    static const char ID[] =
        "SELECT registration_id, identity_key, spk_id, spk_pub, spk_sig FROM identity"
        " WHERE device_row=?";
    static const char PK[] = "SELECT id, pub FROM prekeys WHERE device_row=? ORDER BY id LIMIT 1";
    static const char DEL[] = "DELETE FROM prekeys WHERE device_row=? AND id=?";
    json_t *o = NULL;
    sqlite3_stmt *s = relay__stmt(r, ID);
    if (s == NULL) {
        *dberr = true;
        return NULL;
    }
    sqlite3_bind_int64(s, 1, row);
    if (sqlite3_step(s) != SQLITE_ROW || sqlite3_column_bytes(s, 1) != RELAY_PUBKEY_LEN ||
        sqlite3_column_bytes(s, 3) != RELAY_PUBKEY_LEN || sqlite3_column_bytes(s, 4) != RELAY_SIG_LEN) {
        sqlite3_reset(s);
        return NULL;
    }
    o = json_pack("{s:s, s:s, s:I, s:I, s:o, s:{s:I, s:o, s:o}}", "v", "cairn-bundle/1", "uri", uri,
                  "device", (json_int_t)device, "registration_id",
                  (json_int_t)sqlite3_column_int64(s, 0), "identity_key",
                  b64(sqlite3_column_blob(s, 1), RELAY_PUBKEY_LEN), "signed_prekey", "id",
                  (json_int_t)sqlite3_column_int64(s, 2), "public",
                  b64(sqlite3_column_blob(s, 3), RELAY_PUBKEY_LEN), "signature",
                  b64(sqlite3_column_blob(s, 4), RELAY_SIG_LEN));
    sqlite3_reset(s);
    if (o == NULL)
        return NULL;
    s = relay__stmt(r, PK);
    if (s == NULL) {
        *dberr = true;
        json_decref(o);
        return NULL;
    }
    sqlite3_bind_int64(s, 1, row);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_bytes(s, 1) == RELAY_PUBKEY_LEN) {
        int64_t id = sqlite3_column_int64(s, 0);
        json_object_set_new(o, "prekey",
                            json_pack("{s:I, s:o}", "id", (json_int_t)id, "public",
                                      b64(sqlite3_column_blob(s, 1), RELAY_PUBKEY_LEN)));
        sqlite3_reset(s);
        s = relay__stmt(r, DEL);
        if (s == NULL) {
            *dberr = true;
            json_decref(o);
            return NULL;
        }
        sqlite3_bind_int64(s, 1, row);
        sqlite3_bind_int64(s, 2, id);
        if (sqlite3_step(s) != SQLITE_DONE)
            *dberr = true;
        sqlite3_reset(s);
        r->m.prekeys_served_total++;
    } else {
        sqlite3_reset(s);
    }
    return o;
}

static void do_fetch(relay *r, struct evhttp_request *req)
{
    static const char DEVS[] = "SELECT id, device FROM devices WHERE account=? ORDER BY device";
    struct evkeyvalq q;
    char uri[RELAY_URI_MAX + 1];
    int64_t account, want = 0;
    const char *qs = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));

    if (qs == NULL || evhttp_parse_query_str(qs, &q) != 0) {
        relay__http_error(req, 400, "uri_required");
        return;
    }
    const char *u = evhttp_find_header(&q, "uri");
    const char *dv = evhttp_find_header(&q, "device");
    bool ok = u && relay__uri_normalize(u, strlen(u), uri) == CAIRN_OK;
    if (ok && dv) {
        char *end;
        long long x = strtoll(dv, &end, 10);
        ok = *end == 0 && x >= 1 && x <= 0x7fffffff;
        want = x;
    }
    evhttp_clear_headers(&q);
    if (!ok) {
        relay__http_error(req, 400, "bad_uri_or_device");
        return;
    }
    if (relay__account_find(r, uri, &account) != CAIRN_OK) {
        relay__http_error(req, 404, "no_such_user");
        return;
    }
    if (!relay__tx_begin(r)) {
        relay__http_error(req, 500, "db");
        return;
    }
    int64_t rows[1024], devs[1024];
    size_t n = 0;
    sqlite3_stmt *s = relay__stmt(r, DEVS);
    if (s == NULL) {
        relay__tx_rollback(r);
        relay__http_error(req, 500, "db");
        return;
    }
    sqlite3_bind_int64(s, 1, account);
    while (sqlite3_step(s) == SQLITE_ROW && n < 1024) {
        rows[n] = sqlite3_column_int64(s, 0);
        devs[n] = sqlite3_column_int64(s, 1);
        if (want == 0 || devs[n] == want)
            n++;
    }
    sqlite3_reset(s);
    bool dberr = false;
    json_t *result = NULL;
    if (want) {
        result = n ? bundle_for(r, uri, rows[0], devs[0], &dberr) : NULL;
    } else {
        json_t *arr = json_array();
        for (size_t i = 0; i < n && arr; i++) {
            json_t *b = bundle_for(r, uri, rows[i], devs[i], &dberr);
            if (b)
                json_array_append_new(arr, b);
        }
        result = json_pack("{s:s, s:s, s:o}", "v", "cairn-bundles/1", "uri", uri, "bundles", arr);
    }
    if (dberr || !relay__tx_commit(r)) {
        if (dberr)
            relay__tx_rollback(r);
        json_decref(result);
        relay__http_error(req, 500, "db");
        return;
    }
    if (result == NULL) {
        relay__http_error(req, 404, "no_keys");
        return;
    }
    reply(req, 200, result);
}

void relay__http_keys(relay *r, struct evhttp_request *req, const char *path)
{
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    relay_principal p;

    if (!relay__http_auth(r, req, &p))
        return;
    if (strcmp(path, "/v1/keys") == 0 && cmd == EVHTTP_REQ_PUT) {
        do_upload(r, req, &p);
    } else if (strcmp(path, "/v1/keys/count") == 0 && cmd == EVHTTP_REQ_GET) {
        static const char SQL[] = "SELECT count(*) FROM prekeys WHERE device_row=?";
        sqlite3_stmt *s = relay__stmt(r, SQL);
        if (s == NULL) {
            relay__http_error(req, 500, "db");
            return;
        }
        sqlite3_bind_int64(s, 1, p.device_row);
        int64_t n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
        sqlite3_reset(s);
        reply(req, 200, json_pack("{s:I}", "count", (json_int_t)n));
    } else if (strcmp(path, "/v1/bundle") == 0 && cmd == EVHTTP_REQ_GET) {
        do_fetch(r, req);
    } else {
        relay__http_error(req, 404, "not_found");
    }
}
