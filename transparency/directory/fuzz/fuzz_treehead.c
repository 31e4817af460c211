/*
 * fuzz_treehead.c - FullTreeHead (both modes), Configuration and the
 * auditor's AuditorUpdate processing and AuditorTreeHead installation.
 */
#include "ktdir_internal.h"

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn__reader r;
    ktdir__fth h;
    cairn_kt_config c;
    cairn_kt_auditor *a = NULL;
    uint8_t seed[32];
    fz_init(CAIRN_KT_MODE_THIRD_PARTY_AUDITING);
    if (fz_ctx == NULL)
        return 0;
    cairn__reader_init(&r, data, size);
    if (ktdir__fth_decode(&r, CAIRN_KT_MODE_CONTACT_MONITORING, &h) == CAIRN_OK)
        (void)h;
    cairn__reader_init(&r, data, size);
    if (ktdir__fth_decode(&r, CAIRN_KT_MODE_THIRD_PARTY_AUDITING, &h) == CAIRN_OK)
        (void)h;
    cairn__reader_init(&r, data, size);
    if (ktdir__config_decode(&r, &c) == CAIRN_OK)
        (void)c;
    memset(seed, 0x33, sizeof seed);
    if (cairn_kt_auditor_create(fz_ctx, &fz_cfg, seed, &a) == CAIRN_OK) {
        if (cairn_kt_auditor_process(a, data, size) == CAIRN_OK)
            (void)a;
        cairn_kt_auditor_destroy(a);
    }
    return 0;
}
