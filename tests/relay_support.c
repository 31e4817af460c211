/*
 * relay_support.c - see relay_support.h. The SIP client is deliberately
 * simple and blocking: a test drives one step at a time and every wait
 * has a timeout, so a relay bug shows up as a failed assertion, not a
 * hung test.
 */
#include "relay_support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <sodium.h>

#include "base.h"
#include "cairn/sip_addr.h"
#include "cairn/sip_digest.h"
#include "test_support.h"

#ifndef RELAY_BIN
#error RELAY_BIN must name the cairn-relay binary
#endif

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

cairn_context *rt_ctx(void)
{
    static cairn_context *ctx;
    if (ctx == NULL)
        ctx = cts_context();
    return ctx;
}

void rt_secret(char out[33])
{
    uint8_t r[16];
    randombytes_buf(r, sizeof r);
    cairn__hex_encode(out, r, sizeof r);
}

static int spawn(rt_server *s)
{
    unlink(s->ports);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a crashed test */
        /* Under ASan keep the freed-memory quarantine small, so VmRSS
         * measures the relay rather than the sanitizer. */
        char asan[512];
        const char *prev = getenv("ASAN_OPTIONS");
        snprintf(asan, sizeof asan, "quarantine_size_mb=4:%s", prev ? prev : "");
        setenv("ASAN_OPTIONS", asan, 1);
        int fd = open(s->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 2);
            close(fd);
        }
        execl(RELAY_BIN, RELAY_BIN, "-c", s->cfg, (char *)NULL);
        _exit(127);
    }
    s->pid = pid;
    int64_t deadline = now_ms() + 30000;
    while (now_ms() < deadline) {
        FILE *f = fopen(s->ports, "r");
        if (f) {
            unsigned h = 0, p = 0;
            int n = fscanf(f, "https=%u\nsip=%u", &h, &p);
            fclose(f);
            if (n == 2) {
                s->https = (uint16_t)h;
                s->sip = (uint16_t)p;
                return 0;
            }
        }
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            s->pid = 0;
            fprintf(stderr, "relay exited during start-up; log %s\n", s->log);
            return -1;
        }
        usleep(20000);
    }
    return -1;
}

int rt_server_start(rt_server *s, const char *extra)
{
    signal(SIGPIPE, SIG_IGN); /* the relay hangs up on hostile clients */
    memset(s, 0, sizeof *s);
    char *d = cts_tempdir();
    if (d == NULL)
        return -1;
    snprintf(s->dir, sizeof s->dir, "%s", d);
    free(d);
    snprintf(s->cfg, sizeof s->cfg, "%s/relay.ini", s->dir);
    snprintf(s->ports, sizeof s->ports, "%s/ports", s->dir);
    snprintf(s->log, sizeof s->log, "%s/relay.log", s->dir);
    FILE *f = fopen(s->cfg, "w");
    if (f == NULL)
        return -1;
    fprintf(f,
            "[server]\nhttps_listen = 127.0.0.1:0\nsip_listen = 127.0.0.1:0\n"
            "state_dir = %s/state\nports_file = %s\ndomain = example.org\n"
            
            "[auth]\nargon2_opslimit = 1\nargon2_memlimit_kib = 1024\n"
            "[log]\nlevel = %s\n%s",
            s->dir, s->ports, getenv("RELAY_TEST_DEBUG") ? "debug" : "info", extra ? extra : "");
    fclose(f);
    return spawn(s);
}

int rt_server_restart(rt_server *s) { return spawn(s); }

int rt_server_stop(rt_server *s, int sig)
{
    if (s->pid <= 0)
        return 0;
    kill(s->pid, sig);
    int64_t deadline = now_ms() + 10000;
    while (now_ms() < deadline) {
        int st;
        pid_t p = waitpid(s->pid, &st, WNOHANG);
        if (p == s->pid) {
            s->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        usleep(10000);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
    return -1;
}

void rt_server_cleanup(rt_server *s)
{
    rt_server_stop(s, SIGKILL);
    if (s->dir[0] && getenv("RELAY_TEST_KEEP") == NULL)
        cts_rmdir(s->dir);
}

long rt_server_rss_kb(const rt_server *s)
{
    char path[64], line[256];
    long kb = -1;
    snprintf(path, sizeof path, "/proc/%d/status", (int)s->pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

/* ---- HTTPS --------------------------------------------------------------- */

static size_t collect(char *p, size_t sz, size_t n, void *ud)
{
    rt_resp *o = ud;
    size_t add = sz * n;
    char *b = realloc(o->body, o->len + add + 1);
    if (b == NULL)
        return 0;
    memcpy(b + o->len, p, add);
    o->len += add;
    b[o->len] = 0;
    o->body = b;
    return add;
}

int rt_http(rt_server *s, const char *method, const char *path, const char *authid,
            const char *secret, const void *body, size_t len, rt_resp *out)
{
    char url[1024], up[512];
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    if (c == NULL)
        return -1;
    snprintf(url, sizeof url, "https://127.0.0.1:%u%s", s->https, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* keep our SIGPIPE disposition */
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    if (authid) {
        snprintf(up, sizeof up, "%s:%s", authid, secret);
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, up);
    }
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->code);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    signal(SIGPIPE, SIG_IGN); /* libcurl restores what it saw first */
    if (out->body == NULL) {
        out->body = calloc(1, 1);
    }
    return rc == CURLE_OK ? 0 : -1;
}

long rt_register(rt_server *s, const char *uri, unsigned device, const char *secret,
                 const char *token, const char *auth_id, const char *auth_secret)
{
    char body[1024];
    rt_resp r;
    if (token)
        snprintf(body, sizeof body, "{\"uri\":\"%s\",\"device\":%u,\"secret\":\"%s\",\"token\":\"%s\"}",
                 uri, device, secret, token);
    else
        snprintf(body, sizeof body, "{\"uri\":\"%s\",\"device\":%u,\"secret\":\"%s\"}", uri, device,
                 secret);
    if (rt_http(s, "POST", "/v1/accounts", auth_id, auth_secret, body, strlen(body), &r) != 0) {
        free(r.body);
        return -1;
    }
    free(r.body);
    return r.code;
}

long long rt_metric(rt_server *s, const char *name)
{
    rt_resp r;
    long long v = -1;
    if (rt_http(s, "GET", "/metrics", NULL, NULL, NULL, 0, &r) == 0 && r.code == 200) {
        size_t nl = strlen(name);
        for (char *p = r.body; p && *p;) {
            if (strncmp(p, name, nl) == 0 && p[nl] == ' ') {
                v = strtoll(p + nl + 1, NULL, 10);
                break;
            }
            p = strchr(p, '\n');
            if (p)
                p++;
        }
    }
    free(r.body);
    return v;
}

/* ---- SIP over TLS -------------------------------------------------------- */

#define INBOX 4096

struct rt_sip {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    cairn_sip_reader *rd;
    uint8_t buf[65536];
    size_t off, len;
    cairn_sip_msg *inbox[INBOX];
    size_t in_head, in_n;
    char uri[300];
    unsigned device;
    bool eof;
};

rt_sip *rt_sip_connect(rt_server *s)
{
    rt_sip *c = calloc(1, sizeof *c);
    struct sockaddr_in a = {0};
    int one = 1;
    if (c == NULL)
        return NULL;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    a.sin_family = AF_INET;
    a.sin_port = htons(s->sip);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = {10, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0)
        goto fail;
    c->ctx = SSL_CTX_new(TLS_client_method());
    c->ssl = c->ctx ? SSL_new(c->ctx) : NULL;
    if (c->ssl == NULL)
        goto fail;
    SSL_set_fd(c->ssl, c->fd);
    if (SSL_connect(c->ssl) != 1)
        goto fail;
    if (cairn_sip_reader_new(rt_ctx(), NULL, &c->rd) != CAIRN_OK)
        goto fail;
    return c;
fail:
    rt_sip_close(c);
    return NULL;
}

int rt_sip_fd(rt_sip *c) { return c->fd; }

void rt_sip_close(rt_sip *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->in_n; i++)
        cairn_sip_msg_free(c->inbox[(c->in_head + i) % INBOX]);
    if (c->ssl)
        SSL_free(c->ssl);
    if (c->ctx)
        SSL_CTX_free(c->ctx);
    if (c->fd > 0)
        close(c->fd);
    cairn_sip_reader_free(c->rd);
    free(c);
}

int rt_sip_send_raw(rt_sip *c, const void *p, size_t n)
{
    const uint8_t *b = p;
    sigset_t set, old;
    struct timespec zero = {0, 0};
    int rc = 0;
    /* The relay hangs up on hostile clients: a write may hit EPIPE. */
    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    while (n > 0) {
        int w = SSL_write(c->ssl, b, n > 16384 ? 16384 : (int)n);
        if (w <= 0) {
            rc = -1;
            break;
        }
        b += w;
        n -= (size_t)w;
    }
    while (sigtimedwait(&set, NULL, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

/* Fills the buffer; 1 data, 0 timeout, -1 EOF/error. */
static int fill(rt_sip *c, int timeout_ms)
{
    if (c->eof)
        return -1;
    if (SSL_pending(c->ssl) == 0) {
        struct pollfd p = {c->fd, POLLIN, 0};
        int r = poll(&p, 1, timeout_ms);
        if (r <= 0)
            return 0;
    }
    int n = SSL_read(c->ssl, c->buf, sizeof c->buf);
    if (n <= 0) {
        int e = SSL_get_error(c->ssl, n);
        if (e == SSL_ERROR_WANT_READ)
            return 0;
        c->eof = true;
        return -1;
    }
    c->off = 0;
    c->len = (size_t)n;
    return 1;
}

cairn_sip_msg *rt_sip_read(rt_sip *c, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        while (c->off < c->len) {
            size_t used = 0;
            cairn_sip_msg *m = NULL;
            if (cairn_sip_reader_feed(c->rd, c->buf + c->off, c->len - c->off, &used, &m) != CAIRN_OK)
                return NULL;
            c->off += used;
            if (m)
                return m;
        }
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return NULL;
        if (fill(c, (int)left) <= 0 && (c->eof || now_ms() >= deadline))
            return NULL;
    }
}

bool rt_sip_closed(rt_sip *c, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    while (now_ms() < deadline) {
        int r = fill(c, 100);
        if (r < 0)
            return true;
        c->off = c->len; /* discard */
    }
    return false;
}

bool rt_sip_hangup(rt_sip *c, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    while (now_ms() < deadline) {
        struct pollfd p = {c->fd, POLLRDHUP, 0};
        if (poll(&p, 1, 100) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
            return true;
    }
    return false;
}

static void inbox_push(rt_sip *c, cairn_sip_msg *m)
{
    if (c->in_n == INBOX) {
        cairn_sip_msg_free(m);
        return;
    }
    c->inbox[(c->in_head + c->in_n) % INBOX] = m;
    c->in_n++;
}

/* Reads until a response with this Call-ID arrives; requests go to the inbox. */
static cairn_sip_msg *await_response(rt_sip *c, const char *call_id, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    while (now_ms() < deadline) {
        cairn_sip_msg *m = rt_sip_read(c, (int)(deadline - now_ms()));
        if (m == NULL)
            return NULL;
        if (cairn_sip_msg_is_request(m)) {
            inbox_push(c, m);
            continue;
        }
        const char *cid = cairn_sip_msg_header(m, "Call-ID", 0);
        if (cid && strcmp(cid, call_id) == 0 && cairn_sip_msg_status(m) >= 200)
            return m;
        cairn_sip_msg_free(m);
    }
    return NULL;
}

static void token(char out[33])
{
    uint8_t r[16];
    randombytes_buf(r, sizeof r);
    cairn__hex_encode(out, r, sizeof r);
}

static int send_register(rt_sip *c, const char *uri, const char *call_id, unsigned cseq,
                         const char *auth)
{
    char buf[4096], br[33], tag[33];
    token(br);
    token(tag);
    int n = snprintf(buf, sizeof buf,
                     "REGISTER sip:example.org SIP/2.0\r\n"
                     "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK%s\r\n"
                     "Max-Forwards: 70\r\nFrom: <%s>;tag=%s\r\nTo: <%s>\r\n"
                     "Call-ID: %s\r\nCSeq: %u REGISTER\r\n"
                     "Contact: <sip:dev@127.0.0.1;transport=tls>;+sip.instance=\"<urn:uuid:x>\"\r\n"
                     "Expires: 3600\r\n%s%s%sContent-Length: 0\r\n\r\n",
                     br, uri, tag, uri, call_id, cseq, auth ? "Authorization: " : "",
                     auth ? auth : "", auth ? "\r\n" : "");
    return rt_sip_send_raw(c, buf, (size_t)n);
}

int rt_sip_register(rt_sip *c, const char *uri, unsigned device, const char *secret)
{
    char cid[33], user[300];
    cairn_sip_challenge ch;
    token(cid);
    snprintf(user, sizeof user, "%s.%u", uri, device);
    if (send_register(c, uri, cid, 1, NULL) != 0)
        return -1;
    cairn_sip_msg *m = await_response(c, cid, 10000);
    if (m == NULL)
        return -1;
    int code = cairn_sip_msg_status(m);
    if (code != 401) {
        cairn_sip_msg_free(m);
        return code;
    }
    cairn_status st = cairn_sip_msg_challenge(m, "WWW-Authenticate", &ch);
    cairn_sip_msg_free(m);
    if (st != CAIRN_OK)
        return -1;
    cairn__buf b;
    cairn__buf_init(&b, rt_ctx(), 4096);
    if (cairn_sip_digest_authorize(rt_ctx(), &ch, user, secret, "REGISTER", "sip:example.org",
                                   NULL, 1, &b) != CAIRN_OK ||
        cairn__buf_append_u8(&b, 0) != CAIRN_OK) {
        cairn__buf_free(&b);
        return -1;
    }
    int r = send_register(c, uri, cid, 2, (const char *)b.data);
    cairn__buf_free(&b);
    if (r != 0)
        return -1;
    m = await_response(c, cid, 10000);
    if (m == NULL)
        return -1;
    code = cairn_sip_msg_status(m);
    cairn_sip_msg_free(m);
    if (code == 200) {
        snprintf(c->uri, sizeof c->uri, "%s", uri);
        c->device = device;
    }
    return code;
}

static int send_message(rt_sip *c, const char *to, const char *msg_id, const char *ctype,
                        const void *body, size_t len, const char *call_id, unsigned cseq)
{
    char hdr[4096], br[33], tag[33], idh[128] = "";
    token(br);
    token(tag);
    if (msg_id)
        snprintf(idh, sizeof idh, "Cairn-Msg-Id: %s\r\n", msg_id);
    int n = snprintf(hdr, sizeof hdr,
                     "MESSAGE %s SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK%s\r\n"
                     "Max-Forwards: 70\r\nFrom: <%s>;tag=%s\r\nTo: <%s>\r\nCall-ID: %s\r\n"
                     "CSeq: %u MESSAGE\r\n%sContent-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                     to, br, c->uri[0] ? c->uri : "sip:anonymous@example.org", tag, to, call_id,
                     cseq, idh, ctype ? ctype : "message/cpim", len);
    if (rt_sip_send_raw(c, hdr, (size_t)n) != 0)
        return -1;
    return len ? rt_sip_send_raw(c, body, len) : 0;
}

int rt_sip_message(rt_sip *c, const char *to, const char *msg_id, const char *ctype,
                   const void *body, size_t len)
{
    char cid[33];
    token(cid);
    if (send_message(c, to, msg_id, ctype, body, len, cid, 1) != 0)
        return -1;
    cairn_sip_msg *m = await_response(c, cid, 15000);
    if (m == NULL)
        return -1;
    int code = cairn_sip_msg_status(m);
    cairn_sip_msg_free(m);
    return code;
}

int rt_sip_message_nowait(rt_sip *c, const char *to, const char *msg_id, const void *body,
                          size_t len, unsigned cseq)
{
    char cid[128];
    snprintf(cid, sizeof cid, "c-%s", msg_id);
    return send_message(c, to, msg_id, NULL, body, len, cid, cseq);
}

cairn_sip_msg *rt_sip_next_delivery(rt_sip *c, int timeout_ms)
{
    if (c->in_n > 0) {
        cairn_sip_msg *m = c->inbox[c->in_head];
        c->in_head = (c->in_head + 1) % INBOX;
        c->in_n--;
        return m;
    }
    int64_t deadline = now_ms() + timeout_ms;
    while (now_ms() < deadline) {
        cairn_sip_msg *m = rt_sip_read(c, (int)(deadline - now_ms()));
        if (m == NULL)
            return NULL;
        if (cairn_sip_msg_is_request(m) && cairn_sip_msg_method_id(m) == CAIRN_SIP_MESSAGE)
            return m;
        cairn_sip_msg_free(m);
    }
    return NULL;
}

int rt_sip_reply(rt_sip *c, const cairn_sip_msg *req, int code)
{
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "SIP/2.0 %d %s\r\nVia: %s\r\nFrom: %s\r\nTo: %s;tag=t1\r\n"
                                      "Call-ID: %s\r\nCSeq: %s\r\nContent-Length: 0\r\n\r\n",
                     code, code == 200 ? "OK" : "Error", cairn_sip_msg_header(req, "Via", 0),
                     cairn_sip_msg_header(req, "From", 0), cairn_sip_msg_header(req, "To", 0),
                     cairn_sip_msg_header(req, "Call-ID", 0), cairn_sip_msg_header(req, "CSeq", 0));
    return rt_sip_send_raw(c, buf, (size_t)n);
}
