/*
 * text.c - what the host does to every message before an engine sees it
 * (SR-5, SR-6): bound it, repair its UTF-8, drop NUL and control bytes,
 * and mask URLs, e-mail addresses and phone numbers.
 *
 * Invariants: masking errs towards hiding too much (any run of digits and
 * phone separators holding 7+ digits is a phone number); input is cut only
 * at a space between two ordinary words so that no address or number is
 * split by the cut and leaks half-masked; the result is valid UTF-8, has
 * no control bytes, is NUL-terminated and at most
 * CAIRN_SMARTREPLY_MAX_TEXT bytes. All buffers are on the stack and wiped.
 */
#include <ctype.h>
#include <string.h>

#include "internal.h"

#define IN_CAP (2 * CAIRN_SMARTREPLY_MAX_TEXT)
#define MID_CAP (CAIRN_SMARTREPLY_MAX_TEXT + 512)
#define PHONE_MIN_DIGITS 7

typedef struct writer {
    char *p;
    size_t len;
    size_t cap;
} writer;

static void put(writer *w, const char *s, size_t n)
{
    if (n > w->cap - w->len)
        n = w->cap - w->len;
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

/* Length of a valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq(const uint8_t *s, size_t n, uint32_t *cp)
{
    uint32_t c;
    size_t len, i;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2;
        c = s[0] & 0x1F;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        c = s[0] & 0x0F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        c = s[0] & 0x07;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10FFFF ||
        (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

static bool is_control(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F);
}

bool smartreply__utf8_clean(const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_seq(p + i, len - i, &cp);
        if (n == 0 || is_control(cp))
            return false;
        i += n;
    }
    return true;
}

static bool phoneish(uint8_t c)
{
    return isdigit(c) || c == '+' || c == '(' || c == ')' || c == '-' ||
           c == '.' || c == '/';
}

/* Where to cut over-long input: at a space with ordinary text on both
 * sides, at or before IN_CAP. 0 means "no safe cut": the text is dropped. */
static size_t safe_cut(const uint8_t *s, size_t len)
{
    size_t c;
    if (len <= IN_CAP)
        return len;
    for (c = IN_CAP; c > 1; c--) {
        if (s[c - 1] != ' ')
            continue;
        if (phoneish(s[c - 2]) || phoneish(s[c]) || s[c] == ' ')
            continue;
        return c - 1;
    }
    return 0;
}

static bool ieq_prefix(const char *s, size_t n, const char *pre)
{
    size_t k = strlen(pre);
    if (n < k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (tolower((unsigned char)s[i]) != pre[i])
            return false;
    return true;
}

static bool is_tld(const char *s, size_t n)
{
    static const char *const tlds[] = {
        "com", "net", "org", "edu", "gov", "io", "co", "uk", "de", "fr", "es",
        "it", "nl", "be", "ch", "at", "se", "no", "dk", "fi", "pl", "ru", "cn",
        "jp", "kr", "in", "au", "ca", "us", "me", "tv", "info", "biz", "app",
        "dev", "ly", "gl", "gg", "xyz", "online", "site", "shop", "store",
        "blog", "news", "ai", "eu", "ie", "nz", "br", "mx", "ar", "za", "onion"};
    char low[8];
    if (n < 2 || n > 6)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!isalpha((unsigned char)s[i]))
            return false;
        low[i] = (char)tolower((unsigned char)s[i]);
    }
    for (size_t i = 0; i < CAIRN_ARRAY_LEN(tlds); i++)
        if (strlen(tlds[i]) == n && memcmp(tlds[i], low, n) == 0)
            return true;
    return false;
}

static bool is_email(const char *s, size_t n)
{
    const char *at = memchr(s, '@', n);
    size_t i, k;
    if (at == NULL || at == s)
        return false;
    k = (size_t)(at - s) + 1;
    for (i = k + 1; i + 1 < n; i++)
        if (s[i] == '.' && s[i - 1] != '@' && s[i + 1] != '.')
            return true;
    return false;
}

static bool is_url(const char *s, size_t n)
{
    size_t host = 0, last_dot = 0, dots = 0;
    for (size_t i = 0; i + 3 <= n; i++)
        if (memcmp(s + i, "://", 3) == 0)
            return true;
    if (ieq_prefix(s, n, "www.") || ieq_prefix(s, n, "mailto:") ||
        ieq_prefix(s, n, "tel:") || ieq_prefix(s, n, "sms:") ||
        ieq_prefix(s, n, "geo:"))
        return true;
    /* Bare domain: labels of [A-Za-z0-9-] ending in a known TLD. */
    while (host < n && s[host] != '/' && s[host] != '?' && s[host] != '#' &&
           s[host] != ':')
        host++;
    for (size_t i = 0; i < host; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (i == 0 || s[i - 1] == '.')
                return false;
            dots++;
            last_dot = i;
        } else if (!isalnum(c) && c != '-') {
            return false;
        }
    }
    return dots > 0 && is_tld(s + last_dot + 1, host - last_dot - 1);
}

/* Pass A: words (runs without spaces) that are URLs or e-mail addresses. */
static void mask_words(const char *in, size_t len, writer *w)
{
    static const char lead[] = "([{<\"'";
    static const char trail[] = ".,;:!?)]}>\"'";
    size_t i = 0;
    while (i < len) {
        size_t start = i, end, a, b;
        if (in[i] == ' ') {
            put(w, " ", 1);
            i++;
            continue;
        }
        while (i < len && in[i] != ' ')
            i++;
        end = i;
        a = start;
        b = end;
        while (a < b && strchr(lead, in[a]) != NULL)
            a++;
        while (b > a && strchr(trail, in[b - 1]) != NULL)
            b--;
        put(w, in + start, a - start);
        if (b > a && is_email(in + a, b - a))
            put(w, "[email]", 7);
        else if (b > a && is_url(in + a, b - a))
            put(w, "[link]", 6);
        else
            put(w, in + a, b - a);
        put(w, in + b, end - b);
    }
}

/* Pass B: runs of digits and phone separators holding 7+ digits. */
static void mask_phones(const char *in, size_t len, writer *w)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)in[i];
        if (isdigit(c) || c == '+' || c == '(') {
            size_t j = i, digits = 0, last_digit = i;
            while (j < len) {
                unsigned char d = (unsigned char)in[j];
                if (isdigit(d)) {
                    digits++;
                    last_digit = j;
                } else if (d == ' ') {
                    /* One space between groups; two end the number. */
                    if (j + 1 >= len || !phoneish((unsigned char)in[j + 1]))
                        break;
                } else if (!phoneish(d)) {
                    break;
                }
                j++;
            }
            if (digits >= PHONE_MIN_DIGITS) {
                put(w, "[phone]", 7);
                i = last_digit + 1;
                if (i < len && in[i] == ')')
                    i++;
                continue;
            }
            put(w, in + i, 1);
            i++;
            continue;
        }
        put(w, in + i, 1);
        i++;
    }
}

size_t smartreply__sanitize(const char *in, size_t len, char *out)
{
    char clean[3 * IN_CAP];
    char mid[MID_CAP];
    char fin[MID_CAP];
    writer wc = {clean, 0, sizeof(clean)};
    writer wm = {mid, 0, sizeof(mid)};
    writer wf = {fin, 0, sizeof(fin)};
    const uint8_t *p = (const uint8_t *)in;
    size_t i = 0, n;

    if (in == NULL)
        len = 0;
    len = safe_cut(p, len);
    while (i < len) {
        uint32_t cp;
        size_t k = utf8_seq(p + i, len - i, &cp);
        if (k == 0) {
            put(&wc, "\xEF\xBF\xBD", 3);
            i++;
        } else if (is_control(cp)) {
            put(&wc, " ", 1);
            i += k;
        } else {
            put(&wc, in + i, k);
            i += k;
        }
    }
    mask_words(clean, wc.len, &wm);
    mask_phones(mid, wm.len, &wf);
    n = wf.len;
    if (n > CAIRN_SMARTREPLY_MAX_TEXT) {
        n = CAIRN_SMARTREPLY_MAX_TEXT;
        while (n > 0 && ((uint8_t)fin[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, fin, n);
    out[n] = '\0';
    cairn__wipe(clean, wc.len);
    cairn__wipe(mid, wm.len);
    cairn__wipe(fin, wf.len);
    return n;
}
