/*
 * sip_message.c - pager-mode MESSAGE (RFC 3428) from a registered device:
 * one copy per device of each recipient goes into that device's queue,
 * inside the current group-commit batch; the sender hears 202 Accepted
 * only after the commit (batch.c calls relay__sip_after_commit).
 *
 * Recipients: the Request-URI's account, or, for a multipart/mixed body,
 * the RFC 5365 recipient list (recipients.c). All or nothing: if any
 * target device is over its quota the whole MESSAGE is refused (486 with a
 * Warning naming the full queue) and nothing is stored, so a sender never
 * has to guess which recipients got a copy. The sending device never
 * receives its own copy; its other devices do (multi-device sync).
 *
 * Per-device addressing (RELAY-DEV-*): a `gr=<device>` parameter on the
 * Request-URI (or on a recipient-list entry) limits the copies to that one
 * device; a device the account does not list is refused with 410 and the
 * current list, checked before anything is stored.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/sip_addr.h"
#include "sip_internal.h"

static bool msg_id_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.'))
            return false;
    }
    return true;
}

bool sip__device_ok(sip_conn *c, const cairn_sip_msg *m, const char *uri, int64_t account,
                    uint32_t device)
{
    char list[1200], hdr[2 * RELAY_URI_MAX + sizeof list + 128];
    if (account == c->who.account_row && device == c->who.device) {
        sip__respond(c, m, 400, "Bad Request",
                     "Warning: 399 cairn-relay \"addressed to the sending device\"\r\n");
        return false;
    }
    cairn_status st = relay__device_of_account(c->r, account, device, NULL);
    if (st == CAIRN_OK)
        return true;
    if (st != CAIRN_ERR_NOT_FOUND) {
        sip__respond(c, m, 500, "Server Internal Error", "Retry-After: 5\r\n");
        return false;
    }
    relay__devices_format(c->r, account, list, sizeof list);
    snprintf(hdr, sizeof hdr,
             "Warning: 399 cairn-relay \"unknown device %u of %s\"\r\n"
             "Cairn-Devices: <%s> %s\r\n",
             device, uri, uri, list);
    sip__respond(c, m, 410, "Gone", hdr);
    return false;
}

void sip__handle_message(sip_conn *c, cairn_sip_msg *m, double received)
{
    relay *r = c->r;
    relay_recipients *rl = NULL;
    const char *ctype = cairn_sip_msg_header(m, "Content-Type", 0);
    const char *idh = cairn_sip_msg_header(m, "Cairn-Msg-Id", 0);
    char msg_id[65], one[RELAY_URI_MAX + 1], warn[RELAY_URI_MAX + 128];
    size_t blen;
    const uint8_t *body = cairn_sip_msg_body(m, &blen);
    int64_t now = relay__now_ms();
    uint32_t one_dev = 0;

    if (!c->registered) {
        sip__respond(c, m, 403, "Forbidden", "Warning: 399 cairn-relay \"REGISTER first\"\r\n");
        goto done;
    }
    if (!relay__rl_take(&r->rl_account, c->who.uri, strlen(c->who.uri), now, 1.0)) {
        r->m.rate_limited_total++;
        sip__respond(c, m, 503, "Service Unavailable", "Retry-After: 1\r\n");
        goto done;
    }
    if (ctype == NULL || blen == 0) {
        sip__respond(c, m, 400, "Bad Request", "Warning: 399 cairn-relay \"empty body\"\r\n");
        goto done;
    }
    if (idh != NULL && !msg_id_valid(idh)) {
        sip__respond(c, m, 400, "Bad Request", "Warning: 399 cairn-relay \"bad Cairn-Msg-Id\"\r\n");
        goto done;
    }
    if (idh != NULL) {
        snprintf(msg_id, sizeof msg_id, "%s", idh);
    } else {
        uint8_t rnd[16];
        cairn__random(r->ctx, rnd, sizeof rnd);
        cairn__hex_encode(msg_id, rnd, sizeof rnd);
    }
    if (strncasecmp(ctype, "multipart/mixed", 15) == 0) {
        rl = cairn__calloc(r->ctx, 1, sizeof *rl);
        if (rl == NULL) {
            sip__respond(c, m, 500, "Server Internal Error", NULL);
            goto done;
        }
        if (relay__recipients_parse(r->ctx, ctype, body, blen, rl) != CAIRN_OK) {
            sip__respond(c, m, 400, "Bad Request",
                         "Warning: 399 cairn-relay \"bad recipient-list body\"\r\n");
            goto done;
        }
        body = rl->body;
        blen = rl->body_len;
        ctype = rl->content_type;
    } else {
        const char *ru = cairn_sip_msg_request_uri(m);
        if (relay__uri_normalize(ru, strlen(ru), one) != CAIRN_OK) {
            sip__respond(c, m, 416, "Unsupported URI Scheme", NULL);
            goto done;
        }
        if (relay__uri_device(ru, strlen(ru), &one_dev) != CAIRN_OK) {
            sip__respond(c, m, 400, "Bad Request",
                         "Warning: 399 cairn-relay \"bad gr parameter\"\r\n");
            goto done;
        }
    }
    if (blen > (size_t)r->cfg.max_message_bytes) {
        sip__respond(c, m, 413, "Request Entity Too Large", NULL);
        goto done;
    }
    size_t nrec = rl ? rl->n : 1;
    int64_t accounts[RELAY_MAX_RECIPIENTS];
    for (size_t i = 0; i < nrec; i++) {
        const char *u = rl ? rl->uri[i] : one;
        if (relay__account_find(r, u, &accounts[i]) != CAIRN_OK) {
            snprintf(warn, sizeof warn, "Warning: 399 cairn-relay \"unknown recipient %s\"\r\n", u);
            sip__respond(c, m, 404, "Not Found", warn);
            goto done;
        }
        uint32_t dv = rl ? rl->device[i] : one_dev;
        if (dv != 0 && !sip__device_ok(c, m, u, accounts[i], dv))
            goto done;
    }
    relay_enqueue q;
    if (!relay__enqueue_begin(r, &q)) {
        sip__respond(c, m, 500, "Server Internal Error", NULL);
        goto done;
    }
    for (size_t i = 0; i < nrec; i++) {
        cairn_status er =
            relay__enqueue_account(r, &q, &c->who, accounts[i], rl ? rl->device[i] : one_dev,
                                   msg_id, ctype, body, blen, now);
        if (er != CAIRN_OK) {
            relay__enqueue_abort(r, &q);
            if (er == CAIRN_ERR_LIMIT) {
                r->m.messages_rejected_quota++;
                snprintf(warn, sizeof warn,
                         "Warning: 399 cairn-relay \"queue full for %s\"\r\n"
                         "Reason: SIP;cause=486;text=\"recipient queue full\"\r\n",
                         rl ? rl->uri[i] : one);
                sip__respond(c, m, 486, "Busy Here", warn);
            } else {
                sip__respond(c, m, 500, "Server Internal Error", NULL);
            }
            goto done;
        }
    }
    relay__enqueue_done(r, &q);
    if (relay__batch_add_pending(r, c->id, received, m) != CAIRN_OK) {
        sip__respond(c, m, 500, "Server Internal Error", NULL);
        goto done;
    }
    m = NULL;
    cairn__free(r->ctx, rl);
    relay__batch_op(r);
    return;
done:
    cairn__free(r->ctx, rl);
    cairn_sip_msg_free(m);
}

void relay__sip_after_commit(relay *r, uint64_t conn_id, void *req, double received, bool ok)
{
    if (conn_id & RELAY_MSRP_CONN_FLAG) { /* a session-mode message (msrp_recv.c) */
        relay__msrp_after_commit(r, conn_id, req, received, ok);
        return;
    }
    cairn_sip_msg *m = req;
    sip_conn *c = relay__map_get(&r->conns, conn_id);
    if (c != NULL && !c->closing) {
        if (ok)
            sip__respond(c, m, 202, "Accepted", NULL);
        else
            sip__respond(c, m, 500, "Server Internal Error", "Retry-After: 5\r\n");
        relay__hist_add(&r->m.commit_latency, relay__mono_s() - received);
    }
    cairn_sip_msg_free(m);
}
