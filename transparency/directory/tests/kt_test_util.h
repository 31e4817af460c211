/*
 * kt_test_util.h - helpers shared by the ktdir tests: a directory with
 * fixed keys, a deterministic PRNG for property tests, and a client that
 * performs search / monitor round trips against the directory.
 */
#ifndef KT_TEST_UTIL_H
#define KT_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "test_support.h"
#include "cairn/ktdir.h"

#define KT_T0 1700000000000ull
#define KT_RMW 60000ull

static inline cairn_ktdir *kt_make_dir(cairn_context *ctx, cairn_kt_mode mode,
                                       uint64_t rmw, uint8_t seed)
{
    cairn_ktdir_params p;
    cairn_ktdir *d = NULL;
    memset(&p, 0, sizeof p);
    p.mode = mode;
    memset(p.signing_seed, 0x11 + seed, 32);
    memset(p.vrf_secret, 0x22, 32);
    p.max_ahead = 10ull * 60 * 1000;
    p.max_behind = 365ull * 24 * 3600 * 1000;
    p.reasonable_monitoring_window = rmw;
    p.max_auditor_lag = 365ull * 24 * 3600 * 1000;
    if (mode == CAIRN_KT_MODE_THIRD_PARTY_AUDITING) {
        uint8_t apk[32], ask[64], aseed[32];
        memset(aseed, 0x33, 32);
        crypto_sign_seed_keypair(apk, ask, aseed);
        memcpy(p.auditor_public_key, apk, 32);
    }
    if (cairn_ktdir_create(ctx, &p, &d) != CAIRN_OK)
        return NULL;
    return d;
}

static inline uint64_t kt_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static inline void kt_label(char *buf, unsigned i)
{
    snprintf(buf, 32, "user%u@example.org", i);
}

#endif
