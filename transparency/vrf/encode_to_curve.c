/*
 * encode_to_curve.c - ECVRF_encode_to_curve_try_and_increment (RFC 9381
 * section 5.4.1.1) for edwards25519: hash (suite || 0x01 || PK || alpha ||
 * ctr || 0x00) with SHA-512 for ctr = 0, 1, ...; the first 32 bytes of the
 * first digest that RFC 8032-decodes to a point whose cofactor multiple is
 * not the identity give H = 8 * point. libsodium cannot do this step: its
 * decoding refuses points outside the prime-order subgroup, which is
 * exactly what a hash usually lands on.
 *
 * Invariant: H always has order L (never the identity), so prove may hand
 * it to libsodium's subgroup-checked scalar multiplication. Each attempt
 * runs in constant time; only the number of attempts depends on alpha,
 * which RFC 9381 accepts for this suite.
 */
#include <sodium.h>

#include "vrf_internal.h"

cairn_status vrf__encode_to_curve(vrf__ge *H, uint8_t H_string[32],
                                  unsigned *ctr, const uint8_t pk[32],
                                  const uint8_t *alpha, size_t alpha_len)
{
    static const uint8_t front[2] = {VRF__SUITE, VRF__DS_ENCODE_FRONT};
    static const uint8_t back[1] = {VRF__DS_BACK};
    crypto_hash_sha512_state prefix, st;
    uint8_t digest[64];
    unsigned i;

    /* The prefix up to alpha is the same for every attempt. */
    crypto_hash_sha512_init(&prefix);
    crypto_hash_sha512_update(&prefix, front, sizeof front);
    crypto_hash_sha512_update(&prefix, pk, VRF__PT_LEN);
    if (alpha_len > 0)
        crypto_hash_sha512_update(&prefix, alpha, alpha_len);

    for (i = 0; i <= VRF__MAX_CTR; i++) {
        const uint8_t ctr_string[1] = {(uint8_t)i};
        vrf__ge P;
        st = prefix;
        crypto_hash_sha512_update(&st, ctr_string, 1);
        crypto_hash_sha512_update(&st, back, sizeof back);
        crypto_hash_sha512_final(&st, digest);
        if (vrf__ge_decode(&P, digest) != 0)
            continue;
        vrf__ge_mul_cofactor(H, &P);
        if (vrf__ge_is_identity(H))
            continue; /* a small-order point: RFC 9381 keeps looking */
        vrf__ge_encode(H_string, H);
        if (ctr != NULL)
            *ctr = i;
        /* alpha may be a private label: leave no trace of it. */
        sodium_memzero(&prefix, sizeof prefix);
        sodium_memzero(&st, sizeof st);
        sodium_memzero(digest, sizeof digest);
        return CAIRN_OK;
    }
    sodium_memzero(&prefix, sizeof prefix);
    sodium_memzero(&st, sizeof st);
    sodium_memzero(digest, sizeof digest);
    return CAIRN_ERR_INTERNAL;
}
