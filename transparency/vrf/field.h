/*
 * field.h - arithmetic modulo p = 2^255 - 19, the coordinate field of
 * edwards25519, written here because libsodium 1.0.18 does not export it
 * and the VRF needs to decode arbitrary curve points (hash-to-curve) and to
 * compute with points outside the prime-order subgroup (verification).
 *
 * Representation: five unsigned 64-bit limbs of 51 bits (radix 2^51).
 * Invariant: every function's output has limbs below 2^52, which is what
 * every function assumes of its inputs. No function branches on or indexes
 * memory by the value of its operands, so they are constant-time.
 * Needs a compiler with unsigned __int128 (GCC/Clang on 64-bit targets).
 */
#ifndef CAIRN_VRF_FIELD_H
#define CAIRN_VRF_FIELD_H

#include <stdint.h>

typedef struct vrf__fe {
    uint64_t v[5];
} vrf__fe;

void vrf__fe_0(vrf__fe *h);
void vrf__fe_1(vrf__fe *h);
/* Reads the low 255 bits of s (bit 255 is ignored); values >= p are
 * accepted and reduced, so callers that need canonical input check with
 * vrf__fe_bytes_canonical first. */
void vrf__fe_frombytes(vrf__fe *h, const uint8_t s[32]);
/* Writes the unique representative in [0, p), bit 255 clear. */
void vrf__fe_tobytes(uint8_t s[32], const vrf__fe *h);
/* 1 when the low 255 bits of s encode an integer < p, else 0. */
int vrf__fe_bytes_canonical(const uint8_t s[32]);

void vrf__fe_add(vrf__fe *h, const vrf__fe *f, const vrf__fe *g);
void vrf__fe_sub(vrf__fe *h, const vrf__fe *f, const vrf__fe *g);
void vrf__fe_neg(vrf__fe *h, const vrf__fe *f);
void vrf__fe_mul(vrf__fe *h, const vrf__fe *f, const vrf__fe *g);
void vrf__fe_sq(vrf__fe *h, const vrf__fe *f);
/* h = f^(p-2) = 1/f (0 for f = 0). */
void vrf__fe_invert(vrf__fe *h, const vrf__fe *f);
/* h = f^((p-5)/8), the exponent of the RFC 8032 square root. */
void vrf__fe_pow22523(vrf__fe *h, const vrf__fe *f);
/* f = b ? g : f, for b in {0, 1}, without a branch. */
void vrf__fe_cmov(vrf__fe *f, const vrf__fe *g, unsigned b);

/* 1/0 predicates on the reduced value. */
unsigned vrf__fe_iszero(const vrf__fe *f);
unsigned vrf__fe_isnegative(const vrf__fe *f); /* low bit of the reduced value */
unsigned vrf__fe_equal(const vrf__fe *f, const vrf__fe *g);

#endif
