/*
 * msrp_syntax.c - the small grammars inside MSRP header values (RFC 4975
 * section 9): Byte-Range, Status, Expires numbers, transaction ids, and the
 * reason phrases of the response codes. Every number parser refuses
 * overflow and leading junk, so a hostile "Byte-Range: 1-99999999999999999999/5"
 * is a clean error (MSRP-RANGE-1, MSRP-RANGE-2).
 */
#include <string.h>

#include "msrp_internal.h"

bool msrp__ieqn(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t i;
    if (alen != blen)
        return false;
    for (i = 0; i < alen; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return false;
    }
    return true;
}

bool msrp__ieq(const char *a, const char *b)
{
    return msrp__ieqn(a, strlen(a), b, strlen(b));
}

bool msrp__is_ident_char(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '+' ||
           c == '%' || c == '=';
}

bool cairn_msrp_tid_valid(const char *t)
{
    size_t n, i;
    if (t == NULL)
        return false;
    n = strlen(t);
    if (n < CAIRN_MSRP_TID_MIN || n > CAIRN_MSRP_TID_MAX)
        return false;
    /* ident = ALPHANUM 3*31ident-char */
    if (!((t[0] >= '0' && t[0] <= '9') || (t[0] >= 'a' && t[0] <= 'z') ||
          (t[0] >= 'A' && t[0] <= 'Z')))
        return false;
    for (i = 1; i < n; i++)
        if (!msrp__is_ident_char((unsigned char)t[i]))
            return false;
    return true;
}

cairn_status cairn_msrp_tid_generate(const cairn_context *ctx, char *out)
{
    static const char alphabet[] =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    uint8_t rnd[CAIRN_MSRP_TID_LEN];
    size_t i;
    cairn_status rc;

    if (out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    rc = cairn__random(ctx, rnd, sizeof(rnd));
    if (rc != CAIRN_OK)
        return rc;
    /* 62 does not divide 256; the small bias does not matter for ids
     * whose only job is to be unique on one connection. */
    for (i = 0; i < CAIRN_MSRP_TID_LEN; i++)
        out[i] = alphabet[rnd[i] % 62];
    out[CAIRN_MSRP_TID_LEN] = '\0';
    return CAIRN_OK;
}

bool msrp__value_ok(const char *v)
{
    for (; *v; v++) {
        unsigned char c = (unsigned char)*v;
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

/* Parses 1*DIGIT at *s into *v (<= limit), advancing *s. */
static cairn_status parse_num(const char **s, uint64_t limit, uint64_t *v)
{
    const char *p = *s;
    uint64_t x = 0;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        if (x > (limit - d) / 10)
            return CAIRN_ERR_DECODE;
        x = x * 10 + d;
        p++;
        digits++;
    }
    if (digits == 0)
        return CAIRN_ERR_DECODE;
    *s = p;
    *v = x;
    return CAIRN_OK;
}

bool msrp__range_valid(const cairn_msrp_range *r)
{
    if (r->start < 1 || r->start > CAIRN_MSRP_RANGE_LIMIT)
        return false;
    if (r->end != CAIRN_MSRP_UNKNOWN &&
        (r->end > CAIRN_MSRP_RANGE_LIMIT || r->end + 1 < r->start))
        return false;
    if (r->total != CAIRN_MSRP_UNKNOWN) {
        if (r->total > CAIRN_MSRP_RANGE_LIMIT)
            return false;
        if (r->end != CAIRN_MSRP_UNKNOWN && r->end > r->total)
            return false;
        /* start may be total+1 only for the empty range 1-0/0. */
        if (r->start > r->total + 1)
            return false;
    }
    return true;
}

cairn_status msrp__range_parse(const char *s, cairn_msrp_range *r)
{
    cairn_msrp_range x;
    if (parse_num(&s, CAIRN_MSRP_RANGE_LIMIT, &x.start) != CAIRN_OK || *s++ != '-')
        return CAIRN_ERR_DECODE;
    if (*s == '*') {
        x.end = CAIRN_MSRP_UNKNOWN;
        s++;
    } else if (parse_num(&s, CAIRN_MSRP_RANGE_LIMIT, &x.end) != CAIRN_OK) {
        return CAIRN_ERR_DECODE;
    }
    if (*s++ != '/')
        return CAIRN_ERR_DECODE;
    if (*s == '*') {
        x.total = CAIRN_MSRP_UNKNOWN;
        s++;
    } else if (parse_num(&s, CAIRN_MSRP_RANGE_LIMIT, &x.total) != CAIRN_OK) {
        return CAIRN_ERR_DECODE;
    }
    if (*s != '\0' || !msrp__range_valid(&x))
        return CAIRN_ERR_DECODE;
    *r = x;
    return CAIRN_OK;
}

cairn_status msrp__u32_parse(const char *s, uint32_t *v)
{
    uint64_t x;
    if (parse_num(&s, UINT32_MAX, &x) != CAIRN_OK || *s != '\0')
        return CAIRN_ERR_DECODE;
    *v = (uint32_t)x;
    return CAIRN_OK;
}

static bool three_digits(const char *s, int *v)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2] < '0' ||
        s[2] > '9')
        return false;
    *v = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    return true;
}

cairn_status msrp__status_parse(const char *s, cairn_msrp_status_hdr *st)
{
    cairn_msrp_status_hdr x = {0, 0, NULL};
    if (!three_digits(s, &x.ns) || s[3] != ' ' || !three_digits(s + 4, &x.code))
        return CAIRN_ERR_DECODE;
    if (s[7] == ' ')
        x.comment = s + 8;
    else if (s[7] != '\0')
        return CAIRN_ERR_DECODE;
    *st = x;
    return CAIRN_OK;
}

cairn_status msrp__first_uri(const char *path, const char **p, size_t *n)
{
    const char *e;
    if (path == NULL)
        return CAIRN_ERR_INVALID_ARG;
    while (*path == ' ' || *path == '\t')
        path++;
    e = path;
    while (*e && *e != ' ' && *e != '\t')
        e++;
    if (e == path)
        return CAIRN_ERR_INVALID_ARG;
    *p = path;
    *n = (size_t)(e - path);
    return CAIRN_OK;
}

const char *cairn_msrp_status_text(int code)
{
    switch (code) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 408: return "Request Timeout";
    case 413: return "Message Too Large";
    case 415: return "Unsupported Media Type";
    case 423: return "Interval Out-of-Bounds";
    case 481: return "Session Does Not Exist";
    case 501: return "Unknown Method";
    case 506: return "Session Already Bound";
    default: return "Unknown";
    }
}
