/*
 * tlog_tiles.h - the C2SP tlog-tiles layout: tile and entry-bundle paths,
 * tile widths for a tree size, tile and bundle decoding, tiles computed
 * from leaf hashes, and a hash reader that serves stored subtree hashes
 * out of tiles so the proof generators of tlog_merkle.h can run against
 * any tile store (a directory, an HTTP cache).
 *
 * A tile at level L holds up to 256 consecutive Merkle hashes of tree
 * level 8*L; a full tile is 8192 bytes, a partial tile .p/W holds W < 256.
 * An entry bundle holds the entries of the matching level-0 tile, each
 * prefixed with its length as a big-endian uint16.
 *
 * Ownership: nothing here allocates; pointers returned point into the
 * caller's input. Spec: spec/transparency-log.md, TLOG-7 .. TLOG-11.
 */
#ifndef CAIRN_TLOG_TILES_H
#define CAIRN_TLOG_TILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cairn/export.h"
#include "cairn/status.h"
#include "cairn/tlog_merkle.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CAIRN_TLOG_TILE_HEIGHT 8
#define CAIRN_TLOG_TILE_WIDTH 256
#define CAIRN_TLOG_TILE_MAX_LEN (CAIRN_TLOG_TILE_WIDTH * CAIRN_TLOG_HASH_LEN)
#define CAIRN_TLOG_TILE_MAX_LEVEL 63
/* Enough for "tile/entries/" + an index of 2^64 - 1 + ".p/255" + NUL. */
#define CAIRN_TLOG_TILE_PATH_MAX 64
/* Entries are length-prefixed with 16 bits in bundles. */
#define CAIRN_TLOG_ENTRY_MAX_LEN 65535
#define CAIRN_TLOG_BUNDLE_MAX_LEN (CAIRN_TLOG_TILE_WIDTH * (2 + CAIRN_TLOG_ENTRY_MAX_LEN))

size_t cairn_tlog_tile_max_len(void);
size_t cairn_tlog_entry_max_len(void);

/*
 * Writes "tile/<level>/<N>" (width 256) or "tile/<level>/<N>.p/<width>"
 * into out (NUL-terminated, at most CAIRN_TLOG_TILE_PATH_MAX bytes).
 * Errors: CAIRN_ERR_INVALID_ARG (level > 63, width 0 or > 256),
 * CAIRN_ERR_TOO_LARGE (cap too small).
 */
cairn_status cairn_tlog_tile_path(char *out, size_t cap, unsigned level,
                                  uint64_t index, unsigned width);

/* The same for "tile/entries/<N>[.p/<width>]". */
cairn_status cairn_tlog_bundle_path(char *out, size_t cap, uint64_t index,
                                    unsigned width);

/*
 * Parses a path in the canonical form written above (no leading zeros
 * where the spec forbids them, the x-prefix on all but the last index
 * element, no redundant leading x000 elements). *is_bundle tells entry
 * bundles from hash tiles (then *level is 0). Errors: CAIRN_ERR_DECODE.
 */
CAIRN_MUST_CHECK cairn_status
cairn_tlog_tile_path_parse(const char *path, size_t len, bool *is_bundle,
                           unsigned *level, uint64_t *index, unsigned *width);

/* Width (1..256) of tile (level, index) in the tree of tree_size leaves,
 * or 0 when that tree has no such tile. Bundles use level 0. */
unsigned cairn_tlog_tile_width(unsigned level, uint64_t index,
                               uint64_t tree_size);

/* Checks that a tile of the given width has exactly width * 32 bytes.
 * Errors: CAIRN_ERR_INVALID_ARG (width), CAIRN_ERR_DECODE (length). */
CAIRN_MUST_CHECK cairn_status cairn_tlog_tile_check(const uint8_t *data,
                                                    size_t len,
                                                    unsigned width);

/*
 * Iterates an entry bundle: starting with *offset = 0, each call returns
 * the next entry (pointer into data) and advances *offset. Returns
 * CAIRN_ERR_NOT_FOUND at the clean end, CAIRN_ERR_DECODE when the bytes end
 * inside a length prefix or an entry.
 */
CAIRN_MUST_CHECK cairn_status
cairn_tlog_bundle_next(const uint8_t *data, size_t len, size_t *offset,
                       const uint8_t **entry, size_t *entry_len);

/* Checks that a bundle holds exactly `width` entries and nothing else and,
 * when tile is not NULL, that entry i hashes to hash i of that level-0 tile
 * (of the same width). Errors: CAIRN_ERR_DECODE, CAIRN_ERR_CORRUPT (an
 * entry does not match its tile hash), CAIRN_ERR_INVALID_ARG. */
CAIRN_MUST_CHECK cairn_status
cairn_tlog_bundle_check(const uint8_t *data, size_t len, unsigned width,
                        const uint8_t *tile, size_t tile_len);

/*
 * Computes tile (level, index) of the tree whose leaf hashes are given in
 * memory (count of them) into out (cap >= width * 32). The width is the
 * one cairn_tlog_tile_width() gives. Errors: CAIRN_ERR_NOT_FOUND (no such
 * tile), CAIRN_ERR_TOO_LARGE (cap), CAIRN_ERR_INVALID_ARG.
 */
cairn_status cairn_tlog_tile_from_leaf_hashes(const uint8_t *leaf_hashes,
                                              uint64_t count, unsigned level,
                                              uint64_t index, uint8_t *out,
                                              size_t cap, size_t *out_len);

/*
 * Fetches tile (level, index) of width `width` into out (room for
 * CAIRN_TLOG_TILE_MAX_LEN bytes), setting *out_len. Returns CAIRN_OK or an
 * error the reader passes on (CAIRN_ERR_NOT_FOUND, CAIRN_ERR_IO, ...).
 */
typedef cairn_status (*cairn_tlog_tile_fetch)(void *ud, unsigned level,
                                              uint64_t index, unsigned width,
                                              uint8_t *out, size_t *out_len);

#define CAIRN_TLOG_TILE_CACHE 4

/*
 * A hash reader over tiles for one tree size. Caller-allocated (about
 * 33 KiB: keep it off small stacks); the fields are private. It caches the
 * last few tiles it fetched; a tile whose length is wrong for its width is
 * reported as CAIRN_ERR_CORRUPT. The hashes it serves are not
 * authenticated by themselves: proofs built from them are, once verified
 * against a signed root.
 */
typedef struct cairn_tlog_tile_reader {
    uint64_t tree_size;
    cairn_tlog_tile_fetch fetch;
    void *fetch_ud;
    unsigned next_slot;
    struct {
        bool used;
        unsigned level;
        uint64_t index;
        unsigned width;
        uint8_t data[CAIRN_TLOG_TILE_MAX_LEN];
    } slot[CAIRN_TLOG_TILE_CACHE];
} cairn_tlog_tile_reader;

void cairn_tlog_tile_reader_init(cairn_tlog_tile_reader *r,
                                 uint64_t tree_size,
                                 cairn_tlog_tile_fetch fetch, void *ud);

/* A cairn_tlog_hash_reader: pass the reader itself as ud. Errors:
 * CAIRN_ERR_INVALID_ARG (the subtree is not complete within tree_size),
 * CAIRN_ERR_CORRUPT, the fetch callback's errors. */
cairn_status cairn_tlog_tile_reader_read(void *reader, unsigned level,
                                         uint64_t index,
                                         uint8_t out[CAIRN_TLOG_HASH_LEN]);

#ifdef __cplusplus
}
#endif
#endif
