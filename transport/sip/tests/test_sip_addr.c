/*
 * test_sip_addr.c - URIs (sip:, sips:, tel:), name-addr / addr-spec,
 * parameters, Via and CSeq views (SIP-14..16), and the strict name-addr
 * writer (SIP-11).
 */
#include <string.h>

#include "base.h"
#include "cairn/sip_addr.h"
#include "test_support.h"

#define URI(s, out) cairn_sip_uri_parse(s, strlen(s), out)
#define ADDR(s, star, out) cairn_sip_addr_parse(s, strlen(s), star, out)

static void uris(void **state)
{
    cairn_sip_uri u;
    cairn_sip_str v;
    (void)state;
    /* RFC 3261 section 19.1.3 examples. */
    assert_int_equal(URI("sip:alice:secretword@atlanta.com;transport=tcp", &u), CAIRN_OK);
    assert_int_equal(u.scheme, CAIRN_SIP_SCHEME_SIP);
    assert_true(cairn_sip_str_eq(u.user, "alice"));
    assert_true(cairn_sip_str_eq(u.password, "secretword"));
    assert_true(cairn_sip_str_eq(u.host, "atlanta.com"));
    assert_int_equal(cairn_sip_param_get(u.params, "TRANSPORT", &v), CAIRN_OK);
    assert_true(cairn_sip_str_eq(v, "tcp"));
    assert_int_equal(URI("sips:alice@atlanta.com?subject=project%20x&priority=urgent", &u),
                     CAIRN_OK);
    assert_int_equal(u.scheme, CAIRN_SIP_SCHEME_SIPS);
    assert_true(cairn_sip_str_eq(u.headers, "subject=project%20x&priority=urgent"));
    assert_int_equal(URI("sip:+1-212-555-1212:1234@gateway.com;user=phone", &u), CAIRN_OK);
    assert_true(cairn_sip_str_eq(u.user, "+1-212-555-1212"));
    assert_int_equal(URI("sip:alice@192.0.2.4", &u), CAIRN_OK);
    assert_int_equal(URI("sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com", &u), CAIRN_OK);
    assert_int_equal(u.user.len, 0);
    assert_int_equal(URI("SIP:alice;day=tuesday@atlanta.com", &u), CAIRN_OK);
    assert_true(cairn_sip_str_eq(u.user, "alice;day=tuesday"));
    assert_int_equal(URI("sip:[2001:db8::10]:5070;transport=tls", &u), CAIRN_OK);
    assert_true(cairn_sip_str_eq(u.host, "[2001:db8::10]"));
    assert_int_equal(u.port, 5070);
    /* tel: (RFC 3966). */
    assert_int_equal(URI("tel:+1-201-555-0123", &u), CAIRN_OK);
    assert_int_equal(u.scheme, CAIRN_SIP_SCHEME_TEL);
    assert_true(cairn_sip_str_eq(u.user, "+1-201-555-0123"));
    assert_int_equal(URI("tel:7042;phone-context=example.com", &u), CAIRN_OK);
    assert_int_equal(cairn_sip_param_get(u.params, "phone-context", &v), CAIRN_OK);
    assert_true(cairn_sip_str_eq(v, "example.com"));
    /* Refused. */
    assert_int_equal(URI("http://x", &u), CAIRN_ERR_UNSUPPORTED);
    assert_int_equal(URI("msrp://x", &u), CAIRN_ERR_UNSUPPORTED);
    assert_int_equal(URI("sip:", &u), CAIRN_ERR_DECODE);
    assert_int_equal(URI("sip:@host", &u), CAIRN_ERR_DECODE);
    assert_int_equal(URI("sip:a@", &u), CAIRN_ERR_DECODE);
    assert_int_equal(URI("sip:a@host:0", &u), CAIRN_ERR_DECODE);
    assert_int_equal(URI("sip:a@host:65536", &u), CAIRN_ERR_DECODE);
    assert_int_equal(URI("sip:a@host:5x", &u), CAIRN_ERR_DECODE);
    assert_int_equal(URI("sip:a@ho st", &u), CAIRN_ERR_DECODE);
    assert_int_equal(URI("sip:a@[::1", &u), CAIRN_ERR_DECODE);
    assert_int_equal(URI("sip:a@host;=x", &u), CAIRN_ERR_DECODE);
    assert_int_equal(URI("tel:", &u), CAIRN_ERR_DECODE);
    assert_int_equal(URI("tel:12z4", &u), CAIRN_ERR_DECODE);
    assert_int_equal(URI("nocolon", &u), CAIRN_ERR_DECODE);
}

static void addresses(void **state)
{
    cairn_sip_addr a;
    cairn_sip_str v;
    (void)state;
    assert_int_equal(
        ADDR("\"Mr. \\\"Watson\\\"\" <sip:watson@worcester.bell-telephone.com>;tag=1", false, &a),
        CAIRN_OK);
    assert_true(cairn_sip_str_eq(a.display, "Mr. \\\"Watson\\\""));
    assert_true(cairn_sip_str_eq(a.uri.host, "worcester.bell-telephone.com"));
    assert_int_equal(cairn_sip_param_get(a.params, "tag", &v), CAIRN_OK);
    assert_true(cairn_sip_str_eq(v, "1"));
    /* addr-spec: ;tag belongs to the header, not the URI. */
    assert_int_equal(ADDR("sip:+12125551212@server.phone2net.com;tag=887s", false, &a), CAIRN_OK);
    assert_int_equal(a.display.len, 0);
    assert_true(cairn_sip_str_eq(a.uri_text, "sip:+12125551212@server.phone2net.com"));
    assert_int_equal(a.uri.params.len, 0);
    assert_int_equal(cairn_sip_param_get(a.params, "tag", &v), CAIRN_OK);
    assert_true(cairn_sip_str_eq(v, "887s"));
    /* name-addr: URI parameters stay with the URI. */
    assert_int_equal(ADDR("Anonymous <sip:c8oqz84zk7z@privacy.org;lr>;tag=hyh8", false, &a),
                     CAIRN_OK);
    assert_true(cairn_sip_str_eq(a.display, "Anonymous"));
    assert_int_equal(cairn_sip_param_get(a.uri.params, "lr", &v), CAIRN_OK);
    assert_int_equal(v.len, 0);
    assert_int_equal(cairn_sip_param_get(a.params, "lr", &v), CAIRN_ERR_NOT_FOUND);
    assert_int_equal(ADDR("<tel:+15551234;phone-context=+1>", false, &a), CAIRN_OK);
    assert_int_equal(a.uri.scheme, CAIRN_SIP_SCHEME_TEL);
    /* Contact: * only when allowed. */
    assert_int_equal(ADDR("*", true, &a), CAIRN_OK);
    assert_true(a.star);
    assert_int_equal(ADDR("*", false, &a), CAIRN_ERR_DECODE);
    assert_int_equal(ADDR("<sip:a@b", false, &a), CAIRN_ERR_DECODE);
    assert_int_equal(ADDR("\"unterminated <sip:a@b>", false, &a), CAIRN_ERR_DECODE);
    assert_int_equal(ADDR("\"x\" sip:a@b", false, &a), CAIRN_ERR_DECODE);
    assert_int_equal(ADDR("<sip:a@b>;tag=\"open", false, &a), CAIRN_ERR_DECODE);
    assert_int_equal(ADDR("   ", false, &a), CAIRN_ERR_DECODE);
}

static void params_walk(void **state)
{
    cairn_sip_str cur = cairn_sip_str_of(" ; a = 1 ;flag; q=\"x;y\\\"z\" ;b=2"), n, v;
    (void)state;
    assert_int_equal(cairn_sip_param_next(&cur, &n, &v), CAIRN_OK);
    assert_true(cairn_sip_str_eq(n, "a") && cairn_sip_str_eq(v, "1"));
    assert_int_equal(cairn_sip_param_next(&cur, &n, &v), CAIRN_OK);
    assert_true(cairn_sip_str_eq(n, "flag") && v.len == 0);
    assert_int_equal(cairn_sip_param_next(&cur, &n, &v), CAIRN_OK);
    assert_true(cairn_sip_str_eq(v, "x;y\\\"z"));
    assert_int_equal(cairn_sip_param_next(&cur, &n, &v), CAIRN_OK);
    assert_true(cairn_sip_str_eq(n, "b"));
    assert_int_equal(cairn_sip_param_next(&cur, &n, &v), CAIRN_ERR_NOT_FOUND);
    cur = cairn_sip_str_of("junk;a=1");
    assert_int_equal(cairn_sip_param_next(&cur, &n, &v), CAIRN_ERR_DECODE);
    cur = cairn_sip_str_of(";a=\"x\\");
    assert_int_equal(cairn_sip_param_next(&cur, &n, &v), CAIRN_ERR_DECODE);
}

static void via_and_cseq(void **state)
{
    cairn_sip_via v;
    uint32_t n;
    cairn_sip_str m;
    const char *s;
    (void)state;
    s = "SIP / 2.0 / UDP first.example.com: 4000;ttl=16;maddr=224.2.0.1 "
        ";branch=z9hG4bKa7c6a8dlze.1";
    /* Liberal spaces around '/' are fine; a space before the port is not
     * part of hostport and is refused. */
    assert_int_equal(cairn_sip_via_parse(s, strlen(s), &v), CAIRN_ERR_DECODE);
    s = "SIP / 2.0 / UDP first.example.com:4000;ttl=16;maddr=224.2.0.1 ;branch=z9hG4bKa7c6a8dlze.1";
    assert_int_equal(cairn_sip_via_parse(s, strlen(s), &v), CAIRN_OK);
    assert_true(cairn_sip_str_eq(v.transport, "UDP"));
    assert_int_equal(v.port, 4000);
    assert_true(cairn_sip_str_eq(v.branch, "z9hG4bKa7c6a8dlze.1"));
    assert_false(v.has_rport);
    s = "SIP/2.0/TCP 10.0.0.1;rport;received=192.0.2.9";
    assert_int_equal(cairn_sip_via_parse(s, strlen(s), &v), CAIRN_OK);
    assert_true(v.has_rport);
    assert_int_equal(v.rport, 0);
    assert_int_equal(v.port, 0);
    s = "SIP/3.0/TCP h";
    assert_int_equal(cairn_sip_via_parse(s, strlen(s), &v), CAIRN_ERR_VERSION);
    s = "SIP/2.0/TCP h;rport=99999";
    assert_int_equal(cairn_sip_via_parse(s, strlen(s), &v), CAIRN_ERR_DECODE);
    s = "SIP/2.0 TCP h";
    assert_int_equal(cairn_sip_via_parse(s, strlen(s), &v), CAIRN_ERR_DECODE);
    s = "SIP/2.0/TCP";
    assert_int_equal(cairn_sip_via_parse(s, strlen(s), &v), CAIRN_ERR_DECODE);

    s = " 4711  INVITE ";
    assert_int_equal(cairn_sip_cseq_parse(s, strlen(s), &n, &m), CAIRN_OK);
    assert_int_equal(n, 4711);
    assert_true(cairn_sip_str_eq(m, "INVITE"));
    s = "2147483648 INVITE";
    assert_int_equal(cairn_sip_cseq_parse(s, strlen(s), &n, &m), CAIRN_ERR_DECODE);
    s = "12";
    assert_int_equal(cairn_sip_cseq_parse(s, strlen(s), &n, &m), CAIRN_ERR_DECODE);
    s = "x INVITE";
    assert_int_equal(cairn_sip_cseq_parse(s, strlen(s), &n, &m), CAIRN_ERR_DECODE);
    s = "1 IN VITE";
    assert_int_equal(cairn_sip_cseq_parse(s, strlen(s), &n, &m), CAIRN_ERR_DECODE);
}

static void addr_writer(void **state)
{
    cairn_context *ctx = cts_context();
    cairn__buf b;
    cairn_sip_addr a;
    (void)state;
    cairn__buf_init(&b, ctx, 1024);
    assert_int_equal(cairn_sip_addr_format(&b, "Alice \"A\" \\", "sip:alice@example.net", "t1"),
                     CAIRN_OK);
    assert_string_equal((char *)b.data, "\"Alice \\\"A\\\" \\\\\" <sip:alice@example.net>;tag=t1");
    /* What we write parses back. */
    assert_int_equal(cairn_sip_addr_parse((char *)b.data, b.len, false, &a), CAIRN_OK);
    assert_true(cairn_sip_str_eq(a.uri_text, "sip:alice@example.net"));
    b.len = 0;
    assert_int_equal(cairn_sip_addr_format(&b, NULL, "tel:+15551234", NULL), CAIRN_OK);
    assert_string_equal((char *)b.data, "<tel:+15551234>");
    b.len = 0;
    assert_int_equal(cairn_sip_addr_format(&b, "x\r\nVia: y", "sip:a@b", NULL),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_sip_addr_format(&b, NULL, "sip:a@b>", NULL), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_sip_addr_format(&b, NULL, "sip:a@b", "t;x"), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_sip_addr_format(&b, NULL, "http://x", NULL), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(b.len, 0);
    cairn__buf_free(&b);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uris),        cmocka_unit_test(addresses),
        cmocka_unit_test(params_walk), cmocka_unit_test(via_and_cseq),
        cmocka_unit_test(addr_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
