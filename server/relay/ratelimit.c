/*
 * ratelimit.c - token buckets in a fixed table, and the small u64 -> pointer
 * map the connection registry uses.
 *
 * Buckets are indexed by a keyed hash (SipHash via crypto_shorthash, key
 * random per process) of the account URI or client address, so memory is
 * fixed whatever the number of peers and an attacker cannot aim collisions
 * at a victim; a collision makes two keys share one bucket, which only
 * ever limits more, never less.
 */
#include <string.h>

#include <sodium.h>

#include "relay.h"

cairn_status relay__rl_init(relay_ratelimit *rl, const cairn_context *ctx, size_t n, double rate,
                            double burst)
{
    memset(rl, 0, sizeof(*rl));
    rl->b = cairn__calloc(ctx, n, sizeof(relay_bucket));
    if (rl->b == NULL)
        return CAIRN_ERR_NOMEM;
    rl->n = n;
    rl->rate = rate;
    rl->burst = burst;
    randombytes_buf(rl->key, sizeof rl->key);
    return CAIRN_OK;
}

void relay__rl_free(relay_ratelimit *rl, const cairn_context *ctx)
{
    cairn__free(ctx, rl->b);
    rl->b = NULL;
}

bool relay__rl_take(relay_ratelimit *rl, const void *key, size_t klen, int64_t now_ms, double cost)
{
    uint8_t h[crypto_shorthash_BYTES];
    uint64_t idx;
    relay_bucket *b;

    crypto_shorthash(h, key, klen, rl->key);
    memcpy(&idx, h, sizeof idx);
    b = &rl->b[idx % rl->n];
    if (b->last_ms == 0) {
        b->tokens = rl->burst;
    } else if (now_ms > b->last_ms) {
        b->tokens += (double)(now_ms - b->last_ms) * rl->rate / 1000.0;
        if (b->tokens > rl->burst)
            b->tokens = rl->burst;
    }
    b->last_ms = now_ms > 0 ? now_ms : 1;
    if (b->tokens < cost)
        return false;
    b->tokens -= cost;
    return true;
}

/* ---- map ------------------------------------------------------------------ */

static size_t slot(const relay_map *m, uint64_t k)
{
    uint64_t h = k * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 17) & (m->cap - 1);
}

static cairn_status grow(relay_map *m, const cairn_context *ctx)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    relay_map n = {0};
    n.keys = cairn__calloc(ctx, ncap, sizeof(uint64_t));
    n.vals = cairn__calloc(ctx, ncap, sizeof(void *));
    if (n.keys == NULL || n.vals == NULL) {
        cairn__free(ctx, n.keys);
        cairn__free(ctx, n.vals);
        return CAIRN_ERR_NOMEM;
    }
    n.cap = ncap;
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i] != 0) {
            size_t s = slot(&n, m->keys[i]);
            while (n.keys[s] != 0)
                s = (s + 1) & (n.cap - 1);
            n.keys[s] = m->keys[i];
            n.vals[s] = m->vals[i];
            n.count++;
        }
    cairn__free(ctx, m->keys);
    cairn__free(ctx, m->vals);
    *m = n;
    return CAIRN_OK;
}

cairn_status relay__map_put(relay_map *m, const cairn_context *ctx, uint64_t k, void *v)
{
    if (k == 0)
        return CAIRN_ERR_INVALID_ARG;
    if ((m->count + 1) * 2 > m->cap) {
        cairn_status st = grow(m, ctx);
        if (st != CAIRN_OK)
            return st;
    }
    size_t s = slot(m, k);
    while (m->keys[s] != 0 && m->keys[s] != k)
        s = (s + 1) & (m->cap - 1);
    if (m->keys[s] == 0)
        m->count++;
    m->keys[s] = k;
    m->vals[s] = v;
    return CAIRN_OK;
}

void *relay__map_get(const relay_map *m, uint64_t k)
{
    if (m->cap == 0 || k == 0)
        return NULL;
    size_t s = slot(m, k);
    while (m->keys[s] != 0) {
        if (m->keys[s] == k)
            return m->vals[s];
        s = (s + 1) & (m->cap - 1);
    }
    return NULL;
}

void relay__map_del(relay_map *m, uint64_t k)
{
    if (m->cap == 0 || k == 0)
        return;
    size_t s = slot(m, k);
    while (m->keys[s] != 0 && m->keys[s] != k)
        s = (s + 1) & (m->cap - 1);
    if (m->keys[s] == 0)
        return;
    m->keys[s] = 0;
    m->vals[s] = NULL;
    m->count--;
    /* Re-insert the rest of the cluster (backward-shift deletion). */
    s = (s + 1) & (m->cap - 1);
    while (m->keys[s] != 0) {
        uint64_t k2 = m->keys[s];
        void *v2 = m->vals[s];
        m->keys[s] = 0;
        m->vals[s] = NULL;
        size_t t = slot(m, k2);
        while (m->keys[t] != 0)
            t = (t + 1) & (m->cap - 1);
        m->keys[t] = k2;
        m->vals[t] = v2;
        s = (s + 1) & (m->cap - 1);
    }
}

void relay__map_free(relay_map *m, const cairn_context *ctx)
{
    cairn__free(ctx, m->keys);
    cairn__free(ctx, m->vals);
    memset(m, 0, sizeof(*m));
}
