/*
 * kt.c - key transparency in the client (spec/client-engine.md ENG-KT-*):
 * before a contact's key is first trusted, and whenever it changes, the
 * engine asks the directory (through the relay backend) for a search proof
 * of the contact's label and checks that the directory's value is the key
 * the relay's bundle carries.
 *
 * Until a directory is reachable through the backend (the "dir:" relay has
 * none), a check reports state 0 ("not checked"); with require_kt that is
 * a refusal (CAIRN_ERR_PROOF) instead.
 */
#include <stdio.h>
#include <string.h>

#include "engine_internal.h"

static void alert(cairn_engine *e, const char *uri, const char *detail)
{
    cairn_event ev;
    char n[16];
    memset(&ev, 0, sizeof(ev));
    ev.type = CAIRN_EVENT_KT_ALERT;
    ev.peer = uri;
    ev.conversation = uri;
    ev.detail = detail;
    e->kt_alerts++;
    snprintf(n, sizeof(n), "%u", e->kt_alerts);
    (void)estore__meta_put_str(e, "kt.alerts", n);
    engine__emit(e, &ev);
}

cairn_status ekt__check(cairn_engine *e, const char *uri,
                        const uint8_t key[CAIRN_PUBLIC_KEY_BYTES], int *state)
{
    uint8_t *resp = NULL;
    size_t len = 0;
    cairn_status rc;
    (void)key;
    *state = 0;
    rc = e->net->ops->kt_search(e->net, uri, &resp, &len);
    if (rc == CAIRN_ERR_UNSUPPORTED) {
        if (e->require_kt) {
            alert(e, uri, "no key-transparency directory to vouch for this contact");
            return engine__fail(e, CAIRN_ERR_PROOF, "key transparency required but unavailable");
        }
        return CAIRN_OK;
    }
    if (rc != CAIRN_OK)
        return engine__fail(e, rc, "key-transparency search failed");
    cairn__free(e->ctx, resp);
    return engine__fail(e, CAIRN_ERR_UNSUPPORTED, "key-transparency verification not wired yet");
}

cairn_status cairn_engine_kt_check_self(cairn_engine *e)
{
    int state = 0;
    cairn_status rc;
    if (e == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    rc = engine__ensure_login(e);
    if (rc == CAIRN_OK)
        rc = ekt__check(e, e->uri, e->identity, &state);
    if (rc == CAIRN_OK)
        rc = estore__meta_put_str(e, "kt.self_ok", state == 1 ? "1" : "0");
    engine__unlock(e);
    return rc;
}
