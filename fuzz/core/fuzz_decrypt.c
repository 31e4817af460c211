/*
 * fuzz_decrypt.c - every message decode path of libcairn. The first byte
 * picks the path (pre-key, normal, group, distribution), the rest is the
 * message, delivered to an account that has a live session and group with
 * the claimed sender.
 */
#include "fuzz_parties.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_plaintext pt;
    cairn_status rc = CAIRN_ERR_INVALID_ARG;
    fz_setup();
    if (size < 1)
        return 0;
    switch (data[0] & 3) {
    case 0:
        rc = cairn_session_decrypt(fz_bob, &fz_a, CAIRN_MSG_PREKEY, data + 1, size - 1, NULL, &pt);
        break;
    case 1:
        rc = cairn_session_decrypt(fz_bob, &fz_a, CAIRN_MSG_NORMAL, data + 1, size - 1, NULL, &pt);
        break;
    case 2:
        rc = cairn_group_decrypt(fz_bob, "g", &fz_a, data + 1, size - 1, NULL, &pt);
        break;
    case 3:
        if (cairn_group_receive_distribution(fz_bob, "g", &fz_a, CAIRN_MSG_NORMAL, data + 1,
                                             size - 1) != CAIRN_OK)
            return 0;
        return 0;
    }
    if (rc == CAIRN_OK)
        cairn_plaintext_clear(fz_bob, &pt);
    return 0;
}
