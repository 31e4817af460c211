/*
 * fuzz_update.c - UpdateResponse decoding and verification. Input:
 * fz_owner_split framing (owner state), then u8 count of requested values,
 * each as u16 length + bytes, then the response (made for a fresh view).
 * Must never crash or leak; a rejected response must leave the outputs
 * untouched.
 */
#include <stdlib.h>

#include "fuzz_owner_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_kt_view view, nv, keep_v;
    cairn_kt_owner_state st, ns, keep_s;
    cairn_kt_update_result *res;
    cairn_kt_value req[8];
    const uint8_t *p;
    size_t len, n_req;
    fz_init(CAIRN_KT_MODE_CONTACT_MONITORING);
    if (fz_ctx == NULL || !fz_owner_split(data, size, &st, &p, &len) || len < 1)
        return 0;
    n_req = p[0] % 9;
    p++;
    len--;
    for (size_t i = 0; i < n_req; i++) {
        size_t vl;
        if (len < 2)
            return 0;
        vl = (size_t)p[0] << 8 | p[1];
        if (len < 2 + vl)
            return 0;
        req[i].data = p + 2;
        req[i].len = vl;
        p += 2 + vl;
        len -= 2 + vl;
    }
    res = malloc(sizeof *res);
    if (res == NULL)
        return 0;
    memset(&view, 0, sizeof view);
    memset(&nv, 0x5a, sizeof nv);
    memset(&ns, 0xa5, sizeof ns);
    keep_v = nv;
    keep_s = ns;
    if (cairn_kt_verify_update(fz_ctx, &fz_cfg, &view, &st, req, n_req, p, len, -1, &nv, &ns,
                               res) != CAIRN_OK &&
        (memcmp(&nv, &keep_v, sizeof nv) != 0 || memcmp(&ns, &keep_s, sizeof ns) != 0))
        abort(); /* KT-OWN-8 */
    free(res);
    return 0;
}
