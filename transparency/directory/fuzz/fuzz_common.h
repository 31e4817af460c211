/*
 * fuzz_common.h - shared setup for the ktdir fuzz targets: one context and
 * the Configuration of the fixed-key directory the seed corpora come from
 * (signing seed 0x11.., VRF secret 0x22.., as in tests/kt_test_util.h).
 */
#ifndef KTDIR_FUZZ_COMMON_H
#define KTDIR_FUZZ_COMMON_H

#include <string.h>

#include "cairn/ktdir.h"

static cairn_context *fz_ctx;
static cairn_kt_config fz_cfg;

static void fz_init(cairn_kt_mode mode)
{
    cairn_ktdir_params p;
    cairn_ktdir *d = NULL;
    if (fz_ctx)
        return;
    if (cairn_context_create(NULL, &fz_ctx) != CAIRN_OK)
        return;
    memset(&p, 0, sizeof p);
    p.mode = mode;
    memset(p.signing_seed, 0x11, 32);
    memset(p.vrf_secret, 0x22, 32);
    p.max_ahead = 600000;
    p.max_behind = 31536000000ull;
    p.reasonable_monitoring_window = 60000;
    p.max_auditor_lag = 31536000000ull;
    if (cairn_ktdir_create(fz_ctx, &p, &d) == CAIRN_OK) {
        cairn_ktdir_get_config(d, &fz_cfg);
        cairn_ktdir_destroy(d);
    }
}

#endif
