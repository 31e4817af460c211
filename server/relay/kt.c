/*
 * kt.c - the key-transparency publisher: tells the KT server that a user
 * URI now maps to an identity key, and hands the KT server's answer (where
 * the update landed) back to the device that uploaded the key.
 *
 * Request (spec/kt-api.md, relay-api.md RELAY-KT-1): POST
 * <kt.url>/kt/v1/publish with {"updates":[{"label": "<user uri>",
 * "value_b64": "<identity key>"}]} and `Authorization: Bearer <kt.token>`;
 * any 2xx whose body is a JSON object (at most 16 KiB) is the receipt
 * (position, tree size, version), stored with the key and returned
 * verbatim to the client. A failure leaves a kt_pending row that the retry timer publishes
 * again, so a KT outage delays publication but never loses it.
 *
 * The transport is libevent's HTTP client (TLS through an OpenSSL
 * bufferevent when the URL is https, with the server name verified). This
 * file is the only place that knows the KT wire format: replacing it is
 * how the publisher is swapped for another KT API.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <sodium.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "relay.h"

struct relay_kt {
    struct evhttp_uri *uri;
    bool tls;
    char host[256];
    int port;
    char path[RELAY_STR_MAX];
    SSL_CTX *client;
    int in_flight;
};

typedef struct kt_job {
    relay *r;
    int64_t device_row;
    struct evhttp_request *client_req;
    json_t *reply;
} kt_job;

cairn_status relay__kt_init(relay *r)
{
    if (r->cfg.kt_url[0] == 0)
        return CAIRN_OK;
    struct relay_kt *k = cairn__calloc(r->ctx, 1, sizeof *k);
    if (k == NULL)
        return CAIRN_ERR_NOMEM;
    k->uri = evhttp_uri_parse(r->cfg.kt_url);
    const char *scheme = k->uri ? evhttp_uri_get_scheme(k->uri) : NULL;
    const char *host = k->uri ? evhttp_uri_get_host(k->uri) : NULL;
    if (scheme == NULL || host == NULL || strlen(host) >= sizeof k->host) {
        if (k->uri)
            evhttp_uri_free(k->uri);
        cairn__free(r->ctx, k);
        RLOGE("config", "reason=\"bad [kt] url\"");
        return CAIRN_ERR_INVALID_ARG;
    }
    k->tls = strcmp(scheme, "https") == 0;
    snprintf(k->host, sizeof k->host, "%s", host);
    k->port = evhttp_uri_get_port(k->uri);
    if (k->port <= 0)
        k->port = k->tls ? 443 : 80;
    const char *p = evhttp_uri_get_path(k->uri);
    size_t pl = p ? strlen(p) : 0;
    while (pl && p[pl - 1] == '/')
        pl--;
    snprintf(k->path, sizeof k->path, "%.*s/kt/v1/publish", (int)pl, p ? p : "");
    if (k->tls) {
        k->client = SSL_CTX_new(TLS_client_method());
        if (k->client == NULL) {
            evhttp_uri_free(k->uri);
            cairn__free(r->ctx, k);
            return CAIRN_ERR_TLS;
        }
        SSL_CTX_set_verify(k->client, SSL_VERIFY_PEER, NULL);
        if (r->cfg.kt_ca_file[0])
            SSL_CTX_load_verify_locations(k->client, r->cfg.kt_ca_file, NULL);
        else
            SSL_CTX_set_default_verify_paths(k->client);
    }
    r->kt = k;
    RLOGI("kt_publisher", "host=%s port=%d tls=%d", k->host, k->port, k->tls);
    return CAIRN_OK;
}

void relay__kt_free(relay *r)
{
    if (r->kt == NULL)
        return;
    if (r->kt->uri)
        evhttp_uri_free(r->kt->uri);
    if (r->kt->client)
        SSL_CTX_free(r->kt->client);
    cairn__free(r->ctx, r->kt);
    r->kt = NULL;
}

static void finish(kt_job *j, json_t *kt)
{
    relay *r = j->r;
    if (j->client_req) {
        json_object_set_new(j->reply, "kt", kt);
        char *s = json_dumps(j->reply, JSON_COMPACT);
        if (s)
            relay__http_reply_json(j->client_req, 200, s, strlen(s));
        else
            relay__http_error(j->client_req, 500, "nomem");
        free(s);
    } else {
        json_decref(kt);
    }
    json_decref(j->reply);
    if (r->kt)
        r->kt->in_flight--;
    cairn__free(r->ctx, j);
}

static void on_done(struct evhttp_request *resp, void *arg)
{
    kt_job *j = arg;
    relay *r = j->r;
    int code = resp ? evhttp_request_get_response_code(resp) : 0;
    json_t *receipt = NULL;

    if (code >= 200 && code < 300) {
        struct evbuffer *b = evhttp_request_get_input_buffer(resp);
        size_t n = evbuffer_get_length(b);
        if (n <= 16384) {
            char buf[16385];
            evbuffer_copyout(b, buf, n);
            receipt = json_loadb(buf, n, JSON_REJECT_DUPLICATES, NULL);
            if (!json_is_object(receipt)) {
                json_decref(receipt);
                receipt = NULL;
            }
        }
    }
    if (receipt == NULL) {
        r->m.kt_publish_failed++;
        RLOGW("kt_publish_failed", "device_row=%lld http_status=%d", (long long)j->device_row, code);
        finish(j, json_pack("{s:s, s:i}", "status", "pending", "http_status", code));
        return;
    }
    char *text = json_dumps(receipt, JSON_COMPACT);
    static const char SAVE[] = "UPDATE identity SET kt_receipt=? WHERE device_row=?";
    static const char DONE[] = "DELETE FROM kt_pending WHERE device_row=?";
    if (text && relay__tx_begin(r)) {
        sqlite3_stmt *s = relay__stmt(r, SAVE);
        if (s) {
            sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 2, j->device_row);
            sqlite3_step(s);
            sqlite3_reset(s);
        }
        s = relay__stmt(r, DONE);
        if (s) {
            sqlite3_bind_int64(s, 1, j->device_row);
            sqlite3_step(s);
            sqlite3_reset(s);
        }
        relay__tx_commit(r);
    }
    free(text);
    r->m.kt_publish_ok++;
    RLOGI("kt_published", "device_row=%lld", (long long)j->device_row);
    finish(j, json_pack("{s:s, s:o}", "status", "published", "receipt", receipt));
}

void relay__kt_publish(relay *r, int64_t device_row, const char *uri, uint32_t device,
                       const uint8_t identity[RELAY_PUBKEY_LEN], struct evhttp_request *req,
                       void *reply)
{
    struct relay_kt *k = r->kt;
    char ik[64];
    kt_job *j = cairn__calloc(r->ctx, 1, sizeof *j);
    if (j == NULL) {
        if (req)
            relay__http_error(req, 500, "nomem");
        json_decref(reply);
        return;
    }
    j->r = r;
    j->device_row = device_row;
    j->client_req = req;
    j->reply = reply;
    if (k == NULL) {
        finish(j, json_pack("{s:s}", "status", "disabled"));
        return;
    }
    k->in_flight++;
    cairn__base64_encode(ik, identity, RELAY_PUBKEY_LEN);
    /* The label is the user: every device of an account shares its
     * identity key, so the device number is not part of the update. */
    (void)device;
    json_t *body = json_pack("{s:[{s:s, s:s}]}", "updates", "label", uri, "value_b64", ik);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    struct evhttp_connection *con = NULL;
    if (k->tls) {
        SSL *ssl = SSL_new(k->client);
        if (ssl) {
            SSL_set_tlsext_host_name(ssl, k->host);
            SSL_set1_host(ssl, k->host);
            struct bufferevent *bev = bufferevent_openssl_socket_new(
                r->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
            if (bev)
                con = evhttp_connection_base_bufferevent_new(r->base, NULL, bev, k->host,
                                                             (ev_uint16_t)k->port);
            else
                SSL_free(ssl);
        }
    } else {
        con = evhttp_connection_base_new(r->base, NULL, k->host, (ev_uint16_t)k->port);
    }
    struct evhttp_request *out = con && text ? evhttp_request_new(on_done, j) : NULL;
    if (out == NULL) {
        if (con)
            evhttp_connection_free(con);
        free(text);
        r->m.kt_publish_failed++;
        finish(j, json_pack("{s:s}", "status", "pending"));
        return;
    }
    struct timeval tv = {r->cfg.kt_timeout_ms / 1000, (r->cfg.kt_timeout_ms % 1000) * 1000};
    evhttp_connection_set_timeout_tv(con, &tv);
    evhttp_connection_set_retries(con, 0);
    struct evkeyvalq *h = evhttp_request_get_output_headers(out);
    evhttp_add_header(h, "Host", k->host);
    evhttp_add_header(h, "Content-Type", "application/json");
    if (r->cfg.kt_token[0]) {
        char auth[RELAY_STR_MAX + 16];
        snprintf(auth, sizeof auth, "Bearer %s", r->cfg.kt_token);
        evhttp_add_header(h, "Authorization", auth);
        sodium_memzero(auth, sizeof auth);
    }
    evhttp_add_header(h, "Connection", "close");
    evbuffer_add(evhttp_request_get_output_buffer(out), text, strlen(text));
    free(text);
    evhttp_connection_free_on_completion(con);
    if (evhttp_make_request(con, out, EVHTTP_REQ_POST, k->path) != 0) {
        /* evhttp freed the request; the connection is ours to drop. */
        r->m.kt_publish_failed++;
        finish(j, json_pack("{s:s}", "status", "pending"));
    }
}

void relay__kt_retry(relay *r)
{
    static const char SQL[] =
        "SELECT p.device_row, a.uri, d.device, i.identity_key FROM kt_pending p"
        " JOIN devices d ON d.id=p.device_row JOIN accounts a ON a.id=d.account"
        " JOIN identity i ON i.device_row=p.device_row ORDER BY p.since LIMIT 16";
    struct {
        int64_t row;
        char uri[RELAY_URI_MAX + 1];
        uint32_t device;
        uint8_t ik[RELAY_PUBKEY_LEN];
    } jobs[16];
    size_t n = 0;
    if (r->kt == NULL || r->kt->in_flight > 0)
        return;
    sqlite3_stmt *s = relay__stmt(r, SQL);
    if (s == NULL)
        return;
    while (sqlite3_step(s) == SQLITE_ROW && n < 16) {
        if (sqlite3_column_bytes(s, 3) != RELAY_PUBKEY_LEN)
            continue;
        jobs[n].row = sqlite3_column_int64(s, 0);
        snprintf(jobs[n].uri, sizeof jobs[n].uri, "%s", sqlite3_column_text(s, 1));
        jobs[n].device = (uint32_t)sqlite3_column_int64(s, 2);
        memcpy(jobs[n].ik, sqlite3_column_blob(s, 3), RELAY_PUBKEY_LEN);
        n++;
    }
    sqlite3_reset(s);
    for (size_t i = 0; i < n; i++)
        relay__kt_publish(r, jobs[i].row, jobs[i].uri, jobs[i].device, jobs[i].ik, NULL,
                          json_object());
}
