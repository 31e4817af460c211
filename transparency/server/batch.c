/*
 * batch.c - the open batch and its commit (KT-API-7, KT-API-8) and the
 * heartbeat (KT-API-15).
 *
 * State machine of the batch:
 *
 *   closed --first update--> open (timer batch_ms armed)
 *   open --timer | batch_max reached--> commit --> closed
 *
 * A commit writes SQLite (commit hook), signs the head, extends the
 * mirror, and only then answers every parked publish request. Timestamps
 * never go backwards even if the wall clock does. If the directory or the
 * store fails, the server turns read-only (`broken`): the in-memory
 * directory may hold staged updates that are not durable.
 */
#include <jansson.h>
#include <string.h>

#include <event2/buffer.h>

#include "kts_internal.h"

static void free_pending(kts_server *s, kts_pending *p)
{
    for (size_t i = 0; i < p->n; i++)
        cairn__free(s->ctx, p->labels ? p->labels[i] : NULL);
    cairn__free(s->ctx, p->labels);
    cairn__free(s->ctx, p->versions);
    cairn__free(s->ctx, p);
}

static void answer(kts_server *s, kts_pending *p, uint64_t pos, uint64_t ts,
                   uint64_t msize)
{
    json_t *o = json_object(), *arr = json_array();
    char *txt;
    (void)s;
    for (size_t i = 0; i < p->n; i++) {
        json_t *r = json_object();
        json_object_set_new(r, "label", json_string(p->labels[i]));
        json_object_set_new(r, "version", json_integer(p->versions[i]));
        json_array_append_new(arr, r);
    }
    json_object_set_new(o, "position", json_integer((json_int_t)pos));
    json_object_set_new(o, "tree_size", json_integer((json_int_t)pos + 1));
    json_object_set_new(o, "timestamp", json_integer((json_int_t)ts));
    json_object_set_new(o, "mirror_size", json_integer((json_int_t)msize));
    json_object_set_new(o, "results", arr);
    txt = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (txt == NULL) {
        kts__reply_error(p->req, 500, "internal", "out of memory");
        return;
    }
    kts__reply_bytes(p->req, "application/json", (const uint8_t *)txt,
                     strlen(txt), "no-store");
    free(txt); /* jansson's allocator */
}

cairn_status kts__commit(kts_server *s)
{
    int64_t now = cairn__now_ms(s->ctx);
    uint64_t ts = now < 0 ? s->last_ts : (uint64_t)now;
    kts_pending *p, *next;
    cairn_status st;
    bool mirror_ok = true;
    if (ts < s->last_ts)
        ts = s->last_ts;
    if (s->batch_ev)
        event_del(s->batch_ev);
    st = s->broken ? CAIRN_ERR_STATE : cairn_ktdir_commit(s->dir, ts);
    if (st != CAIRN_OK) {
        CAIRN_LOGE(s->ctx, "kt", "commit failed (%s): now read-only",
                   cairn_status_name(st));
        s->broken = true;
    } else {
        s->last_ts = ts;
        s->last_commit_ms = now;
        if (kts__mirror_sync(s) != CAIRN_OK) {
            CAIRN_LOGE(s->ctx, "kt", "mirror append failed: now read-only");
            s->broken = true;
            mirror_ok = false;
        }
    }
    for (p = s->pending; p; p = next) {
        next = p->next;
        if (st != CAIRN_OK)
            kts__reply_error(p->req, 503, "unavailable",
                             "the batch could not be made durable; not published, retry later");
        else if (!mirror_ok)
            kts__reply_error(p->req, 500, "internal",
                             "published in the directory but the mirror append failed");
        else
            answer(s, p, cairn_ktdir_tree_size(s->dir) - 1, ts,
                   cairn_tlog_size(s->mirror));
        free_pending(s, p);
    }
    s->pending = NULL;
    s->pending_tail = &s->pending;
    s->batch_open = false;
    s->batch_updates = 0;
    return st;
}

static void batch_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)kts__commit(arg);
}

void kts__batch_opened(kts_server *s)
{
    struct timeval tv;
    if (s->batch_updates >= s->opt.batch_max) {
        (void)kts__commit(s);
        return;
    }
    if (s->batch_open)
        return;
    s->batch_open = true;
    if (s->batch_ev == NULL)
        s->batch_ev = evtimer_new(s->base, batch_cb, s);
    tv.tv_sec = s->opt.batch_ms / 1000;
    tv.tv_usec = (long)(s->opt.batch_ms % 1000) * 1000;
    if (s->batch_ev)
        evtimer_add(s->batch_ev, &tv);
}

void kts__heartbeat_cb(evutil_socket_t fd, short what, void *arg)
{
    kts_server *s = arg;
    int64_t now = cairn__now_ms(s->ctx);
    (void)fd;
    (void)what;
    if (s->broken || s->batch_open)
        return;
    if (s->last_commit_ms == 0 ||
        now - s->last_commit_ms >= (int64_t)s->opt.heartbeat_s * 1000 - 50) {
        CAIRN_LOGD(s->ctx, "kt", "heartbeat");
        (void)kts__commit(s);
    }
}
