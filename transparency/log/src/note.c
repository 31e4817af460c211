/*
 * note.c - signing and opening C2SP signed notes (TLOG-12 .. TLOG-17).
 *
 * Opening is one pass of checks before any signature work: size, then
 * characters (UTF-8, controls), then line lengths, then the split at the
 * last blank line, then each signature line. Only then are signatures by
 * known keys verified. The parsed note lives in one copy of the input: the
 * text is NUL-terminated in place of the blank line, names in place of the
 * space that ends them, so the only other allocation is the decoded
 * signature bytes.
 */
#include <string.h>

#include "note_internal.h"

#define EM_DASH "\xE2\x80\x94"
#define SIG_PREFIX EM_DASH " "
#define SIG_PREFIX_LEN 4

struct note_sig {
    const char *name;
    uint32_t id;
    const uint8_t *sig;
    size_t sig_len;
    bool verified;
};

struct cairn_note {
    const cairn_context *ctx;
    char *copy;       /* the input, NUL-patched; text starts here */
    size_t copy_len;
    size_t text_len;
    uint8_t *sigbuf;  /* decoded signatures, back to back */
    size_t sigbuf_len;
    struct note_sig sigs[CAIRN_NOTE_MAX_SIGNATURES];
    size_t n_sigs;
    size_t n_verified;
};

void cairn_note_destroy(cairn_note *n)
{
    if (n == NULL)
        return;
    cairn__free_secret(n->ctx, n->copy, n->copy_len + 1);
    cairn__free(n->ctx, n->sigbuf);
    cairn__free(n->ctx, n);
}

/* Checks what every note must satisfy before its structure is looked at. */
static cairn_status check_shape(const uint8_t *msg, size_t len)
{
    size_t i, line_start = 0;
    if (len > CAIRN_NOTE_MAX_SIZE)
        return CAIRN_ERR_TOO_LARGE;
    for (i = 0; i < len; i++) {
        if (msg[i] == '\n') {
            if (i - line_start > CAIRN_NOTE_MAX_LINE)
                return CAIRN_ERR_TOO_LARGE;
            line_start = i + 1;
        }
    }
    if (len - line_start > CAIRN_NOTE_MAX_LINE)
        return CAIRN_ERR_TOO_LARGE;
    if (!tlog__note_chars_valid(msg, len))
        return CAIRN_ERR_DECODE;
    if (len == 0 || msg[len - 1] != '\n')
        return CAIRN_ERR_DECODE;
    return CAIRN_OK;
}

static cairn_status parse(const cairn_context *ctx, const uint8_t *msg,
                          size_t len, cairn_note **out)
{
    cairn_note *n;
    size_t split, pos, sigoff = 0;
    bool found = false;
    cairn_status rc;

    if (ctx == NULL || (msg == NULL && len) || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    rc = check_shape(msg, len);
    if (rc != CAIRN_OK)
        return rc;
    /* The text ends at the LAST blank line: the text itself may hold blank
     * lines, signature lines cannot be empty. */
    for (split = len - 1; split-- > 0;) {
        if (msg[split] == '\n' && msg[split + 1] == '\n') {
            found = true;
            break;
        }
    }
    if (!found || split + 2 >= len)
        return CAIRN_ERR_DECODE;

    n = cairn__calloc(ctx, 1, sizeof(*n));
    if (n == NULL)
        return CAIRN_ERR_NOMEM;
    n->ctx = ctx;
    n->copy = cairn__alloc(ctx, len + 1);
    n->sigbuf = cairn__alloc(ctx, len);
    if (n->copy == NULL || n->sigbuf == NULL) {
        cairn_note_destroy(n);
        return CAIRN_ERR_NOMEM;
    }
    memcpy(n->copy, msg, len);
    n->copy[len] = 0;
    n->copy_len = len;
    n->text_len = split + 1;
    n->copy[split + 1] = 0;

    for (pos = split + 2; pos < len;) {
        char *line = n->copy + pos;
        char *nl = memchr(line, '\n', len - pos);
        size_t llen = (size_t)(nl - line), got = 0;
        char *sp, *b64;
        struct note_sig *s;

        pos += llen + 1;
        if (n->n_sigs == CAIRN_NOTE_MAX_SIGNATURES) {
            rc = CAIRN_ERR_TOO_LARGE;
            goto fail;
        }
        if (llen < SIG_PREFIX_LEN || memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN)) {
            rc = CAIRN_ERR_DECODE;
            goto fail;
        }
        line += SIG_PREFIX_LEN;
        llen -= SIG_PREFIX_LEN;
        sp = memchr(line, ' ', llen);
        if (sp == NULL || sp == line || (size_t)(sp - line) > CAIRN_NOTE_MAX_NAME ||
            !tlog__name_valid((const uint8_t *)line, (size_t)(sp - line))) {
            rc = CAIRN_ERR_DECODE;
            goto fail;
        }
        b64 = sp + 1;
        if (b64 == nl ||
            tlog__base64_decode(n->sigbuf + sigoff, len - sigoff, &got, b64,
                                 (size_t)(nl - b64)) != CAIRN_OK ||
            got < 5) {
            rc = CAIRN_ERR_DECODE;
            goto fail;
        }
        *sp = 0;
        s = &n->sigs[n->n_sigs++];
        s->name = line;
        s->id = ((uint32_t)n->sigbuf[sigoff] << 24) |
                ((uint32_t)n->sigbuf[sigoff + 1] << 16) |
                ((uint32_t)n->sigbuf[sigoff + 2] << 8) | n->sigbuf[sigoff + 3];
        s->sig = n->sigbuf + sigoff + 4;
        s->sig_len = got - 4;
        sigoff += got;
    }
    n->sigbuf_len = sigoff;
    *out = n;
    return CAIRN_OK;
fail:
    cairn_note_destroy(n);
    return rc;
}

cairn_status cairn_note_parse(const cairn_context *ctx, const uint8_t *msg,
                              size_t len, cairn_note **out)
{
    return parse(ctx, msg, len, out);
}

cairn_status cairn_note_open(const cairn_context *ctx, const uint8_t *msg,
                             size_t len,
                             const cairn_note_verifier *const *verifiers,
                             size_t n_verifiers, cairn_note **out)
{
    cairn_note *n = NULL;
    size_t i, j, k;
    cairn_status rc;

    if (out == NULL || (verifiers == NULL && n_verifiers))
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    rc = parse(ctx, msg, len, &n);
    if (rc != CAIRN_OK)
        return rc;
    for (i = 0; i < n->n_sigs; i++) {
        struct note_sig *s = &n->sigs[i];
        const cairn_note_verifier *v = NULL;
        bool repeat = false;
        for (j = 0; j < n_verifiers; j++) {
            if (verifiers[j] != NULL && verifiers[j]->id == s->id &&
                strcmp(verifiers[j]->name, s->name) == 0) {
                v = verifiers[j];
                break;
            }
        }
        if (v == NULL)
            continue; /* unknown key: ignored, by design (TLOG-16) */
        if (s->sig_len != crypto_sign_BYTES ||
            crypto_sign_verify_detached(s->sig, (const uint8_t *)n->copy,
                                        n->text_len, v->pk) != 0) {
            cairn_note_destroy(n);
            return CAIRN_ERR_BAD_SIGNATURE;
        }
        s->verified = true;
        for (k = 0; k < i; k++)
            if (n->sigs[k].verified && n->sigs[k].id == s->id &&
                strcmp(n->sigs[k].name, s->name) == 0)
                repeat = true;
        if (!repeat)
            n->n_verified++;
    }
    if (n->n_verified == 0) {
        cairn_note_destroy(n);
        return CAIRN_ERR_AUTH;
    }
    *out = n;
    return CAIRN_OK;
}

cairn_status cairn_note_sign(const cairn_context *ctx, const char *text,
                             size_t text_len,
                             const cairn_note_signer *const *signers,
                             size_t n_signers, char **out, size_t *len)
{
    cairn__buf b;
    uint8_t raw[4 + crypto_sign_BYTES];
    char b64[128];
    uint8_t *p;
    size_t i;
    cairn_status rc;

    if (ctx == NULL || text == NULL || out == NULL || len == NULL ||
        signers == NULL || n_signers == 0 ||
        n_signers > CAIRN_NOTE_MAX_SIGNATURES)
        return CAIRN_ERR_INVALID_ARG;
    if (text_len > CAIRN_NOTE_MAX_SIZE)
        return CAIRN_ERR_TOO_LARGE;
    if (text_len == 0 || text[text_len - 1] != '\n' ||
        !tlog__note_chars_valid((const uint8_t *)text, text_len))
        return CAIRN_ERR_INVALID_ARG;
    cairn__buf_init(&b, ctx, CAIRN_NOTE_MAX_SIZE);
    rc = cairn__buf_append(&b, text, text_len);
    if (rc == CAIRN_OK)
        rc = cairn__buf_append(&b, "\n", 1);
    for (i = 0; rc == CAIRN_OK && i < n_signers; i++) {
        const cairn_note_signer *s = signers[i];
        if (s == NULL) {
            rc = CAIRN_ERR_INVALID_ARG;
            break;
        }
        raw[0] = (uint8_t)(s->id >> 24);
        raw[1] = (uint8_t)(s->id >> 16);
        raw[2] = (uint8_t)(s->id >> 8);
        raw[3] = (uint8_t)s->id;
        if (crypto_sign_detached(raw + 4, NULL, (const uint8_t *)text,
                                 text_len, s->sk) != 0) {
            rc = CAIRN_ERR_CRYPTO;
            break;
        }
        cairn__base64_encode(b64, raw, sizeof(raw));
        rc = cairn__buf_printf(&b, SIG_PREFIX "%s %s\n", s->name, b64);
    }
    if (rc == CAIRN_OK)
        rc = cairn__buf_take(&b, &p, len);
    cairn__buf_free(&b);
    if (rc != CAIRN_OK)
        return rc;
    *out = (char *)p;
    return CAIRN_OK;
}

const char *cairn_note_text(const cairn_note *n, size_t *len)
{
    if (n == NULL)
        return NULL;
    if (len)
        *len = n->text_len;
    return n->copy;
}

size_t cairn_note_signature_count(const cairn_note *n)
{
    return n ? n->n_sigs : 0;
}

size_t cairn_note_verified_count(const cairn_note *n)
{
    return n ? n->n_verified : 0;
}

cairn_status cairn_note_signature(const cairn_note *n, size_t i,
                                  const char **name, uint32_t *id,
                                  const uint8_t **sig, size_t *sig_len,
                                  bool *verified)
{
    if (n == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (i >= n->n_sigs)
        return CAIRN_ERR_NOT_FOUND;
    if (name)
        *name = n->sigs[i].name;
    if (id)
        *id = n->sigs[i].id;
    if (sig)
        *sig = n->sigs[i].sig;
    if (sig_len)
        *sig_len = n->sigs[i].sig_len;
    if (verified)
        *verified = n->sigs[i].verified;
    return CAIRN_OK;
}
