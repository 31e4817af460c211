/*
 * http.c - cairn-audit's HTTP endpoints (spec/kt-auditor.md): the C2SP
 * witness POST /add-checkpoint, client gossip POST /gossip, and
 * GET /auditor/tree-head.
 *
 * Invariants: handlers run one at a time on the loop, so the witness's
 * check of the old size and the save of the new checkpoint are atomic;
 * the new checkpoint is durable before the cosignature is sent; a
 * checkpoint that fails a check is never cosigned.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "audit_internal.h"
#include "cairn/tlog_merkle.h"

static void reply(struct evhttp_request *req, int code, const char *ctype,
                  const void *p, size_t n)
{
    struct evbuffer *b = evbuffer_new();
    if (b == NULL) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    evbuffer_add(b, p, n);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", ctype);
    evhttp_send_reply(req, code, NULL, b);
    evbuffer_free(b);
}

static void reply_text(struct evhttp_request *req, int code, const char *msg)
{
    reply(req, code, "text/plain; charset=utf-8", msg, strlen(msg));
}

static size_t body(struct evhttp_request *req, uint8_t *buf, size_t cap, bool *over)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    *over = n > cap;
    if (*over)
        return 0;
    evbuffer_copyout(in, buf, n);
    return n;
}

/* c2sp-tlog-witness.md add-checkpoint. */
static void h_add_checkpoint(struct evhttp_request *req, void *arg)
{
    kta *a = arg;
    static uint8_t buf[CAIRN_KTA_MAX_WITNESS_BODY];
    cairn_kta_addcp r;
    cairn_note *note = NULL;
    cairn_note_verifier *v = NULL;
    cairn_checkpoint cp;
    const cairn_note_verifier *vs[1];
    char origin[CAIRN_CHECKPOINT_ORIGIN_MAX + 1], vkey[512], line[512];
    const char *text;
    size_t tl, n, ol;
    bool over;
    uint64_t cur = 0;
    uint8_t cur_root[32], empty[32];
    cairn_status st;
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        reply_text(req, 405, "use POST\n");
        return;
    }
    n = body(req, buf, sizeof buf, &over);
    if (over) {
        reply_text(req, 413, "body too large\n");
        return;
    }
    if (cairn_kta_addcp_parse(buf, n, &r) != CAIRN_OK ||
        cairn_note_parse(a->ctx, r.note, r.note_len, &note) != CAIRN_OK) {
        reply_text(req, 400, "malformed add-checkpoint body\n");
        return;
    }
    text = cairn_note_text(note, &tl);
    ol = strcspn(text, "\n");
    if (ol == 0 || ol > CAIRN_CHECKPOINT_ORIGIN_MAX) {
        cairn_note_destroy(note);
        reply_text(req, 400, "malformed checkpoint\n");
        return;
    }
    memcpy(origin, text, ol);
    origin[ol] = 0;
    cairn_note_destroy(note);
    if (kta__witness_log_key(a, origin, vkey, sizeof vkey) != CAIRN_OK) {
        reply_text(req, 404, "unknown log origin\n");
        return;
    }
    if (cairn_note_verifier_parse(a->ctx, vkey, strlen(vkey), &v) != CAIRN_OK) {
        reply_text(req, 500, "bad stored key\n");
        return;
    }
    vs[0] = v;
    st = cairn_checkpoint_open(a->ctx, r.note, r.note_len, origin, vs, 1, &cp);
    cairn_note_verifier_destroy(v);
    if (st == CAIRN_ERR_AUTH || st == CAIRN_ERR_BAD_SIGNATURE) {
        reply_text(req, 403, "no valid signature by the log's key\n");
        return;
    }
    if (st != CAIRN_OK) {
        reply_text(req, 400, "malformed checkpoint\n");
        return;
    }
    if (r.old_size > cp.size) {
        reply_text(req, 400, "old size is larger than the checkpoint size\n");
        return;
    }
    if (kta__witness_get(a, origin, &cur, cur_root) != CAIRN_OK)
        cur = 0;
    if (r.old_size != cur) {
        char sz[32];
        snprintf(sz, sizeof sz, "%llu\n", (unsigned long long)cur);
        reply(req, 409, "text/x.tlog.size", sz, strlen(sz));
        return;
    }
    cairn_tlog_hash_empty(empty);
    if (cp.size == 0 && memcmp(cp.root, empty, 32) != 0) {
        reply_text(req, 422, "size 0 with a non-empty root\n");
        return;
    }
    if (r.old_size == 0 && r.n_proof != 0) {
        reply_text(req, 422, "proof from size 0 must be empty\n");
        return;
    }
    if (r.old_size == cp.size && r.old_size != 0) {
        if (memcmp(cur_root, cp.root, 32) != 0) {
            kta__evidence(a, "witness: two checkpoints of the same size with different roots",
                          "checkpoint-submitted.txt", r.note, r.note_len, "origin.txt",
                          origin, strlen(origin));
            reply_text(req, 422, "same size, different root\n");
            return;
        }
    } else if (r.old_size != 0 &&
               cairn_tlog_verify_consistency(r.old_size, cp.size, &r.proof[0][0],
                                             r.n_proof * 32, cur_root, 32, cp.root,
                                             32) != CAIRN_OK) {
        reply_text(req, 422, "consistency proof does not verify\n");
        return;
    }
    if (kta__witness_put(a, origin, cp.size, cp.root, r.note, r.note_len) != CAIRN_OK) {
        reply_text(req, 500, "cannot persist\n");
        return;
    }
    {
        /* The cosigned message is the checkpoint body: the note text. */
        cairn_note *nn = NULL;
        if (cairn_note_parse(a->ctx, r.note, r.note_len, &nn) != CAIRN_OK) {
            reply_text(req, 500, "internal\n");
            return;
        }
        text = cairn_note_text(nn, &tl);
        st = cairn_kta_cosign(a->name, a->wit_sk, a->wit_pk, (uint64_t)time(NULL), text,
                              tl, line, sizeof line);
        cairn_note_destroy(nn);
    }
    if (st != CAIRN_OK) {
        reply_text(req, 500, "cannot cosign\n");
        return;
    }
    reply(req, 200, "text/plain; charset=utf-8", line, strlen(line));
}

/* KT-AUD-API-3: a client's head against what this auditor verified. */
static void h_gossip(struct evhttp_request *req, void *arg)
{
    kta *a = arg;
    uint8_t buf[64 * 1024], root[32];
    cairn_kta_head h;
    bool over;
    size_t n = body(req, buf, sizeof buf, &over);
    if (over || cairn_kta_head_parse(buf, n, &h) != CAIRN_OK) {
        reply_text(req, 400, "malformed head\n");
        return;
    }
    if (cairn_kta_head_verify(a->config, a->config_len, &h) != CAIRN_OK) {
        reply_text(req, 422, "head signature does not verify\n");
        return;
    }
    if (h.tree_size > a->n_entries) {
        const char *p = "{\"status\":\"pending\"}";
        reply(req, 200, "application/json", p, strlen(p));
        return;
    }
    ktdir__log_root(&a->klog, h.tree_size, root);
    if (memcmp(root, h.root, 32) != 0) {
        char mine[512], r64[64], s64[100];
        const char *p = "{\"status\":\"split-view\"}";
        cairn__base64_encode(r64, a->head_root, 32);
        cairn__base64_encode(s64, a->head_sig, 64);
        snprintf(mine, sizeof mine,
                 "{\"tree_size\":%llu,\"root_b64\":\"%s\",\"signature_b64\":\"%s\"}\n",
                 (unsigned long long)a->head_size, r64, s64);
        reply(req, 409, "application/json", p, strlen(p));
        kta__evidence(a, "split view: a gossiped signed head contradicts the audited log",
                      "tree-head-gossiped.json", buf, n, "tree-head-audited.json", mine,
                      strlen(mine));
        return;
    }
    reply(req, 200, "application/json", "{\"status\":\"consistent\"}", 23);
}

static void h_auditor_head(struct evhttp_request *req, void *arg)
{
    kta *a = arg;
    if (a->ath == NULL) {
        reply_text(req, 404, "no auditor head yet\n");
        return;
    }
    reply(req, 200, "application/octet-stream", a->ath, a->ath_len);
}

static void h_status(struct evhttp_request *req, void *arg)
{
    kta *a = arg;
    char s[256];
    snprintf(s, sizeof s, "{\"tree_size\":%llu,\"mirror_size\":%llu}",
             (unsigned long long)a->head_size, (unsigned long long)a->cp_size);
    reply(req, 200, "application/json", s, strlen(s));
}

cairn_status kta__http_start(kta *a)
{
    struct evhttp_bound_socket *h;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    unsigned port = 0;
    a->http = evhttp_new(a->base);
    if (a->http == NULL)
        return CAIRN_ERR_NOMEM;
    evhttp_set_max_body_size(a->http, CAIRN_KTA_MAX_WITNESS_BODY);
    evhttp_set_max_headers_size(a->http, 8192);
    evhttp_set_timeout(a->http, 30);
    evhttp_set_cb(a->http, "/add-checkpoint", h_add_checkpoint, a);
    evhttp_set_cb(a->http, "/gossip", h_gossip, a);
    evhttp_set_cb(a->http, "/auditor/tree-head", h_auditor_head, a);
    evhttp_set_cb(a->http, "/status", h_status, a);
    h = evhttp_bind_socket_with_handle(a->http, a->listen_addr, a->port);
    if (h == NULL)
        return CAIRN_ERR_NETWORK;
    if (getsockname(evhttp_bound_socket_get_fd(h), (struct sockaddr *)&ss, &sl) == 0 &&
        ss.ss_family == AF_INET)
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (a->port_file) {
        char tmp[4096];
        FILE *f;
        snprintf(tmp, sizeof tmp, "%s.tmp", a->port_file);
        f = fopen(tmp, "w");
        if (f == NULL || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 ||
            rename(tmp, a->port_file) != 0)
            return CAIRN_ERR_IO;
    }
    return CAIRN_OK;
}
