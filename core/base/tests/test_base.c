/*
 * test_base.c - the base utilities: status table, bounded buffer and
 * reader, encodings, allocation failure, context config validation.
 */
#include <string.h>

#include "base.h"
#include "cairn/version.h"
#include "test_support.h"

static void status_strings_are_unique_and_named(void **state)
{
    (void)state;
    assert_string_equal(cairn_strerror(CAIRN_OK), "success");
    assert_string_equal(cairn_status_name(CAIRN_ERR_NOMEM), "CAIRN_ERR_NOMEM");
    assert_string_equal(cairn_strerror((cairn_status)9999), "unknown status");
    /* Codes are pinned: renumbering would break stored app data. */
    assert_int_equal(CAIRN_ERR_IDENTITY_CHANGED, 14);
    assert_int_equal(CAIRN_ERR_DUPLICATE, 15);
    assert_true(cairn_version_number() == CAIRN_VERSION_NUMBER);
    assert_string_equal(cairn_version_string(), CAIRN_VERSION_STRING);
}

static void buf_respects_limit(void **state)
{
    cairn_context *ctx = cts_context();
    cairn__buf b;
    uint8_t *out;
    size_t len;
    (void)state;
    cairn__buf_init(&b, ctx, 8);
    assert_int_equal(cairn__buf_append(&b, "abcd", 4), CAIRN_OK);
    assert_int_equal(cairn__buf_append_u32be(&b, 0x01020304), CAIRN_OK);
    assert_int_equal(cairn__buf_append_u8(&b, 1), CAIRN_ERR_TOO_LARGE);
    assert_int_equal(b.len, 8);
    assert_int_equal(cairn__buf_take(&b, &out, &len), CAIRN_OK);
    assert_int_equal(len, 8);
    assert_memory_equal(out, "abcd\x01\x02\x03\x04", 8);
    cairn__free(ctx, out);
    cairn__buf_init(&b, ctx, 100);
    assert_int_equal(cairn__buf_printf(&b, "%d-%s", 42, "x"), CAIRN_OK);
    assert_string_equal((char *)b.data, "42-x");
    cairn__buf_free(&b);
    assert_int_equal(cts_live_allocations(), 1); /* the context itself */
    cairn_context_destroy(ctx);
}

/* A buffer with no limit (SIZE_MAX) must not wrap its capacity. */
static void buf_without_limit(void **state)
{
    cairn_context *ctx = cts_context();
    cairn__buf b;
    (void)state;
    cairn__buf_init(&b, ctx, SIZE_MAX);
    for (int i = 0; i < 100; i++)
        assert_int_equal(cairn__buf_append(&b, "0123456789", 10), CAIRN_OK);
    assert_int_equal(b.len, 1000);
    assert_int_equal(cairn__buf_reserve(&b, SIZE_MAX - 1000), CAIRN_ERR_TOO_LARGE);
    assert_int_equal(cairn__buf_reserve(&b, SIZE_MAX), CAIRN_ERR_TOO_LARGE);
    cairn__buf_free(&b);
    cairn_context_destroy(ctx);
}

static void buf_reports_nomem(void **state)
{
    cairn_context *ctx = cts_context();
    cairn__buf b;
    (void)state;
    cairn__buf_init(&b, ctx, 1000);
    cts_fail_after(0);
    assert_int_equal(cairn__buf_append(&b, "x", 1), CAIRN_ERR_NOMEM);
    cts_fail_after(-1);
    assert_int_equal(b.len, 0);
    cairn__buf_free(&b);
    cairn_context_destroy(ctx);
}

static void reader_is_bounded(void **state)
{
    static const uint8_t in[] = {1, 2, 3, 4, 5};
    cairn__reader r;
    (void)state;
    cairn__reader_init(&r, in, sizeof(in));
    assert_int_equal(cairn__read_u16be(&r), 0x0102);
    assert_int_equal(cairn__read_u24be(&r), 0x030405);
    assert_false(r.err);
    assert_int_equal(cairn__read_u8(&r), 0);
    assert_true(r.err);
    assert_null(cairn__read_bytes(&r, 0));
    assert_int_equal(cairn__reader_left(&r), 0);
    cairn__reader_init(&r, in, sizeof(in));
    assert_null(cairn__read_bytes(&r, SIZE_MAX));
    assert_true(r.err);
}

static void hex_and_base64(void **state)
{
    uint8_t out[8];
    char text[32];
    size_t n;
    (void)state;
    cairn__hex_encode(text, (const uint8_t *)"\x00\xff\x10", 3);
    assert_string_equal(text, "00ff10");
    assert_int_equal(cairn__hex_decode(out, sizeof(out), &n, "00FF10", 6), CAIRN_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(out, "\x00\xff\x10", 3);
    assert_int_equal(cairn__hex_decode(out, sizeof(out), &n, "0g", 2), CAIRN_ERR_DECODE);
    assert_int_equal(cairn__hex_decode(out, sizeof(out), &n, "abc", 3), CAIRN_ERR_DECODE);
    assert_int_equal(cairn__hex_decode(out, 1, &n, "abcd", 4), CAIRN_ERR_TOO_LARGE);
    /* RFC 4648 section 10 */
    cairn__base64_encode(text, (const uint8_t *)"foobar", 6);
    assert_string_equal(text, "Zm9vYmFy");
    cairn__base64_encode(text, (const uint8_t *)"fo", 2);
    assert_string_equal(text, "Zm8=");
    assert_int_equal(cairn__base64_decode(out, sizeof(out), &n, "Zm8=", 4), CAIRN_OK);
    assert_int_equal(n, 2);
    assert_int_not_equal(cairn__base64_decode(out, sizeof(out), &n, "Zm8", 3), CAIRN_OK);
    assert_int_not_equal(cairn__base64_decode(out, sizeof(out), &n, "Zm8=!", 5), CAIRN_OK);
    assert_int_not_equal(cairn__base64_decode(out, 2, &n, "Zm9vYmFy", 8), CAIRN_OK);
    /* bytes outside the alphabet, which libsodium alone lets through */
    assert_int_equal(cairn__base64_decode(out, sizeof(out), &n, "Zm9v\xd1\xa6", 6), CAIRN_ERR_DECODE);
    assert_int_equal(cairn__base64_decode(out, sizeof(out), &n, "Zm 9v", 5), CAIRN_ERR_DECODE);
}

static void context_rejects_bad_config(void **state)
{
    cairn_context_config cfg;
    cairn_context *ctx = NULL;
    (void)state;
    cairn_context_config_init(&cfg);
    cfg.size = 3;
    assert_int_equal(cairn_context_create(&cfg, &ctx), CAIRN_ERR_INVALID_ARG);
    assert_null(ctx);
    cairn_context_config_init(&cfg);
    /* alloc without free and vice versa is refused */
    cfg.free = (void (*)(void *, void *))0x1;
    assert_int_equal(cairn_context_create(&cfg, &ctx), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_context_create(NULL, &ctx), CAIRN_OK);
    cairn_context_destroy(ctx);
    cairn_context_destroy(NULL);
    cairn_free(NULL, NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_strings_are_unique_and_named),
        cmocka_unit_test(buf_respects_limit),
        cmocka_unit_test(buf_reports_nomem),
        cmocka_unit_test(buf_without_limit),
        cmocka_unit_test(reader_is_bounded),
        cmocka_unit_test(hex_and_base64),
        cmocka_unit_test(context_rejects_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
