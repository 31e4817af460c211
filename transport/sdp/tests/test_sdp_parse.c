/*
 * test_sdp_parse.c - the generic SDP reader (SDP-20, SDP-21): RFC 4975
 * section 7.1.1 offer/answer as facts, lossless round trips, LF-only and
 * other liberal forms, and hostile inputs with clean errors and bounded
 * memory.
 */
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "cairn/sdp.h"
#include "test_support.h"

/* RFC 4975 section 7.1.1: Alice's offer. */
static const char rfc4975_offer[] = "v=0\r\n"
                                    "o=alice 2890844557 2890844559 IN IP4 alice.example.com\r\n"
                                    "s= -\r\n"
                                    "c=IN IP4 alice.example.com\r\n"
                                    "t=0 0\r\n"
                                    "m=message 7777 TCP/TLS/MSRP *\r\n"
                                    "a=accept-types:text/plain\r\n"
                                    "a=path:msrps://alice.example.com:7777/iau39soe2843z;tcp\r\n";

static cairn_status parse(cairn_context *ctx, const char *s, size_t n, const cairn_sdp_limits *lim,
                          cairn_sdp **out)
{
    return cairn_sdp_parse(ctx, lim, (const uint8_t *)s, n, out);
}

static void rfc4975_offer_facts(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_sdp *s = NULL, *s2 = NULL;
    const cairn_sdp_media *m;
    const cairn_sdp_origin *o;
    cairn_sdp_str at, addr, v;
    cairn__buf b;
    (void)state;
    assert_int_equal(parse(ctx, rfc4975_offer, strlen(rfc4975_offer), NULL, &s), CAIRN_OK);
    o = cairn_sdp_origin_get(s);
    assert_true(cairn_sdp_str_eq(o->username, "alice"));
    assert_true(cairn_sdp_str_eq(o->sess_version, "2890844559"));
    assert_true(cairn_sdp_str_eq(o->addr, "alice.example.com"));
    assert_true(cairn_sdp_str_eq(cairn_sdp_session_name(s), " -"));
    assert_int_equal(cairn_sdp_media_count(s), 1);
    m = cairn_sdp_media_at(s, 0);
    assert_true(cairn_sdp_str_eq(m->media, "message"));
    assert_int_equal(m->port, 7777);
    assert_true(cairn_sdp_str_eq(m->proto, "TCP/TLS/MSRP"));
    assert_true(cairn_sdp_str_eq(m->fmts, "*"));
    assert_null(cairn_sdp_media_at(s, 1));
    assert_int_equal(cairn_sdp_connection(s, 0, &at, &addr), CAIRN_OK);
    assert_true(cairn_sdp_str_eq(at, "IP4"));
    assert_int_equal(cairn_sdp_attr(s, 0, "PATH", 0, &v), CAIRN_OK);
    assert_true(cairn_sdp_str_eq(v, "msrps://alice.example.com:7777/iau39soe2843z;tcp"));
    assert_int_equal(cairn_sdp_attr(s, 0, "path", 1, &v), CAIRN_ERR_NOT_FOUND);
    assert_int_equal(cairn_sdp_attr(s, CAIRN_SDP_SESSION, "path", 0, &v), CAIRN_ERR_NOT_FOUND);
    /* Lossless: serializing gives back the same bytes. */
    cairn__buf_init(&b, ctx, 4096);
    assert_int_equal(cairn_sdp_serialize(s, &b), CAIRN_OK);
    assert_int_equal(b.len, strlen(rfc4975_offer));
    assert_memory_equal(b.data, rfc4975_offer, b.len);
    assert_int_equal(parse(ctx, (char *)b.data, b.len, NULL, &s2), CAIRN_OK);
    cairn__buf_free(&b);
    cairn_sdp_free(s);
    cairn_sdp_free(s2);
    cairn_sdp_free(NULL);
    assert_int_equal(cts_live_allocations(), 1);
    cairn_context_destroy(ctx);
}

/* LF-only ends, no final newline, unknown lines and flags kept. */
static void liberal_forms(void **state)
{
    static const char in[] = "v=0\n"
                             "o=- 1 1 IN IP6 2001:db8::1\n"
                             "s=chat\n"
                             "i=free text, ignored\n"
                             "c=IN IP6 2001:db8::1\n"
                             "t=0 0\n"
                             "a=sendrecv\n"
                             "m=message 9 TCP/MSRP *\n"
                             "c=IN IP4 192.0.2.7\n"
                             "b=AS:64\n"
                             "a=x-unknown:yes\n"
                             "a=accept-types:message/cpim";
    cairn_context *ctx = cts_context();
    cairn_sdp *s = NULL;
    cairn_sdp_str at, addr, v;
    cairn__buf b;
    char type;
    size_t media;
    (void)state;
    assert_int_equal(parse(ctx, in, strlen(in), NULL, &s), CAIRN_OK);
    /* Media-level c= wins over the session's. */
    assert_int_equal(cairn_sdp_connection(s, 0, &at, &addr), CAIRN_OK);
    assert_true(cairn_sdp_str_eq(addr, "192.0.2.7"));
    assert_int_equal(cairn_sdp_connection(s, CAIRN_SDP_SESSION, &at, &addr), CAIRN_OK);
    assert_true(cairn_sdp_str_eq(at, "IP6"));
    assert_int_equal(cairn_sdp_attr(s, CAIRN_SDP_SESSION, "sendrecv", 0, &v), CAIRN_OK);
    assert_int_equal(v.len, 0);
    assert_int_equal(cairn_sdp_line_at(s, 3, &type, &v, &media), CAIRN_OK);
    assert_int_equal(type, 'i');
    assert_int_equal(media, CAIRN_SDP_SESSION);
    assert_int_equal(cairn_sdp_line_at(s, 9, &type, &v, &media), CAIRN_OK);
    assert_int_equal(type, 'b');
    assert_int_equal(media, 0);
    assert_int_equal(cairn_sdp_line_at(s, 12, &type, &v, &media), CAIRN_ERR_NOT_FOUND);
    /* Written back with CRLF. */
    cairn__buf_init(&b, ctx, 4096);
    assert_int_equal(cairn_sdp_serialize(s, &b), CAIRN_OK);
    assert_non_null(strstr((char *)b.data, "\r\nb=AS:64\r\na=x-unknown:yes\r\n"));
    cairn__buf_free(&b);
    cairn_sdp_free(s);
    assert_int_equal(cts_live_allocations(), 1);
    cairn_context_destroy(ctx);
}

static void expect(cairn_context *ctx, const char *in, size_t n, const cairn_sdp_limits *lim,
                   cairn_status want)
{
    cairn_sdp *s = (cairn_sdp *)1;
    cairn_status rc = parse(ctx, in, n, lim, &s);
    if (rc != want)
        print_message("input: %.80s\n", in);
    assert_int_equal(rc, want);
    assert_null(s);
    assert_int_equal(cts_live_allocations(), 1);
}

#define E(s, want) expect(ctx, s, strlen(s), NULL, want)
#define HDR "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\n"

static void hostile_inputs(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_sdp_limits lim;
    char *big;
    size_t i, n;
    (void)state;
    E("", CAIRN_ERR_DECODE);
    E("v=1\r\n", CAIRN_ERR_VERSION);
    E("o=- 1 1 IN IP4 h\r\nv=0\r\n", CAIRN_ERR_DECODE);
    E("v=0\r\ns=-\r\n", CAIRN_ERR_DECODE);                   /* no o= */
    E("v=0\r\no=- 1 1 IN IP4 h\r\n", CAIRN_ERR_DECODE);      /* no s= */
    E("v=0\r\no=- 1 1 IN IP4\r\ns=-\r\n", CAIRN_ERR_DECODE); /* 5 fields */
    E("v=0\r\no=- 1 1 IN IP4 h x\r\ns=-\r\n", CAIRN_ERR_DECODE);
    E(HDR "c=IN IP4\r\n", CAIRN_ERR_DECODE);
    E(HDR "c=XX IP4 h\r\n", CAIRN_ERR_DECODE);
    E(HDR "m=message 7777 TCP/MSRP\r\n", CAIRN_ERR_DECODE);
    E(HDR "m=message 77777 TCP/MSRP *\r\n", CAIRN_ERR_DECODE);
    E(HDR "m=message -1 TCP/MSRP *\r\n", CAIRN_ERR_DECODE);
    E(HDR "m=message 99999999999999999999 TCP/MSRP *\r\n", CAIRN_ERR_DECODE);
    E(HDR "a=\r\n", CAIRN_ERR_DECODE);
    E(HDR "a=:x\r\n", CAIRN_ERR_DECODE);
    E(HDR "junk\r\n", CAIRN_ERR_DECODE);
    E(HDR "X=upper\r\n", CAIRN_ERR_DECODE);
    E(HDR "a=x\ry\r\n", CAIRN_ERR_DECODE);
    E(HDR "v=0\r\n", CAIRN_ERR_DECODE);
    expect(ctx, HDR "a=x\0y\r\n", strlen(HDR) + 8, NULL, CAIRN_ERR_DECODE);
    /* Size, line, line-count and media caps. */
    n = CAIRN_SDP_DEFAULT_MAX_BYTES + 1;
    big = malloc(n + 1);
    memset(big, 'a', n);
    big[n] = 0;
    expect(ctx, big, n, NULL, CAIRN_ERR_TOO_LARGE);
    free(big);
    n = 5000;
    big = malloc(strlen(HDR) + n + 10);
    strcpy(big, HDR "a=");
    memset(big + strlen(HDR) + 2, 'x', n);
    strcpy(big + strlen(HDR) + 2 + n, "\r\n");
    E(big, CAIRN_ERR_TOO_LARGE);
    free(big);
    big = malloc(strlen(HDR) + 300 * 5 + 1);
    strcpy(big, HDR);
    for (i = 0; i < 300; i++)
        strcat(big, "a=x\r\n");
    E(big, CAIRN_ERR_LIMIT);
    free(big);
    big = malloc(strlen(HDR) + 20 * 25 + 1);
    strcpy(big, HDR);
    for (i = 0; i < 20; i++)
        strcat(big, "m=message 1 TCP/MSRP *\r\n");
    E(big, CAIRN_ERR_LIMIT);
    memset(&lim, 0, sizeof(lim));
    lim.max_media = 64;
    {
        cairn_sdp *s = NULL;
        assert_int_equal(parse(ctx, big, strlen(big), &lim, &s), CAIRN_OK);
        assert_int_equal(cairn_sdp_media_count(s), 20);
        cairn_sdp_free(s);
    }
    free(big);
    cairn_context_destroy(ctx);
}

/* Every truncation and every single-byte change gives a clean result. */
static void truncations_and_flips(void **state)
{
    cairn_context *ctx = cts_context();
    size_t n = strlen(rfc4975_offer), i;
    char *copy = malloc(n);
    (void)state;
    for (i = 0; i < n; i++) {
        cairn_sdp *s = NULL;
        if (parse(ctx, rfc4975_offer, i, NULL, &s) == CAIRN_OK)
            cairn_sdp_free(s);
        memcpy(copy, rfc4975_offer, n);
        copy[i] ^= 0x41;
        if (parse(ctx, copy, n, NULL, &s) == CAIRN_OK)
            cairn_sdp_free(s);
        assert_int_equal(cts_live_allocations(), 1);
    }
    /* Truncated before s=: always refused. */
    for (i = 0; i < (size_t)(strstr(rfc4975_offer, "s= -") - rfc4975_offer); i++) {
        cairn_sdp *s = NULL;
        assert_int_not_equal(parse(ctx, rfc4975_offer, i, NULL, &s), CAIRN_OK);
    }
    free(copy);
    cairn_context_destroy(ctx);
}

static void allocation_torture(void **state)
{
    cairn_context *ctx = cts_context();
    long k;
    (void)state;
    for (k = 0; k < 50; k++) {
        cairn_sdp *s = NULL;
        cairn_status rc;
        cts_fail_after(k);
        rc = parse(ctx, rfc4975_offer, strlen(rfc4975_offer), NULL, &s);
        cts_fail_after(-1);
        cairn_sdp_free(s);
        assert_int_equal(cts_live_allocations(), 1);
        if (rc == CAIRN_OK)
            break;
        assert_int_equal(rc, CAIRN_ERR_NOMEM);
    }
    assert_true(k > 0 && k < 50);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc4975_offer_facts), cmocka_unit_test(liberal_forms),
        cmocka_unit_test(hostile_inputs),      cmocka_unit_test(truncations_and_flips),
        cmocka_unit_test(allocation_torture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
