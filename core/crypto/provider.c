/*
 * provider.c - libsignal-protocol-c's signal_crypto_provider built on the
 * core/crypto primitives; backend-independent.
 *
 * Callback -> primitive:
 *   random_func            -> cairn__random (the context's RNG hook)
 *   hmac_sha256_*_func     -> crypto__hmac_* (backend streaming HMAC)
 *   sha512_digest_*_func   -> crypto__sha512_* (backend streaming SHA-512)
 *   encrypt_func/decrypt_func -> cairn__aes_cbc_* / cairn__aes_ctr_crypt
 *
 * Invariants:
 *  - user_data is the cairn_context; HMAC/digest states are allocated from
 *    its allocator and released by the cleanup callbacks whatever state
 *    they are in (cleanup after a failed update or final is fine, and
 *    cleanup(NULL) is a no-op, because libsignal calls cleanup on its
 *    error paths even when init failed);
 *  - a failed init leaves *context NULL;
 *  - inside a cairn__hmac_reserve (crypto.h) an HMAC init for that context
 *    uses the reserved state when it is free and never fails for lack of
 *    memory; its cleanup returns the state instead of freeing it;
 *  - MAC and digest outputs on the stack, and the intermediate plaintext
 *    of encrypt/decrypt, are wiped before return; output signal_buffers
 *    are created only on success.
 */
#include <string.h>

#include "backend.h"
#include "crypto.h"

static int to_sg(cairn_status st)
{
    switch (st) {
    case CAIRN_OK:
        return 0;
    case CAIRN_ERR_NOMEM:
        return SG_ERR_NOMEM;
    case CAIRN_ERR_INVALID_ARG:
        return SG_ERR_INVAL;
    case CAIRN_ERR_INVALID_MESSAGE:
        return SG_ERR_INVALID_MESSAGE;
    default:
        return SG_ERR_UNKNOWN;
    }
}

static int cb_random(uint8_t *data, size_t len, void *user_data)
{
    const cairn_context *ctx = user_data;
    if (ctx == NULL || (data == NULL && len != 0))
        return SG_ERR_INVAL;
    return cairn__random(ctx, data, len) == CAIRN_OK ? 0 : SG_ERR_UNKNOWN;
}

static _Thread_local cairn__hmac_reserve *tl_reserve;

cairn_status cairn__hmac_reserve_begin(cairn__hmac_reserve *r, const cairn_context *ctx)
{
    if (r == NULL || ctx == NULL)
        return CAIRN_ERR_INVALID_ARG;
    r->ctx = ctx;
    r->busy = 0;
    r->state = cairn__calloc(ctx, 1, sizeof(crypto__hmac));
    if (r->state == NULL)
        return CAIRN_ERR_NOMEM;
    r->outer = tl_reserve;
    tl_reserve = r;
    return CAIRN_OK;
}

void cairn__hmac_reserve_end(cairn__hmac_reserve *r)
{
    if (r == NULL || r->state == NULL)
        return;
    if (tl_reserve == r)
        tl_reserve = r->outer;
    if (r->busy)
        crypto__hmac_clear(r->state);
    cairn__free_secret(r->ctx, r->state, sizeof(crypto__hmac));
    r->state = NULL;
}

/* The innermost active reserve of ctx on this thread, if any. */
static cairn__hmac_reserve *reserve_of(const cairn_context *ctx)
{
    cairn__hmac_reserve *r = tl_reserve;
    while (r && r->ctx != ctx)
        r = r->outer;
    return r;
}

static void hmac_release(const cairn_context *ctx, crypto__hmac *h)
{
    cairn__hmac_reserve *r = reserve_of(ctx);
    crypto__hmac_clear(h);
    if (r && r->state == h)
        r->busy = 0;
    else
        cairn__free_secret(ctx, h, sizeof(*h));
}

static int cb_hmac_init(void **hmac_context, const uint8_t *key,
                        size_t key_len, void *user_data)
{
    const cairn_context *ctx = user_data;
    cairn__hmac_reserve *r;
    crypto__hmac *h;
    cairn_status st;

    if (hmac_context == NULL)
        return SG_ERR_INVAL;
    *hmac_context = NULL;
    if (ctx == NULL || (key == NULL && key_len != 0))
        return SG_ERR_INVAL;
    r = reserve_of(ctx);
    if (r && !r->busy) {
        h = r->state;
        r->busy = 1;
    } else {
        h = cairn__alloc(ctx, sizeof(*h));
    }
    if (h == NULL)
        return SG_ERR_NOMEM;
    st = crypto__hmac_init(h, key, key_len);
    if (st != CAIRN_OK) {
        hmac_release(ctx, h);
        return to_sg(st);
    }
    *hmac_context = h;
    return 0;
}

static int cb_hmac_update(void *hmac_context, const uint8_t *data,
                          size_t data_len, void *user_data)
{
    (void)user_data;
    if (hmac_context == NULL || (data == NULL && data_len != 0))
        return SG_ERR_INVAL;
    return to_sg(crypto__hmac_update(hmac_context, data, data_len));
}

static int cb_hmac_final(void *hmac_context, signal_buffer **output,
                         void *user_data)
{
    uint8_t mac[CAIRN_SHA256_LEN];
    signal_buffer *b;
    cairn_status st;

    (void)user_data;
    if (hmac_context == NULL || output == NULL)
        return SG_ERR_INVAL;
    st = crypto__hmac_final(hmac_context, mac);
    if (st != CAIRN_OK)
        return to_sg(st);
    b = signal_buffer_create(mac, sizeof(mac));
    cairn__wipe(mac, sizeof(mac));
    if (b == NULL)
        return SG_ERR_NOMEM;
    *output = b;
    return 0;
}

static void cb_hmac_cleanup(void *hmac_context, void *user_data)
{
    const cairn_context *ctx = user_data;
    if (hmac_context == NULL || ctx == NULL)
        return;
    hmac_release(ctx, hmac_context);
}

static int cb_sha512_init(void **digest_context, void *user_data)
{
    const cairn_context *ctx = user_data;
    crypto__sha512 *s;
    cairn_status st;

    if (digest_context == NULL)
        return SG_ERR_INVAL;
    *digest_context = NULL;
    if (ctx == NULL)
        return SG_ERR_INVAL;
    s = cairn__alloc(ctx, sizeof(*s));
    if (s == NULL)
        return SG_ERR_NOMEM;
    st = crypto__sha512_init(s);
    if (st != CAIRN_OK) {
        crypto__sha512_clear(s);
        cairn__free_secret(ctx, s, sizeof(*s));
        return to_sg(st);
    }
    *digest_context = s;
    return 0;
}

static int cb_sha512_update(void *digest_context, const uint8_t *data,
                            size_t data_len, void *user_data)
{
    (void)user_data;
    if (digest_context == NULL || (data == NULL && data_len != 0))
        return SG_ERR_INVAL;
    return to_sg(crypto__sha512_update(digest_context, data, data_len));
}

static int cb_sha512_final(void *digest_context, signal_buffer **output,
                           void *user_data)
{
    uint8_t md[CAIRN_SHA512_LEN];
    signal_buffer *b;
    cairn_status st;

    (void)user_data;
    if (digest_context == NULL || output == NULL)
        return SG_ERR_INVAL;
    st = crypto__sha512_final(digest_context, md);
    if (st != CAIRN_OK)
        return to_sg(st);
    /* libsignal hashes secret-derived data (XEdDSA nonces) */
    b = signal_buffer_create(md, sizeof(md));
    cairn__wipe(md, sizeof(md));
    if (b == NULL)
        return SG_ERR_NOMEM;
    *output = b;
    return 0;
}

static void cb_sha512_cleanup(void *digest_context, void *user_data)
{
    const cairn_context *ctx = user_data;
    if (digest_context == NULL || ctx == NULL)
        return;
    crypto__sha512_clear(digest_context);
    cairn__free_secret(ctx, digest_context, sizeof(crypto__sha512));
}

typedef cairn_status (*aes_fn)(const cairn_context *, const uint8_t *, size_t,
                               const uint8_t *, const uint8_t *, size_t,
                               uint8_t **, size_t *);

/* Runs one AES operation and moves its result into a signal_buffer. */
static int run_aes(aes_fn fn, signal_buffer **output, const uint8_t *key,
                   size_t key_len, const uint8_t *iv, size_t iv_len,
                   const uint8_t *in, size_t in_len, void *user_data)
{
    const cairn_context *ctx = user_data;
    uint8_t *res = NULL;
    size_t res_len = 0;
    signal_buffer *b;
    cairn_status st;

    if (output == NULL || ctx == NULL || iv_len != CAIRN_AES_BLOCK_LEN)
        return SG_ERR_INVAL;
    st = fn(ctx, key, key_len, iv, in, in_len, &res, &res_len);
    if (st != CAIRN_OK)
        return to_sg(st);
    b = signal_buffer_create(res, res_len);
    cairn__free_secret(ctx, res, res_len);
    if (b == NULL)
        return SG_ERR_NOMEM;
    *output = b;
    return 0;
}

static int cb_encrypt(signal_buffer **output, int cipher, const uint8_t *key,
                      size_t key_len, const uint8_t *iv, size_t iv_len,
                      const uint8_t *plaintext, size_t plaintext_len,
                      void *user_data)
{
    switch (cipher) {
    case SG_CIPHER_AES_CBC_PKCS5:
        return run_aes(cairn__aes_cbc_encrypt, output, key, key_len, iv,
                       iv_len, plaintext, plaintext_len, user_data);
    case SG_CIPHER_AES_CTR_NOPADDING:
        return run_aes(cairn__aes_ctr_crypt, output, key, key_len, iv, iv_len,
                       plaintext, plaintext_len, user_data);
    default:
        return SG_ERR_INVAL;
    }
}

static int cb_decrypt(signal_buffer **output, int cipher, const uint8_t *key,
                      size_t key_len, const uint8_t *iv, size_t iv_len,
                      const uint8_t *ciphertext, size_t ciphertext_len,
                      void *user_data)
{
    switch (cipher) {
    case SG_CIPHER_AES_CBC_PKCS5:
        return run_aes(cairn__aes_cbc_decrypt, output, key, key_len, iv,
                       iv_len, ciphertext, ciphertext_len, user_data);
    case SG_CIPHER_AES_CTR_NOPADDING:
        return run_aes(cairn__aes_ctr_crypt, output, key, key_len, iv, iv_len,
                       ciphertext, ciphertext_len, user_data);
    default:
        return SG_ERR_INVAL;
    }
}

cairn_status cairn__crypto_provider_init(signal_crypto_provider *p,
                                         const cairn_context *ctx)
{
    if (p == NULL || ctx == NULL)
        return CAIRN_ERR_INVALID_ARG;
    memset(p, 0, sizeof(*p));
    p->random_func = cb_random;
    p->hmac_sha256_init_func = cb_hmac_init;
    p->hmac_sha256_update_func = cb_hmac_update;
    p->hmac_sha256_final_func = cb_hmac_final;
    p->hmac_sha256_cleanup_func = cb_hmac_cleanup;
    p->sha512_digest_init_func = cb_sha512_init;
    p->sha512_digest_update_func = cb_sha512_update;
    p->sha512_digest_final_func = cb_sha512_final;
    p->sha512_digest_cleanup_func = cb_sha512_cleanup;
    p->encrypt_func = cb_encrypt;
    p->decrypt_func = cb_decrypt;
    /* libsignal's API has no const; the callbacks only read the context. */
    p->user_data = (void *)ctx;
    return CAIRN_OK;
}
