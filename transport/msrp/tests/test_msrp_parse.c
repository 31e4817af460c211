/*
 * test_msrp_parse.c - the incremental MSRP parser against the RFC 4975 /
 * RFC 4976 example messages (written here as facts) and against hostile
 * input: every framing error must be a clean, sticky status, every
 * semantic error a flagged message with the stream still in sync, and
 * memory must stay bounded however large a body is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msrp_test_util.h"
#include "test_support.h"

static cairn_context *g_ctx;
#define CTX() (g_ctx ? g_ctx : (g_ctx = cts_context()))

#define U8(s) ((const uint8_t *)(s)), (sizeof(s) - 1)

/* RFC 4975 section 7: the first SEND and its 200 (MSRP-PARSE-1). */
static const char rfc_send[] =
    "MSRP a786hjs2 SEND\r\n"
    "To-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n"
    "From-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n"
    "Message-ID: 87652491\r\n"
    "Byte-Range: 1-25/25\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Hey Bob, are you there?\r\n"
    "-------a786hjs2$\r\n";
static const char rfc_ok[] =
    "MSRP a786hjs2 200 OK\r\n"
    "To-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n"
    "From-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n"
    "-------a786hjs2$\r\n";
/* RFC 4975 section 7.1.2 style REPORT. */
static const char rfc_report[] =
    "MSRP dkei38sd REPORT\r\n"
    "To-Path: msrp://alicepc.example.com:7777/iau39soe2843z;tcp\r\n"
    "From-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n"
    "Message-ID: 12339sdqwer\r\n"
    "Byte-Range: 1-106/106\r\n"
    "Status: 000 200 OK\r\n"
    "-------dkei38sd$\r\n";
/* RFC 4976 section 7: AUTH to a relay and its answers. */
static const char rfc_auth[] =
    "MSRP 49fh AUTH\r\n"
    "To-Path: msrps://alice@intra.example.com;tcp\r\n"
    "From-Path: msrps://alice.example.com:9892/98cjs;tcp\r\n"
    "-------49fh$\r\n";
static const char rfc_401[] =
    "MSRP 49fh 401 Unauthorized\r\n"
    "To-Path: msrps://alice.example.com:9892/98cjs;tcp\r\n"
    "From-Path: msrps://alice@intra.example.com;tcp\r\n"
    "WWW-Authenticate: Digest realm=\"intra.example.com\", qop=\"auth\", "
    "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"\r\n"
    "-------49fh$\r\n";
static const char rfc_auth_ok[] =
    "MSRP 49fi 200 OK\r\n"
    "To-Path: msrps://alice.example.com:9892/98cjs;tcp\r\n"
    "From-Path: msrps://alice@intra.example.com;tcp\r\n"
    "Use-Path: msrps://intra.example.com:9000/jui787s2f;tcp\r\n"
    "Expires: 900\r\n"
    "-------49fi$\r\n";

typedef struct grab {
    char tid[64], method[32], to[256], from[256], mid[64], ct[64], use[256];
    char www[256], status_comment[64], body[256];
    int is_response, code, method_id, has_range, has_status, has_body;
    int status_ns, status_code, has_expires;
    unsigned expires;
    cairn_msrp_range range;
    cairn_status error;
    char flag;
    uint64_t body_len;
    int ends;
} grab;

#define CP(dst, src) snprintf((dst), sizeof(dst), "%s", (src) ? (src) : "")

static cairn_status g_start(void *ud, const cairn_msrp_msg *m)
{
    grab *g = ud;
    memset(g, 0, sizeof(*g) - sizeof(int));
    CP(g->tid, m->tid);
    CP(g->method, m->method);
    CP(g->to, m->to_path);
    CP(g->from, m->from_path);
    CP(g->mid, m->message_id);
    CP(g->ct, m->content_type);
    CP(g->use, m->use_path);
    CP(g->www, m->www_authenticate);
    g->is_response = m->is_response;
    g->code = m->code;
    g->method_id = (int)m->method_id;
    g->has_range = m->has_range;
    g->range = m->range;
    g->has_status = m->has_status;
    g->status_ns = m->status.ns;
    g->status_code = m->status.code;
    CP(g->status_comment, m->status.comment);
    g->has_expires = m->has_expires;
    g->expires = m->expires;
    g->has_body = m->has_body;
    g->error = m->error;
    return CAIRN_OK;
}

static cairn_status g_body(void *ud, const cairn_msrp_msg *m, const uint8_t *p, size_t n)
{
    grab *g = ud;
    size_t have = strlen(g->body);
    (void)m;
    if (have + n < sizeof(g->body)) {
        memcpy(g->body + have, p, n);
        g->body[have + n] = 0;
    }
    return CAIRN_OK;
}

static cairn_status g_end(void *ud, const cairn_msrp_msg *m, char flag, uint64_t len)
{
    grab *g = ud;
    (void)m;
    g->flag = flag;
    g->body_len = len;
    g->ends++;
    return CAIRN_OK;
}

static const cairn_msrp_callbacks gcb = {g_start, g_body, g_end};

static cairn_status parse_one(const char *s, size_t n, grab *g)
{
    cairn_msrp_parser *p = NULL;
    cairn_status rc;
    memset(g, 0, sizeof(*g));
    assert_int_equal(cairn_msrp_parser_create(CTX(), NULL, &gcb, g, &p), CAIRN_OK);
    rc = cairn_msrp_parser_feed(p, (const uint8_t *)s, n);
    if (rc == CAIRN_OK && !cairn_msrp_parser_idle(p))
        rc = CAIRN_ERR_STATE;
    cairn_msrp_parser_destroy(p);
    return rc;
}

/* MSRP-PARSE-1: the RFC 4975 section 7 SEND. */
static void test_rfc_send(void **state)
{
    grab g;
    (void)state;
    assert_int_equal(parse_one(rfc_send, sizeof(rfc_send) - 1, &g), CAIRN_OK);
    assert_string_equal(g.tid, "a786hjs2");
    assert_string_equal(g.method, "SEND");
    assert_int_equal(g.method_id, CAIRN_MSRP_SEND);
    assert_string_equal(g.to, "msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp");
    assert_string_equal(g.from, "msrp://atlanta.example.com:7654/jshA7weztas;tcp");
    assert_string_equal(g.mid, "87652491");
    assert_true(g.has_range);
    assert_int_equal(g.range.start, 1);
    assert_int_equal(g.range.end, 25);
    assert_int_equal(g.range.total, 25);
    assert_string_equal(g.ct, "text/plain");
    assert_true(g.has_body);
    assert_string_equal(g.body, "Hey Bob, are you there?");
    assert_int_equal(g.body_len, 23);
    assert_int_equal(g.flag, '$');
    assert_int_equal(g.error, CAIRN_OK);
}

static void test_rfc_response(void **state)
{
    grab g;
    (void)state;
    assert_int_equal(parse_one(rfc_ok, sizeof(rfc_ok) - 1, &g), CAIRN_OK);
    assert_true(g.is_response);
    assert_int_equal(g.code, 200);
    assert_false(g.has_body);
    assert_int_equal(g.body_len, 0);
    assert_int_equal(g.ends, 1);
    assert_int_equal(g.error, CAIRN_OK);
}

static void test_rfc_report(void **state)
{
    grab g;
    (void)state;
    assert_int_equal(parse_one(rfc_report, sizeof(rfc_report) - 1, &g), CAIRN_OK);
    assert_int_equal(g.method_id, CAIRN_MSRP_REPORT);
    assert_true(g.has_status);
    assert_int_equal(g.status_ns, 0);
    assert_int_equal(g.status_code, 200);
    assert_string_equal(g.status_comment, "OK");
    assert_int_equal(g.range.end, 106);
    assert_int_equal(g.error, CAIRN_OK);
}

/* RFC 4976: AUTH, 401 with WWW-Authenticate, 200 with Use-Path/Expires. */
static void test_rfc_auth(void **state)
{
    grab g;
    (void)state;
    assert_int_equal(parse_one(rfc_auth, sizeof(rfc_auth) - 1, &g), CAIRN_OK);
    assert_int_equal(g.method_id, CAIRN_MSRP_AUTH);
    assert_int_equal(g.error, CAIRN_OK);
    assert_int_equal(parse_one(rfc_401, sizeof(rfc_401) - 1, &g), CAIRN_OK);
    assert_int_equal(g.code, 401);
    assert_non_null(strstr(g.www, "realm=\"intra.example.com\""));
    assert_int_equal(parse_one(rfc_auth_ok, sizeof(rfc_auth_ok) - 1, &g), CAIRN_OK);
    assert_string_equal(g.use, "msrps://intra.example.com:9000/jui787s2f;tcp");
    assert_true(g.has_expires);
    assert_int_equal(g.expires, 900);
    assert_int_equal(g.error, CAIRN_OK);
}

/* MSRP-PARSE-2: an end-line of another transaction inside a body is body. */
static void test_fake_endline_in_body(void **state)
{
    static const char s[] =
        "MSRP abcd1234 SEND\r\n"
        "To-Path: msrp://b.example.com:1/s;tcp\r\n"
        "From-Path: msrp://a.example.com:1/s;tcp\r\n"
        "Message-ID: m1\r\n"
        "Byte-Range: 1-*/*\r\n"
        "Content-Type: text/plain\r\n"
        "\r\n"
        "x\r\n-------other123$\r\ny\r\n-------abcd1234$X\r\n-------abcd123$\r\nz\r\n"
        "-------abcd1234+\r\n";
    grab g;
    (void)state;
    assert_int_equal(parse_one(s, sizeof(s) - 1, &g), CAIRN_OK);
    assert_string_equal(g.body,
                        "x\r\n-------other123$\r\ny\r\n-------abcd1234$X\r\n"
                        "-------abcd123$\r\nz");
    assert_int_equal(g.flag, '+');
    assert_int_equal(g.ends, 1);
}

/* MSRP-PARSE-3: empty body, conforming and CRLF-less forms. */
static void test_empty_bodies(void **state)
{
    static const char conforming[] =
        "MSRP t001 SEND\r\nTo-Path: msrp://b.example.com:1/s;tcp\r\n"
        "From-Path: msrp://a.example.com:1/s;tcp\r\nMessage-ID: e\r\n"
        "Byte-Range: 1-0/0\r\nContent-Type: text/plain\r\n\r\n\r\n-------t001$\r\n";
    static const char lax[] =
        "MSRP t001 SEND\r\nTo-Path: msrp://b.example.com:1/s;tcp\r\n"
        "From-Path: msrp://a.example.com:1/s;tcp\r\nMessage-ID: e\r\n"
        "Byte-Range: 1-0/0\r\nContent-Type: text/plain\r\n\r\n-------t001$\r\n";
    static const char crlf_body[] =
        "MSRP t001 SEND\r\nTo-Path: msrp://b.example.com:1/s;tcp\r\n"
        "From-Path: msrp://a.example.com:1/s;tcp\r\nMessage-ID: e\r\n"
        "Content-Type: text/plain\r\n\r\n\r\n\r\n-------t001$\r\n";
    grab g;
    (void)state;
    assert_int_equal(parse_one(conforming, sizeof(conforming) - 1, &g), CAIRN_OK);
    assert_int_equal(g.body_len, 0);
    assert_true(g.has_body);
    assert_int_equal(g.error, CAIRN_OK);
    assert_int_equal(parse_one(lax, sizeof(lax) - 1, &g), CAIRN_OK);
    assert_int_equal(g.body_len, 0);
    assert_int_equal(parse_one(crlf_body, sizeof(crlf_body) - 1, &g), CAIRN_OK);
    assert_int_equal(g.body_len, 2);
    assert_string_equal(g.body, "\r\n");
}

static const char hdr_ok[] =
    "To-Path: msrp://b.example.com:1/s;tcp\r\n"
    "From-Path: msrp://a.example.com:1/s;tcp\r\n"
    "Message-ID: m\r\n";

/* Builds "MSRP tid SEND" + hdr_ok + extra + content + end-line. */
static char *msg_with(const char *extra)
{
    char *s = malloc(8192);
    snprintf(s, 8192,
             "MSRP tid9 SEND\r\n%s%sContent-Type: text/plain\r\n\r\nhi\r\n-------tid9$\r\n",
             hdr_ok, extra);
    return s;
}

/* MSRP-PARSE-4, MSRP-RANGE-1/2: bad Byte-Range values are flagged on the
 * message, the stream stays in sync. */
static void test_bad_byte_ranges(void **state)
{
    static const char *bad[] = {
        "Byte-Range: 5-3/10\r\n",            /* end < start - 1 */
        "Byte-Range: 1-11/10\r\n",           /* beyond total */
        "Byte-Range: 12-*/10\r\n",           /* start beyond total */
        "Byte-Range: 0-1/1\r\n",             /* start 0 */
        "Byte-Range: 1-99999999999999999999999/*\r\n", /* overflow */
        "Byte-Range: 1-9007199254740992/*\r\n",       /* > 2^53 - 1 */
        "Byte-Range: 1-2\r\n",               /* no total */
        "Byte-Range: -1-2/3\r\n",
        "Byte-Range: 1-2/3x\r\n",
        "Byte-Range: 1-2/3\r\nByte-Range: 1-2/3\r\n", /* repeated */
    };
    size_t i;
    (void)state;
    for (i = 0; i < CAIRN_ARRAY_LEN(bad); i++) {
        char *s = msg_with(bad[i]);
        grab g;
        assert_int_equal(parse_one(s, strlen(s), &g), CAIRN_OK);
        assert_int_equal(g.error, CAIRN_ERR_DECODE);
        assert_string_equal(g.body, "hi");
        free(s);
    }
    {
        char *s = msg_with("Byte-Range: 1-*/*\r\n");
        grab g;
        assert_int_equal(parse_one(s, strlen(s), &g), CAIRN_OK);
        assert_int_equal(g.error, CAIRN_OK);
        assert_true(g.range.end == CAIRN_MSRP_UNKNOWN && g.range.total == CAIRN_MSRP_UNKNOWN);
        free(s);
    }
}

static void test_semantic_errors(void **state)
{
    static const char *bad[] = {
        "Status: 2000 OK\r\n", "Expires: 99999999999\r\n", "Expires: -1\r\n",
        "Success-Report: maybe\r\n", "Failure-Report: sometimes\r\n",
        "To-Path: msrp://x;tcp\r\n", /* duplicate To-Path */
        "Use-Path: http://x/;tcp\r\n", "no colon here\r\n",
    };
    size_t i;
    (void)state;
    for (i = 0; i < CAIRN_ARRAY_LEN(bad); i++) {
        char *s = msg_with(bad[i]);
        grab g;
        assert_int_equal(parse_one(s, strlen(s), &g), CAIRN_OK);
        assert_int_equal(g.error, CAIRN_ERR_DECODE);
        free(s);
    }
    {
        static const char no_to[] =
            "MSRP tid9 SEND\r\nFrom-Path: msrp://a.example.com:1/s;tcp\r\n"
            "Message-ID: m\r\n-------tid9$\r\n";
        grab g;
        assert_int_equal(parse_one(no_to, sizeof(no_to) - 1, &g), CAIRN_OK);
        assert_int_equal(g.error, CAIRN_ERR_DECODE);
    }
}

/* Framing errors: clean, and sticky (MSRP-PARSE-5). */
static void expect_fatal_u8(const uint8_t *s, size_t n, cairn_status want)
{
    mt_collect c;
    cairn_msrp_parser *p = NULL;
    mt_collect_init(&c);
    assert_int_equal(cairn_msrp_parser_create(CTX(), NULL, mt_callbacks(), &c, &p), CAIRN_OK);
    assert_int_equal(cairn_msrp_parser_feed(p, s, n), want);
    assert_int_equal(cairn_msrp_parser_feed(p, U8(rfc_ok)), CAIRN_ERR_STATE);
    cairn_msrp_parser_destroy(p);
    mt_collect_free(&c);
}

static void test_framing_errors(void **state)
{
    char *big;
    size_t i;
    (void)state;
    expect_fatal_u8(U8("HTTP/1.1 200 OK\r\n"), CAIRN_ERR_PROTOCOL);
    expect_fatal_u8(U8("MSRP a SEND\r\n"), CAIRN_ERR_PROTOCOL); /* tid too short */
    expect_fatal_u8(U8("MSRP abcd send\r\n"), CAIRN_ERR_PROTOCOL);
    expect_fatal_u8(U8("MSRP abcd 20 OK\r\n"), CAIRN_ERR_PROTOCOL);
    expect_fatal_u8(U8("MSRP abcd 100 Trying\r\n"), CAIRN_ERR_PROTOCOL);
    expect_fatal_u8(U8("MSRP abcd SEND\n"), CAIRN_ERR_PROTOCOL);        /* bare LF */
    expect_fatal_u8(U8("MSRP abcd SEND\r\nTo-Path: a\rb\r\n"), CAIRN_ERR_PROTOCOL);
    expect_fatal_u8(U8("MSRP abcd SEND\r\nTo-Path: a\0b\r\n"), CAIRN_ERR_PROTOCOL);
    expect_fatal_u8(U8("MSRP abcd SEND\r\n-------abce$\r\n"), CAIRN_ERR_PROTOCOL);
    expect_fatal_u8(U8("MSRP abcd SEND\r\n-------abcd!\r\n"), CAIRN_ERR_PROTOCOL);
    expect_fatal_u8(U8("MSRP abcd SEND\r\n-------abcd$$\r\n"), CAIRN_ERR_PROTOCOL);
    /* over-long line */
    big = malloc(10000);
    memcpy(big, "MSRP abcd SEND\r\nX-Long: ", 24);
    memset(big + 24, 'a', 10000 - 24);
    expect_fatal_u8((uint8_t *)big, 10000, CAIRN_ERR_TOO_LARGE);
    /* too many headers */
    {
        size_t off = (size_t)sprintf(big, "MSRP abcd SEND\r\n");
        for (i = 0; i < 40; i++)
            off += (size_t)sprintf(big + off, "X-H%zu: v\r\n", i);
        expect_fatal_u8((uint8_t *)big, off, CAIRN_ERR_LIMIT);
    }
    /* header block over its cap, with lines under the line cap */
    {
        cairn_msrp_parser *p = NULL;
        mt_collect c;
        cairn_msrp_limits lim = {0, 0, 1024, 0};
        size_t off = (size_t)sprintf(big, "MSRP abcd SEND\r\n");
        for (i = 0; i < 10; i++) {
            memset(big + off, 'a', 200);
            memcpy(big + off, "X: ", 3);
            off += 200;
            memcpy(big + off, "\r\n", 2);
            off += 2;
        }
        mt_collect_init(&c);
        assert_int_equal(cairn_msrp_parser_create(CTX(), &lim, mt_callbacks(), &c, &p), CAIRN_OK);
        assert_int_equal(cairn_msrp_parser_feed(p, (uint8_t *)big, off), CAIRN_ERR_TOO_LARGE);
        cairn_msrp_parser_destroy(p);
        mt_collect_free(&c);
    }
    free(big);
}

/* A missing end-line CRLF keeps the parser inside the body: nothing is
 * delivered as complete. */
static void test_missing_crlf_endline(void **state)
{
    static const char s[] =
        "MSRP tid9 SEND\r\nTo-Path: msrp://b.example.com:1/s;tcp\r\n"
        "From-Path: msrp://a.example.com:1/s;tcp\r\nMessage-ID: m\r\n"
        "Content-Type: text/plain\r\n\r\nhi\r\n-------tid9$\n";
    mt_collect c;
    (void)state;
    mt_collect_init(&c);
    assert_int_equal(mt_parse(CTX(), U8(s), 0, &c), CAIRN_ERR_STATE);
    assert_int_equal(c.ends, 0);
    mt_collect_free(&c);
}

/* MSRP-LIM-1: a body beyond max_body fails with TOO_LARGE. */
static void test_body_cap(void **state)
{
    static const char head[] =
        "MSRP tid9 SEND\r\nTo-Path: msrp://b.example.com:1/s;tcp\r\n"
        "From-Path: msrp://a.example.com:1/s;tcp\r\nMessage-ID: m\r\n"
        "Content-Type: text/plain\r\n\r\n";
    cairn_msrp_limits lim = {0, 0, 0, 1000};
    cairn_msrp_parser *p = NULL;
    mt_collect c;
    uint8_t junk[600];
    (void)state;
    memset(junk, 'j', sizeof(junk));
    mt_collect_init(&c);
    assert_int_equal(cairn_msrp_parser_create(CTX(), &lim, mt_callbacks(), &c, &p), CAIRN_OK);
    assert_int_equal(cairn_msrp_parser_feed(p, U8(head)), CAIRN_OK);
    assert_int_equal(cairn_msrp_parser_feed(p, junk, sizeof(junk)), CAIRN_OK);
    assert_int_equal(cairn_msrp_parser_feed(p, junk, sizeof(junk)), CAIRN_ERR_TOO_LARGE);
    cairn_msrp_parser_destroy(p);
    mt_collect_free(&c);
}

/* Bounded memory: a 8 MiB body streamed through costs the same as an
 * empty one, and nothing leaks (MSRP-LIM-2). */
static void test_bounded_memory(void **state)
{
    static const char head[] =
        "MSRP tid9 SEND\r\nTo-Path: msrp://b.example.com:1/s;tcp\r\n"
        "From-Path: msrp://a.example.com:1/s;tcp\r\nMessage-ID: m\r\n"
        "Byte-Range: 1-*/*\r\nContent-Type: application/octet-stream\r\n\r\n";
    cairn_context *ctx = mt_bytes_context();
    cairn_msrp_parser *p = NULL;
    mt_collect c;
    uint8_t *chunk = malloc(65536);
    size_t i, base;
    (void)state;
    assert_non_null(ctx);
    for (i = 0; i < 65536; i++)
        chunk[i] = (uint8_t)(i % 7 == 0 ? '\r' : i % 11 == 0 ? '-' : 'a' + i % 26);
    mt_collect_init(&c);
    c.keep_body = 0;
    base = mt_bytes_live();
    mt_bytes_reset_peak();
    assert_int_equal(cairn_msrp_parser_create(ctx, NULL, mt_callbacks(), &c, &p), CAIRN_OK);
    assert_int_equal(cairn_msrp_parser_feed(p, U8(head)), CAIRN_OK);
    for (i = 0; i < 128; i++)
        assert_int_equal(cairn_msrp_parser_feed(p, chunk, 65536), CAIRN_OK);
    assert_int_equal(cairn_msrp_parser_feed(p, U8("\r\n-------tid9$\r\n")), CAIRN_OK);
    assert_int_equal(c.ends, 1);
    assert_int_equal(c.body_seen, 128u * 65536u);
    /* header buffer (16 KiB) + bookkeeping; nothing proportional to the body */
    assert_true(mt_bytes_peak() - base < 24 * 1024);
    cairn_msrp_parser_destroy(p);
    assert_int_equal(mt_bytes_live(), base);
    mt_collect_free(&c);
    free(chunk);
    cairn_context_destroy(ctx);
}

/* Allocation failures in create are clean and leak nothing. */
static void test_alloc_failures(void **state)
{
    cairn_context *ctx = CTX();
    long n, live0 = cts_live_allocations();
    (void)state;
    for (n = 0; n < 10; n++) {
        cairn_msrp_parser *p = NULL;
        cairn_status rc;
        cts_fail_after(n);
        rc = cairn_msrp_parser_create(ctx, NULL, mt_callbacks(), NULL, &p);
        cts_fail_after(-1);
        if (rc == CAIRN_OK) {
            cairn_msrp_parser_destroy(p);
            break;
        }
        assert_int_equal(rc, CAIRN_ERR_NOMEM);
        assert_null(p);
        assert_int_equal(cts_live_allocations(), live0);
    }
    assert_true(n > 0);
}

/* A callback's error stops the parser and is returned. */
static cairn_status refuse(void *ud, const cairn_msrp_msg *m)
{
    (void)ud;
    (void)m;
    return CAIRN_ERR_DECLINED;
}

static void test_callback_error(void **state)
{
    cairn_msrp_callbacks cb = {refuse, NULL, NULL};
    cairn_msrp_parser *p = NULL;
    (void)state;
    assert_int_equal(cairn_msrp_parser_create(CTX(), NULL, &cb, NULL, &p), CAIRN_OK);
    assert_int_equal(cairn_msrp_parser_feed(p, U8(rfc_send)), CAIRN_ERR_DECLINED);
    assert_int_equal(cairn_msrp_parser_feed(p, U8(rfc_send)), CAIRN_ERR_STATE);
    cairn_msrp_parser_destroy(p);
    cairn_msrp_parser_destroy(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_send),
        cmocka_unit_test(test_rfc_response),
        cmocka_unit_test(test_rfc_report),
        cmocka_unit_test(test_rfc_auth),
        cmocka_unit_test(test_fake_endline_in_body),
        cmocka_unit_test(test_empty_bodies),
        cmocka_unit_test(test_bad_byte_ranges),
        cmocka_unit_test(test_semantic_errors),
        cmocka_unit_test(test_framing_errors),
        cmocka_unit_test(test_missing_crlf_endline),
        cmocka_unit_test(test_body_cap),
        cmocka_unit_test(test_bounded_memory),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_callback_error),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    cairn_context_destroy(g_ctx);
    return rc;
}
