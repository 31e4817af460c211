/*
 * msrp_test_util.c - see msrp_test_util.h. Test code: plain libc.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msrp_test_util.h"

static void append(mt_collect *c, const void *p, size_t n)
{
    if (c->len + n + 1 > c->cap) {
        size_t ncap = (c->cap + n + 1) * 2;
        char *q = realloc(c->log, ncap);
        if (q == NULL)
            abort();
        c->log = q;
        c->cap = ncap;
    }
    memcpy(c->log + c->len, p, n);
    c->len += n;
    c->log[c->len] = '\0';
}

static void appendf(mt_collect *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void appendf(mt_collect *c, const char *fmt, ...)
{
    char tmp[8192];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0)
        append(c, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

void mt_collect_init(mt_collect *c)
{
    memset(c, 0, sizeof(*c));
    c->keep_body = 1;
}

void mt_collect_free(mt_collect *c)
{
    free(c->log);
    memset(c, 0, sizeof(*c));
}

#define S(x) ((x) ? (x) : "-")

static cairn_status on_start(void *ud, const cairn_msrp_msg *m)
{
    mt_collect *c = ud;
    size_t i;
    c->starts++;
    c->body_seen = 0;
    c->last_error = m->error;
    snprintf(c->last_error_header, sizeof(c->last_error_header), "%s",
             S(m->error_header));
    snprintf(c->last_tid, sizeof(c->last_tid), "%s", m->tid);
    if (m->is_response)
        appendf(c, "START %s RESP %d %s", m->tid, m->code, S(m->comment));
    else
        appendf(c, "START %s %s(%d)", m->tid, m->method, (int)m->method_id);
    appendf(c, " to=%s from=%s mid=%s ct=%s sr=%s fr=%s use=%s", S(m->to_path),
            S(m->from_path), S(m->message_id), S(m->content_type),
            S(m->success_report), S(m->failure_report), S(m->use_path));
    if (m->has_range)
        appendf(c, " range=%llu-%lld/%lld", (unsigned long long)m->range.start,
                m->range.end == CAIRN_MSRP_UNKNOWN ? -1LL : (long long)m->range.end,
                m->range.total == CAIRN_MSRP_UNKNOWN ? -1LL : (long long)m->range.total);
    if (m->has_status)
        appendf(c, " status=%03d/%03d/%s", m->status.ns, m->status.code,
                S(m->status.comment));
    if (m->has_expires)
        appendf(c, " exp=%u", (unsigned)m->expires);
    appendf(c, " www=%s auth=%s", S(m->www_authenticate), S(m->authorization));
    for (i = 0; i < m->n_extra; i++)
        appendf(c, " [%s=%s]", m->extra[i].name, m->extra[i].value);
    appendf(c, " body=%d err=%d(%s)\n", (int)m->has_body, (int)m->error,
            S(m->error_header));
    return CAIRN_OK;
}

static cairn_status on_body(void *ud, const cairn_msrp_msg *m, const uint8_t *p,
                            size_t n)
{
    mt_collect *c = ud;
    (void)m;
    if (n == 0)
        return CAIRN_ERR_INTERNAL; /* the API promises non-empty pieces */
    c->pieces++;
    if (n > c->max_piece)
        c->max_piece = n;
    c->body_seen += n;
    if (c->keep_body)
        append(c, p, n);
    return CAIRN_OK;
}

static cairn_status on_end(void *ud, const cairn_msrp_msg *m, char flag,
                           uint64_t body_len)
{
    mt_collect *c = ud;
    c->ends++;
    c->last_flag = flag;
    if (body_len != c->body_seen)
        return CAIRN_ERR_INTERNAL;
    appendf(c, "\nEND %s %c %llu\n", m->tid, flag, (unsigned long long)body_len);
    return CAIRN_OK;
}

static const cairn_msrp_callbacks g_cb = {on_start, on_body, on_end};

const cairn_msrp_callbacks *mt_callbacks(void) { return &g_cb; }

cairn_status mt_parse(const cairn_context *ctx, const uint8_t *d, size_t n,
                      size_t step, mt_collect *c)
{
    cairn_msrp_parser *p = NULL;
    cairn_status rc = cairn_msrp_parser_create(ctx, NULL, &g_cb, c, &p);
    size_t off = 0;
    if (rc != CAIRN_OK)
        return rc;
    if (step == 0)
        step = n ? n : 1;
    while (rc == CAIRN_OK && off < n) {
        size_t k = n - off < step ? n - off : step;
        rc = cairn_msrp_parser_feed(p, d + off, k);
        off += k;
    }
    if (rc == CAIRN_OK && !cairn_msrp_parser_idle(p))
        rc = CAIRN_ERR_STATE; /* stream ended inside a message */
    cairn_msrp_parser_destroy(p);
    return rc;
}

/* Byte-counting allocator: a size header in front of each block. */
static size_t g_live, g_peak;

typedef union hdr {
    size_t n;
    max_align_t align;
} hdr;

static void *b_alloc(void *ud, size_t n)
{
    hdr *h = malloc(sizeof(hdr) + n);
    (void)ud;
    if (h == NULL)
        return NULL;
    h->n = n;
    g_live += n;
    if (g_live > g_peak)
        g_peak = g_live;
    return h + 1;
}

static void b_free(void *ud, void *p)
{
    hdr *h;
    (void)ud;
    if (p == NULL)
        return;
    h = (hdr *)p - 1;
    g_live -= h->n;
    free(h);
}

static void *b_realloc(void *ud, void *p, size_t n)
{
    void *q = b_alloc(ud, n);
    if (q == NULL)
        return NULL;
    if (p != NULL) {
        size_t old = ((hdr *)p - 1)->n;
        memcpy(q, p, old < n ? old : n);
        b_free(ud, p);
    }
    return q;
}

cairn_context *mt_bytes_context(void)
{
    cairn_context_config cfg;
    cairn_context *ctx = NULL;
    cairn_context_config_init(&cfg);
    cfg.alloc = b_alloc;
    cfg.realloc = b_realloc;
    cfg.free = b_free;
    cfg.log_level = CAIRN_LOG_ERROR;
    if (cairn_context_create(&cfg, &ctx) != CAIRN_OK)
        return NULL;
    return ctx;
}

void mt_bytes_reset_peak(void) { g_peak = g_live; }
size_t mt_bytes_live(void) { return g_live; }
size_t mt_bytes_peak(void) { return g_peak; }
