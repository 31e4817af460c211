/*
 * test_ua_pager.c - pager mode between two user agents on loopback TCP
 * (BIND-SIP-1, BIND-SIP-2), registration with MD5 digest against a
 * scripted registrar including refresh before expiry (BIND-SIP-3/4),
 * timer F, and hostile bytes on the SIP listener.
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
#include "cairn/conn.h"
#include "cairn/cpim.h"
#include "cairn/sip.h"
#include "cairn/sip_digest.h"
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
    assert_int_equal(cairn_ua_start(f->alice.ua), CAIRN_OK);
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
    ut_clock_offset = 0;
    free(f);
    return 0;
}

static size_t cpim(fx *f, const char *inner, const void *body, size_t len, uint8_t *out, size_t cap)
{
    cairn__buf b;
    cairn_cpim m;
    size_t n;

    memset(&m, 0, sizeof(m));
    m.from = "<sip:alice@127.0.0.1>";
    m.to = "<sip:bob@127.0.0.1>";
    m.content_type = inner;
    cairn__buf_init(&b, f->ctx, cap);
    assert_int_equal(cairn_cpim_write(&b, &m, body, len), CAIRN_OK);
    memcpy(out, b.data, b.len);
    n = b.len;
    cairn__buf_free(&b);
    return n;
}

/* BIND-SIP-1: a small payload goes as one MESSAGE and is acknowledged. */
static void test_pager_roundtrip(void **state)
{
    fx *f = *state;
    ut_ep *eps[2] = {&f->alice, &f->bob};
    uint8_t body[1024];
    char id[CAIRN_UA_ID_SIZE];
    size_t n =
        cpim(f, "application/vnd.cairn.signal", "\x01\x02\x03ciphertext", 13, body, sizeof(body));

    assert_int_equal(cairn_ua_send(f->alice.ua, f->bob_uri, "message/cpim", body, n, id), CAIRN_OK);
    assert_true(ut_run(eps, 2, &f->alice.n_reports, 1, 10000));
    assert_int_equal(f->alice.last_report, 200);
    assert_string_equal(f->alice.last_report_id, id);
    assert_int_equal(f->bob.n_msgs, 1);
    assert_int_equal(f->bob.last_mode, CAIRN_UA_PAGER);
    assert_string_equal(f->bob.last_ct, "message/cpim");
    assert_int_equal(f->bob.last_len, n);
    assert_memory_equal(f->bob.last_body, body, n);
    /* a 202 from the app is a delivery too */
    f->bob.reply_code = 202;
    assert_int_equal(cairn_ua_pager_send(f->alice.ua, f->bob_uri, "message/cpim", body, n, id),
                     CAIRN_OK);
    assert_true(ut_run(eps, 2, &f->alice.n_reports, 2, 10000));
    assert_int_equal(f->alice.last_report, 200);
}

/* BIND-SIP-2: types we do not accept are answered 415, outer or inner. */
static void test_pager_415(void **state)
{
    fx *f = *state;
    ut_ep *eps[2] = {&f->alice, &f->bob};
    uint8_t body[1024];
    char id[CAIRN_UA_ID_SIZE];
    size_t n;

    assert_int_equal(
        cairn_ua_pager_send(f->alice.ua, f->bob_uri, "text/plain", (const uint8_t *)"hi", 2, id),
        CAIRN_OK);
    assert_true(ut_run(eps, 2, &f->alice.n_reports, 1, 10000));
    assert_int_equal(f->alice.last_report, 415);
    n = cpim(f, "text/plain", "plaintext!", 10, body, sizeof(body));
    assert_int_equal(cairn_ua_pager_send(f->alice.ua, f->bob_uri, "message/cpim", body, n, id),
                     CAIRN_OK);
    assert_true(ut_run(eps, 2, &f->alice.n_reports, 2, 10000));
    assert_int_equal(f->alice.last_report, 415);
    /* malformed CPIM: 400 */
    assert_int_equal(cairn_ua_pager_send(f->alice.ua, f->bob_uri, "message/cpim",
                                         (const uint8_t *)"\x00\x01garbage", 9, id),
                     CAIRN_OK);
    assert_true(ut_run(eps, 2, &f->alice.n_reports, 3, 10000));
    assert_int_equal(f->alice.last_report, 400);
    /* the app may refuse too */
    f->bob.reply_code = 415;
    n = cpim(f, "application/vnd.cairn.signal", "x", 1, body, sizeof(body));
    assert_int_equal(cairn_ua_pager_send(f->alice.ua, f->bob_uri, "message/cpim", body, n, id),
                     CAIRN_OK);
    assert_true(ut_run(eps, 2, &f->alice.n_reports, 4, 10000));
    assert_int_equal(f->alice.last_report, 415);
    assert_int_equal(f->bob.n_msgs, 1);
}

/* BIND-SIP-1: the 1300-byte cap counts the whole request. */
static void test_pager_size_cap(void **state)
{
    fx *f = *state;
    uint8_t big[1300];
    char id[CAIRN_UA_ID_SIZE];

    memset(big, 'A', sizeof(big));
    assert_int_equal(cairn_ua_pager_send(f->alice.ua, f->bob_uri, "message/cpim", big, 1300, id),
                     CAIRN_ERR_TOO_LARGE);
    assert_int_equal(cairn_ua_pager_send(f->alice.ua, f->bob_uri, "message/cpim", big, 1000, id),
                     CAIRN_ERR_TOO_LARGE);
    assert_int_equal(cairn_ua_pager_send(f->alice.ua, f->bob_uri, "message/cpim", big, 700, id),
                     CAIRN_OK);
    assert_int_equal(cairn_ua_pager_send(f->alice.ua, "not a uri", "message/cpim", big, 10, id),
                     CAIRN_ERR_INVALID_ARG);
}

/* Hostile bytes on Bob's SIP port close that flow only. */
static void test_hostile_sip(void **state)
{
    fx *f = *state;
    ut_ep *eps[2] = {&f->alice, &f->bob};
    struct sockaddr_storage ss;
    int s;
    char junk[9000];
    char id[CAIRN_UA_ID_SIZE];
    uint8_t body[512];
    size_t n;
    cairn_conn *dummy = NULL;
    (void)dummy;

    s = socket(AF_INET, SOCK_STREAM, 0);
    {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        memset(&ss, 0, sizeof(ss));
        a->sin_family = AF_INET;
        a->sin_port = htons(cairn_ua_sip_port(f->bob.ua));
        a->sin_addr.s_addr = htonl(0x7f000001);
    }
    assert_int_equal(connect(s, (struct sockaddr *)&ss, sizeof(struct sockaddr_in)), 0);
    memset(junk, 'X', sizeof(junk)); /* one 9000-byte line: over the line cap */
    assert_int_equal(send(s, junk, sizeof(junk), MSG_NOSIGNAL), (ssize_t)sizeof(junk));
    ut_run(eps, 2, NULL, 0, 300);
    {
        char b[16];
        struct pollfd p = {s, POLLIN, 0};
        assert_true(poll(&p, 1, 3000) == 1);
        assert_true(recv(s, b, sizeof(b), 0) <= 0); /* Bob hung up */
    }
    close(s);
    /* huge Content-Length */
    s = socket(AF_INET, SOCK_STREAM, 0);
    assert_int_equal(connect(s, (struct sockaddr *)&ss, sizeof(struct sockaddr_in)), 0);
    {
        const char *m =
            "MESSAGE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 1.2.3.4;branch=z9hG4bKx\r\n"
            "Content-Length: 99999999999\r\n\r\n";
        assert_int_equal(send(s, m, strlen(m), MSG_NOSIGNAL), (ssize_t)strlen(m));
    }
    ut_run(eps, 2, NULL, 0, 300);
    close(s);
    /* Bob still serves Alice */
    n = cpim(f, "application/vnd.cairn.signal", "ok", 2, body, sizeof(body));
    assert_int_equal(cairn_ua_send(f->alice.ua, f->bob_uri, "message/cpim", body, n, id), CAIRN_OK);
    assert_true(ut_run(eps, 2, &f->alice.n_reports, 1, 10000));
    assert_int_equal(f->alice.last_report, 200);
}

/* ---- a scripted registrar ------------------------------------------------ */

typedef struct registrar {
    cairn_context *ctx;
    int lfd, fd;
    cairn_sip_reader *rd;
    int n_register, n_ok;
    char nonce[40];
} registrar;

static void reg_step(registrar *r)
{
    uint8_t buf[8192];
    ssize_t n;
    struct pollfd p;

    if (r->fd < 0) {
        p.fd = r->lfd;
        p.events = POLLIN;
        if (poll(&p, 1, 0) == 1)
            r->fd = accept(r->lfd, NULL, NULL);
        if (r->fd < 0)
            return;
    }
    n = recv(r->fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n <= 0)
        return;
    size_t off = 0;
    while (off < (size_t)n) {
        size_t used = 0;
        cairn_sip_msg *m = NULL, *rsp = NULL;
        assert_int_equal(cairn_sip_reader_feed(r->rd, buf + off, (size_t)n - off, &used, &m),
                         CAIRN_OK);
        off += used;
        if (m == NULL)
            continue;
        r->n_register++;
        assert_string_equal(cairn_sip_msg_method(m), "REGISTER");
        const char *auth = cairn_sip_msg_header(m, "Authorization", 0);
        int code = 401;
        if (auth != NULL) {
            cairn_sip_credentials cr;
            char ha1[CAIRN_SIP_DIGEST_HEX];
            assert_int_equal(cairn_sip_credentials_parse(auth, strlen(auth), &cr), CAIRN_OK);
            assert_int_equal(cairn_sip_digest_ha1(cr.alg, "alice", "cairn.test", "s3cret", ha1),
                             CAIRN_OK);
            if (cairn_sip_digest_verify(&cr, "REGISTER", "cairn.test", r->nonce, ha1) == CAIRN_OK)
                code = 200;
            else
                code = 403;
        }
        assert_int_equal(cairn_sip_msg_new_response(r->ctx, code, NULL, &rsp), CAIRN_OK);
        const char *names[] = {"Via", "From", "To", "Call-ID", "CSeq"};
        for (size_t i = 0; i < 5; i++)
            assert_int_equal(
                cairn_sip_msg_header_add(rsp, names[i], cairn_sip_msg_header(m, names[i], 0)),
                CAIRN_OK);
        if (code == 401) {
            cairn__buf b;
            cairn__buf_init(&b, r->ctx, 4096);
            snprintf(r->nonce, sizeof(r->nonce), "n%d", r->n_register);
            assert_int_equal(cairn_sip_digest_challenge_format(&b, CAIRN_SIP_DIGEST_MD5,
                                                               "cairn.test", r->nonce, NULL, false),
                             CAIRN_OK);
            cairn__buf_append_u8(&b, 0);
            assert_int_equal(
                cairn_sip_msg_header_add(rsp, "WWW-Authenticate", (const char *)b.data), CAIRN_OK);
            cairn__buf_free(&b);
        } else if (code == 200) {
            r->n_ok++;
            assert_int_equal(cairn_sip_msg_header_addf(rsp, "Contact", "%s;expires=60",
                                                       cairn_sip_msg_header(m, "Contact", 0)),
                             CAIRN_OK);
        }
        cairn__buf b;
        cairn__buf_init(&b, r->ctx, 65536);
        assert_int_equal(cairn_sip_msg_serialize(rsp, &b), CAIRN_OK);
        assert_int_equal(send(r->fd, b.data, b.len, MSG_NOSIGNAL), (ssize_t)b.len);
        cairn__buf_free(&b);
        cairn_sip_msg_free(rsp);
        cairn_sip_msg_free(m);
    }
}

static bool reg_run(registrar *r, ut_ep *ep, const int *flag, int want)
{
    for (int i = 0; i < 2000; i++) {
        if (*flag >= want)
            return true;
        (void)cairn_ua_run_once(ep->ua, 5);
        reg_step(r);
    }
    return false;
}

/* BIND-SIP-3/4: digest (MD5 here; SHA-256 against Kamailio) and refresh
 * at half the granted lifetime. A wrong password is reported as AUTH. */
static void test_register(void **state)
{
    cairn_context *ctx = ut_context();
    registrar r = {0};
    ut_ep ep;
    cairn_ua_config cfg;
    uint16_t port;
    (void)state;

    r.ctx = ctx;
    r.fd = -1;
    assert_int_equal(cairn_sip_reader_new(ctx, NULL, &r.rd), CAIRN_OK);
    assert_int_equal(cairn_conn_listen("127.0.0.1", 0, 4, &r.lfd, &port), CAIRN_OK);
    ut_ep_config(&ep, &cfg, "sip:alice@cairn.test");
    cfg.proxy_ip = "127.0.0.1";
    cfg.proxy_port = port;
    cfg.registrar = "sip:cairn.test";
    cfg.password = "s3cret";
    cfg.register_expires = 120;
    assert_int_equal(cairn_ua_create(ctx, &cfg, &ep.ua), CAIRN_OK);
    assert_int_equal(cairn_ua_start(ep.ua), CAIRN_OK);
    assert_true(reg_run(&r, &ep, &ep.registered, 1));
    assert_true(cairn_ua_registered(ep.ua));
    assert_int_equal(r.n_register, 2); /* challenge, then credentials */
    /* refresh due at 30 s (half of the granted 60) */
    int64_t d = cairn_ua_deadline(ep.ua);
    assert_true(d > 0);
    ut_clock_offset += 29000;
    for (int i = 0; i < 20; i++) {
        (void)cairn_ua_run_once(ep.ua, 1);
        reg_step(&r);
    }
    assert_int_equal(ep.registered, 1);
    ut_clock_offset += 1500;
    assert_true(reg_run(&r, &ep, &ep.registered, 2));
    assert_int_equal(r.n_ok, 2);
    /* the registrar drops the connection: the UA reports it, backs off,
     * reconnects and registers again (BIND-SIP-4) */
    close(r.fd);
    r.fd = -1;
    cairn_sip_reader_free(r.rd);
    assert_int_equal(cairn_sip_reader_new(ctx, NULL, &r.rd), CAIRN_OK);
    for (int i = 0; i < 200 && ep.reg_err == CAIRN_OK; i++)
        (void)cairn_ua_run_once(ep.ua, 5);
    assert_int_equal(ep.reg_err, CAIRN_ERR_NETWORK);
    assert_false(cairn_ua_registered(ep.ua));
    ut_clock_offset += 2000; /* past the first backoff step */
    assert_true(reg_run(&r, &ep, &ep.registered, 3));
    assert_true(cairn_ua_registered(ep.ua));
    ut_ep_free(&ep);

    /* wrong password */
    if (r.fd >= 0)
        close(r.fd);
    r.fd = -1;
    cairn_sip_reader_free(r.rd);
    assert_int_equal(cairn_sip_reader_new(ctx, NULL, &r.rd), CAIRN_OK);
    ut_ep_config(&ep, &cfg, "sip:alice@cairn.test");
    cfg.proxy_ip = "127.0.0.1";
    cfg.proxy_port = port;
    cfg.registrar = "sip:cairn.test";
    cfg.password = "wrong";
    ep.reg_err = CAIRN_OK;
    assert_int_equal(cairn_ua_create(ctx, &cfg, &ep.ua), CAIRN_OK);
    assert_int_equal(cairn_ua_start(ep.ua), CAIRN_OK);
    int err = 0;
    for (int i = 0; i < 2000 && ep.reg_err == CAIRN_OK; i++) {
        (void)cairn_ua_run_once(ep.ua, 5);
        reg_step(&r);
    }
    (void)err;
    assert_int_equal(ep.reg_err, CAIRN_ERR_AUTH);
    assert_false(cairn_ua_registered(ep.ua));
    ut_ep_free(&ep);
    if (r.fd >= 0)
        close(r.fd);
    close(r.lfd);
    cairn_sip_reader_free(r.rd);
    cairn_context_destroy(ctx);
    ut_clock_offset = 0;
}

/* Timer F: a peer that never answers gives a 408 report after 32 s. */
static void test_timer_f(void **state)
{
    cairn_context *ctx = ut_context();
    ut_ep ep;
    cairn_ua_config cfg;
    int lfd, sfd;
    uint16_t port;
    char id[CAIRN_UA_ID_SIZE];
    (void)state;

    assert_int_equal(cairn_conn_listen("127.0.0.1", 0, 4, &lfd, &port), CAIRN_OK);
    ut_ep_config(&ep, &cfg, "sip:alice@cairn.test");
    cfg.proxy_ip = "127.0.0.1";
    cfg.proxy_port = port;
    assert_int_equal(cairn_ua_create(ctx, &cfg, &ep.ua), CAIRN_OK);
    assert_int_equal(cairn_ua_pager_send(ep.ua, "sip:bob@cairn.test", "message/cpim",
                                         (const uint8_t *)"x", 1, id),
                     CAIRN_OK);
    {
        struct pollfd p = {lfd, POLLIN, 0};
        poll(&p, 1, 3000);
        sfd = accept(lfd, NULL, NULL);
    }
    for (int i = 0; i < 20; i++)
        (void)cairn_ua_run_once(ep.ua, 5);
    assert_int_equal(ep.n_reports, 0);
    ut_clock_offset += 32001;
    (void)cairn_ua_run_once(ep.ua, 0);
    assert_int_equal(ep.n_reports, 1);
    assert_int_equal(ep.last_report, 408);
    assert_string_equal(ep.last_report_id, id);
    ut_ep_free(&ep);
    close(sfd);
    close(lfd);
    cairn_context_destroy(ctx);
    ut_clock_offset = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pager_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pager_415, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pager_size_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_sip, setup, teardown),
        cmocka_unit_test(test_register),
        cmocka_unit_test(test_timer_f),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
