/*
 * fuzz_monitor.c - ContactMonitorResponse decoding and verification for a
 * client monitoring one version; must never crash or leak.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_kt_view view, nv;
    cairn_kt_label_state ls, nls;
    cairn_status st;
    fz_init(CAIRN_KT_MODE_CONTACT_MONITORING);
    if (fz_ctx == NULL)
        return 0;
    memset(&view, 0, sizeof view);
    memset(&ls, 0, sizeof ls);
    ls.label_len = 3;
    memcpy(ls.label, "bob", 3);
    ls.n_keys = 2;
    ls.keys[0].version = 0;
    ls.keys[0].has_commitment = 1;
    ls.keys[1].version = 1;
    ls.keys[1].has_commitment = 1;
    ls.n_entries = 1;
    ls.entries[0].position = 3;
    ls.entries[0].version = 1;
    st = cairn_kt_verify_monitor(fz_ctx, &fz_cfg, &view, &ls, data, size, -1, &nv, &nls);
    (void)st;
    return 0;
}
