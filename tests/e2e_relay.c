/*
 * e2e_relay.c - the client engine through the real cairn-relay on
 * loopback: HTTPS registration, key upload and bundles, SIP over TLS
 * delivery with the CPIM envelope, the durable per-device queue, and the
 * file store. Three engines (alice, bob, carol) with their own stores.
 *
 * Proves over the real relay: a 1:1 exchange both ways with delivery and
 * read receipts (ENG-RCPT-1/2), offline delivery (the queue), a group with
 * a removed member who reads nothing afterwards (ENG-GRP), an encrypted
 * file (ENG-FILE), typing, and device linking through the relay's
 * provisioning mailbox (ENG-LINK-*, ENG-RELAY-5) followed by per-device
 * fan-out: one copy per device, each delivered once (ENG-RELAY-3).
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "cairn/account.h"
#include "cairn/engine.h"
#include "relay_support.h"
#include "test_support.h"

#define MAXEV 128

typedef struct party {
    char uri[64];
    cairn_engine *eng;
    cairn_event_type ev[MAXEV];
    char text[MAXEV][128];
    size_t tlen[MAXEV];   /* the whole text's length and FNV-1a hash, */
    uint32_t thash[MAXEV]; /* for texts longer than text[] keeps */
    int nev;
} party;

static cairn_context *ctx;
static rt_server srv;
static char relay_url[200], ca[700], *dir;
static party A, B, C, A2;
static const uint8_t KEY[32] = {7};

static uint32_t fnv(const char *t, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; t != NULL && i < n; i++)
        h = (h ^ (uint8_t)t[i]) * 16777619u;
    return h;
}

static void on_event(void *ud, const cairn_event *e)
{
    party *p = ud;
    if (p->nev >= MAXEV)
        return;
    p->ev[p->nev] = e->type;
    p->tlen[p->nev] = e->text_len;
    p->thash[p->nev] = fnv(e->text, e->text_len);
    snprintf(p->text[p->nev], sizeof(p->text[0]), "%.*s%s%s", (int)e->text_len,
             e->text ? e->text : "", e->detail ? e->detail : "", e->file_name ? e->file_name : "");
    p->nev++;
}

static int count(party *p, cairn_event_type t, const char *text)
{
    int n = 0;
    for (int i = 0; i < p->nev; i++)
        if (p->ev[i] == t && (text == NULL || strstr(p->text[i], text)))
            n++;
    return n;
}

static int seen(party *p, cairn_event_type t, const char *text)
{
    for (int i = 0; i < p->nev; i++)
        if (p->ev[i] == t && (text == NULL || strstr(p->text[i], text)))
            return 1;
    return 0;
}

static void make(party *p, const char *name)
{
    cairn_engine_config cfg;
    char path[600];
    memset(p, 0, sizeof(*p));
    snprintf(p->uri, sizeof(p->uri), "sip:%s@example.org", name);
    snprintf(path, sizeof(path), "%s/%s.db", dir, name);
    cairn_engine_config_init(&cfg);
    cfg.relay = relay_url;
    cfg.ca_file = ca;
    cfg.on_event = on_event;
    cfg.event_ud = p;
    assert_int_equal(cairn_engine_open(ctx, path, KEY, &cfg, &p->eng), CAIRN_OK);
    assert_int_equal(cairn_engine_create_account(p->eng, p->uri), CAIRN_OK);
}

/* Processes until `want` shows at p (or 5 s). */
static int wait_for(party *p, cairn_event_type t, const char *text)
{
    for (int i = 0; i < 250; i++) {
        if (seen(p, t, text))
            return 1;
        assert_int_equal(cairn_engine_process(p->eng, NULL), CAIRN_OK);
        usleep(20000);
    }
    return seen(p, t, text);
}

static int setup(void **state)
{
    (void)state;
    ctx = cts_context();
    dir = cts_tempdir();
    if (rt_server_start(&srv, NULL) != 0)
        return -1;
    snprintf(relay_url, sizeof(relay_url), "https://127.0.0.1:%u/?sip=%u", srv.https, srv.sip);
    snprintf(ca, sizeof(ca), "%s/state/tls/cert.pem", srv.dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cairn_engine_close(A.eng);
    cairn_engine_close(B.eng);
    cairn_engine_close(C.eng);
    cairn_engine_close(A2.eng);
    rt_server_cleanup(&srv);
    cts_rmdir(dir);
    return 0;
}

static void exchange(void **state)
{
    char id[CAIRN_MSG_ID_HEX];
    (void)state;
    make(&A, "alice");
    make(&B, "bob");
    make(&C, "carol");
    assert_int_equal(cairn_engine_send_text(A.eng, B.uri, "hello over the relay", 20, id),
                     CAIRN_OK);
    assert_true(wait_for(&B, CAIRN_EVENT_MESSAGE, "hello over the relay"));
    assert_true(wait_for(&A, CAIRN_EVENT_DELIVERED, NULL));
    assert_int_equal(cairn_engine_mark_read(B.eng, A.uri, id), CAIRN_OK);
    assert_true(wait_for(&A, CAIRN_EVENT_READ, NULL));
    assert_int_equal(cairn_engine_send_text(B.eng, A.uri, "reply via relay", 15, NULL), CAIRN_OK);
    assert_true(wait_for(&A, CAIRN_EVENT_MESSAGE, "reply via relay"));
    assert_int_equal(cairn_engine_send_typing(A.eng, B.uri, 1), CAIRN_OK);
    assert_true(wait_for(&B, CAIRN_EVENT_TYPING, NULL));
    /* no such user */
    assert_int_equal(cairn_engine_send_text(A.eng, "sip:nobody@example.org", "x", 1, NULL),
                     CAIRN_ERR_NOT_FOUND);
}

static void offline(void **state)
{
    (void)state;
    /* carol is not processing: the relay queues */
    assert_int_equal(cairn_engine_send_text(A.eng, C.uri, "queued one", 10, NULL), CAIRN_OK);
    assert_int_equal(cairn_engine_send_text(A.eng, C.uri, "queued two", 10, NULL), CAIRN_OK);
    cairn_engine_close(C.eng);
    C.eng = NULL;
    {
        cairn_engine_config cfg;
        char path[600];
        snprintf(path, sizeof(path), "%s/carol.db", dir);
        cairn_engine_config_init(&cfg);
        cfg.on_event = on_event;
        cfg.event_ud = &C;
        /* relay and CA remembered by the store */
        assert_int_equal(cairn_engine_open(ctx, path, KEY, &cfg, &C.eng), CAIRN_OK);
    }
    assert_true(wait_for(&C, CAIRN_EVENT_MESSAGE, "queued one"));
    assert_true(wait_for(&C, CAIRN_EVENT_MESSAGE, "queued two"));
}

/* A text whose envelope does not fit a pager-mode MESSAGE (BIND-SIP-1,
 * 1300 bytes) goes over an MSRP session to the relay (RELAY-MSRP-*) and
 * arrives whole; so does a group message of the same size. */
static int whole(party *p, const char *prefix, const char *text)
{
    for (int i = 0; i < p->nev; i++)
        if (p->ev[i] == CAIRN_EVENT_MESSAGE && strncmp(p->text[i], prefix, strlen(prefix)) == 0)
            return p->tlen[i] == strlen(text) && p->thash[i] == fnv(text, strlen(text));
    return 0;
}

static void long_text(void **state)
{
    static char big[6001];
    (void)state;
    for (size_t i = 0; i < sizeof(big) - 1; i++)
        big[i] = (char)('a' + i % 26);
    big[0] = 'L';
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(cairn_engine_send_text(A.eng, B.uri, big, strlen(big), NULL), CAIRN_OK);
    assert_true(wait_for(&B, CAIRN_EVENT_MESSAGE, "Lbcdefghij"));
    assert_true(whole(&B, "Lbcdefghij", big));
    big[0] = 'M';
    assert_int_equal(cairn_engine_send_text(B.eng, A.uri, big, strlen(big), NULL), CAIRN_OK);
    assert_true(wait_for(&A, CAIRN_EVENT_MESSAGE, "Mbcdefghij"));
    assert_true(whole(&A, "Mbcdefghij", big));
}

static void group(void **state)
{
    const char *m[] = {B.uri, C.uri};
    char gid[CAIRN_GROUP_ID_HEX];
    (void)state;
    assert_int_equal(cairn_engine_group_create(A.eng, "relay team", m, 2, gid), CAIRN_OK);
    assert_true(wait_for(&B, CAIRN_EVENT_GROUP, NULL));
    assert_true(wait_for(&C, CAIRN_EVENT_GROUP, NULL));
    /* let everyone's key distributions land */
    for (int i = 0; i < 10; i++) {
        (void)cairn_engine_process(A.eng, NULL);
        (void)cairn_engine_process(B.eng, NULL);
        (void)cairn_engine_process(C.eng, NULL);
        usleep(20000);
    }
    assert_int_equal(cairn_engine_group_send(A.eng, gid, "group hello", 11, NULL), CAIRN_OK);
    assert_true(wait_for(&B, CAIRN_EVENT_MESSAGE, "group hello"));
    assert_true(wait_for(&C, CAIRN_EVENT_MESSAGE, "group hello"));
    assert_int_equal(cairn_engine_group_remove(A.eng, gid, C.uri), CAIRN_OK);
    assert_true(wait_for(&C, CAIRN_EVENT_GROUP, "you were removed"));
    for (int i = 0; i < 10; i++) {
        (void)cairn_engine_process(B.eng, NULL);
        (void)cairn_engine_process(A.eng, NULL);
        usleep(20000);
    }
    assert_int_equal(cairn_engine_group_send(A.eng, gid, "without carol", 13, NULL), CAIRN_OK);
    assert_true(wait_for(&B, CAIRN_EVENT_MESSAGE, "without carol"));
    for (int i = 0; i < 20; i++) {
        (void)cairn_engine_process(C.eng, NULL);
        usleep(10000);
    }
    assert_false(seen(&C, CAIRN_EVENT_MESSAGE, "without carol"));
}

static int flipped;

/* Flips one bit at offset 5000 of every file over 100 kB (the blob). */
static int flip_big_files(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    FILE *f;
    int c;
    (void)ftw;
    if (type != FTW_F || st->st_size <= 100000)
        return 0;
    f = fopen(path, "r+b");
    if (f == NULL)
        return -1;
    if (fseek(f, 5000, SEEK_SET) != 0 || (c = fgetc(f)) == EOF ||
        fseek(f, 5000, SEEK_SET) != 0 || fputc(c ^ 0x01, f) == EOF) {
        fclose(f);
        return -1;
    }
    flipped++;
    return fclose(f) == 0 ? 0 : -1;
}

static void file(void **state)
{
    char src[700], dst[700], id[CAIRN_MSG_ID_HEX], cmd[1500], bad[700];
    FILE *f;
    (void)state;
    snprintf(src, sizeof(src), "%s/doc.bin", dir);
    snprintf(dst, sizeof(dst), "%s/doc-bob.bin", dir);
    f = fopen(src, "wb");
    for (int i = 0; i < 150000; i++)
        fputc(i % 253, f);
    fclose(f);
    assert_int_equal(cairn_engine_send_file(A.eng, B.uri, src, NULL, NULL, NULL, id), CAIRN_OK);
    assert_true(wait_for(&B, CAIRN_EVENT_FILE, "doc.bin"));
    assert_int_equal(cairn_engine_file_download(B.eng, A.uri, id, dst, NULL, NULL), CAIRN_OK);
    snprintf(cmd, sizeof(cmd), "cmp -s %s %s", src, dst);
    assert_int_equal(system(cmd), 0);
    /* ENG-FILE-4: a blob altered in the relay's file store is refused
     * (a flipped bit: overwriting with a fixed byte left the blob intact
     * whenever the ciphertext already had that byte there) */
    snprintf(cmd, sizeof(cmd), "%s/state", srv.dir);
    assert_int_equal(nftw(cmd, flip_big_files, 8, FTW_PHYS), 0);
    assert_true(flipped >= 1);
    snprintf(bad, sizeof(bad), "%s/doc-bad.bin", dir);
    assert_int_equal(cairn_engine_file_download(B.eng, A.uri, id, bad, NULL, NULL),
                     CAIRN_ERR_INVALID_MESSAGE);
}

/* Runs every engine for a while so that nothing is left in flight. */
static void settle(int rounds)
{
    for (int i = 0; i < rounds; i++) {
        (void)cairn_engine_process(A.eng, NULL);
        (void)cairn_engine_process(A2.eng, NULL);
        (void)cairn_engine_process(B.eng, NULL);
        usleep(20000);
    }
}

static void link_device(void **state)
{
    cairn_engine_config cfg;
    char path[600], code[CAIRN_LINK_CODE_LEN], qr[CAIRN_LINK_QR_LEN], uri[64];
    uint32_t dev = 0, mydev = 0;
    (void)state;
    memset(&A2, 0, sizeof(A2));
    snprintf(A2.uri, sizeof(A2.uri), "%s", A.uri);
    snprintf(path, sizeof(path), "%s/alice2.db", dir);
    cairn_engine_config_init(&cfg);
    cfg.relay = relay_url;
    cfg.ca_file = ca;
    cfg.on_event = on_event;
    cfg.event_ud = &A2;
    assert_int_equal(cairn_engine_open(ctx, path, KEY, &cfg, &A2.eng), CAIRN_OK);
    /* ENG-RELAY-5: the new device has no credentials and still posts */
    assert_int_equal(cairn_engine_link_begin(A2.eng, code, qr), CAIRN_OK);
    assert_non_null(strstr(qr, "cairn-link:1:"));
    /* ENG-LINK-3: a wrong code finds no offer (another mailbox) */
    assert_int_not_equal(cairn_engine_link_approve(A.eng, "0000-0000-0000-0000", 300, NULL),
                         CAIRN_OK);
    assert_int_equal(cairn_engine_link_approve(A.eng, code, 5000, &dev), CAIRN_OK);
    assert_int_equal(dev, 2);
    /* ENG-FAN-5: the relay lists device 2 before it has keys; a send in
     * that window reaches the devices that have them */
    assert_int_equal(cairn_engine_send_text(B.eng, A.uri, "during linking", 14, NULL), CAIRN_OK);
    assert_int_equal(cairn_engine_link_finish(A2.eng, 5000), CAIRN_OK);
    assert_int_equal(cairn_account_identity(cairn_engine_account(A2.eng), uri, sizeof(uri),
                                            &mydev, NULL, NULL),
                     CAIRN_OK);
    assert_string_equal(uri, A.uri);
    assert_int_equal(mydev, 2);
    /* ENG-LINK-6: HELLO reached the existing device */
    assert_true(wait_for(&A, CAIRN_EVENT_DEVICE_LINKED, NULL));
    settle(10);

    /* ENG-RELAY-3: bob -> alice is one copy per alice device, each device
     * gets its own once (the relay stores exactly two copies) */
    long long q0 = rt_metric(&srv, "cairn_relay_messages_queued_total");
    assert_true(q0 >= 0);
    assert_int_equal(cairn_engine_send_text(B.eng, A.uri, "to both alices", 14, NULL), CAIRN_OK);
    long long q1 = rt_metric(&srv, "cairn_relay_messages_queued_total");
    assert_int_equal(q1 - q0, 2);
    assert_true(wait_for(&A2, CAIRN_EVENT_MESSAGE, "to both alices"));
    assert_true(wait_for(&A, CAIRN_EVENT_MESSAGE, "to both alices"));
    settle(20);
    assert_int_equal(count(&A, CAIRN_EVENT_MESSAGE, "to both alices"), 1);
    assert_int_equal(count(&A2, CAIRN_EVENT_MESSAGE, "to both alices"), 1);

    /* alice's new device writes: bob gets it, alice's first device sees
     * it as sent by her other device */
    assert_int_equal(cairn_engine_send_text(A2.eng, B.uri, "from alice two", 14, NULL), CAIRN_OK);
    assert_true(wait_for(&B, CAIRN_EVENT_MESSAGE, "from alice two"));
    assert_true(wait_for(&A, CAIRN_EVENT_MESSAGE, "from alice two"));
    settle(20);
    assert_int_equal(count(&B, CAIRN_EVENT_MESSAGE, "from alice two"), 1);
    assert_int_equal(count(&A, CAIRN_EVENT_MESSAGE, "from alice two"), 1);
    assert_int_equal(count(&A2, CAIRN_EVENT_MESSAGE, "from alice two"), 0);
    assert_int_equal(count(&A, CAIRN_EVENT_MESSAGE, "during linking"), 1);
    assert_int_equal(count(&A2, CAIRN_EVENT_MESSAGE, "during linking"), 0);

    /* a user none of whose devices has keys cannot be written to */
    char secret[33];
    rt_secret(secret);
    assert_int_equal(rt_register(&srv, "sip:dave@example.org", 1, secret, NULL, NULL, NULL), 201);
    assert_int_equal(cairn_engine_send_text(B.eng, "sip:dave@example.org", "x", 1, NULL),
                     CAIRN_ERR_NOT_FOUND);
}

/* cairn_engine_device_remove (ENG-RELAY-10): alice unlinks her second
 * device; the relay forgets it, so bob's next message is one copy, and a
 * device cannot remove itself or one the relay does not list. */
static void remove_device(void **state)
{
    uint32_t devs[8];
    size_t nd = 0;
    long long q0, q1;
    (void)state;
    assert_int_equal(cairn_engine_device_remove(A.eng, 1), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_engine_device_remove(A.eng, 0), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_engine_device_remove(A.eng, 9), CAIRN_ERR_NOT_FOUND);
    assert_int_equal(cairn_engine_device_remove(A.eng, 2), CAIRN_OK);
    assert_int_equal(cairn_engine_devices(A.eng, NULL, devs, 8, &nd), CAIRN_OK);
    assert_int_equal(nd, 1);
    assert_int_equal(devs[0], 1);
    assert_int_equal(cairn_engine_device_remove(A.eng, 2), CAIRN_ERR_NOT_FOUND);
    q0 = rt_metric(&srv, "cairn_relay_messages_queued_total");
    assert_int_equal(cairn_engine_send_text(B.eng, A.uri, "after unlinking", 15, NULL), CAIRN_OK);
    q1 = rt_metric(&srv, "cairn_relay_messages_queued_total");
    assert_int_equal(q1 - q0, 1);
    assert_true(wait_for(&A, CAIRN_EVENT_MESSAGE, "after unlinking"));
    settle(10); /* alice's delivered receipt to bob is queued by now */
    q0 = rt_metric(&srv, "cairn_relay_messages_queued_total");
    assert_int_equal(cairn_engine_send_text(A.eng, B.uri, "only to bob", 11, NULL), CAIRN_OK);
    q1 = rt_metric(&srv, "cairn_relay_messages_queued_total");
    assert_int_equal(q1 - q0, 1);
    assert_true(wait_for(&B, CAIRN_EVENT_MESSAGE, "only to bob"));
    settle(10);
    assert_int_equal(count(&A2, CAIRN_EVENT_MESSAGE, "after unlinking"), 0);
}

/* cairn_account_import_identity: the pair must be one, the public key
 * valid, the store empty; an imported identity reads back like a created
 * one and survives reopening. */
static void import_identity(void **state)
{
    cairn_account *dst = NULL;
    uint8_t pub[CAIRN_PUBLIC_KEY_BYTES], priv[32], bad[CAIRN_PUBLIC_KEY_BYTES], got[33];
    char uri[64], path[600];
    uint32_t dev = 0;
    (void)state;
    /* a key pair made the way libsodium makes X25519 pairs */
    crypto_box_keypair(pub + 1, priv);
    pub[0] = 0x05;
    snprintf(path, sizeof(path), "%s/imported.db", dir);
    assert_int_equal(cairn_account_open(ctx, path, KEY, NULL, &dst), CAIRN_OK);
    memcpy(bad, pub, sizeof(bad));
    bad[5] ^= 1; /* another point: no longer priv's */
    assert_int_equal(cairn_account_import_identity(dst, "sip:dave@example.org", 3, bad, priv),
                     CAIRN_ERR_INVALID_ARG);
    bad[0] = 0x06;
    assert_int_equal(cairn_account_import_identity(dst, "sip:dave@example.org", 3, bad, priv),
                     CAIRN_ERR_BAD_PUBLIC_KEY);
    assert_int_equal(cairn_account_import_identity(dst, "not a uri", 3, pub, priv),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_account_import_identity(dst, "sip:dave@example.org", 0, pub, priv),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_account_identity(dst, NULL, 0, NULL, NULL, NULL), CAIRN_ERR_NOT_FOUND);
    assert_int_equal(cairn_account_import_identity(dst, "sip:dave@example.org", 3, pub, priv),
                     CAIRN_OK);
    assert_int_equal(cairn_account_import_identity(dst, "sip:dave@example.org", 4, pub, priv),
                     CAIRN_ERR_EXISTS);
    cairn_account_close(dst);
    assert_int_equal(cairn_account_open(ctx, path, KEY, NULL, &dst), CAIRN_OK);
    assert_int_equal(cairn_account_identity(dst, uri, sizeof(uri), &dev, got, NULL), CAIRN_OK);
    assert_string_equal(uri, "sip:dave@example.org");
    assert_int_equal(dev, 3);
    assert_memory_equal(got, pub, sizeof(pub));
    unsigned n = 0;
    assert_int_equal(cairn_prekeys_count(dst, &n), CAIRN_OK);
    assert_true(n >= CAIRN_PREKEY_BATCH);
    cairn_account_close(dst);
    sodium_memzero(priv, sizeof(priv));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exchange),
        cmocka_unit_test(offline),
        cmocka_unit_test(long_text),
        cmocka_unit_test(group),
        cmocka_unit_test(file),
        cmocka_unit_test(link_device),
        cmocka_unit_test(remove_device),
        cmocka_unit_test(import_identity),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
