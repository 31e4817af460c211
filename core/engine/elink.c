/*
 * elink.c - linking a second device to an account (spec/client-engine.md
 * section 7, ENG-LINK-*), on both sides, and the installation of an
 * account identity received by provisioning.
 *
 *   new device:      link_begin -> offer in mailbox "<m>.offer"
 *                    link_finish <- envelope in mailbox "<m>.prov"
 *                      -> check key pair -> install identity (device id
 *                      given by the existing device) and the relay secret
 *                      derived from the envelope key -> log in -> publish
 *                      keys -> HELLO to our other devices
 *   existing device: link_approve(code) <- offer -> check MAC -> pick the
 *                      device id and register it at the relay with the
 *                      derived secret (ENG-LINK-7, the account's consent)
 *                      -> PROVISION sealed -> "<m>.prov"; DEVICE_LINKED
 *                      when HELLO arrives; a device it registered but
 *                      could not provision is removed again
 *   any device:      device_remove(id): the relay forgets that device
 *
 * The identity is installed with cairn_account_import_identity. Mailbox
 * polls are spaced LINK_POLL_MS apart (at most four a second: the relay
 * rate-limits unauthenticated callers, RELAY-PROV-8).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "engine_internal.h"
#include "protocol.h"

#define LINK_POLL_MS 250
/* device ids tried when the next free one is taken meanwhile */
#define LINK_REGISTER_TRIES 4

_Static_assert(ENGINE_LINK_RELAY_SECRET_LEN == ENGINE_SECRET_LEN,
               "the derived relay secret is the engine's device secret");

cairn_status elink__import_identity(cairn_engine *e, const char *uri, uint32_t device,
                                    const uint8_t pub[CAIRN_PUBLIC_KEY_BYTES],
                                    const uint8_t priv[32])
{
    return cairn_account_import_identity(e->acct, uri, device, pub, priv);
}

/* The secret the engine logs in with (engine.c reads "engine.secret"),
 * set to the one the existing device registered us with. */
static cairn_status secret_install(cairn_engine *e, const char *secret)
{
    cairn_status rc;
    proto__lock(e->acct);
    rc = store__meta_put(e->acct->store, "engine.secret", (const uint8_t *)secret,
                         ENGINE_SECRET_LEN);
    proto__unlock(e->acct);
    return rc;
}

static void box_name(const engine_link_secret *s, const char *suffix, char out[48])
{
    char mb[ENGINE_LINK_MAILBOX_LEN + 1];
    engine__link_mailbox(s, mb);
    snprintf(out, 48, "%s.%s", mb, suffix);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

cairn_status cairn_engine_link_begin(cairn_engine *e, char code[CAIRN_LINK_CODE_LEN],
                                     char qr[CAIRN_LINK_QR_LEN])
{
    uint8_t offer[ENGINE_LINK_OFFER_BYTES];
    char mb[48], c[ENGINE_LINK_CODE_LEN];
    cairn_status rc;
    if (e == NULL || code == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    if (e->have_identity)
        rc = engine__fail(e, CAIRN_ERR_EXISTS, "this device already has an account");
    else if (e->net == NULL)
        rc = engine__fail(e, CAIRN_ERR_STATE, "no relay configured");
    else
        rc = engine__link_offer_new(e->ctx, &e->offer, offer);
    if (rc == CAIRN_OK) {
        box_name(&e->offer.secret, "offer", mb);
        rc = e->net->ops->mailbox_put(e->net, mb, offer, sizeof(offer));
    }
    if (rc == CAIRN_OK) {
        size_t o = 0;
        engine__link_code_format(&e->offer.secret, c);
        memcpy(code, c, sizeof(c));
        if (qr) {
            memcpy(qr, "cairn-link:1:", 13);
            o = 13;
            for (size_t i = 0; c[i]; i++)
                if (c[i] != '-')
                    qr[o++] = c[i];
            qr[o] = '\0';
        }
        e->linking = 1;
    }
    engine__unlock(e);
    return rc;
}

cairn_status cairn_engine_link_finish(cairn_engine *e, int timeout_ms)
{
    char mb[48], uri[CAIRN_URI_MAX + 1], secret[ENGINE_LINK_RELAY_SECRET_LEN + 1];
    uint8_t *env = NULL, *pt = NULL, check[32];
    size_t env_len = 0, pt_len = 0;
    engine_payload p;
    int waited = 0;
    cairn_status rc;
    if (e == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    if (!e->linking) {
        engine__unlock(e);
        return engine__fail(e, CAIRN_ERR_STATE, "no linking in progress");
    }
    box_name(&e->offer.secret, "prov", mb);
    for (;;) {
        rc = e->net->ops->mailbox_take(e->net, mb, &env, &env_len);
        if (rc != CAIRN_ERR_NOT_FOUND || waited >= timeout_ms)
            break;
        engine__unlock(e);
        sleep_ms(LINK_POLL_MS);
        waited += LINK_POLL_MS;
        engine__lock(e);
    }
    if (rc == CAIRN_ERR_NOT_FOUND) {
        engine__unlock(e);
        return CAIRN_ERR_TIMEOUT;
    }
    if (rc == CAIRN_OK) {
        rc = engine__link_open_secret(e->ctx, &e->offer, env, env_len, &pt, &pt_len, secret);
        cairn__free(e->ctx, env);
    }
    if (rc == CAIRN_OK) {
        rc = engine__payload_decode(pt, pt_len, &p);
        if (rc == CAIRN_OK && p.kind != ENGINE_PL_PROVISION)
            rc = CAIRN_ERR_PROTOCOL;
    }
    if (rc == CAIRN_OK) {
        /* ENG-LINK-5: the key pair must be one */
        crypto_scalarmult_base(check, p.prov_id_priv);
        if (cairn__memeq_ct(check, p.prov_id_pub + 1, 32) != 0)
            rc = engine__fail(e, CAIRN_ERR_BAD_KEY, "provisioned key pair does not match");
    }
    if (rc == CAIRN_OK) {
        memcpy(uri, p.prov_uri.p, p.prov_uri.len);
        uri[p.prov_uri.len] = '\0';
        rc = secret_install(e, secret);
        if (rc == CAIRN_OK)
            rc = elink__import_identity(e, uri, p.prov_device, p.prov_id_pub, p.prov_id_priv);
    }
    sodium_memzero(secret, sizeof(secret));
    cairn__wipe(&p, sizeof(p));
    sodium_memzero(check, sizeof(check));
    if (pt)
        cairn__free_secret(e->ctx, pt, pt_len);
    if (rc == CAIRN_OK)
        rc = engine__install_and_register(e);
    if (rc == CAIRN_OK) {
        engine_payload h;
        uint8_t *hl = NULL;
        size_t hlen = 0;
        sodium_memzero(&e->offer, sizeof(e->offer));
        e->linking = 0;
        memset(&h, 0, sizeof(h));
        h.kind = ENGINE_PL_HELLO;
        h.has_sent_ms = 1;
        h.sent_ms = (uint64_t)engine__now(e);
        if (e->device_name[0])
            h.device_name =
                (engine_pl_str){(const uint8_t *)e->device_name, strlen(e->device_name)};
        rc = engine__payload_encode(e->ctx, &h, &hl, &hlen);
        if (rc == CAIRN_OK) /* ENG-LINK-6 */
            rc = engine__fanout(e, e->uri, NULL, 0, hl, hlen);
        cairn__free(e->ctx, hl);
    }
    engine__unlock(e);
    return rc;
}

cairn_status cairn_engine_link_approve(cairn_engine *e, const char *code, int timeout_ms,
                                       uint32_t *device)
{
    engine_link_secret s;
    engine_link_reply reply;
    char mb[48], secret[ENGINE_LINK_RELAY_SECRET_LEN + 1];
    uint8_t *offer = NULL, *pl = NULL, *env = NULL;
    size_t offer_len = 0, pl_len = 0, env_len = 0, nd = 0;
    uint32_t devs[ENGINE_MAX_DEVICES], next = 1;
    engine_payload p;
    int waited = 0, registered = 0;
    cairn_status rc;
    if (e == NULL || code == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (strncmp(code, "cairn-link:1:", 13) == 0)
        code += 13;
    if (engine__link_code_parse(code, &s) != CAIRN_OK) /* ENG-LINK-2 */
        return CAIRN_ERR_DECODE;
    engine__lock(e);
    rc = engine__ensure_login(e);
    box_name(&s, "offer", mb);
    while (rc == CAIRN_OK) {
        rc = e->net->ops->mailbox_take(e->net, mb, &offer, &offer_len);
        if (rc != CAIRN_ERR_NOT_FOUND || waited >= timeout_ms)
            break;
        engine__unlock(e);
        sleep_ms(LINK_POLL_MS);
        waited += LINK_POLL_MS;
        engine__lock(e);
        rc = CAIRN_OK;
    }
    if (rc == CAIRN_ERR_NOT_FOUND)
        rc = engine__fail(e, CAIRN_ERR_TIMEOUT, "no device is waiting with this code");
    memset(&reply, 0, sizeof(reply));
    secret[0] = '\0';
    if (rc == CAIRN_OK) {
        rc = engine__link_reply_begin(e->ctx, &s, offer, offer_len, &reply);
        if (rc == CAIRN_ERR_AUTH)
            engine__fail(e, rc, "the code does not match the waiting device (ENG-LINK-3)");
    }
    if (rc == CAIRN_OK) {
        engine__link_relay_secret(reply.k, secret);
        rc = e->net->ops->devices(e->net, e->uri, devs, ENGINE_MAX_DEVICES, &nd);
        for (size_t i = 0; rc == CAIRN_OK && i < nd; i++)
            if (devs[i] >= next)
                next = devs[i] + 1;
    }
    /* ENG-LINK-7 / ENG-RELAY-1: this device registers the new one, so the
     * relay adds it with the account's consent; a device id taken
     * meanwhile moves on to the next */
    for (int t = 0; rc == CAIRN_OK && t < LINK_REGISTER_TRIES; t++) {
        rc = e->net->ops->register_device(e->net, e->uri, next, e->identity, secret);
        registered = rc == CAIRN_OK;
        if (rc != CAIRN_OK && rc != CAIRN_ERR_EXISTS)
            engine__fail(e, rc, "the relay refused to add device %u", next);
        if (rc != CAIRN_ERR_EXISTS)
            break;
        next++;
        rc = t + 1 < LINK_REGISTER_TRIES ? CAIRN_OK : engine__fail(e, rc, "no free device id");
    }
    if (rc == CAIRN_OK) {
        memset(&p, 0, sizeof(p));
        p.kind = ENGINE_PL_PROVISION;
        p.has_sent_ms = p.has_prov_device = p.has_prov_id = 1;
        p.sent_ms = (uint64_t)engine__now(e);
        p.prov_uri = (engine_pl_str){(const uint8_t *)e->uri, strlen(e->uri)};
        p.prov_device = next;
        proto__lock(e->acct);
        memcpy(p.prov_id_pub, e->acct->identity_pub, CAIRN_PUBLIC_KEY_BYTES);
        memcpy(p.prov_id_priv, e->acct->identity_priv, 32);
        proto__unlock(e->acct);
        rc = engine__payload_encode(e->ctx, &p, &pl, &pl_len);
        cairn__wipe(&p, sizeof(p));
    }
    if (rc == CAIRN_OK)
        rc = engine__link_reply_seal(e->ctx, &reply, pl, pl_len, &env, &env_len);
    sodium_memzero(&reply, sizeof(reply));
    sodium_memzero(secret, sizeof(secret));
    if (pl)
        cairn__free_secret(e->ctx, pl, pl_len);
    if (rc == CAIRN_OK) {
        box_name(&s, "prov", mb);
        rc = e->net->ops->mailbox_put(e->net, mb, env, env_len);
    }
    /* Registered but never provisioned: nobody will ever hold its keys,
     * so it must not stay listed (senders would skip it forever). */
    if (rc != CAIRN_OK && registered)
        (void)e->net->ops->remove_device(e->net, next);
    if (rc == CAIRN_OK && device)
        *device = next;
    cairn__free(e->ctx, env);
    cairn__free(e->ctx, offer);
    sodium_memzero(&s, sizeof(s));
    engine__unlock(e);
    return rc;
}

cairn_status cairn_engine_device_remove(cairn_engine *e, uint32_t device)
{
    cairn_status rc;
    if (e == NULL || device == 0 || device > 0x7fffffff)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    if (!e->have_identity)
        rc = CAIRN_ERR_STATE;
    else if (device == e->device)
        rc = CAIRN_ERR_INVALID_ARG;
    else
        rc = engine__ensure_login(e);
    if (rc == CAIRN_OK)
        rc = e->net->ops->remove_device(e->net, device);
    if (rc == CAIRN_OK || rc == CAIRN_ERR_NOT_FOUND)
        (void)estore__device_forget(e, e->uri, device);
    engine__unlock(e);
    return rc;
}
