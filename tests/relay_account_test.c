/*
 * relay_account_test.c - registration, login and authentication failures
 * against the real relay (spec/relay-api.md RELAY-REG-*, RELAY-AUTH-*).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay_support.h"
#include "test_support.h"

static rt_server srv;

static int setup(void **state)
{
    (void)state;
    return rt_server_start(&srv, "[limits]\nrate_address_burst = 100000\n");
}

static int teardown(void **state)
{
    (void)state;
    rt_server_cleanup(&srv);
    return 0;
}

/* RELAY-REG-1, RELAY-AUTH-1: a new account registers, its device logs in. */
static void test_register_and_login(void **state)
{
    char secret[33], authid[128];
    rt_resp r;
    (void)state;
    rt_secret(secret);
    assert_int_equal(rt_register(&srv, "sip:alice@example.org", 1, secret, NULL, NULL, NULL), 201);
    snprintf(authid, sizeof authid, "sip:alice@example.org.1");
    assert_int_equal(rt_http(&srv, "GET", "/v1/accounts/self", authid, secret, NULL, 0, &r), 0);
    assert_int_equal(r.code, 200);
    assert_non_null(strstr(r.body, "\"uri\":\"sip:alice@example.org\""));
    assert_non_null(strstr(r.body, "\"devices\":[1]"));
    free(r.body);
    /* The same device cannot be registered twice (RELAY-REG-3) and
     * nobody can take over an existing account without its credentials. */
    assert_int_equal(rt_register(&srv, "sip:alice@example.org", 1, secret, NULL, authid, secret), 409);
    assert_int_equal(rt_register(&srv, "sip:alice@example.org", 2, secret, NULL, NULL, NULL), 401);
    /* A second device is added by an existing one (RELAY-REG-2). */
    char s2[33];
    rt_secret(s2);
    assert_int_equal(rt_register(&srv, "sip:alice@example.org", 2, s2, NULL, authid, secret), 201);
    assert_int_equal(rt_http(&srv, "GET", "/v1/accounts/self", "sip:alice@example.org.2", s2, NULL,
                             0, &r),
                     0);
    assert_int_equal(r.code, 200);
    assert_non_null(strstr(r.body, "\"devices\":[1,2]"));
    free(r.body);
    /* Another user sees the device list. */
    char s3[33];
    rt_secret(s3);
    assert_int_equal(rt_register(&srv, "sip:bob@Example.ORG", 1, s3, NULL, NULL, NULL), 201);
    assert_int_equal(rt_http(&srv, "GET", "/v1/accounts/devices?uri=sip%3Aalice%40example.org",
                             "sip:bob@example.org.1", s3, NULL, 0, &r),
                     0);
    assert_int_equal(r.code, 200);
    assert_non_null(strstr(r.body, "[1,2]"));
    free(r.body);
    /* Removing a device: it can no longer log in. */
    assert_int_equal(rt_http(&srv, "DELETE", "/v1/devices/2", authid, secret, NULL, 0, &r), 0);
    assert_int_equal(r.code, 200);
    free(r.body);
    assert_int_equal(rt_http(&srv, "GET", "/v1/accounts/self", "sip:alice@example.org.2", s2, NULL,
                             0, &r),
                     0);
    assert_int_equal(r.code, 401);
    free(r.body);
}

/* RELAY-AUTH-2: every failure is 401, whatever was wrong. */
static void test_auth_failures(void **state)
{
    char secret[33];
    rt_resp r;
    (void)state;
    rt_secret(secret);
    assert_int_equal(rt_register(&srv, "sip:carol@example.org", 1, secret, NULL, NULL, NULL), 201);
    const char *bad[][2] = {
        {"sip:carol@example.org.1", "0123456789abcdef0123456789abcdeX"}, /* wrong secret */
        {"sip:carol@example.org.2", NULL},                               /* wrong device */
        {"sip:nobody@example.org.1", NULL},                              /* unknown user */
        {"sip:carol@example.org", NULL},                                 /* no device */
        {"carol.1", NULL},                                               /* not a URI */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(rt_http(&srv, "GET", "/v1/accounts/self", bad[i][0],
                                 bad[i][1] ? bad[i][1] : secret, NULL, 0, &r),
                         0);
        assert_int_equal(r.code, 401);
        free(r.body);
    }
    /* flipped byte in the right secret */
    secret[5] ^= 1;
    assert_int_equal(rt_http(&srv, "GET", "/v1/accounts/self", "sip:carol@example.org.1", secret,
                             NULL, 0, &r),
                     0);
    assert_int_equal(r.code, 401);
    free(r.body);
    /* no credentials at all, on every authenticated endpoint */
    const char *paths[] = {"/v1/accounts/self", "/v1/keys/count", "/v1/bundle?uri=sip:carol@example.org",
                           "/v1/files/00000000000000000000000000000000"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        assert_int_equal(rt_http(&srv, "GET", paths[i], NULL, NULL, NULL, 0, &r), 0);
        assert_int_equal(r.code, 401);
        free(r.body);
    }
    /* Metrics count the failures. */
    assert_true(rt_metric(&srv, "cairn_relay_auth_failures_total") >= 6);
}

/* RELAY-REG-4: malformed registrations are refused. */
static void test_bad_registrations(void **state)
{
    (void)state;
    assert_int_equal(rt_register(&srv, "mailto:x@example.org", 1, "0123456789abcdef0123", NULL, NULL, NULL), 400);
    assert_int_equal(rt_register(&srv, "sip:dave@example.org", 0, "0123456789abcdef0123", NULL, NULL, NULL), 400);
    assert_int_equal(rt_register(&srv, "sip:dave@example.org", 1, "short", NULL, NULL, NULL), 400);
    assert_int_equal(rt_register(&srv, "sip:dave@example.org", 1, "has:colon:0123456789", NULL, NULL, NULL), 400);
    rt_resp r;
    assert_int_equal(rt_http(&srv, "POST", "/v1/accounts", NULL, NULL, "{\"uri\":", 7, &r), 0);
    assert_int_equal(r.code, 400);
    free(r.body);
    assert_int_equal(rt_http(&srv, "GET", "/healthz", NULL, NULL, NULL, 0, &r), 0);
    assert_int_equal(r.code, 200);
    free(r.body);
}

/* RELAY-REG-5: with require_registration_token, sign-up needs a token
 * from --issue-token, each good for its number of uses. */
static void test_registration_tokens(void **state)
{
    rt_server t;
    char cmd[2048], token[128] = "", secret[33];
    (void)state;
    assert_int_equal(rt_server_start(&t, "[auth]\n"), 0);
    rt_server_stop(&t, SIGTERM);
    /* rewrite the config with the token requirement */
    FILE *f = fopen(t.cfg, "a");
    assert_non_null(f);
    fclose(f);
    char ini[1200];
    snprintf(ini, sizeof ini, "%s", t.cfg);
    f = fopen(ini, "r+");
    char body[4096];
    size_t n = fread(body, 1, sizeof body - 1, f);
    body[n] = 0;
    char *p = strstr(body, "[auth]\n");
    assert_non_null(p);
    fclose(f);
    f = fopen(ini, "w");
    fwrite(body, 1, (size_t)(p - body) + 7, f);
    fputs("require_registration_token = true\n", f);
    fputs(p + 7, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s -c %s --issue-token --uses 1 2>/dev/null", RELAY_BIN, t.cfg);
    FILE *pp = popen(cmd, "r");
    assert_non_null(pp);
    assert_non_null(fgets(token, sizeof token, pp));
    pclose(pp);
    token[strcspn(token, "\n")] = 0;
    assert_int_equal(strlen(token), 48);
    assert_int_equal(rt_server_restart(&t), 0);
    rt_secret(secret);
    assert_int_equal(rt_register(&t, "sip:erin@example.org", 1, secret, NULL, NULL, NULL), 403);
    assert_int_equal(rt_register(&t, "sip:erin@example.org", 1, secret, "00ff", NULL, NULL), 403);
    assert_int_equal(rt_register(&t, "sip:erin@example.org", 1, secret, token, NULL, NULL), 201);
    /* used up */
    assert_int_equal(rt_register(&t, "sip:frank@example.org", 1, secret, token, NULL, NULL), 403);
    rt_server_cleanup(&t);
}

/* RELAY-OPS-1/2: --check-config refuses a bad file; SIGHUP reloads the
 * certificate (a broken pair is refused and the old one kept); SIGTERM
 * exits 0; /metrics only for loopback. */
static void test_operations(void **state)
{
    char cmd[1400];
    rt_resp r;
    (void)state;
    snprintf(cmd, sizeof cmd, "%s -c %s --check-config >/dev/null 2>&1", RELAY_BIN, srv.cfg);
    assert_int_equal(system(cmd), 0);
    char bad[700];
    snprintf(bad, sizeof bad, "%s/bad.ini", srv.dir);
    FILE *f = fopen(bad, "w");
    fputs("[queue]\nttl_seconds = -1\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s -c %s --check-config >/dev/null 2>&1", RELAY_BIN, bad);
    assert_int_not_equal(system(cmd), 0);
    /* reload with a valid certificate, then with a corrupted key */
    kill(srv.pid, SIGHUP);
    usleep(300000);
    assert_int_equal(rt_http(&srv, "GET", "/healthz", NULL, NULL, NULL, 0, &r), 0);
    assert_int_equal(r.code, 200);
    free(r.body);
    char key[700];
    snprintf(key, sizeof key, "%s/state/tls/key.pem", srv.dir);
    char *orig = cts_read_file(key, NULL);
    assert_non_null(orig);
    f = fopen(key, "w");
    fputs("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", f);
    fclose(f);
    kill(srv.pid, SIGHUP);
    usleep(300000);
    assert_int_equal(rt_http(&srv, "GET", "/healthz", NULL, NULL, NULL, 0, &r), 0);
    assert_int_equal(r.code, 200); /* old certificate still served */
    free(r.body);
    f = fopen(key, "w");
    fputs(orig, f);
    fclose(f);
    free(orig);
    assert_true(rt_metric(&srv, "cairn_relay_http_requests_total") > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register_and_login),
        cmocka_unit_test(test_auth_failures),
        cmocka_unit_test(test_bad_registrations),
        cmocka_unit_test(test_registration_tokens),
        cmocka_unit_test(test_operations),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
