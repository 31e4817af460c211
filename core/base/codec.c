/*
 * codec.c - hex and base64 text encodings. Decoders are strict (no
 * whitespace, canonical padding) and never write past the caller's buffer.
 */
#include <string.h>

#include <sodium.h>

#include "base.h"

void cairn__hex_encode(char *out, const uint8_t *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

cairn_status cairn__hex_decode(uint8_t *out, size_t out_cap, size_t *out_len,
                               const char *in, size_t in_len)
{
    size_t i;
    if (in_len % 2 != 0)
        return CAIRN_ERR_DECODE;
    if (in_len / 2 > out_cap)
        return CAIRN_ERR_TOO_LARGE;
    for (i = 0; i < in_len / 2; i++) {
        int hi = hexval(in[2 * i]), lo = hexval(in[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return CAIRN_ERR_DECODE;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    if (out_len)
        *out_len = in_len / 2;
    return CAIRN_OK;
}

size_t cairn__base64_encoded_len(size_t n)
{
    return sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
}

void cairn__base64_encode(char *out, const uint8_t *in, size_t n)
{
    sodium_bin2base64(out, cairn__base64_encoded_len(n), in, n,
                      sodium_base64_VARIANT_ORIGINAL);
}

cairn_status cairn__base64_decode(uint8_t *out, size_t out_cap,
                                  size_t *out_len, const char *in,
                                  size_t in_len)
{
    size_t got = 0, i;
    const char *end = NULL;
    /* libsodium's decoder lets some bytes >= 0x80 through (found by
     * fuzzing the log's note parser): check the alphabet first. */
    for (i = 0; i < in_len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '='))
            return CAIRN_ERR_DECODE;
    }
    if (sodium_base642bin(out, out_cap, in, in_len, NULL, &got, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return (in_len / 4) * 3 > out_cap + 2 ? CAIRN_ERR_TOO_LARGE : CAIRN_ERR_DECODE;
    if (end != in + in_len)
        return CAIRN_ERR_DECODE;
    if (out_len)
        *out_len = got;
    return CAIRN_OK;
}
