/*
 * transport_tls_direct.c - two Cairn endpoints talking directly over TLS
 * (SIP over TLS and MSRP over TLS, msrps:), one acting as UAS with SIP
 * and MSRP listeners: pager mode, then a 50 KB payload in session mode,
 * chunked with per-chunk responses and a success REPORT, then BYE. The
 * client verifies the server certificate (hostname check against a
 * self-signed CA) and pins its key (BIND-TLS-2/3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "cairn/cpim.h"
#include "cairn/tls.h"
#include "test_support.h"
#include "ua_test_util.h"

static void test_tls_direct(void **state)
{
    cairn_context *ctx = ut_context();
    ut_ep alice, bob;
    ut_ep *eps[2] = {&alice, &bob};
    cairn_ua_config ca, cb;
    cairn_tls_config *cli, *srv;
    char *cert, *key, bob_uri[128], id[CAIRN_UA_ID_SIZE];
    size_t cl, kl, plen = 50 * 1024;
    uint8_t pin[CAIRN_TLS_PIN_LEN], *payload;
    cairn__buf b;
    cairn_cpim m;
    (void)state;

    assert_int_equal(cairn_tls_selfsigned(ctx, "localhost", 2, &cert, &cl, &key, &kl), CAIRN_OK);
    assert_int_equal(cairn_tls_config_new(ctx, CAIRN_TLS_CLIENT, &cli), CAIRN_OK);
    assert_int_equal(cairn_tls_config_new(ctx, CAIRN_TLS_SERVER, &srv), CAIRN_OK);
    assert_int_equal(cairn_tls_config_add_ca_pem(cli, cert, cl), CAIRN_OK);
    assert_int_equal(cairn_tls_pin_from_pem(ctx, cert, cl, pin), CAIRN_OK);
    assert_int_equal(cairn_tls_config_add_pin(cli, pin), CAIRN_OK);
    assert_int_equal(cairn_tls_config_set_cert_pem(srv, cert, cl, key, kl), CAIRN_OK);

    ut_ep_config(&bob, &cb, "sip:bob@127.0.0.1");
    cb.tls = true;
    cb.tls_client = cli;
    cb.tls_server = srv;
    cb.tls_server_name = "localhost";
    cb.sip_listen = cb.msrp_listen = true;
    assert_int_equal(cairn_ua_create(ctx, &cb, &bob.ua), CAIRN_OK);
    ut_ep_config(&alice, &ca, "sip:alice@127.0.0.1");
    ca.tls = true;
    ca.tls_client = cli;
    ca.tls_server_name = "localhost";
    ca.proxy_ip = "127.0.0.1";
    ca.proxy_port = cairn_ua_sip_port(bob.ua);
    assert_int_equal(cairn_ua_create(ctx, &ca, &alice.ua), CAIRN_OK);
    snprintf(bob_uri, sizeof(bob_uri), "sips:bob@127.0.0.1:%u",
             (unsigned)cairn_ua_sip_port(bob.ua));

    payload = malloc(plen);
    for (size_t i = 0; i < plen; i++)
        payload[i] = (uint8_t)(i ^ (i >> 8));
    memset(&m, 0, sizeof(m));
    m.from = "<sip:alice@127.0.0.1>";
    m.to = "<sip:bob@127.0.0.1>";
    m.content_type = "application/vnd.cairn.signal";
    cairn__buf_init(&b, ctx, plen + 4096);

    /* pager */
    assert_int_equal(cairn_cpim_write(&b, &m, payload, 100), CAIRN_OK);
    assert_int_equal(cairn_ua_send(alice.ua, bob_uri, "message/cpim", b.data, b.len, id), CAIRN_OK);
    assert_true(ut_run(eps, 2, &alice.n_reports, 1, 20000));
    assert_int_equal(alice.last_report, 200);
    assert_int_equal(bob.last_mode, CAIRN_UA_PAGER);

    /* session, 50 KB */
    cairn__buf_reset(&b);
    assert_int_equal(cairn_cpim_write(&b, &m, payload, plen), CAIRN_OK);
    assert_int_equal(cairn_ua_send(alice.ua, bob_uri, "message/cpim", b.data, b.len, id), CAIRN_OK);
    assert_true(ut_run(eps, 2, &alice.n_reports, 2, 30000));
    assert_int_equal(alice.last_report, 200);
    assert_string_equal(alice.last_report_id, id);
    assert_int_equal(bob.n_msgs, 2);
    assert_int_equal(bob.last_mode, CAIRN_UA_SESSION);
    assert_int_equal(bob.last_len, b.len);
    assert_memory_equal(bob.last_body, b.data, b.len);
    assert_non_null(alice.last_session);
    assert_int_equal(cairn_ua_session_close(alice.last_session), CAIRN_OK);
    assert_true(ut_run(eps, 2, &bob.closed, 1, 10000));

    cairn__buf_free(&b);
    free(payload);
    ut_ep_free(&alice);
    ut_ep_free(&bob);
    cairn_tls_config_free(cli);
    cairn_tls_config_free(srv);
    cairn_free(ctx, cert, cl + 1);
    cairn_free(ctx, key, kl + 1);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_tls_direct)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
