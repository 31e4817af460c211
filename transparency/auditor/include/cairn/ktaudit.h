/*
 * ktaudit.h - pieces of cairn-audit (the key transparency auditor and
 * C2SP tlog witness, spec/kt-auditor.md) that tests and fuzz targets
 * reach directly: the add-checkpoint request parser, the gossip body
 * parser, and the cosignature encoder.
 *
 * Ownership: parsers point into the caller's input (no allocation); the
 * cosignature line is written into a caller buffer.
 */
#ifndef CAIRN_KTAUDIT_H
#define CAIRN_KTAUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/context.h"
#include "cairn/export.h"
#include "cairn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_KTA_MAX_WITNESS_BODY (64u * 1024u)
#define CAIRN_KTA_MAX_PROOF 63

/* A parsed add-checkpoint body (c2sp-tlog-witness.md): the old size, the
 * consistency proof hashes (decoded), and the checkpoint note (pointer
 * into the body, to the end). */
typedef struct cairn_kta_addcp {
    uint64_t old_size;
    size_t n_proof;
    uint8_t proof[CAIRN_KTA_MAX_PROOF][32];
    const uint8_t *note;
    size_t note_len;
} cairn_kta_addcp;

/* Strict parse: "old <decimal, no leading zeros>\n", 0..63 lines of
 * canonical base64 of 32 bytes, an empty line, then a non-empty note.
 * Errors: CAIRN_ERR_DECODE, CAIRN_ERR_TOO_LARGE (body or proof lines).
 * out is written only on success. */
CAIRN_MUST_CHECK cairn_status cairn_kta_addcp_parse(const uint8_t *body,
                                                    size_t len,
                                                    cairn_kta_addcp *out);

/* A gossiped KT tree head (KT-AUD-API-3). */
typedef struct cairn_kta_head {
    uint64_t tree_size;
    uint64_t timestamp;   /* 0 when absent */
    uint8_t root[32];
    uint8_t signature[64];
} cairn_kta_head;

/* Parses {"tree_size":N,"root_b64":..,"signature_b64":..[,"timestamp":T]}
 * (other members ignored, body at most 64 KiB). Errors: DECODE. */
CAIRN_MUST_CHECK cairn_status cairn_kta_head_parse(const uint8_t *body,
                                                   size_t len,
                                                   cairn_kta_head *out);

/* Verifies the directory's signature on a head: Ed25519 over
 * TreeHeadTBS(config, size, root), config given as its TLS encoding.
 * Errors: BAD_SIGNATURE, DECODE (config). */
CAIRN_MUST_CHECK cairn_status cairn_kta_head_verify(const uint8_t *config,
                                                    size_t config_len,
                                                    const cairn_kta_head *h);

/* The c2sp-tlog-cosignature Ed25519 line for a checkpoint body (text):
 * "— <name> base64(keyid || u64 time || sig)\n" into out (NUL-terminated).
 * Errors: INVALID_ARG, TOO_LARGE (cap). */
cairn_status cairn_kta_cosign(const char *name, const uint8_t sk[64],
                              const uint8_t pk[32], uint64_t time_s,
                              const char *text, size_t text_len, char *out,
                              size_t cap);
/* The verifier key text "<name>+<keyid hex>+base64(0x04 || pk)". */
cairn_status cairn_kta_cosigner_vkey(const char *name, const uint8_t pk[32],
                                     char *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
