/*
 * syncer.c - the fsync of group commits, off the event loop.
 *
 * With synchronous=full the relay used to let SQLite fsync the WAL inside
 * COMMIT, on the loop thread: every connection waited for the disk once per
 * batch. Now, while the syncer runs, the connection is in synchronous=NORMAL
 * (COMMIT only writes the WAL; checkpoints still sync the WAL before and the
 * database after, so the database file is never ahead of a synced WAL) and
 * this thread makes each commit durable with fdatasync() on the WAL file
 * before the batch's answers go out:
 *
 *   loop: COMMIT (WAL written) -> defer(batch, gen=N) -> keeps serving
 *   syncer thread: fdatasync(WAL) covering every commit up to gen N
 *   loop (pipe wake-up): complete batches <= N in order: 202s, committed_max,
 *                        deliveries (batch.c, relay__batch_complete)
 *
 * One fdatasync covers every commit made before it started, so syncs
 * coalesce by themselves under load, and the loop builds the next batches
 * while the disk works.
 *
 * Invariants: RELAY-Q-2 holds unchanged - a batch's 202s and the delivery
 * of its rows wait for an fdatasync that started after its COMMIT
 * returned; batches complete in commit order, so committed_max only grows
 * over durable rows; a failed fdatasync fails (500) every batch it covered,
 * and every later one up to the next successful sync started after the
 * failure is not trusted either (an error may have dropped pages). Outside
 * the message path (relay__tx_commit) and when draining, syncs are inline.
 * The thread touches only the WAL file descriptor and its own fields.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "runtime.h"

typedef struct deferred {
    uint64_t gen;
    relay_batch_result b;
    struct deferred *next;
} deferred;

struct relay_syncer {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool thread_up, stop;
    uint64_t requested, done, fail_upto; /* generations */
    int fd;                              /* the WAL file */
    int stale_fd;                        /* a replaced descriptor, closed at stop */
    char wal[RELAY_STR_MAX + 8];
    relay_wake wake;
    uint64_t next_gen; /* loop-owned from here */
    deferred *head, *tail;
};

/* Opens the WAL anew when SQLite replaced the file (it never does while
 * our connection is open, but a stale descriptor must not pass for a
 * sync). Called with mu held (or before/after the thread). The replaced
 * descriptor stays open until stop: the other side may be syncing it. */
static int wal_fd(struct relay_syncer *s)
{
    struct stat st;
    if (s->fd >= 0 && fstat(s->fd, &st) == 0 && st.st_nlink > 0)
        return s->fd;
    if (s->fd >= 0) {
        if (s->stale_fd >= 0)
            close(s->stale_fd);
        s->stale_fd = s->fd;
    }
    s->fd = open(s->wal, O_RDWR | O_CLOEXEC);
    return s->fd;
}

static int sync_wal(struct relay_syncer *s)
{
    int fd = wal_fd(s);
    if (fd < 0)
        return -1;
    return fdatasync(fd);
}

static void *syncer_main(void *arg)
{
    struct relay_syncer *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        if (s->requested == s->done) {
            pthread_cond_wait(&s->cv, &s->mu);
            continue;
        }
        uint64_t target = s->requested;
        int fd = wal_fd(s);
        pthread_mutex_unlock(&s->mu);
        int rc = fd >= 0 ? fdatasync(fd) : -1;
        pthread_mutex_lock(&s->mu);
        if (rc != 0)
            s->fail_upto = target;
        s->done = target;
        relay__wake_notify(&s->wake);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Completes, in order, every deferred batch whose generation is <= done. */
static void complete_upto(relay *r, uint64_t done, uint64_t fail_upto, bool fail_all)
{
    struct relay_syncer *s = r->rt->syncer;
    while (s->head && s->head->gen <= done) {
        deferred *d = s->head;
        s->head = d->next;
        if (s->head == NULL)
            s->tail = NULL;
        if (fail_all || d->gen <= fail_upto) {
            RLOGE("wal_sync_failed", "gen=%llu errno=%d", (unsigned long long)d->gen, errno);
            d->b.ok = false;
        }
        relay__batch_complete(r, &d->b);
        cairn__free(r->ctx, d);
    }
}

static void on_wake(relay *r)
{
    struct relay_syncer *s = r->rt->syncer;
    pthread_mutex_lock(&s->mu);
    uint64_t done = s->done, fail = s->fail_upto;
    pthread_mutex_unlock(&s->mu);
    complete_upto(r, done, fail, false);
}

bool relay__syncer_running(const relay *r)
{
    return r->rt && r->rt->syncer && r->rt->syncer->thread_up && !r->draining;
}

bool relay__syncer_defer(relay *r, const relay_batch_result *b)
{
    struct relay_syncer *s = r->rt->syncer;
    deferred *d = cairn__calloc(r->ctx, 1, sizeof *d);
    if (d == NULL)
        return false;
    d->gen = ++s->next_gen;
    d->b = *b;
    if (s->tail)
        s->tail->next = d;
    else
        s->head = d;
    s->tail = d;
    pthread_mutex_lock(&s->mu);
    s->requested = d->gen;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    return true;
}

bool relay__syncer_sync_now(relay *r)
{
    struct relay_syncer *s = r->rt ? r->rt->syncer : NULL;
    if (s == NULL || !s->thread_up)
        return true; /* SQLite synced inside COMMIT (synchronous=FULL) */
    pthread_mutex_lock(&s->mu);
    int rc = sync_wal(s);
    pthread_mutex_unlock(&s->mu);
    /* Everything committed so far is durable now (or, on error, not to be
     * trusted): finish the waiting batches before the caller goes on. */
    complete_upto(r, s->next_gen, 0, rc != 0);
    if (rc != 0)
        RLOGE("wal_sync_failed", "errno=%d", errno);
    return rc == 0;
}

cairn_status relay__syncer_start(relay *r)
{
    if (strcmp(r->cfg.synchronous, "full") != 0)
        return CAIRN_OK; /* normal: no fsync per commit at all */
    struct relay_syncer *s = cairn__calloc(r->ctx, 1, sizeof *s);
    if (s == NULL)
        return CAIRN_ERR_NOMEM;
    s->fd = s->stale_fd = s->wake.rd = s->wake.wr = -1;
    r->rt->syncer = s;
    snprintf(s->wal, sizeof s->wal, "%s-wal", r->cfg.db_path);
    if (pthread_mutex_init(&s->mu, NULL) != 0 || pthread_cond_init(&s->cv, NULL) != 0)
        return CAIRN_ERR_NOMEM;
    if (wal_fd(s) < 0) {
        RLOGW("wal_sync_inline", "reason=\"cannot open %s: errno %d\"", s->wal, errno);
        return CAIRN_OK; /* SQLite keeps syncing inside COMMIT */
    }
    /* The WAL's directory entry must be durable too: SQLite synced it when
     * it created the file only if it was asked to. */
    char dir[RELAY_STR_MAX];
    snprintf(dir, sizeof dir, "%s", r->cfg.db_path);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
    int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        if (fsync(dfd) != 0)
            RLOGW("dir_sync_failed", "errno=%d", errno);
        close(dfd);
    }
    cairn_status st = relay__wake_open(r, &s->wake, on_wake);
    if (st != CAIRN_OK)
        return st;
    /* From here COMMIT writes the WAL without syncing it; we sync. Done
     * before the thread exists, with no transaction open. */
    if (!relay__exec(r, "PRAGMA synchronous=NORMAL"))
        return CAIRN_ERR_STORE;
    if (pthread_create(&s->th, NULL, syncer_main, s) != 0) {
        relay__exec(r, "PRAGMA synchronous=FULL");
        return CAIRN_ERR_IO;
    }
    s->thread_up = true;
    return CAIRN_OK;
}

void relay__syncer_stop(relay *r)
{
    struct relay_syncer *s = r->rt ? r->rt->syncer : NULL;
    if (s == NULL)
        return;
    if (s->thread_up) {
        pthread_mutex_lock(&s->mu);
        s->stop = true;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->th, NULL);
        s->thread_up = false;
        /* Make what is still waiting durable, inline, and answer it. */
        int rc = sync_wal(s);
        complete_upto(r, s->next_gen, 0, rc != 0);
        relay__exec(r, "PRAGMA synchronous=FULL");
    }
    relay__wake_close(&s->wake);
    if (s->fd >= 0)
        close(s->fd);
    if (s->stale_fd >= 0)
        close(s->stale_fd);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    cairn__free(r->ctx, s);
    r->rt->syncer = NULL;
}
