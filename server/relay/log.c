/*
 * log.c - structured logs: one line per event on stderr,
 * "ts=<ISO 8601> level=<lvl> event=<name> key=value...". Callers pass
 * identifiers, counts and reasons only: never message bodies, secrets or
 * key material (reviewed at each call site; the format takes no body).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "relay.h"

static relay_log_level g_level = RLOG_INFO;
static const char *const NAMES[] = {"error", "warn", "info", "debug"};

void relay__log_set_level(relay_log_level l) { g_level = l; }

bool relay__log_parse_level(const char *s, relay_log_level *out)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(s, NAMES[i]) == 0) {
            *out = (relay_log_level)i;
            return true;
        }
    return false;
}

void relay__log(relay_log_level l, const char *event, const char *fmt, ...)
{
    char line[1024];
    char ts[32];
    struct timespec now;
    struct tm tm;
    va_list ap;
    int n;

    if (l > g_level)
        return;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    n = snprintf(line, sizeof line, "ts=%s.%03ldZ level=%s event=%s", ts, now.tv_nsec / 1000000,
                 NAMES[l], event);
    if (n > 0 && (size_t)n < sizeof line && fmt && fmt[0]) {
        line[n++] = ' ';
        va_start(ap, fmt);
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
        va_end(ap);
    }
    fprintf(stderr, "%s\n", line);
}
