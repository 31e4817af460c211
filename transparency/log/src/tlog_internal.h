/*
 * tlog_internal.h - helpers shared by the files of the tlog component
 * (tlog__ names). Not installed, not part of any public header.
 *
 * Invariants: shift helpers never shift by 64 or more (undefined in C);
 * text validators implement exactly the character rules of the C2SP
 * signed-note spec so the parser and the signer agree.
 */
#ifndef CAIRN_TLOG_INTERNAL_H
#define CAIRN_TLOG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "cairn/tlog_merkle.h"

/* x >> s, 0 when s >= 64. */
static inline uint64_t tlog__shr(uint64_t x, unsigned s)
{
    return s >= 64 ? 0 : x >> s;
}

/* Largest power of two strictly below n (n >= 2). */
uint64_t tlog__split(uint64_t n);

/* RFC 6962 MTH over a list of already-hashed nodes (count >= 1): the nodes
 * play the role of leaf hashes without the leaf prefix. */
void tlog__fold(uint8_t out[CAIRN_TLOG_HASH_LEN], const uint8_t *hashes,
                size_t count);

/* Strict UTF-8 (no overlongs, surrogates, or code points past U+10FFFF). */
bool tlog__utf8_valid(const uint8_t *p, size_t n);

/* A C2SP key name: non-empty, valid UTF-8, no Unicode white space (the
 * Go unicode.IsSpace set), no '+', no control characters. */
bool tlog__name_valid(const uint8_t *p, size_t n);

/* Note text rules: valid UTF-8 and no control character except '\n'. */
bool tlog__note_chars_valid(const uint8_t *p, size_t n);

/* Strict standard base64 (RFC 4648 section 4, padded): also rejects any
 * byte outside the alphabet. */
cairn_status tlog__base64_decode(uint8_t *out, size_t cap, size_t *out_len,
                                 const char *in, size_t in_len);

#endif
