/*
 * fuzz_common.h - what the SIP fuzz targets share: one default context for
 * the whole run (creating one per input would only slow the fuzzer) and a
 * check that turns a broken invariant into a crash the fuzzer reports.
 */
#ifndef CAIRN_SIP_FUZZ_COMMON_H
#define CAIRN_SIP_FUZZ_COMMON_H

#include <stdlib.h>

#include "cairn/context.h"

static cairn_context *fuzz_ctx(void)
{
    static cairn_context *ctx;
    if (ctx == NULL && cairn_context_create(NULL, &ctx) != CAIRN_OK)
        abort();
    return ctx;
}

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

/* Calls a must-check function whose result the harness does not need. */
#define FUZZ_TRY(x)                                                                                \
    do {                                                                                           \
        cairn_status r_ = (x);                                                                     \
        (void)r_;                                                                                  \
    } while (0)

#endif
