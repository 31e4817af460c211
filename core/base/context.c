/*
 * context.c - the context and the one allocation wrapper of the project.
 *
 * Every allocation in libcairn, the transport, the transparency code and
 * the servers passes through cairn__alloc/cairn__realloc so that a test
 * allocator (tests/support) can fail the n-th call and prove that each
 * failure path returns CAIRN_ERR_NOMEM without leaking or crashing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "base.h"

static void *default_alloc(void *ud, size_t n) { (void)ud; return malloc(n ? n : 1); }
static void *default_realloc(void *ud, void *p, size_t n) { (void)ud; return realloc(p, n ? n : 1); }
static void default_free(void *ud, void *p) { (void)ud; free(p); }

static int default_random(void *ud, uint8_t *buf, size_t n)
{
    (void)ud;
    randombytes_buf(buf, n);
    return 0;
}

static int64_t default_now_ms(void *ud)
{
    struct timespec ts;
    (void)ud;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void default_log(void *ud, cairn_log_level level, const char *component,
                        const char *line)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    (void)ud;
    fprintf(stderr, "cairn %s [%s] %s\n", names[level & 3], component, line);
}

void cairn_context_config_init(cairn_context_config *cfg)
{
    if (cfg == NULL)
        return;
    memset(cfg, 0, sizeof(*cfg));
    cfg->size = sizeof(*cfg);
    cfg->log_level = CAIRN_LOG_WARN;
}

cairn_status cairn_context_create(const cairn_context_config *cfg,
                                  cairn_context **out)
{
    cairn_context_config c;
    cairn_context *ctx;

    if (out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    cairn_context_config_init(&c);
    if (cfg != NULL) {
        /* Accept older, shorter configs: copy what the caller knew about. */
        if (cfg->size < offsetof(cairn_context_config, log) || cfg->size > sizeof(c))
            return CAIRN_ERR_INVALID_ARG;
        memcpy(&c, cfg, cfg->size);
        c.size = sizeof(c);
    }
    if ((c.alloc == NULL) != (c.free == NULL) || (c.alloc == NULL) != (c.realloc == NULL))
        return CAIRN_ERR_INVALID_ARG;
    if (c.alloc == NULL) {
        c.alloc = default_alloc;
        c.realloc = default_realloc;
        c.free = default_free;
    }
    if (c.log == NULL)
        c.log = default_log;
    if (c.random == NULL)
        c.random = default_random;
    if (c.now_ms == NULL)
        c.now_ms = default_now_ms;
    if (sodium_init() < 0)
        return CAIRN_ERR_CRYPTO;
    ctx = c.alloc(c.alloc_ud, sizeof(*ctx));
    if (ctx == NULL)
        return CAIRN_ERR_NOMEM;
    ctx->cfg = c;
    *out = ctx;
    return CAIRN_OK;
}

void cairn_context_destroy(cairn_context *ctx)
{
    if (ctx == NULL)
        return;
    ctx->cfg.free(ctx->cfg.alloc_ud, ctx);
}

void cairn_free(const cairn_context *ctx, void *p, size_t n)
{
    if (ctx == NULL || p == NULL)
        return;
    cairn__free_secret(ctx, p, n);
}

void *cairn__alloc(const cairn_context *ctx, size_t n)
{
    return ctx->cfg.alloc(ctx->cfg.alloc_ud, n);
}

void *cairn__calloc(const cairn_context *ctx, size_t count, size_t n)
{
    void *p;
    if (n != 0 && count > SIZE_MAX / n)
        return NULL;
    p = cairn__alloc(ctx, count * n);
    if (p != NULL)
        memset(p, 0, count * n);
    return p;
}

void *cairn__realloc(const cairn_context *ctx, void *p, size_t n)
{
    return ctx->cfg.realloc(ctx->cfg.alloc_ud, p, n);
}

void cairn__free(const cairn_context *ctx, void *p)
{
    if (p != NULL)
        ctx->cfg.free(ctx->cfg.alloc_ud, p);
}

void cairn__free_secret(const cairn_context *ctx, void *p, size_t n)
{
    if (p == NULL)
        return;
    sodium_memzero(p, n);
    ctx->cfg.free(ctx->cfg.alloc_ud, p);
}

void *cairn__memdup(const cairn_context *ctx, const void *p, size_t n)
{
    void *q = cairn__alloc(ctx, n + 1);
    if (q == NULL)
        return NULL;
    if (n)
        memcpy(q, p, n);
    ((char *)q)[n] = '\0';
    return q;
}

char *cairn__strndup(const cairn_context *ctx, const char *s, size_t n)
{
    return cairn__memdup(ctx, s, n);
}

char *cairn__strdup(const cairn_context *ctx, const char *s)
{
    return cairn__memdup(ctx, s, strlen(s));
}

cairn_status cairn__random(const cairn_context *ctx, uint8_t *buf, size_t n)
{
    if (n == 0)
        return CAIRN_OK;
    return ctx->cfg.random(ctx->cfg.random_ud, buf, n) == 0 ? CAIRN_OK : CAIRN_ERR_CRYPTO;
}

int64_t cairn__now_ms(const cairn_context *ctx)
{
    return ctx->cfg.now_ms(ctx->cfg.clock_ud);
}

void cairn__log(const cairn_context *ctx, cairn_log_level level,
                const char *component, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    if (ctx == NULL || level > ctx->cfg.log_level)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    ctx->cfg.log(ctx->cfg.log_ud, level, component, line);
}

int cairn__memeq_ct(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n);
}

void cairn__wipe(void *p, size_t n)
{
    if (p != NULL)
        sodium_memzero(p, n);
}
