/*
 * fuzz_smartreply_model.c - the built-in engine's model loader (SR-30..36)
 * on arbitrary bytes. When the first byte is odd the harness recomputes the
 * SHA-256 trailer first, so mutations get past the checksum and reach the
 * field parser; otherwise the checksum path itself is exercised. A loaded
 * model is used once so that accepted fields are also exercised.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cairn/smartreply.h"

static void *f_alloc(void *ud, size_t n) { (void)ud; return malloc(n); }
static void f_free(void *ud, void *p) { (void)ud; free(p); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const cairn_smartreply_plugin *p = cairn_smartreply_builtin();
    cairn_smartreply_host host = {CAIRN_SMARTREPLY_ABI_VERSION, sizeof(host), NULL,
                                  f_alloc, f_free};
    uint8_t *copy;
    void *state = NULL;
    if (size < 1)
        return 0;
    copy = malloc(size);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    if ((copy[0] & 1) && size > 1 + crypto_hash_sha256_BYTES)
        crypto_hash_sha256(copy + size - crypto_hash_sha256_BYTES, copy + 1,
                           size - 1 - crypto_hash_sha256_BYTES);
    /* byte 0 is the harness switch; the model starts after it */
    if (p->create(&host, copy + 1, size - 1, &state) == CAIRN_OK) {
        cairn_smartreply_message m = {"Want to grab lunch tomorrow?", 28, 0};
        cairn_smartreply_output out;
        (void)p->suggest(state, &m, 1, &out);
        p->destroy(state);
    }
    free(copy);
    return 0;
}
