/*
 * ua_test_util.c - see ua_test_util.h.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn/context.h"
#include "ua_test_util.h"

int64_t ut_clock_offset = 0;

static int64_t clock_hook(void *ud)
{
    struct timespec ts;
    (void)ud;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + ut_clock_offset;
}

cairn_context *ut_context(void)
{
    cairn_context_config cfg;
    cairn_context *ctx = NULL;

    cairn_context_config_init(&cfg);
    cfg.now_ms = clock_hook;
    cfg.log_level = getenv("UA_DEBUG") ? CAIRN_LOG_DEBUG : CAIRN_LOG_ERROR;
    if (cairn_context_create(&cfg, &ctx) != CAIRN_OK)
        abort();
    return ctx;
}

static void on_registered(void *ud, cairn_status st, uint32_t expires)
{
    ut_ep *ep = ud;
    (void)expires;
    if (st == CAIRN_OK)
        ep->registered++;
    else
        ep->reg_err = st;
}

static int on_message(void *ud, const cairn_ua_incoming *m)
{
    ut_ep *ep = ud;
    ep->n_msgs++;
    strncpy(ep->last_ct, m->content_type ? m->content_type : "", sizeof(ep->last_ct) - 1);
    free(ep->last_body);
    ep->last_body = malloc(m->len + 1);
    memcpy(ep->last_body, m->body, m->len);
    ep->last_len = m->len;
    ep->last_mode = m->mode;
    return ep->reply_code ? ep->reply_code : 200;
}

static void on_report(void *ud, const char *id, int status)
{
    ut_ep *ep = ud;
    ep->n_reports++;
    strncpy(ep->last_report_id, id, sizeof(ep->last_report_id) - 1);
    ep->last_report = status;
}

static void on_session(void *ud, cairn_ua_session *s, cairn_ua_session_event ev, cairn_status why)
{
    ut_ep *ep = ud;
    (void)why;
    if (ev == CAIRN_UA_SESSION_ESTABLISHED)
        ep->established++;
    else if (ev == CAIRN_UA_SESSION_CLOSED)
        ep->closed++;
    else
        ep->incoming++;
    ep->last_session = ev == CAIRN_UA_SESSION_CLOSED ? NULL : s;
}

void ut_ep_config(ut_ep *ep, cairn_ua_config *cfg, const char *aor)
{
    memset(ep, 0, sizeof(*ep));
    cairn_ua_config_init(cfg);
    cfg->aor = aor;
    cfg->cb.on_registered = on_registered;
    cfg->cb.on_message = on_message;
    cfg->cb.on_report = on_report;
    cfg->cb.on_session = on_session;
    cfg->ud = ep;
}

void ut_ep_free(ut_ep *ep)
{
    cairn_ua_destroy(ep->ua);
    ep->ua = NULL;
    free(ep->last_body);
    ep->last_body = NULL;
}

bool ut_run(ut_ep **eps, int n, const int *flag, int want, int timeout_ms)
{
    struct timespec t0, t;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        if (flag != NULL && *flag >= want)
            return true;
        for (int i = 0; i < n; i++)
            (void)cairn_ua_run_once(eps[i]->ua, n > 1 ? 2 : 10);
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > timeout_ms)
            return flag == NULL;
    }
}
