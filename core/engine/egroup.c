/*
 * egroup.c - the group-management protocol (spec/client-engine.md
 * ENG-GRP-1..5) on top of the core's sender-key groups.
 *
 * Every change is announced 1:1 (GROUP payload, inside each member's
 * session) before the sender's own rotated sender key goes out, so a
 * receiver always knows the member list before a key arrives. Each
 * receiver applies the change to its local view and rotates its own key
 * (the core does this in cairn_group_add/remove), which is why a removed
 * member cannot read anything sent after its removal.
 *
 * Authority: the creator is the admin; only the admin's add/remove are
 * applied, anyone may leave. Epochs only grow; a stale or replayed
 * announcement is ignored.
 */
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"

#define GROUP_NAME_CAP (ENGINE_PL_GROUP_NAME_MAX + 1)

static void group_event(cairn_engine *e, const char *gid, const char *peer, const char *detail)
{
    cairn_event ev;
    char conv[6 + CAIRN_GROUP_ID_MAX + 1];
    snprintf(conv, sizeof(conv), "group:%s", gid);
    memset(&ev, 0, sizeof(ev));
    ev.type = CAIRN_EVENT_GROUP;
    ev.peer = peer;
    ev.conversation = conv;
    ev.group_id = gid;
    ev.detail = detail;
    engine__emit(e, &ev);
}

cairn_status engine__send_outbox(cairn_engine *e, const char *gid, cairn_outbox *ob)
{
    cairn_status rc = CAIRN_OK;
    for (size_t i = 0; i < ob->count; i++) {
        cairn_status r = engine__send_ct(e, &ob->items[i].to, (uint8_t)ob->items[i].ct.type, gid,
                                         ob->items[i].ct.data, ob->items[i].ct.len);
        if (r != CAIRN_OK && r != CAIRN_ERR_STALE && rc == CAIRN_OK)
            rc = r;
    }
    cairn_outbox_free(e->acct, ob);
    return rc;
}

cairn_status egroup__send_payload(cairn_engine *e, const char *gid, const uint8_t *pl, size_t len)
{
    cairn_address *m = NULL;
    size_t n = 0;
    cairn_ciphertext ct = {0, NULL, 0};
    cairn_status rc = cairn_group_members(e->acct, gid, &m, &n);
    if (rc != CAIRN_OK)
        return engine__fail(e, rc, "no such group");
    rc = cairn_group_encrypt(e->acct, gid, pl, len, &ct);
    for (size_t i = 0; i < n && rc == CAIRN_OK; i++) {
        cairn_status r = engine__send_ct(e, &m[i], CAIRN_MSG_SENDER_KEY, gid, ct.data, ct.len);
        if (r != CAIRN_OK && r != CAIRN_ERR_STALE)
            rc = r;
    }
    if (ct.data)
        cairn_ciphertext_clear(e->acct, &ct);
    cairn_group_members_free(e->acct, m, n);
    return rc;
}

/* A session with one device, from a bundle when needed. */
static cairn_status ensure_device(cairn_engine *e, const cairn_address *a)
{
    uint32_t devs[ENGINE_MAX_DEVICES];
    size_t n;
    if (cairn_session_exists(e->acct, a))
        return CAIRN_OK;
    return engine__ensure_sessions(e, a->uri, devs, ENGINE_MAX_DEVICES, &n);
}

/* Builds and sends one announcement 1:1 to every address in `to`. */
static cairn_status announce(cairn_engine *e, const char *gid, uint8_t op, uint64_t epoch,
                             const char *name, const char *subject, const cairn_address *members,
                             size_t n_members, const cairn_address *to, size_t n_to)
{
    engine_payload p;
    uint8_t *pl = NULL;
    size_t len = 0;
    cairn_status rc;
    memset(&p, 0, sizeof(p));
    p.kind = ENGINE_PL_GROUP;
    p.has_msg_id = p.has_sent_ms = p.has_group_epoch = 1;
    engine__new_id(e, p.msg_id, NULL);
    p.sent_ms = (uint64_t)engine__now(e);
    p.group_id = (engine_pl_str){(const uint8_t *)gid, strlen(gid)};
    p.group_op = op;
    p.group_epoch = epoch;
    if (name) {
        p.has_group_name = 1;
        p.group_name = (engine_pl_str){(const uint8_t *)name, strlen(name)};
    }
    if (subject)
        p.subject = (engine_pl_str){(const uint8_t *)subject, strlen(subject)};
    p.members = members;
    p.n_members = n_members;
    rc = engine__payload_encode(e->ctx, &p, &pl, &len);
    for (size_t i = 0; i < n_to && rc == CAIRN_OK; i++) {
        rc = ensure_device(e, &to[i]);
        if (rc == CAIRN_OK)
            rc = engine__send_payload_to(e, &to[i], pl, len);
        if (rc == CAIRN_ERR_STALE)
            rc = CAIRN_OK;
    }
    cairn__free(e->ctx, pl);
    return rc;
}

/* Member devices of the group plus this device (the announced list). */
static cairn_status with_self(cairn_engine *e, const cairn_address *m, size_t n,
                              cairn_address **out, size_t *out_n)
{
    cairn_address *a = cairn__calloc(e->ctx, n + 1, sizeof(*a));
    if (a == NULL)
        return CAIRN_ERR_NOMEM;
    if (n)
        memcpy(a, m, n * sizeof(*a));
    a[n].uri = e->uri;
    a[n].device = e->device;
    *out = a;
    *out_n = n + 1;
    return CAIRN_OK;
}

cairn_status cairn_engine_group_create(cairn_engine *e, const char *name,
                                       const char *const *members, size_t count,
                                       char group_id[CAIRN_GROUP_ID_HEX])
{
    cairn_address *all = NULL, *ann = NULL;
    size_t n = 0, nann = 0, cap = (count + 1) * ENGINE_MAX_DEVICES;
    uint8_t raw[16];
    char gid[CAIRN_GROUP_ID_HEX];
    cairn_outbox ob = {0, NULL};
    cairn_status rc;
    if (e == NULL || name == NULL || strlen(name) > ENGINE_PL_GROUP_NAME_MAX ||
        (count > 0 && members == NULL) || count > 100)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    rc = engine__ensure_login(e);
    if (rc == CAIRN_OK) {
        all = cairn__calloc(e->ctx, cap, sizeof(*all));
        if (all == NULL)
            rc = CAIRN_ERR_NOMEM;
    }
    /* every device of every member, and our own other devices */
    for (size_t i = 0; i <= count && rc == CAIRN_OK; i++) {
        const char *uri = i < count ? members[i] : e->uri;
        uint32_t devs[ENGINE_MAX_DEVICES];
        size_t nd = 0;
        if (uri == NULL || (i < count && strcmp(uri, e->uri) == 0))
            continue;
        rc = engine__ensure_sessions(e, uri, devs, ENGINE_MAX_DEVICES, &nd);
        for (size_t k = 0; k < nd && rc == CAIRN_OK && n < cap; k++) {
            all[n].uri = uri;
            all[n++].device = devs[k];
        }
    }
    if (rc == CAIRN_OK) {
        engine__new_id(e, raw, gid);
        rc = with_self(e, all, n, &ann, &nann);
    }
    if (rc == CAIRN_OK)
        rc = estore__group_put(e, gid, name, e->uri, 1);
    if (rc == CAIRN_OK) /* ENG-GRP-4: announcement first, then the key */
        rc = announce(e, gid, ENGINE_GROUP_OP_CREATE, 1, name, NULL, ann, nann, all, n);
    if (rc == CAIRN_OK)
        rc = cairn_group_create(e->acct, gid, all, n, &ob);
    if (rc == CAIRN_OK)
        rc = engine__send_outbox(e, gid, &ob);
    if (rc == CAIRN_OK && group_id)
        memcpy(group_id, gid, CAIRN_GROUP_ID_HEX);
    cairn__free(e->ctx, ann);
    cairn__free(e->ctx, all);
    engine__unlock(e);
    return rc;
}

static cairn_status admin_check(cairn_engine *e, const char *gid, char *name, uint64_t *epoch)
{
    char admin[CAIRN_URI_MAX + 1];
    cairn_status rc = estore__group_get(e, gid, name, GROUP_NAME_CAP, admin, sizeof(admin), epoch);
    if (rc != CAIRN_OK)
        return engine__fail(e, rc, "no such group");
    if (strcmp(admin, e->uri) != 0)
        return engine__fail(e, CAIRN_ERR_STATE, "only the group's admin may change members");
    return CAIRN_OK;
}

cairn_status cairn_engine_group_add(cairn_engine *e, const char *gid, const char *uri)
{
    char name[GROUP_NAME_CAP];
    uint64_t epoch = 0;
    cairn_address *m = NULL, *all = NULL, *ann = NULL, *newd = NULL;
    size_t nm = 0, nall = 0, nann = 0, nnew = 0;
    uint32_t devs[ENGINE_MAX_DEVICES];
    size_t nd = 0;
    cairn_outbox ob = {0, NULL};
    cairn_status rc;
    if (e == NULL || gid == NULL || uri == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    rc = engine__ensure_login(e);
    if (rc == CAIRN_OK)
        rc = admin_check(e, gid, name, &epoch);
    if (rc == CAIRN_OK)
        rc = engine__ensure_sessions(e, uri, devs, ENGINE_MAX_DEVICES, &nd);
    if (rc == CAIRN_OK)
        rc = cairn_group_members(e->acct, gid, &m, &nm);
    if (rc == CAIRN_OK) {
        all = cairn__calloc(e->ctx, nm + nd + 1, sizeof(*all));
        newd = cairn__calloc(e->ctx, nd + 1, sizeof(*newd));
        if (all == NULL || newd == NULL)
            rc = CAIRN_ERR_NOMEM;
    }
    if (rc == CAIRN_OK) {
        memcpy(all, m, nm * sizeof(*all));
        nall = nm;
        for (size_t i = 0; i < nd; i++) {
            int have = 0;
            for (size_t k = 0; k < nm; k++)
                have |= strcmp(m[k].uri, uri) == 0 && m[k].device == devs[i];
            if (!have) {
                all[nall].uri = uri;
                all[nall++].device = devs[i];
                newd[nnew].uri = uri;
                newd[nnew++].device = devs[i];
            }
        }
        if (nnew == 0)
            rc = engine__fail(e, CAIRN_ERR_EXISTS, "already a member");
    }
    if (rc == CAIRN_OK)
        rc = with_self(e, all, nall, &ann, &nann);
    if (rc == CAIRN_OK)
        rc = estore__group_put(e, gid, name, e->uri, epoch + 1);
    if (rc == CAIRN_OK)
        rc = announce(e, gid, ENGINE_GROUP_OP_ADD, epoch + 1, name, uri, ann, nann, all, nall);
    if (rc == CAIRN_OK)
        rc = cairn_group_add(e->acct, gid, newd, nnew, &ob);
    if (rc == CAIRN_OK)
        rc = engine__send_outbox(e, gid, &ob);
    cairn__free(e->ctx, ann);
    cairn__free(e->ctx, all);
    cairn__free(e->ctx, newd);
    if (m)
        cairn_group_members_free(e->acct, m, nm);
    engine__unlock(e);
    return rc;
}

cairn_status cairn_engine_group_remove(cairn_engine *e, const char *gid, const char *uri)
{
    char name[GROUP_NAME_CAP];
    uint64_t epoch = 0;
    cairn_address *m = NULL, *rest = NULL, *ann = NULL;
    size_t nm = 0, nrest = 0, nann = 0;
    int found = 0;
    cairn_outbox ob = {0, NULL};
    cairn_status rc;
    if (e == NULL || gid == NULL || uri == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    rc = engine__ensure_login(e);
    if (rc == CAIRN_OK && strcmp(uri, e->uri) == 0)
        rc = engine__fail(e, CAIRN_ERR_INVALID_ARG, "use leave to leave a group");
    if (rc == CAIRN_OK)
        rc = admin_check(e, gid, name, &epoch);
    if (rc == CAIRN_OK)
        rc = cairn_group_members(e->acct, gid, &m, &nm);
    if (rc == CAIRN_OK) {
        rest = cairn__calloc(e->ctx, nm + 1, sizeof(*rest));
        if (rest == NULL)
            rc = CAIRN_ERR_NOMEM;
    }
    for (size_t i = 0; i < nm && rc == CAIRN_OK; i++) {
        if (strcmp(m[i].uri, uri) == 0)
            found = 1;
        else
            rest[nrest++] = m[i];
    }
    if (rc == CAIRN_OK && !found)
        rc = engine__fail(e, CAIRN_ERR_NOT_MEMBER, "not a member of the group");
    if (rc == CAIRN_OK)
        rc = with_self(e, rest, nrest, &ann, &nann);
    if (rc == CAIRN_OK)
        rc = estore__group_put(e, gid, name, e->uri, epoch + 1);
    /* everyone hears it, the removed user included */
    if (rc == CAIRN_OK)
        rc = announce(e, gid, ENGINE_GROUP_OP_REMOVE, epoch + 1, name, uri, ann, nann, m, nm);
    if (rc == CAIRN_OK) /* CORE-GROUP-3: rotate to the remaining members */
        rc = cairn_group_remove(e->acct, gid, uri, &ob);
    if (rc == CAIRN_OK)
        rc = engine__send_outbox(e, gid, &ob);
    cairn__free(e->ctx, ann);
    cairn__free(e->ctx, rest);
    if (m)
        cairn_group_members_free(e->acct, m, nm);
    engine__unlock(e);
    return rc;
}

cairn_status cairn_engine_group_leave(cairn_engine *e, const char *gid)
{
    char name[GROUP_NAME_CAP], admin[CAIRN_URI_MAX + 1];
    uint64_t epoch = 0;
    cairn_address *m = NULL;
    size_t nm = 0;
    cairn_status rc;
    if (e == NULL || gid == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    rc = engine__ensure_login(e);
    if (rc == CAIRN_OK)
        rc = estore__group_get(e, gid, name, sizeof(name), admin, sizeof(admin), &epoch);
    if (rc == CAIRN_OK)
        rc = cairn_group_members(e->acct, gid, &m, &nm);
    if (rc == CAIRN_OK)
        rc = announce(e, gid, ENGINE_GROUP_OP_LEAVE, epoch + 1, NULL, NULL, NULL, 0, m, nm);
    if (rc == CAIRN_OK)
        rc = cairn_group_leave(e->acct, gid);
    if (rc == CAIRN_OK)
        rc = estore__group_del(e, gid);
    if (m)
        cairn_group_members_free(e->acct, m, nm);
    engine__unlock(e);
    return rc;
}

static cairn_status held_replay(cairn_engine *e, engine_envelope *env)
{
    return engine__handle_envelope(e, env);
}

/* Joins a group we were added to (create, or add naming us). */
static cairn_status join(cairn_engine *e, const char *gid, const engine_envelope *env,
                         const engine_payload *p, const char *name)
{
    cairn_address *others;
    char(*uris)[CAIRN_URI_MAX + 1];
    size_t n = 0, off = 0;
    int me = 0;
    cairn_address a;
    char buf[CAIRN_URI_MAX + 1], hold[6 + CAIRN_GROUP_ID_MAX + 1];
    cairn_outbox ob = {0, NULL};
    cairn_status rc = CAIRN_OK;

    others = cairn__calloc(e->ctx, p->n_members + 1, sizeof(*others));
    uris = cairn__calloc(e->ctx, p->n_members + 1, sizeof(*uris));
    if (others == NULL || uris == NULL) {
        cairn__free(e->ctx, others);
        cairn__free(e->ctx, uris);
        return CAIRN_ERR_NOMEM;
    }
    while (engine__payload_member(p, &off, &a, buf) == CAIRN_OK) {
        if (strcmp(a.uri, e->uri) == 0 && a.device == e->device) {
            me = 1;
            continue;
        }
        memcpy(uris[n], buf, strlen(buf) + 1);
        others[n].uri = uris[n];
        others[n].device = a.device;
        n++;
    }
    if (!me) {
        rc = CAIRN_ERR_NOT_MEMBER;
    } else {
        int sender_listed = 0;
        for (size_t i = 0; i < n; i++)
            sender_listed |=
                strcmp(others[i].uri, env->from_uri) == 0 && others[i].device == env->from_device;
        if (!sender_listed)
            rc = CAIRN_ERR_PROTOCOL;
    }
    for (size_t i = 0; i < n && rc == CAIRN_OK; i++) {
        rc = ensure_device(e, &others[i]);
        if (rc == CAIRN_ERR_STALE || rc == CAIRN_ERR_NOT_FOUND)
            rc = CAIRN_OK; /* a device gone since: the rotation skips it */
    }
    if (rc == CAIRN_OK)
        rc = cairn_group_join(e->acct, gid, others, n);
    if (rc == CAIRN_OK)
        rc = estore__group_put(e, gid, name, env->from_uri, p->group_epoch);
    if (rc == CAIRN_OK)
        rc = cairn_group_rotate(e->acct, gid, &ob);
    if (rc == CAIRN_OK)
        rc = engine__send_outbox(e, gid, &ob);
    cairn__free(e->ctx, others);
    cairn__free(e->ctx, uris);
    if (rc == CAIRN_OK) {
        group_event(e, gid, env->from_uri, "joined");
        snprintf(hold, sizeof(hold), "group:%s", gid);
        rc = estore__held_replay(e, hold, held_replay);
    }
    return rc;
}

cairn_status egroup__handle(cairn_engine *e, const engine_envelope *env, const engine_payload *p)
{
    char gid[CAIRN_GROUP_ID_MAX + 1], name[GROUP_NAME_CAP], admin[CAIRN_URI_MAX + 1];
    char subject[CAIRN_URI_MAX + 1], pname[GROUP_NAME_CAP], detail[CAIRN_URI_MAX + 32];
    uint64_t epoch = 0;
    cairn_outbox ob = {0, NULL};
    cairn_status rc, have;

    memcpy(gid, p->group_id.p, p->group_id.len);
    gid[p->group_id.len] = '\0';
    subject[0] = pname[0] = '\0';
    if (p->subject.len) {
        memcpy(subject, p->subject.p, p->subject.len);
        subject[p->subject.len] = '\0';
    }
    if (p->group_name.len) {
        memcpy(pname, p->group_name.p, p->group_name.len);
        pname[p->group_name.len] = '\0';
    }
    have = estore__group_get(e, gid, name, sizeof(name), admin, sizeof(admin), &epoch);
    if (have == CAIRN_ERR_NOT_FOUND) {
        if (p->group_op == ENGINE_GROUP_OP_CREATE ||
            (p->group_op == ENGINE_GROUP_OP_ADD && strcmp(subject, e->uri) == 0))
            return join(e, gid, env, p, pname);
        return CAIRN_OK;
    }
    if (have != CAIRN_OK)
        return have;
    if (p->group_epoch <= epoch) /* ENG-GRP-2 */
        return CAIRN_OK;
    if (p->group_op != ENGINE_GROUP_OP_LEAVE && strcmp(env->from_uri, admin) != 0)
        return CAIRN_OK;
    switch (p->group_op) {
    case ENGINE_GROUP_OP_ADD: {
        cairn_address *newd = cairn__calloc(e->ctx, p->n_members + 1, sizeof(*newd));
        char(*uris)[CAIRN_URI_MAX + 1] = cairn__calloc(e->ctx, p->n_members + 1, sizeof(*uris));
        size_t nn = 0, off = 0;
        cairn_address a;
        char buf[CAIRN_URI_MAX + 1];
        rc = newd && uris ? CAIRN_OK : CAIRN_ERR_NOMEM;
        while (rc == CAIRN_OK && engine__payload_member(p, &off, &a, buf) == CAIRN_OK) {
            if (strcmp(a.uri, subject) != 0)
                continue;
            memcpy(uris[nn], buf, strlen(buf) + 1);
            newd[nn].uri = uris[nn];
            newd[nn].device = a.device;
            rc = ensure_device(e, &newd[nn]);
            nn++;
        }
        if (rc == CAIRN_OK && nn > 0)
            rc = cairn_group_add(e->acct, gid, newd, nn, &ob);
        if (rc == CAIRN_OK && nn > 0)
            rc = engine__send_outbox(e, gid, &ob);
        cairn__free(e->ctx, newd);
        cairn__free(e->ctx, uris);
        snprintf(detail, sizeof(detail), "%s added", subject);
        break;
    }
    case ENGINE_GROUP_OP_REMOVE:
        if (strcmp(subject, e->uri) == 0) {
            rc = cairn_group_leave(e->acct, gid);
            if (rc == CAIRN_OK)
                rc = estore__group_del(e, gid);
            if (rc == CAIRN_OK)
                group_event(e, gid, env->from_uri, "you were removed");
            return rc;
        }
        rc = cairn_group_remove(e->acct, gid, subject, &ob);
        if (rc == CAIRN_OK)
            rc = engine__send_outbox(e, gid, &ob);
        snprintf(detail, sizeof(detail), "%s removed", subject);
        break;
    case ENGINE_GROUP_OP_LEAVE:
        if (strcmp(env->from_uri, e->uri) == 0) {
            /* our other device left: so does this one */
            rc = cairn_group_leave(e->acct, gid);
            if (rc == CAIRN_OK)
                rc = estore__group_del(e, gid);
            return rc;
        }
        rc = cairn_group_remove(e->acct, gid, env->from_uri, &ob);
        if (rc == CAIRN_OK)
            rc = engine__send_outbox(e, gid, &ob);
        snprintf(detail, sizeof(detail), "%s left", env->from_uri);
        break;
    default:
        return CAIRN_OK;
    }
    if (rc == CAIRN_OK)
        rc = estore__group_put(e, gid, p->has_group_name ? pname : name, admin, p->group_epoch);
    if (rc == CAIRN_OK)
        group_event(e, gid, env->from_uri, detail);
    return rc;
}
