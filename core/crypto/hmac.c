/*
 * hmac.c - one-shot HMAC-SHA256 written once over the backend's streaming
 * state, so both backends share the argument checks and the wiping.
 *
 * Invariant: the HMAC state (which holds the keyed inner/outer pads) is
 * cleared on every path; on error the output array is zeroed.
 */
#include <string.h>

#include "backend.h"
#include "crypto.h"

cairn_status cairn__hmac_sha256(const uint8_t *key, size_t key_len,
                                const uint8_t *msg, size_t msg_len,
                                uint8_t out[CAIRN_SHA256_LEN])
{
    crypto__hmac h;
    cairn_status st;

    if (out == NULL || (key == NULL && key_len != 0) ||
        (msg == NULL && msg_len != 0))
        return CAIRN_ERR_INVALID_ARG;
    st = crypto__hmac_init(&h, key, key_len);
    if (st == CAIRN_OK)
        st = crypto__hmac_update(&h, msg, msg_len);
    if (st == CAIRN_OK)
        st = crypto__hmac_final(&h, out);
    crypto__hmac_clear(&h);
    cairn__wipe(&h, sizeof(h));
    if (st != CAIRN_OK)
        memset(out, 0, CAIRN_SHA256_LEN);
    return st;
}
