/*
 * tls.c - the bounded subset of the TLS presentation language the draft
 * uses: big-endian integers, vectors whose length prefix counts ELEMENTS
 * (the draft redefines <floor..ceiling> as element counts), and
 * optional<T> with a strict presence octet. Also the one SHA-256 helper.
 *
 * Invariants: every reader checks the remaining input before touching it
 * and every length is compared with a caller cap before use (KT-ENC-2);
 * writers fail with CAIRN_ERR_TOO_LARGE instead of truncating a prefix.
 */
#include <sodium.h>

#include "ktdir_internal.h"

cairn_status ktdir__put_u8(cairn__buf *b, uint8_t v) { return cairn__buf_append_u8(b, v); }
cairn_status ktdir__put_u16(cairn__buf *b, uint16_t v) { return cairn__buf_append_u16be(b, v); }
cairn_status ktdir__put_u32(cairn__buf *b, uint32_t v) { return cairn__buf_append_u32be(b, v); }
cairn_status ktdir__put_u64(cairn__buf *b, uint64_t v) { return cairn__buf_append_u64be(b, v); }

cairn_status ktdir__put_bytes(cairn__buf *b, const void *p, size_t n)
{
    return n == 0 ? CAIRN_OK : cairn__buf_append(b, p, n);
}

cairn_status ktdir__put_vec8(cairn__buf *b, const void *p, size_t n)
{
    cairn_status st;
    if (n > 0xff)
        return CAIRN_ERR_TOO_LARGE;
    if ((st = ktdir__put_u8(b, (uint8_t)n)) != CAIRN_OK)
        return st;
    return ktdir__put_bytes(b, p, n);
}

cairn_status ktdir__put_vec16(cairn__buf *b, const void *p, size_t n)
{
    cairn_status st;
    if (n > 0xffff)
        return CAIRN_ERR_TOO_LARGE;
    if ((st = ktdir__put_u16(b, (uint16_t)n)) != CAIRN_OK)
        return st;
    return ktdir__put_bytes(b, p, n);
}

cairn_status ktdir__put_vec32(cairn__buf *b, const void *p, size_t n)
{
    cairn_status st;
    if (n > 0xffffffffu)
        return CAIRN_ERR_TOO_LARGE;
    if ((st = ktdir__put_u32(b, (uint32_t)n)) != CAIRN_OK)
        return st;
    return ktdir__put_bytes(b, p, n);
}

cairn_status ktdir__put_opt_u64(cairn__buf *b, bool present, uint64_t v)
{
    cairn_status st = ktdir__put_u8(b, present ? 1 : 0);
    if (st == CAIRN_OK && present)
        st = ktdir__put_u64(b, v);
    return st;
}

static const uint8_t *get_vec(cairn__reader *r, size_t n, size_t cap)
{
    if (r->err)
        return NULL;
    if (n > cap) {
        r->err = true;
        return NULL;
    }
    if (n == 0)
        return r->p + r->off; /* valid pointer, zero bytes */
    return cairn__read_bytes(r, n);
}

const uint8_t *ktdir__get_vec8(cairn__reader *r, size_t *n, size_t cap)
{
    *n = cairn__read_u8(r);
    return get_vec(r, *n, cap);
}

const uint8_t *ktdir__get_vec16(cairn__reader *r, size_t *n, size_t cap)
{
    *n = cairn__read_u16be(r);
    return get_vec(r, *n, cap);
}

const uint8_t *ktdir__get_vec32(cairn__reader *r, size_t *n, size_t cap)
{
    *n = cairn__read_u32be(r);
    return get_vec(r, *n, cap);
}

bool ktdir__get_present(cairn__reader *r)
{
    uint8_t v = cairn__read_u8(r);
    if (v > 1)
        r->err = true;
    return v == 1;
}

size_t ktdir__get_count8(cairn__reader *r, size_t cap)
{
    size_t n = cairn__read_u8(r);
    if (n > cap)
        r->err = true;
    return r->err ? 0 : n;
}

size_t ktdir__get_count16(cairn__reader *r, size_t cap)
{
    size_t n = cairn__read_u16be(r);
    if (n > cap)
        r->err = true;
    return r->err ? 0 : n;
}

void ktdir__sha256(uint8_t out[KT_H], const uint8_t *a, size_t alen,
                   const uint8_t *b, size_t blen, const uint8_t *c,
                   size_t clen)
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    if (alen)
        crypto_hash_sha256_update(&st, a, alen);
    if (blen)
        crypto_hash_sha256_update(&st, b, blen);
    if (clen)
        crypto_hash_sha256_update(&st, c, clen);
    crypto_hash_sha256_final(&st, out);
}
