/*
 * transport_util.h - helpers for the transport integration tests and the
 * transport benchmark: free loopback ports, and a stock Kamailio started
 * from server/deploy/kamailio/kamailio.cfg (templated into a temp dir)
 * in the foreground, in its own process group, stopped at the end.
 * No cmocka here so the benchmark can use it too.
 */
#ifndef CAIRN_TRANSPORT_UTIL_H
#define CAIRN_TRANSPORT_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* A port that was free on 127.0.0.1 a moment ago (bind to 0, close). */
uint16_t tu_free_port(void);
/* Path of the kamailio binary, or NULL when it is not installed. */
const char *tu_kamailio_path(void);
/* Templates the config into dir (ports, users alice/bob with passwords
 * "alice-secret"/"bob-secret"), starts kamailio and waits until both
 * ports accept connections (up to 30 s). Returns the pid or -1. */
pid_t tu_kamailio_start(const char *dir, uint16_t sip_port, uint16_t msrp_port);
/* SIGTERM to the process group, SIGKILL after 5 s; reaps. */
void tu_kamailio_stop(pid_t pid);
/* Prints dir/kamailio.log to stderr (on failure). */
void tu_dump_log(const char *dir);

#endif
