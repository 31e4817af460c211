/*
 * sip_invite.c - the SIP side of MSRP session mode: INVITE from a
 * registered device (the relay is the far end and answers with an SDP
 * whose a=path is an MSRPS URI on its own MSRP listener), ACK, BYE in
 * both directions, CANCEL, refused re-INVITEs, and the session timers.
 * The state machine is drawn in msrp_internal.h; the wire contract is
 * spec/relay-api.md section 8 (RELAY-MSRP-n).
 *
 * Invariants:
 *  - a session exists only for a registered device; the sender of every
 *    message in it is that device (From is not trusted, as for MESSAGE);
 *  - INVITE is refused with exactly the answers MESSAGE gives for the same
 *    fault (RELAY-SIP-3) before anything is allocated;
 *  - at most max_sessions_per_device sessions per device, so sessions are
 *    bounded by devices times that;
 *  - a session is freed exactly once, by msrp__session_end.
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "cairn/sip_addr.h"
#include "msrp_internal.h"

/* FNV-1a: the session map's key (ids are random, so no flooding). */
static uint64_t sess_key(const char *id, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)id[i];
        h *= 1099511628211ull;
    }
    return h ? h : 1;
}

msrp_session *msrp__session_find(relay *r, const char *id, size_t n)
{
    if (r->msrp == NULL || n == 0 || n >= CAIRN_MSRP_TID_BUF)
        return NULL;
    msrp_session *s = relay__map_get(&r->msrp->sessions, sess_key(id, n));
    if (s && strlen(s->sess_id) == n && memcmp(s->sess_id, id, n) == 0)
        return s;
    return NULL;
}

static msrp_session *by_call_id(relay *r, const cairn_sip_msg *m)
{
    const char *cid = cairn_sip_msg_header(m, "Call-ID", 0);
    cairn_sip_str ft;
    if (cid == NULL || cairn_sip_msg_tag(m, "From", &ft) != CAIRN_OK)
        return NULL;
    for (msrp_session *s = r->msrp ? r->msrp->sess_head : NULL; s; s = s->next)
        if (strcmp(s->call_id, cid) == 0 && strlen(s->remote_tag) == ft.len &&
            memcmp(s->remote_tag, ft.p, ft.len) == 0)
            return s;
    return NULL;
}

static size_t sessions_of(relay *r, int64_t device_row)
{
    size_t n = 0;
    for (msrp_session *s = r->msrp->sess_head; s; s = s->next)
        n += s->who.device_row == device_row;
    return n;
}

static bool copy_str(char *dst, size_t cap, const char *p, size_t n)
{
    if (n >= cap || memchr(p, '\r', n) || memchr(p, '\n', n))
        return false;
    memcpy(dst, p, n);
    dst[n] = 0;
    return true;
}

void sip__handle_invite(sip_conn *c, const cairn_sip_msg *m)
{
    relay *r = c->r;
    const char *ru = cairn_sip_msg_request_uri(m);
    const char *ct = cairn_sip_msg_header(m, "Content-Type", 0);
    const char *cid = cairn_sip_msg_header(m, "Call-ID", 0);
    const char *from = cairn_sip_msg_header(m, "From", 0);
    char one[RELAY_URI_MAX + 1], warn[RELAY_URI_MAX + 128], path[RELAY_MSRP_PATH_MAX + 1];
    cairn_sip_str tt, ft;
    cairn_sip_addr contact;
    int64_t account;
    uint32_t only = 0;
    size_t blen;
    const uint8_t *body = cairn_sip_msg_body(m, &blen);

    if (!c->registered) {
        sip__respond(c, m, 403, "Forbidden", "Warning: 399 cairn-relay \"REGISTER first\"\r\n");
        return;
    }
    if (cairn_sip_msg_tag(m, "To", &tt) == CAIRN_OK && tt.len > 0) {
        /* RELAY-MSRP-4: a re-INVITE changes nothing; the session goes on. */
        if (by_call_id(r, m) != NULL)
            sip__respond(c, m, 488, "Not Acceptable Here",
                         "Warning: 399 cairn-relay \"re-INVITE not supported\"\r\n");
        else
            sip__respond(c, m, 481, "Call/Transaction Does Not Exist", NULL);
        return;
    }
    if (!relay__rl_take(&r->rl_account, c->who.uri, strlen(c->who.uri), relay__now_ms(), 1.0)) {
        r->m.rate_limited_total++;
        sip__respond(c, m, 503, "Service Unavailable", "Retry-After: 1\r\n");
        return;
    }
    if (relay__uri_normalize(ru, strlen(ru), one) != CAIRN_OK) {
        sip__respond(c, m, 416, "Unsupported URI Scheme", NULL);
        return;
    }
    if (relay__account_find(r, one, &account) != CAIRN_OK) {
        snprintf(warn, sizeof warn, "Warning: 399 cairn-relay \"unknown recipient %s\"\r\n", one);
        sip__respond(c, m, 404, "Not Found", warn);
        return;
    }
    if (relay__uri_device(ru, strlen(ru), &only) != CAIRN_OK) {
        sip__respond(c, m, 400, "Bad Request", "Warning: 399 cairn-relay \"bad gr parameter\"\r\n");
        return;
    }
    if (only != 0 && !sip__device_ok(c, m, one, account, only))
        return;
    if (cid == NULL || from == NULL || cairn_sip_msg_tag(m, "From", &ft) != CAIRN_OK ||
        ft.len == 0 || cairn_sip_msg_addr(m, "Contact", 0, &contact) != CAIRN_OK || contact.star) {
        sip__respond(c, m, 400, "Bad Request",
                     "Warning: 399 cairn-relay \"From tag, Call-ID and Contact required\"\r\n");
        return;
    }
    if (ct == NULL || strncasecmp(ct, "application/sdp", 15) != 0) {
        sip__respond(c, m, 415, "Unsupported Media Type", "Accept: application/sdp\r\n");
        return;
    }
    int code = relay__msrp_offer_check(r->ctx, body, blen, path, sizeof path);
    if (code == 415) {
        sip__respond(c, m, 415, "Unsupported Media Type", "Accept: message/cpim\r\n");
        return;
    }
    if (code != 200) {
        sip__respond(c, m, code, code == 400 ? "Bad Request" : "Not Acceptable Here",
                     "Warning: 399 cairn-relay \"offer MSRP over TLS (TCP/TLS/MSRP, msrps:, "
                     "setup active)\"\r\n");
        return;
    }
    if (sessions_of(r, c->who.device_row) >= (size_t)r->cfg.msrp_max_sessions_per_device) {
        sip__respond(c, m, 486, "Busy Here",
                     "Warning: 399 cairn-relay \"too many sessions for this device\"\r\n");
        return;
    }

    msrp_session *s = cairn__calloc(r->ctx, 1, sizeof *s);
    cairn__buf sdp;
    cairn__buf_init(&sdp, r->ctx, RELAY_MSRP_SDP_MAX);
    if (s == NULL)
        goto fail;
    s->r = r;
    for (int tries = 0;; tries++) {
        if (tries == 4 || cairn_msrp_tid_generate(r->ctx, s->sess_id) != CAIRN_OK)
            goto fail;
        s->key = sess_key(s->sess_id, strlen(s->sess_id));
        if (relay__map_get(&r->msrp->sessions, s->key) == NULL)
            break;
    }
    snprintf(s->our_uri, sizeof s->our_uri, "msrps://%s:%u/%s;tcp", r->msrp->host,
             (unsigned)r->msrp->port, s->sess_id);
    snprintf(s->peer_path, sizeof s->peer_path, "%s", path);
    if (!copy_str(s->call_id, sizeof s->call_id, cid, strlen(cid)) ||
        !copy_str(s->remote_tag, sizeof s->remote_tag, ft.p, ft.len) ||
        !copy_str(s->remote_from, sizeof s->remote_from, from, strlen(from)) ||
        !copy_str(s->remote_target, sizeof s->remote_target, contact.uri_text.p,
                  contact.uri_text.len) ||
        cairn_sip_token_new(r->ctx, s->local_tag) != CAIRN_OK ||
        relay__msrp_answer_build(&sdp, r->msrp->host, r->msrp->port, s->our_uri,
                                 (uint64_t)r->cfg.msrp_max_message_bytes) != CAIRN_OK) {
        cairn__buf_free(&sdp);
        cairn__free(r->ctx, s);
        sip__respond(c, m, 400, "Bad Request",
                     "Warning: 399 cairn-relay \"dialog identifiers too long\"\r\n");
        return;
    }
    snprintf(s->local_uri, sizeof s->local_uri, "%s", one);
    snprintf(s->recipient, sizeof s->recipient, "%s", one);
    s->recipient_account = account;
    s->only_device = only;
    s->who = c->who;
    s->sip_conn_id = c->id;
    s->local_cseq = 1;
    s->created_ms = s->active_ms = relay__now_ms();
    if (relay__map_put(&r->msrp->sessions, r->ctx, s->key, s) != CAIRN_OK)
        goto fail;
    s->next = r->msrp->sess_head;
    if (s->next)
        s->next->prev = s;
    r->msrp->sess_head = s;
    r->m.msrp_sessions_total++;
    r->m.msrp_sessions_open++;

    char contact_hdr[RELAY_STR_MAX + 64];
    snprintf(contact_hdr, sizeof contact_hdr, "Contact: <sip:%s;transport=tls>\r\n", r->cfg.domain);
    sip__respond_with(c, m, 100, "Trying", NULL, NULL, NULL, NULL, 0);
    sip__respond_with(c, m, 200, "OK", s->local_tag, contact_hdr, "application/sdp", sdp.data,
                      sdp.len);
    cairn__buf_free(&sdp);
    RLOGD("msrp_session", "conn=%llu session=%s", (unsigned long long)c->id, s->sess_id);
    return;
fail:
    cairn__buf_free(&sdp);
    cairn__free(r->ctx, s);
    sip__respond(c, m, 500, "Server Internal Error", NULL);
}

void sip__handle_ack(sip_conn *c, const cairn_sip_msg *m)
{
    msrp_session *s = by_call_id(c->r, m);
    if (s != NULL && c->registered && s->who.device_row == c->who.device_row)
        s->acked = true;
}

void sip__handle_bye(sip_conn *c, const cairn_sip_msg *m)
{
    msrp_session *s = by_call_id(c->r, m);
    if (s == NULL || !c->registered || s->who.device_row != c->who.device_row) {
        sip__respond(c, m, 481, "Call/Transaction Does Not Exist", NULL);
        return;
    }
    sip__respond_with(c, m, 200, "OK", s->local_tag, NULL, NULL, NULL, 0);
    msrp__session_end(s, "bye", false, 0);
}

void sip__handle_cancel(sip_conn *c, const cairn_sip_msg *m)
{
    /* Every INVITE is answered before its handler returns, so a CANCEL
     * always comes after the final response and changes nothing (RFC 3261
     * 9.2); the device ends an unwanted session with BYE. */
    msrp_session *s = by_call_id(c->r, m);
    if (s != NULL && c->registered && s->who.device_row == c->who.device_row)
        sip__respond_with(c, m, 200, "OK", s->local_tag, NULL, NULL, NULL, 0);
    else
        sip__respond(c, m, 481, "Call/Transaction Does Not Exist", NULL);
}

static void send_bye(msrp_session *s)
{
    relay *r = s->r;
    sip_conn *c = relay__map_get(&r->conns, s->sip_conn_id);
    char branch[CAIRN_SIP_BRANCH_SIZE];

    if (c == NULL || !c->registered || c->who.device_row != s->who.device_row)
        c = relay__map_get(&r->bindings, (uint64_t)s->who.device_row);
    if (c == NULL || c->closing || c->bev == NULL ||
        cairn_sip_branch_new(r->ctx, branch) != CAIRN_OK)
        return;
    /* Every value was checked free of CR/LF when the INVITE came in. */
    struct evbuffer *o = evbuffer_new();
    if (o == NULL)
        return;
    evbuffer_add_printf(o,
                        "BYE %s SIP/2.0\r\n"
                        "Via: SIP/2.0/TLS %s;branch=%s\r\n"
                        "Max-Forwards: 70\r\n"
                        "From: <%s>;tag=%s\r\n"
                        "To: %s\r\n"
                        "Call-ID: %s\r\n"
                        "CSeq: %u BYE\r\n"
                        "Content-Length: 0\r\n\r\n",
                        s->remote_target, r->cfg.domain, branch, s->local_uri, s->local_tag,
                        s->remote_from, s->call_id, (unsigned)++s->local_cseq);
    bufferevent_write_buffer(c->bev, o);
    evbuffer_free(o);
    sip__send(c, "", 0);
}

void msrp__session_end(msrp_session *s, const char *why, bool bye, uint64_t skip_conn)
{
    relay *r = s->r;
    RLOGD("msrp_session_end", "session=%s reason=%s", s->sess_id, why);
    if (bye)
        send_bye(s);
    if (s->conn_id != 0 && s->conn_id != skip_conn) {
        msrp_conn *mc = relay__map_get(&r->msrp->conns, s->conn_id);
        if (mc != NULL)
            mc->s = NULL;
        msrp__conn_close_later(r, s->conn_id);
    }
    relay__map_del(&r->msrp->sessions, s->key);
    if (s->prev)
        s->prev->next = s->next;
    else
        r->msrp->sess_head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    r->m.msrp_sessions_open--;
    cairn__free(r->ctx, s);
}

void msrp__sessions_sweep(relay *r, int64_t now)
{
    msrp_session *s, *next;
    for (s = r->msrp ? r->msrp->sess_head : NULL; s; s = next) {
        next = s->next;
        if (!s->acked && now - s->created_ms > RELAY_MSRP_SETUP_MS)
            msrp__session_end(s, "no_ack", true, 0);
        else if (s->conn_id == 0 && now - s->created_ms > RELAY_MSRP_SETUP_MS)
            msrp__session_end(s, "no_msrp_connection", true, 0);
        else if (now - s->active_ms > r->cfg.msrp_session_timeout * 1000)
            msrp__session_end(s, "session_timeout", true, 0);
    }
}

void msrp__sessions_free_all(relay *r)
{
    while (r->msrp && r->msrp->sess_head)
        msrp__session_end(r->msrp->sess_head, "shutdown", false, 0);
}
