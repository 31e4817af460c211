/*
 * demo.c - `make demo`: three people in one process, each with their own
 * encrypted store on disk, exchanging 1:1 and group messages through the
 * public libcairn API, printing a transcript of what happens on the wire
 * and what each side reads. Every step is checked; the demo exits non-zero
 * at the first thing that does not behave.
 *
 * It links the shared library like an app would (only cairn/cairn.h).
 * The "network" is a function call: delivering a ciphertext means handing
 * its bytes to the recipient's account.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn/cairn.h"

typedef struct person {
    const char *name;
    cairn_account *acct;
    cairn_address addr;
} person;

static cairn_context *ctx;
static int step_no;

static void die(const char *what, cairn_status rc)
{
    fprintf(stderr, "demo: FAILED: %s: %s\n", what, cairn_strerror(rc));
    exit(1);
}

static void ok(cairn_status rc, const char *what)
{
    if (rc != CAIRN_OK)
        die(what, rc);
}

static void step(const char *fmt, ...)
{
    va_list ap;
    printf("\n[%d] ", ++step_no);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

static void make_person(person *p, const char *name, const char *uri, const char *dir)
{
    char path[512];
    uint8_t key[CAIRN_STORAGE_KEY_BYTES];
    uint8_t pub[CAIRN_PUBLIC_KEY_BYTES];
    char hex[16];
    unsigned n;
    /* A real app keeps this key in the platform keystore. */
    for (size_t i = 0; i < sizeof(key); i++)
        key[i] = (uint8_t)(name[0] * 31 + i);
    snprintf(path, sizeof(path), "%s/%s.db", dir, name);
    p->name = name;
    p->addr.uri = uri;
    p->addr.device = 1;
    ok(cairn_account_open(ctx, path, key, NULL, &p->acct), "open account");
    ok(cairn_account_create_identity(p->acct, uri, 1), "create identity");
    ok(cairn_account_identity(p->acct, NULL, 0, NULL, pub, NULL), "identity");
    ok(cairn_prekeys_count(p->acct, &n), "count pre-keys");
    for (int i = 0; i < 4; i++)
        snprintf(hex + 2 * i, 3, "%02x", pub[1 + i]);
    printf("    %-6s %-26s identity key %s..., %u one-time pre-keys, store %s\n", name, uri, hex, n,
           path);
}

static void introduce(person *from, person *to, uint32_t prekey)
{
    char *json;
    size_t len;
    ok(cairn_bundle_for_peer(to->acct, prekey, &json, &len), "bundle");
    printf("    %s fetches %s's pre-key bundle (%zu bytes of JSON, one-time pre-key #%u)\n",
           from->name, to->name, len, prekey);
    ok(cairn_bundle_process(from->acct, &to->addr, json, len), "process bundle");
    cairn_free(ctx, json, len);
}

static const char *type_name(cairn_message_type t)
{
    switch (t) {
    case CAIRN_MSG_PREKEY:
        return "PreKeySignalMessage";
    case CAIRN_MSG_NORMAL:
        return "SignalMessage";
    case CAIRN_MSG_SENDER_KEY:
        return "SenderKeyMessage";
    default:
        return "distribution";
    }
}

static void say(person *from, person *to, const char *text)
{
    cairn_ciphertext ct;
    cairn_plaintext pt;
    ok(cairn_session_encrypt(from->acct, &to->addr, (const uint8_t *)text, strlen(text), &ct),
       "encrypt");
    ok(cairn_session_decrypt(to->acct, &from->addr, ct.type, ct.data, ct.len, NULL, &pt),
       "decrypt");
    if (pt.len != strlen(text) || memcmp(pt.body, text, pt.len) != 0)
        die("round trip", CAIRN_ERR_INTERNAL);
    printf("    %s -> %s: %s, %zu bytes on the wire (%zu of text)\n", from->name, to->name,
           type_name(ct.type), ct.len, strlen(text));
    printf("    %s reads: \"%.*s\"\n", to->name, (int)pt.len, pt.body);
    cairn_plaintext_clear(to->acct, &pt);
    cairn_ciphertext_clear(from->acct, &ct);
}

static void deliver(person *from, cairn_outbox *box, person **everyone, const char *group)
{
    for (size_t i = 0; i < box->count; i++)
        for (person **p = everyone; *p; p++)
            if (strcmp((*p)->addr.uri, box->items[i].to.uri) == 0) {
                ok(cairn_group_receive_distribution((*p)->acct, group, &from->addr,
                                                    box->items[i].ct.type, box->items[i].ct.data,
                                                    box->items[i].ct.len),
                   "receive distribution");
                printf("    %s's sender key reaches %s inside their 1:1 session\n", from->name,
                       (*p)->name);
            }
    cairn_outbox_free(from->acct, box);
}

static void group_say(person *from, const char *group, const char *text, person **readers,
                      person **outsiders)
{
    cairn_ciphertext ct;
    ok(cairn_group_encrypt(from->acct, group, (const uint8_t *)text, strlen(text), &ct),
       "group encrypt");
    printf("    %s -> group \"%s\": one %s of %zu bytes\n", from->name, group, type_name(ct.type),
           ct.len);
    for (person **p = readers; *p; p++) {
        cairn_plaintext pt;
        ok(cairn_group_decrypt((*p)->acct, group, &from->addr, ct.data, ct.len, NULL, &pt),
           "group decrypt");
        printf("    %s reads: \"%.*s\"\n", (*p)->name, (int)pt.len, pt.body);
        cairn_plaintext_clear((*p)->acct, &pt);
    }
    for (person **p = outsiders; p && *p; p++) {
        cairn_plaintext pt;
        cairn_status rc = cairn_group_decrypt((*p)->acct, group, &from->addr, ct.data, ct.len,
                                              NULL, &pt);
        if (rc == CAIRN_OK)
            die("a removed member could read the group", CAIRN_ERR_INTERNAL);
        printf("    %s cannot read it: %s\n", (*p)->name, cairn_strerror(rc));
    }
    cairn_ciphertext_clear(from->acct, &ct);
}

int main(void)
{
    char dir[] = "/tmp/cairn-demo-XXXXXX";
    person alice, bob, carol;
    char sa[CAIRN_SAFETY_NUMBER_DIGITS + 1], sb[CAIRN_SAFETY_NUMBER_DIGITS + 1];
    uint8_t key_a[CAIRN_PUBLIC_KEY_BYTES];
    cairn_outbox box;
    const char *G = "weekend-hike";

    if (mkdtemp(dir) == NULL || cairn_context_create(NULL, &ctx) != CAIRN_OK) {
        fprintf(stderr, "demo: cannot start\n");
        return 1;
    }
    printf("Cairn %s demo: the core library, three people in one process.\n",
           cairn_version_string());

    step("Each person opens an encrypted store and creates an identity");
    make_person(&alice, "alice", "sip:alice@cairn.example", dir);
    make_person(&bob, "bob", "sip:bob@cairn.example", dir);
    make_person(&carol, "carol", "tel:+15550100", dir);

    step("Alice starts a session with Bob from his pre-key bundle (X3DH)");
    introduce(&alice, &bob, 1);
    say(&alice, &bob, "Hi Bob, it's Alice. Up for a hike on Saturday?");
    say(&bob, &alice, "Absolutely. Let's ask Carol too.");
    say(&alice, &bob, "Great, I'll set up a group.");

    step("Alice and Bob compare safety numbers");
    ok(cairn_account_identity(alice.acct, NULL, 0, NULL, key_a, NULL), "identity");
    ok(cairn_safety_number(alice.acct, bob.addr.uri, NULL, sa, NULL, NULL), "safety number");
    ok(cairn_safety_number(bob.acct, alice.addr.uri, key_a, sb, NULL, NULL), "safety number");
    printf("    alice sees: %.*s ...\n    bob sees:   %.*s ...\n", 30, sa, 30, sb);
    if (strcmp(sa, sb) != 0)
        die("safety numbers differ", CAIRN_ERR_INTERNAL);
    printf("    equal on both sides (60 digits); Alice marks Bob verified\n");
    ok(cairn_identity_set_verified(alice.acct, bob.addr.uri, 1), "verify");

    step("Sessions with Carol");
    introduce(&alice, &carol, 1);
    introduce(&bob, &carol, 2);
    say(&alice, &carol, "Hi Carol! Hike on Saturday?");
    say(&carol, &alice, "Count me in!");
    say(&bob, &carol, "Carol, Bob here.");
    say(&carol, &bob, "Hi Bob!");

    step("A replayed message is refused and changes nothing");
    {
        cairn_ciphertext ct;
        cairn_plaintext pt;
        ok(cairn_session_encrypt(bob.acct, &alice.addr, (const uint8_t *)"see you", 7, &ct),
           "encrypt");
        ok(cairn_session_decrypt(alice.acct, &bob.addr, ct.type, ct.data, ct.len, NULL, &pt),
           "decrypt");
        cairn_plaintext_clear(alice.acct, &pt);
        cairn_status rc =
            cairn_session_decrypt(alice.acct, &bob.addr, ct.type, ct.data, ct.len, NULL, &pt);
        if (rc != CAIRN_ERR_DUPLICATE)
            die("replay was not refused", rc);
        printf("    the same bytes delivered again: %s\n", cairn_strerror(rc));
        cairn_ciphertext_clear(bob.acct, &ct);
    }

    step("Group chat with sender keys: each member distributes its key");
    {
        cairn_address ab[] = {bob.addr, carol.addr}, ba[] = {alice.addr, carol.addr},
                      ca[] = {alice.addr, bob.addr};
        person *all[] = {&alice, &bob, &carol, NULL};
        ok(cairn_group_join(bob.acct, G, ba, 2), "join");
        ok(cairn_group_join(carol.acct, G, ca, 2), "join");
        ok(cairn_group_create(alice.acct, G, ab, 2, &box), "create group");
        deliver(&alice, &box, all, G);
        ok(cairn_group_rotate(bob.acct, G, &box), "rotate");
        deliver(&bob, &box, all, G);
        ok(cairn_group_rotate(carol.acct, G, &box), "rotate");
        deliver(&carol, &box, all, G);
        person *readers_a[] = {&bob, &carol, NULL}, *readers_c[] = {&alice, &bob, NULL};
        group_say(&alice, G, "Meet at the trailhead at 9.", readers_a, NULL);
        group_say(&carol, G, "I'll bring sandwiches.", readers_c, NULL);
    }

    step("Carol leaves the trip: Alice and Bob remove her and rotate their keys");
    {
        person *all[] = {&alice, &bob, &carol, NULL};
        person *readers[] = {&bob, NULL}, *outsiders[] = {&carol, NULL};
        ok(cairn_group_remove(alice.acct, G, carol.addr.uri, &box), "remove");
        deliver(&alice, &box, all, G);
        ok(cairn_group_remove(bob.acct, G, carol.addr.uri, &box), "remove");
        deliver(&bob, &box, all, G);
        group_say(&alice, G, "Change of plan: we start at 8.", readers, outsiders);
    }

    step("Everything read is in each person's encrypted store");
    {
        cairn_status rc;
        cairn_account_close(bob.acct);
        /* reopen from disk with the same key */
        uint8_t key[CAIRN_STORAGE_KEY_BYTES], wrong[CAIRN_STORAGE_KEY_BYTES];
        char path[512];
        for (size_t i = 0; i < sizeof(key); i++)
            key[i] = (uint8_t)('b' * 31 + i);
        memcpy(wrong, key, sizeof(key));
        wrong[0] ^= 1;
        snprintf(path, sizeof(path), "%s/bob.db", dir);
        rc = cairn_account_open(ctx, path, wrong, NULL, &bob.acct);
        printf("    opening bob's store with a wrong key: %s\n", cairn_strerror(rc));
        if (rc != CAIRN_ERR_BAD_KEY)
            die("wrong key accepted", rc);
        ok(cairn_account_open(ctx, path, key, NULL, &bob.acct), "reopen");
        say(&alice, &bob, "Still there after your restart?");
    }

    cairn_account_close(alice.acct);
    cairn_account_close(bob.acct);
    cairn_account_close(carol.acct);
    cairn_context_destroy(ctx);
    {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            return 1;
    }
    printf("\nDemo complete: every step verified.\n");
    return 0;
}
