/*
 * fingerprint.c - safety numbers via libsignal's fingerprint generator
 * (5200 SHA-512 iterations, scannable format version 1), with the users'
 * URIs as stable identifiers.
 */
#include <string.h>

#include <signal/fingerprint.h>

#include "protocol.h"

#define FP_ITERATIONS 5200
#define FP_SCANNABLE_VERSION 1

static cairn_status make(cairn_account *acct, const char *peer_uri, const uint8_t *peer_key,
                         fingerprint **fp)
{
    uint8_t stored[CAIRN_PUBLIC_KEY_BYTES];
    fingerprint_generator *gen = NULL;
    ec_public_key *local = NULL, *remote = NULL;
    cairn_status rc;
    int r;

    if (!acct->have_identity)
        return CAIRN_ERR_STATE;
    if (peer_key == NULL) {
        rc = cairn_identity_get(acct, peer_uri, stored, NULL);
        if (rc != CAIRN_OK)
            return rc;
        peer_key = stored;
    }
    rc = proto__check_public_key(peer_key, CAIRN_PUBLIC_KEY_BYTES);
    if (rc != CAIRN_OK)
        return rc;
    r = curve_decode_point(&local, acct->identity_pub, CAIRN_PUBLIC_KEY_BYTES, acct->sg);
    if (r == 0)
        r = curve_decode_point(&remote, peer_key, CAIRN_PUBLIC_KEY_BYTES, acct->sg);
    if (r == 0)
        r = fingerprint_generator_create(&gen, FP_ITERATIONS, FP_SCANNABLE_VERSION, acct->sg);
    if (r == 0)
        r = fingerprint_generator_create_for(gen, acct->uri, local, peer_uri, remote, fp);
    fingerprint_generator_free(gen);
    SIGNAL_UNREF(local);
    SIGNAL_UNREF(remote);
    return r < 0 ? proto__map_signal(acct, r) : CAIRN_OK;
}

cairn_status cairn_safety_number(cairn_account *acct, const char *peer_uri,
                                 const uint8_t *peer_key,
                                 char digits[CAIRN_SAFETY_NUMBER_DIGITS + 1], uint8_t *scannable,
                                 size_t *scannable_len)
{
    fingerprint *fp = NULL;
    signal_buffer *ser = NULL;
    const char *text;
    cairn_status rc;

    if (acct == NULL || digits == NULL || proto__check_uri(peer_uri) != CAIRN_OK ||
        (scannable != NULL && scannable_len == NULL))
        return CAIRN_ERR_INVALID_ARG;
    proto__lock(acct);
    rc = make(acct, peer_uri, peer_key, &fp);
    if (rc == CAIRN_OK) {
        text = displayable_fingerprint_text(fingerprint_get_displayable(fp));
        if (text == NULL || strlen(text) != CAIRN_SAFETY_NUMBER_DIGITS)
            rc = CAIRN_ERR_INTERNAL;
        else
            memcpy(digits, text, CAIRN_SAFETY_NUMBER_DIGITS + 1);
    }
    if (rc == CAIRN_OK && scannable != NULL) {
        if (scannable_fingerprint_serialize(&ser, fingerprint_get_scannable(fp)) < 0)
            rc = CAIRN_ERR_NOMEM;
        else if (signal_buffer_len(ser) > CAIRN_SCANNABLE_MAX)
            rc = CAIRN_ERR_TOO_LARGE;
        else {
            memcpy(scannable, signal_buffer_data(ser), signal_buffer_len(ser));
            *scannable_len = signal_buffer_len(ser);
        }
        signal_buffer_free(ser);
    }
    SIGNAL_UNREF(fp);
    proto__unlock(acct);
    return rc;
}

cairn_status cairn_safety_number_compare(cairn_account *acct, const char *peer_uri,
                                         const uint8_t *peer_key, const uint8_t *scanned,
                                         size_t scanned_len)
{
    fingerprint *fp = NULL;
    scannable_fingerprint *other = NULL;
    cairn_status rc;
    int r;

    if (acct == NULL || scanned == NULL || proto__check_uri(peer_uri) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    if (scanned_len == 0 || scanned_len > CAIRN_SCANNABLE_MAX)
        return CAIRN_ERR_DECODE;
    proto__lock(acct);
    rc = make(acct, peer_uri, peer_key, &fp);
    if (rc == CAIRN_OK && scannable_fingerprint_deserialize(&other, scanned, scanned_len,
                                                            acct->sg) < 0)
        rc = CAIRN_ERR_DECODE;
    if (rc == CAIRN_OK) {
        r = scannable_fingerprint_compare(fingerprint_get_scannable(fp), other);
        if (r == 1)
            rc = CAIRN_OK;
        else if (r == SG_ERR_FP_VERSION_MISMATCH)
            rc = CAIRN_ERR_VERSION;
        else if (r == SG_ERR_FP_IDENT_MISMATCH || r == 0)
            rc = CAIRN_ERR_BAD_KEY;
        else
            rc = CAIRN_ERR_DECODE;
    }
    SIGNAL_UNREF(other);
    SIGNAL_UNREF(fp);
    proto__unlock(acct);
    return rc;
}
