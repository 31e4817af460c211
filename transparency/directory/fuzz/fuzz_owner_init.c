/*
 * fuzz_owner_init.c - OwnerInitResponse decoding and verification for a
 * fresh owner. Input: u8 label length, label, u64 start (big-endian), then
 * the response. Must never crash or leak; a rejected response must leave
 * the outputs untouched.
 */
#include <stdlib.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_kt_view view, nv, keep_v;
    cairn_kt_owner_state st, keep_s;
    uint64_t start = 0;
    size_t ll;
    fz_init(CAIRN_KT_MODE_CONTACT_MONITORING);
    if (fz_ctx == NULL || size < 1)
        return 0;
    ll = data[0];
    if (size < 1 + ll + 8)
        return 0;
    for (int i = 0; i < 8; i++)
        start = start << 8 | data[1 + ll + i];
    memset(&view, 0, sizeof view);
    memset(&nv, 0x5a, sizeof nv);
    memset(&st, 0xa5, sizeof st);
    keep_v = nv;
    keep_s = st;
    if (cairn_kt_verify_owner_init(fz_ctx, &fz_cfg, &view, data + 1, ll, start,
                                   data + 1 + ll + 8, size - 1 - ll - 8, -1, &nv,
                                   &st) != CAIRN_OK &&
        (memcmp(&nv, &keep_v, sizeof nv) != 0 || memcmp(&st, &keep_s, sizeof st) != 0))
        abort(); /* KT-CLI-1: failure must not write */
    return 0;
}
