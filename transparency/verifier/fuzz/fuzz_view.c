/*
 * fuzz_view.c - the client view blob parser (KTV-3) on hostile bytes: a
 * blob that parses must serialise back to exactly the same bytes, and
 * nothing may crash or leak. Input: the pinned configuration's signature
 * and VRF public keys (32 + 32 bytes, so seeds from real directories
 * parse), then the blob.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/ktverify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cairn_context *ctx;
    cairn_kt_config cfg;
    cairn_ktv *v = NULL;
    if (ctx == NULL && cairn_context_create(NULL, &ctx) != CAIRN_OK)
        return 0;
    memset(&cfg, 0, sizeof cfg);
    cfg.mode = CAIRN_KT_MODE_CONTACT_MONITORING;
    if (size < 64)
        return 0;
    memcpy(cfg.signature_public_key, data, 32);
    memcpy(cfg.vrf_public_key, data + 32, 32);
    data += 64;
    size -= 64;
    if (cairn_ktv_parse(ctx, &cfg, NULL, data, size, &v) == CAIRN_OK) {
        uint8_t *out = NULL;
        size_t n = 0;
        if (cairn_ktv_serialize(v, &out, &n) != CAIRN_OK || n != size ||
            memcmp(out, data, size) != 0)
            abort();
        cairn_free(ctx, out, n);
        cairn_ktv_destroy(v);
    }
    return 0;
}
