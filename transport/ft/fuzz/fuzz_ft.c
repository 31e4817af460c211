/*
 * fuzz_ft.c - fuzz target for the FT-over-HTTP descriptor; a descriptor
 * that parses and is writable (https URLs) must survive write -> parse.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/ft.h"

static const cairn_context *g_ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_ft_descriptor d, e;
    cairn__buf b;
    if (g_ctx == NULL) {
        cairn_context *x = NULL;
        if (cairn_context_create(NULL, &x) != CAIRN_OK)
            abort();
        g_ctx = x;
    }
    if (cairn_ft_parse(g_ctx, data, size, &d) != CAIRN_OK)
        return 0;
    cairn__buf_init(&b, g_ctx, 1 << 16);
    if (cairn_ft_write(&b, &d) == CAIRN_OK) {
        if (cairn_ft_parse(g_ctx, b.data, b.len, &e) != CAIRN_OK ||
            memcmp(&d, &e, sizeof(d)) != 0)
            abort();
    }
    cairn__buf_free(&b);
    return 0;
}
