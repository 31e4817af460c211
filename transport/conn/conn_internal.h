/*
 * conn_internal.h - socket helpers shared by the files of cairn_conn.
 */
#ifndef CAIRN_CONN_INTERNAL_H
#define CAIRN_CONN_INTERNAL_H

#include <sys/socket.h>

#include "base.h"
#include "cairn/conn.h"

/* Parses a numeric address into a sockaddr; CAIRN_ERR_INVALID_ARG if not. */
cairn_status conn__sockaddr(const char *ip, uint16_t port, struct sockaddr_storage *ss,
                            socklen_t *len);
/* Sets O_NONBLOCK, FD_CLOEXEC and TCP_NODELAY (signalling wants latency). */
void conn__tune(int fd);
/* Formats a sockaddr as numeric ip and port. */
cairn_status conn__format(const struct sockaddr_storage *ss, char *ip, size_t cap, uint16_t *port);

#endif
