/*
 * fuzz_search.c - SearchResponse decoding and verification (greatest and
 * fixed version) for a fresh client; must never crash or leak.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_kt_view view, nv;
    cairn_kt_search_result res;
    cairn_kt_label_state ls;
    cairn_status st;
    fz_init(CAIRN_KT_MODE_CONTACT_MONITORING);
    if (fz_ctx == NULL)
        return 0;
    memset(&view, 0, sizeof view);
    memset(&ls, 0, sizeof ls);
    st = cairn_kt_verify_search(fz_ctx, &fz_cfg, &view, (const uint8_t *)"user2@example.org",
                                17, false, 0, data, size, -1, &nv, &res, &ls);
    (void)st;
    st = cairn_kt_verify_search(fz_ctx, &fz_cfg, &view, (const uint8_t *)"user2@example.org",
                                17, true, 1, data, size, -1, &nv, &res, NULL);
    (void)st;
    return 0;
}
