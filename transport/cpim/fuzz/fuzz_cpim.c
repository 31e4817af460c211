/*
 * fuzz_cpim.c - fuzz target for the CPIM parser; whatever parses and can
 * be written back must parse again to the same header fields and body.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/cpim.h"

static const cairn_context *g_ctx;

static int same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_cpim_parsed *p = NULL, *q = NULL;
    const cairn_cpim *m = NULL, *m2 = NULL;
    cairn__buf b;
    if (g_ctx == NULL) {
        cairn_context *c = NULL;
        if (cairn_context_create(NULL, &c) != CAIRN_OK)
            abort();
        g_ctx = c;
    }
    if (cairn_cpim_parse(g_ctx, data, size, &p, &m) != CAIRN_OK)
        return 0;
    if (m->body_len > size)
        abort();
    cairn__buf_init(&b, g_ctx, size * 2 + 4096);
    if (cairn_cpim_write(&b, m, m->body, m->body_len) == CAIRN_OK) {
        if (cairn_cpim_parse(g_ctx, b.data, b.len, &q, &m2) != CAIRN_OK)
            abort();
        if (!same(m->from, m2->from) || !same(m->to, m2->to) ||
            !same(m->imdn_message_id, m2->imdn_message_id) ||
            !same(m->content_type, m2->content_type) || m->body_len != m2->body_len ||
            (m->body_len && memcmp(m->body, m2->body, m->body_len) != 0))
            abort();
        cairn_cpim_free(q);
    }
    cairn__buf_free(&b);
    cairn_cpim_free(p);
    return 0;
}
