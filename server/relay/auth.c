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
 */
#include <string.h>

#include <sodium.h>

#include "relay.h"

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
    if (crypto_pwhash_str(out, secret, strlen(secret), (unsigned long long)r->cfg.argon2_opslimit,
                          (size_t)r->cfg.argon2_memlimit_kib * 1024u) != 0)
        return CAIRN_ERR_NOMEM;
    return CAIRN_OK;
}

cairn_status relay__auth_basic(relay *r, const char *hdr, relay_principal *p)
{
    uint8_t h[32];
    char uri[RELAY_URI_MAX + 1], secret[RELAY_SECRET_MAX + 1];
    char pwhash[crypto_pwhash_STRBYTES];
    uint32_t device;
    relay_principal found;
    struct relay_cred *slot;
    int64_t now = relay__now_ms();
    cairn_status st = CAIRN_ERR_AUTH;

    if (hdr == NULL)
        return CAIRN_ERR_AUTH;
    size_t hl = strnlen(hdr, 1025);
    if (hl > 1024)
        return CAIRN_ERR_AUTH;
    crypto_generichash(h, sizeof h, (const uint8_t *)hdr, hl, r->cred_key, sizeof r->cred_key);
    uint64_t idx;
    memcpy(&idx, h, sizeof idx);
    slot = &r->cred[idx % r->n_cred];
    if (r->cfg.credential_cache_seconds > 0 && slot->expires_ms > now &&
        cairn__memeq_ct(slot->h, h, sizeof h) == 0) {
        *p = slot->p;
        return CAIRN_OK;
    }
    if (relay__basic_parse(hdr, hl, uri, &device, secret) != CAIRN_OK)
        goto out;
    if (relay__device_find(r, uri, device, &found, pwhash, sizeof pwhash, NULL, NULL) != CAIRN_OK) {
        /* Same cost as a real check, so timing does not reveal which
         * accounts exist. */
        if (crypto_pwhash_str_verify(r->dummy_hash, secret, strlen(secret)) == 0)
            RLOGD("auth_dummy_matched", "%s", "");
        goto out;
    }
    if (crypto_pwhash_str_verify(pwhash, secret, strlen(secret)) != 0)
        goto out;
    *p = found;
    if (r->cfg.credential_cache_seconds > 0) {
        memcpy(slot->h, h, sizeof h);
        slot->p = found;
        slot->expires_ms = now + r->cfg.credential_cache_seconds * 1000;
    }
    st = CAIRN_OK;
out:
    sodium_memzero(secret, sizeof secret);
    if (st != CAIRN_OK)
        r->m.auth_failures_total++;
    return st;
}
