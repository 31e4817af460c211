/*
 * fuzz_owner_common.h - input framing shared by the owner fuzz targets:
 * u16 (big-endian) length, an encoded owner state (the KT-OWN-9 format,
 * itself fuzzed), then the rest. The seeds carry the real state a
 * response was made for, so the fuzzer starts from verifiable inputs.
 */
#ifndef KTDIR_FUZZ_OWNER_COMMON_H
#define KTDIR_FUZZ_OWNER_COMMON_H

#include "fuzz_common.h"

/* Splits the input; false when the state part does not decode. */
static bool fz_owner_split(const uint8_t *data, size_t size, cairn_kt_owner_state *st,
                           const uint8_t **rest, size_t *rest_len)
{
    size_t sl;
    if (size < 2)
        return false;
    sl = (size_t)data[0] << 8 | data[1];
    if (size < 2 + sl)
        return false;
    if (cairn_kt_owner_state_decode(data + 2, sl, st) != CAIRN_OK)
        return false;
    *rest = data + 2 + sl;
    *rest_len = size - 2 - sl;
    return true;
}

#endif
