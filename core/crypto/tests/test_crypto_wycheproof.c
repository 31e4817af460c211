/*
 * test_crypto_wycheproof.c - the internal API (cairn__aes_cbc_*,
 * cairn__hmac_sha256, cairn__hkdf_sha256) against the Wycheproof vectors:
 * valid cases must match exactly in both directions, invalid ones must be
 * refused. Each test counts the cases it ran so an empty or missing file
 * cannot pass silently; absent vectors skip with a message.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "test_support.h"
#include "wycheproof.h"

typedef struct tally {
    cairn_context *ctx;
    size_t valid;
    size_t invalid;
} tally;

static void cbc_case(const json_t *group, const json_t *test, void *arg)
{
    tally *t = arg;
    size_t key_len, iv_len, msg_len, ct_len, out_len;
    uint8_t *key = wp_hex(test, "key", &key_len);
    uint8_t *iv = wp_hex(test, "iv", &iv_len);
    uint8_t *msg = wp_hex(test, "msg", &msg_len);
    uint8_t *ct = wp_hex(test, "ct", &ct_len);
    uint8_t *out = NULL;
    cairn_status st;

    assert_int_equal(key_len * 8, wp_int(group, "keySize"));
    assert_int_equal(iv_len, 16);
    st = cairn__aes_cbc_decrypt(t->ctx, key, key_len, iv, ct, ct_len, &out,
                                &out_len);
    if (wp_valid(test)) {
        if (st != CAIRN_OK)
            fail_msg("tcId %ld: valid ciphertext refused: %s", wp_id(test),
                     cairn_status_name(st));
        assert_int_equal(out_len, msg_len);
        assert_memory_equal(out, msg, msg_len);
        cairn__free_secret(t->ctx, out, out_len);
        out = NULL;
        assert_int_equal(cairn__aes_cbc_encrypt(t->ctx, key, key_len, iv, msg,
                                                msg_len, &out, &out_len),
                         CAIRN_OK);
        assert_int_equal(out_len, ct_len);
        assert_memory_equal(out, ct, ct_len);
        cairn__free_secret(t->ctx, out, out_len);
        t->valid++;
    } else {
        if (st != CAIRN_ERR_INVALID_MESSAGE)
            fail_msg("tcId %ld: invalid ciphertext gave %s", wp_id(test),
                     cairn_status_name(st));
        assert_null(out);
        assert_int_equal(out_len, 0);
        t->invalid++;
    }
    free(key);
    free(iv);
    free(msg);
    free(ct);
}

static void aes_cbc_pkcs5(void **state)
{
    const char *path = CTS_VECTOR_OR_SKIP("wycheproof/aes_cbc_pkcs5_test.json");
    size_t n;
    tally t = {cts_context(), 0, 0};
    (void)state;
    assert_non_null(t.ctx);
    n = wp_for_each(path, cbc_case, &t);
    assert_int_equal(n, t.valid + t.invalid);
    assert_true(t.valid > 0);
    assert_true(t.invalid > 0);
    assert_int_equal(cts_live_allocations(), 1);
    cairn_context_destroy(t.ctx);
}

static void hmac_case(const json_t *group, const json_t *test, void *arg)
{
    tally *t = arg;
    size_t key_len, msg_len;
    uint8_t *key = wp_hex(test, "key", &key_len);
    uint8_t *msg = wp_hex(test, "msg", &msg_len);
    uint8_t mac[32];

    assert_int_equal(key_len * 8, wp_int(group, "keySize"));
    assert_int_equal(cairn__hmac_sha256(key, key_len, msg, msg_len, mac),
                     CAIRN_OK);
    wp_check_mac(group, test, mac, &t->valid, &t->invalid);
    free(key);
    free(msg);
}

static void hmac_sha256(void **state)
{
    const char *path = CTS_VECTOR_OR_SKIP("wycheproof/hmac_sha256_test.json");
    size_t n;
    tally t = {NULL, 0, 0};
    (void)state;
    n = wp_for_each(path, hmac_case, &t);
    assert_int_equal(n, t.valid + t.invalid);
    assert_true(t.valid > 0);
    assert_true(t.invalid > 0);
}

static void hkdf_case(const json_t *group, const json_t *test, void *arg)
{
    tally *t = arg;
    size_t ikm_len, salt_len, info_len, okm_len;
    uint8_t *ikm = wp_hex(test, "ikm", &ikm_len);
    uint8_t *salt = wp_hex(test, "salt", &salt_len);
    uint8_t *info = wp_hex(test, "info", &info_len);
    uint8_t *okm = wp_hex(test, "okm", &okm_len);
    size_t size = (size_t)wp_int(test, "size");
    uint8_t *out = malloc(size + 1);
    cairn_status st;

    (void)group;
    assert_non_null(out);
    memset(out, 0xa5, size + 1);
    st = cairn__hkdf_sha256(salt, salt_len, ikm, ikm_len, info, info_len, out,
                            size);
    if (wp_valid(test)) {
        if (st != CAIRN_OK)
            fail_msg("tcId %ld: %s", wp_id(test), cairn_status_name(st));
        assert_int_equal(okm_len, size);
        assert_memory_equal(out, okm, size);
        assert_int_equal(out[size], 0xa5); /* nothing past out_len */
        t->valid++;
    } else {
        assert_int_equal(st, CAIRN_ERR_INVALID_ARG);
        /* Refused before writing anything. */
        assert_int_equal(out[0], 0xa5);
        assert_int_equal(out[size - 1], 0xa5);
        t->invalid++;
    }
    free(out);
    free(ikm);
    free(salt);
    free(info);
    free(okm);
}

static void hkdf_sha256(void **state)
{
    const char *path = CTS_VECTOR_OR_SKIP("wycheproof/hkdf_sha256_test.json");
    size_t n;
    tally t = {NULL, 0, 0};
    (void)state;
    n = wp_for_each(path, hkdf_case, &t);
    assert_int_equal(n, t.valid + t.invalid);
    assert_true(t.valid > 0);
    assert_true(t.invalid > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(aes_cbc_pkcs5),
        cmocka_unit_test(hmac_sha256),
        cmocka_unit_test(hkdf_sha256),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
