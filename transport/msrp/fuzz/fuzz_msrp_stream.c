/*
 * fuzz_msrp_stream.c - fuzz target for the incremental MSRP parser and the
 * reassembler behind it. The first byte picks a read size so the same
 * input is also fed in pieces; both runs must agree on the number of
 * messages and the body bytes (MSRP-PARSE-2), or the target aborts.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/msrp.h"

typedef struct st {
    cairn_msrp_reasm *r;
    cairn_status rc;
    int starts, ends;
    uint64_t body;
    uint32_t hash;
    bool reasm_ok;
} st;

static cairn_status on_start(void *ud, const cairn_msrp_msg *m)
{
    st *s = ud;
    s->starts++;
    s->reasm_ok = !m->is_response && cairn_msrp_reasm_start(s->r, m) == CAIRN_OK;
    return CAIRN_OK;
}

static cairn_status on_body(void *ud, const cairn_msrp_msg *m, const uint8_t *p, size_t n)
{
    st *s = ud;
    size_t i;
    (void)m;
    s->body += n;
    for (i = 0; i < n; i++)
        s->hash = (s->hash ^ p[i]) * 16777619u;
    if (s->reasm_ok && cairn_msrp_reasm_body(s->r, p, n) != CAIRN_OK)
        s->reasm_ok = false;
    return CAIRN_OK;
}

static const cairn_context *g_ctx;

static cairn_status on_end_ctx(void *ud, const cairn_msrp_msg *m, char flag, uint64_t len)
{
    st *s = ud;
    cairn_msrp_reasm_state rs;
    (void)len;
    s->ends++;
    if (s->reasm_ok && cairn_msrp_reasm_end(s->r, flag, &rs) == CAIRN_OK &&
        rs == CAIRN_MSRP_REASM_COMPLETE) {
        uint8_t *d;
        size_t n;
        char *ct = NULL;
        if (cairn_msrp_reasm_take(s->r, m->message_id, &d, &n, &ct) == CAIRN_OK) {
            cairn_free(g_ctx, d, n);
            if (ct)
                cairn_free(g_ctx, ct, strlen(ct) + 1);
        }
    }
    s->reasm_ok = false;
    return CAIRN_OK;
}

static void run(const uint8_t *data, size_t size, size_t step, st *s)
{
    static const cairn_msrp_callbacks cb = {on_start, on_body, on_end_ctx};
    cairn_msrp_limits lim = {256, 16, 2048, 1 << 16};
    cairn_msrp_reasm_limits rl = {1 << 16, 4, 1 << 17, 16};
    cairn_msrp_parser *p = NULL;
    size_t off = 0;
    memset(s, 0, sizeof(*s));
    if (cairn_msrp_reasm_create(g_ctx, &rl, &s->r) != CAIRN_OK)
        abort();
    if (cairn_msrp_parser_create(g_ctx, &lim, &cb, s, &p) != CAIRN_OK)
        abort();
    while (off < size) {
        size_t k = size - off < step ? size - off : step;
        s->rc = cairn_msrp_parser_feed(p, data + off, k);
        if (s->rc != CAIRN_OK)
            break;
        off += k;
    }
    cairn_msrp_parser_destroy(p);
    cairn_msrp_reasm_destroy(s->r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st a, b;
    size_t step;
    if (g_ctx == NULL) {
        cairn_context *c = NULL;
        if (cairn_context_create(NULL, &c) != CAIRN_OK)
            abort();
        g_ctx = c;
    }
    if (size < 1)
        return 0;
    step = (size_t)(data[0] % 17) + 1;
    data++;
    size--;
    run(data, size, size ? size : 1, &a);
    run(data, size, step, &b);
    /* The same verdict for any split, and the same events when clean
     * (after an error, pieces delivered before it may differ in size). */
    if (a.rc != b.rc)
        abort();
    if (a.rc == CAIRN_OK &&
        (a.starts != b.starts || a.ends != b.ends || a.body != b.body || a.hash != b.hash))
        abort();
    return 0;
}
