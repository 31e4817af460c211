/*
 * bench_relay.c - load generator for cairn-relay, with mosquitto as the
 * yardstick. One libevent loop drives N TLS clients in a ring: client i
 * sends to client i+1, keeping W messages outstanding; a message counts
 * when the receiver has it and has acknowledged it (relay: the device's
 * 200 to the delivered MESSAGE; MQTT: QoS 1 PUBACK to the broker).
 * Latency is send -> receipt, measured from a timestamp in the payload.
 *
 * Targets, all started once and measured in interleaved runs (run 1 of
 * each target, then run 2 of each, ...) so slow drifts of the shared
 * machine hit all of them alike; the median of the runs is reported:
 *  - cairn-relay with its defaults, synchronous=full (every group commit is
 *    fsynced before its 202s: survives power loss);
 *  - cairn-relay with synchronous=normal (WAL without fsync per commit:
 *    survives a process crash, not a power loss);
 *  - mosquitto (QoS 1, persistence on, TLS, spoken here as MQTT 3.1.1).
 *    Fairness: mosquitto's persistence writes its database on autosave
 *    (default every 1800 s), not per message, so it is closest to neither
 *    relay mode; the ratio is printed against both.
 * Phases: (1) peak throughput per target (W messages outstanding per
 * client), with the server's and the load generator's CPU share so a
 * saturated generator shows; (2) latency at half of each relay's median
 * peak (paced); (3) RSS per idle TLS connection (open up to --idle
 * connections to the first relay, read its VmRSS).
 *
 *   bench_relay [--relay PATH] [--clients N] [--window W] [--seconds S]
 *               [--idle M] [--sync full|normal|both] [--runs R]
 *               [--commit-interval MS] [--no-mqtt] [--legacy]
 *
 * --legacy leaves out options an older cairn-relay does not know, for
 * before/after runs with the same load generator.
 * Prints figures; asserts nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/ssl.h>

#include "base.h"
#include "cairn/sip.h"
#include "cairn/sip_digest.h"

#ifndef RELAY_BIN
#define RELAY_BIN "cairn-relay"
#endif

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- common client machinery -------------------------------------------- */

typedef enum { P_SIP, P_MQTT } proto;

typedef struct client {
    struct bench *b;
    int idx;
    struct bufferevent *bev;
    cairn_sip_reader *rd;
    bool ready;
    int outstanding;
    unsigned seq;
    char uri[64];
} client;

typedef struct bench {
    proto p;
    struct event_base *base;
    SSL_CTX *ssl;
    cairn_context *ctx;
    client *c;
    int n, window;
    int ready;
    double t_start, t_end;
    bool measuring, stop;
    uint64_t delivered;
    double *lat;
    size_t nlat, caplat;
    double pace_rate; /* messages/s in total; 0 = unpaced (window) */
    struct event *pace_ev;
    uint16_t port;
    char secret[40];
    pid_t server;                /* whose CPU the measured window reports */
    double server_cpu, self_cpu; /* shares of one core over that window */
} bench;

static void lat_add(bench *b, double v)
{
    if (b->nlat == b->caplat) {
        size_t nc = b->caplat ? b->caplat * 2 : 1 << 16;
        double *p = realloc(b->lat, nc * sizeof *p);
        if (!p)
            return;
        b->lat = p;
        b->caplat = nc;
    }
    b->lat[b->nlat++] = v;
}

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(bench *b, double p)
{
    if (b->nlat == 0)
        return NAN;
    qsort(b->lat, b->nlat, sizeof *b->lat, cmpd);
    size_t i = (size_t)(p * (double)(b->nlat - 1));
    return b->lat[i];
}

static void send_one(client *c);
static double proc_cpu_s(pid_t pid);
static double self_cpu_s(void);

/* ---- SIP side ------------------------------------------------------------ */

static void sip_register(client *c, const char *auth)
{
    struct evbuffer *o = bufferevent_get_output(c->bev);
    evbuffer_add_printf(
        o,
        "REGISTER sip:example.org SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bKr%d\r\n"
        "Max-Forwards: 70\r\nFrom: <%s>;tag=r\r\nTo: <%s>\r\nCall-ID: reg-%d\r\n"
        "CSeq: %d REGISTER\r\nContact: <sip:d@127.0.0.1;transport=tls>\r\n"
        "Expires: 3600\r\n%s%s%sContent-Length: 0\r\n\r\n",
        c->idx, c->uri, c->uri, c->idx, auth ? 2 : 1, auth ? "Authorization: " : "",
        auth ? auth : "", auth ? "\r\n" : "");
}

static void sip_send(client *c)
{
    bench *b = c->b;
    client *to = &b->c[(c->idx + 1) % b->n];
    char body[256];
    memset(body, 'x', sizeof body);
    int n = snprintf(body, sizeof body, "%.9f", now_s());
    body[n] = 'x';
    evbuffer_add_printf(bufferevent_get_output(c->bev),
                        "MESSAGE %s SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bKm%u\r\n"
                        "Max-Forwards: 70\r\nFrom: <%s>;tag=f\r\nTo: <%s>\r\nCall-ID: m%d-%u\r\n"
                        "CSeq: 1 MESSAGE\r\nCairn-Msg-Id: m%d-%u\r\nContent-Type: message/cpim\r\n"
                        "Content-Length: %zu\r\n\r\n",
                        to->uri, c->seq, c->uri, to->uri, c->idx, c->seq, c->idx, c->seq,
                        sizeof body);
    evbuffer_add(bufferevent_get_output(c->bev), body, sizeof body);
    c->seq++;
}

static void sip_on_msg(client *c, cairn_sip_msg *m)
{
    bench *b = c->b;
    if (!cairn_sip_msg_is_request(m)) {
        int code = cairn_sip_msg_status(m);
        const char *cid = cairn_sip_msg_header(m, "Call-ID", 0);
        if (cid && strncmp(cid, "reg-", 4) == 0) {
            if (code == 401) {
                cairn_sip_challenge ch;
                cairn__buf ab;
                char user[96];
                snprintf(user, sizeof user, "%s.1", c->uri);
                cairn__buf_init(&ab, b->ctx, 4096);
                if (cairn_sip_msg_challenge(m, "WWW-Authenticate", &ch) == CAIRN_OK &&
                    cairn_sip_digest_authorize(b->ctx, &ch, user, b->secret, "REGISTER",
                                               "sip:example.org", NULL, 1, &ab) == CAIRN_OK &&
                    cairn__buf_append_u8(&ab, 0) == CAIRN_OK)
                    sip_register(c, (const char *)ab.data);
                cairn__buf_free(&ab);
            } else if (code == 200 && !c->ready) {
                c->ready = true;
                b->ready++;
            }
        } else if (code >= 200) {
            c->outstanding--;
            if (code != 202)
                fprintf(stderr, "MESSAGE answered %d\n", code);
            if (!b->stop && b->pace_rate == 0)
                send_one(c);
        }
        return;
    }
    if (cairn_sip_msg_method_id(m) == CAIRN_SIP_MESSAGE) {
        size_t len;
        const uint8_t *body = cairn_sip_msg_body(m, &len);
        double t = strtod((const char *)body, NULL);
        if (b->measuring) {
            b->delivered++;
            lat_add(b, now_s() - t);
        }
        evbuffer_add_printf(
            bufferevent_get_output(c->bev),
            "SIP/2.0 200 OK\r\nVia: %s\r\nFrom: %s\r\nTo: %s;tag=a\r\nCall-ID: %s\r\n"
            "CSeq: %s\r\nContent-Length: 0\r\n\r\n",
            cairn_sip_msg_header(m, "Via", 0), cairn_sip_msg_header(m, "From", 0),
            cairn_sip_msg_header(m, "To", 0), cairn_sip_msg_header(m, "Call-ID", 0),
            cairn_sip_msg_header(m, "CSeq", 0));
    }
}

/* ---- MQTT 3.1.1 side ------------------------------------------------------ */

static void mqtt_len(struct evbuffer *o, size_t n)
{
    do {
        uint8_t d = n % 128;
        n /= 128;
        if (n)
            d |= 0x80;
        evbuffer_add(o, &d, 1);
    } while (n);
}

static void mqtt_str(struct evbuffer *o, const char *s)
{
    uint8_t l[2] = {(uint8_t)(strlen(s) >> 8), (uint8_t)strlen(s)};
    evbuffer_add(o, l, 2);
    evbuffer_add(o, s, strlen(s));
}

static void mqtt_connect(client *c)
{
    struct evbuffer *o = bufferevent_get_output(c->bev);
    char id[32];
    snprintf(id, sizeof id, "bench%d", c->idx);
    uint8_t hdr = 0x10;
    evbuffer_add(o, &hdr, 1);
    mqtt_len(o, 10 + 2 + strlen(id));
    mqtt_str(o, "MQTT");
    uint8_t v[4] = {4, 0x02, 0, 60}; /* level 4, clean session, keepalive 60 */
    evbuffer_add(o, v, 4);
    mqtt_str(o, id);
}

static void mqtt_send(client *c)
{
    bench *b = c->b;
    struct evbuffer *o = bufferevent_get_output(c->bev);
    char topic[32], body[256];
    snprintf(topic, sizeof topic, "c/%d", (c->idx + 1) % b->n);
    memset(body, 'x', sizeof body);
    int n = snprintf(body, sizeof body, "%.9f", now_s());
    body[n] = 'x';
    uint16_t pid = (uint16_t)(c->seq % 65535 + 1);
    uint8_t hdr = 0x32; /* PUBLISH QoS 1 */
    evbuffer_add(o, &hdr, 1);
    mqtt_len(o, 2 + strlen(topic) + 2 + sizeof body);
    mqtt_str(o, topic);
    uint8_t p[2] = {(uint8_t)(pid >> 8), (uint8_t)pid};
    evbuffer_add(o, p, 2);
    evbuffer_add(o, body, sizeof body);
    c->seq++;
}

static void mqtt_packet(client *c, uint8_t type, const uint8_t *p, size_t n)
{
    bench *b = c->b;
    struct evbuffer *o = bufferevent_get_output(c->bev);
    switch (type >> 4) {
    case 2: { /* CONNACK -> SUBSCRIBE c/<idx> QoS 1 */
        char topic[32];
        snprintf(topic, sizeof topic, "c/%d", c->idx);
        uint8_t hdr = 0x82;
        evbuffer_add(o, &hdr, 1);
        mqtt_len(o, 2 + 2 + strlen(topic) + 1);
        uint8_t pid[2] = {0, 1};
        evbuffer_add(o, pid, 2);
        mqtt_str(o, topic);
        uint8_t q = 1;
        evbuffer_add(o, &q, 1);
        break;
    }
    case 9: /* SUBACK */
        if (!c->ready) {
            c->ready = true;
            b->ready++;
        }
        break;
    case 4: /* PUBACK for our publish */
        c->outstanding--;
        if (!b->stop && b->pace_rate == 0)
            send_one(c);
        break;
    case 3: { /* PUBLISH to us (QoS 1) */
        if (n < 2)
            return;
        size_t tl = ((size_t)p[0] << 8) | p[1];
        if (n < 2 + tl + 2)
            return;
        const uint8_t *pid = p + 2 + tl;
        const uint8_t *body = pid + 2;
        size_t bl = n - (size_t)(body - p);
        char tmp[32];
        size_t k = bl < sizeof tmp - 1 ? bl : sizeof tmp - 1;
        memcpy(tmp, body, k);
        tmp[k] = 0;
        if (b->measuring) {
            b->delivered++;
            lat_add(b, now_s() - strtod(tmp, NULL));
        }
        uint8_t ack[4] = {0x40, 2, pid[0], pid[1]};
        evbuffer_add(o, ack, 4);
        break;
    }
    default:
        break;
    }
}

static void mqtt_read(client *c)
{
    struct evbuffer *in = bufferevent_get_input(c->bev);
    for (;;) {
        size_t avail = evbuffer_get_length(in);
        if (avail < 2)
            return;
        uint8_t h[5];
        size_t hn = avail < 5 ? avail : 5;
        evbuffer_copyout(in, h, hn);
        size_t len = 0, mul = 1, i = 1;
        for (; i < hn; i++) {
            len += (size_t)(h[i] & 0x7f) * mul;
            mul *= 128;
            if (!(h[i] & 0x80))
                break;
        }
        if (i == hn)
            return;
        size_t total = 1 + i + len;
        if (avail < total)
            return;
        uint8_t *pkt = malloc(total);
        evbuffer_remove(in, pkt, total);
        mqtt_packet(c, pkt[0], pkt + 1 + i, len);
        free(pkt);
    }
}

/* ---- loop plumbing -------------------------------------------------------- */

static void send_one(client *c)
{
    if (!c->ready)
        return;
    c->outstanding++;
    if (c->b->p == P_SIP)
        sip_send(c);
    else
        mqtt_send(c);
}

static void on_read(struct bufferevent *bev, void *arg)
{
    client *c = arg;
    if (c->b->p == P_MQTT) {
        mqtt_read(c);
        return;
    }
    struct evbuffer *in = bufferevent_get_input(bev);
    while (evbuffer_get_length(in) > 0) {
        struct evbuffer_iovec v;
        evbuffer_peek(in, -1, NULL, &v, 1);
        size_t used = 0;
        cairn_sip_msg *m = NULL;
        if (cairn_sip_reader_feed(c->rd, v.iov_base, v.iov_len, &used, &m) != CAIRN_OK) {
            fprintf(stderr, "client %d: framing error\n", c->idx);
            exit(1);
        }
        evbuffer_drain(in, used);
        if (m) {
            sip_on_msg(c, m);
            cairn_sip_msg_free(m);
        }
    }
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
    client *c = arg;
    (void)bev;
    if (what & BEV_EVENT_CONNECTED) {
        if (c->b->p == P_SIP)
            sip_register(c, NULL);
        else
            mqtt_connect(c);
        return;
    }
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        fprintf(stderr, "client %d: connection lost\n", c->idx);
        c->ready = false;
    }
}

static struct bufferevent *tls_connect(struct event_base *base, SSL_CTX *ssl, uint16_t port)
{
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    SSL *s = SSL_new(ssl);
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, -1, s, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL)
        return NULL;
    if (bufferevent_socket_connect(bev, (struct sockaddr *)&a, sizeof a) != 0) {
        bufferevent_free(bev);
        return NULL;
    }
    int fd = bufferevent_getfd(bev), one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return bev;
}

static void on_pace(evutil_socket_t fd, short what, void *arg)
{
    bench *b = arg;
    static unsigned rr;
    (void)fd;
    (void)what;
    /* Sends what the elapsed time allows, spread round-robin over clients. */
    static double carry, last;
    double t = now_s();
    if (last == 0 || t - last > 0.1)
        last = t;
    carry += b->pace_rate * (t - last);
    last = t;
    while (carry >= 1.0) {
        client *c = &b->c[rr++ % (unsigned)b->n];
        if (c->outstanding < 1000)
            send_one(c);
        carry -= 1.0;
    }
}

static void run_until(bench *b, double seconds)
{
    struct timeval tv = {(long)seconds, (long)((seconds - (double)(long)seconds) * 1e6)};
    event_base_loopexit(b->base, &tv);
    event_base_dispatch(b->base);
}

/* Runs one measurement; returns messages/s. */
static double measure(bench *b, double warm, double secs, double pace)
{
    b->pace_rate = pace;
    b->stop = false;
    if (pace > 0) {
        struct timeval ms = {0, 1000};
        b->pace_ev = event_new(b->base, -1, EV_PERSIST, on_pace, b);
        event_add(b->pace_ev, &ms);
    } else {
        for (int i = 0; i < b->n; i++)
            for (int k = b->c[i].outstanding; k < b->window; k++)
                send_one(&b->c[i]);
    }
    run_until(b, warm);
    b->measuring = true;
    b->delivered = 0;
    b->nlat = 0;
    double t0 = now_s(), sc0 = proc_cpu_s(b->server), mc0 = self_cpu_s();
    run_until(b, secs);
    double wall = now_s() - t0;
    double rate = (double)b->delivered / wall;
    b->server_cpu = (proc_cpu_s(b->server) - sc0) / wall;
    b->self_cpu = (self_cpu_s() - mc0) / wall;
    b->measuring = false;
    b->stop = true;
    if (b->pace_ev) {
        event_free(b->pace_ev);
        b->pace_ev = NULL;
    }
    run_until(b, 1.0); /* drain */
    for (int i = 0; i < b->n; i++)
        b->c[i].outstanding = 0;
    return rate;
}

static bool connect_all(bench *b)
{
    for (int i = 0; i < b->n; i++) {
        client *c = &b->c[i];
        c->b = b;
        c->idx = i;
        snprintf(c->uri, sizeof c->uri, "sip:u%d@example.org", i);
        if (b->p == P_SIP && cairn_sip_reader_new(b->ctx, NULL, &c->rd) != CAIRN_OK)
            return false;
        c->bev = tls_connect(b->base, b->ssl, b->port);
        if (c->bev == NULL)
            return false;
        bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
        bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    }
    double deadline = now_s() + 60;
    while (b->ready < b->n && now_s() < deadline)
        run_until(b, 0.1);
    return b->ready == b->n;
}

static void disconnect_all(bench *b)
{
    for (int i = 0; i < b->n; i++) {
        if (b->c[i].bev)
            bufferevent_free(b->c[i].bev);
        cairn_sip_reader_free(b->c[i].rd);
        memset(&b->c[i], 0, sizeof b->c[i]);
    }
    b->ready = 0;
}

/* ---- servers ------------------------------------------------------------- */

static pid_t spawn(char *const argv[], const char *log)
{
    pid_t p = fork();
    if (p == 0) {
        /* A server must not outlive an interrupted bench. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    return p;
}

static long rss_kb(pid_t pid)
{
    char path[64], line[256];
    long kb = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

static uint16_t free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    socklen_t l = sizeof a;
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, (struct sockaddr *)&a, sizeof a);
    getsockname(s, (struct sockaddr *)&a, &l);
    close(s);
    return ntohs(a.sin_port);
}

static size_t sink(char *p, size_t s, size_t n, void *u)
{
    (void)p;
    (void)u;
    return s * n;
}

static long http_register(uint16_t port, const char *uri, const char *secret)
{
    char url[128], body[256];
    long code = 0;
    snprintf(url, sizeof url, "https://127.0.0.1:%u/v1/accounts", port);
    snprintf(body, sizeof body, "{\"uri\":\"%s\",\"device\":1,\"secret\":\"%s\"}", uri, secret);
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    return code;
}

/* ---- the targets ----------------------------------------------------------- */

typedef struct target {
    const char *name;   /* printed */
    const char *config; /* printed */
    proto p;
    pid_t pid;
    uint16_t port, https;
    char dir[300];
    double peak[16], half_rate[16], half_p50[16], half_p99[16], peak_p50[16], peak_p99[16];
    double cpu_peak[16];
    int runs;
} target;

static double proc_cpu_s(pid_t pid)
{
    char path[64];
    unsigned long ut = 0, st = 0;
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    /* utime and stime are fields 14 and 15; the command (field 2) has no
     * spaces for our binaries. */
    if (fscanf(f, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        ut = st = 0;
    fclose(f);
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Set by --legacy: the relay under test predates max_connections_per_address. */
static bool g_legacy;

static bool start_relay(target *t, const char *relay_bin, const char *sync, const char *extra_db)
{
    char cfg[400], ports[400], log[400];
    snprintf(t->dir, sizeof t->dir, "/tmp/bench-relay-XXXXXX");
    if (!mkdtemp(t->dir))
        return false;
    snprintf(cfg, sizeof cfg, "%s/relay.ini", t->dir);
    snprintf(ports, sizeof ports, "%s/ports", t->dir);
    snprintf(log, sizeof log, "%s/relay.log", t->dir);
    FILE *f = fopen(cfg, "w");
    if (!f)
        return false;
    /* Defaults everywhere but: the durability mode under test, cheap
     * Argon2id (registration of the bench users only), and limits lifted
     * so one loopback address may open every client and idle connection. */
    fprintf(f,
            "[server]\nhttps_listen = 127.0.0.1:0\nsip_listen = 127.0.0.1:0\nstate_dir = %s/state\n"
            "ports_file = %s\ndomain = example.org\n[database]\nsynchronous = %s\n%s"
            "[auth]\nargon2_opslimit = 1\nargon2_memlimit_kib = 1024\n"
            "[limits]\nmax_connections = 100000\n%s"
            "rate_account_per_second = 10000000\n"
            "rate_account_burst = 10000000\nrate_address_per_second = 10000000\n"
            "rate_address_burst = 10000000\nregister_timeout_seconds = 3600\n"
            "[log]\nlevel = warn\n",
            t->dir, ports, sync, extra_db ? extra_db : "",
            g_legacy ? "" : "max_connections_per_address = 100000\n");
    fclose(f);
    char *rargv[] = {(char *)relay_bin, "-c", cfg, NULL};
    t->pid = spawn(rargv, log);
    for (int i = 0; i < 500 && !t->port; i++) {
        usleep(20000);
        FILE *pf = fopen(ports, "r");
        if (pf) {
            unsigned h, s2;
            if (fscanf(pf, "https=%u\nsip=%u", &h, &s2) == 2) {
                t->https = (uint16_t)h;
                t->port = (uint16_t)s2;
            }
            fclose(pf);
        }
    }
    if (!t->port) {
        fprintf(stderr, "relay did not start (log %s)\n", log);
        return false;
    }
    return true;
}

static bool start_mosquitto(target *t, const char *cert_dir)
{
    char mdir[400], mconf[400], mlog[400];
    snprintf(t->dir, sizeof t->dir, "/tmp/bench-mqtt-XXXXXX");
    if (!mkdtemp(t->dir))
        return false;
    snprintf(mdir, sizeof mdir, "%s/db", t->dir);
    mkdir(mdir, 0700);
    snprintf(mconf, sizeof mconf, "%s/mosquitto.conf", t->dir);
    snprintf(mlog, sizeof mlog, "%s/mosquitto.log", t->dir);
    t->port = free_port();
    FILE *f = fopen(mconf, "w");
    if (!f)
        return false;
    fprintf(f,
            "listener %u 127.0.0.1\nuser root\nallow_anonymous true\npersistence true\n"
            "persistence_location %s/\ncertfile %s/state/tls/cert.pem\n"
            "keyfile %s/state/tls/key.pem\nmax_inflight_messages 0\nmax_queued_messages 0\n"
            "log_dest stderr\nlog_type error\nlog_type warning\n",
            t->port, mdir, cert_dir, cert_dir);
    fclose(f);
    char *margv[] = {"mosquitto", "-c", mconf, NULL};
    t->pid = spawn(margv, mlog);
    usleep(500000);
    int st;
    if (waitpid(t->pid, &st, WNOHANG) == t->pid) {
        fprintf(stderr, "mosquitto did not start (log %s)\n", mlog);
        t->pid = 0;
        return false;
    }
    return true;
}

static void stop_target(target *t)
{
    if (t->pid > 0) {
        kill(t->pid, SIGTERM);
        waitpid(t->pid, NULL, 0);
        t->pid = 0;
    }
    char rm[400];
    snprintf(rm, sizeof rm, "rm -rf %s", t->dir);
    if (t->dir[0] && system(rm) != 0)
        fprintf(stderr, "could not remove %s\n", t->dir);
}

static double median(const double *v, int n)
{
    double tmp[16];
    memcpy(tmp, v, (size_t)n * sizeof *v);
    qsort(tmp, (size_t)n, sizeof *tmp, cmpd);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

/* One peak run against t (connect, measure, disconnect). */
static bool peak_run(bench *b, target *t, double secs, int run)
{
    b->p = t->p;
    b->port = t->port;
    if (!connect_all(b)) {
        fprintf(stderr, "%s: clients did not connect\n", t->name);
        disconnect_all(b);
        return false;
    }
    b->server = t->pid;
    t->peak[run] = measure(b, 1.0, secs, 0);
    t->cpu_peak[run] = b->server_cpu;
    t->peak_p50[run] = pct(b, 0.50) * 1e3;
    t->peak_p99[run] = pct(b, 0.99) * 1e3;
    printf("  run %d %-22s peak %8.0f msg/s  p50 %6.2f ms  p99 %6.2f ms  (server CPU %3.0f%% = "
           "%.1f us/msg, load generator CPU %3.0f%%)\n",
           run + 1, t->name, t->peak[run], t->peak_p50[run], t->peak_p99[run],
           t->cpu_peak[run] * 100, t->peak[run] > 0 ? t->cpu_peak[run] / t->peak[run] * 1e6 : 0.0,
           b->self_cpu * 100);
    fflush(stdout);
    disconnect_all(b);
    return true;
}

static bool half_run(bench *b, target *t, double secs, double rate, int run)
{
    b->p = t->p;
    b->port = t->port;
    if (!connect_all(b)) {
        disconnect_all(b);
        return false;
    }
    b->server = t->pid;
    t->half_rate[run] = measure(b, 1.0, secs, rate);
    t->half_p50[run] = pct(b, 0.50) * 1e3;
    t->half_p99[run] = pct(b, 0.99) * 1e3;
    printf(
        "  run %d %-22s at %6.0f msg/s paced: got %8.0f  p50 %6.2f ms  p99 %6.2f ms  (server CPU "
        "%3.0f%%)\n",
        run + 1, t->name, rate, t->half_rate[run], t->half_p50[run], t->half_p99[run],
        b->server_cpu * 100);
    fflush(stdout);
    disconnect_all(b);
    return true;
}

static bool register_users(uint16_t https, int n, const char *secret)
{
    for (int i = 0; i < n; i++) {
        char uri[64];
        snprintf(uri, sizeof uri, "sip:u%d@example.org", i);
        if (http_register(https, uri, secret) != 201)
            return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    const char *relay_bin = RELAY_BIN, *sync = "both", *extra_db = NULL;
    int n = 64, window = 8, idle = 10000, runs = 3;
    double secs = 5;
    bool mqtt = true;
    char extra[128] = "";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--relay") && i + 1 < argc)
            relay_bin = argv[++i];
        else if (!strcmp(argv[i], "--clients") && i + 1 < argc)
            n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--window") && i + 1 < argc)
            window = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            secs = atof(argv[++i]);
        else if (!strcmp(argv[i], "--idle") && i + 1 < argc)
            idle = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--sync") && i + 1 < argc)
            sync = argv[++i];
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--commit-interval") && i + 1 < argc) {
            snprintf(extra, sizeof extra, "commit_interval_ms = %d\n", atoi(argv[++i]));
            extra_db = extra;
        } else if (!strcmp(argv[i], "--no-mqtt"))
            mqtt = false;
        else if (!strcmp(argv[i], "--legacy"))
            g_legacy = true; /* for before/after runs against an older relay */
        else {
            fprintf(stderr,
                    "usage: bench_relay [--relay PATH] [--clients N] [--window W] [--seconds S]\n"
                    "                   [--idle M] [--sync full|normal|both] [--runs R]\n"
                    "                   [--commit-interval MS] [--no-mqtt] [--legacy]\n");
            return 2;
        }
    }
    if (runs < 1)
        runs = 1;
    if (runs > 16)
        runs = 16;
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if ((rlim_t)idle + 200 > rl.rlim_cur)
        idle = (int)rl.rlim_cur - 200;

    /* Targets: the relay in its default durable mode (synchronous=full),
     * optionally in synchronous=normal, and mosquitto. */
    target tg[3];
    int nt = 0;
    memset(tg, 0, sizeof tg);
    bool want_full = strcmp(sync, "normal") != 0, want_normal = strcmp(sync, "full") != 0;
    if (want_full) {
        tg[nt].name = "relay sync=full";
        tg[nt].config = "cairn-relay defaults: synchronous=full (fdatasync of the WAL per group "
                        "commit, on the syncer thread), commit_interval_ms=0, commit_batch=256";
        tg[nt].p = P_SIP;
        if (!start_relay(&tg[nt], relay_bin, "full", extra_db))
            return 1;
        nt++;
    }
    if (want_normal) {
        tg[nt].name = "relay sync=normal";
        tg[nt].config = "cairn-relay synchronous=normal (WAL, no fsync per commit: survives a "
                        "process crash, not a power loss)";
        tg[nt].p = P_SIP;
        if (!start_relay(&tg[nt], relay_bin, "normal", extra_db))
            return 1;
        nt++;
    }
    int relays = nt;
    if (mqtt) {
        tg[nt].name = "mosquitto";
        tg[nt].config = "mosquitto QoS 1, persistence true (database written on autosave, "
                        "default every 1800 s, not per message), TLS";
        tg[nt].p = P_MQTT;
        if (start_mosquitto(&tg[nt], tg[0].dir))
            nt++;
    }

    bench b;
    memset(&b, 0, sizeof b);
    if (cairn_context_create(NULL, &b.ctx) != CAIRN_OK)
        return 1;
    b.base = event_base_new();
    b.ssl = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_mode(b.ssl, SSL_MODE_RELEASE_BUFFERS);
    b.n = n;
    b.window = window;
    b.c = calloc((size_t)n, sizeof(client));
    snprintf(b.secret, sizeof b.secret, "benchsecret0123456789");
    for (int i = 0; i < relays; i++)
        if (!register_users(tg[i].https, n, b.secret)) {
            fprintf(stderr, "registration failed\n");
            return 1;
        }

    printf("bench_relay: %d TLS clients in a ring (client i sends to i+1), window %d, 256-byte "
           "messages, %g s per run, %d interleaved runs per target, median reported; "
           "extra relay option: %s\n",
           n, window, secs, runs, extra_db ? extra : "none");
    for (int i = 0; i < nt; i++)
        printf("  %-18s %s\n", tg[i].name, tg[i].config);
    printf("phase 1: peak throughput (W messages outstanding per client, counted when the receiver "
           "has acknowledged)\n");
    for (int run = 0; run < runs; run++)
        for (int i = 0; i < nt; i++)
            if (!peak_run(&b, &tg[i], secs, run))
                return 1;
    printf("phase 2: latency at half of each relay's median peak (paced)\n");
    for (int run = 0; run < runs; run++)
        for (int i = 0; i < relays; i++)
            if (!half_run(&b, &tg[i], secs, median(tg[i].peak, runs) / 2, run))
                return 1;

    double mq = mqtt && nt > relays ? median(tg[relays].peak, runs) : NAN;
    printf("\nsummary (median of %d runs)\n", runs);
    printf("%-8s %-18s %10s %9s %9s %8s %10s  %s\n", "phase", "target", "msg/s", "p50 ms", "p99 ms",
           "ratio", "CPU us/msg", "goal");
    for (int i = 0; i < nt; i++) {
        double pk = median(tg[i].peak, runs), us[16];
        for (int k = 0; k < runs; k++)
            us[k] = tg[i].peak[k] > 0 ? tg[i].cpu_peak[k] / tg[i].peak[k] * 1e6 : 0;
        printf("%-8s %-18s %10.0f %9.2f %9.2f %7.2fx %10.1f  %s\n", "peak", tg[i].name, pk,
               median(tg[i].peak_p50, runs), median(tg[i].peak_p99, runs), pk / mq,
               median(us, runs), tg[i].p == P_SIP ? ">= 1.5x mosquitto" : "");
    }
    for (int i = 0; i < relays; i++)
        printf("%-8s %-18s %10.0f %9.2f %9.2f %8s  %s\n", "half", tg[i].name,
               median(tg[i].half_rate, runs), median(tg[i].half_p50, runs),
               median(tg[i].half_p99, runs), "", "p99 <= 5 ms");
    fflush(stdout);
    for (int i = relays; i < nt; i++)
        stop_target(&tg[i]);

    /* phase 3: idle TLS connections, on the first relay */
    target *t = &tg[0];
    for (int i = 1; i < relays; i++)
        stop_target(&tg[i]);
    run_until(&b, 0.5);
    long before = rss_kb(t->pid);
    struct bufferevent **idle_bev = calloc((size_t)(idle > 0 ? idle : 1), sizeof *idle_bev);
    int opened = 0;
    for (int i = 0; i < idle; i++) {
        idle_bev[i] = tls_connect(b.base, b.ssl, t->port);
        if (!idle_bev[i])
            break;
        bufferevent_enable(idle_bev[i], EV_READ);
        opened++;
        if (i % 200 == 199)
            run_until(&b, 0.2); /* let handshakes complete */
    }
    run_until(&b, 3.0);
    long after = rss_kb(t->pid);
    printf("%-8s %-18s %d idle TLS connections (RLIMIT_NOFILE %ld): RSS %ld -> %ld KiB, %.1f KiB "
           "per connection (goal <= 40 KB)\n",
           "idle", t->name, opened, (long)rl.rlim_cur, before, after,
           opened ? (double)(after - before) / opened : 0.0);
    for (int i = 0; i < opened; i++)
        bufferevent_free(idle_bev[i]);
    free(idle_bev);
    stop_target(t);
    return 0;
}
