/*
 * relay_messaging_test.c - SIP REGISTER/MESSAGE, the durable per-device
 * queue and delivery semantics against the real relay
 * (spec/relay-api.md RELAY-SIP-*, RELAY-Q-*).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "relay_support.h"
#include "test_support.h"

#define LOOSE "[limits]\nrate_address_burst = 100000\nrate_account_burst = 100000\n"

static rt_sip *login(rt_server *s, const char *uri, unsigned dev, const char *secret)
{
    rt_sip *c = rt_sip_connect(s);
    assert_non_null(c);
    assert_int_equal(rt_sip_register(c, uri, dev, secret), 200);
    return c;
}

/* Receives everything queued for c (acking with 200 when ack), up to
 * timeout; counts per message id into seen (ids "m<number>"). */
static int drain(rt_sip *c, int *seen, int max, bool ack, int timeout_ms)
{
    int n = 0;
    cairn_sip_msg *m;
    while ((m = rt_sip_next_delivery(c, timeout_ms)) != NULL) {
        const char *id = cairn_sip_msg_header(m, "Cairn-Msg-Id", 0);
        assert_non_null(id);
        int k = atoi(id + 1);
        if (k >= 0 && k < max)
            seen[k]++;
        if (ack)
            assert_int_equal(rt_sip_reply(c, m, 200), 0);
        cairn_sip_msg_free(m);
        n++;
    }
    return n;
}

/* RELAY-SIP-1..3: Digest REGISTER, refusals. */
static void test_register(void **state)
{
    rt_server s;
    char sa[33], sb[33];
    (void)state;
    assert_int_equal(rt_server_start(&s, LOOSE), 0);
    rt_secret(sa);
    rt_secret(sb);
    assert_int_equal(rt_register(&s, "sip:alice@example.org", 1, sa, NULL, NULL, NULL), 201);
    assert_int_equal(rt_register(&s, "sip:bob@example.org", 1, sb, NULL, NULL, NULL), 201);
    rt_sip *c = rt_sip_connect(&s);
    assert_non_null(c);
    /* MESSAGE before REGISTER is refused */
    assert_int_equal(rt_sip_message(c, "sip:bob@example.org", "x1", NULL, "hi", 2), 403);
    /* wrong secret, another user's secret, unknown device */
    assert_int_equal(rt_sip_register(c, "sip:alice@example.org", 1, sb), 403);
    assert_int_equal(rt_sip_register(c, "sip:bob@example.org", 1, sa), 403);
    rt_sip_close(c);
    c = rt_sip_connect(&s);
    assert_int_equal(rt_sip_register(c, "sip:alice@example.org", 9, sa), 403);
    assert_int_equal(rt_sip_register(c, "sip:alice@example.org", 1, sa), 200);
    /* unknown recipient; empty body */
    assert_int_equal(rt_sip_message(c, "sip:nobody@example.org", "x2", NULL, "hi", 2), 404);
    assert_int_equal(rt_sip_message(c, "sip:bob@example.org", "x3", NULL, "", 0), 400);
    assert_int_equal(rt_sip_message(c, "sip:bob@example.org", "bad id!", NULL, "hi", 2), 400);
    assert_int_equal(rt_sip_message(c, "sip:bob@example.org", "x4", NULL, "hi", 2), 202);
    rt_sip_close(c);
    rt_server_cleanup(&s);
}

/* RELAY-Q-1..4: offline queueing, in-order delivery on connect, removal
 * only on acknowledgement, redelivery after reconnect; RELAY-Q-6: a
 * device never sees or removes another's queue. */
static void test_offline_ack_isolation(void **state)
{
    rt_server s;
    char sa[33], sb[33], sc[33], id[16];
    int seen[16] = {0};
    (void)state;
    assert_int_equal(rt_server_start(&s, LOOSE), 0);
    rt_secret(sa);
    rt_secret(sb);
    rt_secret(sc);
    assert_int_equal(rt_register(&s, "sip:alice@example.org", 1, sa, NULL, NULL, NULL), 201);
    assert_int_equal(rt_register(&s, "sip:bob@example.org", 1, sb, NULL, NULL, NULL), 201);
    assert_int_equal(rt_register(&s, "sip:carol@example.org", 1, sc, NULL, NULL, NULL), 201);
    rt_sip *a = login(&s, "sip:alice@example.org", 1, sa);
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "m%d", i);
        assert_int_equal(rt_sip_message(a, "sip:bob@example.org", id, NULL, "ciphertext", 10), 202);
    }
    /* carol sees nothing of bob's queue and cannot acknowledge his rows */
    rt_sip *c = login(&s, "sip:carol@example.org", 1, sc);
    assert_null(rt_sip_next_delivery(c, 500));
    for (int q = 1; q <= 5; q++) {
        char fake[256];
        int n = snprintf(fake, sizeof fake,
                         "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS example.org;branch=z9hG4bKx\r\n"
                         "From: <sip:alice@example.org>;tag=a\r\nTo: <sip:carol@example.org>;tag=b\r\n"
                         "Call-ID: cq-%d-0\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n", q);
        assert_int_equal(rt_sip_send_raw(c, fake, (size_t)n), 0);
    }
    usleep(200000);
    rt_sip_close(c);

    rt_sip *b = login(&s, "sip:bob@example.org", 1, sb);
    /* in order, first three acknowledged */
    for (int i = 0; i < 5; i++) {
        cairn_sip_msg *m = rt_sip_next_delivery(b, 5000);
        assert_non_null(m);
        snprintf(id, sizeof id, "m%d", i);
        assert_string_equal(cairn_sip_msg_header(m, "Cairn-Msg-Id", 0), id);
        assert_string_equal(cairn_sip_msg_header(m, "Cairn-Sender-Device", 0), "1");
        assert_non_null(strstr(cairn_sip_msg_header(m, "From", 0), "sip:alice@example.org"));
        size_t bl;
        const uint8_t *body = cairn_sip_msg_body(m, &bl);
        assert_int_equal(bl, 10);
        assert_memory_equal(body, "ciphertext", 10);
        if (i < 3)
            assert_int_equal(rt_sip_reply(b, m, 200), 0);
        cairn_sip_msg_free(m);
    }
    usleep(100000);
    rt_sip_close(b);
    b = login(&s, "sip:bob@example.org", 1, sb);
    assert_int_equal(drain(b, seen, 16, true, 1500), 2);
    assert_int_equal(seen[3], 1);
    assert_int_equal(seen[4], 1);
    usleep(100000);
    rt_sip_close(b);
    b = login(&s, "sip:bob@example.org", 1, sb);
    assert_null(rt_sip_next_delivery(b, 700));
    /* online delivery: a message to a connected device arrives at once */
    assert_int_equal(rt_sip_message(a, "sip:bob@example.org", "m9", NULL, "x", 1), 202);
    cairn_sip_msg *m = rt_sip_next_delivery(b, 3000);
    assert_non_null(m);
    assert_string_equal(cairn_sip_msg_header(m, "Cairn-Msg-Id", 0), "m9");
    rt_sip_reply(b, m, 200);
    cairn_sip_msg_free(m);
    usleep(100000);
    assert_int_equal(rt_metric(&s, "cairn_relay_queue_depth"), 0);
    rt_sip_close(a);
    rt_sip_close(b);
    rt_server_cleanup(&s);
}

/* RELAY-Q-4: a copy the device refuses (503: its inbox is full) comes
 * again on the same flow once nothing else is in flight, without a new
 * REGISTER; the one it accepted does not. */
static void test_refused_redelivery(void **state)
{
    rt_server s;
    char sa[33], sb[33];
    cairn_sip_msg *m;
    (void)state;
    assert_int_equal(rt_server_start(&s, LOOSE), 0);
    rt_secret(sa);
    rt_secret(sb);
    assert_int_equal(rt_register(&s, "sip:alice@example.org", 1, sa, NULL, NULL, NULL), 201);
    assert_int_equal(rt_register(&s, "sip:bob@example.org", 1, sb, NULL, NULL, NULL), 201);
    rt_sip *a = login(&s, "sip:alice@example.org", 1, sa);
    rt_sip *b = login(&s, "sip:bob@example.org", 1, sb);
    assert_int_equal(rt_sip_message(a, "sip:bob@example.org", "r0", NULL, "one", 3), 202);
    m = rt_sip_next_delivery(b, 3000);
    assert_non_null(m);
    assert_string_equal(cairn_sip_msg_header(m, "Cairn-Msg-Id", 0), "r0");
    assert_int_equal(rt_sip_reply(b, m, 503), 0);
    cairn_sip_msg_free(m);
    assert_int_equal(rt_sip_message(a, "sip:bob@example.org", "r1", NULL, "two", 3), 202);
    m = rt_sip_next_delivery(b, 3000);
    assert_non_null(m);
    assert_string_equal(cairn_sip_msg_header(m, "Cairn-Msg-Id", 0), "r1");
    assert_int_equal(rt_sip_reply(b, m, 200), 0);
    cairn_sip_msg_free(m);
    /* the refused one again, after the default 2 s, and only it */
    m = rt_sip_next_delivery(b, 6000);
    assert_non_null(m);
    assert_string_equal(cairn_sip_msg_header(m, "Cairn-Msg-Id", 0), "r0");
    assert_int_equal(rt_sip_reply(b, m, 200), 0);
    cairn_sip_msg_free(m);
    assert_null(rt_sip_next_delivery(b, 3500));
    assert_int_equal(rt_metric(&s, "cairn_relay_queue_depth"), 0);
    rt_sip_close(a);
    rt_sip_close(b);
    rt_server_cleanup(&s);
}

/* RELAY-Q-7: every device of the recipient gets a copy; the sender's other
 * devices too, not the sender itself; RELAY-FAN-1: RFC 5365 lists. */
static void test_fanout(void **state)
{
    rt_server s;
    char sa[33], sa2[33], sb[33], sb2[33], sc[33];
    (void)state;
    assert_int_equal(rt_server_start(&s, LOOSE), 0);
    rt_secret(sa);
    rt_secret(sa2);
    rt_secret(sb);
    rt_secret(sb2);
    rt_secret(sc);
    assert_int_equal(rt_register(&s, "sip:alice@example.org", 1, sa, NULL, NULL, NULL), 201);
    assert_int_equal(rt_register(&s, "sip:alice@example.org", 2, sa2, NULL, "sip:alice@example.org.1", sa), 201);
    assert_int_equal(rt_register(&s, "sip:bob@example.org", 1, sb, NULL, NULL, NULL), 201);
    assert_int_equal(rt_register(&s, "sip:bob@example.org", 2, sb2, NULL, "sip:bob@example.org.1", sb), 201);
    assert_int_equal(rt_register(&s, "tel:+15550100", 1, sc, NULL, NULL, NULL), 201);
    rt_sip *a = login(&s, "sip:alice@example.org", 1, sa);
    assert_int_equal(rt_sip_message(a, "sip:bob@example.org", "one", NULL, "x", 1), 202);
    assert_int_equal(rt_sip_message(a, "sip:alice@example.org", "self", NULL, "y", 1), 202);
    const char *body =
        "--b1\r\nContent-Type: application/resource-lists+xml\r\n"
        "Content-Disposition: recipient-list\r\n\r\n"
        "<?xml version=\"1.0\"?><resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\">"
        "<list><entry uri=\"sip:bob@example.org\"/><entry uri=\"tel:+15550100\"/>"
        "<entry uri=\"sip:bob@example.org\"/></list></resource-lists>\r\n"
        "--b1\r\nContent-Type: message/cpim\r\n\r\ngroup-ciphertext\r\n--b1--\r\n";
    assert_int_equal(rt_sip_message(a, "sip:example.org", "grp", "multipart/mixed;boundary=b1", body,
                                     strlen(body)),
                     202);
    /* a list naming an unknown user is refused whole */
    const char *bad =
        "--b1\r\nContent-Type: application/resource-lists+xml\r\n"
        "Content-Disposition: recipient-list\r\n\r\n"
        "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><list>"
        "<entry uri=\"sip:ghost@example.org\"/></list></resource-lists>\r\n"
        "--b1\r\nContent-Type: message/cpim\r\n\r\nz\r\n--b1--\r\n";
    assert_int_equal(rt_sip_message(a, "sip:example.org", "grp2", "multipart/mixed;boundary=b1", bad,
                                     strlen(bad)),
                     404);
    assert_int_equal(rt_sip_message(a, "sip:example.org", "grp3", "multipart/mixed;boundary=b1",
                                     "garbage", 7),
                     400);
    const char *who[][2] = {{"sip:bob@example.org", sb}, {"sip:bob@example.org", sb2}, {"tel:+15550100", sc}};
    unsigned dev[] = {1, 2, 1};
    const char *want[] = {"one,grp", "one,grp", "grp"};
    for (int i = 0; i < 3; i++) {
        rt_sip *c = login(&s, who[i][0], dev[i], who[i][1]);
        char got[64] = "";
        cairn_sip_msg *m;
        while ((m = rt_sip_next_delivery(c, 800)) != NULL) {
            if (got[0])
                strcat(got, ",");
            strcat(got, cairn_sip_msg_header(m, "Cairn-Msg-Id", 0));
            if (strcmp(cairn_sip_msg_header(m, "Cairn-Msg-Id", 0), "grp") == 0) {
                size_t bl;
                const uint8_t *b = cairn_sip_msg_body(m, &bl);
                assert_int_equal(bl, 16);
                assert_memory_equal(b, "group-ciphertext", 16);
                assert_string_equal(cairn_sip_msg_header(m, "Content-Type", 0), "message/cpim");
            }
            rt_sip_reply(c, m, 200);
            cairn_sip_msg_free(m);
        }
        assert_string_equal(got, want[i]);
        rt_sip_close(c);
    }
    rt_sip *a2 = login(&s, "sip:alice@example.org", 2, sa2);
    cairn_sip_msg *m = rt_sip_next_delivery(a2, 2000);
    assert_non_null(m);
    assert_string_equal(cairn_sip_msg_header(m, "Cairn-Msg-Id", 0), "self");
    cairn_sip_msg_free(m);
    assert_null(rt_sip_next_delivery(a, 300)); /* the sender got no copy */
    rt_sip_close(a2);
    rt_sip_close(a);
    rt_server_cleanup(&s);
}

/* RELAY-Q-5 quota (486, nothing stored), 413 for an oversized body, and
 * RELAY-Q-8 TTL (rows deleted unacknowledged after ttl_seconds). */
static void test_quota_ttl(void **state)
{
    rt_server s;
    char sa[33], sb[33], id[16];
    (void)state;
    assert_int_equal(rt_server_start(&s, LOOSE "max_message_bytes = 1024\n"
                                             "[queue]\nmax_messages = 3\nttl_seconds = 2\n"
                                             "sweep_interval_seconds = 1\n"),
                     0);
    rt_secret(sa);
    rt_secret(sb);
    assert_int_equal(rt_register(&s, "sip:alice@example.org", 1, sa, NULL, NULL, NULL), 201);
    assert_int_equal(rt_register(&s, "sip:bob@example.org", 1, sb, NULL, NULL, NULL), 201);
    rt_sip *a = login(&s, "sip:alice@example.org", 1, sa);
    for (int i = 0; i < 3; i++) {
        snprintf(id, sizeof id, "q%d", i);
        assert_int_equal(rt_sip_message(a, "sip:bob@example.org", id, NULL, "abc", 3), 202);
    }
    assert_int_equal(rt_sip_message(a, "sip:bob@example.org", "q3", NULL, "abc", 3), 486);
    assert_int_equal(rt_metric(&s, "cairn_relay_messages_rejected_quota_total"), 1);
    char big[1025];
    memset(big, 'x', sizeof big);
    assert_int_equal(rt_sip_message(a, "sip:bob@example.org", "big", NULL, big, sizeof big), 413);
    /* TTL: after 2 s (+ sweep) the queue is empty and accepts again */
    sleep(4);
    assert_int_equal(rt_metric(&s, "cairn_relay_queue_depth"), 0);
    assert_int_equal(rt_metric(&s, "cairn_relay_messages_expired_total"), 3);
    assert_int_equal(rt_sip_message(a, "sip:bob@example.org", "q4", NULL, "abc", 3), 202);
    rt_sip *b = login(&s, "sip:bob@example.org", 1, sb);
    cairn_sip_msg *m = rt_sip_next_delivery(b, 2000);
    assert_non_null(m);
    assert_string_equal(cairn_sip_msg_header(m, "Cairn-Msg-Id", 0), "q4");
    cairn_sip_msg_free(m);
    assert_null(rt_sip_next_delivery(b, 300));
    rt_sip_close(a);
    rt_sip_close(b);
    rt_server_cleanup(&s);
}

/* RELAY-Q-9, RELAY-OPS-2: no acknowledged message is lost and none reaches
 * the app twice (after dedup by Cairn-Msg-Id) across SIGKILL at random
 * moments -- while sending and while delivering -- and a clean SIGTERM
 * restart. synchronous=full as in production. */
#define NMSG 400
static void test_crash_restart(void **state)
{
    rt_server s;
    char sa[33], sb[33], id[16];
    static int acked[NMSG], seen[NMSG];
    int next = 0;
    (void)state;
    memset(acked, 0, sizeof acked);
    memset(seen, 0, sizeof seen);
    assert_int_equal(rt_server_start(&s, LOOSE), 0);
    rt_secret(sa);
    rt_secret(sb);
    assert_int_equal(rt_register(&s, "sip:alice@example.org", 1, sa, NULL, NULL, NULL), 201);
    assert_int_equal(rt_register(&s, "sip:bob@example.org", 1, sb, NULL, NULL, NULL), 201);
    for (int round = 0; round < 6; round++) {
        rt_sip *a = login(&s, "sip:alice@example.org", 1, sa);
        int burst = 40 + (int)randombytes_uniform(30);
        for (int i = 0; i < burst && next < NMSG; i++, next++) {
            snprintf(id, sizeof id, "m%d", next);
            assert_int_equal(rt_sip_message_nowait(a, "sip:bob@example.org", id, "payload", 7, 1), 0);
        }
        usleep(randombytes_uniform(20000));
        bool killed = round % 3 != 2;
        rt_server_stop(&s, killed ? SIGKILL : SIGTERM);
        cairn_sip_msg *m;
        while ((m = rt_sip_read(a, 500)) != NULL) {
            const char *cid = cairn_sip_msg_header(m, "Call-ID", 0);
            if (!cairn_sip_msg_is_request(m) && cairn_sip_msg_status(m) == 202 && cid)
                acked[atoi(cid + 3)] = 1;
            cairn_sip_msg_free(m);
        }
        rt_sip_close(a);
        assert_int_equal(rt_server_restart(&s), 0);
        /* bob takes some and is killed mid-delivery every other round */
        if (round % 2 == 1) {
            rt_sip *b = login(&s, "sip:bob@example.org", 1, sb);
            for (int k = 0; k < 30; k++) {
                cairn_sip_msg *d = rt_sip_next_delivery(b, 500);
                if (d == NULL)
                    break;
                int n = atoi(cairn_sip_msg_header(d, "Cairn-Msg-Id", 0) + 1);
                if (seen[n] == 0)
                    seen[n] = 1; /* client dedup: the app sees it once */
                rt_sip_reply(b, d, 200);
                cairn_sip_msg_free(d);
            }
            rt_server_stop(&s, SIGKILL);
            rt_sip_close(b);
            assert_int_equal(rt_server_restart(&s), 0);
        }
    }
    rt_sip *b = login(&s, "sip:bob@example.org", 1, sb);
    cairn_sip_msg *d;
    int dup = 0;
    while ((d = rt_sip_next_delivery(b, 2000)) != NULL) {
        int n = atoi(cairn_sip_msg_header(d, "Cairn-Msg-Id", 0) + 1);
        if (seen[n])
            dup++; /* redelivered after a lost ack: the client drops it */
        seen[n] = 1;
        rt_sip_reply(b, d, 200);
        cairn_sip_msg_free(d);
    }
    int lost = 0, nacked = 0;
    for (int i = 0; i < next; i++) {
        nacked += acked[i];
        if (acked[i] && !seen[i])
            lost++;
    }
    fprintf(stderr, "crash test: sent=%d acknowledged=%d redelivered(deduped)=%d lost=%d\n", next,
            nacked, dup, lost);
    assert_true(nacked > 0);
    assert_int_equal(lost, 0);
    rt_sip_close(b);
    usleep(200000);
    assert_int_equal(rt_server_stop(&s, SIGTERM), 0);
    assert_int_equal(rt_server_restart(&s), 0);
    b = login(&s, "sip:bob@example.org", 1, sb);
    assert_null(rt_sip_next_delivery(b, 500)); /* everything acked stays gone */
    rt_sip_close(b);
    rt_server_cleanup(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register),
        cmocka_unit_test(test_offline_ack_isolation),
        cmocka_unit_test(test_refused_redelivery),
        cmocka_unit_test(test_fanout),
        cmocka_unit_test(test_quota_ttl),
        cmocka_unit_test(test_crash_restart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
