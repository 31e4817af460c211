/*
 * fthttp.c - FT over HTTP with libcurl easy handles, one per call.
 *
 * Invariants: verification is never turned off (CURLOPT_SSL_VERIFYPEER
 * and VERIFYHOST stay at 1/2); only https (or http with allow_http) and
 * no redirects to other schemes; every byte received is counted against
 * the cap before it is stored, and the write callback aborts the transfer
 * the moment the cap would be exceeded, so a hostile server cannot make us
 * buffer more than the cap.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "base.h"
#include "cairn/fthttp.h"

#define FTHTTP_DEFAULT_MAX ((uint64_t)100 << 20)
#define FTHTTP_RESPONSE_MAX ((size_t)64 << 10)
/* "sha256//" + 44 base64 + ";" per pin, for up to 8 pins. */
#define CAIRN_TLS_PINS_TEXT (8 * 56 + 1)

void cairn_fthttp_config_init(cairn_fthttp_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->max_upload = FTHTTP_DEFAULT_MAX;
    cfg->max_download = FTHTTP_DEFAULT_MAX;
    cfg->timeout_ms = 300000;
    cfg->connect_timeout_ms = 15000;
}

typedef struct sink {
    const cairn_context *ctx;
    cairn__buf buf; /* memory target */
    int fd;         /* file target, or -1 */
    uint64_t got;
    uint64_t cap;
    bool over;
    bool io_error;
} sink;

typedef struct xfer {
    const cairn_fthttp_config *cfg;
    bool cancelled;
} xfer;

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
    sink *s = ud;
    size_t len = size * n;

    if (s->got + len > s->cap) {
        s->over = true;
        return 0; /* aborts the transfer */
    }
    if (s->fd >= 0) {
        size_t off = 0;
        while (off < len) {
            ssize_t w = write(s->fd, p + off, len - off);
            if (w <= 0) {
                s->io_error = true;
                return 0;
            }
            off += (size_t)w;
        }
    } else if (cairn__buf_append(&s->buf, p, len) != CAIRN_OK) {
        s->over = true;
        return 0;
    }
    s->got += len;
    return len;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    xfer *x = ud;
    const cairn_fthttp_config *cfg = x->cfg;

    if (cfg->cancel != NULL && *cfg->cancel) {
        x->cancelled = true;
        return 1;
    }
    if (cfg->progress != NULL) {
        int rc = ulnow < ultotal || dltotal == 0
                     ? cfg->progress(cfg->progress_ud, (uint64_t)ulnow, (uint64_t)ultotal)
                     : cfg->progress(cfg->progress_ud, (uint64_t)dlnow, (uint64_t)dltotal);
        if (rc != 0) {
            x->cancelled = true;
            return 1;
        }
    }
    return 0;
}

static bool url_ok(const cairn_fthttp_config *cfg, const char *url)
{
    if (url == NULL || strlen(url) > CAIRN_FT_URL_MAX || strpbrk(url, " \r\n\t") != NULL)
        return false;
    if (strncasecmp(url, "https://", 8) == 0)
        return true;
    return cfg->allow_http && strncasecmp(url, "http://", 7) == 0;
}

/* Common TLS, limits and callbacks. */
static cairn_status setup(CURL *h, const cairn_fthttp_config *cfg, const char *url, xfer *x,
                          char *pinbuf, size_t pincap)
{
    CURLcode rc = CURLE_OK;

    rc |= curl_easy_setopt(h, CURLOPT_URL, url);
    rc |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    rc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, cfg->allow_http ? "https,http" : "https");
    rc |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    rc |= curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    rc |= curl_easy_setopt(h, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    rc |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, cfg->timeout_ms > 0 ? cfg->timeout_ms : 300000L);
    rc |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                           cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 15000L);
    rc |= curl_easy_setopt(h, CURLOPT_USERAGENT, cfg->user_agent ? cfg->user_agent : "cairn");
    rc |= curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    rc |= curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    rc |= curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
    if (cfg->ca_pem != NULL) {
        struct curl_blob blob = {(void *)cfg->ca_pem, cfg->ca_pem_len, CURL_BLOB_COPY};
        rc |= curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
    } else if (cfg->ca_file != NULL) {
        rc |= curl_easy_setopt(h, CURLOPT_CAINFO, cfg->ca_file);
    }
    if (cfg->n_pins > 0) {
        /* "sha256//<base64>;sha256//<base64>" */
        size_t off = 0;
        for (size_t i = 0; i < cfg->n_pins; i++) {
            if (off + 8 + 45 + 2 > pincap)
                return CAIRN_ERR_LIMIT;
            off += (size_t)snprintf(pinbuf + off, pincap - off, "%ssha256//", i ? ";" : "");
            cairn__base64_encode(pinbuf + off, cfg->pins[i], 32);
            off += strlen(pinbuf + off);
        }
        rc |= curl_easy_setopt(h, CURLOPT_PINNEDPUBLICKEY, pinbuf);
    }
    return rc == CURLE_OK ? CAIRN_OK : CAIRN_ERR_INTERNAL;
}

static cairn_status map_curl(CURLcode rc, const xfer *x, const sink *s)
{
    if (rc == CURLE_OK)
        return CAIRN_OK;
    if (x->cancelled)
        return CAIRN_ERR_DECLINED;
    if (s != NULL && s->over)
        return CAIRN_ERR_TOO_LARGE;
    if (s != NULL && s->io_error)
        return CAIRN_ERR_IO;
    switch (rc) {
    case CURLE_OUT_OF_MEMORY:
        return CAIRN_ERR_NOMEM;
    case CURLE_OPERATION_TIMEDOUT:
        return CAIRN_ERR_TIMEOUT;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_CACERT_BADFILE:
        return CAIRN_ERR_AUTH;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
        return CAIRN_ERR_TLS;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
        return CAIRN_ERR_INVALID_ARG;
    default:
        return CAIRN_ERR_NETWORK;
    }
}

cairn_status cairn_fthttp_upload(const cairn_context *ctx, const cairn_fthttp_config *cfg,
                                 const char *url, const uint8_t *blob, size_t len,
                                 const char *content_type, const char *filename,
                                 cairn_ft_descriptor *out)
{
    cairn_fthttp_config dflt;
    CURL *h;
    curl_mime *mime = NULL;
    curl_mimepart *part;
    sink s;
    xfer x = {0};
    char pins[CAIRN_TLS_PINS_TEXT];
    long code = 0;
    cairn_status st;
    CURLcode rc;

    if (cfg == NULL) {
        cairn_fthttp_config_init(&dflt);
        cfg = &dflt;
    }
    if (ctx == NULL || out == NULL || (blob == NULL && len > 0) || content_type == NULL ||
        !url_ok(cfg, url) || strpbrk(content_type, "\r\n\"") != NULL ||
        (filename != NULL && strpbrk(filename, "\r\n\"") != NULL))
        return CAIRN_ERR_INVALID_ARG;
    if ((uint64_t)len > (cfg->max_upload ? cfg->max_upload : FTHTTP_DEFAULT_MAX))
        return CAIRN_ERR_TOO_LARGE;
    if (cfg->cancel != NULL && *cfg->cancel)
        return CAIRN_ERR_DECLINED;
    h = curl_easy_init();
    if (h == NULL)
        return CAIRN_ERR_NOMEM;
    x.cfg = cfg;
    memset(&s, 0, sizeof(s));
    s.ctx = ctx;
    s.fd = -1;
    s.cap = FTHTTP_RESPONSE_MAX;
    cairn__buf_init(&s.buf, ctx, FTHTTP_RESPONSE_MAX);
    st = setup(h, cfg, url, &x, pins, sizeof(pins));
    if (st == CAIRN_OK) {
        mime = curl_mime_init(h);
        part = mime ? curl_mime_addpart(mime) : NULL;
        if (part == NULL || curl_mime_name(part, "File") != CURLE_OK ||
            curl_mime_data(part, (const char *)blob, len) != CURLE_OK ||
            curl_mime_type(part, content_type) != CURLE_OK ||
            curl_mime_filename(part, filename ? filename : "file.bin") != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_MIMEPOST, mime) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK ||
            curl_easy_setopt(h, CURLOPT_WRITEDATA, &s) != CURLE_OK)
            st = CAIRN_ERR_NOMEM;
    }
    if (st == CAIRN_OK) {
        rc = curl_easy_perform(h);
        st = map_curl(rc, &x, &s);
    }
    if (st == CAIRN_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (code != 200)
            st = CAIRN_ERR_PROTOCOL;
    }
    if (st == CAIRN_OK)
        st = cairn_ft_parse(ctx, s.buf.data, s.buf.len, out);
    curl_mime_free(mime);
    curl_easy_cleanup(h);
    cairn__buf_free(&s.buf);
    return st;
}

static cairn_status download(const cairn_context *ctx, const cairn_fthttp_config *cfg,
                             const char *url, uint64_t expected, sink *s)
{
    cairn_fthttp_config dflt;
    CURL *h;
    xfer x = {0};
    char pins[CAIRN_TLS_PINS_TEXT];
    long code = 0;
    cairn_status st;
    uint64_t cap;

    if (cfg == NULL) {
        cairn_fthttp_config_init(&dflt);
        cfg = &dflt;
    }
    if (ctx == NULL || !url_ok(cfg, url))
        return CAIRN_ERR_INVALID_ARG;
    if (cfg->cancel != NULL && *cfg->cancel)
        return CAIRN_ERR_DECLINED;
    cap = cfg->max_download ? cfg->max_download : FTHTTP_DEFAULT_MAX;
    if (expected > 0 && expected < cap)
        cap = expected;
    s->cap = cap;
    if (s->fd < 0)
        s->buf.limit = (size_t)cap;
    h = curl_easy_init();
    if (h == NULL)
        return CAIRN_ERR_NOMEM;
    x.cfg = cfg;
    st = setup(h, cfg, url, &x, pins, sizeof(pins));
    if (st == CAIRN_OK &&
        (curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK ||
         curl_easy_setopt(h, CURLOPT_WRITEDATA, s) != CURLE_OK ||
         curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cap) != CURLE_OK))
        st = CAIRN_ERR_INTERNAL;
    if (st == CAIRN_OK) {
        CURLcode rc = curl_easy_perform(h);
        if (rc == CURLE_FILESIZE_EXCEEDED)
            st = CAIRN_ERR_TOO_LARGE;
        else
            st = map_curl(rc, &x, s);
    }
    if (st == CAIRN_OK) {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (code != 200)
            st = CAIRN_ERR_PROTOCOL;
        else if (expected > 0 && s->got != expected)
            st = CAIRN_ERR_PROTOCOL;
    }
    curl_easy_cleanup(h);
    return st;
}

cairn_status cairn_fthttp_download(const cairn_context *ctx, const cairn_fthttp_config *cfg,
                                   const char *url, uint64_t expected_size, uint8_t **out,
                                   size_t *out_len)
{
    sink s;
    cairn_status st;

    if (out == NULL || out_len == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    *out_len = 0;
    memset(&s, 0, sizeof(s));
    s.ctx = ctx;
    s.fd = -1;
    cairn__buf_init(&s.buf, ctx, 1); /* the real cap is set by download() */
    st = download(ctx, cfg, url, expected_size, &s);
    if (st == CAIRN_OK)
        st = cairn__buf_take(&s.buf, out, out_len);
    cairn__buf_free(&s.buf);
    return st;
}

cairn_status cairn_fthttp_download_file(const cairn_context *ctx, const cairn_fthttp_config *cfg,
                                        const char *url, uint64_t expected_size, const char *path)
{
    sink s;
    cairn_status st;

    if (path == NULL)
        return CAIRN_ERR_INVALID_ARG;
    memset(&s, 0, sizeof(s));
    s.ctx = ctx;
    s.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (s.fd < 0)
        return CAIRN_ERR_IO;
    st = download(ctx, cfg, url, expected_size, &s);
    if (close(s.fd) != 0 && st == CAIRN_OK)
        st = CAIRN_ERR_IO;
    if (st != CAIRN_OK)
        unlink(path);
    return st;
}
