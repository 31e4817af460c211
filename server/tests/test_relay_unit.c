/*
 * test_relay_unit.c - the relay's INI reader, identity parsers, key checks,
 * recipient lists, token buckets and map, in isolation, with hostile and
 * flipped-byte inputs (spec/relay-api.md RELAY-ID-*, RELAY-KEYS-5,
 * RELAY-FAN-1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "relay.h"
#include "test_support.h"

static cairn_context *ctx(void)
{
    static cairn_context *c;
    if (c == NULL)
        c = cts_context();
    return c;
}

static void test_config(void **state)
{
    relay_config c;
    char err[256];
    (void)state;
    relay__config_defaults(&c);
    assert_string_equal(c.https_listen, "127.0.0.1:8443");
    assert_int_equal(c.ttl_seconds, 2592000);
    const char *ok = "# comment\n; other\n[server]\n  domain = example.net  \r\n"
                     "[queue]\nttl_seconds=5\n[auth]\nrequire_registration_token = yes\n";
    assert_int_equal(relay__config_parse(&c, ok, strlen(ok), err, sizeof err), CAIRN_OK);
    assert_string_equal(c.domain, "example.net");
    assert_int_equal(c.ttl_seconds, 5);
    assert_true(c.require_registration_token);
    assert_int_equal(relay__config_finish(&c, err, sizeof err), CAIRN_OK);
    assert_string_equal(c.db_path, "cairn-relay-data/relay.db");
    const char *bad[] = {
        "[server]\ndomain = a\ndomain = b\n", /* repeated */
        "[server]\nnope = 1\n",               /* unknown key */
        "[nope]\n",                           /* unknown section */
        "domain = x\n",                       /* outside a section */
        "[queue]\nttl_seconds = 0\n",         /* out of range */
        "[queue]\nttl_seconds = 12x\n",       /* not a number */
        "[auth]\nrequire_registration_token = maybe\n",
        "[server]\ndomain\n",                 /* no '=' */
        "[server\n",                          /* bad header */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        relay__config_defaults(&c);
        assert_int_not_equal(relay__config_parse(&c, bad[i], strlen(bad[i]), err, sizeof err), CAIRN_OK);
        assert_non_null(strstr(err, "line "));
    }
    /* NUL inside, over-long line, over-long value */
    relay__config_defaults(&c);
    assert_int_not_equal(relay__config_parse(&c, "[server]\ndomain = a\0b\n", 21, err, sizeof err), CAIRN_OK);
    char *big = malloc(RELAY_CONFIG_MAX_LINE + 64);
    memset(big, 'a', RELAY_CONFIG_MAX_LINE + 63);
    memcpy(big, "[server]\ndomain = ", 18);
    big[RELAY_CONFIG_MAX_LINE + 63] = 0;
    assert_int_equal(relay__config_parse(&c, big, strlen(big), err, sizeof err), CAIRN_ERR_TOO_LARGE);
    free(big);
    relay__config_defaults(&c);
    snprintf(c.kt_url, sizeof c.kt_url, "ftp://x");
    assert_int_equal(relay__config_finish(&c, err, sizeof err), CAIRN_ERR_INVALID_ARG);
}

/* RELAY-ID-1..3 */
static void test_identities(void **state)
{
    char uri[RELAY_URI_MAX + 1], secret[RELAY_SECRET_MAX + 1];
    uint32_t dev;
    (void)state;
    assert_int_equal(relay__uri_normalize("sip:Bob@Example.ORG;transport=tls", 33, uri), CAIRN_OK);
    assert_string_equal(uri, "sip:Bob@example.org");
    assert_int_equal(relay__uri_normalize("SIPS:a@h:5061", 13, uri), CAIRN_OK);
    assert_string_equal(uri, "sips:a@h:5061");
    assert_int_equal(relay__uri_normalize("tel:+1-555", 10, uri), CAIRN_OK);
    assert_int_not_equal(relay__uri_normalize("mailto:a@b", 10, uri), CAIRN_OK);
    assert_int_not_equal(relay__uri_normalize("sip:a b@h", 9, uri), CAIRN_OK);
    assert_int_not_equal(relay__uri_normalize("sip:a|b@h", 9, uri), CAIRN_OK);
    assert_int_not_equal(relay__uri_normalize("sip:h", 5, uri), CAIRN_OK); /* no user */
    assert_int_equal(relay__authid_parse("sip:a@b.example.12", 18, uri, &dev), CAIRN_OK);
    assert_string_equal(uri, "sip:a@b.example");
    assert_int_equal(dev, 12);
    assert_int_not_equal(relay__authid_parse("sip:a@b.0", 9, uri, &dev), CAIRN_OK);
    assert_int_not_equal(relay__authid_parse("sip:a@b.01", 10, uri, &dev), CAIRN_OK);
    assert_int_not_equal(relay__authid_parse("sip:a@b.2147483648", 18, uri, &dev), CAIRN_OK);
    assert_int_not_equal(relay__authid_parse("sip:a@b", 7, uri, &dev), CAIRN_OK);
    /* Basic: "sip:a@b.1:secretsecretsecret" */
    char hdr[256], b64[200];
    const char *cred = "sip:a@b.1:0123456789abcdefXYZ";
    cairn__base64_encode(b64, (const uint8_t *)cred, strlen(cred));
    snprintf(hdr, sizeof hdr, "Basic %s", b64);
    assert_int_equal(relay__basic_parse(hdr, strlen(hdr), uri, &dev, secret), CAIRN_OK);
    assert_string_equal(uri, "sip:a@b");
    assert_int_equal(dev, 1);
    assert_string_equal(secret, "0123456789abcdefXYZ");
    hdr[10] ^= 1; /* flipped byte: wrong or undecodable, never a crash */
    if (relay__basic_parse(hdr, strlen(hdr), uri, &dev, secret) == CAIRN_OK)
        assert_true(relay__secret_valid(secret, strlen(secret)));
    assert_int_not_equal(relay__basic_parse("Bearer x", 8, uri, &dev, secret), CAIRN_OK);
    assert_int_not_equal(relay__basic_parse(hdr, 8, uri, &dev, secret), CAIRN_OK);
    assert_false(relay__secret_valid("short", 5));
    assert_false(relay__secret_valid("0123456789abcdef:", 17));
    assert_true(relay__secret_valid("0123456789abcdef", 16));
}

/* RELAY-KEYS-5: the PKB-5 point check */
static void test_pubkeys(void **state)
{
    uint8_t k[33] = {0x05, 9};
    (void)state;
    assert_true(relay__pubkey_valid(k, 33));
    assert_false(relay__pubkey_valid(k, 32));
    k[0] = 0x06;
    assert_false(relay__pubkey_valid(k, 33));
    k[0] = 0x05;
    memset(k + 1, 0, 32); /* u = 0: small order */
    assert_false(relay__pubkey_valid(k, 33));
    k[1] = 1; /* u = 1: small order */
    assert_false(relay__pubkey_valid(k, 33));
    memset(k + 1, 0xff, 32); /* top bit set */
    assert_false(relay__pubkey_valid(k, 33));
    k[32] = 0x7f;
    k[1] = 0xed; /* u = p: not canonical */
    assert_false(relay__pubkey_valid(k, 33));
}

/* RELAY-FAN-1 */
static void test_recipients(void **state)
{
    static relay_recipients out;
    (void)state;
    const char *body =
        "preamble\r\n--xyz\r\nContent-Type: application/resource-lists+xml\r\n"
        "Content-Disposition: recipient-list\r\n\r\n"
        "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><list>"
        "<entry uri=\"sip:A@Example.org\" copyControl=\"to\"/><entry uri=\"sip:A@example.org\"/>"
        "<entry uri=\"tel:+1\"/></list></resource-lists>\r\n"
        "--xyz\r\nContent-Type: message/cpim\r\n\r\nBODY\r\n--xyz--\r\n";
    assert_int_equal(relay__recipients_parse(ctx(), "multipart/mixed; boundary=\"xyz\"",
                                             (const uint8_t *)body, strlen(body), &out),
                     CAIRN_OK);
    assert_int_equal(out.n, 2);
    assert_string_equal(out.uri[0], "sip:A@example.org");
    assert_string_equal(out.uri[1], "tel:+1");
    assert_int_equal(out.body_len, 4);
    assert_memory_equal(out.body, "BODY", 4);
    assert_string_equal(out.content_type, "message/cpim");
    /* every truncation fails cleanly */
    for (size_t n = 0; n < strlen(body) - 10; n++)
        assert_int_not_equal(relay__recipients_parse(ctx(), "multipart/mixed;boundary=xyz",
                                                     (const uint8_t *)body, n, &out),
                             CAIRN_OK);
    /* no boundary, DOCTYPE, two payloads */
    assert_int_not_equal(relay__recipients_parse(ctx(), "multipart/mixed",
                                                 (const uint8_t *)body, strlen(body), &out), CAIRN_OK);
    const char *dt = "--b\r\nContent-Type: application/resource-lists+xml\r\n"
                     "Content-Disposition: recipient-list\r\n\r\n<!DOCTYPE x [<!ENTITY a \"b\">]>"
                     "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"/>\r\n"
                     "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--";
    assert_int_not_equal(relay__recipients_parse(ctx(), "multipart/mixed;boundary=b",
                                                 (const uint8_t *)dt, strlen(dt), &out), CAIRN_OK);
}

static void test_ratelimit_and_map(void **state)
{
    relay_ratelimit rl;
    relay_map m = {0};
    (void)state;
    assert_int_equal(relay__rl_init(&rl, ctx(), 1024, 10.0, 5.0), CAIRN_OK);
    int ok = 0;
    for (int i = 0; i < 20; i++)
        ok += relay__rl_take(&rl, "a", 1, 1000, 1.0);
    assert_int_equal(ok, 5); /* the burst */
    assert_true(relay__rl_take(&rl, "a", 1, 1100, 1.0)); /* 100 ms refilled one */
    assert_false(relay__rl_take(&rl, "a", 1, 1100, 1.0));
    assert_true(relay__rl_take(&rl, "b", 1, 1100, 1.0)); /* another key */
    relay__rl_free(&rl, ctx());
    for (uint64_t k = 1; k <= 5000; k++)
        assert_int_equal(relay__map_put(&m, ctx(), k, (void *)(uintptr_t)(k * 3)), CAIRN_OK);
    for (uint64_t k = 1; k <= 5000; k += 2)
        relay__map_del(&m, k);
    for (uint64_t k = 1; k <= 5000; k++)
        assert_ptr_equal(relay__map_get(&m, k), k % 2 ? NULL : (void *)(uintptr_t)(k * 3));
    assert_int_equal(m.count, 2500);
    assert_int_equal(relay__map_put(&m, ctx(), 0, NULL), CAIRN_ERR_INVALID_ARG);
    relay__map_free(&m, ctx());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config),      cmocka_unit_test(test_identities),
        cmocka_unit_test(test_pubkeys),     cmocka_unit_test(test_recipients),
        cmocka_unit_test(test_ratelimit_and_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
