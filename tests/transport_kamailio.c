/*
 * transport_kamailio.c - two Cairn user agents against a STOCK Kamailio
 * (server/deploy/kamailio/kamailio.cfg) on loopback: both REGISTER with
 * SHA-256 digest (BIND-SIP-3), exchange a pager MESSAGE through the proxy
 * with proxy authentication, then a 50 KB payload over MSRP through
 * Kamailio's RFC 4976 relay after AUTH (BIND-SESS-4), chunked
 * (BIND-SESS-5) with the success REPORT coming back through the relay
 * (BIND-SESS-6). Skips when kamailio is not installed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "cairn/cpim.h"
#include "test_support.h"
#include "transport_util.h"
#include "ua_test_util.h"

static pid_t g_pid = -1;
static char *g_dir;
static uint16_t g_sip_port, g_msrp_port;

/* Kamailio runs between setup and teardown so a failed assertion still
 * stops it (cmocka unwinds the test, then calls teardown). */
static int start_kamailio(void **state)
{
    (void)state;
    if (tu_kamailio_path() == NULL)
        return 0;
    g_dir = cts_tempdir();
    g_sip_port = tu_free_port();
    g_msrp_port = tu_free_port();
    while (g_msrp_port == g_sip_port)
        g_msrp_port = tu_free_port();
    g_pid = tu_kamailio_start(g_dir, g_sip_port, g_msrp_port);
    return 0;
}

static int stop_kamailio(void **state)
{
    (void)state;
    tu_kamailio_stop(g_pid);
    g_pid = -1;
    if (g_dir != NULL) {
        cts_rmdir(g_dir);
        free(g_dir);
        g_dir = NULL;
    }
    return 0;
}

static void test_kamailio(void **state)
{
    cairn_context *ctx;
    ut_ep alice, bob;
    ut_ep *eps[2] = {&alice, &bob};
    cairn_ua_config ca, cb;
    uint16_t sip_port, msrp_port;
    char *dir;
    pid_t pid;
    char id[CAIRN_UA_ID_SIZE];
    cairn__buf b;
    cairn_cpim m;
    uint8_t *payload;
    size_t plen = 50 * 1024;
    bool ok;
    (void)state;

    if (tu_kamailio_path() == NULL) {
        fprintf(stderr, "SKIP: kamailio is not installed (apt-get install kamailio)\n");
        skip();
    }
    dir = g_dir;
    sip_port = g_sip_port;
    msrp_port = g_msrp_port;
    pid = g_pid;
    assert_true(pid > 0);

    ctx = ut_context();
    ut_ep_config(&alice, &ca, "sip:alice@cairn.test");
    ut_ep_config(&bob, &cb, "sip:bob@cairn.test");
    ca.proxy_ip = cb.proxy_ip = "127.0.0.1";
    ca.proxy_port = cb.proxy_port = sip_port;
    ca.registrar = cb.registrar = "sip:cairn.test";
    ca.password = "alice-secret";
    cb.password = "bob-secret";
    ca.msrp_relay_ip = cb.msrp_relay_ip = "127.0.0.1";
    ca.msrp_relay_port = cb.msrp_relay_port = msrp_port;
    assert_int_equal(cairn_ua_create(ctx, &ca, &alice.ua), CAIRN_OK);
    assert_int_equal(cairn_ua_create(ctx, &cb, &bob.ua), CAIRN_OK);
    assert_int_equal(cairn_ua_start(alice.ua), CAIRN_OK);
    assert_int_equal(cairn_ua_start(bob.ua), CAIRN_OK);
    ok = ut_run(eps, 2, &alice.registered, 1, 20000) && ut_run(eps, 2, &bob.registered, 1, 20000);
    if (!ok)
        tu_dump_log(dir);
    assert_true(ok);

    /* pager mode through the proxy (407 answered with credentials) */
    payload = malloc(plen);
    for (size_t i = 0; i < plen; i++)
        payload[i] = (uint8_t)(i * 13 + 1);
    memset(&m, 0, sizeof(m));
    m.from = "<sip:alice@cairn.test>";
    m.to = "<sip:bob@cairn.test>";
    m.content_type = "application/vnd.cairn.signal";
    cairn__buf_init(&b, ctx, plen + 4096);
    assert_int_equal(cairn_cpim_write(&b, &m, payload, 200), CAIRN_OK);
    assert_int_equal(
        cairn_ua_send(alice.ua, "sip:bob@cairn.test", "message/cpim", b.data, b.len, id), CAIRN_OK);
    ok = ut_run(eps, 2, &alice.n_reports, 1, 20000);
    if (!ok || alice.last_report != 200)
        tu_dump_log(dir);
    assert_true(ok);
    assert_int_equal(alice.last_report, 200);
    assert_int_equal(bob.n_msgs, 1);
    assert_int_equal(bob.last_mode, CAIRN_UA_PAGER);

    /* 50 KB: session mode through the MSRP relay */
    cairn__buf_reset(&b);
    assert_int_equal(cairn_cpim_write(&b, &m, payload, plen), CAIRN_OK);
    assert_int_equal(
        cairn_ua_send(alice.ua, "sip:bob@cairn.test", "message/cpim", b.data, b.len, id), CAIRN_OK);
    ok = ut_run(eps, 2, &alice.n_reports, 2, 40000);
    if (!ok || alice.last_report != 200)
        tu_dump_log(dir);
    assert_true(ok);
    assert_int_equal(alice.last_report, 200);
    assert_string_equal(alice.last_report_id, id);
    assert_int_equal(bob.n_msgs, 2);
    assert_int_equal(bob.last_mode, CAIRN_UA_SESSION);
    assert_int_equal(bob.last_len, b.len);
    assert_memory_equal(bob.last_body, b.data, b.len);
    assert_int_equal(alice.established, 1);

    /* BYE through the proxy's Record-Route */
    assert_non_null(alice.last_session);
    assert_int_equal(cairn_ua_session_close(alice.last_session), CAIRN_OK);
    ok = ut_run(eps, 2, &bob.closed, 1, 10000);
    if (!ok)
        tu_dump_log(dir);
    assert_true(ok);

    cairn__buf_free(&b);
    free(payload);
    ut_ep_free(&alice);
    ut_ep_free(&bob);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kamailio, start_kamailio, stop_kamailio)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
