/*
 * point.h - the edwards25519 group (-x^2 + y^2 = 1 + d x^2 y^2 over
 * GF(2^255 - 19)) in extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z,
 * xy = T/Z, for the parts of the VRF that libsodium 1.0.18 cannot do: its
 * scalar multiplication refuses points outside the prime-order subgroup,
 * which RFC 9381 lets a public key or a Gamma be.
 *
 * Invariants: every vrf__ge value is a point on the curve (decode refuses
 * anything else and the formulas are complete, so no input can produce an
 * exceptional case). Decoding follows RFC 8032 section 5.1.3 strictly.
 * Decode, encode, add, double and the cofactor multiplication are
 * constant-time; vrf__ge_double_scalarmult_vartime is NOT and must only see
 * public scalars (it serves verification).
 */
#ifndef CAIRN_VRF_POINT_H
#define CAIRN_VRF_POINT_H

#include <stdint.h>

#include "field.h"

typedef struct vrf__ge {
    vrf__fe X, Y, Z, T;
} vrf__ge;

/* RFC 8032 decoding: 0 on success, -1 (P unspecified) when the y
 * coordinate is >= p, when no x exists, or when x = 0 with the sign bit
 * set. Accepts points of any order. */
int vrf__ge_decode(vrf__ge *P, const uint8_t s[32]);
/* RFC 8032 encoding (always canonical). */
void vrf__ge_encode(uint8_t s[32], const vrf__ge *P);

void vrf__ge_identity(vrf__ge *P);
/* The RFC 8032 base point B, of prime order L. */
void vrf__ge_base(vrf__ge *P);

void vrf__ge_add(vrf__ge *R, const vrf__ge *P, const vrf__ge *Q);
void vrf__ge_double(vrf__ge *R, const vrf__ge *P);
void vrf__ge_neg(vrf__ge *R, const vrf__ge *P);
/* R = 8P: clears the small-order component. */
void vrf__ge_mul_cofactor(vrf__ge *R, const vrf__ge *P);
/* 1 when P is the neutral element (0, 1), else 0. */
unsigned vrf__ge_is_identity(const vrf__ge *P);
/* 1 when 8P is the neutral element, i.e. P is one of the 8 small-order
 * points, else 0. */
unsigned vrf__ge_is_small_order(const vrf__ge *P);

/* R = a*P + b*Q for 256-bit little-endian scalars a and b (not reduced).
 * Variable time: only for public inputs. */
void vrf__ge_double_scalarmult_vartime(vrf__ge *R, const uint8_t a[32],
                                       const vrf__ge *P, const uint8_t b[32],
                                       const vrf__ge *Q);

#endif
