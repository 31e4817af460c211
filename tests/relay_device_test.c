/*
 * relay_device_test.c - per-device addressing in cairn-relay against the
 * real binary (spec/relay-api.md section 9, RELAY-DEV-*): a MESSAGE whose
 * Request-URI (or recipient-list entry) carries gr=<device> reaches only
 * that device; the sender's device on a delivery is the relay's, whatever
 * the sender wrote; a device the relay does not list is refused with the
 * current list; a device still reads and acknowledges only its own queue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relay_support.h"
#include "test_support.h"

#define LOOSE "[limits]\nrate_address_burst = 100000\nrate_account_burst = 100000\n"
#define ALICE "sip:alice@example.org"
#define BOB "sip:bob@example.org"

typedef struct world {
    rt_server s;
    char a[4][33]; /* alice devices 1..3 */
    char b[3][33]; /* bob devices 1..2 */
} world;

static void world_start(world *w)
{
    char auth[64];
    assert_int_equal(rt_server_start(&w->s, LOOSE), 0);
    for (int i = 1; i <= 3; i++)
        rt_secret(w->a[i]);
    for (int i = 1; i <= 2; i++)
        rt_secret(w->b[i]);
    assert_int_equal(rt_register(&w->s, ALICE, 1, w->a[1], NULL, NULL, NULL), 201);
    assert_int_equal(rt_register(&w->s, BOB, 1, w->b[1], NULL, NULL, NULL), 201);
    snprintf(auth, sizeof auth, "%s.1", ALICE);
    for (unsigned d = 2; d <= 3; d++)
        assert_int_equal(rt_register(&w->s, ALICE, d, w->a[d], NULL, auth, w->a[1]), 201);
    snprintf(auth, sizeof auth, "%s.1", BOB);
    assert_int_equal(rt_register(&w->s, BOB, 2, w->b[2], NULL, auth, w->b[1]), 201);
}

static rt_sip *login(world *w, const char *uri, unsigned dev)
{
    rt_sip *c = rt_sip_connect(&w->s);
    assert_non_null(c);
    const char *secret = strcmp(uri, ALICE) == 0 ? w->a[dev] : w->b[dev];
    assert_int_equal(rt_sip_register(c, uri, dev, secret), 200);
    return c;
}

/* A MESSAGE with arbitrary From and extra header lines; returns the final
 * response (caller frees), NULL on timeout. Requests that arrive while
 * waiting are dropped (the senders here receive nothing meanwhile). */
static cairn_sip_msg *raw_message(rt_sip *c, const char *from, const char *ruri, const char *extra,
                                  const char *ctype, const char *body)
{
    static unsigned seq;
    char hdr[4096], cid[32];
    snprintf(cid, sizeof cid, "dev-%u-%d", ++seq, (int)getpid());
    int n = snprintf(hdr, sizeof hdr,
                     "MESSAGE %s SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK%s\r\n"
                     "Max-Forwards: 70\r\nFrom: <%s>;tag=f%u\r\nTo: <%s>\r\nCall-ID: %s\r\n"
                     "CSeq: 1 MESSAGE\r\n%sContent-Type: %s\r\nContent-Length: %zu\r\n\r\n%s",
                     ruri, cid, from, seq, ruri, cid, extra ? extra : "",
                     ctype ? ctype : "message/cpim", strlen(body), body);
    assert_true(n > 0 && (size_t)n < sizeof hdr);
    assert_int_equal(rt_sip_send_raw(c, hdr, (size_t)n), 0);
    for (int i = 0; i < 50; i++) {
        cairn_sip_msg *m = rt_sip_read(c, 5000);
        if (m == NULL)
            return NULL;
        const char *got = cairn_sip_msg_header(m, "Call-ID", 0);
        if (!cairn_sip_msg_is_request(m) && got && strcmp(got, cid) == 0 &&
            cairn_sip_msg_status(m) >= 200)
            return m;
        cairn_sip_msg_free(m);
    }
    return NULL;
}

static int send_code(rt_sip *c, const char *from, const char *ruri, const char *extra,
                     const char *body)
{
    cairn_sip_msg *m = raw_message(c, from, ruri, extra, NULL, body);
    assert_non_null(m);
    int code = cairn_sip_msg_status(m);
    cairn_sip_msg_free(m);
    return code;
}

/* Everything delivered to c within timeout_ms, acknowledged, as the
 * comma-separated bodies ("" for none). */
static void received(rt_sip *c, int timeout_ms, char *out, size_t cap)
{
    cairn_sip_msg *m;
    out[0] = '\0';
    while ((m = rt_sip_next_delivery(c, timeout_ms)) != NULL) {
        size_t bl, n = strlen(out);
        const uint8_t *b = cairn_sip_msg_body(m, &bl);
        snprintf(out + n, cap - n, "%s%.*s", n ? "," : "", (int)bl, (const char *)b);
        assert_int_equal(rt_sip_reply(c, m, 200), 0);
        cairn_sip_msg_free(m);
    }
}

/* RELAY-DEV-1/2: an addressed copy reaches only its device; a MESSAGE
 * without gr still reaches every device (RELAY-Q-1). RELAY-DEV-4: the
 * delivery names both devices in its From and To URIs. */
static void test_addressed_copy(void **state)
{
    world w;
    char got[256];
    (void)state;
    world_start(&w);
    rt_sip *b = login(&w, BOB, 1);
    assert_int_equal(send_code(b, BOB, ALICE ";gr=2", NULL, "for-two"), 202);
    assert_int_equal(send_code(b, BOB, ALICE ";gr=3", NULL, "for-three"), 202);
    assert_int_equal(send_code(b, BOB, ALICE, NULL, "for-all"), 202);
    /* uppercase parameter name and other parameters around it */
    assert_int_equal(send_code(b, BOB, ALICE ";transport=tls;GR=2;x", NULL, "two-again"), 202);

    rt_sip *a1 = login(&w, ALICE, 1);
    received(a1, 800, got, sizeof got);
    assert_string_equal(got, "for-all");
    rt_sip_close(a1);

    rt_sip *a2 = login(&w, ALICE, 2);
    cairn_sip_msg *m = rt_sip_next_delivery(a2, 3000);
    assert_non_null(m);
    assert_non_null(strstr(cairn_sip_msg_header(m, "From", 0), "<sip:bob@example.org;gr=1>"));
    assert_non_null(strstr(cairn_sip_msg_header(m, "To", 0), "<sip:alice@example.org;gr=2>"));
    assert_string_equal(cairn_sip_msg_header(m, "Cairn-Sender-Device", 0), "1");
    assert_int_equal(rt_sip_reply(a2, m, 200), 0);
    cairn_sip_msg_free(m);
    received(a2, 800, got, sizeof got);
    assert_string_equal(got, "for-all,two-again");
    rt_sip_close(a2);

    rt_sip *a3 = login(&w, ALICE, 3);
    received(a3, 800, got, sizeof got);
    assert_string_equal(got, "for-three,for-all");
    rt_sip_close(a3);

    /* a user addressing one of its own other devices (sync) */
    rt_sip *b2 = login(&w, BOB, 2);
    assert_int_equal(send_code(b, BOB, BOB ";gr=2", NULL, "own-sync"), 202);
    received(b2, 1500, got, sizeof got);
    assert_string_equal(got, "own-sync");
    rt_sip_close(b2);
    rt_sip_close(b);
    rt_server_cleanup(&w.s);
}

/* RELAY-DEV-4: the sender's device comes from its registered flow; a
 * Cairn-Sender-Device header or a gr in From set by the sender is not
 * believed. */
static void test_sender_device_not_spoofable(void **state)
{
    world w;
    (void)state;
    world_start(&w);
    rt_sip *b2 = login(&w, BOB, 2);
    assert_int_equal(send_code(b2, "sip:carol@example.org;gr=7", ALICE ";gr=1",
                               "Cairn-Sender-Device: 1\r\nCairn-Queued-At: 1\r\n", "spoof"),
                     202);
    rt_sip *a1 = login(&w, ALICE, 1);
    cairn_sip_msg *m = rt_sip_next_delivery(a1, 3000);
    assert_non_null(m);
    assert_string_equal(cairn_sip_msg_header(m, "Cairn-Sender-Device", 0), "2");
    assert_null(cairn_sip_msg_header(m, "Cairn-Sender-Device", 1));
    assert_non_null(strstr(cairn_sip_msg_header(m, "From", 0), "<sip:bob@example.org;gr=2>"));
    assert_null(strstr(cairn_sip_msg_header(m, "From", 0), "carol"));
    assert_int_not_equal(strcmp(cairn_sip_msg_header(m, "Cairn-Queued-At", 0), "1"), 0);
    assert_int_equal(rt_sip_reply(a1, m, 200), 0);
    cairn_sip_msg_free(m);
    rt_sip_close(a1);
    rt_sip_close(b2);
    rt_server_cleanup(&w.s);
}

/* RELAY-DEV-3: an unknown device is 410 with the current list and stores
 * nothing; RELAY-DEV-1: malformed gr values are 400; RELAY-DEV-2: the
 * sending device itself cannot be addressed. */
static void test_unknown_device(void **state)
{
    world w;
    char got[256], auth[64];
    (void)state;
    world_start(&w);
    rt_sip *b = login(&w, BOB, 1);
    cairn_sip_msg *m = raw_message(b, BOB, ALICE ";gr=9", NULL, NULL, "lost");
    assert_non_null(m);
    assert_int_equal(cairn_sip_msg_status(m), 410);
    assert_string_equal(cairn_sip_msg_header(m, "Cairn-Devices", 0), "<sip:alice@example.org> 1 2 3");
    assert_non_null(strstr(cairn_sip_msg_header(m, "Warning", 0), "unknown device 9"));
    cairn_sip_msg_free(m);

    /* the list follows removals */
    rt_resp r;
    snprintf(auth, sizeof auth, "%s.1", ALICE);
    assert_int_equal(rt_http(&w.s, "DELETE", "/v1/devices/2", auth, w.a[1], NULL, 0, &r), 0);
    assert_int_equal(r.code, 200);
    free(r.body);
    m = raw_message(b, BOB, ALICE ";gr=2", NULL, NULL, "lost");
    assert_non_null(m);
    assert_int_equal(cairn_sip_msg_status(m), 410);
    assert_string_equal(cairn_sip_msg_header(m, "Cairn-Devices", 0), "<sip:alice@example.org> 1 3");
    cairn_sip_msg_free(m);

    const char *bad[] = {";gr=0", ";gr=", ";gr", ";gr=abc", ";gr=2147483648", ";gr=01",
                         ";gr=-1", ";gr=1x", ";gr=99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char ruri[128];
        snprintf(ruri, sizeof ruri, "%s%s", ALICE, bad[i]);
        assert_int_equal(send_code(b, BOB, ruri, NULL, "bad"), 400);
    }
    assert_int_equal(send_code(b, BOB, BOB ";gr=1", NULL, "me"), 400);
    assert_int_equal(send_code(b, BOB, "sip:ghost@example.org;gr=1", NULL, "x"), 404);
    /* the largest device id is well-formed, just not listed */
    assert_int_equal(send_code(b, BOB, ALICE ";gr=2147483647", NULL, "x"), 410);

    rt_sip *a1 = login(&w, ALICE, 1);
    received(a1, 800, got, sizeof got);
    assert_string_equal(got, "");
    rt_sip_close(a1);
    rt_sip_close(b);
    rt_server_cleanup(&w.s);
}

#define LIST(entries)                                                                              \
    "--b1\r\nContent-Type: application/resource-lists+xml\r\n"                                     \
    "Content-Disposition: recipient-list\r\n\r\n"                                                  \
    "<resource-lists xmlns=\"urn:ietf:params:xml:ns:resource-lists\"><list>" entries               \
    "</list></resource-lists>\r\n"                                                                 \
    "--b1\r\nContent-Type: message/cpim\r\n\r\n"

/* RELAY-DEV-6: recipient lists with per-device entries; a whole-user entry
 * covers that user's device entries (one copy per device); an unknown
 * device refuses the whole MESSAGE. */
static void test_recipient_list_devices(void **state)
{
    world w;
    char got[256];
    (void)state;
    world_start(&w);
    rt_sip *a1 = login(&w, ALICE, 1);
    const char *one = LIST("<entry uri=\"sip:bob@example.org;gr=2\"/>"
                           "<entry uri=\"sip:alice@example.org;gr=3\"/>") "L1\r\n--b1--\r\n";
    const char *two = LIST("<entry uri=\"sip:bob@example.org;gr=1\"/>"
                           "<entry uri=\"sip:bob@example.org\"/>"
                           "<entry uri=\"sip:bob@example.org;gr=2\"/>") "L2\r\n--b1--\r\n";
    const char *bad = LIST("<entry uri=\"sip:bob@example.org\"/>"
                           "<entry uri=\"sip:alice@example.org;gr=8\"/>") "L3\r\n--b1--\r\n";
    const char *mal = LIST("<entry uri=\"sip:bob@example.org;gr=x\"/>") "L4\r\n--b1--\r\n";
    const char *ct = "multipart/mixed;boundary=b1";
    cairn_sip_msg *m = raw_message(a1, ALICE, "sip:example.org", NULL, ct, one);
    assert_int_equal(cairn_sip_msg_status(m), 202);
    cairn_sip_msg_free(m);
    m = raw_message(a1, ALICE, "sip:example.org", NULL, ct, two);
    assert_int_equal(cairn_sip_msg_status(m), 202);
    cairn_sip_msg_free(m);
    m = raw_message(a1, ALICE, "sip:example.org", NULL, ct, bad);
    assert_int_equal(cairn_sip_msg_status(m), 410);
    assert_string_equal(cairn_sip_msg_header(m, "Cairn-Devices", 0), "<sip:alice@example.org> 1 2 3");
    cairn_sip_msg_free(m);
    m = raw_message(a1, ALICE, "sip:example.org", NULL, ct, mal);
    assert_int_equal(cairn_sip_msg_status(m), 400);
    cairn_sip_msg_free(m);
    rt_sip_close(a1);

    struct {
        const char *uri;
        unsigned dev;
        const char *want;
    } want[] = {{BOB, 1, "L2"}, {BOB, 2, "L1,L2"}, {ALICE, 2, ""}, {ALICE, 3, "L1"}};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        rt_sip *c = login(&w, want[i].uri, want[i].dev);
        received(c, 800, got, sizeof got);
        assert_string_equal(got, want[i].want);
        rt_sip_close(c);
    }
    rt_server_cleanup(&w.s);
}

/* RELAY-Q-6 still holds with addressing: alice's device 2 can neither see
 * nor acknowledge a copy addressed to her device 3. */
static void test_own_queue_only(void **state)
{
    world w;
    char got[256];
    (void)state;
    world_start(&w);
    rt_sip *b = login(&w, BOB, 1);
    assert_int_equal(send_code(b, BOB, ALICE ";gr=3", NULL, "secret-3"), 202);
    rt_sip *a2 = login(&w, ALICE, 2);
    assert_null(rt_sip_next_delivery(a2, 600));
    for (int q = 1; q <= 4; q++) {
        char fake[320];
        int n = snprintf(fake, sizeof fake,
                         "SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS example.org;branch=z9hG4bKx\r\n"
                         "From: <sip:bob@example.org>;tag=a\r\nTo: <sip:alice@example.org>;tag=b\r\n"
                         "Call-ID: cq-%d-0\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n",
                         q);
        assert_int_equal(rt_sip_send_raw(a2, fake, (size_t)n), 0);
    }
    usleep(200000);
    rt_sip_close(a2);
    rt_sip *a3 = login(&w, ALICE, 3);
    received(a3, 1500, got, sizeof got);
    assert_string_equal(got, "secret-3");
    rt_sip_close(a3);
    rt_sip_close(b);
    rt_server_cleanup(&w.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addressed_copy),
        cmocka_unit_test(test_sender_device_not_spoofable),
        cmocka_unit_test(test_unknown_device),
        cmocka_unit_test(test_recipient_list_devices),
        cmocka_unit_test(test_own_queue_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
