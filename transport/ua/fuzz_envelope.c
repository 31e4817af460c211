/*
 * fuzz_envelope.c - libFuzzer target for the Cairn envelope parser
 * (BIND-ENV-7..9): any input must parse or be refused without crashing
 * or leaking, and a parsed envelope must rebuild and re-parse to the same
 * fields.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/ua_envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cairn_context *ctx;
    cairn_ua_envelope_parsed *p = NULL, *q = NULL;
    const cairn_ua_envelope *v, *w;
    uint8_t *out;
    size_t len;

    if (ctx == NULL && cairn_context_create(NULL, &ctx) != CAIRN_OK)
        abort();
    if (cairn_ua_envelope_parse(ctx, data, size, &p, &v) != CAIRN_OK)
        return 0;
    if (cairn_ua_envelope_build(ctx, v, v->disposition != NULL, &out, &len) == CAIRN_OK) {
        if (cairn_ua_envelope_parse(ctx, out, len, &q, &w) != CAIRN_OK || w->type != v->type ||
            w->len != v->len || memcmp(w->ciphertext, v->ciphertext, v->len) != 0 ||
            strcmp(w->message_id, v->message_id) != 0 || w->device != v->device)
            abort();
        cairn_ua_envelope_free(q);
        cairn_free(ctx, out, len);
    }
    cairn_ua_envelope_free(p);
    return 0;
}
