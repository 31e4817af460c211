/*
 * fuzz_iscomposing.c - fuzz target for isComposing documents; what parses
 * must survive write -> parse unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/iscomposing.h"

static const cairn_context *g_ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_iscomposing c, d;
    cairn__buf b;
    if (g_ctx == NULL) {
        cairn_context *x = NULL;
        if (cairn_context_create(NULL, &x) != CAIRN_OK)
            abort();
        g_ctx = x;
    }
    if (cairn_iscomposing_parse(g_ctx, data, size, &c) != CAIRN_OK)
        return 0;
    cairn__buf_init(&b, g_ctx, 1 << 16);
    if (cairn_iscomposing_write(&b, &c) == CAIRN_OK) {
        if (cairn_iscomposing_parse(g_ctx, b.data, b.len, &d) != CAIRN_OK ||
            memcmp(&c, &d, sizeof(c)) != 0)
            abort();
    }
    cairn__buf_free(&b);
    return 0;
}
