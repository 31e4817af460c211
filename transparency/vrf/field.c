/*
 * field.c - GF(2^255 - 19) in radix 2^51 (see field.h for the limb bound
 * invariant). Every operation ends with a carry pass, trading a few cycles
 * for a bound that holds regardless of how operations are chained: after a
 * carry, limbs 1..4 are < 2^51 and limb 0 is < 2^51 + 2^18, so sums of two
 * stay < 2^53, products of limbs fit in 128 bits with room to spare, and
 * subtraction can add 4p without underflow.
 *
 * Constant time: loops have fixed trip counts, selections use masks.
 */
#include "field.h"

#include <string.h>

#if !defined(__SIZEOF_INT128__)
#error "transparency/vrf/field.c needs unsigned __int128 (a 64-bit GCC or Clang target)"
#endif

typedef unsigned __int128 u128;

#define MASK51 ((UINT64_C(1) << 51) - 1)

static uint64_t load64_le(const uint8_t *s)
{
    uint64_t r = 0;
    int i;
    for (i = 7; i >= 0; i--)
        r = (r << 8) | s[i];
    return r;
}

static void store64_le(uint8_t *s, uint64_t v)
{
    int i;
    for (i = 0; i < 8; i++) {
        s[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* Brings limbs 1..4 below 2^51 and limb 0 below 2^51 + 19 * 2^13. */
static void carry(vrf__fe *h)
{
    uint64_t c;
    c = h->v[0] >> 51;
    h->v[0] &= MASK51;
    h->v[1] += c;
    c = h->v[1] >> 51;
    h->v[1] &= MASK51;
    h->v[2] += c;
    c = h->v[2] >> 51;
    h->v[2] &= MASK51;
    h->v[3] += c;
    c = h->v[3] >> 51;
    h->v[3] &= MASK51;
    h->v[4] += c;
    c = h->v[4] >> 51;
    h->v[4] &= MASK51;
    h->v[0] += 19 * c;
}

void vrf__fe_0(vrf__fe *h)
{
    memset(h, 0, sizeof *h);
}

void vrf__fe_1(vrf__fe *h)
{
    memset(h, 0, sizeof *h);
    h->v[0] = 1;
}

void vrf__fe_frombytes(vrf__fe *h, const uint8_t s[32])
{
    /* Limb i starts at bit 51*i: bytes 0, 6+3 bits, 12+6, 19+1, 24+12. */
    h->v[0] = load64_le(s) & MASK51;
    h->v[1] = (load64_le(s + 6) >> 3) & MASK51;
    h->v[2] = (load64_le(s + 12) >> 6) & MASK51;
    h->v[3] = (load64_le(s + 19) >> 1) & MASK51;
    h->v[4] = (load64_le(s + 24) >> 12) & MASK51;
}

void vrf__fe_tobytes(uint8_t s[32], const vrf__fe *h)
{
    vrf__fe t = *h;
    uint64_t q;

    carry(&t);
    carry(&t);
    /* Now t < 2p. q = floor((t + 19) / 2^255) is 1 exactly when t >= p;
     * the chain propagates the carry through every limb. */
    q = (t.v[0] + 19) >> 51;
    q = (t.v[1] + q) >> 51;
    q = (t.v[2] + q) >> 51;
    q = (t.v[3] + q) >> 51;
    q = (t.v[4] + q) >> 51;
    /* t - q*p = t + 19q - q*2^255: add 19q, carry, drop bit 255. */
    t.v[0] += 19 * q;
    t.v[1] += t.v[0] >> 51;
    t.v[0] &= MASK51;
    t.v[2] += t.v[1] >> 51;
    t.v[1] &= MASK51;
    t.v[3] += t.v[2] >> 51;
    t.v[2] &= MASK51;
    t.v[4] += t.v[3] >> 51;
    t.v[3] &= MASK51;
    t.v[4] &= MASK51;

    store64_le(s, t.v[0] | (t.v[1] << 51));
    store64_le(s + 8, (t.v[1] >> 13) | (t.v[2] << 38));
    store64_le(s + 16, (t.v[2] >> 26) | (t.v[3] << 25));
    store64_le(s + 24, (t.v[3] >> 39) | (t.v[4] << 12));
}

int vrf__fe_bytes_canonical(const uint8_t s[32])
{
    /* The 255-bit value is >= p = 2^255 - 19 only when bytes 1..30 are all
     * 0xff, byte 31 (sign bit masked) is 0x7f and byte 0 is >= 0xed. */
    unsigned all_ff = (s[31] & 0x7f) ^ 0x7f;
    unsigned low_big;
    int i;
    for (i = 1; i < 31; i++)
        all_ff |= s[i] ^ 0xffu;
    all_ff = ((all_ff - 1u) >> 8) & 1u;        /* 1 when all matched */
    low_big = ((0xecu - (unsigned)s[0]) >> 8) & 1u; /* 1 when s[0] > 0xec */
    return (int)(1u - (all_ff & low_big));
}

void vrf__fe_add(vrf__fe *h, const vrf__fe *f, const vrf__fe *g)
{
    int i;
    for (i = 0; i < 5; i++)
        h->v[i] = f->v[i] + g->v[i];
    carry(h);
}

void vrf__fe_sub(vrf__fe *h, const vrf__fe *f, const vrf__fe *g)
{
    /* f + 4p - g: 4p limbs are 2^53 - 76, then 2^53 - 4, each larger than
     * any input limb, so no limb goes negative. */
    h->v[0] = f->v[0] + ((UINT64_C(1) << 53) - 76) - g->v[0];
    h->v[1] = f->v[1] + ((UINT64_C(1) << 53) - 4) - g->v[1];
    h->v[2] = f->v[2] + ((UINT64_C(1) << 53) - 4) - g->v[2];
    h->v[3] = f->v[3] + ((UINT64_C(1) << 53) - 4) - g->v[3];
    h->v[4] = f->v[4] + ((UINT64_C(1) << 53) - 4) - g->v[4];
    carry(h);
}

void vrf__fe_neg(vrf__fe *h, const vrf__fe *f)
{
    vrf__fe z;
    vrf__fe_0(&z);
    vrf__fe_sub(h, &z, f);
}

void vrf__fe_mul(vrf__fe *h, const vrf__fe *f, const vrf__fe *g)
{
    const uint64_t f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3],
                   f4 = f->v[4];
    const uint64_t g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3],
                   g4 = g->v[4];
    /* 2^255 = 19 (mod p), so limb products that land at 2^(51*k), k >= 5,
     * fold back multiplied by 19. */
    const uint64_t g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3,
                   g4_19 = 19 * g4;
    u128 r0, r1, r2, r3, r4;
    uint64_t c;

    r0 = (u128)f0 * g0 + (u128)f1 * g4_19 + (u128)f2 * g3_19 +
         (u128)f3 * g2_19 + (u128)f4 * g1_19;
    r1 = (u128)f0 * g1 + (u128)f1 * g0 + (u128)f2 * g4_19 +
         (u128)f3 * g3_19 + (u128)f4 * g2_19;
    r2 = (u128)f0 * g2 + (u128)f1 * g1 + (u128)f2 * g0 + (u128)f3 * g4_19 +
         (u128)f4 * g3_19;
    r3 = (u128)f0 * g3 + (u128)f1 * g2 + (u128)f2 * g1 + (u128)f3 * g0 +
         (u128)f4 * g4_19;
    r4 = (u128)f0 * g4 + (u128)f1 * g3 + (u128)f2 * g2 + (u128)f3 * g1 +
         (u128)f4 * g0;

    r1 += (uint64_t)(r0 >> 51);
    h->v[0] = (uint64_t)r0 & MASK51;
    r2 += (uint64_t)(r1 >> 51);
    h->v[1] = (uint64_t)r1 & MASK51;
    r3 += (uint64_t)(r2 >> 51);
    h->v[2] = (uint64_t)r2 & MASK51;
    r4 += (uint64_t)(r3 >> 51);
    h->v[3] = (uint64_t)r3 & MASK51;
    c = (uint64_t)(r4 >> 51);
    h->v[4] = (uint64_t)r4 & MASK51;
    /* Inputs below 2^52 bound r4 by 5 * 2^104, so c < 2^56 and 19c plus
     * limb 0 still fits in 64 bits. */
    h->v[0] += 19 * c;
    c = h->v[0] >> 51;
    h->v[0] &= MASK51;
    h->v[1] += c;
}

void vrf__fe_sq(vrf__fe *h, const vrf__fe *f)
{
    vrf__fe_mul(h, f, f);
}

static void sq_times(vrf__fe *h, const vrf__fe *f, int n)
{
    int i;
    vrf__fe_sq(h, f);
    for (i = 1; i < n; i++)
        vrf__fe_sq(h, h);
}

/* Shared prefix of both exponentiations: returns z^(2^250 - 1) in t250 and
 * z^11 in z11. */
static void pow_2_250_1(vrf__fe *t250, vrf__fe *z11, const vrf__fe *z)
{
    vrf__fe z2, z9, t5, t10, t20, t40, t50, t100, t200, t;

    vrf__fe_sq(&z2, z);             /* z^2 */
    sq_times(&t, &z2, 2);           /* z^8 */
    vrf__fe_mul(&z9, &t, z);        /* z^9 */
    vrf__fe_mul(z11, &z9, &z2);     /* z^11 */
    vrf__fe_sq(&t, z11);            /* z^22 */
    vrf__fe_mul(&t5, &t, &z9);      /* z^(2^5 - 1) */
    sq_times(&t, &t5, 5);
    vrf__fe_mul(&t10, &t, &t5);     /* z^(2^10 - 1) */
    sq_times(&t, &t10, 10);
    vrf__fe_mul(&t20, &t, &t10);    /* z^(2^20 - 1) */
    sq_times(&t, &t20, 20);
    vrf__fe_mul(&t40, &t, &t20);    /* z^(2^40 - 1) */
    sq_times(&t, &t40, 10);
    vrf__fe_mul(&t50, &t, &t10);    /* z^(2^50 - 1) */
    sq_times(&t, &t50, 50);
    vrf__fe_mul(&t100, &t, &t50);   /* z^(2^100 - 1) */
    sq_times(&t, &t100, 100);
    vrf__fe_mul(&t200, &t, &t100);  /* z^(2^200 - 1) */
    sq_times(&t, &t200, 50);
    vrf__fe_mul(t250, &t, &t50);    /* z^(2^250 - 1) */
}

void vrf__fe_invert(vrf__fe *h, const vrf__fe *f)
{
    vrf__fe t250, z11, t;
    pow_2_250_1(&t250, &z11, f);
    sq_times(&t, &t250, 5);         /* z^(2^255 - 32) */
    vrf__fe_mul(h, &t, &z11);       /* z^(2^255 - 21) = z^(p - 2) */
}

void vrf__fe_pow22523(vrf__fe *h, const vrf__fe *f)
{
    vrf__fe t250, z11, t;
    pow_2_250_1(&t250, &z11, f);
    sq_times(&t, &t250, 2);         /* z^(2^252 - 4) */
    vrf__fe_mul(h, &t, f);          /* z^(2^252 - 3) = z^((p - 5) / 8) */
}

void vrf__fe_cmov(vrf__fe *f, const vrf__fe *g, unsigned b)
{
    const uint64_t mask = (uint64_t)0 - (uint64_t)(b & 1u);
    int i;
    for (i = 0; i < 5; i++)
        f->v[i] ^= mask & (f->v[i] ^ g->v[i]);
}

unsigned vrf__fe_iszero(const vrf__fe *f)
{
    uint8_t s[32];
    unsigned acc = 0;
    int i;
    vrf__fe_tobytes(s, f);
    for (i = 0; i < 32; i++)
        acc |= s[i];
    return ((acc - 1u) >> 8) & 1u;
}

unsigned vrf__fe_isnegative(const vrf__fe *f)
{
    uint8_t s[32];
    vrf__fe_tobytes(s, f);
    return s[0] & 1u;
}

unsigned vrf__fe_equal(const vrf__fe *f, const vrf__fe *g)
{
    vrf__fe d;
    vrf__fe_sub(&d, f, g);
    return vrf__fe_iszero(&d);
}
