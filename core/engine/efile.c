/*
 * efile.c - sending and fetching files (spec/client-engine.md ENG-FILE-*):
 * the plaintext streams from its file through filecrypt.c into an
 * unnamed temporary file, which uploads from there; a download goes to an
 * unnamed temporary file, is checked whole (size, digest: ENG-FILE-3/4)
 * and only then decrypted, chunk by chunk, into "<out>.partXXXXXX", which
 * is linked to the requested name at the end (ENG-FILE-5: never over an
 * existing file). Memory stays a few 64 KiB chunks whatever the size;
 * a failure leaves no file behind.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine_internal.h"

/* Reads exactly n bytes; an early end is `short_rc` (a truncated blob is
 * INVALID_MESSAGE, a file that shrank while being read is IO). */
typedef struct fd_io {
    int fd;
    cairn_status short_rc;
} fd_io;

static cairn_status fd_read(void *ud, uint8_t *p, size_t n)
{
    fd_io *f = ud;
    return cairn__read_exact(f->fd, p, n, f->short_rc);
}

static cairn_status fd_write(void *ud, const uint8_t *p, size_t n)
{
    return cairn__write_all(((fd_io *)ud)->fd, p, n);
}

/* An unnamed temporary file in dir (mode 0600, unlinked at once). */
static int temp_unnamed(const char *dir)
{
    char path[1100];
    int fd;
#ifdef O_TMPFILE
    fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
#endif
    if (snprintf(path, sizeof(path), "%s/.cairn-XXXXXX", dir) >= (int)sizeof(path))
        return -1;
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    return fd;
}

/* The directory part of path ("." when it has none). */
static void dir_of(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(out, cap, ".");
    else if (slash == path)
        snprintf(out, cap, "/");
    else
        snprintf(out, cap, "%.*s", (int)(slash - path), path);
}

static engine_pl_str base_name(const char *path, char *buf, size_t cap)
{
    const char *s = strrchr(path, '/');
    size_t n, o = 0;
    s = s ? s + 1 : path;
    n = strlen(s);
    for (size_t i = 0; i < n && o + 1 < cap && o < ENGINE_PL_NAME_MAX; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[o++] = (c < 0x20 || c == 0x7f || c == '\\') ? '_' : (char)c;
    }
    buf[o] = '\0';
    if (o == 0 || !engine__utf8_valid((const uint8_t *)buf, o) || strcmp(buf, ".") == 0 ||
        strcmp(buf, "..") == 0) {
        snprintf(buf, cap, "file");
        o = 4;
    }
    return (engine_pl_str){(const uint8_t *)buf, o};
}

/* Encrypts the file at path into a temporary file and uploads it. */
static cairn_status upload(cairn_engine *e, const char *path, engine_payload *p,
                           cairn_progress_fn progress, void *ud, char *url, size_t url_cap,
                           uint64_t *size)
{
    const char *dir = e->temp_dir[0] ? e->temp_dir : getenv("TMPDIR");
    struct stat st;
    fd_io in = {-1, CAIRN_ERR_IO}, tmp = {-1, CAIRN_ERR_IO};
    cairn_status rc;
    in.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (in.fd < 0)
        return engine__fail(e, errno == ENOENT ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_IO,
                            "cannot open the file");
    if (fstat(in.fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0) {
        rc = engine__fail(e, CAIRN_ERR_IO, "not a regular file");
        goto out;
    }
    if ((uint64_t)st.st_size > ENGINE_FILE_MAX) {
        rc = engine__fail(e, CAIRN_ERR_TOO_LARGE, "file larger than %u bytes", ENGINE_FILE_MAX);
        goto out;
    }
    tmp.fd = temp_unnamed(dir && dir[0] ? dir : "/tmp");
    if (tmp.fd < 0) {
        rc = engine__fail(e, CAIRN_ERR_IO, "cannot create a temporary file (temp_dir)");
        goto out;
    }
    *size = (uint64_t)st.st_size;
    rc = engine__file_encrypt_stream(e->ctx, *size, fd_read, &in, fd_write, &tmp, p->file_key,
                                     p->file_digest);
    if (rc == CAIRN_ERR_IO)
        engine__fail(e, rc, "the file changed or could not be read while encrypting it");
    if (rc == CAIRN_OK && lseek(tmp.fd, 0, SEEK_SET) != 0)
        rc = CAIRN_ERR_IO;
    if (rc == CAIRN_OK)
        rc = e->net->ops->file_put(e->net, tmp.fd, engine__file_ciphertext_size(*size), progress,
                                   ud, url, url_cap);
out:
    if (tmp.fd >= 0)
        close(tmp.fd);
    close(in.fd);
    return rc;
}

cairn_status cairn_engine_send_file(cairn_engine *e, const char *conv, const char *path,
                                    const char *content_type, cairn_progress_fn progress, void *ud,
                                    char msg_id[CAIRN_MSG_ID_HEX])
{
    char url[ENGINE_PL_URL_MAX + 1], name[ENGINE_PL_NAME_MAX + 1], hex[CAIRN_MSG_ID_HEX];
    engine_payload p;
    uint64_t size = 0;
    cairn_status rc;
    if (e == NULL || conv == NULL || path == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    memset(&p, 0, sizeof(p));
    rc = engine__ensure_login(e);
    if (rc == CAIRN_OK)
        rc = upload(e, path, &p, progress, ud, url, sizeof(url), &size);
    if (rc == CAIRN_OK) {
        p.kind = ENGINE_PL_FILE;
        p.has_msg_id = p.has_sent_ms = p.has_file_key = p.has_file_digest = p.has_file_size = 1;
        engine__new_id(e, p.msg_id, hex);
        p.sent_ms = (uint64_t)engine__now(e);
        p.file_url = (engine_pl_str){(const uint8_t *)url, strlen(url)};
        p.file_size = size;
        p.file_name = base_name(path, name, sizeof(name));
        if (content_type)
            p.file_type = (engine_pl_str){(const uint8_t *)content_type, strlen(content_type)};
        rc = engine__send_to_conv(e, conv, &p, ENGINE_PL_FILE, hex);
        if (rc == CAIRN_OK && msg_id)
            memcpy(msg_id, hex, CAIRN_MSG_ID_HEX);
    }
    cairn__wipe(&p, sizeof(p));
    engine__unlock(e);
    return rc;
}

/* Fetches, checks and decrypts into out_path (see the top). */
static cairn_status download(cairn_engine *e, const engine_payload *p, const char *out_path,
                             cairn_progress_fn progress, void *ud)
{
    char url[ENGINE_PL_URL_MAX + 1], dir[1024], part[1100];
    uint64_t want = engine__file_ciphertext_size(p->file_size), got = 0;
    fd_io ct = {-1, CAIRN_ERR_INVALID_MESSAGE}, pt = {-1, CAIRN_ERR_IO};
    cairn_status rc;
    if (p->file_size > ENGINE_FILE_MAX)
        return CAIRN_ERR_TOO_LARGE;
    if (access(out_path, F_OK) == 0) /* ENG-FILE-5, early; link() decides */
        return engine__fail(e, CAIRN_ERR_EXISTS, "the output file exists");
    dir_of(out_path, dir, sizeof(dir));
    memcpy(url, p->file_url.p, p->file_url.len);
    url[p->file_url.len] = '\0';
    ct.fd = temp_unnamed(dir);
    if (ct.fd < 0)
        return engine__fail(e, CAIRN_ERR_IO, "cannot create a file next to the output");
    rc = e->net->ops->file_get(e->net, url, want, ct.fd, &got, progress, ud);
    /* ENG-FILE-3: the declared size fixes the blob's size */
    if (rc == CAIRN_ERR_TOO_LARGE || (rc == CAIRN_OK && got != want))
        rc = CAIRN_ERR_INVALID_MESSAGE;
    if (rc == CAIRN_OK && lseek(ct.fd, 0, SEEK_SET) != 0)
        rc = CAIRN_ERR_IO;
    if (rc == CAIRN_OK) /* ENG-FILE-4: the whole blob before any plaintext */
        rc = engine__file_digest_check(e->ctx, p->file_size, fd_read, &ct, p->file_digest);
    if (rc == CAIRN_OK && lseek(ct.fd, 0, SEEK_SET) != 0)
        rc = CAIRN_ERR_IO;
    if (rc == CAIRN_OK) {
        if (snprintf(part, sizeof(part), "%s.partXXXXXX", out_path) >= (int)sizeof(part) ||
            (pt.fd = mkostemp(part, O_CLOEXEC)) < 0)
            rc = engine__fail(e, CAIRN_ERR_IO, "cannot create the output file");
    }
    if (rc == CAIRN_OK) {
        rc = engine__file_decrypt_stream(e->ctx, p->file_key, p->file_size, fd_read, &ct, fd_write,
                                         &pt);
        if (close(pt.fd) != 0 && rc == CAIRN_OK)
            rc = CAIRN_ERR_IO;
        /* ENG-FILE-5: link() refuses an existing name, unlike rename() */
        if (rc == CAIRN_OK && link(part, out_path) != 0)
            rc = engine__fail(e, errno == EEXIST ? CAIRN_ERR_EXISTS : CAIRN_ERR_IO,
                              "cannot create the output file");
        unlink(part);
    }
    close(ct.fd);
    return rc;
}

cairn_status cairn_engine_file_download(cairn_engine *e, const char *conv, const char *msg_id,
                                        const char *out_path, cairn_progress_fn progress, void *ud)
{
    uint8_t *pl = NULL;
    size_t plen = 0;
    engine_payload p;
    cairn_status rc;
    if (e == NULL || conv == NULL || msg_id == NULL || out_path == NULL)
        return CAIRN_ERR_INVALID_ARG;
    engine__lock(e);
    memset(&p, 0, sizeof(p));
    rc = engine__ensure_login(e);
    if (rc == CAIRN_OK)
        rc = estore__msg_payload(e, conv, msg_id, &pl, &plen, NULL, 0);
    if (rc == CAIRN_OK) {
        rc = engine__payload_decode(pl, plen, &p);
        if (rc == CAIRN_OK && p.kind != ENGINE_PL_FILE)
            rc = engine__fail(e, CAIRN_ERR_INVALID_ARG, "not a file message");
    }
    if (rc == CAIRN_OK)
        rc = download(e, &p, out_path, progress, ud);
    if (pl)
        cairn__free_secret(e->ctx, pl, plen);
    cairn__wipe(&p, sizeof(p));
    engine__unlock(e);
    return rc;
}
