/*
 * test_imdn.c - IMDN documents (RFC 5438 section 7 examples as facts),
 * every valid kind/status pair round-tripped, CPIM-wrapped and bare
 * bodies, deflate in its zlib, gzip and raw forms (inner and outer
 * Content-Encoding), and the hostile side: invalid pairs, corrupt and
 * truncated deflate, deflate bombs with bounded memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "cairn/imdn.h"
#include "test_support.h"

static cairn_context *g_ctx;

/* RFC 5438 section 7.2.1.1 (delivery) and 7.2.1.2 (display) style. */
static const char rfc_delivered[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">\n"
    "  <message-id>34jk324j</message-id>\n"
    "  <datetime>2008-04-04T12:16:49-05:00</datetime>\n"
    "  <recipient-uri>im:bob@example.com</recipient-uri>\n"
    "  <original-recipient-uri>im:bob@example.com</original-recipient-uri>\n"
    "  <delivery-notification>\n"
    "    <status>\n"
    "      <delivered/>\n"
    "    </status>\n"
    "  </delivery-notification>\n"
    "</imdn>\n";
static const char rfc_displayed[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">\n"
    "  <message-id>34jk324j</message-id>\n"
    "  <datetime>2008-04-04T12:16:49-05:00</datetime>\n"
    "  <recipient-uri>im:bob@example.com</recipient-uri>\n"
    "  <original-recipient-uri>im:bob@example.com</original-recipient-uri>\n"
    "  <display-notification>\n"
    "    <status>\n"
    "      <displayed/>\n"
    "    </status>\n"
    "  </display-notification>\n"
    "</imdn>\n";

#define X(s) (const uint8_t *)(s), sizeof(s) - 1

static void test_rfc_examples(void **state)
{
    cairn_imdn n;
    (void)state;
    assert_int_equal(cairn_imdn_parse_xml(g_ctx, X(rfc_delivered), &n), CAIRN_OK);
    assert_string_equal(n.message_id, "34jk324j");
    assert_string_equal(n.datetime, "2008-04-04T12:16:49-05:00");
    assert_string_equal(n.recipient_uri, "im:bob@example.com");
    assert_string_equal(n.original_recipient_uri, "im:bob@example.com");
    assert_int_equal(n.kind, CAIRN_IMDN_KIND_DELIVERY);
    assert_int_equal(n.status, CAIRN_IMDN_DELIVERED);
    assert_int_equal(cairn_imdn_parse_xml(g_ctx, X(rfc_displayed), &n), CAIRN_OK);
    assert_int_equal(n.kind, CAIRN_IMDN_KIND_DISPLAY);
    assert_int_equal(n.status, CAIRN_IMDN_DISPLAYED);
}

/* IMDN-1/2: every valid pair survives write -> parse; invalid pairs are
 * refused by the writer. */
static void test_round_trips(void **state)
{
    int k, s;
    (void)state;
    for (k = 0; k <= 4; k++)
        for (s = 0; s <= 8; s++) {
            cairn_imdn n, m;
            cairn__buf b;
            cairn_status rc;
            memset(&n, 0, sizeof(n));
            strcpy(n.message_id, "id-<&>\"'");
            strcpy(n.datetime, "2026-01-02T03:04:05Z");
            strcpy(n.recipient_uri, "sip:+15551234@example.com");
            n.kind = (cairn_imdn_kind)k;
            n.status = (cairn_imdn_status)s;
            cairn__buf_init(&b, g_ctx, 4096);
            rc = cairn_imdn_write_xml(&b, &n);
            if (!cairn_imdn_valid(n.kind, n.status)) {
                assert_int_equal(rc, CAIRN_ERR_INVALID_ARG);
                assert_int_equal(b.len, 0);
            } else {
                assert_int_equal(rc, CAIRN_OK);
                assert_int_equal(cairn_imdn_parse_xml(g_ctx, b.data, b.len, &m), CAIRN_OK);
                assert_memory_equal(&m, &n, sizeof(n));
            }
            cairn__buf_free(&b);
        }
}

/* Compresses with the given windowBits (15 zlib, 31 gzip, -15 raw). */
static uint8_t *deflate_with(const uint8_t *in, size_t len, int bits, size_t *out_len)
{
    z_stream zs;
    uLong cap = compressBound(len) + 64;
    uint8_t *out = malloc(cap);
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, bits, 9, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *out_len = cap - zs.avail_out;
    deflateEnd(&zs);
    return out;
}

static char *cpim_wrap(const char *inner_headers, const uint8_t *body, size_t len, size_t *out_len)
{
    char *s = malloc(1024 + len);
    int n = snprintf(s, 1024,
                     "From: <sip:bob@example.com>\r\nTo: <sip:alice@example.com>\r\n"
                     "NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: n1\r\n"
                     "DateTime: 2008-04-04T12:16:49-05:00\r\n\r\n%s\r\n",
                     inner_headers);
    memcpy(s + n, body, len);
    *out_len = (size_t)n + len;
    return s;
}

/* IMDN-3: CPIM-wrapped, bare, deflated in every form. */
static void test_wrapped_and_deflated(void **state)
{
    static const int bits[] = {15, 31, -15};
    cairn_imdn n;
    size_t i, zlen, wlen;
    (void)state;
    /* bare, with and without a declared type */
    assert_int_equal(cairn_imdn_parse(g_ctx, "message/imdn+xml", NULL, X(rfc_delivered), &n), CAIRN_OK);
    assert_int_equal(cairn_imdn_parse(g_ctx, NULL, NULL, X(rfc_delivered), &n), CAIRN_OK);
    /* CPIM-wrapped, plain */
    {
        char *w = cpim_wrap("Content-Type: message/imdn+xml\r\nContent-Disposition: notification\r\n",
                            X(rfc_displayed), &wlen);
        assert_int_equal(cairn_imdn_parse(g_ctx, "Message/CPIM", NULL, (uint8_t *)w, wlen, &n), CAIRN_OK);
        assert_int_equal(n.status, CAIRN_IMDN_DISPLAYED);
        assert_int_equal(cairn_imdn_parse(g_ctx, NULL, NULL, (uint8_t *)w, wlen, &n), CAIRN_OK);
        free(w);
    }
    for (i = 0; i < CAIRN_ARRAY_LEN(bits); i++) {
        uint8_t *z = deflate_with(X(rfc_delivered), bits[i], &zlen);
        char *w = cpim_wrap("Content-Type: message/imdn+xml\r\nContent-Encoding: deflate\r\n",
                            z, zlen, &wlen);
        size_t w2len;
        char *w2 = cpim_wrap("Content-Type: message/imdn+xml\r\n", z, zlen, &w2len);
        memset(&n, 0, sizeof(n));
        /* inner Content-Encoding */
        assert_int_equal(cairn_imdn_parse(g_ctx, "message/cpim", NULL, (uint8_t *)w, wlen, &n), CAIRN_OK);
        assert_string_equal(n.message_id, "34jk324j");
        /* outer Content-Encoding (the SIP/MSRP header) */
        assert_int_equal(cairn_imdn_parse(g_ctx, "message/cpim", "deflate", (uint8_t *)w2, w2len, &n), CAIRN_OK);
        /* bare deflated */
        assert_int_equal(cairn_imdn_parse(g_ctx, "message/imdn+xml", "deflate", z, zlen, &n), CAIRN_OK);
        assert_int_equal(n.kind, CAIRN_IMDN_KIND_DELIVERY);
        /* deflated but not declared: refused, not guessed */
        assert_int_equal(cairn_imdn_parse(g_ctx, "message/imdn+xml", NULL, z, zlen, &n), CAIRN_ERR_DECODE);
        /* truncated deflate data */
        assert_int_equal(cairn_imdn_parse(g_ctx, "message/imdn+xml", "deflate", z, zlen / 2, &n),
                         CAIRN_ERR_DECODE);
        /* flipped byte: zlib and gzip carry a checksum, so it must fail;
         * raw deflate has none and may decode to other (valid) XML */
        z[zlen / 2] ^= 0x55;
        {
            cairn_status rc = cairn_imdn_parse(g_ctx, "message/imdn+xml", "deflate", z, zlen, &n);
            if (bits[i] > 0)
                assert_int_not_equal(rc, CAIRN_OK);
        }
        free(z);
        free(w);
        free(w2);
    }
}

static void test_refusals(void **state)
{
    static const char two_kinds[] =
        "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>a</message-id>"
        "<delivery-notification><status><delivered/></status></delivery-notification>"
        "<display-notification><status><displayed/></status></display-notification></imdn>";
    static const char bad_pair[] =
        "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>a</message-id>"
        "<display-notification><status><delivered/></status></display-notification></imdn>";
    static const char two_status[] =
        "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>a</message-id>"
        "<delivery-notification><status><delivered/><failed/></status></delivery-notification></imdn>";
    static const char no_id[] =
        "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">"
        "<delivery-notification><status><delivered/></status></delivery-notification></imdn>";
    static const char wrong_root[] =
        "<imdm xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>a</message-id>"
        "<delivery-notification><status><delivered/></status></delivery-notification></imdm>";
    static const char wrong_ns[] =
        "<imdn xmlns=\"urn:example:evil\"><message-id>a</message-id>"
        "<delivery-notification><status><delivered/></status></delivery-notification></imdn>";
    static const char no_ns_extension[] =
        "<imdn><message-id> a </message-id><x:ext xmlns:x=\"urn:x\"><message-id>b</message-id></x:ext>"
        "<processing-notification><status><stored/></status></processing-notification></imdn>";
    cairn_imdn n;
    (void)state;
    memset(&n, 0x5a, sizeof(n));
    assert_int_equal(cairn_imdn_parse_xml(g_ctx, X(two_kinds), &n), CAIRN_ERR_DECODE);
    assert_int_equal(cairn_imdn_parse_xml(g_ctx, X(bad_pair), &n), CAIRN_ERR_DECODE);
    assert_int_equal(cairn_imdn_parse_xml(g_ctx, X(two_status), &n), CAIRN_ERR_DECODE);
    assert_int_equal(cairn_imdn_parse_xml(g_ctx, X(no_id), &n), CAIRN_ERR_DECODE);
    assert_int_equal(cairn_imdn_parse_xml(g_ctx, X(wrong_root), &n), CAIRN_ERR_DECODE);
    assert_int_equal(cairn_imdn_parse_xml(g_ctx, X(wrong_ns), &n), CAIRN_ERR_DECODE);
    assert_int_equal((unsigned char)n.message_id[0], 0x5a); /* untouched */
    assert_int_equal(cairn_imdn_parse_xml(g_ctx, X(no_ns_extension), &n), CAIRN_OK);
    assert_string_equal(n.message_id, "a");
    assert_int_equal(n.status, CAIRN_IMDN_STORED);
    assert_int_equal(cairn_imdn_parse(g_ctx, "text/plain", NULL, X(rfc_delivered), &n), CAIRN_ERR_UNSUPPORTED);
    assert_int_equal(cairn_imdn_parse(g_ctx, "message/imdn+xml", "br", X(rfc_delivered), &n), CAIRN_ERR_UNSUPPORTED);
    {
        size_t wlen;
        char *w = cpim_wrap("Content-Type: text/plain\r\n", X("hello"), &wlen);
        assert_int_equal(cairn_imdn_parse(g_ctx, "message/cpim", NULL, (uint8_t *)w, wlen, &n), CAIRN_ERR_UNSUPPORTED);
        free(w);
    }
}

/* Byte-counting allocator for the bomb test. */
static size_t g_live, g_peak;
typedef union hdr { size_t n; max_align_t a; } hdr;
static void *b_alloc(void *ud, size_t n)
{
    hdr *h = malloc(sizeof(hdr) + n);
    (void)ud;
    if (!h)
        return NULL;
    h->n = n;
    g_live += n;
    if (g_live > g_peak)
        g_peak = g_live;
    return h + 1;
}
static void b_free(void *ud, void *p)
{
    (void)ud;
    if (p) {
        g_live -= ((hdr *)p - 1)->n;
        free((hdr *)p - 1);
    }
}
static void *b_realloc(void *ud, void *p, size_t n)
{
    void *q = b_alloc(ud, n);
    if (q && p) {
        size_t o = ((hdr *)p - 1)->n;
        memcpy(q, p, o < n ? o : n);
        b_free(ud, p);
    }
    return q;
}

/* IMDN-3: 64 MiB of zeros deflate to ~64 KiB; inflation stops at the cap
 * and memory stays bounded by it (plus zlib's window). */
static void test_deflate_bomb(void **state)
{
    size_t big = (size_t)64 << 20, zlen, wlen;
    uint8_t *zeros = calloc(1, big), *z;
    cairn_context_config cfg;
    cairn_context *bctx = NULL;
    cairn_imdn n;
    char *w;
    (void)state;
    z = deflate_with(zeros, big, 15, &zlen);
    free(zeros);
    assert_true(zlen < 200 * 1024);
    cairn_context_config_init(&cfg);
    cfg.alloc = b_alloc;
    cfg.realloc = b_realloc;
    cfg.free = b_free;
    assert_int_equal(cairn_context_create(&cfg, &bctx), CAIRN_OK);
    g_peak = g_live;
    assert_int_equal(cairn_imdn_parse(bctx, "message/imdn+xml", "deflate", z, zlen, &n), CAIRN_ERR_TOO_LARGE);
    w = cpim_wrap("Content-Type: message/imdn+xml\r\nContent-Encoding: deflate\r\n", z, zlen, &wlen);
    assert_int_equal(cairn_imdn_parse(bctx, "message/cpim", NULL, (uint8_t *)w, wlen, &n), CAIRN_ERR_TOO_LARGE);
    /* CPIM copy of the input + the capped output + zlib state */
    assert_true(g_peak < wlen + CAIRN_IMDN_INFLATE_MAX + 64 * 1024);
    {
        uint8_t *out;
        size_t olen;
        assert_int_equal(cairn_imdn_inflate(bctx, z, zlen, 1 << 20, &out, &olen), CAIRN_ERR_TOO_LARGE);
        assert_null(out);
        /* exactly at the cap is fine */
        free(z);
        zeros = calloc(1, 4096);
        z = deflate_with(zeros, 4096, -15, &zlen);
        assert_int_equal(cairn_imdn_inflate(bctx, z, zlen, 4096, &out, &olen), CAIRN_OK);
        assert_int_equal(olen, 4096);
        assert_memory_equal(out, zeros, 4096);
        cairn_free(bctx, out, olen);
        assert_int_equal(cairn_imdn_inflate(bctx, z, zlen, 4095, &out, &olen), CAIRN_ERR_TOO_LARGE);
        free(zeros);
    }
    free(w);
    free(z);
    cairn_context_destroy(bctx);
    assert_int_equal(g_live, 0);
}

static void test_write_cpim(void **state)
{
    cairn_imdn n, m;
    cairn__buf b;
    (void)state;
    assert_int_equal(cairn_imdn_parse_xml(g_ctx, X(rfc_delivered), &n), CAIRN_OK);
    cairn__buf_init(&b, g_ctx, 8192);
    assert_int_equal(cairn_imdn_write_cpim(&b, "<im:bob@example.com>", "<im:alice@example.com>", "dd9n3", &n), CAIRN_OK);
    assert_non_null(strstr((char *)b.data, "imdn.Message-ID: dd9n3\r\n"));
    assert_non_null(strstr((char *)b.data, "Content-Type: message/imdn+xml\r\n"));
    assert_non_null(strstr((char *)b.data, "Content-Disposition: notification\r\n"));
    assert_int_equal(cairn_imdn_parse(g_ctx, "message/cpim", NULL, b.data, b.len, &m), CAIRN_OK);
    assert_memory_equal(&m, &n, sizeof(n));
    assert_int_equal(cairn_imdn_write_cpim(&b, "<a>", "<b>", NULL, &n), CAIRN_ERR_INVALID_ARG);
    cairn__buf_free(&b);
}

/* Every allocation failure on the CPIM+deflate path is clean. */
static void test_alloc_failures(void **state)
{
    size_t zlen, wlen;
    uint8_t *z = deflate_with(X(rfc_delivered), 15, &zlen);
    char *w = cpim_wrap("Content-Type: message/imdn+xml\r\nContent-Encoding: deflate\r\n", z, zlen, &wlen);
    long k, live0 = cts_live_allocations();
    bool ok = false;
    (void)state;
    for (k = 0; k < 200 && !ok; k++) {
        cairn_imdn n;
        cairn_status rc;
        cts_fail_after(k);
        rc = cairn_imdn_parse(g_ctx, "message/cpim", NULL, (uint8_t *)w, wlen, &n);
        cts_fail_after(-1);
        ok = rc == CAIRN_OK;
        if (!ok)
            assert_int_equal(rc, CAIRN_ERR_NOMEM);
        assert_int_equal(cts_live_allocations(), live0);
    }
    assert_true(ok);
    assert_true(k > 3);
    free(w);
    free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_examples),
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_wrapped_and_deflated),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_deflate_bomb),
        cmocka_unit_test(test_write_cpim),
        cmocka_unit_test(test_alloc_failures),
    };
    int rc;
    g_ctx = cts_context();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    cairn_context_destroy(g_ctx);
    return rc;
}
