/*
 * evidence.c - what cairn-audit does when it holds two signed statements
 * that cannot both be true: write both, byte for byte, with a reason into
 * a fresh evidence directory, report it, and stop with exit code 3
 * (KT-AUDIT-6). Also the human / --json status reporter.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit_internal.h"

static void write_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[4096];
    int fd;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    if (write(fd, p, n) != (ssize_t)n) {
        /* reported by the missing file; nothing better to do here */
    }
    (void)fsync(fd);
    close(fd);
}

void kta__evidence(kta *a, const char *reason, const char *a_name,
                   const void *a_data, size_t a_len, const char *b_name,
                   const void *b_data, size_t b_len)
{
    char dir[4096];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    (void)mkdir(a->evidence_dir, 0755);
    snprintf(dir, sizeof dir, "%s/evidence-%lld%03ld", a->evidence_dir,
             (long long)ts.tv_sec, ts.tv_nsec / 1000000);
    (void)mkdir(dir, 0755);
    write_file(dir, "reason.txt", reason, strlen(reason));
    write_file(dir, "server.txt", a->server, strlen(a->server));
    write_file(dir, a_name, a_data, a_len);
    write_file(dir, b_name, b_data, b_len);
    kta__report(a, "evidence", "%s; evidence written to %s", reason, dir);
    a->exit_code = KTA_EXIT_EVIDENCE;
    if (a->base) {
        /* Let a pending HTTP answer (the 409 of /gossip) reach the client. */
        struct timeval tv = {0, 300000};
        event_base_loopexit(a->base, &tv);
    }
}

void kta__report(kta *a, const char *event, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (a->json) {
        char esc[2100];
        size_t o = 0;
        for (size_t i = 0; msg[i] && o < sizeof esc - 8; i++) {
            unsigned char c = (unsigned char)msg[i];
            if (c == '"' || c == '\\') {
                esc[o++] = '\\';
                esc[o++] = (char)c;
            } else if (c < 0x20) {
                o += (size_t)snprintf(esc + o, sizeof esc - o, "\\u%04x", c);
            } else {
                esc[o++] = (char)c;
            }
        }
        esc[o] = 0;
        printf("{\"event\":\"%s\",\"tree_size\":%llu,\"message\":\"%s\"}\n", event,
               (unsigned long long)a->head_size, esc);
    } else {
        printf("cairn-audit: %s: %s\n", event, msg);
    }
    fflush(stdout);
}
