/*
 * context.h - the library context: allocator, logger, random source and
 * clock. Every other handle is created from a context and uses only its
 * hooks, so two contexts in one process never interfere and the library
 * keeps no mutable global state.
 *
 * Ownership: the context copies the config; the hooks' user-data pointers
 * are kept (not owned) until cairn_context_destroy(). A context must outlive
 * every handle made from it. A context is immutable after creation and may
 * be shared between threads; the hooks must then be thread-safe.
 */
#ifndef CAIRN_CONTEXT_H
#define CAIRN_CONTEXT_H

#include <stddef.h>
#include <stdint.h>

#include "export.h"
#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cairn_context cairn_context;

typedef enum cairn_log_level {
    CAIRN_LOG_ERROR = 0,
    CAIRN_LOG_WARN = 1,
    CAIRN_LOG_INFO = 2,
    CAIRN_LOG_DEBUG = 3
} cairn_log_level;

/*
 * Hooks; any member left NULL gets the default (malloc family, stderr at
 * WARN and above, libsodium's randombytes, CLOCK_REALTIME). `size` must be
 * sizeof(cairn_context_config): the struct may grow at its end.
 *
 * Allocator: alloc(ud, n) returns NULL on failure and the library then
 * returns CAIRN_ERR_NOMEM; free(ud, NULL) must be harmless.
 * Logger: receives one line without newline; message content and secrets
 * are never passed to it.
 * random: fills buf with n cryptographically secure bytes, 0 on success.
 * now_ms: milliseconds since the Unix epoch.
 */
typedef struct cairn_context_config {
    size_t size;
    void *(*alloc)(void *ud, size_t n);
    void *(*realloc)(void *ud, void *p, size_t n);
    void (*free)(void *ud, void *p);
    void *alloc_ud;
    void (*log)(void *ud, cairn_log_level level, const char *component,
                const char *line);
    void *log_ud;
    cairn_log_level log_level;
    int (*random)(void *ud, uint8_t *buf, size_t n);
    void *random_ud;
    int64_t (*now_ms)(void *ud);
    void *clock_ud;
} cairn_context_config;

/* Fills cfg with the defaults (all hooks NULL, level WARN). Since 0.1. */
CAIRN_EXPORT void cairn_context_config_init(cairn_context_config *cfg);

/* Creates a context. cfg may be NULL for defaults. Initialises libsodium
 * (idempotent). On success *out is owned by the caller and released with
 * cairn_context_destroy(). Errors: CAIRN_ERR_INVALID_ARG (bad size),
 * CAIRN_ERR_NOMEM, CAIRN_ERR_CRYPTO (libsodium failed to start). Since 0.1. */
CAIRN_EXPORT CAIRN_MUST_CHECK cairn_status
cairn_context_create(const cairn_context_config *cfg, cairn_context **out);

/* Destroys the context; NULL is a no-op. Since 0.1. */
CAIRN_EXPORT void cairn_context_destroy(cairn_context *ctx);

/* Frees memory the library handed to the caller (strings, buffers) with the
 * context's allocator; NULL is a no-op. `n` is the length for wiping: the
 * memory is zeroed before it is released. Since 0.1. */
CAIRN_EXPORT void cairn_free(const cairn_context *ctx, void *p, size_t n);

#ifdef __cplusplus
}
#endif
#endif
