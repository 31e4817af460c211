/*
 * http_accounts.c - registration and the device list (RELAY-REG-*).
 *
 *   POST   /v1/accounts          register a device (new account, or a new
 *                                device of an account whose existing
 *                                device authenticates the request)
 *   GET    /v1/accounts/self     who am I (a login check) and my devices
 *   GET    /v1/accounts/devices?uri=U   a user's device ids
 *   DELETE /v1/devices/<n>       remove a device of my account
 *
 * A device secret is stored three ways, never in clear: an Argon2id string
 * (HTTP Basic), and HA1 = H("<uri>.<device>:<realm>:<secret>") with SHA-256
 * and MD5 for SIP Digest (which needs a hash of that exact string; the
 * tradeoff is in spec/relay-api.md). Every write is one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <sodium.h>

#include "cairn/sip_digest.h"
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

static bool token_consume(relay *r, const char *token)
{
    static const char SQL[] =
        "UPDATE reg_tokens SET uses_left=uses_left-1 WHERE hash=? AND uses_left>0 AND expires>?";
    uint8_t h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const uint8_t *)token, strlen(token));
    sqlite3_stmt *st = relay__stmt(r, SQL);
    if (st == NULL)
        return false;
    sqlite3_bind_blob(st, 1, h, sizeof h, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, relay__now_ms());
    bool ok = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(r->db) == 1;
    sqlite3_reset(st);
    return ok;
}

static void do_register(relay *r, struct evhttp_request *req)
{
    size_t len;
    char uri[RELAY_URI_MAX + 1], authid[RELAY_URI_MAX + 16];
    char pwhash[crypto_pwhash_STRBYTES], ha1s[CAIRN_SIP_DIGEST_HEX], ha1m[CAIRN_SIP_DIGEST_HEX];
    char secret[RELAY_SECRET_MAX + 1];
    json_t *doc = NULL;
    int64_t account = 0;
    bool new_account = false;

    char *body = relay__http_body(r, req, (size_t)r->cfg.http_max_json_bytes, &len);
    if (body == NULL)
        return;
    doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL);
    cairn__free_secret(r->ctx, body, len + 1);
    json_t *ju = json_object_get(doc, "uri"), *jd = json_object_get(doc, "device"),
           *js = json_object_get(doc, "secret"), *jt = json_object_get(doc, "token");
    if (!json_is_object(doc) || !json_is_string(ju) || !json_is_integer(jd) || !json_is_string(js) ||
        (jt && !json_is_string(jt))) {
        json_decref(doc);
        relay__http_error(req, 400, "bad_request");
        return;
    }
    json_int_t dev = json_integer_value(jd);
    if (relay__uri_normalize(json_string_value(ju), json_string_length(ju), uri) != CAIRN_OK ||
        dev < 1 || dev > 0x7fffffff ||
        !relay__secret_valid(json_string_value(js), json_string_length(js))) {
        json_decref(doc);
        relay__http_error(req, 400, "bad_uri_device_or_secret");
        return;
    }
    snprintf(secret, sizeof secret, "%s", json_string_value(js));
    char token[128] = "";
    if (jt)
        snprintf(token, sizeof token, "%s", json_string_value(jt));
    json_decref(doc);

    if (relay__account_find(r, uri, &account) == CAIRN_OK) {
        relay_principal p;
        if (!relay__http_auth(r, req, &p))
            goto out;
        if (p.account_row != account) {
            relay__http_error(req, 403, "not_your_account");
            goto out;
        }
    } else {
        new_account = true;
    }
    snprintf(authid, sizeof authid, "%s.%u", uri, (unsigned)dev);
    if (relay__auth_hash(r, secret, pwhash) != CAIRN_OK ||
        cairn_sip_digest_ha1(CAIRN_SIP_DIGEST_SHA256, authid, r->cfg.realm, secret, ha1s) != CAIRN_OK ||
        cairn_sip_digest_ha1(CAIRN_SIP_DIGEST_MD5, authid, r->cfg.realm, secret, ha1m) != CAIRN_OK) {
        relay__http_error(req, 500, "hash_failed");
        goto out;
    }
    if (!relay__tx_begin(r)) {
        relay__http_error(req, 500, "db");
        goto out;
    }
    if (new_account) {
        if (r->cfg.require_registration_token && !token_consume(r, token)) {
            relay__tx_rollback(r);
            r->m.auth_failures_total++;
            relay__http_error(req, 403, "registration_token_required");
            goto out;
        }
        static const char INS[] = "INSERT INTO accounts(uri, created) VALUES(?,?)";
        sqlite3_stmt *st = relay__stmt(r, INS);
        if (st == NULL)
            goto dberr;
        sqlite3_bind_text(st, 1, uri, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, relay__now_ms());
        if (sqlite3_step(st) != SQLITE_DONE) {
            sqlite3_reset(st);
            relay__tx_rollback(r);
            relay__http_error(req, 409, "account_exists");
            goto out;
        }
        sqlite3_reset(st);
        account = sqlite3_last_insert_rowid(r->db);
    }
    {
        static const char CNT[] = "SELECT count(*) FROM devices WHERE account=?";
        sqlite3_stmt *st = relay__stmt(r, CNT);
        if (st == NULL)
            goto dberr;
        sqlite3_bind_int64(st, 1, account);
        int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        if (n >= r->cfg.max_devices_per_account) {
            relay__tx_rollback(r);
            relay__http_error(req, 403, "too_many_devices");
            goto out;
        }
        static const char INS[] =
            "INSERT INTO devices(account,device,pwhash,ha1_sha256,ha1_md5,created) VALUES(?,?,?,?,?,?)";
        st = relay__stmt(r, INS);
        if (st == NULL)
            goto dberr;
        sqlite3_bind_int64(st, 1, account);
        sqlite3_bind_int64(st, 2, dev);
        sqlite3_bind_text(st, 3, pwhash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, ha1s, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, ha1m, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, relay__now_ms());
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
            relay__tx_rollback(r);
            relay__http_error(req, 409, "device_exists");
            goto out;
        }
    }
    if (!relay__tx_commit(r)) {
        relay__http_error(req, 500, "db");
        goto out;
    }
    relay__auth_cache_clear(r);
    RLOGI("device_registered", "account_row=%lld device=%u new_account=%d", (long long)account,
          (unsigned)dev, new_account);
    reply(req, 201,
          json_pack("{s:s, s:I, s:s, s:s, s:b}", "uri", uri, "device", (json_int_t)dev, "auth_id",
                    authid, "realm", r->cfg.realm, "new_account", new_account));
    goto out;
dberr:
    relay__tx_rollback(r);
    relay__http_error(req, 500, "db");
out:
    sodium_memzero(secret, sizeof secret);
    sodium_memzero(ha1s, sizeof ha1s);
    sodium_memzero(ha1m, sizeof ha1m);
}

static json_t *device_list(relay *r, int64_t account)
{
    static const char SQL[] = "SELECT device FROM devices WHERE account=? ORDER BY device";
    json_t *a = json_array();
    sqlite3_stmt *st = relay__stmt(r, SQL);
    if (st == NULL || a == NULL)
        return a;
    sqlite3_bind_int64(st, 1, account);
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(a, json_integer(sqlite3_column_int64(st, 0)));
    sqlite3_reset(st);
    return a;
}

static void do_delete(relay *r, struct evhttp_request *req, const relay_principal *p, const char *num)
{
    static const char *const SQL[] = {
        "DELETE FROM queue WHERE device_row=?1", "DELETE FROM prekeys WHERE device_row=?1",
        "DELETE FROM identity WHERE device_row=?1", "DELETE FROM kt_pending WHERE device_row=?1",
        "DELETE FROM devices WHERE id=?1"};
    char *end;
    long d = strtol(num, &end, 10);
    relay_principal target;
    if (*end != 0 || d < 1 || d > 0x7fffffff) {
        relay__http_error(req, 400, "bad_device");
        return;
    }
    if (relay__device_find(r, p->uri, (uint32_t)d, &target, NULL, 0, NULL, NULL) != CAIRN_OK) {
        relay__http_error(req, 404, "no_such_device");
        return;
    }
    if (!relay__tx_begin(r)) {
        relay__http_error(req, 500, "db");
        return;
    }
    int64_t removed = 0;
    for (size_t i = 0; i < CAIRN_ARRAY_LEN(SQL); i++) {
        sqlite3_stmt *st = relay__stmt(r, SQL[i]);
        if (st == NULL) {
            relay__tx_rollback(r);
            relay__http_error(req, 500, "db");
            return;
        }
        sqlite3_bind_int64(st, 1, target.device_row);
        sqlite3_step(st);
        if (i == 0)
            removed = sqlite3_changes(r->db);
        sqlite3_reset(st);
    }
    if (!relay__tx_commit(r)) {
        relay__http_error(req, 500, "db");
        return;
    }
    r->m.queue_depth -= removed;
    relay__auth_cache_clear(r);
    relay__sip_drop_device(r, target.device_row);
    RLOGI("device_removed", "account_row=%lld device=%ld", (long long)p->account_row, d);
    reply(req, 200, json_pack("{s:s, s:i}", "removed", p->uri, "device", (int)d));
}

void relay__http_accounts(relay *r, struct evhttp_request *req, const char *path)
{
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    relay_principal p;

    if (strcmp(path, "/v1/accounts") == 0 && cmd == EVHTTP_REQ_POST) {
        do_register(r, req);
        return;
    }
    if (strcmp(path, "/v1/accounts/self") == 0 && cmd == EVHTTP_REQ_GET) {
        if (!relay__http_auth(r, req, &p))
            return;
        reply(req, 200,
              json_pack("{s:s, s:i, s:o}", "uri", p.uri, "device", (int)p.device, "devices",
                        device_list(r, p.account_row)));
        return;
    }
    if (strcmp(path, "/v1/accounts/devices") == 0 && cmd == EVHTTP_REQ_GET) {
        struct evkeyvalq q;
        char uri[RELAY_URI_MAX + 1];
        int64_t account;
        if (!relay__http_auth(r, req, &p))
            return;
        const char *qs = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
        if (qs == NULL || evhttp_parse_query_str(qs, &q) != 0) {
            relay__http_error(req, 400, "uri_required");
            return;
        }
        const char *u = evhttp_find_header(&q, "uri");
        if (u == NULL || relay__uri_normalize(u, strlen(u), uri) != CAIRN_OK) {
            evhttp_clear_headers(&q);
            relay__http_error(req, 400, "bad_uri");
            return;
        }
        evhttp_clear_headers(&q);
        if (relay__account_find(r, uri, &account) != CAIRN_OK) {
            relay__http_error(req, 404, "no_such_user");
            return;
        }
        reply(req, 200, json_pack("{s:s, s:o}", "uri", uri, "devices", device_list(r, account)));
        return;
    }
    if (strncmp(path, "/v1/devices/", 12) == 0 && cmd == EVHTTP_REQ_DELETE) {
        if (!relay__http_auth(r, req, &p))
            return;
        do_delete(r, req, &p, path + 12);
        return;
    }
    relay__http_error(req, 404, "not_found");
}
