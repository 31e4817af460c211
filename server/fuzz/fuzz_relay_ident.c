/*
 * fuzz_relay_ident.c - user URI normalisation, "<uri>.<device>" auth ids
 * and HTTP Basic credentials on arbitrary bytes. A normalised URI must be
 * a fixed point (normalising it again gives the same text).
 */
#include <stdlib.h>
#include <string.h>

#include "relay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char uri[RELAY_URI_MAX + 1], again[RELAY_URI_MAX + 1], secret[RELAY_SECRET_MAX + 1];
    uint32_t dev;
    if (relay__uri_normalize((const char *)data, size, uri) == CAIRN_OK) {
        if (relay__uri_normalize(uri, strlen(uri), again) != CAIRN_OK || strcmp(uri, again) != 0)
            abort();
    }
    if (relay__authid_parse((const char *)data, size, uri, &dev) == CAIRN_OK && dev == 0)
        abort();
    char *hdr = malloc(size + 1);
    if (hdr) {
        memcpy(hdr, data, size);
        hdr[size] = 0;
        if (relay__basic_parse(hdr, strnlen(hdr, size), uri, &dev, secret) == CAIRN_OK &&
            !relay__secret_valid(secret, strlen(secret)))
            abort();
        free(hdr);
    }
    (void)relay__secret_valid((const char *)data, size);
    return 0;
}
