/*
 * fuzz_owner_state.c - the serialized owner state (KT-OWN-9) and view
 * (KT-VIEW-4): decoding must never crash, and both encodings are
 * canonical, so whatever decodes must re-encode to exactly the input.
 */
#include <stdlib.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_kt_owner_state st;
    cairn_kt_view view;
    uint8_t *enc;
    size_t len;
    fz_init(CAIRN_KT_MODE_CONTACT_MONITORING);
    if (fz_ctx == NULL)
        return 0;
    if (cairn_kt_view_decode(data, size, &view) == CAIRN_OK) {
        if (cairn_kt_view_encode(fz_ctx, &view, &enc, &len) != CAIRN_OK ||
            len != size || memcmp(enc, data, size) != 0)
            abort();
        cairn_free(fz_ctx, enc, len);
    }
    if (cairn_kt_owner_state_decode(data, size, &st) != CAIRN_OK)
        return 0;
    if (cairn_kt_owner_state_encode(fz_ctx, &st, &enc, &len) != CAIRN_OK)
        abort();
    if (len != size || memcmp(enc, data, size) != 0)
        abort();
    cairn_free(fz_ctx, enc, len);
    return 0;
}
