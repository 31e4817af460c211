/*
 * log_fs.c - the file operations behind the durable log's crash safety
 * (TLOG-24): every file appears under its final name only complete
 * (written to .tmp/, fdatasync'ed, renamed), and directories whose entries
 * changed are fsync'ed before the checkpoint that depends on them is
 * renamed into place. All paths are relative to the log's directory fd, so
 * the handle is immune to the process changing its working directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log_internal.h"

#define TMP_DIR ".tmp"

static cairn_status mark_dirty(cairn_tlog *log, const char *dir, size_t len)
{
    size_t i;
    if (len >= CAIRN_TLOG_TILE_PATH_MAX)
        return CAIRN_ERR_INTERNAL;
    for (i = 0; i < log->n_dirty; i++)
        if (strlen(log->dirty[i]) == len && !memcmp(log->dirty[i], dir, len))
            return CAIRN_OK;
    if (log->n_dirty == TLOG_DIRTY_MAX) {
        cairn_status rc = tlog__fs_sync_dirty(log);
        if (rc != CAIRN_OK)
            return rc;
    }
    memcpy(log->dirty[log->n_dirty], dir, len);
    log->dirty[log->n_dirty][len] = 0;
    log->n_dirty++;
    return CAIRN_OK;
}

/* mkdir -p of every parent of relpath; a new directory dirties its parent. */
static cairn_status make_parents(cairn_tlog *log, const char *relpath)
{
    char buf[CAIRN_TLOG_TILE_PATH_MAX];
    size_t len = strlen(relpath), i;
    cairn_status rc;
    if (len >= sizeof(buf))
        return CAIRN_ERR_INTERNAL;
    memcpy(buf, relpath, len + 1);
    for (i = 0; i < len; i++) {
        if (buf[i] != '/')
            continue;
        buf[i] = 0;
        if (mkdirat(log->dirfd, buf, 0755) == 0) {
            char *slash = strrchr(buf, '/');
            rc = slash ? mark_dirty(log, buf, (size_t)(slash - buf))
                       : mark_dirty(log, ".", 1);
            if (rc != CAIRN_OK)
                return rc;
        } else if (errno != EEXIST) {
            return CAIRN_ERR_IO;
        }
        buf[i] = '/';
    }
    return CAIRN_OK;
}

static cairn_status write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return CAIRN_ERR_IO;
        }
        p += w;
        n -= (size_t)w;
    }
    return CAIRN_OK;
}

cairn_status tlog__fs_write(cairn_tlog *log, const char *relpath,
                            const uint8_t *data, size_t len)
{
    char tmp[32];
    const char *slash;
    int fd;
    cairn_status rc;

    rc = make_parents(log, relpath);
    if (rc != CAIRN_OK)
        return rc;
    snprintf(tmp, sizeof(tmp), TMP_DIR "/t%u", log->tmp_seq++);
    fd = openat(log->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                0644);
    if (fd < 0)
        return CAIRN_ERR_IO;
    rc = write_all(fd, data, len);
    if (rc == CAIRN_OK && fdatasync(fd) != 0)
        rc = CAIRN_ERR_IO;
    if (close(fd) != 0 && rc == CAIRN_OK)
        rc = CAIRN_ERR_IO;
    if (rc == CAIRN_OK && renameat(log->dirfd, tmp, log->dirfd, relpath) != 0)
        rc = CAIRN_ERR_IO;
    if (rc != CAIRN_OK) {
        unlinkat(log->dirfd, tmp, 0);
        return rc;
    }
    slash = strrchr(relpath, '/');
    return slash ? mark_dirty(log, relpath, (size_t)(slash - relpath))
                 : mark_dirty(log, ".", 1);
}

cairn_status tlog__fs_sync_dirty(cairn_tlog *log)
{
    size_t i;
    cairn_status rc = CAIRN_OK;
    for (i = 0; i < log->n_dirty; i++) {
        int fd = openat(log->dirfd, log->dirty[i],
                        O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0)
            rc = CAIRN_ERR_IO;
        if (fd >= 0)
            close(fd);
    }
    log->n_dirty = 0;
    return rc;
}

cairn_status tlog__fs_read(int dirfd, const char *relpath, uint8_t *buf,
                           size_t cap, size_t *len)
{
    size_t got = 0;
    int fd = openat(dirfd, relpath, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_IO;
    for (;;) {
        uint8_t extra;
        ssize_t r = got < cap ? read(fd, buf + got, cap - got)
                              : read(fd, &extra, 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            close(fd);
            return CAIRN_ERR_IO;
        }
        if (r == 0)
            break;
        if (got == cap) {
            close(fd);
            return CAIRN_ERR_CORRUPT;
        }
        got += (size_t)r;
    }
    close(fd);
    *len = got;
    return CAIRN_OK;
}

cairn_status tlog__fs_read_alloc(const cairn_context *ctx, int dirfd,
                                 const char *relpath, size_t max,
                                 uint8_t **out, size_t *len)
{
    struct stat st;
    uint8_t *buf;
    size_t got = 0;
    cairn_status rc;
    int fd = openat(dirfd, relpath, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_IO;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return CAIRN_ERR_IO;
    }
    close(fd);
    if (st.st_size < 0 || (uint64_t)st.st_size > max)
        return CAIRN_ERR_CORRUPT;
    /* One byte more than the size seen, so growth between fstat and read
     * shows up as a too-large file instead of a silent truncation. */
    buf = cairn__alloc(ctx, (size_t)st.st_size + 1);
    if (buf == NULL)
        return CAIRN_ERR_NOMEM;
    rc = tlog__fs_read(dirfd, relpath, buf, (size_t)st.st_size + 1, &got);
    if (rc == CAIRN_OK && got > (size_t)st.st_size)
        rc = CAIRN_ERR_CORRUPT;
    if (rc != CAIRN_OK) {
        cairn__free(ctx, buf);
        return rc;
    }
    *out = buf;
    *len = got;
    return CAIRN_OK;
}

cairn_status tlog__fs_clean_tmp(cairn_tlog *log)
{
    DIR *d;
    struct dirent *e;
    int fd;
    if (mkdirat(log->dirfd, TMP_DIR, 0700) != 0 && errno != EEXIST)
        return CAIRN_ERR_IO;
    fd = openat(log->dirfd, TMP_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return CAIRN_ERR_IO;
    d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return CAIRN_ERR_IO;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        unlinkat(fd, e->d_name, 0);
    }
    closedir(d);
    return CAIRN_OK;
}
