/*
 * bench_relay_msrp.c - session-mode figures of cairn-relay (spec/relay-api.md
 * section 8): one device opens an MSRP session (INVITE + SDP, MSRP over
 * TLS) to a user whose device is offline, and sends messages of a given
 * size. Measured:
 *  - latency: one message at a time, last chunk written -> success REPORT
 *    (which the relay sends only after the group commit), p50 / p99;
 *  - throughput: messages pipelined (every chunk written without waiting;
 *    responses read as they come), messages/s and MB/s until the last
 *    REPORT.
 * With the relay's defaults (synchronous = full: every commit fsynced).
 *
 *   bench_relay_msrp [--size BYTES] [--count N] [--sync full|normal]
 *
 * Uses the relay test helpers (tests/relay_support.c) to start the real
 * binary; prints figures, asserts nothing.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <sodium.h>

#include "base.h"
#include "cairn/msrp.h"
#include "cairn/sdp.h"
#include "relay_support.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void token(char out[17])
{
    static const char A[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    uint8_t r[16];
    randombytes_buf(r, sizeof r);
    for (int i = 0; i < 16; i++)
        out[i] = A[r[i] % 36];
    out[16] = 0;
}

/* INVITE; fills the relay's path and MSRP port. 0 / -1. */
static int invite(rt_sip *c, const char *my_path, char *relay_path, size_t cap, uint16_t *port)
{
    char buf[8192], cid[17], tag[17], br[17];
    cairn__buf b;
    cairn_sdp_msrp_offer o;
    token(cid);
    token(tag);
    token(br);
    memset(&o, 0, sizeof o);
    o.sess_id = o.sess_version = 1;
    o.addr = "127.0.0.1";
    o.port = 9;
    o.tls = true;
    o.path = my_path;
    o.setup = CAIRN_SDP_SETUP_ACTIVE;
    o.accept_types = "message/cpim";
    cairn__buf_init(&b, rt_ctx(), 16384);
    if (cairn_sdp_msrp_build(&o, &b) != CAIRN_OK)
        return -1;
    int n = snprintf(buf, sizeof buf,
                     "INVITE sip:bob@example.org SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK%s\r\n"
                     "Max-Forwards: 70\r\nFrom: <sip:alice@example.org>;tag=%s\r\n"
                     "To: <sip:bob@example.org>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\n"
                     "Contact: <sip:a@127.0.0.1;transport=tls>\r\n"
                     "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n",
                     br, tag, cid, b.len);
    if (rt_sip_send_raw(c, buf, (size_t)n) != 0 || rt_sip_send_raw(c, b.data, b.len) != 0)
        return -1;
    cairn__buf_free(&b);
    for (;;) {
        cairn_sip_msg *m = rt_sip_read(c, 10000);
        if (m == NULL)
            return -1;
        int code = cairn_sip_msg_status(m);
        if (cairn_sip_msg_is_request(m) || code < 200) {
            cairn_sip_msg_free(m);
            continue;
        }
        size_t blen;
        const uint8_t *body = cairn_sip_msg_body(m, &blen);
        cairn_sdp *s = NULL;
        cairn_sdp_msrp mm;
        cairn_msrp_uri u;
        size_t idx;
        int rc = -1;
        if (code == 200 && cairn_sdp_parse(rt_ctx(), NULL, body, blen, &s) == CAIRN_OK &&
            cairn_sdp_msrp_find(s, &idx) == CAIRN_OK &&
            cairn_sdp_msrp_get(s, idx, &mm) == CAIRN_OK && mm.path.len < cap &&
            cairn_msrp_uri_parse(mm.path.p, mm.path.len, &u) == CAIRN_OK) {
            memcpy(relay_path, mm.path.p, mm.path.len);
            relay_path[mm.path.len] = 0;
            *port = u.port;
            rc = 0;
        }
        cairn_sdp_free(s);
        cairn_sip_msg_free(m);
        return rc;
    }
}

/* ---- a minimal blocking MSRP/TLS client ---------------------------------- */

typedef struct mc {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    cairn_msrp_parser *p;
    size_t responses, reports, failures;
} mc;

static cairn_status on_start(void *ud, const cairn_msrp_msg *m)
{
    mc *c = ud;
    if (m->is_response) {
        c->responses++;
        if (m->code != 200)
            c->failures++;
    } else if (m->method_id == CAIRN_MSRP_REPORT) {
        c->reports++;
        if (!m->has_status || m->status.code != 200)
            c->failures++;
    }
    return CAIRN_OK;
}
static cairn_status on_body(void *ud, const cairn_msrp_msg *m, const uint8_t *p, size_t n)
{
    (void)ud, (void)m, (void)p, (void)n;
    return CAIRN_OK;
}
static cairn_status on_end(void *ud, const cairn_msrp_msg *m, char f, uint64_t l)
{
    (void)ud, (void)m, (void)f, (void)l;
    return CAIRN_OK;
}
static const cairn_msrp_callbacks CB = {on_start, on_body, on_end};

static int mc_open(mc *c, uint16_t port)
{
    struct sockaddr_in a = {0};
    int one = 1;
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0)
        return -1;
    c->ctx = SSL_CTX_new(TLS_client_method());
    c->ssl = SSL_new(c->ctx);
    SSL_set_fd(c->ssl, c->fd);
    if (SSL_connect(c->ssl) != 1)
        return -1;
    return cairn_msrp_parser_create(rt_ctx(), NULL, &CB, c, &c->p) == CAIRN_OK ? 0 : -1;
}

/* Reads what is there (waiting up to ms for the first bytes). */
static int mc_read(mc *c, int ms)
{
    uint8_t buf[65536];
    if (SSL_pending(c->ssl) == 0) {
        struct pollfd p = {c->fd, POLLIN, 0};
        if (poll(&p, 1, ms) <= 0)
            return 0;
    }
    int n = SSL_read(c->ssl, buf, sizeof buf);
    if (n <= 0)
        return SSL_get_error(c->ssl, n) == SSL_ERROR_WANT_READ ? 0 : -1;
    return cairn_msrp_parser_feed(c->p, buf, (size_t)n) == CAIRN_OK ? 1 : -1;
}

static int mc_write(mc *c, const uint8_t *p, size_t n)
{
    while (n > 0) {
        int w = SSL_write(c->ssl, p, n > 16384 ? 16384 : (int)n);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
        (void)mc_read(c, 0); /* keep the relay's responses flowing */
    }
    return 0;
}

/* Writes one message's chunks (no waiting). Returns the chunk count. */
static int send_message(mc *c, const char *to, const char *from, const uint8_t *data, size_t len,
                        cairn__buf *b)
{
    char mid[17], tid[CAIRN_MSRP_TID_BUF];
    cairn_msrp_msg t;
    cairn_msrp_chunker ch;
    int chunks = 0;
    token(mid);
    memset(&t, 0, sizeof t);
    t.method_id = CAIRN_MSRP_SEND;
    t.method = "SEND";
    t.to_path = to;
    t.from_path = from;
    t.message_id = mid;
    t.content_type = "message/cpim";
    t.success_report = "yes";
    if (cairn_msrp_chunker_init(&ch, rt_ctx(), &t, data, len, 0) != CAIRN_OK)
        return -1;
    while (!cairn_msrp_chunker_done(&ch)) {
        cairn__buf_reset(b);
        if (cairn_msrp_chunker_next(&ch, b, tid) != CAIRN_OK || mc_write(c, b->data, b->len) != 0)
            return -1;
        chunks++;
    }
    return chunks;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    static const struct option LONG[] = {{"size", required_argument, NULL, 's'},
                                         {"count", required_argument, NULL, 'n'},
                                         {"sync", required_argument, NULL, 'y'},
                                         {NULL, 0, NULL, 0}};
    size_t size = 51200, count = 200;
    const char *sync = "full";
    int o;
    while ((o = getopt_long(argc, argv, "", LONG, NULL)) != -1) {
        if (o == 's')
            size = (size_t)strtoull(optarg, NULL, 10);
        else if (o == 'n')
            count = (size_t)strtoull(optarg, NULL, 10);
        else if (o == 'y')
            sync = optarg;
        else
            return 2;
    }
    if (size < 300 || count == 0)
        return 2;
    if (sodium_init() < 0)
        return 1;
    char extra[512], sa[33], sb[33], my_path[80], relay_path[400], sess[17];
    snprintf(extra, sizeof extra,
             "[limits]\nrate_address_burst = 100000\nrate_account_burst = 1000000\n"
             "rate_account_per_second = 1000000\n[database]\nsynchronous = %s\n"
             "[queue]\nmax_messages = 1000000\nmax_bytes = 1099511627776\n"
             "[msrp]\nmax_message_bytes = 16777216\n",
             sync);
    rt_server s;
    if (rt_server_start(&s, extra) != 0) {
        fprintf(stderr, "relay did not start\n");
        return 1;
    }
    rt_secret(sa);
    rt_secret(sb);
    rt_register(&s, "sip:alice@example.org", 1, sa, NULL, NULL, NULL);
    rt_register(&s, "sip:bob@example.org", 1, sb, NULL, NULL, NULL);
    rt_sip *alice = rt_sip_connect(&s);
    uint16_t port = 0;
    token(sess);
    snprintf(my_path, sizeof my_path, "msrps://127.0.0.1:9/%s;tcp", sess);
    mc c;
    if (alice == NULL || rt_sip_register(alice, "sip:alice@example.org", 1, sa) != 200 ||
        invite(alice, my_path, relay_path, sizeof relay_path, &port) != 0 || mc_open(&c, port) != 0) {
        fprintf(stderr, "session set-up failed\n");
        rt_server_cleanup(&s);
        return 1;
    }
    uint8_t *data = malloc(size);
    int h = snprintf((char *)data, size,
                     "From: <sip:alice@example.org>\r\nTo: <sip:bob@example.org>\r\n"
                     "DateTime: 2024-05-01T10:00:00.000Z\r\n\r\n"
                     "Content-Type: application/vnd.cairn.signal\r\n\r\n");
    randombytes_buf(data + h, size - (size_t)h);
    cairn__buf b;
    cairn__buf_init(&b, rt_ctx(), 1 << 20);

    /* latency: one at a time */
    size_t nlat = count < 100 ? count : 100;
    double *lat = calloc(nlat, sizeof *lat);
    for (size_t i = 0; i < nlat; i++) {
        size_t want = c.reports + 1;
        if (send_message(&c, relay_path, my_path, data, size, &b) < 0)
            break;
        double t0 = now_s();
        while (c.reports < want && mc_read(&c, 5000) >= 0 && now_s() - t0 < 10) {
        }
        lat[i] = now_s() - t0;
    }
    qsort(lat, nlat, sizeof *lat, cmp_d);

    /* throughput: pipelined */
    size_t base = c.reports, chunks = 0;
    double t0 = now_s();
    for (size_t i = 0; i < count; i++) {
        int k = send_message(&c, relay_path, my_path, data, size, &b);
        if (k < 0)
            break;
        chunks += (size_t)k;
    }
    while (c.reports < base + count && mc_read(&c, 10000) > 0) {
    }
    double el = now_s() - t0;
    size_t done = c.reports - base;
    printf("cairn-relay MSRP session mode, synchronous=%s, %zu-byte messages "
           "(%zu chunks each), recipient offline\n",
           sync, size, (size + CAIRN_MSRP_CHUNK_MAX - 1) / CAIRN_MSRP_CHUNK_MAX);
    printf("  latency (last chunk written -> success REPORT after commit), %zu sequential: "
           "p50 %.2f ms  p99 %.2f ms\n",
           nlat, lat[nlat / 2] * 1e3, lat[(nlat * 99) / 100 >= nlat ? nlat - 1 : (nlat * 99) / 100] * 1e3);
    printf("  throughput, %zu pipelined: %.0f messages/s  %.1f MB/s  (%zu chunks, %zu REPORTs, "
           "%zu failures, relay RSS %ld KiB)\n",
           count, (double)done / el, (double)done * (double)size / el / 1e6, chunks, done,
           c.failures, rt_server_rss_kb(&s));
    free(lat);
    free(data);
    cairn__buf_free(&b);
    cairn_msrp_parser_destroy(c.p);
    SSL_free(c.ssl);
    SSL_CTX_free(c.ctx);
    close(c.fd);
    rt_sip_close(alice);
    rt_server_cleanup(&s);
    return 0;
}
