/*
 * test_payload.c - the engine payload codec (spec/client-engine.md
 * ENG-PL-*): round trips of every kind, canonical re-encoding, a fixed
 * byte-exact example, and hostile inputs (truncation at every length,
 * flipped bytes, order, duplicates, caps, wrong kinds).
 */
#include <stdlib.h>
#include <string.h>

#include "test_support.h"
#include "payload.h"

static cairn_context *ctx;
static long base_allocs;

static int setup(void **state)
{
    (void)state;
    ctx = cts_context();
    base_allocs = cts_live_allocations();
    return 0;
}

static engine_pl_str S(const char *s)
{
    return (engine_pl_str){(const uint8_t *)s, strlen(s)};
}

static void roundtrip(const engine_payload *in, uint8_t **bytes, size_t *len, engine_payload *out)
{
    uint8_t *again;
    size_t n2;
    assert_int_equal(engine__payload_encode(ctx, in, bytes, len), CAIRN_OK);
    assert_int_equal(engine__payload_decode(*bytes, *len, out), CAIRN_OK);
    assert_int_equal(out->kind, in->kind);
    /* ENG-PL-4: re-encoding a decoded payload gives the same bytes */
    if (out->n_members == 0) {
        assert_int_equal(engine__payload_encode(ctx, out, &again, &n2), CAIRN_OK);
        assert_int_equal(n2, *len);
        assert_memory_equal(again, *bytes, n2);
        cairn__free(ctx, again);
    }
}

/* A fixed TEXT example, byte for byte, so another implementation can check
 * itself against the spec's example. */
static void text_exact(void **state)
{
    static const uint8_t expect[] = {0x01, 0x01, /* version 1, TEXT */
                                     0x01, 0x00, 0x10, 0,   1,  2,    3,    4,    5,    6,
                                     7,    8,    9,    10,  11, 12,   13,   14,   15, /* MSG_ID */
                                     0x02, 0x00, 0x08, 0,   0,  0x01, 0x8b, 0xcf, 0xe5, 0x68,
                                     0x00,                        /* SENT_MS */
                                     0x03, 0x00, 0x02, 'h', 'i'}; /* BODY */
    engine_payload p = {0}, d;
    uint8_t *b;
    size_t n;
    (void)state;
    p.kind = ENGINE_PL_TEXT;
    p.has_msg_id = 1;
    for (int i = 0; i < 16; i++)
        p.msg_id[i] = (uint8_t)i;
    p.has_sent_ms = 1;
    p.sent_ms = 1700000000000ULL;
    p.body = S("hi");
    roundtrip(&p, &b, &n, &d);
    assert_int_equal(n, sizeof(expect));
    assert_memory_equal(b, expect, n);
    assert_int_equal(d.sent_ms, 1700000000000ULL);
    assert_int_equal(d.body.len, 2);
    assert_memory_equal(d.body.p, "hi", 2);
    cairn__free(ctx, b);
}

static void all_kinds(void **state)
{
    engine_payload p, d;
    uint8_t *b;
    size_t n, off = 0;
    cairn_address m[2] = {{"sip:bob@x", 1}, {"sip:carol@x", 7}}, got;
    char ubuf[CAIRN_URI_MAX + 1];
    (void)state;

    memset(&p, 0, sizeof(p));
    p.kind = ENGINE_PL_RECEIPT;
    p.has_sent_ms = 1;
    p.receipt_type = ENGINE_RECEIPT_READ;
    p.n_refs = 3;
    memset(p.refs[1], 0xaa, 16);
    p.dest = S("sip:bob@x");
    roundtrip(&p, &b, &n, &d);
    assert_int_equal(d.n_refs, 3);
    assert_int_equal(d.receipt_type, ENGINE_RECEIPT_READ);
    assert_memory_equal(d.refs[1], p.refs[1], 16);
    cairn__free(ctx, b);

    memset(&p, 0, sizeof(p));
    p.kind = ENGINE_PL_TYPING;
    p.has_sent_ms = 1;
    p.has_typing = 1;
    p.typing = ENGINE_TYPING_ACTIVE;
    p.group_id = S("g1");
    roundtrip(&p, &b, &n, &d);
    assert_int_equal(d.typing, 1);
    cairn__free(ctx, b);

    memset(&p, 0, sizeof(p));
    p.kind = ENGINE_PL_FILE;
    p.has_msg_id = p.has_sent_ms = p.has_file_key = p.has_file_digest = p.has_file_size = 1;
    p.file_url = S("https://relay.example/files/abc");
    memset(p.file_key, 7, 32);
    memset(p.file_digest, 9, 32);
    p.file_size = 123456;
    p.file_name = S("report.pdf");
    p.file_type = S("application/pdf");
    roundtrip(&p, &b, &n, &d);
    assert_int_equal(d.file_size, 123456);
    assert_memory_equal(d.file_key, p.file_key, 32);
    cairn__free(ctx, b);

    memset(&p, 0, sizeof(p));
    p.kind = ENGINE_PL_GROUP;
    p.has_msg_id = p.has_sent_ms = p.has_group_epoch = 1;
    p.group_id = S("team");
    p.group_op = ENGINE_GROUP_OP_CREATE;
    p.group_epoch = 1;
    p.has_group_name = 1;
    p.group_name = S("The Team");
    p.members = m;
    p.n_members = 2;
    roundtrip(&p, &b, &n, &d);
    assert_int_equal(d.n_members, 2);
    assert_int_equal(engine__payload_member(&d, &off, &got, ubuf), CAIRN_OK);
    assert_string_equal(got.uri, "sip:bob@x");
    assert_int_equal(got.device, 1);
    assert_int_equal(engine__payload_member(&d, &off, &got, ubuf), CAIRN_OK);
    assert_string_equal(got.uri, "sip:carol@x");
    assert_int_equal(got.device, 7);
    assert_int_equal(engine__payload_member(&d, &off, &got, ubuf), CAIRN_ERR_NOT_FOUND);
    cairn__free(ctx, b);

    memset(&p, 0, sizeof(p));
    p.kind = ENGINE_PL_PROVISION;
    p.has_sent_ms = p.has_prov_device = p.has_prov_id = 1;
    p.prov_uri = S("sip:alice@x");
    p.prov_device = 2;
    p.prov_id_pub[0] = 5;
    p.device_name = S("laptop");
    roundtrip(&p, &b, &n, &d);
    assert_int_equal(d.prov_device, 2);
    cairn__free_secret(ctx, b, n);

    memset(&p, 0, sizeof(p));
    p.kind = ENGINE_PL_HELLO;
    p.has_sent_ms = 1;
    roundtrip(&p, &b, &n, &d);
    cairn__free(ctx, b);
}

/* ENG-PL-7/8 and field rules: the encoder refuses what the decoder would. */
static void encoder_refuses(void **state)
{
    engine_payload p;
    uint8_t *b = NULL;
    size_t n;
    (void)state;
    memset(&p, 0, sizeof(p));
    p.kind = ENGINE_PL_TEXT; /* no MSG_ID, SENT_MS, BODY */
    assert_int_equal(engine__payload_encode(ctx, &p, &b, &n), CAIRN_ERR_INVALID_ARG);
    p.has_msg_id = p.has_sent_ms = 1;
    p.body = S("bad \xc0\x80 utf8");
    assert_int_equal(engine__payload_encode(ctx, &p, &b, &n), CAIRN_ERR_INVALID_ARG);
    p.body = S("ok");
    p.file_name = S("x"); /* not allowed in TEXT */
    assert_int_equal(engine__payload_encode(ctx, &p, &b, &n), CAIRN_ERR_INVALID_ARG);
    p.file_name = S("");
    p.dest = S("mailto:x@y");
    assert_int_equal(engine__payload_encode(ctx, &p, &b, &n), CAIRN_ERR_INVALID_ARG);
    memset(&p, 0, sizeof(p));
    p.kind = ENGINE_PL_FILE;
    p.has_msg_id = p.has_sent_ms = p.has_file_key = p.has_file_digest = p.has_file_size = 1;
    p.file_url = S("https://x/y");
    p.file_name = S("../etc");
    assert_int_equal(engine__payload_encode(ctx, &p, &b, &n), CAIRN_ERR_INVALID_ARG);
    p.file_name = S("..");
    assert_int_equal(engine__payload_encode(ctx, &p, &b, &n), CAIRN_ERR_INVALID_ARG);
    memset(&p, 0, sizeof(p));
    p.kind = ENGINE_PL_GROUP; /* ADD without SUBJECT */
    p.has_msg_id = p.has_sent_ms = p.has_group_epoch = 1;
    p.group_id = S("g");
    p.group_op = ENGINE_GROUP_OP_ADD;
    assert_int_equal(engine__payload_encode(ctx, &p, &b, &n), CAIRN_ERR_INVALID_ARG);
    p.kind = 9;
    assert_int_equal(engine__payload_encode(ctx, &p, &b, &n), CAIRN_ERR_INVALID_ARG);
    assert_null(b);
}

static const uint8_t TEXT[] = {0x01, 0x01, 0x01, 0x00, 0x10, 0,   1,    2,    3,    4,
                               5,    6,    7,    8,    9,    10,  11,   12,   13,   14,
                               15,   0x02, 0x00, 0x08, 0,    0,   0x01, 0x8b, 0xcf, 0xe5,
                               0x68, 0x00, 0x03, 0x00, 0x02, 'h', 'i'};

/* Every truncation of a valid payload is refused, never read past. */
static void truncations(void **state)
{
    engine_payload d;
    (void)state;
    for (size_t n = 0; n < sizeof(TEXT); n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, TEXT, n);
        assert_int_not_equal(engine__payload_decode(copy, n, &d), CAIRN_OK);
        free(copy);
    }
    assert_int_equal(engine__payload_decode(TEXT, sizeof(TEXT), &d), CAIRN_OK);
}

/* Flipping any single byte either is refused or decodes to a different,
 * still-valid payload (e.g. another id); never crashes. Header and tag
 * bytes in particular must be refused. */
static void flipped_bytes(void **state)
{
    engine_payload d;
    uint8_t copy[sizeof(TEXT)];
    (void)state;
    for (size_t i = 0; i < sizeof(TEXT); i++) {
        for (int bit = 0; bit < 8; bit++) {
            cairn_status rc;
            memcpy(copy, TEXT, sizeof(copy));
            copy[i] ^= (uint8_t)(1 << bit);
            rc = engine__payload_decode(copy, sizeof(copy), &d);
            if (i == 0)
                assert_int_equal(rc, CAIRN_ERR_VERSION); /* ENG-PL-1 */
            if (i == 2 || i == 3 || i == 4 || i == 21 || i == 22 || i == 23 || i == 32 || i == 33 ||
                i == 34)
                assert_int_not_equal(rc, CAIRN_OK);
        }
    }
}

static void hostile(void **state)
{
    engine_payload d;
    uint8_t buf[64];
    uint8_t *big;
    (void)state;
    /* ENG-PL-2: unknown kind */
    const uint8_t k0[] = {1, 0};
    const uint8_t k8[] = {1, 8};
    assert_int_equal(engine__payload_decode(k0, 2, &d), CAIRN_ERR_DECODE);
    assert_int_equal(engine__payload_decode(k8, 2, &d), CAIRN_ERR_DECODE);
    /* ENG-PL-4: duplicate non-repeatable tag, descending order */
    memcpy(buf, TEXT, sizeof(TEXT));
    buf[32] = 0x02; /* BODY tag becomes SENT_MS again */
    assert_int_equal(engine__payload_decode(buf, sizeof(TEXT), &d), CAIRN_ERR_DECODE);
    /* ENG-PL-5: an extension tag >= 0x80 is skipped; a reserved one is not */
    memcpy(buf, TEXT, sizeof(TEXT));
    buf[sizeof(TEXT)] = 0x90;
    buf[sizeof(TEXT) + 1] = 0;
    buf[sizeof(TEXT) + 2] = 1;
    buf[sizeof(TEXT) + 3] = 'z';
    assert_int_equal(engine__payload_decode(buf, sizeof(TEXT) + 4, &d), CAIRN_OK);
    buf[sizeof(TEXT)] = 0x70;
    assert_int_equal(engine__payload_decode(buf, sizeof(TEXT) + 4, &d), CAIRN_ERR_DECODE);
    /* tag 0 */
    buf[sizeof(TEXT)] = 0;
    assert_int_equal(engine__payload_decode(buf, sizeof(TEXT) + 4, &d), CAIRN_ERR_DECODE);
    /* length running past the end */
    memcpy(buf, TEXT, sizeof(TEXT));
    buf[34] = 3;
    assert_int_equal(engine__payload_decode(buf, sizeof(TEXT), &d), CAIRN_ERR_DECODE);
    /* NUL inside a body */
    memcpy(buf, TEXT, sizeof(TEXT));
    buf[35] = 0;
    assert_int_equal(engine__payload_decode(buf, sizeof(TEXT), &d), CAIRN_ERR_DECODE);
    /* total size cap */
    big = calloc(1, ENGINE_PL_MAX_BYTES + 1);
    big[0] = 1;
    big[1] = 1;
    assert_int_equal(engine__payload_decode(big, ENGINE_PL_MAX_BYTES + 1, &d), CAIRN_ERR_TOO_LARGE);
    /* too many REF_IDs */
    {
        size_t o = 0;
        big[o++] = 1;
        big[o++] = ENGINE_PL_RECEIPT;
        big[o++] = 0x02, big[o++] = 0, big[o++] = 8;
        memset(big + o, 0, 8), o += 8;
        big[o++] = 0x10, big[o++] = 0, big[o++] = 1, big[o++] = 1;
        for (int i = 0; i < ENGINE_PL_MAX_REFS + 1; i++) {
            big[o++] = 0x11, big[o++] = 0, big[o++] = 16;
            memset(big + o, i, 16), o += 16;
        }
        assert_int_equal(engine__payload_decode(big, o, &d), CAIRN_ERR_TOO_LARGE);
        assert_int_equal(engine__payload_decode(big, o - 19, &d), CAIRN_OK);
        assert_int_equal(d.n_refs, ENGINE_PL_MAX_REFS);
    }
    free(big);
    assert_int_equal(engine__payload_decode(NULL, 0, &d), CAIRN_ERR_INVALID_ARG);
}

static void strings(void **state)
{
    (void)state;
    assert_true(engine__utf8_valid((const uint8_t *)"h\xc3\xa9llo \xf0\x9f\x98\x80", 11));
    assert_false(engine__utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));     /* surrogate */
    assert_false(engine__utf8_valid((const uint8_t *)"\xe0\x80\xaf", 3));     /* overlong */
    assert_false(engine__utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(engine__utf8_valid((const uint8_t *)"\xc3", 1));
    assert_true(engine__uri_valid((const uint8_t *)"sip:a@b", 7));
    assert_true(engine__uri_valid((const uint8_t *)"tel:+1555", 9));
    assert_false(engine__uri_valid((const uint8_t *)"sip:", 4));
    assert_false(engine__uri_valid((const uint8_t *)"sip:a b", 7));
    assert_false(engine__uri_valid((const uint8_t *)"sip:a|b", 7));
    assert_false(engine__uri_valid((const uint8_t *)"http:x", 6));
}

/* Allocation failure at every step of the encoder is a clean NOMEM. */
static void torture(void **state)
{
    engine_payload p = {0};
    uint8_t *b;
    size_t n;
    (void)state;
    p.kind = ENGINE_PL_TEXT;
    p.has_msg_id = p.has_sent_ms = 1;
    p.body = S("hello there");
    for (long i = 0; i < 10; i++) {
        cairn_status rc;
        cts_fail_after(i);
        rc = engine__payload_encode(ctx, &p, &b, &n);
        cts_fail_after(-1);
        if (rc == CAIRN_OK) {
            cairn__free(ctx, b);
            break;
        }
        assert_int_equal(rc, CAIRN_ERR_NOMEM);
    }
    assert_int_equal(cts_live_allocations(), base_allocs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_exact),      cmocka_unit_test(all_kinds),
        cmocka_unit_test(encoder_refuses), cmocka_unit_test(truncations),
        cmocka_unit_test(flipped_bytes),   cmocka_unit_test(hostile),
        cmocka_unit_test(strings),         cmocka_unit_test(torture),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
