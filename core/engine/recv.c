/*
 * recv.c - everything inbound: one envelope at a time, decrypted by the
 * core (atomic decrypt-and-store, duplicates refused), then its payload
 * decoded and dispatched to history, events and automatic receipts.
 *
 *   envelope --type 3------------> group decrypt ----\
 *            --type 1/2 + group--> distribution       >--> payload --> dispatch
 *            --type 1/2----------> session decrypt --/
 *
 * Held envelopes: a message from a contact whose new identity key is not
 * accepted yet is kept under "ident:<uri>" and replayed on acceptance; a
 * distribution or group message for a group we have not joined yet (or
 * whose sender key has not arrived) is kept under "group:<id>" and
 * replayed when we join or receive a key for it.
 */
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"

static void str_of(char *out, size_t cap, engine_pl_str s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    memcpy(out, s.p, n);
    out[n] = '\0';
}

static void learn_device(cairn_engine *e, const engine_envelope *env)
{
    int added = 0;
    if (estore__device_add(e, env->from_uri, env->from_device, &added) != CAIRN_OK || !added)
        return;
    if (strcmp(env->from_uri, e->uri) == 0) { /* ENG-FAN-4 */
        cairn_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.type = CAIRN_EVENT_DEVICE_LINKED;
        ev.peer = e->uri;
        ev.device = env->from_device;
        ev.conversation = e->uri;
        engine__emit(e, &ev);
    }
}

static void handle_text_or_file(cairn_engine *e, const engine_envelope *env,
                                const engine_payload *p, const uint8_t *raw, size_t raw_len,
                                const char *group)
{
    char conv[6 + CAIRN_GROUP_ID_MAX + CAIRN_URI_MAX + 1], hex[CAIRN_MSG_ID_HEX];
    char fname[ENGINE_PL_NAME_MAX + 1];
    int own = strcmp(env->from_uri, e->uri) == 0;
    cairn_event ev;

    if (group) {
        if (p->group_id.len != strlen(group) || memcmp(p->group_id.p, group, p->group_id.len))
            return; /* a group payload must name the group it came in */
        snprintf(conv, sizeof(conv), "group:%s", group);
    } else if (p->group_id.len) {
        return; /* group content only travels as group messages */
    } else if (own) {
        if (p->dest.len == 0)
            return;
        str_of(conv, sizeof(conv), p->dest);
    } else {
        snprintf(conv, sizeof(conv), "%s", env->from_uri);
    }
    cairn__hex_encode(hex, p->msg_id, ENGINE_PL_ID_BYTES);
    if (estore__msg_put(e, conv, hex, env->from_uri, env->from_device, own, p->kind,
                        (int64_t)p->sent_ms, raw, raw_len) != CAIRN_OK)
        return;
    if (!own && !group)
        (void)estore__contact_ensure(e, env->from_uri);
    memset(&ev, 0, sizeof(ev));
    ev.type = p->kind == ENGINE_PL_TEXT ? CAIRN_EVENT_MESSAGE : CAIRN_EVENT_FILE;
    ev.peer = env->from_uri;
    ev.device = env->from_device;
    ev.conversation = conv;
    ev.group_id = group;
    ev.msg_id = hex;
    ev.sent_ms = (int64_t)p->sent_ms;
    ev.outgoing = own;
    if (p->kind == ENGINE_PL_TEXT) {
        ev.text = (const char *)p->body.p;
        ev.text_len = p->body.len;
    } else {
        str_of(fname, sizeof(fname),
               p->file_name.len ? p->file_name : (engine_pl_str){(const uint8_t *)"file", 4});
        ev.file_name = fname;
        ev.file_size = p->file_size;
    }
    engine__emit(e, &ev);
    /* ENG-RCPT-1 */
    if (!own && e->auto_delivered)
        (void)engine__send_receipt(e, env->from_uri, ENGINE_RECEIPT_DELIVERED,
                                   (const uint8_t(*)[ENGINE_PL_ID_BYTES])p->msg_id, 1);
}

static void handle_receipt(cairn_engine *e, const engine_envelope *env, const engine_payload *p)
{
    int own = strcmp(env->from_uri, e->uri) == 0;
    for (size_t i = 0; i < p->n_refs; i++) {
        char hex[CAIRN_MSG_ID_HEX], conv[6 + CAIRN_GROUP_ID_MAX + CAIRN_URI_MAX + 1];
        int changed = 0;
        cairn__hex_encode(hex, p->refs[i], ENGINE_PL_ID_BYTES);
        if (own) {
            /* read state from our other device */
            (void)estore__msg_status(e, hex, 0, p->receipt_type == ENGINE_RECEIPT_READ ? 2 : 0,
                                     NULL, NULL, 0, &changed);
            continue;
        }
        conv[0] = '\0';
        /* ENG-RCPT-3: a 1:1 message only by its peer; a group message by a member */
        if (estore__msg_status(e, hex, 1, 0, env->from_uri, conv, sizeof(conv), &changed) !=
            CAIRN_OK) {
            if (estore__msg_status(e, hex, 1, 0, NULL, conv, sizeof(conv), &changed) != CAIRN_OK ||
                strncmp(conv, "group:", 6) != 0)
                continue;
            {
                cairn_address *m = NULL;
                size_t nm = 0;
                int member = 0;
                if (cairn_group_members(e->acct, conv + 6, &m, &nm) == CAIRN_OK) {
                    for (size_t k = 0; k < nm; k++)
                        member |= strcmp(m[k].uri, env->from_uri) == 0;
                    cairn_group_members_free(e->acct, m, nm);
                }
                if (!member)
                    continue;
            }
        }
        if (estore__msg_status(e, hex, 1, p->receipt_type == ENGINE_RECEIPT_READ ? 2 : 1, conv,
                               NULL, 0, &changed) == CAIRN_OK &&
            changed) {
            cairn_event ev;
            memset(&ev, 0, sizeof(ev));
            ev.type =
                p->receipt_type == ENGINE_RECEIPT_READ ? CAIRN_EVENT_READ : CAIRN_EVENT_DELIVERED;
            ev.peer = env->from_uri;
            ev.device = env->from_device;
            ev.conversation = conv;
            ev.group_id = strncmp(conv, "group:", 6) == 0 ? conv + 6 : NULL;
            ev.msg_id = hex;
            ev.sent_ms = (int64_t)p->sent_ms;
            engine__emit(e, &ev);
        }
    }
}

static void dispatch(cairn_engine *e, const engine_envelope *env, const uint8_t *body, size_t len,
                     const char *group)
{
    engine_payload p;
    cairn_event ev;
    if (engine__payload_decode(body, len, &p) != CAIRN_OK) /* ENG-PL-12 */
        return;
    switch (p.kind) {
    case ENGINE_PL_TEXT:
    case ENGINE_PL_FILE:
        handle_text_or_file(e, env, &p, body, len, group);
        break;
    case ENGINE_PL_RECEIPT:
        if (!group)
            handle_receipt(e, env, &p);
        break;
    case ENGINE_PL_TYPING:
        if (strcmp(env->from_uri, e->uri) == 0)
            break;
        memset(&ev, 0, sizeof(ev));
        ev.type = CAIRN_EVENT_TYPING;
        ev.peer = env->from_uri;
        ev.device = env->from_device;
        ev.typing = p.typing;
        {
            char conv[6 + CAIRN_GROUP_ID_MAX + 1];
            if (group)
                snprintf(conv, sizeof(conv), "group:%s", group);
            ev.conversation = group ? conv : env->from_uri;
            ev.group_id = group;
            engine__emit(e, &ev);
        }
        break;
    case ENGINE_PL_GROUP:
        if (!group)
            (void)egroup__handle(e, env, &p);
        break;
    case ENGINE_PL_HELLO:
        /* learn_device already raised DEVICE_LINKED for a new own device */
        break;
    default:
        break; /* PROVISION never travels inside a session */
    }
    cairn__wipe(&p, sizeof(p));
}

static cairn_status replay_one(cairn_engine *e, engine_envelope *env)
{
    return engine__handle_envelope(e, env);
}

/* After a first contact's key is stored by the core, check it against the
 * directory (ENG-KT-1); an alert drops the message. */
static int first_contact_ok(cairn_engine *e, const char *uri, int was_known)
{
    uint8_t key[CAIRN_PUBLIC_KEY_BYTES];
    int verified = 0, state = 0;
    if (was_known || strcmp(uri, e->uri) == 0)
        return 1;
    if (cairn_identity_get(e->acct, uri, key, &verified) != CAIRN_OK)
        return 0;
    if (ekt__check(e, uri, key, &state) != CAIRN_OK)
        return 0;
    (void)estore__contact_put(e, uri, state);
    return 1;
}

cairn_status engine__handle_envelope(cairn_engine *e, engine_envelope *env)
{
    cairn_address from = {env->from_uri, env->from_device};
    cairn_message_meta meta;
    cairn_plaintext pt;
    uint8_t known_key[CAIRN_PUBLIC_KEY_BYTES];
    int verified = 0, was_known;
    char hold[7 + CAIRN_URI_MAX + CAIRN_GROUP_ID_MAX];
    cairn_status rc;

    if (from.device == 0 ||
        !engine__uri_valid((const uint8_t *)env->from_uri, strlen(env->from_uri)))
        return CAIRN_ERR_DECODE;
    if (strcmp(env->from_uri, e->uri) == 0 && env->from_device == e->device)
        return CAIRN_ERR_PROTOCOL; /* never from ourselves */
    memset(&meta, 0, sizeof(meta));
    memset(&pt, 0, sizeof(pt));
    meta.msg_id = env->id;
    meta.sent_ms = env->ts;
    was_known = cairn_identity_get(e->acct, env->from_uri, known_key, &verified) == CAIRN_OK;

    if (env->type == CAIRN_MSG_SENDER_KEY) {
        if (env->group_id[0] == '\0')
            return CAIRN_ERR_DECODE;
        rc = cairn_group_decrypt(e->acct, env->group_id, &from, env->data, env->len, &meta, &pt);
        if (rc == CAIRN_ERR_NO_SESSION || rc == CAIRN_ERR_NOT_MEMBER || rc == CAIRN_ERR_NOT_FOUND) {
            snprintf(hold, sizeof(hold), "group:%s", env->group_id);
            return estore__held_put(e, hold, env);
        }
        if (rc != CAIRN_OK)
            return rc;
        learn_device(e, env);
        dispatch(e, env, pt.body, pt.len, env->group_id);
        cairn_plaintext_clear(e->acct, &pt);
        return CAIRN_OK;
    }
    if (env->type != CAIRN_MSG_PREKEY && env->type != CAIRN_MSG_NORMAL)
        return CAIRN_ERR_DECODE;
    if (env->group_id[0] != '\0') {
        /* a sender-key distribution inside a 1:1 session */
        rc = cairn_group_receive_distribution(e->acct, env->group_id, &from,
                                              (cairn_message_type)env->type, env->data, env->len);
        /* a transport that does not carry the inner type (cairn.Type:
         * distribution) hands it as PREKEY: the other type is tried too;
         * a failed attempt changes nothing (atomic) */
        if (env->type == CAIRN_MSG_PREKEY &&
            (rc == CAIRN_ERR_INVALID_MESSAGE || rc == CAIRN_ERR_DECODE))
            rc = cairn_group_receive_distribution(e->acct, env->group_id, &from, CAIRN_MSG_NORMAL,
                                                  env->data, env->len);
        if (rc == CAIRN_ERR_NOT_MEMBER || rc == CAIRN_ERR_NOT_FOUND) {
            snprintf(hold, sizeof(hold), "group:%s", env->group_id);
            return estore__held_put(e, hold, env);
        }
        if (rc == CAIRN_ERR_IDENTITY_CHANGED) {
            snprintf(hold, sizeof(hold), "ident:%s", env->from_uri);
            return estore__held_put(e, hold, env);
        }
        if (rc != CAIRN_OK)
            return rc;
        learn_device(e, env);
        snprintf(hold, sizeof(hold), "group:%s", env->group_id);
        return estore__held_replay(e, hold, replay_one);
    }
    rc = cairn_session_decrypt(e->acct, &from, (cairn_message_type)env->type, env->data, env->len,
                               &meta, &pt);
    if (rc == CAIRN_ERR_IDENTITY_CHANGED) {
        cairn_status h;
        snprintf(hold, sizeof(hold), "ident:%s", env->from_uri);
        h = estore__held_put(e, hold, env);
        if (pt.has_new_identity)
            engine__identity_event(e, env->from_uri, pt.new_identity);
        cairn_plaintext_clear(e->acct, &pt);
        return h;
    }
    if (rc != CAIRN_OK)
        return rc;
    if (!first_contact_ok(e, env->from_uri, was_known)) {
        cairn_plaintext_clear(e->acct, &pt);
        return CAIRN_ERR_PROOF;
    }
    learn_device(e, env);
    dispatch(e, env, pt.body, pt.len, NULL);
    cairn_plaintext_clear(e->acct, &pt);
    return CAIRN_OK;
}

cairn_status cairn_engine_identity_accept(cairn_engine *e, const char *uri)
{
    char k[CAIRN_URI_MAX + 16], hexkey[2 * CAIRN_PUBLIC_KEY_BYTES + 1];
    char hold[7 + CAIRN_URI_MAX];
    uint8_t key[CAIRN_PUBLIC_KEY_BYTES];
    size_t n = 0;
    cairn_status rc;
    if (e == NULL || uri == NULL || strlen(uri) > CAIRN_URI_MAX)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    snprintf(k, sizeof(k), "pending:%s", uri);
    rc = estore__meta_get_str(e, k, hexkey, sizeof(hexkey));
    if (rc == CAIRN_ERR_NOT_FOUND || (rc == CAIRN_OK && hexkey[0] == '\0')) {
        /* no message came with it: take the key the relay's bundle shows */
        char *json = NULL;
        size_t len = 0;
        uint32_t devs[ENGINE_MAX_DEVICES];
        size_t nd = 0;
        rc = engine__ensure_login(e);
        if (rc == CAIRN_OK)
            rc = e->net->ops->devices(e->net, uri, devs, ENGINE_MAX_DEVICES, &nd);
        if (rc == CAIRN_OK)
            rc = e->net->ops->fetch_bundle(e->net, uri, devs[0], &json, &len);
        if (rc == CAIRN_OK) {
            rc = engine__bundle_identity(json, len, key);
            cairn_free(e->ctx, json, len);
        }
        n = CAIRN_PUBLIC_KEY_BYTES;
    } else if (rc == CAIRN_OK) {
        rc = cairn__hex_decode(key, sizeof(key), &n, hexkey, strlen(hexkey));
        if (rc == CAIRN_OK && n != CAIRN_PUBLIC_KEY_BYTES)
            rc = CAIRN_ERR_CORRUPT;
    }
    if (rc == CAIRN_OK)
        rc = cairn_identity_accept(e->acct, uri, key);
    if (rc == CAIRN_OK) {
        int state = 0;
        (void)estore__meta_put_str(e, k, "");
        if (ekt__check(e, uri, key, &state) == CAIRN_OK)
            (void)estore__contact_put(e, uri, state);
        snprintf(hold, sizeof(hold), "ident:%s", uri);
        rc = estore__held_replay(e, hold, replay_one);
    }
    engine__unlock(e);
    return rc;
}
