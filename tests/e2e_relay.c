/*
 * e2e_relay.c - the client engine through the real cairn-relay on
 * loopback: HTTPS registration, key upload and bundles, SIP over TLS
 * delivery with the CPIM envelope, the durable per-device queue, and the
 * file store. Three engines (alice, bob, carol) with their own stores.
 *
 * Proves over the real relay: a 1:1 exchange both ways with delivery and
 * read receipts (ENG-RCPT-1/2), offline delivery (the queue), a group with
 * a removed member who reads nothing afterwards (ENG-GRP), an encrypted
 * file (ENG-FILE), and typing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn/engine.h"
#include "relay_support.h"
#include "test_support.h"

#define MAXEV 128

typedef struct party {
    char uri[64];
    cairn_engine *eng;
    cairn_event_type ev[MAXEV];
    char text[MAXEV][128];
    int nev;
} party;

static cairn_context *ctx;
static rt_server srv;
static char relay_url[200], ca[700], *dir;
static party A, B, C;
static const uint8_t KEY[32] = {7};

static void on_event(void *ud, const cairn_event *e)
{
    party *p = ud;
    if (p->nev >= MAXEV)
        return;
    p->ev[p->nev] = e->type;
    snprintf(p->text[p->nev], sizeof(p->text[0]), "%.*s%s%s", (int)e->text_len,
             e->text ? e->text : "", e->detail ? e->detail : "", e->file_name ? e->file_name : "");
    p->nev++;
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
    /* ENG-FILE-4: a blob swapped in the relay's file store is refused */
    snprintf(cmd, sizeof(cmd),
             "for f in $(find %s/state -type f -size +100k); do printf 'x' | dd of=$f bs=1 "
             "seek=5000 conv=notrunc 2>/dev/null; done",
             srv.dir);
    assert_int_equal(system(cmd), 0);
    snprintf(bad, sizeof(bad), "%s/doc-bad.bin", dir);
    assert_int_equal(cairn_engine_file_download(B.eng, A.uri, id, bad, NULL, NULL),
                     CAIRN_ERR_INVALID_MESSAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exchange),
        cmocka_unit_test(offline),
        cmocka_unit_test(group),
        cmocka_unit_test(file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
