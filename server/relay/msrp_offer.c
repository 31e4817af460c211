/*
 * msrp_offer.c - the pure parts of MSRP session mode, kept free of the
 * event loop and the database so the fuzz target (fuzz_relay_msrp.c)
 * reaches them: the check of a device's SDP offer, the SDP answer, path
 * comparison, and the message id a stored copy inherits from a CPIM body.
 *
 * Every input here comes from the network. Bounds: the SDP body at most
 * RELAY_MSRP_SDP_MAX bytes and the cairn_sdp caps, a=path at most
 * CAIRN_MSRP_PATH_MAX URIs and RELAY_MSRP_PATH_MAX bytes, CPIM bodies go
 * through the hardened cairn_cpim reader (4 MiB, 64 headers).
 */
#include <string.h>

#include "cairn/cpim.h"
#include "cairn/sdp.h"
#include "msrp_internal.h"

/* Whether a space-separated type list names t (or '*'). */
static bool type_listed(cairn_sdp_str list, const char *t)
{
    size_t tl = strlen(t), i = 0;
    while (i < list.len) {
        while (i < list.len && list.p[i] == ' ')
            i++;
        size_t s = i;
        while (i < list.len && list.p[i] != ' ')
            i++;
        size_t n = i - s;
        if ((n == 1 && list.p[s] == '*') || (n == tl && strncasecmp(list.p + s, t, tl) == 0))
            return true;
    }
    return false;
}

bool relay__msrp_path_equal(const char *a, const char *b)
{
    cairn_msrp_uri ua[CAIRN_MSRP_PATH_MAX], ub[CAIRN_MSRP_PATH_MAX];
    size_t na = 0, nb = 0;
    if (a == NULL || b == NULL ||
        cairn_msrp_path_parse(a, ua, CAIRN_MSRP_PATH_MAX, &na) != CAIRN_OK ||
        cairn_msrp_path_parse(b, ub, CAIRN_MSRP_PATH_MAX, &nb) != CAIRN_OK || na != nb || na == 0)
        return false;
    for (size_t i = 0; i < na; i++)
        if (!cairn_msrp_uri_equal(&ua[i], &ub[i]))
            return false;
    return true;
}

int relay__msrp_offer_check(const cairn_context *ctx, const uint8_t *sdp, size_t len, char *path,
                            size_t cap)
{
    cairn_sdp *s = NULL;
    cairn_sdp_msrp m;
    cairn_msrp_uri u[CAIRN_MSRP_PATH_MAX];
    size_t idx, n = 0;
    int code = 488;

    if (sdp == NULL || len == 0 || len > RELAY_MSRP_SDP_MAX || cap == 0)
        return 400;
    if (cairn_sdp_parse(ctx, NULL, sdp, len, &s) != CAIRN_OK)
        return 400;
    if (cairn_sdp_msrp_find(s, &idx) != CAIRN_OK || cairn_sdp_msrp_get(s, idx, &m) != CAIRN_OK)
        goto out;
    /* RELAY-TLS-1: no cleartext MSRP; the relay is passive (RELAY-MSRP-2). */
    if (!m.tls || m.setup == CAIRN_SDP_SETUP_PASSIVE || m.setup == CAIRN_SDP_SETUP_HOLDCONN)
        goto out;
    if (m.path.len == 0 || m.path.len >= cap || m.path.len > RELAY_MSRP_PATH_MAX)
        goto out;
    memcpy(path, m.path.p, m.path.len);
    path[m.path.len] = 0;
    if (cairn_msrp_path_parse(path, u, CAIRN_MSRP_PATH_MAX, &n) != CAIRN_OK || n == 0 ||
        u[n - 1].session_len == 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (!u[i].secure)
            goto out;
    code = type_listed(m.accept_types, "message/cpim") ? 200 : 415;
out:
    if (code != 200)
        path[0] = 0;
    cairn_sdp_free(s);
    return code;
}

cairn_status relay__msrp_answer_build(cairn__buf *out, const char *host, uint16_t port,
                                      const char *our_uri, uint64_t max_size)
{
    cairn_sdp_msrp_offer o;
    uint8_t r[4] = {0};
    memset(&o, 0, sizeof o);
    cairn__random(out->ctx, r, sizeof r);
    o.origin_user = "cairn-relay";
    o.sess_id = ((uint64_t)r[0] << 24 | (uint64_t)r[1] << 16 | (uint64_t)r[2] << 8 | r[3]) + 1;
    o.sess_version = 1;
    o.addr = host;
    o.port = port;
    o.tls = true;
    o.path = our_uri;
    o.setup = CAIRN_SDP_SETUP_PASSIVE;
    o.accept_types = "message/cpim";
    o.accept_wrapped_types = "*";
    o.max_size = max_size;
    return cairn_sdp_msrp_build(&o, out);
}

bool relay__msrp_cpim_msg_id(const cairn_context *ctx, const char *ctype, const uint8_t *body,
                             size_t len, char out[65])
{
    cairn_cpim_parsed *pp = NULL;
    const cairn_cpim *v = NULL;
    bool ok = false;

    out[0] = 0;
    if (ctype == NULL || strncasecmp(ctype, "message/cpim", 12) != 0 ||
        (ctype[12] != 0 && ctype[12] != ';' && ctype[12] != ' '))
        return false;
    if (cairn_cpim_parse(ctx, body, len, &pp, &v) != CAIRN_OK)
        return false;
    const char *id = v->imdn_message_id;
    size_t n = id ? strlen(id) : 0;
    ok = n > 0 && n <= 64;
    for (size_t i = 0; ok && i < n; i++) {
        char ch = id[i];
        ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
             ch == '-' || ch == '_' || ch == '.';
    }
    if (ok)
        memcpy(out, id, n + 1);
    cairn_cpim_free(pp);
    return ok;
}
