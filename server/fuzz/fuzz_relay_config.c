/*
 * fuzz_relay_config.c - the relay's INI reader and option validation on
 * arbitrary bytes: never a crash, never a read past the input, and a
 * successful parse always yields a configuration the writer can print.
 */
#include <stdio.h>
#include <string.h>

#include "relay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    relay_config c;
    char err[256];
    relay__config_defaults(&c);
    if (relay__config_parse(&c, (const char *)data, size, err, sizeof err) == CAIRN_OK &&
        relay__config_finish(&c, err, sizeof err) == CAIRN_OK) {
        FILE *f = fopen("/dev/null", "w");
        if (f) {
            relay__config_write(&c, f, true);
            fclose(f);
        }
    }
    return 0;
}
