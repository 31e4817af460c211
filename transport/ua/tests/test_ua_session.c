/*
 * test_ua_session.c - session mode between two user agents on loopback
 * TCP: a 50 KB payload chunked (BIND-SESS-5) with per-chunk responses and
 * a success REPORT (BIND-SESS-6), automatic mode choice by size
 * (BIND-SIP-1), a refused inner type coming back as a failure REPORT,
 * BYE from either side, and garbage on the MSRP listener.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base.h"
#include "cairn/cpim.h"
#include "test_support.h"
#include "ua_test_util.h"

typedef struct fx {
    cairn_context *ctx;
    ut_ep alice, bob;
    char bob_uri[128];
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    cairn_ua_config ca, cb;

    f->ctx = ut_context();
    ut_ep_config(&f->bob, &cb, "sip:bob@127.0.0.1");
    cb.sip_listen = true;
    cb.msrp_listen = true;
    assert_int_equal(cairn_ua_create(f->ctx, &cb, &f->bob.ua), CAIRN_OK);
    ut_ep_config(&f->alice, &ca, "sip:alice@127.0.0.1");
    ca.proxy_ip = "127.0.0.1";
    ca.proxy_port = cairn_ua_sip_port(f->bob.ua);
    assert_int_equal(cairn_ua_create(f->ctx, &ca, &f->alice.ua), CAIRN_OK);
    snprintf(f->bob_uri, sizeof(f->bob_uri), "sip:bob@127.0.0.1:%u",
             (unsigned)cairn_ua_sip_port(f->bob.ua));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    ut_ep_free(&f->alice);
    ut_ep_free(&f->bob);
    cairn_context_destroy(f->ctx);
    free(f);
    return 0;
}

static uint8_t *cpim(fx *f, const char *inner, size_t payload, size_t *n)
{
    cairn__buf b;
    cairn_cpim m;
    uint8_t *body = malloc(payload), *out;

    for (size_t i = 0; i < payload; i++)
        body[i] = (uint8_t)(i * 31 + 7);
    memset(&m, 0, sizeof(m));
    m.from = "<sip:alice@127.0.0.1>";
    m.to = "<sip:bob@127.0.0.1>";
    m.content_type = inner;
    cairn__buf_init(&b, f->ctx, payload + 4096);
    assert_int_equal(cairn_cpim_write(&b, &m, body, payload), CAIRN_OK);
    out = malloc(b.len);
    memcpy(out, b.data, b.len);
    *n = b.len;
    cairn__buf_free(&b);
    free(body);
    return out;
}

/* BIND-SIP-1 + BIND-SESS-5/6: 50 KB goes over MSRP in 10 KB chunks and
 * comes back with a success REPORT; the second payload reuses the session. */
static void test_session_50k(void **state)
{
    fx *f = *state;
    ut_ep *eps[2] = {&f->alice, &f->bob};
    size_t n;
    uint8_t *body = cpim(f, "application/vnd.cairn.signal", 50 * 1024, &n);
    char id[CAIRN_UA_ID_SIZE];

    assert_int_equal(cairn_ua_send(f->alice.ua, f->bob_uri, "message/cpim", body, n, id), CAIRN_OK);
    assert_true(ut_run(eps, 2, &f->alice.n_reports, 1, 20000));
    assert_int_equal(f->alice.last_report, 200);
    assert_string_equal(f->alice.last_report_id, id);
    assert_int_equal(f->bob.n_msgs, 1);
    assert_int_equal(f->bob.last_mode, CAIRN_UA_SESSION);
    assert_int_equal(f->bob.last_len, n);
    assert_memory_equal(f->bob.last_body, body, n);
    assert_int_equal(f->alice.established, 1);
    assert_int_equal(f->bob.established, 1);
    assert_int_equal(f->bob.incoming, 1);
    /* again: same session, no new INVITE */
    assert_int_equal(cairn_ua_send(f->alice.ua, f->bob_uri, "message/cpim", body, n, id), CAIRN_OK);
    assert_true(ut_run(eps, 2, &f->alice.n_reports, 2, 20000));
    assert_int_equal(f->alice.last_report, 200);
    assert_int_equal(f->bob.incoming, 1);
    assert_int_equal(f->bob.n_msgs, 2);
    /* Bob can send back on the same session */
    assert_non_null(f->bob.last_session);
    assert_int_equal(cairn_ua_session_send(f->bob.last_session, "message/cpim", body, n, id),
                     CAIRN_OK);
    assert_true(ut_run(eps, 2, &f->bob.n_reports, 1, 20000));
    assert_int_equal(f->bob.last_report, 200);
    assert_int_equal(f->alice.n_msgs, 1);
    /* BYE from Alice closes both ends */
    assert_non_null(f->alice.last_session);
    assert_int_equal(cairn_ua_session_close(f->alice.last_session), CAIRN_OK);
    assert_true(ut_run(eps, 2, &f->bob.closed, 1, 10000));
    assert_int_equal(f->alice.closed, 1);
    free(body);
}

/* A refused inner type is a failure REPORT with 415. */
static void test_session_415(void **state)
{
    fx *f = *state;
    ut_ep *eps[2] = {&f->alice, &f->bob};
    size_t n;
    uint8_t *body = cpim(f, "text/plain", 20000, &n);
    char id[CAIRN_UA_ID_SIZE];

    assert_int_equal(cairn_ua_send(f->alice.ua, f->bob_uri, "message/cpim", body, n, id), CAIRN_OK);
    assert_true(ut_run(eps, 2, &f->alice.n_reports, 1, 20000));
    assert_int_equal(f->alice.last_report, 415);
    assert_int_equal(f->bob.n_msgs, 0);
    free(body);
    /* outer type refused per chunk: 415 transaction response */
    body = malloc(30000);
    memset(body, 'z', 30000);
    assert_int_equal(cairn_ua_send(f->alice.ua, f->bob_uri, "text/plain", body, 30000, id),
                     CAIRN_OK);
    assert_true(ut_run(eps, 2, &f->alice.n_reports, 2, 20000));
    assert_int_equal(f->alice.last_report, 415);
    free(body);
    /* Bob hangs up this time */
    assert_non_null(f->bob.last_session);
    assert_int_equal(cairn_ua_session_close(f->bob.last_session), CAIRN_OK);
    assert_true(ut_run(eps, 2, &f->alice.closed, 1, 10000));
}

/* Garbage and unknown sessions on Bob's MSRP listener. */
static void test_msrp_hostile(void **state)
{
    fx *f = *state;
    ut_ep *eps[2] = {&f->alice, &f->bob};
    struct sockaddr_in a;
    int s;
    char buf[512];
    const char *unknown = "MSRP abcd1234 SEND\r\nTo-Path: msrp://127.0.0.1:1/nosuch;tcp\r\n"
                          "From-Path: msrp://127.0.0.1:2/x;tcp\r\nMessage-ID: m1\r\n"
                          "Byte-Range: 1-2/2\r\nContent-Type: message/cpim\r\n\r\nhi\r\n"
                          "-------abcd1234$\r\n";
    ssize_t r;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(cairn_ua_msrp_port(f->bob.ua));
    a.sin_addr.s_addr = htonl(0x7f000001);
    s = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(send(s, unknown, strlen(unknown), MSG_NOSIGNAL), (ssize_t)strlen(unknown));
    ut_run(eps, 2, NULL, 0, 300);
    r = recv(s, buf, sizeof(buf) - 1, MSG_DONTWAIT);
    assert_true(r > 0);
    buf[r] = '\0';
    assert_non_null(strstr(buf, "MSRP abcd1234 481"));
    /* framing garbage: the connection is dropped */
    assert_int_equal(send(s, "MSRP \x01\x02 GARBAGE\r\n\r\n", 20, MSG_NOSIGNAL), 20);
    ut_run(eps, 2, NULL, 0, 300);
    {
        struct pollfd p = {s, POLLIN, 0};
        assert_true(poll(&p, 1, 3000) == 1);
        assert_true(recv(s, buf, sizeof(buf), 0) <= 0);
    }
    close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_session_50k, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_415, setup, teardown),
        cmocka_unit_test_setup_teardown(test_msrp_hostile, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
