/*
 * sip_reader.c - framing SIP messages on a byte stream (RFC 3261 section
 * 18.3): the header section ends at the first blank line, the body is
 * exactly Content-Length bytes (absent means 0 on a stream).
 *
 * State machine (see also sip.h):
 *
 *   START  --CR/LF-->  START                (keep-alive, RFC 5626)
 *   START  --other-->  HEAD
 *   HEAD   --blank line--> parse head; Content-Length > cap -> FAILED
 *                          length 0 -> emit, START; else BODY
 *   BODY   --length bytes--> emit, START
 *   any error --> FAILED (sticky)
 *
 * Invariants: at most max_header_bytes of head and max_body of body are
 * ever buffered; the body is allocated only after its length has passed
 * the cap; the outcome is the same for every way of splitting the stream,
 * because all decisions are made on buffered bytes, never on feed edges.
 */
#include <string.h>

#include "sip_internal.h"

enum { R_START, R_HEAD, R_BODY, R_FAILED };

struct cairn_sip_reader {
    const cairn_context *ctx;
    cairn_sip_limits lim;
    int state;
    cairn_status err;
    cairn__buf head;
    size_t line_start;  /* offset in head of the line being read */
    size_t lines;       /* complete lines in head */
    cairn_sip_msg *msg; /* BODY: the parsed head awaiting its body */
    size_t need;        /* BODY: bytes still missing */
};

cairn_status cairn_sip_reader_new(const cairn_context *ctx, const cairn_sip_limits *lim,
                                  cairn_sip_reader **out)
{
    cairn_sip_reader *r;
    if (out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    if (ctx == NULL)
        return CAIRN_ERR_INVALID_ARG;
    r = cairn__calloc(ctx, 1, sizeof(*r));
    if (r == NULL)
        return CAIRN_ERR_NOMEM;
    r->ctx = ctx;
    sip__limits_fill(&r->lim, lim);
    cairn__buf_init(&r->head, ctx, r->lim.max_header_bytes);
    r->state = R_START;
    *out = r;
    return CAIRN_OK;
}

void cairn_sip_reader_free(cairn_sip_reader *r)
{
    if (r == NULL)
        return;
    cairn__buf_free(&r->head);
    cairn_sip_msg_free(r->msg);
    cairn__free(r->ctx, r);
}

size_t cairn_sip_reader_pending(const cairn_sip_reader *r)
{
    if (r == NULL)
        return 0;
    if (r->state == R_BODY)
        return r->head.len + (r->msg->body_len - r->need);
    return r->head.len;
}

static cairn_status fail(cairn_sip_reader *r, cairn_status rc)
{
    r->state = R_FAILED;
    r->err = rc;
    cairn_sip_msg_free(r->msg);
    r->msg = NULL;
    cairn__buf_free(&r->head);
    return rc;
}

static void reset(cairn_sip_reader *r)
{
    r->state = R_START;
    r->head.len = 0;
    r->line_start = 0;
    r->lines = 0;
    r->msg = NULL;
    r->need = 0;
}

/* The head is complete: parse it and size the body. */
static cairn_status head_done(cairn_sip_reader *r, cairn_sip_msg **out)
{
    cairn_sip_msg *m = NULL;
    bool present;
    size_t n;
    cairn_status rc;

    rc = sip__parse_head(r->ctx, &r->lim, (const char *)r->head.data, r->head.len, &m);
    if (rc == CAIRN_OK)
        rc = sip__content_length(m, r->lim.max_body, &present, &n);
    if (rc != CAIRN_OK) {
        cairn_sip_msg_free(m);
        return rc;
    }
    if (n == 0) {
        reset(r);
        *out = m;
        return CAIRN_OK;
    }
    m->body = cairn__alloc(r->ctx, n + 1);
    if (m->body == NULL) {
        cairn_sip_msg_free(m);
        return CAIRN_ERR_NOMEM;
    }
    m->body[n] = 0;
    m->body_len = n;
    r->msg = m;
    r->need = n;
    r->state = R_BODY;
    r->head.len = 0;
    return CAIRN_OK;
}

/* Consumes head bytes up to and including one LF. */
static cairn_status head_bytes(cairn_sip_reader *r, const uint8_t *p, size_t len, size_t *used,
                               bool *complete)
{
    const uint8_t *lf = memchr(p, '\n', len);
    size_t n = lf ? (size_t)(lf - p) + 1 : len;
    size_t line_len, content;
    cairn_status rc;

    *complete = false;
    /* Bytes of the open line without its LF; one more than max_line is
     * allowed while it may still be the CR of a CRLF. */
    line_len = r->head.len - r->line_start + n - (lf ? 1 : 0);
    if (line_len > r->lim.max_line + 1)
        return CAIRN_ERR_TOO_LARGE;
    rc = cairn__buf_append(&r->head, p, n);
    if (rc != CAIRN_OK)
        return rc;
    *used = n;
    if (lf == NULL)
        return CAIRN_OK;
    content = r->head.len - r->line_start - 1;
    if (content && r->head.data[r->head.len - 2] == '\r')
        content--;
    if (content > r->lim.max_line)
        return CAIRN_ERR_TOO_LARGE;
    r->line_start = r->head.len;
    if (content == 0) {
        *complete = true;
        return CAIRN_OK;
    }
    if (++r->lines > r->lim.max_headers + 1)
        return CAIRN_ERR_LIMIT;
    return CAIRN_OK;
}

cairn_status cairn_sip_reader_feed(cairn_sip_reader *r, const uint8_t *data, size_t len,
                                   size_t *consumed, cairn_sip_msg **out)
{
    size_t pos = 0;
    cairn_status rc = CAIRN_OK;

    if (consumed)
        *consumed = 0;
    if (out == NULL || consumed == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    if (r == NULL || (data == NULL && len))
        return CAIRN_ERR_INVALID_ARG;
    if (r->state == R_FAILED)
        return r->err;
    while (pos < len && *out == NULL) {
        if (r->state == R_START) {
            if (data[pos] == '\r' || data[pos] == '\n') {
                pos++;
                continue;
            }
            r->state = R_HEAD;
        }
        if (r->state == R_HEAD) {
            size_t used = 0;
            bool complete;
            rc = head_bytes(r, data + pos, len - pos, &used, &complete);
            if (rc != CAIRN_OK)
                break;
            pos += used;
            if (complete) {
                rc = head_done(r, out);
                if (rc != CAIRN_OK)
                    break;
            }
            continue;
        }
        if (r->state == R_BODY) {
            size_t take = len - pos < r->need ? len - pos : r->need;
            memcpy(r->msg->body + (r->msg->body_len - r->need), data + pos, take);
            pos += take;
            r->need -= take;
            if (r->need == 0) {
                *out = r->msg;
                reset(r);
            }
        }
    }
    *consumed = pos;
    if (rc != CAIRN_OK) {
        *consumed = 0;
        return fail(r, rc);
    }
    return CAIRN_OK;
}
