/*
 * fuzz_sdp_parse.c - the SDP reader and the MSRP view on hostile bytes.
 * Invariants checked: whatever parses serializes, the serialization
 * parses, and serializing again gives the same bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "cairn/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cairn_context *ctx;
    cairn_sdp *s = NULL, *s2 = NULL;
    cairn_sdp_limits lim;
    cairn__buf b1, b2;
    size_t i;

    if (ctx == NULL && cairn_context_create(NULL, &ctx) != CAIRN_OK)
        abort();
    if (cairn_sdp_parse(ctx, NULL, data, size, &s) != CAIRN_OK)
        return 0;
    for (i = 0; i < cairn_sdp_media_count(s); i++) {
        cairn_sdp_msrp m;
        cairn_status r = cairn_sdp_msrp_get(s, i, &m);
        (void)r;
    }
    cairn__buf_init(&b1, ctx, 1u << 20);
    cairn__buf_init(&b2, ctx, 1u << 20);
    if (cairn_sdp_serialize(s, &b1) != CAIRN_OK)
        abort();
    /* LF-only input grows by one byte a line when written with CRLF: the
     * re-read gets room for that. */
    lim.max_bytes = 2 * CAIRN_SDP_DEFAULT_MAX_BYTES;
    lim.max_line = lim.max_lines = lim.max_media = 0;
    if (cairn_sdp_parse(ctx, &lim, b1.data, b1.len, &s2) != CAIRN_OK ||
        cairn_sdp_serialize(s2, &b2) != CAIRN_OK || b1.len != b2.len ||
        memcmp(b1.data, b2.data, b1.len) != 0)
        abort();
    cairn__buf_free(&b1);
    cairn__buf_free(&b2);
    cairn_sdp_free(s);
    cairn_sdp_free(s2);
    return 0;
}
