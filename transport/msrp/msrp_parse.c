/*
 * msrp_parse.c - the incremental MSRP parser (push API).
 *
 * State machine (one per connection):
 *
 *      +--> LINE --start line, header lines--> (blank line) --> BODY --+
 *      |     |                                                   |     |
 *      |     +--(end-line "-------tid F" instead of blank)--> end  |     |
 *      |                                                         v     |
 *      +---------------- end (on_end) <--- "\r\n-------tid F\r\n" -+
 *   any framing error --> FAILED (sticky)
 *
 * Invariants:
 *  - Header lines are copied into one buffer of max_header_bytes, each
 *    stored NUL-terminated; nothing else is buffered except the hold-back:
 *    the at most L-1 trailing body bytes (L = length of "\r\n-------tid$\r\n")
 *    that could still be the start of the end-line. So the end-line is
 *    found however the stream is split, and a look-alike end-line with
 *    another transaction id or flag-without-CRLF stays body (MSRP-PARSE-2).
 *  - Body bytes reach on_body in order, exactly once; held-back bytes are
 *    released as soon as they cannot begin the end-line.
 *  - When a content section starts, a virtual "\r\n" is put in front of the
 *    hold-back (and never emitted) so that a sender that omits the CRLF
 *    before the end-line of an empty body is still understood (liberal
 *    reading, MSRP-PARSE-3).
 */
#include <string.h>

#include "msrp_internal.h"

#define HOLD_MAX (2u + MSRP__DASHES_LEN + CAIRN_MSRP_TID_MAX + 3u)

enum { ST_LINE, ST_BODY, ST_FAILED };

struct cairn_msrp_parser {
    const cairn_context *ctx;
    cairn_msrp_limits lim;
    cairn_msrp_callbacks cb;
    void *ud;
    int state;

    char *hbuf;          /* header block, lines NUL-terminated */
    size_t hcap;
    size_t hlen;
    size_t line_start;   /* offset of the line being accumulated */
    size_t *lines;       /* offsets of complete lines, [0] = start line */
    size_t nlines;
    cairn_msrp_header *extra;
    cairn_msrp_msg msg;

    uint8_t pat[HOLD_MAX]; /* "\r\n-------" + tid */
    size_t patlen;
    uint8_t hold[2 * HOLD_MAX];
    size_t hold_len;
    size_t hold_virtual;   /* leading hold bytes that are not body */
    uint64_t body_len;
};

cairn_status cairn_msrp_parser_create(const cairn_context *ctx,
                                      const cairn_msrp_limits *limits,
                                      const cairn_msrp_callbacks *cb, void *ud,
                                      cairn_msrp_parser **out)
{
    cairn_msrp_parser *p;

    if (ctx == NULL || cb == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    p = cairn__calloc(ctx, 1, sizeof(*p));
    if (p == NULL)
        return CAIRN_ERR_NOMEM;
    p->ctx = ctx;
    if (limits != NULL)
        p->lim = *limits;
    if (p->lim.max_line == 0)
        p->lim.max_line = CAIRN_MSRP_DEFAULT_MAX_LINE;
    if (p->lim.max_headers == 0)
        p->lim.max_headers = CAIRN_MSRP_DEFAULT_MAX_HEADERS;
    if (p->lim.max_header_bytes == 0)
        p->lim.max_header_bytes = CAIRN_MSRP_DEFAULT_MAX_HEADER_BYTES;
    if (p->lim.max_body == 0)
        p->lim.max_body = CAIRN_MSRP_DEFAULT_MAX_BODY;
    if (p->lim.max_headers > 1024 || p->lim.max_header_bytes > (1u << 24) ||
        p->lim.max_line < 64) {
        cairn__free(ctx, p);
        return CAIRN_ERR_INVALID_ARG;
    }
    p->cb = *cb;
    p->ud = ud;
    p->hcap = p->lim.max_header_bytes;
    p->hbuf = cairn__alloc(ctx, p->hcap);
    p->lines = cairn__calloc(ctx, p->lim.max_headers + 1, sizeof(size_t));
    p->extra = cairn__calloc(ctx, p->lim.max_headers, sizeof(cairn_msrp_header));
    if (p->hbuf == NULL || p->lines == NULL || p->extra == NULL) {
        cairn_msrp_parser_destroy(p);
        return CAIRN_ERR_NOMEM;
    }
    p->state = ST_LINE;
    *out = p;
    return CAIRN_OK;
}

void cairn_msrp_parser_destroy(cairn_msrp_parser *p)
{
    if (p == NULL)
        return;
    /* Header blocks can carry Authorization credentials. */
    cairn__free_secret(p->ctx, p->hbuf, p->hcap);
    cairn__free(p->ctx, p->lines);
    cairn__free(p->ctx, p->extra);
    cairn__wipe(p->hold, sizeof(p->hold));
    cairn__free(p->ctx, p);
}

bool cairn_msrp_parser_idle(const cairn_msrp_parser *p)
{
    return p != NULL && p->state == ST_LINE && p->hlen == 0;
}

static void reset_message(cairn_msrp_parser *p)
{
    cairn__wipe(p->hbuf, p->hlen);
    p->hlen = 0;
    p->line_start = 0;
    p->nlines = 0;
    memset(&p->msg, 0, sizeof(p->msg));
    p->hold_len = 0;
    p->hold_virtual = 0;
    p->body_len = 0;
    p->state = ST_LINE;
}

static cairn_status fail(cairn_msrp_parser *p, cairn_status rc)
{
    p->state = ST_FAILED;
    return rc;
}

/* "MSRP SP transact-id SP method CRLF" or
 * "MSRP SP transact-id SP status-code [SP comment] CRLF". */
static cairn_status parse_start_line(cairn_msrp_parser *p, char *line)
{
    char *tid, *sp, *rest;
    size_t i;

    if (strncmp(line, "MSRP ", 5) != 0)
        return CAIRN_ERR_PROTOCOL;
    tid = line + 5;
    sp = strchr(tid, ' ');
    if (sp == NULL)
        return CAIRN_ERR_PROTOCOL;
    *sp = '\0';
    if (!cairn_msrp_tid_valid(tid))
        return CAIRN_ERR_PROTOCOL;
    rest = sp + 1;
    p->msg.tid = tid;
    if (rest[0] >= '0' && rest[0] <= '9') {
        if (!(rest[1] >= '0' && rest[1] <= '9' && rest[2] >= '0' &&
              rest[2] <= '9') ||
            (rest[3] != '\0' && rest[3] != ' '))
            return CAIRN_ERR_PROTOCOL;
        p->msg.is_response = true;
        p->msg.code = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
        if (p->msg.code < 200)
            return CAIRN_ERR_PROTOCOL;
        if (rest[3] == ' ')
            p->msg.comment = rest + 4;
    } else {
        for (i = 0; rest[i]; i++)
            if (rest[i] < 'A' || rest[i] > 'Z')
                return CAIRN_ERR_PROTOCOL;
        if (i == 0)
            return CAIRN_ERR_PROTOCOL;
        p->msg.method = rest;
        if (strcmp(rest, "SEND") == 0)
            p->msg.method_id = CAIRN_MSRP_SEND;
        else if (strcmp(rest, "REPORT") == 0)
            p->msg.method_id = CAIRN_MSRP_REPORT;
        else if (strcmp(rest, "AUTH") == 0)
            p->msg.method_id = CAIRN_MSRP_AUTH;
        else
            p->msg.method_id = CAIRN_MSRP_OTHER;
    }
    /* The end-line pattern of this message. */
    p->patlen = 0;
    p->pat[p->patlen++] = '\r';
    p->pat[p->patlen++] = '\n';
    memcpy(p->pat + p->patlen, MSRP__DASHES, MSRP__DASHES_LEN);
    p->patlen += MSRP__DASHES_LEN;
    memcpy(p->pat + p->patlen, tid, strlen(tid));
    p->patlen += strlen(tid);
    return CAIRN_OK;
}

static void semantic_error(cairn_msrp_msg *m, const char *header)
{
    if (m->error == CAIRN_OK) {
        m->error = CAIRN_ERR_DECODE;
        m->error_header = header;
    }
}

static void set_str(cairn_msrp_msg *m, const char **slot, const char *name,
                    const char *value)
{
    if (*slot != NULL)
        semantic_error(m, name); /* a repeated header is ambiguous */
    else
        *slot = value;
}

static void set_u32(cairn_msrp_msg *m, bool *has, uint32_t *slot,
                    const char *name, const char *value)
{
    if (*has || msrp__u32_parse(value, slot) != CAIRN_OK)
        semantic_error(m, name);
    *has = true;
}

static void parse_header(cairn_msrp_parser *p, char *line)
{
    cairn_msrp_msg *m = &p->msg;
    char *colon = strchr(line, ':'), *v, *e;
    size_t i;

    if (colon == NULL || colon == line) {
        semantic_error(m, NULL);
        return;
    }
    for (i = 0; line + i < colon; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c <= 0x20 || c >= 0x7f) {
            semantic_error(m, NULL);
            return;
        }
    }
    *colon = '\0';
    v = colon + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    e = v + strlen(v);
    while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = '\0';

    if (msrp__ieq(line, "To-Path")) {
        set_str(m, &m->to_path, "To-Path", v);
    } else if (msrp__ieq(line, "From-Path")) {
        set_str(m, &m->from_path, "From-Path", v);
    } else if (msrp__ieq(line, "Message-ID")) {
        set_str(m, &m->message_id, "Message-ID", v);
    } else if (msrp__ieq(line, "Byte-Range")) {
        if (m->has_range || msrp__range_parse(v, &m->range) != CAIRN_OK)
            semantic_error(m, "Byte-Range");
        m->has_range = true;
    } else if (msrp__ieq(line, "Content-Type")) {
        set_str(m, &m->content_type, "Content-Type", v);
    } else if (msrp__ieq(line, "Success-Report")) {
        set_str(m, &m->success_report, "Success-Report", v);
        if (!msrp__ieq(v, "yes") && !msrp__ieq(v, "no"))
            semantic_error(m, "Success-Report");
    } else if (msrp__ieq(line, "Failure-Report")) {
        set_str(m, &m->failure_report, "Failure-Report", v);
        if (!msrp__ieq(v, "yes") && !msrp__ieq(v, "no") && !msrp__ieq(v, "partial"))
            semantic_error(m, "Failure-Report");
    } else if (msrp__ieq(line, "Status")) {
        if (m->has_status || msrp__status_parse(v, &m->status) != CAIRN_OK)
            semantic_error(m, "Status");
        m->has_status = true;
    } else if (msrp__ieq(line, "Use-Path")) {
        set_str(m, &m->use_path, "Use-Path", v);
    } else if (msrp__ieq(line, "WWW-Authenticate")) {
        set_str(m, &m->www_authenticate, "WWW-Authenticate", v);
    } else if (msrp__ieq(line, "Authorization")) {
        set_str(m, &m->authorization, "Authorization", v);
    } else if (msrp__ieq(line, "Authentication-Info")) {
        set_str(m, &m->authentication_info, "Authentication-Info", v);
    } else if (msrp__ieq(line, "Expires")) {
        set_u32(m, &m->has_expires, &m->expires, "Expires", v);
    } else if (msrp__ieq(line, "Min-Expires")) {
        set_u32(m, &m->has_min_expires, &m->min_expires, "Min-Expires", v);
    } else if (msrp__ieq(line, "Max-Expires")) {
        set_u32(m, &m->has_max_expires, &m->max_expires, "Max-Expires", v);
    } else {
        p->extra[m->n_extra].name = line;
        p->extra[m->n_extra].value = v;
        m->n_extra++;
    }
}

/* Semantic checks of a complete head (MSRP-PARSE-4). */
static void check_head(cairn_msrp_msg *m)
{
    cairn_msrp_uri u[CAIRN_MSRP_PATH_MAX];
    size_t n;

    if (m->to_path == NULL ||
        cairn_msrp_path_parse(m->to_path, u, CAIRN_MSRP_PATH_MAX, &n) != CAIRN_OK)
        semantic_error(m, "To-Path");
    if (m->from_path == NULL ||
        cairn_msrp_path_parse(m->from_path, u, CAIRN_MSRP_PATH_MAX, &n) != CAIRN_OK)
        semantic_error(m, "From-Path");
    if (m->use_path != NULL &&
        cairn_msrp_path_parse(m->use_path, u, CAIRN_MSRP_PATH_MAX, &n) != CAIRN_OK)
        semantic_error(m, "Use-Path");
    if (!m->is_response && (m->method_id == CAIRN_MSRP_SEND ||
                            m->method_id == CAIRN_MSRP_REPORT) &&
        (m->message_id == NULL || m->message_id[0] == '\0'))
        semantic_error(m, "Message-ID");
    if (!m->is_response && m->method_id == CAIRN_MSRP_REPORT && !m->has_status)
        semantic_error(m, "Status");
    if (m->has_body && m->content_type == NULL)
        semantic_error(m, "Content-Type");
}

static cairn_status finish_head(cairn_msrp_parser *p, bool has_body)
{
    size_t i;
    cairn_msrp_msg *m = &p->msg;

    m->extra = p->extra;
    m->n_extra = 0;
    for (i = 1; i < p->nlines; i++)
        parse_header(p, p->hbuf + p->lines[i]);
    m->has_body = has_body;
    check_head(m);
    if (p->cb.on_start != NULL)
        return p->cb.on_start(p->ud, m);
    return CAIRN_OK;
}

static cairn_status end_message(cairn_msrp_parser *p, char flag)
{
    cairn_status rc = CAIRN_OK;
    if (p->cb.on_end != NULL)
        rc = p->cb.on_end(p->ud, &p->msg, flag, p->body_len);
    reset_message(p);
    return rc;
}

/* A complete line is hbuf[line_start .. hlen), ending in "\r\n". */
static cairn_status complete_line(cairn_msrp_parser *p)
{
    char *line = p->hbuf + p->line_start;
    size_t n = p->hlen - p->line_start, i;
    cairn_status rc;

    if (n < 2 || line[n - 2] != '\r')
        return CAIRN_ERR_PROTOCOL; /* bare LF */
    for (i = 0; i < n - 2; i++) {
        unsigned char c = (unsigned char)line[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return CAIRN_ERR_PROTOCOL; /* bare CR, NUL, controls */
    }
    line[n - 2] = '\0';
    p->hlen--; /* keep the NUL, drop the LF */
    n -= 2;

    if (p->nlines == 0) {
        p->lines[p->nlines++] = p->line_start;
        p->line_start = p->hlen;
        return parse_start_line(p, line);
    }
    if (n == 0) { /* blank line: the content section starts */
        p->line_start = p->hlen;
        rc = finish_head(p, true);
        if (rc != CAIRN_OK)
            return rc;
        p->state = ST_BODY;
        p->hold[0] = '\r';
        p->hold[1] = '\n';
        p->hold_len = 2;
        p->hold_virtual = 2;
        return CAIRN_OK;
    }
    if (n >= MSRP__DASHES_LEN && memcmp(line, MSRP__DASHES, MSRP__DASHES_LEN) == 0) {
        size_t tl = strlen(p->msg.tid);
        char flag = line[n - 1];
        if (n != MSRP__DASHES_LEN + tl + 1 ||
            memcmp(line + MSRP__DASHES_LEN, p->msg.tid, tl) != 0 ||
            (flag != '$' && flag != '+' && flag != '#'))
            return CAIRN_ERR_PROTOCOL;
        rc = finish_head(p, false);
        if (rc != CAIRN_OK)
            return rc;
        return end_message(p, flag);
    }
    if (p->nlines > p->lim.max_headers)
        return CAIRN_ERR_LIMIT;
    p->lines[p->nlines++] = p->line_start;
    p->line_start = p->hlen;
    return CAIRN_OK;
}

static cairn_status feed_line(cairn_msrp_parser *p, const uint8_t *d, size_t n,
                              size_t *used)
{
    const uint8_t *nl = memchr(d, '\n', n);
    size_t take = nl ? (size_t)(nl - d) + 1 : n;

    /* Line and block caps before copying: +2 for the CRLF. */
    if (p->hlen - p->line_start + take > p->lim.max_line + 2)
        return CAIRN_ERR_TOO_LARGE;
    if (p->hlen + take > p->hcap)
        return CAIRN_ERR_TOO_LARGE;
    memcpy(p->hbuf + p->hlen, d, take);
    p->hlen += take;
    *used = take;
    return nl ? complete_line(p) : CAIRN_OK;
}

/* 0: s cannot start the end-line; 1: s is a proper prefix of it;
 * 2: s starts with the whole end-line (flag at s[patlen]). */
static int end_match(const cairn_msrp_parser *p, const uint8_t *s, size_t n)
{
    size_t L = p->patlen + 3, i, m = n < L ? n : L;
    for (i = 0; i < m; i++) {
        uint8_t c = s[i];
        if (i < p->patlen) {
            if (c != p->pat[i])
                return 0;
        } else if (i == p->patlen) {
            if (c != '$' && c != '+' && c != '#')
                return 0;
        } else if (c != (i == p->patlen + 1 ? '\r' : '\n')) {
            return 0;
        }
    }
    return n >= L ? 2 : 1;
}

static cairn_status emit(cairn_msrp_parser *p, const uint8_t *d, size_t n)
{
    if (n == 0)
        return CAIRN_OK;
    if (n > p->lim.max_body - p->body_len)
        return CAIRN_ERR_TOO_LARGE;
    p->body_len += n;
    if (p->cb.on_body != NULL)
        return p->cb.on_body(p->ud, &p->msg, d, n);
    return CAIRN_OK;
}

/* Emits hold[a..b), skipping the virtual prefix. */
static cairn_status emit_hold(cairn_msrp_parser *p, size_t a, size_t b)
{
    if (a < p->hold_virtual)
        a = p->hold_virtual;
    return a < b ? emit(p, p->hold + a, b - a) : CAIRN_OK;
}

static cairn_status feed_body(cairn_msrp_parser *p, const uint8_t *d, size_t n,
                              size_t *used)
{
    size_t L = p->patlen + 3, i, off = 0;
    cairn_status rc;

    if (p->hold_len > 0) {
        /* Candidates that begin inside the hold-back, seen with up to L
         * new bytes behind them. */
        uint8_t w[3 * HOLD_MAX];
        size_t h = p->hold_len, take = n < L ? n : L;
        memcpy(w, p->hold, h);
        memcpy(w + h, d, take);
        for (i = 0; i < h; i++) {
            int r = end_match(p, w + i, h + take - i);
            if (r == 2) {
                char flag = (char)w[i + p->patlen];
                rc = emit_hold(p, 0, i);
                if (rc != CAIRN_OK)
                    return rc;
                *used = i + L - h;
                return end_message(p, flag);
            }
            if (r == 1) { /* all of d is a prefix of the end-line */
                rc = emit_hold(p, 0, i);
                if (rc != CAIRN_OK)
                    return rc;
                memmove(p->hold, w + i, h + take - i);
                p->hold_len = h + take - i;
                p->hold_virtual = p->hold_virtual > i ? p->hold_virtual - i : 0;
                *used = n;
                return CAIRN_OK;
            }
        }
        rc = emit_hold(p, 0, h);
        if (rc != CAIRN_OK)
            return rc;
        p->hold_len = 0;
        p->hold_virtual = 0;
    }
    while (off < n) {
        const uint8_t *cr = memchr(d + off, '\r', n - off);
        size_t at;
        int r;
        if (cr == NULL)
            break;
        at = (size_t)(cr - d);
        r = end_match(p, cr, n - at);
        if (r == 2) {
            char flag = (char)cr[p->patlen];
            rc = emit(p, d, at);
            if (rc != CAIRN_OK)
                return rc;
            *used = at + L;
            return end_message(p, flag);
        }
        if (r == 1) {
            rc = emit(p, d, at);
            if (rc != CAIRN_OK)
                return rc;
            memcpy(p->hold, cr, n - at);
            p->hold_len = n - at;
            *used = n;
            return CAIRN_OK;
        }
        off = at + 1;
    }
    *used = n;
    return emit(p, d, n);
}

cairn_status cairn_msrp_parser_feed(cairn_msrp_parser *p, const uint8_t *data,
                                    size_t len)
{
    size_t off = 0;

    if (p == NULL || (data == NULL && len > 0))
        return CAIRN_ERR_INVALID_ARG;
    if (p->state == ST_FAILED)
        return CAIRN_ERR_STATE;
    while (off < len) {
        size_t used = 0;
        cairn_status rc = p->state == ST_LINE
                              ? feed_line(p, data + off, len - off, &used)
                              : feed_body(p, data + off, len - off, &used);
        if (rc != CAIRN_OK)
            return fail(p, rc);
        off += used;
    }
    return CAIRN_OK;
}
