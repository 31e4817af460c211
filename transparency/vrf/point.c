/*
 * point.c - edwards25519 group law (see point.h for the invariants).
 *
 * Formulas are the Hisil-Wong-Carter-Dawson ones for a = -1 in extended
 * coordinates: the addition ("add-2008-hwcd-3") is complete on this curve
 * because d is not a square mod p, so it also handles doubling, the
 * neutral element and points of small order without special cases.
 * Constants (d, 2d, sqrt(-1), B) are kept as their 32-byte encodings and
 * decoded on use, so there is no mutable or lazily initialised state; the
 * tests recompute each constant from its definition.
 */
#include "point.h"

#include <string.h>

/* d = -121665 / 121666 mod p */
static const uint8_t D_BYTES[32] = {
    0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41,
    0x41, 0x4d, 0x0a, 0x70, 0x00, 0x98, 0xe8, 0x79, 0x77, 0x79, 0x40,
    0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52};
/* sqrt(-1) = 2^((p-1)/4) mod p */
static const uint8_t SQRTM1_BYTES[32] = {
    0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4, 0x78, 0xe4, 0x2f,
    0xad, 0x06, 0x18, 0x43, 0x2f, 0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00,
    0x4d, 0x2b, 0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b};
/* B: y = 4/5, x positive */
static const uint8_t BASE_BYTES[32] = {
    0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};

int vrf__ge_decode(vrf__ge *P, const uint8_t s[32])
{
    vrf__fe d, sqrtm1, y, y2, u, v, v3, x, vxx, t, xi, xneg;
    unsigned ok, is_root, is_neg_root, x_sign, x_zero;

    vrf__fe_frombytes(&d, D_BYTES);
    vrf__fe_frombytes(&sqrtm1, SQRTM1_BYTES);

    ok = (unsigned)vrf__fe_bytes_canonical(s);
    x_sign = s[31] >> 7;
    vrf__fe_frombytes(&y, s);

    /* x^2 = u / v with u = y^2 - 1, v = d y^2 + 1 (v is never 0 because
     * -1/d is not a square). Candidate root x = u v^3 (u v^7)^((p-5)/8). */
    vrf__fe_sq(&y2, &y);
    vrf__fe_1(&t);
    vrf__fe_sub(&u, &y2, &t);
    vrf__fe_mul(&v, &d, &y2);
    vrf__fe_add(&v, &v, &t);
    vrf__fe_sq(&v3, &v);
    vrf__fe_mul(&v3, &v3, &v);      /* v^3 */
    vrf__fe_sq(&x, &v3);
    vrf__fe_mul(&x, &x, &v);        /* v^7 */
    vrf__fe_mul(&x, &x, &u);        /* u v^7 */
    vrf__fe_pow22523(&x, &x);
    vrf__fe_mul(&x, &x, &v3);
    vrf__fe_mul(&x, &x, &u);

    vrf__fe_sq(&vxx, &x);
    vrf__fe_mul(&vxx, &vxx, &v);
    is_root = vrf__fe_equal(&vxx, &u);
    vrf__fe_neg(&t, &u);
    is_neg_root = vrf__fe_equal(&vxx, &t);
    /* v x^2 = -u: x * sqrt(-1) is the root instead. */
    vrf__fe_mul(&xi, &x, &sqrtm1);
    vrf__fe_cmov(&x, &xi, (1u - is_root) & is_neg_root);
    ok &= is_root | is_neg_root;

    /* x = 0 has no negative twin: its sign bit must be 0. */
    x_zero = vrf__fe_iszero(&x);
    ok &= 1u - (x_zero & x_sign);
    vrf__fe_neg(&xneg, &x);
    vrf__fe_cmov(&x, &xneg, vrf__fe_isnegative(&x) ^ x_sign);

    P->X = x;
    P->Y = y;
    vrf__fe_1(&P->Z);
    vrf__fe_mul(&P->T, &x, &y);
    return ok ? 0 : -1;
}

void vrf__ge_encode(uint8_t s[32], const vrf__ge *P)
{
    vrf__fe zinv, x, y;
    vrf__fe_invert(&zinv, &P->Z);
    vrf__fe_mul(&x, &P->X, &zinv);
    vrf__fe_mul(&y, &P->Y, &zinv);
    vrf__fe_tobytes(s, &y);
    s[31] |= (uint8_t)(vrf__fe_isnegative(&x) << 7);
}

void vrf__ge_identity(vrf__ge *P)
{
    vrf__fe_0(&P->X);
    vrf__fe_1(&P->Y);
    vrf__fe_1(&P->Z);
    vrf__fe_0(&P->T);
}

void vrf__ge_base(vrf__ge *P)
{
    /* A constant that decodes by construction (checked by the tests). */
    (void)vrf__ge_decode(P, BASE_BYTES);
}

void vrf__ge_add(vrf__ge *R, const vrf__ge *P, const vrf__ge *Q)
{
    vrf__fe d2, a, b, c, dd, e, f, g, h, t;

    vrf__fe_frombytes(&d2, D_BYTES);
    vrf__fe_add(&d2, &d2, &d2);

    vrf__fe_sub(&a, &P->Y, &P->X);
    vrf__fe_sub(&t, &Q->Y, &Q->X);
    vrf__fe_mul(&a, &a, &t);           /* (Y1-X1)(Y2-X2) */
    vrf__fe_add(&b, &P->Y, &P->X);
    vrf__fe_add(&t, &Q->Y, &Q->X);
    vrf__fe_mul(&b, &b, &t);           /* (Y1+X1)(Y2+X2) */
    vrf__fe_mul(&c, &P->T, &Q->T);
    vrf__fe_mul(&c, &c, &d2);          /* 2d T1 T2 */
    vrf__fe_mul(&dd, &P->Z, &Q->Z);
    vrf__fe_add(&dd, &dd, &dd);        /* 2 Z1 Z2 */
    vrf__fe_sub(&e, &b, &a);
    vrf__fe_sub(&f, &dd, &c);
    vrf__fe_add(&g, &dd, &c);
    vrf__fe_add(&h, &b, &a);
    vrf__fe_mul(&R->X, &e, &f);
    vrf__fe_mul(&R->Y, &g, &h);
    vrf__fe_mul(&R->T, &e, &h);
    vrf__fe_mul(&R->Z, &f, &g);
}

void vrf__ge_double(vrf__ge *R, const vrf__ge *P)
{
    vrf__fe a, b, c, e, g, f, h, t;

    vrf__fe_sq(&a, &P->X);
    vrf__fe_sq(&b, &P->Y);
    vrf__fe_sq(&c, &P->Z);
    vrf__fe_add(&c, &c, &c);           /* 2 Z^2 */
    vrf__fe_add(&t, &P->X, &P->Y);
    vrf__fe_sq(&e, &t);
    vrf__fe_sub(&e, &e, &a);
    vrf__fe_sub(&e, &e, &b);           /* 2XY */
    vrf__fe_sub(&g, &b, &a);           /* -A + B with a = -1 */
    vrf__fe_sub(&f, &g, &c);
    vrf__fe_neg(&h, &a);
    vrf__fe_sub(&h, &h, &b);           /* -A - B */
    vrf__fe_mul(&R->X, &e, &f);
    vrf__fe_mul(&R->Y, &g, &h);
    vrf__fe_mul(&R->T, &e, &h);
    vrf__fe_mul(&R->Z, &f, &g);
}

void vrf__ge_neg(vrf__ge *R, const vrf__ge *P)
{
    vrf__fe_neg(&R->X, &P->X);
    R->Y = P->Y;
    R->Z = P->Z;
    vrf__fe_neg(&R->T, &P->T);
}

void vrf__ge_mul_cofactor(vrf__ge *R, const vrf__ge *P)
{
    vrf__ge_double(R, P);
    vrf__ge_double(R, R);
    vrf__ge_double(R, R);
}

unsigned vrf__ge_is_identity(const vrf__ge *P)
{
    /* x = 0 and y = 1, i.e. X = 0 and Y = Z (Z is never 0). */
    return vrf__fe_iszero(&P->X) & vrf__fe_equal(&P->Y, &P->Z);
}

unsigned vrf__ge_is_small_order(const vrf__ge *P)
{
    vrf__ge q;
    vrf__ge_mul_cofactor(&q, P);
    return vrf__ge_is_identity(&q);
}

void vrf__ge_double_scalarmult_vartime(vrf__ge *R, const uint8_t a[32],
                                       const vrf__ge *P, const uint8_t b[32],
                                       const vrf__ge *Q)
{
    /* Straus-Shamir: one shared doubling chain, adding P, Q or P+Q per
     * bit pair. Branches follow the (public) scalar bits. */
    vrf__ge pq, acc;
    int i;

    vrf__ge_add(&pq, P, Q);
    vrf__ge_identity(&acc);
    for (i = 255; i >= 0; i--) {
        unsigned ab = (a[i >> 3] >> (i & 7)) & 1u;
        unsigned bb = (b[i >> 3] >> (i & 7)) & 1u;
        vrf__ge_double(&acc, &acc);
        if (ab && bb)
            vrf__ge_add(&acc, &acc, &pq);
        else if (ab)
            vrf__ge_add(&acc, &acc, P);
        else if (bb)
            vrf__ge_add(&acc, &acc, Q);
    }
    *R = acc;
}
