/*
 * test_tls.c - cairn_tls over a non-blocking socketpair: handshake with CA
 * and hostname checks (BIND-TLS-2), pins (BIND-TLS-3), TLS 1.2 floor
 * (BIND-TLS-1), garbage from the peer, partial writes with a tiny socket
 * buffer, small-cap split reads, close_notify, allocation failures.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cairn/tls.h"
#include "test_support.h"

typedef struct {
    cairn_context *ctx;
    char *cert, *key;
    size_t cert_len, key_len;
    cairn_tls_config *ccfg, *scfg;
    int fds[2];
} fixture;

static void nonblock(int fd)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    f->ctx = cts_context();
    assert_int_equal(
        cairn_tls_selfsigned(f->ctx, "localhost", 2, &f->cert, &f->cert_len, &f->key, &f->key_len),
        CAIRN_OK);
    assert_non_null(strstr(f->cert, "BEGIN CERTIFICATE"));
    assert_int_equal(cairn_tls_config_new(f->ctx, CAIRN_TLS_CLIENT, &f->ccfg), CAIRN_OK);
    assert_int_equal(cairn_tls_config_new(f->ctx, CAIRN_TLS_SERVER, &f->scfg), CAIRN_OK);
    assert_int_equal(
        cairn_tls_config_set_cert_pem(f->scfg, f->cert, f->cert_len, f->key, f->key_len), CAIRN_OK);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, f->fds), 0);
    nonblock(f->fds[0]);
    nonblock(f->fds[1]);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    cairn_tls_config_free(f->ccfg);
    cairn_tls_config_free(f->scfg);
    cairn_free(f->ctx, f->cert, f->cert_len + 1);
    cairn_free(f->ctx, f->key, f->key_len + 1);
    close(f->fds[0]);
    close(f->fds[1]);
    cairn_context_destroy(f->ctx);
    assert_int_equal(cts_live_allocations(), 0);
    free(f);
    return 0;
}

/* Drives both handshakes; returns the client's status (server's in *sst). */
static cairn_status pump(cairn_tls *c, cairn_tls *s, cairn_status *sst)
{
    cairn_status cs = CAIRN_OK, ss = CAIRN_OK;
    cairn_tls_want cw = CAIRN_TLS_WANT_WRITE, sw = CAIRN_TLS_WANT_READ;
    int i;

    for (i = 0; i < 200 && (cw != CAIRN_TLS_DONE || sw != CAIRN_TLS_DONE); i++) {
        if (cs == CAIRN_OK && cw != CAIRN_TLS_DONE)
            cs = cairn_tls_handshake(c, &cw);
        if (ss == CAIRN_OK && sw != CAIRN_TLS_DONE)
            ss = cairn_tls_handshake(s, &sw);
        if (cs != CAIRN_OK)
            cw = CAIRN_TLS_DONE;
        if (ss != CAIRN_OK)
            sw = CAIRN_TLS_DONE;
    }
    if (sst)
        *sst = ss;
    return cs;
}

static void pair(fixture *f, const char *name, cairn_tls **c, cairn_tls **s)
{
    assert_int_equal(cairn_tls_new(f->ccfg, f->fds[0], name, c), CAIRN_OK);
    assert_int_equal(cairn_tls_new(f->scfg, f->fds[1], NULL, s), CAIRN_OK);
}

static void xfer(cairn_tls *from, cairn_tls *to, const uint8_t *p, size_t len, size_t rcap)
{
    uint8_t *got = malloc(len);
    uint8_t *buf = malloc(rcap);
    size_t off = 0, in = 0, n;
    cairn_tls_want w;
    int spins = 0;

    while (in < len && spins++ < 100000) {
        if (off < len) {
            assert_int_equal(cairn_tls_write(from, p + off, len - off, &n, &w), CAIRN_OK);
            off += n;
        }
        for (;;) {
            assert_int_equal(cairn_tls_read(to, buf, rcap, &n, &w), CAIRN_OK);
            if (n == 0)
                break;
            assert_true(n <= rcap);
            memcpy(got + in, buf, n);
            in += n;
        }
    }
    assert_int_equal(in, len);
    assert_memory_equal(got, p, len);
    free(got);
    free(buf);
}

static void test_handshake_and_data(void **state)
{
    fixture *f = *state;
    cairn_tls *c, *s;
    cairn_status ss;
    uint8_t pin[32], pin2[32];
    const uint8_t msg[] = "INVITE sip:bob@example.org SIP/2.0\r\n";

    assert_int_equal(cairn_tls_config_add_ca_pem(f->ccfg, f->cert, f->cert_len), CAIRN_OK);
    pair(f, "localhost", &c, &s);
    assert_int_equal(pump(c, s, &ss), CAIRN_OK);
    assert_int_equal(ss, CAIRN_OK);
    xfer(c, s, msg, sizeof(msg), 7);
    xfer(s, c, msg, sizeof(msg), 1);
    assert_int_equal(cairn_tls_peer_pin(c, pin), CAIRN_OK);
    assert_int_equal(cairn_tls_pin_from_pem(f->ctx, f->cert, f->cert_len, pin2), CAIRN_OK);
    assert_memory_equal(pin, pin2, 32);
    assert_string_not_equal(cairn_tls_backend(), "");
    cairn_tls_free(c);
    cairn_tls_free(s);
}

/* BIND-TLS-2: the name is checked, and an unknown CA is refused. */
static void test_wrong_name_and_unknown_ca(void **state)
{
    fixture *f = *state;
    cairn_tls *c, *s;

    pair(f, "localhost", &c, &s); /* no CA configured */
    assert_int_equal(pump(c, s, NULL), CAIRN_ERR_AUTH);
    cairn_tls_free(c);
    cairn_tls_free(s);

    close(f->fds[0]);
    close(f->fds[1]);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, f->fds), 0);
    nonblock(f->fds[0]);
    nonblock(f->fds[1]);
    assert_int_equal(cairn_tls_config_add_ca_pem(f->ccfg, f->cert, f->cert_len), CAIRN_OK);
    pair(f, "evil.example", &c, &s);
    assert_int_equal(pump(c, s, NULL), CAIRN_ERR_AUTH);
    cairn_tls_free(c);
    cairn_tls_free(s);
    /* verifying needs a name */
    assert_int_equal(cairn_tls_new(f->ccfg, f->fds[0], NULL, &c), CAIRN_ERR_INVALID_ARG);
}

/* BIND-TLS-3: pins override, and a wrong pin fails even with a good CA. */
static void test_pins(void **state)
{
    fixture *f = *state;
    cairn_tls *c, *s;
    uint8_t pin[32];

    assert_int_equal(cairn_tls_config_set_verify(f->ccfg, false), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_tls_pin_from_pem(f->ctx, f->cert, f->cert_len, pin), CAIRN_OK);
    pin[0] ^= 1;
    assert_int_equal(cairn_tls_config_add_pin(f->ccfg, pin), CAIRN_OK);
    assert_int_equal(cairn_tls_config_add_ca_pem(f->ccfg, f->cert, f->cert_len), CAIRN_OK);
    pair(f, "localhost", &c, &s);
    assert_int_equal(pump(c, s, NULL), CAIRN_ERR_AUTH);
    cairn_tls_free(c);
    cairn_tls_free(s);

    close(f->fds[0]);
    close(f->fds[1]);
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, f->fds), 0);
    nonblock(f->fds[0]);
    nonblock(f->fds[1]);
    pin[0] ^= 1;
    assert_int_equal(cairn_tls_config_add_pin(f->ccfg, pin), CAIRN_OK);
    assert_int_equal(cairn_tls_config_set_verify(f->ccfg, false), CAIRN_OK);
    pair(f, NULL, &c, &s); /* pin-only: no name needed */
    assert_int_equal(pump(c, s, NULL), CAIRN_OK);
    cairn_tls_free(c);
    cairn_tls_free(s);
    for (int i = 2; i < (int)CAIRN_TLS_MAX_PINS; i++)
        assert_int_equal(cairn_tls_config_add_pin(f->ccfg, pin), CAIRN_OK);
    assert_int_equal(cairn_tls_config_add_pin(f->ccfg, pin), CAIRN_ERR_LIMIT);
}

/* Garbage instead of a ClientHello: the server fails cleanly. */
static void test_garbage(void **state)
{
    fixture *f = *state;
    cairn_tls *s;
    cairn_tls_want w;
    cairn_status st = CAIRN_OK;
    const char junk[] = "OPTIONS sip:x SIP/2.0\r\nVia: junk\r\n\r\n";
    int i;

    assert_int_equal(cairn_tls_new(f->scfg, f->fds[1], NULL, &s), CAIRN_OK);
    assert_int_equal(write(f->fds[0], junk, sizeof(junk)), (ssize_t)sizeof(junk));
    for (i = 0; i < 10 && st == CAIRN_OK; i++)
        st = cairn_tls_handshake(s, &w);
    assert_true(st == CAIRN_ERR_TLS || st == CAIRN_ERR_NETWORK);
    {
        uint8_t b[4];
        size_t n;
        assert_int_equal(cairn_tls_read(s, b, sizeof(b), &n, &w), CAIRN_ERR_STATE);
    }
    cairn_tls_free(s);
    /* EOF in the middle of a handshake */
    assert_int_equal(cairn_tls_new(f->scfg, f->fds[0], NULL, &s), CAIRN_OK);
    close(f->fds[1]);
    f->fds[1] = dup(f->fds[0]);
    cairn_tls_free(s);
}

/* Slow peer: tiny socket buffers force partial writes and WANT_WRITE. */
static void test_partial_writes(void **state)
{
    fixture *f = *state;
    cairn_tls *c, *s;
    int small = 4096;
    size_t len = 200000;
    uint8_t *big = malloc(len);

    for (size_t i = 0; i < len; i++)
        big[i] = (uint8_t)(i * 7);
    setsockopt(f->fds[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    setsockopt(f->fds[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    assert_int_equal(cairn_tls_config_add_ca_pem(f->ccfg, f->cert, f->cert_len), CAIRN_OK);
    pair(f, "localhost", &c, &s);
    assert_int_equal(pump(c, s, NULL), CAIRN_OK);
    xfer(c, s, big, len, 333);
    /* close_notify reaches the peer as a clean end */
    {
        cairn_tls_want w;
        uint8_t b[8];
        size_t n = 1;
        assert_int_equal(cairn_tls_shutdown(c, &w), CAIRN_OK);
        assert_int_equal(cairn_tls_read(s, b, sizeof(b), &n, &w), CAIRN_OK);
        assert_int_equal(n, 0);
        assert_int_equal(w, CAIRN_TLS_DONE);
    }
    cairn_tls_free(c);
    cairn_tls_free(s);
    free(big);
}

static void test_bad_inputs(void **state)
{
    fixture *f = *state;
    char *cert, *key;
    size_t cl, kl;
    uint8_t pin[32];

    assert_int_equal(cairn_tls_config_add_ca_pem(f->ccfg, "nope", 4), CAIRN_ERR_DECODE);
    assert_int_equal(cairn_tls_config_add_ca_file(f->ccfg, "/nonexistent/ca.pem"), CAIRN_ERR_IO);
    assert_int_equal(cairn_tls_pin_from_pem(f->ctx, "garbage", 7, pin), CAIRN_ERR_DECODE);
    /* a key that does not match the certificate */
    assert_int_equal(cairn_tls_selfsigned(f->ctx, "other", 1, &cert, &cl, &key, &kl), CAIRN_OK);
    assert_int_equal(cairn_tls_config_set_cert_pem(f->scfg, f->cert, f->cert_len, key, kl),
                     CAIRN_ERR_BAD_KEY);
    /* truncated certificate, and a flipped byte in the PEM armour */
    assert_int_equal(cairn_tls_pin_from_pem(f->ctx, cert, cl / 2, pin), CAIRN_ERR_DECODE);
    assert_int_equal(cairn_tls_config_add_ca_pem(f->ccfg, cert, cl / 2), CAIRN_ERR_DECODE);
    cert[3] ^= 0x20;
    assert_int_equal(cairn_tls_pin_from_pem(f->ctx, cert, cl, pin), CAIRN_ERR_DECODE);
    cairn_free(f->ctx, cert, cl + 1);
    cairn_free(f->ctx, key, kl + 1);
    assert_int_equal(cairn_tls_selfsigned(f->ctx, "a,b", 1, &cert, &cl, &key, &kl),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_tls_config_new(f->ctx, 7, NULL), CAIRN_ERR_INVALID_ARG);
    cairn_tls_config_free(NULL);
    cairn_tls_free(NULL);
}

static void test_alloc_failures(void **state)
{
    fixture *f = *state;
    cairn_tls_config *cfg;
    char *cert, *key;
    size_t cl, kl;

    for (long n = 0; n < 4; n++) {
        cts_fail_after(n);
        cairn_status st = cairn_tls_config_new(f->ctx, CAIRN_TLS_CLIENT, &cfg);
        cts_fail_after(-1);
        if (st == CAIRN_OK)
            cairn_tls_config_free(cfg);
        else
            assert_int_equal(st, CAIRN_ERR_NOMEM);
        cts_fail_after(n);
        st = cairn_tls_selfsigned(f->ctx, "localhost", 1, &cert, &cl, &key, &kl);
        cts_fail_after(-1);
        if (st == CAIRN_OK) {
            cairn_free(f->ctx, cert, cl + 1);
            cairn_free(f->ctx, key, kl + 1);
        } else {
            assert_int_equal(st, CAIRN_ERR_NOMEM);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_handshake_and_data, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_name_and_unknown_ca, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_failures, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
