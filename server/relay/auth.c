/*
 * auth.c - device authentication for HTTPS: HTTP Basic credentials checked
 * against the Argon2id string stored per device, with a small cache of
 * recently verified credentials so that Argon2id (tens of milliseconds and
 * megabytes of memory by design) runs once per client per cache period
 * rather than once per request.
 *
 * The cache is a fixed table indexed by a keyed BLAKE2b hash (key random
 * per process) of the whole Authorization value; only that hash and the
 * resulting principal are kept, never the secret. An entry lives
 * credential_cache_seconds; the table is cleared whenever a device is
 * added, removed or changes secret, so a revoked secret stops working at
 * once. Failed verifications are never cached.
 *
 * Argon2id itself runs on the worker threads (worker.c, driven by
 * http_prework.c): this file prepares a verification on the loop (parse,
 * look the device up, or take the dummy string for unknown devices so a
 * miss costs what a hit does) and confirms it afterwards (the device must
 * still hold the verified string, since it may have been removed or
 * re-keyed meanwhile) before caching.
 */
#include <string.h>

#include <sodium.h>

#include "runtime.h"

struct relay_cred {
    uint8_t h[32];
    int64_t expires_ms;
    relay_principal p;
};

cairn_status relay__auth_init(relay *r)
{
    r->n_cred = (size_t)r->cfg.credential_cache_entries;
    r->cred = cairn__calloc(r->ctx, r->n_cred, sizeof(struct relay_cred));
    if (r->cred == NULL)
        return CAIRN_ERR_NOMEM;
    randombytes_buf(r->cred_key, sizeof r->cred_key);
    /* Verified against on unknown devices, so a miss costs what a hit does. */
    char dummy[33];
    uint8_t rnd[16];
    randombytes_buf(rnd, sizeof rnd);
    cairn__hex_encode(dummy, rnd, sizeof rnd);
    return relay__auth_hash(r, dummy, r->dummy_hash);
}

void relay__auth_free(relay *r)
{
    if (r->cred)
        cairn__free_secret(r->ctx, r->cred, r->n_cred * sizeof(struct relay_cred));
    r->cred = NULL;
}

void relay__auth_cache_clear(relay *r)
{
    if (r->cred)
        sodium_memzero(r->cred, r->n_cred * sizeof(struct relay_cred));
}

cairn_status relay__auth_hash(relay *r, const char *secret, char *out)
{
    /* A registration held for the workers already has its hash. */
    if (relay__prework_hash(r, secret, out))
        return CAIRN_OK;
    if (crypto_pwhash_str(out, secret, strlen(secret), (unsigned long long)r->cfg.argon2_opslimit,
                          (size_t)r->cfg.argon2_memlimit_kib * 1024u) != 0)
        return CAIRN_ERR_NOMEM;
    return CAIRN_OK;
}

static struct relay_cred *cache_slot(relay *r, const char *hdr, size_t hl, uint8_t h[32])
{
    uint64_t idx;
    crypto_generichash(h, 32, (const uint8_t *)hdr, hl, r->cred_key, sizeof r->cred_key);
    memcpy(&idx, h, sizeof idx);
    return &r->cred[idx % r->n_cred];
}

bool relay__auth_cached(relay *r, const char *hdr, relay_principal *p)
{
    uint8_t h[32];
    size_t hl;
    if (hdr == NULL || r->cfg.credential_cache_seconds <= 0 || (hl = strnlen(hdr, 1025)) > 1024)
        return false;
    struct relay_cred *slot = cache_slot(r, hdr, hl, h);
    if (slot->expires_ms > relay__now_ms() && cairn__memeq_ct(slot->h, h, sizeof h) == 0) {
        *p = slot->p;
        return true;
    }
    return false;
}

static void cache_put(relay *r, const char *hdr, size_t hl, const relay_principal *p)
{
    uint8_t h[32];
    if (r->cfg.credential_cache_seconds <= 0)
        return;
    struct relay_cred *slot = cache_slot(r, hdr, hl, h);
    memcpy(slot->h, h, sizeof h);
    slot->p = *p;
    slot->expires_ms = relay__now_ms() + r->cfg.credential_cache_seconds * 1000;
}

cairn_status relay__auth_prepare(relay *r, const char *hdr, char uri[RELAY_URI_MAX + 1],
                                 uint32_t *device, char secret[RELAY_SECRET_MAX + 1],
                                 char pwhash[crypto_pwhash_STRBYTES], bool *known)
{
    relay_principal found;
    size_t hl;
    if (hdr == NULL || (hl = strnlen(hdr, 1025)) > 1024 ||
        relay__basic_parse(hdr, hl, uri, device, secret) != CAIRN_OK) {
        sodium_memzero(secret, RELAY_SECRET_MAX + 1);
        return CAIRN_ERR_AUTH;
    }
    *known = relay__device_find(r, uri, *device, &found, pwhash, crypto_pwhash_STRBYTES, NULL,
                                NULL) == CAIRN_OK;
    if (!*known) /* same cost as a real check: timing does not tell who exists */
        memcpy(pwhash, r->dummy_hash, crypto_pwhash_STRBYTES);
    return CAIRN_OK;
}

bool relay__auth_confirm(relay *r, const char *hdr, const char *uri, uint32_t device,
                         const char *pwhash, relay_principal *p)
{
    char now_hash[crypto_pwhash_STRBYTES];
    relay_principal found;
    /* The device may have been removed or re-keyed while Argon2id ran: the
     * verification counts only if it still holds the string verified. */
    if (relay__device_find(r, uri, device, &found, now_hash, sizeof now_hash, NULL, NULL) !=
            CAIRN_OK ||
        strnlen(now_hash, sizeof now_hash) != strnlen(pwhash, crypto_pwhash_STRBYTES) ||
        cairn__memeq_ct(now_hash, pwhash, strnlen(now_hash, sizeof now_hash)) != 0)
        return false;
    *p = found;
    cache_put(r, hdr, strnlen(hdr, 1025), p);
    return true;
}

cairn_status relay__auth_basic(relay *r, const char *hdr, relay_principal *p)
{
    char uri[RELAY_URI_MAX + 1], secret[RELAY_SECRET_MAX + 1];
    char pwhash[crypto_pwhash_STRBYTES];
    uint32_t device;
    bool known = false;
    cairn_status st = CAIRN_ERR_AUTH;

    if (relay__auth_cached(r, hdr, p))
        return CAIRN_OK;
    if (relay__auth_prepare(r, hdr, uri, &device, secret, pwhash, &known) != CAIRN_OK)
        goto out;
    /* Only reached without the workers (HTTPS requests go through
     * http_prework.c, which verifies off the loop). */
    if (crypto_pwhash_str_verify(pwhash, secret, strlen(secret)) != 0 || !known)
        goto out;
    if (relay__auth_confirm(r, hdr, uri, device, pwhash, p))
        st = CAIRN_OK;
out:
    sodium_memzero(secret, sizeof secret);
    if (st != CAIRN_OK)
        r->m.auth_failures_total++;
    return st;
}
