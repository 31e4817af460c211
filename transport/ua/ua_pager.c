/*
 * ua_pager.c - pager mode: one payload in one SIP MESSAGE (RFC 3428).
 * A MESSAGE is at most CAIRN_UA_PAGER_MAX (1300) bytes in all (BIND-SIP-1);
 * anything larger goes over an MSRP session. Incoming MESSAGEs whose
 * Content-Type (or, for message/cpim, whose inner type) we do not accept
 * are answered 415 with an Accept header (BIND-SIP-2). The delivery id of
 * a pager payload is its Call-ID.
 */
#include <string.h>

#include "cairn/cpim.h"
#include "ua_internal.h"

static void pager_done(cairn_ua *ua, ua_txn *t, const cairn_sip_msg *rsp, int code)
{
    const char *id = t->req ? cairn_sip_msg_header(t->req, "Call-ID", 0) : NULL;
    (void)rsp;

    ua__report(ua, id, code == 200 || code == 202 ? 200 : code);
}

cairn_status cairn_ua_pager_send(cairn_ua *ua, const char *to, const char *content_type,
                                 const uint8_t *body, size_t len, char *id)
{
    char call_id[CAIRN_SIP_TOKEN_SIZE], tag[CAIRN_SIP_TOKEN_SIZE];
    char branch[CAIRN_SIP_BRANCH_SIZE];
    cairn_sip_msg *m = NULL;
    ua_flow *f;
    cairn__buf b;
    cairn_status st;

    if (ua == NULL || to == NULL || content_type == NULL || (body == NULL && len > 0) || id == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (len > CAIRN_UA_PAGER_MAX)
        return CAIRN_ERR_TOO_LARGE;
    st = ua__outbound(ua, &f);
    if (st == CAIRN_OK)
        st = ua__token(ua, call_id);
    if (st == CAIRN_OK)
        st = ua__token(ua, tag);
    if (st == CAIRN_OK)
        st = cairn_sip_branch_new(ua->ctx, branch);
    if (st == CAIRN_OK)
        st = ua__request(ua, f, "MESSAGE", to, ua->cfg.aor, tag, to, NULL, call_id, 1, branch, &m);
    if (st == CAIRN_OK)
        st = cairn_sip_msg_body_set(m, content_type, body, len);
    if (st != CAIRN_OK) {
        cairn_sip_msg_free(m);
        return st;
    }
    /* BIND-SIP-1: measure the request exactly as it will be written */
    cairn__buf_init(&b, ua->ctx, CAIRN_UA_PAGER_MAX);
    st = cairn_sip_msg_serialize(m, &b);
    cairn__buf_free(&b);
    if (st == CAIRN_OK)
        st = ua__txn_start(ua, f, m, pager_done, NULL, NULL);
    if (st != CAIRN_OK) {
        cairn_sip_msg_free(m);
        return st;
    }
    memcpy(id, call_id, CAIRN_SIP_TOKEN_SIZE);
    return CAIRN_OK;
}

/* The accept check for a payload type (and the CPIM inner type). */
static int check_types(cairn_ua *ua, const char *ct, const uint8_t *body, size_t len)
{
    if (ct == NULL || !ua__type_accepted(ua->cfg.accept_types, ct, strlen(ct)))
        return 415;
    if (strncasecmp(ct, "message/cpim", 12) == 0) {
        cairn_cpim_parsed *p = NULL;
        const cairn_cpim *v = NULL;
        int code = 200;
        if (cairn_cpim_parse(ua->ctx, body, len, &p, &v) != CAIRN_OK)
            return 400;
        if (v->content_type == NULL || !ua__type_accepted(ua->cfg.accept_wrapped_types,
                                                          v->content_type, strlen(v->content_type)))
            code = 415;
        cairn_cpim_free(p);
        return code;
    }
    return 200;
}

int ua__check_types(cairn_ua *ua, const char *ct, const uint8_t *body, size_t len)
{
    return check_types(ua, ct, body, len);
}

void ua__pager_incoming(cairn_ua *ua, ua_flow *f, const cairn_sip_msg *req)
{
    const char *ct = cairn_sip_msg_header(req, "Content-Type", 0);
    size_t len;
    const uint8_t *body = cairn_sip_msg_body(req, &len);
    char tag[CAIRN_SIP_TOKEN_SIZE];
    char from[UA__URI_MAX], to[UA__URI_MAX];
    cairn_sip_addr a;
    cairn_ua_incoming in;
    int code;

    if (ua__token(ua, tag) != CAIRN_OK)
        return;
    if (len > ua->cfg.max_message) {
        (void)ua__respond(ua, f, req, 413, tag, NULL, NULL, 0, NULL, NULL);
        return;
    }
    code = check_types(ua, ct, body, len);
    if (code != 200) {
        (void)ua__respond(ua, f, req, code, tag, NULL, NULL, 0, code == 415 ? "Accept" : NULL,
                          ua->cfg.accept_types);
        return;
    }
    from[0] = to[0] = '\0';
    if (cairn_sip_msg_addr(req, "From", 0, &a) == CAIRN_OK)
        (void)ua__copy(from, sizeof(from), a.uri_text.p, a.uri_text.len);
    if (cairn_sip_msg_addr(req, "To", 0, &a) == CAIRN_OK)
        (void)ua__copy(to, sizeof(to), a.uri_text.p, a.uri_text.len);
    memset(&in, 0, sizeof(in));
    in.mode = CAIRN_UA_PAGER;
    in.from = from;
    in.to = to;
    in.content_type = ct;
    in.body = body;
    in.len = len;
    in.message_id = cairn_sip_msg_header(req, "Call-ID", 0);
    code = ua->cfg.cb.on_message ? ua->cfg.cb.on_message(ua->cfg.ud, &in) : 200;
    if (code < 200 || code > 699)
        code = 500;
    (void)ua__respond(ua, f, req, code, tag, NULL, NULL, 0, code == 415 ? "Accept" : NULL,
                      ua->cfg.accept_types);
}
