/*
 * note_internal.h - layouts of the note key handles, shared by the key
 * parser (note_key.c) and the signer/verifier of notes (note.c).
 *
 * Invariants: name is NUL-terminated, passes tlog__name_valid and is at
 * most CAIRN_NOTE_MAX_NAME bytes; id equals cairn_note_key_id(name, 0x01,
 * pk); sk is the libsodium 64-byte secret key (seed || pk) and is wiped on
 * destroy.
 */
#ifndef CAIRN_NOTE_INTERNAL_H
#define CAIRN_NOTE_INTERNAL_H

#include <sodium.h>

#include "cairn/note.h"
#include "tlog_internal.h"

struct cairn_note_signer {
    const cairn_context *ctx;
    char *name;
    size_t name_len;
    uint32_t id;
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
};

struct cairn_note_verifier {
    const cairn_context *ctx;
    char *name;
    size_t name_len;
    uint32_t id;
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
};

#endif
