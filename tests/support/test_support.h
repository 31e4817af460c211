/*
 * test_support.h - helpers shared by every test binary: where the shared
 * vectors are, reading a whole file, a context with a counting allocator
 * that can fail the n-th allocation, and a scratch directory.
 */
#ifndef CAIRN_TEST_SUPPORT_H
#define CAIRN_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cairn/context.h"

/* The vectors directory: $CAIRN_VECTORS, else the build's default
 * (../shared/vectors beside the checkout). NULL when it does not exist. */
const char *cts_vectors_dir(void);

/* Path of a vector file, or NULL (and a message on stderr) when the vectors
 * are absent; a test then calls skip(). Returned string is static. */
const char *cts_vector_path(const char *relative);

/* Skips the current cmocka test with a clear message when vectors are
 * missing; otherwise returns the full path. */
#define CTS_VECTOR_OR_SKIP(rel)                                                \
    ({                                                                         \
        const char *p__ = cts_vector_path(rel);                                \
        if (p__ == NULL) {                                                     \
            skip();                                                            \
        }                                                                      \
        p__;                                                                   \
    })

/* Reads a whole file into malloc'd memory (NUL-terminated); NULL on error. */
char *cts_read_file(const char *path, size_t *len);

/* A context whose allocator counts live allocations and can be told to
 * fail: after cts_fail_after(n), allocation number n (0-based) and every
 * later one returns NULL until cts_fail_after(-1). */
cairn_context *cts_context(void);
void cts_fail_after(long n);
long cts_alloc_count(void);
long cts_live_allocations(void);
/* High-water mark of the bytes live through cts_context() allocators
 * since the last reset (what a test bounds to prove streaming). */
size_t cts_peak_bytes(void);
void cts_peak_reset(void);

/* A fresh empty directory under $TMPDIR, removed by cts_rmdir. */
char *cts_tempdir(void);
void cts_rmdir(const char *dir);

#endif
