/*
 * sip_names.c - the tables of names: header names with their compact forms
 * and list-ness, method names, default reason phrases, and the token
 * character class. Lookups are case-insensitive (RFC 3261 section 7.3.1).
 *
 * Invariant: a header's index in the table never changes meaning within a
 * process; entries are only ever appended.
 */
#include <string.h>

#include "sip_internal.h"

typedef struct {
    const char *name;
    char compact; /* 0 when none */
    bool list;
} sip__hname;

/* Compact forms: RFC 3261 section 7.3.3 and the IANA SIP registry. */
static const sip__hname g_headers[] = {
    {"Via", 'v', true},
    {"From", 'f', false},
    {"To", 't', false},
    {"Call-ID", 'i', false},
    {"CSeq", 0, false},
    {"Contact", 'm', true},
    {"Max-Forwards", 0, false},
    {"Expires", 0, false},
    {"Min-Expires", 0, false},
    {"Content-Type", 'c', false},
    {"Content-Length", 'l', false},
    {"Content-Encoding", 'e', true},
    {"Accept-Contact", 'a', true},
    {"Reject-Contact", 'j', true},
    {"Request-Disposition", 'd', true},
    {"P-Preferred-Service", 0, true},
    {"P-Asserted-Service", 0, true},
    {"Conversation-ID", 0, false},
    {"Contribution-ID", 0, false},
    {"InReplyTo-Contribution-ID", 0, false},
    {"Require", 0, true},
    {"Supported", 'k', true},
    {"Unsupported", 0, true},
    {"Proxy-Require", 0, true},
    {"Allow", 0, true},
    {"Accept", 0, true},
    {"Accept-Encoding", 0, true},
    {"Accept-Language", 0, true},
    {"WWW-Authenticate", 0, false},
    {"Authorization", 0, false},
    {"Proxy-Authenticate", 0, false},
    {"Proxy-Authorization", 0, false},
    {"Authentication-Info", 0, false},
    {"Route", 0, true},
    {"Record-Route", 0, true},
    {"Path", 0, true},
    {"Service-Route", 0, true},
    {"P-Asserted-Identity", 0, true},
    {"P-Preferred-Identity", 0, true},
    {"P-Associated-URI", 0, true},
    {"P-Access-Network-Info", 0, false},
    {"User-Agent", 0, false},
    {"Server", 0, false},
    {"Subject", 's', false},
    {"Event", 'o', false},
    {"Allow-Events", 'u', true},
    {"Refer-To", 'r', false},
    {"Referred-By", 'b', false},
    {"Session-Expires", 'x', false},
    {"Identity", 'y', false},
    {"Date", 0, false},
    {"Timestamp", 0, false},
    {"Retry-After", 0, false},
    {"Warning", 0, true},
    {"Privacy", 0, false},
    {"Security-Client", 0, true},
    {"Security-Server", 0, true},
    {"Security-Verify", 0, true},
    {"Organization", 0, false},
    {"Reason", 0, true},
};

int sip__strncasecmp(const char *a, const char *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return x < y ? -1 : 1;
        if (x == 0)
            return 0;
    }
    return 0;
}

int sip__header_index(const char *name, size_t len)
{
    size_t i;
    if (len == 1) {
        char c = name[0];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c + 32);
        for (i = 0; i < CAIRN_ARRAY_LEN(g_headers); i++)
            if (g_headers[i].compact == c)
                return (int)i;
        return -1;
    }
    for (i = 0; i < CAIRN_ARRAY_LEN(g_headers); i++)
        if (strlen(g_headers[i].name) == len && sip__strncasecmp(g_headers[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

const char *sip__header_name(int idx)
{
    if (idx < 0 || (size_t)idx >= CAIRN_ARRAY_LEN(g_headers))
        return NULL;
    return g_headers[idx].name;
}

bool sip__header_is_list(int idx)
{
    return idx >= 0 && (size_t)idx < CAIRN_ARRAY_LEN(g_headers) && g_headers[idx].list;
}

const char *cairn_sip_header_canonical(const char *name, size_t len)
{
    return name ? sip__header_name(sip__header_index(name, len)) : NULL;
}

static const char *const g_methods[] = {
    NULL, "REGISTER", "MESSAGE", "INVITE", "ACK", "BYE", "OPTIONS", "CANCEL",
};

cairn_sip_method cairn_sip_method_from_name(const char *name, size_t len)
{
    size_t i;
    if (name == NULL)
        return CAIRN_SIP_OTHER;
    for (i = 1; i < CAIRN_ARRAY_LEN(g_methods); i++)
        if (strlen(g_methods[i]) == len && sip__strncasecmp(g_methods[i], name, len) == 0)
            return (cairn_sip_method)i;
    return CAIRN_SIP_OTHER;
}

bool sip__is_token_char(unsigned char c)
{
    /* token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" /
     * "`" / "'" / "~") */
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != 0 && strchr("-.!%*_+`'~", c) != NULL;
}
