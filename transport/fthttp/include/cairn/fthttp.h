/*
 * fthttp.h - RCS File Transfer over HTTP, client side (libcurl): upload an
 * already encrypted blob and get back the FT descriptor, download a blob
 * named by a descriptor into memory or a file. The file key and digest
 * never appear here: they travel inside the Signal ciphertext
 * (BIND-FT-1, FT-4).
 *
 * TLS: HTTPS only (http is refused unless allow_http is set, for tests),
 * peer verification always on, with an optional PEM CA bundle (memory or
 * file) and SHA-256 SPKI pins in the same form cairn_tls uses
 * (BIND-FT-2). Limits: an upload larger than max_upload and a download
 * larger than max_download (or than the expected size) fail without
 * buffering more than the cap.
 *
 * Calls block the calling thread (the app runs them off its UI thread);
 * cancel them from another thread by setting *cancel to non-zero, or by
 * returning non-zero from the progress callback. No global state is
 * touched besides libcurl's own lazy global init.
 *
 * Ownership: nothing in the config is kept past a call; downloaded
 * buffers are the caller's (cairn_free(ctx, p, len)).
 */
#ifndef CAIRN_FTHTTP_H
#define CAIRN_FTHTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/context.h"
#include "cairn/ft.h"
#include "cairn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cairn_fthttp_config {
    const char *ca_pem; /* PEM bundle in memory (NULL: system store) */
    size_t ca_pem_len;
    const char *ca_file;       /* or a PEM file */
    const uint8_t (*pins)[32]; /* SHA-256 SPKI pins, n_pins of them */
    size_t n_pins;
    bool allow_http;         /* tests only: permit http:// URLs */
    uint64_t max_upload;     /* default 100 MiB */
    uint64_t max_download;   /* default 100 MiB */
    long timeout_ms;         /* whole transfer, default 300000 */
    long connect_timeout_ms; /* default 15000 */
    /* Progress: bytes done and total (0 when unknown) of the current
     * direction; return non-zero to cancel. May be NULL. */
    int (*progress)(void *ud, uint64_t done, uint64_t total);
    void *progress_ud;
    const volatile int *cancel; /* non-zero cancels (checked during the transfer) */
    const char *user_agent;     /* default "cairn" */
} cairn_fthttp_config;

void cairn_fthttp_config_init(cairn_fthttp_config *cfg);

/* POSTs blob as multipart/form-data (part "File", with filename and
 * content type) to url and parses the 200 response as an FT descriptor
 * into *out. Errors: CAIRN_ERR_INVALID_ARG (bad URL or scheme),
 * CAIRN_ERR_TOO_LARGE (over max_upload, or the response over 64 KiB),
 * CAIRN_ERR_TLS / CAIRN_ERR_AUTH (certificate or pin), CAIRN_ERR_NETWORK,
 * CAIRN_ERR_TIMEOUT, CAIRN_ERR_DECLINED (cancelled), CAIRN_ERR_PROTOCOL
 * (HTTP status other than 200), CAIRN_ERR_DECODE (bad descriptor),
 * CAIRN_ERR_NOMEM. */
CAIRN_MUST_CHECK cairn_status cairn_fthttp_upload(const cairn_context *ctx,
                                                  const cairn_fthttp_config *cfg, const char *url,
                                                  const uint8_t *blob, size_t len,
                                                  const char *content_type, const char *filename,
                                                  cairn_ft_descriptor *out);

/* GETs url into a new buffer. expected_size (0: unknown) is the size the
 * descriptor announced: more bytes than that, or than max_download, fail
 * with CAIRN_ERR_TOO_LARGE; fewer than announced with CAIRN_ERR_PROTOCOL.
 * Other errors as upload. *out is the caller's. */
CAIRN_MUST_CHECK cairn_status cairn_fthttp_download(const cairn_context *ctx,
                                                    const cairn_fthttp_config *cfg, const char *url,
                                                    uint64_t expected_size, uint8_t **out,
                                                    size_t *out_len);

/* Same, streaming into the file at path (created 0600, removed on
 * failure). Errors as download, plus CAIRN_ERR_IO. */
CAIRN_MUST_CHECK cairn_status cairn_fthttp_download_file(const cairn_context *ctx,
                                                         const cairn_fthttp_config *cfg,
                                                         const char *url, uint64_t expected_size,
                                                         const char *path);

#ifdef __cplusplus
}
#endif
#endif
