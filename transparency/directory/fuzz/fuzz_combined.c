/*
 * fuzz_combined.c - the CombinedTreeProof and PrefixProof decoders, and
 * PrefixProof evaluation on whatever decodes (KT-ENC-2, KT-PT-4).
 */
#include <string.h>

#include "ktdir_internal.h"

static cairn_context *ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn__reader r;
    ktdir__combined c;
    ktdir__pproof p;
    if (ctx == NULL && cairn_context_create(NULL, &ctx) != CAIRN_OK)
        return 0;
    cairn__reader_init(&r, data, size);
    if (ktdir__combined_decode(ctx, &r, &c) == CAIRN_OK) {
        for (size_t i = 0; i < c.n_pp; i++) {
            uint8_t keys[8][KT_VRF_NH], commits[8][KT_H], root[KT_H];
            bool has[8], inc[8];
            size_t n = c.pp[i].n_results < 8 ? c.pp[i].n_results : 8;
            for (size_t k = 0; k < n; k++) {
                memset(keys[k], (int)(k * 37), KT_VRF_NH);
                memset(commits[k], (int)k, KT_H);
                has[k] = true;
            }
            if (ktdir__pproof_eval(ctx, &c.pp[i], (const uint8_t(*)[KT_VRF_NH])keys,
                                   (const uint8_t(*)[KT_H])commits, has, n, root, inc,
                                   NULL) == CAIRN_OK)
                (void)root;
        }
        ktdir__combined_free(ctx, &c);
    }
    cairn__reader_init(&r, data, size);
    if (ktdir__pproof_decode(ctx, &r, &p, true) == CAIRN_OK)
        ktdir__pproof_free(ctx, &p);
    return 0;
}
