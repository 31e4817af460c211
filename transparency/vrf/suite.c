/*
 * suite.c - the hashing steps of ECVRF-EDWARDS25519-SHA512-TAI: secret
 * expansion, nonce, challenge, proof-to-hash, and the scalar range check.
 * Each concatenation is fed to SHA-512 piecewise, so no step allocates and
 * alpha has no length limit beyond size_t.
 *
 * Invariant: every SHA-512 state or digest that saw secret material is
 * wiped before return.
 */
#include <string.h>

#include <sodium.h>

#include "vrf_internal.h"

/* L = 2^252 + 27742317777372353535851937790883648493, little-endian. */
static const uint8_t ORDER_L[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
    0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

int vrf__scalar_is_canonical(const uint8_t s[32])
{
    /* Scan from the most significant byte; s and L are public, but stay
     * branch-free anyway: lt/gt latch at the first differing byte. */
    unsigned gt = 0, eq = 1;
    int i;
    for (i = 31; i >= 0; i--) {
        unsigned a = s[i], b = ORDER_L[i];
        gt |= eq & ((b - a) >> 8) & 1u;          /* a > b */
        eq &= ((a ^ b) - 1u) >> 8 & 1u;          /* a == b */
    }
    return (int)(1u - (gt | eq)); /* s < L */
}

void vrf__expand_secret(uint8_t x[32], uint8_t nonce_key[32],
                        const uint8_t sk[32])
{
    uint8_t h[64];
    crypto_hash_sha512(h, sk, 32);
    memcpy(x, h, 32);
    x[0] &= 248;
    x[31] &= 127;
    x[31] |= 64;
    memcpy(nonce_key, h + 32, 32);
    sodium_memzero(h, sizeof h);
}

void vrf__nonce_rfc8032(uint8_t k_string[64], const uint8_t nonce_key[32],
                        const uint8_t H_string[32])
{
    crypto_hash_sha512_state st;
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, nonce_key, 32);
    crypto_hash_sha512_update(&st, H_string, 32);
    crypto_hash_sha512_final(&st, k_string);
    sodium_memzero(&st, sizeof st);
}

void vrf__challenge(uint8_t c[16], const uint8_t Y[32], const uint8_t H[32],
                    const uint8_t Gamma[32], const uint8_t U[32],
                    const uint8_t V[32])
{
    static const uint8_t front[2] = {VRF__SUITE, VRF__DS_CHALLENGE_FRONT};
    static const uint8_t back[1] = {VRF__DS_BACK};
    crypto_hash_sha512_state st;
    uint8_t digest[64];

    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, front, sizeof front);
    crypto_hash_sha512_update(&st, Y, 32);
    crypto_hash_sha512_update(&st, H, 32);
    crypto_hash_sha512_update(&st, Gamma, 32);
    crypto_hash_sha512_update(&st, U, 32);
    crypto_hash_sha512_update(&st, V, 32);
    crypto_hash_sha512_update(&st, back, sizeof back);
    crypto_hash_sha512_final(&st, digest);
    memcpy(c, digest, VRF__C_LEN);
    /* U and V derive from the nonce: do not leave the state behind. */
    sodium_memzero(&st, sizeof st);
    sodium_memzero(digest, sizeof digest);
}

void vrf__gamma_to_hash(uint8_t beta[64], const vrf__ge *Gamma)
{
    static const uint8_t front[2] = {VRF__SUITE, VRF__DS_PROOF_TO_HASH_FRONT};
    static const uint8_t back[1] = {VRF__DS_BACK};
    crypto_hash_sha512_state st;
    vrf__ge g8;
    uint8_t enc[32];

    vrf__ge_mul_cofactor(&g8, Gamma);
    vrf__ge_encode(enc, &g8);
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, front, sizeof front);
    crypto_hash_sha512_update(&st, enc, sizeof enc);
    crypto_hash_sha512_update(&st, back, sizeof back);
    crypto_hash_sha512_final(&st, beta);
}

int vrf__decode_proof(vrf__ge *Gamma, const uint8_t proof[80])
{
    if (vrf__ge_decode(Gamma, proof) != 0)
        return -1;
    if (vrf__ge_is_small_order(Gamma))
        return -1;
    if (!vrf__scalar_is_canonical(proof + VRF__PT_LEN + VRF__C_LEN))
        return -1;
    return 0;
}
