/*
 * relay_keys_test.c - the pre-key directory and the KT publisher against
 * the real relay (spec/relay-api.md RELAY-KEYS-*, RELAY-KT-*).
 *
 * Keys come from a real libcairn account (cairn_bundle_export), and a
 * fetched bundle must start a session with cairn_bundle_process, so the
 * relay's documents are checked by the client code that will read them.
 * The KT server here is a stand-in (an evhttp server on a thread that
 * records what it was sent) until transparency/ ships its server.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <jansson.h>

#include "cairn/bundle.h"
#include "relay_support.h"
#include "test_support.h"

/* ---- the stand-in KT server ---- */
static struct event_base *kt_base;
static struct evhttp *kt_http;
static int kt_port;
static int kt_fail; /* answer 503 while set */
static pthread_mutex_t kt_mu = PTHREAD_MUTEX_INITIALIZER;
static char kt_last[2048];
static char kt_auth[256];
static int kt_count;

static void kt_handler(struct evhttp_request *req, void *arg)
{
    (void)arg;
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    pthread_mutex_lock(&kt_mu);
    if (n >= sizeof kt_last)
        n = sizeof kt_last - 1;
    evbuffer_copyout(in, kt_last, n);
    kt_last[n] = 0;
    const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
    snprintf(kt_auth, sizeof kt_auth, "%s", auth ? auth : "");
    int fail = kt_fail;
    int pos = ++kt_count;
    pthread_mutex_unlock(&kt_mu);
    struct evbuffer *out = evbuffer_new();
    if (fail || strcmp(evhttp_request_get_uri(req), "/kt/v1/publish") != 0) {
        evhttp_send_reply(req, 503, "Unavailable", out);
    } else {
        evbuffer_add_printf(out, "{\"log\":\"test-kt\",\"position\":%d}", pos);
        evhttp_send_reply(req, 200, "OK", out);
    }
    evbuffer_free(out);
}

static void *kt_thread(void *arg)
{
    (void)arg;
    event_base_dispatch(kt_base);
    return NULL;
}

static rt_server srv;
static pthread_t kt_tid;

static int setup(void **state)
{
    char extra[512];
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    evthread_use_pthreads();
    kt_base = event_base_new();
    kt_http = evhttp_new(kt_base);
    evhttp_set_gencb(kt_http, kt_handler, NULL);
    struct evhttp_bound_socket *bs = evhttp_bind_socket_with_handle(kt_http, "127.0.0.1", 0);
    if (bs == NULL)
        return -1;
    struct sockaddr_in a;
    socklen_t l = sizeof a;
    getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&a, &l);
    kt_port = ntohs(a.sin_port);
    pthread_create(&kt_tid, NULL, kt_thread, NULL);
    snprintf(extra, sizeof extra,
             "[kt]\nurl = http://127.0.0.1:%d\ntoken = relay-kt-token\nretry_seconds = 1\n"
             "timeout_ms = 2000\n"
             "[limits]\nrate_address_burst = 100000\nrate_account_burst = 100000\n",
             kt_port);
    return rt_server_start(&srv, extra);
}

static int teardown(void **state)
{
    (void)state;
    rt_server_cleanup(&srv);
    event_base_loopbreak(kt_base);
    pthread_join(kt_tid, NULL);
    evhttp_free(kt_http);
    event_base_free(kt_base);
    return 0;
}

static cairn_account *make_account(const char *uri, uint32_t device)
{
    uint8_t key[CAIRN_STORAGE_KEY_BYTES] = {1, 2, 3};
    cairn_account *a = NULL;
    assert_int_equal(cairn_account_open(rt_ctx(), NULL, key, NULL, &a), CAIRN_OK);
    assert_int_equal(cairn_account_create_identity(a, uri, device), CAIRN_OK);
    return a;
}

static void upload(cairn_account *a, const char *authid, const char *secret, long want,
                   rt_resp *out)
{
    char *json;
    size_t len;
    assert_int_equal(cairn_bundle_export(a, &json, &len), CAIRN_OK);
    assert_int_equal(rt_http(&srv, "PUT", "/v1/keys", authid, secret, json, len, out), 0);
    cairn_free(rt_ctx(), json, len);
    if (out->code != want)
        fprintf(stderr, "upload: %ld %s\n", out->code, out->body);
    assert_int_equal(out->code, want);
}

/* RELAY-KEYS-1..3, RELAY-KT-1: upload, fetch (a session starts from it),
 * count, all-devices fetch; KT receives label -> identity key and the
 * client is told where it landed. */
static void test_upload_fetch_kt(void **state)
{
    char sa[33], sb[33];
    rt_resp r;
    (void)state;
    rt_secret(sa);
    rt_secret(sb);
    assert_int_equal(rt_register(&srv, "sip:alice@example.org", 1, sa, NULL, NULL, NULL), 201);
    assert_int_equal(rt_register(&srv, "sip:bob@example.org", 1, sb, NULL, NULL, NULL), 201);
    cairn_account *alice = make_account("sip:alice@example.org", 1);
    cairn_account *bob = make_account("sip:bob@example.org", 1);

    upload(bob, "sip:bob@example.org.1", sb, 200, &r);
    assert_non_null(strstr(r.body, "\"prekeys\":100"));
    assert_non_null(strstr(r.body, "\"status\":\"published\""));
    assert_non_null(strstr(r.body, "\"log\":\"test-kt\""));
    free(r.body);
    pthread_mutex_lock(&kt_mu);
    /* spec/kt-api.md publish request, authenticated with the token */
    assert_non_null(strstr(kt_last, "\"updates\":[{"));
    assert_non_null(strstr(kt_last, "\"label\":\"sip:bob@example.org\""));
    assert_non_null(strstr(kt_last, "\"value_b64\":\"B"));
    assert_string_equal(kt_auth, "Bearer relay-kt-token");
    int published = kt_count;
    pthread_mutex_unlock(&kt_mu);

    /* Re-upload with the same identity: no new publication (RELAY-KT-2). */
    upload(bob, "sip:bob@example.org.1", sb, 200, &r);
    assert_non_null(strstr(r.body, "\"status\":\"unchanged\""));
    free(r.body);
    pthread_mutex_lock(&kt_mu);
    assert_int_equal(kt_count, published);
    pthread_mutex_unlock(&kt_mu);

    /* Uploading someone else's keys is refused (RELAY-KEYS-4). */
    upload(bob, "sip:alice@example.org.1", sa, 403, &r);
    free(r.body);

    assert_int_equal(rt_http(&srv, "GET", "/v1/bundle?uri=sip%3Abob%40example.org&device=1",
                             "sip:alice@example.org.1", sa, NULL, 0, &r),
                     0);
    assert_int_equal(r.code, 200);
    cairn_address peer = {"sip:bob@example.org", 1};
    assert_int_equal(cairn_bundle_process(alice, &peer, r.body, r.len), CAIRN_OK);
    assert_non_null(strstr(r.body, "\"prekey\":{"));
    free(r.body);

    assert_int_equal(rt_http(&srv, "GET", "/v1/keys/count", "sip:bob@example.org.1", sb, NULL, 0, &r), 0);
    assert_int_equal(r.code, 200);
    assert_string_equal(r.body, "{\"count\":99}");
    free(r.body);

    assert_int_equal(rt_http(&srv, "GET", "/v1/bundle?uri=sip%3Abob%40example.org",
                             "sip:alice@example.org.1", sa, NULL, 0, &r),
                     0);
    assert_int_equal(r.code, 200);
    assert_non_null(strstr(r.body, "\"v\":\"cairn-bundles/1\""));
    free(r.body);

    /* unknown user / device: 404 */
    assert_int_equal(rt_http(&srv, "GET", "/v1/bundle?uri=sip%3Azed%40example.org",
                             "sip:alice@example.org.1", sa, NULL, 0, &r), 0);
    assert_int_equal(r.code, 404);
    free(r.body);
    assert_int_equal(rt_http(&srv, "GET", "/v1/bundle?uri=sip%3Abob%40example.org&device=7",
                             "sip:alice@example.org.1", sa, NULL, 0, &r), 0);
    assert_int_equal(r.code, 404);
    free(r.body);

    /* KT down: the upload still succeeds with status pending, and the
     * retry timer publishes once KT is back (RELAY-KT-3). */
    cairn_account *alice2 = make_account("sip:alice@example.org", 1);
    pthread_mutex_lock(&kt_mu);
    kt_fail = 1;
    pthread_mutex_unlock(&kt_mu);
    upload(alice2, "sip:alice@example.org.1", sa, 200, &r);
    assert_non_null(strstr(r.body, "\"status\":\"pending\""));
    free(r.body);
    pthread_mutex_lock(&kt_mu);
    kt_fail = 0;
    pthread_mutex_unlock(&kt_mu);
    bool seen = false;
    for (int i = 0; i < 60 && !seen; i++) {
        usleep(100000);
        pthread_mutex_lock(&kt_mu);
        seen = strstr(kt_last, "sip:alice@example.org") != NULL && kt_fail == 0 &&
               rt_metric(&srv, "cairn_relay_kt_publish_ok_total") >= 2;
        pthread_mutex_unlock(&kt_mu);
    }
    assert_true(seen);
    cairn_account_close(alice);
    cairn_account_close(alice2);
    cairn_account_close(bob);
}

/* RELAY-KEYS-5: hostile uploads are refused before anything is stored. */
static void test_bad_uploads(void **state)
{
    char s[33];
    rt_resp r;
    (void)state;
    rt_secret(s);
    assert_int_equal(rt_register(&srv, "sip:mallory@example.org", 1, s, NULL, NULL, NULL), 201);
    cairn_account *m = make_account("sip:mallory@example.org", 1);
    char *json;
    size_t len;
    assert_int_equal(cairn_bundle_export(m, &json, &len), CAIRN_OK);
    /* flip one byte at several places: always refused or, if it hits a
     * string content byte that stays valid base64, the point check or
     * the id checks; never a 5xx. */
    for (size_t i = 0; i < len; i += 37) {
        char *c = malloc(len);
        memcpy(c, json, len);
        c[i] ^= 0x01;
        assert_int_equal(rt_http(&srv, "PUT", "/v1/keys", "sip:mallory@example.org.1", s, c, len, &r), 0);
        assert_true(r.code == 200 || r.code == 400 || r.code == 403);
        free(r.body);
        free(c);
    }
    /* truncated */
    assert_int_equal(rt_http(&srv, "PUT", "/v1/keys", "sip:mallory@example.org.1", s, json, len / 2, &r), 0);
    assert_int_equal(r.code, 400);
    free(r.body);
    /* wrong version */
    char *v = strstr(json, "cairn-keys/1");
    assert_non_null(v);
    v[11] = '2';
    assert_int_equal(rt_http(&srv, "PUT", "/v1/keys", "sip:mallory@example.org.1", s, json, len, &r), 0);
    assert_int_equal(r.code, 400);
    assert_non_null(strstr(r.body, "CAIRN_ERR_VERSION"));
    free(r.body);
    cairn_free(rt_ctx(), json, len);
    /* a small-order identity key (u = 0) */
    const char *small =
        "{\"v\":\"cairn-keys/1\",\"uri\":\"sip:mallory@example.org\",\"device\":1,"
        "\"registration_id\":1,\"identity_key\":\"BQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
        "\"signed_prekey\":{\"id\":1,\"public\":\"BQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
        "\"signature\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\"}}";
    assert_int_equal(rt_http(&srv, "PUT", "/v1/keys", "sip:mallory@example.org.1", s, small, strlen(small), &r), 0);
    assert_int_equal(r.code, 400);
    assert_non_null(strstr(r.body, "CAIRN_ERR_BAD_PUBLIC_KEY"));
    free(r.body);
    cairn_account_close(m);
}

/* RELAY-KEYS-2: 100 concurrent fetches receive 100 distinct one-time
 * pre-keys (each fetch is one SQLite transaction). */
static size_t grab(char *p, size_t sz, size_t n, void *ud)
{
    rt_resp *o = ud;
    size_t add = sz * n;
    o->body = realloc(o->body, o->len + add + 1);
    memcpy(o->body + o->len, p, add);
    o->len += add;
    o->body[o->len] = 0;
    return add;
}

static void test_concurrent_fetches(void **state)
{
    char sa[33], sb[33], url[256], up[256];
    rt_resp r;
    (void)state;
    rt_secret(sa);
    rt_secret(sb);
    assert_int_equal(rt_register(&srv, "sip:carol@example.org", 1, sa, NULL, NULL, NULL), 201);
    assert_int_equal(rt_register(&srv, "sip:dan@example.org", 1, sb, NULL, NULL, NULL), 201);
    cairn_account *dan = make_account("sip:dan@example.org", 1);
    upload(dan, "sip:dan@example.org.1", sb, 200, &r);
    free(r.body);

    CURLM *multi = curl_multi_init();
    CURL *h[100];
    rt_resp out[100];
    memset(out, 0, sizeof out);
    snprintf(url, sizeof url, "https://127.0.0.1:%u/v1/bundle?uri=sip%%3Adan%%40example.org&device=1", srv.https);
    snprintf(up, sizeof up, "sip:carol@example.org.1:%s", sa);
    for (int i = 0; i < 100; i++) {
        h[i] = curl_easy_init();
        curl_easy_setopt(h[i], CURLOPT_URL, url);
        curl_easy_setopt(h[i], CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(h[i], CURLOPT_SSL_VERIFYHOST, 0L);
        curl_easy_setopt(h[i], CURLOPT_USERPWD, up);
        curl_easy_setopt(h[i], CURLOPT_FORBID_REUSE, 1L);
        curl_easy_setopt(h[i], CURLOPT_WRITEFUNCTION, grab);
        curl_easy_setopt(h[i], CURLOPT_WRITEDATA, &out[i]);
        curl_easy_setopt(h[i], CURLOPT_TIMEOUT, 60L);
        curl_easy_setopt(h[i], CURLOPT_NOSIGNAL, 1L);
        curl_multi_add_handle(multi, h[i]);
    }
    int running = 1;
    while (running) {
        curl_multi_perform(multi, &running);
        if (running)
            curl_multi_poll(multi, NULL, 0, 100, NULL);
    }
    int ids[100];
    for (int i = 0; i < 100; i++) {
        long code = 0;
        curl_easy_getinfo(h[i], CURLINFO_RESPONSE_CODE, &code);
        assert_int_equal(code, 200);
        json_t *d = json_loads(out[i].body, 0, NULL);
        assert_non_null(d);
        json_t *pk = json_object_get(json_object_get(d, "prekey"), "id");
        assert_true(json_is_integer(pk));
        ids[i] = (int)json_integer_value(pk);
        for (int j = 0; j < i; j++)
            assert_int_not_equal(ids[i], ids[j]);
        json_decref(d);
        free(out[i].body);
        curl_multi_remove_handle(multi, h[i]);
        curl_easy_cleanup(h[i]);
    }
    curl_multi_cleanup(multi);
    signal(SIGPIPE, SIG_IGN);
    /* exhausted: the bundle has no one-time pre-key */
    assert_int_equal(rt_http(&srv, "GET", "/v1/bundle?uri=sip%3Adan%40example.org&device=1",
                             "sip:carol@example.org.1", sa, NULL, 0, &r), 0);
    assert_int_equal(r.code, 200);
    assert_null(strstr(r.body, "\"prekey\""));
    free(r.body);
    cairn_account_close(dan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upload_fetch_kt),
        cmocka_unit_test(test_bad_uploads),
        cmocka_unit_test(test_concurrent_fetches),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
