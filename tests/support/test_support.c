/*
 * test_support.c - see test_support.h. Plain libc on purpose: the helpers
 * must not depend on the code they help test.
 */
#include <dirent.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_support.h"

const char *cts_vectors_dir(void)
{
    static char dir[4096];
    const char *env = getenv("CAIRN_VECTORS");
    struct stat st;
    if (env == NULL || *env == '\0')
        env = getenv("CAIRN_VECTORS_DEFAULT");
    if (env == NULL || stat(env, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    snprintf(dir, sizeof(dir), "%s", env);
    return dir;
}

const char *cts_vector_path(const char *relative)
{
    static char path[4096];
    const char *dir = cts_vectors_dir();
    struct stat st;
    if (dir == NULL) {
        fprintf(stderr,
                "SKIP: shared vectors not found (set CAIRN_VECTORS to ../shared/vectors)\n");
        return NULL;
    }
    snprintf(path, sizeof(path), "%s/%s", dir, relative);
    if (stat(path, &st) != 0) {
        fprintf(stderr, "SKIP: vector %s not present\n", path);
        return NULL;
    }
    return path;
}

char *cts_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0, r;
    if (f == NULL)
        return NULL;
    for (;;) {
        if (cap - n < 65536) {
            char *nb = realloc(buf, cap + 65536 + 1);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap += 65536;
        }
        r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static _Atomic long g_fail_at = -1; /* atomic: tests may allocate from threads */
static _Atomic long g_count;
static _Atomic long g_live;
/* live bytes through the context allocator and their high-water mark
 * (malloc_usable_size: what free() will give back) */
static _Atomic size_t g_bytes, g_peak;

static void bytes_add(void *p)
{
    size_t now = g_bytes += malloc_usable_size(p);
    size_t peak = g_peak;
    while (now > peak && !atomic_compare_exchange_weak(&g_peak, &peak, now)) {
    }
}

static void *t_alloc(void *ud, size_t n)
{
    void *p;
    (void)ud;
    if (g_fail_at >= 0 && g_count++ >= g_fail_at)
        return NULL;
    if (g_fail_at < 0)
        g_count++;
    p = malloc(n ? n : 1);
    if (p) {
        g_live++;
        bytes_add(p);
    }
    return p;
}

static void *t_realloc(void *ud, void *p, size_t n)
{
    void *q;
    (void)ud;
    if (g_fail_at >= 0 && g_count++ >= g_fail_at)
        return NULL;
    if (g_fail_at < 0)
        g_count++;
    size_t old = p ? malloc_usable_size(p) : 0;
    q = realloc(p, n ? n : 1);
    if (q && p == NULL)
        g_live++;
    if (q) {
        g_bytes -= old;
        bytes_add(q);
    }
    return q;
}

static void t_free(void *ud, void *p)
{
    (void)ud;
    if (p) {
        g_live--;
        g_bytes -= malloc_usable_size(p);
        free(p);
    }
}

cairn_context *cts_context(void)
{
    cairn_context_config cfg;
    cairn_context *ctx = NULL;
    cairn_context_config_init(&cfg);
    cfg.alloc = t_alloc;
    cfg.realloc = t_realloc;
    cfg.free = t_free;
    cfg.log_level = getenv("CAIRN_TEST_DEBUG") ? CAIRN_LOG_DEBUG : CAIRN_LOG_ERROR;
    if (cairn_context_create(&cfg, &ctx) != CAIRN_OK)
        return NULL;
    return ctx;
}

void cts_fail_after(long n)
{
    g_fail_at = n;
    g_count = 0;
}

long cts_alloc_count(void)
{
    return g_count;
}
long cts_live_allocations(void)
{
    return g_live;
}
size_t cts_peak_bytes(void)
{
    return g_peak;
}
void cts_peak_reset(void)
{
    g_peak = g_bytes;
}

char *cts_tempdir(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl;
    if (base == NULL)
        base = "/tmp";
    tmpl = malloc(strlen(base) + 32);
    if (tmpl == NULL)
        return NULL;
    sprintf(tmpl, "%s/cairn-test-XXXXXX", base);
    if (mkdtemp(tmpl) == NULL) {
        free(tmpl);
        return NULL;
    }
    return tmpl;
}

void cts_rmdir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    struct stat st;
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            cts_rmdir(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}
