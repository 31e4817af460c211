/*
 * fingerprint.h - safety numbers: the 60-digit number two users compare,
 * and the scannable form a QR code carries. Both sides compute the same
 * number (the halves are ordered canonically).
 */
#ifndef CAIRN_FINGERPRINT_H
#define CAIRN_FINGERPRINT_H

#include "account.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_SAFETY_NUMBER_DIGITS 60
/* Upper bound of the scannable encoding. */
#define CAIRN_SCANNABLE_MAX 256

/* Computes the safety number between this account and user `peer_uri`
 * with identity key `peer_key` (NULL: the stored one).
 * digits: 60 digits + NUL. scannable: caller buffer of CAIRN_SCANNABLE_MAX
 * bytes (may be NULL), *scannable_len receives its length. Since 0.1. */
CAIRN_EXPORT cairn_status cairn_safety_number(cairn_account *acct, const char *peer_uri,
                                              const uint8_t *peer_key,
                                              char digits[CAIRN_SAFETY_NUMBER_DIGITS + 1],
                                              uint8_t *scannable, size_t *scannable_len);

/* Compares a scanned code with our own view: CAIRN_OK if they match,
 * CAIRN_ERR_BAD_KEY if the identities differ, CAIRN_ERR_VERSION or
 * CAIRN_ERR_DECODE if the code is of another version or malformed. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status cairn_safety_number_compare(
    cairn_account *acct, const char *peer_uri, const uint8_t *peer_key, const uint8_t *scanned,
    size_t scanned_len);

#ifdef __cplusplus
}
#endif
#endif
