/*
 * buf.c - the bounded growable buffer and the bounded reader that every
 * encoder and decoder in the project builds on. The limit is the point: a
 * hostile peer cannot make a buffer grow past what its owner allowed.
 */
#include <stdio.h>
#include <string.h>

#include "base.h"

void cairn__buf_init(cairn__buf *b, const cairn_context *ctx, size_t limit)
{
    memset(b, 0, sizeof(*b));
    b->ctx = ctx;
    b->limit = limit;
}

cairn_status cairn__buf_reserve(cairn__buf *b, size_t extra)
{
    size_t need, ncap;
    uint8_t *p;

    if (extra > b->limit || b->len > b->limit - extra || b->len + extra == SIZE_MAX)
        return CAIRN_ERR_TOO_LARGE;
    need = b->len + extra + 1; /* room for a terminating NUL; cannot wrap (above) */
    if (need <= b->cap)
        return CAIRN_OK;
    ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    /* limit may be SIZE_MAX ("no limit"): compare without adding to it */
    if (ncap - 1 > b->limit)
        ncap = b->limit + 1;
    if (ncap < need)
        ncap = need;
    /* Grow by copy rather than realloc so that the old bytes, which may be
     * secret, are wiped rather than left behind in freed memory. */
    p = cairn__alloc(b->ctx, ncap);
    if (p == NULL)
        return CAIRN_ERR_NOMEM;
    if (b->len)
        memcpy(p, b->data, b->len);
    cairn__free_secret(b->ctx, b->data, b->cap);
    b->data = p;
    b->cap = ncap;
    return CAIRN_OK;
}

cairn_status cairn__buf_append(cairn__buf *b, const void *p, size_t n)
{
    cairn_status rc = cairn__buf_reserve(b, n);
    if (rc != CAIRN_OK)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return CAIRN_OK;
}

cairn_status cairn__buf_append_str(cairn__buf *b, const char *s)
{
    return cairn__buf_append(b, s, strlen(s));
}

cairn_status cairn__buf_printf(cairn__buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    cairn_status rc;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return CAIRN_ERR_INTERNAL;
    rc = cairn__buf_reserve(b, (size_t)n);
    if (rc != CAIRN_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return CAIRN_OK;
}

cairn_status cairn__buf_append_u8(cairn__buf *b, uint8_t v)
{
    return cairn__buf_append(b, &v, 1);
}

cairn_status cairn__buf_append_u16be(cairn__buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    return cairn__buf_append(b, x, 2);
}

cairn_status cairn__buf_append_u32be(cairn__buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    return cairn__buf_append(b, x, 4);
}

cairn_status cairn__buf_append_u64be(cairn__buf *b, uint64_t v)
{
    cairn_status rc = cairn__buf_append_u32be(b, (uint32_t)(v >> 32));
    return rc != CAIRN_OK ? rc : cairn__buf_append_u32be(b, (uint32_t)v);
}

cairn_status cairn__buf_take(cairn__buf *b, uint8_t **out, size_t *len)
{
    if (b->data == NULL) {
        cairn_status rc = cairn__buf_reserve(b, 0);
        if (rc != CAIRN_OK)
            return rc;
        b->data[0] = 0;
    }
    *out = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return CAIRN_OK;
}

void cairn__buf_reset(cairn__buf *b)
{
    if (b->data)
        cairn__wipe(b->data, b->len);
    b->len = 0;
}

void cairn__buf_free(cairn__buf *b)
{
    cairn__free_secret(b->ctx, b->data, b->cap);
    b->data = NULL;
    b->len = b->cap = 0;
}

void cairn__reader_init(cairn__reader *r, const uint8_t *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->off = 0;
    r->err = false;
}

const uint8_t *cairn__read_bytes(cairn__reader *r, size_t n)
{
    const uint8_t *p;
    if (r->err || n > r->len - r->off) {
        r->err = true;
        return NULL;
    }
    p = r->p + r->off;
    r->off += n;
    return p;
}

static uint64_t read_be(cairn__reader *r, size_t n)
{
    const uint8_t *p = cairn__read_bytes(r, n);
    uint64_t v = 0;
    size_t i;
    if (p == NULL)
        return 0;
    for (i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

uint8_t cairn__read_u8(cairn__reader *r) { return (uint8_t)read_be(r, 1); }
uint16_t cairn__read_u16be(cairn__reader *r) { return (uint16_t)read_be(r, 2); }
uint32_t cairn__read_u24be(cairn__reader *r) { return (uint32_t)read_be(r, 3); }
uint32_t cairn__read_u32be(cairn__reader *r) { return (uint32_t)read_be(r, 4); }
uint64_t cairn__read_u64be(cairn__reader *r) { return read_be(r, 8); }

size_t cairn__reader_left(const cairn__reader *r)
{
    return r->err ? 0 : r->len - r->off;
}
