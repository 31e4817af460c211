/*
 * test_crypto_alloc.c - allocation-failure torture: each allocating
 * function (the AES helpers and the provider callbacks that allocate
 * through the context) is run with allocation n failing, n = 0, 1, ...
 * until it succeeds. Every failure must be CAIRN_ERR_NOMEM / SG_ERR_NOMEM
 * and leave no allocation behind (the counting allocator checks our side,
 * ASan's leak checker the rest).
 */
#include <string.h>

#include "crypto.h"
#include "test_support.h"

#define MAX_STEPS 64

typedef cairn_status (*aes_fn)(const cairn_context *, const uint8_t *, size_t,
                               const uint8_t *, const uint8_t *, size_t,
                               uint8_t **, size_t *);

static void torture_aes(aes_fn fn, const uint8_t *in, size_t in_len,
                        size_t want_len)
{
    cairn_context *ctx = cts_context();
    uint8_t key[32], iv[16];
    long base, n;

    memset(key, 3, sizeof(key));
    memset(iv, 4, sizeof(iv));
    base = cts_live_allocations();
    for (n = 0; n < MAX_STEPS; n++) {
        uint8_t *out = (uint8_t *)1;
        size_t out_len = 77;
        cairn_status st;
        cts_fail_after(n);
        st = fn(ctx, key, 32, iv, in, in_len, &out, &out_len);
        cts_fail_after(-1);
        if (st == CAIRN_OK) {
            assert_int_equal(out_len, want_len);
            cairn__free_secret(ctx, out, out_len);
            assert_int_equal(cts_live_allocations(), base);
            break;
        }
        assert_int_equal(st, CAIRN_ERR_NOMEM);
        assert_null(out);
        assert_int_equal(out_len, 0);
        assert_int_equal(cts_live_allocations(), base);
    }
    assert_true(n > 0 && n < MAX_STEPS); /* at least one failure was seen */
    cairn_context_destroy(ctx);
}

static void aes_helpers(void **state)
{
    cairn_context *ctx = cts_context();
    uint8_t key[32], iv[16], pt[40], *ct = NULL;
    size_t ct_len = 0;
    (void)state;
    memset(key, 3, sizeof(key));
    memset(iv, 4, sizeof(iv));
    memset(pt, 'p', sizeof(pt));
    torture_aes(cairn__aes_cbc_encrypt, pt, sizeof(pt), 48);
    torture_aes(cairn__aes_ctr_crypt, pt, sizeof(pt), sizeof(pt));
    torture_aes(cairn__aes_ctr_crypt, NULL, 0, 0);
    assert_int_equal(cairn__aes_cbc_encrypt(ctx, key, 32, iv, pt, sizeof(pt),
                                            &ct, &ct_len),
                     CAIRN_OK);
    torture_aes(cairn__aes_cbc_decrypt, ct, ct_len, sizeof(pt));
    cairn__free_secret(ctx, ct, ct_len);
    cairn_context_destroy(ctx);
}

static void provider_callbacks(void **state)
{
    cairn_context *ctx = cts_context();
    signal_crypto_provider p;
    uint8_t key[16] = {1}, iv[16] = {2}, pt[20] = {5};
    long base, n;
    int rc, cipher;
    (void)state;
    assert_int_equal(cairn__crypto_provider_init(&p, ctx), CAIRN_OK);
    base = cts_live_allocations();

    for (n = 0; n < MAX_STEPS; n++) { /* HMAC: init allocates the state */
        void *h = (void *)1;
        signal_buffer *b = NULL;
        cts_fail_after(n);
        rc = p.hmac_sha256_init_func(&h, key, sizeof(key), p.user_data);
        if (rc == 0) {
            rc = p.hmac_sha256_update_func(h, pt, sizeof(pt), p.user_data);
            if (rc == 0)
                rc = p.hmac_sha256_final_func(h, &b, p.user_data);
        }
        cts_fail_after(-1);
        p.hmac_sha256_cleanup_func(h, p.user_data);
        signal_buffer_free(b);
        assert_int_equal(cts_live_allocations(), base);
        if (rc == 0)
            break;
        assert_int_equal(rc, SG_ERR_NOMEM);
        assert_null(h);
    }
    assert_true(n > 0 && n < MAX_STEPS);

    for (n = 0; n < MAX_STEPS; n++) { /* SHA-512 digest state */
        void *d = (void *)1;
        signal_buffer *b = NULL;
        cts_fail_after(n);
        rc = p.sha512_digest_init_func(&d, p.user_data);
        if (rc == 0)
            rc = p.sha512_digest_final_func(d, &b, p.user_data);
        cts_fail_after(-1);
        p.sha512_digest_cleanup_func(d, p.user_data);
        signal_buffer_free(b);
        assert_int_equal(cts_live_allocations(), base);
        if (rc == 0)
            break;
        assert_int_equal(rc, SG_ERR_NOMEM);
        assert_null(d);
    }
    assert_true(n > 0 && n < MAX_STEPS);

    for (cipher = SG_CIPHER_AES_CTR_NOPADDING; cipher <= SG_CIPHER_AES_CBC_PKCS5;
         cipher++) {
        signal_buffer *ct = NULL;
        for (n = 0; n < MAX_STEPS; n++) {
            cts_fail_after(n);
            rc = p.encrypt_func(&ct, cipher, key, 16, iv, 16, pt, sizeof(pt),
                                p.user_data);
            cts_fail_after(-1);
            assert_int_equal(cts_live_allocations(), base);
            if (rc == 0)
                break;
            assert_int_equal(rc, SG_ERR_NOMEM);
            assert_null(ct);
        }
        assert_true(n > 0 && n < MAX_STEPS);
        for (n = 0; n < MAX_STEPS; n++) {
            signal_buffer *back = NULL;
            cts_fail_after(n);
            rc = p.decrypt_func(&back, cipher, key, 16, iv, 16,
                                signal_buffer_data(ct), signal_buffer_len(ct),
                                p.user_data);
            cts_fail_after(-1);
            assert_int_equal(cts_live_allocations(), base);
            if (rc == 0) {
                assert_int_equal(signal_buffer_len(back), sizeof(pt));
                assert_memory_equal(signal_buffer_data(back), pt, sizeof(pt));
                signal_buffer_bzero_free(back);
                break;
            }
            assert_int_equal(rc, SG_ERR_NOMEM);
            assert_null(back);
        }
        assert_true(n > 0 && n < MAX_STEPS);
        signal_buffer_free(ct);
    }
    cairn_context_destroy(ctx);
}

/* Inside a reserve (the libsignal 2.3.3 sender-key workaround) an HMAC
 * init for that context cannot fail for lack of memory, twice in a row
 * (cleanup hands the state back), while one for another context still
 * allocates; after end everything is released. */
static void hmac_reserve(void **state)
{
    cairn_context *ctx = cts_context(), *other = NULL;
    signal_crypto_provider p, q;
    cairn__hmac_reserve r;
    uint8_t key[16] = {1};
    long base;
    void *h = NULL, *h2 = NULL;
    (void)state;
    assert_int_equal(cairn_context_create(NULL, &other), CAIRN_OK);
    assert_int_equal(cairn__crypto_provider_init(&p, ctx), CAIRN_OK);
    assert_int_equal(cairn__crypto_provider_init(&q, other), CAIRN_OK);
    base = cts_live_allocations();
    cts_fail_after(0);
    assert_int_equal(cairn__hmac_reserve_begin(&r, ctx), CAIRN_ERR_NOMEM);
    cts_fail_after(-1);
    assert_int_equal(cts_live_allocations(), base);
    assert_int_equal(cairn__hmac_reserve_begin(&r, ctx), CAIRN_OK);
    cts_fail_after(0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(p.hmac_sha256_init_func(&h, key, sizeof(key), p.user_data), 0);
        assert_non_null(h);
        p.hmac_sha256_cleanup_func(h, p.user_data);
    }
    /* the reserve is one state: a second live one allocates (and fails) */
    assert_int_equal(p.hmac_sha256_init_func(&h, key, sizeof(key), p.user_data), 0);
    assert_int_equal(p.hmac_sha256_init_func(&h2, key, sizeof(key), p.user_data), SG_ERR_NOMEM);
    assert_null(h2);
    p.hmac_sha256_cleanup_func(h, p.user_data);
    cts_fail_after(-1);
    assert_int_equal(q.hmac_sha256_init_func(&h2, key, sizeof(key), q.user_data), 0);
    q.hmac_sha256_cleanup_func(h2, q.user_data);
    cairn__hmac_reserve_end(&r);
    assert_int_equal(cts_live_allocations(), base);
    /* after end the ordinary path is back */
    cts_fail_after(0);
    assert_int_equal(p.hmac_sha256_init_func(&h, key, sizeof(key), p.user_data), SG_ERR_NOMEM);
    cts_fail_after(-1);
    cairn_context_destroy(other);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(aes_helpers),
        cmocka_unit_test(provider_callbacks),
        cmocka_unit_test(hmac_reserve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
