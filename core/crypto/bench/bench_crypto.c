/*
 * bench_crypto.c - throughput of the crypto primitives on the configured
 * backend: AES-CBC/CTR and HMAC/SHA-512 in MiB/s over 64 KiB buffers, and
 * HKDF and provider HMAC init/final (what libsignal does per message key)
 * in operations per second. Prints figures, asserts nothing.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "crypto.h"

#define BUF_LEN (64 * 1024)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t g_buf[BUF_LEN];

typedef int (*op_fn)(const cairn_context *ctx, const signal_crypto_provider *p);

static int op_cbc_enc(const cairn_context *ctx, const signal_crypto_provider *p)
{
    static const uint8_t key[32], iv[16];
    uint8_t *out;
    size_t n;
    (void)p;
    if (cairn__aes_cbc_encrypt(ctx, key, 32, iv, g_buf, BUF_LEN, &out, &n))
        return -1;
    cairn__free_secret(ctx, out, n);
    return 0;
}

static int op_ctr(const cairn_context *ctx, const signal_crypto_provider *p)
{
    static const uint8_t key[32], iv[16];
    uint8_t *out;
    size_t n;
    (void)p;
    if (cairn__aes_ctr_crypt(ctx, key, 32, iv, g_buf, BUF_LEN, &out, &n))
        return -1;
    cairn__free_secret(ctx, out, n);
    return 0;
}

static int op_hmac(const cairn_context *ctx, const signal_crypto_provider *p)
{
    static const uint8_t key[32];
    uint8_t mac[32];
    (void)ctx;
    (void)p;
    return cairn__hmac_sha256(key, 32, g_buf, BUF_LEN, mac) ? -1 : 0;
}

static int op_sha512(const cairn_context *ctx, const signal_crypto_provider *p)
{
    uint8_t md[64];
    (void)ctx;
    (void)p;
    return cairn__sha512(g_buf, BUF_LEN, md) ? -1 : 0;
}

static int op_hkdf(const cairn_context *ctx, const signal_crypto_provider *p)
{
    static const uint8_t ikm[32];
    uint8_t out[80];
    (void)ctx;
    (void)p;
    return cairn__hkdf_sha256(NULL, 0, ikm, 32, (const uint8_t *)"x", 1, out,
                              sizeof(out))
               ? -1
               : 0;
}

static int op_cb_hmac(const cairn_context *ctx, const signal_crypto_provider *p)
{
    static const uint8_t key[32];
    signal_buffer *b = NULL;
    void *h = NULL;
    int rc;
    (void)ctx;
    rc = p->hmac_sha256_init_func(&h, key, 32, p->user_data);
    if (rc == 0)
        rc = p->hmac_sha256_update_func(h, g_buf, 64, p->user_data);
    if (rc == 0)
        rc = p->hmac_sha256_final_func(h, &b, p->user_data);
    p->hmac_sha256_cleanup_func(h, p->user_data);
    signal_buffer_free(b);
    return rc;
}

static void run(const char *name, op_fn fn, int bulk, const cairn_context *ctx,
                const signal_crypto_provider *p)
{
    double t0 = now_s(), t;
    long n = 0;
    do {
        if (fn(ctx, p) != 0) {
            printf("%-28s FAILED\n", name);
            return;
        }
        n++;
        t = now_s() - t0;
    } while (t < 0.5);
    if (bulk)
        printf("%-28s %10.1f MiB/s\n", name,
               (double)n * BUF_LEN / (1024.0 * 1024.0) / t);
    else
        printf("%-28s %10.0f ops/s\n", name, (double)n / t);
}

int main(void)
{
    cairn_context *ctx = NULL;
    signal_crypto_provider p;
    if (cairn_context_create(NULL, &ctx) != CAIRN_OK ||
        cairn__crypto_provider_init(&p, ctx) != CAIRN_OK)
        return 1;
    printf("crypto backend: %s\n", cairn__crypto_backend_name());
    run("aes-256-cbc encrypt 64K", op_cbc_enc, 1, ctx, &p);
    run("aes-256-ctr 64K", op_ctr, 1, ctx, &p);
    run("hmac-sha256 64K", op_hmac, 1, ctx, &p);
    run("sha512 64K", op_sha512, 1, ctx, &p);
    run("hkdf-sha256 80 bytes", op_hkdf, 0, ctx, &p);
    run("provider hmac 64 bytes", op_cb_hmac, 0, ctx, &p);
    cairn_context_destroy(ctx);
    return 0;
}
