/*
 * test_sip_stream.c - the stream reader (SIP-26): a pipelined stream of
 * several messages gives the same messages for every split point (one and
 * two cuts, byte-at-a-time), keep-alives between messages are skipped, and
 * hostile streams fail early with bounded buffering (SIP-20..24).
 */
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "cairn/sip.h"
#include "test_support.h"

static const char stream[] = "REGISTER sip:ims.example.net SIP/2.0\r\n"
                             "Via: SIP/2.0/TLS 192.0.2.5:5061;branch=z9hG4bKreg1;rport\r\n"
                             "From: <sip:+15551234@ims.example.net>;tag=r1\r\n"
                             "To: <sip:+15551234@ims.example.net>\r\n"
                             "Call-ID: reg-1\r\n"
                             "CSeq: 1 REGISTER\r\n"
                             "Contact: "
                             "<sip:192.0.2.5:5061;transport=tls>;+g.3gpp.icsi-ref=\"urn%3Aurn-7%"
                             "3A3gpp-service.ims.icsi.oma.cpm.msg\"\r\n"
                             "Expires: 600000\r\n"
                             "Content-Length: 0\r\n"
                             "\r\n"
                             "\r\n\r\n" /* RFC 5626 keep-alive ping between messages */
                             "MESSAGE sip:bob@example.net SIP/2.0\r\n"
                             "v: SIP/2.0/TLS 192.0.2.5:5061;branch=z9hG4bKm1\r\n"
                             "f: <sip:alice@example.net>;tag=a\r\n"
                             "t: <sip:bob@example.net>\r\n"
                             "i: msg-1\r\n"
                             "CSeq: 2 MESSAGE\r\n"
                             "c: message/cpim\r\n"
                             "l: 28\r\n"
                             "\r\n"
                             "CRLF\r\n\r\nin body: not a frame"
                             "SIP/2.0 200 OK\n"
                             "Via: SIP/2.0/TLS 192.0.2.5:5061;branch=z9hG4bKm1\n"
                             "Call-ID: msg-1\n"
                             "CSeq: 2 MESSAGE\n"
                             "Content-Length: 4\n"
                             "\n"
                             "abcd"
                             "BYE sip:bob@example.net SIP/2.0\r\n"
                             "Call-ID: c\r\n"
                             "Content-Type: text/plain\r\n"
                             "Content-Length: 1\r\n"
                             "\r\n"
                             "Z";

#define NMSG 4

typedef struct {
    char *wire[NMSG];
    size_t n;
} collected;

static void collect_free(cairn_context *ctx, collected *c)
{
    size_t i;
    for (i = 0; i < c->n; i++)
        cairn__free(ctx, c->wire[i]);
    c->n = 0;
}

/* Feeds one chunk, draining every message it completes. */
static cairn_status feed(cairn_context *ctx, cairn_sip_reader *r, const uint8_t *p, size_t len,
                         collected *c)
{
    while (len) {
        size_t used = 0;
        cairn_sip_msg *m = NULL;
        cairn_status rc = cairn_sip_reader_feed(r, p, len, &used, &m);
        if (rc != CAIRN_OK)
            return rc;
        assert_true(used <= len);
        if (m) {
            cairn__buf b;
            uint8_t *out;
            cairn__buf_init(&b, ctx, 1 << 16);
            rc = cairn_sip_msg_serialize(m, &b);
            if (rc == CAIRN_OK)
                rc = cairn__buf_take(&b, &out, NULL);
            if (rc != CAIRN_OK) { /* only under allocation torture */
                cairn__buf_free(&b);
                cairn_sip_msg_free(m);
                return rc;
            }
            assert_true(c->n < NMSG);
            c->wire[c->n++] = (char *)out;
            cairn_sip_msg_free(m);
        } else {
            assert_int_equal(used, len);
        }
        p += used;
        len -= used;
    }
    return CAIRN_OK;
}

/* The reference: the stream read in one piece. */
static void reference(cairn_context *ctx, collected *ref)
{
    cairn_sip_reader *r = NULL;
    assert_int_equal(cairn_sip_reader_new(ctx, NULL, &r), CAIRN_OK);
    assert_int_equal(feed(ctx, r, (const uint8_t *)stream, strlen(stream), ref), CAIRN_OK);
    assert_int_equal(ref->n, NMSG);
    assert_int_equal(cairn_sip_reader_pending(r), 0);
    cairn_sip_reader_free(r);
}

static void check_same(const collected *a, const collected *b)
{
    size_t i;
    assert_int_equal(a->n, b->n);
    for (i = 0; i < a->n; i++)
        assert_string_equal(a->wire[i], b->wire[i]);
}

static void whole_stream_messages(void **state)
{
    cairn_context *ctx = cts_context();
    collected ref = {0};
    (void)state;
    reference(ctx, &ref);
    assert_non_null(strstr(ref.wire[0], "REGISTER sip:ims.example.net SIP/2.0\r\n"));
    /* The body holding CRLFCRLF was framed by Content-Length alone. */
    assert_non_null(
        strstr(ref.wire[1], "Content-Length: 28\r\n\r\nCRLF\r\n\r\nin body: not a frame"));
    assert_non_null(strstr(ref.wire[2], "SIP/2.0 200 OK\r\n"));
    assert_non_null(strstr(ref.wire[3], "\r\n\r\nZ"));
    collect_free(ctx, &ref);
    assert_int_equal(cts_live_allocations(), 1);
    cairn_context_destroy(ctx);
}

static void every_split_point(void **state)
{
    cairn_context *ctx = cts_context();
    collected ref = {0}, got = {0};
    size_t n = strlen(stream), i, j;
    const uint8_t *p = (const uint8_t *)stream;
    (void)state;
    reference(ctx, &ref);
    /* One cut at every position. */
    for (i = 0; i <= n; i++) {
        cairn_sip_reader *r = NULL;
        assert_int_equal(cairn_sip_reader_new(ctx, NULL, &r), CAIRN_OK);
        assert_int_equal(feed(ctx, r, p, i, &got), CAIRN_OK);
        assert_int_equal(feed(ctx, r, p + i, n - i, &got), CAIRN_OK);
        check_same(&ref, &got);
        collect_free(ctx, &got);
        cairn_sip_reader_free(r);
    }
    /* Two cuts: every first position, second positions in steps of 5. */
    for (i = 0; i <= n; i++) {
        for (j = i; j <= n; j += 5) {
            cairn_sip_reader *r = NULL;
            assert_int_equal(cairn_sip_reader_new(ctx, NULL, &r), CAIRN_OK);
            assert_int_equal(feed(ctx, r, p, i, &got), CAIRN_OK);
            assert_int_equal(feed(ctx, r, p + i, j - i, &got), CAIRN_OK);
            assert_int_equal(feed(ctx, r, p + j, n - j, &got), CAIRN_OK);
            check_same(&ref, &got);
            collect_free(ctx, &got);
            cairn_sip_reader_free(r);
        }
    }
    /* One byte at a time. */
    {
        cairn_sip_reader *r = NULL;
        assert_int_equal(cairn_sip_reader_new(ctx, NULL, &r), CAIRN_OK);
        for (i = 0; i < n; i++)
            assert_int_equal(feed(ctx, r, p + i, 1, &got), CAIRN_OK);
        check_same(&ref, &got);
        collect_free(ctx, &got);
        cairn_sip_reader_free(r);
    }
    collect_free(ctx, &ref);
    assert_int_equal(cts_live_allocations(), 1);
    cairn_context_destroy(ctx);
}

/* Feeds the whole input and returns the first error, checking that the
 * reader never buffered more than `bound` bytes along the way. */
static cairn_status feed_hostile(cairn_context *ctx, const cairn_sip_limits *lim, const char *in,
                                 size_t n, size_t chunk, size_t bound)
{
    cairn_sip_reader *r = NULL;
    collected got = {0};
    cairn_status rc = CAIRN_OK;
    size_t i;
    assert_int_equal(cairn_sip_reader_new(ctx, lim, &r), CAIRN_OK);
    for (i = 0; i < n && rc == CAIRN_OK; i += chunk) {
        size_t k = n - i < chunk ? n - i : chunk;
        rc = feed(ctx, r, (const uint8_t *)in + i, k, &got);
        assert_true(cairn_sip_reader_pending(r) <= bound);
    }
    if (rc != CAIRN_OK) {
        /* Sticky: the same error again, nothing consumed or returned. */
        size_t used = 9;
        cairn_sip_msg *m = NULL;
        assert_int_equal(cairn_sip_reader_feed(r, (const uint8_t *)"x", 1, &used, &m), rc);
        assert_int_equal(used, 0);
        assert_null(m);
    }
    collect_free(ctx, &got);
    cairn_sip_reader_free(r);
    assert_int_equal(cts_live_allocations(), 1);
    return rc;
}

#define HEAD "MESSAGE sip:a@b.example SIP/2.0\r\nCall-ID: x\r\n"

static void hostile_streams(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_sip_limits lim;
    size_t n, i;
    char *big;
    (void)state;

    /* Huge Content-Length: refused as soon as the head is complete,
     * before a single body byte is buffered (SIP-23). */
    {
        static const char in[] = HEAD "Content-Length: 4000000000\r\n\r\nxxxx";
        assert_int_equal(feed_hostile(ctx, NULL, in, strlen(in), 7, 65536), CAIRN_ERR_TOO_LARGE);
    }
    {
        static const char in[] = HEAD "Content-Length: -4\r\n\r\n";
        assert_int_equal(feed_hostile(ctx, NULL, in, strlen(in), 3, 65536), CAIRN_ERR_DECODE);
    }
    {
        static const char in[] = HEAD "Content-Length: 4 4\r\n\r\n";
        assert_int_equal(feed_hostile(ctx, NULL, in, strlen(in), 3, 65536), CAIRN_ERR_DECODE);
    }
    {
        static const char in[] = HEAD "To: a\0b\r\n\r\n";
        assert_int_equal(feed_hostile(ctx, NULL, in, sizeof(in) - 1, 4, 65536), CAIRN_ERR_DECODE);
    }
    {
        static const char in[] = "HTTP/1.1 200 OK\r\n\r\n";
        assert_int_equal(feed_hostile(ctx, NULL, in, strlen(in), 4, 65536), CAIRN_ERR_DECODE);
    }
    /* A line without end: fails once it passes the line cap, having
     * buffered at most one line (SIP-20). */
    n = 1 << 20;
    big = malloc(n);
    memset(big, 'a', n);
    assert_int_equal(feed_hostile(ctx, NULL, big, n, 4096, CAIRN_SIP_DEFAULT_MAX_LINE + 1),
                     CAIRN_ERR_TOO_LARGE);
    /* A header section that never ends: fails at the byte cap (SIP-22). */
    for (i = 0; i + 100 <= n; i += 100) {
        memcpy(big + i, "X-Pad: ", 7);
        memset(big + i + 7, 'p', 91);
        memcpy(big + i + 98, "\r\n", 2);
    }
    cairn_sip_limits_default(&lim);
    lim.max_headers = 1 << 20;
    assert_int_equal(feed_hostile(ctx, &lim, big, n, 1000, CAIRN_SIP_DEFAULT_MAX_HEADER_BYTES),
                     CAIRN_ERR_TOO_LARGE);
    free(big);
    /* 10,000 headers (SIP-21). */
    n = 10000;
    big = malloc(strlen(HEAD) + n * 6 + 2);
    memcpy(big, HEAD, strlen(HEAD));
    for (i = 0; i < n; i++)
        memcpy(big + strlen(HEAD) + i * 6, "a: b\r\n", 6);
    memcpy(big + strlen(HEAD) + n * 6, "\r\n", 2);
    assert_int_equal(feed_hostile(ctx, NULL, big, strlen(HEAD) + n * 6 + 2, 333, 65536),
                     CAIRN_ERR_LIMIT);
    free(big);
    /* A truncated stream is not an error, just incomplete: bytes stay
     * pending until the connection closes. */
    {
        static const char in[] = HEAD "Content-Length: 10\r\n\r\nabc";
        cairn_sip_reader *r = NULL;
        collected got = {0};
        assert_int_equal(cairn_sip_reader_new(ctx, NULL, &r), CAIRN_OK);
        assert_int_equal(feed(ctx, r, (const uint8_t *)in, strlen(in), &got), CAIRN_OK);
        assert_int_equal(got.n, 0);
        assert_true(cairn_sip_reader_pending(r) > 0);
        cairn_sip_reader_free(r);
        assert_int_equal(cts_live_allocations(), 1);
    }
    cairn_context_destroy(ctx);
}

static void reader_allocation_torture(void **state)
{
    cairn_context *ctx = cts_context();
    long k;
    (void)state;
    for (k = 0; k < 400; k++) {
        cairn_sip_reader *r = NULL;
        collected got = {0};
        cairn_status rc;
        cts_fail_after(k);
        rc = cairn_sip_reader_new(ctx, NULL, &r);
        if (rc == CAIRN_OK)
            rc = feed(ctx, r, (const uint8_t *)stream, strlen(stream), &got);
        cts_fail_after(-1);
        if (rc == CAIRN_OK)
            assert_int_equal(got.n, NMSG);
        else
            assert_int_equal(rc, CAIRN_ERR_NOMEM);
        collect_free(ctx, &got);
        cairn_sip_reader_free(r);
        assert_int_equal(cts_live_allocations(), 1);
        if (rc == CAIRN_OK)
            break;
    }
    assert_true(k > 10 && k < 400);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(whole_stream_messages),
        cmocka_unit_test(every_split_point),
        cmocka_unit_test(hostile_streams),
        cmocka_unit_test(reader_allocation_torture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
