/*
 * net_dir.c - a relay in a shared directory ("dir:/path"): the engine's
 * relay backend for tests and for several accounts on one machine, with
 * the same contract as cairn-relay (net.h) and no server process.
 *
 *   root/.lock                         flock'd around every read-modify-write
 *   root/users/<hex uri>/<device>/     identity (33 bytes), keys.json, inbox/
 *   root/files/<random hex>            encrypted file blobs
 *   root/mailbox/<name>                linking mailboxes (taken = deleted)
 *
 * Envelopes are JSON files named "<ns time>-<pid>-<seq>.env", written to a
 * temporary name and renamed into the inbox, so a reader never sees a
 * partial one and names sort in acceptance order for each sender. The
 * inbox is watched with inotify, which makes the engine fd real.
 * Like cairn-relay, the directory relay publishes each account's identity
 * key to the key-transparency directory when it is first uploaded or
 * changes, when root/kt.conf names one ("url = http://..." and "token =
 * <publisher bearer token>", spec/kt-api.md KT-API-6).
 * A relay directory is trusted by whoever can write to it; it offers no
 * authentication and exists to exercise the engine, not to deploy.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cairn/ktverify.h"
#include "net.h"

#define PATH_MAX_DIR 1024
#define ENV_MAX (2u * 1024u * 1024u)

typedef struct net_dir {
    engine_net base;
    char root[512];
    char me_dir[PATH_MAX_DIR];
    int logged_in;
    int inotify_fd;
    unsigned seq;
} net_dir;

static void uri_hex(const char *uri, char *out)
{
    cairn__hex_encode(out, (const uint8_t *)uri, strlen(uri));
}

static int dev_dir(net_dir *d, const char *uri, uint32_t dev, char *out, size_t cap)
{
    char hex[2 * CAIRN_URI_MAX + 1];
    if (strlen(uri) > CAIRN_URI_MAX)
        return -1;
    uri_hex(uri, hex);
    if (dev == 0)
        return snprintf(out, cap, "%s/users/%s", d->root, hex) >= (int)cap ? -1 : 0;
    return snprintf(out, cap, "%s/users/%s/%u", d->root, hex, dev) >= (int)cap ? -1 : 0;
}

static int lock_root(net_dir *d)
{
    char p[PATH_MAX_DIR];
    int fd;
    snprintf(p, sizeof(p), "%s/.lock", d->root);
    fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void unlock_root(int fd)
{
    if (fd >= 0) {
        flock(fd, LOCK_UN);
        close(fd);
    }
}

static cairn_status read_all(const cairn_context *ctx, const char *path, size_t max, uint8_t **out,
                             size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    uint8_t *b;
    size_t got = 0;
    if (fd < 0)
        return errno == ENOENT ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_IO;
    if (fstat(fd, &st) != 0 || st.st_size < 0) {
        close(fd);
        return CAIRN_ERR_IO;
    }
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return CAIRN_ERR_TOO_LARGE;
    }
    b = cairn__alloc(ctx, (size_t)st.st_size + 1);
    if (b == NULL) {
        close(fd);
        return CAIRN_ERR_NOMEM;
    }
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, b + got, (size_t)st.st_size - got);
        if (r <= 0) {
            if (r < 0 && errno == EINTR)
                continue;
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    if (got != (size_t)st.st_size) {
        cairn__free(ctx, b);
        return CAIRN_ERR_IO;
    }
    b[got] = 0;
    *out = b;
    *len = got;
    return CAIRN_OK;
}

/* Copies len bytes from in to out, 64 KiB at a time. */
static cairn_status copy_fd(int in, int out, uint64_t len, cairn_progress_fn progress, void *ud)
{
    uint8_t buf[65536];
    uint64_t done = 0;
    while (done < len) {
        size_t want = len - done > sizeof(buf) ? sizeof(buf) : (size_t)(len - done);
        ssize_t r = read(in, buf, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || cairn__write_all(out, buf, (size_t)r) != CAIRN_OK)
            return CAIRN_ERR_IO;
        done += (uint64_t)r;
        if (progress)
            progress(ud, done, len);
    }
    return CAIRN_OK;
}

/* Writes a file so that no reader ever sees it partial: a temporary file
 * in the same directory filled from data (or, when data is NULL, from
 * src_fd with progress), then renamed over path, or with excl linked to
 * it (an existing target is CAIRN_ERR_EXISTS). */
static cairn_status place(net_dir *d, const char *path, const void *data, int src_fd, uint64_t len,
                          int excl, cairn_progress_fn progress, void *ud)
{
    char tmp[PATH_MAX_DIR + 32];
    cairn_status rc;
    int fd;
    if (snprintf(tmp, sizeof(tmp), "%s.tmp%d.%u", path, (int)getpid(), d->seq++) >=
        (int)sizeof(tmp))
        return CAIRN_ERR_INVALID_ARG;
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return CAIRN_ERR_IO;
    rc = data ? cairn__write_all(fd, data, (size_t)len) : copy_fd(src_fd, fd, len, progress, ud);
    if (close(fd) != 0 && rc == CAIRN_OK)
        rc = CAIRN_ERR_IO;
    if (rc == CAIRN_OK && excl && link(tmp, path) != 0)
        rc = errno == EEXIST ? CAIRN_ERR_EXISTS : CAIRN_ERR_IO;
    else if (rc == CAIRN_OK && !excl && rename(tmp, path) != 0)
        rc = CAIRN_ERR_IO;
    if (rc != CAIRN_OK || excl)
        unlink(tmp);
    return rc;
}

/* A small record, replacing any earlier one. */
static cairn_status write_atomic(net_dir *d, const char *path, const void *data, size_t len)
{
    return place(d, path, data, -1, len, 0, NULL, NULL);
}

static int mkdirs(const char *path)
{
    char p[PATH_MAX_DIR];
    size_t n = strlen(path);
    if (n >= sizeof(p))
        return -1;
    memcpy(p, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] == '/' || p[i] == '\0') {
            char c = p[i];
            p[i] = '\0';
            if (mkdir(p, 0700) != 0 && errno != EEXIST)
                return -1;
            p[i] = c;
        }
    }
    return 0;
}

/* JSON text of a jansson value through the context allocator. */
static cairn_status json_text(const cairn_context *ctx, json_t *j, char **out, size_t *len)
{
    size_t n = json_dumpb(j, NULL, 0, JSON_COMPACT);
    char *b;
    if (n == 0)
        return CAIRN_ERR_NOMEM;
    b = cairn__alloc(ctx, n + 1);
    if (b == NULL)
        return CAIRN_ERR_NOMEM;
    if (json_dumpb(j, b, n, JSON_COMPACT) != n) {
        cairn__free(ctx, b);
        return CAIRN_ERR_INTERNAL;
    }
    b[n] = '\0';
    *out = b;
    *len = n;
    return CAIRN_OK;
}

/* ------------------------------------------------------------ identity */

static cairn_status d_register(engine_net *n, const char *uri, uint32_t device,
                               const uint8_t identity[CAIRN_PUBLIC_KEY_BYTES], const char *secret)
{
    net_dir *d = (net_dir *)n;
    char dir[PATH_MAX_DIR], p[PATH_MAX_DIR + 16], d1[PATH_MAX_DIR + 16];
    uint8_t *have = NULL;
    size_t hlen;
    cairn_status rc = CAIRN_OK;
    int lk;
    (void)secret;
    if (dev_dir(d, uri, device, dir, sizeof(dir)) != 0)
        return CAIRN_ERR_INVALID_ARG;
    lk = lock_root(d);
    if (lk < 0)
        return CAIRN_ERR_IO;
    /* All devices of a user share the identity of device 1. */
    {
        char u1[PATH_MAX_DIR];
        dev_dir(d, uri, 1, u1, sizeof(u1));
        snprintf(d1, sizeof(d1), "%s/identity", u1);
    }
    rc = read_all(n->ctx, d1, 64, &have, &hlen);
    if (rc == CAIRN_OK) {
        if (hlen != CAIRN_PUBLIC_KEY_BYTES || memcmp(have, identity, hlen) != 0)
            rc = CAIRN_ERR_EXISTS;
        cairn__free(n->ctx, have);
    } else if (rc == CAIRN_ERR_NOT_FOUND) {
        rc = device == 1 ? CAIRN_OK : CAIRN_ERR_NOT_FOUND;
    }
    if (rc == CAIRN_OK) {
        snprintf(p, sizeof(p), "%s/inbox", dir);
        if (mkdirs(p) != 0)
            rc = CAIRN_ERR_IO;
    }
    if (rc == CAIRN_OK) {
        snprintf(p, sizeof(p), "%s/identity", dir);
        rc = write_atomic(d, p, identity, CAIRN_PUBLIC_KEY_BYTES);
    }
    unlock_root(lk);
    return rc;
}

static cairn_status d_login(engine_net *n, const char *uri, uint32_t device, const char *secret)
{
    net_dir *d = (net_dir *)n;
    char inbox[PATH_MAX_DIR + 8];
    struct stat st;
    (void)secret;
    if (dev_dir(d, uri, device, d->me_dir, sizeof(d->me_dir)) != 0)
        return CAIRN_ERR_INVALID_ARG;
    snprintf(inbox, sizeof(inbox), "%s/inbox", d->me_dir);
    if (stat(inbox, &st) != 0)
        return CAIRN_ERR_NOT_FOUND;
    if (d->inotify_fd < 0) {
        d->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (d->inotify_fd >= 0 &&
            inotify_add_watch(d->inotify_fd, inbox, IN_MOVED_TO | IN_CREATE) < 0) {
            close(d->inotify_fd);
            d->inotify_fd = -1;
        }
    }
    d->logged_in = 1;
    return CAIRN_OK;
}

/* --------------------------------------------------------------- keys */

/* The relay operator's publication of an identity key (KT-API-6). */
static cairn_status kt_publish(net_dir *d, const char *uri, const uint8_t *key, size_t klen)
{
    char p[PATH_MAX_DIR + 16], url[600] = "", token[300] = "", auth[340], b64[64];
    const char *hdrs[2] = {auth, NULL};
    FILE *f;
    char line[700];
    json_t *body;
    char *text = NULL;
    size_t tlen = 0, rlen = 0;
    uint8_t *resp = NULL;
    long status = 0;
    cairn_status rc;
    snprintf(p, sizeof(p), "%s/kt.conf", d->root);
    f = fopen(p, "r");
    if (f == NULL)
        return CAIRN_OK; /* no directory configured */
    while (fgets(line, sizeof(line), f)) {
        char *v = strchr(line, '=');
        size_t l;
        if (v == NULL)
            continue;
        v++;
        while (*v == ' ')
            v++;
        l = strcspn(v, "\r\n");
        v[l] = '\0';
        if (strncmp(line, "url", 3) == 0 && l < sizeof(url))
            memcpy(url, v, l + 1);
        else if (strncmp(line, "token", 5) == 0 && l < sizeof(token))
            memcpy(token, v, l + 1);
    }
    fclose(f);
    if (!url[0] || !token[0] || klen != CAIRN_PUBLIC_KEY_BYTES)
        return CAIRN_OK;
    cairn__base64_encode(b64, key, klen);
    body = json_pack("{s:[{s:s, s:s}]}", "updates", "label", uri, "value_b64", b64);
    if (body == NULL)
        return CAIRN_ERR_NOMEM;
    rc = json_text(d->base.ctx, body, &text, &tlen);
    json_decref(body);
    if (rc != CAIRN_OK)
        return rc;
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
    snprintf(p, sizeof(p), "%s/kt/v1/publish", url);
    rc = cairn_ktv_http_post(d->base.ctx, p, "application/json", hdrs, (const uint8_t *)text, tlen,
                             64 * 1024, &status, &resp, &rlen);
    cairn__free(d->base.ctx, text);
    if (resp)
        cairn_free(d->base.ctx, resp, rlen);
    if (rc == CAIRN_OK && status != 200)
        rc = CAIRN_ERR_PROTOCOL;
    return rc;
}

static cairn_status d_upload_keys(engine_net *n, const char *json, size_t len)
{
    net_dir *d = (net_dir *)n;
    char p[PATH_MAX_DIR + 16];
    cairn_status rc;
    int lk;
    if (!d->logged_in)
        return CAIRN_ERR_STATE;
    snprintf(p, sizeof(p), "%s/keys.json", d->me_dir);
    lk = lock_root(d);
    if (lk < 0)
        return CAIRN_ERR_IO;
    rc = write_atomic(d, p, json, len); /* PKB-1: replaces the set */
    if (rc == CAIRN_OK) {
        /* publish the identity to the directory when new or changed */
        char ip[PATH_MAX_DIR + 16], pp[PATH_MAX_DIR + 16], u1[PATH_MAX_DIR], uri[CAIRN_URI_MAX + 1];
        uint8_t *idk = NULL, *pub = NULL;
        size_t il = 0, pl = 0;
        json_t *k = json_loadb(json, len, 0, NULL);
        const char *u = json_string_value(json_object_get(k, "uri"));
        if (u && strlen(u) <= CAIRN_URI_MAX) {
            memcpy(uri, u, strlen(u) + 1);
            dev_dir(d, uri, 1, u1, sizeof(u1));
            snprintf(ip, sizeof(ip), "%s/identity", u1);
            snprintf(pp, sizeof(pp), "%s/kt_published", u1);
            if (read_all(n->ctx, ip, 64, &idk, &il) == CAIRN_OK) {
                if (read_all(n->ctx, pp, 64, &pub, &pl) != CAIRN_OK || pl != il ||
                    memcmp(pub, idk, il) != 0) {
                    rc = kt_publish(d, uri, idk, il);
                    if (rc == CAIRN_OK)
                        rc = write_atomic(d, pp, idk, il);
                }
                cairn__free(n->ctx, idk);
                cairn__free(n->ctx, pub);
            }
        }
        json_decref(k);
    }
    unlock_root(lk);
    return rc;
}

static cairn_status load_keys(net_dir *d, const char *dir, json_t **out)
{
    char p[PATH_MAX_DIR + 16];
    uint8_t *b;
    size_t len;
    cairn_status rc;
    snprintf(p, sizeof(p), "%s/keys.json", dir);
    rc = read_all(d->base.ctx, p, 1024 * 1024, &b, &len);
    if (rc != CAIRN_OK)
        return rc;
    *out = json_loadb((const char *)b, len, JSON_REJECT_DUPLICATES, NULL);
    cairn__free(d->base.ctx, b);
    return *out ? CAIRN_OK : CAIRN_ERR_CORRUPT;
}

static cairn_status d_prekey_count(engine_net *n, unsigned *count)
{
    net_dir *d = (net_dir *)n;
    json_t *k;
    cairn_status rc;
    if (!d->logged_in)
        return CAIRN_ERR_STATE;
    rc = load_keys(d, d->me_dir, &k);
    if (rc == CAIRN_ERR_NOT_FOUND) {
        *count = 0;
        return CAIRN_OK;
    }
    if (rc != CAIRN_OK)
        return rc;
    *count = (unsigned)json_array_size(json_object_get(k, "prekeys"));
    json_decref(k);
    return CAIRN_OK;
}

static cairn_status d_fetch_bundle(engine_net *n, const char *uri, uint32_t device, char **json,
                                   size_t *len)
{
    net_dir *d = (net_dir *)n;
    char dir[PATH_MAX_DIR], p[PATH_MAX_DIR + 16];
    json_t *k = NULL, *b = NULL, *pks;
    char *text = NULL;
    size_t tlen = 0;
    cairn_status rc;
    int lk;
    if (dev_dir(d, uri, device, dir, sizeof(dir)) != 0)
        return CAIRN_ERR_INVALID_ARG;
    lk = lock_root(d);
    if (lk < 0)
        return CAIRN_ERR_IO;
    rc = load_keys(d, dir, &k);
    if (rc == CAIRN_OK) {
        b = json_pack("{s:s, s:O, s:O, s:O, s:O, s:O}", "v", "cairn-bundle/1", "uri",
                      json_object_get(k, "uri"), "device", json_object_get(k, "device"),
                      "registration_id", json_object_get(k, "registration_id"), "identity_key",
                      json_object_get(k, "identity_key"), "signed_prekey",
                      json_object_get(k, "signed_prekey"));
        if (b == NULL)
            rc = CAIRN_ERR_CORRUPT;
    }
    pks = k ? json_object_get(k, "prekeys") : NULL;
    if (rc == CAIRN_OK && json_array_size(pks) > 0) {
        /* each one-time pre-key is served once */
        json_object_set(b, "prekey", json_array_get(pks, 0));
        json_array_remove(pks, 0);
        rc = json_text(n->ctx, k, &text, &tlen);
        if (rc == CAIRN_OK) {
            snprintf(p, sizeof(p), "%s/keys.json", dir);
            rc = write_atomic(d, p, text, tlen);
            cairn__free(n->ctx, text);
        }
    }
    unlock_root(lk);
    if (rc == CAIRN_OK)
        rc = json_text(n->ctx, b, json, len);
    json_decref(b);
    json_decref(k);
    return rc;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static cairn_status d_devices(engine_net *n, const char *uri, uint32_t *out, size_t cap,
                              size_t *count)
{
    net_dir *d = (net_dir *)n;
    char dir[PATH_MAX_DIR];
    DIR *dh;
    struct dirent *e;
    size_t k = 0;
    if (dev_dir(d, uri, 0, dir, sizeof(dir)) != 0)
        return CAIRN_ERR_INVALID_ARG;
    dh = opendir(dir);
    if (dh == NULL)
        return CAIRN_ERR_NOT_FOUND;
    while ((e = readdir(dh)) != NULL) {
        char *end;
        unsigned long v = strtoul(e->d_name, &end, 10);
        if (e->d_name[0] < '1' || e->d_name[0] > '9' || *end != '\0' || v > 0x7fffffff)
            continue;
        if (k == cap) {
            closedir(dh);
            return CAIRN_ERR_LIMIT;
        }
        out[k++] = (uint32_t)v;
    }
    closedir(dh);
    qsort(out, k, sizeof(*out), cmp_u32);
    *count = k;
    return k ? CAIRN_OK : CAIRN_ERR_NOT_FOUND;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

/* The device directory is first renamed out of the listing (d_devices
 * reads only decimal names), so a crash half way through the delete never
 * leaves a listed device with half its files. */
static cairn_status d_remove_device(engine_net *n, uint32_t device)
{
    net_dir *d = (net_dir *)n;
    char dir[PATH_MAX_DIR], gone[PATH_MAX_DIR + 48];
    uint8_t nonce[8];
    cairn_status rc = CAIRN_OK;
    int lk;
    char *slash;
    if (!d->logged_in || device == 0 || device > 0x7fffffff)
        return CAIRN_ERR_INVALID_ARG;
    /* our own user's directory is the parent of our device's */
    snprintf(dir, sizeof(dir), "%s", d->me_dir);
    slash = strrchr(dir, '/');
    if (slash == NULL)
        return CAIRN_ERR_INVALID_ARG;
    snprintf(slash + 1, sizeof(dir) - (size_t)(slash + 1 - dir), "%u", device);
    if (strcmp(dir, d->me_dir) == 0)
        return CAIRN_ERR_INVALID_ARG; /* not ourselves */
    cairn__random(n->ctx, nonce, sizeof(nonce));
    snprintf(gone, sizeof(gone), "%s.removed-%02x%02x%02x%02x%02x%02x%02x%02x", dir, nonce[0],
             nonce[1], nonce[2], nonce[3], nonce[4], nonce[5], nonce[6], nonce[7]);
    lk = lock_root(d);
    if (lk < 0)
        return CAIRN_ERR_IO;
    if (rename(dir, gone) != 0)
        rc = errno == ENOENT ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_IO;
    unlock_root(lk);
    if (rc == CAIRN_OK && nftw(gone, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        rc = CAIRN_ERR_IO;
    return rc;
}

/* ---------------------------------------------------------- envelopes */

static cairn_status d_send(engine_net *n, const engine_envelope *env)
{
    net_dir *d = (net_dir *)n;
    char dir[PATH_MAX_DIR], p[PATH_MAX_DIR + 128];
    struct stat st;
    struct timespec ts;
    json_t *j;
    char *b64, *text = NULL;
    size_t tlen = 0, blen;
    cairn_status rc;

    if (dev_dir(d, env->to_uri, env->to_device, dir, sizeof(dir)) != 0)
        return CAIRN_ERR_INVALID_ARG;
    snprintf(p, sizeof(p), "%s/inbox", dir);
    if (stat(p, &st) != 0)
        return CAIRN_ERR_STALE; /* ENG-FAN-3: not a device of that user */
    blen = cairn__base64_encoded_len(env->len);
    b64 = cairn__alloc(n->ctx, blen);
    if (b64 == NULL)
        return CAIRN_ERR_NOMEM;
    cairn__base64_encode(b64, env->data, env->len);
    clock_gettime(CLOCK_REALTIME, &ts);
    j = json_pack("{s:s, s:i, s:s, s:i, s:i, s:s, s:I, s:s}", "from", env->from_uri, "from_device",
                  (int)env->from_device, "to", env->to_uri, "to_device", (int)env->to_device,
                  "type", (int)env->type, "group", env->group_id, "ts",
                  (json_int_t)(ts.tv_sec * 1000LL + ts.tv_nsec / 1000000), "data", b64);
    cairn__free(n->ctx, b64);
    if (j == NULL)
        return CAIRN_ERR_NOMEM;
    rc = json_text(n->ctx, j, &text, &tlen);
    json_decref(j);
    if (rc != CAIRN_OK)
        return rc;
    snprintf(p, sizeof(p), "%s/inbox/%020lld-%08d-%08u.env", dir,
             (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec, (int)getpid(), d->seq++);
    rc = write_atomic(d, p, text, tlen);
    cairn__free(n->ctx, text);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static cairn_status parse_env(const cairn_context *ctx, const uint8_t *b, size_t len,
                              engine_envelope *e)
{
    json_t *j = json_loadb((const char *)b, len, JSON_REJECT_DUPLICATES, NULL);
    const char *from = NULL, *to = NULL, *group = NULL, *data = NULL;
    int fd = 0, td = 0, type = 0;
    json_int_t ts = 0;
    size_t dlen, cap;
    cairn_status rc = CAIRN_ERR_DECODE;
    if (j == NULL)
        return CAIRN_ERR_DECODE;
    if (json_unpack(j, "{s:s, s:i, s:s, s:i, s:i, s:s, s:I, s:s}", "from", &from, "from_device",
                    &fd, "to", &to, "to_device", &td, "type", &type, "group", &group, "ts", &ts,
                    "data", &data) == 0 &&
        strlen(from) <= CAIRN_URI_MAX && strlen(to) <= CAIRN_URI_MAX &&
        strlen(group) <= CAIRN_GROUP_ID_MAX && fd > 0 && td > 0 && type >= 1 && type <= 3) {
        dlen = strlen(data);
        cap = dlen / 4 * 3 + 3;
        e->data = cairn__alloc(ctx, cap);
        if (e->data == NULL) {
            rc = CAIRN_ERR_NOMEM;
        } else {
            rc = cairn__base64_decode(e->data, cap, &e->len, data, dlen);
            if (rc == CAIRN_OK) {
                memcpy(e->from_uri, from, strlen(from) + 1);
                memcpy(e->to_uri, to, strlen(to) + 1);
                memcpy(e->group_id, group, strlen(group) + 1);
                e->from_device = (uint32_t)fd;
                e->to_device = (uint32_t)td;
                e->type = (uint8_t)type;
                e->ts = ts;
            } else {
                cairn__free(ctx, e->data);
                e->data = NULL;
            }
        }
    }
    json_decref(j);
    return rc;
}

static cairn_status d_fetch(engine_net *n, engine_envelope *out, size_t cap, size_t *count)
{
    net_dir *d = (net_dir *)n;
    char inbox[PATH_MAX_DIR + 8], p[PATH_MAX_DIR + 128];
    char *names[ENGINE_FETCH_BATCH * 4];
    size_t nn = 0, k = 0;
    DIR *dh;
    struct dirent *e;
    cairn_status rc = CAIRN_OK;

    *count = 0;
    if (!d->logged_in)
        return CAIRN_ERR_STATE;
    snprintf(inbox, sizeof(inbox), "%s/inbox", d->me_dir);
    dh = opendir(inbox);
    if (dh == NULL)
        return CAIRN_ERR_IO;
    while ((e = readdir(dh)) != NULL && nn < CAIRN_ARRAY_LEN(names)) {
        size_t l = strlen(e->d_name);
        if (l < 5 || l > ENGINE_ENV_ID_MAX || strcmp(e->d_name + l - 4, ".env") != 0)
            continue;
        names[nn] = cairn__strdup(n->ctx, e->d_name);
        if (names[nn] == NULL) {
            rc = CAIRN_ERR_NOMEM;
            break;
        }
        nn++;
    }
    closedir(dh);
    qsort(names, nn, sizeof(names[0]), cmp_str);
    for (size_t i = 0; i < nn && rc == CAIRN_OK && k < cap; i++) {
        uint8_t *b;
        size_t len;
        cairn_status r;
        snprintf(p, sizeof(p), "%s/%s", inbox, names[i]);
        r = read_all(n->ctx, p, ENV_MAX, &b, &len);
        if (r == CAIRN_ERR_NOT_FOUND)
            continue;
        memset(&out[k], 0, sizeof(out[k]));
        if (r == CAIRN_OK) {
            r = parse_env(n->ctx, b, len, &out[k]);
            cairn__free(n->ctx, b);
        }
        if (r == CAIRN_ERR_NOMEM) {
            rc = r;
            break;
        }
        if (r != CAIRN_OK) {
            unlink(p); /* unreadable: drop it, it will never parse */
            continue;
        }
        memcpy(out[k].id, names[i], strlen(names[i]) + 1);
        k++;
    }
    for (size_t i = 0; i < nn; i++)
        cairn__free(n->ctx, names[i]);
    if (rc != CAIRN_OK) { /* all or nothing: the caller gets no envelopes */
        for (size_t i = 0; i < k; i++)
            engine__envelope_clear(n->ctx, &out[i]);
        k = 0;
    }
    *count = k;
    return rc;
}

static cairn_status d_ack(engine_net *n, const char *id)
{
    net_dir *d = (net_dir *)n;
    char p[PATH_MAX_DIR + 128];
    if (!d->logged_in || strchr(id, '/') != NULL)
        return CAIRN_ERR_INVALID_ARG;
    snprintf(p, sizeof(p), "%s/inbox/%s", d->me_dir, id);
    if (unlink(p) != 0 && errno != ENOENT)
        return CAIRN_ERR_IO;
    return CAIRN_OK;
}

/* -------------------------------------------------------------- files */

static cairn_status d_file_put(engine_net *n, int fd, uint64_t len, cairn_progress_fn progress,
                               void *ud, char *url, size_t url_cap)
{
    net_dir *d = (net_dir *)n;
    uint8_t id[16];
    char hex[33], p[PATH_MAX_DIR + 64];
    cairn_status rc = cairn__random(n->ctx, id, sizeof(id));
    if (rc != CAIRN_OK)
        return rc;
    cairn__hex_encode(hex, id, sizeof(id));
    snprintf(p, sizeof(p), "%s/files", d->root);
    if (mkdirs(p) != 0)
        return CAIRN_ERR_IO;
    snprintf(p, sizeof(p), "%s/files/%s", d->root, hex);
    if (snprintf(url, url_cap, "dirfile:%s", hex) >= (int)url_cap)
        return CAIRN_ERR_TOO_LARGE;
    return place(d, p, NULL, fd, len, 1, progress, ud);
}

static cairn_status d_file_get(engine_net *n, const char *url, uint64_t max, int fd, uint64_t *len,
                               cairn_progress_fn progress, void *ud)
{
    net_dir *d = (net_dir *)n;
    char p[PATH_MAX_DIR + 64];
    struct stat st;
    cairn_status rc;
    int in;
    *len = 0;
    if (strncmp(url, "dirfile:", 8) != 0 || strlen(url) != 8 + 32 ||
        strspn(url + 8, "0123456789abcdef") != 32)
        return CAIRN_ERR_INVALID_ARG;
    snprintf(p, sizeof(p), "%s/files/%s", d->root, url + 8);
    in = open(p, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return errno == ENOENT ? CAIRN_ERR_NOT_FOUND : CAIRN_ERR_IO;
    if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(in);
        return CAIRN_ERR_IO;
    }
    if ((uint64_t)st.st_size > max) {
        close(in);
        return CAIRN_ERR_TOO_LARGE;
    }
    rc = copy_fd(in, fd, (uint64_t)st.st_size, progress, ud);
    close(in);
    if (rc == CAIRN_OK)
        *len = (uint64_t)st.st_size;
    return rc;
}

/* ---------------------------------------------------------- mailboxes */

static int box_ok(const char *box)
{
    size_t l = strlen(box);
    return l > 0 && l < 80 && strspn(box, "0123456789abcdefghijklmnopqrstuvwxyz.") == l;
}

static cairn_status d_mailbox_put(engine_net *n, const char *box, const uint8_t *data, size_t len)
{
    net_dir *d = (net_dir *)n;
    char p[PATH_MAX_DIR + 96];
    if (!box_ok(box))
        return CAIRN_ERR_INVALID_ARG;
    snprintf(p, sizeof(p), "%s/mailbox", d->root);
    if (mkdirs(p) != 0)
        return CAIRN_ERR_IO;
    snprintf(p, sizeof(p), "%s/mailbox/%s", d->root, box);
    return write_atomic(d, p, data, len);
}

static cairn_status d_mailbox_take(engine_net *n, const char *box, uint8_t **data, size_t *len)
{
    net_dir *d = (net_dir *)n;
    char p[PATH_MAX_DIR + 96];
    cairn_status rc;
    int lk;
    if (!box_ok(box))
        return CAIRN_ERR_INVALID_ARG;
    snprintf(p, sizeof(p), "%s/mailbox/%s", d->root, box);
    lk = lock_root(d);
    if (lk < 0)
        return CAIRN_ERR_IO;
    rc = read_all(n->ctx, p, 128 * 1024, data, len);
    if (rc == CAIRN_OK)
        unlink(p);
    unlock_root(lk);
    return rc;
}

static int d_fd(engine_net *n)
{
    return ((net_dir *)n)->inotify_fd;
}

static void d_drain(engine_net *n)
{
    net_dir *d = (net_dir *)n;
    char buf[4096];
    if (d->inotify_fd >= 0)
        while (read(d->inotify_fd, buf, sizeof(buf)) > 0) {
        }
}

static void d_destroy(engine_net *n)
{
    net_dir *d = (net_dir *)n;
    if (d->inotify_fd >= 0)
        close(d->inotify_fd);
    cairn__free(n->ctx, d);
}

static const engine_net_ops DIR_OPS = {
    .register_device = d_register,
    .login = d_login,
    .upload_keys = d_upload_keys,
    .prekey_count = d_prekey_count,
    .fetch_bundle = d_fetch_bundle,
    .devices = d_devices,
    .remove_device = d_remove_device,
    .send = d_send,
    .fetch = d_fetch,
    .ack = d_ack,
    .file_put = d_file_put,
    .file_get = d_file_get,
    .mailbox_put = d_mailbox_put,
    .mailbox_take = d_mailbox_take,
    .fd = d_fd,
    .drain = d_drain,
    .destroy = d_destroy,
};

cairn_status engine__net_dir_open(const cairn_context *ctx, const char *path, engine_net **out)
{
    net_dir *d;
    char p[PATH_MAX_DIR];
    if (path == NULL || path[0] != '/' || strlen(path) >= sizeof(d->root))
        return CAIRN_ERR_INVALID_ARG;
    snprintf(p, sizeof(p), "%s/users", path);
    if (mkdirs(p) != 0)
        return CAIRN_ERR_IO;
    d = cairn__calloc(ctx, 1, sizeof(*d));
    if (d == NULL)
        return CAIRN_ERR_NOMEM;
    d->base.ops = &DIR_OPS;
    d->base.ctx = ctx;
    memcpy(d->root, path, strlen(path) + 1);
    d->inotify_fd = -1;
    *out = &d->base;
    return CAIRN_OK;
}

void engine__envelope_clear(const cairn_context *ctx, engine_envelope *e)
{
    if (e->data)
        cairn__free_secret(ctx, e->data, e->len);
    e->data = NULL;
    e->len = 0;
}

cairn_status engine__net_open(const cairn_context *ctx, const char *url, const char *ca_file,
                              engine_net **out)
{
    if (url == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (strncmp(url, "dir:", 4) == 0)
        return engine__net_dir_open(ctx, url + 4, out);
    if (strncmp(url, "https://", 8) == 0)
        return engine__net_relay_open(ctx, url, ca_file, out);
    return CAIRN_ERR_UNSUPPORTED;
}
