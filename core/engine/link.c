/*
 * link.c - the device-linking handshake (spec/client-engine.md ENG-LINK-*).
 *
 *   new device N                       relay mailbox              existing E
 *   secret S (80 bits, shown as code/QR), ephemeral x25519 (n, N)
 *   offer = 1 || N || MAC(Km, N)  --->  mailbox(S)  --->  check MAC with typed S
 *                                                           ephemeral (e, E)
 *                                                           K = H(Kk, X25519(e,N) || N || E)
 *   open with K  <---  mailbox(S)  <---  env = 1 || E || nonce || AEAD(K, payload)
 *
 * Km, Kk and the mailbox name are independent hashes of S, so the relay,
 * which sees the mailbox name and both messages, learns nothing about S
 * and cannot substitute its own key without forging the MAC. The
 * ephemeral DH means a code seen later (a photo of the screen) does not
 * open a recorded envelope.
 *
 * K also yields the new device's relay secret (ENG-LINK-7): E derives it
 * before sealing, registers the new device with it (the account's consent,
 * ENG-RELAY-1), and N derives the same value when it opens the envelope,
 * so the secret never travels and the relay, which lacks K, never learns
 * it from the linking. Hence the seal in two steps (reply_begin, then
 * reply_seal once the device is registered).
 */
#include <string.h>

#include <sodium.h>

#include "crypto.h"

static const char B32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static void derive(const engine_link_secret *s, const char *label, uint8_t *out, size_t n)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, n);
    crypto_generichash_update(&st, (const uint8_t *)"cairn-link/1 ", 13);
    crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
    crypto_generichash_update(&st, s->s, sizeof(s->s));
    crypto_generichash_final(&st, out, n);
    sodium_memzero(&st, sizeof(st));
}

void engine__link_code_format(const engine_link_secret *s, char out[ENGINE_LINK_CODE_LEN])
{
    /* 80 bits = 16 groups of 5 bits, big-endian */
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        int bit = i * 5, v = 0;
        for (int k = 0; k < 5; k++, bit++)
            v = v << 1 | ((s->s[bit / 8] >> (7 - bit % 8)) & 1);
        if (i > 0 && i % 4 == 0)
            out[o++] = '-';
        out[o++] = B32[v];
    }
    out[o] = '\0';
}

static int b32val(char c)
{
    if (c >= 'a' && c <= 'z')
        c = (char)(c - 'a' + 'A');
    if (c == 'I' || c == 'L')
        c = '1';
    if (c == 'O')
        c = '0';
    for (int i = 0; i < 32; i++)
        if (B32[i] == c)
            return i;
    return -1;
}

cairn_status engine__link_code_parse(const char *code, engine_link_secret *s)
{
    engine_link_secret t;
    int n = 0;
    memset(&t, 0, sizeof(t));
    if (code == NULL || s == NULL)
        return CAIRN_ERR_INVALID_ARG;
    for (size_t i = 0; code[i] && i < 64; i++) {
        int v;
        if (code[i] == '-' || code[i] == ' ')
            continue;
        v = b32val(code[i]);
        if (v < 0 || n >= 16)
            return CAIRN_ERR_DECODE;
        for (int k = 4; k >= 0; k--) {
            int bit = n * 5 + (4 - k);
            if ((v >> k) & 1)
                t.s[bit / 8] |= (uint8_t)(1u << (7 - bit % 8));
        }
        n++;
    }
    if (n != 16 || strlen(code) >= 64)
        return CAIRN_ERR_DECODE;
    *s = t;
    sodium_memzero(&t, sizeof(t));
    return CAIRN_OK;
}

void engine__link_mailbox(const engine_link_secret *s, char out[ENGINE_LINK_MAILBOX_LEN + 1])
{
    uint8_t id[16];
    derive(s, "mailbox", id, sizeof(id));
    cairn__hex_encode(out, id, sizeof(id));
}

static void offer_mac(const engine_link_secret *s, const uint8_t pub[32], uint8_t mac[32])
{
    uint8_t km[32];
    derive(s, "mac", km, sizeof(km));
    crypto_generichash(mac, 32, pub, 32, km, sizeof(km));
    sodium_memzero(km, sizeof(km));
}

cairn_status engine__link_offer_new(const cairn_context *ctx, engine_link_offer *o,
                                    uint8_t offer[ENGINE_LINK_OFFER_BYTES])
{
    cairn_status rc = cairn__random(ctx, o->secret.s, sizeof(o->secret.s));
    if (rc == CAIRN_OK)
        rc = cairn__random(ctx, o->eph_priv, sizeof(o->eph_priv));
    if (rc != CAIRN_OK || crypto_scalarmult_base(o->eph_pub, o->eph_priv) != 0) {
        sodium_memzero(o, sizeof(*o));
        return rc != CAIRN_OK ? rc : CAIRN_ERR_CRYPTO;
    }
    offer[0] = 1;
    memcpy(offer + 1, o->eph_pub, 32);
    offer_mac(&o->secret, o->eph_pub, offer + 33);
    return CAIRN_OK;
}

/* K = BLAKE2b(key = H(S, "key"), X25519(..) || N || E) */
static int session_key(const engine_link_secret *s, const uint8_t shared[32], const uint8_t n[32],
                       const uint8_t e[32], uint8_t k[32])
{
    uint8_t kk[32], in[96];
    derive(s, "key", kk, sizeof(kk));
    memcpy(in, shared, 32);
    memcpy(in + 32, n, 32);
    memcpy(in + 64, e, 32);
    crypto_generichash(k, 32, in, sizeof(in), kk, sizeof(kk));
    sodium_memzero(kk, sizeof(kk));
    sodium_memzero(in, sizeof(in));
    return 0;
}

static void aad(uint8_t out[12 + 64], const uint8_t n[32], const uint8_t e[32])
{
    memcpy(out, "cairn-link/1", 12);
    memcpy(out + 12, n, 32);
    memcpy(out + 44, e, 32);
}

void engine__link_relay_secret(const uint8_t k[32], char out[ENGINE_LINK_RELAY_SECRET_LEN + 1])
{
    static const char label[] = "cairn-link/1 relay-secret";
    uint8_t v[ENGINE_LINK_RELAY_SECRET_LEN / 2];
    crypto_generichash(v, sizeof(v), (const uint8_t *)label, sizeof(label) - 1, k, 32);
    cairn__hex_encode(out, v, sizeof(v));
    sodium_memzero(v, sizeof(v));
}

cairn_status engine__link_reply_begin(const cairn_context *ctx, const engine_link_secret *s,
                                      const uint8_t *offer, size_t offer_len,
                                      engine_link_reply *r)
{
    uint8_t mac[32], e_priv[32], shared[32];
    cairn_status rc;

    if (offer == NULL || offer_len != ENGINE_LINK_OFFER_BYTES || offer[0] != 1)
        return CAIRN_ERR_DECODE;
    offer_mac(s, offer + 1, mac);
    if (cairn__memeq_ct(mac, offer + 33, 32) != 0) /* ENG-LINK-3 */
        return CAIRN_ERR_AUTH;
    rc = cairn__random(ctx, e_priv, sizeof(e_priv));
    if (rc != CAIRN_OK)
        return rc;
    if (crypto_scalarmult_base(r->e_pub, e_priv) != 0 ||
        crypto_scalarmult(shared, e_priv, offer + 1) != 0) { /* ENG-LINK-4: low order */
        sodium_memzero(e_priv, sizeof(e_priv));
        sodium_memzero(r, sizeof(*r));
        return CAIRN_ERR_BAD_PUBLIC_KEY;
    }
    sodium_memzero(e_priv, sizeof(e_priv));
    memcpy(r->n_pub, offer + 1, 32);
    session_key(s, shared, r->n_pub, r->e_pub, r->k);
    sodium_memzero(shared, sizeof(shared));
    return CAIRN_OK;
}

cairn_status engine__link_reply_seal(const cairn_context *ctx, const engine_link_reply *r,
                                     const uint8_t *payload, size_t payload_len, uint8_t **env,
                                     size_t *env_len)
{
    uint8_t ad[76];
    uint8_t *out;
    size_t n = ENGINE_LINK_ENVELOPE_OVERHEAD + payload_len;
    unsigned long long clen = 0;
    cairn_status rc;

    if (payload_len > 64 * 1024)
        return CAIRN_ERR_TOO_LARGE;
    out = cairn__alloc(ctx, n);
    if (out == NULL)
        return CAIRN_ERR_NOMEM;
    out[0] = 1;
    memcpy(out + 1, r->e_pub, 32);
    rc = cairn__random(ctx, out + 33, 24);
    aad(ad, r->n_pub, r->e_pub);
    if (rc == CAIRN_OK)
        crypto_aead_xchacha20poly1305_ietf_encrypt(out + 57, &clen, payload, payload_len, ad,
                                                   sizeof(ad), NULL, out + 33, r->k);
    if (rc != CAIRN_OK) {
        cairn__free(ctx, out);
        return rc;
    }
    *env = out;
    *env_len = n;
    return CAIRN_OK;
}

cairn_status engine__link_seal(const cairn_context *ctx, const engine_link_secret *s,
                               const uint8_t *offer, size_t offer_len, const uint8_t *payload,
                               size_t payload_len, uint8_t **env, size_t *env_len)
{
    engine_link_reply r;
    cairn_status rc;
    if (offer == NULL || offer_len != ENGINE_LINK_OFFER_BYTES || offer[0] != 1)
        return CAIRN_ERR_DECODE;
    if (payload_len > 64 * 1024)
        return CAIRN_ERR_TOO_LARGE;
    rc = engine__link_reply_begin(ctx, s, offer, offer_len, &r);
    if (rc == CAIRN_OK)
        rc = engine__link_reply_seal(ctx, &r, payload, payload_len, env, env_len);
    sodium_memzero(&r, sizeof(r));
    return rc;
}

cairn_status engine__link_open(const cairn_context *ctx, const engine_link_offer *o,
                               const uint8_t *env, size_t env_len, uint8_t **payload,
                               size_t *payload_len)
{
    return engine__link_open_secret(ctx, o, env, env_len, payload, payload_len, NULL);
}

cairn_status engine__link_open_secret(const cairn_context *ctx, const engine_link_offer *o,
                                      const uint8_t *env, size_t env_len, uint8_t **payload,
                                      size_t *payload_len,
                                      char relay_secret[ENGINE_LINK_RELAY_SECRET_LEN + 1])
{
    uint8_t shared[32], k[32], ad[76];
    uint8_t *pt;
    unsigned long long plen = 0;
    size_t n;
    int r;

    if (env == NULL || env_len < ENGINE_LINK_ENVELOPE_OVERHEAD || env_len > 64 * 1024 + 73 ||
        env[0] != 1)
        return CAIRN_ERR_DECODE;
    if (crypto_scalarmult(shared, o->eph_priv, env + 1) != 0)
        return CAIRN_ERR_INVALID_MESSAGE;
    session_key(&o->secret, shared, o->eph_pub, env + 1, k);
    sodium_memzero(shared, sizeof(shared));
    n = env_len - ENGINE_LINK_ENVELOPE_OVERHEAD;
    pt = cairn__alloc(ctx, n ? n : 1);
    if (pt == NULL) {
        sodium_memzero(k, sizeof(k));
        return CAIRN_ERR_NOMEM;
    }
    aad(ad, o->eph_pub, env + 1);
    r = crypto_aead_xchacha20poly1305_ietf_decrypt(pt, &plen, NULL, env + 57, env_len - 57, ad,
                                                   sizeof(ad), env + 33, k);
    if (r == 0 && relay_secret)
        engine__link_relay_secret(k, relay_secret); /* only from an authentic envelope */
    sodium_memzero(k, sizeof(k));
    if (r != 0) {
        cairn__free_secret(ctx, pt, n ? n : 1);
        return CAIRN_ERR_INVALID_MESSAGE;
    }
    *payload = pt;
    *payload_len = (size_t)plen;
    return CAIRN_OK;
}
