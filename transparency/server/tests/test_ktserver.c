/*
 * test_ktserver.c - unit tests of cairn-kt's request parsers
 * (spec/kt-api.md KT-API-5, KT-API-6, KT-API-11): publish bodies, the
 * HMAC header (round trip, wrong key, tampered body, skew), strict
 * decimals and monitoring maps, with hostile inputs and allocation
 * failures.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/ktserver.h"
#include "test_support.h"

static void test_publish_parse(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_kts_publish p;
    const char *why = NULL;
    const char *ok = "{\"updates\":[{\"label\":\"sip:a@x\",\"value_b64\":\"AAEC\"},"
                     "{\"label\":\"sip:a@x\",\"value_b64\":\"AQ==\"}]}";
    const char *bad[] = {
        "", "null", "{}", "{\"updates\":{}}", "{\"updates\":[]}",
        "{\"updates\":[1]}",
        "{\"updates\":[{\"label\":\"sip:a\"}]}",
        "{\"updates\":[{\"label\":\"sip:a\",\"value_b64\":\"AAE\"}]}",
        "{\"updates\":[{\"label\":\"sip:a\",\"value_b64\":\"AA==\",\"label\":\"x\"}]}",
        "{\"updates\":[{\"label\":\"\\u007f\",\"value_b64\":\"AA==\"}]}",
        "{\"updates\":[],\"x\":1}",
    };
    (void)state;
    assert_int_equal(cairn_kts_publish_parse(ctx, (const uint8_t *)ok, strlen(ok), &p, &why),
                     CAIRN_OK);
    assert_int_equal(p.n, 2);
    assert_int_equal(p.updates[0].label_len, 7);
    assert_int_equal(p.updates[0].value_len, 3);
    assert_int_equal(p.updates[1].value[0], 1);
    cairn_kts_publish_free(ctx, &p);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        assert_int_not_equal(cairn_kts_publish_parse(ctx, (const uint8_t *)bad[i],
                                                     strlen(bad[i]), &p, &why),
                             CAIRN_OK);
        assert_non_null(why);
    }
    /* Long label: 256 bytes rejected, 255 accepted. */
    {
        char body[1024], label[257];
        memset(label, 'a', 256);
        label[256] = 0;
        snprintf(body, sizeof body, "{\"updates\":[{\"label\":\"%s\",\"value_b64\":\"AA==\"}]}",
                 label);
        assert_int_not_equal(cairn_kts_publish_parse(ctx, (uint8_t *)body, strlen(body), &p, &why),
                             CAIRN_OK);
        label[255] = 0;
        snprintf(body, sizeof body, "{\"updates\":[{\"label\":\"%s\",\"value_b64\":\"AA==\"}]}",
                 label);
        assert_int_equal(cairn_kts_publish_parse(ctx, (uint8_t *)body, strlen(body), &p, &why),
                         CAIRN_OK);
        cairn_kts_publish_free(ctx, &p);
    }
    /* Allocation failures: an error, never a crash or leak. */
    for (long k = 0; k < 6; k++) {
        cts_fail_after(k);
        if (cairn_kts_publish_parse(ctx, (const uint8_t *)ok, strlen(ok), &p, &why) == CAIRN_OK)
            cairn_kts_publish_free(ctx, &p);
        cts_fail_after(-1);
    }
    cairn_context_destroy(ctx);
}

static void test_hmac(void **state)
{
    const uint8_t key[] = "0123456789abcdef0123";
    const uint8_t body[] = "{\"updates\":[]}";
    char h[160];
    int64_t now = 1700000000000;
    (void)state;
    assert_int_equal(cairn_kts_hmac_header(key, 20, body, sizeof body - 1, now, h, sizeof h),
                     CAIRN_OK);
    assert_int_equal(cairn_kts_hmac_check(key, 20, h, body, sizeof body - 1, now + 1000), CAIRN_OK);
    assert_int_equal(cairn_kts_hmac_check(key, 19, h, body, sizeof body - 1, now), CAIRN_ERR_AUTH);
    assert_int_equal(cairn_kts_hmac_check(key, 20, h, body, sizeof body - 2, now), CAIRN_ERR_AUTH);
    assert_int_equal(cairn_kts_hmac_check(key, 20, h, body, sizeof body - 1,
                                          now + CAIRN_KTS_HMAC_SKEW_MS + 1),
                     CAIRN_ERR_STALE);
    h[strlen(h) - 1] ^= 1;
    assert_int_not_equal(cairn_kts_hmac_check(key, 20, h, body, sizeof body - 1, now), CAIRN_OK);
    assert_int_equal(cairn_kts_hmac_check(key, 20, "t=,mac=", body, 1, now), CAIRN_ERR_DECODE);
    assert_int_equal(cairn_kts_hmac_check(key, 20, "mac=00", body, 1, now), CAIRN_ERR_DECODE);
}

static void test_numbers(void **state)
{
    uint64_t v, pos[4];
    uint32_t ver[4];
    size_t n = 0;
    (void)state;
    assert_int_equal(cairn_kts_parse_u64("0", &v), CAIRN_OK);
    assert_int_equal(v, 0);
    assert_int_equal(cairn_kts_parse_u64("18446744073709551615", &v), CAIRN_OK);
    assert_int_equal(cairn_kts_parse_u64("18446744073709551616", &v), CAIRN_ERR_DECODE);
    assert_int_equal(cairn_kts_parse_u64("01", &v), CAIRN_ERR_DECODE);
    assert_int_equal(cairn_kts_parse_u64("-1", &v), CAIRN_ERR_DECODE);
    assert_int_equal(cairn_kts_parse_u64("", &v), CAIRN_ERR_DECODE);
    assert_int_equal(cairn_kts_parse_entries("3:0,9:2", pos, ver, 4, &n), CAIRN_OK);
    assert_int_equal(n, 2);
    assert_int_equal(pos[1], 9);
    assert_int_equal(ver[1], 2);
    assert_int_not_equal(cairn_kts_parse_entries("9:0,3:2", pos, ver, 4, &n), CAIRN_OK);
    assert_int_not_equal(cairn_kts_parse_entries("3:0,", pos, ver, 4, &n), CAIRN_OK);
    assert_int_not_equal(cairn_kts_parse_entries("3:4294967296", pos, ver, 4, &n), CAIRN_OK);
    assert_int_equal(cairn_kts_parse_entries("1:0,2:0,3:0,4:0,5:0", pos, ver, 4, &n),
                     CAIRN_ERR_TOO_LARGE);
    assert_false(cairn_kts_label_ok((const uint8_t *)"a\nb", 3));
    assert_true(cairn_kts_label_ok((const uint8_t *)"sip:alice@example.org", 21));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_publish_parse),
        cmocka_unit_test(test_hmac),
        cmocka_unit_test(test_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
