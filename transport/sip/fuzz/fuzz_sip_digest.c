/*
 * fuzz_sip_digest.c - the Digest header parsers on hostile values.
 * Invariants checked: a challenge that parses can be answered, the answer
 * parses as credentials, and the server verifies it; credentials that
 * parse can be verified without harm (and a random response fails).
 */
#include <string.h>

#include "base.h"
#include "cairn/sip_digest.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_context *ctx = fuzz_ctx();
    const char *s = (const char *)data;
    cairn_sip_challenge ch;
    cairn_sip_credentials cr;
    char ha1[CAIRN_SIP_DIGEST_HEX];

    if (cairn_sip_credentials_parse(s, size, &cr) == CAIRN_OK) {
        FUZZ_CHECK(cairn_sip_digest_ha1(cr.alg, cr.username, cr.realm, "pw", ha1) == CAIRN_OK);
        FUZZ_TRY(cairn_sip_digest_verify(&cr, "REGISTER", cr.realm, cr.nonce, ha1));
    }
    if (cairn_sip_challenge_parse(s, size, &ch) == CAIRN_OK) {
        cairn__buf b;
        cairn_status rc;
        cairn__buf_init(&b, ctx, 8192);
        rc = cairn_sip_digest_authorize(ctx, &ch, "user", "pw", "REGISTER", "sip:example.net",
                                        "c0ffee", 1, &b);
        /* Realms/nonces with quotes or backslashes are refused on output. */
        if (rc == CAIRN_OK) {
            FUZZ_CHECK(cairn_sip_credentials_parse((char *)b.data, b.len, &cr) == CAIRN_OK);
            FUZZ_CHECK(cairn_sip_digest_ha1(ch.alg, "user", ch.realm, "pw", ha1) == CAIRN_OK);
            if (ch.qop_auth)
                FUZZ_CHECK(cairn_sip_digest_verify(&cr, "REGISTER", ch.realm, ch.nonce, ha1) ==
                           CAIRN_OK);
        } else {
            FUZZ_CHECK(rc == CAIRN_ERR_INVALID_ARG);
        }
        cairn__buf_free(&b);
    }
    return 0;
}
