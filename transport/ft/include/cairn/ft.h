/*
 * ft.h - the GSMA RCS FT-over-HTTP file descriptor,
 * application/vnd.gsma.rcs-ft-http+xml: the small XML document a sender
 * posts in the chat after uploading a file, telling the receiver where to
 * download it (and its thumbnail) and until when. Parse and build only;
 * the HTTP upload/download comes later (libcurl).
 *
 * Cairn carries the file key and digest INSIDE the end-to-end encrypted
 * payload, never in this descriptor (FT-4): what is here is visible to
 * the content server and anyone on the path.
 *
 * Invariants: results are fixed-size structs; the reader is the hardened
 * cairn_rcsxml (no DOCTYPE, caps); only http(s) URLs are accepted, the
 * writer emits https only (FT-2); at most one file-info of each type
 * (FT-1).
 */
#ifndef CAIRN_FT_H
#define CAIRN_FT_H

#include <stdbool.h>
#include <stdint.h>

#include "base.h"
#include "cairn/export.h"
#include "cairn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_FT_NS "urn:gsma:params:xml:ns:rcs:rcs:fthttp"
#define CAIRN_FT_AM_NS "urn:gsma:params:xml:ns:rcs:rcs:rram"
#define CAIRN_FT_CONTENT_TYPE "application/vnd.gsma.rcs-ft-http+xml"
#define CAIRN_FT_URL_MAX 2048u
/* file-size is at most 2^53 - 1. */
#define CAIRN_FT_SIZE_LIMIT ((uint64_t)9007199254740991ull)

typedef struct cairn_ft_info {
    bool present;
    uint64_t size;             /* file-size, bytes */
    char name[256];            /* file-name (file only; may be empty) */
    char content_type[128];
    char url[CAIRN_FT_URL_MAX + 1]; /* data url */
    char until[64];            /* data until, RFC 3339 */
    char disposition[16];      /* file-disposition: "render"/"attachment"/"" */
    bool has_playing_length;   /* am:playing-length (audio messages) */
    uint32_t playing_length;   /* seconds */
} cairn_ft_info;

typedef struct cairn_ft_descriptor {
    cairn_ft_info file;
    cairn_ft_info thumbnail;
} cairn_ft_descriptor;

/*
 * Parses a descriptor into *out (written only on success). A file-info of
 * type "file" with size, content-type and data url is required; the
 * thumbnail is optional; unknown elements are ignored.
 * Errors: CAIRN_ERR_DECODE (structure, duplicates, bad numbers, non-http
 * URL, DOCTYPE, malformed), CAIRN_ERR_TOO_LARGE / CAIRN_ERR_LIMIT (caps,
 * a field longer than its slot), CAIRN_ERR_NOMEM.
 */
CAIRN_MUST_CHECK cairn_status cairn_ft_parse(const cairn_context *ctx,
                                             const uint8_t *xml, size_t len,
                                             cairn_ft_descriptor *out);

/* Appends the descriptor: thumbnail first (when present), then the file,
 * as deployed clients expect (FT-3). Requires https URLs, a content type
 * and an until date. The buffer is unchanged on error. Errors:
 * CAIRN_ERR_INVALID_ARG, CAIRN_ERR_TOO_LARGE, CAIRN_ERR_NOMEM. */
cairn_status cairn_ft_write(cairn__buf *out, const cairn_ft_descriptor *d);

#ifdef __cplusplus
}
#endif
#endif
