/*
 * fuzz_sip_stream.c - the stream reader on hostile byte streams, split by
 * a fuzzer-chosen chunk size. Invariant checked: the messages produced and
 * the final status are the same as when the stream is fed in one piece
 * (framing never depends on where reads end), and buffering stays within
 * the caps.
 */
#include <string.h>

#include "base.h"
#include "cairn/sip.h"
#include "fuzz_common.h"

#define MAX_MSGS 64

typedef struct {
    size_t n;
    size_t len[MAX_MSGS];
    uint32_t sum[MAX_MSGS];
    cairn_status rc;
} outcome;

/* A cheap fingerprint of a message's serialization. */
static void record(cairn_context *ctx, outcome *o, cairn_sip_msg *m)
{
    cairn__buf b;
    uint32_t h = 2166136261u;
    size_t i;
    cairn__buf_init(&b, ctx, 1u << 22);
    FUZZ_CHECK(cairn_sip_msg_serialize(m, &b) == CAIRN_OK);
    for (i = 0; i < b.len; i++)
        h = (h ^ b.data[i]) * 16777619u;
    if (o->n < MAX_MSGS) {
        o->len[o->n] = b.len;
        o->sum[o->n] = h;
    }
    o->n++;
    cairn__buf_free(&b);
    cairn_sip_msg_free(m);
}

static void run(cairn_context *ctx, const cairn_sip_limits *lim, const uint8_t *p, size_t len,
                size_t chunk, outcome *o)
{
    cairn_sip_reader *r = NULL;
    size_t off = 0;
    memset(o, 0, sizeof(*o));
    FUZZ_CHECK(cairn_sip_reader_new(ctx, lim, &r) == CAIRN_OK);
    while (off < len && o->rc == CAIRN_OK) {
        size_t k = len - off < chunk ? len - off : chunk;
        while (k && o->rc == CAIRN_OK) {
            size_t used = 0;
            cairn_sip_msg *m = NULL;
            o->rc = cairn_sip_reader_feed(r, p + off, k, &used, &m);
            FUZZ_CHECK(used <= k);
            FUZZ_CHECK(cairn_sip_reader_pending(r) <= lim->max_header_bytes + lim->max_body);
            if (m)
                record(ctx, o, m);
            off += used;
            k -= used;
        }
    }
    cairn_sip_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_context *ctx = fuzz_ctx();
    cairn_sip_limits lim;
    outcome whole, split;
    size_t chunk, i;

    if (size < 1)
        return 0;
    chunk = (size_t)data[0] % 64 + 1;
    /* Small caps so the fuzzer reaches them. */
    cairn_sip_limits_default(&lim);
    lim.max_line = 256;
    lim.max_headers = 32;
    lim.max_header_bytes = 2048;
    lim.max_body = 4096;
    run(ctx, &lim, data + 1, size - 1, size, &whole);
    run(ctx, &lim, data + 1, size - 1, chunk, &split);
    FUZZ_CHECK(whole.rc == split.rc && whole.n == split.n);
    for (i = 0; i < whole.n && i < MAX_MSGS; i++)
        FUZZ_CHECK(whole.len[i] == split.len[i] && whole.sum[i] == split.sum[i]);
    return 0;
}
