/*
 * bench_sip.c - throughput of the SIP and SDP codecs: datagram parse,
 * stream reader (pipelined messages in 1400-byte reads), serialize, and
 * SDP parse/build. Prints MB/s of wire bytes; asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base.h"
#include "cairn/sdp.h"
#include "cairn/sip.h"

static const char invite[] =
    "INVITE sip:+15551234@ims.example.net SIP/2.0\r\n"
    "Via: SIP/2.0/TLS 192.0.2.5:5061;branch=z9hG4bK776asdhds;rport\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:+15550000@ims.example.net>;tag=1928301774\r\n"
    "To: <sip:+15551234@ims.example.net>\r\n"
    "Call-ID: a84b4c76e66710@pc33.example.net\r\n"
    "CSeq: 314159 INVITE\r\n"
    "Contact: "
    "<sip:192.0.2.5:5061;transport=tls>;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma."
    "cpm.session\"\r\n"
    "Accept-Contact: *;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\"\r\n"
    "P-Preferred-Service: urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session\r\n"
    "Conversation-ID: f81d4fae7dec11d0a76500a0c91e6bf6\r\n"
    "Contribution-ID: abcdef0123456789\r\n"
    "Supported: timer, gruu\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 316\r\n"
    "\r\n"
    "v=0\r\n"
    "o=- 3880000000 3880000000 IN IP4 192.0.2.5\r\n"
    "s=-\r\n"
    "c=IN IP4 192.0.2.5\r\n"
    "t=0 0\r\n"
    "m=message 2855 TCP/TLS/MSRP *\r\n"
    "a=accept-types:message/cpim application/im-iscomposing+xml\r\n"
    "a=accept-wrapped-types:text/plain message/imdn+xml\r\n"
    "a=max-size:1048576\r\n"
    "a=path:msrps://192.0.2.5:2855/s111271;tcp\r\n"
    "a=setup:actpass\r\n"
    "a=sendrecv\r\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const char *what, size_t bytes, size_t ops, double secs)
{
    printf("%-28s %8.1f MB/s  %9.0f msg/s\n", what, (double)bytes / secs / 1e6, (double)ops / secs);
}

int main(void)
{
    cairn_context *ctx = NULL;
    cairn_sip_msg *m = NULL;
    cairn__buf b;
    const char *body;
    size_t len = strlen(invite), i, n = 100000;
    double t;

    if (cairn_context_create(NULL, &ctx) != CAIRN_OK)
        return 1;
    body = strstr(invite, "\r\n\r\n") + 4;
    if (strlen(body) != 316) {
        fprintf(stderr, "bench: body length %zu\n", strlen(body));
        return 1;
    }

    t = now_s();
    for (i = 0; i < n; i++) {
        if (cairn_sip_msg_parse(ctx, NULL, (const uint8_t *)invite, len, &m) != CAIRN_OK)
            return 1;
        cairn_sip_msg_free(m);
    }
    report("sip parse (datagram)", len * n, n, now_s() - t);

    if (cairn_sip_msg_parse(ctx, NULL, (const uint8_t *)invite, len, &m) != CAIRN_OK)
        return 1;
    cairn__buf_init(&b, ctx, 1 << 20);
    t = now_s();
    for (i = 0; i < n; i++) {
        b.len = 0;
        if (cairn_sip_msg_serialize(m, &b) != CAIRN_OK)
            return 1;
    }
    report("sip serialize", b.len * n, n, now_s() - t);
    cairn_sip_msg_free(m);
    cairn__buf_free(&b);

    {
        /* 1000 pipelined messages read in 1400-byte pieces, 100 times. */
        size_t k, total = 0, msgs = 0, rounds = 100, per = 1000;
        uint8_t *s = malloc(len * per);
        for (k = 0; k < per; k++)
            memcpy(s + k * len, invite, len);
        t = now_s();
        for (k = 0; k < rounds; k++) {
            cairn_sip_reader *r = NULL;
            size_t off = 0;
            if (cairn_sip_reader_new(ctx, NULL, &r) != CAIRN_OK)
                return 1;
            while (off < len * per) {
                size_t chunk = len * per - off < 1400 ? len * per - off : 1400;
                while (chunk) {
                    size_t used;
                    cairn_sip_msg *o = NULL;
                    if (cairn_sip_reader_feed(r, s + off, chunk, &used, &o) != CAIRN_OK)
                        return 1;
                    if (o) {
                        msgs++;
                        cairn_sip_msg_free(o);
                    }
                    off += used;
                    chunk -= used;
                }
            }
            total += off;
            cairn_sip_reader_free(r);
        }
        report("sip stream reader", total, msgs, now_s() - t);
        free(s);
    }

    {
        cairn_sdp *sd = NULL;
        cairn_sdp_msrp_offer o;
        size_t bl = strlen(body);
        t = now_s();
        for (i = 0; i < n; i++) {
            if (cairn_sdp_parse(ctx, NULL, (const uint8_t *)body, bl, &sd) != CAIRN_OK)
                return 1;
            cairn_sdp_free(sd);
        }
        report("sdp parse", bl * n, n, now_s() - t);
        memset(&o, 0, sizeof(o));
        o.addr = "192.0.2.5";
        o.port = 2855;
        o.tls = true;
        o.path = "msrps://192.0.2.5:2855/s111271;tcp";
        o.setup = CAIRN_SDP_SETUP_ACTPASS;
        o.accept_types = "message/cpim application/im-iscomposing+xml";
        o.accept_wrapped_types = "text/plain message/imdn+xml";
        o.max_size = 1048576;
        o.direction = "sendrecv";
        cairn__buf_init(&b, ctx, 1 << 16);
        t = now_s();
        for (i = 0; i < n; i++) {
            b.len = 0;
            if (cairn_sdp_msrp_build(&o, &b) != CAIRN_OK)
                return 1;
        }
        report("sdp build (msrp offer)", b.len * n, n, now_s() - t);
        cairn__buf_free(&b);
    }
    cairn_context_destroy(ctx);
    return 0;
}
