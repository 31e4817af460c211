/*
 * transport_tshark.c - wire conformance: two Cairn endpoints exchange a
 * pager MESSAGE and a 50 KB session-mode payload (INVITE/200/ACK, MSRP
 * SENDs with 200s and a REPORT, BYE) over plain TCP on loopback while
 * tshark captures; tshark then dissects the capture with the SIP and MSRP
 * dissectors on those ports and the test requires that both protocols
 * were recognised and that no frame is malformed or carries a SIP/MSRP
 * expert warning. Skips with a message when tshark is absent or may not
 * capture on the loopback interface.
 */
#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base.h"
#include "cairn/cpim.h"
#include "test_support.h"
#include "transport_util.h"
#include "ua_test_util.h"

static const char *tshark_path(void)
{
    if (access("/usr/bin/tshark", X_OK) == 0)
        return "/usr/bin/tshark";
    if (access("/usr/local/bin/tshark", X_OK) == 0)
        return "/usr/local/bin/tshark";
    return NULL;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *b;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    n = (long)fread(b, 1, (size_t)n, f);
    b[n] = '\0';
    fclose(f);
    return b;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Runs tshark with args, stdout to out_path (stderr, where tshark chats
 * about running as root, to /dev/null); returns the exit status. */
static int run(const char *const *argv, const char *out_path)
{
    pid_t pid = fork();
    int st;

    if (pid == 0) {
        int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int nul = open("/dev/null", O_WRONLY);
        dup2(fd, 1);
        dup2(nul, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

typedef struct stream {
    uint8_t *p;
    size_t len, cap;
} stream;

static void stream_add(stream *s, const uint8_t *p, size_t n)
{
    if (s->len + n > s->cap) {
        s->cap = (s->len + n) * 2;
        s->p = realloc(s->p, s->cap);
    }
    memcpy(s->p + s->len, p, n);
    s->len += n;
}

static void hex_packet(FILE *f, char dir, const uint8_t *p, size_t n)
{
    fprintf(f, "%c\n", dir);
    for (size_t i = 0; i < n; i += 16) {
        fprintf(f, "%06zx", i);
        for (size_t j = i; j < n && j < i + 16; j++)
            fprintf(f, " %02x", p[j]);
        fputc('\n', f);
    }
    fputc('\n', f);
}

/* Emits every complete MSRP message at the front of s as one packet. */
static int drain(stream *s, char dir, FILE *f)
{
    int n = 0;

    for (;;) {
        char tid[40], end[64];
        size_t i, tl = 0;
        uint8_t *hit;

        if (s->len < 10 || memcmp(s->p, "MSRP ", 5) != 0)
            return n;
        for (i = 5; i < s->len && s->p[i] != ' ' && tl < sizeof(tid) - 1; i++)
            tid[tl++] = (char)s->p[i];
        tid[tl] = '\0';
        snprintf(end, sizeof(end), "\r\n-------%s", tid);
        hit = memmem(s->p, s->len, end, strlen(end));
        if (hit == NULL || (size_t)(hit - s->p) + strlen(end) + 3 > s->len)
            return n;
        size_t mlen = (size_t)(hit - s->p) + strlen(end) + 3; /* flag + CRLF */
        hex_packet(f, dir, s->p, mlen);
        memmove(s->p, s->p + mlen, s->len - mlen);
        s->len -= mlen;
        n++;
    }
}

/* Input: "dstport<TAB>hexpayload" lines from tshark. Output: a text2pcap
 * hexdump with I/O direction marks, one MSRP message per packet. */
static int split_msrp(const char *fields, uint16_t msrp_port, const char *hexpath)
{
    stream st[2] = {{0}, {0}};
    FILE *f = fopen(hexpath, "w");
    int n = 0;

    for (const char *l = fields; *l;) {
        const char *e = strchr(l, '\n');
        size_t ll = e ? (size_t)(e - l) : strlen(l);
        unsigned port = (unsigned)strtoul(l, NULL, 10);
        const char *tab = memchr(l, '\t', ll);
        if (tab != NULL) {
            int d = port == msrp_port ? 0 : 1; /* 0: towards the listener */
            size_t hl = ll - (size_t)(tab + 1 - l);
            uint8_t *bytes = malloc(hl / 2 + 1);
            size_t nb = 0;
            for (size_t i = 0; i + 1 < hl; i += 2) {
                unsigned v;
                if (sscanf(tab + 1 + i, "%2x", &v) != 1)
                    break;
                bytes[nb++] = (uint8_t)v;
            }
            stream_add(&st[d], bytes, nb);
            free(bytes);
            n += drain(&st[d], d == 0 ? 'O' : 'I', f);
        }
        l += ll + (e ? 1 : 0);
    }
    fclose(f);
    free(st[0].p);
    free(st[1].p);
    return n;
}

static void test_tshark(void **state)
{
    const char *ts = tshark_path();
    cairn_context *ctx;
    ut_ep alice, bob;
    ut_ep *eps[2] = {&alice, &bob};
    cairn_ua_config ca, cb;
    char *dir, cap[512], log[512], out[512], filter[128], dsip[64], dmsrp[64], bob_uri[128];
    char id[CAIRN_UA_ID_SIZE];
    pid_t cpid;
    cairn__buf b;
    cairn_cpim m;
    uint8_t *payload;
    size_t plen = 50 * 1024;
    uint16_t sip_port, msrp_port;
    char *text;
    int started = 0;
    (void)state;

    if (ts == NULL) {
        fprintf(stderr, "SKIP: tshark is not installed (apt-get install tshark)\n");
        skip();
    }
    dir = cts_tempdir();
    snprintf(cap, sizeof(cap), "%s/cap.pcapng", dir);
    snprintf(log, sizeof(log), "%s/capture.log", dir);
    snprintf(out, sizeof(out), "%s/dissect.txt", dir);

    ctx = ut_context();
    ut_ep_config(&bob, &cb, "sip:bob@127.0.0.1");
    cb.sip_listen = cb.msrp_listen = true;
    assert_int_equal(cairn_ua_create(ctx, &cb, &bob.ua), CAIRN_OK);
    sip_port = cairn_ua_sip_port(bob.ua);
    msrp_port = cairn_ua_msrp_port(bob.ua);
    ut_ep_config(&alice, &ca, "sip:alice@127.0.0.1");
    ca.proxy_ip = "127.0.0.1";
    ca.proxy_port = sip_port;
    assert_int_equal(cairn_ua_create(ctx, &ca, &alice.ua), CAIRN_OK);
    snprintf(bob_uri, sizeof(bob_uri), "sip:bob@127.0.0.1:%u", (unsigned)sip_port);

    /* start the capture before any connection exists */
    snprintf(filter, sizeof(filter), "tcp port %u or tcp port %u", (unsigned)sip_port,
             (unsigned)msrp_port);
    cpid = fork();
    if (cpid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        dup2(fd, 2);
        execl(ts, ts, "-i", "lo", "-f", filter, "-w", cap, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 150 && !started; i++) {
        sleep_ms(100);
        text = slurp(log);
        if (text != NULL && strstr(text, "Capturing on"))
            started = 1;
        if (text != NULL && (strstr(text, "ermission") || strstr(text, "don't have")))
            i = 1000;
        free(text);
        if (waitpid(cpid, NULL, WNOHANG) == cpid)
            break;
    }
    if (!started) {
        kill(cpid, SIGKILL);
        waitpid(cpid, NULL, 0);
        text = slurp(log);
        fprintf(stderr, "SKIP: tshark cannot capture on lo here: %s\n", text ? text : "?");
        free(text);
        ut_ep_free(&alice);
        ut_ep_free(&bob);
        cairn_context_destroy(ctx);
        cts_rmdir(dir);
        free(dir);
        skip();
    }
    sleep_ms(300);

    payload = malloc(plen);
    for (size_t i = 0; i < plen; i++)
        payload[i] = (uint8_t)(i * 7 + 3);
    memset(&m, 0, sizeof(m));
    m.from = "<sip:alice@127.0.0.1>";
    m.to = "<sip:bob@127.0.0.1>";
    m.content_type = "application/vnd.cairn.signal";
    cairn__buf_init(&b, ctx, plen + 4096);
    assert_int_equal(cairn_cpim_write(&b, &m, payload, 64), CAIRN_OK);
    assert_int_equal(cairn_ua_send(alice.ua, bob_uri, "message/cpim", b.data, b.len, id), CAIRN_OK);
    assert_true(ut_run(eps, 2, &alice.n_reports, 1, 20000));
    cairn__buf_reset(&b);
    assert_int_equal(cairn_cpim_write(&b, &m, payload, plen), CAIRN_OK);
    assert_int_equal(cairn_ua_send(alice.ua, bob_uri, "message/cpim", b.data, b.len, id), CAIRN_OK);
    assert_true(ut_run(eps, 2, &alice.n_reports, 2, 30000));
    assert_int_equal(alice.last_report, 200);
    assert_non_null(alice.last_session);
    assert_int_equal(cairn_ua_session_close(alice.last_session), CAIRN_OK);
    assert_true(ut_run(eps, 2, &bob.closed, 1, 10000));
    ut_run(eps, 2, NULL, 0, 200);
    ut_ep_free(&alice);
    ut_ep_free(&bob);
    sleep_ms(700);
    kill(cpid, SIGINT);
    waitpid(cpid, NULL, 0);

    snprintf(dsip, sizeof(dsip), "tcp.port==%u,sip", (unsigned)sip_port);
    snprintf(dmsrp, sizeof(dmsrp), "tcp.port==%u,msrp", (unsigned)msrp_port);
    {
        /* SIP from the live capture: the SIP dissector reassembles TCP */
        const char *argv[] = {
            ts,  "-r", cap, "-d", dsip, "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code",
            NULL};
        assert_int_equal(run(argv, out), 0);
        text = slurp(out);
        assert_non_null(text);
        if (!strstr(text, "MESSAGE") || !strstr(text, "INVITE") || !strstr(text, "ACK") ||
            !strstr(text, "BYE") || !strstr(text, "200"))
            fprintf(stderr, "---- SIP fields ----\n%s\n", text);
        assert_non_null(strstr(text, "MESSAGE"));
        assert_non_null(strstr(text, "INVITE"));
        assert_non_null(strstr(text, "ACK"));
        assert_non_null(strstr(text, "BYE"));
        assert_non_null(strstr(text, "200"));
        free(text);
    }
    {
        const char *argv[] = {ts,
                              "-r",
                              cap,
                              "-d",
                              dsip,
                              "-Y",
                              "_ws.malformed || ((sip || sdp) && _ws.expert.severity >= 6291456)",
                              NULL};
        assert_int_equal(run(argv, out), 0);
        text = slurp(out);
        assert_non_null(text);
        if (text[0] != '\0')
            fprintf(stderr, "---- SIP frames tshark flags ----\n%s\n", text);
        assert_string_equal(text, "");
        free(text);
    }
    {
        /* MSRP: Wireshark's MSRP dissector takes one message per TCP
         * segment, so the captured streams are cut into messages and
         * written back as one packet each with text2pcap. */
        char msrp_pcap[512], hex[512], txt2[512];
        const char *argv[] = {ts,       "-r", cap,           "-Y", filter,        "-T",
                              "fields", "-e", "tcp.dstport", "-e", "tcp.payload", NULL};
        char yfilter[128];
        snprintf(yfilter, sizeof(yfilter), "tcp.port==%u && tcp.len>0", (unsigned)msrp_port);
        argv[4] = yfilter;
        snprintf(msrp_pcap, sizeof(msrp_pcap), "%s/msrp.pcap", dir);
        snprintf(hex, sizeof(hex), "%s/msrp.hex", dir);
        assert_int_equal(run(argv, out), 0);
        text = slurp(out);
        assert_non_null(text);
        assert_true(split_msrp(text, msrp_port, hex) >= 8);
        free(text);
        snprintf(txt2, sizeof(txt2), "%s/text2pcap.log", dir);
        {
            char ports[64];
            const char *t2p = "/usr/bin/text2pcap";
            snprintf(ports, sizeof(ports), "40000,%u", (unsigned)msrp_port);
            const char *a2[] = {t2p, "-q", "-D", "-T", ports, hex, msrp_pcap, NULL};
            assert_int_equal(run(a2, txt2), 0);
        }
        const char *a3[] = {ts,
                            "-r",
                            msrp_pcap,
                            "-d",
                            dmsrp,
                            "-T",
                            "fields",
                            "-e",
                            "msrp.method",
                            "-e",
                            "msrp.status.code",
                            NULL};
        assert_int_equal(run(a3, out), 0);
        text = slurp(out);
        assert_non_null(text);
        if (getenv("TSHARK_VERBOSE") || !strstr(text, "SEND") || !strstr(text, "REPORT") ||
            !strstr(text, "200"))
            fprintf(stderr, "---- MSRP fields ----\n%s\n", text);
        assert_non_null(strstr(text, "SEND"));
        assert_non_null(strstr(text, "REPORT"));
        assert_non_null(strstr(text, "200"));
        free(text);
        const char *a4[] = {ts,
                            "-r",
                            msrp_pcap,
                            "-d",
                            dmsrp,
                            "-Y",
                            "_ws.malformed || !msrp || (msrp && _ws.expert.severity >= 6291456)",
                            NULL};
        assert_int_equal(run(a4, out), 0);
        text = slurp(out);
        assert_non_null(text);
        if (text[0] != '\0')
            fprintf(stderr, "---- MSRP frames tshark flags ----\n%s\n", text);
        assert_string_equal(text, "");
        free(text);
    }
    cairn__buf_free(&b);
    free(payload);
    cairn_context_destroy(ctx);
    cts_rmdir(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_tshark)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
