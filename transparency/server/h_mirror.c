/*
 * h_mirror.c - the mirror as static, cacheable files (KT-API-21 ..
 * KT-API-23): checkpoint, kept checkpoints, tiles, entry bundles, and a
 * consistency-proof convenience endpoint.
 *
 * Invariants: only canonical tlog-tiles paths are mapped to files (no
 * path from the request reaches the filesystem unparsed), and only tiles
 * that exist at the published size are served, so leftovers of a crashed
 * publish beyond the checkpoint are never exposed. Full tiles are
 * immutable; partial ones and the checkpoint are not.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "kts_internal.h"

#define IMMUTABLE "public, max-age=31536000, immutable"

static void serve_file(kts_server *s, struct evhttp_request *req,
                       const char *rel, const char *ctype, const char *cache)
{
    char path[4096];
    struct stat sb;
    int fd;
    struct evbuffer *b;
    snprintf(path, sizeof path, "%s/%s", s->mirror_dir, rel);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
        sb.st_size > (off_t)CAIRN_TLOG_BUNDLE_MAX_LEN) {
        if (fd >= 0)
            close(fd);
        kts__reply_error(req, 404, "not_found", "no such mirror file");
        return;
    }
    b = evbuffer_new();
    if (b == NULL || evbuffer_add_file(b, fd, 0, sb.st_size) != 0) {
        if (b)
            evbuffer_free(b);
        else
            close(fd);
        kts__reply_error(req, 503, "unavailable", "cannot read the file");
        return;
    }
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", ctype);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", cache);
    evhttp_send_reply(req, 200, "OK", b);
    evbuffer_free(b);
}

static void consistency(kts_server *s, struct evhttp_request *req)
{
    struct evkeyvalq q;
    const char *qs = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
    const char *a, *b;
    uint64_t o, n;
    uint8_t proof[CAIRN_TLOG_MAX_PROOF_LEN];
    size_t pl = 0;
    TAILQ_INIT(&q);
    if (qs == NULL || evhttp_parse_query_str(qs, &q) != 0 ||
        (a = evhttp_find_header(&q, "old")) == NULL ||
        (b = evhttp_find_header(&q, "new")) == NULL ||
        cairn_kts_parse_u64(a, &o) != CAIRN_OK || cairn_kts_parse_u64(b, &n) != CAIRN_OK) {
        kts__reply_error(req, 400, "bad_request", "need old and new sizes");
    } else if (o > n || n > cairn_tlog_size(s->mirror)) {
        kts__reply_error(req, 400, "bad_request", "sizes out of range");
    } else if (cairn_tlog_prove_consistency_at(s->mirror, o, n, proof, sizeof proof,
                                               &pl) != CAIRN_OK) {
        kts__reply_error(req, 503, "unavailable", "cannot build the proof");
    } else {
        kts__reply_bytes(req, "application/octet-stream", proof, pl, IMMUTABLE);
    }
    evhttp_clear_headers(&q);
}

void kts__h_mirror(struct evhttp_request *req, void *arg)
{
    kts_server *s = arg;
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req)) + 8;
    uint64_t size = cairn_tlog_size(s->mirror);
    if (strcmp(path, "checkpoint") == 0) {
        serve_file(s, req, "checkpoint", "text/plain; charset=utf-8", "no-cache");
        return;
    }
    if (strcmp(path, "checkpoint.cosigned") == 0) {
        char *note = NULL;
        size_t nl = 0;
        if (kts__witness_note(s, &note, &nl) != CAIRN_OK) {
            kts__reply_error(req, 404, "not_found", "no cosigned checkpoint yet");
            return;
        }
        kts__reply_bytes(req, "text/plain; charset=utf-8", (const uint8_t *)note, nl,
                         "no-cache");
        cairn_free(s->ctx, note, nl);
        return;
    }
    if (strncmp(path, "checkpoint.", 11) == 0) {
        uint64_t n;
        char rel[64];
        if (cairn_kts_parse_u64(path + 11, &n) != CAIRN_OK || n > size) {
            kts__reply_error(req, 404, "not_found", "no such checkpoint");
            return;
        }
        snprintf(rel, sizeof rel, "checkpoint.%llu", (unsigned long long)n);
        serve_file(s, req, rel, "text/plain; charset=utf-8", IMMUTABLE);
        return;
    }
    if (strcmp(path, "proof/consistency") == 0) {
        consistency(s, req);
        return;
    }
    if (strncmp(path, "tile/", 5) == 0) {
        bool bundle;
        unsigned level, width, have;
        uint64_t index;
        if (cairn_tlog_tile_path_parse(path, strlen(path), &bundle, &level, &index,
                                       &width) != CAIRN_OK) {
            kts__reply_error(req, 404, "not_found", "not a canonical tile path");
            return;
        }
        have = cairn_tlog_tile_width(level, index, size);
        if (have == 0 || width > have) {
            kts__reply_error(req, 404, "not_found", "tile beyond the published tree");
            return;
        }
        serve_file(s, req, path, "application/octet-stream",
                   width == CAIRN_TLOG_TILE_WIDTH ? IMMUTABLE : "public, max-age=5");
        return;
    }
    kts__reply_error(req, 404, "not_found", "no such mirror file");
}
