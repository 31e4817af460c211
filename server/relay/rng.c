/*
 * rng.c - the random source of the relay's cairn_context: libsodium's
 * randombytes, read 4 KiB at a time.
 *
 * Why: every delivered MESSAGE needs a Via branch and a From tag and every
 * response a To tag; with the default hook each of those is one getrandom()
 * system call, which profiling showed as ~2 system calls and several per
 * cent of the loop's time per message. Reading ahead turns that into one
 * call per ~250 tokens.
 *
 * Invariants: bytes are handed out once (the read position only moves
 * forward) and wiped from the buffer as they are taken; the buffer lives in
 * one relay_rng used only by the loop thread (the Argon2id workers use
 * libsodium directly). Secrets of the relay (cache keys, boot id) do not
 * come from here but from randombytes_buf itself.
 */
#include <string.h>

#include <sodium.h>

#include "runtime.h"

int relay__rng_fill(void *ud, uint8_t *buf, size_t n)
{
    relay_rng *g = ud;
    while (n > 0) {
        if (g->pos == sizeof g->pool) {
            randombytes_buf(g->pool, sizeof g->pool);
            g->pos = 0;
        }
        size_t k = sizeof g->pool - g->pos;
        if (k > n)
            k = n;
        memcpy(buf, g->pool + g->pos, k);
        sodium_memzero(g->pool + g->pos, k);
        g->pos += k;
        buf += k;
        n -= k;
    }
    return 0;
}

void relay__rng_init(relay_rng *g)
{
    g->pos = sizeof g->pool; /* empty: the first call fills it */
}

void relay__rng_wipe(relay_rng *g)
{
    sodium_memzero(g->pool, sizeof g->pool);
    g->pos = sizeof g->pool;
}
