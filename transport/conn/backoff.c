/*
 * backoff.c - reconnect delays: exponential growth capped at max_ms, with
 * "equal jitter" (uniform in [d/2, d]) so that many clients losing the
 * same server do not come back in lockstep. The jitter comes from the
 * context RNG, so tests that supply the RNG get fixed delays.
 */
#include "base.h"
#include "cairn/conn.h"

void cairn_backoff_init(cairn_backoff *b, int64_t base_ms, int64_t max_ms)
{
    b->base_ms = base_ms > 0 ? base_ms : 500;
    b->max_ms = max_ms >= b->base_ms ? max_ms : b->base_ms;
    b->attempt = 0;
}

int64_t cairn_backoff_next(const cairn_context *ctx, cairn_backoff *b)
{
    int64_t d = b->base_ms;
    uint8_t r[4] = {0, 0, 0, 0};
    uint32_t v;
    unsigned i;

    for (i = 0; i < b->attempt && d < b->max_ms; i++)
        d *= 2;
    if (d > b->max_ms)
        d = b->max_ms;
    if (b->attempt < 64)
        b->attempt++;
    /* On RNG failure the delay is the full d: still bounded, never zero. */
    if (cairn__random(ctx, r, sizeof(r)) != CAIRN_OK)
        return d;
    v = ((uint32_t)r[0] << 24) | ((uint32_t)r[1] << 16) | ((uint32_t)r[2] << 8) | r[3];
    return d - d / 2 + (int64_t)((uint64_t)v * (uint64_t)(d / 2) / UINT32_MAX);
}

void cairn_backoff_reset(cairn_backoff *b)
{
    b->attempt = 0;
}
