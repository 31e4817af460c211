/*
 * sip_write.c - the wire form of a message. Strict (SIP-10): CRLF line
 * ends, one header per line in stored order with canonical names, and a
 * Content-Length computed from the body written last, so a stale or forged
 * Content-Length header can never misframe what we send.
 *
 * Invariant: on error the output buffer's length is restored.
 */
#include <string.h>

#include "sip_internal.h"

cairn_status cairn_sip_msg_serialize(const cairn_sip_msg *m, cairn__buf *out)
{
    size_t i, mark;
    int cl;
    cairn_status rc;

    if (m == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    mark = out->len;
    if (m->is_request)
        rc = cairn__buf_printf(out, "%s %s SIP/2.0\r\n", m->method, m->uri);
    else
        rc = cairn__buf_printf(out, "SIP/2.0 %03d %s\r\n", m->status, m->reason ? m->reason : "");
    cl = sip__header_index("Content-Length", 14);
    for (i = 0; rc == CAIRN_OK && i < m->nhdrs; i++) {
        const sip__hdr *h = &m->hdrs[i];
        size_t nl, vl;
        if (h->known == cl)
            continue;
        nl = strlen(h->name);
        vl = strlen(h->value);
        rc = cairn__buf_reserve(out, nl + vl + 4);
        if (rc != CAIRN_OK)
            break;
        memcpy(out->data + out->len, h->name, nl);
        memcpy(out->data + out->len + nl, ": ", 2);
        memcpy(out->data + out->len + nl + 2, h->value, vl);
        memcpy(out->data + out->len + nl + 2 + vl, "\r\n", 2);
        out->len += nl + vl + 4;
        out->data[out->len] = 0;
    }
    if (rc == CAIRN_OK)
        rc = cairn__buf_printf(out, "Content-Length: %zu\r\n\r\n", m->body_len);
    if (rc == CAIRN_OK && m->body_len)
        rc = cairn__buf_append(out, m->body, m->body_len);
    if (rc != CAIRN_OK) {
        out->len = mark;
        if (out->data)
            out->data[mark] = 0;
    }
    return rc;
}
