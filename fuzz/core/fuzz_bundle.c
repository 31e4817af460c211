/*
 * fuzz_bundle.c - cairn_bundle_process on arbitrary bytes: any input gives
 * a status, never a crash, a leak or unbounded memory.
 */
#include "fuzz_parties.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const cairn_address peer = {"sip:carol@fuzz", 1};
    fz_setup();
    /* Only the absence of crashes and leaks is checked here; a forged
     * bundle that starts a session is legitimate input (it is signed by
     * whoever made it). */
    if (cairn_bundle_process(fz_alice, &peer, (const char *)data, size) != CAIRN_OK)
        return 0;
    if (cairn_bundle_process(fz_alice, &fz_b, (const char *)data, size) != CAIRN_OK)
        return 0;
    return 0;
}
