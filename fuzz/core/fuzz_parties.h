/*
 * fuzz_parties.h - two in-memory accounts with sessions both ways and a
 * shared group, made once per fuzzing process, so each input exercises the
 * decode paths of a live session rather than only "no session".
 */
#ifndef CAIRN_FUZZ_PARTIES_H
#define CAIRN_FUZZ_PARTIES_H

#include <stdlib.h>
#include <string.h>

#include "cairn/cairn.h"

static cairn_context *fz_ctx;
static cairn_account *fz_alice, *fz_bob;
static const cairn_address fz_a = {"sip:alice@fuzz", 1}, fz_b = {"sip:bob@fuzz", 1};

static void fz_must(cairn_status rc)
{
    if (rc != CAIRN_OK)
        abort(); /* set-up only: the code under test never reaches here */
}

static void fz_roundtrip(cairn_account *from, const cairn_address *to, cairn_account *rcpt,
                         const cairn_address *sender)
{
    cairn_ciphertext ct;
    cairn_plaintext pt;
    fz_must(cairn_session_encrypt(from, to, (const uint8_t *)"seed", 4, &ct));
    fz_must(cairn_session_decrypt(rcpt, sender, ct.type, ct.data, ct.len, NULL, &pt));
    cairn_plaintext_clear(rcpt, &pt);
    cairn_ciphertext_clear(from, &ct);
}

static void fz_setup(void)
{
    static const uint8_t key[32] = {9};
    char *json;
    size_t len;
    cairn_outbox box;
    cairn_context_config cfg;
    if (fz_ctx != NULL)
        return;
    cairn_context_config_init(&cfg);
    cfg.log_level = CAIRN_LOG_ERROR;
    fz_must(cairn_context_create(&cfg, &fz_ctx));
    fz_must(cairn_account_open(fz_ctx, NULL, key, NULL, &fz_alice));
    fz_must(cairn_account_open(fz_ctx, NULL, key, NULL, &fz_bob));
    fz_must(cairn_account_create_identity(fz_alice, fz_a.uri, 1));
    fz_must(cairn_account_create_identity(fz_bob, fz_b.uri, 1));
    fz_must(cairn_bundle_for_peer(fz_bob, 1, &json, &len));
    fz_must(cairn_bundle_process(fz_alice, &fz_b, json, len));
    cairn_free(fz_ctx, json, len);
    fz_roundtrip(fz_alice, &fz_b, fz_bob, &fz_a);
    fz_roundtrip(fz_bob, &fz_a, fz_alice, &fz_b);
    fz_must(cairn_group_join(fz_bob, "g", &fz_a, 1));
    fz_must(cairn_group_create(fz_alice, "g", &fz_b, 1, &box));
    fz_must(cairn_group_receive_distribution(fz_bob, "g", &fz_a, box.items[0].ct.type,
                                             box.items[0].ct.data, box.items[0].ct.len));
    cairn_outbox_free(fz_alice, &box);
}

#endif
