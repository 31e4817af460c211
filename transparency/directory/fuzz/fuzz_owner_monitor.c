/*
 * fuzz_owner_monitor.c - OwnerMonitorResponse decoding and verification.
 * Input: fz_owner_split framing (owner state, then the response, made for
 * a fresh view). Must never crash or leak; a rejected response must leave
 * the outputs untouched.
 */
#include <stdlib.h>

#include "fuzz_owner_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_kt_view view, nv, keep_v;
    cairn_kt_owner_state st, ns, keep_s;
    cairn_kt_owner_monitor_result res;
    const uint8_t *resp;
    size_t len;
    fz_init(CAIRN_KT_MODE_CONTACT_MONITORING);
    if (fz_ctx == NULL || !fz_owner_split(data, size, &st, &resp, &len))
        return 0;
    memset(&view, 0, sizeof view);
    memset(&nv, 0x5a, sizeof nv);
    memset(&ns, 0xa5, sizeof ns);
    keep_v = nv;
    keep_s = ns;
    if (cairn_kt_verify_owner_monitor(fz_ctx, &fz_cfg, &view, &st, resp, len, -1, &nv, &ns,
                                      &res) != CAIRN_OK &&
        (memcmp(&nv, &keep_v, sizeof nv) != 0 || memcmp(&ns, &keep_s, sizeof ns) != 0))
        abort(); /* KT-OWN-8 */
    return 0;
}
