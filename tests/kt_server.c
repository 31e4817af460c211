/*
 * kt_server.c - integration tests of cairn-kt through real sockets: the
 * binary is spawned on an ephemeral loopback port and a client verifies
 * what it serves with cairn_ktverify (spec/kt-api.md).
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base.h"
#include "cairn/ktserver.h"
#include "cairn/ktverify.h"
#include "kt_harness.h"
#include "test_support.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void keys_dir(char *out, size_t cap, const char *dir)
{
    snprintf(out, cap, "%s/keys", dir);
}

/* Fetch + verify a search; returns the status, value copied into val. */
static cairn_status search(cairn_ktv *v, const char *url, const char *label,
                           bool has_ver, uint32_t ver, bool monitor,
                           uint32_t *got_ver, uint8_t *val, size_t *vlen)
{
    uint8_t *resp = NULL;
    size_t n = 0;
    cairn_ktv_result r;
    cairn_status st = cairn_ktv_fetch_search(v, url, (const uint8_t *)label,
                                             strlen(label), has_ver, ver, &resp, &n);
    if (st != CAIRN_OK)
        return st;
    st = cairn_ktv_verify_search(v, (const uint8_t *)label, strlen(label), has_ver,
                                 ver, resp, n, now_ms(), monitor, &r);
    if (st == CAIRN_OK) {
        if (got_ver)
            *got_ver = r.version;
        if (val) {
            memcpy(val, r.value, r.value_len);
            *vlen = r.value_len;
        }
    }
    free(resp); /* context allocator is the default libc one in this test */
    return st;
}

/* KT-API-7, KT-API-10: publish -> ack -> search verifies, greatest and
 * fixed version; the view survives a serialise/parse round trip (KTV-3). */
static void test_publish_search(void **state)
{
    cairn_context *ctx = NULL;
    char *dir = cts_tempdir(), keys[512];
    const char *extra[] = {"--batch-ms", "100", NULL};
    kth_proc p;
    cairn_kt_config cfg;
    cairn_ktv *v = NULL, *v2 = NULL;
    uint64_t pos = 0;
    uint32_t ver = 9;
    uint8_t val[64], *blob = NULL;
    size_t vl = 0, bl = 0;
    (void)state;
    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    keys_dir(keys, sizeof keys, dir);
    assert_int_equal(kth_kt_start(&p, dir, keys, extra), 0);
    assert_int_equal(kth_config(ctx, p.url, &cfg), 0);
    assert_int_equal(kth_publish(ctx, p.url, KTH_TOKEN, "sip:alice@example.org",
                                 (const uint8_t *)"alice-key-0", 11, &pos, &ver), 200);
    assert_int_equal(ver, 0);
    assert_true(pos >= 1); /* entry 0 is the start-up entry */
    assert_true(kth_tree_size(ctx, p.url) >= pos + 1);
    assert_int_equal(kth_publish(ctx, p.url, KTH_TOKEN, "sip:alice@example.org",
                                 (const uint8_t *)"alice-key-1", 11, NULL, &ver), 200);
    assert_int_equal(ver, 1);

    assert_int_equal(cairn_ktv_create(ctx, &cfg, NULL, &v), CAIRN_OK);
    assert_int_equal(search(v, p.url, "sip:alice@example.org", false, 0, true, &ver,
                            val, &vl), CAIRN_OK);
    assert_int_equal(ver, 1);
    assert_memory_equal(val, "alice-key-1", 11);
    assert_int_equal(search(v, p.url, "sip:alice@example.org", true, 0, false, &ver,
                            val, &vl), CAIRN_OK);
    assert_memory_equal(val, "alice-key-0", 11);
    assert_int_equal(search(v, p.url, "sip:nobody@example.org", false, 0, false, NULL,
                            NULL, NULL), CAIRN_ERR_NOT_FOUND);

    /* A phone-number label with '+' round-trips through the query string. */
    assert_int_equal(kth_publish(ctx, p.url, KTH_TOKEN, "sip:+4412345@example.org",
                                 (const uint8_t *)"tel-key", 7, NULL, NULL), 200);
    assert_int_equal(search(v, p.url, "sip:+4412345@example.org", false, 0, false, &ver, val,
                            &vl), CAIRN_OK);
    assert_memory_equal(val, "tel-key", 7);
    /* Persist and reload the view, then keep verifying from it. */
    assert_int_equal(cairn_ktv_serialize(v, &blob, &bl), CAIRN_OK);
    assert_int_equal(cairn_ktv_parse(ctx, &cfg, NULL, blob, bl, &v2), CAIRN_OK);
    assert_int_equal(kth_publish(ctx, p.url, KTH_TOKEN, "sip:bob@example.org",
                                 (const uint8_t *)"bob-key", 7, NULL, NULL), 200);
    assert_int_equal(search(v2, p.url, "sip:bob@example.org", false, 0, false, &ver,
                            val, &vl), CAIRN_OK);
    assert_true(cairn_ktv_tree_size(v2) > cairn_ktv_tree_size(v));
    /* The signed tree head endpoint verifies and matches the view. */
    {
        uint64_t hs = 0, hts = 0;
        uint8_t hr[32], hsig[64];
        assert_int_equal(cairn_ktv_fetch_tree_head(v2, p.url, &hs, hr, hsig, &hts), CAIRN_OK);
        assert_int_equal(hs, cairn_ktv_tree_size(v2));
    }
    /* The owner's monitoring of an honest server passes. */
    assert_int_equal(cairn_ktv_monitor(v2, p.url, (const uint8_t *)"sip:alice@example.org",
                                       21, now_ms()), CAIRN_OK);

    cairn_free(ctx, blob, bl);
    cairn_ktv_destroy(v);
    cairn_ktv_destroy(v2);
    kth_kill(&p, SIGTERM);
    assert_int_equal(kth_wait(&p), 0);
    cts_rmdir(dir);
    free(dir);
    cairn_context_destroy(ctx);
}

typedef struct pub_arg {
    const char *url;
    int i;
    uint64_t pos;
    long status;
} pub_arg;

static void *pub_thread(void *a)
{
    pub_arg *pa = a;
    cairn_context *ctx = NULL;
    char label[64];
    if (cairn_context_create(NULL, &ctx) != CAIRN_OK)
        return NULL;
    snprintf(label, sizeof label, "sip:user%d@example.org", pa->i);
    pa->status = kth_publish(ctx, pa->url, KTH_TOKEN, label, (const uint8_t *)"k", 1,
                             &pa->pos, NULL);
    cairn_context_destroy(ctx);
    return NULL;
}

/* KT-API-8: concurrent updates within one window land in ONE log entry,
 * and the acknowledgement waits for the window. */
static void test_batching(void **state)
{
    cairn_context *ctx = NULL;
    char *dir = cts_tempdir(), keys[512];
    const char *extra[] = {"--batch-ms", "700", NULL};
    kth_proc p;
    pthread_t th[8];
    pub_arg a[8];
    int64_t t0;
    (void)state;
    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    keys_dir(keys, sizeof keys, dir);
    assert_int_equal(kth_kt_start(&p, dir, keys, extra), 0);
    t0 = now_ms();
    for (int i = 0; i < 8; i++) {
        a[i].url = p.url;
        a[i].i = i;
        a[i].status = 0;
        pthread_create(&th[i], NULL, pub_thread, &a[i]);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    assert_true(now_ms() - t0 >= 600);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(a[i].status, 200);
        assert_int_equal(a[i].pos, a[0].pos);
    }
    assert_int_equal(kth_tree_size(ctx, p.url), a[0].pos + 1);
    kth_kill(&p, SIGTERM);
    assert_int_equal(kth_wait(&p), 0);
    cts_rmdir(dir);
    free(dir);
    cairn_context_destroy(ctx);
}

/* KT-API-15: with no updates the tree still grows every heartbeat. */
static void test_heartbeat(void **state)
{
    cairn_context *ctx = NULL;
    char *dir = cts_tempdir(), keys[512];
    const char *extra[] = {"--heartbeat-s", "1", NULL};
    kth_proc p;
    uint64_t s0, s1;
    (void)state;
    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    keys_dir(keys, sizeof keys, dir);
    assert_int_equal(kth_kt_start(&p, dir, keys, extra), 0);
    s0 = kth_tree_size(ctx, p.url);
    assert_true(s0 >= 1);
    sleep(3);
    s1 = kth_tree_size(ctx, p.url);
    assert_true(s1 >= s0 + 2);
    kth_kill(&p, SIGTERM);
    assert_int_equal(kth_wait(&p), 0);
    cts_rmdir(dir);
    free(dir);
    cairn_context_destroy(ctx);
}

/* KT-API-7, KT-API-16: an acknowledged update survives kill -9: after a
 * restart it is in the signed head, search verifies it (continuing the
 * client's view from before the crash), and the mirror caught up. */
static void test_crash_restart(void **state)
{
    cairn_context *ctx = NULL;
    char *dir = cts_tempdir(), keys[512];
    const char *extra[] = {"--batch-ms", "50", NULL};
    kth_proc p;
    cairn_kt_config cfg;
    cairn_ktv *v = NULL;
    uint64_t pos = 0;
    uint32_t ver;
    uint8_t val[64];
    size_t vl;
    (void)state;
    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    keys_dir(keys, sizeof keys, dir);
    assert_int_equal(kth_kt_start(&p, dir, keys, extra), 0);
    assert_int_equal(kth_config(ctx, p.url, &cfg), 0);
    assert_int_equal(cairn_ktv_create(ctx, &cfg, NULL, &v), CAIRN_OK);
    assert_int_equal(kth_publish(ctx, p.url, KTH_TOKEN, "sip:carol@example.org",
                                 (const uint8_t *)"carol-0", 7, NULL, NULL), 200);
    assert_int_equal(search(v, p.url, "sip:carol@example.org", false, 0, false, NULL,
                            NULL, NULL), CAIRN_OK);
    assert_int_equal(kth_publish(ctx, p.url, KTH_TOKEN, "sip:carol@example.org",
                                 (const uint8_t *)"carol-1", 7, &pos, NULL), 200);
    kth_kill(&p, SIGKILL);
    assert_int_equal(kth_wait(&p), 128 + SIGKILL);
    assert_int_equal(kth_kt_start(&p, dir, keys, extra), 0);
    assert_true(kth_tree_size(ctx, p.url) >= pos + 1);
    assert_int_equal(search(v, p.url, "sip:carol@example.org", false, 0, false, &ver,
                            val, &vl), CAIRN_OK);
    assert_int_equal(ver, 1);
    assert_memory_equal(val, "carol-1", 7);
    {
        char u[256];
        long st;
        uint8_t *b = NULL;
        size_t n = 0;
        snprintf(u, sizeof u, "%s/mirror/checkpoint", p.url);
        assert_int_equal(cairn_ktv_http_get(ctx, u, 1 << 16, &st, &b, &n), CAIRN_OK);
        assert_int_equal(st, 200);
        {
            char want[32];
            snprintf(want, sizeof want, "\n%llu\n",
                     (unsigned long long)kth_tree_size(ctx, p.url));
            assert_non_null(memmem(b, n, want, strlen(want)));
        }
        cairn_free(ctx, b, n);
    }
    cairn_ktv_destroy(v);
    kth_kill(&p, SIGTERM);
    assert_int_equal(kth_wait(&p), 0);
    cts_rmdir(dir);
    free(dir);
    cairn_context_destroy(ctx);
}

/* KT-API-2, KT-API-3, KT-API-6: hostile and malformed requests get 4xx
 * with a reason, never a crash; nothing unauthenticated is published. */
static void test_malformed(void **state)
{
    cairn_context *ctx = NULL;
    char *dir = cts_tempdir(), keys[512], u[512], *big;
    const char *extra[] = {"--batch-ms", "50", "--max-body", "65536", NULL};
    const char *good_auth[] = {"Authorization: Bearer " KTH_TOKEN, NULL};
    const char *bad_auth[] = {"Authorization: Bearer wrong-token-000000000", NULL};
    const char *hmac_junk[] = {"X-Cairn-KT-Auth: t=1,mac=00", NULL};
    kth_proc p;
    uint64_t s0;
    static const struct {
        const char *body;
        long want;
    } bodies[] = {
        {"", 400},
        {"{", 400},
        {"[]", 400},
        {"{\"updates\":[]}", 400},
        {"{\"updates\":[{\"label\":\"\",\"value_b64\":\"AA==\"}]}", 400},
        {"{\"updates\":[{\"label\":\"a\\u0001b\",\"value_b64\":\"AA==\"}]}", 400},
        {"{\"updates\":[{\"label\":\"sip:x\",\"value_b64\":\"!!!\"}]}", 400},
        {"{\"updates\":[{\"label\":\"sip:x\",\"value_b64\":\"\"}]}", 400},
        {"{\"updates\":[{\"label\":\"sip:x\",\"value_b64\":\"AA==\",\"x\":1}]}", 400},
        {"{\"updates\":[{\"label\":\"sip:x\",\"value_b64\":\"AA==\"}],\"extra\":1}", 400},
        {"{\"updates\":[{\"label\":\"sip:x\",\"value_b64\":\"AA==\"},{\"label\":5}]}", 400},
    };
    (void)state;
    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    keys_dir(keys, sizeof keys, dir);
    assert_int_equal(kth_kt_start(&p, dir, keys, extra), 0);
    s0 = kth_tree_size(ctx, p.url);
    snprintf(u, sizeof u, "%s/kt/v1/publish", p.url);
    const char *ok = "{\"updates\":[{\"label\":\"sip:x\",\"value_b64\":\"AA==\"}]}";
    assert_int_equal(kth_request(ctx, "POST", u, NULL, ok, strlen(ok)), 401);
    assert_int_equal(kth_request(ctx, "POST", u, bad_auth, ok, strlen(ok)), 401);
    assert_int_equal(kth_request(ctx, "POST", u, hmac_junk, ok, strlen(ok)), 401);
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++)
        assert_int_equal(kth_request(ctx, "POST", u, good_auth, bodies[i].body,
                                     strlen(bodies[i].body)),
                         bodies[i].want);
    big = malloc(70000);
    memset(big, 'a', 70000);
    assert_int_equal(kth_request(ctx, "POST", u, good_auth, big, 70000), 413);
    free(big);
    assert_int_equal(kth_request(ctx, "GET", u, NULL, NULL, 0), 405);
    assert_int_equal(kth_tree_size(ctx, p.url), s0); /* nothing was published */

    snprintf(u, sizeof u, "%s/kt/v1/nope", p.url);
    assert_int_equal(kth_request(ctx, "GET", u, NULL, NULL, 0), 404);
    snprintf(u, sizeof u, "%s/kt/v1/search", p.url);
    assert_int_equal(kth_request(ctx, "GET", u, NULL, NULL, 0), 400);
    snprintf(u, sizeof u, "%s/kt/v1/search?label=sip:x&version=01", p.url);
    assert_int_equal(kth_request(ctx, "GET", u, NULL, NULL, 0), 400);
    snprintf(u, sizeof u, "%s/kt/v1/search?label=sip:x&last=99999", p.url);
    assert_int_equal(kth_request(ctx, "GET", u, NULL, NULL, 0), 400);
    snprintf(u, sizeof u, "%s/kt/v1/search?label=sip:absent", p.url);
    assert_int_equal(kth_request(ctx, "GET", u, NULL, NULL, 0), 404);
    snprintf(u, sizeof u, "%s/kt/v1/monitor?label=sip:x&entries=5:1,3:0", p.url);
    assert_int_equal(kth_request(ctx, "GET", u, NULL, NULL, 0), 400);
    snprintf(u, sizeof u, "%s/kt/v1/audit?position=999999", p.url);
    assert_int_equal(kth_request(ctx, "GET", u, NULL, NULL, 0), 404);
    snprintf(u, sizeof u, "%s/kt/v1/auditor-head", p.url);
    assert_int_equal(kth_request(ctx, "POST", u, NULL, "junk", 4), 400);
    snprintf(u, sizeof u, "%s/kt/v1/test/drop?label=sip:x&version=0", p.url);
    assert_int_equal(kth_request(ctx, "POST", u, NULL, "", 0), 404); /* KT-API-30 */
    snprintf(u, sizeof u, "%s/mirror/tile/0/../../kt.sqlite", p.url);
    assert_int_equal(kth_request(ctx, "GET", u, NULL, NULL, 0), 404);
    snprintf(u, sizeof u, "%s/mirror/tile/0/000", p.url);
    assert_int_equal(kth_request(ctx, "GET", u, NULL, NULL, 0), 404);
    snprintf(u, sizeof u, "%s/mirror/tile/entries/000.p/1", p.url);
    assert_int_equal(kth_request(ctx, "GET", u, NULL, NULL, 0), 200);
    snprintf(u, sizeof u, "%s/mirror/tile/0/000.p/1", p.url);
    assert_int_equal(kth_request(ctx, "GET", u, NULL, NULL, 0), 200);
    snprintf(u, sizeof u, "%s/mirror/checkpoint.1", p.url);
    assert_int_equal(kth_request(ctx, "GET", u, NULL, NULL, 0), 200);
    snprintf(u, sizeof u, "%s/mirror/checkpoint.999", p.url);
    assert_int_equal(kth_request(ctx, "GET", u, NULL, NULL, 0), 404);
    /* The server is still healthy. */
    assert_int_equal(kth_publish(ctx, p.url, KTH_TOKEN, "sip:x", (const uint8_t *)"v", 1,
                                 NULL, NULL), 200);
    kth_kill(&p, SIGTERM);
    assert_int_equal(kth_wait(&p), 0);
    cts_rmdir(dir);
    free(dir);
    cairn_context_destroy(ctx);
}

/* Property (KTV-1): an honest response verifies; flipping any byte of it
 * makes verification fail and leaves the view untouched. */
static void test_flipped_bytes(void **state)
{
    cairn_context *ctx = NULL;
    char *dir = cts_tempdir(), keys[512];
    const char *extra[] = {"--batch-ms", "20", NULL};
    kth_proc p;
    cairn_kt_config cfg;
    cairn_ktv *v = NULL;
    uint8_t *resp = NULL, *before = NULL, *after = NULL;
    size_t n = 0, bl = 0, al = 0;
    cairn_ktv_result r;
    (void)state;
    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    keys_dir(keys, sizeof keys, dir);
    assert_int_equal(kth_kt_start(&p, dir, keys, extra), 0);
    assert_int_equal(kth_config(ctx, p.url, &cfg), 0);
    for (int i = 0; i < 6; i++) {
        char label[32];
        snprintf(label, sizeof label, "sip:u%d@x", i % 3);
        assert_int_equal(kth_publish(ctx, p.url, KTH_TOKEN, label, (const uint8_t *)"v", 1,
                                     NULL, NULL), 200);
    }
    assert_int_equal(cairn_ktv_create(ctx, &cfg, NULL, &v), CAIRN_OK);
    assert_int_equal(cairn_ktv_fetch_search(v, p.url, (const uint8_t *)"sip:u1@x", 8,
                                            false, 0, &resp, &n), CAIRN_OK);
    assert_int_equal(cairn_ktv_serialize(v, &before, &bl), CAIRN_OK);
    for (size_t i = 0; i < n; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            resp[i] ^= (uint8_t)(1u << bit);
            assert_int_not_equal(cairn_ktv_verify_search(v, (const uint8_t *)"sip:u1@x", 8,
                                                         false, 0, resp, n, now_ms(),
                                                         true, &r),
                                 CAIRN_OK);
            resp[i] ^= (uint8_t)(1u << bit);
        }
    }
    /* Truncations fail too. */
    for (size_t l = 0; l < n; l += 1 + n / 64)
        assert_int_not_equal(cairn_ktv_verify_search(v, (const uint8_t *)"sip:u1@x", 8, false,
                                                     0, resp, l, now_ms(), true, &r),
                             CAIRN_OK);
    assert_int_equal(cairn_ktv_serialize(v, &after, &al), CAIRN_OK);
    assert_int_equal(al, bl);
    assert_memory_equal(after, before, bl);
    assert_int_equal(cairn_ktv_verify_search(v, (const uint8_t *)"sip:u1@x", 8, false, 0,
                                             resp, n, now_ms(), true, &r),
                     CAIRN_OK);
    cairn_free(ctx, resp, n);
    cairn_free(ctx, before, bl);
    cairn_free(ctx, after, al);
    cairn_ktv_destroy(v);
    kth_kill(&p, SIGTERM);
    assert_int_equal(kth_wait(&p), 0);
    cts_rmdir(dir);
    free(dir);
    cairn_context_destroy(ctx);
}

/* Raw GET returning the response head (status line + headers). */
static void raw_get(unsigned port, const char *path, char *out, size_t cap)
{
    struct sockaddr_in sa;
    char req[512];
    size_t off = 0;
    ssize_t r;
    int fd = socket(AF_INET, SOCK_STREAM, 0), n;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    out[0] = 0;
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (fd >= 0)
            close(fd);
        return;
    }
    n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: x\r\n\r\n", path);
    if (write(fd, req, (size_t)n) == n)
        while (off < cap - 1 && (r = read(fd, out + off, cap - 1 - off)) > 0)
            off += (size_t)r;
    out[off] = 0;
    close(fd);
}

/* KT-API-21/22: cache headers of the mirror's static files. */
static void test_cache_headers(void **state)
{
    cairn_context *ctx = NULL;
    char *dir = cts_tempdir(), keys[512], head[65536];
    const char *extra[] = {"--batch-ms", "20", NULL};
    kth_proc p;
    (void)state;
    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    snprintf(keys, sizeof keys, "%s/keys", dir);
    assert_int_equal(kth_kt_start(&p, dir, keys, extra), 0);
    raw_get(p.port, "/mirror/checkpoint", head, sizeof head);
    assert_non_null(strstr(head, "200"));
    assert_non_null(strstr(head, "Cache-Control: no-cache"));
    raw_get(p.port, "/mirror/checkpoint.1", head, sizeof head);
    assert_non_null(strstr(head, "Cache-Control: public, max-age=31536000, immutable"));
    raw_get(p.port, "/mirror/tile/0/000.p/1", head, sizeof head);
    assert_non_null(strstr(head, "Cache-Control: public, max-age=5"));
    raw_get(p.port, "/kt/v1/search?label=%01", head, sizeof head);
    assert_non_null(strstr(head, "400"));
    assert_non_null(strstr(head, "\"reason\""));
    kth_kill(&p, SIGTERM);
    assert_int_equal(kth_wait(&p), 0);
    cts_rmdir(dir);
    free(dir);
    cairn_context_destroy(ctx);
}

/* Optional HTTPS (--tls-cert/--tls-key): a TLS client gets the same API.
 * Uses the openssl and curl command-line tools; skipped without them. */
static void test_https(void **state)
{
    cairn_context *ctx = NULL;
    char *dir = cts_tempdir(), keys[512], cert[600], key[600], cmd[2048], out[4096];
    const char *extra[] = {"--batch-ms", "20", "--tls-cert", cert, "--tls-key", key, NULL};
    kth_proc p;
    FILE *f;
    size_t n;
    (void)state;
    if (access("/usr/bin/openssl", X_OK) != 0 || access("/usr/bin/curl", X_OK) != 0) {
        cts_rmdir(dir);
        free(dir);
        skip();
    }
    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    snprintf(keys, sizeof keys, "%s/keys", dir);
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
             "-subj /CN=127.0.0.1 -keyout %s -out %s >/dev/null 2>&1", key, cert);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(kth_kt_start(&p, dir, keys, extra), 0);
    snprintf(cmd, sizeof cmd,
             "curl -sk -H 'Authorization: Bearer %s' -d '{\"updates\":[{\"label\":"
             "\"sip:tls@x\",\"value_b64\":\"AA==\"}]}' https://127.0.0.1:%u/kt/v1/publish",
             KTH_TOKEN, p.port);
    f = popen(cmd, "r");
    assert_non_null(f);
    n = fread(out, 1, sizeof out - 1, f);
    out[n] = 0;
    pclose(f);
    assert_non_null(strstr(out, "\"position\""));
    /* Plain HTTP on the TLS port gets nothing useful. */
    assert_int_not_equal(kth_tree_size(ctx, p.url), 2);
    kth_kill(&p, SIGTERM);
    assert_int_equal(kth_wait(&p), 0);
    cts_rmdir(dir);
    free(dir);
    cairn_context_destroy(ctx);
}

/* A publisher that gives up while its request is parked in the open batch
 * (closes the connection): the server must survive, still publish the
 * update, and answer others (KT-API-7). */
static void test_abandoned_publish(void **state)
{
    cairn_context *ctx = NULL;
    char *dir = cts_tempdir(), keys[512], req[512];
    const char *extra[] = {"--batch-ms", "400", NULL};
    const char *body = "{\"updates\":[{\"label\":\"sip:gone@x\",\"value_b64\":\"AA==\"}]}";
    kth_proc p;
    struct sockaddr_in sa;
    uint64_t s0;
    int fd, n;
    (void)state;
    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    snprintf(keys, sizeof keys, "%s/keys", dir);
    assert_int_equal(kth_kt_start(&p, dir, keys, extra), 0);
    s0 = kth_tree_size(ctx, p.url);
    n = snprintf(req, sizeof req,
                 "POST /kt/v1/publish HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                 KTH_TOKEN, strlen(body), body);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)p.port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(write(fd, req, (size_t)n), n);
    usleep(100000);
    close(fd);
    usleep(600000);
    assert_true(kth_tree_size(ctx, p.url) >= s0 + 1);
    assert_int_equal(kth_publish(ctx, p.url, KTH_TOKEN, "sip:after@x", (const uint8_t *)"v", 1,
                                 NULL, NULL), 200);
    kth_kill(&p, SIGTERM);
    assert_int_equal(kth_wait(&p), 0);
    cts_rmdir(dir);
    free(dir);
    cairn_context_destroy(ctx);
}

/* KT-API-6 HMAC publishing, with options from a --config file. */
static void test_hmac_config(void **state)
{
    cairn_context *ctx = NULL;
    char *dir = cts_tempdir(), keys[512], conf[600], hk[600], u[512], hdr[200];
    const char *extra[] = {"--config", conf, NULL};
    const uint8_t key[20] = "0123456789abcdefghij";
    const char *body = "{\"updates\":[{\"label\":\"sip:h@x\",\"value_b64\":\"AA==\"}]}";
    const char *hdrs[] = {hdr, NULL};
    kth_proc p;
    FILE *f;
    (void)state;
    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    snprintf(keys, sizeof keys, "%s/keys", dir);
    snprintf(conf, sizeof conf, "%s/kt.conf", dir);
    snprintf(hk, sizeof hk, "%s/hmac.hex", dir);
    f = fopen(hk, "w");
    assert_non_null(f);
    fputs("303132333435363738396162636465666768696a\n", f); /* hex of key */
    fclose(f);
    f = fopen(conf, "w");
    assert_non_null(f);
    fprintf(f, "# cairn-kt test config\nbatch-ms = 40\nhmac-key-file %s\nheartbeat-s 0\n", hk);
    fclose(f);
    assert_int_equal(kth_kt_start(&p, dir, keys, extra), 0);
    snprintf(u, sizeof u, "%s/kt/v1/publish", p.url);
    strcpy(hdr, "X-Cairn-KT-Auth: ");
    assert_int_equal(cairn_kts_hmac_header(key, 20, (const uint8_t *)body, strlen(body),
                                           now_ms(), hdr + strlen(hdr), 150), CAIRN_OK);
    assert_int_equal(kth_request(ctx, "POST", u, hdrs, body, strlen(body)), 200);
    /* The same header over another body fails; an old timestamp fails. */
    assert_int_equal(kth_request(ctx, "POST", u, hdrs, "{}", 2), 401);
    strcpy(hdr, "X-Cairn-KT-Auth: ");
    assert_int_equal(cairn_kts_hmac_header(key, 20, (const uint8_t *)body, strlen(body),
                                           now_ms() - 3600000, hdr + strlen(hdr), 150),
                     CAIRN_OK);
    assert_int_equal(kth_request(ctx, "POST", u, hdrs, body, strlen(body)), 401);
    kth_kill(&p, SIGTERM);
    assert_int_equal(kth_wait(&p), 0);
    cts_rmdir(dir);
    free(dir);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_publish_search), cmocka_unit_test(test_batching),
        cmocka_unit_test(test_heartbeat),      cmocka_unit_test(test_crash_restart),
        cmocka_unit_test(test_malformed),      cmocka_unit_test(test_flipped_bytes),
        cmocka_unit_test(test_hmac_config),    cmocka_unit_test(test_abandoned_publish),
        cmocka_unit_test(test_cache_headers),  cmocka_unit_test(test_https),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
