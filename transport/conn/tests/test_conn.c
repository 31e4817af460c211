/*
 * test_conn.c - cairn_conn over real loopback sockets: plain and TLS
 * echo, output-queue backpressure and a peer that never reads
 * (slowloris), byte-by-byte input, refused connect, TLS to a peer that
 * speaks garbage, handshake timeout and CRLF keepalive with a test clock,
 * a data callback that rejects input, deterministic backoff.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cairn/conn.h"
#include "test_support.h"

static int64_t g_now = 1700000000000;
static int64_t clock_hook(void *ud)
{
    (void)ud;
    return g_now;
}
static uint8_t g_rand = 0x80;
static int rand_hook(void *ud, uint8_t *buf, size_t n)
{
    (void)ud;
    memset(buf, g_rand, n);
    return 0;
}

static cairn_context *test_ctx(bool fixed_rng)
{
    cairn_context_config cfg;
    cairn_context *ctx;

    cairn_context_config_init(&cfg);
    cfg.now_ms = clock_hook;
    if (fixed_rng)
        cfg.random = rand_hook;
    assert_int_equal(cairn_context_create(&cfg, &ctx), CAIRN_OK);
    return ctx;
}

typedef struct peer {
    cairn_conn *c;
    uint8_t *in;
    size_t in_len, in_cap;
    cairn_conn_state last;
    cairn_status why;
    bool echo;
    cairn_status reject;
    int states;
} peer;

static cairn_status on_data(void *ud, cairn_conn *c, const uint8_t *p, size_t n)
{
    peer *pe = ud;
    if (pe->reject != CAIRN_OK)
        return pe->reject;
    if (pe->in_len + n > pe->in_cap) {
        pe->in_cap = (pe->in_len + n) * 2;
        pe->in = realloc(pe->in, pe->in_cap);
    }
    memcpy(pe->in + pe->in_len, p, n);
    pe->in_len += n;
    if (pe->echo)
        assert_int_equal(cairn_conn_send(c, p, n), CAIRN_OK);
    return CAIRN_OK;
}

static void on_state(void *ud, cairn_conn *c, cairn_conn_state st, cairn_status why)
{
    peer *pe = ud;
    (void)c;
    pe->last = st;
    pe->why = why;
    pe->states++;
}

static const cairn_conn_callbacks cbs = {on_data, on_state, NULL};

/* One poll round over the given connections. */
static void spin(peer **ps, size_t n, int timeout)
{
    struct pollfd pfd[8];
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned ev = cairn_conn_events(ps[i]->c);
        pfd[i].fd = cairn_conn_fd(ps[i]->c);
        pfd[i].events = (short)(((ev & CAIRN_CONN_EV_READ) ? POLLIN : 0) |
                                ((ev & CAIRN_CONN_EV_WRITE) ? POLLOUT : 0));
        pfd[i].revents = 0;
    }
    poll(pfd, n, timeout);
    for (i = 0; i < n; i++) {
        unsigned rev = 0;
        if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
            rev |= CAIRN_CONN_EV_READ;
        if (pfd[i].revents & (POLLOUT | POLLERR))
            rev |= CAIRN_CONN_EV_WRITE;
        assert_int_equal(cairn_conn_process(ps[i]->c, rev), CAIRN_OK);
    }
}

static cairn_conn *accept_one(cairn_context *ctx, const cairn_conn_config *cfg, int lfd, peer *p)
{
    cairn_conn *c = NULL;
    cairn_status st = CAIRN_ERR_NOT_FOUND;
    struct pollfd pfd = {lfd, POLLIN, 0};

    for (int i = 0; i < 100 && st == CAIRN_ERR_NOT_FOUND; i++) {
        poll(&pfd, 1, 50);
        st = cairn_conn_accept(ctx, cfg, lfd, &cbs, p, &c);
    }
    assert_int_equal(st, CAIRN_OK);
    p->c = c;
    return c;
}

static void echo_run(cairn_tls_config *ccfg_tls, cairn_tls_config *scfg_tls)
{
    cairn_context *ctx = cts_context();
    cairn_conn_config ccfg, scfg;
    peer cl = {0}, sv = {0};
    peer *ps[2] = {&cl, &sv};
    int lfd;
    uint16_t port;
    size_t len = 150000, off = 0;
    uint8_t *msg = malloc(len);

    for (size_t i = 0; i < len; i++)
        msg[i] = (uint8_t)(i % 251);
    cairn_conn_config_init(&ccfg);
    cairn_conn_config_init(&scfg);
    ccfg.tls = ccfg_tls;
    ccfg.server_name = "localhost";
    scfg.tls = scfg_tls;
    ccfg.max_out = 20000;
    assert_int_equal(cairn_conn_listen("127.0.0.1", 0, 8, &lfd, &port), CAIRN_OK);
    assert_true(port > 0);
    assert_int_equal(cairn_conn_connect(ctx, &ccfg, "127.0.0.1", port, &cbs, &cl, &cl.c), CAIRN_OK);
    accept_one(ctx, &scfg, lfd, &sv);
    sv.echo = true;
    for (int i = 0; i < 20000 && cl.in_len < len; i++) {
        /* producer honours backpressure */
        size_t room = cairn_conn_out_room(cl.c), k = len - off < room ? len - off : room;
        if (k > 0 && cairn_conn_get_state(cl.c) != CAIRN_CONN_CLOSED) {
            assert_int_equal(cairn_conn_send(cl.c, msg + off, k), CAIRN_OK);
            off += k;
        }
        spin(ps, 2, 20);
        if (getenv("CONN_DEBUG") && i % 100 == 0)
            fprintf(stderr, "i=%d cl=%d/%u out=%zu in=%zu sv=%d/%u out=%zu in=%zu\n", i,
                    cairn_conn_get_state(cl.c), cairn_conn_events(cl.c),
                    cairn_conn_out_pending(cl.c), cl.in_len, cairn_conn_get_state(sv.c),
                    cairn_conn_events(sv.c), cairn_conn_out_pending(sv.c), sv.in_len);
    }
    assert_int_equal(cl.in_len, len);
    assert_memory_equal(cl.in, msg, len);
    assert_int_equal(cl.last, CAIRN_CONN_OPEN);
    if (ccfg_tls)
        assert_non_null(cairn_conn_tls(cl.c));
    {
        char ip[64];
        uint16_t p2;
        assert_int_equal(cairn_conn_peer_addr(cl.c, ip, sizeof(ip), &p2), CAIRN_OK);
        assert_string_equal(ip, "127.0.0.1");
        assert_int_equal(p2, port);
    }
    /* graceful close reaches the peer as a clean EOF */
    cairn_conn_close(cl.c);
    for (int i = 0; i < 200 && sv.last != CAIRN_CONN_CLOSED; i++)
        spin(ps, 2, 10);
    assert_int_equal(cl.last, CAIRN_CONN_CLOSED);
    assert_int_equal(sv.last, CAIRN_CONN_CLOSED);
    assert_int_equal(sv.why, CAIRN_OK);
    assert_int_equal(cairn_conn_fd(cl.c), -1);
    cairn_conn_free(cl.c);
    cairn_conn_free(sv.c);
    close(lfd);
    free(msg);
    free(cl.in);
    free(sv.in);
    cairn_context_destroy(ctx);
    assert_int_equal(cts_live_allocations(), 0);
}

static void test_plain_echo(void **state)
{
    (void)state;
    echo_run(NULL, NULL);
}

typedef struct tlsfx {
    cairn_context *ctx;
    cairn_tls_config *c, *s;
    char *cert, *key;
    size_t cl, kl;
} tlsfx;

static void tls_setup(tlsfx *f)
{
    /* the mbedTLS build dates certificates by the context clock */
    g_now = (int64_t)time(NULL) * 1000;
    f->ctx = test_ctx(false);
    assert_int_equal(
        cairn_tls_selfsigned(f->ctx, "localhost", 1, &f->cert, &f->cl, &f->key, &f->kl), CAIRN_OK);
    assert_int_equal(cairn_tls_config_new(f->ctx, CAIRN_TLS_CLIENT, &f->c), CAIRN_OK);
    assert_int_equal(cairn_tls_config_new(f->ctx, CAIRN_TLS_SERVER, &f->s), CAIRN_OK);
    assert_int_equal(cairn_tls_config_add_ca_pem(f->c, f->cert, f->cl), CAIRN_OK);
    assert_int_equal(cairn_tls_config_set_cert_pem(f->s, f->cert, f->cl, f->key, f->kl), CAIRN_OK);
}

static void tls_teardown(tlsfx *f)
{
    cairn_tls_config_free(f->c);
    cairn_tls_config_free(f->s);
    cairn_free(f->ctx, f->cert, f->cl + 1);
    cairn_free(f->ctx, f->key, f->kl + 1);
    cairn_context_destroy(f->ctx);
}

static void test_tls_echo(void **state)
{
    tlsfx f;
    (void)state;
    tls_setup(&f);
    echo_run(f.c, f.s);
    tls_teardown(&f);
}

/* A peer that never reads: the queue fills to max_out, then send refuses
 * without blocking the loop and without growing. */
static void test_backpressure_slowloris(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_conn_config cfg;
    peer cl = {0};
    peer *ps[1] = {&cl};
    int lfd, sfd;
    uint16_t port;
    uint8_t chunk[4096];
    size_t sent = 0;
    cairn_status st = CAIRN_OK;
    (void)state;

    memset(chunk, 'x', sizeof(chunk));
    cairn_conn_config_init(&cfg);
    cfg.max_out = 64 * 1024;
    assert_int_equal(cairn_conn_listen("127.0.0.1", 0, 8, &lfd, &port), CAIRN_OK);
    assert_int_equal(cairn_conn_connect(ctx, &cfg, "127.0.0.1", port, &cbs, &cl, &cl.c), CAIRN_OK);
    {
        struct pollfd p = {lfd, POLLIN, 0};
        poll(&p, 1, 2000);
        sfd = accept(lfd, NULL, NULL);
        int small = 4096;
        setsockopt(sfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    }
    for (int i = 0; i < 5000 && st == CAIRN_OK; i++) {
        st = cairn_conn_send(cl.c, chunk, sizeof(chunk));
        if (st == CAIRN_OK)
            sent += sizeof(chunk);
        spin(ps, 1, 0);
    }
    assert_int_equal(st, CAIRN_ERR_LIMIT);
    assert_true(cairn_conn_out_pending(cl.c) <= cfg.max_out);
    assert_true(cairn_conn_out_pending(cl.c) + sizeof(chunk) > cfg.max_out);
    assert_int_equal(cairn_conn_get_state(cl.c), CAIRN_CONN_OPEN);
    /* drain: the queue empties once the peer reads */
    for (int i = 0; i < 2000 && cairn_conn_out_pending(cl.c) > 0; i++) {
        uint8_t sink[65536];
        ssize_t r = recv(sfd, sink, sizeof(sink), MSG_DONTWAIT);
        (void)r;
        spin(ps, 1, 5);
    }
    assert_int_equal(cairn_conn_out_pending(cl.c), 0);
    assert_int_equal(cairn_conn_send(cl.c, "x", 0), CAIRN_OK);
    cairn_conn_free(cl.c);
    close(sfd);
    close(lfd);
    cairn_context_destroy(ctx);
}

/* Input arrives a byte at a time: every byte is delivered, in order. */
static void test_byte_by_byte(void **state)
{
    cairn_context *ctx = cts_context();
    peer sv = {0};
    peer *ps[1] = {&sv};
    int sp[2];
    const char *msg = "MSRP a786hjs2 SEND\r\nTo-Path: msrp://b/1;tcp\r\n-------a786hjs2$\r\n";
    (void)state;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
    assert_int_equal(cairn_conn_adopt(ctx, NULL, sp[1], &cbs, &sv, &sv.c), CAIRN_OK);
    spin(ps, 1, 0);
    assert_int_equal(sv.last, CAIRN_CONN_OPEN);
    for (size_t i = 0; msg[i]; i++) {
        assert_int_equal(write(sp[0], msg + i, 1), 1);
        spin(ps, 1, 50);
    }
    assert_int_equal(sv.in_len, strlen(msg));
    assert_memory_equal(sv.in, msg, sv.in_len);
    /* a data callback that rejects the input closes with its status */
    sv.reject = CAIRN_ERR_PROTOCOL;
    assert_int_equal(write(sp[0], "x", 1), 1);
    spin(ps, 1, 50);
    assert_int_equal(sv.last, CAIRN_CONN_CLOSED);
    assert_int_equal(sv.why, CAIRN_ERR_PROTOCOL);
    assert_int_equal(cairn_conn_send(sv.c, "x", 1), CAIRN_ERR_STATE);
    cairn_conn_free(sv.c);
    close(sp[0]);
    free(sv.in);
    cairn_context_destroy(ctx);
}

static void test_refused_and_bad_args(void **state)
{
    cairn_context *ctx = cts_context();
    peer cl = {0};
    peer *ps[1] = {&cl};
    int lfd;
    uint16_t port;
    (void)state;

    /* find a free port, then close it so nobody listens */
    assert_int_equal(cairn_conn_listen("127.0.0.1", 0, 1, &lfd, &port), CAIRN_OK);
    close(lfd);
    assert_int_equal(cairn_conn_connect(ctx, NULL, "127.0.0.1", port, &cbs, &cl, &cl.c), CAIRN_OK);
    for (int i = 0; i < 100 && cl.last != CAIRN_CONN_CLOSED; i++)
        spin(ps, 1, 20);
    assert_int_equal(cl.last, CAIRN_CONN_CLOSED);
    assert_int_equal(cl.why, CAIRN_ERR_NETWORK);
    cairn_conn_free(cl.c);
    assert_int_equal(cairn_conn_connect(ctx, NULL, "example.org", 5060, &cbs, &cl, &cl.c),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_conn_connect(ctx, NULL, "127.0.0.1", 0, &cbs, &cl, &cl.c),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_conn_listen("nope", 0, 1, &lfd, &port), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_conn_listen("[::1]", 0, 1, &lfd, &port) == CAIRN_OK ? close(lfd) : 0, 0);
    cairn_conn_free(NULL);
    assert_int_equal(cairn_conn_process(NULL, 0), CAIRN_ERR_INVALID_ARG);
    cairn_context_destroy(ctx);
}

/* TLS client against a server that answers with SIP text: TLS error. */
static void test_tls_garbage_and_timeout(void **state)
{
    tlsfx f;
    cairn_conn_config cfg;
    peer cl = {0};
    peer *ps[1] = {&cl};
    int lfd, sfd;
    uint16_t port;
    const char junk[] = "SIP/2.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
    (void)state;

    tls_setup(&f);
    cairn_conn_config_init(&cfg);
    cfg.tls = f.c;
    cfg.server_name = "localhost";
    cfg.handshake_timeout_ms = 5000;
    assert_int_equal(cairn_conn_listen("127.0.0.1", 0, 8, &lfd, &port), CAIRN_OK);
    assert_int_equal(cairn_conn_connect(f.ctx, &cfg, "127.0.0.1", port, &cbs, &cl, &cl.c),
                     CAIRN_OK);
    {
        struct pollfd p = {lfd, POLLIN, 0};
        poll(&p, 1, 2000);
        sfd = accept(lfd, NULL, NULL);
    }
    assert_int_equal(write(sfd, junk, sizeof(junk) - 1), (ssize_t)sizeof(junk) - 1);
    for (int i = 0; i < 200 && cl.last != CAIRN_CONN_CLOSED; i++)
        spin(ps, 1, 20);
    assert_int_equal(cl.last, CAIRN_CONN_CLOSED);
    assert_true(cl.why == CAIRN_ERR_TLS || cl.why == CAIRN_ERR_NETWORK);
    assert_int_equal(cl.in_len, 0); /* nothing delivered before the handshake */
    cairn_conn_free(cl.c);
    close(sfd);

    /* silent server: the handshake times out by the context clock */
    memset(&cl, 0, sizeof(cl));
    assert_int_equal(cairn_conn_connect(f.ctx, &cfg, "127.0.0.1", port, &cbs, &cl, &cl.c),
                     CAIRN_OK);
    {
        struct pollfd p = {lfd, POLLIN, 0};
        poll(&p, 1, 2000);
        sfd = accept(lfd, NULL, NULL);
    }
    for (int i = 0; i < 20; i++)
        spin(ps, 1, 5);
    assert_int_equal(cairn_conn_get_state(cl.c), CAIRN_CONN_HANDSHAKING);
    assert_true(cairn_conn_deadline(cl.c) >= g_now + 4999);
    g_now += 5001;
    assert_int_equal(cairn_conn_process(cl.c, 0), CAIRN_OK);
    assert_int_equal(cl.last, CAIRN_CONN_CLOSED);
    assert_int_equal(cl.why, CAIRN_ERR_TIMEOUT);
    cairn_conn_free(cl.c);
    close(sfd);
    close(lfd);
    tls_teardown(&f);
}

/* RFC 5626 CRLF ping after keepalive_ms of silence; idle timeout after. */
static void test_keepalive(void **state)
{
    cairn_context *ctx = test_ctx(false);
    cairn_conn_config cfg;
    peer cl = {0};
    peer *ps[1] = {&cl};
    int sp[2];
    char buf[16];
    (void)state;

    cairn_conn_config_init(&cfg);
    cfg.keepalive = CAIRN_CONN_KA_CRLF;
    cfg.keepalive_ms = 30000;
    cfg.idle_timeout_ms = 90000;
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
    assert_int_equal(cairn_conn_adopt(ctx, &cfg, sp[0], &cbs, &cl, &cl.c), CAIRN_OK);
    spin(ps, 1, 0);
    assert_int_equal(cairn_conn_deadline(cl.c), g_now + 30000);
    g_now += 30000;
    spin(ps, 1, 0);
    spin(ps, 1, 0);
    assert_int_equal(recv(sp[1], buf, sizeof(buf), MSG_DONTWAIT), 4);
    assert_memory_equal(buf, "\r\n\r\n", 4);
    /* the pong (a bare CRLF) counts as input */
    assert_int_equal(write(sp[1], "\r\n", 2), 2);
    spin(ps, 1, 50);
    g_now += 89999;
    spin(ps, 1, 0);
    assert_int_equal(cairn_conn_get_state(cl.c), CAIRN_CONN_OPEN);
    g_now += 1;
    assert_int_equal(cairn_conn_process(cl.c, 0), CAIRN_OK);
    assert_int_equal(cl.last, CAIRN_CONN_CLOSED);
    assert_int_equal(cl.why, CAIRN_ERR_TIMEOUT);
    cairn_conn_free(cl.c);
    close(sp[1]);
    free(cl.in);
    cairn_context_destroy(ctx);
}

static void test_backoff(void **state)
{
    cairn_context *ctx = test_ctx(true);
    cairn_backoff b;
    (void)state;

    cairn_backoff_init(&b, 1000, 30000);
    g_rand = 0x00; /* lowest jitter: d/2 */
    assert_int_equal(cairn_backoff_next(ctx, &b), 500);
    assert_int_equal(cairn_backoff_next(ctx, &b), 1000);
    assert_int_equal(cairn_backoff_next(ctx, &b), 2000);
    g_rand = 0xff; /* highest: d */
    assert_int_equal(cairn_backoff_next(ctx, &b), 8000);
    for (int i = 0; i < 100; i++)
        assert_true(cairn_backoff_next(ctx, &b) <= 30000);
    assert_int_equal(cairn_backoff_next(ctx, &b), 30000);
    cairn_backoff_reset(&b);
    assert_int_equal(cairn_backoff_next(ctx, &b), 1000);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_echo),
        cmocka_unit_test(test_tls_echo),
        cmocka_unit_test(test_backpressure_slowloris),
        cmocka_unit_test(test_byte_by_byte),
        cmocka_unit_test(test_refused_and_bad_args),
        cmocka_unit_test(test_tls_garbage_and_timeout),
        cmocka_unit_test(test_keepalive),
        cmocka_unit_test(test_backoff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
