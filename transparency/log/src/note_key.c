/*
 * note_key.c - note signer and verifier keys: the C2SP text forms
 * "PRIVATE+KEY+<name>+<id>+<key>" and "<name>+<id>+<key>", key IDs, and
 * key generation (TLOG-14, TLOG-15).
 *
 * Parsing is strict: exactly 8 lowercase hex digits for the ID, strict
 * base64, the Ed25519 algorithm byte, and an ID that matches the key, so a
 * typo in a configured key fails loudly instead of silently never matching.
 * The key field is the rest of the string after the ID because base64 may
 * itself contain '+'; names cannot.
 */
#include <stdio.h>
#include <string.h>

#include "note_internal.h"

#define PRIV_PREFIX "PRIVATE+KEY+"

size_t cairn_note_max_size(void) { return CAIRN_NOTE_MAX_SIZE; }
size_t cairn_note_max_signatures(void) { return CAIRN_NOTE_MAX_SIGNATURES; }

uint32_t cairn_note_key_id(const char *name, size_t name_len, uint8_t alg,
                           const uint8_t *key, size_t key_len)
{
    crypto_hash_sha256_state st;
    uint8_t h[crypto_hash_sha256_BYTES];
    static const uint8_t nl = '\n';
    if (name == NULL)
        return 0;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)name, name_len);
    crypto_hash_sha256_update(&st, &nl, 1);
    crypto_hash_sha256_update(&st, &alg, 1);
    if (key_len)
        crypto_hash_sha256_update(&st, key, key_len);
    crypto_hash_sha256_final(&st, h);
    return ((uint32_t)h[0] << 24) | ((uint32_t)h[1] << 16) |
           ((uint32_t)h[2] << 8) | h[3];
}

/* Splits "<name>+<8 hex>+<base64>" and decodes the key into key[33]. */
static cairn_status split_key(const char *text, size_t len,
                              const char **name, size_t *name_len,
                              uint32_t *id, uint8_t key[33])
{
    const char *plus = memchr(text, '+', len);
    const char *hex, *b64;
    size_t i, got = 0;
    uint32_t v = 0;
    cairn_status rc;

    if (plus == NULL)
        return CAIRN_ERR_DECODE;
    *name = text;
    *name_len = (size_t)(plus - text);
    if (*name_len > CAIRN_NOTE_MAX_NAME ||
        !tlog__name_valid((const uint8_t *)text, *name_len))
        return CAIRN_ERR_DECODE;
    hex = plus + 1;
    if ((size_t)(text + len - hex) < 9 || hex[8] != '+')
        return CAIRN_ERR_DECODE;
    for (i = 0; i < 8; i++) {
        char c = hex[i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else
            return CAIRN_ERR_DECODE;
        v = (v << 4) | d;
    }
    *id = v;
    b64 = hex + 9;
    /* Decode into a larger buffer so an over-long key is a length error
     * rather than a silent truncation. */
    {
        uint8_t tmp[48];
        rc = tlog__base64_decode(tmp, sizeof(tmp), &got, b64,
                                  (size_t)(text + len - b64));
        if (rc != CAIRN_OK || got == 0) {
            cairn__wipe(tmp, sizeof(tmp));
            return CAIRN_ERR_DECODE;
        }
        if (tmp[0] != CAIRN_NOTE_ALG_ED25519) {
            cairn__wipe(tmp, sizeof(tmp));
            return CAIRN_ERR_UNSUPPORTED;
        }
        if (got != 33) {
            cairn__wipe(tmp, sizeof(tmp));
            return CAIRN_ERR_DECODE;
        }
        memcpy(key, tmp, 33);
        cairn__wipe(tmp, sizeof(tmp));
    }
    return CAIRN_OK;
}

static uint32_t ed25519_id(const char *name, size_t name_len,
                           const uint8_t pk[32])
{
    return cairn_note_key_id(name, name_len, CAIRN_NOTE_ALG_ED25519, pk, 32);
}

static cairn_status signer_from_seed(const cairn_context *ctx,
                                     const char *name, size_t name_len,
                                     const uint8_t seed[32],
                                     cairn_note_signer **out)
{
    cairn_note_signer *s = cairn__calloc(ctx, 1, sizeof(*s));
    if (s == NULL)
        return CAIRN_ERR_NOMEM;
    s->ctx = ctx;
    s->name = cairn__strndup(ctx, name, name_len);
    if (s->name == NULL) {
        cairn__free(ctx, s);
        return CAIRN_ERR_NOMEM;
    }
    s->name_len = name_len;
    if (crypto_sign_seed_keypair(s->pk, s->sk, seed) != 0) {
        cairn_note_signer_destroy(s);
        return CAIRN_ERR_CRYPTO;
    }
    s->id = ed25519_id(name, name_len, s->pk);
    *out = s;
    return CAIRN_OK;
}

cairn_status cairn_note_signer_parse(const cairn_context *ctx,
                                     const char *text, size_t len,
                                     cairn_note_signer **out)
{
    const char *name;
    size_t name_len;
    uint32_t id;
    uint8_t key[33];
    cairn_note_signer *s = NULL;
    cairn_status rc;

    if (ctx == NULL || text == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    if (len > CAIRN_NOTE_MAX_LINE)
        return CAIRN_ERR_TOO_LARGE;
    if (len < sizeof(PRIV_PREFIX) - 1 ||
        memcmp(text, PRIV_PREFIX, sizeof(PRIV_PREFIX) - 1) != 0)
        return CAIRN_ERR_DECODE;
    rc = split_key(text + sizeof(PRIV_PREFIX) - 1,
                   len - (sizeof(PRIV_PREFIX) - 1), &name, &name_len, &id,
                   key);
    if (rc != CAIRN_OK)
        return rc;
    rc = signer_from_seed(ctx, name, name_len, key + 1, &s);
    cairn__wipe(key, sizeof(key));
    if (rc != CAIRN_OK)
        return rc;
    if (s->id != id) {
        cairn_note_signer_destroy(s);
        return CAIRN_ERR_BAD_KEY;
    }
    *out = s;
    return CAIRN_OK;
}

cairn_status cairn_note_signer_generate(const cairn_context *ctx,
                                        const char *name,
                                        cairn_note_signer **out)
{
    uint8_t seed[32];
    cairn_status rc;
    size_t n;
    if (ctx == NULL || name == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    n = strlen(name);
    if (n > CAIRN_NOTE_MAX_NAME || !tlog__name_valid((const uint8_t *)name, n))
        return CAIRN_ERR_INVALID_ARG;
    rc = cairn__random(ctx, seed, sizeof(seed));
    if (rc == CAIRN_OK)
        rc = signer_from_seed(ctx, name, n, seed, out);
    cairn__wipe(seed, sizeof(seed));
    return rc;
}

cairn_status cairn_note_signer_copy(const cairn_context *ctx,
                                    const cairn_note_signer *s,
                                    cairn_note_signer **out)
{
    if (ctx == NULL || s == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    /* The first 32 bytes of a libsodium secret key are the seed. */
    return signer_from_seed(ctx, s->name, s->name_len, s->sk, out);
}

void cairn_note_signer_destroy(cairn_note_signer *s)
{
    if (s == NULL)
        return;
    cairn__free(s->ctx, s->name);
    cairn__free_secret(s->ctx, s, sizeof(*s));
}

/* "<name>+<id>+base64(0x01 || key)", optionally with the private prefix. */
static cairn_status format_key(const cairn_context *ctx, const char *prefix,
                               const char *name, uint32_t id,
                               const uint8_t key[32], char **out, size_t *len)
{
    uint8_t raw[33];
    char b64[64];
    cairn__buf b;
    uint8_t *p;
    cairn_status rc;

    if (out == NULL || len == NULL)
        return CAIRN_ERR_INVALID_ARG;
    raw[0] = CAIRN_NOTE_ALG_ED25519;
    memcpy(raw + 1, key, 32);
    cairn__base64_encode(b64, raw, sizeof(raw));
    cairn__buf_init(&b, ctx, 1024);
    rc = cairn__buf_printf(&b, "%s%s+%08x+%s", prefix, name, (unsigned)id, b64);
    if (rc == CAIRN_OK)
        rc = cairn__buf_take(&b, &p, len);
    cairn__wipe(raw, sizeof(raw));
    cairn__wipe(b64, sizeof(b64));
    cairn__buf_free(&b);
    if (rc != CAIRN_OK)
        return rc;
    *out = (char *)p;
    return CAIRN_OK;
}

cairn_status cairn_note_signer_format(const cairn_note_signer *s, char **out,
                                      size_t *len)
{
    if (s == NULL)
        return CAIRN_ERR_INVALID_ARG;
    return format_key(s->ctx, PRIV_PREFIX, s->name, s->id, s->sk, out, len);
}

cairn_status cairn_note_signer_verifier_text(const cairn_note_signer *s,
                                             char **out, size_t *len)
{
    if (s == NULL)
        return CAIRN_ERR_INVALID_ARG;
    return format_key(s->ctx, "", s->name, s->id, s->pk, out, len);
}

const char *cairn_note_signer_name(const cairn_note_signer *s)
{
    return s ? s->name : NULL;
}

uint32_t cairn_note_signer_id(const cairn_note_signer *s)
{
    return s ? s->id : 0;
}

static cairn_status verifier_new(const cairn_context *ctx, const char *name,
                                 size_t name_len, const uint8_t pk[32],
                                 cairn_note_verifier **out)
{
    cairn_note_verifier *v = cairn__calloc(ctx, 1, sizeof(*v));
    if (v == NULL)
        return CAIRN_ERR_NOMEM;
    v->ctx = ctx;
    v->name = cairn__strndup(ctx, name, name_len);
    if (v->name == NULL) {
        cairn__free(ctx, v);
        return CAIRN_ERR_NOMEM;
    }
    v->name_len = name_len;
    memcpy(v->pk, pk, 32);
    v->id = ed25519_id(name, name_len, pk);
    *out = v;
    return CAIRN_OK;
}

cairn_status cairn_note_verifier_parse(const cairn_context *ctx,
                                       const char *text, size_t len,
                                       cairn_note_verifier **out)
{
    const char *name;
    size_t name_len;
    uint32_t id;
    uint8_t key[33];
    cairn_status rc;

    if (ctx == NULL || text == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    if (len > CAIRN_NOTE_MAX_LINE)
        return CAIRN_ERR_TOO_LARGE;
    rc = split_key(text, len, &name, &name_len, &id, key);
    if (rc != CAIRN_OK)
        return rc;
    if (crypto_core_ed25519_is_valid_point(key + 1) != 1)
        return CAIRN_ERR_BAD_PUBLIC_KEY;
    if (ed25519_id(name, name_len, key + 1) != id)
        return CAIRN_ERR_BAD_KEY;
    return verifier_new(ctx, name, name_len, key + 1, out);
}

cairn_status cairn_note_verifier_from_signer(const cairn_context *ctx,
                                             const cairn_note_signer *s,
                                             cairn_note_verifier **out)
{
    if (ctx == NULL || s == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    return verifier_new(ctx, s->name, s->name_len, s->pk, out);
}

void cairn_note_verifier_destroy(cairn_note_verifier *v)
{
    if (v == NULL)
        return;
    cairn__free(v->ctx, v->name);
    cairn__free(v->ctx, v);
}

cairn_status cairn_note_verifier_format(const cairn_note_verifier *v,
                                        char **out, size_t *len)
{
    if (v == NULL)
        return CAIRN_ERR_INVALID_ARG;
    return format_key(v->ctx, "", v->name, v->id, v->pk, out, len);
}

const char *cairn_note_verifier_name(const cairn_note_verifier *v)
{
    return v ? v->name : NULL;
}

uint32_t cairn_note_verifier_id(const cairn_note_verifier *v)
{
    return v ? v->id : 0;
}
