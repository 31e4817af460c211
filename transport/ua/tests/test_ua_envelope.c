/*
 * test_ua_envelope.c - the Cairn CPIM envelope (BIND-ENV-1..9): round
 * trips for 1:1 and group types, the plaintext-IMDN interop option, a
 * foreign prefix bound to urn:cairn:params, and refusal of every extra
 * clear header, missing/repeated/misplaced field, wrong inner type,
 * truncation and flipped bytes; allocation failures.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/ua_envelope.h"
#include "test_support.h"

static const uint8_t ct[] = {0x33, 0x0a, 0x21, 0x05, 0xff, 0x00, 0x10, 0x0d, 0x0a, 0x2d};

static cairn_ua_envelope base(void)
{
    cairn_ua_envelope e;
    memset(&e, 0, sizeof(e));
    e.from = "sip:alice@cairn.test";
    e.to = "sip:bob@cairn.test";
    e.datetime_ms = 1700000000123;
    e.message_id = "Msg-0001";
    e.disposition = "positive-delivery, display";
    e.type = CAIRN_UA_ENV_PREKEY;
    e.ciphertext = ct;
    e.len = sizeof(ct);
    return e;
}

static cairn_status parse_str(cairn_context *ctx, const char *s, const cairn_ua_envelope **v,
                              cairn_ua_envelope_parsed **p)
{
    return cairn_ua_envelope_parse(ctx, (const uint8_t *)s, strlen(s), p, v);
}

/* BIND-ENV-1..4: what is in the clear, and nothing else. */
static void test_roundtrip(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_ua_envelope e = base();
    uint8_t *out;
    size_t len;
    cairn_ua_envelope_parsed *p;
    const cairn_ua_envelope *v;
    (void)state;

    assert_int_equal(cairn_ua_envelope_build(ctx, &e, false, &out, &len), CAIRN_OK);
    assert_non_null(memmem(out, len, "NS: cairn <urn:cairn:params>", 28));
    assert_non_null(memmem(out, len, "cairn.Type: prekey", 18));
    assert_non_null(memmem(out, len, "imdn.Message-ID: Msg-0001", 25));
    assert_null(memmem(out, len, "Disposition-Notification", 24)); /* BIND-ENV-4 */
    assert_null(memmem(out, len, "cairn.Device", 12));
    assert_non_null(memmem(out, len, "Content-Type: application/vnd.cairn.signal", 42));
    assert_int_equal(cairn_ua_envelope_parse(ctx, out, len, &p, &v), CAIRN_OK);
    assert_string_equal(v->from, "sip:alice@cairn.test");
    assert_string_equal(v->to, "sip:bob@cairn.test");
    assert_string_equal(v->message_id, "Msg-0001");
    assert_null(v->disposition);
    assert_int_equal(v->type, CAIRN_UA_ENV_PREKEY);
    assert_int_equal(v->datetime_ms, 1700000000000);
    assert_int_equal(v->len, sizeof(ct));
    assert_memory_equal(v->ciphertext, ct, sizeof(ct));
    cairn_ua_envelope_free(p);
    cairn_free(ctx, out, len);

    /* interop option: disposition in the clear */
    assert_int_equal(cairn_ua_envelope_build(ctx, &e, true, &out, &len), CAIRN_OK);
    assert_int_equal(cairn_ua_envelope_parse(ctx, out, len, &p, &v), CAIRN_OK);
    assert_string_equal(v->disposition, "positive-delivery, display");
    cairn_ua_envelope_free(p);
    cairn_free(ctx, out, len);

    /* group message: Device and Group */
    e.type = CAIRN_UA_ENV_SENDER_KEY;
    e.device = 7;
    e.group = "g_4f2a9c";
    e.to = "sip:group-4f2a9c@conf.cairn.test";
    assert_int_equal(cairn_ua_envelope_build(ctx, &e, false, &out, &len), CAIRN_OK);
    assert_int_equal(cairn_ua_envelope_parse(ctx, out, len, &p, &v), CAIRN_OK);
    assert_int_equal(v->type, CAIRN_UA_ENV_SENDER_KEY);
    assert_int_equal(v->device, 7);
    assert_string_equal(v->group, "g_4f2a9c");
    cairn_ua_envelope_free(p);
    /* truncated and flipped copies never parse into something else */
    for (size_t cut = 0; cut < len; cut += 7) {
        if (cairn_ua_envelope_parse(ctx, out, cut, &p, &v) == CAIRN_OK) {
            /* only a shorter ciphertext could survive a cut; never here
             * because Content-Length pins the body */
            fail();
        }
    }
    for (size_t i = 0; i < len - sizeof(ct); i += 3) {
        out[i] ^= 0x20;
        if (cairn_ua_envelope_parse(ctx, out, len, &p, &v) == CAIRN_OK) {
            /* a case flip in a case-insensitive name may still parse:
             * the result must then be the same envelope */
            assert_int_equal(v->len, sizeof(ct));
            assert_memory_equal(v->ciphertext, ct, sizeof(ct));
            cairn_ua_envelope_free(p);
        }
        out[i] ^= 0x20;
    }
    cairn_free(ctx, out, len);
    cairn_context_destroy(ctx);
}

static void test_build_refuses(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_ua_envelope e;
    uint8_t *out;
    size_t len;
    (void)state;

    e = base();
    e.group = "g1"; /* group id on a 1:1 type */
    assert_int_equal(cairn_ua_envelope_build(ctx, &e, false, &out, &len), CAIRN_ERR_INVALID_ARG);
    e = base();
    e.type = CAIRN_UA_ENV_DISTRIBUTION; /* group type without group */
    assert_int_equal(cairn_ua_envelope_build(ctx, &e, false, &out, &len), CAIRN_ERR_INVALID_ARG);
    e.group = "g1"; /* ...and without device */
    assert_int_equal(cairn_ua_envelope_build(ctx, &e, false, &out, &len), CAIRN_ERR_INVALID_ARG);
    e = base();
    e.message_id = "has space";
    assert_int_equal(cairn_ua_envelope_build(ctx, &e, false, &out, &len), CAIRN_ERR_INVALID_ARG);
    e = base();
    e.from = "sip:alice@x>\r\nSubject: leak";
    assert_int_equal(cairn_ua_envelope_build(ctx, &e, false, &out, &len), CAIRN_ERR_INVALID_ARG);
    e = base();
    e.type = 9;
    assert_int_equal(cairn_ua_envelope_build(ctx, &e, false, &out, &len), CAIRN_ERR_INVALID_ARG);
    e = base();
    e.len = 0;
    assert_int_equal(cairn_ua_envelope_build(ctx, &e, false, &out, &len), CAIRN_ERR_INVALID_ARG);
    e = base();
    e.disposition = "x\r\ny";
    assert_int_equal(cairn_ua_envelope_build(ctx, &e, true, &out, &len), CAIRN_ERR_INVALID_ARG);
    /* allocation failures */
    e = base();
    for (long n = 0; n < 6; n++) {
        cts_fail_after(n);
        cairn_status st = cairn_ua_envelope_build(ctx, &e, false, &out, &len);
        cts_fail_after(-1);
        if (st == CAIRN_OK)
            cairn_free(ctx, out, len);
        else
            assert_int_equal(st, CAIRN_ERR_NOMEM);
    }
    cairn_context_destroy(ctx);
}

#define HDR                                                                                        \
    "From: <sip:alice@cairn.test>\r\nTo: <sip:bob@cairn.test>\r\n"                                 \
    "DateTime: 2024-01-02T03:04:05.000Z\r\n"
#define NSI "NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: m1\r\n"
#define BODY "\r\nContent-Type: application/vnd.cairn.signal\r\nContent-Length: 3\r\n\r\nabc"

/* BIND-ENV-7..9: strict parsing. */
static void test_parse_refuses(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_ua_envelope_parsed *p;
    const cairn_ua_envelope *v;
    static const char *bad[] = {
        /* Subject in the clear */
        HDR "Subject: hi\r\n" NSI "NS: cairn <urn:cairn:params>\r\ncairn.Type: normal\r\n" BODY,
        /* unknown namespace */
        HDR NSI "NS: cairn <urn:cairn:params>\r\nNS: x <urn:other>\r\ncairn.Type: normal\r\n" BODY,
        /* no cairn namespace */
        HDR NSI "cairn.Type: normal\r\n" BODY,
        /* Type missing / unknown / repeated */
        HDR NSI "NS: cairn <urn:cairn:params>\r\n" BODY,
        HDR NSI "NS: cairn <urn:cairn:params>\r\ncairn.Type: plaintext\r\n" BODY,
        HDR NSI "NS: cairn <urn:cairn:params>\r\ncairn.Type: normal\r\ncairn.Type: normal\r\n" BODY,
        /* group fields on 1:1, missing on group, bad device */
        HDR NSI "NS: cairn <urn:cairn:params>\r\ncairn.Type: normal\r\ncairn.Group: g\r\n" BODY,
        HDR NSI "NS: cairn <urn:cairn:params>\r\ncairn.Type: sender-key\r\ncairn.Group: g\r\n" BODY,
        HDR NSI "NS: cairn <urn:cairn:params>\r\ncairn.Type: sender-key\r\ncairn.Device: 0\r\n"
                "cairn.Group: g\r\n" BODY,
        HDR NSI
        "NS: cairn <urn:cairn:params>\r\ncairn.Type: sender-key\r\ncairn.Device: 99999999999\r\n"
        "cairn.Group: g\r\n" BODY,
        /* unknown cairn header */
        HDR NSI "NS: cairn <urn:cairn:params>\r\ncairn.Type: normal\r\ncairn.Note: x\r\n" BODY,
        /* wrong inner type */
        HDR NSI "NS: cairn <urn:cairn:params>\r\ncairn.Type: normal\r\n\r\n"
                "Content-Type: text/plain\r\nContent-Length: 3\r\n\r\nabc",
        /* extra MIME header */
        HDR NSI "NS: cairn <urn:cairn:params>\r\ncairn.Type: normal\r\n\r\n"
                "Content-Type: application/vnd.cairn.signal\r\nContent-ID: <x>\r\n"
                "Content-Length: 3\r\n\r\nabc",
        /* no Message-ID */
        HDR "NS: cairn <urn:cairn:params>\r\ncairn.Type: normal\r\n" BODY,
        /* From not a SIP URI */
        "From: <http://evil>\r\nTo: <sip:bob@cairn.test>\r\nDateTime: 2024-01-02T03:04:05Z\r\n" NSI
        "NS: cairn <urn:cairn:params>\r\ncairn.Type: normal\r\n" BODY,
        /* empty ciphertext */
        HDR NSI "NS: cairn <urn:cairn:params>\r\ncairn.Type: normal\r\n\r\n"
                "Content-Type: application/vnd.cairn.signal\r\nContent-Length: 0\r\n\r\n",
        "",
        "\x00\x01\x02",
    };
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cairn_status st = parse_str(ctx, bad[i], &v, &p);
        if (st == CAIRN_OK)
            print_error("accepted bad envelope %zu\n", i);
        assert_int_not_equal(st, CAIRN_OK);
        assert_null(v);
    }
    /* any prefix bound to the cairn URI is fine */
    assert_int_equal(
        parse_str(ctx, HDR NSI "NS: cx <urn:cairn:params>\r\ncx.Type: normal\r\n" BODY, &v, &p),
        CAIRN_OK);
    assert_int_equal(v->type, CAIRN_UA_ENV_NORMAL);
    assert_int_equal(v->len, 3);
    cairn_ua_envelope_free(p);
    cairn_ua_envelope_free(NULL);
    cairn_context_destroy(ctx);
    assert_int_equal(cts_live_allocations(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_build_refuses),
        cmocka_unit_test(test_parse_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
