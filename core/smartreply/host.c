/*
 * host.c - the cairn_smartreply handle: opt-in, the rules applied before
 * any engine sees text, engines run in-process or sandboxed, deadlines,
 * and validation of what engines return (SR-1..SR-9, SR-11, SR-12).
 *
 * Order of a suggest call (each step may end it):
 *   opt-in (global and conversation)  -> CAIRN_ERR_STATE
 *   latest message from someone else  -> CAIRN_ERR_DECLINED
 *   window of the last 10, sanitised and masked (text.c)
 *   first enabled engine; deadline     -> CAIRN_ERR_TIMEOUT, strike
 *   validate: <= 3, clean UTF-8, one per intent, no duplicate text
 *
 * Invariants: no message or suggestion text is ever logged (only engine
 * names, counts and signals); every buffer that held text is wiped; an
 * engine that misses max_misses deadlines in a row, dies, or breaks the
 * protocol is disabled for the life of the handle and skipped afterwards.
 */
#include <signal.h>
#include <string.h>

#include "internal.h"

typedef struct sr_slot {
    const cairn_smartreply_plugin *plugin; /* in-process engines */
    void *state;
    cairn_smartreply_host services;
    cairn_smartreply_options opt;
    sr_worker worker;          /* sandboxed engines */
    uint8_t *model;            /* kept to restart a killed worker */
    size_t model_len;
    char *so_path;
    char name[33];
    int disabled;
    uint32_t misses;
    uint64_t total_misses;
    uint64_t calls;
} sr_slot;

struct cairn_smartreply {
    cairn_context *ctx;
    sr_optin optin;
    sr_slot slots[SR_MAX_ENGINES];
    size_t n_slots;
};

static void *svc_alloc(void *ud, size_t n)
{
    return cairn__alloc(ud, n);
}

static void svc_free(void *ud, void *p)
{
    cairn__free(ud, p);
}

void cairn_smartreply_options_init(cairn_smartreply_options *o)
{
    if (o == NULL)
        return;
    memset(o, 0, sizeof(*o));
    o->size = sizeof(*o);
    o->deadline_ms = 100;
    o->max_misses = 3;
    o->sandbox = 0;
    o->load_timeout_ms = 5000;
    o->arena_bytes = 16u * 1024u * 1024u;
}

cairn_status cairn_smartreply_create(cairn_context *ctx, cairn_smartreply **out)
{
    cairn_smartreply *sr;
    if (out == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    if (ctx == NULL)
        return CAIRN_ERR_INVALID_ARG;
    sr = cairn__calloc(ctx, 1, sizeof(*sr));
    if (sr == NULL)
        return CAIRN_ERR_NOMEM;
    sr->ctx = ctx;
    *out = sr;
    return CAIRN_OK;
}

static void slot_release(cairn_smartreply *sr, sr_slot *s)
{
    if (s->plugin != NULL && s->state != NULL && s->plugin->destroy != NULL)
        s->plugin->destroy(s->state);
    s->state = NULL;
    if (s->worker.pid > 0 || s->worker.to_child >= 0)
        smartreply__worker_stop(&s->worker);
    cairn__free(sr->ctx, s->model);
    s->model = NULL;
    cairn__free(sr->ctx, s->so_path);
    s->so_path = NULL;
}

void cairn_smartreply_destroy(cairn_smartreply *sr)
{
    if (sr == NULL)
        return;
    for (size_t i = 0; i < sr->n_slots; i++)
        slot_release(sr, &sr->slots[i]);
    smartreply__optin_free(sr->ctx, &sr->optin);
    cairn__free_secret(sr->ctx, sr, sizeof(*sr));
}

static cairn_status read_options(const cairn_smartreply_options *in,
                                 cairn_smartreply_options *o)
{
    cairn_smartreply_options_init(o);
    if (in == NULL)
        return CAIRN_OK;
    if (in->size < offsetof(cairn_smartreply_options, load_timeout_ms) ||
        in->size > sizeof(*o))
        return CAIRN_ERR_INVALID_ARG;
    memcpy(o, in, in->size);
    o->size = sizeof(*o);
    if (o->deadline_ms == 0 || o->deadline_ms > 60000 || o->max_misses == 0 ||
        o->load_timeout_ms == 0 || o->load_timeout_ms > 60000 ||
        o->arena_bytes < 1024u * 1024u || o->arena_bytes > ((size_t)1 << 31))
        return CAIRN_ERR_INVALID_ARG;
    return CAIRN_OK;
}

static cairn_status slot_start_worker(cairn_smartreply *sr, sr_slot *s)
{
    sr_worker_spec spec;
    spec.plugin = s->so_path ? NULL : s->plugin;
    spec.so_path = s->so_path;
    spec.model = s->model;
    spec.model_len = s->model_len;
    spec.arena_bytes = s->opt.arena_bytes;
    spec.load_timeout_ms = s->opt.load_timeout_ms;
    return smartreply__worker_start(sr->ctx, &spec, &s->worker, s->name);
}

static cairn_status add_engine(cairn_smartreply *sr,
                               const cairn_smartreply_plugin *plugin,
                               const char *path, const uint8_t *model,
                               size_t model_len, const cairn_smartreply_options *opt)
{
    sr_slot *s;
    cairn_status st;
    if (sr == NULL || (plugin == NULL && path == NULL) || (model == NULL && model_len > 0))
        return CAIRN_ERR_INVALID_ARG;
    if (sr->n_slots >= SR_MAX_ENGINES)
        return CAIRN_ERR_LIMIT;
    s = &sr->slots[sr->n_slots];
    memset(s, 0, sizeof(*s));
    s->worker.pid = -1;
    s->worker.to_child = s->worker.from_child = -1;
    st = read_options(opt, &s->opt);
    if (st != CAIRN_OK)
        return st;
    if (plugin != NULL) {
        if (plugin->abi_version != CAIRN_SMARTREPLY_ABI_VERSION ||
            plugin->size < sizeof(cairn_smartreply_plugin))
            return CAIRN_ERR_VERSION;
        if (plugin->create == NULL || plugin->suggest == NULL)
            return CAIRN_ERR_INVALID_ARG;
        s->plugin = plugin;
        smartreply__clean_name(s->name, plugin->name,
                               plugin->name ? strlen(plugin->name) : 0);
    } else {
        s->opt.sandbox = 1; /* third-party code never runs in this process */
        s->so_path = cairn__strdup(sr->ctx, path);
        if (s->so_path == NULL)
            return CAIRN_ERR_NOMEM;
    }
    if (!s->opt.sandbox) {
        s->services.abi_version = CAIRN_SMARTREPLY_ABI_VERSION;
        s->services.size = sizeof(s->services);
        s->services.ud = sr->ctx;
        s->services.alloc = svc_alloc;
        s->services.free = svc_free;
        st = plugin->create(&s->services, model, model_len, &s->state);
    } else {
        s->model = cairn__memdup(sr->ctx, model_len ? model : (const uint8_t *)"", model_len);
        s->model_len = model_len;
        st = s->model ? slot_start_worker(sr, s) : CAIRN_ERR_NOMEM;
    }
    if (st != CAIRN_OK) {
        slot_release(sr, s);
        memset(s, 0, sizeof(*s));
        return st;
    }
    sr->n_slots++;
    CAIRN_LOGI(sr->ctx, SR_COMPONENT, "engine '%s' added (%s)", s->name,
               s->opt.sandbox ? "sandboxed" : "in-process");
    return CAIRN_OK;
}

cairn_status cairn_smartreply_add_plugin(cairn_smartreply *sr,
                                         const cairn_smartreply_plugin *plugin,
                                         const uint8_t *model, size_t model_len,
                                         const cairn_smartreply_options *opt)
{
    if (plugin == NULL)
        return CAIRN_ERR_INVALID_ARG;
    return add_engine(sr, plugin, NULL, model, model_len, opt);
}

cairn_status cairn_smartreply_load_plugin(cairn_smartreply *sr, const char *path,
                                          const uint8_t *model, size_t model_len,
                                          const cairn_smartreply_options *opt)
{
    if (path == NULL || path[0] == '\0')
        return CAIRN_ERR_INVALID_ARG;
    return add_engine(sr, NULL, path, model, model_len, opt);
}

cairn_status cairn_smartreply_engine_info_get(const cairn_smartreply *sr, size_t index,
                                              cairn_smartreply_engine_info *info)
{
    const sr_slot *s;
    if (sr == NULL || info == NULL || info->size != sizeof(*info))
        return CAIRN_ERR_INVALID_ARG;
    if (index >= sr->n_slots)
        return CAIRN_ERR_NOT_FOUND;
    s = &sr->slots[index];
    memcpy(info->name, s->name, sizeof(info->name));
    info->sandboxed = s->opt.sandbox != 0;
    info->disabled = s->disabled;
    info->consecutive_misses = s->misses;
    info->total_misses = s->total_misses;
    info->calls = s->calls;
    return CAIRN_OK;
}

/* ---- opt-in --------------------------------------------------------------- */

void cairn_smartreply_set_enabled(cairn_smartreply *sr, int on)
{
    if (sr != NULL)
        sr->optin.global = on ? 1 : 0;
}

int cairn_smartreply_enabled(const cairn_smartreply *sr)
{
    return sr != NULL && sr->optin.global;
}

cairn_status cairn_smartreply_set_conversation(cairn_smartreply *sr,
                                               const uint8_t *conv_id,
                                               size_t conv_id_len, int on)
{
    if (sr == NULL)
        return CAIRN_ERR_INVALID_ARG;
    return smartreply__optin_set(sr->ctx, &sr->optin, conv_id, conv_id_len, on);
}

int cairn_smartreply_conversation_enabled(const cairn_smartreply *sr,
                                          const uint8_t *conv_id, size_t conv_id_len)
{
    return sr != NULL && smartreply__optin_has(&sr->optin, conv_id, conv_id_len);
}

cairn_status cairn_smartreply_optin_export(const cairn_smartreply *sr,
                                           uint8_t **out, size_t *out_len)
{
    if (out != NULL)
        *out = NULL;
    if (sr == NULL || out == NULL || out_len == NULL)
        return CAIRN_ERR_INVALID_ARG;
    return smartreply__optin_export(sr->ctx, &sr->optin, out, out_len);
}

cairn_status cairn_smartreply_optin_import(cairn_smartreply *sr,
                                           const uint8_t *blob, size_t len)
{
    if (sr == NULL || (blob == NULL && len > 0))
        return CAIRN_ERR_INVALID_ARG;
    return smartreply__optin_import(sr->ctx, &sr->optin, blob, len);
}

/* ---- suggest ---------------------------------------------------------- */

static void disable(cairn_smartreply *sr, sr_slot *s, const char *reason, long arg)
{
    s->disabled = 1;
    /* The reason never includes message content: only counts and signals. */
    CAIRN_LOGW(sr->ctx, SR_COMPONENT, "engine '%s' disabled: %s (%ld)", s->name,
               reason, arg);
    if (s->plugin != NULL && s->state != NULL && s->plugin->destroy != NULL)
        s->plugin->destroy(s->state);
    s->state = NULL;
    smartreply__worker_stop(&s->worker);
}

static cairn_status strike(cairn_smartreply *sr, sr_slot *s)
{
    s->misses++;
    s->total_misses++;
    if (s->misses >= s->opt.max_misses)
        disable(sr, s, "missed deadlines in a row", (long)s->misses);
    return CAIRN_ERR_TIMEOUT;
}

/* Runs one engine; on CAIRN_OK *pst is the plugin's own status. */
static cairn_status run_slot(cairn_smartreply *sr, sr_slot *s,
                             const cairn_smartreply_message *msgs, size_t n,
                             cairn_smartreply_output *out, uint32_t *pst)
{
    cairn_status st;
    s->calls++;
    if (!s->opt.sandbox) {
        int64_t t0 = smartreply__mono_ms();
        *pst = (uint32_t)s->plugin->suggest(s->state, msgs, n, out);
        if (smartreply__mono_ms() - t0 > (int64_t)s->opt.deadline_ms)
            return strike(sr, s); /* late: the result is dropped */
    } else {
        int sig = 0;
        if (s->worker.pid <= 0) {
            st = slot_start_worker(sr, s);
            if (st != CAIRN_OK) {
                disable(sr, s, "worker failed to restart", (long)st);
                return CAIRN_ERR_INTERNAL;
            }
        }
        st = smartreply__worker_call(sr->ctx, &s->worker, msgs, n,
                                     s->opt.deadline_ms, out, pst, &sig);
        if (st == CAIRN_ERR_TIMEOUT)
            return strike(sr, s);
        if (st == CAIRN_ERR_IO) {
            disable(sr, s, sig == SIGKILL || sig == SIGSYS
                               ? "worker killed, sandbox violation (signal)"
                               : "worker died (signal)", (long)sig);
            return CAIRN_ERR_INTERNAL;
        }
        if (st == CAIRN_ERR_PROTOCOL) {
            disable(sr, s, "worker broke the protocol", 0);
            return CAIRN_ERR_PROTOCOL;
        }
        if (st != CAIRN_OK)
            return st;
    }
    s->misses = 0;
    return CAIRN_OK;
}

void cairn_smartreply_list_free(cairn_smartreply *sr, cairn_smartreply_list *list)
{
    if (sr == NULL || list == NULL)
        return;
    for (size_t i = 0; i < CAIRN_SMARTREPLY_MAX_SUGGESTIONS; i++)
        if (list->items[i].text != NULL)
            cairn__free_secret(sr->ctx, list->items[i].text, list->items[i].len + 1);
    cairn__free_secret(sr->ctx, list, sizeof(*list));
}

/* SR-9: keep at most 3 clean replies, one per intent, no repeated text. */
static cairn_status build_list(cairn_smartreply *sr, const cairn_smartreply_output *o,
                               cairn_smartreply_list **out)
{
    cairn_smartreply_list *l = cairn__calloc(sr->ctx, 1, sizeof(*l));
    uint32_t n = o->count > CAIRN_SMARTREPLY_MAX_SUGGESTIONS
                     ? CAIRN_SMARTREPLY_MAX_SUGGESTIONS : o->count;
    if (l == NULL)
        return CAIRN_ERR_NOMEM;
    for (uint32_t i = 0; i < n; i++) {
        const char *t = o->replies[i].text;
        size_t len = o->replies[i].len;
        bool dup = false;
        if (len == 0 || len > CAIRN_SMARTREPLY_MAX_REPLY ||
            memchr(t, '\0', len) != NULL || !smartreply__utf8_clean(t, len))
            continue;
        for (size_t j = 0; j < l->count; j++)
            dup |= l->items[j].intent == o->replies[i].intent ||
                   (l->items[j].len == len && memcmp(l->items[j].text, t, len) == 0);
        if (dup)
            continue;
        l->items[l->count].text = cairn__memdup(sr->ctx, t, len);
        if (l->items[l->count].text == NULL) {
            cairn_smartreply_list_free(sr, l);
            return CAIRN_ERR_NOMEM;
        }
        l->items[l->count].len = len;
        l->items[l->count].intent = o->replies[i].intent;
        l->count++;
    }
    *out = l;
    return CAIRN_OK;
}

cairn_status cairn_smartreply_suggest(cairn_smartreply *sr, const uint8_t *conv_id,
                                      size_t conv_id_len,
                                      const cairn_smartreply_message *msgs,
                                      size_t count, cairn_smartreply_list **out)
{
    cairn_smartreply_message window[CAIRN_SMARTREPLY_WINDOW];
    cairn_smartreply_output o;
    char *texts;
    size_t first, n;
    sr_slot *s = NULL;
    uint32_t pst = CAIRN_OK;
    cairn_status st;

    if (out != NULL)
        *out = NULL;
    if (sr == NULL || out == NULL || conv_id == NULL || conv_id_len == 0 ||
        conv_id_len > CAIRN_SMARTREPLY_MAX_CONV_ID || (msgs == NULL && count > 0))
        return CAIRN_ERR_INVALID_ARG;
    for (size_t i = 0; i < count; i++)
        if (msgs[i].text == NULL && msgs[i].len > 0)
            return CAIRN_ERR_INVALID_ARG;
    /* SR-2: both switches, checked before anything looks at the text. */
    if (!sr->optin.global || !smartreply__optin_has(&sr->optin, conv_id, conv_id_len))
        return CAIRN_ERR_STATE;
    /* SR-3: only when the latest message is from someone else. */
    if (count == 0 || msgs[count - 1].from_me)
        return CAIRN_ERR_DECLINED;
    for (size_t i = 0; i < sr->n_slots && s == NULL; i++)
        if (!sr->slots[i].disabled)
            s = &sr->slots[i];
    if (s == NULL)
        return CAIRN_ERR_STATE;

    /* SR-4, SR-5, SR-6: the last 10 messages, text only, masked. */
    first = count > CAIRN_SMARTREPLY_WINDOW ? count - CAIRN_SMARTREPLY_WINDOW : 0;
    n = count - first;
    texts = cairn__alloc(sr->ctx, n * SR_SANITIZE_CAP);
    if (texts == NULL)
        return CAIRN_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        char *t = texts + i * SR_SANITIZE_CAP;
        window[i].len = smartreply__sanitize(msgs[first + i].text, msgs[first + i].len, t);
        window[i].text = t;
        window[i].from_me = msgs[first + i].from_me ? 1 : 0;
    }
    memset(&o, 0, sizeof(o));
    st = run_slot(sr, s, window, n, &o, &pst);
    cairn__free_secret(sr->ctx, texts, n * SR_SANITIZE_CAP);
    if (st == CAIRN_OK) {
        if (pst == CAIRN_OK)
            st = build_list(sr, &o, out);
        else if (pst == CAIRN_ERR_DECLINED || pst == CAIRN_ERR_NOMEM)
            st = (cairn_status)pst;
        else
            st = CAIRN_ERR_INTERNAL;
    }
    cairn__wipe(&o, sizeof(o));
    return st;
}
