/*
 * msrp_test_util.h - shared by the MSRP tests: a parser event collector
 * that renders events to a canonical text log (so that different splits of
 * one stream can be compared byte for byte) and a context whose allocator
 * tracks live and peak bytes (bounded-memory checks).
 */
#ifndef MSRP_TEST_UTIL_H
#define MSRP_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "cairn/msrp.h"

typedef struct mt_collect {
    char *log;
    size_t len, cap;
    int starts, ends, pieces;
    size_t max_piece;
    uint64_t body_seen;   /* body bytes of the current message */
    int keep_body;        /* copy body bytes into the log */
    char last_flag;
    cairn_status last_error;
    char last_error_header[64];
    char last_tid[CAIRN_MSRP_TID_BUF];
} mt_collect;

void mt_collect_init(mt_collect *c);
void mt_collect_free(mt_collect *c);
const cairn_msrp_callbacks *mt_callbacks(void);

/* Feeds data in pieces of `step` bytes (0 = all at once) to a fresh parser
 * with default limits; returns the first non-OK status. */
cairn_status mt_parse(const cairn_context *ctx, const uint8_t *d, size_t n,
                      size_t step, mt_collect *c);

/* A context whose allocator counts bytes: live and peak since reset. */
cairn_context *mt_bytes_context(void);
void mt_bytes_reset_peak(void);
size_t mt_bytes_live(void);
size_t mt_bytes_peak(void);

#endif
