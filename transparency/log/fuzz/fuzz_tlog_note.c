/*
 * fuzz_tlog_note.c - fuzz target for the signed-note parser and opener:
 * any input must give a clean status, never a crash or a leak; a note that
 * opens must also parse, and its text must be a prefix of the input.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/note.h"

#define VKEY "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cairn_context *ctx;
    static cairn_note_verifier *v;
    const cairn_note_verifier *vs[1];
    cairn_note *n = NULL;
    size_t tlen;

    if (ctx == NULL) {
        if (cairn_context_create(NULL, &ctx) != CAIRN_OK ||
            cairn_note_verifier_parse(ctx, VKEY, strlen(VKEY), &v) != CAIRN_OK)
            abort();
    }
    vs[0] = v;
    if (cairn_note_parse(ctx, data, size, &n) == CAIRN_OK) {
        const char *t = cairn_note_text(n, &tlen);
        if (tlen >= size || memcmp(t, data, tlen) != 0 ||
            cairn_note_signature_count(n) == 0)
            abort();
        cairn_note_destroy(n);
        n = NULL;
    }
    if (cairn_note_open(ctx, data, size, vs, 1, &n) == CAIRN_OK) {
        if (cairn_note_verified_count(n) == 0)
            abort();
        cairn_note_destroy(n);
    }
    /* key parsers see the same bytes */
    {
        cairn_note_verifier *kv = NULL;
        cairn_note_signer *ks = NULL;
        if (cairn_note_verifier_parse(ctx, (const char *)data, size, &kv) == CAIRN_OK)
            cairn_note_verifier_destroy(kv);
        if (cairn_note_signer_parse(ctx, (const char *)data, size, &ks) == CAIRN_OK)
            cairn_note_signer_destroy(ks);
    }
    return 0;
}
