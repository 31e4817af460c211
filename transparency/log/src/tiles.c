/*
 * tiles.c - tile geometry and paths (C2SP tlog-tiles): which tiles a tree
 * size has, how wide each is, how an index becomes the x-prefixed 3-digit
 * path elements, and the strict inverse of that encoding (TLOG-7, TLOG-8).
 *
 * Invariant: cairn_tlog_tile_path_parse accepts exactly the strings
 * cairn_tlog_tile_path / cairn_tlog_bundle_path produce, so one resource
 * has one name.
 */
#include <stdio.h>
#include <string.h>

#include "cairn/tlog_tiles.h"
#include "tlog_internal.h"

size_t cairn_tlog_tile_max_len(void) { return CAIRN_TLOG_TILE_MAX_LEN; }
size_t cairn_tlog_entry_max_len(void) { return CAIRN_TLOG_ENTRY_MAX_LEN; }

unsigned cairn_tlog_tile_width(unsigned level, uint64_t index,
                               uint64_t tree_size)
{
    uint64_t count, full;
    if (level > CAIRN_TLOG_TILE_MAX_LEVEL)
        return 0;
    count = tlog__shr(tree_size, CAIRN_TLOG_TILE_HEIGHT * level);
    full = count >> 8; /* tiles of this level that are complete */
    if (index < full)
        return CAIRN_TLOG_TILE_WIDTH;
    if (index == full)
        return (unsigned)(count & 255);
    return 0;
}

/* Appends the index elements: "x001/x234/067". */
static int format_index(char *out, size_t cap, uint64_t index)
{
    unsigned groups[7];
    int n = 0, i, off = 0, w;
    do {
        groups[n++] = (unsigned)(index % 1000);
        index /= 1000;
    } while (index > 0);
    for (i = n - 1; i >= 0; i--) {
        w = snprintf(out + off, cap - (size_t)off, i > 0 ? "x%03u/" : "%03u",
                     groups[i]);
        if (w < 0 || (size_t)w >= cap - (size_t)off)
            return -1;
        off += w;
    }
    return off;
}

static cairn_status format_path(char *out, size_t cap, const char *kind,
                                uint64_t index, unsigned width)
{
    int off, w;
    if (out == NULL || width == 0 || width > CAIRN_TLOG_TILE_WIDTH)
        return CAIRN_ERR_INVALID_ARG;
    off = snprintf(out, cap, "tile/%s/", kind);
    if (off < 0 || (size_t)off >= cap)
        return CAIRN_ERR_TOO_LARGE;
    w = format_index(out + off, cap - (size_t)off, index);
    if (w < 0)
        return CAIRN_ERR_TOO_LARGE;
    off += w;
    if (width < CAIRN_TLOG_TILE_WIDTH) {
        w = snprintf(out + off, cap - (size_t)off, ".p/%u", width);
        if (w < 0 || (size_t)w >= cap - (size_t)off)
            return CAIRN_ERR_TOO_LARGE;
    }
    return CAIRN_OK;
}

cairn_status cairn_tlog_tile_path(char *out, size_t cap, unsigned level,
                                  uint64_t index, unsigned width)
{
    char kind[4];
    if (level > CAIRN_TLOG_TILE_MAX_LEVEL)
        return CAIRN_ERR_INVALID_ARG;
    snprintf(kind, sizeof(kind), "%u", level);
    return format_path(out, cap, kind, index, width);
}

cairn_status cairn_tlog_bundle_path(char *out, size_t cap, uint64_t index,
                                    unsigned width)
{
    return format_path(out, cap, "entries", index, width);
}

cairn_status cairn_tlog_tile_path_parse(const char *path, size_t len,
                                        bool *is_bundle, unsigned *level,
                                        uint64_t *index, unsigned *width)
{
    char canon[CAIRN_TLOG_TILE_PATH_MAX];
    const char *p = path, *end = path + len;
    bool bundle = false;
    unsigned lv = 0, wd = CAIRN_TLOG_TILE_WIDTH;
    uint64_t idx = 0;
    cairn_status rc;

    if (path == NULL || is_bundle == NULL || level == NULL || index == NULL ||
        width == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (len >= CAIRN_TLOG_TILE_PATH_MAX || len < 5 || memcmp(p, "tile/", 5))
        return CAIRN_ERR_DECODE;
    p += 5;
    if ((size_t)(end - p) > 8 && !memcmp(p, "entries/", 8)) {
        bundle = true;
        p += 8;
    } else {
        int digits = 0;
        while (p < end && *p >= '0' && *p <= '9' && digits < 3) {
            lv = lv * 10 + (unsigned)(*p - '0');
            p++;
            digits++;
        }
        if (digits == 0 || p >= end || *p != '/' || lv > CAIRN_TLOG_TILE_MAX_LEVEL)
            return CAIRN_ERR_DECODE;
        p++;
    }
    /* Index elements: "xDDD/" repeated, then "DDD". */
    for (;;) {
        bool x = p < end && *p == 'x';
        unsigned g = 0;
        int i;
        if (x)
            p++;
        if (end - p < 3)
            return CAIRN_ERR_DECODE;
        for (i = 0; i < 3; i++) {
            if (p[i] < '0' || p[i] > '9')
                return CAIRN_ERR_DECODE;
            g = g * 10 + (unsigned)(p[i] - '0');
        }
        p += 3;
        if (idx > (UINT64_MAX - g) / 1000)
            return CAIRN_ERR_DECODE;
        idx = idx * 1000 + g;
        if (!x)
            break;
        if (p >= end || *p != '/')
            return CAIRN_ERR_DECODE;
        p++;
    }
    if (p < end) {
        int digits = 0;
        if (end - p < 4 || memcmp(p, ".p/", 3))
            return CAIRN_ERR_DECODE;
        p += 3;
        wd = 0;
        while (p < end && *p >= '0' && *p <= '9' && digits < 4) {
            wd = wd * 10 + (unsigned)(*p - '0');
            p++;
            digits++;
        }
        if (p != end || wd == 0 || wd >= CAIRN_TLOG_TILE_WIDTH)
            return CAIRN_ERR_DECODE;
    }
    /* Leading zeros, x000 groups and the like: accept only the canonical
     * spelling by re-encoding and comparing. */
    rc = bundle ? cairn_tlog_bundle_path(canon, sizeof(canon), idx, wd)
                : cairn_tlog_tile_path(canon, sizeof(canon), lv, idx, wd);
    if (rc != CAIRN_OK || strlen(canon) != len || memcmp(canon, path, len))
        return CAIRN_ERR_DECODE;
    *is_bundle = bundle;
    *level = lv;
    *index = idx;
    *width = wd;
    return CAIRN_OK;
}

cairn_status cairn_tlog_tile_check(const uint8_t *data, size_t len,
                                   unsigned width)
{
    if ((data == NULL && len) || width == 0 || width > CAIRN_TLOG_TILE_WIDTH)
        return CAIRN_ERR_INVALID_ARG;
    if (len != (size_t)width * CAIRN_TLOG_HASH_LEN)
        return CAIRN_ERR_DECODE;
    return CAIRN_OK;
}

cairn_status cairn_tlog_tile_from_leaf_hashes(const uint8_t *leaf_hashes,
                                              uint64_t count, unsigned level,
                                              uint64_t index, uint8_t *out,
                                              size_t cap, size_t *out_len)
{
    unsigned width = cairn_tlog_tile_width(level, index, count), i;
    unsigned shift = CAIRN_TLOG_TILE_HEIGHT * level;
    if ((leaf_hashes == NULL && count) || out == NULL || out_len == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (width == 0)
        return CAIRN_ERR_NOT_FOUND;
    if (cap < (size_t)width * CAIRN_TLOG_HASH_LEN)
        return CAIRN_ERR_TOO_LARGE;
    for (i = 0; i < width; i++) {
        /* Hash i covers leaves [(index*256 + i) << shift, +1 << shift);
         * the width check guarantees that range lies within count. */
        uint64_t first = (index * CAIRN_TLOG_TILE_WIDTH + i) << shift;
        uint64_t n = (uint64_t)1 << shift;
        tlog__fold(out + (size_t)i * CAIRN_TLOG_HASH_LEN,
                   leaf_hashes + first * CAIRN_TLOG_HASH_LEN, (size_t)n);
    }
    *out_len = (size_t)width * CAIRN_TLOG_HASH_LEN;
    return CAIRN_OK;
}
