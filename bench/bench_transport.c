/*
 * bench_transport.c - MSRP throughput: messages per second through one
 * MSRP session on loopback, pipelined 1 KB SENDs, each counted when its
 * success REPORT comes back (so the figure includes the receiver's
 * reassembly, 200 responses and REPORTs); first directly between two
 * Cairn endpoints, then the same flow through a stock Kamailio MSRP relay
 * (server/deploy/kamailio/kamailio.cfg), and the ratio of the two.
 * Prints figures; asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base.h"
#include "cairn/cpim.h"
#include "cairn/ua.h"
#include "transport_util.h"
#include "ua_test_util.h"

#define N_MSGS 5000
#define MSG_SIZE 1024

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Opens a session alice->bob, then times N_MSGS payloads. Returns msg/s,
 * or a negative value on failure. */
static double run_flow(cairn_context *ctx, ut_ep *alice, ut_ep *bob, const char *to, int n)
{
    ut_ep *eps[2] = {alice, bob};
    uint8_t body[MSG_SIZE], ct[MSG_SIZE - 160];
    char id[CAIRN_UA_ID_SIZE];
    cairn_ua_session *s;
    double t0, t1;
    int base;
    cairn__buf b;
    cairn_cpim m;

    /* a 1 KB CPIM envelope around a ciphertext-sized payload */
    memset(ct, 0x5a, sizeof(ct));
    memset(&m, 0, sizeof(m));
    m.from = "<sip:alice@cairn.test>";
    m.to = "<sip:bob@cairn.test>";
    m.content_type = "application/vnd.cairn.signal";
    cairn__buf_init(&b, ctx, sizeof(body));
    memset(body, ' ', sizeof(body));
    if (cairn_cpim_write(&b, &m, ct, sizeof(ct)) != CAIRN_OK)
        return -6;
    memcpy(body, b.data, b.len);
    size_t blen = b.len;
    cairn__buf_free(&b);
    if (cairn_ua_session_open(alice->ua, to, &s) != CAIRN_OK)
        return -1;
    if (!ut_run(eps, 2, &alice->established, 1, 20000))
        return -2;
    /* warm-up message */
    if (cairn_ua_session_send(s, "message/cpim", body, blen, id) != CAIRN_OK ||
        !ut_run(eps, 2, &alice->n_reports, 1, 20000) || alice->last_report != 200)
        return -3;
    base = alice->n_reports;
    t0 = now_s();
    for (int i = 0; i < n; i++)
        if (cairn_ua_session_send(s, "message/cpim", body, blen, id) != CAIRN_OK)
            return -4;
    if (!ut_run(eps, 2, &alice->n_reports, base + n, 120000)) {
        fprintf(stderr, "only %d of %d reports (bob got %d messages, last report %d)\n",
                alice->n_reports - base, n, bob->n_msgs, alice->last_report);
        return -5;
    }
    t1 = now_s();
    (void)cairn_ua_session_close(s);
    ut_run(eps, 2, &bob->closed, 1, 5000);
    return n / (t1 - t0);
}

int main(void)
{
    cairn_context *ctx = ut_context();
    ut_ep alice, bob;
    cairn_ua_config ca, cb;
    char to[128];
    double direct, relay = -1;

    /* 1. direct: Bob listens for SIP and MSRP */
    ut_ep_config(&bob, &cb, "sip:bob@127.0.0.1");
    cb.sip_listen = cb.msrp_listen = true;
    cb.cb.on_message = NULL; /* accept everything */
    if (cairn_ua_create(ctx, &cb, &bob.ua) != CAIRN_OK)
        return 1;
    ut_ep_config(&alice, &ca, "sip:alice@127.0.0.1");
    ca.proxy_ip = "127.0.0.1";
    ca.proxy_port = cairn_ua_sip_port(bob.ua);
    if (cairn_ua_create(ctx, &ca, &alice.ua) != CAIRN_OK)
        return 1;
    snprintf(to, sizeof(to), "sip:bob@127.0.0.1:%u", (unsigned)cairn_ua_sip_port(bob.ua));
    direct = run_flow(ctx, &alice, &bob, to, N_MSGS);
    ut_ep_free(&alice);
    ut_ep_free(&bob);
    printf("bench_transport: %d x %d-byte MSRP SENDs, pipelined, counted on success REPORT\n",
           N_MSGS, MSG_SIZE);
    if (direct < 0)
        printf("  direct (one MSRP connection):  FAILED (%g)\n", direct);
    else
        printf("  direct (one MSRP connection):  %10.0f msg/s  (%.1f MB/s payload)\n", direct,
               direct * MSG_SIZE / 1e6);

    /* 2. through Kamailio's MSRP relay */
    if (tu_kamailio_path() == NULL) {
        printf("  via Kamailio MSRP relay:       skipped (kamailio not installed)\n");
    } else {
        char dir[] = "/tmp/cairn-bench-XXXXXX";
        uint16_t sp = tu_free_port(), mp = tu_free_port();
        pid_t pid;
        while (mp == sp)
            mp = tu_free_port();
        if (mkdtemp(dir) == NULL)
            return 1;
        pid = tu_kamailio_start(dir, sp, mp);
        if (pid < 0) {
            printf("  via Kamailio MSRP relay:       skipped (kamailio did not start)\n");
        } else {
            ut_ep_config(&alice, &ca, "sip:alice@cairn.test");
            ut_ep_config(&bob, &cb, "sip:bob@cairn.test");
            ca.proxy_ip = cb.proxy_ip = "127.0.0.1";
            ca.proxy_port = cb.proxy_port = sp;
            ca.registrar = cb.registrar = "sip:cairn.test";
            ca.password = "alice-secret";
            cb.password = "bob-secret";
            ca.msrp_relay_ip = cb.msrp_relay_ip = "127.0.0.1";
            ca.msrp_relay_port = cb.msrp_relay_port = mp;
            cb.cb.on_message = NULL;
            if (cairn_ua_create(ctx, &ca, &alice.ua) == CAIRN_OK &&
                cairn_ua_create(ctx, &cb, &bob.ua) == CAIRN_OK &&
                cairn_ua_start(alice.ua) == CAIRN_OK && cairn_ua_start(bob.ua) == CAIRN_OK) {
                ut_ep *eps[2] = {&alice, &bob};
                if (ut_run(eps, 2, &alice.registered, 1, 20000) &&
                    ut_run(eps, 2, &bob.registered, 1, 20000))
                    relay =
                        run_flow(ctx, &alice, &bob, "sip:bob@cairn.test",
                                 getenv("BENCH_RELAY_N") ? atoi(getenv("BENCH_RELAY_N")) : N_MSGS);
            }
            ut_ep_free(&alice);
            ut_ep_free(&bob);
            tu_kamailio_stop(pid);
            if (relay < 0)
                printf("  via Kamailio MSRP relay:       FAILED (%g)\n", relay);
            else
                printf("  via Kamailio MSRP relay:       %10.0f msg/s  (%.1f MB/s payload)\n",
                       relay, relay * MSG_SIZE / 1e6);
            if (relay > 0 && direct > 0)
                printf("  ratio relay/direct:            %10.2f\n", relay / direct);
        }
        {
            char cmd[128];
            snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
            if (system(cmd) != 0)
                fprintf(stderr, "could not remove %s\n", dir);
        }
    }
    cairn_context_destroy(ctx);
    return 0;
}
