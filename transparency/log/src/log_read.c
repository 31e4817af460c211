/*
 * log_read.c - reading the published log back: subtree hashes from the
 * tiles (for roots at old sizes and for proofs) and entries from their
 * bundles (TLOG-11, TLOG-28).
 *
 * Reads are always relative to the published size: the reader picks tile
 * widths from it, so files a crashed or still-staging publish wrote beyond
 * it are never consulted.
 */
#include <string.h>

#include "log_internal.h"

cairn_status tlog__fetch_tile(void *ud, unsigned level, uint64_t index,
                              unsigned width, uint8_t *out, size_t *out_len)
{
    cairn_tlog *log = ud;
    char path[CAIRN_TLOG_TILE_PATH_MAX];
    cairn_status rc = cairn_tlog_tile_path(path, sizeof(path), level, index,
                                           width);
    if (rc != CAIRN_OK)
        return rc;
    rc = tlog__fs_read(log->dirfd, path, out, CAIRN_TLOG_TILE_MAX_LEN, out_len);
    return rc;
}

static cairn_status reader_for(cairn_tlog *log, uint64_t max_size)
{
    if (log == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (log->broken)
        return CAIRN_ERR_STATE;
    if (max_size > log->size)
        return CAIRN_ERR_INVALID_ARG;
    /* Published tiles never change under one handle, so the cache stays
     * valid as the log grows; only the size the widths derive from moves. */
    log->reader.tree_size = log->size;
    return CAIRN_OK;
}

cairn_status cairn_tlog_tree_hash_at(cairn_tlog *log, uint64_t size,
                                     uint8_t out[CAIRN_TLOG_HASH_LEN])
{
    cairn_status rc = reader_for(log, size);
    if (rc != CAIRN_OK)
        return rc;
    return cairn_tlog_tree_hash(cairn_tlog_tile_reader_read, &log->reader,
                                size, out);
}

cairn_status cairn_tlog_prove_inclusion_at(cairn_tlog *log, uint64_t index,
                                           uint64_t size, uint8_t *proof,
                                           size_t proof_cap, size_t *proof_len)
{
    cairn_status rc = reader_for(log, size);
    if (rc != CAIRN_OK)
        return rc;
    return cairn_tlog_prove_inclusion(cairn_tlog_tile_reader_read,
                                      &log->reader, index, size, proof,
                                      proof_cap, proof_len);
}

cairn_status cairn_tlog_prove_consistency_at(cairn_tlog *log, uint64_t size1,
                                             uint64_t size2, uint8_t *proof,
                                             size_t proof_cap,
                                             size_t *proof_len)
{
    cairn_status rc = reader_for(log, size2);
    if (rc != CAIRN_OK)
        return rc;
    return cairn_tlog_prove_consistency(cairn_tlog_tile_reader_read,
                                        &log->reader, size1, size2, proof,
                                        proof_cap, proof_len);
}

cairn_status cairn_tlog_entry(cairn_tlog *log, uint64_t index,
                              uint8_t **entry, size_t *len)
{
    char path[CAIRN_TLOG_TILE_PATH_MAX];
    uint8_t tile[CAIRN_TLOG_TILE_MAX_LEN];
    uint8_t h[CAIRN_TLOG_HASH_LEN];
    uint8_t *bundle = NULL, *copy;
    size_t blen = 0, tlen = 0, off = 0, elen = 0;
    const uint8_t *e = NULL;
    uint64_t tindex;
    unsigned width, pos, i;
    cairn_status rc;

    if (log == NULL || entry == NULL || len == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (log->broken)
        return CAIRN_ERR_STATE;
    if (index >= log->size)
        return CAIRN_ERR_INVALID_ARG;
    tindex = index >> 8;
    pos = (unsigned)(index & 255);
    width = cairn_tlog_tile_width(0, tindex, log->size);
    rc = tlog__fetch_tile(log, 0, tindex, width, tile, &tlen);
    if (rc == CAIRN_OK && tlen != (size_t)width * CAIRN_TLOG_HASH_LEN)
        rc = CAIRN_ERR_CORRUPT;
    if (rc == CAIRN_OK)
        rc = cairn_tlog_bundle_path(path, sizeof(path), tindex, width);
    if (rc == CAIRN_OK)
        rc = tlog__fs_read_alloc(log->ctx, log->dirfd, path,
                                 CAIRN_TLOG_BUNDLE_MAX_LEN, &bundle, &blen);
    if (rc != CAIRN_OK)
        return rc;
    for (i = 0; i <= pos && rc == CAIRN_OK; i++)
        rc = cairn_tlog_bundle_next(bundle, blen, &off, &e, &elen);
    if (rc != CAIRN_OK) {
        cairn__free(log->ctx, bundle);
        return CAIRN_ERR_CORRUPT;
    }
    /* The bundle is not signed; its tile hash is (through the root). */
    cairn_tlog_hash_leaf(h, e, elen);
    if (memcmp(h, tile + (size_t)pos * CAIRN_TLOG_HASH_LEN,
               CAIRN_TLOG_HASH_LEN) != 0) {
        cairn__free(log->ctx, bundle);
        return CAIRN_ERR_CORRUPT;
    }
    copy = cairn__alloc(log->ctx, elen ? elen : 1);
    if (copy == NULL) {
        cairn__free(log->ctx, bundle);
        return CAIRN_ERR_NOMEM;
    }
    if (elen)
        memcpy(copy, e, elen);
    cairn__free(log->ctx, bundle);
    *entry = copy;
    *len = elen;
    return CAIRN_OK;
}
