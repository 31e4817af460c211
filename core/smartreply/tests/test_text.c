/*
 * test_text.c - the host's text rules in isolation (SR-5, SR-6) and the
 * engine's tokeniser and gates (SR-20, SR-21, SR-24, SR-33).
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "support.h"

static const char *san(const char *in)
{
    static char out[SR_SANITIZE_CAP];
    smartreply__sanitize(in, strlen(in), out);
    return out;
}

/* SR-6 */
static void masking_cases(void **state)
{
    static const char *const cases[][2] = {
        {"http://a.b", "[link]"},
        {"go to HTTPS://Example.COM/path.", "go to [link]."},
        {"ftp://x.y/z, then", "[link], then"},
        {"<www.example.net>", "<[link]>"},
        {"cairn.dev and foo.co.uk/a", "[link] and [link]"},
        {"mailto:x@y.z", "[email]"},
        {"tel:+15551234567", "[link]"},
        {"\"ann@example.com\"", "\"[email]\""},
        {"ann.lee@sub.example.co.uk!", "[email]!"},
        {"@handle and a@b", "@handle and a@b"},
        {"+44 20 7946 0958", "[phone]"},
        {"(555) 123-4567.", "[phone]."},
        {"555.123.4567 or 5551234567", "[phone] or [phone]"},
        {"room 101, 3 people, 12.5 km", "room 101, 3 people, 12.5 km"},
        {"e.g. i.e. U.S. etc.", "e.g. i.e. U.S. etc."},
        {"meet at 10:30-11:45", "meet at 10:30-11:45"},
        {"tab\there\nnew", "tab here new"},
    };
    (void)state;
    for (size_t i = 0; i < CAIRN_ARRAY_LEN(cases); i++) {
        if (strcmp(san(cases[i][0]), cases[i][1]) != 0) {
            fprintf(stderr, "mask(%s) = %s, want %s\n", cases[i][0], san(cases[i][0]),
                    cases[i][1]);
            fail();
        }
    }
}

/* SR-5: the cut never splits an address or a number. */
static void long_input_is_cut_safely(void **state)
{
    size_t n = 3 * CAIRN_SMARTREPLY_MAX_TEXT;
    char *in = malloc(n + 1);
    char out[SR_SANITIZE_CAP];
    size_t len;
    (void)state;
    /* A long URL shrinks to a placeholder; a phone number near the input
     * cut must not surface half-masked in the output. */
    memset(in, 'a', n);
    memcpy(in, "http://", 7);
    in[2 * CAIRN_SMARTREPLY_MAX_TEXT - 200] = ' ';
    memcpy(in + 2 * CAIRN_SMARTREPLY_MAX_TEXT - 6, " 555 1234 567 ", 14);
    in[n] = '\0';
    len = smartreply__sanitize(in, n, out);
    assert_true(len <= CAIRN_SMARTREPLY_MAX_TEXT);
    assert_true(smartreply__utf8_clean(out, len));
    assert_null(strstr(out, "555"));
    assert_null(strstr(out, "1234"));
    free(in);
}

static void utf8_clean_rules(void **state)
{
    (void)state;
    assert_true(smartreply__utf8_clean("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x91\x8d", 14));
    assert_false(smartreply__utf8_clean("\xc0\xaf", 2));         /* overlong */
    assert_false(smartreply__utf8_clean("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(smartreply__utf8_clean("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(smartreply__utf8_clean("a\0b", 3));
    assert_false(smartreply__utf8_clean("a\nb", 3));
    assert_false(smartreply__utf8_clean("\xc2\x85", 2));         /* C1 control */
}

/* SR-33: the tokeniser the model was trained with. */
static void tokeniser_matches_the_training_script(void **state)
{
    sr_token t[SR_MAX_TOKENS];
    const char *s = "Don\xe2\x80\x99t GO!! caf\xc3\xa9-10 'quoted'";
    size_t n = smartreply__tokenize(s, strlen(s), t, SR_MAX_TOKENS);
    (void)state;
    assert_int_equal(n, 5);
    assert_memory_equal(t[0].s, "dont", 4);
    assert_memory_equal(t[1].s, "go", 2);
    assert_memory_equal(t[2].s, "caf\xc3\xa9", 5);
    assert_memory_equal(t[3].s, "10", 2);
    assert_memory_equal(t[4].s, "quoted", 6);
    assert_true(smartreply__is_question("ok? ) ", 6));
    assert_false(smartreply__is_question("ok?!x", 5));
    {
        char big[200];
        memset(big, 'x', sizeof(big));
        n = smartreply__tokenize(big, sizeof(big), t, SR_MAX_TOKENS);
        assert_int_equal(n, 1);
        assert_int_equal(t[0].len, SR_MAX_TOKEN_BYTES);
    }
    /* FNV-1a test values: "" and "a". */
    assert_int_equal(smartreply__fnv1a(SR_FNV_INIT, "", 0), 0x811c9dc5u);
    assert_int_equal(smartreply__fnv1a(SR_FNV_INIT, "a", 1), 0xe40c292cu);
}

static void yes_no_questions(void **state)
{
    static const struct {
        const char *s;
        bool yn;
    } cases[] = {
        {"Are you free tonight?", true}, {"Lunch tomorrow?", true},
        {"What time works?", false}, {"Tea or coffee?", false},
        {"Are you coming.", false}, {"How are you?", false},
    };
    (void)state;
    for (size_t i = 0; i < CAIRN_ARRAY_LEN(cases); i++) {
        sr_token t[SR_MAX_TOKENS];
        size_t n = smartreply__tokenize(cases[i].s, strlen(cases[i].s), t, SR_MAX_TOKENS);
        bool q = smartreply__is_question(cases[i].s, strlen(cases[i].s));
        assert_int_equal(smartreply__is_yes_no(t, n, q), cases[i].yn);
    }
}

static void sensitive_gate(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_smartreply_host h;
    sr_lexicon *lx = NULL;
    static const char *const yes[] = {
        "she passed away", "SUICIDAL thoughts", "send me $50", "costs \xe2\x82\xac" "5",
        "what's your PIN", "my lawyer", "go vote", "at church", "he hit me",
        "hospitalised", "a   kill   myself", "nudes"};
    static const char *const no[] = {
        "I'll be there", "he'll know", "see you at the hill", "killjoy is a word",
        "lunch tomorrow?", "Merry Christmas!"};
    (void)state;
    h.abi_version = CAIRN_SMARTREPLY_ABI_VERSION;
    h.size = sizeof(h);
    h.ud = ctx;
    h.alloc = (void *(*)(void *, size_t))cairn__alloc;
    h.free = (void (*)(void *, void *))cairn__free;
    assert_int_equal(smartreply__lexicon_create(&h, &lx), CAIRN_OK);
    for (size_t i = 0; i < CAIRN_ARRAY_LEN(yes); i++)
        assert_true(smartreply__is_sensitive(lx, yes[i], strlen(yes[i])));
    for (size_t i = 0; i < CAIRN_ARRAY_LEN(no); i++)
        if (smartreply__is_sensitive(lx, no[i], strlen(no[i]))) {
            fprintf(stderr, "false positive: %s\n", no[i]);
            fail();
        }
    smartreply__lexicon_free(&h, lx);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(masking_cases),
        cmocka_unit_test(long_input_is_cut_safely),
        cmocka_unit_test(utf8_clean_rules),
        cmocka_unit_test(tokeniser_matches_the_training_script),
        cmocka_unit_test(yes_no_questions),
        cmocka_unit_test(sensitive_gate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
