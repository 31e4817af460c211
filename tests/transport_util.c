/*
 * transport_util.c - see transport_util.h. The Kamailio config is read
 * from $CAIRN_SOURCE_DIR (set by ctest) or the build's source dir, and
 * only its substdef lines are rewritten, so the tests run the same file
 * operators deploy.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "transport_util.h"

#ifndef CAIRN_SOURCE_DIR_DEFAULT
#define CAIRN_SOURCE_DIR_DEFAULT "."
#endif

uint16_t tu_free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    uint16_t port = 0;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(0x7f000001);
    if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(s, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (s >= 0)
        close(s);
    return port;
}

const char *tu_kamailio_path(void)
{
    static const char *cands[] = {"/usr/sbin/kamailio", "/usr/local/sbin/kamailio",
                                  "/usr/bin/kamailio"};
    for (size_t i = 0; i < sizeof(cands) / sizeof(cands[0]); i++)
        if (access(cands[i], X_OK) == 0)
            return cands[i];
    return NULL;
}

static bool port_open(uint16_t port)
{
    struct sockaddr_in a;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    bool ok;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(0x7f000001);
    ok = s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0;
    if (s >= 0)
        close(s);
    return ok;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return NULL;
    }
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Replaces the value in a "#!substdef "!NAME!value!g"" line. */
static void subst(FILE *out, const char *line, size_t n, const char *name, const char *value,
                  bool *done)
{
    char pat[64];

    snprintf(pat, sizeof(pat), "\"!%s!", name);
    if (!*done && strncmp(line, "#!substdef", 10) == 0 && memmem(line, n, pat, strlen(pat))) {
        fprintf(out, "#!substdef \"!%s!%s!g\"\n", name, value);
        *done = true;
    }
}

pid_t tu_kamailio_start(const char *dir, uint16_t sip_port, uint16_t msrp_port)
{
    const char *src = getenv("CAIRN_SOURCE_DIR");
    const char *bin = tu_kamailio_path();
    char path[1024], cfgpath[1024], logpath[1024], pidpath[1024], sp[16], mp[16];
    size_t len;
    char *cfg;
    FILE *out;
    pid_t pid;

    if (bin == NULL)
        return -1;
    if (src == NULL)
        src = CAIRN_SOURCE_DIR_DEFAULT;
    snprintf(path, sizeof(path), "%s/server/deploy/kamailio/kamailio.cfg", src);
    cfg = slurp(path, &len);
    if (cfg == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        return -1;
    }
    snprintf(sp, sizeof(sp), "%u", (unsigned)sip_port);
    snprintf(mp, sizeof(mp), "%u", (unsigned)msrp_port);
    snprintf(cfgpath, sizeof(cfgpath), "%s/kamailio.cfg", dir);
    out = fopen(cfgpath, "w");
    if (out == NULL) {
        free(cfg);
        return -1;
    }
    {
        bool d1 = false, d2 = false, d3 = false;
        for (char *p = cfg; *p;) {
            char *e = strchr(p, '\n');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            bool before = d1 || d2 || d3, hit;
            bool o1 = d1, o2 = d2, o3 = d3;
            subst(out, p, n, "CAIRN_SIP_PORT", sp, &d1);
            subst(out, p, n, "CAIRN_MSRP_PORT", mp, &d2);
            subst(out, p, n, "CAIRN_IP", "127.0.0.1", &d3);
            hit = (d1 != o1) || (d2 != o2) || (d3 != o3);
            (void)before;
            if (!hit)
                fprintf(out, "%.*s\n", (int)n, p);
            p += n + (e ? 1 : 0);
        }
    }
    fclose(out);
    free(cfg);
    snprintf(path, sizeof(path), "%s/cairn-users.cfg", dir);
    out = fopen(path, "w");
    if (out == NULL)
        return -1;
    fprintf(out, "event_route[htable:mod-init] {\n"
                 "    $sht(users=>alice) = \"alice-secret\";\n"
                 "    $sht(users=>bob) = \"bob-secret\";\n}\n");
    fclose(out);
    snprintf(logpath, sizeof(logpath), "%s/kamailio.log", dir);
    snprintf(pidpath, sizeof(pidpath), "%s/kamailio.pid", dir);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        setpgid(0, 0);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        if (chdir(dir) != 0)
            _exit(126);
        execl(bin, bin, "-f", cfgpath, "-DD", "-E", "-Y", dir, "-P", pidpath, "-w", dir, "-m", "64",
              "-M", "16", (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    for (int i = 0; i < 300; i++) {
        int stw;
        if (waitpid(pid, &stw, WNOHANG) == pid) {
            fprintf(stderr, "kamailio exited during startup\n");
            tu_dump_log(dir);
            return -1;
        }
        if (port_open(sip_port) && port_open(msrp_port))
            return pid;
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    tu_kamailio_stop(pid);
    return -1;
}

void tu_kamailio_stop(pid_t pid)
{
    int st;

    if (pid <= 0)
        return;
    kill(-pid, SIGTERM);
    for (int i = 0; i < 50; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid) {
            kill(-pid, SIGKILL); /* stragglers in the group */
            return;
        }
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
    }
    kill(-pid, SIGKILL);
    waitpid(pid, &st, 0);
}

void tu_dump_log(const char *dir)
{
    char path[1024];
    size_t len;
    char *log;

    snprintf(path, sizeof(path), "%s/kamailio.log", dir);
    log = slurp(path, &len);
    if (log != NULL) {
        /* the tail is what matters */
        fprintf(stderr, "---- kamailio.log (tail) ----\n%s\n", len > 6000 ? log + len - 6000 : log);
        free(log);
    }
}
