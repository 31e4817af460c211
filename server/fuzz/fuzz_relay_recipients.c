/*
 * fuzz_relay_recipients.c - the RFC 5365 multipart/mixed recipient-list
 * reader on arbitrary bodies: results stay inside the input, at most 64
 * distinct normalised recipients (per-device entries: RELAY-DEV-6).
 */
#include <stdlib.h>
#include <string.h>

#include "relay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cairn_context *ctx;
    static relay_recipients out;
    if (ctx == NULL && cairn_context_create(NULL, &ctx) != CAIRN_OK)
        return 0;
    if (relay__recipients_parse(ctx, "multipart/mixed; boundary=b1", data, size, &out) == CAIRN_OK) {
        if (out.n == 0 || out.n > RELAY_MAX_RECIPIENTS || out.body < data ||
            out.body + out.body_len > data + size)
            abort();
        /* no device named twice: a whole-user entry (device 0) stands alone */
        for (size_t i = 0; i < out.n; i++)
            for (size_t j = i + 1; j < out.n; j++)
                if (strcmp(out.uri[i], out.uri[j]) == 0 &&
                    (out.device[i] == out.device[j] || out.device[i] == 0 || out.device[j] == 0))
                    abort();
    }
    return 0;
}
