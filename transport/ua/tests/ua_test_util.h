/*
 * ua_test_util.h - a small harness shared by the UA tests: a context whose
 * clock can jump forward, an endpoint record with the UA callbacks
 * wired to counters, and a loop that runs several UAs until a condition
 * holds or a generous deadline passes.
 */
#ifndef UA_TEST_UTIL_H
#define UA_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "cairn/ua.h"

typedef struct ut_ep {
    cairn_ua *ua;
    int registered;       /* on_registered(OK) count */
    cairn_status reg_err; /* last registration error */
    int n_msgs;
    char last_ct[128];
    uint8_t *last_body;
    size_t last_len;
    cairn_ua_mode last_mode;
    int reply_code; /* what on_message answers (default 200) */
    int n_reports;
    char last_report_id[64];
    int last_report;
    int established, closed, incoming;
    cairn_ua_session *last_session;
} ut_ep;

extern int64_t ut_clock_offset;

cairn_context *ut_context(void);
void ut_ep_config(ut_ep *ep, cairn_ua_config *cfg, const char *aor);
void ut_ep_free(ut_ep *ep);
/* Runs every UA in eps until *flag >= want or timeout_ms passes; returns
 * true when the condition held. */
bool ut_run(ut_ep **eps, int n, const int *flag, int want, int timeout_ms);

#endif
