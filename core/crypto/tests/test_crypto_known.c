/*
 * test_crypto_known.c - written-down facts (RFC 4231 HMAC-SHA256, RFC 5869
 * HKDF case 1 and 3, FIPS 180 "abc" digests, SP 800-38A CTR-AES128) and
 * the edge and hostile cases of the internal API: every PKCS#7 padding
 * pattern, flipped and truncated ciphertexts, bad key/IV lengths, NULLs,
 * HKDF size limits, CTR counter wrap-around. These need no vector files.
 */
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "test_support.h"

/* Test-local hex helper: decodes a literal, fails the test on bad hex. */
static size_t unhex(uint8_t *out, size_t cap, const char *hex)
{
    size_t n = 0;
    assert_int_equal(cairn__hex_decode(out, cap, &n, hex, strlen(hex)),
                     CAIRN_OK);
    return n;
}

static void backend_is_the_configured_one(void **state)
{
    (void)state;
    assert_string_equal(cairn__crypto_backend_name(), CAIRN_EXPECTED_BACKEND);
}

static void sha_abc(void **state)
{
    uint8_t out[64], want[64];
    (void)state;
    /* FIPS 180-2 appendix C.1 */
    assert_int_equal(cairn__sha512((const uint8_t *)"abc", 3, out), CAIRN_OK);
    unhex(want, sizeof(want),
          "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
          "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    assert_memory_equal(out, want, 64);
    /* FIPS 180-2 appendix B.1 */
    assert_int_equal(cairn__sha256((const uint8_t *)"abc", 3, out), CAIRN_OK);
    unhex(want, sizeof(want),
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_memory_equal(out, want, 32);
    /* empty input, NULL allowed with length 0 */
    assert_int_equal(cairn__sha256(NULL, 0, out), CAIRN_OK);
    unhex(want, sizeof(want),
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_memory_equal(out, want, 32);
    assert_int_equal(cairn__sha512(NULL, 1, out), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn__sha256((const uint8_t *)"abc", 3, NULL),
                     CAIRN_ERR_INVALID_ARG);
}

typedef struct rfc4231 {
    const char *key;
    const char *data;
    const char *mac; /* case 5 is truncated to 128 bits */
} rfc4231;

static void hmac_rfc4231(void **state)
{
    static const rfc4231 cases[] = {
        {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {"4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
         "dddddddddddddddddddddddddddddddddddd",
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {"0102030405060708090a0b0c0d0e0f10111213141516171819",
         "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
         "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {"0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c",
         "546573742057697468205472756e636174696f6e",
         "a3b6167473100ee06e0c796c2955552b"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaa",
         "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a"
         "65204b6579202d2048617368204b6579204669727374",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
    };
    uint8_t key[160], data[200], want[32], mac[32];
    size_t i;
    (void)state;
    for (i = 0; i < CAIRN_ARRAY_LEN(cases); i++) {
        size_t kl = unhex(key, sizeof(key), cases[i].key);
        size_t dl = unhex(data, sizeof(data), cases[i].data);
        size_t ml = unhex(want, sizeof(want), cases[i].mac);
        assert_int_equal(cairn__hmac_sha256(key, kl, data, dl, mac), CAIRN_OK);
        assert_int_equal(cairn__memeq_ct(mac, want, ml), 0);
        /* a flipped key bit must change the MAC */
        key[0] ^= 1;
        assert_int_equal(cairn__hmac_sha256(key, kl, data, dl, mac), CAIRN_OK);
        assert_int_not_equal(cairn__memeq_ct(mac, want, ml), 0);
    }
    assert_int_equal(cairn__hmac_sha256(NULL, 0, NULL, 0, mac), CAIRN_OK);
    assert_int_equal(cairn__hmac_sha256(NULL, 1, NULL, 0, mac),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn__hmac_sha256(key, 1, NULL, 1, mac),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn__hmac_sha256(key, 1, data, 1, NULL),
                     CAIRN_ERR_INVALID_ARG);
}

static void hkdf_rfc5869(void **state)
{
    uint8_t ikm[22], salt[13], info[10], want[42], out[43];
    size_t il, sl, nl;
    (void)state;
    /* RFC 5869 A.1 */
    il = unhex(ikm, sizeof(ikm), "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
    sl = unhex(salt, sizeof(salt), "000102030405060708090a0b0c");
    nl = unhex(info, sizeof(info), "f0f1f2f3f4f5f6f7f8f9");
    unhex(want, sizeof(want),
          "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
          "34007208d5b887185865");
    memset(out, 0x5a, sizeof(out));
    assert_int_equal(cairn__hkdf_sha256(salt, sl, ikm, il, info, nl, out, 42),
                     CAIRN_OK);
    assert_memory_equal(out, want, 42);
    assert_int_equal(out[42], 0x5a);
    /* A shorter output is a prefix of a longer one. */
    memset(out, 0, sizeof(out));
    assert_int_equal(cairn__hkdf_sha256(salt, sl, ikm, il, info, nl, out, 7),
                     CAIRN_OK);
    assert_memory_equal(out, want, 7);
    assert_int_equal(out[7], 0);
    /* RFC 5869 A.3: empty salt and info */
    unhex(want, sizeof(want),
          "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
          "9d201395faa4b61a96c8");
    assert_int_equal(cairn__hkdf_sha256(NULL, 0, ikm, il, NULL, 0, out, 42),
                     CAIRN_OK);
    assert_memory_equal(out, want, 42);
}

static void hkdf_limits(void **state)
{
    static uint8_t big[CAIRN_HKDF_SHA256_MAX_OUT + 1];
    uint8_t ikm[4] = {1, 2, 3, 4};
    (void)state;
    memset(big, 0x77, sizeof(big));
    assert_int_equal(cairn__hkdf_sha256(NULL, 0, ikm, 4, NULL, 0, big,
                                        CAIRN_HKDF_SHA256_MAX_OUT + 1),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(big[0], 0x77);
    assert_int_equal(cairn__hkdf_sha256(NULL, 0, ikm, 4, NULL, 0, big,
                                        SIZE_MAX),
                     CAIRN_ERR_INVALID_ARG);
    /* exactly 255 blocks works; the last byte comes from counter 255 */
    assert_int_equal(cairn__hkdf_sha256(NULL, 0, ikm, 4, NULL, 0, big,
                                        CAIRN_HKDF_SHA256_MAX_OUT),
                     CAIRN_OK);
    assert_int_equal(big[CAIRN_HKDF_SHA256_MAX_OUT], 0x77);
    assert_int_equal(cairn__hkdf_sha256(NULL, 0, ikm, 4, NULL, 0, NULL, 0),
                     CAIRN_OK);
    assert_int_equal(cairn__hkdf_sha256(NULL, 0, ikm, 4, NULL, 0, NULL, 1),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn__hkdf_sha256(NULL, 1, ikm, 4, NULL, 0, big, 1),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn__hkdf_sha256(NULL, 0, NULL, 4, NULL, 0, big, 1),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn__hkdf_sha256(NULL, 0, ikm, 4, NULL, 3, big, 1),
                     CAIRN_ERR_INVALID_ARG);
}

static void ctr_sp800_38a(void **state)
{
    cairn_context *ctx = cts_context();
    uint8_t key[16], iv[16], pt[64], want[64], *out = NULL, *back = NULL;
    size_t n, out_len = 0, back_len = 0;
    (void)state;
    /* NIST SP 800-38A F.5.1 CTR-AES128.Encrypt */
    unhex(key, sizeof(key), "2b7e151628aed2a6abf7158809cf4f3c");
    unhex(iv, sizeof(iv), "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
    n = unhex(pt, sizeof(pt),
              "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
              "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
    unhex(want, sizeof(want),
          "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
          "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee");
    assert_int_equal(cairn__aes_ctr_crypt(ctx, key, 16, iv, pt, n, &out,
                                          &out_len),
                     CAIRN_OK);
    assert_int_equal(out_len, 64);
    assert_memory_equal(out, want, 64);
    /* decryption is the same operation; a partial last block works */
    assert_int_equal(cairn__aes_ctr_crypt(ctx, key, 16, iv, out, 37, &back,
                                          &back_len),
                     CAIRN_OK);
    assert_int_equal(back_len, 37);
    assert_memory_equal(back, pt, 37);
    cairn__free_secret(ctx, out, out_len);
    cairn__free_secret(ctx, back, back_len);
    /* empty input gives a non-NULL empty result */
    assert_int_equal(cairn__aes_ctr_crypt(ctx, key, 16, iv, NULL, 0, &out,
                                          &out_len),
                     CAIRN_OK);
    assert_non_null(out);
    assert_int_equal(out_len, 0);
    cairn__free_secret(ctx, out, 0);
    assert_int_equal(cts_live_allocations(), 1);
    cairn_context_destroy(ctx);
}

/* The counter is one 128-bit big-endian number: after ff..ff comes 00..00,
 * whose keystream block is AES_K(0), i.e. the CBC encryption of a zero
 * block under a zero IV. */
static void ctr_counter_wraps(void **state)
{
    cairn_context *ctx = cts_context();
    uint8_t key[32], iv[16], zero[32] = {0}, *ks = NULL, *ecb0 = NULL;
    size_t ks_len, ecb_len, kl;
    (void)state;
    for (kl = 16; kl <= 32; kl += 8) {
        memset(key, 0x42, sizeof(key));
        memset(iv, 0xff, sizeof(iv));
        assert_int_equal(cairn__aes_ctr_crypt(ctx, key, kl, iv, zero, 32, &ks,
                                              &ks_len),
                         CAIRN_OK);
        memset(iv, 0, sizeof(iv));
        assert_int_equal(cairn__aes_cbc_encrypt(ctx, key, kl, iv, zero, 16,
                                                &ecb0, &ecb_len),
                         CAIRN_OK);
        assert_int_equal(ecb_len, 32);
        assert_memory_equal(ks + 16, ecb0, 16);
        cairn__free_secret(ctx, ks, ks_len);
        cairn__free_secret(ctx, ecb0, ecb_len);
    }
    cairn_context_destroy(ctx);
}

/*
 * Decrypting one block C under IV' gives D(C) ^ IV'. With D(C) known, any
 * last-block plaintext T can be forced (IV' = D(C) ^ T), which lets the
 * test present every padding pattern to the checker.
 */
static cairn_status decrypt_forced(cairn_context *ctx, const uint8_t key[16],
                                   const uint8_t c[16], const uint8_t dc[16],
                                   const uint8_t t[16], size_t *out_len,
                                   uint8_t **out)
{
    uint8_t iv[16];
    size_t i;
    for (i = 0; i < 16; i++)
        iv[i] = dc[i] ^ t[i];
    return cairn__aes_cbc_decrypt(ctx, key, 16, iv, c, 16, out, out_len);
}

static void cbc_every_padding(void **state)
{
    cairn_context *ctx = cts_context();
    uint8_t key[16], iv0[16] = {0}, pt[15], *c = NULL, *out = NULL;
    uint8_t dc[16], t[16];
    size_t c_len, out_len, i, k, pos;
    (void)state;
    memset(key, 0x11, sizeof(key));
    memset(pt, 'x', sizeof(pt));
    assert_int_equal(cairn__aes_cbc_encrypt(ctx, key, 16, iv0, pt, 15, &c,
                                            &c_len),
                     CAIRN_OK);
    assert_int_equal(c_len, 16);
    /* with IV 0, D(C) is the padded plaintext itself */
    memcpy(dc, pt, 15);
    dc[15] = 1;

    for (k = 1; k <= 16; k++) { /* every valid padding length */
        memset(t, 'y', 16);
        memset(t + 16 - k, (int)k, k);
        assert_int_equal(decrypt_forced(ctx, key, c, dc, t, &out_len, &out),
                         CAIRN_OK);
        assert_int_equal(out_len, 16 - k);
        assert_memory_equal(out, t, 16 - k);
        cairn__free_secret(ctx, out, out_len);
        out = NULL;
        /* any one padding byte wrong (other than the length byte) */
        for (pos = 16 - k; pos < 15; pos++) {
            t[pos] ^= 0x80;
            assert_int_equal(decrypt_forced(ctx, key, c, dc, t, &out_len,
                                            &out),
                             CAIRN_ERR_INVALID_MESSAGE);
            assert_null(out);
            t[pos] ^= 0x80;
        }
    }
    /* length byte out of range: 0, 17, 0x80, 0xff; and 0x10 with a block
     * that is not all 0x10 */
    {
        static const uint8_t bad_last[] = {0, 17, 0x80, 0xff};
        for (i = 0; i < sizeof(bad_last); i++) {
            memset(t, bad_last[i], 16);
            assert_int_equal(decrypt_forced(ctx, key, c, dc, t, &out_len,
                                            &out),
                             CAIRN_ERR_INVALID_MESSAGE);
            assert_null(out);
            assert_int_equal(out_len, 0);
        }
        memset(t, 0x10, 16);
        t[0] = 0x0f;
        assert_int_equal(decrypt_forced(ctx, key, c, dc, t, &out_len, &out),
                         CAIRN_ERR_INVALID_MESSAGE);
    }
    cairn__free_secret(ctx, c, c_len);
    assert_int_equal(cts_live_allocations(), 1);
    cairn_context_destroy(ctx);
}

static void cbc_hostile_ciphertexts(void **state)
{
    cairn_context *ctx = cts_context();
    uint8_t key[24], iv[16], pt[40], *c = NULL, *out = NULL;
    size_t c_len, out_len, i;
    (void)state;
    memset(key, 7, sizeof(key));
    memset(iv, 9, sizeof(iv));
    for (i = 0; i < sizeof(pt); i++)
        pt[i] = (uint8_t)i;
    assert_int_equal(cairn__aes_cbc_encrypt(ctx, key, 24, iv, pt, sizeof(pt),
                                            &c, &c_len),
                     CAIRN_OK);
    assert_int_equal(c_len, 48);
    /* truncated to a non-block length, to zero, and by one whole block
     * (the new last block then ends in plaintext bytes, not padding) */
    for (i = 0; i < c_len; i++) {
        if (i % 16 == 0 && i != 0)
            continue;
        assert_int_equal(cairn__aes_cbc_decrypt(ctx, key, 24, iv, c, i, &out,
                                                &out_len),
                         CAIRN_ERR_INVALID_MESSAGE);
        assert_null(out);
    }
    assert_int_equal(cairn__aes_cbc_decrypt(ctx, key, 24, iv, c, 32, &out,
                                            &out_len),
                     CAIRN_ERR_INVALID_MESSAGE);
    /* flipping the padding-length byte through the previous block: pad 8
     * becomes 9, and byte 39 of the plaintext (0x27) is not 9 */
    c[31] ^= 0x01;
    assert_int_equal(cairn__aes_cbc_decrypt(ctx, key, 24, iv, c, c_len, &out,
                                            &out_len),
                     CAIRN_ERR_INVALID_MESSAGE);
    assert_null(out);
    c[31] ^= 0x01;
    /* the wrong key (almost surely) breaks the padding */
    key[0] ^= 1;
    assert_int_equal(cairn__aes_cbc_decrypt(ctx, key, 24, iv, c, c_len, &out,
                                            &out_len),
                     CAIRN_ERR_INVALID_MESSAGE);
    key[0] ^= 1;
    assert_int_equal(cairn__aes_cbc_decrypt(ctx, key, 24, iv, c, c_len, &out,
                                            &out_len),
                     CAIRN_OK);
    assert_int_equal(out_len, sizeof(pt));
    assert_memory_equal(out, pt, sizeof(pt));
    cairn__free_secret(ctx, out, out_len);
    cairn__free_secret(ctx, c, c_len);
    assert_int_equal(cts_live_allocations(), 1);
    cairn_context_destroy(ctx);
}

static void aes_bad_arguments(void **state)
{
    cairn_context *ctx = cts_context();
    uint8_t key[33] = {0}, iv[16] = {0}, in[16] = {0}, *out = (uint8_t *)1;
    size_t out_len = 99, kl;
    static const size_t bad_lens[] = {0, 1, 15, 17, 20, 31, 33};
    (void)state;
    for (kl = 0; kl < CAIRN_ARRAY_LEN(bad_lens); kl++) {
        out = (uint8_t *)1;
        assert_int_equal(cairn__aes_cbc_encrypt(ctx, key, bad_lens[kl], iv, in,
                                                16, &out, &out_len),
                         CAIRN_ERR_INVALID_ARG);
        assert_null(out);
        assert_int_equal(out_len, 0);
        assert_int_equal(cairn__aes_cbc_decrypt(ctx, key, bad_lens[kl], iv, in,
                                                16, &out, &out_len),
                         CAIRN_ERR_INVALID_ARG);
        assert_int_equal(cairn__aes_ctr_crypt(ctx, key, bad_lens[kl], iv, in,
                                              16, &out, &out_len),
                         CAIRN_ERR_INVALID_ARG);
    }
    assert_int_equal(cairn__aes_cbc_encrypt(NULL, key, 16, iv, in, 16, &out,
                                            &out_len),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn__aes_cbc_encrypt(ctx, NULL, 16, iv, in, 16, &out,
                                            &out_len),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn__aes_cbc_encrypt(ctx, key, 16, NULL, in, 16, &out,
                                            &out_len),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn__aes_cbc_encrypt(ctx, key, 16, iv, NULL, 16, &out,
                                            &out_len),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn__aes_cbc_encrypt(ctx, key, 16, iv, in, 16, NULL,
                                            &out_len),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn__aes_ctr_crypt(ctx, key, 16, iv, in, 16, &out,
                                          NULL),
                     CAIRN_ERR_INVALID_ARG);
    /* an input so large that padding would overflow size_t */
    assert_int_equal(cairn__aes_cbc_encrypt(ctx, key, 16, iv, in, SIZE_MAX,
                                            &out, &out_len),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cts_live_allocations(), 1);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(backend_is_the_configured_one),
        cmocka_unit_test(sha_abc),
        cmocka_unit_test(hmac_rfc4231),
        cmocka_unit_test(hkdf_rfc5869),
        cmocka_unit_test(hkdf_limits),
        cmocka_unit_test(ctr_sp800_38a),
        cmocka_unit_test(ctr_counter_wraps),
        cmocka_unit_test(cbc_every_padding),
        cmocka_unit_test(cbc_hostile_ciphertexts),
        cmocka_unit_test(aes_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
