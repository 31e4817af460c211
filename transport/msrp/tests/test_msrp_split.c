/*
 * test_msrp_split.c - MSRP-PARSE-2: the parser gives identical events for
 * every way a stream of pipelined messages is split across reads: at every
 * single split point, at every pair of split points near the end-lines,
 * byte by byte, and at random cuts. The stream holds requests with and
 * without bodies, responses, a REPORT, a '+' and a '#' chunk, an empty
 * body, and bodies that contain end-line look-alikes (other tid, missing
 * CRLF, prefix of its own end-line) right where a split is most likely to
 * fool a naive scanner.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msrp_test_util.h"
#include "test_support.h"

static const char stream[] =
    "MSRP a786hjs2 SEND\r\n"
    "To-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n"
    "From-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n"
    "Message-ID: 87652491\r\n"
    "Byte-Range: 1-25/25\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Hey Bob, are you there?\r\n"
    "-------a786hjs2$\r\n"
    "MSRP a786hjs2 200 OK\r\n"
    "To-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n"
    "From-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n"
    "-------a786hjs2$\r\n"
    "MSRP tricky01 SEND\r\n"
    "To-Path: msrp://b.example.com:9/s1;tcp\r\n"
    "From-Path: msrp://a.example.com:9/s2;tcp\r\n"
    "Message-ID: m-2\r\n"
    "Byte-Range: 1-*/*\r\n"
    "Success-Report: yes\r\n"
    "Content-Type: text/plain\r\n"
    "Content-ID: <x@y>\r\n"
    "\r\n"
    "\r\n-------tricky0$\r\n"        /* shorter tid */
    "\r\n-------tricky011$\r\n"      /* longer tid */
    "\r\n-------tricky01X\r\n"       /* bad flag */
    "\r\n-------tricky01$\n"         /* missing CR */
    "\r\r\n-------tricky01\r\n"      /* no flag */
    "\r\n\r\n-------tricky"          /* prefix, then more */
    "01 still body\r\n"
    "-------tricky01+\r\n"
    "MSRP tricky01 200 OK\r\n"
    "To-Path: msrp://a.example.com:9/s2;tcp\r\n"
    "From-Path: msrp://b.example.com:9/s1;tcp\r\n"
    "-------tricky01$\r\n"
    "MSRP dkei38sd REPORT\r\n"
    "To-Path: msrp://alicepc.example.com:7777/iau39soe2843z;tcp\r\n"
    "From-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n"
    "Message-ID: 12339sdqwer\r\n"
    "Byte-Range: 1-106/106\r\n"
    "Status: 000 200 OK\r\n"
    "-------dkei38sd$\r\n"
    "MSRP empt SEND\r\n"
    "To-Path: msrp://b.example.com:9/s1;tcp\r\n"
    "From-Path: msrp://a.example.com:9/s2;tcp\r\n"
    "Message-ID: m-3\r\n"
    "Byte-Range: 1-0/0\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "\r\n"
    "-------empt$\r\n"
    "MSRP abrt SEND\r\n"
    "To-Path: msrp://b.example.com:9/s1;tcp\r\n"
    "From-Path: msrp://a.example.com:9/s2;tcp\r\n"
    "Message-ID: m-4\r\n"
    "Byte-Range: 1-*/100\r\n"
    "Content-Type: application/octet-stream\r\n"
    "\r\n"
    "\r\r\r\n\n\n-------abr-------abrt\r\n"
    "-------abrt#\r\n"
    "MSRP look SEND\r\n"
    "To-Path: msrp://b.example.com:9/s1;tcp\r\n"
    "From-Path: msrp://a.example.com:9/s2;tcp\r\n"
    "Message-ID: m-5\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "-------lookX\r\n"               /* body opens with its own end-line prefix */
    "-------look$\r\n"
    "MSRP 49fh AUTH\r\n"
    "To-Path: msrps://alice@intra.example.com;tcp\r\n"
    "From-Path: msrps://alice.example.com:9892/98cjs;tcp\r\n"
    "-------49fh$\r\n";

static cairn_context *g_ctx;
static mt_collect g_ref;

static const uint8_t *S(void) { return (const uint8_t *)stream; }
#define N (sizeof(stream) - 1)

static void check_same(mt_collect *c)
{
    if (c->len != g_ref.len || memcmp(c->log, g_ref.log, c->len) != 0) {
        fprintf(stderr, "--- expected\n%s\n--- got\n%s\n", g_ref.log, c->log);
        fail();
    }
}

/* Feeds the stream cut at the given sorted offsets. */
static void feed_cuts(const size_t *cuts, size_t ncuts)
{
    cairn_msrp_parser *p = NULL;
    mt_collect c;
    size_t prev = 0, i;
    mt_collect_init(&c);
    assert_int_equal(cairn_msrp_parser_create(g_ctx, NULL, mt_callbacks(), &c, &p), CAIRN_OK);
    for (i = 0; i <= ncuts; i++) {
        size_t at = i < ncuts ? cuts[i] : N;
        assert_int_equal(cairn_msrp_parser_feed(p, S() + prev, at - prev), CAIRN_OK);
        prev = at;
    }
    assert_true(cairn_msrp_parser_idle(p));
    cairn_msrp_parser_destroy(p);
    check_same(&c);
    mt_collect_free(&c);
}

static void test_reference(void **state)
{
    (void)state;
    /* The whole-buffer parse is the reference; check it is what we mean. */
    assert_int_equal(g_ref.starts, 9);
    assert_int_equal(g_ref.ends, 9);
    assert_non_null(strstr(g_ref.log, "err=0(-)\n-------lookX\nEND look $ 12\n"));
    assert_non_null(strstr(g_ref.log, "\r\n-------tricky0$\r\n\r\n-------tricky011$"));
    assert_non_null(strstr(g_ref.log, "01 still body\nEND tricky01 + "));
    assert_non_null(strstr(g_ref.log, "END abrt # 27\n"));
    assert_non_null(strstr(g_ref.log, "END empt $ 0\n"));
    assert_non_null(strstr(g_ref.log, "[Content-ID=<x@y>]"));
    assert_null(strstr(g_ref.log, "err=11"));
}

static void test_every_split_point(void **state)
{
    size_t i;
    (void)state;
    for (i = 0; i <= N; i++)
        feed_cuts(&i, 1);
}

static void test_byte_by_byte(void **state)
{
    mt_collect c;
    (void)state;
    mt_collect_init(&c);
    assert_int_equal(mt_parse(g_ctx, S(), N, 1, &c), CAIRN_OK);
    check_same(&c);
    mt_collect_free(&c);
}

/* Every pair of cuts inside a window around each end-line and each
 * look-alike: the hold-back is refilled from two short reads. */
static void test_double_splits_near_endlines(void **state)
{
    const char *hay = stream;
    (void)state;
    while ((hay = strstr(hay, "-------")) != NULL) {
        size_t pos = (size_t)(hay - stream), a, b;
        size_t lo = pos > 4 ? pos - 4 : 0, hi = pos + 24 < N ? pos + 24 : N;
        for (a = lo; a <= hi; a++)
            for (b = a; b <= hi; b++) {
                size_t cuts[2] = {a, b};
                feed_cuts(cuts, 2);
            }
        hay += 7;
    }
}

static void test_random_cuts(void **state)
{
    unsigned seed = 12345;
    int round;
    (void)state;
    for (round = 0; round < 300; round++) {
        size_t cuts[32], n = 0, i, j;
        seed = seed * 1103515245u + 12345u;
        n = (seed >> 16) % 32;
        for (i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            cuts[i] = (seed >> 8) % (N + 1);
        }
        for (i = 1; i < n; i++) /* insertion sort */
            for (j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
                size_t t = cuts[j];
                cuts[j] = cuts[j - 1];
                cuts[j - 1] = t;
            }
        feed_cuts(cuts, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference),
        cmocka_unit_test(test_every_split_point),
        cmocka_unit_test(test_byte_by_byte),
        cmocka_unit_test(test_double_splits_near_endlines),
        cmocka_unit_test(test_random_cuts),
    };
    int rc;
    g_ctx = cts_context();
    mt_collect_init(&g_ref);
    if (mt_parse(g_ctx, S(), N, 0, &g_ref) != CAIRN_OK) {
        fprintf(stderr, "reference parse failed:\n%s\n", g_ref.log);
        return 1;
    }
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    mt_collect_free(&g_ref);
    cairn_context_destroy(g_ctx);
    return rc;
}
