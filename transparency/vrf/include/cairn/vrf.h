/*
 * vrf.h - ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381, suite string 0x03): a
 * verifiable random function over edwards25519. The key owner maps an input
 * alpha to a 64-byte output beta and an 80-byte proof; anyone holding the
 * public key checks the proof and obtains the same beta, and nobody without
 * the secret key can predict beta. Key transparency uses it to hide labels.
 *
 * Invariants: no function allocates, keeps a pointer past the call, or
 * touches global state other than libsodium's one-time initialisation.
 * Output buffers are written only when the function returns CAIRN_OK.
 * Verification is strict: non-canonical encodings, small-order public keys
 * and Gammas, and scalars s >= L are refused (spec/vrf.md, VRF-1..VRF-12).
 * All buffers are caller-owned; alpha may be NULL only when alpha_len is 0.
 */
#ifndef CAIRN_VRF_H
#define CAIRN_VRF_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/export.h"
#include "cairn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_VRF_PUBLIC_KEY_BYTES 32
#define CAIRN_VRF_SECRET_KEY_BYTES 32 /* the RFC 8032 seed; the secret scalar is derived from it */
#define CAIRN_VRF_PROOF_BYTES 80
#define CAIRN_VRF_OUTPUT_BYTES 64

/* The same sizes as functions, for bindings that cannot read macros.
 * Since 0.1. */
size_t cairn_vrf_public_key_bytes(void);
size_t cairn_vrf_secret_key_bytes(void);
size_t cairn_vrf_proof_bytes(void);
size_t cairn_vrf_output_bytes(void);

/*
 * Derives the public key Y = x*B from the 32-byte seed sk, exactly as an
 * RFC 8032 Ed25519 public key (the same seed gives the same key in both).
 * Every 32-byte string is a valid seed; generate it with a CSPRNG.
 * Returns CAIRN_OK; CAIRN_ERR_INVALID_ARG for a NULL pointer;
 * CAIRN_ERR_CRYPTO if libsodium fails to initialise. pk untouched on error.
 * Since 0.1.
 */
cairn_status cairn_vrf_public_key(uint8_t pk[32], const uint8_t sk[32]);

/*
 * Computes the proof pi = Gamma || c || s for alpha (RFC 9381 section 5.1).
 * Deterministic: the same (sk, alpha) always gives the same proof. The
 * secret scalar and the nonce are wiped before returning.
 * Returns CAIRN_OK; CAIRN_ERR_INVALID_ARG for a NULL sk or proof, or NULL
 * alpha with alpha_len > 0; CAIRN_ERR_CRYPTO if libsodium fails (never
 * expected); CAIRN_ERR_INTERNAL if hash-to-curve found no point in 256 tries
 * (probability about 2^-256). proof untouched on error.
 * Since 0.1.
 */
cairn_status cairn_vrf_prove(uint8_t proof[80], const uint8_t sk[32],
                             const uint8_t *alpha, size_t alpha_len);

/*
 * Verifies proof for (pk, alpha) (RFC 9381 section 5.3, with
 * ECVRF_validate_key always applied) and on success writes the 64-byte
 * output beta = ECVRF_proof_to_hash(proof).
 * Returns CAIRN_OK; CAIRN_ERR_BAD_PUBLIC_KEY when pk is not the canonical
 * encoding of a curve point or is of small order; CAIRN_ERR_PROOF for any
 * defect of the proof (bad Gamma encoding, small-order Gamma, s >= L, wrong
 * challenge); CAIRN_ERR_INVALID_ARG for NULL pointers; CAIRN_ERR_CRYPTO if
 * libsodium fails to initialise. beta is written only on CAIRN_OK.
 * Since 0.1.
 */
CAIRN_MUST_CHECK cairn_status cairn_vrf_verify(uint8_t beta[64],
                                               const uint8_t pk[32],
                                               const uint8_t proof[80],
                                               const uint8_t *alpha,
                                               size_t alpha_len);

/*
 * beta = ECVRF_proof_to_hash(proof) (RFC 9381 section 5.2) WITHOUT checking
 * the proof against any key or input: use it only on proofs you produced or
 * already verified. It still decodes the proof strictly (canonical on-curve
 * Gamma, not of small order, s < L) and fails with CAIRN_ERR_PROOF
 * otherwise; CAIRN_ERR_INVALID_ARG for NULL pointers. beta is written only
 * on CAIRN_OK.
 * Since 0.1.
 */
CAIRN_MUST_CHECK cairn_status cairn_vrf_proof_to_hash(uint8_t beta[64],
                                                      const uint8_t proof[80]);

/*
 * beta = ECVRF_proof_to_hash(ECVRF_prove(sk, alpha)) without building the
 * proof (about half the cost of cairn_vrf_prove): for a server that needs
 * the output now and the proof only when it answers a query. pk MUST be
 * cairn_vrf_public_key(sk) (it salts hash-to-curve; it is taken from the
 * caller so the fixed-base multiplication is not repeated per call); with
 * another pk the output is that of a different VRF key. Reentrant, no
 * state: safe to call from several threads at once.
 * Returns CAIRN_OK; CAIRN_ERR_INVALID_ARG for NULL pointers;
 * CAIRN_ERR_CRYPTO; CAIRN_ERR_INTERNAL as cairn_vrf_prove. beta is written
 * only on CAIRN_OK.
 * Since 0.3.
 */
cairn_status cairn_vrf_output(uint8_t beta[64], const uint8_t sk[32],
                              const uint8_t pk[32], const uint8_t *alpha,
                              size_t alpha_len);

#ifdef __cplusplus
}
#endif
#endif
