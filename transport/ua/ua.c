/*
 * ua.c - the user agent's skeleton: configuration, listeners, SIP flows
 * (outbound to the proxy with reconnect backoff, or accepted), the event
 * loop glue, SIP message dispatch and the request/response builders the
 * other files share.
 *
 * Invariants: objects are freed only in sweep() at the end of
 * cairn_ua_process (never inside a connection callback); every response
 * goes out on the flow its request came in on; out-of-dialog requests go
 * out on the outbound flow; the UA never blocks.
 */
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "cairn/cpim.h"
#include "ua_internal.h"

#define UA_LOG "ua"

static const char *k_wrapped_default =
    "application/vnd.cairn.signal application/im-iscomposing+xml "
    "message/imdn+xml application/vnd.gsma.rcs-ft-http+xml";

void cairn_ua_config_init(cairn_ua_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->register_expires = 600;
    cfg->local_ip = "127.0.0.1";
    cfg->accept_types = "message/cpim";
    cfg->accept_wrapped_types = k_wrapped_default;
    cfg->max_message = (size_t)4 << 20;
    cfg->max_out = (size_t)1 << 20;
}

bool ua__copy(char *dst, size_t cap, const char *p, size_t n)
{
    if (p == NULL || n >= cap) {
        if (cap)
            dst[0] = '\0';
        return p == NULL && cap > 0;
    }
    memcpy(dst, p, n);
    dst[n] = '\0';
    return true;
}

cairn_status ua__token(cairn_ua *ua, char *out)
{
    return cairn_sip_token_new(ua->ctx, out);
}

void ua__report(cairn_ua *ua, const char *id, int status)
{
    if (ua->cfg.cb.on_report != NULL && id != NULL && *id)
        ua->cfg.cb.on_report(ua->cfg.ud, id, status);
}

/* Whitespace-separated list membership, case-insensitive, "*" matches. */
bool ua__type_accepted(const char *list, const char *type, size_t len)
{
    const char *p = list;

    while (len > 0 && (type[len - 1] == ' ' || type[len - 1] == '\t'))
        len--;
    for (size_t i = 0; i < len; i++)
        if (type[i] == ';') { /* parameters do not take part */
            len = i;
            while (len > 0 && type[len - 1] == ' ')
                len--;
            break;
        }
    while (p != NULL && *p) {
        size_t n;
        while (*p == ' ')
            p++;
        n = strcspn(p, " ");
        if (n == 1 && p[0] == '*')
            return true;
        if (n == len && strncasecmp(p, type, n) == 0)
            return true;
        p += n;
    }
    return false;
}

bool ua__type_accepted_slice(const char *list, size_t list_len, const char *type, size_t len)
{
    char tmp[1024];

    if (!ua__copy(tmp, sizeof(tmp), list, list_len))
        return false;
    return ua__type_accepted(tmp, type, len);
}

/* ---- config ---------------------------------------------------------------- */

static cairn_status dup_field(cairn_ua *ua, const char **field)
{
    char *c;

    if (*field == NULL)
        return CAIRN_OK;
    c = cairn__strdup(ua->ctx, *field);
    if (c == NULL) {
        *field = NULL;
        return CAIRN_ERR_NOMEM;
    }
    *field = c;
    return CAIRN_OK;
}

#define UA_STR_FIELDS(X)                                                                           \
    X(aor)                                                                                         \
    X(username) X(password) X(proxy_ip) X(registrar) X(tls_server_name) X(local_ip)                \
        X(msrp_relay_ip) X(accept_types) X(accept_wrapped_types)

static void free_fields(cairn_ua *ua)
{
#define UA_FREE(f)                                                                                 \
    if (ua->cfg.f != NULL) {                                                                       \
        size_t n__ = strlen(ua->cfg.f) + 1;                                                        \
        cairn__free_secret(ua->ctx, (void *)ua->cfg.f, n__);                                       \
        ua->cfg.f = NULL;                                                                          \
    }
    UA_STR_FIELDS(UA_FREE)
#undef UA_FREE
}

cairn_status cairn_ua_create(const cairn_context *ctx, const cairn_ua_config *cfg, cairn_ua **out)
{
    cairn_ua *ua;
    cairn_status st = CAIRN_OK;
    cairn_sip_uri u;

    if (ctx == NULL || cfg == NULL || out == NULL || cfg->aor == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (cfg->tls && (cfg->tls_client == NULL ||
                     ((cfg->sip_listen || cfg->msrp_listen) && cfg->tls_server == NULL)))
        return CAIRN_ERR_INVALID_ARG;
    if (cairn_sip_uri_parse(cfg->aor, strlen(cfg->aor), &u) != CAIRN_OK ||
        u.scheme == CAIRN_SIP_SCHEME_TEL || u.user.len == 0)
        return CAIRN_ERR_INVALID_ARG;
    *out = NULL;
    ua = cairn__calloc(ctx, 1, sizeof(*ua));
    if (ua == NULL)
        return CAIRN_ERR_NOMEM;
    ua->ctx = ctx;
    ua->cfg = *cfg;
    ua->sip_lfd = ua->msrp_lfd = -1;
    ua->reconnect_at = -1;
    ua->reg_refresh_at = -1;
    if (!ua__copy(ua->aor_user, sizeof(ua->aor_user), u.user.p, u.user.len) ||
        !ua__copy(ua->aor_host, sizeof(ua->aor_host), u.host.p, u.host.len)) {
        cairn__free(ctx, ua);
        return CAIRN_ERR_INVALID_ARG;
    }
    if (ua->cfg.local_ip == NULL)
        ua->cfg.local_ip = "127.0.0.1";
    if (ua->cfg.accept_types == NULL)
        ua->cfg.accept_types = "message/cpim";
    if (ua->cfg.accept_wrapped_types == NULL)
        ua->cfg.accept_wrapped_types = k_wrapped_default;
    if (ua->cfg.register_expires == 0)
        ua->cfg.register_expires = 600;
    if (ua->cfg.max_message == 0)
        ua->cfg.max_message = (size_t)4 << 20;
    if (ua->cfg.max_out == 0)
        ua->cfg.max_out = (size_t)1 << 20;
#define UA_DUP(f)                                                                                  \
    if (st == CAIRN_OK)                                                                            \
        st = dup_field(ua, &ua->cfg.f);                                                            \
    else                                                                                           \
        ua->cfg.f = NULL;
    UA_STR_FIELDS(UA_DUP)
#undef UA_DUP
    if (st != CAIRN_OK) {
        cairn_ua_destroy(ua);
        return st;
    }
    cairn_conn_config_init(&ua->conn_cfg_client);
    ua->conn_cfg_client.max_out = ua->cfg.max_out;
    ua->conn_cfg_client.tls = cfg->tls ? cfg->tls_client : NULL;
    ua->conn_cfg_client.server_name = ua->cfg.tls_server_name;
    ua->conn_cfg_server = ua->conn_cfg_client;
    ua->conn_cfg_server.tls = cfg->tls ? cfg->tls_server : NULL;
    ua->conn_cfg_server.server_name = NULL;
    cairn_backoff_init(&ua->backoff, 500, 60000);
    if (cfg->sip_listen)
        st = cairn_conn_listen(ua->cfg.local_ip, cfg->sip_port, 64, &ua->sip_lfd, &ua->sip_port);
    if (st == CAIRN_OK && cfg->msrp_listen)
        st = cairn_conn_listen(ua->cfg.local_ip, cfg->msrp_port, 64, &ua->msrp_lfd, &ua->msrp_port);
    if (st != CAIRN_OK) {
        cairn_ua_destroy(ua);
        return st;
    }
    *out = ua;
    return CAIRN_OK;
}

static void flow_free(ua_flow *f)
{
    cairn_conn_free(f->conn);
    cairn_sip_reader_free(f->reader);
    cairn__free(f->ua->ctx, f);
}

void cairn_ua_destroy(cairn_ua *ua)
{
    if (ua == NULL)
        return;
    while (ua->sessions) {
        cairn_ua_session *s = ua->sessions;
        ua->sessions = s->next;
        ua__session_free(s);
    }
    while (ua->links) {
        ua_msrp *l = ua->links;
        ua->links = l->next;
        ua__msrp_free(l);
    }
    ua__txn_free_all(ua);
    while (ua->flows) {
        ua_flow *f = ua->flows;
        ua->flows = f->next;
        flow_free(f);
    }
    if (ua->sip_lfd >= 0)
        close(ua->sip_lfd);
    if (ua->msrp_lfd >= 0)
        close(ua->msrp_lfd);
    free_fields(ua);
    cairn__free(ua->ctx, ua);
}

uint16_t cairn_ua_sip_port(const cairn_ua *ua)
{
    return ua ? ua->sip_port : 0;
}
uint16_t cairn_ua_msrp_port(const cairn_ua *ua)
{
    return ua ? ua->msrp_port : 0;
}
bool cairn_ua_registered(const cairn_ua *ua)
{
    return ua && ua->registered;
}

/* ---- SIP flows -------------------------------------------------------------- */

static void dispatch(ua_flow *f, cairn_sip_msg *m);

static cairn_status flow_on_data(void *ud, cairn_conn *c, const uint8_t *p, size_t n)
{
    ua_flow *f = ud;
    (void)c;

    while (n > 0) {
        size_t used = 0;
        cairn_sip_msg *m = NULL;
        cairn_status st = cairn_sip_reader_feed(f->reader, p, n, &used, &m);
        if (st != CAIRN_OK) {
            CAIRN_LOGW(f->ua->ctx, UA_LOG, "SIP framing lost: %s", cairn_status_name(st));
            return st;
        }
        p += used;
        n -= used;
        if (m != NULL) {
            dispatch(f, m);
            cairn_sip_msg_free(m);
        }
    }
    return CAIRN_OK;
}

static void flow_on_state(void *ud, cairn_conn *c, cairn_conn_state st, cairn_status why)
{
    ua_flow *f = ud;
    cairn_ua *ua = f->ua;
    (void)c;

    if (st == CAIRN_CONN_OPEN && f->outbound) {
        cairn_backoff_reset(&ua->backoff);
        return;
    }
    if (st != CAIRN_CONN_CLOSED || f->dead)
        return;
    f->dead = true;
    CAIRN_LOGI(ua->ctx, UA_LOG, "SIP flow closed: %s", cairn_status_name(why));
    ua__txn_flow_lost(ua, f);
    ua__session_flow_lost(ua, f);
    if (f == ua->outbound) {
        ua->outbound = NULL;
        if (ua->registered || ua->reg_inflight || ua->cfg.registrar != NULL) {
            ua->registered = false;
            ua->reg_inflight = false;
            if (ua->cfg.cb.on_registered)
                ua->cfg.cb.on_registered(ua->cfg.ud, why == CAIRN_OK ? CAIRN_ERR_NETWORK : why, 0);
        }
        ua->reconnect_at = cairn__now_ms(ua->ctx) + cairn_backoff_next(ua->ctx, &ua->backoff);
    }
}

static const cairn_conn_callbacks k_flow_cb = {flow_on_data, flow_on_state, NULL};

static cairn_status flow_new(cairn_ua *ua, cairn_conn *c, bool outbound, ua_flow **out)
{
    ua_flow *f = cairn__calloc(ua->ctx, 1, sizeof(*f));
    cairn_status st;

    if (f == NULL)
        return CAIRN_ERR_NOMEM;
    f->ua = ua;
    f->outbound = outbound;
    st = cairn_sip_reader_new(ua->ctx, NULL, &f->reader);
    if (st != CAIRN_OK) {
        cairn__free(ua->ctx, f);
        return st;
    }
    f->conn = c;
    if (c != NULL)
        (void)cairn_conn_local_addr(c, f->local_ip, sizeof(f->local_ip), &f->local_port);
    f->next = ua->flows;
    ua->flows = f;
    *out = f;
    return CAIRN_OK;
}

cairn_status ua__outbound(cairn_ua *ua, ua_flow **out)
{
    cairn_conn_config cc = ua->conn_cfg_client;
    cairn_conn *c;
    ua_flow *f;
    cairn_status st;

    if (ua->outbound != NULL) {
        *out = ua->outbound;
        return CAIRN_OK;
    }
    if (ua->cfg.proxy_ip == NULL || ua->cfg.proxy_port == 0)
        return CAIRN_ERR_STATE;
    if (ua->cfg.keepalive_s > 0) {
        cc.keepalive = CAIRN_CONN_KA_CRLF;
        cc.keepalive_ms = (int64_t)ua->cfg.keepalive_s * 1000;
    }
    st = flow_new(ua, NULL, true, &f);
    if (st != CAIRN_OK)
        return st;
    st = cairn_conn_connect(ua->ctx, &cc, ua->cfg.proxy_ip, ua->cfg.proxy_port, &k_flow_cb, f, &c);
    if (st != CAIRN_OK) {
        f->dead = true;
        return st;
    }
    f->conn = c;
    (void)cairn_conn_local_addr(c, f->local_ip, sizeof(f->local_ip), &f->local_port);
    ua->outbound = f;
    *out = f;
    return CAIRN_OK;
}

cairn_status cairn_ua_start(cairn_ua *ua)
{
    ua_flow *f;
    cairn_status st;

    if (ua == NULL)
        return CAIRN_ERR_INVALID_ARG;
    if (ua->cfg.proxy_ip == NULL)
        return CAIRN_OK;
    st = ua__outbound(ua, &f);
    if (st == CAIRN_OK && ua->cfg.registrar != NULL)
        st = ua__register(ua);
    return st;
}

cairn_status ua__flow_send(ua_flow *f, const cairn_sip_msg *m)
{
    cairn__buf b;
    cairn_status st;

    if (f == NULL || f->dead || f->conn == NULL)
        return CAIRN_ERR_STATE;
    cairn__buf_init(&b, f->ua->ctx,
                    CAIRN_SIP_DEFAULT_MAX_HEADER_BYTES + CAIRN_SIP_DEFAULT_MAX_BODY);
    st = cairn_sip_msg_serialize(m, &b);
    if (st == CAIRN_OK)
        st = cairn_conn_send(f->conn, b.data, b.len);
    cairn__buf_free(&b);
    return st;
}

/* ---- builders ---------------------------------------------------------------- */

static const char *transport_token(const cairn_ua *ua, bool upper)
{
    if (ua->cfg.tls)
        return upper ? "TLS" : "tls";
    return upper ? "TCP" : "tcp";
}

static cairn_status add_contact(cairn_ua *ua, ua_flow *f, cairn_sip_msg *m)
{
    uint16_t port = ua->sip_lfd >= 0 ? ua->sip_port : f->local_port;
    const char *ip = ua->sip_lfd >= 0 ? ua->cfg.local_ip : f->local_ip;

    return cairn_sip_msg_header_addf(m, "Contact", "<sip:%s@%s:%u;transport=%s>", ua->aor_user, ip,
                                     (unsigned)port, transport_token(ua, false));
}

cairn_status ua__request(cairn_ua *ua, ua_flow *f, const char *method, const char *ruri,
                         const char *from_uri, const char *from_tag, const char *to_uri,
                         const char *to_tag, const char *call_id, uint32_t cseq, const char *branch,
                         cairn_sip_msg **out)
{
    cairn_sip_msg *m = NULL;
    cairn_status st = cairn_sip_msg_new_request(ua->ctx, method, ruri, &m);

    if (st == CAIRN_OK)
        st = cairn_sip_msg_header_addf(m, "Via", "SIP/2.0/%s %s:%u;branch=%s;rport",
                                       transport_token(ua, true), f->local_ip,
                                       (unsigned)f->local_port, branch);
    if (st == CAIRN_OK)
        st = cairn_sip_msg_header_add(m, "Max-Forwards", "70");
    if (st == CAIRN_OK)
        st = cairn_sip_msg_header_addf(m, "From", "<%s>;tag=%s", from_uri, from_tag);
    if (st == CAIRN_OK)
        st = to_tag && *to_tag ? cairn_sip_msg_header_addf(m, "To", "<%s>;tag=%s", to_uri, to_tag)
                               : cairn_sip_msg_header_addf(m, "To", "<%s>", to_uri);
    if (st == CAIRN_OK)
        st = cairn_sip_msg_header_add(m, "Call-ID", call_id);
    if (st == CAIRN_OK)
        st = cairn_sip_msg_header_addf(m, "CSeq", "%u %s", (unsigned)cseq, method);
    if (st == CAIRN_OK && (strcmp(method, "INVITE") == 0 || strcmp(method, "REGISTER") == 0))
        st = add_contact(ua, f, m);
    if (st != CAIRN_OK) {
        cairn_sip_msg_free(m);
        return st;
    }
    *out = m;
    return CAIRN_OK;
}

cairn_status ua__respond(cairn_ua *ua, ua_flow *f, const cairn_sip_msg *req, int code,
                         const char *to_tag, const char *ct, const void *body, size_t len,
                         const char *extra_name, const char *extra_value)
{
    cairn_sip_msg *r = NULL;
    cairn_status st = cairn_sip_msg_new_response(ua->ctx, code, NULL, &r);
    size_t i, nvia = cairn_sip_msg_header_count(req, "Via");
    cairn_sip_str tag;
    const char *to = cairn_sip_msg_header(req, "To", 0);

    for (i = 0; st == CAIRN_OK && i < nvia; i++)
        st = cairn_sip_msg_header_add(r, "Via", cairn_sip_msg_header(req, "Via", i));
    if (st == CAIRN_OK)
        st = cairn_sip_msg_header_add(r, "From", cairn_sip_msg_header(req, "From", 0));
    if (st == CAIRN_OK && to != NULL) {
        if (cairn_sip_msg_tag(req, "To", &tag) == CAIRN_OK && tag.len == 0 && to_tag != NULL &&
            code > 100)
            st = cairn_sip_msg_header_addf(r, "To", "%s;tag=%s", to, to_tag);
        else
            st = cairn_sip_msg_header_add(r, "To", to);
    }
    if (st == CAIRN_OK)
        st = cairn_sip_msg_header_add(r, "Call-ID", cairn_sip_msg_header(req, "Call-ID", 0));
    if (st == CAIRN_OK)
        st = cairn_sip_msg_header_add(r, "CSeq", cairn_sip_msg_header(req, "CSeq", 0));
    /* a dialog-creating 2xx echoes Record-Route and names our target */
    if (st == CAIRN_OK && code >= 200 && code < 300 &&
        cairn_sip_msg_method_id(req) == CAIRN_SIP_INVITE) {
        for (i = 0; st == CAIRN_OK && i < cairn_sip_msg_header_count(req, "Record-Route"); i++)
            st = cairn_sip_msg_header_add(r, "Record-Route",
                                          cairn_sip_msg_header(req, "Record-Route", i));
        if (st == CAIRN_OK)
            st = add_contact(ua, f, r);
    }
    if (st == CAIRN_OK && extra_name != NULL)
        st = cairn_sip_msg_header_add(r, extra_name, extra_value);
    if (st == CAIRN_OK && len > 0)
        st = cairn_sip_msg_body_set(r, ct, body, len);
    if (st == CAIRN_OK)
        st = ua__flow_send(f, r);
    cairn_sip_msg_free(r);
    return st;
}

/* ---- dispatch ------------------------------------------------------------------ */

static void dispatch(ua_flow *f, cairn_sip_msg *m)
{
    cairn_ua *ua = f->ua;

    if (!cairn_sip_msg_is_request(m)) {
        ua__txn_response(ua, m);
        return;
    }
    if (cairn_sip_msg_header(m, "Via", 0) == NULL ||
        cairn_sip_msg_header(m, "Call-ID", 0) == NULL ||
        cairn_sip_msg_header(m, "From", 0) == NULL || cairn_sip_msg_header(m, "To", 0) == NULL ||
        cairn_sip_msg_header(m, "CSeq", 0) == NULL) {
        if (cairn_sip_msg_method_id(m) != CAIRN_SIP_ACK && cairn_sip_msg_header(m, "Via", 0))
            (void)ua__respond(ua, f, m, 400, NULL, NULL, NULL, 0, NULL, NULL);
        return;
    }
    switch (cairn_sip_msg_method_id(m)) {
    case CAIRN_SIP_MESSAGE:
        ua__pager_incoming(ua, f, m);
        break;
    case CAIRN_SIP_INVITE: {
        cairn_sip_str tag;
        if (cairn_sip_msg_tag(m, "To", &tag) == CAIRN_OK && tag.len > 0)
            (void)ua__respond(ua, f, m, 488, NULL, NULL, NULL, 0, NULL, NULL); /* no re-INVITE */
        else
            ua__session_invite(ua, f, m);
        break;
    }
    case CAIRN_SIP_ACK:
        ua__session_ack(ua, m);
        break;
    case CAIRN_SIP_BYE:
        ua__session_bye(ua, f, m);
        break;
    case CAIRN_SIP_OPTIONS:
        (void)ua__respond(ua, f, m, 200, NULL, NULL, NULL, 0, "Accept", ua->cfg.accept_types);
        break;
    case CAIRN_SIP_CANCEL:
        (void)ua__respond(ua, f, m, 481, NULL, NULL, NULL, 0, NULL, NULL);
        break;
    default:
        (void)ua__respond(ua, f, m, 405, NULL, NULL, NULL, 0, "Allow",
                          "INVITE, ACK, BYE, MESSAGE, OPTIONS");
        break;
    }
}

/* ---- loop ---------------------------------------------------------------------- */

size_t cairn_ua_pollfds(cairn_ua *ua, cairn_ua_pollfd *out, size_t cap)
{
    size_t n = 0;
    ua_flow *f;
    ua_msrp *l;

    if (ua == NULL)
        return 0;
#define UA_PUSH(fd_, ev_)                                                                          \
    do {                                                                                           \
        if (n < cap) {                                                                             \
            out[n].fd = (fd_);                                                                     \
            out[n].events = (ev_);                                                                 \
        }                                                                                          \
        n++;                                                                                       \
    } while (0)
    if (ua->sip_lfd >= 0)
        UA_PUSH(ua->sip_lfd, CAIRN_CONN_EV_READ);
    if (ua->msrp_lfd >= 0)
        UA_PUSH(ua->msrp_lfd, CAIRN_CONN_EV_READ);
    for (f = ua->flows; f; f = f->next)
        if (!f->dead && f->conn && cairn_conn_fd(f->conn) >= 0)
            UA_PUSH(cairn_conn_fd(f->conn), cairn_conn_events(f->conn));
    for (l = ua->links; l; l = l->next)
        if (!l->dead && l->conn && cairn_conn_fd(l->conn) >= 0)
            UA_PUSH(cairn_conn_fd(l->conn), cairn_conn_events(l->conn));
#undef UA_PUSH
    return n;
}

static void sweep(cairn_ua *ua)
{
    ua_flow **fp = &ua->flows;
    ua_msrp **lp = &ua->links;
    cairn_ua_session **sp = &ua->sessions;

    while (*sp) {
        cairn_ua_session *s = *sp;
        if (s->state == UA_SESS_CLOSED && s->announced_closed) {
            *sp = s->next;
            ua__session_free(s);
        } else {
            sp = &s->next;
        }
    }
    while (*lp) {
        ua_msrp *l = *lp;
        if (l->dead) {
            *lp = l->next;
            ua__msrp_free(l);
        } else {
            lp = &l->next;
        }
    }
    while (*fp) {
        ua_flow *f = *fp;
        if (f->dead) {
            *fp = f->next;
            flow_free(f);
        } else {
            fp = &f->next;
        }
    }
}

static void timers(cairn_ua *ua)
{
    int64_t now = cairn__now_ms(ua->ctx), next = -1;
    ua_flow *f;
    ua_msrp *l;
    cairn_ua_session *s;

    for (f = ua->flows; f; f = f->next)
        if (!f->dead && f->conn) {
            int64_t d = cairn_conn_deadline(f->conn);
            if (d >= 0 && d <= now)
                (void)cairn_conn_process(f->conn, 0);
        }
    for (l = ua->links; l; l = l->next)
        if (!l->dead && l->conn) {
            int64_t d = cairn_conn_deadline(l->conn);
            if (d >= 0 && d <= now)
                (void)cairn_conn_process(l->conn, 0);
        }
    for (s = ua->sessions; s; s = s->next) {
        if (s->reasm)
            (void)cairn_msrp_reasm_expire(s->reasm, 120000);
        if (s->state == UA_SESS_OPEN)
            ua__msrp_expire(s, now);
    }
    ua__txn_timers(ua, now, &next);
    ua__register_timers(ua, now, &next);
    if (ua->reconnect_at >= 0 && now >= ua->reconnect_at) {
        ua->reconnect_at = -1;
        if (ua->outbound == NULL)
            (void)cairn_ua_start(ua);
    }
}

cairn_status cairn_ua_process(cairn_ua *ua, int fd, unsigned revents)
{
    ua_flow *f;
    ua_msrp *l;

    if (ua == NULL)
        return CAIRN_ERR_INVALID_ARG;
    ua->in_process = true;
    if (fd >= 0 && fd == ua->sip_lfd) {
        for (int i = 0; i < 16; i++) {
            ua_flow *nf;
            cairn_status st;
            if (flow_new(ua, NULL, false, &nf) != CAIRN_OK)
                break;
            st = cairn_conn_accept(ua->ctx, &ua->conn_cfg_server, ua->sip_lfd, &k_flow_cb, nf,
                                   &nf->conn);
            if (st != CAIRN_OK) {
                nf->dead = true;
                break;
            }
            (void)cairn_conn_local_addr(nf->conn, nf->local_ip, sizeof(nf->local_ip),
                                        &nf->local_port);
        }
    } else if (fd >= 0 && fd == ua->msrp_lfd) {
        for (int i = 0; i < 16; i++)
            if (ua__msrp_adopt(ua, ua->msrp_lfd) != CAIRN_OK)
                break;
    } else if (fd >= 0) {
        for (f = ua->flows; f; f = f->next)
            if (!f->dead && f->conn && cairn_conn_fd(f->conn) == fd) {
                (void)cairn_conn_process(f->conn, revents);
                break;
            }
        if (f == NULL)
            for (l = ua->links; l; l = l->next)
                if (!l->dead && l->conn && cairn_conn_fd(l->conn) == fd) {
                    (void)cairn_conn_process(l->conn, revents);
                    if (l->s != NULL && !l->dead)
                        ua__msrp_pump(l->s);
                    break;
                }
    }
    timers(ua);
    /* connections that closed inside process */
    for (f = ua->flows; f; f = f->next)
        if (!f->dead && f->conn && cairn_conn_get_state(f->conn) == CAIRN_CONN_CLOSED)
            flow_on_state(f, f->conn, CAIRN_CONN_CLOSED, cairn_conn_error(f->conn));
    sweep(ua);
    ua->in_process = false;
    return CAIRN_OK;
}

int64_t cairn_ua_deadline(cairn_ua *ua)
{
    int64_t d = -1, t;
    ua_flow *f;
    ua_msrp *l;
    ua_txn *x;

#define UA_MIN(v)                                                                                  \
    do {                                                                                           \
        t = (v);                                                                                   \
        if (t >= 0 && (d < 0 || t < d))                                                            \
            d = t;                                                                                 \
    } while (0)
    if (ua == NULL)
        return -1;
    for (f = ua->flows; f; f = f->next)
        if (!f->dead && f->conn)
            UA_MIN(cairn_conn_deadline(f->conn));
    for (l = ua->links; l; l = l->next)
        if (!l->dead && l->conn)
            UA_MIN(cairn_conn_deadline(l->conn));
    for (x = ua->txns; x; x = x->next)
        if (!x->done)
            UA_MIN(x->deadline);
    UA_MIN(ua->reg_refresh_at);
    UA_MIN(ua->reconnect_at);
    for (cairn_ua_session *s = ua->sessions; s; s = s->next)
        for (ua_out_msg *m = s->out_head; m; m = m->next)
            if (m->started)
                UA_MIN(m->last_progress + UA__REPORT_TIMEOUT_MS);
#undef UA_MIN
    return d;
}

cairn_status cairn_ua_run_once(cairn_ua *ua, int timeout_ms)
{
    cairn_ua_pollfd fds[64];
    struct pollfd pfd[64];
    size_t n, i;
    int64_t d, now;
    int rc;

    if (ua == NULL)
        return CAIRN_ERR_INVALID_ARG;
    n = cairn_ua_pollfds(ua, fds, 64);
    if (n > 64)
        n = 64;
    for (i = 0; i < n; i++) {
        pfd[i].fd = fds[i].fd;
        pfd[i].events = (short)(((fds[i].events & CAIRN_CONN_EV_READ) ? POLLIN : 0) |
                                ((fds[i].events & CAIRN_CONN_EV_WRITE) ? POLLOUT : 0));
        pfd[i].revents = 0;
    }
    d = cairn_ua_deadline(ua);
    now = cairn__now_ms(ua->ctx);
    if (d >= 0 && d - now < timeout_ms)
        timeout_ms = d <= now ? 0 : (int)(d - now);
    rc = poll(pfd, n, timeout_ms);
    if (rc > 0)
        for (i = 0; i < n; i++) {
            unsigned ev = 0;
            if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
                ev |= CAIRN_CONN_EV_READ;
            if (pfd[i].revents & (POLLOUT | POLLERR))
                ev |= CAIRN_CONN_EV_WRITE;
            if (ev)
                (void)cairn_ua_process(ua, pfd[i].fd, ev);
        }
    return cairn_ua_process(ua, -1, 0);
}
