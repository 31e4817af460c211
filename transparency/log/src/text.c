/*
 * text.c - character rules of C2SP signed notes: strict UTF-8, no ASCII
 * control characters but newline, and key names free of Unicode white
 * space and '+' (TLOG-12, TLOG-13). The white-space set is the one Go's
 * unicode.IsSpace uses, which the reference implementation applies.
 */
#include "tlog_internal.h"

/* Decodes one code point at p (n bytes left); returns its length or 0 when
 * the sequence is not well-formed UTF-8. */
static size_t utf8_next(const uint8_t *p, size_t n, uint32_t *cp)
{
    uint32_t c = p[0];
    size_t len, i;
    uint32_t min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2;
        c &= 0x1F;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        c &= 0x0F;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

bool tlog__utf8_valid(const uint8_t *p, size_t n)
{
    size_t off = 0, l;
    uint32_t cp;
    while (off < n) {
        l = utf8_next(p + off, n - off, &cp);
        if (l == 0)
            return false;
        off += l;
    }
    return true;
}

static bool is_space(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
           c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool tlog__name_valid(const uint8_t *p, size_t n)
{
    size_t off = 0, l;
    uint32_t cp;
    if (n == 0)
        return false;
    while (off < n) {
        l = utf8_next(p + off, n - off, &cp);
        if (l == 0 || cp < 0x20 || cp == '+' || is_space(cp))
            return false;
        off += l;
    }
    return true;
}

bool tlog__note_chars_valid(const uint8_t *p, size_t n)
{
    size_t off = 0, l;
    uint32_t cp;
    while (off < n) {
        l = utf8_next(p + off, n - off, &cp);
        if (l == 0 || (cp < 0x20 && cp != '\n'))
            return false;
        off += l;
    }
    return true;
}

/* libsodium's decoder maps some bytes >= 0x80 onto base64 digits instead of
 * rejecting them, so the alphabet is checked here before decoding: a
 * signed text must have one spelling (TLOG-19). */
cairn_status tlog__base64_decode(uint8_t *out, size_t cap, size_t *out_len,
                                 const char *in, size_t in_len)
{
    size_t i;
    for (i = 0; i < in_len; i++) {
        char c = in[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '='))
            return CAIRN_ERR_DECODE;
    }
    return cairn__base64_decode(out, cap, out_len, in, in_len);
}
