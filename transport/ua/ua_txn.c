/*
 * ua_txn.c - client transactions for reliable transports (RFC 3261
 * section 17.1 with TCP/TLS): no retransmissions, timer B (INVITE) and
 * timer F (non-INVITE) of 64*T1 fail a request that got no final
 * response; an INVITE's non-2xx final response is ACKed here with the
 * INVITE's branch; a 401/407 is answered once more with digest
 * credentials (twice when the server says the nonce was stale).
 *
 * Invariants: a transaction completes exactly once (callback with the
 * final response, or with NULL and 408/503); completed transactions are
 * freed only by ua__txn_timers, which runs outside connection callbacks.
 */
#include <stdio.h>
#include <string.h>

#include "ua_internal.h"

static void txn_free(cairn_ua *ua, ua_txn *t)
{
    cairn_sip_msg_free(t->req);
    cairn__free(ua->ctx, t);
}

static cairn_status top_branch(const cairn_sip_msg *m, char *out)
{
    cairn_sip_via v;

    if (cairn_sip_msg_via(m, 0, &v) != CAIRN_OK || v.branch.len == 0 ||
        !ua__copy(out, CAIRN_SIP_BRANCH_SIZE, v.branch.p, v.branch.len))
        return CAIRN_ERR_DECODE;
    return CAIRN_OK;
}

cairn_status ua__txn_start(cairn_ua *ua, ua_flow *f, cairn_sip_msg *req, ua_txn_cb cb, void *owner,
                           ua_txn **out)
{
    ua_txn *t;
    cairn_status st;

    t = cairn__calloc(ua->ctx, 1, sizeof(*t));
    if (t == NULL)
        return CAIRN_ERR_NOMEM;
    if (top_branch(req, t->branch) != CAIRN_OK) {
        cairn__free(ua->ctx, t);
        return CAIRN_ERR_INVALID_ARG;
    }
    st = ua__flow_send(f, req);
    if (st != CAIRN_OK) {
        cairn__free(ua->ctx, t);
        return st;
    }
    t->ua = ua;
    t->method = cairn_sip_msg_method_id(req);
    t->req = req;
    t->flow = f;
    t->cb = cb;
    t->owner = owner;
    t->deadline = cairn__now_ms(ua->ctx) + UA__TIMER_B_MS;
    t->next = ua->txns;
    ua->txns = t;
    if (out)
        *out = t;
    return CAIRN_OK;
}

/* ACK for a non-2xx final response to an INVITE (RFC 3261 17.1.1.3). */
static void ack_non2xx(cairn_ua *ua, ua_txn *t, const cairn_sip_msg *rsp)
{
    cairn_sip_msg *ack = NULL;
    uint32_t num = 0;
    cairn_sip_str meth;
    cairn_status st;
    size_t i;

    if (cairn_sip_msg_cseq(t->req, &num, &meth) != CAIRN_OK)
        return;
    st = cairn_sip_msg_new_request(ua->ctx, "ACK", cairn_sip_msg_request_uri(t->req), &ack);
    if (st == CAIRN_OK)
        st = cairn_sip_msg_header_add(ack, "Via", cairn_sip_msg_header(t->req, "Via", 0));
    if (st == CAIRN_OK)
        st = cairn_sip_msg_header_add(ack, "Max-Forwards", "70");
    if (st == CAIRN_OK)
        st = cairn_sip_msg_header_add(ack, "From", cairn_sip_msg_header(t->req, "From", 0));
    if (st == CAIRN_OK)
        st = cairn_sip_msg_header_add(ack, "To", cairn_sip_msg_header(rsp, "To", 0));
    if (st == CAIRN_OK)
        st = cairn_sip_msg_header_add(ack, "Call-ID", cairn_sip_msg_header(t->req, "Call-ID", 0));
    if (st == CAIRN_OK)
        st = cairn_sip_msg_header_addf(ack, "CSeq", "%u ACK", (unsigned)num);
    for (i = 0; st == CAIRN_OK && i < cairn_sip_msg_header_count(t->req, "Route"); i++)
        st = cairn_sip_msg_header_add(ack, "Route", cairn_sip_msg_header(t->req, "Route", i));
    if (st == CAIRN_OK)
        (void)ua__flow_send(t->flow, ack);
    cairn_sip_msg_free(ack);
}

bool ua__txn_auth_retry(cairn_ua *ua, ua_txn *t, const cairn_sip_msg *rsp)
{
    int code = cairn_sip_msg_status(rsp);
    const char *chal_hdr = code == 401 ? "WWW-Authenticate" : "Proxy-Authenticate";
    const char *cred_hdr = code == 401 ? "Authorization" : "Proxy-Authorization";
    const char *user = ua->cfg.username ? ua->cfg.username : ua->aor_user;
    cairn_sip_challenge ch;
    char branch[CAIRN_SIP_BRANCH_SIZE];
    cairn__buf b;
    cairn_sip_msg *req = t->req;
    uint32_t num;
    cairn_sip_str meth;
    cairn_status st;
    ua_txn *nt;

    if ((code != 401 && code != 407) || ua->cfg.password == NULL || t->flow == NULL ||
        t->flow->dead)
        return false;
    if (cairn_sip_msg_challenge(rsp, chal_hdr, &ch) != CAIRN_OK)
        return false;
    /* one retry, a second only for a stale nonce (RFC 7616 section 3.3) */
    if (t->auth_tries >= 2 || (t->auth_tries == 1 && !ch.stale))
        return false;
    if (cairn_sip_msg_cseq(req, &num, &meth) != CAIRN_OK ||
        cairn_sip_branch_new(ua->ctx, branch) != CAIRN_OK)
        return false;
    cairn__buf_init(&b, ua->ctx, 8192);
    st = cairn_sip_digest_authorize(ua->ctx, &ch, user, ua->cfg.password, cairn_sip_msg_method(req),
                                    cairn_sip_msg_request_uri(req), NULL, 1, &b);
    if (st == CAIRN_OK)
        st = cairn__buf_append_u8(&b, 0);
    if (st == CAIRN_OK)
        st = cairn_sip_msg_header_set(req, cred_hdr, (const char *)b.data);
    cairn__buf_free(&b);
    if (st == CAIRN_OK) {
        cairn_sip_via v;
        char via[512];
        const char *old = cairn_sip_msg_header(req, "Via", 0);
        if (cairn_sip_via_parse(old, strlen(old), &v) != CAIRN_OK)
            return false;
        snprintf(via, sizeof(via), "SIP/2.0/%.*s %.*s:%u;branch=%s;rport", (int)v.transport.len,
                 v.transport.p, (int)v.host.len, v.host.p, (unsigned)v.port, branch);
        (void)cairn_sip_msg_header_remove(req, "Via");
        st = cairn_sip_msg_header_prepend(req, "Via", via);
    }
    if (st == CAIRN_OK) {
        char cseq[64];
        snprintf(cseq, sizeof(cseq), "%u %s", (unsigned)(num + 1), cairn_sip_msg_method(req));
        st = cairn_sip_msg_header_set(req, "CSeq", cseq);
    }
    if (st != CAIRN_OK)
        return false;
    st = ua__txn_start(ua, t->flow, req, t->cb, t->owner, &nt);
    if (st != CAIRN_OK)
        return false;
    nt->auth_tries = t->auth_tries + 1;
    t->req = NULL; /* now owned by the new transaction */
    return true;
}

void ua__txn_response(cairn_ua *ua, const cairn_sip_msg *rsp)
{
    char branch[CAIRN_SIP_BRANCH_SIZE];
    uint32_t num;
    cairn_sip_str meth;
    int code = cairn_sip_msg_status(rsp);
    ua_txn *t;

    if (top_branch(rsp, branch) != CAIRN_OK || cairn_sip_msg_cseq(rsp, &num, &meth) != CAIRN_OK)
        return;
    for (t = ua->txns; t; t = t->next)
        if (!t->done && strcmp(t->branch, branch) == 0 && t->req != NULL &&
            cairn_sip_str_eq(meth, cairn_sip_msg_method(t->req)))
            break;
    if (t == NULL || code < 200)
        return; /* stray, or provisional (nothing to do over TCP) */
    t->done = true;
    if (t->method == CAIRN_SIP_INVITE && code >= 300)
        ack_non2xx(ua, t, rsp);
    if (ua__txn_auth_retry(ua, t, rsp))
        return;
    if (t->cb)
        t->cb(ua, t, rsp, code);
}

void ua__txn_timers(cairn_ua *ua, int64_t now, int64_t *next)
{
    ua_txn **pp = &ua->txns;

    for (ua_txn *t = ua->txns; t; t = t->next)
        if (!t->done && now >= t->deadline) {
            t->done = true;
            if (t->cb)
                t->cb(ua, t, NULL, 408);
        }
    while (*pp) {
        ua_txn *t = *pp;
        if (t->done) {
            *pp = t->next;
            txn_free(ua, t);
        } else {
            if (*next < 0 || t->deadline < *next)
                *next = t->deadline;
            pp = &t->next;
        }
    }
}

void ua__txn_drop_owner(cairn_ua *ua, void *owner)
{
    for (ua_txn *t = ua->txns; t; t = t->next)
        if (t->owner == owner) {
            t->cb = NULL;
            t->owner = NULL;
        }
}

void ua__txn_flow_lost(cairn_ua *ua, ua_flow *f)
{
    for (ua_txn *t = ua->txns; t; t = t->next)
        if (t->flow == f) {
            t->flow = NULL;
            if (!t->done) {
                t->done = true;
                if (t->cb)
                    t->cb(ua, t, NULL, 503);
            }
        }
}

void ua__txn_free_all(cairn_ua *ua)
{
    while (ua->txns) {
        ua_txn *t = ua->txns;
        ua->txns = t->next;
        txn_free(ua, t);
    }
}
