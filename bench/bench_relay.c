/*
 * bench_relay.c - load generator for cairn-relay, with mosquitto as the
 * yardstick. One libevent loop drives N TLS clients in a ring: client i
 * sends to client i+1, keeping W messages outstanding; a message counts
 * when the receiver has it and has acknowledged it (relay: the device's
 * 200 to the delivered MESSAGE; MQTT: QoS 1 PUBACK to the broker).
 * Latency is send -> receipt, measured from a timestamp in the payload.
 *
 * Phases: (1) peak throughput for the relay and for mosquitto (QoS 1,
 * persistence on, TLS, spoken here directly as MQTT 3.1.1) and the ratio;
 * (2) latency at half the relay's peak rate (paced); (3) RSS per idle TLS
 * connection (open up to --idle connections, read the relay's VmRSS).
 *
 *   bench_relay [--relay PATH] [--clients N] [--window W] [--seconds S]
 *               [--idle M] [--sync full|normal] [--no-mqtt]
 *
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

/* ---- SIP side ------------------------------------------------------------ */

static void sip_register(client *c, const char *auth)
{
    struct evbuffer *o = bufferevent_get_output(c->bev);
    evbuffer_add_printf(o,
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
                        to->uri, c->seq, c->uri, to->uri, c->idx, c->seq, c->idx, c->seq, sizeof body);
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
        evbuffer_add_printf(bufferevent_get_output(c->bev),
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
    struct bufferevent *bev =
        bufferevent_openssl_socket_new(base, -1, s, BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE);
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
    double t0 = now_s();
    run_until(b, secs);
    double rate = (double)b->delivered / (now_s() - t0);
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

int main(int argc, char **argv)
{
    const char *relay_bin = RELAY_BIN, *sync = "normal";
    int n = 64, window = 8, idle = 10000;
    double secs = 5;
    bool mqtt = true;
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
        else if (!strcmp(argv[i], "--no-mqtt"))
            mqtt = false;
    }
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if ((rlim_t)idle + 200 > rl.rlim_cur)
        idle = (int)rl.rlim_cur - 200;

    char dir[] = "/tmp/bench-relay-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char cfg[256], ports[256], log[256];
    snprintf(cfg, sizeof cfg, "%s/relay.ini", dir);
    snprintf(ports, sizeof ports, "%s/ports", dir);
    snprintf(log, sizeof log, "%s/relay.log", dir);
    FILE *f = fopen(cfg, "w");
    fprintf(f,
            "[server]\nhttps_listen = 127.0.0.1:0\nsip_listen = 127.0.0.1:0\nstate_dir = %s/state\n"
            "ports_file = %s\ndomain = example.org\n[database]\nsynchronous = %s\n"
            "[auth]\nargon2_opslimit = 1\nargon2_memlimit_kib = 1024\n"
            "[limits]\nmax_connections = 100000\nrate_account_per_second = 10000000\n"
            "rate_account_burst = 10000000\nrate_address_per_second = 10000000\n"
            "rate_address_burst = 10000000\nregister_timeout_seconds = 3600\n"
            "[log]\nlevel = warn\n",
            dir, ports, sync);
    fclose(f);
    char *rargv[] = {(char *)relay_bin, "-c", cfg, NULL};
    pid_t relay = spawn(rargv, log);
    uint16_t https = 0, sipp = 0;
    for (int i = 0; i < 300 && !sipp; i++) {
        usleep(20000);
        FILE *pf = fopen(ports, "r");
        if (pf) {
            unsigned h, s;
            if (fscanf(pf, "https=%u\nsip=%u", &h, &s) == 2) {
                https = (uint16_t)h;
                sipp = (uint16_t)s;
            }
            fclose(pf);
        }
    }
    if (!sipp) {
        fprintf(stderr, "relay did not start (log %s)\n", log);
        return 1;
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
    for (int i = 0; i < n; i++) {
        char uri[64];
        snprintf(uri, sizeof uri, "sip:u%d@example.org", i);
        if (http_register(https, uri, b.secret) != 201) {
            fprintf(stderr, "registration failed\n");
            return 1;
        }
    }
    printf("cairn-relay bench: %d TLS clients in a ring, window %d, 256-byte messages, "
           "synchronous=%s, %g s per phase\n", n, window, sync, secs);
    b.p = P_SIP;
    b.port = sipp;
    if (!connect_all(&b)) {
        fprintf(stderr, "SIP clients did not register\n");
        return 1;
    }
    double relay_rate = measure(&b, 1.0, secs, 0);
    printf("relay    peak: %9.0f msg/s delivered+acked   p50 %.2f ms  p99 %.2f ms\n", relay_rate,
           pct(&b, 0.50) * 1e3, pct(&b, 0.99) * 1e3);
    double half = measure(&b, 1.0, secs, relay_rate / 2);
    printf("relay at 50%%: %9.0f msg/s (paced %.0f)      p50 %.2f ms  p99 %.2f ms\n", half,
           relay_rate / 2, pct(&b, 0.50) * 1e3, pct(&b, 0.99) * 1e3);
    disconnect_all(&b);

    if (mqtt) {
        char mdir[300], mconf[320], mlog[320];
        snprintf(mdir, sizeof mdir, "%s/mosquitto", dir);
        mkdir(mdir, 0700);
        snprintf(mconf, sizeof mconf, "%s/mosquitto.conf", dir);
        snprintf(mlog, sizeof mlog, "%s/mosquitto.log", dir);
        uint16_t mport = free_port();
        f = fopen(mconf, "w");
        fprintf(f,
                "listener %u 127.0.0.1\nuser root\nallow_anonymous true\npersistence true\n"
                "persistence_location %s/\ncertfile %s/state/tls/cert.pem\n"
                "keyfile %s/state/tls/key.pem\nmax_inflight_messages 0\nmax_queued_messages 0\n"
                "log_dest stderr\nlog_type error\nlog_type warning\n",
                mport, mdir, dir, dir);
        fclose(f);
        char *margv[] = {"mosquitto", "-c", mconf, NULL};
        pid_t mq = spawn(margv, mlog);
        usleep(500000);
        b.p = P_MQTT;
        b.port = mport;
        if (connect_all(&b)) {
            double mq_rate = measure(&b, 1.0, secs, 0);
            printf("mosquitto peak: %9.0f msg/s (QoS 1, persistence, TLS)   p50 %.2f ms  p99 %.2f ms\n",
                   mq_rate, pct(&b, 0.50) * 1e3, pct(&b, 0.99) * 1e3);
            printf("ratio relay/mosquitto: %.2fx\n", relay_rate / mq_rate);
        } else {
            printf("mosquitto: clients did not connect (see %s)\n", mlog);
        }
        disconnect_all(&b);
        kill(mq, SIGTERM);
        waitpid(mq, NULL, 0);
    }

    /* idle TLS connections */
    run_until(&b, 0.5);
    long before = rss_kb(relay);
    struct bufferevent **idle_bev = calloc((size_t)idle, sizeof *idle_bev);
    int opened = 0;
    for (int i = 0; i < idle; i++) {
        idle_bev[i] = tls_connect(b.base, b.ssl, sipp);
        if (!idle_bev[i])
            break;
        bufferevent_enable(idle_bev[i], EV_READ);
        opened++;
        if (i % 200 == 199)
            run_until(&b, 0.2); /* let handshakes complete */
    }
    run_until(&b, 3.0);
    long after = rss_kb(relay);
    printf("idle TLS connections: %d opened (RLIMIT_NOFILE %ld); relay RSS %ld -> %ld KiB: %.1f KiB "
           "per idle connection\n",
           opened, (long)rl.rlim_cur, before, after,
           opened ? (double)(after - before) / opened : 0.0);
    for (int i = 0; i < opened; i++)
        bufferevent_free(idle_bev[i]);
    kill(relay, SIGTERM);
    waitpid(relay, NULL, 0);
    char rm[320];
    snprintf(rm, sizeof rm, "rm -rf %s", dir);
    if (system(rm) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return 0;
}
