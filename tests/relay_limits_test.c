/*
 * relay_limits_test.c - cairn-relay's per-address connection caps and its
 * Argon2id worker threads, against the real binary on loopback.
 *
 *  - limits.max_connections_per_address (spec/relay-api.md section 7,
 *    RELAY-LIM-1): the connection over the cap is closed at accept, on the
 *    SIP and on the HTTPS listener, counted in
 *    cairn_relay_address_cap_closed_total; closing one frees its place.
 *  - Argon2id off the loop (section 2, RELAY-AUTH-6): while verifications
 *    are known to be in flight (the cairn_relay_argon2_held gauge), a SIP
 *    MESSAGE round trip and an unauthenticated HTTPS request complete; the
 *    held requests then succeed. A full queue answers 503 with
 *    Retry-After (RELAY-AUTH-7); a wrong secret still costs the address
 *    ten tokens (RELAY-AUTH-8).
 *
 * The slow verifications come from a device whose stored Argon2id string
 * is rewritten in the database with a high cost: verification cost is
 * read from the string, so the relay's own (fast, test) settings stay.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <openssl/ssl.h>
#include <sodium.h>
#include <sqlite3.h>

#include "relay_support.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A raw TLS connection to port that completes its handshake and then just
 * sits there; NULL when the server closed it. */
typedef struct raw_tls {
    SSL_CTX *ctx;
    SSL *ssl;
    int fd;
} raw_tls;

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

static raw_tls *raw_connect(uint16_t port)
{
    raw_tls *t = calloc(1, sizeof *t);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    t->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct timeval tv = {5, 0};
    setsockopt(t->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(t->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    t->ctx = SSL_CTX_new(TLS_client_method());
    t->ssl = SSL_new(t->ctx);
    if (connect(t->fd, (struct sockaddr *)&a, sizeof a) != 0 || SSL_set_fd(t->ssl, t->fd) != 1 ||
        SSL_connect(t->ssl) != 1) {
        SSL_free(t->ssl);
        SSL_CTX_free(t->ctx);
        close(t->fd);
        free(t);
        return NULL;
    }
    return t;
}

static void raw_close(raw_tls *t)
{
    if (t == NULL)
        return;
    SSL_free(t->ssl);
    SSL_CTX_free(t->ctx);
    close(t->fd);
    free(t);
}

/* RELAY-LIM-1 on the SIP listener. */
static void test_sip_address_cap(void **state)
{
    (void)state;
    rt_server s;
    assert_int_equal(rt_server_start(&s, "[limits]\nmax_connections_per_address = 3\n"), 0);
    char sec[33];
    rt_secret(sec);
    assert_int_equal(rt_register(&s, "sip:alice@example.org", 1, sec, NULL, NULL, NULL), 201);
    rt_sip *c[3];
    for (int i = 0; i < 3; i++)
        assert_non_null(c[i] = rt_sip_connect(&s));
    assert_int_equal(rt_sip_register(c[0], "sip:alice@example.org", 1, sec), 200);
    /* The fourth from the same address is closed at accept: the TLS
     * handshake cannot complete. */
    rt_sip *extra = rt_sip_connect(&s);
    assert_null(extra);
    assert_true(rt_metric(&s, "cairn_relay_address_cap_closed_total") >= 1);
    /* The capped connections keep working. */
    assert_int_equal(rt_sip_register(c[1], "sip:alice@example.org", 1, sec), 200);
    /* Closing one frees its place (the count is given back). */
    rt_sip_close(c[2]);
    rt_sip *again = NULL;
    for (int i = 0; i < 50 && again == NULL; i++) {
        again = rt_sip_connect(&s);
        if (again == NULL)
            usleep(50000);
    }
    assert_non_null(again);
    assert_int_equal(rt_sip_register(again, "sip:alice@example.org", 1, sec), 200);
    rt_sip_close(again);
    rt_sip_close(c[0]);
    rt_sip_close(c[1]);
    rt_server_cleanup(&s);
}

/* RELAY-LIM-1 on the HTTPS listener, counted apart from SIP. */
static void test_https_address_cap(void **state)
{
    (void)state;
    rt_server s;
    rt_resp r;
    assert_int_equal(rt_server_start(&s, "[limits]\nmax_connections_per_address = 2\n"), 0);
    /* SIP connections do not use up HTTPS places. */
    rt_sip *sc[2];
    for (int i = 0; i < 2; i++)
        assert_non_null(sc[i] = rt_sip_connect(&s));
    raw_tls *a = raw_connect(s.https), *b = raw_connect(s.https);
    assert_non_null(a);
    assert_non_null(b);
    /* A third HTTPS connection is refused: the request fails outright. */
    memset(&r, 0, sizeof r);
    int rc = rt_http(&s, "GET", "/healthz", NULL, NULL, NULL, 0, &r);
    assert_true(rc != 0 || r.code == 0);
    free(r.body);
    /* One place freed: requests work again. */
    raw_close(a);
    long code = 0;
    for (int i = 0; i < 50 && code != 200; i++) {
        memset(&r, 0, sizeof r);
        if (rt_http(&s, "GET", "/healthz", NULL, NULL, NULL, 0, &r) == 0)
            code = r.code;
        free(r.body);
        if (code != 200)
            usleep(50000);
    }
    assert_int_equal(code, 200);
    assert_true(rt_metric(&s, "cairn_relay_address_cap_closed_total") >= 1);
    raw_close(b);
    rt_sip_close(sc[0]);
    rt_sip_close(sc[1]);
    rt_server_cleanup(&s);
}

/* Rewrites a device's stored Argon2id string with an expensive one. */
static void make_slow(rt_server *s, const char *uri, const char *secret, unsigned long long ops)
{
    char db[700], hash[crypto_pwhash_STRBYTES];
    sqlite3 *h;
    sqlite3_stmt *st;
    /* ~64 MiB and `ops` passes: tens of milliseconds per pass. */
    assert_int_equal(crypto_pwhash_str(hash, secret, strlen(secret), ops, 64u << 20), 0);
    snprintf(db, sizeof db, "%s/state/relay.db", s->dir);
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 10000);
    assert_int_equal(sqlite3_prepare_v2(h,
                                        "UPDATE devices SET pwhash=?1 WHERE device=1 AND account="
                                        "(SELECT id FROM accounts WHERE uri=?2)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, uri, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    assert_int_equal(sqlite3_changes(h), 1);
    sqlite3_finalize(st);
    sqlite3_close(h);
}

static size_t sink(char *p, size_t sz, size_t n, void *u)
{
    (void)p;
    (void)u;
    return sz * n;
}

static CURL *basic_get(rt_server *s, const char *path, const char *userpwd)
{
    char url[256];
    snprintf(url, sizeof url, "https://127.0.0.1:%u%s", s->https, path);
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(h, CURLOPT_USERPWD, userpwd);
    curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    return h;
}

/* Drives the transfers for up to `secs`, or until they are all done. */
static int pump(CURLM *m, double secs)
{
    int running = 1;
    double end = now_s() + secs;
    while (running && now_s() < end) {
        curl_multi_perform(m, &running);
        if (running)
            curl_multi_poll(m, NULL, 0, 10, NULL);
    }
    return running;
}

/* RELAY-AUTH-6: Argon2id runs beside the loop, not on it. */
static void test_argon2_off_loop(void **state)
{
    (void)state;
    rt_server s;
    char sa[33], sb[33], up[128];
    assert_int_equal(rt_server_start(&s, "[auth]\nargon2_workers = 1\n"), 0);
    rt_secret(sa);
    rt_secret(sb);
    assert_int_equal(rt_register(&s, "sip:alice@example.org", 1, sa, NULL, NULL, NULL), 201);
    assert_int_equal(rt_register(&s, "sip:bob@example.org", 1, sb, NULL, NULL, NULL), 201);
    rt_sip *a = rt_sip_connect(&s), *b = rt_sip_connect(&s);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(rt_sip_register(a, "sip:alice@example.org", 1, sa), 200);
    assert_int_equal(rt_sip_register(b, "sip:bob@example.org", 1, sb), 200);
    make_slow(&s, "sip:alice@example.org", sa, 10);

    /* Four requests with alice's (uncached) credentials: one worker runs
     * them one after the other. */
    snprintf(up, sizeof up, "sip:alice@example.org.1:%s", sa);
    CURLM *m = curl_multi_init();
    CURL *h[4];
    for (int i = 0; i < 4; i++) {
        h[i] = basic_get(&s, "/v1/accounts/self", up);
        curl_multi_add_handle(m, h[i]);
    }
    long long held = 0;
    for (int i = 0; i < 500 && held < 1; i++) {
        pump(m, 0.02);
        held = rt_metric(&s, "cairn_relay_argon2_held");
    }
    assert_true(held >= 1); /* a verification is in flight from here */

    /* The loop still serves: a MESSAGE round trip and its delivery... */
    double t0 = now_s();
    assert_int_equal(rt_sip_message(a, "sip:bob@example.org", "lim-1", NULL, "hi", 2), 202);
    cairn_sip_msg *d = rt_sip_next_delivery(b, 10000);
    assert_non_null(d);
    assert_int_equal(rt_sip_reply(b, d, 200), 0);
    cairn_sip_msg_free(d);
    /* ...and an HTTPS request that needs no Argon2id. */
    rt_resp r;
    assert_int_equal(rt_http(&s, "GET", "/healthz", NULL, NULL, NULL, 0, &r), 0);
    assert_int_equal(r.code, 200);
    free(r.body);
    double served = now_s() - t0;
    /* Still in flight after all that: the loop did not wait for it. */
    assert_true(rt_metric(&s, "cairn_relay_argon2_held") >= 1);
    fprintf(stderr, "  served in %.1f ms while Argon2id ran\n", served * 1e3);

    /* The held requests complete, verified. */
    assert_int_equal(pump(m, 60), 0);
    for (int i = 0; i < 4; i++) {
        long code = 0;
        curl_easy_getinfo(h[i], CURLINFO_RESPONSE_CODE, &code);
        assert_int_equal(code, 200);
        curl_multi_remove_handle(m, h[i]);
        curl_easy_cleanup(h[i]);
    }
    curl_multi_cleanup(m);
    assert_int_equal(rt_metric(&s, "cairn_relay_argon2_held"), 0);

    /* A client that gives up while its request is held: the relay answers
     * into the void (evhttp detached the request), keeps serving and
     * forgets the request (ASan would see a use after free or a leak). */
    /* bob's Basic credentials were never used: not cached. Slow enough that
     * the client surely gives up first. */
    make_slow(&s, "sip:bob@example.org", sb, 40);
    char upb[128];
    snprintf(upb, sizeof upb, "sip:bob@example.org.1:%s", sb);
    CURL *q = basic_get(&s, "/v1/accounts/self", upb);
    curl_easy_setopt(q, CURLOPT_TIMEOUT_MS, 100L);
    assert_int_not_equal(curl_easy_perform(q), CURLE_OK);
    curl_easy_cleanup(q);
    long long left = 1;
    for (int i = 0; i < 200 && left != 0; i++) {
        usleep(20000);
        left = rt_metric(&s, "cairn_relay_argon2_held");
    }
    assert_int_equal(left, 0);
    assert_int_equal(rt_http(&s, "GET", "/healthz", NULL, NULL, NULL, 0, &r), 0);
    assert_int_equal(r.code, 200);
    free(r.body);
    assert_int_equal(rt_sip_message(a, "sip:bob@example.org", "lim-2", NULL, "hi", 2), 202);
    rt_sip_close(a);
    rt_sip_close(b);
    /* SIGTERM drains cleanly (exit status 0). */
    assert_int_equal(rt_server_stop(&s, SIGTERM), 0);
    rt_server_cleanup(&s);
}

/* RELAY-AUTH-7: a full queue answers 503 with Retry-After; RELAY-AUTH-8:
 * failures still cost the address. */
static void test_argon2_queue_full_and_failures(void **state)
{
    (void)state;
    rt_server s;
    char sa[33], up[128];
    assert_int_equal(rt_server_start(&s, "[auth]\nargon2_workers = 1\nargon2_queue = 1\n"
                                         "[limits]\nrate_address_burst = 40\n"
                                         "rate_address_per_second = 1\n"),
                     0);
    rt_secret(sa);
    assert_int_equal(rt_register(&s, "sip:alice@example.org", 1, sa, NULL, NULL, NULL), 201);
    make_slow(&s, "sip:alice@example.org", sa, 10);
    snprintf(up, sizeof up, "sip:alice@example.org.1:%s", sa);
    CURLM *m = curl_multi_init();
    CURL *h[5];
    for (int i = 0; i < 5; i++) {
        h[i] = basic_get(&s, "/v1/accounts/self", up);
        curl_multi_add_handle(m, h[i]);
    }
    assert_int_equal(pump(m, 60), 0);
    int ok = 0, busy = 0;
    for (int i = 0; i < 5; i++) {
        long code = 0;
        curl_easy_getinfo(h[i], CURLINFO_RESPONSE_CODE, &code);
        if (code == 200)
            ok++;
        else if (code == 503)
            busy++;
        else
            fail_msg("unexpected status %ld", code);
        curl_multi_remove_handle(m, h[i]);
        curl_easy_cleanup(h[i]);
    }
    curl_multi_cleanup(m);
    /* One runs, one waits: at least the rest were turned away. */
    assert_true(ok >= 1);
    assert_true(busy >= 1);
    assert_true(rt_metric(&s, "cairn_relay_argon2_busy_total") >= busy);
    /* Retry-After on the 503. */
    {
        CURLM *m2 = curl_multi_init();
        CURL *g[3];
        struct curl_slist *seen = NULL;
        (void)seen;
        for (int i = 0; i < 3; i++) {
            char alt[128];
            /* Distinct headers (wrong secrets): never cached. */
            snprintf(alt, sizeof alt, "sip:alice@example.org.1:%sx%d", sa, i);
            g[i] = basic_get(&s, "/v1/accounts/self", alt);
            curl_easy_setopt(g[i], CURLOPT_HEADER, 1L);
            curl_multi_add_handle(m2, g[i]);
        }
        assert_int_equal(pump(m2, 60), 0);
        for (int i = 0; i < 3; i++) {
            long code = 0;
            curl_easy_getinfo(g[i], CURLINFO_RESPONSE_CODE, &code);
            struct curl_header *ra = NULL;
            if (code == 503)
                assert_int_equal(curl_easy_header(g[i], "Retry-After", 0, CURLH_HEADER, -1, &ra),
                                 CURLHE_OK);
            else
                assert_true(code == 401 || code == 429);
            curl_multi_remove_handle(m2, g[i]);
            curl_easy_cleanup(g[i]);
        }
        curl_multi_cleanup(m2);
    }
    /* Each wrong secret costs ten tokens of the address's bucket (40,
     * refilled at 1/s): a handful of failures exhausts what forty plain
     * requests would. */
    int limited_after = -1;
    for (int i = 0; i < 12 && limited_after < 0; i++) {
        rt_resp r;
        char bad[40];
        snprintf(bad, sizeof bad, "%sbad", sa);
        assert_int_equal(
            rt_http(&s, "GET", "/v1/accounts/self", "sip:alice@example.org.1", bad, NULL, 0, &r),
            0);
        if (r.code == 429)
            limited_after = i;
        else
            assert_true(r.code == 401 || r.code == 503);
        free(r.body);
    }
    assert_true(limited_after >= 0);
    rt_server_cleanup(&s);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sip_address_cap),
        cmocka_unit_test(test_https_address_cap),
        cmocka_unit_test(test_argon2_off_loop),
        cmocka_unit_test(test_argon2_queue_full_and_failures),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
