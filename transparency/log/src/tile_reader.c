/*
 * tile_reader.c - serves stored subtree hashes out of tiles, so proof
 * generation needs only the tiles a checkpoint guarantees (TLOG-11).
 *
 * A stored hash at tree level 8*t + r is the root of 2^r consecutive hashes
 * of one tile at tile level t; the reader fetches that tile at the width the
 * reader's tree size implies (a smaller partial tile would not hold the
 * hashes, a larger one may not exist yet) and hashes the run up. A few
 * tiles are cached round-robin because proofs touch the same right-edge
 * tiles repeatedly.
 */
#include <string.h>

#include "cairn/tlog_tiles.h"
#include "tlog_internal.h"

void cairn_tlog_tile_reader_init(cairn_tlog_tile_reader *r,
                                 uint64_t tree_size,
                                 cairn_tlog_tile_fetch fetch, void *ud)
{
    unsigned i;
    r->tree_size = tree_size;
    r->fetch = fetch;
    r->fetch_ud = ud;
    r->next_slot = 0;
    for (i = 0; i < CAIRN_TLOG_TILE_CACHE; i++)
        r->slot[i].used = false;
}

cairn_status cairn_tlog_tile_reader_read(void *reader, unsigned level,
                                         uint64_t index,
                                         uint8_t out[CAIRN_TLOG_HASH_LEN])
{
    cairn_tlog_tile_reader *r = reader;
    unsigned tlevel, sub, width, pos, i, s;
    uint64_t first, tindex;
    size_t got = 0;
    cairn_status rc;

    if (r == NULL || out == NULL || r->fetch == NULL ||
        level > CAIRN_TLOG_TILE_MAX_LEVEL)
        return CAIRN_ERR_INVALID_ARG;
    tlevel = level / CAIRN_TLOG_TILE_HEIGHT;
    sub = level % CAIRN_TLOG_TILE_HEIGHT;
    if (index > (UINT64_MAX >> sub))
        return CAIRN_ERR_INVALID_ARG;
    first = index << sub;
    tindex = first >> 8;
    pos = (unsigned)(first & 255);
    width = cairn_tlog_tile_width(tlevel, tindex, r->tree_size);
    if (width == 0 || pos + (1u << sub) > width)
        return CAIRN_ERR_INVALID_ARG;

    for (s = 0; s < CAIRN_TLOG_TILE_CACHE; s++)
        if (r->slot[s].used && r->slot[s].level == tlevel &&
            r->slot[s].index == tindex && r->slot[s].width == width)
            break;
    if (s == CAIRN_TLOG_TILE_CACHE) {
        s = r->next_slot;
        r->next_slot = (r->next_slot + 1) % CAIRN_TLOG_TILE_CACHE;
        r->slot[s].used = false;
        rc = r->fetch(r->fetch_ud, tlevel, tindex, width, r->slot[s].data,
                      &got);
        if (rc != CAIRN_OK)
            return rc;
        if (cairn_tlog_tile_check(r->slot[s].data, got, width) != CAIRN_OK)
            return CAIRN_ERR_CORRUPT;
        r->slot[s].used = true;
        r->slot[s].level = tlevel;
        r->slot[s].index = tindex;
        r->slot[s].width = width;
    }
    i = pos;
    tlog__fold(out, r->slot[s].data + (size_t)i * CAIRN_TLOG_HASH_LEN,
               (size_t)1 << sub);
    return CAIRN_OK;
}
