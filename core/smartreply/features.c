/*
 * features.c - the tokeniser and hashed features of the built-in engine.
 *
 * Invariant: byte-for-byte the same as tokenize()/features() in
 * model/train.py (SR-33); a change here without the same change there (and
 * a retrained model) silently breaks accuracy, which the retrain and
 * evaluation tests catch. Lower-cases ASCII only, treats bytes >= 0x80 as
 * letters, drops apostrophes inside words (U+2018/U+2019 count as one),
 * caps words at SR_MAX_TOKEN_BYTES bytes and messages at SR_MAX_TOKENS.
 */
#include <string.h>

#include "internal.h"

uint32_t smartreply__fnv1a(uint32_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 16777619u;
    }
    return h;
}

static bool is_word_byte(uint8_t b)
{
    return (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b >= 0x80;
}

int smartreply__next_token(const char *text, size_t len, size_t *pos, sr_token *tok)
{
    const uint8_t *t = (const uint8_t *)text;
    size_t i = *pos;
    bool intok = false;

    tok->len = 0;
    while (i < len) {
        uint8_t b = t[i];
        size_t step = 1;
        /* Typographic quotes are apostrophes (train.py maps them first). */
        if (b == 0xE2 && i + 2 < len && t[i + 1] == 0x80 &&
            (t[i + 2] == 0x98 || t[i + 2] == 0x99)) {
            b = '\'';
            step = 3;
        }
        if (b >= 'A' && b <= 'Z')
            b = (uint8_t)(b + 32);
        if (is_word_byte(b)) {
            if (tok->len < SR_MAX_TOKEN_BYTES)
                tok->s[tok->len++] = (char)b;
            intok = true;
        } else if (!(b == '\'' && intok) && intok) {
            *pos = i + step;
            return 1;
        }
        i += step;
    }
    *pos = i;
    return intok;
}

size_t smartreply__tokenize(const char *text, size_t len, sr_token *toks, size_t max)
{
    size_t pos = 0, n = 0;
    while (n < max && smartreply__next_token(text, len, &pos, &toks[n]))
        n++;
    return n;
}

bool smartreply__is_question(const char *text, size_t len)
{
    while (len > 0) {
        char c = text[len - 1];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '!' ||
            c == '.' || c == ')')
            len--;
        else
            break;
    }
    return len > 0 && text[len - 1] == '?';
}

static uint32_t feat2(char kind, const sr_token *a, const sr_token *b, uint32_t mask)
{
    uint32_t h = smartreply__fnv1a(SR_FNV_INIT, &kind, 1);
    h = smartreply__fnv1a(h, a->s, a->len);
    if (b != NULL) {
        h = smartreply__fnv1a(h, " ", 1);
        h = smartreply__fnv1a(h, b->s, b->len);
    }
    return h & mask;
}

uint32_t smartreply__word_hash(const sr_token *tok)
{
    return smartreply__fnv1a(smartreply__fnv1a(SR_FNV_INIT, "w", 1), tok->s, tok->len);
}

size_t smartreply__features(const sr_token *toks, size_t n, bool question,
                            uint32_t mask, uint32_t *out)
{
    size_t k = 0;
    if (n > SR_MAX_TOKENS)
        n = SR_MAX_TOKENS;
    for (size_t i = 0; i < n; i++)
        out[k++] = feat2('w', &toks[i], NULL, mask);
    for (size_t i = 0; i + 1 < n; i++)
        out[k++] = feat2('b', &toks[i], &toks[i + 1], mask);
    for (size_t i = 0; i < n; i++) {
        char w[SR_MAX_TOKEN_BYTES + 2];
        size_t wl = (size_t)toks[i].len + 2;
        w[0] = '<';
        memcpy(w + 1, toks[i].s, toks[i].len);
        w[wl - 1] = '>';
        for (size_t j = 0; j + 3 <= wl; j++) {
            uint32_t h = smartreply__fnv1a(SR_FNV_INIT, "c", 1);
            out[k++] = smartreply__fnv1a(h, w + j, 3) & mask;
        }
    }
    if (n > 0)
        out[k++] = feat2('s', &toks[0], NULL, mask);
    if (question)
        out[k++] = smartreply__fnv1a(SR_FNV_INIT, "q", 1) & mask;
    return k;
}
