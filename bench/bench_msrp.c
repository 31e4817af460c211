/*
 * bench_msrp.c - throughput of the MSRP codec: parsing a stream of
 * 10 KiB SEND chunks (whole buffer, and in 1500-byte reads as from a TLS
 * socket), serialising chunks, and chunking a 4 MiB message. Prints MB/s
 * of message bytes; asserts nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn/msrp.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t g_body;

static cairn_status on_body(void *ud, const cairn_msrp_msg *m, const uint8_t *p, size_t n)
{
    (void)ud;
    (void)m;
    (void)p;
    g_body += n;
    return CAIRN_OK;
}

static const cairn_msrp_callbacks cb = {NULL, on_body, NULL};

static cairn_msrp_msg tmpl(void)
{
    cairn_msrp_msg m;
    memset(&m, 0, sizeof(m));
    m.to_path = "msrps://bob.example.com:2855/9di4eae923wzd;tcp";
    m.from_path = "msrps://relay.example.net:2855/r1;tcp msrps://alice.example.com:2855/iau39soe2843z;tcp";
    m.message_id = "bench-message-0001";
    m.content_type = "message/cpim";
    m.success_report = "no";
    m.failure_report = "yes";
    return m;
}

int main(void)
{
    const size_t msg_len = (size_t)4 << 20;
    cairn_context *ctx = NULL;
    uint8_t *msg = malloc(msg_len);
    cairn_msrp_msg m = tmpl();
    cairn_msrp_chunker ch;
    cairn__buf wire;
    char tid[CAIRN_MSRP_TID_BUF];
    size_t i, rounds;
    double t0, t;

    if (msg == NULL || cairn_context_create(NULL, &ctx) != CAIRN_OK)
        return 1;
    for (i = 0; i < msg_len; i++) /* text-like, with CRLFs and dashes */
        msg[i] = (uint8_t)("Lorem ipsum dolor sit amet\r\n--- consectetur\r\n"[i % 46]);

    /* chunking: 4 MiB into 10 KiB SEND chunks */
    cairn__buf_init(&wire, ctx, (size_t)64 << 20);
    t0 = now();
    for (rounds = 0; rounds < 20; rounds++) {
        cairn__buf_reset(&wire);
        if (cairn_msrp_chunker_init(&ch, ctx, &m, msg, msg_len, 0) != CAIRN_OK)
            return 1;
        while (!cairn_msrp_chunker_done(&ch))
            if (cairn_msrp_chunker_next(&ch, &wire, tid) != CAIRN_OK)
                return 1;
    }
    t = now() - t0;
    printf("msrp chunk+serialize: %.1f MB/s of message (%zu chunks of %u bytes, %zu wire bytes per message)\n",
           (double)msg_len * (double)rounds / t / 1e6, (msg_len + CAIRN_MSRP_CHUNK_MAX - 1) / CAIRN_MSRP_CHUNK_MAX,
           CAIRN_MSRP_CHUNK_MAX, wire.len);

    /* serialize only: one 10 KiB chunk written repeatedly */
    {
        cairn__buf one;
        cairn_msrp_msg c = m;
        c.tid = "Xk3mQ9zT2bLw7pRa";
        c.method = "SEND";
        c.method_id = CAIRN_MSRP_SEND;
        c.has_range = true;
        c.range.start = 1;
        c.range.end = CAIRN_MSRP_CHUNK_MAX;
        c.range.total = msg_len;
        cairn__buf_init(&one, ctx, 1 << 20);
        t0 = now();
        for (rounds = 0; rounds < 20000; rounds++) {
            cairn__buf_reset(&one);
            if (cairn_msrp_write(&one, &c, msg, CAIRN_MSRP_CHUNK_MAX, '+') != CAIRN_OK)
                return 1;
        }
        t = now() - t0;
        printf("msrp serialize:       %.1f MB/s of body (%.0f chunks/s)\n",
               (double)CAIRN_MSRP_CHUNK_MAX * (double)rounds / t / 1e6, (double)rounds / t);
        cairn__buf_free(&one);
    }

    /* parse: the chunked stream, whole and in 1500-byte reads */
    {
        static const size_t steps[] = {0, 1500};
        size_t s;
        for (s = 0; s < 2; s++) {
            cairn_msrp_parser *p = NULL;
            size_t step = steps[s] ? steps[s] : wire.len;
            if (cairn_msrp_parser_create(ctx, NULL, &cb, NULL, &p) != CAIRN_OK)
                return 1;
            g_body = 0;
            t0 = now();
            for (rounds = 0; rounds < 20; rounds++) {
                size_t off;
                for (off = 0; off < wire.len; off += step) {
                    size_t k = wire.len - off < step ? wire.len - off : step;
                    if (cairn_msrp_parser_feed(p, wire.data + off, k) != CAIRN_OK)
                        return 1;
                }
            }
            t = now() - t0;
            if (g_body != (uint64_t)msg_len * rounds)
                return 1;
            printf("msrp parse (%s): %.1f MB/s of wire, %.1f MB/s of body\n",
                   steps[s] ? "1500-byte reads" : "whole buffer  ",
                   (double)wire.len * (double)rounds / t / 1e6, (double)g_body / t / 1e6);
            cairn_msrp_parser_destroy(p);
        }
    }
    cairn__buf_free(&wire);
    cairn_context_destroy(ctx);
    free(msg);
    return 0;
}
