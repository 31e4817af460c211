/*
 * inflate.c - zip-bomb-safe inflation of "Content-Encoding: deflate"
 * bodies (IMDN-3). The output buffer is allocated once at max_out + 1 and
 * zlib is never given more room than that, so the work and memory for any
 * input are bounded by max_out whatever its compression ratio. zlib's own
 * allocations go through the context allocator.
 */
#include <string.h>

#include <zlib.h>

#include "cairn/imdn.h"

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    return cairn__calloc((const cairn_context *)opaque, items, size);
}

static void z_free(voidpf opaque, voidpf p)
{
    cairn__free((const cairn_context *)opaque, p);
}

/* One attempt with the given windowBits: 15+32 auto-detects zlib or gzip
 * headers, -15 is raw deflate. */
static cairn_status try_inflate(const cairn_context *ctx, const uint8_t *in,
                                size_t len, int bits, uint8_t *dst, size_t cap,
                                size_t *out_len)
{
    z_stream zs;
    int zr;
    cairn_status rc;

    memset(&zs, 0, sizeof(zs));
    zs.zalloc = z_alloc;
    zs.zfree = z_free;
    zs.opaque = (voidpf)ctx;
    zr = inflateInit2(&zs, bits);
    if (zr == Z_MEM_ERROR)
        return CAIRN_ERR_NOMEM;
    if (zr != Z_OK)
        return CAIRN_ERR_INTERNAL;
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = dst;
    zs.avail_out = (uInt)cap;
    zr = inflate(&zs, Z_FINISH);
    if (zr == Z_STREAM_END && zs.avail_in == 0)
        rc = CAIRN_OK;
    else if (zr == Z_MEM_ERROR)
        rc = CAIRN_ERR_NOMEM;
    else if (zs.avail_out == 0 && zr != Z_STREAM_END)
        rc = CAIRN_ERR_TOO_LARGE; /* ran into the cap */
    else
        rc = CAIRN_ERR_DECODE;
    *out_len = cap - zs.avail_out;
    inflateEnd(&zs);
    return rc;
}

cairn_status cairn_imdn_inflate(const cairn_context *ctx, const uint8_t *in,
                                size_t len, size_t max_out, uint8_t **out,
                                size_t *out_len)
{
    uint8_t *dst;
    size_t n = 0;
    cairn_status rc;

    if (ctx == NULL || (in == NULL && len > 0) || out == NULL || out_len == NULL ||
        max_out == 0 || max_out > (1u << 30) || len > (1u << 30))
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    *out_len = 0;
    /* One spare byte: filling it proves the output exceeds max_out. */
    dst = cairn__alloc(ctx, max_out + 1);
    if (dst == NULL)
        return CAIRN_ERR_NOMEM;
    rc = try_inflate(ctx, in, len, 15 + 32, dst, max_out + 1, &n);
    if (rc == CAIRN_ERR_DECODE && n == 0)
        rc = try_inflate(ctx, in, len, -15, dst, max_out + 1, &n);
    if (rc == CAIRN_OK && n > max_out)
        rc = CAIRN_ERR_TOO_LARGE;
    if (rc != CAIRN_OK) {
        cairn__free_secret(ctx, dst, max_out + 1);
        return rc;
    }
    *out = dst;
    *out_len = n;
    return CAIRN_OK;
}
