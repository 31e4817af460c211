/*
 * test_sip_parse.c - the datagram-style parser: RFC 3261 section 24
 * examples as facts, liberal reading (compact forms, folding, LF-only
 * lines, comma lists: SIP-12, SIP-25), and hostile inputs with clean
 * errors (SIP-20..24).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "cairn/sip.h"
#include "cairn/sip_addr.h"
#include "test_support.h"

/* RFC 3261 section 24.2, message F1 (INVITE Alice -> atlanta proxy). */
static const char rfc3261_f1[] =
    "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n"
    "Max-Forwards: 70\r\n"
    "From: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n"
    "To: Bob <sip:bob@biloxi.example.com>\r\n"
    "Call-ID: 3848276298220188511@atlanta.example.com\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:alice@client.atlanta.example.com;transport=tcp>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 151\r\n"
    "\r\n"
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 client.atlanta.example.com\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.101\r\n"
    "t=0 0\r\n"
    "m=audio 49172 RTP/AVP 0\r\n"
    "a=rtpmap:0 PCMU/8000\r\n";

/* RFC 3261 section 24.1, the 200 OK to Bob's REGISTER (folded Via). */
static const char rfc3261_reg_ok[] =
    "SIP/2.0 200 OK\r\n"
    "Via: SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7\r\n"
    " ;received=192.0.2.4\r\n"
    "To: Bob <sip:bob@biloxi.com>;tag=2493k59kd\r\n"
    "From: Bob <sip:bob@biloxi.com>;tag=456248\r\n"
    "Call-ID: 843817637684230@998sdasdh09\r\n"
    "CSeq: 1826 REGISTER\r\n"
    "Contact: <sip:bob@192.0.2.4>\r\n"
    "Expires: 7200\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static cairn_status parse(cairn_context *ctx, const char *s, size_t n, const cairn_sip_limits *lim,
                          cairn_sip_msg **m)
{
    return cairn_sip_msg_parse(ctx, lim, (const uint8_t *)s, n, m);
}

static void rfc3261_invite(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_sip_msg *m = NULL;
    cairn_sip_via via;
    cairn_sip_addr from;
    cairn_sip_str tag, meth;
    uint32_t cseq, mf;
    size_t blen;
    const uint8_t *body;
    (void)state;

    assert_int_equal(parse(ctx, rfc3261_f1, strlen(rfc3261_f1), NULL, &m), CAIRN_OK);
    assert_int_equal(cairn_sip_msg_method_id(m), CAIRN_SIP_INVITE);
    assert_int_equal(cairn_sip_msg_via(m, 0, &via), CAIRN_OK);
    assert_true(cairn_sip_str_eq(via.transport, "TCP"));
    assert_true(cairn_sip_str_eq(via.host, "client.atlanta.example.com"));
    assert_int_equal(via.port, 5060);
    assert_true(cairn_sip_str_eq(via.branch, "z9hG4bK74bf9"));
    assert_int_equal(cairn_sip_msg_addr(m, "From", 0, &from), CAIRN_OK);
    assert_true(cairn_sip_str_eq(from.display, "Alice"));
    assert_true(cairn_sip_str_eq(from.uri.user, "alice"));
    assert_int_equal(cairn_sip_msg_tag(m, "f", &tag), CAIRN_OK);
    assert_true(cairn_sip_str_eq(tag, "9fxced76sl"));
    assert_int_equal(cairn_sip_msg_tag(m, "To", &tag), CAIRN_OK);
    assert_int_equal(tag.len, 0);
    assert_int_equal(cairn_sip_msg_cseq(m, &cseq, &meth), CAIRN_OK);
    assert_int_equal(cseq, 1);
    assert_true(cairn_sip_str_eq(meth, "INVITE"));
    assert_int_equal(cairn_sip_msg_uint(m, "Max-Forwards", &mf), CAIRN_OK);
    assert_int_equal(mf, 70);
    /* The RFC's Content-Length (151) is exactly the CRLF-terminated SDP. */
    body = cairn_sip_msg_body(m, &blen);
    assert_int_equal(blen, 151);
    assert_memory_equal(body, "v=0\r\n", 5);
    cairn_sip_msg_free(m);
    cairn_context_destroy(ctx);
}

static void rfc3261_folded_via(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_sip_msg *m = NULL;
    cairn_sip_via via;
    uint32_t exp;
    (void)state;
    assert_int_equal(parse(ctx, rfc3261_reg_ok, strlen(rfc3261_reg_ok), NULL, &m), CAIRN_OK);
    assert_false(cairn_sip_msg_is_request(m));
    assert_int_equal(cairn_sip_msg_status(m), 200);
    assert_string_equal(cairn_sip_msg_reason(m), "OK");
    /* Folding is replaced by one space. */
    assert_string_equal(
        cairn_sip_msg_header(m, "Via", 0),
        "SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7 ;received=192.0.2.4");
    assert_int_equal(cairn_sip_msg_via(m, 0, &via), CAIRN_OK);
    assert_true(cairn_sip_str_eq(via.received, "192.0.2.4"));
    assert_true(cairn_sip_str_eq(via.branch, "z9hG4bKnashds7"));
    assert_int_equal(cairn_sip_msg_uint(m, "Expires", &exp), CAIRN_OK);
    assert_int_equal(exp, 7200);
    cairn_sip_msg_free(m);
    cairn_context_destroy(ctx);
}

/* SIP-12, SIP-25: compact names, any case, LF-only lines, lists split,
 * leading keep-alive CRLFs, Content-Length absent in a datagram. */
static void liberal_reading(void **state)
{
    static const char in[] =
        "\r\n\r\n"
        "options sip:carol@chicago.example.com sip/2.0\n"
        "v: SIP/2.0/UDP 192.0.2.1:5060 ;received=192.0.2.207;branch=z9hG4bK77asjd;rport=5070,\n"
        "  SIP/2.0/TLS [2001:db8::9]:5061;branch=z9hG4bK2\n"
        "f: \"A. G. Bell\" <sip:agb@bell-telephone.example.com> ;tag=a48s\n"
        "t:sip:carol@chicago.example.com\n"
        "i: 1@x\n"
        "CSEQ:   63104   OPTIONS\n"
        "m: <sip:a@192.0.2.1>;expires=60, \"Comma, Inc\" <sip:b@192.0.2.2>\n"
        "Route: <sip:alice@atlanta.example.com>\n"
        "Subject: Lunch\n"
        "Route: <sip:bob@biloxi.example.com>, <sip:carol@chicago.example.com>\n"
        "k: 100rel, gruu,, path\n"
        "c: text/plain\n"
        "\n"
        "body without length";
    cairn_context *ctx = cts_context();
    cairn_sip_msg *m = NULL;
    cairn_sip_via via;
    cairn_sip_addr a;
    size_t blen;
    (void)state;
    assert_int_equal(parse(ctx, in, strlen(in), NULL, &m), CAIRN_OK);
    assert_int_equal(cairn_sip_msg_method_id(m), CAIRN_SIP_OPTIONS);
    assert_string_equal(cairn_sip_msg_method(m), "options");
    assert_int_equal(cairn_sip_msg_header_count(m, "Via"), 2);
    assert_int_equal(cairn_sip_msg_via(m, 0, &via), CAIRN_OK);
    assert_true(via.has_rport);
    assert_int_equal(via.rport, 5070);
    assert_true(cairn_sip_str_eq(via.received, "192.0.2.207"));
    assert_int_equal(cairn_sip_msg_via(m, 1, &via), CAIRN_OK);
    assert_true(cairn_sip_str_eq(via.host, "[2001:db8::9]"));
    assert_int_equal(via.port, 5061);
    assert_true(cairn_sip_str_eq(via.transport, "TLS"));
    assert_int_equal(cairn_sip_msg_addr(m, "To", 0, &a), CAIRN_OK);
    assert_true(cairn_sip_str_eq(a.uri.host, "chicago.example.com"));
    assert_int_equal(cairn_sip_msg_addr(m, "From", 0, &a), CAIRN_OK);
    assert_true(cairn_sip_str_eq(a.display, "A. G. Bell"));
    /* Quoted commas do not split a Contact list. */
    assert_int_equal(cairn_sip_msg_header_count(m, "Contact"), 2);
    assert_int_equal(cairn_sip_msg_addr(m, "Contact", 1, &a), CAIRN_OK);
    assert_true(cairn_sip_str_eq(a.display, "Comma, Inc"));
    /* RFC 3261 section 7.3.1: Route order survives interleaving. */
    assert_int_equal(cairn_sip_msg_header_count(m, "Route"), 3);
    assert_string_equal(cairn_sip_msg_header(m, "Route", 2), "<sip:carol@chicago.example.com>");
    assert_int_equal(cairn_sip_msg_header_count(m, "Supported"), 3);
    assert_string_equal(cairn_sip_msg_header(m, "supported", 2), "path");
    assert_string_equal(cairn_sip_msg_header(m, "CSeq", 0), "63104   OPTIONS");
    assert_string_equal((const char *)cairn_sip_msg_body(m, &blen), "body without length");
    cairn_sip_msg_free(m);
    cairn_context_destroy(ctx);
}

static void expect_error(cairn_context *ctx, const char *in, size_t n, const cairn_sip_limits *lim,
                         cairn_status want)
{
    cairn_sip_msg *m = (cairn_sip_msg *)1;
    cairn_status rc = parse(ctx, in, n, lim, &m);
    if (rc != want)
        print_message("input: %.60s (%zu bytes)\n", in, n);
    assert_int_equal(rc, want);
    assert_null(m);
    assert_int_equal(cts_live_allocations(), 1);
}

#define HEAD "MESSAGE sip:a@b.example SIP/2.0\r\nCall-ID: x\r\n"

/* SIP-20..24: hostile inputs get clean errors. */
static void hostile_inputs(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_sip_limits lim;
    char *big;
    size_t i, n;
    (void)state;

    expect_error(ctx, "", 0, NULL, CAIRN_ERR_DECODE);
    expect_error(ctx, "\r\n\r\n", 4, NULL, CAIRN_ERR_DECODE);
    /* Missing blank line / truncated. */
    expect_error(ctx, HEAD, strlen(HEAD), NULL, CAIRN_ERR_DECODE);
    expect_error(ctx, HEAD "Content-Length: 10\r\n\r\nshort", strlen(HEAD) + 27, NULL,
                 CAIRN_ERR_DECODE);
    /* Garbage and negative Content-Length; conflicting duplicates. */
    expect_error(ctx, HEAD "Content-Length: -1\r\n\r\n", strlen(HEAD) + 22, NULL, CAIRN_ERR_DECODE);
    expect_error(ctx, HEAD "l: 12abc\r\n\r\n", strlen(HEAD) + 12, NULL, CAIRN_ERR_DECODE);
    expect_error(ctx, HEAD "l:\r\n\r\n", strlen(HEAD) + 6, NULL, CAIRN_ERR_DECODE);
    expect_error(ctx, HEAD "l: 1\r\nContent-Length: 2\r\n\r\nab", strlen(HEAD) + 30, NULL,
                 CAIRN_ERR_DECODE);
    /* Huge Content-Length: over the cap, and overflowing size_t. */
    expect_error(ctx, HEAD "l: 1048577\r\n\r\n", strlen(HEAD) + 15, NULL, CAIRN_ERR_TOO_LARGE);
    expect_error(ctx, HEAD "l: 99999999999999999999999999\r\n\r\n", strlen(HEAD) + 34, NULL,
                 CAIRN_ERR_TOO_LARGE);
    /* NUL and bare CR in the header section. */
    expect_error(ctx, HEAD "To: a\0b\r\n\r\n", strlen(HEAD) + 11, NULL, CAIRN_ERR_DECODE);
    expect_error(ctx, HEAD "To: a\rb\r\n\r\n", strlen(HEAD) + 11, NULL, CAIRN_ERR_DECODE);
    /* Bad start lines and names. */
    expect_error(ctx, "SIP/3.0 200 OK\r\n\r\n", 18, NULL, CAIRN_ERR_VERSION);
    expect_error(ctx, "MESSAGE sip:a SIP/1.0\r\n\r\n", 25, NULL, CAIRN_ERR_VERSION);
    expect_error(ctx, "SIP/2.0 20 OK\r\n\r\n", 17, NULL, CAIRN_ERR_DECODE);
    expect_error(ctx, "SIP/2.0 099 OK\r\n\r\n", 18, NULL, CAIRN_ERR_DECODE);
    expect_error(ctx, "MESSAGE\r\n\r\n", 11, NULL, CAIRN_ERR_DECODE);
    expect_error(ctx, "MESSAGE sip:a\r\n\r\n", 17, NULL, CAIRN_ERR_DECODE);
    expect_error(ctx, "MESSAGE sip:a HTTP/1.1\r\n\r\n", 26, NULL, CAIRN_ERR_DECODE);
    expect_error(ctx, "MES(SAGE sip:a SIP/2.0\r\n\r\n", 26, NULL, CAIRN_ERR_DECODE);
    expect_error(ctx, HEAD "No colon\r\n\r\n", strlen(HEAD) + 12, NULL, CAIRN_ERR_DECODE);
    expect_error(ctx, HEAD "Bad Name: x\r\n\r\n", strlen(HEAD) + 15, NULL, CAIRN_ERR_DECODE);
    expect_error(ctx, "MESSAGE sip:a SIP/2.0\r\n folded-first\r\n\r\n", 40, NULL, CAIRN_ERR_DECODE);
    expect_error(ctx, HEAD "Via: \"unterminated\r\n\r\n", strlen(HEAD) + 22, NULL,
                 CAIRN_ERR_DECODE);

    /* An over-long line. */
    n = CAIRN_SIP_DEFAULT_MAX_LINE + 64;
    big = malloc(n + 64);
    memcpy(big, HEAD "X: ", strlen(HEAD) + 3);
    memset(big + strlen(HEAD) + 3, 'a', n);
    memcpy(big + strlen(HEAD) + 3 + n, "\r\n\r\n", 4);
    expect_error(ctx, big, strlen(HEAD) + n + 7, NULL, CAIRN_ERR_TOO_LARGE);
    /* Still too long when the rest of the message never arrives. */
    expect_error(ctx, big, strlen(HEAD) + n, NULL, CAIRN_ERR_TOO_LARGE);
    free(big);

    /* 10,000 headers. */
    n = 10000;
    big = malloc(strlen(HEAD) + n * 6 + 3);
    memcpy(big, HEAD, strlen(HEAD));
    for (i = 0; i < n; i++)
        memcpy(big + strlen(HEAD) + i * 6, "a: b\r\n", 6);
    memcpy(big + strlen(HEAD) + n * 6, "\r\n", 2);
    expect_error(ctx, big, strlen(HEAD) + n * 6 + 2, NULL, CAIRN_ERR_LIMIT);
    /* With a large header count cap the byte cap still holds. */
    cairn_sip_limits_default(&lim);
    lim.max_headers = 100000;
    lim.max_header_bytes = 4096;
    expect_error(ctx, big, strlen(HEAD) + n * 6 + 2, &lim, CAIRN_ERR_TOO_LARGE);
    free(big);

    /* Many values on one list line count against the header cap too. */
    n = 2000;
    big = malloc(strlen(HEAD) + 10 + n * 3 + 8);
    i = strlen(HEAD);
    memcpy(big, HEAD "Require: ", i + 9);
    i += 9;
    for (n = 0; n < 2000; n++) {
        memcpy(big + i, "x, ", 3);
        i += 3;
    }
    memcpy(big + i, "x\r\n\r\n", 5);
    expect_error(ctx, big, i + 5, NULL, CAIRN_ERR_LIMIT);
    free(big);

    /* A smaller body cap. */
    cairn_sip_limits_default(&lim);
    lim.max_body = 4;
    expect_error(ctx, HEAD "l: 5\r\n\r\nhello", strlen(HEAD) + 13, &lim, CAIRN_ERR_TOO_LARGE);
    expect_error(ctx, HEAD "\r\nhello", strlen(HEAD) + 7, &lim, CAIRN_ERR_TOO_LARGE);
    cairn_context_destroy(ctx);
}

/* Every truncation of a valid message fails cleanly (or, when cut in the
 * body of a datagram without Content-Length, is simply shorter); every
 * single flipped byte yields a clean result. */
static void truncations_and_flips(void **state)
{
    cairn_context *ctx = cts_context();
    size_t n = strlen(rfc3261_f1), i;
    char *copy = malloc(n);
    (void)state;
    for (i = 0; i < n; i++) {
        cairn_sip_msg *m = NULL;
        cairn_status rc = parse(ctx, rfc3261_f1, i, NULL, &m);
        assert_int_not_equal(rc, CAIRN_OK);
        assert_null(m);
    }
    for (i = 0; i < n; i++) {
        cairn_sip_msg *m = NULL;
        memcpy(copy, rfc3261_f1, n);
        copy[i] ^= 0x20;
        if (parse(ctx, copy, n, NULL, &m) == CAIRN_OK)
            cairn_sip_msg_free(m);
        copy[i] = 0;
        if (parse(ctx, copy, n, NULL, &m) == CAIRN_OK)
            cairn_sip_msg_free(m);
        assert_int_equal(cts_live_allocations(), 1);
    }
    free(copy);
    cairn_context_destroy(ctx);
}

/* Allocation failure at each step of a parse leaks nothing. */
static void parse_allocation_torture(void **state)
{
    cairn_context *ctx = cts_context();
    long k;
    (void)state;
    for (k = 0; k < 100; k++) {
        cairn_sip_msg *m = NULL;
        cairn_status rc;
        cts_fail_after(k);
        rc = parse(ctx, rfc3261_reg_ok, strlen(rfc3261_reg_ok), NULL, &m);
        cts_fail_after(-1);
        cairn_sip_msg_free(m);
        assert_int_equal(cts_live_allocations(), 1);
        if (rc == CAIRN_OK)
            break;
        assert_int_equal(rc, CAIRN_ERR_NOMEM);
    }
    assert_true(k > 5 && k < 100);
    cairn_context_destroy(ctx);
}

/* RFC 3261 section 24.1: Bob's REGISTER. */
static void rfc3261_register(void **state)
{
    static const char in[] = "REGISTER sip:registrar.biloxi.com SIP/2.0\r\n"
                             "Via: SIP/2.0/UDP bobspc.biloxi.com:5060;branch=z9hG4bKnashds7\r\n"
                             "Max-Forwards: 70\r\n"
                             "To: Bob <sip:bob@biloxi.com>\r\n"
                             "From: Bob <sip:bob@biloxi.com>;tag=456248\r\n"
                             "Call-ID: 843817637684230@998sdasdh09\r\n"
                             "CSeq: 1826 REGISTER\r\n"
                             "Contact: <sip:bob@192.0.2.4>\r\n"
                             "Expires: 7200\r\n"
                             "Content-Length: 0\r\n"
                             "\r\n";
    cairn_context *ctx = cts_context();
    cairn_sip_msg *m = NULL;
    cairn_sip_addr a;
    uint32_t n;
    cairn_sip_str meth;
    cairn__buf b;
    (void)state;
    assert_int_equal(parse(ctx, in, strlen(in), NULL, &m), CAIRN_OK);
    assert_int_equal(cairn_sip_msg_method_id(m), CAIRN_SIP_REGISTER);
    assert_int_equal(cairn_sip_msg_cseq(m, &n, &meth), CAIRN_OK);
    assert_int_equal(n, 1826);
    assert_int_equal(cairn_sip_msg_addr(m, "Contact", 0, &a), CAIRN_OK);
    assert_true(cairn_sip_str_eq(a.uri.host, "192.0.2.4"));
    assert_int_equal(cairn_sip_msg_uint(m, "Expires", &n), CAIRN_OK);
    assert_int_equal(n, 7200);
    /* Already in strict form: serializing reproduces the RFC bytes. */
    cairn__buf_init(&b, ctx, 4096);
    assert_int_equal(cairn_sip_msg_serialize(m, &b), CAIRN_OK);
    assert_string_equal((char *)b.data, in);
    cairn__buf_free(&b);
    cairn_sip_msg_free(m);
    cairn_context_destroy(ctx);
}

/* SIP-20 at its boundary: a line of exactly max_line bytes passes with
 * CRLF or LF, one more byte fails, in both the datagram and stream paths. */
static void line_cap_boundary(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_sip_limits lim;
    char in[256];
    int ends;
    (void)state;
    cairn_sip_limits_default(&lim);
    lim.max_line = 40;
    for (ends = 0; ends < 2; ends++) {
        const char *eol = ends ? "\n" : "\r\n";
        size_t extra;
        for (extra = 0; extra < 2; extra++) {
            cairn_sip_msg *m = NULL;
            cairn_sip_reader *r = NULL;
            size_t used = 0;
            cairn_status want = extra ? CAIRN_ERR_TOO_LARGE : CAIRN_OK, rc;
            /* "X: " + value = 40 (+extra) bytes. */
            snprintf(in, sizeof(in), "OPTIONS sip:a SIP/2.0%sX: %.*s%s%s", eol, (int)(37 + extra),
                     "0123456789012345678901234567890123456789", eol, eol);
            assert_int_equal(parse(ctx, in, strlen(in), &lim, &m), want);
            cairn_sip_msg_free(m);
            m = NULL;
            assert_int_equal(cairn_sip_reader_new(ctx, &lim, &r), CAIRN_OK);
            rc = cairn_sip_reader_feed(r, (const uint8_t *)in, strlen(in), &used, &m);
            assert_int_equal(rc, want);
            assert_true(want != CAIRN_OK || m != NULL);
            cairn_sip_msg_free(m);
            cairn_sip_reader_free(r);
        }
    }
    assert_int_equal(cts_live_allocations(), 1);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc3261_invite),        cmocka_unit_test(rfc3261_register),
        cmocka_unit_test(line_cap_boundary),     cmocka_unit_test(rfc3261_folded_via),
        cmocka_unit_test(liberal_reading),       cmocka_unit_test(hostile_inputs),
        cmocka_unit_test(truncations_and_flips), cmocka_unit_test(parse_allocation_torture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
