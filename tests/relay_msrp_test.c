/*
 * relay_msrp_test.c - MSRP session mode of the real relay
 * (spec/relay-api.md section 8, RELAY-MSRP-*): INVITE + SDP from a
 * registered device, MSRP over TLS to the relay's listener, chunked
 * messages stored like MESSAGE bodies and delivered down the recipient's
 * flow, REPORTs only after the commit, and the hostile cases (no session,
 * wrong paths, huge declared ranges, over-size messages, slow senders,
 * unregistered INVITEs, BYE then SEND, unknown recipients, limits).
 *
 * The device side is driven with the transport codecs over blocking TLS
 * sockets (every wait has a timeout), except test_ua_session, which uses
 * the client library's own session-mode user agent (transport/ua).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <sodium.h>

#include "base.h"
#include "cairn/msrp.h"
#include "cairn/sdp.h"
#include "cairn/sip_addr.h"
#include "cairn/tls.h"
#include "cairn/ua.h"
#include "relay_support.h"
#include "test_support.h"

#define LOOSE "[limits]\nrate_address_burst = 100000\nrate_account_burst = 100000\n"

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void rnd_token(char out[17])
{
    static const char A[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    uint8_t r[16];
    randombytes_buf(r, sizeof r);
    for (int i = 0; i < 16; i++)
        out[i] = A[r[i] % 36];
    out[16] = 0;
}

/* ---- SIP side: INVITE / ACK / BYE on a registered rt_sip ---------------- */

typedef struct dialog {
    char call_id[40];
    char from_tag[20];
    char to_hdr[400]; /* To of the 200, with the relay's tag */
    char relay_path[400];
    uint16_t msrp_port;
    char my_path[200];
    unsigned cseq;
} dialog;

static rt_sip *login(rt_server *s, const char *uri, unsigned dev, const char *secret)
{
    rt_sip *c = rt_sip_connect(s);
    assert_non_null(c);
    assert_int_equal(rt_sip_register(c, uri, dev, secret), 200);
    return c;
}

/* An SDP offer; tls/setup/types let hostile cases vary it. */
static void offer(cairn__buf *b, const char *path, bool tls, const char *types)
{
    cairn_sdp_msrp_offer o;
    memset(&o, 0, sizeof o);
    o.sess_id = 1;
    o.sess_version = 1;
    o.addr = "127.0.0.1";
    o.port = 9;
    o.tls = tls;
    o.path = path;
    o.setup = CAIRN_SDP_SETUP_ACTIVE;
    o.accept_types = types;
    assert_int_equal(cairn_sdp_msrp_build(&o, b), CAIRN_OK);
}

/* Reads until the final response for call_id (provisional ones skipped,
 * requests dropped); returns it or NULL. */
static cairn_sip_msg *final_for(rt_sip *c, const char *call_id, int *saw_100)
{
    int64_t end = mono_ms() + 10000;
    while (mono_ms() < end) {
        cairn_sip_msg *m = rt_sip_read(c, (int)(end - mono_ms()));
        if (m == NULL)
            return NULL;
        const char *cid = cairn_sip_msg_header(m, "Call-ID", 0);
        if (!cairn_sip_msg_is_request(m) && cid && strcmp(cid, call_id) == 0) {
            if (cairn_sip_msg_status(m) >= 200)
                return m;
            if (saw_100 && cairn_sip_msg_status(m) == 100)
                *saw_100 = 1;
        }
        cairn_sip_msg_free(m);
    }
    return NULL;
}

/* Sends an INVITE to `to` with the given SDP (NULL: a good offer) and
 * returns the final status; on 200 fills d from the answer and ACKs. */
static int invite_sdp(rt_sip *c, const char *from, const char *to, dialog *d, const char *sdp,
                      size_t sdp_len, const char *to_tag)
{
    char buf[8192], br[17], sess[17];
    cairn__buf b;
    cairn__buf_init(&b, rt_ctx(), 16384);
    memset(d, 0, sizeof *d);
    rnd_token(d->call_id);
    rnd_token(d->from_tag);
    rnd_token(br);
    rnd_token(sess);
    snprintf(d->my_path, sizeof d->my_path, "msrps://127.0.0.1:9/%s;tcp", sess);
    if (sdp == NULL) {
        offer(&b, d->my_path, true, "message/cpim");
        sdp = (const char *)b.data;
        sdp_len = b.len;
    }
    d->cseq = 1;
    int n = snprintf(buf, sizeof buf,
                     "INVITE %s SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK%s\r\n"
                     "Max-Forwards: 70\r\nFrom: <%s>;tag=%s\r\nTo: <%s>%s%s\r\nCall-ID: %s\r\n"
                     "CSeq: 1 INVITE\r\nContact: <sip:dev@127.0.0.1;transport=tls>\r\n"
                     "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n",
                     to, br, from, d->from_tag, to, to_tag ? ";tag=" : "", to_tag ? to_tag : "",
                     d->call_id, sdp_len);
    assert_int_equal(rt_sip_send_raw(c, buf, (size_t)n), 0);
    assert_int_equal(rt_sip_send_raw(c, sdp, sdp_len), 0);
    cairn__buf_free(&b);
    int saw100 = 0;
    cairn_sip_msg *m = final_for(c, d->call_id, &saw100);
    if (m == NULL)
        return -1;
    int code = cairn_sip_msg_status(m);
    if (code == 200) {
        /* RELAY-MSRP-3: 100 first, then 200 with a passive MSRPS answer */
        assert_true(saw100);
        snprintf(d->to_hdr, sizeof d->to_hdr, "%s", cairn_sip_msg_header(m, "To", 0));
        size_t blen;
        const uint8_t *body = cairn_sip_msg_body(m, &blen);
        cairn_sdp *s = NULL;
        cairn_sdp_msrp mm;
        size_t idx;
        assert_int_equal(cairn_sdp_parse(rt_ctx(), NULL, body, blen, &s), CAIRN_OK);
        assert_int_equal(cairn_sdp_msrp_find(s, &idx), CAIRN_OK);
        assert_int_equal(cairn_sdp_msrp_get(s, idx, &mm), CAIRN_OK);
        assert_true(mm.tls);
        assert_int_equal(mm.setup, CAIRN_SDP_SETUP_PASSIVE);
        assert_int_equal(mm.path_count, 1);
        assert_true(mm.path.len < sizeof d->relay_path);
        memcpy(d->relay_path, mm.path.p, mm.path.len);
        cairn_msrp_uri u;
        assert_int_equal(cairn_msrp_uri_parse(mm.path.p, mm.path.len, &u), CAIRN_OK);
        assert_true(u.secure);
        assert_true(u.session_len > 0);
        d->msrp_port = u.port;
        cairn_sdp_free(s);
        /* ACK */
        rnd_token(br);
        n = snprintf(buf, sizeof buf,
                     "ACK sip:example.org;transport=tls SIP/2.0\r\n"
                     "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK%s\r\nMax-Forwards: 70\r\n"
                     "From: <%s>;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: 1 ACK\r\n"
                     "Content-Length: 0\r\n\r\n",
                     br, from, d->from_tag, d->to_hdr, d->call_id);
        assert_int_equal(rt_sip_send_raw(c, buf, (size_t)n), 0);
    }
    cairn_sip_msg_free(m);
    return code;
}

static int invite(rt_sip *c, const char *from, const char *to, dialog *d)
{
    return invite_sdp(c, from, to, d, NULL, 0, NULL);
}

/* An in-dialog request (BYE, CANCEL) and its final status. */
static int in_dialog(rt_sip *c, const char *method, const char *from, dialog *d)
{
    char buf[4096], br[17];
    rnd_token(br);
    int n = snprintf(buf, sizeof buf,
                     "%s sip:example.org;transport=tls SIP/2.0\r\n"
                     "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK%s\r\nMax-Forwards: 70\r\n"
                     "From: <%s>;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %u %s\r\n"
                     "Content-Length: 0\r\n\r\n",
                     method, br, from, d->from_tag, d->to_hdr, d->call_id, ++d->cseq, method);
    assert_int_equal(rt_sip_send_raw(c, buf, (size_t)n), 0);
    cairn_sip_msg *m = final_for(c, d->call_id, NULL);
    if (m == NULL)
        return -1;
    int code = cairn_sip_msg_status(m);
    cairn_sip_msg_free(m);
    return code;
}

/* ---- MSRP side: a blocking TLS client with the cairn_msrp codec ---------- */

typedef struct mev {
    bool response;
    int code; /* response code, or REPORT Status code */
    bool report;
    char tid[40];
    char mid[64];
    char comment[64];
    uint64_t end, total;
} mev;

typedef struct mclient {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    cairn_msrp_parser *p;
    mev ev[256];
    size_t head, n;
    bool eof;
    const char *to_path, *from_path;
} mclient;

static cairn_status m_start(void *ud, const cairn_msrp_msg *m)
{
    mclient *c = ud;
    if (c->n == CAIRN_ARRAY_LEN(c->ev))
        return CAIRN_OK;
    mev *e = &c->ev[(c->head + c->n) % CAIRN_ARRAY_LEN(c->ev)];
    memset(e, 0, sizeof *e);
    e->response = m->is_response;
    e->report = !m->is_response && m->method_id == CAIRN_MSRP_REPORT;
    e->code = m->is_response ? m->code : (m->has_status ? m->status.code : 0);
    snprintf(e->tid, sizeof e->tid, "%s", m->tid ? m->tid : "");
    snprintf(e->mid, sizeof e->mid, "%s", m->message_id ? m->message_id : "");
    snprintf(e->comment, sizeof e->comment, "%s",
             m->has_status && m->status.comment ? m->status.comment : "");
    if (m->has_range) {
        e->end = m->range.end;
        e->total = m->range.total;
    }
    if (e->report || e->response)
        c->n++;
    return CAIRN_OK;
}
static cairn_status m_body(void *ud, const cairn_msrp_msg *m, const uint8_t *p, size_t n)
{
    (void)ud, (void)m, (void)p, (void)n;
    return CAIRN_OK;
}
static cairn_status m_end(void *ud, const cairn_msrp_msg *m, char f, uint64_t l)
{
    (void)ud, (void)m, (void)f, (void)l;
    return CAIRN_OK;
}
static const cairn_msrp_callbacks MCB = {m_start, m_body, m_end};

static mclient *mc_connect(uint16_t port, const char *to_path, const char *from_path)
{
    mclient *c = calloc(1, sizeof *c);
    struct sockaddr_in a = {0};
    int one = 1;
    assert_non_null(c);
    c->to_path = to_path;
    c->from_path = from_path;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = {10, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    assert_int_equal(connect(c->fd, (struct sockaddr *)&a, sizeof a), 0);
    c->ctx = SSL_CTX_new(TLS_client_method());
    c->ssl = SSL_new(c->ctx);
    SSL_set_fd(c->ssl, c->fd);
    assert_int_equal(SSL_connect(c->ssl), 1); /* RELAY-TLS-1 */
    assert_int_equal(cairn_msrp_parser_create(rt_ctx(), NULL, &MCB, c, &c->p), CAIRN_OK);
    return c;
}

/* A TLS handshake with the MSRP listener: true when it completes. */
static bool mc_try(uint16_t port, int *fd_out, SSL_CTX **ctx_out, SSL **ssl_out)
{
    struct sockaddr_in a = {0};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval tv = {5, 0};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = SSL_new(ctx);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0 && SSL_set_fd(ssl, fd) == 1 &&
              SSL_connect(ssl) == 1;
    *fd_out = fd;
    *ctx_out = ctx;
    *ssl_out = ssl;
    return ok;
}

static void mc_close(mclient *c)
{
    if (c == NULL)
        return;
    cairn_msrp_parser_destroy(c->p);
    SSL_free(c->ssl);
    SSL_CTX_free(c->ctx);
    close(c->fd);
    free(c);
}

static int mc_raw(mclient *c, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        int w = SSL_write(c->ssl, b, n > 16384 ? 16384 : (int)n);
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads for up to timeout_ms; returns false on EOF. */
static bool mc_pump(mclient *c, int timeout_ms)
{
    uint8_t buf[16384];
    if (c->eof)
        return false;
    if (SSL_pending(c->ssl) == 0) {
        struct pollfd p = {c->fd, POLLIN, 0};
        if (poll(&p, 1, timeout_ms) <= 0)
            return true;
    }
    int n = SSL_read(c->ssl, buf, sizeof buf);
    if (n <= 0) {
        if (SSL_get_error(c->ssl, n) == SSL_ERROR_WANT_READ)
            return true;
        c->eof = true;
        return false;
    }
    assert_int_equal(cairn_msrp_parser_feed(c->p, buf, (size_t)n), CAIRN_OK);
    return true;
}

/* The next response or REPORT within timeout_ms, or false. */
static bool mc_next(mclient *c, int timeout_ms, mev *out)
{
    int64_t end = mono_ms() + timeout_ms;
    while (c->n == 0) {
        int64_t left = end - mono_ms();
        if (left <= 0 || !mc_pump(c, (int)left))
            return false;
    }
    *out = c->ev[c->head];
    c->head = (c->head + 1) % CAIRN_ARRAY_LEN(c->ev);
    c->n--;
    return true;
}

static bool mc_closed(mclient *c, int timeout_ms)
{
    int64_t end = mono_ms() + timeout_ms;
    while (mono_ms() < end)
        if (!mc_pump(c, 100))
            return true;
    return false;
}

/* One SEND request with explicit fields; body may be NULL. */
static void mc_send(mclient *c, const char *mid, const char *ctype, const cairn_msrp_range *range,
                    const uint8_t *body, size_t len, char flag, const char *success, char *tid)
{
    cairn_msrp_msg m;
    cairn__buf b;
    memset(&m, 0, sizeof m);
    assert_int_equal(cairn_msrp_tid_generate(rt_ctx(), tid), CAIRN_OK);
    m.tid = tid;
    m.method_id = CAIRN_MSRP_SEND;
    m.method = "SEND";
    m.to_path = c->to_path;
    m.from_path = c->from_path;
    m.message_id = mid;
    m.content_type = ctype;
    m.success_report = success;
    if (range) {
        m.has_range = true;
        m.range = *range;
    }
    cairn__buf_init(&b, rt_ctx(), 1 << 24);
    assert_int_equal(cairn_msrp_write(&b, &m, body, len, flag), CAIRN_OK);
    assert_int_equal(mc_raw(c, b.data, b.len), 0);
    cairn__buf_free(&b);
}

/* The empty binding SEND (RFC 4975 7.1); returns its response code. */
static int mc_bind(mclient *c)
{
    char tid[CAIRN_MSRP_TID_BUF], mid[17];
    cairn_msrp_range r = {1, 0, 0};
    mev e;
    rnd_token(mid);
    mc_send(c, mid, NULL, &r, NULL, 0, '$', NULL, tid);
    if (!mc_next(c, 5000, &e))
        return -1;
    assert_true(e.response);
    assert_string_equal(e.tid, tid);
    return e.code;
}

/* A CPIM envelope of about `size` bytes with imdn.Message-ID id. */
static uint8_t *cpim(const char *id, size_t size, size_t *len)
{
    char head[512];
    int h = snprintf(head, sizeof head,
                     "From: <sip:alice@example.org>\r\nTo: <sip:bob@example.org>\r\n"
                     "DateTime: 2024-05-01T10:00:00.000Z\r\nNS: imdn <urn:ietf:params:imdn>\r\n"
                     "imdn.Message-ID: %s\r\n\r\nContent-Type: application/vnd.cairn.signal\r\n"
                     "Content-Length: %zu\r\n\r\n",
                     id, size - 256);
    uint8_t *b = malloc((size_t)h + size);
    assert_non_null(b);
    memcpy(b, head, (size_t)h);
    for (size_t i = 0; i < size - 256; i++)
        b[h + i] = (uint8_t)('a' + (i * 7 + i / 91) % 26);
    *len = (size_t)h + size - 256;
    return b;
}

/* Sends a whole message in 10240-byte chunks (MSRP-CHUNK-2), checking a
 * 200 per chunk; returns the number of chunks. */
static int mc_message(mclient *c, const char *mid, const uint8_t *data, size_t len,
                      const char *success)
{
    cairn_msrp_msg t;
    cairn_msrp_chunker ch;
    cairn__buf b;
    char tid[CAIRN_MSRP_TID_BUF];
    int chunks = 0;
    memset(&t, 0, sizeof t);
    t.method_id = CAIRN_MSRP_SEND;
    t.method = "SEND";
    t.to_path = c->to_path;
    t.from_path = c->from_path;
    t.message_id = mid;
    t.content_type = "message/cpim";
    t.success_report = success;
    assert_int_equal(cairn_msrp_chunker_init(&ch, rt_ctx(), &t, data, len, 0), CAIRN_OK);
    cairn__buf_init(&b, rt_ctx(), 1 << 20);
    while (!cairn_msrp_chunker_done(&ch)) {
        cairn__buf_reset(&b);
        assert_int_equal(cairn_msrp_chunker_next(&ch, &b, tid), CAIRN_OK);
        assert_int_equal(mc_raw(c, b.data, b.len), 0);
        mev e;
        assert_true(mc_next(c, 5000, &e));
        assert_true(e.response); /* RELAY-MSRP-6: one 200 per chunk, before any REPORT */
        assert_string_equal(e.tid, tid);
        assert_int_equal(e.code, 200);
        chunks++;
    }
    cairn__buf_free(&b);
    return chunks;
}

/* ---- tests ----------------------------------------------------------------- */

typedef struct world {
    rt_server s;
    char sa[33], sb[33];
} world;

/* Starts the relay with exactly cfg and registers alice (1) and bob (1, 2). */
static void world_start_cfg(world *w, const char *cfg)
{
    assert_int_equal(rt_server_start(&w->s, cfg), 0);
    if (getenv("RELAY_TEST_KEEP"))
        fprintf(stderr, "relay log: %s\n", w->s.log);
    rt_secret(w->sa);
    rt_secret(w->sb);
    assert_int_equal(rt_register(&w->s, "sip:alice@example.org", 1, w->sa, NULL, NULL, NULL), 201);
    assert_int_equal(rt_register(&w->s, "sip:bob@example.org", 1, w->sb, NULL, NULL, NULL), 201);
    char auth[64];
    snprintf(auth, sizeof auth, "sip:bob@example.org.1");
    assert_int_equal(rt_register(&w->s, "sip:bob@example.org", 2, w->sb, NULL, auth, w->sb), 201);
}

/* The relay with loose rate limits plus extra configuration. */
static void world_start(world *w, const char *extra)
{
    char cfg[1024];
    snprintf(cfg, sizeof cfg, LOOSE "%s", extra ? extra : "");
    world_start_cfg(w, cfg);
}

/* RELAY-MSRP-1..10: a 50 KB chunked message reaches both of bob's devices
 * (one online, one after reconnecting), the success REPORT waits for the
 * group commit, BYE ends the session and a later SEND gets 481. */
static void test_session_chunked(void **state)
{
    world w;
    dialog d;
    mev e;
    (void)state;
    /* a slow commit timer makes "REPORT only after commit" observable */
    world_start(&w, "[database]\ncommit_interval_ms = 1000\ncommit_batch = 100000\n");
    rt_sip *bob1 = login(&w.s, "sip:bob@example.org", 1, w.sb);
    rt_sip *alice = login(&w.s, "sip:alice@example.org", 1, w.sa);
    assert_int_equal(invite(alice, "sip:alice@example.org", "sip:bob@example.org", &d), 200);
    assert_int_equal(rt_metric(&w.s, "cairn_relay_msrp_sessions"), 1);

    mclient *m = mc_connect(d.msrp_port, d.relay_path, d.my_path);
    assert_int_equal(mc_bind(m), 200); /* RELAY-MSRP-5 */
    size_t len;
    uint8_t *body = cpim("msg-50k.1", 50 * 1024, &len);
    assert_int_equal(mc_message(m, "M50K0001", body, len, "yes"), 5);
    int64_t t_last = mono_ms();
    /* RELAY-MSRP-8: the success REPORT comes only with the commit (up to
     * 1 s later), never before it */
    assert_true(mc_next(m, 5000, &e));
    assert_true(e.report);
    assert_int_equal(e.code, 200);
    assert_string_equal(e.mid, "M50K0001");
    assert_int_equal(e.end, len);
    assert_int_equal(e.total, len);
    assert_true(mono_ms() - t_last >= 300);

    /* RELAY-MSRP-7, 10: delivered as a MESSAGE with the CPIM's message id */
    cairn_sip_msg *dm = rt_sip_next_delivery(bob1, 5000);
    assert_non_null(dm);
    assert_string_equal(cairn_sip_msg_header(dm, "Cairn-Msg-Id", 0), "msg-50k.1");
    assert_string_equal(cairn_sip_msg_header(dm, "Content-Type", 0), "message/cpim");
    size_t dl;
    const uint8_t *db = cairn_sip_msg_body(dm, &dl);
    assert_int_equal(dl, len);
    assert_memory_equal(db, body, len);
    assert_int_equal(rt_sip_reply(bob1, dm, 200), 0);
    cairn_sip_msg_free(dm);

    /* the offline device gets it after connecting */
    rt_sip *bob2 = login(&w.s, "sip:bob@example.org", 2, w.sb);
    dm = rt_sip_next_delivery(bob2, 5000);
    assert_non_null(dm);
    assert_string_equal(cairn_sip_msg_header(dm, "Cairn-Msg-Id", 0), "msg-50k.1");
    db = cairn_sip_msg_body(dm, &dl);
    assert_int_equal(dl, len);
    assert_memory_equal(db, body, len);
    assert_int_equal(rt_sip_reply(bob2, dm, 200), 0);
    cairn_sip_msg_free(dm);

    /* without Success-Report: no REPORT, still stored (random id) */
    free(body);
    body = cpim("bad id with spaces", 1024, &len);
    assert_int_equal(mc_message(m, "M1K00001", body, len, NULL), 1);
    assert_false(mc_next(m, 1500, &e));
    dm = rt_sip_next_delivery(bob1, 5000);
    assert_non_null(dm);
    assert_int_equal(strlen(cairn_sip_msg_header(dm, "Cairn-Msg-Id", 0)), 32);
    assert_int_equal(rt_sip_reply(bob1, dm, 200), 0);
    cairn_sip_msg_free(dm);
    free(body);
    assert_int_equal(rt_metric(&w.s, "cairn_relay_msrp_messages_total"), 2);

    /* RELAY-MSRP-4: BYE ends the session and closes its MSRP connection */
    assert_int_equal(in_dialog(alice, "BYE", "sip:alice@example.org", &d), 200);
    assert_true(mc_closed(m, 3000));
    mc_close(m);
    assert_int_equal(rt_metric(&w.s, "cairn_relay_msrp_sessions"), 0);
    /* BYE then SEND: the session is gone (481) */
    m = mc_connect(d.msrp_port, d.relay_path, d.my_path);
    assert_int_equal(mc_bind(m), 481);
    mc_close(m);
    assert_int_equal(in_dialog(alice, "BYE", "sip:alice@example.org", &d), 481);

    rt_sip_close(alice);
    rt_sip_close(bob1);
    rt_sip_close(bob2);
    /* a clean drain: exit 0 (under ASan also: no leak at exit) */
    assert_int_equal(rt_server_stop(&w.s, SIGTERM), 0);
    rt_server_cleanup(&w.s);
}

/* RELAY-MSRP-12: every message on a session takes a token of the sending
 * account's rate limit like a pager MESSAGE; past the burst the failure
 * REPORT says so and nothing is stored. */
static void test_session_rate_limit(void **state)
{
    world w;
    dialog d;
    mev e;
    int ok = 0, limited = 0;
    (void)state;
    world_start_cfg(&w, "[limits]\nrate_address_burst = 100000\nrate_account_burst = 4\n"
                        "rate_account_per_second = 1\n");
    rt_sip *alice = login(&w.s, "sip:alice@example.org", 1, w.sa);
    assert_int_equal(invite(alice, "sip:alice@example.org", "sip:bob@example.org", &d), 200);
    mclient *m = mc_connect(d.msrp_port, d.relay_path, d.my_path);
    assert_int_equal(mc_bind(m), 200);
    for (int i = 0; i < 8; i++) {
        char mid[16], cid[32];
        size_t len;
        snprintf(mid, sizeof mid, "RL%06d", i);
        snprintf(cid, sizeof cid, "rate-%d", i);
        uint8_t *body = cpim(cid, 512, &len);
        assert_int_equal(mc_message(m, mid, body, len, "yes"), 1);
        free(body);
        assert_true(mc_next(m, 5000, &e));
        assert_true(e.report);
        if (e.code == 200) {
            ok++;
        } else {
            assert_int_equal(e.code, 413);
            assert_non_null(strstr(e.comment, "rate limited"));
            limited++;
        }
    }
    /* the INVITE took one of the 4; at most a refill or two came meanwhile */
    assert_true(ok >= 3 && ok <= 6);
    assert_true(limited >= 2);
    assert_true(rt_metric(&w.s, "cairn_relay_rate_limited_total") >= limited);
    /* only what was accepted is queued for bob's two devices */
    assert_int_equal(rt_metric(&w.s, "cairn_relay_queue_depth"), 2 * ok);
    mc_close(m);
    rt_sip_close(alice);
    assert_int_equal(rt_server_stop(&w.s, SIGTERM), 0);
    rt_server_cleanup(&w.s);
}

/* RELAY-MSRP-2/3: INVITE refusals match MESSAGE's (RELAY-SIP-3). */
static void test_invite_refusals(void **state)
{
    world w;
    dialog d;
    cairn__buf b;
    (void)state;
    world_start(&w, "[msrp]\nmax_sessions_per_device = 2\n");
    /* not registered */
    rt_sip *anon = rt_sip_connect(&w.s);
    assert_non_null(anon);
    assert_int_equal(invite(anon, "sip:alice@example.org", "sip:bob@example.org", &d), 403);
    rt_sip_close(anon);

    rt_sip *alice = login(&w.s, "sip:alice@example.org", 1, w.sa);
    assert_int_equal(invite(alice, "sip:alice@example.org", "sip:nobody@example.org", &d), 404);
    assert_int_equal(invite(alice, "sip:alice@example.org", "mailto:bob@example.org", &d), 416);
    /* cleartext MSRP, wrong types, garbage SDP */
    cairn__buf_init(&b, rt_ctx(), 16384);
    offer(&b, "msrp://127.0.0.1:9/abcdefgh;tcp", false, "message/cpim");
    assert_int_equal(invite_sdp(alice, "sip:alice@example.org", "sip:bob@example.org", &d,
                                (const char *)b.data, b.len, NULL),
                     488);
    cairn__buf_reset(&b);
    offer(&b, "msrps://127.0.0.1:9/abcdefgh;tcp", true, "text/plain");
    assert_int_equal(invite_sdp(alice, "sip:alice@example.org", "sip:bob@example.org", &d,
                                (const char *)b.data, b.len, NULL),
                     415);
    cairn__buf_free(&b);
    assert_int_equal(
        invite_sdp(alice, "sip:alice@example.org", "sip:bob@example.org", &d, "v=1\r\n", 5, NULL),
        400);
    /* re-INVITE of an existing dialog: refused, the session goes on */
    dialog d1, d2, d3;
    assert_int_equal(invite(alice, "sip:alice@example.org", "sip:bob@example.org", &d1), 200);
    {
        const char *tag = strstr(d1.to_hdr, "tag=");
        assert_non_null(tag);
        char sdp[1024];
        cairn__buf_init(&b, rt_ctx(), 16384);
        offer(&b, d1.my_path, true, "message/cpim");
        memcpy(sdp, b.data, b.len);
        /* same Call-ID and From tag as d1: build by hand */
        char buf[4096];
        int n = snprintf(buf, sizeof buf,
                         "INVITE sip:bob@example.org SIP/2.0\r\n"
                         "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bKreinv1\r\n"
                         "Max-Forwards: 70\r\nFrom: <sip:alice@example.org>;tag=%s\r\n"
                         "To: %s\r\nCall-ID: %s\r\nCSeq: 2 INVITE\r\n"
                         "Contact: <sip:dev@127.0.0.1;transport=tls>\r\n"
                         "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n",
                         d1.from_tag, d1.to_hdr, d1.call_id, b.len);
        assert_int_equal(rt_sip_send_raw(alice, buf, (size_t)n), 0);
        assert_int_equal(rt_sip_send_raw(alice, sdp, b.len), 0);
        cairn__buf_free(&b);
        cairn_sip_msg *r = final_for(alice, d1.call_id, NULL);
        assert_non_null(r);
        assert_int_equal(cairn_sip_msg_status(r), 488);
        cairn_sip_msg_free(r);
    }
    /* CANCEL after the 200 changes nothing */
    assert_int_equal(in_dialog(alice, "CANCEL", "sip:alice@example.org", &d1), 200);
    mclient *m = mc_connect(d1.msrp_port, d1.relay_path, d1.my_path);
    assert_int_equal(mc_bind(m), 200);
    /* max_sessions_per_device = 2 */
    assert_int_equal(invite(alice, "sip:alice@example.org", "sip:bob@example.org", &d2), 200);
    assert_int_equal(invite(alice, "sip:alice@example.org", "sip:bob@example.org", &d3), 486);
    assert_int_equal(in_dialog(alice, "BYE", "sip:alice@example.org", &d2), 200);
    assert_int_equal(invite(alice, "sip:alice@example.org", "sip:bob@example.org", &d3), 200);
    /* a BYE for an unknown dialog */
    d2.call_id[0] = 'X';
    assert_int_equal(in_dialog(alice, "BYE", "sip:alice@example.org", &d2), 481);
    mc_close(m);
    rt_sip_close(alice);
    /* a clean drain: exit 0 (under ASan also: no leak at exit) */
    assert_int_equal(rt_server_stop(&w.s, SIGTERM), 0);
    rt_server_cleanup(&w.s);
}

/* RELAY-MSRP-5, 6, 9, 11: hostile MSRP on the relay's listener. */
static void test_msrp_hostile(void **state)
{
    world w;
    dialog d;
    mev e;
    char tid[CAIRN_MSRP_TID_BUF], path[200], sess[17];
    (void)state;
    world_start(&w, "[msrp]\nmax_message_bytes = 65536\n[queue]\nmax_messages = 2\n");
    rt_sip *alice = login(&w.s, "sip:alice@example.org", 1, w.sa);
    assert_int_equal(invite(alice, "sip:alice@example.org", "sip:bob@example.org", &d), 200);

    /* SEND on no session: 481 */
    rnd_token(sess);
    snprintf(path, sizeof path, "msrps://127.0.0.1:%u/%s;tcp", d.msrp_port, sess);
    mclient *m = mc_connect(d.msrp_port, path, d.my_path);
    assert_int_equal(mc_bind(m), 481);
    mc_close(m);
    /* the right To-Path with another From-Path: 481 */
    m = mc_connect(d.msrp_port, d.relay_path, "msrps://127.0.0.1:9/someoneelse;tcp");
    assert_int_equal(mc_bind(m), 481);
    assert_int_equal(mc_bind(m), 481);
    assert_int_equal(mc_bind(m), 481);
    assert_true(mc_closed(m, 3000)); /* three misses close an unbound connection */
    mc_close(m);

    m = mc_connect(d.msrp_port, d.relay_path, d.my_path);
    assert_int_equal(mc_bind(m), 200);
    /* a chunk declaring 100 MB: 413 before anything is stored */
    cairn_msrp_range r = {1, 10, 100000000};
    mc_send(m, "BIGBIG01", "message/cpim", &r, (const uint8_t *)"0123456789", 10, '+', "yes", tid);
    assert_true(mc_next(m, 5000, &e));
    assert_true(e.response);
    assert_int_equal(e.code, 413);
    /* a message over max_message_bytes with an unknown total: 413 once
     * the bytes run past the cap */
    uint8_t *big = calloc(1, 70000);
    memset(big, 'x', 70000);
    r = (cairn_msrp_range){1, CAIRN_MSRP_UNKNOWN, CAIRN_MSRP_UNKNOWN};
    mc_send(m, "BIGBIG02", "message/cpim", &r, big, 30000, '+', "yes", tid);
    assert_true(mc_next(m, 5000, &e));
    assert_int_equal(e.code, 200);
    r = (cairn_msrp_range){30001, CAIRN_MSRP_UNKNOWN, CAIRN_MSRP_UNKNOWN};
    mc_send(m, "BIGBIG02", "message/cpim", &r, big, 40000, '$', "yes", tid);
    assert_true(mc_next(m, 5000, &e));
    assert_true(e.response);
    assert_int_equal(e.code, 413);
    free(big);
    /* RELAY-MSRP-6: a type other than message/cpim: 415 */
    r = (cairn_msrp_range){1, 2, 2};
    mc_send(m, "TXTTXT01", "text/plain", &r, (const uint8_t *)"hi", 2, '$', "yes", tid);
    assert_true(mc_next(m, 5000, &e));
    assert_int_equal(e.code, 415);
    /* the connection still works: a good message is stored */
    size_t len;
    uint8_t *body = cpim("q1", 600, &len);
    assert_int_equal(mc_message(m, "QQQQ0001", body, len, "yes"), 1);
    assert_true(mc_next(m, 5000, &e));
    assert_true(e.report);
    assert_int_equal(e.code, 200);
    /* RELAY-MSRP-9: bob's devices hold at most 2; the third message gets a
     * failure REPORT 413 "recipient queue full" and nothing is stored */
    assert_int_equal(mc_message(m, "QQQQ0002", body, len, "yes"), 1);
    assert_true(mc_next(m, 5000, &e));
    assert_int_equal(e.code, 200);
    assert_int_equal(mc_message(m, "QQQQ0003", body, len, "yes"), 1);
    assert_true(mc_next(m, 5000, &e));
    assert_true(e.report);
    assert_string_equal(e.mid, "QQQQ0003");
    assert_int_equal(e.code, 413);
    assert_non_null(strstr(e.comment, "queue full"));
    free(body);
    /* a framing error closes the connection (MSRP-PARSE-5) */
    assert_int_equal(mc_raw(m, "MSRP x\n\n", 8), 0);
    assert_true(mc_closed(m, 3000));
    mc_close(m);
    /* ... and so ends the session: the relay sends BYE down alice's flow */
    int64_t end = mono_ms() + 5000;
    bool bye = false;
    while (!bye && mono_ms() < end) {
        cairn_sip_msg *q = rt_sip_read(alice, 500);
        if (q == NULL)
            continue;
        if (cairn_sip_msg_is_request(q) && cairn_sip_msg_method_id(q) == CAIRN_SIP_BYE) {
            assert_string_equal(cairn_sip_msg_header(q, "Call-ID", 0), d.call_id);
            assert_int_equal(rt_sip_reply(alice, q, 200), 0);
            bye = true;
        }
        cairn_sip_msg_free(q);
    }
    assert_true(bye);
    assert_true(rt_metric(&w.s, "cairn_relay_msrp_refused_total") >= 4);

    /* a chunk that really streams a 100 MB body: the parser's body cap
     * (max_message_bytes) closes the connection after 64 KiB, and the
     * relay's memory does not grow with what was sent */
    long rss0 = rt_server_rss_kb(&w.s);
    assert_int_equal(invite(alice, "sip:alice@example.org", "sip:bob@example.org", &d), 200);
    m = mc_connect(d.msrp_port, d.relay_path, d.my_path);
    assert_int_equal(mc_bind(m), 200);
    {
        char head[1024];
        int hn = snprintf(head, sizeof head,
                          "MSRP hugehuge SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
                          "Message-ID: HUGE0001\r\nByte-Range: 1-104857600/104857600\r\n"
                          "Content-Type: message/cpim\r\n\r\n",
                          d.relay_path, d.my_path);
        assert_int_equal(mc_raw(m, head, (size_t)hn), 0);
        uint8_t *junk = malloc(1 << 20);
        memset(junk, 'z', 1 << 20);
        for (int i = 0; i < 100 && mc_raw(m, junk, 1 << 20) == 0; i++) {
        }
        free(junk);
    }
    assert_true(mc_closed(m, 5000));
    mc_close(m);
    long rss1 = rt_server_rss_kb(&w.s);
    fprintf(stderr, "relay VmRSS before/after the 100 MB chunk: %ld / %ld KiB\n", rss0, rss1);
    assert_true(rss1 > 0 && rss1 - rss0 < 64 * 1024);
    rt_sip_close(alice);
    /* a clean drain: exit 0 (under ASan also: no leak at exit) */
    assert_int_equal(rt_server_stop(&w.s, SIGTERM), 0);
    rt_server_cleanup(&w.s);
}

/* RELAY-MSRP-11, 4: slow senders, unbound connections and idle sessions
 * are cut off, and the session ends with a relay BYE. */
static void test_timeouts(void **state)
{
    world w;
    dialog d;
    (void)state;
    world_start(&w, "[limits]\nmessage_timeout_ms = 1500\nregister_timeout_seconds = 3\n"
                    "[msrp]\nsession_timeout = 5\n");
    rt_sip *alice = login(&w.s, "sip:alice@example.org", 1, w.sa);
    assert_int_equal(invite(alice, "sip:alice@example.org", "sip:bob@example.org", &d), 200);
    mclient *m = mc_connect(d.msrp_port, d.relay_path, d.my_path);
    assert_int_equal(mc_bind(m), 200);
    /* one byte per second: closed by the request deadline, not the idle one */
    const char *req = "MSRP abcd1234 SEND\r\nTo-Path: ";
    int64_t t0 = mono_ms();
    bool closed = false;
    for (size_t i = 0; i < strlen(req) && !closed; i++) {
        if (mc_raw(m, req + i, 1) != 0)
            break;
        closed = mc_closed(m, 1000);
    }
    assert_true(closed || mc_closed(m, 2000));
    assert_true(mono_ms() - t0 < 9000); /* far below idle_timeout_seconds (900) */
    mc_close(m);
    /* the session ended with the connection: BYE */
    cairn_sip_msg *q = NULL;
    int64_t end = mono_ms() + 4000;
    while (mono_ms() < end && q == NULL) {
        q = rt_sip_read(alice, 500);
        if (q && !(cairn_sip_msg_is_request(q) && cairn_sip_msg_method_id(q) == CAIRN_SIP_BYE)) {
            cairn_sip_msg_free(q);
            q = NULL;
        }
    }
    assert_non_null(q);
    cairn_sip_msg_free(q);

    /* a connection that never binds is closed (bind deadline) */
    m = mc_connect(d.msrp_port, d.relay_path, d.my_path);
    assert_true(mc_closed(m, 6000));
    mc_close(m);

    /* an idle session ends with a relay BYE after session_timeout */
    assert_int_equal(invite(alice, "sip:alice@example.org", "sip:bob@example.org", &d), 200);
    m = mc_connect(d.msrp_port, d.relay_path, d.my_path);
    assert_int_equal(mc_bind(m), 200);
    q = NULL;
    end = mono_ms() + 9000;
    while (mono_ms() < end && q == NULL) {
        q = rt_sip_read(alice, 500);
        if (q && !(cairn_sip_msg_is_request(q) && cairn_sip_msg_method_id(q) == CAIRN_SIP_BYE)) {
            cairn_sip_msg_free(q);
            q = NULL;
        }
    }
    assert_non_null(q);
    assert_string_equal(cairn_sip_msg_header(q, "Call-ID", 0), d.call_id);
    cairn_sip_msg_free(q);
    assert_true(mc_closed(m, 3000));
    mc_close(m);
    rt_sip_close(alice);
    /* a clean drain: exit 0 (under ASan also: no leak at exit) */
    assert_int_equal(rt_server_stop(&w.s, SIGTERM), 0);
    rt_server_cleanup(&w.s);
}

/* RELAY-MSRP-1 with RELAY-DEV-1..3: a session to `uri;gr=<device>` stores
 * for that device only; an unknown device is 410 with the device list. */
static void test_session_device(void **state)
{
    world w;
    dialog d;
    mev e;
    (void)state;
    world_start(&w, "[limits]\nmax_connections_per_address = 5\n");
    rt_sip *bob1 = login(&w.s, "sip:bob@example.org", 1, w.sb);
    rt_sip *bob2 = login(&w.s, "sip:bob@example.org", 2, w.sb);
    rt_sip *alice = login(&w.s, "sip:alice@example.org", 1, w.sa);
    assert_int_equal(invite(alice, "sip:alice@example.org", "sip:bob@example.org;gr=9", &d), 410);
    assert_int_equal(invite(alice, "sip:alice@example.org", "sip:bob@example.org;gr=x", &d), 400);
    assert_int_equal(invite(alice, "sip:alice@example.org", "sip:alice@example.org;gr=1", &d), 400);
    assert_int_equal(invite(alice, "sip:alice@example.org", "sip:bob@example.org;gr=2", &d), 200);
    mclient *m = mc_connect(d.msrp_port, d.relay_path, d.my_path);
    assert_int_equal(mc_bind(m), 200);
    size_t len;
    uint8_t *body = cpim("to-dev-2", 12000, &len);
    assert_int_equal(mc_message(m, "DEV2MSG1", body, len, "yes"), 2);
    assert_true(mc_next(m, 5000, &e));
    assert_true(e.report);
    assert_int_equal(e.code, 200);
    cairn_sip_msg *dm = rt_sip_next_delivery(bob2, 5000);
    assert_non_null(dm);
    assert_string_equal(cairn_sip_msg_header(dm, "Cairn-Msg-Id", 0), "to-dev-2");
    assert_int_equal(rt_sip_reply(bob2, dm, 200), 0);
    cairn_sip_msg_free(dm);
    assert_null(rt_sip_next_delivery(bob1, 1500)); /* device 1 got no copy */
    free(body);
    /* two messages interleaved chunk by chunk, and an aborted one
     * (MSRP-REASM-2/3): both complete ones are reported, nothing else */
    {
        char tid[CAIRN_MSRP_TID_BUF];
        uint8_t x[3000], y[3000];
        memset(x, 'x', sizeof x);
        memset(y, 'y', sizeof y);
        memcpy(x, "From: <a@b>\r\n\r\nContent-Type: t/x\r\n\r\n", 37);
        memcpy(y, "From: <a@b>\r\n\r\nContent-Type: t/y\r\n\r\n", 37);
        cairn_msrp_range r1 = {1, 1500, 3000}, r2 = {1501, 3000, 3000};
        mc_send(m, "INTERX01", "message/cpim", &r1, x, 1500, '+', "no", tid);
        mc_send(m, "INTERY01", "message/cpim", &r1, y, 1500, '+', "no", tid);
        mc_send(m, "ABORTZ01", "message/cpim", &r1, y, 1500, '+', "yes", tid);
        mc_send(m, "INTERY01", "message/cpim", &r2, y + 1500, 1500, '$', "no", tid);
        mc_send(m, "ABORTZ01", "message/cpim", &r2, y + 1500, 1500, '#', "yes", tid);
        mc_send(m, "INTERX01", "message/cpim", &r2, x + 1500, 1500, '$', "no", tid);
        for (int i = 0; i < 6; i++) {
            assert_true(mc_next(m, 5000, &e));
            assert_true(e.response);
            assert_int_equal(e.code, 200);
        }
        /* Success-Report: no on both: no REPORT, and none for the abort */
        assert_false(mc_next(m, 1000, &e));
        cairn_sip_msg *q = rt_sip_next_delivery(bob2, 5000);
        assert_non_null(q);
        cairn_sip_msg_free(q);
        q = rt_sip_next_delivery(bob2, 5000);
        assert_non_null(q);
        cairn_sip_msg_free(q);
        assert_null(rt_sip_next_delivery(bob2, 1000)); /* the aborted one is not stored */
    }
    /* RELAY-MSRP-11: MSRP connections share the address's connection cap
     * with SIP: 3 SIP + 1 MSRP held, one more fits, the next is refused */
    int fd1, fd2;
    SSL_CTX *x1, *x2;
    SSL *s1, *s2;
    assert_true(mc_try(d.msrp_port, &fd1, &x1, &s1));
    assert_false(mc_try(d.msrp_port, &fd2, &x2, &s2));
    SSL_free(s1), SSL_free(s2), SSL_CTX_free(x1), SSL_CTX_free(x2), close(fd1), close(fd2);
    mc_close(m);
    rt_sip_close(alice);
    rt_sip_close(bob1);
    rt_sip_close(bob2);
    assert_int_equal(rt_server_stop(&w.s, SIGTERM), 0);
    rt_server_cleanup(&w.s);
}

/* ---- the client library's own session-mode UA (transport/ua) ------------- */

typedef struct ua_state {
    int registered; /* 1 ok, -1 failed */
    char id[CAIRN_UA_ID_SIZE];
    int report; /* on_report status for id, 0 until then */
    int established, closed;
} ua_state;

static void ua_on_registered(void *ud, cairn_status st, uint32_t expires)
{
    ua_state *u = ud;
    (void)expires;
    u->registered = st == CAIRN_OK ? 1 : -1;
}
static void ua_on_report(void *ud, const char *id, int status)
{
    ua_state *u = ud;
    if (strcmp(id, u->id) == 0)
        u->report = status;
}
static void ua_on_session(void *ud, cairn_ua_session *s, cairn_ua_session_event ev,
                          cairn_status why)
{
    ua_state *u = ud;
    (void)s, (void)why;
    if (ev == CAIRN_UA_SESSION_ESTABLISHED)
        u->established++;
    if (ev == CAIRN_UA_SESSION_CLOSED)
        u->closed++;
}

static bool ua_until(cairn_ua *ua, const int *flag, int timeout_ms)
{
    int64_t end = mono_ms() + timeout_ms;
    while (*flag == 0 && mono_ms() < end)
        assert_int_equal(cairn_ua_run_once(ua, 50), CAIRN_OK);
    return *flag != 0;
}

/* RELAY-MSRP-1..8 with the client library: cairn_ua registers, opens a
 * session to bob (INVITE + SDP, MSRP over TLS verified against the
 * relay's certificate), sends a 30 KB payload in chunks and gets the
 * delivery report (the relay's success REPORT) once it is stored; bob's
 * device receives it as a normal delivery. */
static void test_ua_session(void **state)
{
    world w;
    ua_state u;
    cairn_ua_config cfg;
    cairn_ua *ua = NULL;
    cairn_tls_config *tls = NULL;
    cairn_ua_session *sess = NULL;
    char ca[700];
    (void)state;
    world_start(&w, NULL);
    rt_sip *bob1 = login(&w.s, "sip:bob@example.org", 1, w.sb);

    memset(&u, 0, sizeof u);
    snprintf(ca, sizeof ca, "%s/state/tls/cert.pem", w.s.dir);
    assert_int_equal(cairn_tls_config_new(rt_ctx(), CAIRN_TLS_CLIENT, &tls), CAIRN_OK);
    assert_int_equal(cairn_tls_config_add_ca_file(tls, ca), CAIRN_OK);
    cairn_ua_config_init(&cfg);
    cfg.aor = "sip:alice@example.org";
    cfg.username = "sip:alice@example.org.1"; /* the auth id (RELAY-ID-2) */
    cfg.password = w.sa;
    cfg.proxy_ip = "127.0.0.1";
    cfg.proxy_port = w.s.sip;
    cfg.registrar = "sip:example.org";
    cfg.tls = true;
    cfg.tls_client = tls;
    cfg.tls_server_name = "example.org";
    cfg.accept_types = "message/cpim";
    cfg.cb.on_registered = ua_on_registered;
    cfg.cb.on_report = ua_on_report;
    cfg.cb.on_session = ua_on_session;
    cfg.ud = &u;
    assert_int_equal(cairn_ua_create(rt_ctx(), &cfg, &ua), CAIRN_OK);
    assert_int_equal(cairn_ua_start(ua), CAIRN_OK);
    assert_true(ua_until(ua, &u.registered, 10000));
    assert_int_equal(u.registered, 1);

    size_t len;
    uint8_t *body = cpim("ua-30k", 30 * 1024, &len);
    assert_int_equal(cairn_ua_session_open(ua, "sip:bob@example.org", &sess), CAIRN_OK);
    assert_int_equal(cairn_ua_session_send(sess, "message/cpim", body, len, u.id), CAIRN_OK);
    assert_true(ua_until(ua, &u.report, 15000));
    assert_int_equal(u.report, 200);
    assert_true(u.established > 0);

    cairn_sip_msg *dm = rt_sip_next_delivery(bob1, 5000);
    assert_non_null(dm);
    assert_string_equal(cairn_sip_msg_header(dm, "Cairn-Msg-Id", 0), "ua-30k");
    size_t dl;
    const uint8_t *db = cairn_sip_msg_body(dm, &dl);
    assert_int_equal(dl, len);
    assert_memory_equal(db, body, len);
    assert_int_equal(rt_sip_reply(bob1, dm, 200), 0);
    cairn_sip_msg_free(dm);
    free(body);

    /* cairn_ua_send picks session mode by itself for a payload over the
     * pager limit (BIND-SIP-1) and reuses the open session */
    body = cpim("ua-auto", 5000, &len);
    memset(u.id, 0, sizeof u.id);
    u.report = 0;
    assert_int_equal(cairn_ua_send(ua, "sip:bob@example.org", "message/cpim", body, len, u.id),
                     CAIRN_OK);
    assert_true(ua_until(ua, &u.report, 15000));
    assert_int_equal(u.report, 200);
    dm = rt_sip_next_delivery(bob1, 5000);
    assert_non_null(dm);
    assert_string_equal(cairn_sip_msg_header(dm, "Cairn-Msg-Id", 0), "ua-auto");
    assert_int_equal(rt_sip_reply(bob1, dm, 200), 0);
    cairn_sip_msg_free(dm);
    free(body);
    assert_int_equal(rt_metric(&w.s, "cairn_relay_msrp_sessions_total"), 1);

    /* closing the session (BYE) frees it on the relay */
    assert_int_equal(rt_metric(&w.s, "cairn_relay_msrp_sessions"), 1);
    assert_int_equal(cairn_ua_session_close(sess), CAIRN_OK);
    assert_true(ua_until(ua, &u.closed, 5000));
    int64_t end = mono_ms() + 5000;
    while (rt_metric(&w.s, "cairn_relay_msrp_sessions") != 0 && mono_ms() < end)
        (void)cairn_ua_run_once(ua, 100);
    assert_int_equal(rt_metric(&w.s, "cairn_relay_msrp_sessions"), 0);
    cairn_ua_destroy(ua);
    cairn_tls_config_free(tls);
    rt_sip_close(bob1);
    /* a clean drain: exit 0 (under ASan also: no leak at exit) */
    assert_int_equal(rt_server_stop(&w.s, SIGTERM), 0);
    rt_server_cleanup(&w.s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_chunked), cmocka_unit_test(test_session_rate_limit),
        cmocka_unit_test(test_invite_refusals), cmocka_unit_test(test_msrp_hostile),
        cmocka_unit_test(test_timeouts),        cmocka_unit_test(test_session_device),
        cmocka_unit_test(test_ua_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
