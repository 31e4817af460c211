/*
 * checkpoint.c - C2SP tlog-checkpoint bodies: strict parse, canonical
 * format, signing, opening, and the consistency-checked update a client
 * applies when it sees a newer checkpoint (TLOG-18 .. TLOG-22).
 *
 * Strictness is deliberate: the body is signed, so a parser that accepted
 * two spellings of one tree head (leading zeros, non-canonical base64)
 * would let a log present two different signed texts for the same tree.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/checkpoint.h"
#include "tlog_internal.h"

/* Length of the line starting at p, requiring a '\n' before end. */
static bool next_line(const char *p, const char *end, size_t *len)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL)
        return false;
    *len = (size_t)(nl - p);
    return true;
}

static cairn_status parse_size(const char *p, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;
    if (n == 0 || (n > 1 && p[0] == '0'))
        return CAIRN_ERR_DECODE;
    for (i = 0; i < n; i++) {
        unsigned d;
        if (p[i] < '0' || p[i] > '9')
            return CAIRN_ERR_DECODE;
        d = (unsigned)(p[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return CAIRN_ERR_TOO_LARGE;
        v = v * 10 + d;
    }
    *out = v;
    return CAIRN_OK;
}

cairn_status cairn_checkpoint_parse(const char *text, size_t len,
                                    cairn_checkpoint *out)
{
    cairn_checkpoint cp;
    const char *p = text, *end = text + len;
    size_t n, got = 0, ext_len = 0;
    uint8_t root[CAIRN_TLOG_HASH_LEN + 3];
    cairn_status rc;

    if (text == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    memset(&cp, 0, sizeof(cp));
    if (!tlog__note_chars_valid((const uint8_t *)text, len))
        return CAIRN_ERR_DECODE;

    if (!next_line(p, end, &n) || n == 0)
        return CAIRN_ERR_DECODE;
    if (n > CAIRN_CHECKPOINT_ORIGIN_MAX)
        return CAIRN_ERR_TOO_LARGE;
    memcpy(cp.origin, p, n);
    p += n + 1;

    if (!next_line(p, end, &n))
        return CAIRN_ERR_DECODE;
    rc = parse_size(p, n, &cp.size);
    if (rc != CAIRN_OK)
        return rc;
    p += n + 1;

    /* 32 bytes encode to exactly 44 characters with one '='. */
    if (!next_line(p, end, &n) || n != 44 ||
        tlog__base64_decode(root, sizeof(root), &got, p, n) != CAIRN_OK ||
        got != CAIRN_TLOG_HASH_LEN)
        return CAIRN_ERR_DECODE;
    memcpy(cp.root, root, CAIRN_TLOG_HASH_LEN);
    p += n + 1;

    while (p < end) {
        if (!next_line(p, end, &n) || n == 0)
            return CAIRN_ERR_DECODE;
        if (ext_len + n + 1 > CAIRN_CHECKPOINT_EXT_MAX)
            return CAIRN_ERR_TOO_LARGE;
        memcpy(cp.extensions + ext_len, p, n + 1);
        ext_len += n + 1;
        p += n + 1;
    }
    *out = cp;
    return CAIRN_OK;
}

cairn_status cairn_checkpoint_format(const cairn_checkpoint *cp, char *out,
                                     size_t cap, size_t *len)
{
    char b64[48];
    size_t olen, elen;
    int w;

    if (cp == NULL || out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    olen = strnlen(cp->origin, sizeof(cp->origin));
    elen = strnlen(cp->extensions, sizeof(cp->extensions));
    if (olen == 0 || olen > CAIRN_CHECKPOINT_ORIGIN_MAX ||
        elen > CAIRN_CHECKPOINT_EXT_MAX ||
        memchr(cp->origin, '\n', olen) != NULL ||
        !tlog__note_chars_valid((const uint8_t *)cp->origin, olen) ||
        !tlog__note_chars_valid((const uint8_t *)cp->extensions, elen) ||
        (elen > 0 && cp->extensions[elen - 1] != '\n') ||
        (elen > 0 && cp->extensions[0] == '\n') ||
        strstr(cp->extensions, "\n\n") != NULL)
        return CAIRN_ERR_INVALID_ARG;
    cairn__base64_encode(b64, cp->root, CAIRN_TLOG_HASH_LEN);
    w = snprintf(out, cap, "%s\n%llu\n%s\n%s", cp->origin,
                 (unsigned long long)cp->size, b64, cp->extensions);
    if (w < 0 || (size_t)w >= cap)
        return CAIRN_ERR_TOO_LARGE;
    if (len)
        *len = (size_t)w;
    return CAIRN_OK;
}

#define BODY_MAX (CAIRN_CHECKPOINT_ORIGIN_MAX + CAIRN_CHECKPOINT_EXT_MAX + 80)

cairn_status cairn_checkpoint_sign(const cairn_context *ctx,
                                   const cairn_checkpoint *cp,
                                   const cairn_note_signer *signer,
                                   char **note, size_t *note_len)
{
    char body[BODY_MAX];
    size_t blen;
    cairn_status rc;
    if (signer == NULL)
        return CAIRN_ERR_INVALID_ARG;
    rc = cairn_checkpoint_format(cp, body, sizeof(body), &blen);
    if (rc != CAIRN_OK)
        return rc;
    return cairn_note_sign(ctx, body, blen, &signer, 1, note, note_len);
}

cairn_status cairn_checkpoint_open(const cairn_context *ctx,
                                   const uint8_t *note, size_t note_len,
                                   const char *origin,
                                   const cairn_note_verifier *const *verifiers,
                                   size_t n_verifiers, cairn_checkpoint *out)
{
    cairn_note *n = NULL;
    cairn_checkpoint cp;
    const char *text;
    size_t tlen;
    cairn_status rc;

    if (out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    rc = cairn_note_open(ctx, note, note_len, verifiers, n_verifiers, &n);
    if (rc != CAIRN_OK)
        return rc;
    text = cairn_note_text(n, &tlen);
    rc = cairn_checkpoint_parse(text, tlen, &cp);
    cairn_note_destroy(n);
    if (rc != CAIRN_OK)
        return rc;
    if (origin != NULL && strcmp(origin, cp.origin) != 0)
        return CAIRN_ERR_AUTH;
    *out = cp;
    return CAIRN_OK;
}

cairn_status cairn_checkpoint_verify_update(const cairn_context *ctx,
                                            const uint8_t *note,
                                            size_t note_len,
                                            const char *origin,
                                            const cairn_note_verifier *verifier,
                                            uint64_t old_size,
                                            const uint8_t *old_root,
                                            const uint8_t *proof,
                                            size_t proof_len,
                                            cairn_checkpoint *out)
{
    cairn_checkpoint cp;
    cairn_status rc;

    if (verifier == NULL || origin == NULL || out == NULL ||
        (old_size > 0 && old_root == NULL))
        return CAIRN_ERR_INVALID_ARG;
    rc = cairn_checkpoint_open(ctx, note, note_len, origin, &verifier, 1, &cp);
    if (rc != CAIRN_OK)
        return rc;
    if (cp.size < old_size)
        return CAIRN_ERR_STALE;
    if (old_size == 0) {
        if (proof_len != 0)
            return CAIRN_ERR_PROOF;
    } else {
        rc = cairn_tlog_verify_consistency(old_size, cp.size, proof, proof_len,
                                           old_root, CAIRN_TLOG_HASH_LEN,
                                           cp.root, CAIRN_TLOG_HASH_LEN);
        if (rc != CAIRN_OK)
            return CAIRN_ERR_PROOF;
    }
    *out = cp;
    return CAIRN_OK;
}
