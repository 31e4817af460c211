/*
 * sip_feature.c - RCS / OMA CPM feature tags: strict writing, lenient
 * matching (SIP-40, SIP-41; GSMA RCC.07 section 2.4 lists the tags).
 *
 * Invariant: a URN is decoded into a fixed stack buffer; anything longer
 * than any known URN cannot match and is skipped without copying.
 */
#include <string.h>

#include "cairn/sip_feature.h"
#include "sip_internal.h"

typedef struct {
    unsigned bit;
    bool iari; /* written in +g.3gpp.iari-ref, else +g.3gpp.icsi-ref */
    const char *urn;
} feature_def;

static const feature_def g_features[] = {
    {CAIRN_SIP_FEATURE_CPM_SESSION, false, "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session"},
    {CAIRN_SIP_FEATURE_CPM_MSG, false, "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg"},
    {CAIRN_SIP_FEATURE_CPM_LARGEMSG, false, "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.largemsg"},
    {CAIRN_SIP_FEATURE_CPM_FILETRANSFER, false,
     "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.filetransfer"},
    {CAIRN_SIP_FEATURE_FTHTTP, true, "urn:urn-7:3gpp-application.ims.iari.rcs.fthttp"},
};

#define URN_MAX 96

const char *cairn_sip_feature_urn(unsigned feature)
{
    size_t i;
    for (i = 0; i < CAIRN_ARRAY_LEN(g_features); i++)
        if (g_features[i].bit == feature)
            return g_features[i].urn;
    return NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

unsigned cairn_sip_feature_from_urn(cairn_sip_str urn)
{
    char dec[URN_MAX];
    size_t i, n = 0;
    const char *p = urn.p;
    size_t len = urn.len;

    while (len && (sip__is_ws((unsigned char)*p) || *p == '"' || *p == '<')) {
        p++;
        len--;
    }
    while (len && (sip__is_ws((unsigned char)p[len - 1]) || p[len - 1] == '"' || p[len - 1] == '>'))
        len--;
    for (i = 0; i < len; i++) {
        char c = p[i];
        if (c == '%' && i + 2 < len && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
            c = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
            i += 2;
        }
        if (n == sizeof(dec))
            return 0;
        dec[n++] = c;
    }
    for (i = 0; i < CAIRN_ARRAY_LEN(g_features); i++)
        if (strlen(g_features[i].urn) == n && sip__strncasecmp(g_features[i].urn, dec, n) == 0)
            return g_features[i].bit;
    return 0;
}

/* Features in a comma-separated URN list. */
static unsigned from_list(cairn_sip_str v)
{
    unsigned r = 0;
    size_t start = 0, i;
    for (i = 0; i <= v.len; i++) {
        if (i == v.len || v.p[i] == ',') {
            cairn_sip_str item = {v.p + start, i - start};
            r |= cairn_sip_feature_from_urn(item);
            start = i + 1;
        }
    }
    return r;
}

static bool is_feature_tag(cairn_sip_str name)
{
    if (name.len && name.p[0] == '+') {
        name.p++;
        name.len--;
    }
    return cairn_sip_str_ieq(name, "g.3gpp.icsi-ref") || cairn_sip_str_ieq(name, "g.3gpp.iari-ref");
}

unsigned cairn_sip_features_from_params(cairn_sip_str params)
{
    cairn_sip_str n, v;
    unsigned r = 0;
    while (cairn_sip_param_next(&params, &n, &v) == CAIRN_OK)
        if (is_feature_tag(n))
            r |= from_list(v);
    return r;
}

unsigned cairn_sip_msg_features(const cairn_sip_msg *m, const char *header)
{
    unsigned r = 0;
    size_t i, n = cairn_sip_msg_header_count(m, header);
    bool urns = header && (cairn_sip_header_canonical(header, strlen(header)) ==
                               cairn_sip_header_canonical("P-Preferred-Service", 19) ||
                           cairn_sip_header_canonical(header, strlen(header)) ==
                               cairn_sip_header_canonical("P-Asserted-Service", 18));
    for (i = 0; i < n; i++) {
        const char *v = cairn_sip_msg_header(m, header, i);
        cairn_sip_addr a;
        if (urns) {
            r |= from_list(cairn_sip_str_of(v));
            continue;
        }
        if (cairn_sip_addr_parse(v, strlen(v), true, &a) == CAIRN_OK)
            r |= cairn_sip_features_from_params(a.params);
        else {
            /* Accept-Contact is "*;params"; others may be
             * unparseable URIs whose parameters we can still read. */
            const char *semi = strchr(v, ';');
            if (semi)
                r |= cairn_sip_features_from_params(cairn_sip_str_of(semi));
        }
    }
    return r;
}

static cairn_status write_tag(cairn__buf *out, unsigned features, bool iari)
{
    size_t i;
    bool first = true;
    cairn_status rc = CAIRN_OK;
    for (i = 0; rc == CAIRN_OK && i < CAIRN_ARRAY_LEN(g_features); i++) {
        const char *u;
        if (!(features & g_features[i].bit) || g_features[i].iari != iari)
            continue;
        rc = cairn__buf_append_str(
            out, first ? (iari ? ";+g.3gpp.iari-ref=\"" : ";+g.3gpp.icsi-ref=\"") : ",");
        first = false;
        for (u = g_features[i].urn; rc == CAIRN_OK && *u; u++)
            rc = *u == ':' ? cairn__buf_append(out, "%3A", 3) : cairn__buf_append(out, u, 1);
    }
    if (rc == CAIRN_OK && !first)
        rc = cairn__buf_append(out, "\"", 1);
    return rc;
}

cairn_status cairn_sip_features_format(cairn__buf *out, unsigned features)
{
    size_t mark;
    cairn_status rc;
    if (out == NULL || (features & ~CAIRN_SIP_FEATURE_ALL))
        return CAIRN_ERR_INVALID_ARG;
    mark = out->len;
    rc = write_tag(out, features, false);
    if (rc == CAIRN_OK)
        rc = write_tag(out, features, true);
    if (rc != CAIRN_OK) {
        out->len = mark;
        if (out->data)
            out->data[mark] = 0;
    }
    return rc;
}
