/*
 * log.c - the durable log handle: open (recovery), append (staging),
 * publish (durability, then the signed checkpoint), close.
 *
 * State machine:
 *
 *   open --ok--> READY --append--> READY (pending > 0) --publish--> READY
 *                  |                      |                    |
 *                  +--- any failed write -+--------------------+--> BROKEN
 *   BROKEN accepts only close; reopening recovers from disk.
 *
 * Crash safety rests on one ordering (TLOG-24, TLOG-25): every tile and
 * bundle the new checkpoint needs is durable under its final name before
 * the checkpoint is renamed into place. Whatever a crash leaves beyond the
 * last checkpoint is never read (reads go by the checkpoint's size) and is
 * overwritten when the log grows over it again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log_internal.h"

#define CHECKPOINT_FILE "checkpoint"

void tlog__edge_root(const cairn_tlog *log, uint64_t size,
                     uint8_t out[CAIRN_TLOG_HASH_LEN])
{
    uint8_t tmp[(CAIRN_TLOG_TILE_WIDTH + 1) * CAIRN_TLOG_HASH_LEN];
    uint8_t r[CAIRN_TLOG_HASH_LEN];
    bool have = false;
    unsigned t;

    if (size == 0) {
        cairn_tlog_hash_empty(out);
        return;
    }
    /* Each level's partial tile, followed by what the levels below fold
     * to, is the right edge of the tree at that level (TLOG-26). */
    for (t = 0; t < TLOG_LEVELS; t++) {
        size_t c = log->count[t];
        if (c == 0)
            continue;
        memcpy(tmp, log->level[t], c * CAIRN_TLOG_HASH_LEN);
        if (have)
            memcpy(tmp + c * CAIRN_TLOG_HASH_LEN, r, CAIRN_TLOG_HASH_LEN);
        tlog__fold(r, tmp, c + (have ? 1 : 0));
        have = true;
    }
    memcpy(out, r, CAIRN_TLOG_HASH_LEN);
}

static cairn_status write_tile(cairn_tlog *log, unsigned t, uint64_t index,
                               unsigned width)
{
    char path[CAIRN_TLOG_TILE_PATH_MAX];
    cairn_status rc = cairn_tlog_tile_path(path, sizeof(path), t, index, width);
    if (rc != CAIRN_OK)
        return rc;
    rc = tlog__fs_write(log, path, log->level[t],
                        (size_t)width * CAIRN_TLOG_HASH_LEN);
    if (rc != CAIRN_OK || t != 0)
        return rc;
    rc = cairn_tlog_bundle_path(path, sizeof(path), index, width);
    if (rc != CAIRN_OK)
        return rc;
    return tlog__fs_write(log, path, log->bundle.data, log->bundle.len);
}

/* Adds a hash at tile level t; a tile that fills is written in full and
 * its root carried one level up. total is the leaf count after the add. */
static cairn_status add_hash(cairn_tlog *log, unsigned t, uint64_t total,
                             const uint8_t h[CAIRN_TLOG_HASH_LEN])
{
    uint8_t up[CAIRN_TLOG_HASH_LEN];
    uint64_t index;
    cairn_status rc;

    for (;;) {
        memcpy(log->level[t] + (size_t)log->count[t] * CAIRN_TLOG_HASH_LEN, h,
               CAIRN_TLOG_HASH_LEN);
        if (++log->count[t] < CAIRN_TLOG_TILE_WIDTH)
            return CAIRN_OK;
        if (t + 1 >= TLOG_LEVELS)
            return CAIRN_ERR_LIMIT;
        index = tlog__shr(total, CAIRN_TLOG_TILE_HEIGHT * (t + 1)) - 1;
        rc = write_tile(log, t, index, CAIRN_TLOG_TILE_WIDTH);
        if (rc != CAIRN_OK)
            return rc;
        tlog__fold(up, log->level[t], CAIRN_TLOG_TILE_WIDTH);
        log->count[t] = 0;
        log->on_disk[t].width = 0;
        if (t == 0)
            cairn__buf_reset(&log->bundle);
        h = up;
        t++;
    }
}

cairn_status cairn_tlog_append(cairn_tlog *log, const uint8_t *entry,
                               size_t len, uint64_t *index)
{
    uint8_t h[CAIRN_TLOG_HASH_LEN];
    uint64_t total;
    cairn_status rc;

    if (log == NULL || (entry == NULL && len))
        return CAIRN_ERR_INVALID_ARG;
    if (log->broken)
        return CAIRN_ERR_STATE;
    if (len > CAIRN_TLOG_ENTRY_MAX_LEN)
        return CAIRN_ERR_TOO_LARGE;
    if (log->size + log->pending >= UINT64_MAX - 1)
        return CAIRN_ERR_LIMIT;
    /* Buffer first: the only step that can fail without touching disk. */
    rc = cairn__buf_append_u16be(&log->bundle, (uint16_t)len);
    if (rc == CAIRN_OK)
        rc = cairn__buf_append(&log->bundle, entry, len);
    if (rc != CAIRN_OK) {
        log->broken = true;
        return rc;
    }
    cairn_tlog_hash_leaf(h, entry, len);
    total = log->size + log->pending + 1;
    rc = add_hash(log, 0, total, h);
    if (rc != CAIRN_OK) {
        log->broken = true;
        return rc;
    }
    if (index)
        *index = total - 1;
    log->pending++;
    return CAIRN_OK;
}

static cairn_status write_checkpoint(cairn_tlog *log, uint64_t size,
                                     const uint8_t root[CAIRN_TLOG_HASH_LEN],
                                     char **note, size_t *note_len)
{
    cairn_checkpoint cp;
    cairn_status rc;

    memset(&cp, 0, sizeof(cp));
    memcpy(cp.origin, log->origin, sizeof(cp.origin));
    cp.size = size;
    memcpy(cp.root, root, CAIRN_TLOG_HASH_LEN);
    rc = cairn_checkpoint_sign(log->ctx, &cp, log->signer, note, note_len);
    if (rc != CAIRN_OK)
        return rc;
    if (log->flags & CAIRN_TLOG_KEEP_CHECKPOINTS) {
        char name[40];
        snprintf(name, sizeof(name), CHECKPOINT_FILE ".%llu",
                 (unsigned long long)size);
        rc = tlog__fs_write(log, name, (const uint8_t *)*note, *note_len);
    }
    if (rc == CAIRN_OK)
        rc = tlog__fs_write(log, CHECKPOINT_FILE, (const uint8_t *)*note,
                            *note_len);
    if (rc == CAIRN_OK)
        rc = tlog__fs_sync_dirty(log);
    if (rc != CAIRN_OK) {
        cairn_free(log->ctx, *note, *note_len);
        *note = NULL;
    }
    return rc;
}

cairn_status cairn_tlog_publish(cairn_tlog *log)
{
    uint8_t root[CAIRN_TLOG_HASH_LEN];
    uint64_t s;
    char *note = NULL;
    size_t note_len = 0;
    unsigned t;
    cairn_status rc = CAIRN_OK;

    if (log == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (log->broken)
        return CAIRN_ERR_STATE;
    if (log->pending == 0)
        return CAIRN_OK;
    s = log->size + log->pending;
    for (t = 0; t < TLOG_LEVELS && rc == CAIRN_OK; t++) {
        unsigned c = log->count[t];
        uint64_t index = tlog__shr(s, CAIRN_TLOG_TILE_HEIGHT * (t + 1));
        if (c == 0 || (log->on_disk[t].width == c &&
                       log->on_disk[t].index == index))
            continue;
        rc = write_tile(log, t, index, c);
        log->on_disk[t].index = index;
        log->on_disk[t].width = c;
    }
    if (rc == CAIRN_OK)
        rc = tlog__fs_sync_dirty(log);
    if (rc == CAIRN_OK) {
        tlog__edge_root(log, s, root);
        rc = write_checkpoint(log, s, root, &note, &note_len);
    }
    if (rc != CAIRN_OK) {
        log->broken = true;
        return rc;
    }
    cairn_free(log->ctx, log->checkpoint, log->checkpoint_len);
    log->checkpoint = note;
    log->checkpoint_len = note_len;
    log->size = s;
    log->pending = 0;
    memcpy(log->root, root, CAIRN_TLOG_HASH_LEN);
    return CAIRN_OK;
}

cairn_status cairn_tlog_append_batch(cairn_tlog *log,
                                     const uint8_t *const *entries,
                                     const size_t *lens, size_t count,
                                     uint64_t *first_index)
{
    size_t i;
    cairn_status rc;
    if (log == NULL || (count && (entries == NULL || lens == NULL)))
        return CAIRN_ERR_INVALID_ARG;
    if (log->broken)
        return CAIRN_ERR_STATE;
    for (i = 0; i < count; i++) {
        if (entries[i] == NULL && lens[i])
            return CAIRN_ERR_INVALID_ARG;
        if (lens[i] > CAIRN_TLOG_ENTRY_MAX_LEN)
            return CAIRN_ERR_TOO_LARGE;
    }
    if (count > UINT64_MAX - 2 - log->size - log->pending)
        return CAIRN_ERR_LIMIT;
    if (first_index)
        *first_index = log->size + log->pending;
    for (i = 0; i < count; i++) {
        rc = cairn_tlog_append(log, entries[i], lens[i], NULL);
        if (rc != CAIRN_OK)
            return rc;
    }
    return cairn_tlog_publish(log);
}

/* Reads the right edge of the tree of the checkpoint's size back from the
 * tiles and checks it folds to the signed root (TLOG-27). */
static cairn_status load_edge(cairn_tlog *log, const cairn_checkpoint *cp)
{
    char path[CAIRN_TLOG_TILE_PATH_MAX];
    uint8_t root[CAIRN_TLOG_HASH_LEN];
    uint8_t *bundle = NULL;
    size_t len = 0;
    unsigned t;
    cairn_status rc;

    for (t = 0; t < TLOG_LEVELS; t++) {
        unsigned c = (unsigned)(tlog__shr(cp->size, CAIRN_TLOG_TILE_HEIGHT * t) & 255);
        uint64_t index = tlog__shr(cp->size, CAIRN_TLOG_TILE_HEIGHT * (t + 1));
        log->count[t] = 0;
        log->on_disk[t].width = 0;
        if (c == 0)
            continue;
        rc = cairn_tlog_tile_path(path, sizeof(path), t, index, c);
        if (rc != CAIRN_OK)
            return rc;
        rc = tlog__fs_read(log->dirfd, path, log->level[t],
                           CAIRN_TLOG_TILE_MAX_LEN, &len);
        if (rc == CAIRN_ERR_NOT_FOUND ||
            (rc == CAIRN_OK && len != (size_t)c * CAIRN_TLOG_HASH_LEN))
            rc = CAIRN_ERR_CORRUPT;
        if (rc != CAIRN_OK)
            return rc;
        log->count[t] = c;
        log->on_disk[t].index = index;
        log->on_disk[t].width = c;
    }
    cairn__buf_reset(&log->bundle);
    if (log->count[0] > 0) {
        rc = cairn_tlog_bundle_path(path, sizeof(path), log->on_disk[0].index,
                                    log->count[0]);
        if (rc != CAIRN_OK)
            return rc;
        rc = tlog__fs_read_alloc(log->ctx, log->dirfd, path,
                                 CAIRN_TLOG_BUNDLE_MAX_LEN, &bundle, &len);
        if (rc == CAIRN_ERR_NOT_FOUND)
            rc = CAIRN_ERR_CORRUPT;
        if (rc != CAIRN_OK)
            return rc;
        rc = cairn_tlog_bundle_check(bundle, len, log->count[0], log->level[0],
                                     (size_t)log->count[0] * CAIRN_TLOG_HASH_LEN);
        if (rc != CAIRN_OK && rc != CAIRN_ERR_NOMEM)
            rc = CAIRN_ERR_CORRUPT;
        if (rc == CAIRN_OK)
            rc = cairn__buf_append(&log->bundle, bundle, len);
        cairn__free(log->ctx, bundle);
        if (rc != CAIRN_OK)
            return rc;
    }
    tlog__edge_root(log, cp->size, root);
    if (cairn__memeq_ct(root, cp->root, CAIRN_TLOG_HASH_LEN) != 0)
        return CAIRN_ERR_CORRUPT;
    return CAIRN_OK;
}

static cairn_status load_checkpoint(cairn_tlog *log, bool create)
{
    cairn_note_verifier *v = NULL;
    cairn_checkpoint cp;
    uint8_t *note = NULL;
    size_t len = 0;
    cairn_status rc;

    rc = tlog__fs_read_alloc(log->ctx, log->dirfd, CHECKPOINT_FILE,
                             CAIRN_NOTE_MAX_SIZE, &note, &len);
    if (rc == CAIRN_ERR_NOT_FOUND && create) {
        /* A new log: publish the empty tree so readers always find a
         * checkpoint. */
        uint8_t root[CAIRN_TLOG_HASH_LEN];
        cairn_tlog_hash_empty(root);
        rc = write_checkpoint(log, 0, root, &log->checkpoint,
                              &log->checkpoint_len);
        if (rc == CAIRN_OK)
            memcpy(log->root, root, CAIRN_TLOG_HASH_LEN);
        return rc;
    }
    if (rc != CAIRN_OK)
        return rc;
    rc = cairn_note_verifier_from_signer(log->ctx, log->signer, &v);
    if (rc == CAIRN_OK) {
        const cairn_note_verifier *vs[1] = {v};
        rc = cairn_checkpoint_open(log->ctx, note, len, log->origin, vs, 1, &cp);
    }
    cairn_note_verifier_destroy(v);
    if (rc == CAIRN_ERR_DECODE || rc == CAIRN_ERR_TOO_LARGE)
        rc = CAIRN_ERR_CORRUPT;
    if (rc == CAIRN_OK)
        rc = load_edge(log, &cp);
    if (rc != CAIRN_OK) {
        cairn__free(log->ctx, note);
        return rc;
    }
    log->size = cp.size;
    memcpy(log->root, cp.root, CAIRN_TLOG_HASH_LEN);
    log->checkpoint = (char *)note;
    log->checkpoint_len = len;
    return CAIRN_OK;
}

cairn_status cairn_tlog_open(const cairn_context *ctx, const char *dir,
                             const char *origin,
                             const cairn_note_signer *signer, unsigned flags,
                             cairn_tlog **out)
{
    cairn_tlog *log;
    size_t olen;
    cairn_status rc;

    if (ctx == NULL || dir == NULL || origin == NULL || signer == NULL ||
        out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    olen = strlen(origin);
    if (olen == 0 || olen > CAIRN_CHECKPOINT_ORIGIN_MAX ||
        memchr(origin, '\n', olen) != NULL ||
        !tlog__note_chars_valid((const uint8_t *)origin, olen))
        return CAIRN_ERR_INVALID_ARG;

    log = cairn__calloc(ctx, 1, sizeof(*log));
    if (log == NULL)
        return CAIRN_ERR_NOMEM;
    log->ctx = ctx;
    log->dirfd = -1;
    log->lockfd = -1;
    log->flags = flags;
    memcpy(log->origin, origin, olen + 1);
    cairn__buf_init(&log->bundle, ctx, CAIRN_TLOG_BUNDLE_MAX_LEN);
    cairn_tlog_tile_reader_init(&log->reader, 0, tlog__fetch_tile, log);

    rc = cairn_note_signer_copy(ctx, signer, &log->signer);
    if (rc != CAIRN_OK)
        goto fail;
    if ((flags & CAIRN_TLOG_CREATE) && mkdir(dir, 0755) != 0 &&
        errno != EEXIST) {
        rc = CAIRN_ERR_IO;
        goto fail;
    }
    log->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (log->dirfd < 0) {
        rc = errno == ENOENT ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_IO;
        goto fail;
    }
    log->lockfd = openat(log->dirfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC,
                         0600);
    if (log->lockfd < 0) {
        rc = CAIRN_ERR_IO;
        goto fail;
    }
    if (flock(log->lockfd, LOCK_EX | LOCK_NB) != 0) {
        rc = errno == EWOULDBLOCK ? CAIRN_ERR_STATE : CAIRN_ERR_IO;
        goto fail;
    }
    rc = tlog__fs_clean_tmp(log);
    if (rc == CAIRN_OK)
        rc = load_checkpoint(log, (flags & CAIRN_TLOG_CREATE) != 0);
    if (rc != CAIRN_OK)
        goto fail;
    *out = log;
    return CAIRN_OK;
fail:
    cairn_tlog_close(log);
    return rc;
}

void cairn_tlog_close(cairn_tlog *log)
{
    if (log == NULL)
        return;
    if (log->lockfd >= 0)
        close(log->lockfd); /* releases the flock */
    if (log->dirfd >= 0)
        close(log->dirfd);
    cairn_note_signer_destroy(log->signer);
    cairn_free(log->ctx, log->checkpoint, log->checkpoint_len);
    cairn__buf_free(&log->bundle);
    cairn__free(log->ctx, log);
}

uint64_t cairn_tlog_size(const cairn_tlog *log)
{
    return log ? log->size : 0;
}

uint64_t cairn_tlog_pending(const cairn_tlog *log)
{
    return log ? log->pending : 0;
}

void cairn_tlog_root(const cairn_tlog *log, uint8_t out[CAIRN_TLOG_HASH_LEN])
{
    if (log && out)
        memcpy(out, log->root, CAIRN_TLOG_HASH_LEN);
}

cairn_status cairn_tlog_checkpoint_note(const cairn_tlog *log, char **note,
                                        size_t *len)
{
    char *p;
    if (log == NULL || note == NULL || len == NULL || log->checkpoint == NULL)
        return CAIRN_ERR_INVALID_ARG;
    p = cairn__alloc(log->ctx, log->checkpoint_len + 1);
    if (p == NULL)
        return CAIRN_ERR_NOMEM;
    memcpy(p, log->checkpoint, log->checkpoint_len);
    p[log->checkpoint_len] = 0;
    *note = p;
    *len = log->checkpoint_len;
    return CAIRN_OK;
}
