/*
 * metrics.c - Prometheus text exposition (version 0.0.4) of the relay's
 * counters, gauges and two latency histograms. Values are plain numbers
 * kept on the event-loop thread, so formatting needs no locks.
 */
#include <time.h>

#include "relay.h"

/* Upper bounds in seconds: 100 us .. 10 s. */
static const double BOUNDS[RELAY_HIST_BUCKETS] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                  0.005,  0.01,    0.025,  0.05,  0.1,
                                                  0.25,   0.5,     1.0,    10.0};

void relay__hist_add(relay_hist *h, double s)
{
    size_t i = 0;
    while (i < RELAY_HIST_BUCKETS && s > BOUNDS[i])
        i++;
    h->bucket[i]++;
    h->count++;
    h->sum += s;
}

static cairn_status hist(cairn__buf *o, const char *name, const char *help, const relay_hist *h)
{
    cairn_status st = cairn__buf_printf(o, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    uint64_t cum = 0;
    for (size_t i = 0; st == CAIRN_OK && i < RELAY_HIST_BUCKETS; i++) {
        cum += h->bucket[i];
        st = cairn__buf_printf(o, "%s_bucket{le=\"%g\"} %llu\n", name, BOUNDS[i],
                               (unsigned long long)cum);
    }
    if (st == CAIRN_OK)
        st = cairn__buf_printf(o, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name,
                               (unsigned long long)h->count, name, h->sum, name,
                               (unsigned long long)h->count);
    return st;
}

#define C(name, help, v)                                                                          \
    if (st == CAIRN_OK)                                                                           \
    st = cairn__buf_printf(out, "# HELP " name " " help "\n# TYPE " name " counter\n" name " %llu\n", \
                           (unsigned long long)(v))
#define G(name, help, v)                                                                          \
    if (st == CAIRN_OK)                                                                           \
    st = cairn__buf_printf(out, "# HELP " name " " help "\n# TYPE " name " gauge\n" name " %lld\n", \
                           (long long)(v))

cairn_status relay__metrics_format(const relay_metrics *m, cairn__buf *out)
{
    cairn_status st = CAIRN_OK;
    C("cairn_relay_sip_connections_total", "SIP connections accepted", m->sip_connections_total);
    G("cairn_relay_sip_connections", "SIP connections open", m->sip_connections_open);
    G("cairn_relay_sip_registered", "connections bound to a registered device", m->sip_registered);
    C("cairn_relay_http_requests_total", "HTTPS requests", m->http_requests_total);
    C("cairn_relay_messages_queued_total", "message copies stored for devices", m->messages_queued_total);
    C("cairn_relay_messages_delivered_total", "message copies acknowledged by their device",
      m->messages_delivered_total);
    C("cairn_relay_messages_expired_total", "message copies deleted unacknowledged after the TTL",
      m->messages_expired_total);
    C("cairn_relay_messages_rejected_quota_total", "MESSAGEs refused because a queue was full",
      m->messages_rejected_quota);
    G("cairn_relay_queue_depth", "message copies waiting in all queues", m->queue_depth);
    C("cairn_relay_auth_failures_total", "failed authentications", m->auth_failures_total);
    C("cairn_relay_rate_limited_total", "operations refused by a rate limit", m->rate_limited_total);
    C("cairn_relay_prekeys_served_total", "one-time pre-keys handed out", m->prekeys_served_total);
    C("cairn_relay_files_stored_total", "files uploaded", m->files_stored_total);
    C("cairn_relay_commits_total", "group commits", m->commits_total);
    C("cairn_relay_kt_publish_ok_total", "identity keys published to key transparency", m->kt_publish_ok);
    C("cairn_relay_kt_publish_failed_total", "KT publications that failed (retried)", m->kt_publish_failed);
    C("cairn_relay_limit_closed_total", "connections closed for exceeding a limit or timeout",
      m->hostile_closed_total);
    C("cairn_relay_address_cap_closed_total",
      "connections refused at accept: the address already holds max_connections_per_address",
      m->address_cap_closed_total);
    G("cairn_relay_argon2_held", "HTTPS requests waiting for an Argon2id worker", m->argon2_held);
    C("cairn_relay_argon2_busy_total", "HTTPS requests answered 503: the Argon2id queue was full",
      m->argon2_busy_total);
    C("cairn_relay_msrp_sessions_total", "MSRP sessions set up (INVITE answered 200)",
      m->msrp_sessions_total);
    G("cairn_relay_msrp_sessions", "MSRP sessions open", m->msrp_sessions_open);
    G("cairn_relay_msrp_connections", "MSRP connections open", m->msrp_connections_open);
    C("cairn_relay_msrp_messages_total", "complete session-mode messages stored",
      m->msrp_messages_total);
    C("cairn_relay_msrp_refused_total", "MSRP chunks or messages refused", m->msrp_refused_total);
    if (st == CAIRN_OK)
        st = hist(out, "cairn_relay_commit_latency_seconds",
                  "MESSAGE received to 202 Accepted (includes group commit)", &m->commit_latency);
    if (st == CAIRN_OK)
        st = hist(out, "cairn_relay_delivery_latency_seconds",
                  "message stored to acknowledged by an online device", &m->delivery_latency);
    return st;
}

int64_t relay__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double relay__mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
