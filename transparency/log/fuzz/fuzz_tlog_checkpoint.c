/*
 * fuzz_tlog_checkpoint.c - fuzz target for the checkpoint body parser: any
 * input gives a clean status; whatever parses must format back to exactly
 * the input (one spelling per tree head, TLOG-19).
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_checkpoint cp;
    char out[2048];
    size_t len = 0;
    if (cairn_checkpoint_parse((const char *)data, size, &cp) != CAIRN_OK)
        return 0;
    if (cairn_checkpoint_format(&cp, out, sizeof(out), &len) != CAIRN_OK ||
        len != size || memcmp(out, data, size) != 0)
        abort();
    return 0;
}
