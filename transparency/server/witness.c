/*
 * witness.c - feeds the mirror's checkpoints to C2SP tlog witnesses
 * (c2sp-tlog-witness.md add-checkpoint) from a background thread, and
 * serves the checkpoint with the cosignatures collected
 * (GET /mirror/checkpoint.cosigned, KT-API-24).
 *
 * Invariants: the thread never touches the directory or the tlog handle;
 * it reads the published checkpoint file (replaced atomically by rename)
 * and tiles, which are immutable for the size that checkpoint names, and
 * builds consistency proofs from them. The cosigned note is swapped under
 * a mutex. A witness answering 409 tells us its size, which becomes the
 * old size of the next attempt; any other failure is retried later.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "cairn/ktverify.h"
#include "kts_internal.h"

typedef struct kts_witness {
    kts_server *s;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, started;
    uint64_t last[4];             /* latest size each witness cosigned */
    char *note;                   /* cosigned note (checkpoint + lines) */
    size_t note_len;
} kts_witness;

static cairn_status read_file(const cairn_context *ctx, const char *path, size_t max,
                              uint8_t **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    cairn__buf b;
    uint8_t chunk[4096];
    ssize_t n;
    cairn_status st = CAIRN_OK;
    if (fd < 0)
        return CAIRN_ERR_NOT_FOUND;
    cairn__buf_init(&b, ctx, max);
    while (st == CAIRN_OK && (n = read(fd, chunk, sizeof chunk)) > 0)
        st = cairn__buf_append(&b, chunk, (size_t)n);
    close(fd);
    if (st == CAIRN_OK && b.len == 0)
        st = CAIRN_ERR_IO;
    if (st == CAIRN_OK)
        st = cairn__buf_take(&b, out, len);
    cairn__buf_free(&b);
    return st;
}

static cairn_status fetch_tile(void *ud, unsigned level, uint64_t index, unsigned width,
                               uint8_t *out, size_t *out_len)
{
    kts_witness *w = ud;
    char rel[CAIRN_TLOG_TILE_PATH_MAX], path[4096];
    uint8_t *b = NULL;
    size_t n = 0;
    cairn_status st = cairn_tlog_tile_path(rel, sizeof rel, level, index, width);
    if (st != CAIRN_OK)
        return st;
    snprintf(path, sizeof path, "%s/%s", w->s->mirror_dir, rel);
    if ((st = read_file(w->s->ctx, path, CAIRN_TLOG_TILE_MAX_LEN, &b, &n)) != CAIRN_OK)
        return st;
    memcpy(out, b, n);
    *out_len = n;
    cairn_free(w->s->ctx, b, n);
    return CAIRN_OK;
}

static uint64_t note_size(const uint8_t *note, size_t len)
{
    const uint8_t *nl = memchr(note, '\n', len);
    uint64_t v = 0;
    if (nl == NULL)
        return 0;
    for (const uint8_t *p = nl + 1; p < note + len && *p >= '0' && *p <= '9'; p++)
        v = v * 10 + (uint64_t)(*p - '0');
    return v;
}

/* One submission; appends the cosignature lines to *cos on success. */
static void submit(kts_witness *w, size_t i, const uint8_t *note, size_t nl, uint64_t size,
                   cairn__buf *cos)
{
    const cairn_context *ctx = w->s->ctx;
    cairn_tlog_tile_reader *r = cairn__alloc(ctx, sizeof *r);
    uint8_t proof[CAIRN_TLOG_MAX_PROOF_LEN], *resp = NULL;
    size_t pl = 0, rl = 0;
    cairn__buf req;
    char url[2048];
    long status = 0;
    uint64_t old = w->last[i];
    if (r == NULL)
        return;
    if (old > size)
        old = 0;
    if (old && old < size) {
        cairn_tlog_tile_reader_init(r, size, fetch_tile, w);
        if (cairn_tlog_prove_consistency(cairn_tlog_tile_reader_read, r, old, size, proof,
                                         sizeof proof, &pl) != CAIRN_OK) {
            cairn__free(ctx, r);
            return;
        }
    }
    cairn__free(ctx, r);
    cairn__buf_init(&req, ctx, 1 << 20);
    (void)cairn__buf_printf(&req, "old %llu\n", (unsigned long long)old);
    for (size_t k = 0; k + 32 <= pl; k += 32) {
        char b64[64];
        cairn__base64_encode(b64, proof + k, 32);
        (void)cairn__buf_printf(&req, "%s\n", b64);
    }
    (void)cairn__buf_append(&req, "\n", 1);
    if (cairn__buf_append(&req, note, nl) == CAIRN_OK) {
        snprintf(url, sizeof url, "%s/add-checkpoint", w->s->opt.witness_urls[i]);
        if (cairn_ktv_http_post(ctx, url, "text/plain", NULL, req.data, req.len, 64 * 1024,
                                &status, &resp, &rl) == CAIRN_OK) {
            if (status == 200 && rl > 4 && resp[rl - 1] == '\n') {
                w->last[i] = size;
                (void)cairn__buf_append(cos, resp, rl);
            } else if (status == 409) {
                char t[32];
                size_t k = rl < sizeof t - 1 ? rl : sizeof t - 1;
                uint64_t v = 0;
                memcpy(t, resp, k);
                t[k] = 0;
                if (cairn_kts_parse_u64(strtok(t, "\n") ? t : "x", &v) == CAIRN_OK)
                    w->last[i] = v;
            } else {
                CAIRN_LOGW(ctx, "kt", "witness %zu refused the checkpoint (HTTP %ld)", i, status);
            }
            cairn_free(ctx, resp, rl);
        }
    }
    cairn__buf_free(&req);
}

static void *run(void *arg)
{
    kts_witness *w = arg;
    const cairn_context *ctx = w->s->ctx;
    char path[4096];
    uint64_t done = 0;
    snprintf(path, sizeof path, "%s/checkpoint", w->s->mirror_dir);
    pthread_mutex_lock(&w->mu);
    while (!w->stop) {
        struct timespec ts;
        uint8_t *note = NULL;
        size_t nl = 0;
        pthread_mutex_unlock(&w->mu);
        if (read_file(ctx, path, CAIRN_NOTE_MAX_SIZE, &note, &nl) == CAIRN_OK) {
            uint64_t size = note_size(note, nl);
            if (size > done) {
                cairn__buf cos;
                bool all = true;
                cairn__buf_init(&cos, ctx, 64 * 1024);
                for (size_t i = 0; i < w->s->opt.n_witness; i++) {
                    submit(w, i, note, nl, size, &cos);
                    if (w->last[i] != size) /* a 409 resync: try again */
                        submit(w, i, note, nl, size, &cos);
                    all = all && w->last[i] == size;
                }
                if (cos.len) {
                    cairn__buf full;
                    cairn__buf_init(&full, ctx, CAIRN_NOTE_MAX_SIZE + 64 * 1024);
                    if (cairn__buf_append(&full, note, nl) == CAIRN_OK &&
                        cairn__buf_append(&full, cos.data, cos.len) == CAIRN_OK) {
                        uint8_t *p = NULL;
                        size_t pl = 0;
                        if (cairn__buf_take(&full, &p, &pl) == CAIRN_OK) {
                            pthread_mutex_lock(&w->mu);
                            if (w->note)
                                cairn_free(ctx, w->note, w->note_len);
                            w->note = (char *)p;
                            w->note_len = pl;
                            pthread_mutex_unlock(&w->mu);
                        }
                    }
                    cairn__buf_free(&full);
                }
                cairn__buf_free(&cos);
                if (all)
                    done = size;
            }
            cairn_free(ctx, note, nl);
        }
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 300 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&w->mu);
        if (!w->stop)
            pthread_cond_timedwait(&w->cv, &w->mu, &ts);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

cairn_status kts__witness_start(kts_server *s)
{
    kts_witness *w;
    if (s->opt.n_witness == 0)
        return CAIRN_OK;
    w = cairn__calloc(s->ctx, 1, sizeof *w);
    if (w == NULL)
        return CAIRN_ERR_NOMEM;
    w->s = s;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    s->wit = w;
    if (pthread_create(&w->th, NULL, run, w) != 0)
        return CAIRN_ERR_INTERNAL;
    w->started = true;
    return CAIRN_OK;
}

void kts__witness_stop(kts_server *s)
{
    kts_witness *w = s->wit;
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    if (w->started)
        pthread_join(w->th, NULL);
    if (w->note)
        cairn_free(s->ctx, w->note, w->note_len);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cv);
    cairn__free(s->ctx, w);
    s->wit = NULL;
}

cairn_status kts__witness_note(kts_server *s, char **out, size_t *len)
{
    kts_witness *w = s->wit;
    cairn_status st = CAIRN_ERR_NOT_FOUND;
    if (w == NULL)
        return st;
    pthread_mutex_lock(&w->mu);
    if (w->note) {
        *out = cairn__memdup(s->ctx, w->note, w->note_len);
        *len = w->note_len;
        st = *out ? CAIRN_OK : CAIRN_ERR_NOMEM;
    }
    pthread_mutex_unlock(&w->mu);
    return st;
}
