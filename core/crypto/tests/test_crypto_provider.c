/*
 * test_crypto_provider.c - the signal_crypto_provider callbacks, because
 * they are what libsignal actually calls: the Wycheproof HMAC and AES-CBC
 * vectors through hmac init/update(in pieces)/final and encrypt/decrypt,
 * the HKDF vectors through libsignal's own HKDF (which drives our HMAC
 * callbacks), SHA-512 through the digest callbacks including reuse after
 * final, the RNG hook, misuse (bad lengths, unknown cipher, cleanup after
 * errors) and a libsignal round trip (key generation, signatures,
 * fingerprints) with the provider installed.
 */
#include <stdlib.h>
#include <string.h>

#include <signal/curve.h>
#include <signal/fingerprint.h>
#include <signal/hkdf.h>

#include "crypto.h"
#include "test_support.h"
#include "wycheproof.h"

typedef struct fixture {
    cairn_context *ctx;
    signal_crypto_provider p;
    size_t valid;
    size_t invalid;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    f->ctx = cts_context();
    if (f->ctx == NULL ||
        cairn__crypto_provider_init(&f->p, f->ctx) != CAIRN_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    /* every callback released what it allocated: only the context is left */
    assert_int_equal(cts_live_allocations(), 1);
    cairn_context_destroy(f->ctx);
    free(f);
    return 0;
}

/* HMAC through the callbacks, the message fed in three uneven pieces
 * (one may be empty) so the streaming state is exercised. */
static int cb_hmac(const signal_crypto_provider *p, const uint8_t *key,
                   size_t key_len, const uint8_t *msg, size_t msg_len,
                   uint8_t mac[32])
{
    void *h = NULL;
    signal_buffer *b = NULL;
    size_t a = msg_len / 3, c = msg_len - msg_len / 2;
    int rc = p->hmac_sha256_init_func(&h, key, key_len, p->user_data);
    if (rc == 0)
        rc = p->hmac_sha256_update_func(h, msg, a, p->user_data);
    if (rc == 0)
        rc = p->hmac_sha256_update_func(h, msg + a, c - a, p->user_data);
    if (rc == 0)
        rc = p->hmac_sha256_update_func(h, msg + c, msg_len - c, p->user_data);
    if (rc == 0)
        rc = p->hmac_sha256_final_func(h, &b, p->user_data);
    p->hmac_sha256_cleanup_func(h, p->user_data);
    if (rc == 0) {
        assert_int_equal(signal_buffer_len(b), 32);
        memcpy(mac, signal_buffer_data(b), 32);
    }
    signal_buffer_bzero_free(b);
    return rc;
}

static void hmac_case(const json_t *group, const json_t *test, void *arg)
{
    fixture *f = arg;
    size_t key_len, msg_len;
    uint8_t *key = wp_hex(test, "key", &key_len);
    uint8_t *msg = wp_hex(test, "msg", &msg_len);
    uint8_t mac[32];

    assert_int_equal(cb_hmac(&f->p, key, key_len, msg, msg_len, mac), 0);
    wp_check_mac(group, test, mac, &f->valid, &f->invalid);
    free(key);
    free(msg);
}

static void hmac_vectors(void **state)
{
    const char *path = CTS_VECTOR_OR_SKIP("wycheproof/hmac_sha256_test.json");
    fixture *f = *state;
    size_t n = wp_for_each(path, hmac_case, f);
    assert_int_equal(n, f->valid + f->invalid);
    assert_true(f->valid > 0 && f->invalid > 0);
}

static void cbc_case(const json_t *group, const json_t *test, void *arg)
{
    fixture *f = arg;
    size_t key_len, iv_len, msg_len, ct_len;
    uint8_t *key = wp_hex(test, "key", &key_len);
    uint8_t *iv = wp_hex(test, "iv", &iv_len);
    uint8_t *msg = wp_hex(test, "msg", &msg_len);
    uint8_t *ct = wp_hex(test, "ct", &ct_len);
    signal_buffer *b = NULL;
    int rc;

    (void)group;
    rc = f->p.decrypt_func(&b, SG_CIPHER_AES_CBC_PKCS5, key, key_len, iv,
                           iv_len, ct, ct_len, f->p.user_data);
    if (wp_valid(test)) {
        if (rc != 0)
            fail_msg("tcId %ld: decrypt callback returned %d", wp_id(test), rc);
        assert_int_equal(signal_buffer_len(b), msg_len);
        assert_memory_equal(signal_buffer_data(b), msg, msg_len);
        signal_buffer_bzero_free(b);
        b = NULL;
        assert_int_equal(f->p.encrypt_func(&b, SG_CIPHER_AES_CBC_PKCS5, key,
                                           key_len, iv, iv_len, msg, msg_len,
                                           f->p.user_data),
                         0);
        assert_int_equal(signal_buffer_len(b), ct_len);
        assert_memory_equal(signal_buffer_data(b), ct, ct_len);
        signal_buffer_free(b);
        f->valid++;
    } else {
        if (rc != SG_ERR_INVALID_MESSAGE)
            fail_msg("tcId %ld: invalid ciphertext gave %d", wp_id(test), rc);
        assert_null(b);
        f->invalid++;
    }
    free(key);
    free(iv);
    free(msg);
    free(ct);
}

static void cbc_vectors(void **state)
{
    const char *path = CTS_VECTOR_OR_SKIP("wycheproof/aes_cbc_pkcs5_test.json");
    fixture *f = *state;
    size_t n = wp_for_each(path, cbc_case, f);
    assert_int_equal(n, f->valid + f->invalid);
    assert_true(f->valid > 0 && f->invalid > 0);
}

typedef struct hkdf_arg {
    signal_context *sig;
    size_t valid;
} hkdf_arg;

/* libsignal's HKDF (message version 3 is plain RFC 5869) runs on our HMAC
 * callbacks. It has no output limit of its own, so only valid cases; and
 * its block counter is a uint8_t compared against iterations + 1, so it
 * never terminates for 255 blocks (libsignal-protocol-c 2.3.3): the
 * maximal-size cases are left to test_crypto_wycheproof. */
static void hkdf_case(const json_t *group, const json_t *test, void *arg)
{
    hkdf_arg *a = arg;
    size_t ikm_len, salt_len, info_len, okm_len;
    uint8_t *ikm, *salt, *info, *okm, *out = NULL;
    hkdf_context *kdf = NULL;
    ssize_t n;

    (void)group;
    if (!wp_valid(test) || wp_int(test, "size") > 254 * 32)
        return;
    ikm = wp_hex(test, "ikm", &ikm_len);
    salt = wp_hex(test, "salt", &salt_len);
    info = wp_hex(test, "info", &info_len);
    okm = wp_hex(test, "okm", &okm_len);
    assert_int_equal(hkdf_create(&kdf, 3, a->sig), 0);
    n = hkdf_derive_secrets(kdf, &out, ikm, ikm_len, salt, salt_len, info,
                            info_len, okm_len);
    if (n != (ssize_t)okm_len)
        fail_msg("tcId %ld: libsignal hkdf returned %zd", wp_id(test), n);
    assert_memory_equal(out, okm, okm_len);
    free(out);
    SIGNAL_UNREF(kdf);
    free(ikm);
    free(salt);
    free(info);
    free(okm);
    a->valid++;
}

static void hkdf_vectors_through_libsignal(void **state)
{
    const char *path = CTS_VECTOR_OR_SKIP("wycheproof/hkdf_sha256_test.json");
    fixture *f = *state;
    hkdf_arg a = {NULL, 0};
    assert_int_equal(signal_context_create(&a.sig, NULL), 0);
    assert_int_equal(signal_context_set_crypto_provider(a.sig, &f->p), 0);
    assert_true(wp_for_each(path, hkdf_case, &a) > 0);
    assert_true(a.valid > 0);
    signal_context_destroy(a.sig);
}

static void sha512_digest_callbacks(void **state)
{
    fixture *f = *state;
    signal_crypto_provider *p = &f->p;
    uint8_t want[64], want_empty[64];
    signal_buffer *b = NULL;
    void *d = NULL;

    assert_int_equal(cairn__sha512((const uint8_t *)"abc", 3, want), CAIRN_OK);
    assert_int_equal(cairn__sha512(NULL, 0, want_empty), CAIRN_OK);
    assert_int_equal(p->sha512_digest_init_func(&d, p->user_data), 0);
    assert_non_null(d);
    assert_int_equal(p->sha512_digest_update_func(d, (const uint8_t *)"a", 1,
                                                  p->user_data),
                     0);
    assert_int_equal(p->sha512_digest_update_func(d, NULL, 0, p->user_data),
                     0);
    assert_int_equal(p->sha512_digest_update_func(d, (const uint8_t *)"bc", 2,
                                                  p->user_data),
                     0);
    assert_int_equal(p->sha512_digest_final_func(d, &b, p->user_data), 0);
    assert_int_equal(signal_buffer_len(b), 64);
    assert_memory_equal(signal_buffer_data(b), want, 64);
    signal_buffer_free(b);
    /* final leaves the context ready for a new message */
    b = NULL;
    assert_int_equal(p->sha512_digest_final_func(d, &b, p->user_data), 0);
    assert_memory_equal(signal_buffer_data(b), want_empty, 64);
    signal_buffer_free(b);
    b = NULL;
    assert_int_equal(p->sha512_digest_update_func(d, (const uint8_t *)"abc", 3,
                                                  p->user_data),
                     0);
    assert_int_equal(p->sha512_digest_final_func(d, &b, p->user_data), 0);
    assert_memory_equal(signal_buffer_data(b), want, 64);
    signal_buffer_free(b);
    p->sha512_digest_cleanup_func(d, p->user_data);
    p->sha512_digest_cleanup_func(NULL, p->user_data);
    /* misuse */
    assert_int_equal(p->sha512_digest_init_func(NULL, p->user_data),
                     SG_ERR_INVAL);
    assert_int_equal(p->sha512_digest_update_func(NULL, want, 1, p->user_data),
                     SG_ERR_INVAL);
    assert_int_equal(p->sha512_digest_final_func(NULL, &b, p->user_data),
                     SG_ERR_INVAL);
}

static void hmac_callback_misuse(void **state)
{
    fixture *f = *state;
    signal_crypto_provider *p = &f->p;
    signal_buffer *b = NULL;
    uint8_t key[8] = {0};
    void *h = (void *)1;

    assert_int_equal(p->hmac_sha256_init_func(&h, NULL, 3, p->user_data),
                     SG_ERR_INVAL);
    assert_null(h); /* a failed init leaves the pointer NULL */
    p->hmac_sha256_cleanup_func(h, p->user_data);
    assert_int_equal(p->hmac_sha256_init_func(NULL, key, 8, p->user_data),
                     SG_ERR_INVAL);
    assert_int_equal(p->hmac_sha256_init_func(&h, key, 8, p->user_data), 0);
    /* an update error mid-way; cleanup still releases everything */
    assert_int_equal(p->hmac_sha256_update_func(h, NULL, 5, p->user_data),
                     SG_ERR_INVAL);
    assert_int_equal(p->hmac_sha256_final_func(h, NULL, p->user_data),
                     SG_ERR_INVAL);
    p->hmac_sha256_cleanup_func(h, p->user_data);
    /* cleanup without final */
    h = NULL;
    assert_int_equal(p->hmac_sha256_init_func(&h, key, 8, p->user_data), 0);
    assert_int_equal(p->hmac_sha256_update_func(h, key, 8, p->user_data), 0);
    p->hmac_sha256_cleanup_func(h, p->user_data);
    assert_int_equal(p->hmac_sha256_final_func(NULL, &b, p->user_data),
                     SG_ERR_INVAL);
    assert_null(b);
}

static void aes_callback_misuse(void **state)
{
    fixture *f = *state;
    signal_crypto_provider *p = &f->p;
    uint8_t key[32] = {0}, iv[16] = {0}, in[32] = {0};
    signal_buffer *b = NULL;

    assert_int_equal(p->encrypt_func(&b, 99, key, 16, iv, 16, in, 16,
                                     p->user_data),
                     SG_ERR_INVAL);
    assert_int_equal(p->decrypt_func(&b, 0, key, 16, iv, 16, in, 16,
                                     p->user_data),
                     SG_ERR_INVAL);
    assert_int_equal(p->encrypt_func(&b, SG_CIPHER_AES_CBC_PKCS5, key, 16, iv,
                                     15, in, 16, p->user_data),
                     SG_ERR_INVAL);
    assert_int_equal(p->decrypt_func(&b, SG_CIPHER_AES_CTR_NOPADDING, key, 16,
                                     iv, 17, in, 16, p->user_data),
                     SG_ERR_INVAL);
    assert_int_equal(p->encrypt_func(&b, SG_CIPHER_AES_CTR_NOPADDING, key, 20,
                                     iv, 16, in, 16, p->user_data),
                     SG_ERR_INVAL);
    assert_int_equal(p->encrypt_func(NULL, SG_CIPHER_AES_CTR_NOPADDING, key,
                                     16, iv, 16, in, 16, p->user_data),
                     SG_ERR_INVAL);
    /* not whole blocks, and an all-zero block decrypting to bad padding */
    assert_int_equal(p->decrypt_func(&b, SG_CIPHER_AES_CBC_PKCS5, key, 32, iv,
                                     16, in, 17, p->user_data),
                     SG_ERR_INVALID_MESSAGE);
    assert_null(b);
    /* CTR round trip through both callbacks, odd length */
    assert_int_equal(p->encrypt_func(&b, SG_CIPHER_AES_CTR_NOPADDING, key, 32,
                                     iv, 16, (const uint8_t *)"hello", 5,
                                     p->user_data),
                     0);
    {
        signal_buffer *back = NULL;
        assert_int_equal(signal_buffer_len(b), 5);
        assert_int_equal(p->decrypt_func(&back, SG_CIPHER_AES_CTR_NOPADDING,
                                         key, 32, iv, 16, signal_buffer_data(b),
                                         5, p->user_data),
                         0);
        assert_memory_equal(signal_buffer_data(back), "hello", 5);
        signal_buffer_bzero_free(back);
    }
    signal_buffer_free(b);
}

typedef struct rng_state {
    int calls;
    int fail;
} rng_state;

static int test_rng(void *ud, uint8_t *buf, size_t n)
{
    rng_state *r = ud;
    r->calls++;
    if (r->fail)
        return -1;
    memset(buf, 0xab, n);
    return 0;
}

static void random_comes_from_context_hook(void **state)
{
    cairn_context_config cfg;
    cairn_context *ctx = NULL;
    signal_crypto_provider p;
    rng_state r = {0, 0};
    uint8_t buf[20] = {0}, want[20];
    (void)state;
    cairn_context_config_init(&cfg);
    cfg.random = test_rng;
    cfg.random_ud = &r;
    assert_int_equal(cairn_context_create(&cfg, &ctx), CAIRN_OK);
    assert_int_equal(cairn__crypto_provider_init(&p, ctx), CAIRN_OK);
    assert_ptr_equal(p.user_data, ctx);
    assert_int_equal(p.random_func(buf, sizeof(buf), p.user_data), 0);
    memset(want, 0xab, sizeof(want));
    assert_memory_equal(buf, want, sizeof(buf));
    assert_int_equal(r.calls, 1);
    r.fail = 1;
    assert_int_equal(p.random_func(buf, sizeof(buf), p.user_data),
                     SG_ERR_UNKNOWN);
    assert_int_equal(cairn__crypto_provider_init(NULL, ctx),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn__crypto_provider_init(&p, NULL),
                     CAIRN_ERR_INVALID_ARG);
    cairn_context_destroy(ctx);
}

/* Counts digest updates so the test can prove libsignal used our SHA-512. */
static int g_sha512_updates;
static int (*g_real_sha512_update)(void *, const uint8_t *, size_t, void *);
static int counting_sha512_update(void *d, const uint8_t *p, size_t n,
                                  void *ud)
{
    g_sha512_updates++;
    return g_real_sha512_update(d, p, n, ud);
}

static void libsignal_round_trip(void **state)
{
    fixture *f = *state;
    signal_crypto_provider p = f->p;
    signal_context *sig = NULL;
    ec_key_pair *alice = NULL, *bob = NULL;
    signal_buffer *sigbuf = NULL;
    fingerprint_generator *gen = NULL;
    fingerprint *fa = NULL, *fb = NULL;
    static const uint8_t msg[] = "cairn provider round trip";

    g_real_sha512_update = p.sha512_digest_update_func;
    p.sha512_digest_update_func = counting_sha512_update;
    assert_int_equal(signal_context_create(&sig, NULL), 0);
    assert_int_equal(signal_context_set_crypto_provider(sig, &p), 0);
    assert_int_equal(curve_generate_key_pair(sig, &alice), 0);
    assert_int_equal(curve_generate_key_pair(sig, &bob), 0);
    assert_int_equal(curve_calculate_signature(sig, &sigbuf,
                                               ec_key_pair_get_private(alice),
                                               msg, sizeof(msg)),
                     0);
    assert_int_equal(curve_verify_signature(ec_key_pair_get_public(alice), msg,
                                            sizeof(msg),
                                            signal_buffer_data(sigbuf),
                                            signal_buffer_len(sigbuf)),
                     1);
    assert_int_equal(curve_verify_signature(ec_key_pair_get_public(bob), msg,
                                            sizeof(msg),
                                            signal_buffer_data(sigbuf),
                                            signal_buffer_len(sigbuf)),
                     0);
    /* Fingerprints are iterated SHA-512 through our digest callbacks; both
     * sides must compute the same displayable text. */
    assert_int_equal(fingerprint_generator_create(&gen, 50, 1, sig), 0);
    assert_int_equal(fingerprint_generator_create_for(
                         gen, "+14152222222", ec_key_pair_get_public(alice),
                         "+14153333333", ec_key_pair_get_public(bob), &fa),
                     0);
    assert_int_equal(fingerprint_generator_create_for(
                         gen, "+14153333333", ec_key_pair_get_public(bob),
                         "+14152222222", ec_key_pair_get_public(alice), &fb),
                     0);
    assert_string_equal(
        displayable_fingerprint_text(fingerprint_get_displayable(fa)),
        displayable_fingerprint_text(fingerprint_get_displayable(fb)));
    assert_true(g_sha512_updates >= 100);
    SIGNAL_UNREF(fa);
    SIGNAL_UNREF(fb);
    fingerprint_generator_free(gen);
    signal_buffer_free(sigbuf);
    SIGNAL_UNREF(alice);
    SIGNAL_UNREF(bob);
    signal_context_destroy(sig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(hmac_vectors, setup, teardown),
        cmocka_unit_test_setup_teardown(cbc_vectors, setup, teardown),
        cmocka_unit_test_setup_teardown(hkdf_vectors_through_libsignal, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(sha512_digest_callbacks, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(hmac_callback_misuse, setup, teardown),
        cmocka_unit_test_setup_teardown(aes_callback_misuse, setup, teardown),
        cmocka_unit_test(random_comes_from_context_hook),
        cmocka_unit_test_setup_teardown(libsignal_round_trip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
