/*
 * test_session.c - 1:1 sessions through the public API, two and three
 * parties: the guarantees of cairn/session.h (spec/core-sessions.md,
 * CORE-SESS-*) each get a test that fails if the guarantee is broken.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static party A, B, C;

static int setup(void **state)
{
    (void)state;
    fx_party(&A, "sip:alice@example.org", 1, NULL);
    fx_party(&B, "sip:bob@example.org", 1, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fx_close(&A);
    fx_close(&B);
    fx_close(&C);
    return 0;
}

static void enc(party *from, party *to, const char *text, cairn_ciphertext *ct)
{
    assert_int_equal(cairn_session_encrypt(from->acct, &to->addr, (const uint8_t *)text,
                                           strlen(text), ct), CAIRN_OK);
}

static void dec_ok(party *to, party *from, cairn_ciphertext *ct, const char *want)
{
    cairn_plaintext pt;
    assert_int_equal(cairn_session_decrypt(to->acct, &from->addr, ct->type, ct->data, ct->len,
                                           NULL, &pt), CAIRN_OK);
    assert_int_equal(pt.len, strlen(want));
    assert_memory_equal(pt.body, want, pt.len);
    cairn_plaintext_clear(to->acct, &pt);
}

/* CORE-SESS-1: X3DH from a bundle, then both directions. */
static void first_exchange_both_ways(void **state)
{
    cairn_ciphertext ct;
    unsigned before, after;
    (void)state;
    assert_int_equal(cairn_prekeys_count(B.acct, &before), CAIRN_OK);
    assert_int_equal(before, CAIRN_PREKEY_BATCH);
    fx_connect(&A, &B, 7);
    assert_true(cairn_session_exists(A.acct, &B.addr));
    enc(&A, &B, "hello bob", &ct);
    assert_int_equal(ct.type, CAIRN_MSG_PREKEY);
    dec_ok(&B, &A, &ct, "hello bob");
    cairn_ciphertext_clear(A.acct, &ct);
    /* the one-time pre-key was consumed */
    assert_int_equal(cairn_prekeys_count(B.acct, &after), CAIRN_OK);
    assert_int_equal(after, before - 1);
    fx_roundtrip(&B, &A, "hi alice");
    enc(&A, &B, "after the reply", &ct);
    assert_int_equal(ct.type, CAIRN_MSG_NORMAL);
    dec_ok(&B, &A, &ct, "after the reply");
    cairn_ciphertext_clear(A.acct, &ct);
}

/* CORE-SESS-2: padding to 160-byte buckets hides the length. */
static void padding_hides_length(void **state)
{
    cairn_ciphertext c1, c2, c3;
    char big[200];
    (void)state;
    fx_connect(&A, &B, 1);
    fx_roundtrip(&A, &B, "x");
    fx_roundtrip(&B, &A, "y");
    enc(&A, &B, "a", &c1);
    enc(&A, &B, "a much longer message that still fits in one bucket of 160 bytes", &c2);
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    enc(&A, &B, big, &c3);
    assert_int_equal(c1.len, c2.len);
    assert_true(c3.len >= c1.len + CAIRN_PAD_BUCKET);
    dec_ok(&B, &A, &c1, "a");
    dec_ok(&B, &A, &c2, "a much longer message that still fits in one bucket of 160 bytes");
    dec_ok(&B, &A, &c3, big);
    cairn_ciphertext_clear(A.acct, &c1);
    cairn_ciphertext_clear(A.acct, &c2);
    cairn_ciphertext_clear(A.acct, &c3);
    /* empty messages are allowed and padded too */
    fx_roundtrip(&A, &B, "");
}

/* CORE-SESS-3: out-of-order and lost messages. */
static void out_of_order_and_loss(void **state)
{
    cairn_ciphertext ct[10];
    char text[10][16];
    int order[] = {3, 0, 9, 1, 8, 2};
    (void)state;
    fx_connect(&A, &B, 2);
    fx_roundtrip(&A, &B, "start");
    fx_roundtrip(&B, &A, "ack");
    for (int i = 0; i < 10; i++) {
        snprintf(text[i], sizeof(text[i]), "msg %d", i);
        enc(&A, &B, text[i], &ct[i]);
    }
    for (size_t i = 0; i < CAIRN_ARRAY_LEN(order); i++)
        dec_ok(&B, &A, &ct[order[i]], text[order[i]]);
    /* 4..7 are lost; the session keeps working both ways */
    fx_roundtrip(&B, &A, "still here");
    fx_roundtrip(&A, &B, "me too");
    /* a late one still decrypts: its key was kept */
    dec_ok(&B, &A, &ct[5], text[5]);
    for (int i = 0; i < 10; i++)
        cairn_ciphertext_clear(A.acct, &ct[i]);
}

/* CORE-SESS-4: a duplicate is refused with its own code and changes nothing. */
static void duplicates_are_refused(void **state)
{
    cairn_ciphertext c1, c2;
    cairn_plaintext pt;
    cairn_message_meta meta = {NULL, "transport-id-1", 1234};
    (void)state;
    fx_connect(&A, &B, 3);
    enc(&A, &B, "once", &c1);
    dec_ok(&B, &A, &c1, "once");
    assert_int_equal(cairn_session_decrypt(B.acct, &A.addr, c1.type, c1.data, c1.len, NULL, &pt),
                     CAIRN_ERR_DUPLICATE);
    fx_roundtrip(&B, &A, "reply");
    enc(&A, &B, "twice", &c2);
    assert_int_equal(cairn_session_decrypt(B.acct, &A.addr, c2.type, c2.data, c2.len, &meta, &pt),
                     CAIRN_OK);
    cairn_plaintext_clear(B.acct, &pt);
    /* the same transport id again, even as different bytes, is a duplicate */
    assert_int_equal(cairn_session_decrypt(B.acct, &A.addr, c2.type, c2.data, c2.len, &meta, &pt),
                     CAIRN_ERR_DUPLICATE);
    /* and the replayed first message is still a duplicate after ratchet turns */
    assert_int_equal(cairn_session_decrypt(B.acct, &A.addr, c1.type, c1.data, c1.len, NULL, &pt),
                     CAIRN_ERR_DUPLICATE);
    fx_roundtrip(&A, &B, "still fine");
    cairn_ciphertext_clear(A.acct, &c1);
    cairn_ciphertext_clear(A.acct, &c2);
}

/* CORE-SESS-5: 1,000 messages each way with ratchet turns. */
static void thousand_each_way(void **state)
{
    char text[64];
    (void)state;
    fx_connect(&A, &B, 4);
    for (int i = 0; i < 1000; i++) {
        snprintf(text, sizeof(text), "a->b %d", i);
        fx_roundtrip(&A, &B, text);
        snprintf(text, sizeof(text), "b->a %d", i);
        fx_roundtrip(&B, &A, text);
        if (i % 97 == 0) { /* bursts on one chain, too */
            for (int j = 0; j < 5; j++) {
                snprintf(text, sizeof(text), "burst %d.%d", i, j);
                fx_roundtrip(&A, &B, text);
            }
        }
    }
}

/* CORE-SESS-6: forged messages leave no trace: no identity saved, no
 * pre-key consumed, no message stored, and the real one still decrypts. */
static void forgery_leaves_no_trace(void **state)
{
    cairn_ciphertext ct;
    cairn_plaintext pt;
    uint8_t key[CAIRN_PUBLIC_KEY_BYTES];
    unsigned before, after;
    uint8_t *forged;
    (void)state;
    fx_connect(&A, &B, 5);
    enc(&A, &B, "genuine", &ct);
    assert_int_equal(cairn_prekeys_count(B.acct, &before), CAIRN_OK);
    /* Mallory puts her identity key where Alice's is: libsignal saves it
     * before it finds that the MAC does not match. */
    {
        party M;
        uint8_t ak[33], mk[33];
        size_t i;
        fx_party(&M, "sip:mallory@example.org", 1, NULL);
        assert_int_equal(cairn_account_identity(A.acct, NULL, 0, NULL, ak, NULL), CAIRN_OK);
        assert_int_equal(cairn_account_identity(M.acct, NULL, 0, NULL, mk, NULL), CAIRN_OK);
        fx_close(&M);
        forged = malloc(ct.len);
        memcpy(forged, ct.data, ct.len);
        for (i = 0; i + 33 <= ct.len; i++)
            if (memcmp(forged + i, ak, 33) == 0)
                break;
        assert_true(i + 33 <= ct.len);
        memcpy(forged + i, mk, 33);
    }
    assert_int_equal(cairn_session_decrypt(B.acct, &A.addr, ct.type, forged, ct.len, NULL, &pt),
                     CAIRN_ERR_INVALID_MESSAGE);
    assert_int_equal(cairn_identity_get(B.acct, A.uri, key, NULL), CAIRN_ERR_NOT_FOUND);
    assert_int_equal(cairn_prekeys_count(B.acct, &after), CAIRN_OK);
    assert_int_equal(after, before);
    assert_false(cairn_session_exists(B.acct, &A.addr));
    free(forged);
    dec_ok(&B, &A, &ct, "genuine");
    assert_int_equal(cairn_identity_get(B.acct, A.uri, key, NULL), CAIRN_OK);
    cairn_ciphertext_clear(A.acct, &ct);
}

/* Well-known Curve25519 points of small order (and non-canonical forms). */
static const char *const LOW_ORDER[] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

static void hex32(uint8_t *out, const char *hex)
{
    for (int i = 0; i < 32; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

/* CORE-SESS-7: low-order and malformed ratchet keys never reach libsignal. */
static void low_order_keys_rejected(void **state)
{
    cairn_ciphertext ct;
    cairn_plaintext pt;
    (void)state;
    fx_connect(&A, &B, 6);
    fx_roundtrip(&A, &B, "one");
    fx_roundtrip(&B, &A, "two");
    enc(&A, &B, "three", &ct);
    assert_int_equal(ct.type, CAIRN_MSG_NORMAL);
    /* SignalMessage: version byte, then field 1 (0x0a, len 0x21, 0x05 || key) */
    assert_int_equal(ct.data[1], 0x0a);
    assert_int_equal(ct.data[2], 0x21);
    for (size_t i = 0; i < CAIRN_ARRAY_LEN(LOW_ORDER); i++) {
        uint8_t *bad = malloc(ct.len);
        memcpy(bad, ct.data, ct.len);
        hex32(bad + 4, LOW_ORDER[i]);
        assert_int_equal(cairn_session_decrypt(B.acct, &A.addr, ct.type, bad, ct.len, NULL, &pt),
                         CAIRN_ERR_BAD_PUBLIC_KEY);
        free(bad);
    }
    {
        uint8_t *bad = malloc(ct.len);
        memcpy(bad, ct.data, ct.len);
        bad[4 + 31] |= 0x80;
        assert_int_equal(cairn_session_decrypt(B.acct, &A.addr, ct.type, bad, ct.len, NULL, &pt),
                         CAIRN_ERR_BAD_PUBLIC_KEY);
        free(bad);
    }
    dec_ok(&B, &A, &ct, "three");
    cairn_ciphertext_clear(A.acct, &ct);
}

/* CORE-SESS-8: an identity change is reported and needs explicit acceptance. */
static void identity_change_needs_acceptance(void **state)
{
    cairn_ciphertext ct;
    cairn_plaintext pt;
    uint8_t old_key[33], new_key[33], stored[33];
    party B2;
    (void)state;
    fx_connect(&A, &B, 8);
    fx_roundtrip(&A, &B, "before");
    fx_roundtrip(&B, &A, "before reply");
    assert_int_equal(cairn_identity_get(A.acct, B.uri, old_key, NULL), CAIRN_OK);
    /* bob reinstalls: same address, new identity */
    fx_party(&B2, "sip:bob@example.org", 1, NULL);
    assert_int_equal(cairn_account_identity(B2.acct, NULL, 0, NULL, new_key, NULL), CAIRN_OK);
    assert_memory_not_equal(old_key, new_key, 33);
    /* A bundle with the new key is refused ... */
    {
        char *json;
        size_t len;
        assert_int_equal(cairn_bundle_for_peer(B2.acct, 1, &json, &len), CAIRN_OK);
        assert_int_equal(cairn_bundle_process(A.acct, &B2.addr, json, len),
                         CAIRN_ERR_IDENTITY_CHANGED);
        cairn_free(fx_ctx, json, len);
    }
    /* ... and so is a message from the new identity, reporting the key. */
    fx_connect(&B2, &A, 9);
    enc(&B2, &A, "new me", &ct);
    memset(&pt, 0, sizeof(pt));
    assert_int_equal(cairn_session_decrypt(A.acct, &B2.addr, ct.type, ct.data, ct.len, NULL, &pt),
                     CAIRN_ERR_IDENTITY_CHANGED);
    assert_true(pt.has_new_identity);
    assert_memory_equal(pt.new_identity, new_key, 33);
    assert_int_equal(cairn_identity_get(A.acct, B.uri, stored, NULL), CAIRN_OK);
    assert_memory_equal(stored, old_key, 33);
    /* Only after explicit acceptance does it go through. */
    assert_int_equal(cairn_identity_accept(A.acct, B.uri, new_key), CAIRN_OK);
    dec_ok(&A, &B2, &ct, "new me");
    fx_roundtrip(&A, &B2, "welcome back");
    cairn_ciphertext_clear(B2.acct, &ct);
    fx_close(&B2);
}

/* CORE-SESS-9: session reset: delete, fetch a new bundle, carry on. */
static void session_reset(void **state)
{
    (void)state;
    fx_connect(&A, &B, 10);
    fx_roundtrip(&A, &B, "one");
    fx_roundtrip(&B, &A, "two");
    assert_int_equal(cairn_session_delete(A.acct, &B.addr), CAIRN_OK);
    assert_false(cairn_session_exists(A.acct, &B.addr));
    {
        cairn_ciphertext ct;
        assert_int_equal(cairn_session_encrypt(A.acct, &B.addr, (const uint8_t *)"x", 1, &ct),
                         CAIRN_ERR_NO_SESSION);
    }
    fx_connect(&A, &B, 11);
    fx_roundtrip(&A, &B, "fresh start");
    fx_roundtrip(&B, &A, "fine by me");
}

/* CORE-SESS-10: three parties, messages stored and readable afterwards. */
static void three_parties_and_storage(void **state)
{
    cairn_ciphertext ct;
    cairn_plaintext pt;
    uint8_t *body;
    size_t len;
    char sender[64];
    cairn_message_meta meta = {NULL, "id-77", 99};
    (void)state;
    fx_party(&C, "sip:carol@example.org", 2, NULL);
    fx_connect(&A, &B, 12);
    fx_connect(&A, &C, 1);
    fx_connect(&C, &B, 13);
    fx_roundtrip(&A, &C, "hi carol");
    fx_roundtrip(&C, &B, "hi bob, carol here");
    enc(&A, &B, "stored", &ct);
    assert_int_equal(cairn_session_decrypt(B.acct, &A.addr, ct.type, ct.data, ct.len, &meta, &pt),
                     CAIRN_OK);
    assert_string_equal(pt.msg_id, "id-77");
    cairn_plaintext_clear(B.acct, &pt);
    assert_int_equal(cairn_message_get(B.acct, A.uri, "id-77", &body, &len, sender, sizeof(sender)),
                     CAIRN_OK);
    assert_int_equal(len, 6);
    assert_memory_equal(body, "stored", 6);
    assert_string_equal(sender, A.uri);
    cairn_free(fx_ctx, body, len);
    assert_int_equal(cairn_message_get(B.acct, A.uri, "nope", &body, &len, NULL, 0),
                     CAIRN_ERR_NOT_FOUND);
    cairn_ciphertext_clear(A.acct, &ct);
}

/* CORE-SESS-11: hostile bytes to every decode path: an error, never a crash. */
static void hostile_input(void **state)
{
    cairn_ciphertext ct;
    cairn_plaintext pt;
    uint8_t junk[512];
    (void)state;
    fx_connect(&A, &B, 14);
    fx_roundtrip(&A, &B, "first");
    fx_roundtrip(&B, &A, "second");
    enc(&A, &B, "valid", &ct);
    assert_int_equal(ct.type, CAIRN_MSG_NORMAL); /* every byte is under the MAC */
    srand(7);
    for (int round = 0; round < 300; round++) {
        size_t n = (size_t)(rand() % (int)sizeof(junk)) + 1;
        for (size_t i = 0; i < n; i++)
            junk[i] = (uint8_t)rand();
        for (int t = 1; t <= 2; t++)
            assert_int_not_equal(cairn_session_decrypt(B.acct, &A.addr, (cairn_message_type)t,
                                                       junk, n, NULL, &pt), CAIRN_OK);
    }
    /* every truncation and every single-byte flip of a real message */
    for (size_t cut = 1; cut < ct.len; cut++)
        assert_int_not_equal(cairn_session_decrypt(B.acct, &A.addr, ct.type, ct.data, cut, NULL,
                                                   &pt), CAIRN_OK);
    for (size_t i = 0; i < ct.len; i++) {
        ct.data[i] ^= 0x40;
        assert_int_not_equal(cairn_session_decrypt(B.acct, &A.addr, ct.type, ct.data, ct.len,
                                                   NULL, &pt), CAIRN_OK);
        ct.data[i] ^= 0x40;
    }
    assert_int_equal(cairn_session_decrypt(B.acct, &A.addr, (cairn_message_type)9, ct.data,
                                           ct.len, NULL, &pt), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_session_decrypt(B.acct, &A.addr, ct.type, ct.data, 0, NULL, &pt),
                     CAIRN_ERR_INVALID_MESSAGE);
    /* after all that, the real message still decrypts */
    dec_ok(&B, &A, &ct, "valid");
    cairn_ciphertext_clear(A.acct, &ct);
    /* bad addresses */
    {
        cairn_address bad = {"mailto:x", 1}, dev0 = {"sip:a@b", 0};
        assert_int_equal(cairn_session_encrypt(A.acct, &bad, (const uint8_t *)"x", 1, &ct),
                         CAIRN_ERR_INVALID_ARG);
        assert_int_equal(cairn_session_encrypt(A.acct, &dev0, (const uint8_t *)"x", 1, &ct),
                         CAIRN_ERR_INVALID_ARG);
    }
}

/* CORE-SESS-3: skipped keys are bounded: a message more than 2000 steps
 * ahead is refused and changes nothing; up to that, the skipped keys are
 * kept and the record stays under CAIRN_SESSION_RECORD_MAX. */
static void skipped_keys_are_bounded(void **state)
{
    enum { N = 2100 };
    cairn_ciphertext *ct = calloc(N, sizeof(*ct));
    cairn_plaintext pt;
    (void)state;
    fx_connect(&A, &B, 15);
    fx_roundtrip(&A, &B, "start");
    fx_roundtrip(&B, &A, "ok");
    for (int i = 0; i < N; i++)
        enc(&A, &B, "x", &ct[i]);
    assert_int_not_equal(cairn_session_decrypt(B.acct, &A.addr, ct[N - 1].type, ct[N - 1].data,
                                               ct[N - 1].len, NULL, &pt), CAIRN_OK);
    assert_string_not_equal(cairn_account_last_error(B.acct), "");
    /* 1900 ahead is fine, and the skipped ones can still be read */
    dec_ok(&B, &A, &ct[1900], "x");
    dec_ok(&B, &A, &ct[5], "x");
    dec_ok(&B, &A, &ct[1899], "x");
    /* now the far one is within reach */
    dec_ok(&B, &A, &ct[N - 1], "x");
    fx_roundtrip(&B, &A, "still in sync");
    for (int i = 0; i < N; i++)
        cairn_ciphertext_clear(A.acct, &ct[i]);
    free(ct);
}

/* One account used from several threads at once (its calls are
 * serialised by its lock): every message still round-trips. */
typedef struct thread_job {
    party *peer;
    int failures;
} thread_job;

static void *thread_main(void *arg)
{
    thread_job *job = arg;
    for (int i = 0; i < 40; i++) {
        cairn_ciphertext ct;
        cairn_plaintext pt;
        char text[32];
        snprintf(text, sizeof(text), "from a thread %d", i);
        if (cairn_session_encrypt(A.acct, &job->peer->addr, (const uint8_t *)text, strlen(text),
                                  &ct) != CAIRN_OK) {
            job->failures++;
            continue;
        }
        if (cairn_session_decrypt(job->peer->acct, &A.addr, ct.type, ct.data, ct.len, NULL, &pt) ==
                CAIRN_OK &&
            pt.len == strlen(text) && memcmp(pt.body, text, pt.len) == 0)
            cairn_plaintext_clear(job->peer->acct, &pt);
        else
            job->failures++;
        cairn_ciphertext_clear(A.acct, &ct);
    }
    return NULL;
}

static void shared_account_across_threads(void **state)
{
    enum { T = 4 };
    party peers[T];
    thread_job jobs[T];
    pthread_t th[T];
    (void)state;
    for (int i = 0; i < T; i++) {
        char uri[64];
        snprintf(uri, sizeof(uri), "sip:peer%d@example.org", i);
        fx_party(&peers[i], uri, 1, NULL);
        fx_connect(&A, &peers[i], 0);
        jobs[i].peer = &peers[i];
        jobs[i].failures = 0;
    }
    for (int i = 0; i < T; i++)
        assert_int_equal(pthread_create(&th[i], NULL, thread_main, &jobs[i]), 0);
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(jobs[i].failures, 0);
        fx_close(&peers[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(first_exchange_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(padding_hides_length, setup, teardown),
        cmocka_unit_test_setup_teardown(out_of_order_and_loss, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicates_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(thousand_each_way, setup, teardown),
        cmocka_unit_test_setup_teardown(forgery_leaves_no_trace, setup, teardown),
        cmocka_unit_test_setup_teardown(low_order_keys_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(identity_change_needs_acceptance, setup, teardown),
        cmocka_unit_test_setup_teardown(session_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(three_parties_and_storage, setup, teardown),
        cmocka_unit_test_setup_teardown(hostile_input, setup, teardown),
        cmocka_unit_test_setup_teardown(skipped_keys_are_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(shared_account_across_threads, setup, teardown),
    };
    int rc;
    fx_ctx = cts_context();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    cairn_context_destroy(fx_ctx);
    return rc;
}
