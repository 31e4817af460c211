/*
 * fuzz_witness.c - cairn-audit's parsers on hostile bytes: the witness
 * add-checkpoint body (byte 0 even) and gossiped heads (byte 0 odd).
 * Accepted add-checkpoint bodies keep their caps.
 */
#include <stdlib.h>

#include "cairn/ktaudit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] % 2 == 0) {
        cairn_kta_addcp r;
        if (cairn_kta_addcp_parse(data + 1, size - 1, &r) == CAIRN_OK &&
            (r.n_proof > CAIRN_KTA_MAX_PROOF || r.note_len == 0 ||
             r.note < data + 1 || r.note + r.note_len != data + size))
            abort();
    } else {
        cairn_kta_head h;
        if (cairn_kta_head_parse(data + 1, size - 1, &h) == CAIRN_OK && h.tree_size == 0)
            abort();
    }
    return 0;
}
