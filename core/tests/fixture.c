/*
 * fixture.c - see fixture.h.
 */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

cairn_context *fx_ctx;
const uint8_t fx_key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                            17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

void fx_party(party *p, const char *uri, uint32_t device, const char *path)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->uri, sizeof(p->uri), "%s", uri);
    p->addr.uri = p->uri;
    p->addr.device = device;
    assert_int_equal(cairn_account_open(fx_ctx, path, fx_key, NULL, &p->acct), CAIRN_OK);
    if (cairn_account_identity(p->acct, NULL, 0, NULL, NULL, NULL) == CAIRN_ERR_NOT_FOUND)
        assert_int_equal(cairn_account_create_identity(p->acct, uri, device), CAIRN_OK);
}

void fx_close(party *p)
{
    cairn_account_close(p->acct);
    p->acct = NULL;
}

void fx_connect(party *a, party *b, uint32_t prekey_id)
{
    char *json = NULL;
    size_t len = 0;
    assert_int_equal(cairn_bundle_for_peer(b->acct, prekey_id, &json, &len), CAIRN_OK);
    assert_int_equal(cairn_bundle_process(a->acct, &b->addr, json, len), CAIRN_OK);
    cairn_free(fx_ctx, json, len);
}

void fx_roundtrip(party *from, party *to, const char *text)
{
    cairn_ciphertext ct;
    cairn_plaintext pt;
    assert_int_equal(cairn_session_encrypt(from->acct, &to->addr, (const uint8_t *)text,
                                           strlen(text), &ct), CAIRN_OK);
    assert_int_equal(cairn_session_decrypt(to->acct, &from->addr, ct.type, ct.data, ct.len, NULL,
                                           &pt), CAIRN_OK);
    assert_int_equal(pt.len, strlen(text));
    assert_memory_equal(pt.body, text, pt.len);
    cairn_plaintext_clear(to->acct, &pt);
    cairn_ciphertext_clear(from->acct, &ct);
}
