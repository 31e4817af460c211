/*
 * fuzz_sip_parse.c - the datagram parser and every header view on hostile
 * bytes. Invariants checked: whatever parses serializes, the serialization
 * parses again, and serializing that gives the same bytes (strict writing
 * is a fixed point of liberal reading).
 * The re-read uses roomier caps: see below.
 */
#include <string.h>

#include "base.h"
#include "cairn/sip.h"
#include "cairn/sip_addr.h"
#include "cairn/sip_digest.h"
#include "cairn/sip_feature.h"
#include "fuzz_common.h"

static void views(const cairn_sip_msg *m)
{
    cairn_sip_via via;
    cairn_sip_addr a;
    cairn_sip_str s;
    cairn_sip_challenge ch;
    uint32_t n;
    size_t i;
    for (i = 0; i < 4; i++)
        FUZZ_TRY(cairn_sip_msg_via(m, i, &via));
    FUZZ_TRY(cairn_sip_msg_addr(m, "From", 0, &a));
    FUZZ_TRY(cairn_sip_msg_addr(m, "Contact", 0, &a));
    FUZZ_TRY(cairn_sip_msg_tag(m, "To", &s));
    FUZZ_TRY(cairn_sip_msg_cseq(m, &n, &s));
    FUZZ_TRY(cairn_sip_msg_uint(m, "Expires", &n));
    (void)cairn_sip_msg_features(m, "Contact");
    (void)cairn_sip_msg_features(m, "Accept-Contact");
    (void)cairn_sip_msg_features(m, "P-Preferred-Service");
    FUZZ_TRY(cairn_sip_msg_challenge(m, "WWW-Authenticate", &ch));
    if (cairn_sip_msg_request_uri(m)) {
        cairn_sip_uri u;
        const char *r = cairn_sip_msg_request_uri(m);
        FUZZ_TRY(cairn_sip_uri_parse(r, strlen(r), &u));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cairn_context *ctx = fuzz_ctx();
    cairn_sip_msg *m = NULL, *m2 = NULL;
    cairn_sip_limits big;
    cairn__buf b1, b2;

    if (cairn_sip_msg_parse(ctx, NULL, data, size, &m) != CAIRN_OK)
        return 0;
    views(m);
    /* Writing may legitimately grow a message (compact names expanded,
     * LF to CRLF, one list value per line), so the re-read gets room. */
    big.max_line = 1u << 20;
    big.max_headers = 1u << 16;
    big.max_header_bytes = 1u << 21;
    big.max_body = 1u << 21;
    cairn__buf_init(&b1, ctx, 1u << 22);
    cairn__buf_init(&b2, ctx, 1u << 22);
    FUZZ_CHECK(cairn_sip_msg_serialize(m, &b1) == CAIRN_OK);
    FUZZ_CHECK(cairn_sip_msg_parse(ctx, &big, b1.data, b1.len, &m2) == CAIRN_OK);
    FUZZ_CHECK(cairn_sip_msg_serialize(m2, &b2) == CAIRN_OK);
    FUZZ_CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);
    cairn__buf_free(&b1);
    cairn__buf_free(&b2);
    cairn_sip_msg_free(m);
    cairn_sip_msg_free(m2);
    return 0;
}
