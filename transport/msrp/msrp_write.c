/*
 * msrp_write.c - strict MSRP serialisation into a bounded cairn__buf:
 * requests (whole or streamed head/end), transaction responses and REPORTs.
 *
 * Invariants: everything is validated before the first byte is appended,
 * and on any failure the buffer is truncated back to its previous length,
 * so a caller never sends half a message. A body is refused when it holds
 * its own end-line (MSRP-WRITE-2) - with random 16-character tids that
 * only happens to hostile or unlucky data, and the caller picks a new tid.
 */
#include <string.h>

#include "msrp_internal.h"

/* Undoes a partial append, keeping the buffer NUL-terminated. */
static void truncate_to(cairn__buf *b, size_t mark)
{
    b->len = mark;
    if (b->data != NULL)
        b->data[mark] = 0;
}

static bool opt_ok(const char *v)
{
    return v == NULL || msrp__value_ok(v);
}

static bool method_ok(const char *m)
{
    size_t i;
    if (m == NULL || m[0] == '\0' || strlen(m) > 32)
        return false;
    for (i = 0; m[i]; i++)
        if (m[i] < 'A' || m[i] > 'Z')
            return false;
    return true;
}

static bool header_name_ok(const char *n)
{
    size_t i;
    if (n == NULL || n[0] == '\0')
        return false;
    for (i = 0; n[i]; i++) {
        unsigned char c = (unsigned char)n[i];
        if (c <= 0x20 || c >= 0x7f || c == ':')
            return false;
    }
    return true;
}

static bool is_mime_extra(const char *name)
{
    return strlen(name) > 8 && msrp__ieqn(name, 8, "Content-", 8);
}

bool cairn_msrp_body_safe(const char *tid, const uint8_t *body, size_t len)
{
    size_t tl, i;
    char pat[MSRP__DASHES_LEN + CAIRN_MSRP_TID_MAX];

    if (tid == NULL || (tl = strlen(tid)) > CAIRN_MSRP_TID_MAX)
        return false;
    memcpy(pat, MSRP__DASHES, MSRP__DASHES_LEN);
    memcpy(pat + MSRP__DASHES_LEN, tid, tl);
    tl += MSRP__DASHES_LEN;
    /* Refuse "-------tid<flag>" at the start of the body or after any
     * CRLF, whatever follows: stricter than the end-line grammar, so even
     * receivers that do not insist on the CRLF after the flag are safe. */
    for (i = 0; i + tl < len; i++) {
        if (body[i] == '-' && (i == 0 || (i >= 2 && body[i - 2] == '\r' &&
                                          body[i - 1] == '\n'))) {
            if (memcmp(body + i, pat, tl) == 0) {
                uint8_t f = body[i + tl];
                if (f == '$' || f == '+' || f == '#')
                    return false;
            }
        }
    }
    return true;
}

static cairn_status check_msg(const cairn_msrp_msg *m)
{
    size_t i;
    if (m == NULL || !cairn_msrp_tid_valid(m->tid) || m->to_path == NULL ||
        m->from_path == NULL || m->to_path[0] == '\0' || m->from_path[0] == '\0')
        return CAIRN_ERR_INVALID_ARG;
    if (m->is_response ? (m->code < 200 || m->code > 999 || !opt_ok(m->comment))
                       : !method_ok(m->method))
        return CAIRN_ERR_INVALID_ARG;
    if (!opt_ok(m->to_path) || !opt_ok(m->from_path) || !opt_ok(m->message_id) ||
        !opt_ok(m->content_type) || !opt_ok(m->success_report) ||
        !opt_ok(m->failure_report) || !opt_ok(m->use_path) ||
        !opt_ok(m->www_authenticate) || !opt_ok(m->authorization) ||
        !opt_ok(m->authentication_info) ||
        (m->has_status && !opt_ok(m->status.comment)))
        return CAIRN_ERR_INVALID_ARG;
    if (m->has_range && !msrp__range_valid(&m->range))
        return CAIRN_ERR_INVALID_ARG;
    if (m->has_status && (m->status.ns < 0 || m->status.ns > 999 ||
                          m->status.code < 0 || m->status.code > 999))
        return CAIRN_ERR_INVALID_ARG;
    if (m->n_extra > 0 && m->extra == NULL)
        return CAIRN_ERR_INVALID_ARG;
    for (i = 0; i < m->n_extra; i++)
        if (!header_name_ok(m->extra[i].name) || m->extra[i].value == NULL ||
            !msrp__value_ok(m->extra[i].value))
            return CAIRN_ERR_INVALID_ARG;
    return CAIRN_OK;
}

static cairn_status put_hdr(cairn__buf *b, const char *name, const char *v)
{
    if (v == NULL)
        return CAIRN_OK;
    return cairn__buf_printf(b, "%s: %s\r\n", name, v);
}

static cairn_status put_num(cairn__buf *b, uint64_t v)
{
    return v == CAIRN_MSRP_UNKNOWN ? cairn__buf_append_str(b, "*")
                                   : cairn__buf_printf(b, "%llu", (unsigned long long)v);
}

static cairn_status put_head(cairn__buf *b, const cairn_msrp_msg *m)
{
    cairn_status rc;
    size_t i;

    if (m->is_response)
        rc = m->comment ? cairn__buf_printf(b, "MSRP %s %03d %s\r\n", m->tid,
                                            m->code, m->comment)
                        : cairn__buf_printf(b, "MSRP %s %03d\r\n", m->tid, m->code);
    else
        rc = cairn__buf_printf(b, "MSRP %s %s\r\n", m->tid, m->method);
    if (rc == CAIRN_OK) rc = put_hdr(b, "To-Path", m->to_path);
    if (rc == CAIRN_OK) rc = put_hdr(b, "From-Path", m->from_path);
    if (rc == CAIRN_OK) rc = put_hdr(b, "Message-ID", m->message_id);
    if (rc == CAIRN_OK) rc = put_hdr(b, "Success-Report", m->success_report);
    if (rc == CAIRN_OK) rc = put_hdr(b, "Failure-Report", m->failure_report);
    if (rc == CAIRN_OK && m->has_range) {
        rc = cairn__buf_printf(b, "Byte-Range: %llu-", (unsigned long long)m->range.start);
        if (rc == CAIRN_OK) rc = put_num(b, m->range.end);
        if (rc == CAIRN_OK) rc = cairn__buf_append_str(b, "/");
        if (rc == CAIRN_OK) rc = put_num(b, m->range.total);
        if (rc == CAIRN_OK) rc = cairn__buf_append_str(b, "\r\n");
    }
    if (rc == CAIRN_OK && m->has_status)
        rc = m->status.comment
                 ? cairn__buf_printf(b, "Status: %03d %03d %s\r\n", m->status.ns,
                                     m->status.code, m->status.comment)
                 : cairn__buf_printf(b, "Status: %03d %03d\r\n", m->status.ns,
                                     m->status.code);
    if (rc == CAIRN_OK) rc = put_hdr(b, "Use-Path", m->use_path);
    if (rc == CAIRN_OK && m->has_expires)
        rc = cairn__buf_printf(b, "Expires: %u\r\n", (unsigned)m->expires);
    if (rc == CAIRN_OK && m->has_min_expires)
        rc = cairn__buf_printf(b, "Min-Expires: %u\r\n", (unsigned)m->min_expires);
    if (rc == CAIRN_OK && m->has_max_expires)
        rc = cairn__buf_printf(b, "Max-Expires: %u\r\n", (unsigned)m->max_expires);
    if (rc == CAIRN_OK) rc = put_hdr(b, "WWW-Authenticate", m->www_authenticate);
    if (rc == CAIRN_OK) rc = put_hdr(b, "Authorization", m->authorization);
    if (rc == CAIRN_OK) rc = put_hdr(b, "Authentication-Info", m->authentication_info);
    for (i = 0; rc == CAIRN_OK && i < m->n_extra; i++)
        if (!is_mime_extra(m->extra[i].name))
            rc = put_hdr(b, m->extra[i].name, m->extra[i].value);
    /* Content-Type closes the ordinary headers; other MIME headers follow
     * it (RFC 4975 content-stuff). */
    if (rc == CAIRN_OK) rc = put_hdr(b, "Content-Type", m->content_type);
    for (i = 0; rc == CAIRN_OK && i < m->n_extra; i++)
        if (is_mime_extra(m->extra[i].name))
            rc = put_hdr(b, m->extra[i].name, m->extra[i].value);
    return rc;
}

cairn_status cairn_msrp_write_head(cairn__buf *out, const cairn_msrp_msg *m,
                                   bool with_body)
{
    size_t mark;
    cairn_status rc;

    if (out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    rc = check_msg(m);
    if (rc != CAIRN_OK)
        return rc;
    if (with_body && (m->is_response || m->content_type == NULL))
        return CAIRN_ERR_INVALID_ARG;
    mark = out->len;
    rc = put_head(out, m);
    if (rc == CAIRN_OK && with_body)
        rc = cairn__buf_append_str(out, "\r\n");
    if (rc != CAIRN_OK)
        truncate_to(out, mark);
    return rc;
}

cairn_status cairn_msrp_write_end(cairn__buf *out, const char *tid,
                                  bool with_body, char flag)
{
    size_t mark;
    cairn_status rc;

    if (out == NULL || !cairn_msrp_tid_valid(tid) ||
        (flag != '$' && flag != '+' && flag != '#'))
        return CAIRN_ERR_INVALID_ARG;
    mark = out->len;
    rc = with_body ? cairn__buf_append_str(out, "\r\n") : CAIRN_OK;
    if (rc == CAIRN_OK)
        rc = cairn__buf_printf(out, MSRP__DASHES "%s%c\r\n", tid, flag);
    if (rc != CAIRN_OK)
        truncate_to(out, mark);
    return rc;
}

cairn_status cairn_msrp_write(cairn__buf *out, const cairn_msrp_msg *m,
                              const uint8_t *body, size_t body_len, char flag)
{
    bool with_body;
    size_t mark;
    cairn_status rc;

    if (out == NULL || m == NULL || (body == NULL && body_len > 0) ||
        (flag != '$' && flag != '+' && flag != '#'))
        return CAIRN_ERR_INVALID_ARG;
    with_body = body_len > 0 || m->content_type != NULL;
    if (with_body && !cairn_msrp_body_safe(m->tid, body, body_len))
        return CAIRN_ERR_INVALID_ARG;
    mark = out->len;
    rc = cairn_msrp_write_head(out, m, with_body);
    if (rc == CAIRN_OK && body_len > 0)
        rc = cairn__buf_append(out, body, body_len);
    if (rc == CAIRN_OK)
        rc = cairn_msrp_write_end(out, m->tid, with_body, flag);
    if (rc != CAIRN_OK)
        truncate_to(out, mark);
    return rc;
}

/* Copies the first URI of path into dst (NUL-terminated). */
static cairn_status first_uri(const char *path, char *dst, size_t cap)
{
    const char *p;
    size_t n;
    if (msrp__first_uri(path, &p, &n) != CAIRN_OK || n >= cap)
        return CAIRN_ERR_INVALID_ARG;
    memcpy(dst, p, n);
    dst[n] = '\0';
    return CAIRN_OK;
}

cairn_status cairn_msrp_write_response(cairn__buf *out,
                                       const cairn_msrp_msg *req, int code,
                                       const char *comment)
{
    char to[CAIRN_MSRP_DEFAULT_MAX_LINE], from[CAIRN_MSRP_DEFAULT_MAX_LINE];
    cairn_msrp_msg r;
    cairn_status rc;

    if (req == NULL || req->is_response || code < 200 || code > 999)
        return CAIRN_ERR_INVALID_ARG;
    rc = first_uri(req->from_path, to, sizeof(to));
    if (rc == CAIRN_OK)
        rc = first_uri(req->to_path, from, sizeof(from));
    if (rc != CAIRN_OK)
        return rc;
    memset(&r, 0, sizeof(r));
    r.is_response = true;
    r.tid = req->tid;
    r.code = code;
    r.comment = comment ? comment : cairn_msrp_status_text(code);
    r.to_path = to;
    r.from_path = from;
    return cairn_msrp_write(out, &r, NULL, 0, '$');
}

cairn_status cairn_msrp_write_report(cairn__buf *out, const char *tid,
                                     const cairn_msrp_msg *send,
                                     const cairn_msrp_range *range, int code,
                                     const char *comment)
{
    char from[CAIRN_MSRP_DEFAULT_MAX_LINE];
    cairn_msrp_msg r;
    cairn_status rc;

    if (send == NULL || range == NULL || send->message_id == NULL ||
        send->from_path == NULL || code < 0 || code > 999)
        return CAIRN_ERR_INVALID_ARG;
    rc = first_uri(send->to_path, from, sizeof(from));
    if (rc != CAIRN_OK)
        return rc;
    memset(&r, 0, sizeof(r));
    r.tid = tid;
    r.method = "REPORT";
    r.method_id = CAIRN_MSRP_REPORT;
    r.to_path = send->from_path;
    r.from_path = from;
    r.message_id = send->message_id;
    r.has_range = true;
    r.range = *range;
    r.has_status = true;
    r.status.ns = 0;
    r.status.code = code;
    r.status.comment = comment ? comment : cairn_msrp_status_text(code);
    return cairn_msrp_write(out, &r, NULL, 0, '$');
}

/* Failure-Report "no": no responses at all; "partial": only errors.
 * REPORT requests are never answered (RFC 4975 section 7.1.2). */
bool cairn_msrp_wants_response(const cairn_msrp_msg *req, int code)
{
    if (req == NULL || req->is_response || req->method_id == CAIRN_MSRP_REPORT)
        return false;
    if (req->failure_report == NULL || msrp__ieq(req->failure_report, "yes"))
        return true;
    if (msrp__ieq(req->failure_report, "partial"))
        return code != 200;
    return false;
}

bool cairn_msrp_wants_success_report(const cairn_msrp_msg *req)
{
    return req != NULL && !req->is_response &&
           req->method_id == CAIRN_MSRP_SEND && req->success_report != NULL &&
           msrp__ieq(req->success_report, "yes");
}

bool cairn_msrp_wants_failure_report(const cairn_msrp_msg *req)
{
    return req != NULL && !req->is_response &&
           req->method_id == CAIRN_MSRP_SEND &&
           (req->failure_report == NULL || !msrp__ieq(req->failure_report, "no"));
}
