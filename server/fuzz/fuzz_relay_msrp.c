/*
 * fuzz_relay_msrp.c - the relay's own session-mode parsing (msrp_offer.c)
 * on arbitrary bytes. The first byte picks the function: 0 the INVITE's
 * SDP offer check (RELAY-MSRP-2), 1 the CPIM message id a stored copy
 * inherits (RELAY-MSRP-7), 2 the path comparison that binds MSRP
 * connections to sessions (RELAY-MSRP-5; the two paths split at the
 * first NUL). Checked: the outputs keep their documented shapes, the
 * comparison is symmetric, and nothing reads past the input.
 */
#include <stdlib.h>
#include <string.h>

#include "msrp_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cairn_context *ctx;
    if (ctx == NULL && cairn_context_create(NULL, &ctx) != CAIRN_OK)
        return 0;
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    if (data[0] == 0) {
        char path[RELAY_MSRP_PATH_MAX + 1];
        int code = relay__msrp_offer_check(ctx, p, n, path, sizeof path);
        if (code != 200 && code != 400 && code != 415 && code != 488)
            abort();
        if (memchr(path, 0, sizeof path) == NULL)
            abort();
        /* an accepted path is one the binding check can match */
        if (code == 200 && (path[0] == 0 || !relay__msrp_path_equal(path, path)))
            abort();
    } else if (data[0] == 1) {
        char id[65];
        if (relay__msrp_cpim_msg_id(ctx, "message/cpim", p, n, id)) {
            size_t l = strlen(id);
            if (l == 0 || l > 64 || strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                               "0123456789._-") != l)
                abort();
        }
    } else {
        /* two NUL-terminated strings made from the input */
        char *a = malloc(n + 1), *b;
        if (a == NULL)
            return 0;
        memcpy(a, p, n);
        a[n] = 0;
        b = a + strlen(a);
        if (b < a + n)
            b++;
        bool ab = relay__msrp_path_equal(a, b), ba = relay__msrp_path_equal(b, a);
        if (ab != ba)
            abort();
        free(a);
    }
    return 0;
}
