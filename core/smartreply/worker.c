/*
 * worker.c - runs a third-party engine in a forked process that has
 * entered seccomp strict mode (SR-12, SR-13), and talks to it over pipes.
 *
 * Worker life (child side):
 *   fork -> keep only the two pipe ends (fds 0 and 1) -> map the arena ->
 *   [dlopen the .so, call its entry] -> plugin create() from the arena ->
 *   prctl(SECCOMP_MODE_STRICT) -> HELLO -> loop { REQUEST -> suggest()
 *   -> rewind arena -> REPLY } -> syscall(SYS_exit) on EOF or bad frame.
 * In strict mode only read, write, _exit and sigreturn are allowed, so
 * everything the worker needs (arena, frame buffers) exists before the
 * switch and any other system call (open, socket, mmap, brk) kills it.
 *
 * Host side invariants: every wait is bounded by poll() and a monotonic
 * deadline; a worker that is late, dies or sends a malformed frame is
 * killed with SIGKILL and reaped at once (no zombies); SIGPIPE is blocked
 * around writes so a dead worker cannot kill the host.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define HELLO_MAX 64
#define REPLY_MAX 1024
#define REQ_BUF (SR_FRAME_HEADER + SR_FRAME_MAX_PAYLOAD)
#define TEXT_BUF (SR_FRAME_MAX_PAYLOAD + CAIRN_SMARTREPLY_WINDOW)

int64_t smartreply__mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void smartreply__clean_name(char *dst, const char *src, size_t src_len)
{
    size_t k = 0;
    for (size_t i = 0; src != NULL && i < src_len && src[i] && k < 32; i++) {
        char c = src[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '_' || c == '.' || c == '-')
            dst[k++] = c;
    }
    if (k == 0)
        memcpy(dst, "unnamed", (k = 7));
    dst[k] = '\0';
}

/* ---- child side -------------------------------------------------------- */

typedef struct arena {
    uint8_t *base;
    size_t size;
    size_t used;
} arena;

static void *arena_alloc(void *ud, size_t n)
{
    arena *a = ud;
    size_t off = (a->used + 15u) & ~(size_t)15u;
    if (off > a->size || n > a->size - off)
        return NULL;
    a->used = off + n;
    return a->base + off;
}

static void arena_free(void *ud, void *p)
{
    (void)ud;
    (void)p;
}

__attribute__((noreturn)) static void child_exit(void)
{
    /* exit_group is not allowed in strict mode; plain exit is. */
    for (;;)
        syscall(SYS_exit, 0);
}

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void send_hello(uint32_t status, const char *name)
{
    uint8_t f[SR_FRAME_HEADER + 5 + 32];
    size_t nl = name ? strnlen(name, 32) : 0;
    be32(f, SR_FRAME_HELLO);
    be32(f + 4, (uint32_t)(5 + nl));
    be32(f + 8, status);
    f[12] = (uint8_t)nl;
    if (nl)
        memcpy(f + 13, name, nl);
    (void)cairn__write_all(1, f, SR_FRAME_HEADER + 5 + nl);
}

static const cairn_smartreply_plugin *child_plugin(const sr_worker_spec *spec, uint32_t *st)
{
    const cairn_smartreply_plugin *pl = spec->plugin;
    if (pl == NULL) {
        void *h = dlopen(spec->so_path, RTLD_NOW | RTLD_LOCAL);
        void *sym = h ? dlsym(h, CAIRN_SMARTREPLY_PLUGIN_ENTRY) : NULL;
        cairn_smartreply_entry_fn entry;
        if (sym == NULL) {
            *st = CAIRN_ERR_NOT_FOUND;
            return NULL;
        }
        memcpy(&entry, &sym, sizeof(entry));
        pl = entry(CAIRN_SMARTREPLY_ABI_VERSION);
    }
    if (pl == NULL || pl->abi_version != CAIRN_SMARTREPLY_ABI_VERSION ||
        pl->size < sizeof(cairn_smartreply_plugin) || pl->create == NULL || pl->suggest == NULL) {
        *st = CAIRN_ERR_VERSION;
        return NULL;
    }
    return pl;
}

__attribute__((noreturn)) static void child_main(const sr_worker_spec *spec, int rfd, int wfd)
{
    arena a;
    cairn_smartreply_host host;
    const cairn_smartreply_plugin *pl;
    uint8_t *req, *rep;
    char *text;
    void *state = NULL;
    uint32_t st = CAIRN_OK;
    size_t mark;

    /* Only the two pipe ends survive, as fds 0 and 1. */
    rfd = fcntl(rfd, F_DUPFD, 10);
    wfd = fcntl(wfd, F_DUPFD, 10);
    if (rfd < 0 || wfd < 0 || dup2(rfd, 0) != 0 || dup2(wfd, 1) != 1)
        child_exit();
    syscall(SYS_close_range, 2u, ~0u, 0u);
    signal(SIGPIPE, SIG_DFL);

    a.size = spec->arena_bytes;
    a.used = 0;
    a.base = mmap(NULL, a.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (a.base == MAP_FAILED)
        child_exit();
    req = arena_alloc(&a, REQ_BUF);
    rep = arena_alloc(&a, REPLY_MAX);
    text = arena_alloc(&a, TEXT_BUF);
    if (req == NULL || rep == NULL || text == NULL) {
        send_hello(CAIRN_ERR_NOMEM, NULL);
        child_exit();
    }
    memset(&host, 0, sizeof(host));
    host.abi_version = CAIRN_SMARTREPLY_ABI_VERSION;
    host.size = sizeof(host);
    host.ud = &a;
    host.alloc = arena_alloc;
    host.free = arena_free;

    pl = child_plugin(spec, &st);
    if (pl != NULL)
        st = pl->create(&host, spec->model, spec->model_len, &state);
    if (st != CAIRN_OK) {
        send_hello(st, NULL);
        child_exit();
    }
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) != 0) {
        send_hello(CAIRN_ERR_UNSUPPORTED, NULL);
        child_exit();
    }
    send_hello(CAIRN_OK, pl->name);
    mark = a.used;
    for (;;) {
        cairn_smartreply_message msgs[CAIRN_SMARTREPLY_WINDOW];
        cairn_smartreply_output out;
        size_t count = 0, n;
        uint32_t seq = 0, len;
        if (cairn__read_exact(0, req, SR_FRAME_HEADER, CAIRN_ERR_IO) != CAIRN_OK)
            child_exit();
        len = rd32(req + 4);
        if (rd32(req) != SR_FRAME_REQUEST || len > SR_FRAME_MAX_PAYLOAD ||
            cairn__read_exact(0, req + SR_FRAME_HEADER, len, CAIRN_ERR_IO) != CAIRN_OK ||
            smartreply__frame_parse_request(req + SR_FRAME_HEADER, len, &seq, msgs, &count, text) !=
                0)
            child_exit();
        memset(&out, 0, sizeof(out));
        st = pl->suggest(state, msgs, count, &out);
        a.used = mark;
        n = smartreply__frame_reply(rep, seq, st, &out);
        memset(req, 0, SR_FRAME_HEADER + len);
        if (cairn__write_all(1, rep, n) != CAIRN_OK)
            child_exit();
    }
}

/* ---- host side --------------------------------------------------------- */

void smartreply__worker_stop(sr_worker *w)
{
    if (w->pid > 0) {
        int status;
        kill(w->pid, SIGKILL);
        while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
            ;
    }
    if (w->to_child >= 0)
        close(w->to_child);
    if (w->from_child >= 0)
        close(w->from_child);
    w->pid = -1;
    w->to_child = w->from_child = -1;
}

/* Reaps a worker that closed its pipe; returns the killing signal or 0. */
static int reap(sr_worker *w)
{
    int status = 0, sig = 0;
    pid_t r = 0;
    if (w->pid <= 0)
        return 0;
    /* It closed its end, so it is exiting; give it a moment, then force. */
    for (int i = 0; i < 100; i++) {
        r = waitpid(w->pid, &status, WNOHANG);
        if (r == w->pid)
            break;
        if (r < 0 && errno != EINTR)
            break;
        {
            struct timespec ts = {0, 2 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if (r == w->pid) {
        if (WIFSIGNALED(status))
            sig = WTERMSIG(status);
        w->pid = -1;
    }
    smartreply__worker_stop(w);
    return sig;
}

static int remaining(int64_t deadline)
{
    int64_t left = deadline - smartreply__mono_ms();
    return left < 0 ? 0 : (left > 60000 ? 60000 : (int)left);
}

/* 0 ok, 1 timeout, -1 EOF/error. */
static int read_deadline(int fd, uint8_t *p, size_t n, int64_t deadline)
{
    while (n > 0) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int r = poll(&pfd, 1, remaining(deadline));
        ssize_t k;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return 1;
        k = read(fd, p, n);
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int write_deadline(int fd, const uint8_t *p, size_t n, int64_t deadline)
{
    sigset_t pipe_set, old;
    int rc = 0;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    while (n > 0) {
        struct pollfd pfd = {fd, POLLOUT, 0};
        int r = poll(&pfd, 1, remaining(deadline));
        ssize_t k;
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            rc = r == 0 ? 1 : -1;
            break;
        }
        k = write(fd, p, n);
        if (k < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (k <= 0) {
            if (errno == EPIPE && !sigismember(&old, SIGPIPE)) {
                struct timespec zero = {0, 0};
                sigset_t pending;
                sigpending(&pending);
                if (sigismember(&pending, SIGPIPE))
                    sigtimedwait(&pipe_set, NULL, &zero);
            }
            rc = -1;
            break;
        }
        p += k;
        n -= (size_t)k;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

cairn_status smartreply__worker_start(const cairn_context *ctx, const sr_worker_spec *spec,
                                      sr_worker *w, char *name)
{
    int req[2], resp[2];
    uint8_t hello[SR_FRAME_HEADER + HELLO_MAX];
    uint32_t len, st;
    int r;
    pid_t pid;

    w->pid = -1;
    w->to_child = w->from_child = -1;
    w->seq = 0;
    if (pipe2(req, O_CLOEXEC) != 0)
        return CAIRN_ERR_IO;
    if (pipe2(resp, O_CLOEXEC) != 0) {
        close(req[0]);
        close(req[1]);
        return CAIRN_ERR_IO;
    }
    pid = fork();
    if (pid < 0) {
        close(req[0]);
        close(req[1]);
        close(resp[0]);
        close(resp[1]);
        return CAIRN_ERR_IO;
    }
    if (pid == 0)
        child_main(spec, req[0], resp[1]);
    close(req[0]);
    close(resp[1]);
    w->pid = pid;
    w->to_child = req[1];
    w->from_child = resp[0];
    fcntl(w->to_child, F_SETFL, O_NONBLOCK);

    r = read_deadline(w->from_child, hello, SR_FRAME_HEADER,
                      smartreply__mono_ms() + spec->load_timeout_ms);
    if (r != 0) {
        int sig = r < 0 ? reap(w) : (smartreply__worker_stop(w), 0);
        if (sig != 0)
            CAIRN_LOGW(ctx, SR_COMPONENT, "worker died while loading (signal %d)", sig);
        return r > 0 ? CAIRN_ERR_TIMEOUT : CAIRN_ERR_PROTOCOL;
    }
    len = rd32(hello + 4);
    if (rd32(hello) != SR_FRAME_HELLO || len < 5 || len > HELLO_MAX ||
        read_deadline(w->from_child, hello + SR_FRAME_HEADER, len,
                      smartreply__mono_ms() + spec->load_timeout_ms) != 0 ||
        hello[12] != len - 5) {
        smartreply__worker_stop(w);
        return CAIRN_ERR_PROTOCOL;
    }
    st = rd32(hello + 8);
    if (st != CAIRN_OK) {
        (void)reap(w);
        /* Only statuses a plugin may plausibly report are passed on. */
        return st <= CAIRN_ERR_DECLINED ? (cairn_status)st : CAIRN_ERR_INTERNAL;
    }
    smartreply__clean_name(name, (const char *)hello + 13, hello[12]);
    return CAIRN_OK;
}

cairn_status smartreply__worker_call(const cairn_context *ctx, sr_worker *w,
                                     const cairn_smartreply_message *msgs, size_t count,
                                     uint32_t deadline_ms, cairn_smartreply_output *out,
                                     uint32_t *plugin_status, int *killed_by)
{
    uint8_t *req;
    uint8_t rep[SR_FRAME_HEADER + REPLY_MAX];
    int64_t deadline = smartreply__mono_ms() + deadline_ms;
    size_t n;
    uint32_t len, seq;
    int r;

    *killed_by = 0;
    if (w->pid <= 0)
        return CAIRN_ERR_STATE;
    req = cairn__alloc(ctx, REQ_BUF);
    if (req == NULL)
        return CAIRN_ERR_NOMEM;
    n = smartreply__frame_request(req, ++w->seq, msgs, count);
    r = write_deadline(w->to_child, req, n, deadline);
    cairn__free_secret(ctx, req, n);
    if (r == 0)
        r = read_deadline(w->from_child, rep, SR_FRAME_HEADER, deadline);
    if (r == 0) {
        len = rd32(rep + 4);
        if (rd32(rep) != SR_FRAME_REPLY || len > REPLY_MAX) {
            smartreply__worker_stop(w);
            return CAIRN_ERR_PROTOCOL;
        }
        r = read_deadline(w->from_child, rep + SR_FRAME_HEADER, len, deadline);
    }
    if (r > 0) {
        smartreply__worker_stop(w);
        return CAIRN_ERR_TIMEOUT;
    }
    if (r < 0) {
        *killed_by = reap(w);
        return CAIRN_ERR_IO;
    }
    r = smartreply__frame_parse_reply(rep + SR_FRAME_HEADER, len, &seq, plugin_status, out);
    cairn__wipe(rep, sizeof(rep));
    if (r != 0 || seq != w->seq) {
        smartreply__worker_stop(w);
        return CAIRN_ERR_PROTOCOL;
    }
    return CAIRN_OK;
}
