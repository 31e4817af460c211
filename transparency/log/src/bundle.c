/*
 * bundle.c - entry bundles: a sequence of entries, each prefixed with its
 * length as a big-endian uint16 (C2SP tlog-tiles, TLOG-9). Decoding is a
 * bounded iterator; checking a bundle against its level-0 tile ties every
 * entry to the hash the tree commits to (TLOG-10).
 */
#include <string.h>

#include "cairn/tlog_tiles.h"
#include "tlog_internal.h"

cairn_status cairn_tlog_bundle_next(const uint8_t *data, size_t len,
                                    size_t *offset, const uint8_t **entry,
                                    size_t *entry_len)
{
    size_t off, n;
    if ((data == NULL && len) || offset == NULL || entry == NULL ||
        entry_len == NULL)
        return CAIRN_ERR_INVALID_ARG;
    off = *offset;
    if (off > len)
        return CAIRN_ERR_INVALID_ARG;
    if (off == len)
        return CAIRN_ERR_NOT_FOUND;
    if (len - off < 2)
        return CAIRN_ERR_DECODE;
    n = ((size_t)data[off] << 8) | data[off + 1];
    if (len - off - 2 < n)
        return CAIRN_ERR_DECODE;
    *entry = data + off + 2;
    *entry_len = n;
    *offset = off + 2 + n;
    return CAIRN_OK;
}

cairn_status cairn_tlog_bundle_check(const uint8_t *data, size_t len,
                                     unsigned width, const uint8_t *tile,
                                     size_t tile_len)
{
    size_t off = 0;
    unsigned i;
    cairn_status rc;
    if ((data == NULL && len) || width == 0 || width > CAIRN_TLOG_TILE_WIDTH)
        return CAIRN_ERR_INVALID_ARG;
    if (tile != NULL && tile_len != (size_t)width * CAIRN_TLOG_HASH_LEN)
        return CAIRN_ERR_DECODE;
    for (i = 0; i < width; i++) {
        const uint8_t *e;
        size_t elen;
        rc = cairn_tlog_bundle_next(data, len, &off, &e, &elen);
        if (rc != CAIRN_OK)
            return CAIRN_ERR_DECODE;
        if (tile != NULL) {
            uint8_t h[CAIRN_TLOG_HASH_LEN];
            cairn_tlog_hash_leaf(h, e, elen);
            if (memcmp(h, tile + (size_t)i * CAIRN_TLOG_HASH_LEN,
                       CAIRN_TLOG_HASH_LEN) != 0)
                return CAIRN_ERR_CORRUPT;
        }
    }
    if (off != len)
        return CAIRN_ERR_DECODE;
    return CAIRN_OK;
}
