/*
 * test_crypto.c - the engine's own cryptography: the linking handshake
 * (ENG-LINK-*) and file encryption (ENG-FILE-*), with wrong codes, forged
 * offers, flipped and truncated envelopes and blobs.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "test_support.h"
#include "crypto.h"

static cairn_context *ctx;
static long base_allocs;

static int setup(void **state)
{
    (void)state;
    ctx = cts_context();
    base_allocs = cts_live_allocations();
    return 0;
}

static void code_format(void **state)
{
    engine_link_secret s, t;
    char code[ENGINE_LINK_CODE_LEN], lower[ENGINE_LINK_CODE_LEN];
    (void)state;
    memset(s.s, 0, sizeof(s.s));
    engine__link_code_format(&s, code);
    assert_string_equal(code, "0000-0000-0000-0000");
    memset(s.s, 0xff, sizeof(s.s));
    engine__link_code_format(&s, code);
    assert_string_equal(code, "ZZZZ-ZZZZ-ZZZZ-ZZZZ");
    for (int i = 0; i < 10; i++)
        s.s[i] = (uint8_t)(i * 37 + 1);
    engine__link_code_format(&s, code);
    assert_int_equal(engine__link_code_parse(code, &t), CAIRN_OK);
    assert_memory_equal(s.s, t.s, sizeof(s.s));
    for (size_t i = 0; i <= strlen(code); i++)
        lower[i] = (char)(code[i] >= 'A' && code[i] <= 'Z' ? code[i] + 32 : code[i]);
    assert_int_equal(engine__link_code_parse(lower, &t), CAIRN_OK);
    assert_memory_equal(s.s, t.s, sizeof(s.s));
    /* look-alikes */
    assert_int_equal(engine__link_code_parse("OOOO OOOO IIII LLLL", &t), CAIRN_OK);
    assert_int_equal(engine__link_code_parse("0000-0000-1111-111", &t), CAIRN_ERR_DECODE);
    assert_int_equal(engine__link_code_parse("0000-0000-1111-11111", &t), CAIRN_ERR_DECODE);
    assert_int_equal(engine__link_code_parse("0000-0000-1111-111U", &t), CAIRN_ERR_DECODE);
}

static void link_roundtrip(void **state)
{
    engine_link_offer o;
    engine_link_secret typed, wrong;
    uint8_t offer[ENGINE_LINK_OFFER_BYTES];
    char code[ENGINE_LINK_CODE_LEN], mb1[33], mb2[33];
    const uint8_t msg[] = "account identity goes here";
    uint8_t *env, *pt;
    size_t env_len, pt_len;
    (void)state;

    assert_int_equal(engine__link_offer_new(ctx, &o, offer), CAIRN_OK);
    engine__link_code_format(&o.secret, code);
    assert_int_equal(engine__link_code_parse(code, &typed), CAIRN_OK);
    engine__link_mailbox(&o.secret, mb1);
    engine__link_mailbox(&typed, mb2);
    assert_string_equal(mb1, mb2);
    assert_int_equal(strlen(mb1), 32);

    /* ENG-LINK-3: a wrong code does not accept the offer */
    wrong = typed;
    wrong.s[9] ^= 1;
    assert_int_equal(
        engine__link_seal(ctx, &wrong, offer, sizeof(offer), msg, sizeof(msg), &env, &env_len),
        CAIRN_ERR_AUTH);
    /* a substituted ephemeral key (relay in the middle) is refused */
    offer[5] ^= 0x40;
    assert_int_equal(
        engine__link_seal(ctx, &typed, offer, sizeof(offer), msg, sizeof(msg), &env, &env_len),
        CAIRN_ERR_AUTH);
    offer[5] ^= 0x40;
    assert_int_equal(engine__link_seal(ctx, &typed, offer, 64, msg, sizeof(msg), &env, &env_len),
                     CAIRN_ERR_DECODE);

    assert_int_equal(
        engine__link_seal(ctx, &typed, offer, sizeof(offer), msg, sizeof(msg), &env, &env_len),
        CAIRN_OK);
    assert_int_equal(env_len, ENGINE_LINK_ENVELOPE_OVERHEAD + sizeof(msg));
    assert_int_equal(engine__link_open(ctx, &o, env, env_len, &pt, &pt_len), CAIRN_OK);
    assert_int_equal(pt_len, sizeof(msg));
    assert_memory_equal(pt, msg, sizeof(msg));
    cairn__free_secret(ctx, pt, pt_len);

    /* every flipped byte of the envelope is refused */
    for (size_t i = 0; i < env_len; i++) {
        env[i] ^= 0x01;
        assert_int_not_equal(engine__link_open(ctx, &o, env, env_len, &pt, &pt_len), CAIRN_OK);
        env[i] ^= 0x01;
    }
    /* and every truncation */
    for (size_t n = 0; n < env_len; n++)
        assert_int_not_equal(engine__link_open(ctx, &o, env, n, &pt, &pt_len), CAIRN_OK);
    /* another offer's key does not open it */
    {
        engine_link_offer o2;
        uint8_t offer2[ENGINE_LINK_OFFER_BYTES];
        assert_int_equal(engine__link_offer_new(ctx, &o2, offer2), CAIRN_OK);
        o2.secret = o.secret;
        assert_int_equal(engine__link_open(ctx, &o2, env, env_len, &pt, &pt_len),
                         CAIRN_ERR_INVALID_MESSAGE);
    }
    cairn__free(ctx, env);
    assert_int_equal(cts_live_allocations(), base_allocs);
}

/* Known answers of spec/client-engine.md section 7 (S = 00 01 .. 09),
 * computed by an independent transcription of the spec's derivations. */
static void link_known_answers(void **state)
{
    engine_link_secret sec;
    char code[ENGINE_LINK_CODE_LEN], mb[ENGINE_LINK_MAILBOX_LEN + 1];
    uint8_t offer[ENGINE_LINK_OFFER_BYTES], *env = NULL;
    size_t env_len = 0, n = 0;
    const uint8_t msg[1] = {1};
    (void)state;
    for (int i = 0; i < 10; i++)
        sec.s[i] = (uint8_t)i;
    engine__link_code_format(&sec, code);
    assert_string_equal(code, "000G-40R4-0M30-E209");
    engine__link_mailbox(&sec, mb);
    assert_string_equal(mb, "0a2c063469fa1cfb218daebcf35c7071");
    offer[0] = 1;
    for (int i = 0; i < 32; i++)
        offer[1 + i] = (uint8_t)(0x20 + i);
    assert_int_equal(
        cairn__hex_decode(offer + 33, 32, &n,
                          "6f6c710dec0f2edda36ad55446d3556aca9861d13f985b5768c4eb8a0ca9e78b", 64),
        CAIRN_OK);
    /* ENG-LINK-3: the spec's MAC is the one the engine accepts */
    assert_int_equal(engine__link_seal(ctx, &sec, offer, sizeof(offer), msg, 1, &env, &env_len),
                     CAIRN_OK);
    cairn__free(ctx, env);
    offer[40] ^= 1;
    assert_int_equal(engine__link_seal(ctx, &sec, offer, sizeof(offer), msg, 1, &env, &env_len),
                     CAIRN_ERR_AUTH);
}

static void file_sizes(void **state)
{
    static const size_t sizes[] = {0,
                                   1,
                                   100,
                                   ENGINE_FILE_CHUNK - 1,
                                   ENGINE_FILE_CHUNK,
                                   ENGINE_FILE_CHUNK + 1,
                                   3 * ENGINE_FILE_CHUNK + 17};
    (void)state;
    for (size_t s = 0; s < CAIRN_ARRAY_LEN(sizes); s++) {
        size_t n = sizes[s], ct_len, pt_len;
        uint8_t *in = malloc(n + 1), *ct, *pt, key[32], digest[32];
        for (size_t i = 0; i < n; i++)
            in[i] = (uint8_t)(i * 7);
        assert_int_equal(engine__file_encrypt(ctx, in, n, key, digest, &ct, &ct_len), CAIRN_OK);
        assert_int_equal(ct_len, engine__file_ciphertext_size(n));
        assert_int_equal(engine__file_decrypt(ctx, key, digest, n, ct, ct_len, &pt, &pt_len),
                         CAIRN_OK);
        assert_int_equal(pt_len, n);
        if (n)
            assert_memory_equal(pt, in, n);
        cairn__free_secret(ctx, pt, n ? n : 1);
        /* ENG-FILE-3: a wrong declared size is refused */
        assert_int_equal(engine__file_decrypt(ctx, key, digest, n + 1, ct, ct_len, &pt, &pt_len),
                         CAIRN_ERR_INVALID_MESSAGE);
        /* truncated */
        assert_int_equal(engine__file_decrypt(ctx, key, digest, n, ct, ct_len - 1, &pt, &pt_len),
                         CAIRN_ERR_INVALID_MESSAGE);
        cairn__free(ctx, ct);
        free(in);
    }
    assert_int_equal(cts_live_allocations(), base_allocs);
}

static void file_tamper(void **state)
{
    uint8_t in[1000], key[32], digest[32], d2[32], *ct, *pt;
    size_t ct_len, pt_len;
    (void)state;
    memset(in, 'x', sizeof(in));
    assert_int_equal(engine__file_encrypt(ctx, in, sizeof(in), key, digest, &ct, &ct_len),
                     CAIRN_OK);
    /* ENG-FILE-4: any flipped byte fails the digest first */
    for (size_t i = 0; i < ct_len; i += 37) {
        ct[i] ^= 0x80;
        assert_int_equal(
            engine__file_decrypt(ctx, key, digest, sizeof(in), ct, ct_len, &pt, &pt_len),
            CAIRN_ERR_INVALID_MESSAGE);
        ct[i] ^= 0x80;
    }
    /* a matching digest over a tampered blob still fails the AEAD tag */
    ct[40] ^= 1;
    crypto_hash_sha256(d2, ct, ct_len);
    assert_int_equal(engine__file_decrypt(ctx, key, d2, sizeof(in), ct, ct_len, &pt, &pt_len),
                     CAIRN_ERR_INVALID_MESSAGE);
    ct[40] ^= 1;
    /* ENG-FILE-2: FINAL on an earlier chunk (a stream cut short and
     * re-signed) is refused even with a matching digest and size */
    {
        crypto_secretstream_xchacha20poly1305_state st;
        uint8_t k2[32], *big = calloc(1, ENGINE_FILE_CHUNK + 10), *c2;
        size_t n2 = (size_t)engine__file_ciphertext_size(ENGINE_FILE_CHUNK + 10), o = 0;
        c2 = malloc(n2);
        crypto_secretstream_xchacha20poly1305_keygen(k2);
        crypto_secretstream_xchacha20poly1305_init_push(&st, c2, k2);
        o = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
        crypto_secretstream_xchacha20poly1305_push(&st, c2 + o, NULL, big, ENGINE_FILE_CHUNK, NULL,
                                                   0,
                                                   crypto_secretstream_xchacha20poly1305_TAG_FINAL);
        o += ENGINE_FILE_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES;
        crypto_secretstream_xchacha20poly1305_push(&st, c2 + o, NULL, big, 10, NULL, 0,
                                                   crypto_secretstream_xchacha20poly1305_TAG_FINAL);
        crypto_hash_sha256(d2, c2, n2);
        assert_int_equal(
            engine__file_decrypt(ctx, k2, d2, ENGINE_FILE_CHUNK + 10, c2, n2, &pt, &pt_len),
            CAIRN_ERR_INVALID_MESSAGE);
        free(c2);
        free(big);
    }
    key[0] ^= 1;
    assert_int_equal(engine__file_decrypt(ctx, key, digest, sizeof(in), ct, ct_len, &pt, &pt_len),
                     CAIRN_ERR_INVALID_MESSAGE);
    cairn__free(ctx, ct);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(code_format),        cmocka_unit_test(link_roundtrip),
        cmocka_unit_test(link_known_answers), cmocka_unit_test(file_sizes),
        cmocka_unit_test(file_tamper),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
