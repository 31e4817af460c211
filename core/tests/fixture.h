/*
 * fixture.h - accounts for protocol tests: in-memory or on-disk, with an
 * identity, and a helper that starts a session A -> B through B's bundle
 * exactly as the relay would serve it.
 */
#ifndef CAIRN_TEST_FIXTURE_H
#define CAIRN_TEST_FIXTURE_H

#include "cairn/cairn.h"
#include "test_support.h"

#define CAIRN_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

typedef struct party {
    cairn_account *acct;
    cairn_address addr;
    char uri[64];
} party;

extern cairn_context *fx_ctx;
extern const uint8_t fx_key[32];

/* path NULL: in memory. */
void fx_party(party *p, const char *uri, uint32_t device, const char *path);
void fx_close(party *p);
/* A fetches B's bundle with one-time pre-key `prekey_id` (0 = none). */
void fx_connect(party *a, party *b, uint32_t prekey_id);
/* Encrypt on `from` and decrypt on `to`, asserting the text survives. */
void fx_roundtrip(party *from, party *to, const char *text);

#endif
