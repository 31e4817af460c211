/*
 * digest_hash.h - the one internal hashing entry point of the digest code.
 * Exactly one backend file implements it: digest_hash_openssl.c (EVP) or
 * digest_hash_mbedtls.c (md API), chosen by CAIRN_CRYPTO at configure time.
 */
#ifndef CAIRN_SIP_DIGEST_HASH_H
#define CAIRN_SIP_DIGEST_HASH_H

#include "cairn/sip_addr.h"
#include "cairn/sip_digest.h"

#define SIP__HASH_MAX 32

/* Hashes the concatenation of parts[0..n) with alg into out; *out_len is
 * 16 (MD5) or 32 (SHA-256). CAIRN_ERR_INVALID_ARG for an unknown alg,
 * CAIRN_ERR_CRYPTO when the provider fails. */
cairn_status sip__hash(cairn_sip_digest_alg alg, const cairn_sip_str *parts, size_t n,
                       uint8_t out[SIP__HASH_MAX], size_t *out_len);

#endif
