/*
 * fuzz_tlog_tile.c - fuzz target for tile and entry-bundle decoding: tile
 * paths (whatever parses must re-encode to the same string), entry bundles
 * (iteration and checking), and the tile hash reader fed fuzzed tile bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn/tlog_tiles.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Consumes a status whose value the target does not judge. */
static void sink(cairn_status rc)
{
    if ((int)rc < 0)
        abort();
}

struct fetch_src {
    const uint8_t *p;
    size_t n;
};

static cairn_status fetch(void *ud, unsigned level, uint64_t index, unsigned width,
                          uint8_t *out, size_t *out_len)
{
    struct fetch_src *s = ud;
    size_t n = s->n < CAIRN_TLOG_TILE_MAX_LEN ? s->n : CAIRN_TLOG_TILE_MAX_LEN;
    (void)level;
    (void)index;
    (void)width;
    memcpy(out, s->p, n);
    *out_len = n;
    return CAIRN_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cairn_tlog_tile_reader rd;
    bool bundle;
    unsigned level, width;
    uint64_t index;
    char canon[CAIRN_TLOG_TILE_PATH_MAX];

    if (cairn_tlog_tile_path_parse((const char *)data, size, &bundle, &level, &index,
                                   &width) == CAIRN_OK) {
        cairn_status rc = bundle ? cairn_tlog_bundle_path(canon, sizeof(canon), index, width)
                                 : cairn_tlog_tile_path(canon, sizeof(canon), level, index,
                                                        width);
        if (rc != CAIRN_OK || strlen(canon) != size || memcmp(canon, data, size) != 0)
            abort();
    }
    if (size > 0) {
        unsigned w = 1 + data[0];
        size_t off = 0, count = 0, elen;
        const uint8_t *e;
        cairn_status rc;
        sink(cairn_tlog_bundle_check(data + 1, size - 1, w > 256 ? 256 : w, NULL, 0));
        while ((rc = cairn_tlog_bundle_next(data + 1, size - 1, &off, &e, &elen)) == CAIRN_OK) {
            if (e < data + 1 || e + elen > data + size)
                abort();
            count++;
        }
        if (rc != CAIRN_ERR_NOT_FOUND && rc != CAIRN_ERR_DECODE)
            abort();
    }
    if (size >= 2) {
        struct fetch_src src = {data + 2, size - 2};
        uint8_t h[CAIRN_TLOG_HASH_LEN];
        uint64_t tree = (uint64_t)data[0] << 8 | data[1];
        unsigned lv;
        cairn_tlog_tile_reader_init(&rd, tree, fetch, &src);
        for (lv = 0; lv < 10; lv++)
            sink(cairn_tlog_tile_reader_read(&rd, lv, data[1] % 4, h));
        sink(cairn_tlog_tile_check(data, size, 1 + data[0] % 256));
    }
    return 0;
}
