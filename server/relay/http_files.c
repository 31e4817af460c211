/*
 * http_files.c - the file-transfer content server (RELAY-FT-*): a device
 * uploads an already encrypted blob, gets back the GSMA FT-over-HTTP
 * descriptor (transport/ft cairn_ft_write) to post in the chat, and any
 * registered device downloads it by its URL until it expires.
 *
 *   POST /v1/files          body = blob (at most files.max_bytes) -> 201,
 *                           application/vnd.gsma.rcs-ft-http+xml
 *   GET  /v1/files/<id>     the blob (id: 128 random bits, 32 hex digits)
 *
 * The blob is written to <id>.tmp, fsynced and renamed before the row is
 * committed, so a listed file is always complete; the sweep deletes
 * expired rows and files. The descriptor names no file name or type:
 * those travel inside the end-to-end encrypted message (FT-4).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "cairn/ft.h"
#include "relay.h"

static bool id_valid(const char *s)
{
    if (strlen(s) != 32)
        return false;
    for (int i = 0; i < 32; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static void rfc3339(int64_t ms, char *out, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static bool write_blob(relay *r, const char *id, struct evbuffer *in)
{
    char tmp[RELAY_STR_MAX + 64], fin[RELAY_STR_MAX + 64];
    snprintf(tmp, sizeof tmp, "%s/%s.tmp", r->cfg.files_dir, id);
    snprintf(fin, sizeof fin, "%s/%s", r->cfg.files_dir, id);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    while (evbuffer_get_length(in) > 0) {
        if (evbuffer_write(in, fd) < 0) {
            close(fd);
            unlink(tmp);
            return false;
        }
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, fin) != 0) {
        unlink(tmp);
        return false;
    }
    return true;
}

static void do_upload(relay *r, struct evhttp_request *req, const relay_principal *p)
{
    static const char INS[] = "INSERT INTO files(id,owner,size,expires) VALUES(?,?,?,?)";
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t size = evbuffer_get_length(in);
    uint8_t rnd[16];
    char id[33], until[64];
    cairn_ft_descriptor d;
    cairn__buf out;

    if (size == 0) {
        relay__http_error(req, 400, "empty");
        return;
    }
    if (size > (size_t)r->cfg.file_max_bytes) {
        relay__http_error(req, 413, "file_too_large");
        return;
    }
    cairn__random(r->ctx, rnd, sizeof rnd);
    cairn__hex_encode(id, rnd, sizeof rnd);
    int64_t expires = relay__now_ms() + r->cfg.file_ttl_seconds * 1000;
    if (!write_blob(r, id, in)) {
        RLOGE("file_write_failed", "errno=%d", errno);
        relay__http_error(req, 500, "storage");
        return;
    }
    if (!relay__tx_begin(r)) {
        relay__http_error(req, 500, "db");
        return;
    }
    sqlite3_stmt *s = relay__stmt(r, INS);
    if (s == NULL) {
        relay__tx_rollback(r);
        relay__http_error(req, 500, "db");
        return;
    }
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, p->device_row);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)size);
    sqlite3_bind_int64(s, 4, expires);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE || !relay__tx_commit(r)) {
        if (rc != SQLITE_DONE)
            relay__tx_rollback(r);
        relay__http_error(req, 500, "db");
        return;
    }
    r->m.files_stored_total++;
    memset(&d, 0, sizeof d);
    d.file.present = true;
    d.file.size = size;
    snprintf(d.file.content_type, sizeof d.file.content_type, "application/octet-stream");
    snprintf(d.file.url, sizeof d.file.url, "%s/v1/files/%s", r->cfg.public_url, id);
    rfc3339(expires, until, sizeof until);
    snprintf(d.file.until, sizeof d.file.until, "%s", until);
    cairn__buf_init(&out, r->ctx, 16384);
    if (cairn_ft_write(&out, &d) != CAIRN_OK) {
        cairn__buf_free(&out);
        relay__http_error(req, 500, "descriptor");
        return;
    }
    struct evbuffer *b = evbuffer_new();
    evbuffer_add(b, out.data, out.len);
    cairn__buf_free(&out);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", CAIRN_FT_CONTENT_TYPE);
    evhttp_add_header(h, "Cache-Control", "no-store");
    evhttp_send_reply(req, 201, "Created", b);
    evbuffer_free(b);
    RLOGI("file_stored", "device_row=%lld size=%zu", (long long)p->device_row, size);
}

static void do_download(relay *r, struct evhttp_request *req, const char *id)
{
    static const char SQL[] = "SELECT size, expires FROM files WHERE id=?";
    char path[RELAY_STR_MAX + 64];
    if (!id_valid(id)) {
        relay__http_error(req, 404, "not_found");
        return;
    }
    sqlite3_stmt *s = relay__stmt(r, SQL);
    if (s == NULL) {
        relay__http_error(req, 500, "db");
        return;
    }
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int64_t size = -1, expires = 0;
    if (sqlite3_step(s) == SQLITE_ROW) {
        size = sqlite3_column_int64(s, 0);
        expires = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    if (size < 0 || expires <= relay__now_ms()) {
        relay__http_error(req, 404, "not_found");
        return;
    }
    snprintf(path, sizeof path, "%s/%s", r->cfg.files_dir, id);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || sb.st_size != size) {
        if (fd >= 0)
            close(fd);
        relay__http_error(req, 404, "not_found");
        return;
    }
    struct evbuffer *b = evbuffer_new();
    if (b == NULL || evbuffer_add_file(b, fd, 0, size) != 0) {
        if (b)
            evbuffer_free(b);
        else
            close(fd);
        relay__http_error(req, 500, "io");
        return;
    }
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", "application/octet-stream");
    evhttp_add_header(h, "Cache-Control", "no-store");
    evhttp_send_reply(req, 200, "OK", b);
    evbuffer_free(b);
}

/* Deletes expired files (rows then blobs); called by the sweep timer. */
void relay__files_sweep(relay *r, int64_t now);
void relay__files_sweep(relay *r, int64_t now)
{
    static const char SEL[] = "SELECT id FROM files WHERE expires<=? LIMIT 256";
    static const char DEL[] = "DELETE FROM files WHERE id=?";
    char ids[256][33];
    size_t n = 0;
    sqlite3_stmt *s = relay__stmt(r, SEL);
    if (s == NULL)
        return;
    sqlite3_bind_int64(s, 1, now);
    while (sqlite3_step(s) == SQLITE_ROW && n < 256) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        snprintf(ids[n++], 33, "%s", t ? (const char *)t : "");
    }
    sqlite3_reset(s);
    if (n == 0 || !relay__tx_begin(r))
        return;
    for (size_t i = 0; i < n; i++) {
        s = relay__stmt(r, DEL);
        if (s == NULL)
            break;
        sqlite3_bind_text(s, 1, ids[i], -1, SQLITE_STATIC);
        sqlite3_step(s);
        sqlite3_reset(s);
    }
    if (!relay__tx_commit(r))
        return;
    for (size_t i = 0; i < n; i++) {
        char path[RELAY_STR_MAX + 64];
        if (!id_valid(ids[i]))
            continue;
        snprintf(path, sizeof path, "%s/%s", r->cfg.files_dir, ids[i]);
        unlink(path);
    }
    RLOGI("files_expired", "count=%zu", n);
}

void relay__http_files(relay *r, struct evhttp_request *req, const char *path)
{
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    relay_principal p;
    if (!relay__http_auth(r, req, &p))
        return;
    if (strcmp(path, "/v1/files") == 0 && cmd == EVHTTP_REQ_POST)
        do_upload(r, req, &p);
    else if (strncmp(path, "/v1/files/", 10) == 0 && cmd == EVHTTP_REQ_GET)
        do_download(r, req, path + 10);
    else
        relay__http_error(req, 404, "not_found");
}
