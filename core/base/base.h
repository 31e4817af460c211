/*
 * base.h - internal utilities shared by every component (never installed):
 * allocation through the context, logging, random bytes, clock, bounded
 * byte buffers, hex. All internal names are cairn__*.
 *
 * Invariants: no function here aborts; every allocation goes through
 * cairn__alloc so a test allocator can fail any of them; cairn__buf never
 * grows beyond the limit it was given.
 */
#ifndef CAIRN_BASE_H
#define CAIRN_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/context.h"
#include "cairn/status.h"

struct cairn_context {
    cairn_context_config cfg;
};

/* Allocation: the only allocator entry points of the project. */
void *cairn__alloc(const cairn_context *ctx, size_t n);
void *cairn__calloc(const cairn_context *ctx, size_t count, size_t n);
void *cairn__realloc(const cairn_context *ctx, void *p, size_t n);
void cairn__free(const cairn_context *ctx, void *p);
/* Wipes n bytes, then frees. */
void cairn__free_secret(const cairn_context *ctx, void *p, size_t n);
char *cairn__strdup(const cairn_context *ctx, const char *s);
char *cairn__strndup(const cairn_context *ctx, const char *s, size_t n);
void *cairn__memdup(const cairn_context *ctx, const void *p, size_t n);

/* Logging: printf-style; callers never pass message content or secrets. */
void cairn__log(const cairn_context *ctx, cairn_log_level level, const char *component,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define CAIRN_LOGE(ctx, comp, ...) cairn__log(ctx, CAIRN_LOG_ERROR, comp, __VA_ARGS__)
#define CAIRN_LOGW(ctx, comp, ...) cairn__log(ctx, CAIRN_LOG_WARN, comp, __VA_ARGS__)
#define CAIRN_LOGI(ctx, comp, ...) cairn__log(ctx, CAIRN_LOG_INFO, comp, __VA_ARGS__)
#define CAIRN_LOGD(ctx, comp, ...) cairn__log(ctx, CAIRN_LOG_DEBUG, comp, __VA_ARGS__)

/* Randomness and time from the context hooks. */
cairn_status cairn__random(const cairn_context *ctx, uint8_t *buf, size_t n);
int64_t cairn__now_ms(const cairn_context *ctx);

/* Growable byte buffer with a hard cap. Appending past `limit` fails with
 * CAIRN_ERR_TOO_LARGE and leaves the buffer as it was. */
typedef struct cairn__buf {
    const cairn_context *ctx;
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t limit;
} cairn__buf;

void cairn__buf_init(cairn__buf *b, const cairn_context *ctx, size_t limit);
cairn_status cairn__buf_reserve(cairn__buf *b, size_t extra);
cairn_status cairn__buf_append(cairn__buf *b, const void *p, size_t n);
cairn_status cairn__buf_append_str(cairn__buf *b, const char *s);
cairn_status cairn__buf_printf(cairn__buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
cairn_status cairn__buf_append_u8(cairn__buf *b, uint8_t v);
cairn_status cairn__buf_append_u16be(cairn__buf *b, uint16_t v);
cairn_status cairn__buf_append_u32be(cairn__buf *b, uint32_t v);
cairn_status cairn__buf_append_u64be(cairn__buf *b, uint64_t v);
/* Hands ownership of the bytes to the caller (free with cairn__free);
 * the buffer is left empty. NUL-terminates (not counted in *len). */
cairn_status cairn__buf_take(cairn__buf *b, uint8_t **out, size_t *len);
void cairn__buf_reset(cairn__buf *b);
/* Wipes and frees. */
void cairn__buf_free(cairn__buf *b);

/* Bounded big-endian reader over a byte range; every read checks bounds
 * and a failed read sets `err` so a decoder can test once at the end. */
typedef struct cairn__reader {
    const uint8_t *p;
    size_t len;
    size_t off;
    bool err;
} cairn__reader;

void cairn__reader_init(cairn__reader *r, const uint8_t *p, size_t len);
uint8_t cairn__read_u8(cairn__reader *r);
uint16_t cairn__read_u16be(cairn__reader *r);
uint32_t cairn__read_u24be(cairn__reader *r);
uint32_t cairn__read_u32be(cairn__reader *r);
uint64_t cairn__read_u64be(cairn__reader *r);
/* Returns a pointer into the input (not a copy), or NULL with err set. */
const uint8_t *cairn__read_bytes(cairn__reader *r, size_t n);
size_t cairn__reader_left(const cairn__reader *r);

/* Hex: lowercase output, NUL-terminated, out must hold 2n+1.
 * cairn__hex_decode accepts either case and fails on odd length or a
 * non-hex digit, or when the output would exceed out_cap. */
void cairn__hex_encode(char *out, const uint8_t *in, size_t n);
cairn_status cairn__hex_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *in,
                               size_t in_len);

/* Standard base64 with padding (RFC 4648 section 4), strict decoding. */
size_t cairn__base64_encoded_len(size_t n);
void cairn__base64_encode(char *out, const uint8_t *in, size_t n);
cairn_status cairn__base64_decode(uint8_t *out, size_t out_cap, size_t *out_len, const char *in,
                                  size_t in_len);

/* Constant-time comparison: 0 when equal. */
/* io.c: the whole n bytes to / from a blocking descriptor, across EINTR
 * and short transfers. CAIRN_ERR_IO on an error (or a write of 0);
 * read_exact returns at_eof when the descriptor ends first. */
cairn_status cairn__write_all(int fd, const void *p, size_t n);
cairn_status cairn__read_exact(int fd, void *p, size_t n, cairn_status at_eof);

int cairn__memeq_ct(const void *a, const void *b, size_t n);
void cairn__wipe(void *p, size_t n);

#define CAIRN_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
