/*
 * test_group.c - sender-key groups with three parties: creation and
 * distribution, messages decrypted by every member, removal rotating keys
 * so the removed member cannot read what follows, additions, leaving,
 * hostile input.
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

static party A, B, C;
static const char *G = "family";

static int setup(void **state)
{
    (void)state;
    fx_party(&A, "sip:alice@example.org", 1, NULL);
    fx_party(&B, "sip:bob@example.org", 1, NULL);
    fx_party(&C, "sip:carol@example.org", 1, NULL);
    /* pairwise sessions, both directions established */
    fx_connect(&A, &B, 1);
    fx_connect(&A, &C, 1);
    fx_connect(&B, &C, 2);
    fx_roundtrip(&A, &B, "ab");
    fx_roundtrip(&A, &C, "ac");
    fx_roundtrip(&B, &C, "bc");
    fx_roundtrip(&B, &A, "ba");
    fx_roundtrip(&C, &A, "ca");
    fx_roundtrip(&C, &B, "cb");
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

static party *by_uri(const char *uri)
{
    party *all[] = {&A, &B, &C};
    for (size_t i = 0; i < 3; i++)
        if (strcmp(all[i]->uri, uri) == 0)
            return all[i];
    fail();
    return NULL;
}

/* Delivers an outbox from `from` to every recipient. */
static void deliver(party *from, cairn_outbox *box)
{
    for (size_t i = 0; i < box->count; i++) {
        party *to = by_uri(box->items[i].to.uri);
        assert_int_equal(cairn_group_receive_distribution(to->acct, G, &from->addr,
                                                          box->items[i].ct.type,
                                                          box->items[i].ct.data,
                                                          box->items[i].ct.len), CAIRN_OK);
    }
    cairn_outbox_free(from->acct, box);
}

static void group_send(party *from, const char *text, cairn_ciphertext *ct)
{
    assert_int_equal(cairn_group_encrypt(from->acct, G, (const uint8_t *)text, strlen(text), ct),
                     CAIRN_OK);
    assert_int_equal(ct->type, CAIRN_MSG_SENDER_KEY);
}

static void group_recv_ok(party *to, party *from, cairn_ciphertext *ct, const char *want)
{
    cairn_plaintext pt;
    assert_int_equal(cairn_group_decrypt(to->acct, G, &from->addr, ct->data, ct->len, NULL, &pt),
                     CAIRN_OK);
    assert_int_equal(pt.len, strlen(want));
    assert_memory_equal(pt.body, want, pt.len);
    cairn_plaintext_clear(to->acct, &pt);
}

/* Everyone creates/joins and distributes their own sender key. */
static void form_group(void)
{
    cairn_outbox box;
    cairn_address ab[] = {B.addr, C.addr}, ba[] = {A.addr, C.addr}, ca[] = {A.addr, B.addr};
    assert_int_equal(cairn_group_create(A.acct, G, ab, 2, &box), CAIRN_OK);
    assert_int_equal(box.count, 2);
    assert_int_equal(cairn_group_join(B.acct, G, ba, 2), CAIRN_OK);
    assert_int_equal(cairn_group_join(C.acct, G, ca, 2), CAIRN_OK);
    deliver(&A, &box);
    assert_int_equal(cairn_group_rotate(B.acct, G, &box), CAIRN_OK);
    deliver(&B, &box);
    assert_int_equal(cairn_group_rotate(C.acct, G, &box), CAIRN_OK);
    deliver(&C, &box);
}

/* CORE-GROUP-1: encrypt once, every member decrypts. */
static void everyone_reads_everyone(void **state)
{
    cairn_ciphertext ct;
    cairn_address *m;
    size_t n;
    (void)state;
    form_group();
    group_send(&A, "dinner at 8", &ct);
    group_recv_ok(&B, &A, &ct, "dinner at 8");
    group_recv_ok(&C, &A, &ct, "dinner at 8");
    /* a second delivery is a duplicate */
    {
        cairn_plaintext pt;
        assert_int_equal(cairn_group_decrypt(B.acct, G, &A.addr, ct.data, ct.len, NULL, &pt),
                         CAIRN_ERR_DUPLICATE);
    }
    cairn_ciphertext_clear(A.acct, &ct);
    group_send(&B, "I'll bring wine", &ct);
    group_recv_ok(&A, &B, &ct, "I'll bring wine");
    group_recv_ok(&C, &B, &ct, "I'll bring wine");
    cairn_ciphertext_clear(B.acct, &ct);
    for (int i = 0; i < 50; i++) { /* a run on one chain, out of order at the end */
        cairn_ciphertext c1, c2;
        group_send(&C, "one", &c1);
        group_send(&C, "two", &c2);
        group_recv_ok(&A, &C, &c2, "two");
        group_recv_ok(&A, &C, &c1, "one");
        cairn_ciphertext_clear(C.acct, &c1);
        cairn_ciphertext_clear(C.acct, &c2);
    }
    assert_int_equal(cairn_group_members(A.acct, G, &m, &n), CAIRN_OK);
    assert_int_equal(n, 2);
    assert_string_equal(m[0].uri, B.uri);
    cairn_group_members_free(A.acct, m, n);
}

/* CORE-GROUP-2: after removal, the removed member cannot read later
 * messages from anyone, and what it sends is refused. */
static void removal_rotates_keys(void **state)
{
    cairn_ciphertext ct, from_c;
    cairn_outbox box;
    cairn_plaintext pt;
    (void)state;
    form_group();
    group_send(&A, "before removal", &ct);
    group_recv_ok(&C, &A, &ct, "before removal");
    cairn_ciphertext_clear(A.acct, &ct);
    /* Alice and Bob both remove Carol and rotate */
    assert_int_equal(cairn_group_remove(A.acct, G, C.uri, &box), CAIRN_OK);
    assert_int_equal(box.count, 1);
    assert_string_equal(box.items[0].to.uri, B.uri);
    deliver(&A, &box);
    assert_int_equal(cairn_group_remove(B.acct, G, C.uri, &box), CAIRN_OK);
    deliver(&B, &box);
    group_send(&A, "secret plans", &ct);
    group_recv_ok(&B, &A, &ct, "secret plans");
    /* Carol still lists Alice as a member, and still has Alice's old key,
     * but the new message is under a key she never received */
    assert_int_equal(cairn_group_decrypt(C.acct, G, &A.addr, ct.data, ct.len, NULL, &pt),
                     CAIRN_ERR_NO_SESSION);
    cairn_ciphertext_clear(A.acct, &ct);
    group_send(&B, "more secrets", &ct);
    assert_int_equal(cairn_group_decrypt(C.acct, G, &B.addr, ct.data, ct.len, NULL, &pt),
                     CAIRN_ERR_NO_SESSION);
    cairn_ciphertext_clear(B.acct, &ct);
    /* what Carol sends is no longer accepted */
    group_send(&C, "hello?", &from_c);
    assert_int_equal(cairn_group_decrypt(A.acct, G, &C.addr, from_c.data, from_c.len, NULL, &pt),
                     CAIRN_ERR_NOT_MEMBER);
    cairn_ciphertext_clear(C.acct, &from_c);
    assert_int_equal(cairn_group_remove(A.acct, G, C.uri, &box), CAIRN_ERR_NOT_MEMBER);
}

/* CORE-GROUP-3: adding a member sends it the new key; it cannot read
 * what was sent before it joined. */
static void addition_and_history(void **state)
{
    cairn_ciphertext before, after;
    cairn_outbox box;
    cairn_plaintext pt;
    cairn_address ab[] = {B.addr}, ba[] = {A.addr}, c_members[] = {A.addr, B.addr};
    (void)state;
    assert_int_equal(cairn_group_create(A.acct, G, ab, 1, &box), CAIRN_OK);
    assert_int_equal(cairn_group_join(B.acct, G, ba, 1), CAIRN_OK);
    deliver(&A, &box);
    group_send(&A, "just us two", &before);
    group_recv_ok(&B, &A, &before, "just us two");
    assert_int_equal(cairn_group_add(A.acct, G, &C.addr, 1, &box), CAIRN_OK);
    assert_int_equal(box.count, 2);
    assert_int_equal(cairn_group_join(C.acct, G, c_members, 2), CAIRN_OK);
    deliver(&A, &box);
    assert_int_equal(cairn_group_decrypt(C.acct, G, &A.addr, before.data, before.len, NULL, &pt),
                     CAIRN_ERR_NO_SESSION);
    group_send(&A, "welcome carol", &after);
    group_recv_ok(&B, &A, &after, "welcome carol");
    group_recv_ok(&C, &A, &after, "welcome carol");
    cairn_ciphertext_clear(A.acct, &before);
    cairn_ciphertext_clear(A.acct, &after);
    assert_int_equal(cairn_group_create(A.acct, G, ab, 1, &box), CAIRN_ERR_EXISTS);
    assert_int_equal(cairn_group_leave(C.acct, G), CAIRN_OK);
    assert_int_equal(cairn_group_encrypt(C.acct, G, (const uint8_t *)"x", 1, &after),
                     CAIRN_ERR_NOT_FOUND);
    assert_int_equal(cairn_group_leave(C.acct, G), CAIRN_ERR_NOT_FOUND);
}

/* CORE-GROUP-4: hostile input and non-members. */
static void hostile_group_input(void **state)
{
    cairn_ciphertext ct;
    cairn_outbox box;
    cairn_plaintext pt;
    cairn_address ab[] = {B.addr};
    uint8_t junk[300];
    (void)state;
    assert_int_equal(cairn_group_create(A.acct, G, ab, 1, &box), CAIRN_OK);
    assert_int_equal(cairn_group_join(B.acct, G, &A.addr, 1), CAIRN_OK);
    /* a distribution from a non-member is refused before decryption */
    assert_int_equal(cairn_group_receive_distribution(C.acct, G, &A.addr, box.items[0].ct.type,
                                                      box.items[0].ct.data, box.items[0].ct.len),
                     CAIRN_ERR_NOT_MEMBER);
    deliver(&A, &box);
    group_send(&A, "valid", &ct);
    srand(3);
    for (int r = 0; r < 200; r++) {
        size_t n = (size_t)(rand() % (int)sizeof(junk)) + 1;
        for (size_t i = 0; i < n; i++)
            junk[i] = (uint8_t)rand();
        assert_int_not_equal(cairn_group_decrypt(B.acct, G, &A.addr, junk, n, NULL, &pt), CAIRN_OK);
        assert_int_not_equal(cairn_group_receive_distribution(B.acct, G, &A.addr, CAIRN_MSG_NORMAL,
                                                              junk, n), CAIRN_OK);
    }
    for (size_t i = 0; i < ct.len; i++) {
        ct.data[i] ^= 0x10;
        assert_int_not_equal(cairn_group_decrypt(B.acct, G, &A.addr, ct.data, ct.len, NULL, &pt),
                             CAIRN_OK);
        ct.data[i] ^= 0x10;
    }
    group_recv_ok(&B, &A, &ct, "valid");
    cairn_ciphertext_clear(A.acct, &ct);
    assert_int_equal(cairn_group_create(A.acct, "bad|id", ab, 1, &box), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_group_create(A.acct, "", ab, 1, &box), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_group_encrypt(A.acct, "nope", (const uint8_t *)"x", 1, &ct),
                     CAIRN_ERR_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(everyone_reads_everyone, setup, teardown),
        cmocka_unit_test_setup_teardown(removal_rotates_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(addition_and_history, setup, teardown),
        cmocka_unit_test_setup_teardown(hostile_group_input, setup, teardown),
    };
    int rc;
    fx_ctx = cts_context();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    cairn_context_destroy(fx_ctx);
    return rc;
}
