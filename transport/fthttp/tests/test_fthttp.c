/*
 * test_fthttp.c - FT over HTTP against a small HTTPS server in a thread
 * (cairn_tls with a self-signed certificate): upload returns a parsed
 * descriptor, download to memory and to a file, CA + pin checks
 * (BIND-FT-2), size caps against a server that sends too much or too
 * little, cancel from the progress callback, http refused, bad
 * descriptor refused.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base.h"
#include "cairn/conn.h"
#include "cairn/fthttp.h"
#include "cairn/tls.h"
#include "test_support.h"

typedef struct server {
    cairn_context *ctx;
    cairn_tls_config *cfg;
    int lfd;
    uint16_t port;
    int n_requests;
    uint8_t blob[100000];
    size_t upload_len;
    char desc[4096];
    size_t desc_len;
    bool bad_descriptor;
} server;

static bool read_all(cairn_tls *t, uint8_t *p, size_t n)
{
    size_t off = 0, got;
    cairn_tls_want w;

    while (off < n) {
        if (cairn_tls_read(t, p + off, n - off, &got, &w) != CAIRN_OK || got == 0)
            return false;
        off += got;
    }
    return true;
}

static void write_all(cairn_tls *t, const void *p, size_t n)
{
    size_t off = 0, put;
    cairn_tls_want w;

    while (off < n && cairn_tls_write(t, (const uint8_t *)p + off, n - off, &put, &w) == CAIRN_OK)
        off += put;
}

static void handle(server *s, int fd)
{
    cairn_tls *t;
    cairn_tls_want w = CAIRN_TLS_WANT_READ;
    char head[8192];
    size_t hl = 0;
    char *cl;
    size_t body = 0;

    if (cairn_tls_new(s->cfg, fd, NULL, &t) != CAIRN_OK)
        return;
    while (w != CAIRN_TLS_DONE)
        if (cairn_tls_handshake(t, &w) != CAIRN_OK)
            goto out;
    while (hl < sizeof(head) - 1) {
        if (!read_all(t, (uint8_t *)head + hl, 1))
            goto out;
        hl++;
        head[hl] = '\0';
        if (hl >= 4 && memcmp(head + hl - 4, "\r\n\r\n", 4) == 0)
            break;
    }
    cl = strcasestr(head, "Content-Length:");
    if (cl != NULL)
        body = strtoul(cl + 15, NULL, 10);
    if (strncmp(head, "POST /upload", 12) == 0) {
        uint8_t *b = malloc(body + 1);
        char hdr[256];
        const char *d = s->bad_descriptor ? "<file><nope/></file>" : s->desc;
        size_t dl = s->bad_descriptor ? strlen(d) : s->desc_len;
        if (!read_all(t, b, body)) {
            free(b);
            goto out;
        }
        s->upload_len = body;
        free(b);
        snprintf(hdr, sizeof(hdr),
                 "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.gsma.rcs-ft-http+xml\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                 dl);
        write_all(t, hdr, strlen(hdr));
        write_all(t, d, dl);
    } else if (strncmp(head, "GET /blob", 9) == 0 || strncmp(head, "GET /slow", 9) == 0) {
        char hdr[256];
        snprintf(hdr, sizeof(hdr),
                 "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                 sizeof(s->blob));
        write_all(t, hdr, strlen(hdr));
        for (size_t off = 0; off < sizeof(s->blob); off += 4096) {
            size_t n = sizeof(s->blob) - off < 4096 ? sizeof(s->blob) - off : 4096;
            write_all(t, s->blob + off, n);
            if (head[5] == 's')
                usleep(20000);
        }
    } else if (strncmp(head, "GET /nolength", 13) == 0) {
        const char *hdr = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
        write_all(t, hdr, strlen(hdr));
        write_all(t, s->blob, sizeof(s->blob)); /* no Content-Length: cap must stop it */
    } else {
        const char *r = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        write_all(t, r, strlen(r));
    }
out:
    (void)cairn_tls_shutdown(t, &w);
    cairn_tls_free(t);
}

static void *serve(void *ud)
{
    server *s = ud;

    for (int i = 0; i < s->n_requests; i++) {
        int fd = accept(s->lfd, NULL, NULL);
        if (fd < 0)
            break;
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        handle(s, fd);
        close(fd);
    }
    return NULL;
}

typedef struct fx {
    cairn_context *ctx;
    server srv;
    char *cert, *key;
    size_t cl, kl;
    pthread_t th;
    cairn_fthttp_config cfg;
    char base[64];
} fx;

static void start(fx *f, int n)
{
    f->srv.n_requests = n;
    assert_int_equal(pthread_create(&f->th, NULL, serve, &f->srv), 0);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    cairn_ft_descriptor d;
    cairn__buf b;

    assert_int_equal(cairn_context_create(NULL, &f->ctx), CAIRN_OK);
    assert_int_equal(cairn_context_create(NULL, &f->srv.ctx), CAIRN_OK);
    assert_int_equal(
        cairn_tls_selfsigned(f->ctx, "localhost", 1, &f->cert, &f->cl, &f->key, &f->kl), CAIRN_OK);
    assert_int_equal(cairn_tls_config_new(f->srv.ctx, CAIRN_TLS_SERVER, &f->srv.cfg), CAIRN_OK);
    assert_int_equal(cairn_tls_config_set_cert_pem(f->srv.cfg, f->cert, f->cl, f->key, f->kl),
                     CAIRN_OK);
    assert_int_equal(cairn_conn_listen("127.0.0.1", 0, 8, &f->srv.lfd, &f->srv.port), CAIRN_OK);
    fcntl(f->srv.lfd, F_SETFL, fcntl(f->srv.lfd, F_GETFL) & ~O_NONBLOCK);
    for (size_t i = 0; i < sizeof(f->srv.blob); i++)
        f->srv.blob[i] = (uint8_t)(i * 11);
    snprintf(f->base, sizeof(f->base), "https://localhost:%u", (unsigned)f->srv.port);
    memset(&d, 0, sizeof(d));
    d.file.present = true;
    d.file.size = sizeof(f->srv.blob);
    strcpy(d.file.name, "photo.bin");
    strcpy(d.file.content_type, "application/octet-stream");
    snprintf(d.file.url, sizeof(d.file.url), "%s/blob", f->base);
    strcpy(d.file.until, "2030-01-01T00:00:00Z");
    cairn__buf_init(&b, f->ctx, sizeof(f->srv.desc));
    assert_int_equal(cairn_ft_write(&b, &d), CAIRN_OK);
    memcpy(f->srv.desc, b.data, b.len);
    f->srv.desc_len = b.len;
    cairn__buf_free(&b);
    cairn_fthttp_config_init(&f->cfg);
    f->cfg.ca_pem = f->cert;
    f->cfg.ca_pem_len = f->cl;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    close(f->srv.lfd);
    cairn_tls_config_free(f->srv.cfg);
    cairn_free(f->ctx, f->cert, f->cl + 1);
    cairn_free(f->ctx, f->key, f->kl + 1);
    cairn_context_destroy(f->srv.ctx);
    cairn_context_destroy(f->ctx);
    free(f);
    return 0;
}

static int g_progress_calls;
static int count_progress(void *ud, uint64_t done, uint64_t total)
{
    (void)ud;
    (void)done;
    (void)total;
    g_progress_calls++;
    return 0;
}

static void test_upload_download(void **state)
{
    fx *f = *state;
    cairn_ft_descriptor d;
    uint8_t *got;
    size_t len;
    char url[128], path[256];
    uint8_t pin[32];
    char *dir = cts_tempdir();

    start(f, 4);
    snprintf(url, sizeof(url), "%s/upload", f->base);
    f->cfg.progress = count_progress;
    assert_int_equal(cairn_tls_pin_from_pem(f->ctx, f->cert, f->cl, pin), CAIRN_OK);
    f->cfg.pins = (const uint8_t(*)[32])pin;
    f->cfg.n_pins = 1;
    assert_int_equal(cairn_fthttp_upload(f->ctx, &f->cfg, url, f->srv.blob, 50000,
                                         "application/octet-stream", "photo.bin", &d),
                     CAIRN_OK);
    assert_true(f->srv.upload_len > 50000); /* multipart framing around the blob */
    assert_true(g_progress_calls > 0);
    assert_true(d.file.present);
    assert_int_equal(d.file.size, sizeof(f->srv.blob));
    assert_string_equal(d.file.name, "photo.bin");
    /* download what the descriptor names, to memory and to a file */
    assert_int_equal(cairn_fthttp_download(f->ctx, &f->cfg, d.file.url, d.file.size, &got, &len),
                     CAIRN_OK);
    assert_int_equal(len, sizeof(f->srv.blob));
    assert_memory_equal(got, f->srv.blob, len);
    cairn_free(f->ctx, got, len);
    snprintf(path, sizeof(path), "%s/out.bin", dir);
    assert_int_equal(cairn_fthttp_download_file(f->ctx, &f->cfg, d.file.url, 0, path), CAIRN_OK);
    {
        size_t fl;
        char *fc = cts_read_file(path, &fl);
        assert_int_equal(fl, sizeof(f->srv.blob));
        assert_memory_equal(fc, f->srv.blob, fl);
        free(fc);
    }
    /* announced size smaller than what the server sends: cap */
    assert_int_equal(cairn_fthttp_download(f->ctx, &f->cfg, d.file.url, 1000, &got, &len),
                     CAIRN_ERR_TOO_LARGE);
    cts_rmdir(dir);
    free(dir);
    pthread_join(f->th, NULL);
}

static int cancel_after(void *ud, uint64_t done, uint64_t total)
{
    (void)ud;
    (void)total;
    return done > 8000;
}

static void test_limits_and_refusals(void **state)
{
    fx *f = *state;
    cairn_ft_descriptor d;
    uint8_t *got;
    size_t len;
    char url[128];
    uint8_t pin[32];
    static volatile int cancel;

    /* no network needed for these */
    f->cfg.max_upload = 10;
    snprintf(url, sizeof(url), "%s/upload", f->base);
    assert_int_equal(cairn_fthttp_upload(f->ctx, &f->cfg, url, f->srv.blob, 11, "a/b", NULL, &d),
                     CAIRN_ERR_TOO_LARGE);
    f->cfg.max_upload = 0;
    assert_int_equal(
        cairn_fthttp_upload(f->ctx, &f->cfg, "http://localhost/x", f->srv.blob, 1, "a/b", NULL, &d),
        CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_fthttp_download(f->ctx, &f->cfg, "ftp://x/y", 0, &got, &len),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(
        cairn_fthttp_upload(f->ctx, &f->cfg, url, f->srv.blob, 1, "a/b\r\nX: y", NULL, &d),
        CAIRN_ERR_INVALID_ARG);

    start(f, 5);
    /* wrong pin: refused even though the CA is right */
    memset(pin, 0xab, sizeof(pin));
    f->cfg.pins = (const uint8_t(*)[32])pin;
    f->cfg.n_pins = 1;
    snprintf(url, sizeof(url), "%s/blob", f->base);
    assert_int_equal(cairn_fthttp_download(f->ctx, &f->cfg, url, 0, &got, &len), CAIRN_ERR_AUTH);
    f->cfg.n_pins = 0;
    /* no Content-Length, more than max_download */
    f->cfg.max_download = 5000;
    snprintf(url, sizeof(url), "%s/nolength", f->base);
    assert_int_equal(cairn_fthttp_download(f->ctx, &f->cfg, url, 0, &got, &len),
                     CAIRN_ERR_TOO_LARGE);
    f->cfg.max_download = 0;
    /* the descriptor promised more than the server sent */
    snprintf(url, sizeof(url), "%s/blob", f->base);
    assert_int_equal(cairn_fthttp_download(f->ctx, &f->cfg, url, 0, &got, &len), CAIRN_OK);
    cairn_free(f->ctx, got, len);
    /* cancel from the progress callback during a slow download */
    f->cfg.progress = cancel_after;
    snprintf(url, sizeof(url), "%s/slow", f->base);
    assert_int_equal(cairn_fthttp_download(f->ctx, &f->cfg, url, 0, &got, &len),
                     CAIRN_ERR_DECLINED);
    f->cfg.progress = NULL;
    /* and through the cancel flag (set before the call: no transfer) */
    cancel = 1;
    f->cfg.cancel = &cancel;
    assert_int_equal(cairn_fthttp_download(f->ctx, &f->cfg, url, 0, &got, &len),
                     CAIRN_ERR_DECLINED);
    f->cfg.cancel = NULL;
    /* a server answering garbage instead of a descriptor */
    f->srv.bad_descriptor = true;
    snprintf(url, sizeof(url), "%s/upload", f->base);
    assert_int_equal(cairn_fthttp_upload(f->ctx, &f->cfg, url, f->srv.blob, 100, "a/b", NULL, &d),
                     CAIRN_ERR_DECODE);
    pthread_join(f->th, NULL);
}

/* Unknown CA: verification is never off. */
static void test_unknown_ca(void **state)
{
    fx *f = *state;
    uint8_t *got;
    size_t len;
    char url[128];

    start(f, 1);
    f->cfg.ca_pem = NULL;
    f->cfg.ca_pem_len = 0;
    f->cfg.ca_file = "/nonexistent-ca.pem";
    snprintf(url, sizeof(url), "%s/blob", f->base);
    cairn_status st = cairn_fthttp_download(f->ctx, &f->cfg, url, 0, &got, &len);
    assert_true(st == CAIRN_ERR_AUTH || st == CAIRN_ERR_TLS);
    pthread_join(f->th, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_upload_download, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits_and_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_ca, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
