/*
 * worker.c - Argon2id off the event loop. A few pthreads take relay_jobs
 * (verify a secret against a stored string, or hash a new secret) from a
 * bounded FIFO and put them, finished, on a done list; a relay_wake (one
 * byte down a non-blocking pipe, also defined here and used by the WAL
 * syncer) wakes the loop, which runs each job's done callback.
 *
 *   submit (loop) -> queue --worker--> done list --pipe--> done() (loop)
 *
 * Why: one crypto_pwhash_str_verify with the default cost takes tens of
 * milliseconds and ~19 MiB; on the loop it stalled every connection for
 * that long on each credential-cache miss.
 *
 * Invariants: a job is owned by worker.c from submit until its done
 * callback runs, and by the submitter otherwise; workers touch only their
 * job (and libsodium, which is thread-safe), never the relay; the queue
 * never holds more than auth.argon2_queue jobs (submit says false, the
 * caller answers 503 with Retry-After); every submitted job gets exactly
 * one done call, at shutdown with `cancelled` set if it never ran. Memory:
 * at most argon2_workers verifications run at once, each using
 * argon2_memlimit_kib.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "runtime.h"

struct relay_workers {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    relay_job *qhead, *qtail; /* waiting */
    relay_job *dhead, *dtail; /* finished, for the loop */
    size_t queued, running, max_queue;
    bool stop;
    relay_wake wake;
    pthread_t *threads;
    size_t n_threads;
};

static void run_job(relay_job *j)
{
    size_t sl = strlen(j->secret);
    if (j->kind == RELAY_JOB_VERIFY)
        j->result = crypto_pwhash_str_verify(j->pwhash, j->secret, sl) == 0 ? 0 : -1;
    else
        j->result =
            crypto_pwhash_str(j->pwhash, j->secret, sl, j->opslimit, j->memlimit) == 0 ? 0 : -1;
}

static void *worker_main(void *arg)
{
    struct relay_workers *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->stop && w->qhead == NULL)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->stop)
            break;
        relay_job *j = w->qhead;
        w->qhead = j->next;
        if (w->qhead == NULL)
            w->qtail = NULL;
        w->queued--;
        w->running++;
        pthread_mutex_unlock(&w->mu);

        run_job(j);

        pthread_mutex_lock(&w->mu);
        w->running--;
        j->next = NULL;
        bool wake = w->dhead == NULL;
        if (w->dtail)
            w->dtail->next = j;
        else
            w->dhead = j;
        w->dtail = j;
        if (wake) {
            /* once per empty -> non-empty change of the done list */
            relay__wake_notify(&w->wake);
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Runs the done callbacks of every finished job (loop thread). */
static void drain_done(relay *r)
{
    struct relay_workers *w = r->rt->workers;
    pthread_mutex_lock(&w->mu);
    relay_job *j = w->dhead;
    w->dhead = w->dtail = NULL;
    pthread_mutex_unlock(&w->mu);
    while (j) {
        relay_job *next = j->next;
        j->next = NULL;
        j->done(r, j);
        j = next;
    }
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    relay_wake *w = arg;
    char buf[64];
    (void)what;
    while (read(fd, buf, sizeof buf) > 0) {
    }
    w->fn(w->r);
}

cairn_status relay__wake_open(relay *r, relay_wake *w, void (*fn)(relay *r))
{
    int fds[2];
    w->rd = w->wr = -1;
    w->ev = NULL;
    w->fn = fn;
    w->r = r;
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
        RLOGE("wake_pipe_failed", "errno=%d", errno);
        return CAIRN_ERR_IO;
    }
    w->rd = fds[0];
    w->wr = fds[1];
    w->ev = event_new(r->base, w->rd, EV_READ | EV_PERSIST, on_wake, w);
    if (w->ev == NULL || event_add(w->ev, NULL) != 0)
        return CAIRN_ERR_NOMEM;
    return CAIRN_OK;
}

void relay__wake_notify(relay_wake *w)
{
    char b = 1;
    ssize_t n = write(w->wr, &b, 1);
    (void)n;
}

void relay__wake_close(relay_wake *w)
{
    if (w->ev)
        event_free(w->ev);
    if (w->rd >= 0)
        close(w->rd);
    if (w->wr >= 0)
        close(w->wr);
    w->ev = NULL;
    w->rd = w->wr = -1;
}

cairn_status relay__workers_start(relay *r)
{
    /* The loop's other helper thread, the WAL syncer, starts with the
     * workers (one hook in main.c for both). */
    cairn_status sst = relay__syncer_start(r);
    if (sst != CAIRN_OK)
        return sst;
    struct relay_workers *w = cairn__calloc(r->ctx, 1, sizeof *w);
    if (w == NULL)
        return CAIRN_ERR_NOMEM;
    w->wake.rd = w->wake.wr = -1;
    r->rt->workers = w;
    w->max_queue = (size_t)r->cfg.argon2_queue;
    if (pthread_mutex_init(&w->mu, NULL) != 0)
        return CAIRN_ERR_NOMEM;
    if (pthread_cond_init(&w->cv, NULL) != 0)
        return CAIRN_ERR_NOMEM;
    cairn_status st = relay__wake_open(r, &w->wake, drain_done);
    if (st != CAIRN_OK)
        return st;
    w->threads = cairn__calloc(r->ctx, (size_t)r->cfg.argon2_workers, sizeof(pthread_t));
    if (w->threads == NULL)
        return CAIRN_ERR_NOMEM;
    for (int64_t i = 0; i < r->cfg.argon2_workers; i++) {
        if (pthread_create(&w->threads[i], NULL, worker_main, w) != 0) {
            RLOGE("workers_thread_failed", "n=%lld", (long long)i);
            return CAIRN_ERR_IO;
        }
        w->n_threads++;
    }
    return CAIRN_OK;
}

bool relay__workers_submit(relay *r, relay_job *j)
{
    struct relay_workers *w = r->rt ? r->rt->workers : NULL;
    if (w == NULL || w->n_threads == 0)
        return false;
    bool ok = false;
    j->next = NULL;
    j->cancelled = false;
    j->result = -1;
    pthread_mutex_lock(&w->mu);
    if (!w->stop && w->queued < w->max_queue) {
        if (w->qtail)
            w->qtail->next = j;
        else
            w->qhead = j;
        w->qtail = j;
        w->queued++;
        ok = true;
        pthread_cond_signal(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return ok;
}

size_t relay__workers_busy(const relay *r)
{
    struct relay_workers *w = r->rt ? r->rt->workers : NULL;
    if (w == NULL)
        return 0;
    pthread_mutex_lock(&w->mu);
    size_t n = w->queued + w->running;
    pthread_mutex_unlock(&w->mu);
    return n;
}

void relay__workers_stop(relay *r)
{
    relay__syncer_stop(r);
    struct relay_workers *w = r->rt ? r->rt->workers : NULL;
    if (w == NULL)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    for (size_t i = 0; i < w->n_threads; i++)
        pthread_join(w->threads[i], NULL);
    /* Threads are gone: no lock needed from here. */
    relay_job *q = w->qhead;
    w->qhead = w->qtail = NULL;
    drain_done(r);
    while (q) {
        relay_job *next = q->next;
        q->next = NULL;
        q->cancelled = true;
        q->result = -1;
        q->done(r, q);
        q = next;
    }
    relay__wake_close(&w->wake);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    cairn__free(r->ctx, w->threads);
    cairn__free(r->ctx, w);
    r->rt->workers = NULL;
}
