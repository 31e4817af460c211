/*
 * msrp_chunk.c - splits an outgoing message into SEND chunks.
 *
 * Invariants: chunk bodies are at most chunk_max <= CAIRN_MSRP_CHUNK_MAX
 * bytes (MSRP-CHUNK-1); chunk k covers bytes off+1 .. off+n of total len,
 * written as an exact "Byte-Range: s-e/total" (MSRP-CHUNK-2); every chunk
 * but the last ends with '+', the last with '$'; each chunk has its own
 * fresh transaction id, re-drawn if the body happens to contain the
 * end-line (MSRP-WRITE-2). On error nothing advances, so a retry after
 * freeing buffer space resends the same range.
 */
#include <string.h>

#include "msrp_internal.h"

cairn_status cairn_msrp_chunker_init(cairn_msrp_chunker *c,
                                     const cairn_context *ctx,
                                     const cairn_msrp_msg *tmpl,
                                     const uint8_t *data, size_t len,
                                     size_t chunk_max)
{
    if (c == NULL || ctx == NULL || tmpl == NULL || (data == NULL && len > 0) ||
        tmpl->message_id == NULL || tmpl->content_type == NULL ||
        chunk_max > CAIRN_MSRP_CHUNK_MAX || (uint64_t)len > CAIRN_MSRP_RANGE_LIMIT)
        return CAIRN_ERR_INVALID_ARG;
    memset(c, 0, sizeof(*c));
    c->ctx = ctx;
    c->tmpl = tmpl;
    c->data = data;
    c->len = len;
    c->chunk_max = chunk_max ? chunk_max : CAIRN_MSRP_CHUNK_MAX;
    return CAIRN_OK;
}

bool cairn_msrp_chunker_done(const cairn_msrp_chunker *c)
{
    return c == NULL || c->done;
}

cairn_status cairn_msrp_chunker_next(cairn_msrp_chunker *c, cairn__buf *out,
                                     char *tid_out)
{
    cairn_msrp_msg m;
    char tid[CAIRN_MSRP_TID_BUF];
    size_t n;
    int tries;
    cairn_status rc;

    if (c == NULL || out == NULL || tid_out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (c->done)
        return CAIRN_ERR_STATE;
    n = c->len - c->off;
    if (n > c->chunk_max)
        n = c->chunk_max;
    m = *c->tmpl;
    m.is_response = false;
    m.method = "SEND";
    m.method_id = CAIRN_MSRP_SEND;
    m.has_range = true;
    m.range.start = (uint64_t)c->off + 1;
    m.range.end = (uint64_t)c->off + n; /* 0 for the empty message: 1-0/0 */
    m.range.total = (uint64_t)c->len;
    m.has_status = false;
    for (tries = 0; tries < 8; tries++) {
        rc = cairn_msrp_tid_generate(c->ctx, tid);
        if (rc != CAIRN_OK)
            return rc;
        if (n == 0 || cairn_msrp_body_safe(tid, c->data + c->off, n))
            break;
    }
    if (tries == 8)
        return CAIRN_ERR_INTERNAL;
    m.tid = tid;
    rc = cairn_msrp_write(out, &m, n ? c->data + c->off : NULL, n,
                          c->off + n == c->len ? '$' : '+');
    if (rc != CAIRN_OK)
        return rc;
    memcpy(tid_out, tid, sizeof(tid));
    c->off += n;
    if (c->off == c->len)
        c->done = true;
    return CAIRN_OK;
}
