/*
 * test_msrp_chunk.c - chunking (MSRP-CHUNK-*) and reassembly
 * (MSRP-REASM-*): a 50 KB message chunked, parsed and reassembled; the
 * RFC 4975 section 7.1 two-chunk example; out-of-order and duplicate
 * chunks; aborted messages; hostile Byte-Range totals and overruns; caps
 * on size and concurrency; allocation failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msrp_test_util.h"
#include "test_support.h"

static cairn_context *g_ctx;

/* Glue: parser events drive the reassembler, as a session would. */
typedef struct glue {
    cairn_msrp_reasm *r;
    cairn_status start_rc, body_rc, end_rc;
    cairn_msrp_reasm_state st;
    int completes, aborts, chunks;
    size_t max_chunk_body;
    char last_mid[64];
} glue;

static cairn_status gl_start(void *ud, const cairn_msrp_msg *m)
{
    glue *g = ud;
    if (m->is_response)
        return CAIRN_OK;
    g->chunks++;
    snprintf(g->last_mid, sizeof(g->last_mid), "%s", m->message_id ? m->message_id : "");
    g->start_rc = cairn_msrp_reasm_start(g->r, m);
    g->body_rc = CAIRN_OK;
    return CAIRN_OK; /* a session would answer 400/413 and go on */
}

static cairn_status gl_body(void *ud, const cairn_msrp_msg *m, const uint8_t *p, size_t n)
{
    glue *g = ud;
    (void)m;
    if (g->start_rc == CAIRN_OK && g->body_rc == CAIRN_OK)
        g->body_rc = cairn_msrp_reasm_body(g->r, p, n);
    return CAIRN_OK;
}

static cairn_status gl_end(void *ud, const cairn_msrp_msg *m, char flag, uint64_t len)
{
    glue *g = ud;
    (void)m;
    if (m->is_response)
        return CAIRN_OK;
    if (len > g->max_chunk_body)
        g->max_chunk_body = (size_t)len;
    g->end_rc = CAIRN_ERR_STATE;
    if (g->start_rc == CAIRN_OK && g->body_rc == CAIRN_OK) {
        g->end_rc = cairn_msrp_reasm_end(g->r, flag, &g->st);
        if (g->end_rc == CAIRN_OK && g->st == CAIRN_MSRP_REASM_COMPLETE)
            g->completes++;
        if (g->end_rc == CAIRN_OK && g->st == CAIRN_MSRP_REASM_ABORTED)
            g->aborts++;
    }
    return CAIRN_OK;
}

static const cairn_msrp_callbacks glcb = {gl_start, gl_body, gl_end};

static void feed(cairn_msrp_parser *p, const void *d, size_t n)
{
    assert_int_equal(cairn_msrp_parser_feed(p, d, n), CAIRN_OK);
}

static cairn_msrp_msg tmpl(const char *mid)
{
    cairn_msrp_msg m;
    memset(&m, 0, sizeof(m));
    m.to_path = "msrp://bob.example.com:8888/9di4eae923wzd;tcp";
    m.from_path = "msrp://alicepc.example.com:7777/iau39soe2843z;tcp";
    m.message_id = mid;
    m.content_type = "application/octet-stream";
    return m;
}

/* MSRP-CHUNK-1/2, MSRP-REASM-2: 50 KB out, chunked, parsed, reassembled. */
static void test_50k_round_trip(void **state)
{
    size_t len = 50 * 1024, i, chunks = 0, out_len = 0;
    uint8_t *msg = malloc(len), *out = NULL;
    cairn_msrp_msg m = tmpl("big-1");
    cairn_msrp_chunker ch;
    cairn__buf wire;
    cairn_msrp_parser *p = NULL;
    glue g;
    char tid[CAIRN_MSRP_TID_BUF], *ct = NULL;
    (void)state;
    for (i = 0; i < len; i++) /* CR/LF/dashes to stress the end-line scan */
        msg[i] = (uint8_t)("\r\n-------abc"[i % 12] ^ (i % 97 == 0 ? 1 : 0));
    memset(&g, 0, sizeof(g));
    assert_int_equal(cairn_msrp_reasm_create(g_ctx, NULL, &g.r), CAIRN_OK);
    assert_int_equal(cairn_msrp_parser_create(g_ctx, NULL, &glcb, &g, &p), CAIRN_OK);
    assert_int_equal(cairn_msrp_chunker_init(&ch, g_ctx, &m, msg, len, 0), CAIRN_OK);
    cairn__buf_init(&wire, g_ctx, 1 << 20);
    while (!cairn_msrp_chunker_done(&ch)) {
        size_t before = wire.len;
        char expect[64];
        assert_int_equal(cairn_msrp_chunker_next(&ch, &wire, tid), CAIRN_OK);
        snprintf(expect, sizeof(expect), "Byte-Range: %zu-%zu/%zu\r\n", chunks * 10240 + 1,
                 (chunks + 1) * 10240 < len ? (chunks + 1) * 10240 : len, len);
        assert_non_null(strstr((char *)wire.data + before, expect));
        assert_non_null(strstr((char *)wire.data + before, tid));
        chunks++;
    }
    assert_int_equal(chunks, 5);
    assert_int_equal(cairn_msrp_chunker_next(&ch, &wire, tid), CAIRN_ERR_STATE);
    /* feed in odd-sized reads */
    for (i = 0; i < wire.len; i += 777)
        feed(p, wire.data + i, wire.len - i < 777 ? wire.len - i : 777);
    assert_int_equal(g.chunks, 5);
    assert_int_equal(g.completes, 1);
    assert_true(g.max_chunk_body <= CAIRN_MSRP_CHUNK_MAX);
    assert_int_equal(cairn_msrp_reasm_take(g.r, "big-1", &out, &out_len, &ct), CAIRN_OK);
    assert_int_equal(out_len, len);
    assert_memory_equal(out, msg, len);
    assert_string_equal(ct, "application/octet-stream");
    assert_int_equal(cairn_msrp_reasm_count(g.r), 0);
    assert_int_equal(cairn_msrp_reasm_bytes(g.r), 0);
    cairn_free(g_ctx, out, out_len);
    cairn_free(g_ctx, ct, strlen(ct) + 1);
    cairn__buf_free(&wire);
    cairn_msrp_parser_destroy(p);
    cairn_msrp_reasm_destroy(g.r);
    free(msg);
}

/* RFC 4975 section 7.1 style: a message sent in two chunks, the first
 * interrupted with '+', the second ending with '$'. */
static void test_rfc_two_chunks(void **state)
{
    static const char c1[] =
        "MSRP d93kswow SEND\r\n"
        "To-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n"
        "From-Path: msrp://alicepc.example.com:7777/iau39soe2843z;tcp\r\n"
        "Message-ID: 12339sdqwer\r\n"
        "Byte-Range: 1-16/34\r\n"
        "Content-Type: text/plain\r\n"
        "\r\n"
        "abcdefghijklmnop\r\n"
        "-------d93kswow+\r\n";
    static const char c2[] =
        "MSRP op2nc9a SEND\r\n"
        "To-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n"
        "From-Path: msrp://alicepc.example.com:7777/iau39soe2843z;tcp\r\n"
        "Message-ID: 12339sdqwer\r\n"
        "Byte-Range: 17-34/34\r\n"
        "Content-Type: text/plain\r\n"
        "\r\n"
        "qrstuvwxyz0123456*\r\n"
        "-------op2nc9a$\r\n";
    cairn_msrp_parser *p = NULL;
    glue g;
    uint8_t *out;
    size_t n;
    (void)state;
    memset(&g, 0, sizeof(g));
    assert_int_equal(cairn_msrp_reasm_create(g_ctx, NULL, &g.r), CAIRN_OK);
    assert_int_equal(cairn_msrp_parser_create(g_ctx, NULL, &glcb, &g, &p), CAIRN_OK);
    feed(p, c1, sizeof(c1) - 1);
    assert_int_equal(g.st, CAIRN_MSRP_REASM_PENDING);
    feed(p, c2, sizeof(c2) - 1);
    assert_int_equal(g.completes, 1);
    assert_int_equal(cairn_msrp_reasm_take(g.r, "12339sdqwer", &out, &n, NULL), CAIRN_OK);
    assert_int_equal(n, 34);
    assert_memory_equal(out, "abcdefghijklmnopqrstuvwxyz0123456*", 34);
    cairn_free(g_ctx, out, n);
    cairn_msrp_parser_destroy(p);
    cairn_msrp_reasm_destroy(g.r);
}

/* Chunks delivered out of order and duplicated; the total only in '$'. */
static void test_out_of_order_and_duplicates(void **state)
{
    const char *text = "0123456789abcdefghijklmnopqrstuvwxyz";
    size_t len = strlen(text), i;
    cairn_msrp_msg m = tmpl("ooo");
    cairn__buf wire[8];
    size_t order[] = {3, 0, 3, 1, 0, 2};
    char tid[CAIRN_MSRP_TID_BUF];
    cairn_msrp_chunker ch;
    cairn_msrp_parser *p = NULL;
    glue g;
    uint8_t *out;
    size_t n, k = 0;
    (void)state;
    memset(&g, 0, sizeof(g));
    assert_int_equal(cairn_msrp_reasm_create(g_ctx, NULL, &g.r), CAIRN_OK);
    assert_int_equal(cairn_msrp_parser_create(g_ctx, NULL, &glcb, &g, &p), CAIRN_OK);
    assert_int_equal(cairn_msrp_chunker_init(&ch, g_ctx, &m, (const uint8_t *)text, len, 10), CAIRN_OK);
    while (!cairn_msrp_chunker_done(&ch)) {
        cairn__buf_init(&wire[k], g_ctx, 4096);
        assert_int_equal(cairn_msrp_chunker_next(&ch, &wire[k], tid), CAIRN_OK);
        k++;
    }
    assert_int_equal(k, 4);
    for (i = 0; i < CAIRN_ARRAY_LEN(order); i++) {
        feed(p, wire[order[i]].data, wire[order[i]].len);
        assert_int_equal(g.end_rc, CAIRN_OK);
        if (i < CAIRN_ARRAY_LEN(order) - 1)
            assert_int_equal(g.st, CAIRN_MSRP_REASM_PENDING);
    }
    assert_int_equal(g.st, CAIRN_MSRP_REASM_COMPLETE);
    assert_int_equal(cairn_msrp_reasm_take(g.r, "ooo", &out, &n, NULL), CAIRN_OK);
    assert_int_equal(n, len);
    assert_memory_equal(out, text, len);
    assert_int_equal(cairn_msrp_reasm_take(g.r, "ooo", &out, &n, NULL), CAIRN_ERR_NOT_FOUND);
    cairn_free(g_ctx, out, n);
    for (i = 0; i < k; i++)
        cairn__buf_free(&wire[i]);
    cairn_msrp_parser_destroy(p);
    cairn_msrp_reasm_destroy(g.r);
}

/* Hand-written chunk with a given range and body. */
static void send_chunk(cairn_msrp_parser *p, const char *mid, const char *range,
                       const char *body, char flag)
{
    char buf[4096];
    int n = snprintf(buf, sizeof(buf),
                     "MSRP tx%s SEND\r\nTo-Path: msrp://b.example.com:1/s;tcp\r\n"
                     "From-Path: msrp://a.example.com:1/s;tcp\r\nMessage-ID: %s\r\n"
                     "%s%s%sContent-Type: text/plain\r\n\r\n%s\r\n-------tx%s%c\r\n",
                     mid, mid, range ? "Byte-Range: " : "", range ? range : "",
                     range ? "\r\n" : "", body, mid, flag);
    feed(p, buf, (size_t)n);
}

/* MSRP-REASM-1/3: hostile ranges, caps, aborts. */
static void test_hostile_and_caps(void **state)
{
    cairn_msrp_reasm_limits lim = {1000, 3, 2500, 4};
    cairn_msrp_parser *p = NULL;
    glue g;
    uint8_t *out;
    size_t n;
    char big[1200];
    (void)state;
    memset(&g, 0, sizeof(g));
    assert_int_equal(cairn_msrp_reasm_create(g_ctx, &lim, &g.r), CAIRN_OK);
    assert_int_equal(cairn_msrp_parser_create(g_ctx, NULL, &glcb, &g, &p), CAIRN_OK);

    /* totals and ends over the per-message cap: refused before storing */
    send_chunk(p, "h1", "1-5/9999999999999", "hello", '+');
    assert_int_equal(g.start_rc, CAIRN_ERR_TOO_LARGE);
    send_chunk(p, "h2", "1-1001/*", "hello", '+');
    assert_int_equal(g.start_rc, CAIRN_ERR_TOO_LARGE);
    send_chunk(p, "h3", "2000-*/*", "hello", '+');
    assert_int_equal(g.start_rc, CAIRN_ERR_TOO_LARGE);
    /* semantically bad range: 400 */
    send_chunk(p, "h4", "9-3/10", "hello", '+');
    assert_int_equal(g.start_rc, CAIRN_ERR_DECODE);
    assert_int_equal(cairn_msrp_reasm_count(g.r), 0);
    /* no Byte-Range: the whole message in one chunk */
    send_chunk(p, "h5", NULL, "whole", '$');
    assert_int_equal(g.st, CAIRN_MSRP_REASM_COMPLETE);
    assert_int_equal(cairn_msrp_reasm_take(g.r, "h5", &out, &n, NULL), CAIRN_OK);
    assert_int_equal(n, 5);
    cairn_free(g_ctx, out, n);
    /* body longer than its declared range: dropped */
    send_chunk(p, "h6", "1-3/10", "hello", '+');
    assert_int_equal(g.body_rc, CAIRN_ERR_PROTOCOL);
    assert_int_equal(cairn_msrp_reasm_count(g.r), 0);
    /* body past the cap with '*' end: TOO_LARGE */
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    send_chunk(p, "h7", "1-*/*", big, '+');
    assert_int_equal(g.body_rc, CAIRN_ERR_TOO_LARGE);
    assert_int_equal(cairn_msrp_reasm_count(g.r), 0);
    /* total disagreeing with an earlier chunk */
    send_chunk(p, "h8", "1-2/10", "ab", '+');
    assert_int_equal(g.end_rc, CAIRN_OK);
    send_chunk(p, "h8", "3-4/11", "cd", '+');
    assert_int_equal(g.start_rc, CAIRN_ERR_PROTOCOL);
    /* abort drops the message and its memory */
    send_chunk(p, "h8", "3-4/10", "cd", '#');
    assert_int_equal(g.st, CAIRN_MSRP_REASM_ABORTED);
    assert_int_equal(cairn_msrp_reasm_count(g.r), 0);
    assert_int_equal(cairn_msrp_reasm_bytes(g.r), 0);
    /* concurrency cap */
    send_chunk(p, "c1", "1-1/10", "a", '+');
    send_chunk(p, "c2", "1-1/10", "a", '+');
    send_chunk(p, "c3", "1-1/10", "a", '+');
    assert_int_equal(g.start_rc, CAIRN_OK);
    assert_int_equal(g.body_rc, CAIRN_OK);
    send_chunk(p, "c4", "1-1/10", "a", '+');
    assert_int_equal(g.start_rc, CAIRN_ERR_LIMIT);
    assert_int_equal(cairn_msrp_reasm_expire(g.r, -1), 3);
    /* byte cap over all messages: 3 x 900 > 2500 */
    send_chunk(p, "d1", "1-1/900", "a", '+');
    assert_int_equal(g.body_rc, CAIRN_OK);
    send_chunk(p, "d2", "1-1/900", "a", '+');
    assert_int_equal(g.body_rc, CAIRN_OK);
    send_chunk(p, "d3", "1-1/900", "a", '+');
    assert_int_equal(g.body_rc, CAIRN_ERR_LIMIT);
    assert_true(cairn_msrp_reasm_bytes(g.r) <= 2500);
    assert_int_equal(cairn_msrp_reasm_count(g.r), 2);
    /* the survivors still complete */
    memset(big, 'y', 899);
    big[899] = 0;
    send_chunk(p, "d1", "2-900/900", big, '$');
    assert_int_equal(g.st, CAIRN_MSRP_REASM_COMPLETE);
    assert_int_equal(cairn_msrp_reasm_take(g.r, "d1", &out, &n, NULL), CAIRN_OK);
    assert_int_equal(n, 900);
    assert_int_equal(out[0], 'a');
    assert_int_equal(out[899], 'y');
    cairn_free(g_ctx, out, n);
    /* too many disjoint pieces */
    send_chunk(p, "p1", "1-1/100", "a", '+');
    send_chunk(p, "p1", "3-3/100", "a", '+');
    send_chunk(p, "p1", "5-5/100", "a", '+');
    send_chunk(p, "p1", "7-7/100", "a", '+');
    assert_int_equal(g.end_rc, CAIRN_OK);
    send_chunk(p, "p1", "9-9/100", "a", '+');
    assert_int_equal(g.end_rc, CAIRN_ERR_LIMIT);
    /* expiry */
    assert_int_equal(cairn_msrp_reasm_expire(g.r, -1), cairn_msrp_reasm_count(g.r));
    assert_int_equal(cairn_msrp_reasm_count(g.r), 0);
    assert_int_equal(cairn_msrp_reasm_bytes(g.r), 0);
    cairn_msrp_parser_destroy(p);
    cairn_msrp_reasm_destroy(g.r);
}

/* The empty message is one chunk 1-0/0 and reassembles to 0 bytes. */
static void test_empty_message(void **state)
{
    cairn_msrp_msg m = tmpl("empty");
    cairn_msrp_chunker ch;
    cairn__buf wire;
    cairn_msrp_parser *p = NULL;
    glue g;
    char tid[CAIRN_MSRP_TID_BUF];
    uint8_t *out;
    size_t n = 99;
    (void)state;
    memset(&g, 0, sizeof(g));
    assert_int_equal(cairn_msrp_reasm_create(g_ctx, NULL, &g.r), CAIRN_OK);
    assert_int_equal(cairn_msrp_parser_create(g_ctx, NULL, &glcb, &g, &p), CAIRN_OK);
    cairn__buf_init(&wire, g_ctx, 4096);
    assert_int_equal(cairn_msrp_chunker_init(&ch, g_ctx, &m, NULL, 0, 0), CAIRN_OK);
    assert_int_equal(cairn_msrp_chunker_next(&ch, &wire, tid), CAIRN_OK);
    assert_true(cairn_msrp_chunker_done(&ch));
    assert_non_null(strstr((char *)wire.data, "Byte-Range: 1-0/0\r\n"));
    feed(p, wire.data, wire.len);
    assert_int_equal(g.completes, 1);
    assert_int_equal(cairn_msrp_reasm_take(g.r, "empty", &out, &n, NULL), CAIRN_OK);
    assert_int_equal(n, 0);
    cairn_free(g_ctx, out, n);
    assert_int_equal(cairn_msrp_chunker_init(&ch, g_ctx, &m, NULL, 0, CAIRN_MSRP_CHUNK_MAX + 1),
                     CAIRN_ERR_INVALID_ARG);
    cairn__buf_free(&wire);
    cairn_msrp_parser_destroy(p);
    cairn_msrp_reasm_destroy(g.r);
}

/* Every allocation failure in the reassembler is clean and leak-free. */
static void test_reasm_alloc_failures(void **state)
{
    long k, live0 = cts_live_allocations();
    bool succeeded = false;
    (void)state;
    for (k = 0; k < 40 && !succeeded; k++) {
        cairn_msrp_reasm *r = NULL;
        cairn_msrp_parser *p = NULL;
        glue g;
        cairn_status rc;
        memset(&g, 0, sizeof(g));
        cts_fail_after(k);
        rc = cairn_msrp_reasm_create(g_ctx, NULL, &r);
        if (rc == CAIRN_OK) {
            g.r = r;
            rc = cairn_msrp_parser_create(g_ctx, NULL, &glcb, &g, &p);
        }
        if (rc == CAIRN_OK) {
            send_chunk(p, "a1", "1-5/10", "hello", '+');
            send_chunk(p, "a1", "6-10/10", "world", '$');
            succeeded = g.completes == 1;
            if (!succeeded)
                assert_true(g.start_rc == CAIRN_ERR_NOMEM || g.body_rc == CAIRN_ERR_NOMEM);
        } else {
            assert_int_equal(rc, CAIRN_ERR_NOMEM);
        }
        cts_fail_after(-1);
        cairn_msrp_parser_destroy(p);
        cairn_msrp_reasm_destroy(r);
        assert_int_equal(cts_live_allocations(), live0);
    }
    assert_true(succeeded);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_50k_round_trip),
        cmocka_unit_test(test_rfc_two_chunks),
        cmocka_unit_test(test_out_of_order_and_duplicates),
        cmocka_unit_test(test_hostile_and_caps),
        cmocka_unit_test(test_empty_message),
        cmocka_unit_test(test_reasm_alloc_failures),
    };
    int rc;
    g_ctx = cts_context();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    cairn_context_destroy(g_ctx);
    return rc;
}
