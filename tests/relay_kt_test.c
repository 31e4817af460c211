/*
 * relay_kt_test.c - the relay's key-transparency publisher against the
 * real cairn-kt (no stand-in): a device uploads its keys to the real
 * relay, the relay publishes label -> identity key with the KT publish
 * call (spec/kt-api.md, relay-api.md RELAY-KT-1), and a client then finds
 * that exact key in a verified search proof from the KT server.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn/cairn.h"
#include "cairn/ktverify.h"
#include "kt_harness.h"
#include "relay_support.h"
#include "test_support.h"

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void relay_publishes_verifiable_key(void **state)
{
    char *dir = cts_tempdir(), keys[600], extra[1024], secret[33];
    const char *kt_args[] = {"--batch-ms", "100", NULL};
    cairn_context *ctx = rt_ctx();
    uint8_t ik[CAIRN_PUBLIC_KEY_BYTES], key[CAIRN_STORAGE_KEY_BYTES] = {4, 2};
    cairn_account *bob = NULL;
    cairn_kt_config cfg;
    cairn_ktv *v = NULL;
    cairn_ktv_result res;
    uint8_t *resp = NULL;
    size_t n = 0, jl = 0;
    char *json = NULL;
    rt_server srv;
    kth_proc kt;
    rt_resp r;
    (void)state;

    snprintf(keys, sizeof keys, "%.500s/keys", dir);
    assert_int_equal(kth_kt_start(&kt, dir, keys, kt_args), 0);
    assert_int_equal(kth_config(ctx, kt.url, &cfg), 0);
    snprintf(extra, sizeof extra, "[kt]\nurl = %s\ntoken = %s\ntimeout_ms = 15000\n", kt.url,
             KTH_TOKEN);
    assert_int_equal(rt_server_start(&srv, extra), 0);

    rt_secret(secret);
    assert_int_equal(rt_register(&srv, "sip:bob@example.org", 1, secret, NULL, NULL, NULL), 201);
    assert_int_equal(cairn_account_open(ctx, NULL, key, NULL, &bob), CAIRN_OK);
    assert_int_equal(cairn_account_create_identity(bob, "sip:bob@example.org", 1), CAIRN_OK);
    assert_int_equal(cairn_account_identity(bob, NULL, 0, NULL, ik, NULL), CAIRN_OK);
    assert_int_equal(cairn_bundle_export(bob, &json, &jl), CAIRN_OK);
    assert_int_equal(rt_http(&srv, "PUT", "/v1/keys", "sip:bob@example.org.1", secret, json, jl,
                             &r), 0);
    cairn_free(ctx, json, jl);
    if (r.code != 200 || strstr(r.body, "\"status\":\"published\"") == NULL)
        fprintf(stderr, "upload answer: %ld %s\n", r.code, r.body);
    assert_int_equal(r.code, 200);
    /* the relay tells the client where the update landed */
    assert_non_null(strstr(r.body, "\"status\":\"published\""));
    assert_non_null(strstr(r.body, "\"tree_size\""));
    free(r.body);

    /* an independent client verifies the directory now maps bob -> ik */
    assert_int_equal(cairn_ktv_create(ctx, &cfg, NULL, &v), CAIRN_OK);
    assert_int_equal(cairn_ktv_fetch_search(v, kt.url, (const uint8_t *)"sip:bob@example.org", 19,
                                            false, 0, &resp, &n), CAIRN_OK);
    assert_int_equal(cairn_ktv_verify_search(v, (const uint8_t *)"sip:bob@example.org", 19, false,
                                             0, resp, n, now_ms(), false, &res), CAIRN_OK);
    assert_int_equal(res.value_len, CAIRN_PUBLIC_KEY_BYTES);
    assert_memory_equal(res.value, ik, CAIRN_PUBLIC_KEY_BYTES);
    cairn_free(ctx, resp, n);

    cairn_ktv_destroy(v);
    cairn_account_close(bob);
    rt_server_stop(&srv, SIGTERM);
    rt_server_cleanup(&srv);
    kth_kill(&kt, SIGTERM);
    kth_wait(&kt);
    cts_rmdir(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(relay_publishes_verifiable_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
