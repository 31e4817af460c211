/*
 * listen.c - what the SIP and MSRP listeners share: parsing "host:port"
 * (an IP literal, IPv6 in brackets; port 0 for an ephemeral one), reading
 * back the port a socket was bound to, and admitting an accepted
 * connection (draining, the listener's connection limit, the address's
 * rate limit and connection cap) before any memory is spent on it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <event2/util.h>

#include "runtime.h"

/* The IP literal as it goes into a URI (IPv6 in brackets). */
static bool uri_host(char *host, size_t cap, const char *ip)
{
    size_t n = strlen(ip);
    bool v6 = strchr(ip, ':') != NULL;
    if (n + 3 > cap)
        return false;
    if (v6) {
        host[0] = '[';
        memcpy(host + 1, ip, n);
        memcpy(host + 1 + n, "]", 2);
    } else {
        memcpy(host, ip, n + 1);
    }
    return true;
}

bool relay__uri_host(char *host, size_t cap, const char *ip)
{
    struct in6_addr a6;
    struct in_addr a4;
    if (inet_pton(AF_INET, ip, &a4) != 1 && inet_pton(AF_INET6, ip, &a6) != 1)
        return false;
    return uri_host(host, cap, ip);
}

bool relay__parse_listen(const char *s, struct sockaddr_storage *ss, int *len, char *host,
                         size_t hcap)
{
    char h[RELAY_STR_MAX];
    snprintf(h, sizeof h, "%s", s);
    char *colon = strrchr(h, ':');
    if (colon == NULL)
        return false;
    *colon = 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end != 0 || end == colon + 1 || port < 0 || port > 65535)
        return false;
    memset(ss, 0, sizeof *ss);
    char *p = h;
    if (p[0] == '[') {
        p++;
        char *rb = strchr(p, ']');
        if (rb == NULL)
            return false;
        *rb = 0;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, p, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *len = sizeof *a4;
    } else if (inet_pton(AF_INET6, p, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *len = sizeof *a6;
    } else {
        return false;
    }
    return host == NULL || uri_host(host, hcap, p);
}

uint16_t relay__bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t l = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &l) != 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

bool relay__accept_admit(relay *r, int fd, const struct sockaddr *sa, int64_t open_now,
                         int64_t max_open, int cap_kind, char addr[48])
{
    int one = 1;
    snprintf(addr, 48, "?");
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, addr, 48);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, addr, 48);
    if (r->draining || open_now >= max_open) {
        r->m.hostile_closed_total++;
        evutil_closesocket(fd);
        return false;
    }
    if (!relay__rl_take(&r->rl_address, addr, strlen(addr), relay__now_ms(), 1.0)) {
        r->m.rate_limited_total++;
        evutil_closesocket(fd);
        return false;
    }
    if (!relay__conncap_take(r, (relay_conncap_kind)cap_kind, addr)) {
        evutil_closesocket(fd); /* max_connections_per_address */
        return false;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return true;
}
