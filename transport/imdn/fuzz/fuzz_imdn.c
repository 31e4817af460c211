/*
 * fuzz_imdn.c - fuzz target for IMDN bodies, including the CPIM and
 * deflate paths. The first byte chooses the declared content type and
 * encoding; a notification that parses must survive write -> parse.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/imdn.h"

static const cairn_context *g_ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *types[] = {NULL, "message/cpim", "message/imdn+xml"};
    cairn_imdn n, m;
    cairn__buf b;
    unsigned sel;
    if (g_ctx == NULL) {
        cairn_context *c = NULL;
        if (cairn_context_create(NULL, &c) != CAIRN_OK)
            abort();
        g_ctx = c;
    }
    if (size < 1)
        return 0;
    sel = data[0];
    if (cairn_imdn_parse(g_ctx, types[sel % 3], (sel / 3) % 2 ? "deflate" : NULL,
                         data + 1, size - 1, &n) != CAIRN_OK)
        return 0;
    if (!cairn_imdn_valid(n.kind, n.status))
        abort();
    cairn__buf_init(&b, g_ctx, 1 << 16);
    if (cairn_imdn_write_xml(&b, &n) == CAIRN_OK) {
        if (cairn_imdn_parse_xml(g_ctx, b.data, b.len, &m) != CAIRN_OK ||
            memcmp(&m, &n, sizeof(n)) != 0)
            abort();
    }
    cairn__buf_free(&b);
    return 0;
}
