/*
 * fuzz_publish.c - cairn-kt request parsers on hostile bytes: the publish
 * body, the HMAC header, decimal parameters and monitoring maps. Input
 * byte 0 selects the parser. Nothing may crash or leak; an accepted
 * publish body must hold 1..1024 valid updates.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/ktserver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cairn_context *ctx;
    char buf[4200];
    if (ctx == NULL && cairn_context_create(NULL, &ctx) != CAIRN_OK)
        return 0;
    if (size == 0)
        return 0;
    switch (data[0] % 4) {
    case 0: {
        cairn_kts_publish p;
        const char *why = NULL;
        if (cairn_kts_publish_parse(ctx, data + 1, size - 1, &p, &why) == CAIRN_OK) {
            if (p.n == 0 || p.n > CAIRN_KTS_MAX_UPDATES)
                abort();
            for (size_t i = 0; i < p.n; i++)
                if (!cairn_kts_label_ok(p.updates[i].label, p.updates[i].label_len) ||
                    p.updates[i].value_len == 0)
                    abort();
            cairn_kts_publish_free(ctx, &p);
        }
        break;
    }
    case 1: {
        size_t n = size - 1 < sizeof buf - 1 ? size - 1 : sizeof buf - 1;
        memcpy(buf, data + 1, n);
        buf[n] = 0;
        if (cairn_kts_hmac_check((const uint8_t *)"0123456789abcdef", 16, buf, data, size,
                                 1700000000000) == CAIRN_OK)
            abort(); /* no input can forge the MAC */
        break;
    }
    case 2: {
        size_t n = size - 1 < sizeof buf - 1 ? size - 1 : sizeof buf - 1;
        uint64_t v;
        memcpy(buf, data + 1, n);
        buf[n] = 0;
        if (cairn_kts_parse_u64(buf, &v) == CAIRN_OK && buf[0] == '0' && buf[1] != 0)
            abort();
        break;
    }
    default: {
        size_t n = size - 1 < sizeof buf - 1 ? size - 1 : sizeof buf - 1, k = 0;
        uint64_t pos[CAIRN_KTS_MAX_MONITOR];
        uint32_t ver[CAIRN_KTS_MAX_MONITOR];
        memcpy(buf, data + 1, n);
        buf[n] = 0;
        if (cairn_kts_parse_entries(buf, pos, ver, CAIRN_KTS_MAX_MONITOR, &k) == CAIRN_OK)
            for (size_t i = 1; i < k; i++)
                if (pos[i] <= pos[i - 1])
                    abort();
        break;
    }
    }
    return 0;
}
