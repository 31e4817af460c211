/*
 * ua_envelope.c - builder and strict parser of the Cairn CPIM envelope
 * (spec/transport-binding.md BIND-ENV-1..9), on top of cairn_cpim.
 *
 * Invariants: the builder writes nothing in the clear beyond the fields
 * listed in ua_envelope.h; the parser accepts nothing else, resolves the
 * cairn namespace by its URI (whatever prefix the sender chose), and
 * fills the view only after every check passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn/cpim.h"
#include "cairn/ua_envelope.h"
#include "base.h"

struct cairn_ua_envelope_parsed {
    const cairn_context *ctx;
    cairn_cpim_parsed *cpim;
    cairn_ua_envelope view;
    char from[512];
    char to[512];
};

static const char *k_types[] = {NULL, "prekey", "normal", "sender-key", "distribution"};

const char *cairn_ua_envelope_type_name(cairn_ua_envelope_type t)
{
    return (t >= CAIRN_UA_ENV_PREKEY && t <= CAIRN_UA_ENV_DISTRIBUTION) ? k_types[t] : NULL;
}

static bool is_group(cairn_ua_envelope_type t)
{
    return t == CAIRN_UA_ENV_SENDER_KEY || t == CAIRN_UA_ENV_DISTRIBUTION;
}

/* BIND-ENV-5: ids are tokens so they never need quoting or escaping. */
static bool token_ok(const char *s, size_t max)
{
    size_t n = 0;

    if (s == NULL || *s == '\0')
        return false;
    for (; s[n]; n++) {
        char c = s[n];
        if (n >= max ||
            !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == '=' || c == '+' || c == '/'))
            return false;
    }
    return true;
}

static bool uri_ok(const char *s)
{
    size_t n;

    if (s == NULL ||
        (strncmp(s, "sip:", 4) != 0 && strncmp(s, "sips:", 5) != 0 && strncmp(s, "tel:", 4) != 0))
        return false;
    n = strlen(s);
    if (n > 500)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == '<' || s[i] == '>' || s[i] == 0x7f)
            return false;
    return true;
}

cairn_status cairn_ua_envelope_build(const cairn_context *ctx, const cairn_ua_envelope *e,
                                     bool plaintext_imdn, uint8_t **out, size_t *out_len)
{
    char from[520], to[520], dt[40], dev[16];
    cairn_cpim m;
    cairn_cpim_ns ns[1] = {{"cairn", CAIRN_UA_ENVELOPE_NS}};
    cairn_cpim_header x[3];
    size_t nx = 0;
    cairn__buf b;
    cairn_status st;

    if (ctx == NULL || e == NULL || out == NULL || out_len == NULL || !uri_ok(e->from) ||
        !uri_ok(e->to) || !token_ok(e->message_id, CAIRN_UA_ENVELOPE_ID_MAX) ||
        cairn_ua_envelope_type_name(e->type) == NULL || (e->ciphertext == NULL && e->len > 0) ||
        e->len == 0)
        return CAIRN_ERR_INVALID_ARG;
    if (is_group(e->type) != (e->group != NULL) ||
        (is_group(e->type) && (e->device == 0 || e->device > 0x7fffffffu ||
                               !token_ok(e->group, CAIRN_UA_ENVELOPE_GROUP_MAX))))
        return CAIRN_ERR_INVALID_ARG;
    if (plaintext_imdn && e->disposition != NULL && strpbrk(e->disposition, "\r\n") != NULL)
        return CAIRN_ERR_INVALID_ARG;
    snprintf(from, sizeof(from), "<%s>", e->from);
    snprintf(to, sizeof(to), "<%s>", e->to);
    st = cairn_cpim_datetime(e->datetime_ms, dt, sizeof(dt));
    if (st != CAIRN_OK)
        return st;
    memset(&m, 0, sizeof(m));
    m.from = from;
    m.to = to;
    m.datetime = dt;
    m.imdn_message_id = e->message_id;
    /* BIND-ENV-4: in the clear only when the interop option asks */
    if (plaintext_imdn)
        m.imdn_disposition_notification = e->disposition;
    m.ns = ns;
    m.n_ns = 1;
    x[nx++] = (cairn_cpim_header){"cairn", "Type", cairn_ua_envelope_type_name(e->type)};
    if (is_group(e->type)) {
        snprintf(dev, sizeof(dev), "%u", (unsigned)e->device);
        x[nx++] = (cairn_cpim_header){"cairn", "Device", dev};
        x[nx++] = (cairn_cpim_header){"cairn", "Group", e->group};
    }
    m.extra = x;
    m.n_extra = nx;
    m.content_type = CAIRN_UA_ENVELOPE_CT;
    cairn__buf_init(&b, ctx, e->len + 8192);
    st = cairn_cpim_write(&b, &m, e->ciphertext, e->len);
    if (st == CAIRN_OK)
        st = cairn__buf_take(&b, out, out_len);
    cairn__buf_free(&b);
    return st;
}

static cairn_status strip_uri(const char *v, char *out, size_t cap)
{
    const char *u;
    size_t n;

    if (v == NULL || cairn_cpim_addr_uri(v, &u, &n) != CAIRN_OK || n == 0 || n >= cap)
        return CAIRN_ERR_DECODE;
    memcpy(out, u, n);
    out[n] = '\0';
    return uri_ok(out) ? CAIRN_OK : CAIRN_ERR_DECODE;
}

cairn_status cairn_ua_envelope_parse(const cairn_context *ctx, const uint8_t *in, size_t len,
                                     cairn_ua_envelope_parsed **out, const cairn_ua_envelope **view)
{
    cairn_ua_envelope_parsed *p;
    const cairn_cpim *c = NULL;
    const char *prefix = NULL, *type = NULL, *device = NULL, *group = NULL;
    cairn_status st;
    size_t i;

    if (ctx == NULL || (in == NULL && len > 0) || out == NULL || view == NULL)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    *view = NULL;
    p = cairn__calloc(ctx, 1, sizeof(*p));
    if (p == NULL)
        return CAIRN_ERR_NOMEM;
    p->ctx = ctx;
    st = cairn_cpim_parse(ctx, in, len, &p->cpim, &c);
    if (st != CAIRN_OK)
        goto fail;
    st = CAIRN_ERR_DECODE;
    /* BIND-ENV-7: exactly the clear fields of BIND-ENV-1..3 */
    if (c->cc != NULL || c->subject != NULL || c->datetime == NULL || c->imdn_message_id == NULL ||
        !token_ok(c->imdn_message_id, CAIRN_UA_ENVELOPE_ID_MAX) ||
        strip_uri(c->from, p->from, sizeof(p->from)) != CAIRN_OK ||
        strip_uri(c->to, p->to, sizeof(p->to)) != CAIRN_OK)
        goto fail;
    for (i = 0; i < c->n_ns; i++) {
        if (strcmp(c->ns[i].uri, CAIRN_UA_ENVELOPE_NS) == 0) {
            if (prefix != NULL || c->ns[i].prefix == NULL || c->ns[i].prefix[0] == '\0')
                goto fail;
            prefix = c->ns[i].prefix;
        } else if (strcmp(c->ns[i].uri, CAIRN_CPIM_IMDN_NS) != 0) {
            goto fail; /* unknown namespace */
        }
    }
    if (prefix == NULL)
        goto fail;
    for (i = 0; i < c->n_extra; i++) {
        const cairn_cpim_header *h = &c->extra[i];
        const char **slot;
        if (h->prefix == NULL || strcmp(h->prefix, prefix) != 0)
            goto fail;
        if (strcmp(h->name, "Type") == 0)
            slot = &type;
        else if (strcmp(h->name, "Device") == 0)
            slot = &device;
        else if (strcmp(h->name, "Group") == 0)
            slot = &group;
        else
            goto fail;
        if (*slot != NULL)
            goto fail; /* repeated */
        *slot = h->value;
    }
    /* BIND-ENV-6: only the ciphertext part, typed and unencoded */
    if (c->content_type == NULL || strcasecmp(c->content_type, CAIRN_UA_ENVELOPE_CT) != 0 ||
        c->content_disposition != NULL || c->content_id != NULL || c->n_mime_extra != 0 ||
        c->body_len == 0)
        goto fail;
    if (c->content_encoding != NULL) {
        st = CAIRN_ERR_UNSUPPORTED;
        goto fail;
    }
    p->view.type = 0;
    for (int t = CAIRN_UA_ENV_PREKEY; type != NULL && t <= CAIRN_UA_ENV_DISTRIBUTION; t++)
        if (strcmp(type, k_types[t]) == 0)
            p->view.type = (cairn_ua_envelope_type)t;
    if (p->view.type == 0)
        goto fail;
    /* BIND-ENV-3/8: group fields exactly on group types */
    if (is_group(p->view.type)) {
        char *end = NULL;
        unsigned long d;
        if (device == NULL || group == NULL || !token_ok(group, CAIRN_UA_ENVELOPE_GROUP_MAX) ||
            device[0] < '1' || device[0] > '9' || strlen(device) > 10)
            goto fail;
        d = strtoul(device, &end, 10);
        if (end == NULL || *end != '\0' || d == 0 || d > 0x7fffffffUL)
            goto fail;
        p->view.device = (uint32_t)d;
        p->view.group = group;
    } else if (device != NULL || group != NULL) {
        goto fail;
    }
    p->view.from = p->from;
    p->view.to = p->to;
    p->view.message_id = c->imdn_message_id;
    p->view.disposition = c->imdn_disposition_notification;
    p->view.ciphertext = c->body;
    p->view.len = c->body_len;
    {
        /* DateTime must be RFC 3339 as written by cairn_cpim_datetime */
        int y, mo, d, h, mi, s;
        if (sscanf(c->datetime, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6)
            goto fail;
        struct tm tmv;
        memset(&tmv, 0, sizeof(tmv));
        tmv.tm_year = y - 1900;
        tmv.tm_mon = mo - 1;
        tmv.tm_mday = d;
        tmv.tm_hour = h;
        tmv.tm_min = mi;
        tmv.tm_sec = s;
        p->view.datetime_ms = (int64_t)timegm(&tmv) * 1000;
    }
    *out = p;
    *view = &p->view;
    return CAIRN_OK;
fail:
    cairn_ua_envelope_free(p);
    return st;
}

void cairn_ua_envelope_free(cairn_ua_envelope_parsed *p)
{
    if (p == NULL)
        return;
    cairn_cpim_free(p->cpim);
    cairn__free(p->ctx, p);
}
