/*
 * recipients.c - the RFC 5365 multiple-recipient MESSAGE body: a
 * multipart/mixed (RFC 2046) with one application/resource-lists+xml part
 * (RFC 4826, Content-Disposition: recipient-list) naming the recipients,
 * and one other part, the payload that each recipient device receives.
 * Fuzzed by fuzz/relay_recipients.c.
 *
 * Bounded: at most 8 parts, 16 header lines per part, 1024 bytes per
 * header line, 64 recipients; the XML goes through the hardened
 * cairn_rcsxml reader (no DOCTYPE, depth and size caps). Output points
 * into the input body, which must outlive it.
 *
 * Per-device addressing (RELAY-DEV-1) is the RFC 5627 `gr` URI parameter
 * carrying a device id; relay__uri_device reads it from a Request-URI or
 * a list entry. A list entry for a whole user covers every per-device
 * entry of that user, so no device is ever named twice (RELAY-DEV-6).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cairn/rcsxml.h"
#include "cairn/sip_addr.h"
#include "relay.h"

#define MAX_PARTS 8
#define MAX_PART_HEADERS 16
#define MAX_HEADER_LINE 1024

typedef struct part {
    const uint8_t *hdr;
    size_t hdr_len;
    const uint8_t *body;
    size_t body_len;
    char ctype[128];
    char disp[64];
} part;

static bool get_boundary(const char *ct, char *out, size_t cap)
{
    const char *p = ct;
    while ((p = strchr(p, ';')) != NULL) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "boundary=", 9) == 0) {
            p += 9;
            size_t n = 0;
            if (*p == '"') {
                p++;
                while (p[n] && p[n] != '"')
                    n++;
                if (p[n] != '"')
                    return false;
            } else {
                while (p[n] && p[n] != ';' && p[n] != ' ' && p[n] != '\t')
                    n++;
            }
            if (n == 0 || n > 70 || n >= cap)
                return false;
            memcpy(out, p, n);
            out[n] = 0;
            return true;
        }
    }
    return false;
}

static const uint8_t *find(const uint8_t *h, size_t hl, const uint8_t *n, size_t nl)
{
    if (nl == 0 || hl < nl)
        return NULL;
    for (size_t i = 0; i + nl <= hl; i++)
        if (h[i] == n[0] && memcmp(h + i, n, nl) == 0)
            return h + i;
    return NULL;
}

static void trim_copy(char *dst, size_t cap, const uint8_t *v, size_t n)
{
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = 0;
}

static cairn_status part_headers(part *pt)
{
    const uint8_t *p = pt->hdr, *end = pt->hdr + pt->hdr_len;
    int lines = 0;
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n > MAX_HEADER_LINE || ++lines > MAX_PART_HEADERS)
            return CAIRN_ERR_LIMIT;
        const uint8_t *colon = memchr(p, ':', n);
        if (colon == NULL) {
            if (n > 1 || (n == 1 && p[0] != '\r'))
                return CAIRN_ERR_DECODE;
        } else {
            size_t kn = (size_t)(colon - p);
            if (kn == 12 && strncasecmp((const char *)p, "Content-Type", 12) == 0)
                trim_copy(pt->ctype, sizeof pt->ctype, colon + 1, n - kn - 1);
            else if (kn == 19 && strncasecmp((const char *)p, "Content-Disposition", 19) == 0)
                trim_copy(pt->disp, sizeof pt->disp, colon + 1, n - kn - 1);
        }
        p += n + (nl ? 1 : 0);
    }
    for (const char *s = pt->ctype; *s; s++)
        if ((unsigned char)*s < 0x20)
            return CAIRN_ERR_DECODE;
    return CAIRN_OK;
}

cairn_status relay__uri_device(const char *s, size_t len, uint32_t *device)
{
    cairn_sip_uri u;
    cairn_sip_str v;
    uint64_t d = 0;

    *device = 0;
    if (len == 0 || len > RELAY_URI_MAX || cairn_sip_uri_parse(s, len, &u) != CAIRN_OK)
        return CAIRN_ERR_DECODE;
    cairn_status st = cairn_sip_param_get(u.params, "gr", &v);
    if (st == CAIRN_ERR_NOT_FOUND)
        return CAIRN_OK;
    /* a device id in plain decimal, 1..2^31-1, no sign, no leading zero */
    if (st != CAIRN_OK || v.len == 0 || v.len > 10 || v.p[0] == '0')
        return CAIRN_ERR_DECODE;
    for (size_t i = 0; i < v.len; i++) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return CAIRN_ERR_DECODE;
        d = d * 10 + (uint64_t)(v.p[i] - '0');
    }
    if (d > 0x7fffffff)
        return CAIRN_ERR_DECODE;
    *device = (uint32_t)d;
    return CAIRN_OK;
}

/* Adds (uri, device) unless an entry already covers it; a whole-user
 * entry replaces the user's per-device entries. */
static cairn_status add_entry(relay_recipients *out, const char *norm, uint32_t device)
{
    size_t k = 0;
    for (size_t j = 0; j < out->n; j++) {
        if (strcmp(out->uri[j], norm) == 0) {
            if (out->device[j] == 0 || out->device[j] == device)
                return CAIRN_OK;
            if (device == 0)
                continue; /* dropped: the new entry covers it */
        }
        if (k != j) {
            memcpy(out->uri[k], out->uri[j], sizeof out->uri[k]);
            out->device[k] = out->device[j];
        }
        k++;
    }
    out->n = k;
    if (out->n >= RELAY_MAX_RECIPIENTS)
        return CAIRN_ERR_LIMIT;
    memcpy(out->uri[out->n], norm, strlen(norm) + 1);
    out->device[out->n++] = device;
    return CAIRN_OK;
}

typedef struct xml_state {
    relay_recipients *out;
    cairn_status err;
} xml_state;

static cairn_status on_start(void *ud, int depth, const char *ns, const char *name,
                             const char **attrs)
{
    xml_state *x = ud;
    (void)depth;
    if (strcmp(name, "entry") != 0 || strcmp(ns, "urn:ietf:params:xml:ns:resource-lists") != 0)
        return CAIRN_OK;
    for (size_t i = 0; attrs && attrs[i]; i += 2) {
        if (strcmp(attrs[i], "uri") != 0)
            continue;
        char norm[RELAY_URI_MAX + 1];
        uint32_t device = 0;
        size_t ul = strlen(attrs[i + 1]);
        if (relay__uri_normalize(attrs[i + 1], ul, norm) != CAIRN_OK ||
            relay__uri_device(attrs[i + 1], ul, &device) != CAIRN_OK)
            return CAIRN_ERR_DECODE;
        return add_entry(x->out, norm, device);
    }
    return CAIRN_ERR_DECODE;
}

cairn_status relay__recipients_parse(const cairn_context *ctx, const char *content_type,
                                     const uint8_t *body, size_t len, relay_recipients *out)
{
    char boundary[80], delim[84];
    part parts[MAX_PARTS];
    size_t np = 0;

    memset(out, 0, sizeof *out);
    if (!get_boundary(content_type, boundary, sizeof boundary))
        return CAIRN_ERR_DECODE;
    size_t dl = (size_t)snprintf(delim, sizeof delim, "--%s", boundary);
    /* The first delimiter may be at the very start (no preamble CRLF). */
    const uint8_t *p = find(body, len, (const uint8_t *)delim, dl);
    if (p == NULL)
        return CAIRN_ERR_DECODE;
    const uint8_t *end = body + len;
    p += dl;
    for (;;) {
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            break; /* close delimiter */
        /* rest of the delimiter line */
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL)
            return CAIRN_ERR_DECODE;
        p = nl + 1;
        if (np == MAX_PARTS)
            return CAIRN_ERR_LIMIT;
        part *pt = &parts[np];
        memset(pt, 0, sizeof *pt);
        /* headers end at an empty line */
        const uint8_t *h = p, *bstart = NULL;
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
            bstart = p + 2, pt->hdr_len = 0;
        else if (end - p >= 1 && p[0] == '\n')
            bstart = p + 1, pt->hdr_len = 0;
        else {
            const uint8_t *e = find(p, (size_t)(end - p), (const uint8_t *)"\r\n\r\n", 4);
            const uint8_t *e2 = find(p, (size_t)(end - p), (const uint8_t *)"\n\n", 2);
            if (e && (!e2 || e <= e2)) {
                pt->hdr_len = (size_t)(e - p);
                bstart = e + 4;
            } else if (e2) {
                pt->hdr_len = (size_t)(e2 - p);
                bstart = e2 + 2;
            } else {
                return CAIRN_ERR_DECODE;
            }
        }
        pt->hdr = h;
        /* body runs to CRLF--boundary */
        char cd[90];
        size_t cl = (size_t)snprintf(cd, sizeof cd, "\r\n%s", delim);
        const uint8_t *nx = find(bstart, (size_t)(end - bstart), (const uint8_t *)cd, cl);
        size_t skip = cl;
        if (nx == NULL) {
            cl = (size_t)snprintf(cd, sizeof cd, "\n%s", delim);
            nx = find(bstart, (size_t)(end - bstart), (const uint8_t *)cd, cl);
            skip = cl;
            if (nx == NULL)
                return CAIRN_ERR_DECODE;
        }
        pt->body = bstart;
        pt->body_len = (size_t)(nx - bstart);
        cairn_status st = part_headers(pt);
        if (st != CAIRN_OK)
            return st;
        np++;
        p = nx + skip;
    }
    int list = -1, payload = -1;
    for (size_t i = 0; i < np; i++) {
        if (strncasecmp(parts[i].ctype, "application/resource-lists+xml", 30) == 0 &&
            strncasecmp(parts[i].disp, "recipient-list", 14) == 0) {
            if (list >= 0)
                return CAIRN_ERR_DECODE;
            list = (int)i;
        } else {
            if (payload >= 0)
                return CAIRN_ERR_DECODE;
            payload = (int)i;
        }
    }
    if (list < 0 || payload < 0 || parts[payload].ctype[0] == 0 || parts[payload].body_len == 0)
        return CAIRN_ERR_DECODE;
    static const cairn_rcsxml_handler H = {on_start, NULL};
    xml_state x = {out, CAIRN_OK};
    cairn_status st = cairn_rcsxml_parse(ctx, parts[list].body, parts[list].body_len, &H, &x);
    if (st != CAIRN_OK) {
        memset(out, 0, sizeof *out);
        return st;
    }
    if (out->n == 0)
        return CAIRN_ERR_DECODE;
    out->body = parts[payload].body;
    out->body_len = parts[payload].body_len;
    memcpy(out->content_type, parts[payload].ctype, sizeof out->content_type);
    return CAIRN_OK;
}
