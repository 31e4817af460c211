/*
 * test_model.c - the model file (SR-30..SR-36) and the reply lint (SR-25):
 * the committed model loads; every flipped byte, every truncation and a
 * wrong checksum are rejected; hostile fields behind a valid checksum are
 * rejected by bounds checks; every curated reply passes the lint and the
 * lint catches what it must.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"
#include "support.h"

static cairn_context *ctx;
static cairn_smartreply_host host;

static void *h_alloc(void *ud, size_t n) { return cairn__alloc(ud, n); }
static void h_free(void *ud, void *p) { cairn__free(ud, p); }

static int setup(void **state)
{
    (void)state;
    ctx = cts_context();
    host.abi_version = CAIRN_SMARTREPLY_ABI_VERSION;
    host.size = sizeof(host);
    host.ud = ctx;
    host.alloc = h_alloc;
    host.free = h_free;
    return ctx ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cairn_context_destroy(ctx);
    return 0;
}

static uint8_t *copy_model(size_t *len)
{
    const uint8_t *m = srt_model(len);
    uint8_t *c = malloc(*len);
    assert_non_null(c);
    memcpy(c, m, *len);
    return c;
}

/* Recomputes the SHA-256 trailer so a mutation reaches the parser. */
static void reseal(uint8_t *b, size_t len)
{
    crypto_hash_sha256(b + len - 32, b, len - 32);
}

static cairn_status load(const uint8_t *b, size_t len)
{
    sr_model m;
    cairn_status st = smartreply__model_load(&host, b, len, &m);
    if (st == CAIRN_OK)
        smartreply__model_free(&host, &m);
    return st;
}

static void committed_model_loads(void **state)
{
    size_t len;
    const uint8_t *b = srt_model(&len);
    sr_model m;
    (void)state;
    assert_true(len <= 1024u * 1024u); /* goal: model <= 1 MiB */
    assert_int_equal(smartreply__model_load(&host, b, len, &m), CAIRN_OK);
    assert_true(m.n_classes >= 60);
    assert_true(m.threshold > 0.0f && m.threshold < 1.0f);
    smartreply__model_free(&host, &m);
    assert_int_equal(cts_live_allocations(), 1); /* the context */
}

/* SR-31: flipped bytes anywhere, and truncations, are rejected. */
static void corrupt_and_truncated_models_are_rejected(void **state)
{
    size_t len;
    uint8_t *b = copy_model(&len);
    (void)state;
    for (size_t i = 0; i < len; i += (i < 4096 ? 1 : 997)) {
        b[i] ^= 0x40;
        assert_int_equal(load(b, len), CAIRN_ERR_CORRUPT);
        b[i] ^= 0x40;
    }
    b[len - 1] ^= 1; /* the checksum itself */
    assert_int_equal(load(b, len), CAIRN_ERR_CORRUPT);
    b[len - 1] ^= 1;
    for (size_t cut = 0; cut < len; cut += (cut < 256 ? 1 : 4093))
        assert_int_not_equal(load(b, cut), CAIRN_OK);
    assert_int_equal(load(b, len - 1), CAIRN_ERR_CORRUPT);
    assert_int_equal(load(NULL, 0), CAIRN_ERR_DECODE);
    assert_int_equal(load(b, len), CAIRN_OK);
    free(b);
}

/* SR-32..SR-35: valid checksum, hostile content. */
static void hostile_fields_are_bounds_checked(void **state)
{
    size_t len;
    uint8_t *b = copy_model(&len);
    struct {
        size_t off;
        uint8_t val;
        cairn_status want;
    } cases[] = {
        {0, 'X', CAIRN_ERR_DECODE},      /* magic */
        {5, 2, CAIRN_ERR_VERSION},       /* version 2 */
        {6, 0xFF, CAIRN_ERR_DECODE},     /* dim > 256 */
        {7, 0, CAIRN_ERR_DECODE},        /* dim changes the layout */
        {8, 30, CAIRN_ERR_DECODE},       /* 2^30 buckets */
        {8, 13, CAIRN_ERR_DECODE},       /* fewer buckets: size mismatch */
        {10, 0xFF, CAIRN_ERR_DECODE},    /* classes > intents */
        {12, 0xFF, CAIRN_ERR_DECODE},    /* intents > 1024 */
        {14, 0xFF, CAIRN_ERR_DECODE},    /* threshold > 1 */
        {18, 0xFF, CAIRN_ERR_DECODE},    /* vocabulary size */
        {22, 2, CAIRN_ERR_DECODE},       /* first intent is not a class */
        {23, 0x00, CAIRN_ERR_DECODE},    /* pair points at a class */
        {25, 0, CAIRN_ERR_DECODE},       /* empty name */
        {25, 0xFF, CAIRN_ERR_DECODE},    /* name overruns */
    };
    (void)state;
    for (size_t i = 0; i < CAIRN_ARRAY_LEN(cases); i++) {
        uint8_t old = b[cases[i].off];
        b[cases[i].off] = cases[i].val;
        reseal(b, len);
        assert_int_equal(load(b, len), cases[i].want);
        b[cases[i].off] = old;
    }
    reseal(b, len);
    assert_int_equal(load(b, len), CAIRN_OK);
    {
        /* A control byte in the first reply, and an extra trailing byte. */
        size_t name_len = b[25], reply_off = 26 + name_len + 1;
        uint8_t old = b[reply_off];
        uint8_t *longer = malloc(len + 1);
        b[reply_off] = 0x07;
        reseal(b, len);
        assert_int_equal(load(b, len), CAIRN_ERR_DECODE);
        b[reply_off] = old;
        memcpy(longer, b, len - 32);
        longer[len - 32] = 0;
        reseal(longer, len + 1);
        assert_int_equal(load(longer, len + 1), CAIRN_ERR_DECODE);
        free(longer);
    }
    {
        /* NaN and negative scales (the tail holds scales, rows, biases). */
        sr_model m;
        size_t nb, scale_off;
        reseal(b, len);
        assert_int_equal(smartreply__model_load(&host, b, len, &m), CAIRN_OK);
        nb = (size_t)1 << m.bucket_bits;
        scale_off = len - 32 - (size_t)(m.n_classes + 1) * (4u + m.dim + 4u) -
                    nb * ((size_t)m.dim + 4u);
        smartreply__model_free(&host, &m);
        memcpy(b + scale_off, "\x7f\xc0\x00\x00", 4);
        reseal(b, len);
        assert_int_equal(load(b, len), CAIRN_ERR_DECODE);
        memcpy(b + scale_off, "\xbf\x80\x00\x00", 4);
        reseal(b, len);
        assert_int_equal(load(b, len), CAIRN_ERR_DECODE);
    }
    assert_int_equal(load(b, 17u * 1024u * 1024u), CAIRN_ERR_TOO_LARGE);
    free(b);
}

static void builtin_create_rejects_bad_models(void **state)
{
    const cairn_smartreply_plugin *p = cairn_smartreply_builtin();
    void *st = (void *)1;
    (void)state;
    assert_int_equal(p->create(&host, (const uint8_t *)"CSRM", 4, &st), CAIRN_ERR_DECODE);
    assert_null(st);
    p->destroy(NULL);
}

/* SR-25: the lint runs over every curated reply in the committed model. */
static void every_curated_reply_passes_the_lint(void **state)
{
    size_t len;
    const uint8_t *b = srt_model(&len);
    sr_model m;
    (void)state;
    assert_int_equal(smartreply__model_load(&host, b, len, &m), CAIRN_OK);
    for (size_t i = 0; i < m.n_intents; i++) {
        const char *why = NULL;
        if (smartreply__lint_reply(m.intents[i].reply, m.intents[i].reply_len, &why) != 0) {
            fprintf(stderr, "reply of %s fails the lint: %s\n", m.intents[i].name, why);
            fail();
        }
        /* one curated reply per intent: no two intents share a text */
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(m.intents[i].reply, m.intents[j].reply);
    }
    smartreply__model_free(&host, &m);
}

static void lint_catches_bad_replies(void **state)
{
    static const char *const bad[] = {
        "Damn, that's great!", "Tell him I said hi.", "She will love it!",
        "Thanks, babe!", "Love you too!", "Miss you, see you soon!",
        "Sure thing, mate.", "Hugs!", "no capital.", "No punctuation",
        "Ok \xf0\x9f\x91\x8d.", "Thanks, dude!", "What the hell?", "Xoxo!",
        "",
    };
    static const char *const good[] = {
        "You're welcome!", "Sounds good, see you then!", "I'd love a coffee!",
        "Happy to help.", "What time works for you?",
    };
    (void)state;
    for (size_t i = 0; i < CAIRN_ARRAY_LEN(bad); i++) {
        const char *why = NULL;
        assert_int_equal(smartreply__lint_reply(bad[i], strlen(bad[i]), &why), -1);
        assert_non_null(why);
    }
    for (size_t i = 0; i < CAIRN_ARRAY_LEN(good); i++)
        assert_int_equal(smartreply__lint_reply(good[i], strlen(good[i]), NULL), 0);
}

static void allocation_failures_while_loading(void **state)
{
    size_t len;
    const uint8_t *b = srt_model(&len);
    (void)state;
    for (long n = 0; n < 12; n++) {
        long before = cts_live_allocations();
        sr_model m;
        cairn_status st;
        cts_fail_after(n);
        st = smartreply__model_load(&host, b, len, &m);
        cts_fail_after(-1);
        assert_true(st == CAIRN_OK || st == CAIRN_ERR_NOMEM);
        if (st == CAIRN_OK)
            smartreply__model_free(&host, &m);
        assert_int_equal(cts_live_allocations(), before);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(committed_model_loads),
        cmocka_unit_test(corrupt_and_truncated_models_are_rejected),
        cmocka_unit_test(hostile_fields_are_bounds_checked),
        cmocka_unit_test(builtin_create_rejects_bad_models),
        cmocka_unit_test(every_curated_reply_passes_the_lint),
        cmocka_unit_test(lint_catches_bad_replies),
        cmocka_unit_test(allocation_failures_while_loading),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
