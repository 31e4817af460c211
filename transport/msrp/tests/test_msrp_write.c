/*
 * test_msrp_write.c - the strict writer, responses, REPORTs, reporting
 * rules and URI/path parsing. Round trips go writer -> parser and compare
 * every field; the writer's refusals (MSRP-WRITE-*) leave the buffer as
 * it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msrp_test_util.h"
#include "test_support.h"

static cairn_context *g_ctx;

static const char to1[] = "msrp://bob.example.com:8888/9di4eae923wzd;tcp";
static const char from1[] = "msrp://relay.example.net:2855/r1;tcp msrp://alicepc.example.com:7777/iau39soe2843z;tcp";

static cairn_msrp_msg base_send(void)
{
    cairn_msrp_msg m;
    memset(&m, 0, sizeof(m));
    m.tid = "d93kswow";
    m.method = "SEND";
    m.method_id = CAIRN_MSRP_SEND;
    m.to_path = to1;
    m.from_path = from1;
    m.message_id = "12339sdqwer";
    m.has_range = true;
    m.range.start = 1;
    m.range.end = 5;
    m.range.total = 5;
    m.content_type = "text/plain";
    return m;
}

/* MSRP-WRITE-1: header order and exact bytes of a simple SEND. */
static void test_exact_bytes(void **state)
{
    static const char want[] =
        "MSRP d93kswow SEND\r\n"
        "To-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n"
        "From-Path: msrp://relay.example.net:2855/r1;tcp msrp://alicepc.example.com:7777/iau39soe2843z;tcp\r\n"
        "Message-ID: 12339sdqwer\r\n"
        "Success-Report: yes\r\n"
        "Failure-Report: partial\r\n"
        "Byte-Range: 1-5/5\r\n"
        "X-Extra: 1\r\n"
        "Content-Type: text/plain\r\n"
        "Content-Disposition: inline\r\n"
        "\r\n"
        "hello\r\n"
        "-------d93kswow$\r\n";
    cairn_msrp_header ex[2] = {{"Content-Disposition", "inline"}, {"X-Extra", "1"}};
    cairn_msrp_msg m = base_send();
    cairn__buf b;
    (void)state;
    m.success_report = "yes";
    m.failure_report = "partial";
    m.extra = ex;
    m.n_extra = 2;
    cairn__buf_init(&b, g_ctx, 4096);
    assert_int_equal(cairn_msrp_write(&b, &m, (const uint8_t *)"hello", 5, '$'), CAIRN_OK);
    assert_int_equal(b.len, sizeof(want) - 1);
    assert_memory_equal(b.data, want, b.len);
    cairn__buf_free(&b);
}

/* Everything the writer can express survives a round trip. */
static void test_round_trip_all_headers(void **state)
{
    cairn_msrp_header ex[1] = {{"X-Cairn", "v=1"}};
    cairn_msrp_msg m = base_send();
    cairn__buf b;
    mt_collect c;
    (void)state;
    m.method = "AUTH";
    m.method_id = CAIRN_MSRP_AUTH;
    m.content_type = NULL;
    m.range.end = CAIRN_MSRP_UNKNOWN;
    m.range.total = CAIRN_MSRP_UNKNOWN;
    m.has_status = true;
    m.status.code = 413;
    m.status.comment = "too big";
    m.use_path = "msrps://intra.example.com:9000/jui787s2f;tcp";
    m.has_expires = m.has_min_expires = m.has_max_expires = true;
    m.expires = 900;
    m.min_expires = 60;
    m.max_expires = 3600;
    m.www_authenticate = "Digest realm=\"r\", nonce=\"n\"";
    m.authorization = "Digest username=\"a\"";
    m.authentication_info = "nextnonce=\"x\"";
    m.extra = ex;
    m.n_extra = 1;
    cairn__buf_init(&b, g_ctx, 4096);
    assert_int_equal(cairn_msrp_write(&b, &m, NULL, 0, '$'), CAIRN_OK);
    mt_collect_init(&c);
    assert_int_equal(mt_parse(g_ctx, b.data, b.len, 0, &c), CAIRN_OK);
    assert_int_equal(c.starts, 1);
    assert_non_null(strstr(c.log, "START d93kswow AUTH(3) to=msrp://bob.example.com:8888/9di4eae923wzd;tcp"));
    assert_non_null(strstr(c.log, "range=1--1/-1 status=000/413/too big exp=900"));
    assert_non_null(strstr(c.log, "use=msrps://intra.example.com:9000/jui787s2f;tcp"));
    assert_non_null(strstr(c.log, "www=Digest realm=\"r\", nonce=\"n\" auth=Digest username=\"a\""));
    assert_non_null(strstr(c.log, "[X-Cairn=v=1] body=0 err=0"));
    assert_non_null(strstr((char *)b.data, "Min-Expires: 60\r\nMax-Expires: 3600\r\n"));
    assert_non_null(strstr((char *)b.data, "Authentication-Info: nextnonce=\"x\"\r\n"));
    mt_collect_free(&c);
    cairn__buf_free(&b);
}

/* MSRP-WRITE-2/3: refusals leave the buffer untouched. */
static void test_refusals(void **state)
{
    cairn_msrp_msg m;
    cairn__buf b;
    static const uint8_t evil[] = "abc\r\n-------d93kswow$\r\nmore";
    static const uint8_t evil0[] = "-------d93kswow#";
    static const uint8_t fine[] = "abc\r\n-------d93kswoX$\r\n";
    cairn_msrp_header badex[1] = {{"Bad Name", "v"}};
    (void)state;
    cairn__buf_init(&b, g_ctx, 4096);
    assert_int_equal(cairn__buf_append_str(&b, "KEEP"), CAIRN_OK);
#define REFUSE(expr)                                                           \
    do {                                                                       \
        assert_int_equal((expr), CAIRN_ERR_INVALID_ARG);                       \
        assert_int_equal(b.len, 4);                                            \
    } while (0)
    m = base_send();
    REFUSE(cairn_msrp_write(&b, &m, evil, sizeof(evil) - 1, '$'));
    REFUSE(cairn_msrp_write(&b, &m, evil0, sizeof(evil0) - 1, '$'));
    REFUSE(cairn_msrp_write(&b, &m, (const uint8_t *)"x", 1, '*'));
    m.tid = "ab"; /* too short */
    REFUSE(cairn_msrp_write(&b, &m, NULL, 0, '$'));
    m.tid = "abc/defg";
    REFUSE(cairn_msrp_write(&b, &m, NULL, 0, '$'));
    m = base_send();
    m.message_id = "a\r\nInjected: yes";
    REFUSE(cairn_msrp_write(&b, &m, NULL, 0, '$'));
    m = base_send();
    m.method = "send";
    REFUSE(cairn_msrp_write(&b, &m, NULL, 0, '$'));
    m = base_send();
    m.to_path = NULL;
    REFUSE(cairn_msrp_write(&b, &m, NULL, 0, '$'));
    m = base_send();
    m.content_type = NULL; /* body without Content-Type */
    REFUSE(cairn_msrp_write(&b, &m, (const uint8_t *)"x", 1, '$'));
    m = base_send();
    m.range.end = 9; /* beyond total */
    REFUSE(cairn_msrp_write(&b, &m, NULL, 0, '$'));
    m = base_send();
    m.extra = badex;
    m.n_extra = 1;
    REFUSE(cairn_msrp_write(&b, &m, NULL, 0, '$'));
    /* the same text with another tid is fine */
    m = base_send();
    assert_int_equal(cairn_msrp_write(&b, &m, fine, sizeof(fine) - 1, '$'), CAIRN_OK);
    assert_true(cairn_msrp_body_safe("d93kswow", fine, sizeof(fine) - 1));
    assert_false(cairn_msrp_body_safe("d93kswow", evil, sizeof(evil) - 1));
    cairn__buf_free(&b);

    /* buffer limit: TOO_LARGE and nothing appended */
    cairn__buf_init(&b, g_ctx, 64);
    assert_int_equal(cairn__buf_append_str(&b, "KEEP"), CAIRN_OK);
    m = base_send();
    assert_int_equal(cairn_msrp_write(&b, &m, (const uint8_t *)"hello", 5, '$'), CAIRN_ERR_TOO_LARGE);
    assert_int_equal(b.len, 4);
    assert_string_equal((char *)b.data, "KEEP");
    cairn__buf_free(&b);
}

typedef struct keep {
    cairn__buf out;
    int code;
    int report_code;
} keep;

/* Answers each parsed request the way a session would. */
static cairn_status answer(void *ud, const cairn_msrp_msg *m)
{
    keep *k = ud;
    if (cairn_msrp_wants_response(m, k->code))
        return cairn_msrp_write_response(&k->out, m, k->code, NULL);
    return CAIRN_OK;
}

static cairn_status report_on_end(void *ud, const cairn_msrp_msg *m, char flag,
                                  uint64_t len)
{
    keep *k = ud;
    cairn_msrp_range r = {1, len, len};
    (void)flag;
    if (cairn_msrp_wants_success_report(m))
        return cairn_msrp_write_report(&k->out, "rep12345", m, &r, k->report_code, NULL);
    return CAIRN_OK;
}

/* RFC 4975 section 7: the 200 to the first SEND, byte for byte, and a
 * REPORT with the paths turned around (MSRP-REPORT-1). */
static void test_response_and_report(void **state)
{
    static const char send[] =
        "MSRP a786hjs2 SEND\r\n"
        "To-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n"
        "From-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n"
        "Message-ID: 87652491\r\n"
        "Byte-Range: 1-25/25\r\n"
        "Success-Report: yes\r\n"
        "Content-Type: text/plain\r\n"
        "\r\n"
        "Hey Bob, are you there?\r\n"
        "-------a786hjs2$\r\n";
    static const char want[] =
        "MSRP a786hjs2 200 OK\r\n"
        "To-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n"
        "From-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n"
        "-------a786hjs2$\r\n"
        "MSRP rep12345 REPORT\r\n"
        "To-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n"
        "From-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n"
        "Message-ID: 87652491\r\n"
        "Byte-Range: 1-23/23\r\n"
        "Status: 000 200 OK\r\n"
        "-------rep12345$\r\n";
    cairn_msrp_callbacks cb = {answer, NULL, report_on_end};
    cairn_msrp_parser *p = NULL;
    keep k;
    (void)state;
    cairn__buf_init(&k.out, g_ctx, 4096);
    k.code = 200;
    k.report_code = 200;
    assert_int_equal(cairn_msrp_parser_create(g_ctx, NULL, &cb, &k, &p), CAIRN_OK);
    assert_int_equal(cairn_msrp_parser_feed(p, (const uint8_t *)send, sizeof(send) - 1), CAIRN_OK);
    assert_int_equal(k.out.len, sizeof(want) - 1);
    assert_memory_equal(k.out.data, want, k.out.len);
    cairn_msrp_parser_destroy(p);
    cairn__buf_free(&k.out);
}

/* MSRP-REPORT-2..4: who gets a response and a REPORT. */
static void test_report_rules(void **state)
{
    cairn_msrp_msg m = base_send();
    (void)state;
    assert_true(cairn_msrp_wants_response(&m, 200));
    assert_true(cairn_msrp_wants_response(&m, 413));
    assert_false(cairn_msrp_wants_success_report(&m));
    assert_true(cairn_msrp_wants_failure_report(&m));
    m.failure_report = "partial";
    assert_false(cairn_msrp_wants_response(&m, 200));
    assert_true(cairn_msrp_wants_response(&m, 481));
    m.failure_report = "no";
    assert_false(cairn_msrp_wants_response(&m, 400));
    assert_false(cairn_msrp_wants_failure_report(&m));
    m.success_report = "yes";
    assert_true(cairn_msrp_wants_success_report(&m));
    m.method = "REPORT";
    m.method_id = CAIRN_MSRP_REPORT;
    m.failure_report = NULL;
    assert_false(cairn_msrp_wants_response(&m, 200)); /* REPORTs are never answered */
    assert_false(cairn_msrp_wants_success_report(&m));
    assert_string_equal(cairn_msrp_status_text(423), "Interval Out-of-Bounds");
    assert_string_equal(cairn_msrp_status_text(506), "Session Already Bound");
    assert_string_equal(cairn_msrp_status_text(999), "Unknown");
}

/* MSRP-PATH-1/2: URI grammar and comparison (RFC 4975 section 6). */
static void test_uris(void **state)
{
    cairn_msrp_uri u[CAIRN_MSRP_PATH_MAX], v;
    size_t n;
    static const char *bad[] = {
        "http://a.example.com/s;tcp", "msrp://a.example.com/s", "msrp://:80/s;tcp",
        "msrp://a.example.com:99999/s;tcp", "msrp://a.example.com:/s;tcp",
        "msrp://a b/s;tcp", "msrp://a.example.com/;tcp", "msrp://[::1/s;tcp",
        "msrp://a.example.com/s;", "msrp://a.example.com/s;tcp;x y",
    };
    size_t i;
    (void)state;
    assert_int_equal(cairn_msrp_path_parse("msrps://alice@intra.example.com;tcp", u, 8, &n), CAIRN_OK);
    assert_int_equal(n, 1);
    assert_true(u[0].secure);
    assert_int_equal(u[0].user_len, 5);
    assert_int_equal(u[0].session_len, 0);
    assert_int_equal(u[0].port, 0);
    assert_int_equal(cairn_msrp_path_parse(from1, u, 8, &n), CAIRN_OK);
    assert_int_equal(n, 2);
    assert_int_equal(u[1].port, 7777);
    assert_memory_equal(u[1].session, "iau39soe2843z", 13);
    assert_memory_equal(u[1].transport, "tcp", 3);
    {
        const char *six = "msrp://[2001:db8::1]:2855/abc;tcp;foo=bar";
        assert_int_equal(cairn_msrp_uri_parse(six, strlen(six), &v), CAIRN_OK);
    }
    assert_int_equal(v.port, 2855);
    assert_int_equal(v.host_len, 13);
    assert_int_equal(v.params_len, 7);
    for (i = 0; i < CAIRN_ARRAY_LEN(bad); i++)
        assert_int_equal(cairn_msrp_uri_parse(bad[i], strlen(bad[i]), &v), CAIRN_ERR_DECODE);
    assert_int_equal(cairn_msrp_path_parse("   ", u, 8, &n), CAIRN_ERR_DECODE);
    assert_int_equal(cairn_msrp_path_parse(
                         "msrp://a;tcp msrp://b;tcp msrp://c;tcp msrp://d;tcp "
                         "msrp://e;tcp msrp://f;tcp msrp://g;tcp msrp://h;tcp msrp://i;tcp",
                         u, 8, &n),
                     CAIRN_ERR_LIMIT);
    /* comparison: host and transport case-insensitive, session exact */
    {
        cairn_msrp_uri a, b;
        const char *x = "msrp://Bob.Example.com:8888/9di4eae923wzd;TCP";
        const char *y = "msrp://bob.example.com:8888/9di4eae923wzd;tcp";
        const char *z = "msrp://bob.example.com:8888/9DI4eae923wzd;tcp";
        assert_int_equal(cairn_msrp_uri_parse(x, strlen(x), &a), CAIRN_OK);
        assert_int_equal(cairn_msrp_uri_parse(y, strlen(y), &b), CAIRN_OK);
        assert_true(cairn_msrp_uri_equal(&a, &b));
        assert_int_equal(cairn_msrp_uri_parse(z, strlen(z), &b), CAIRN_OK);
        assert_false(cairn_msrp_uri_equal(&a, &b));
    }
}

static void test_tid(void **state)
{
    char t[CAIRN_MSRP_TID_BUF], u[CAIRN_MSRP_TID_BUF];
    (void)state;
    assert_int_equal(cairn_msrp_tid_generate(g_ctx, t), CAIRN_OK);
    assert_int_equal(cairn_msrp_tid_generate(g_ctx, u), CAIRN_OK);
    assert_int_equal(strlen(t), CAIRN_MSRP_TID_LEN);
    assert_true(cairn_msrp_tid_valid(t));
    assert_string_not_equal(t, u);
    assert_true(cairn_msrp_tid_valid("a786hjs2"));
    assert_true(cairn_msrp_tid_valid("49fh"));
    assert_false(cairn_msrp_tid_valid("-abc"));
    assert_false(cairn_msrp_tid_valid("abcdefghijabcdefghijabcdefghijabc")); /* 33 */
}

/* Streaming halves produce the same bytes as the one-shot writer. */
static void test_streaming_writer(void **state)
{
    cairn_msrp_msg m = base_send();
    cairn__buf a, b;
    (void)state;
    cairn__buf_init(&a, g_ctx, 4096);
    cairn__buf_init(&b, g_ctx, 4096);
    assert_int_equal(cairn_msrp_write(&a, &m, (const uint8_t *)"hello", 5, '+'), CAIRN_OK);
    assert_int_equal(cairn_msrp_write_head(&b, &m, true), CAIRN_OK);
    assert_int_equal(cairn__buf_append(&b, "hello", 5), CAIRN_OK);
    assert_int_equal(cairn_msrp_write_end(&b, m.tid, true, '+'), CAIRN_OK);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    cairn__buf_free(&a);
    cairn__buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_bytes),
        cmocka_unit_test(test_round_trip_all_headers),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_response_and_report),
        cmocka_unit_test(test_report_rules),
        cmocka_unit_test(test_uris),
        cmocka_unit_test(test_tid),
        cmocka_unit_test(test_streaming_writer),
    };
    int rc;
    g_ctx = cts_context();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    cairn_context_destroy(g_ctx);
    return rc;
}
