/*
 * log_internal.h - the durable log handle, shared by log.c (open, append,
 * publish), log_fs.c (atomic files) and log_read.c (proofs and entries
 * from disk).
 *
 * Invariants of struct cairn_tlog (the "right edge"):
 *  - level[t] holds count[t] hashes: the partial tile at tile level t of
 *    the tree of size + pending leaves, so count[t] == ((size + pending)
 *    >> 8t) & 255.
 *  - bundle holds the count[0] entries of the partial entry bundle.
 *  - on_disk[t] names the partial tile (index, width) known to be durable
 *    for level t, so publish rewrites only what changed.
 *  - broken is set on any failed write: memory and disk may disagree, so
 *    only close (and reopen) is allowed.
 */
#ifndef CAIRN_TLOG_LOG_INTERNAL_H
#define CAIRN_TLOG_LOG_INTERNAL_H

#include "cairn/tlog.h"
#include "tlog_internal.h"

#define TLOG_LEVELS 8 /* tile levels needed for 2^64 leaves */
#define TLOG_DIRTY_MAX 32

struct cairn_tlog {
    const cairn_context *ctx;
    int dirfd;
    int lockfd;
    unsigned flags;
    bool broken;
    char origin[CAIRN_CHECKPOINT_ORIGIN_MAX + 1];
    cairn_note_signer *signer;

    uint64_t size;    /* published */
    uint64_t pending; /* staged on top of size */
    uint8_t root[CAIRN_TLOG_HASH_LEN];
    char *checkpoint; /* signed note of `size` */
    size_t checkpoint_len;

    uint8_t level[TLOG_LEVELS][CAIRN_TLOG_TILE_MAX_LEN];
    unsigned count[TLOG_LEVELS];
    struct {
        uint64_t index;
        unsigned width; /* 0: none */
    } on_disk[TLOG_LEVELS];
    cairn__buf bundle;

    /* directories whose entries changed since the last fsync of them */
    char dirty[TLOG_DIRTY_MAX][CAIRN_TLOG_TILE_PATH_MAX];
    size_t n_dirty;
    unsigned tmp_seq;

    cairn_tlog_tile_reader reader;
};

/* Writes data to relpath atomically: temporary file in .tmp/, fdatasync,
 * rename over relpath, parent directories created as needed and recorded
 * as dirty. */
cairn_status tlog__fs_write(cairn_tlog *log, const char *relpath,
                            const uint8_t *data, size_t len);
/* fsyncs every dirty directory. */
cairn_status tlog__fs_sync_dirty(cairn_tlog *log);
/* Reads a whole file of at most cap bytes. CAIRN_ERR_NOT_FOUND when it
 * does not exist, CAIRN_ERR_CORRUPT when larger than cap. */
cairn_status tlog__fs_read(int dirfd, const char *relpath, uint8_t *buf,
                           size_t cap, size_t *len);
/* The same into a fresh allocation (freed with cairn__free). */
cairn_status tlog__fs_read_alloc(const cairn_context *ctx, int dirfd,
                                 const char *relpath, size_t max,
                                 uint8_t **out, size_t *len);
/* Creates .tmp/ and empties it. */
cairn_status tlog__fs_clean_tmp(cairn_tlog *log);

/* Root of the right edge (TLOG-26): the partial tiles fold into the root. */
void tlog__edge_root(const cairn_tlog *log, uint64_t size,
                     uint8_t out[CAIRN_TLOG_HASH_LEN]);

/* The tile fetch callback over the log directory (ud = log). */
cairn_status tlog__fetch_tile(void *ud, unsigned level, uint64_t index,
                              unsigned width, uint8_t *out, size_t *out_len);

#endif
