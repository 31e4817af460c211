/*
 * send.c - everything outbound: sessions from bundles (with the
 * key-transparency check before a key is first trusted), Sesame-style
 * fan-out to every device of a user and to our own other devices, texts,
 * typing and receipts (files: efile.c).
 *
 * Fan-out (ENG-FAN-1..3):
 *   devices(uri) from the relay -> forget local devices it no longer
 *   lists -> for each device: session? else bundle -> KT -> X3DH ->
 *   encrypt -> send; a STALE answer refreshes the list once and sends
 *   to the devices not yet served (never twice to one device).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "engine_internal.h"

int64_t engine__now(cairn_engine *e)
{
    return cairn__now_ms(e->ctx);
}

void engine__new_id(cairn_engine *e, uint8_t id[ENGINE_PL_ID_BYTES], char hex[CAIRN_MSG_ID_HEX])
{
    if (cairn__random(e->ctx, id, ENGINE_PL_ID_BYTES) != CAIRN_OK)
        memset(id, 0, ENGINE_PL_ID_BYTES); /* the default RNG cannot fail */
    if (hex)
        cairn__hex_encode(hex, id, ENGINE_PL_ID_BYTES);
}

static int is_group_conv(const char *conv)
{
    return strncmp(conv, "group:", 6) == 0;
}

/* The identity key a bundle carries (checked again by the core). */
cairn_status engine__bundle_identity(const char *json, size_t len,
                                     uint8_t key[CAIRN_PUBLIC_KEY_BYTES])
{
    json_t *j = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL);
    const char *s;
    size_t n = 0;
    cairn_status rc = CAIRN_ERR_DECODE;
    if (j == NULL)
        return rc;
    s = json_string_value(json_object_get(j, "identity_key"));
    if (s && cairn__base64_decode(key, CAIRN_PUBLIC_KEY_BYTES, &n, s, strlen(s)) == CAIRN_OK &&
        n == CAIRN_PUBLIC_KEY_BYTES)
        rc = CAIRN_OK;
    json_decref(j);
    return rc;
}

void engine__identity_event(cairn_engine *e, const char *uri,
                            const uint8_t key[CAIRN_PUBLIC_KEY_BYTES])
{
    cairn_event ev;
    int state = 0;
    char k[CAIRN_URI_MAX + 16], hexkey[2 * CAIRN_PUBLIC_KEY_BYTES + 1];
    /* remembered for cairn_engine_identity_accept */
    snprintf(k, sizeof(k), "pending:%s", uri);
    cairn__hex_encode(hexkey, key, CAIRN_PUBLIC_KEY_BYTES);
    (void)estore__meta_put_str(e, k, hexkey);
    memset(&ev, 0, sizeof(ev));
    ev.type = CAIRN_EVENT_IDENTITY_CHANGED;
    ev.peer = uri;
    ev.conversation = uri;
    ev.identity_key = key;
    /* ENG-KT-7: say whether the directory vouches for the new key */
    ev.kt_confirmed = ekt__check(e, uri, key, &state) == CAIRN_OK && state == 1;
    engine__emit(e, &ev);
}

/* One session from a fetched bundle, after the identity checks. */
static cairn_status session_from_bundle(cairn_engine *e, const cairn_address *a)
{
    char *json = NULL;
    size_t len = 0;
    uint8_t key[CAIRN_PUBLIC_KEY_BYTES], trusted[CAIRN_PUBLIC_KEY_BYTES];
    int verified = 0, state = 0;
    cairn_status rc = e->net->ops->fetch_bundle(e->net, a->uri, a->device, &json, &len);
    if (rc == CAIRN_ERR_NOT_FOUND) /* the relay has no keys for it: ENG-FAN-5 */
        return CAIRN_ERR_NO_SESSION;
    if (rc != CAIRN_OK)
        return engine__fail(e, rc, "no bundle for device %u of %s", a->device, a->uri);
    rc = engine__bundle_identity(json, len, key);
    if (rc == CAIRN_OK && strcmp(a->uri, e->uri) == 0 &&
        cairn__memeq_ct(key, e->identity, sizeof(key)) != 0) {
        /* our own account with a key we do not hold: the relay lies */
        cairn_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.type = CAIRN_EVENT_KT_ALERT;
        ev.peer = a->uri;
        ev.detail = "the relay serves a key for this account that this account does not hold";
        engine__emit(e, &ev);
        rc = engine__fail(e, CAIRN_ERR_PROOF, "relay served a foreign key for our account");
    } else if (rc == CAIRN_OK) {
        cairn_status t = cairn_identity_get(e->acct, a->uri, trusted, &verified);
        if (t == CAIRN_ERR_NOT_FOUND) {
            /* ENG-FAN-2 / ENG-KT-1: first key for this user */
            rc = ekt__check(e, a->uri, key, &state);
            if (rc == CAIRN_OK)
                rc = estore__contact_put(e, a->uri, state);
        } else if (t != CAIRN_OK) {
            rc = t;
        } else if (cairn__memeq_ct(trusted, key, sizeof(key)) != 0) {
            engine__identity_event(e, a->uri, key);
            rc = engine__fail(e, CAIRN_ERR_IDENTITY_CHANGED,
                              "%s has a new identity key; accept it first", a->uri);
        }
    }
    if (rc == CAIRN_OK)
        rc = cairn_bundle_process(e->acct, a, json, len);
    cairn_free(e->ctx, json, len);
    return rc;
}

cairn_status engine__ensure_sessions(cairn_engine *e, const char *uri, uint32_t *devs, size_t cap,
                                     size_t *n)
{
    uint32_t listed[ENGINE_MAX_DEVICES], known[ENGINE_MAX_DEVICES];
    size_t nl = 0, nk = 0, k = 0;
    int own = strcmp(uri, e->uri) == 0;
    char pk[CAIRN_URI_MAX + 16], pending[2 * CAIRN_PUBLIC_KEY_BYTES + 1];
    cairn_status rc;
    *n = 0;
    /* ENG-KT-7: nothing goes to a user whose key change is not accepted */
    snprintf(pk, sizeof(pk), "pending:%s", uri);
    if (estore__meta_get_str(e, pk, pending, sizeof(pending)) == CAIRN_OK && pending[0])
        return engine__fail(e, CAIRN_ERR_IDENTITY_CHANGED,
                            "%s has a new identity key; accept it first", uri);
    rc = e->net->ops->devices(e->net, uri, listed, ENGINE_MAX_DEVICES, &nl);
    if (rc == CAIRN_ERR_NOT_FOUND && own) {
        nl = 0;
        rc = CAIRN_OK;
    }
    if (rc != CAIRN_OK)
        return engine__fail(e, rc, "no devices listed for %s", uri);
    /* ENG-FAN-3: forget devices the relay no longer lists */
    if (estore__devices(e, uri, known, ENGINE_MAX_DEVICES, &nk) == CAIRN_OK) {
        for (size_t i = 0; i < nk; i++) {
            int still = 0;
            for (size_t j = 0; j < nl; j++)
                still |= listed[j] == known[i];
            if (!still && !(own && known[i] == e->device)) {
                cairn_address a = {uri, known[i]};
                (void)cairn_session_delete(e->acct, &a);
                (void)estore__device_forget(e, uri, known[i]);
            }
        }
    }
    size_t keyless = 0;
    for (size_t i = 0; i < nl && rc == CAIRN_OK; i++) {
        cairn_address a = {uri, listed[i]};
        if (own && listed[i] == e->device)
            continue;
        if (!cairn_session_exists(e->acct, &a))
            rc = session_from_bundle(e, &a);
        if (rc == CAIRN_ERR_NO_SESSION) {
            /* ENG-FAN-5: listed but no keys yet (a device being linked) */
            keyless++;
            rc = CAIRN_OK;
            continue;
        }
        if (rc == CAIRN_OK) {
            int added = 0;
            rc = estore__device_add(e, uri, listed[i], &added);
        }
        if (rc == CAIRN_OK && k < cap)
            devs[k++] = listed[i];
    }
    if (rc == CAIRN_OK && k == 0 && keyless > 0 && !own)
        rc = engine__fail(e, CAIRN_ERR_NOT_FOUND, "no device of %s has keys", uri);
    *n = k;
    return rc;
}

cairn_status engine__send_ct(cairn_engine *e, const cairn_address *to, uint8_t type,
                             const char *group, const uint8_t *ct, size_t len)
{
    engine_envelope env;
    memset(&env, 0, sizeof(env));
    memcpy(env.from_uri, e->uri, strlen(e->uri) + 1);
    env.from_device = e->device;
    if (strlen(to->uri) > CAIRN_URI_MAX || (group && strlen(group) > CAIRN_GROUP_ID_MAX))
        return CAIRN_ERR_INVALID_ARG;
    memcpy(env.to_uri, to->uri, strlen(to->uri) + 1);
    env.to_device = to->device;
    env.type = type;
    if (group)
        memcpy(env.group_id, group, strlen(group) + 1);
    env.data = (uint8_t *)ct;
    env.len = len;
    return e->net->ops->send(e->net, &env);
}

cairn_status engine__send_payload_to(cairn_engine *e, const cairn_address *to, const uint8_t *pl,
                                     size_t len)
{
    cairn_ciphertext ct;
    cairn_status rc = cairn_session_encrypt(e->acct, to, pl, len, &ct);
    if (rc != CAIRN_OK)
        return engine__fail(e, rc, "cannot encrypt for device %u of %s", to->device, to->uri);
    rc = engine__send_ct(e, to, (uint8_t)ct.type, NULL, ct.data, ct.len);
    cairn_ciphertext_clear(e->acct, &ct);
    return rc;
}

static int served(const uint32_t *done, size_t n, uint32_t d)
{
    for (size_t i = 0; i < n; i++)
        if (done[i] == d)
            return 1;
    return 0;
}

/* Sends to every device of uri, refreshing the list once on STALE. */
static cairn_status send_user(cairn_engine *e, const char *uri, const uint8_t *pl, size_t len)
{
    uint32_t devs[ENGINE_MAX_DEVICES], done[ENGINE_MAX_DEVICES];
    size_t n = 0, nd = 0;
    cairn_status rc = CAIRN_OK;
    for (int round = 0; round < 2; round++) {
        int stale = 0;
        rc = engine__ensure_sessions(e, uri, devs, ENGINE_MAX_DEVICES, &n);
        if (rc != CAIRN_OK)
            return rc;
        for (size_t i = 0; i < n && rc == CAIRN_OK; i++) {
            cairn_address a = {uri, devs[i]};
            if (served(done, nd, devs[i]))
                continue;
            rc = engine__send_payload_to(e, &a, pl, len);
            if (rc == CAIRN_ERR_STALE) {
                stale = 1;
                rc = CAIRN_OK;
            } else if (rc == CAIRN_OK && nd < ENGINE_MAX_DEVICES) {
                done[nd++] = devs[i];
            }
        }
        if (rc != CAIRN_OK || !stale)
            break;
    }
    return rc;
}

cairn_status engine__fanout(cairn_engine *e, const char *uri, const uint8_t *pl, size_t len,
                            const uint8_t *self_pl, size_t self_len)
{
    cairn_status rc = CAIRN_OK;
    if (strcmp(uri, e->uri) != 0)
        rc = send_user(e, uri, pl, len);
    if (rc == CAIRN_OK && self_pl)
        rc = send_user(e, e->uri, self_pl, self_len);
    return rc;
}

cairn_status engine__send_receipt(cairn_engine *e, const char *to, int type,
                                  const uint8_t ids[][ENGINE_PL_ID_BYTES], size_t n)
{
    engine_payload p;
    uint8_t *pl = NULL, *spl = NULL;
    size_t len = 0, slen = 0;
    cairn_status rc;
    if (n == 0 || n > ENGINE_PL_MAX_REFS)
        return CAIRN_ERR_INVALID_ARG;
    memset(&p, 0, sizeof(p));
    p.kind = ENGINE_PL_RECEIPT;
    p.has_sent_ms = 1;
    p.sent_ms = (uint64_t)engine__now(e);
    p.receipt_type = (uint8_t)type;
    p.n_refs = n;
    memcpy(p.refs, ids, n * ENGINE_PL_ID_BYTES);
    rc = engine__payload_encode(e->ctx, &p, &pl, &len);
    if (rc == CAIRN_OK && type == ENGINE_RECEIPT_READ) {
        /* ENG-RCPT-2: read state to our other devices */
        p.dest = (engine_pl_str){(const uint8_t *)to, strlen(to)};
        rc = engine__payload_encode(e->ctx, &p, &spl, &slen);
    }
    if (rc == CAIRN_OK)
        rc = engine__fanout(e, to, pl, len, spl, slen);
    cairn__free(e->ctx, pl);
    cairn__free(e->ctx, spl);
    return rc;
}

/* Sends a TEXT/FILE/TYPING payload to a conversation; p->group_id and
 * p->dest are set here. Stores it in history when store_kind != 0. */
cairn_status engine__send_to_conv(cairn_engine *e, const char *conv, engine_payload *p,
                                  int store_kind, const char *msg_hex)
{
    uint8_t *pl = NULL, *spl = NULL;
    size_t len = 0, slen = 0;
    cairn_status rc;
    if (is_group_conv(conv)) {
        char admin[CAIRN_URI_MAX + 1];
        const char *gid = conv + 6;
        if (estore__group_get(e, gid, NULL, 0, admin, sizeof(admin), NULL) != CAIRN_OK)
            return engine__fail(e, CAIRN_ERR_NOT_FOUND, "no such group");
        p->group_id = (engine_pl_str){(const uint8_t *)gid, strlen(gid)};
        rc = engine__payload_encode(e->ctx, p, &pl, &len);
        if (rc == CAIRN_OK)
            rc = egroup__send_payload(e, gid, pl, len);
    } else {
        if (!engine__uri_valid((const uint8_t *)conv, strlen(conv)))
            return CAIRN_ERR_INVALID_ARG;
        rc = engine__payload_encode(e->ctx, p, &pl, &len);
        if (rc == CAIRN_OK && p->kind != ENGINE_PL_TYPING) {
            p->dest = (engine_pl_str){(const uint8_t *)conv, strlen(conv)};
            rc = engine__payload_encode(e->ctx, p, &spl, &slen);
        }
        if (rc == CAIRN_OK)
            rc = engine__fanout(e, conv, pl, len, spl, slen);
    }
    if (rc == CAIRN_OK && store_kind)
        rc = estore__msg_put(e, conv, msg_hex, e->uri, e->device, 1, store_kind,
                             (int64_t)p->sent_ms, pl, len);
    cairn__free_secret(e->ctx, pl, len);
    cairn__free_secret(e->ctx, spl, slen);
    return rc;
}

cairn_status cairn_engine_send_text(cairn_engine *e, const char *to, const char *text, size_t len,
                                    char msg_id[CAIRN_MSG_ID_HEX])
{
    engine_payload p;
    char hex[CAIRN_MSG_ID_HEX];
    cairn_status rc;
    if (e == NULL || to == NULL || text == NULL || len == 0 || len > ENGINE_PL_TEXT_MAX ||
        !engine__utf8_valid((const uint8_t *)text, len))
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    rc = engine__ensure_login(e);
    if (rc == CAIRN_OK) {
        memset(&p, 0, sizeof(p));
        p.kind = ENGINE_PL_TEXT;
        p.has_msg_id = p.has_sent_ms = 1;
        engine__new_id(e, p.msg_id, hex);
        p.sent_ms = (uint64_t)engine__now(e);
        p.body = (engine_pl_str){(const uint8_t *)text, len};
        rc = engine__send_to_conv(e, to, &p, ENGINE_PL_TEXT, hex);
        if (rc == CAIRN_OK && msg_id)
            memcpy(msg_id, hex, CAIRN_MSG_ID_HEX);
    }
    engine__unlock(e);
    return rc;
}

cairn_status cairn_engine_group_send(cairn_engine *e, const char *group_id, const char *text,
                                     size_t len, char msg_id[CAIRN_MSG_ID_HEX])
{
    char conv[6 + CAIRN_GROUP_ID_MAX + 1];
    if (group_id == NULL || strlen(group_id) > CAIRN_GROUP_ID_MAX)
        return CAIRN_ERR_INVALID_ARG;
    snprintf(conv, sizeof(conv), "group:%s", group_id);
    return cairn_engine_send_text(e, conv, text, len, msg_id);
}

cairn_status cairn_engine_send_typing(cairn_engine *e, const char *conv, int composing)
{
    engine_payload p;
    cairn_status rc;
    if (e == NULL || conv == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    rc = engine__ensure_login(e);
    if (rc == CAIRN_OK) {
        memset(&p, 0, sizeof(p));
        p.kind = ENGINE_PL_TYPING;
        p.has_sent_ms = p.has_typing = 1;
        p.sent_ms = (uint64_t)engine__now(e);
        p.typing = composing ? ENGINE_TYPING_ACTIVE : ENGINE_TYPING_IDLE;
        rc = engine__send_to_conv(e, conv, &p, 0, NULL);
    }
    engine__unlock(e);
    return rc;
}

cairn_status cairn_engine_mark_read(cairn_engine *e, const char *conv, const char *msg_id)
{
    uint8_t id[1][ENGINE_PL_ID_BYTES];
    size_t n = 0;
    char sender[CAIRN_URI_MAX + 1];
    uint8_t *pl = NULL;
    size_t plen = 0;
    int changed = 0;
    cairn_status rc;
    if (e == NULL || conv == NULL || msg_id == NULL ||
        cairn__hex_decode(id[0], sizeof(id[0]), &n, msg_id, strlen(msg_id)) != CAIRN_OK ||
        n != ENGINE_PL_ID_BYTES)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    rc = engine__ensure_login(e);
    if (rc == CAIRN_OK)
        rc = estore__msg_payload(e, conv, msg_id, &pl, &plen, sender, sizeof(sender));
    if (rc == CAIRN_OK) {
        cairn__free_secret(e->ctx, pl, plen);
        rc = estore__msg_status(e, msg_id, 0, 2, conv, NULL, 0, &changed);
    }
    if (rc == CAIRN_OK && changed && strcmp(sender, e->uri) != 0)
        rc = engine__send_receipt(e, sender, ENGINE_RECEIPT_READ,
                                  (const uint8_t(*)[ENGINE_PL_ID_BYTES])id, 1);
    engine__unlock(e);
    return rc;
}
