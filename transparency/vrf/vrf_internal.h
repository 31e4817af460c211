/*
 * vrf_internal.h - the steps of ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381
 * section 5.4) as separate functions, shared by prove.c and verify.c and
 * exposed to the tests so each intermediate value of the RFC examples can
 * be checked on its own. Not installed; not for other components.
 *
 * Every step takes and returns byte strings in the RFC's encodings
 * (points as 32-byte RFC 8032 encodings, scalars little-endian).
 */
#ifndef CAIRN_VRF_INTERNAL_H
#define CAIRN_VRF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/status.h"
#include "point.h"

#define VRF__SUITE 0x03        /* suite_string of ECVRF-EDWARDS25519-SHA512-TAI */
#define VRF__PT_LEN 32         /* ptLen */
#define VRF__C_LEN 16          /* cLen */
#define VRF__Q_LEN 32          /* qLen */
#define VRF__MAX_CTR 255       /* ctr is one byte (int_to_string(ctr, 1)) */

/* Domain separators of RFC 9381 section 5.4 and 5.2. */
#define VRF__DS_ENCODE_FRONT 0x01
#define VRF__DS_CHALLENGE_FRONT 0x02
#define VRF__DS_PROOF_TO_HASH_FRONT 0x03
#define VRF__DS_BACK 0x00

/* Intermediate values of one prove or verify run, for the tests only.
 * A prove trace holds the secret scalar and the nonce: wipe it after use. */
typedef struct vrf__trace {
    uint8_t x[32];     /* secret scalar, clamped, not reduced (prove) */
    uint8_t Y[32];     /* public key */
    uint8_t H[32];     /* encode_to_curve output */
    unsigned ctr;      /* the try-and-increment counter that produced H */
    uint8_t k[64];     /* nonce hash before reduction mod L (prove) */
    uint8_t U[32];
    uint8_t V[32];
    uint8_t Gamma[32];
    uint8_t c[16];     /* prove: the challenge; verify: the recomputed c' */
    uint8_t s[32];
} vrf__trace;

/* 1 when the 32-byte little-endian s is < L (the group order), else 0. */
int vrf__scalar_is_canonical(const uint8_t s[32]);

/* RFC 8032 section 5.1.5: h = SHA-512(sk); x = clamp(h[0..31]) (not
 * reduced); the nonce key is h[32..63]. Both outputs are secret. */
void vrf__expand_secret(uint8_t x[32], uint8_t nonce_key[32],
                        const uint8_t sk[32]);

/* Section 5.4.1.1, try-and-increment, with encode_to_curve_salt = the
 * public key encoding. Writes H (a point of order L) and, when ctr is not
 * NULL, the counter that produced it. CAIRN_ERR_INTERNAL if no counter in
 * 0..255 gives a point (probability about 2^-256). Constant-time per
 * attempt; the number of attempts depends on (pk, alpha), as in the RFC. */
cairn_status vrf__encode_to_curve(vrf__ge *H, uint8_t H_string[32],
                                  unsigned *ctr, const uint8_t pk[32],
                                  const uint8_t *alpha, size_t alpha_len);

/* Section 5.4.2.2: k_string = SHA-512(nonce_key || H_string); the nonce is
 * k_string mod L (the caller reduces). */
void vrf__nonce_rfc8032(uint8_t k_string[64], const uint8_t nonce_key[32],
                        const uint8_t H_string[32]);

/* Section 5.4.3: c = first 16 bytes of
 * SHA-512(0x03 || 0x02 || Y || H || Gamma || U || V || 0x00). */
void vrf__challenge(uint8_t c[16], const uint8_t Y[32], const uint8_t H[32],
                    const uint8_t Gamma[32], const uint8_t U[32],
                    const uint8_t V[32]);

/* Section 5.2 step 4: beta = SHA-512(0x03 || 0x03 || enc(8 Gamma) || 0x00). */
void vrf__gamma_to_hash(uint8_t beta[64], const vrf__ge *Gamma);

/* Section 5.4.4 plus Cairn's small-order rule (VRF-7): decodes Gamma and
 * s, refusing a non-canonical or off-curve Gamma, a Gamma of small order
 * and s >= L. 0 on success, -1 otherwise. */
int vrf__decode_proof(vrf__ge *Gamma, const uint8_t proof[80]);

/* The public functions with an optional trace (NULL in production). */
cairn_status vrf__prove(uint8_t proof[80], const uint8_t sk[32],
                        const uint8_t *alpha, size_t alpha_len,
                        vrf__trace *trace);
cairn_status vrf__verify(uint8_t beta[64], const uint8_t pk[32],
                         const uint8_t proof[80], const uint8_t *alpha,
                         size_t alpha_len, vrf__trace *trace);

#endif
