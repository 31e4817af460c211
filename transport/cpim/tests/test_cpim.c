/*
 * test_cpim.c - CPIM parse/write: the RFC 3862 section 3.3 example and an
 * RFC 5438 style IMDN request (as facts), round trips, liberal reading
 * (LF line ends, undeclared imdn prefix), and hostile input: truncation,
 * over-long lines, too many headers, lying Content-Length, header
 * injection on write, allocation failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/cpim.h"
#include "test_support.h"

static cairn_context *g_ctx;

/* RFC 3862 section 3.3 (CPIM-2). */
static const char rfc3862[] =
    "From: MR SANDERS <im:piglet@100akerwood.com>\r\n"
    "To: Depressed Donkey <im:eeyore@100akerwood.com>\r\n"
    "DateTime: 2000-12-13T13:40:00-08:00\r\n"
    "Subject: the weather will be fine today\r\n"
    "Subject:;lang=fr beau temps prevu pour aujourd'hui\r\n"
    "NS: MyFeatures <mid:MessageFeatures@id.foo.com>\r\n"
    "Require: MyFeatures.VitalMessageOption\r\n"
    "MyFeatures.VitalMessageOption: Confirmation-requested\r\n"
    "MyFeatures.WackyMessageOption: Use-silly-font\r\n"
    "\r\n"
    "Content-type: text/xml; charset=utf-8\r\n"
    "Content-ID: <1234567890@foo.com>\r\n"
    "\r\n"
    "<body>\r\n"
    "Here is the text of my message.\r\n"
    "</body>\r\n";

/* RFC 5438 section 5 style chat message asking for notifications. */
static const char rfc5438[] =
    "From: Alice <im:alice@example.com>\r\n"
    "To: Bob <im:bob@example.com>\r\n"
    "NS: imdn <urn:ietf:params:imdn>\r\n"
    "imdn.Message-ID: 34jk324j\r\n"
    "DateTime: 2008-04-04T12:16:49-05:00\r\n"
    "imdn.Disposition-Notification: positive-delivery, display\r\n"
    "\r\n"
    "Content-type: text/plain\r\n"
    "Content-length: 12\r\n"
    "\r\n"
    "Hello World!";

static void test_rfc3862(void **state)
{
    cairn_cpim_parsed *p = NULL;
    const cairn_cpim *m = NULL;
    (void)state;
    assert_int_equal(cairn_cpim_parse(g_ctx, (const uint8_t *)rfc3862, sizeof(rfc3862) - 1, &p, &m), CAIRN_OK);
    assert_string_equal(m->from, "MR SANDERS <im:piglet@100akerwood.com>");
    assert_string_equal(m->to, "Depressed Donkey <im:eeyore@100akerwood.com>");
    assert_string_equal(m->datetime, "2000-12-13T13:40:00-08:00");
    assert_string_equal(m->subject, "the weather will be fine today");
    assert_int_equal(m->n_ns, 1);
    assert_string_equal(m->ns[0].prefix, "MyFeatures");
    assert_string_equal(m->ns[0].uri, "mid:MessageFeatures@id.foo.com");
    assert_string_equal(cairn_cpim_get(m, "MyFeatures", "WackyMessageOption"), "Use-silly-font");
    assert_string_equal(cairn_cpim_get(m, NULL, "Require"), "MyFeatures.VitalMessageOption");
    assert_string_equal(cairn_cpim_get(m, NULL, "Subject"), ";lang=fr beau temps prevu pour aujourd'hui");
    assert_null(cairn_cpim_get(m, NULL, "WackyMessageOption"));
    assert_string_equal(m->content_type, "text/xml; charset=utf-8");
    assert_string_equal(m->content_id, "<1234567890@foo.com>");
    assert_false(m->has_content_length);
    assert_int_equal(m->body_len, strlen("<body>\r\nHere is the text of my message.\r\n</body>\r\n"));
    assert_memory_equal(m->body, "<body>\r\nHere", 12);
    assert_null(m->imdn_message_id);
    {
        const char *u;
        size_t n;
        assert_int_equal(cairn_cpim_addr_uri(m->from, &u, &n), CAIRN_OK);
        assert_int_equal(n, strlen("im:piglet@100akerwood.com"));
        assert_memory_equal(u, "im:piglet@100akerwood.com", n);
    }
    cairn_cpim_free(p);
}

static void test_rfc5438_and_round_trip(void **state)
{
    cairn_cpim_parsed *p = NULL, *q = NULL;
    const cairn_cpim *m = NULL, *m2 = NULL;
    cairn__buf b;
    (void)state;
    assert_int_equal(cairn_cpim_parse(g_ctx, (const uint8_t *)rfc5438, sizeof(rfc5438) - 1, &p, &m), CAIRN_OK);
    assert_string_equal(m->imdn_message_id, "34jk324j");
    assert_string_equal(m->imdn_disposition_notification, "positive-delivery, display");
    assert_true(m->has_content_length);
    assert_int_equal(m->body_len, 12);
    assert_memory_equal(m->body, "Hello World!", 12);
    assert_int_equal(m->n_ns, 1); /* the imdn declaration itself */
    /* write it back; the copy parses to the same fields */
    {
        cairn_cpim w = *m;
        w.ns = NULL;
        w.n_ns = 0; /* the writer declares imdn itself */
        cairn__buf_init(&b, g_ctx, 1 << 16);
        assert_int_equal(cairn_cpim_write(&b, &w, m->body, m->body_len), CAIRN_OK);
    }
    assert_int_equal(cairn_cpim_parse(g_ctx, b.data, b.len, &q, &m2), CAIRN_OK);
    assert_string_equal(m2->from, m->from);
    assert_string_equal(m2->to, m->to);
    assert_string_equal(m2->datetime, m->datetime);
    assert_string_equal(m2->imdn_message_id, m->imdn_message_id);
    assert_string_equal(m2->imdn_disposition_notification, m->imdn_disposition_notification);
    assert_string_equal(m2->content_type, "text/plain");
    assert_int_equal(m2->body_len, 12);
    assert_memory_equal(m2->body, "Hello World!", 12);
    assert_non_null(strstr((char *)b.data, "NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: 34jk324j\r\n"));
    assert_non_null(strstr((char *)b.data, "\r\n\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\nHello World!"));
    cairn_cpim_free(q);
    cairn_cpim_free(p);
    cairn__buf_free(&b);
}

/* CPIM-5: liberal reading. */
static void test_liberal(void **state)
{
    static const char lf[] =
        "From: <sip:a@x>\nTo: <sip:b@x>\nimdn.Message-ID: abc\n\nContent-Type: text/plain\n\nhi\n";
    static const char other_prefix[] =
        "From: <sip:a@x>\r\nTo: <sip:b@x>\r\nNS: imdn <urn:example:other>\r\n"
        "NS: n <urn:ietf:params:imdn>\r\nimdn.Message-ID: no\r\nn.Message-ID: yes\r\n\r\n"
        "Content-Type: text/plain\r\n\r\n";
    static const char no_second_blank[] =
        "From: <sip:a@x>\r\nTo: <sip:b@x>\r\n\r\nContent-Type: text/plain\r\n";
    cairn_cpim_parsed *p = NULL;
    const cairn_cpim *m = NULL;
    (void)state;
    assert_int_equal(cairn_cpim_parse(g_ctx, (const uint8_t *)lf, sizeof(lf) - 1, &p, &m), CAIRN_OK);
    assert_string_equal(m->imdn_message_id, "abc");
    assert_int_equal(m->body_len, 3);
    cairn_cpim_free(p);
    assert_int_equal(cairn_cpim_parse(g_ctx, (const uint8_t *)other_prefix, sizeof(other_prefix) - 1, &p, &m), CAIRN_OK);
    assert_string_equal(m->imdn_message_id, "yes");
    assert_int_equal(m->body_len, 0);
    cairn_cpim_free(p);
    assert_int_equal(cairn_cpim_parse(g_ctx, (const uint8_t *)no_second_blank, sizeof(no_second_blank) - 1, &p, &m), CAIRN_OK);
    assert_string_equal(m->content_type, "text/plain");
    assert_int_equal(m->body_len, 0);
    cairn_cpim_free(p);
}

#define expect_err(s, n, w) expect_err_(s, n, w)
static void expect_err_(const char *s, size_t n, cairn_status want)
{
    cairn_cpim_parsed *p = (cairn_cpim_parsed *)1;
    const cairn_cpim *m = (const cairn_cpim *)1;
    assert_int_equal(cairn_cpim_parse(g_ctx, (const uint8_t *)s, n, &p, &m), want);
    assert_null(p);
    assert_null(m);
}

/* CPIM-1: hostile input. */
static void test_hostile(void **state)
{
    size_t i, off;
    char *big = malloc(20000);
    (void)state;
    expect_err("", sizeof("") - 1, CAIRN_ERR_DECODE);
    expect_err("From: <a>\r\n", sizeof("From: <a>\r\n") - 1, CAIRN_ERR_DECODE);          /* truncated */
    expect_err("\r\n\r\n", sizeof("\r\n\r\n") - 1, CAIRN_ERR_DECODE);                /* no headers */
    expect_err("From <a>\r\n\r\n\r\n", sizeof("From <a>\r\n\r\n\r\n") - 1, CAIRN_ERR_DECODE);   /* no colon */
    expect_err("Fr om: a\r\n\r\n\r\n", sizeof("Fr om: a\r\n\r\n\r\n") - 1, CAIRN_ERR_DECODE);
    expect_err("From: a\0b\r\n\r\n\r\n", sizeof("From: a\0b\r\n\r\n\r\n") - 1, CAIRN_ERR_DECODE);
    expect_err("From: a\r\nNS: x <>\r\n\r\n\r\n", sizeof("From: a\r\nNS: x <>\r\n\r\n\r\n") - 1, CAIRN_ERR_DECODE);
    expect_err("From: a\r\n.x: y\r\n\r\n\r\n", sizeof("From: a\r\n.x: y\r\n\r\n\r\n") - 1, CAIRN_ERR_DECODE);
    /* Content-Length larger than the body, or overflowing */
    expect_err("From: a\r\n\r\nContent-Length: 5\r\n\r\nabc", sizeof("From: a\r\n\r\nContent-Length: 5\r\n\r\nabc") - 1, CAIRN_ERR_DECODE);
    expect_err("From: a\r\n\r\nContent-Length: 99999999999999999999999\r\n\r\nabc", sizeof("From: a\r\n\r\nContent-Length: 99999999999999999999999\r\n\r\nabc") - 1, CAIRN_ERR_DECODE);
    expect_err("From: a\r\n\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nabc", sizeof("From: a\r\n\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nabc") - 1, CAIRN_ERR_DECODE);
    /* over-long line */
    memcpy(big, "From: ", 6);
    memset(big + 6, 'a', 19994);
    expect_err(big, 20000, CAIRN_ERR_TOO_LARGE);
    /* too many headers, and too many NS declarations */
    off = 0;
    for (i = 0; i < 70; i++)
        off += (size_t)sprintf(big + off, "X%zu: v\r\n", i);
    off += (size_t)sprintf(big + off, "\r\n\r\n");
    expect_err(big, off, CAIRN_ERR_LIMIT);
    off = 0;
    for (i = 0; i < 70; i++)
        off += (size_t)sprintf(big + off, "NS: p%zu <u:%zu>\r\n", i, i);
    off += (size_t)sprintf(big + off, "\r\n\r\n");
    expect_err(big, off, CAIRN_ERR_LIMIT);
    off = (size_t)sprintf(big, "From: a\r\n\r\n");
    for (i = 0; i < 70; i++)
        off += (size_t)sprintf(big + off, "X%zu: v\r\n", i);
    off += (size_t)sprintf(big + off, "\r\n");
    expect_err(big, off, CAIRN_ERR_LIMIT);
    free(big);
    {
        cairn_cpim_parsed *p;
        const cairn_cpim *m;
        assert_int_equal(cairn_cpim_parse(g_ctx, (const uint8_t *)"x", CAIRN_CPIM_MAX_INPUT + 1, &p, &m),
                         CAIRN_ERR_TOO_LARGE);
    }
}

/* Every truncation of a valid message is a clean result. */
static void test_truncations(void **state)
{
    size_t n;
    (void)state;
    for (n = 0; n < sizeof(rfc5438) - 1; n++) {
        cairn_cpim_parsed *p = NULL;
        const cairn_cpim *m = NULL;
        cairn_status rc = cairn_cpim_parse(g_ctx, (const uint8_t *)rfc5438, n, &p, &m);
        assert_true(rc == CAIRN_OK || rc == CAIRN_ERR_DECODE);
        if (rc == CAIRN_OK)
            assert_true(m->body_len <= n);
        cairn_cpim_free(p);
    }
}

/* CPIM-4: the writer refuses injection and leaves the buffer alone. */
static void test_write_refusals(void **state)
{
    cairn_cpim m;
    cairn_cpim_header ex = {NULL, "X-A", "1\r\nTo: evil"};
    cairn__buf b;
    (void)state;
    memset(&m, 0, sizeof(m));
    m.from = "<sip:a@x>";
    m.to = "<sip:b@x>";
    m.content_type = "text/plain";
    cairn__buf_init(&b, g_ctx, 4096);
    assert_int_equal(cairn__buf_append_str(&b, "KEEP"), CAIRN_OK);
    m.subject = "a\nb";
    assert_int_equal(cairn_cpim_write(&b, &m, NULL, 0), CAIRN_ERR_INVALID_ARG);
    m.subject = NULL;
    m.extra = &ex;
    m.n_extra = 1;
    assert_int_equal(cairn_cpim_write(&b, &m, NULL, 0), CAIRN_ERR_INVALID_ARG);
    m.n_extra = 0;
    m.to = NULL;
    assert_int_equal(cairn_cpim_write(&b, &m, NULL, 0), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(b.len, 4);
    cairn__buf_free(&b);
    /* buffer cap */
    m.to = "<sip:b@x>";
    cairn__buf_init(&b, g_ctx, 40);
    assert_int_equal(cairn_cpim_write(&b, &m, (const uint8_t *)"hello", 5), CAIRN_ERR_TOO_LARGE);
    assert_int_equal(b.len, 0);
    cairn__buf_free(&b);
}

/* CPIM-1: what the writer accepts parses again to the same meaning. Found
 * by fuzzing: a parsed message lists the imdn declaration in ns (it used to
 * be written twice), a second binding of a prefix changed what later
 * headers meant, and the writer's own lines could push a full header
 * block past the reader's cap. */
static void test_write_round_trip_rules(void **state)
{
    cairn_cpim_parsed *p = NULL, *q = NULL;
    const cairn_cpim *m = NULL, *m2 = NULL;
    cairn_cpim w;
    cairn_cpim_ns two[2] = {{"imdn", "urn:other"}, {"imdn", CAIRN_CPIM_IMDN_NS}};
    cairn_cpim_header many[CAIRN_CPIM_MAX_HEADERS];
    cairn__buf b;
    (void)state;
    assert_int_equal(cairn_cpim_parse(g_ctx, (const uint8_t *)rfc5438, sizeof(rfc5438) - 1, &p, &m), CAIRN_OK);
    /* the parsed view, written as is: the imdn declaration appears once */
    cairn__buf_init(&b, g_ctx, 1 << 16);
    assert_int_equal(cairn_cpim_write(&b, m, m->body, m->body_len), CAIRN_OK);
    assert_int_equal(cairn_cpim_parse(g_ctx, b.data, b.len, &q, &m2), CAIRN_OK);
    assert_int_equal(m2->n_ns, m->n_ns);
    assert_string_equal(m2->imdn_message_id, m->imdn_message_id);
    cairn_cpim_free(q);
    cairn__buf_free(&b);
    /* a prefix bound twice, or imdn bound elsewhere, is refused */
    w = *m;
    w.ns = two;
    w.n_ns = 2;
    cairn__buf_init(&b, g_ctx, 1 << 16);
    assert_int_equal(cairn_cpim_write(&b, &w, NULL, 0), CAIRN_ERR_INVALID_ARG);
    w.ns = two;
    w.n_ns = 1;
    assert_int_equal(cairn_cpim_write(&b, &w, NULL, 0), CAIRN_ERR_INVALID_ARG);
    /* header blocks over the reader's cap are refused, not written */
    w.ns = NULL;
    w.n_ns = 0;
    for (size_t i = 0; i < CAIRN_CPIM_MAX_HEADERS; i++) {
        many[i].prefix = NULL;
        many[i].name = "X-Filler";
        many[i].value = "1";
    }
    w.extra = many;
    w.n_extra = CAIRN_CPIM_MAX_HEADERS - 3;
    assert_int_equal(cairn_cpim_write(&b, &w, NULL, 0), CAIRN_ERR_LIMIT);
    assert_int_equal(b.len, 0);
    w.n_extra = 0;
    w.mime_extra = many;
    w.n_mime_extra = CAIRN_CPIM_MAX_HEADERS - 1;
    assert_int_equal(cairn_cpim_write(&b, &w, NULL, 0), CAIRN_ERR_LIMIT);
    cairn__buf_free(&b);
    cairn_cpim_free(p);
}

static void test_datetime(void **state)
{
    char out[32];
    (void)state;
    assert_int_equal(cairn_cpim_datetime(976743600123LL, out, sizeof(out)), CAIRN_OK);
    assert_string_equal(out, "2000-12-13T21:40:00.123Z");
    assert_int_equal(cairn_cpim_datetime(0, out, 10), CAIRN_ERR_INVALID_ARG);
}

static void test_alloc_failure(void **state)
{
    cairn_cpim_parsed *p = NULL;
    const cairn_cpim *m = NULL;
    long live = cts_live_allocations();
    (void)state;
    cts_fail_after(0);
    assert_int_equal(cairn_cpim_parse(g_ctx, (const uint8_t *)rfc5438, sizeof(rfc5438) - 1, &p, &m),
                     CAIRN_ERR_NOMEM);
    cts_fail_after(-1);
    assert_int_equal(cts_live_allocations(), live);
    cairn_cpim_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3862),
        cmocka_unit_test(test_rfc5438_and_round_trip),
        cmocka_unit_test(test_liberal),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_write_refusals),
        cmocka_unit_test(test_write_round_trip_rules),
        cmocka_unit_test(test_datetime),
        cmocka_unit_test(test_alloc_failure),
    };
    int rc;
    g_ctx = cts_context();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    cairn_context_destroy(g_ctx);
    return rc;
}
