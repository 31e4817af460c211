/*
 * test_sip_digest.c - Digest authentication (SIP-50..56): the RFC 7616
 * section 3.9.1 example (MD5 and SHA-256) and the RFC 2617 section 3.5
 * example as facts, client/server round trips in SIP, constant-time
 * verification refusing every flipped byte, and hostile header values.
 */
#include <string.h>

#include "base.h"
#include "cairn/sip.h"
#include "cairn/sip_digest.h"
#include "test_support.h"

/* RFC 7616 section 3.9.1 (facts copied from the RFC text). */
#define R7616_REALM "http-auth@example.org"
#define R7616_NONCE "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define R7616_OPAQUE "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
#define R7616_CNONCE "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
#define R7616_MD5 "8ca523f5e9506fed4657c9700eebdbec"
#define R7616_SHA256 "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"

static const char r7616_challenge_sha256[] =
    "Digest\r\n"
    "       realm=\"http-auth@example.org\",\r\n"
    "       qop=\"auth, auth-int\",\r\n"
    "       algorithm=SHA-256,\r\n"
    "       nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\r\n"
    "       opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";

/* Unfolds the RFC's multi-line layout the way the SIP parser would. */
static void unfold(const char *in, char *out)
{
    while (*in) {
        if (in[0] == '\r' && in[1] == '\n') {
            in += 2;
            *out++ = ' ';
            while (*in == ' ')
                in++;
            continue;
        }
        *out++ = *in++;
    }
    *out = 0;
}

static void rfc7616_client(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_sip_challenge ch;
    cairn_sip_credentials cr;
    cairn__buf b;
    char v[512];
    (void)state;

    unfold(r7616_challenge_sha256, v);
    assert_int_equal(cairn_sip_challenge_parse(v, strlen(v), &ch), CAIRN_OK);
    assert_int_equal(ch.alg, CAIRN_SIP_DIGEST_SHA256);
    assert_true(ch.qop_auth);
    assert_string_equal(ch.realm, R7616_REALM);
    assert_string_equal(ch.nonce, R7616_NONCE);
    assert_string_equal(ch.opaque, R7616_OPAQUE);

    cairn__buf_init(&b, ctx, 4096);
    assert_int_equal(cairn_sip_digest_authorize(ctx, &ch, "Mufasa", "Circle of Life", "GET",
                                                "/dir/index.html", R7616_CNONCE, 1, &b),
                     CAIRN_OK);
    assert_non_null(strstr((char *)b.data, "response=\"" R7616_SHA256 "\""));
    assert_non_null(strstr((char *)b.data, "nc=00000001"));
    assert_non_null(strstr((char *)b.data, "opaque=\"" R7616_OPAQUE "\""));
    /* The server side accepts what the client produced. */
    assert_int_equal(cairn_sip_credentials_parse((char *)b.data, b.len, &cr), CAIRN_OK);
    assert_string_equal(cr.response, R7616_SHA256);
    assert_string_equal(cr.uri, "/dir/index.html");
    b.len = 0;

    /* The same exchange with MD5. */
    ch.alg = CAIRN_SIP_DIGEST_MD5;
    assert_int_equal(cairn_sip_digest_authorize(ctx, &ch, "Mufasa", "Circle of Life", "GET",
                                                "/dir/index.html", R7616_CNONCE, 1, &b),
                     CAIRN_OK);
    assert_non_null(strstr((char *)b.data, "response=\"" R7616_MD5 "\""));
    assert_non_null(strstr((char *)b.data, "algorithm=MD5"));
    cairn__buf_free(&b);
    cairn_context_destroy(ctx);
}

/* The RFC 7616 Authorization header verified by the server code. */
static void rfc7616_server(void **state)
{
    static const char auth[] =
        "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", "
        "uri=\"/dir/index.html\", algorithm=SHA-256, "
        "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", nc=00000001, "
        "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", qop=auth, "
        "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\", "
        "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
    cairn_sip_credentials cr, bad;
    char ha1[CAIRN_SIP_DIGEST_HEX];
    size_t i;
    (void)state;
    assert_int_equal(cairn_sip_credentials_parse(auth, strlen(auth), &cr), CAIRN_OK);
    assert_string_equal(cr.username, "Mufasa");
    assert_int_equal(cr.alg, CAIRN_SIP_DIGEST_SHA256);
    assert_int_equal(
        cairn_sip_digest_ha1(CAIRN_SIP_DIGEST_SHA256, "Mufasa", R7616_REALM, "Circle of Life", ha1),
        CAIRN_OK);
    assert_int_equal(cairn_sip_digest_verify(&cr, "GET", R7616_REALM, R7616_NONCE, ha1), CAIRN_OK);
    /* Wrong method, realm, nonce or password: refused. */
    assert_int_equal(cairn_sip_digest_verify(&cr, "POST", R7616_REALM, R7616_NONCE, ha1),
                     CAIRN_ERR_AUTH);
    assert_int_equal(cairn_sip_digest_verify(&cr, "GET", "other", R7616_NONCE, ha1),
                     CAIRN_ERR_AUTH);
    assert_int_equal(cairn_sip_digest_verify(&cr, "GET", R7616_REALM, "other", ha1),
                     CAIRN_ERR_AUTH);
    assert_int_equal(
        cairn_sip_digest_ha1(CAIRN_SIP_DIGEST_SHA256, "Mufasa", R7616_REALM, "Circle of life", ha1),
        CAIRN_OK);
    assert_int_equal(cairn_sip_digest_verify(&cr, "GET", R7616_REALM, R7616_NONCE, ha1),
                     CAIRN_ERR_AUTH);
    assert_int_equal(
        cairn_sip_digest_ha1(CAIRN_SIP_DIGEST_SHA256, "Mufasa", R7616_REALM, "Circle of Life", ha1),
        CAIRN_OK);
    /* Every flipped response digit, cnonce or nc byte is refused. */
    for (i = 0; i < 64; i++) {
        bad = cr;
        bad.response[i] = bad.response[i] == '0' ? '1' : '0';
        assert_int_equal(cairn_sip_digest_verify(&bad, "GET", R7616_REALM, R7616_NONCE, ha1),
                         CAIRN_ERR_AUTH);
    }
    for (i = 0; i < strlen(cr.cnonce); i++) {
        bad = cr;
        bad.cnonce[i] ^= 1;
        assert_int_equal(cairn_sip_digest_verify(&bad, "GET", R7616_REALM, R7616_NONCE, ha1),
                         CAIRN_ERR_AUTH);
    }
    bad = cr;
    bad.nc[7] = '2';
    assert_int_equal(cairn_sip_digest_verify(&bad, "GET", R7616_REALM, R7616_NONCE, ha1),
                     CAIRN_ERR_AUTH);
    bad = cr;
    memcpy(bad.uri, "/dir/index.htm", 15);
    assert_int_equal(cairn_sip_digest_verify(&bad, "GET", R7616_REALM, R7616_NONCE, ha1),
                     CAIRN_ERR_AUTH);
    /* A stored HA1 for the wrong algorithm is an argument error. */
    assert_int_equal(cairn_sip_digest_verify(&cr, "GET", R7616_REALM, R7616_NONCE, "00"),
                     CAIRN_ERR_INVALID_ARG);
}

/* RFC 2617 section 3.5 (MD5, no algorithm named: MD5 is the default). */
static void rfc2617_example(void **state)
{
    static const char auth[] =
        "Digest username=\"Mufasa\",\trealm=\"testrealm@host.com\", "
        "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", "
        "qop=auth, nc=00000001, cnonce=\"0a4f113b\", "
        "response=\"6629FAE49393A05397450978507C4EF1\", "
        "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";
    cairn_sip_credentials cr;
    char ha1[CAIRN_SIP_DIGEST_HEX];
    (void)state;
    assert_int_equal(cairn_sip_credentials_parse(auth, strlen(auth), &cr), CAIRN_OK);
    assert_int_equal(cr.alg, CAIRN_SIP_DIGEST_MD5);
    /* Upper-case hex is read liberally and normalised. */
    assert_string_equal(cr.response, "6629fae49393a05397450978507c4ef1");
    assert_int_equal(cairn_sip_digest_ha1(CAIRN_SIP_DIGEST_MD5, "Mufasa", "testrealm@host.com",
                                          "Circle Of Life", ha1),
                     CAIRN_OK);
    assert_int_equal(cairn_sip_digest_verify(&cr, "GET", "testrealm@host.com",
                                             "dcd98b7102dd2f0e8b11d0f600bfb0c093", ha1),
                     CAIRN_OK);
}

/* A full SIP exchange: 401 with two challenges (SHA-256 first, RFC 8760
 * section 2.3), the UAC picks the topmost supported one, the registrar
 * verifies (SIP-52, SIP-53). */
static void sip_register_round_trip(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_sip_msg *resp = NULL, *parsed = NULL, *req = NULL;
    cairn_sip_challenge ch;
    cairn_sip_credentials cr;
    cairn__buf b, v;
    char ha1[CAIRN_SIP_DIGEST_HEX];
    (void)state;

    cairn__buf_init(&v, ctx, 1024);
    assert_int_equal(cairn_sip_msg_new_response(ctx, 401, NULL, &resp), CAIRN_OK);
    /* An unsupported algorithm first: skipped by the picker. */
    assert_int_equal(
        cairn_sip_msg_header_add(
            resp, "WWW-Authenticate",
            "Digest realm=\"ims.example.net\", nonce=\"n0\", algorithm=SHA-512-256, qop=\"auth\""),
        CAIRN_OK);
    assert_int_equal(cairn_sip_digest_challenge_format(&v, CAIRN_SIP_DIGEST_SHA256,
                                                       "ims.example.net", "bm9uY2Ux", "op", false),
                     CAIRN_OK);
    assert_int_equal(cairn_sip_msg_header_add(resp, "WWW-Authenticate", (char *)v.data), CAIRN_OK);
    v.len = 0;
    assert_int_equal(cairn_sip_digest_challenge_format(&v, CAIRN_SIP_DIGEST_MD5, "ims.example.net",
                                                       "bm9uY2Ux", NULL, true),
                     CAIRN_OK);
    assert_string_equal((char *)v.data, "Digest realm=\"ims.example.net\", nonce=\"bm9uY2Ux\", "
                                        "algorithm=MD5, qop=\"auth\", stale=true");
    assert_int_equal(cairn_sip_msg_header_add(resp, "WWW-Authenticate", (char *)v.data), CAIRN_OK);
    cairn__buf_init(&b, ctx, 8192);
    assert_int_equal(cairn_sip_msg_serialize(resp, &b), CAIRN_OK);
    assert_int_equal(cairn_sip_msg_parse(ctx, NULL, b.data, b.len, &parsed), CAIRN_OK);
    /* WWW-Authenticate is not a list header: commas stay inside. */
    assert_int_equal(cairn_sip_msg_header_count(parsed, "WWW-Authenticate"), 3);
    assert_int_equal(cairn_sip_msg_challenge(parsed, "WWW-Authenticate", &ch), CAIRN_OK);
    assert_int_equal(ch.alg, CAIRN_SIP_DIGEST_SHA256);
    assert_string_equal(ch.opaque, "op");
    assert_int_equal(cairn_sip_msg_challenge(parsed, "Proxy-Authenticate", &ch),
                     CAIRN_ERR_NOT_FOUND);
    assert_int_equal(cairn_sip_msg_challenge(parsed, "WWW-Authenticate", &ch), CAIRN_OK);

    /* UAC: REGISTER with Authorization (random cnonce). */
    v.len = 0;
    assert_int_equal(cairn_sip_digest_authorize(ctx, &ch, "+15551234@ims.example.net", "secret",
                                                "REGISTER", "sip:ims.example.net", NULL, 1, &v),
                     CAIRN_OK);
    assert_int_equal(cairn_sip_msg_new_request(ctx, "REGISTER", "sip:ims.example.net", &req),
                     CAIRN_OK);
    assert_int_equal(cairn_sip_msg_header_add(req, "Authorization", (char *)v.data), CAIRN_OK);

    /* Registrar. */
    assert_int_equal(
        cairn_sip_credentials_parse(cairn_sip_msg_header(req, "Authorization", 0),
                                    strlen(cairn_sip_msg_header(req, "Authorization", 0)), &cr),
        CAIRN_OK);
    assert_int_equal(strlen(cr.cnonce), 32);
    assert_int_equal(cairn_sip_digest_ha1(cr.alg, cr.username, cr.realm, "secret", ha1), CAIRN_OK);
    assert_int_equal(cairn_sip_digest_verify(&cr, "REGISTER", "ims.example.net", "bm9uY2Ux", ha1),
                     CAIRN_OK);
    assert_int_equal(cairn_sip_digest_verify(&cr, "INVITE", "ims.example.net", "bm9uY2Ux", ha1),
                     CAIRN_ERR_AUTH);

    cairn__buf_free(&b);
    cairn__buf_free(&v);
    cairn_sip_msg_free(resp);
    cairn_sip_msg_free(parsed);
    cairn_sip_msg_free(req);
    assert_int_equal(cts_live_allocations(), 1);
    cairn_context_destroy(ctx);
}

#define CH(s, want)                                                                                \
    do {                                                                                           \
        cairn_sip_challenge c_;                                                                    \
        assert_int_equal(cairn_sip_challenge_parse(s, strlen(s), &c_), want);                      \
    } while (0)
#define CR(s, want)                                                                                \
    do {                                                                                           \
        cairn_sip_credentials c_;                                                                  \
        assert_int_equal(cairn_sip_credentials_parse(s, strlen(s), &c_), want);                    \
    } while (0)

static void hostile_headers(void **state)
{
    char big[600];
    (void)state;
    CH("", CAIRN_ERR_DECODE);
    CH("Basic realm=\"x\"", CAIRN_ERR_DECODE);
    CH("Digest", CAIRN_ERR_DECODE);
    CH("Digest realm=\"x\"", CAIRN_ERR_DECODE);
    CH("Digest nonce=\"x\"", CAIRN_ERR_DECODE);
    CH("Digest realm=\"x\", nonce=\"n\", realm=\"y\"", CAIRN_ERR_DECODE);
    CH("Digest realm=\"x, nonce=\"n\"", CAIRN_ERR_DECODE);
    CH("Digest realm=\"x\" nonce=\"n\"", CAIRN_ERR_DECODE);
    CH("Digest realm=\"x\", nonce=\"n\", algorithm=MD5-sess", CAIRN_ERR_UNSUPPORTED);
    CH("Digest realm=\"x\", nonce=\"n\", algorithm=SHA-512-256", CAIRN_ERR_UNSUPPORTED);
    CH("Digest realm=\"x\", nonce=\"n\", qop=\"auth-int\"", CAIRN_ERR_UNSUPPORTED);
    /* Liberal: case, spacing, empty elements, unknown params. */
    CH("digest  REALM = \"x\" ,, Nonce=n , algorithm=sha-256, foo=bar", CAIRN_OK);
    memset(big, 'a', sizeof(big));
    memcpy(big, "Digest realm=\"x\", nonce=\"", 25);
    memcpy(big + sizeof(big) - 2, "\"", 2);
    CH(big, CAIRN_ERR_TOO_LARGE);
    CR("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"0123\"",
       CAIRN_ERR_DECODE);
    CR("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", "
       "response=\"0123456789abcdef0123456789abcdeg\"",
       CAIRN_ERR_DECODE);
    CR("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", "
       "response=\"0123456789abcdef0123456789abcdef\"",
       CAIRN_OK);
    CR("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", qop=auth, "
       "response=\"0123456789abcdef0123456789abcdef\"",
       CAIRN_ERR_DECODE); /* qop without cnonce/nc */
    CR("Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", qop=auth-int, nc=00000001, "
       "cnonce=\"c\", response=\"0123456789abcdef0123456789abcdef\"",
       CAIRN_ERR_UNSUPPORTED);
    CR("Digest username=\"u\", username=\"v\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", "
       "response=\"0123456789abcdef0123456789abcdef\"",
       CAIRN_ERR_DECODE);
    CR("Digest username=\"u\\\"q\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", "
       "response=\"0123456789abcdef0123456789abcdef\"",
       CAIRN_OK);
}

static void client_refuses_bad_input(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_sip_challenge ch;
    cairn__buf b;
    (void)state;
    memset(&ch, 0, sizeof(ch));
    ch.alg = CAIRN_SIP_DIGEST_SHA256;
    ch.qop_auth = true;
    strcpy(ch.realm, "r");
    strcpy(ch.nonce, "n");
    cairn__buf_init(&b, ctx, 4096);
    assert_int_equal(
        cairn_sip_digest_authorize(ctx, &ch, "u\"", "p", "REGISTER", "sip:x", NULL, 1, &b),
        CAIRN_ERR_INVALID_ARG);
    assert_int_equal(
        cairn_sip_digest_authorize(ctx, &ch, "u", "p", "REGISTER", "sip:x\r\n", NULL, 1, &b),
        CAIRN_ERR_INVALID_ARG);
    assert_int_equal(
        cairn_sip_digest_authorize(ctx, &ch, "u", "p", "REGISTER", "sip:x", NULL, 0, &b),
        CAIRN_ERR_INVALID_ARG);
    assert_int_equal(
        cairn_sip_digest_challenge_format(&b, CAIRN_SIP_DIGEST_MD5, "r\"", "n", NULL, false),
        CAIRN_ERR_INVALID_ARG);
    assert_int_equal(b.len, 0);
    /* RFC 2069 form when the challenge has no qop. */
    ch.qop_auth = false;
    assert_int_equal(
        cairn_sip_digest_authorize(ctx, &ch, "u", "p", "REGISTER", "sip:x", NULL, 0, &b), CAIRN_OK);
    assert_null(strstr((char *)b.data, "qop"));
    cairn__buf_free(&b);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc7616_client),  cmocka_unit_test(rfc7616_server),
        cmocka_unit_test(rfc2617_example), cmocka_unit_test(sip_register_round_trip),
        cmocka_unit_test(hostile_headers), cmocka_unit_test(client_refuses_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
