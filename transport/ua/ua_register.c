/*
 * ua_register.c - REGISTER with digest authentication (SHA-256 or MD5,
 * whatever the registrar's challenge names; BIND-SIP-3) and refresh at
 * half the granted expiry, so the binding never lapses while the flow is
 * up (BIND-SIP-4). A 423 takes the registrar's Min-Expires; other
 * failures retry with the jittered backoff.
 *
 * Invariant: one REGISTER in flight at a time, CSeq strictly increasing
 * within the registration's Call-ID (RFC 3261 section 10.2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ua_internal.h"

static uint32_t granted_expires(cairn_ua *ua, const cairn_sip_msg *rsp, uint32_t asked)
{
    ua_flow *f = ua->outbound;
    uint32_t v;

    for (size_t i = 0; i < cairn_sip_msg_header_count(rsp, "Contact"); i++) {
        cairn_sip_addr a;
        cairn_sip_str e;
        if (cairn_sip_msg_addr(rsp, "Contact", i, &a) != CAIRN_OK || a.star)
            continue;
        if (f != NULL &&
            (a.uri.port != f->local_port || !cairn_sip_str_eq(a.uri.host, f->local_ip)) &&
            (ua->sip_lfd < 0 || a.uri.port != ua->sip_port))
            continue;
        if (cairn_sip_param_get(a.params, "expires", &e) == CAIRN_OK && e.len > 0 && e.len < 10) {
            char tmp[16];
            memcpy(tmp, e.p, e.len);
            tmp[e.len] = '\0';
            return (uint32_t)strtoul(tmp, NULL, 10);
        }
    }
    if (cairn_sip_msg_uint(rsp, "Expires", &v) == CAIRN_OK)
        return v;
    return asked;
}

static void reg_done(cairn_ua *ua, ua_txn *t, const cairn_sip_msg *rsp, int code)
{
    int64_t now = cairn__now_ms(ua->ctx);
    uint32_t num;
    cairn_sip_str meth;
    cairn_status st;

    ua->reg_inflight = false;
    if (t->req != NULL && cairn_sip_msg_cseq(t->req, &num, &meth) == CAIRN_OK && num > ua->reg_cseq)
        ua->reg_cseq = num;
    if (rsp != NULL && code >= 200 && code < 300) {
        uint32_t exp = granted_expires(ua, rsp, ua->cfg.register_expires);
        ua->registered = exp > 0;
        /* refresh at half the lifetime, but never sooner than 1 s */
        ua->reg_refresh_at = now + (exp > 2 ? (int64_t)exp * 500 : 1000);
        cairn_backoff_reset(&ua->backoff);
        if (ua->cfg.cb.on_registered)
            ua->cfg.cb.on_registered(ua->cfg.ud, CAIRN_OK, exp);
        return;
    }
    if (rsp != NULL && code == 423) {
        uint32_t min;
        if (cairn_sip_msg_uint(rsp, "Min-Expires", &min) == CAIRN_OK &&
            min > ua->cfg.register_expires && min < 86400) {
            ua->cfg.register_expires = min;
            ua->reg_refresh_at = now;
            return;
        }
    }
    ua->registered = false;
    st = code == 401 || code == 403 || code == 407 ? CAIRN_ERR_AUTH
         : code == 408                             ? CAIRN_ERR_TIMEOUT
         : code == 503 && rsp == NULL              ? CAIRN_ERR_NETWORK
                                                   : CAIRN_ERR_PROTOCOL;
    ua->reg_refresh_at = now + cairn_backoff_next(ua->ctx, &ua->backoff);
    if (ua->cfg.cb.on_registered)
        ua->cfg.cb.on_registered(ua->cfg.ud, st, 0);
}

cairn_status ua__register(cairn_ua *ua)
{
    ua_flow *f;
    cairn_sip_msg *m = NULL;
    char branch[CAIRN_SIP_BRANCH_SIZE];
    cairn_status st;

    if (ua->cfg.registrar == NULL || ua->reg_inflight)
        return CAIRN_OK;
    st = ua__outbound(ua, &f);
    if (st != CAIRN_OK)
        return st;
    if (ua->reg_call_id[0] == '\0') {
        st = ua__token(ua, ua->reg_call_id);
        if (st == CAIRN_OK)
            st = ua__token(ua, ua->reg_tag);
        if (st != CAIRN_OK)
            return st;
    }
    st = cairn_sip_branch_new(ua->ctx, branch);
    if (st == CAIRN_OK)
        st = ua__request(ua, f, "REGISTER", ua->cfg.registrar, ua->cfg.aor, ua->reg_tag,
                         ua->cfg.aor, NULL, ua->reg_call_id, ++ua->reg_cseq, branch, &m);
    if (st == CAIRN_OK)
        st = cairn_sip_msg_header_addf(m, "Expires", "%u", (unsigned)ua->cfg.register_expires);
    if (st == CAIRN_OK)
        st = ua__txn_start(ua, f, m, reg_done, ua, NULL);
    if (st != CAIRN_OK) {
        cairn_sip_msg_free(m);
        return st;
    }
    ua->reg_inflight = true;
    return CAIRN_OK;
}

void ua__register_timers(cairn_ua *ua, int64_t now, int64_t *next)
{
    if (ua->reg_refresh_at >= 0 && now >= ua->reg_refresh_at) {
        ua->reg_refresh_at = -1;
        if (ua->outbound != NULL && ua__register(ua) != CAIRN_OK)
            ua->reg_refresh_at = now + cairn_backoff_next(ua->ctx, &ua->backoff);
    }
    if (ua->reg_refresh_at >= 0 && (*next < 0 || ua->reg_refresh_at < *next))
        *next = ua->reg_refresh_at;
}
