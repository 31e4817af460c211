/*
 * vrfpool.c - VRF outputs of publish requests computed on worker threads
 * (about 130 us per update, the publish cost that dominates), so the
 * event-loop thread only parses, stages, commits and answers.
 *
 * Flow: the loop thread predicts each update's version
 * (cairn_ktdir_next_version) and queues the request as a job; workers
 * claim chunks of its updates and call cairn_ktdir_vrf_output, which reads
 * only the directory's immutable VRF key pair; when a job is complete a
 * byte on a pipe wakes the loop, which stages the complete jobs at the
 * head of the queue IN ARRIVAL ORDER, each whole in one batch (see
 * h_publish.c), so batching, durability-before-ack and per-request
 * atomicity are exactly those of the inline path. A prediction that went
 * stale (the same label in an earlier request still in flight) is
 * recomputed by cairn_ktdir_update_with_vrf.
 *
 * Shared state (the queue, claim cursor and counters) is guarded by one
 * mutex; a job's updates, predictions and output slots are written by the
 * loop before queueing, and each output slot by exactly one worker.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "kts_internal.h"

#define KTS_CHUNK 8 /* updates claimed at once: small enough to spread a
                     * single 1,024-update request over all workers */

struct kts_job {
    struct evhttp_request *req;
    cairn_kts_publish p;   /* owned */
    uint32_t *pred;        /* predicted versions */
    uint8_t (*vrf)[32];
    size_t claimed, done;  /* under mu */
    cairn_status st;       /* first worker failure, under mu */
    struct kts_job *next;
};

struct kts_pool {
    kts_server *s;
    pthread_t th[KTS_MAX_VRF_THREADS];
    size_t n_th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    kts_job *head, **tail; /* every queued job, arrival order */
    kts_job *claim;        /* first job with unclaimed updates */
    int fds[2];
    struct event *ev;
};

static void job_free(const cairn_context *ctx, kts_job *j)
{
    cairn__free_secret(ctx, j->vrf, j->p.n * sizeof *j->vrf);
    cairn__free(ctx, j->pred);
    cairn_kts_publish_free(ctx, &j->p);
    cairn__free(ctx, j);
}

static void *worker(void *arg)
{
    kts_pool *pl = arg;
    pthread_mutex_lock(&pl->mu);
    while (!pl->stop) {
        kts_job *j;
        size_t i0, k;
        cairn_status st = CAIRN_OK;
        while (pl->claim && pl->claim->claimed == pl->claim->p.n)
            pl->claim = pl->claim->next;
        if ((j = pl->claim) == NULL) {
            pthread_cond_wait(&pl->cv, &pl->mu);
            continue;
        }
        i0 = j->claimed;
        k = j->p.n - i0 < KTS_CHUNK ? j->p.n - i0 : KTS_CHUNK;
        j->claimed += k;
        pthread_mutex_unlock(&pl->mu);
        for (size_t i = i0; i < i0 + k && st == CAIRN_OK; i++)
            st = cairn_ktdir_vrf_output(pl->s->dir, j->p.updates[i].label,
                                        j->p.updates[i].label_len, j->pred[i], j->vrf[i]);
        pthread_mutex_lock(&pl->mu);
        if (st != CAIRN_OK && j->st == CAIRN_OK)
            j->st = st;
        j->done += k;
        if (j->done == j->p.n) {
            ssize_t w;
            do
                w = write(pl->fds[1], "j", 1);
            while (w < 0 && errno == EINTR);
            /* EAGAIN: the pipe is full of wake-ups already. */
        }
    }
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

/* Complete jobs at the head, unlinked in order. */
static kts_job *take_done(kts_pool *pl, bool all)
{
    kts_job *first = NULL, **t = &first;
    pthread_mutex_lock(&pl->mu);
    while (pl->head && (all || pl->head->done == pl->head->p.n)) {
        kts_job *j = pl->head;
        pl->head = j->next;
        if (pl->claim == j)
            pl->claim = j->next;
        j->next = NULL;
        *t = j;
        t = &j->next;
    }
    if (pl->head == NULL)
        pl->tail = &pl->head;
    pthread_mutex_unlock(&pl->mu);
    return first;
}

static void finish(kts_pool *pl, kts_job *list, bool computed)
{
    while (list) {
        kts_job *next = list->next;
        bool ok = computed && list->st == CAIRN_OK && list->done == list->p.n;
        kts__publish_stage(pl->s, list->req, &list->p, ok ? list->pred : NULL,
                           ok ? (const uint8_t(*)[32])list->vrf : NULL);
        job_free(pl->s->ctx, list);
        list = next;
    }
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
    kts_pool *pl = arg;
    char buf[256];
    (void)what;
    while (read(fd, buf, sizeof buf) > 0)
        ;
    finish(pl, take_done(pl, false), true);
}

cairn_status kts__pool_start(kts_server *s)
{
    kts_pool *pl;
    size_t n = s->opt.vrf_threads;
    if (n == 0)
        return CAIRN_OK;
    if (n > KTS_MAX_VRF_THREADS)
        n = KTS_MAX_VRF_THREADS;
    if ((pl = cairn__calloc(s->ctx, 1, sizeof *pl)) == NULL)
        return CAIRN_ERR_NOMEM;
    pl->s = s;
    pl->tail = &pl->head;
    pl->fds[0] = pl->fds[1] = -1;
    if (pthread_mutex_init(&pl->mu, NULL) != 0) {
        cairn__free(s->ctx, pl);
        return CAIRN_ERR_INTERNAL;
    }
    if (pthread_cond_init(&pl->cv, NULL) != 0) {
        pthread_mutex_destroy(&pl->mu);
        cairn__free(s->ctx, pl);
        return CAIRN_ERR_INTERNAL;
    }
    s->pool = pl;
    if (pipe(pl->fds) != 0 || fcntl(pl->fds[0], F_SETFL, O_NONBLOCK) != 0 ||
        fcntl(pl->fds[1], F_SETFL, O_NONBLOCK) != 0 ||
        (pl->ev = event_new(s->base, pl->fds[0], EV_READ | EV_PERSIST, wake_cb, pl)) == NULL ||
        event_add(pl->ev, NULL) != 0)
        return CAIRN_ERR_IO;
    for (; pl->n_th < n; pl->n_th++)
        if (pthread_create(&pl->th[pl->n_th], NULL, worker, pl) != 0)
            return pl->n_th ? CAIRN_OK : CAIRN_ERR_INTERNAL;
    CAIRN_LOGI(s->ctx, "kt", "%zu VRF worker threads", pl->n_th);
    return CAIRN_OK;
}

cairn_status kts__pool_submit(kts_server *s, struct evhttp_request *req,
                              cairn_kts_publish *p)
{
    kts_pool *pl = s->pool;
    kts_job *j = cairn__calloc(s->ctx, 1, sizeof *j);
    if (j == NULL)
        return CAIRN_ERR_NOMEM;
    j->pred = cairn__calloc(s->ctx, p->n, sizeof *j->pred);
    j->vrf = cairn__calloc(s->ctx, p->n, sizeof *j->vrf);
    if (j->pred == NULL || j->vrf == NULL) {
        cairn__free(s->ctx, j->pred);
        cairn__free(s->ctx, j->vrf);
        cairn__free(s->ctx, j);
        return CAIRN_ERR_NOMEM;
    }
    for (size_t i = 0; i < p->n; i++)
        if (cairn_ktdir_next_version(s->dir, p->updates[i].label, p->updates[i].label_len,
                                     &j->pred[i]) != CAIRN_OK)
            j->pred[i] = 0; /* only a wasted prediction */
    j->req = req;
    j->p = *p; /* ownership moves to the job */
    memset(p, 0, sizeof *p);
    pthread_mutex_lock(&pl->mu);
    *pl->tail = j;
    pl->tail = &j->next;
    if (pl->claim == NULL)
        pl->claim = j;
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
    return CAIRN_OK;
}

void kts__pool_stop(kts_server *s)
{
    kts_pool *pl = s->pool;
    if (pl == NULL)
        return;
    pthread_mutex_lock(&pl->mu);
    pl->stop = true;
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
    for (size_t i = 0; i < pl->n_th; i++)
        pthread_join(pl->th[i], NULL);
    pl->n_th = 0;
    /* Requests still queued are staged in order (outputs recomputed
     * where the workers did not finish) so the final commit answers them. */
    finish(pl, take_done(pl, true), true);
    if (pl->ev)
        event_free(pl->ev);
    if (pl->fds[0] >= 0)
        close(pl->fds[0]);
    if (pl->fds[1] >= 0)
        close(pl->fds[1]);
    pthread_cond_destroy(&pl->cv);
    pthread_mutex_destroy(&pl->mu);
    cairn__free(s->ctx, pl);
    s->pool = NULL;
}
