/*
 * test_conn_libevent.c - cairn_conn driven by libevent the way the relay
 * drives it: one event_new() per connection fd, re-armed from
 * cairn_conn_events() after every callback, plus a timer at
 * cairn_conn_deadline(). A TLS client and server echo 64 KB and close.
 */
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cairn/conn.h"
#include "test_support.h"

typedef struct ev_conn {
    struct event_base *base;
    struct event *ev;
    cairn_conn *c;
    unsigned armed;
    uint8_t *in;
    size_t in_len;
    bool echo;
    cairn_conn_state state;
} ev_conn;

static void on_ready(evutil_socket_t fd, short what, void *ud);

/* (Re)arms the fd event for what the connection wants now. */
static void arm(ev_conn *e)
{
    unsigned want = cairn_conn_events(e->c);
    short what = EV_PERSIST | ((want & CAIRN_CONN_EV_READ) ? EV_READ : 0) |
                 ((want & CAIRN_CONN_EV_WRITE) ? EV_WRITE : 0);

    if (e->ev != NULL && want == e->armed)
        return;
    if (e->ev != NULL) {
        event_del(e->ev);
        event_free(e->ev);
        e->ev = NULL;
    }
    e->armed = want;
    if (want == 0 || cairn_conn_fd(e->c) < 0)
        return;
    e->ev = event_new(e->base, cairn_conn_fd(e->c), what, on_ready, e);
    event_add(e->ev, NULL);
}

static void on_ready(evutil_socket_t fd, short what, void *ud)
{
    ev_conn *e = ud;
    unsigned rev =
        ((what & EV_READ) ? CAIRN_CONN_EV_READ : 0) | ((what & EV_WRITE) ? CAIRN_CONN_EV_WRITE : 0);
    (void)fd;
    (void)cairn_conn_process(e->c, rev);
    arm(e);
}

static cairn_status on_data(void *ud, cairn_conn *c, const uint8_t *p, size_t n)
{
    ev_conn *e = ud;
    e->in = realloc(e->in, e->in_len + n);
    memcpy(e->in + e->in_len, p, n);
    e->in_len += n;
    return e->echo ? cairn_conn_send(c, p, n) : CAIRN_OK;
}

static void on_state(void *ud, cairn_conn *c, cairn_conn_state st, cairn_status why)
{
    ev_conn *e = ud;
    (void)c;
    (void)why;
    e->state = st;
}

static const cairn_conn_callbacks cbs = {on_data, on_state, NULL};

static void test_libevent_tls_echo(void **state)
{
    cairn_context *ctx;
    cairn_tls_config *cc, *sc;
    cairn_conn_config ccfg, scfg;
    char *cert, *key;
    size_t cl, kl, len = 65536;
    uint8_t *msg = malloc(len);
    int lfd;
    uint16_t port;
    ev_conn cli = {0}, srv = {0};
    struct event_base *base = event_base_new();
    (void)state;

    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    assert_int_equal(cairn_tls_selfsigned(ctx, "localhost", 1, &cert, &cl, &key, &kl), CAIRN_OK);
    assert_int_equal(cairn_tls_config_new(ctx, CAIRN_TLS_CLIENT, &cc), CAIRN_OK);
    assert_int_equal(cairn_tls_config_new(ctx, CAIRN_TLS_SERVER, &sc), CAIRN_OK);
    assert_int_equal(cairn_tls_config_add_ca_pem(cc, cert, cl), CAIRN_OK);
    assert_int_equal(cairn_tls_config_set_cert_pem(sc, cert, cl, key, kl), CAIRN_OK);
    cairn_conn_config_init(&ccfg);
    cairn_conn_config_init(&scfg);
    ccfg.tls = cc;
    ccfg.server_name = "localhost";
    scfg.tls = sc;
    for (size_t i = 0; i < len; i++)
        msg[i] = (uint8_t)(i * 3);
    assert_int_equal(cairn_conn_listen("127.0.0.1", 0, 4, &lfd, &port), CAIRN_OK);
    cli.base = srv.base = base;
    srv.echo = true;
    assert_int_equal(cairn_conn_connect(ctx, &ccfg, "127.0.0.1", port, &cbs, &cli, &cli.c),
                     CAIRN_OK);
    assert_int_equal(cairn_conn_send(cli.c, msg, len), CAIRN_OK); /* queued until open */
    arm(&cli);
    for (int i = 0; i < 200 && srv.c == NULL; i++) {
        event_base_loop(base, EVLOOP_NONBLOCK);
        if (cairn_conn_accept(ctx, &scfg, lfd, &cbs, &srv, &srv.c) == CAIRN_OK)
            arm(&srv);
        usleep(5000);
    }
    assert_non_null(srv.c);
    for (int i = 0; i < 5000 && cli.in_len < len; i++)
        event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    assert_int_equal(cli.in_len, len);
    assert_memory_equal(cli.in, msg, len);
    cairn_conn_close(cli.c);
    arm(&cli);
    for (int i = 0; i < 5000 && srv.state != CAIRN_CONN_CLOSED; i++) {
        (void)cairn_conn_process(cli.c, 0);
        arm(&cli);
        event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
    }
    assert_int_equal(srv.state, CAIRN_CONN_CLOSED);
    arm(&cli);
    arm(&srv);
    cairn_conn_free(cli.c);
    cairn_conn_free(srv.c);
    event_base_free(base);
    close(lfd);
    free(cli.in);
    free(srv.in);
    free(msg);
    cairn_tls_config_free(cc);
    cairn_tls_config_free(sc);
    cairn_free(ctx, cert, cl + 1);
    cairn_free(ctx, key, kl + 1);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_libevent_tls_echo)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
