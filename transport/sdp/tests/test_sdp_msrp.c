/*
 * test_sdp_msrp.c - the MSRP view of SDP (SDP-10..16): the RFC 4975
 * section 7.1.1 answer as facts, RCS-style offers with a=setup,
 * accept-wrapped-types, max-size and file-selector, build/parse round
 * trips, and refusals on both sides.
 */
#include <string.h>

#include "base.h"
#include "cairn/sdp.h"
#include "test_support.h"

/* RFC 4975 section 7.1.1: Bob's answer. */
static const char rfc4975_answer[] = "v=0\r\n"
                                     "o=bob 2890844612 2890844616 IN IP4 bob.example.com\r\n"
                                     "s= -\r\n"
                                     "c=IN IP4 bob.example.com\r\n"
                                     "t=0 0\r\n"
                                     "m=message 8888 TCP/TLS/MSRP *\r\n"
                                     "a=accept-types:text/plain\r\n"
                                     "a=path:msrps://bob.example.com:8888/9di4eae923wzd;tcp\r\n";

static cairn_sdp *parse(cairn_context *ctx, const char *s, size_t n)
{
    cairn_sdp *out = NULL;
    assert_int_equal(cairn_sdp_parse(ctx, NULL, (const uint8_t *)s, n, &out), CAIRN_OK);
    return out;
}

static void rfc4975_answer_facts(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_sdp *s = parse(ctx, rfc4975_answer, strlen(rfc4975_answer));
    cairn_sdp_msrp m;
    size_t idx = 9;
    (void)state;
    assert_int_equal(cairn_sdp_msrp_find(s, &idx), CAIRN_OK);
    assert_int_equal(idx, 0);
    assert_int_equal(cairn_sdp_msrp_get(s, idx, &m), CAIRN_OK);
    assert_true(m.tls);
    assert_int_equal(m.port, 8888);
    assert_true(cairn_sdp_str_eq(m.addr, "bob.example.com"));
    assert_int_equal(m.path_count, 1);
    assert_true(cairn_sdp_str_eq(m.path_uri[0], "msrps://bob.example.com:8888/9di4eae923wzd;tcp"));
    assert_true(cairn_sdp_str_eq(m.accept_types, "text/plain"));
    assert_int_equal(m.setup, CAIRN_SDP_SETUP_NONE);
    assert_false(m.has_max_size);
    assert_int_equal(m.accept_wrapped_types.len, 0);
    assert_int_equal(cairn_sdp_msrp_get(s, 1, &m), CAIRN_ERR_NOT_FOUND);
    cairn_sdp_free(s);
    cairn_context_destroy(ctx);
}

/* An RCS chat offer through a relay: two path URIs, CPIM wrapping,
 * a=setup (RFC 6135), max-size; and an FT offer with file-selector. */
static void rcs_offers(void **state)
{
    static const char chat[] =
        "v=0\r\n"
        "o=- 3880000000 3880000000 IN IP4 198.51.100.1\r\n"
        "s=-\r\n"
        "c=IN IP4 198.51.100.1\r\n"
        "t=0 0\r\n"
        "m=audio 49170 RTP/AVP 0\r\n"
        "m=message 2855 TCP/TLS/MSRP *\r\n"
        "a=accept-types:message/cpim application/im-iscomposing+xml\r\n"
        "a=accept-wrapped-types:text/plain message/imdn+xml "
        "application/vnd.gsma.rcs-ft-http+xml\r\n"
        "a=max-size:1048576\r\n"
        "a=path:msrps://relay.example.net:2855/r3l4y;tcp  msrps://198.51.100.1:2855/s111271;tcp\r\n"
        "a=setup:ACTPASS\r\n"
        "a=sendrecv\r\n";
    static const char ft[] =
        "v=0\n"
        "o=- 1 1 IN IP4 192.0.2.1\n"
        "s=-\n"
        "t=0 0\n"
        "m=message 7654 TCP/MSRP *\n"
        "c=IN IP4 192.0.2.1\n"
        "a=accept-types:message/cpim\n"
        "a=file-selector:name:\"My cool picture.jpg\" type:image/jpeg size:32349\n"
        "a=path:msrp://192.0.2.1:7654/jshA7we;tcp\n"
        "a=setup:passive\n";
    cairn_context *ctx = cts_context();
    cairn_sdp *s = parse(ctx, chat, strlen(chat));
    cairn_sdp_msrp m;
    size_t idx;
    (void)state;
    assert_int_equal(cairn_sdp_msrp_find(s, &idx), CAIRN_OK);
    assert_int_equal(idx, 1);
    assert_int_equal(cairn_sdp_msrp_get(s, 0, &m), CAIRN_ERR_UNSUPPORTED);
    assert_int_equal(cairn_sdp_msrp_get(s, 1, &m), CAIRN_OK);
    assert_int_equal(m.path_count, 2);
    assert_true(cairn_sdp_str_eq(m.path_uri[1], "msrps://198.51.100.1:2855/s111271;tcp"));
    assert_int_equal(m.setup, CAIRN_SDP_SETUP_ACTPASS);
    assert_true(m.has_max_size);
    assert_int_equal(m.max_size, 1048576);
    assert_true(
        cairn_sdp_str_eq(m.accept_wrapped_types,
                         "text/plain message/imdn+xml application/vnd.gsma.rcs-ft-http+xml"));
    cairn_sdp_free(s);
    s = parse(ctx, ft, strlen(ft));
    assert_int_equal(cairn_sdp_msrp_get(s, 0, &m), CAIRN_OK);
    assert_false(m.tls);
    assert_int_equal(m.setup, CAIRN_SDP_SETUP_PASSIVE);
    assert_true(cairn_sdp_str_eq(m.file_selector,
                                 "name:\"My cool picture.jpg\" type:image/jpeg size:32349"));
    assert_true(cairn_sdp_str_eq(m.addr, "192.0.2.1"));
    cairn_sdp_free(s);
    assert_int_equal(cts_live_allocations(), 1);
    cairn_context_destroy(ctx);
}

static cairn_status get_of(cairn_context *ctx, const char *text)
{
    cairn_sdp *s = parse(ctx, text, strlen(text));
    cairn_sdp_msrp m;
    cairn_status rc = cairn_sdp_msrp_get(s, 0, &m);
    cairn_sdp_free(s);
    return rc;
}

#define B "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nc=IN IP4 h\r\nt=0 0\r\n"

static void msrp_refusals(void **state)
{
    cairn_context *ctx = cts_context();
    (void)state;
    assert_int_equal(get_of(ctx, B "m=message 1 TCP/MSRP *\r\na=accept-types:text/plain\r\n"),
                     CAIRN_ERR_DECODE);
    assert_int_equal(get_of(ctx, B "m=message 1 TCP/MSRP *\r\na=path:msrp://h:1/x;tcp\r\n"),
                     CAIRN_ERR_DECODE);
    assert_int_equal(
        get_of(ctx, B "m=message 1 TCP/MSRP *\r\na=accept-types:\r\na=path:msrp://h:1/x;tcp\r\n"),
        CAIRN_ERR_DECODE);
    assert_int_equal(
        get_of(ctx, B "m=message 1 TCP/MSRP *\r\na=accept-types:a/b\r\na=path:http://h:1/x\r\n"),
        CAIRN_ERR_DECODE);
    assert_int_equal(get_of(ctx, B "m=message 1 TCP/MSRP *\r\na=accept-types:a/b\r\na=path: \r\n"),
                     CAIRN_ERR_DECODE);
    assert_int_equal(
        get_of(ctx, B "m=message 1 TCP/MSRP "
                      "*\r\na=accept-types:a/b\r\na=path:msrp://h:1/x;tcp\r\na=setup:sideways\r\n"),
        CAIRN_ERR_DECODE);
    assert_int_equal(
        get_of(ctx, B "m=message 1 TCP/MSRP "
                      "*\r\na=accept-types:a/b\r\na=path:msrp://h:1/x;tcp\r\na=max-size:-1\r\n"),
        CAIRN_ERR_DECODE);
    assert_int_equal(get_of(ctx, B "m=message 1 TCP/MSRP "
                                   "*\r\na=accept-types:a/b\r\na=path:msrp://h:1/"
                                   "x;tcp\r\na=max-size:99999999999999999999\r\n"),
                     CAIRN_ERR_DECODE);
    assert_int_equal(get_of(ctx, B "m=message 1 UDP/MSRP *\r\n"), CAIRN_ERR_UNSUPPORTED);
    assert_int_equal(get_of(ctx, B "m=text 1 TCP/MSRP *\r\n"), CAIRN_ERR_UNSUPPORTED);
    assert_int_equal(get_of(ctx, "v=0\r\no=- 1 1 IN IP4 h\r\ns=-\r\nm=message 1 TCP/MSRP "
                                 "*\r\na=accept-types:a/b\r\na=path:msrp://h:1/x;tcp\r\n"),
                     CAIRN_ERR_DECODE); /* no c= anywhere */
    {
        char text[2048];
        int i;
        strcpy(text, B "m=message 1 TCP/MSRP *\r\na=accept-types:a/b\r\na=path:");
        for (i = 0; i < 17; i++)
            strcat(text, "msrp://h:1/x;tcp ");
        strcat(text, "\r\n");
        assert_int_equal(get_of(ctx, text), CAIRN_ERR_LIMIT);
    }
    cairn_context_destroy(ctx);
}

static void build_round_trip(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_sdp_msrp_offer o;
    cairn_sdp_msrp m;
    cairn_sdp *s;
    cairn__buf b;
    (void)state;
    memset(&o, 0, sizeof(o));
    o.sess_id = 3880000001ull;
    o.sess_version = 3880000001ull;
    o.addr = "2001:db8::5";
    o.port = 2855;
    o.tls = true;
    o.path = "msrps://[2001:db8::5]:2855/abc;tcp";
    o.setup = CAIRN_SDP_SETUP_ACTIVE;
    o.accept_types = "message/cpim";
    o.accept_wrapped_types = "text/plain message/imdn+xml";
    o.max_size = 65536;
    o.file_selector = "name:\"a.txt\" type:text/plain size:3";
    o.direction = "sendonly";
    cairn__buf_init(&b, ctx, 4096);
    assert_int_equal(cairn_sdp_msrp_build(&o, &b), CAIRN_OK);
    assert_string_equal((char *)b.data, "v=0\r\n"
                                        "o=- 3880000001 3880000001 IN IP6 2001:db8::5\r\n"
                                        "s=-\r\n"
                                        "c=IN IP6 2001:db8::5\r\n"
                                        "t=0 0\r\n"
                                        "m=message 2855 TCP/TLS/MSRP *\r\n"
                                        "a=accept-types:message/cpim\r\n"
                                        "a=accept-wrapped-types:text/plain message/imdn+xml\r\n"
                                        "a=max-size:65536\r\n"
                                        "a=path:msrps://[2001:db8::5]:2855/abc;tcp\r\n"
                                        "a=setup:active\r\n"
                                        "a=file-selector:name:\"a.txt\" type:text/plain size:3\r\n"
                                        "a=sendonly\r\n");
    s = parse(ctx, (char *)b.data, b.len);
    assert_int_equal(cairn_sdp_msrp_get(s, 0, &m), CAIRN_OK);
    assert_true(m.tls);
    assert_int_equal(m.port, 2855);
    assert_int_equal(m.setup, CAIRN_SDP_SETUP_ACTIVE);
    assert_int_equal(m.max_size, 65536);
    assert_true(cairn_sdp_str_eq(m.addrtype, "IP6"));
    assert_true(cairn_sdp_str_eq(m.path, o.path));
    assert_true(cairn_sdp_str_eq(m.file_selector, o.file_selector));
    cairn_sdp_free(s);
    /* Refusals leave the buffer untouched. */
    b.len = 0;
    o.path = "msrp://h:1/x;tcp"; /* not msrps with TLS */
    assert_int_equal(cairn_sdp_msrp_build(&o, &b), CAIRN_ERR_INVALID_ARG);
    o.path = "msrps://h:1/x;tcp\r\na=evil";
    assert_int_equal(cairn_sdp_msrp_build(&o, &b), CAIRN_ERR_INVALID_ARG);
    o.path = "msrps://h:1/x;tcp";
    o.accept_types = NULL;
    assert_int_equal(cairn_sdp_msrp_build(&o, &b), CAIRN_ERR_INVALID_ARG);
    o.accept_types = "message/cpim";
    o.direction = "sideways";
    assert_int_equal(cairn_sdp_msrp_build(&o, &b), CAIRN_ERR_INVALID_ARG);
    o.direction = NULL;
    o.addr = "a b";
    assert_int_equal(cairn_sdp_msrp_build(&o, &b), CAIRN_ERR_INVALID_ARG);
    o.addr = "192.0.2.1";
    o.port = 0;
    assert_int_equal(cairn_sdp_msrp_build(&o, &b), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(b.len, 0);
    cairn__buf_free(&b);
    /* The output cap applies and the buffer is restored. */
    o.port = 1;
    cairn__buf_init(&b, ctx, 64);
    assert_int_equal(cairn_sdp_msrp_build(&o, &b), CAIRN_ERR_TOO_LARGE);
    assert_int_equal(b.len, 0);
    cairn__buf_free(&b);
    assert_int_equal(cts_live_allocations(), 1);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc4975_answer_facts),
        cmocka_unit_test(rcs_offers),
        cmocka_unit_test(msrp_refusals),
        cmocka_unit_test(build_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
