/*
 * test_keys.c - identity, pre-key batches and replenishment, signed
 * pre-key rotation, bundle documents (valid and hostile), safety numbers.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static party A, B;

static int setup(void **state)
{
    (void)state;
    fx_party(&A, "sip:alice@example.org", 1, NULL);
    fx_party(&B, "tel:+15550100", 3, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_close(&A);
    fx_close(&B);
    return 0;
}

/* CORE-KEYS-1: identity is created once and read back. */
static void identity_once(void **state)
{
    char uri[64];
    uint32_t dev, regid;
    uint8_t key[33];
    cairn_account *fresh;
    (void)state;
    assert_int_equal(cairn_account_identity(A.acct, uri, sizeof(uri), &dev, key, &regid), CAIRN_OK);
    assert_string_equal(uri, "sip:alice@example.org");
    assert_int_equal(dev, 1);
    assert_int_equal(key[0], 0x05);
    assert_true(regid >= 1 && regid <= 16380);
    assert_int_equal(cairn_account_identity(A.acct, uri, 5, NULL, NULL, NULL), CAIRN_ERR_TOO_LARGE);
    assert_int_equal(cairn_account_create_identity(A.acct, "sip:alice@example.org", 1),
                     CAIRN_ERR_EXISTS);
    assert_int_equal(cairn_account_open(fx_ctx, NULL, fx_key, NULL, &fresh), CAIRN_OK);
    assert_int_equal(cairn_account_identity(fresh, NULL, 0, NULL, NULL, NULL), CAIRN_ERR_NOT_FOUND);
    assert_int_equal(cairn_prekeys_replenish(fresh, NULL), CAIRN_ERR_STATE);
    assert_int_equal(cairn_account_create_identity(fresh, "mailto:x@y", 1), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_account_create_identity(fresh, "sip:a|b@y", 1), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_account_create_identity(fresh, "sip:x@y", 0), CAIRN_ERR_INVALID_ARG);
    cairn_account_close(fresh);
    assert_int_equal(cairn_storage_key_bytes(), CAIRN_STORAGE_KEY_BYTES);
    assert_int_equal(cairn_public_key_bytes(), CAIRN_PUBLIC_KEY_BYTES);
}

/* CORE-KEYS-2: one-time pre-keys come in batches of 100, replenished
 * below 10, with fresh ids. */
static void prekeys_replenish_below_ten(void **state)
{
    unsigned n, made;
    (void)state;
    assert_int_equal(cairn_prekeys_count(B.acct, &n), CAIRN_OK);
    assert_int_equal(n, 100);
    assert_int_equal(cairn_prekeys_replenish(B.acct, &made), CAIRN_OK);
    assert_int_equal(made, 0);
    for (uint32_t id = 1; id <= 91; id++) {
        party peer;
        char uri[64];
        snprintf(uri, sizeof(uri), "sip:peer%u@example.org", id);
        fx_party(&peer, uri, 1, NULL);
        fx_connect(&peer, &B, id);
        fx_roundtrip(&peer, &B, "hi"); /* consumes pre-key `id` */
        fx_close(&peer);
    }
    assert_int_equal(cairn_prekeys_count(B.acct, &n), CAIRN_OK);
    assert_int_equal(n, 9);
    assert_int_equal(cairn_prekeys_replenish(B.acct, &made), CAIRN_OK);
    assert_int_equal(made, 100);
    assert_int_equal(cairn_prekeys_count(B.acct, &n), CAIRN_OK);
    assert_int_equal(n, 109);
    {
        /* the new batch continues the id sequence */
        char *json;
        size_t len;
        assert_int_equal(cairn_bundle_for_peer(B.acct, 200, &json, &len), CAIRN_OK);
        cairn_free(fx_ctx, json, len);
        assert_int_equal(cairn_bundle_for_peer(B.acct, 201, &json, &len), CAIRN_ERR_NOT_FOUND);
        assert_int_equal(cairn_bundle_for_peer(B.acct, 50, &json, &len), CAIRN_ERR_NOT_FOUND);
    }
}

/* CORE-KEYS-3: signed pre-key rotation keeps the previous key working. */
static void signed_prekey_rotation(void **state)
{
    int rotated;
    char *old_bundle, *json;
    size_t old_len, len;
    party C;
    (void)state;
    assert_int_equal(cairn_signed_prekey_rotate(B.acct, CAIRN_SIGNED_PREKEY_MAX_AGE_MS, &rotated),
                     CAIRN_OK);
    assert_int_equal(rotated, 0);
    assert_int_equal(cairn_bundle_for_peer(B.acct, 1, &old_bundle, &old_len), CAIRN_OK);
    assert_int_equal(cairn_signed_prekey_rotate(B.acct, 0, &rotated), CAIRN_OK);
    assert_int_equal(rotated, 1);
    assert_int_equal(cairn_bundle_for_peer(B.acct, 2, &json, &len), CAIRN_OK);
    assert_null(strstr(json, "\"signed_prekey\":{\"id\":1,"));
    /* a peer that fetched the old bundle before the rotation still gets in */
    assert_int_equal(cairn_bundle_process(A.acct, &B.addr, old_bundle, old_len), CAIRN_OK);
    fx_roundtrip(&A, &B, "with the previous signed pre-key");
    /* two rotations later the oldest key is gone */
    assert_int_equal(cairn_signed_prekey_rotate(B.acct, 0, &rotated), CAIRN_OK);
    fx_party(&C, "sip:carol@example.org", 1, NULL);
    assert_int_equal(cairn_bundle_process(C.acct, &B.addr, old_bundle, old_len), CAIRN_OK);
    {
        cairn_ciphertext ct;
        cairn_plaintext pt;
        assert_int_equal(cairn_session_encrypt(C.acct, &B.addr, (const uint8_t *)"x", 1, &ct),
                         CAIRN_OK);
        assert_int_equal(cairn_session_decrypt(B.acct, &C.addr, ct.type, ct.data, ct.len, NULL,
                                               &pt), CAIRN_ERR_NO_SESSION);
        cairn_ciphertext_clear(C.acct, &ct);
    }
    fx_close(&C);
    cairn_free(fx_ctx, old_bundle, old_len);
    cairn_free(fx_ctx, json, len);
}

/* CORE-KEYS-4: the upload document lists identity, signed pre-key and all
 * one-time pre-keys (spec/prekey-bundle.md). */
static void export_document(void **state)
{
    char *json;
    size_t len;
    json_t *doc, *pks;
    (void)state;
    assert_int_equal(cairn_bundle_export(B.acct, &json, &len), CAIRN_OK);
    doc = json_loadb(json, len, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "v")), "cairn-keys/1");
    assert_string_equal(json_string_value(json_object_get(doc, "uri")), "tel:+15550100");
    assert_int_equal(json_integer_value(json_object_get(doc, "device")), 3);
    assert_int_equal(strlen(json_string_value(json_object_get(doc, "identity_key"))), 44);
    assert_non_null(json_object_get(json_object_get(doc, "signed_prekey"), "signature"));
    pks = json_object_get(doc, "prekeys");
    assert_int_equal(json_array_size(pks), 100);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(pks, 0), "id")), 1);
    json_decref(doc);
    cairn_free(fx_ctx, json, len);
}

static char *mutate(const char *json, const char *from, const char *to)
{
    const char *at = strstr(json, from);
    char *out;
    assert_non_null(at);
    out = malloc(strlen(json) + strlen(to) + 1);
    memcpy(out, json, (size_t)(at - json));
    strcpy(out + (at - json), to);
    strcat(out, at + strlen(from));
    return out;
}

/* CORE-KEYS-5: hostile bundles are refused and start no session. */
static void hostile_bundles(void **state)
{
    char *json, *bad;
    size_t len;
    json_t *doc;
    char key_b64[64];
    (void)state;
    assert_int_equal(cairn_bundle_for_peer(B.acct, 1, &json, &len), CAIRN_OK);
    doc = json_loadb(json, len, 0, NULL);
    snprintf(key_b64, sizeof(key_b64), "%s",
             json_string_value(json_object_get(json_object_get(doc, "signed_prekey"), "public")));
    json_decref(doc);
    /* low-order signed pre-key: 0x05 || 0^32 */
    bad = mutate(json, key_b64, "BQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    assert_int_equal(cairn_bundle_process(A.acct, &B.addr, bad, strlen(bad)),
                     CAIRN_ERR_BAD_PUBLIC_KEY);
    free(bad);
    /* a valid point that is not the signed one: signature check fails */
    {
        char *other;
        size_t olen;
        json_t *od;
        party X;
        fx_party(&X, "tel:+15550100", 3, NULL);
        assert_int_equal(cairn_bundle_for_peer(X.acct, 1, &other, &olen), CAIRN_OK);
        od = json_loadb(other, olen, 0, NULL);
        bad = mutate(json, key_b64,
                     json_string_value(json_object_get(json_object_get(od, "signed_prekey"), "public")));
        assert_int_equal(cairn_bundle_process(A.acct, &B.addr, bad, strlen(bad)),
                         CAIRN_ERR_BAD_SIGNATURE);
        free(bad);
        json_decref(od);
        cairn_free(fx_ctx, other, olen);
        fx_close(&X);
    }
    /* wrong uri, wrong device, wrong version, truncations, junk */
    bad = mutate(json, "tel:+15550100", "tel:+15550199");
    assert_int_equal(cairn_bundle_process(A.acct, &B.addr, bad, strlen(bad)), CAIRN_ERR_DECODE);
    free(bad);
    bad = mutate(json, "\"device\":3", "\"device\":4");
    assert_int_equal(cairn_bundle_process(A.acct, &B.addr, bad, strlen(bad)), CAIRN_ERR_DECODE);
    free(bad);
    bad = mutate(json, "cairn-bundle/1", "cairn-bundle/9");
    assert_int_equal(cairn_bundle_process(A.acct, &B.addr, bad, strlen(bad)), CAIRN_ERR_VERSION);
    free(bad);
    bad = mutate(json, "\"device\":3", "\"device\":-3");
    assert_int_equal(cairn_bundle_process(A.acct, &B.addr, bad, strlen(bad)), CAIRN_ERR_DECODE);
    free(bad);
    for (size_t cut = 0; cut < len; cut += 7)
        assert_int_not_equal(cairn_bundle_process(A.acct, &B.addr, json, cut), CAIRN_OK);
    {
        char *huge = malloc(CAIRN_BUNDLE_MAX_BYTES + 2);
        memset(huge, ' ', CAIRN_BUNDLE_MAX_BYTES + 1);
        huge[CAIRN_BUNDLE_MAX_BYTES + 1] = 0;
        assert_int_equal(cairn_bundle_process(A.acct, &B.addr, huge, CAIRN_BUNDLE_MAX_BYTES + 1),
                         CAIRN_ERR_TOO_LARGE);
        free(huge);
    }
    assert_int_equal(cairn_bundle_process(A.acct, &B.addr, "[1,2]", 5), CAIRN_ERR_DECODE);
    assert_int_equal(cairn_bundle_process(A.acct, &B.addr, "{\"v\":\"cairn-bundle/1\",\"v\":1}", 28),
                     CAIRN_ERR_DECODE);
    assert_false(cairn_session_exists(A.acct, &B.addr));
    /* the genuine document still works */
    assert_int_equal(cairn_bundle_process(A.acct, &B.addr, json, len), CAIRN_OK);
    cairn_free(fx_ctx, json, len);
}

/* CORE-KEYS-6: both sides compute the same 60-digit safety number; the
 * scannable code matches on the other side and not for another key. */
static void safety_numbers(void **state)
{
    char da[61], db[61], dx[61];
    uint8_t sa[CAIRN_SCANNABLE_MAX], sb[CAIRN_SCANNABLE_MAX];
    size_t la, lb;
    uint8_t ka[33], kb[33];
    party X;
    (void)state;
    fx_connect(&A, &B, 1);
    fx_roundtrip(&A, &B, "hi");
    assert_int_equal(cairn_account_identity(A.acct, NULL, 0, NULL, ka, NULL), CAIRN_OK);
    assert_int_equal(cairn_account_identity(B.acct, NULL, 0, NULL, kb, NULL), CAIRN_OK);
    assert_int_equal(cairn_safety_number(A.acct, B.uri, NULL, da, sa, &la), CAIRN_OK);
    assert_int_equal(cairn_safety_number(B.acct, A.uri, ka, db, sb, &lb), CAIRN_OK);
    assert_int_equal(strlen(da), 60);
    for (int i = 0; i < 60; i++)
        assert_true(da[i] >= '0' && da[i] <= '9');
    assert_string_equal(da, db);
    assert_int_equal(cairn_safety_number_compare(A.acct, B.uri, NULL, sb, lb), CAIRN_OK);
    assert_int_equal(cairn_safety_number_compare(B.acct, A.uri, ka, sa, la), CAIRN_OK);
    fx_party(&X, "sip:x@example.org", 1, NULL);
    {
        uint8_t kx[33];
        assert_int_equal(cairn_account_identity(X.acct, NULL, 0, NULL, kx, NULL), CAIRN_OK);
        assert_int_equal(cairn_safety_number(A.acct, B.uri, kx, dx, NULL, NULL), CAIRN_OK);
        assert_string_not_equal(dx, da);
        assert_int_equal(cairn_safety_number_compare(A.acct, B.uri, kx, sb, lb), CAIRN_ERR_BAD_KEY);
    }
    fx_close(&X);
    sb[lb / 2] ^= 0xff;
    assert_int_not_equal(cairn_safety_number_compare(A.acct, B.uri, NULL, sb, lb), CAIRN_OK);
    assert_int_equal(cairn_safety_number_compare(A.acct, B.uri, NULL, sb, 0), CAIRN_ERR_DECODE);
    assert_int_equal(cairn_safety_number(A.acct, "sip:nobody@example.org", NULL, dx, NULL, NULL),
                     CAIRN_ERR_NOT_FOUND);
    /* marking verified, cleared by a key change */
    {
        int v;
        assert_int_equal(cairn_identity_set_verified(A.acct, B.uri, 1), CAIRN_OK);
        assert_int_equal(cairn_identity_get(A.acct, B.uri, NULL, &v), CAIRN_OK);
        assert_int_equal(v, 1);
        assert_int_equal(cairn_identity_accept(A.acct, B.uri, ka), CAIRN_OK);
        assert_int_equal(cairn_identity_get(A.acct, B.uri, NULL, &v), CAIRN_OK);
        assert_int_equal(v, 0);
        assert_int_equal(cairn_identity_set_verified(A.acct, "sip:no@example.org", 1),
                         CAIRN_ERR_NOT_FOUND);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(identity_once, setup, teardown),
        cmocka_unit_test_setup_teardown(prekeys_replenish_below_ten, setup, teardown),
        cmocka_unit_test_setup_teardown(signed_prekey_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(export_document, setup, teardown),
        cmocka_unit_test_setup_teardown(hostile_bundles, setup, teardown),
        cmocka_unit_test_setup_teardown(safety_numbers, setup, teardown),
    };
    int rc;
    fx_ctx = cts_context();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    cairn_context_destroy(fx_ctx);
    return rc;
}
