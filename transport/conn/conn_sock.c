/*
 * conn_sock.c - the plain socket parts of cairn_conn: numeric address
 * parsing (no DNS: it would block the caller's loop), listening sockets,
 * and socket tuning. Every socket made here is non-blocking and
 * close-on-exec.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include "conn_internal.h"

cairn_status conn__sockaddr(const char *ip, uint16_t port, struct sockaddr_storage *ss,
                            socklen_t *len)
{
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    char tmp[64];
    size_t n;

    if (ip == NULL)
        return CAIRN_ERR_INVALID_ARG;
    memset(ss, 0, sizeof(*ss));
    if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        *len = sizeof(*v4);
        return CAIRN_OK;
    }
    /* accept "[::1]" as well as "::1" */
    n = strlen(ip);
    if (n >= 2 && n < sizeof(tmp) && ip[0] == '[' && ip[n - 1] == ']') {
        memcpy(tmp, ip + 1, n - 2);
        tmp[n - 2] = '\0';
        ip = tmp;
    }
    if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        *len = sizeof(*v6);
        return CAIRN_OK;
    }
    return CAIRN_ERR_INVALID_ARG;
}

void conn__tune(int fd)
{
    int one = 1;

    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

cairn_status conn__format(const struct sockaddr_storage *ss, char *ip, size_t cap, uint16_t *port)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)ss;
        if (inet_ntop(AF_INET, &v4->sin_addr, ip, (socklen_t)cap) == NULL)
            return CAIRN_ERR_INVALID_ARG;
        *port = ntohs(v4->sin_port);
        return CAIRN_OK;
    }
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)ss;
        if (inet_ntop(AF_INET6, &v6->sin6_addr, ip, (socklen_t)cap) == NULL)
            return CAIRN_ERR_INVALID_ARG;
        *port = ntohs(v6->sin6_port);
        return CAIRN_OK;
    }
    return CAIRN_ERR_NETWORK;
}

cairn_status cairn_conn_listen(const char *ip, uint16_t port, int backlog, int *fd, uint16_t *bound)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int s, one = 1;
    char tmp[64];

    if (fd == NULL || conn__sockaddr(ip, port, &ss, &len) != CAIRN_OK)
        return CAIRN_ERR_INVALID_ARG;
    s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0)
        return CAIRN_ERR_NETWORK;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(s, (struct sockaddr *)&ss, len) != 0 || listen(s, backlog > 0 ? backlog : 64) != 0) {
        close(s);
        return CAIRN_ERR_NETWORK;
    }
    if (bound != NULL) {
        len = sizeof(ss);
        if (getsockname(s, (struct sockaddr *)&ss, &len) != 0 ||
            conn__format(&ss, tmp, sizeof(tmp), bound) != CAIRN_OK) {
            close(s);
            return CAIRN_ERR_NETWORK;
        }
    }
    *fd = s;
    return CAIRN_OK;
}

cairn_status cairn_conn_accept(const cairn_context *ctx, const cairn_conn_config *cfg, int lfd,
                               const cairn_conn_callbacks *cb, void *ud, cairn_conn **out)
{
    int fd;

    if (ctx == NULL || out == NULL || lfd < 0)
        return CAIRN_ERR_INVALID_ARG;
    for (;;) {
        fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0)
            break;
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return CAIRN_ERR_NOT_FOUND;
        return CAIRN_ERR_NETWORK;
    }
    return cairn_conn_adopt(ctx, cfg, fd, cb, ud, out);
}
