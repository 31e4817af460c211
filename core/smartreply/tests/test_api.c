/*
 * test_api.c - the host's contract (spec/smart-replies.md): opt-in
 * (SR-2), latest message from someone else (SR-3), the 10-message window
 * (SR-4), text bounds and hostile input (SR-5), masking (SR-6), output
 * validation: at most three, one per intent, no repeated text (SR-8,
 * SR-9), opt-in persistence (SR-15), and the built-in engine end to end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

/* A recording in-process plugin: remembers what it was shown and returns
 * whatever the test put in `canned`. */
static struct {
    int calls;
    size_t count;
    char text[CAIRN_SMARTREPLY_WINDOW][CAIRN_SMARTREPLY_MAX_TEXT + 1];
    size_t len[CAIRN_SMARTREPLY_WINDOW];
    int from_me[CAIRN_SMARTREPLY_WINDOW];
    cairn_smartreply_output canned;
    cairn_status status;
} rec;

static const cairn_smartreply_host *rec_services;
static cairn_context *g_ctx;

static cairn_status rec_create(const cairn_smartreply_host *h, const uint8_t *m,
                               size_t n, void **st)
{
    (void)m;
    (void)n;
    rec_services = h;
    *st = h->alloc(h->ud, 8);
    return *st ? CAIRN_OK : CAIRN_ERR_NOMEM;
}

static cairn_status rec_suggest(void *st, const cairn_smartreply_message *msgs,
                                size_t count, cairn_smartreply_output *out)
{
    (void)st;
    rec.calls++;
    rec.count = count;
    for (size_t i = 0; i < count; i++) {
        memcpy(rec.text[i], msgs[i].text, msgs[i].len);
        rec.text[i][msgs[i].len] = '\0';
        rec.len[i] = msgs[i].len;
        rec.from_me[i] = msgs[i].from_me;
        /* SR-5: what a plugin sees is NUL-terminated and bounded. */
        assert_true(msgs[i].len <= CAIRN_SMARTREPLY_MAX_TEXT);
        assert_int_equal(msgs[i].text[msgs[i].len], '\0');
        assert_null(memchr(msgs[i].text, '\0', msgs[i].len));
    }
    *out = rec.canned;
    return rec.status;
}


static void rec_destroy(void *st)
{
    /* Memory from the host services goes back through them. */
    if (st != NULL)
        rec_services->free(rec_services->ud, st);
}

static const cairn_smartreply_plugin rec_plugin = {
    CAIRN_SMARTREPLY_ABI_VERSION, sizeof(cairn_smartreply_plugin), "recorder",
    rec_create, rec_suggest, rec_destroy};

static void canned(size_t i, uint32_t intent, const char *text)
{
    rec.canned.replies[i].intent = intent;
    rec.canned.replies[i].len = (uint32_t)strlen(text);
    memcpy(rec.canned.replies[i].text, text, strlen(text) + 1);
    if (rec.canned.count < i + 1)
        rec.canned.count = (uint32_t)(i + 1);
}

static cairn_smartreply *rec_setup(void)
{
    cairn_smartreply *sr;
    memset(&rec, 0, sizeof(rec));
    g_ctx = cts_context();
    sr = srt_host(g_ctx);
    assert_int_equal(cairn_smartreply_add_plugin(sr, &rec_plugin, NULL, 0, NULL), CAIRN_OK);
    canned(0, 1, "Sure!");
    return sr;
}

static void teardown(cairn_smartreply *sr)
{
    cairn_smartreply_destroy(sr);
    cairn_context_destroy(g_ctx);
    assert_int_equal(cts_live_allocations(), 0);
}

/* SR-2 */
static void optin_is_global_and_per_conversation(void **state)
{
    cairn_smartreply *sr = rec_setup();
    cairn_smartreply_list *l = (void *)1;
    (void)state;
    cairn_smartreply_set_enabled(sr, 0);
    assert_int_equal(srt_suggest1(sr, "Want lunch?", &l), CAIRN_ERR_STATE);
    assert_null(l);
    cairn_smartreply_set_enabled(sr, 1);
    assert_int_equal(cairn_smartreply_set_conversation(sr, SR_CONV, SR_CONV_LEN, 0), CAIRN_OK);
    assert_false(cairn_smartreply_conversation_enabled(sr, SR_CONV, SR_CONV_LEN));
    assert_int_equal(srt_suggest1(sr, "Want lunch?", &l), CAIRN_ERR_STATE);
    assert_int_equal(rec.calls, 0); /* the plugin never saw the text */
    assert_int_equal(cairn_smartreply_set_conversation(sr, SR_CONV, SR_CONV_LEN, 1), CAIRN_OK);
    assert_int_equal(srt_suggest1(sr, "Want lunch?", &l), CAIRN_OK);
    assert_int_equal(l->count, 1);
    assert_string_equal(l->items[0].text, "Sure!");
    cairn_smartreply_list_free(sr, l);
    /* Another conversation stays off. */
    {
        cairn_smartreply_message m = {"hi", 2, 0};
        assert_int_equal(cairn_smartreply_suggest(sr, (const uint8_t *)"other", 5, &m, 1, &l),
                         CAIRN_ERR_STATE);
    }
    assert_int_equal(rec.calls, 1);
    teardown(sr);
}

/* SR-15 */
static void optin_state_round_trips_and_rejects_bad_blobs(void **state)
{
    cairn_smartreply *sr = rec_setup(), *sr2 = NULL;
    uint8_t *blob = NULL;
    size_t len = 0;
    (void)state;
    assert_int_equal(cairn_smartreply_set_conversation(sr, (const uint8_t *)"b", 1, 1), CAIRN_OK);
    assert_int_equal(cairn_smartreply_set_conversation(sr, (const uint8_t *)"a", 1, 1), CAIRN_OK);
    assert_int_equal(cairn_smartreply_optin_export(sr, &blob, &len), CAIRN_OK);
    assert_int_equal(cairn_smartreply_create(g_ctx, &sr2), CAIRN_OK);
    assert_false(cairn_smartreply_enabled(sr2));
    assert_int_equal(cairn_smartreply_optin_import(sr2, blob, len), CAIRN_OK);
    assert_true(cairn_smartreply_enabled(sr2));
    assert_true(cairn_smartreply_conversation_enabled(sr2, (const uint8_t *)"a", 1));
    assert_true(cairn_smartreply_conversation_enabled(sr2, SR_CONV, SR_CONV_LEN));
    assert_false(cairn_smartreply_conversation_enabled(sr2, (const uint8_t *)"c", 1));
    /* Truncations and flipped bytes fail and leave the state untouched. */
    for (size_t cut = 0; cut < len; cut++)
        assert_int_not_equal(cairn_smartreply_optin_import(sr2, blob, cut), CAIRN_OK);
    blob[4] = 2;
    assert_int_equal(cairn_smartreply_optin_import(sr2, blob, len), CAIRN_ERR_VERSION);
    blob[4] = 1;
    blob[5] = 7;
    assert_int_equal(cairn_smartreply_optin_import(sr2, blob, len), CAIRN_ERR_DECODE);
    blob[5] = 1;
    blob[10] ^= 0xFF; /* first id length */
    assert_int_not_equal(cairn_smartreply_optin_import(sr2, blob, len), CAIRN_OK);
    assert_true(cairn_smartreply_conversation_enabled(sr2, (const uint8_t *)"a", 1));
    {
        /* unsorted ids are rejected */
        static const uint8_t unsorted[] = {'S', 'R', 'O', 'I', 1, 1, 0, 0, 0, 2, 1, 'b', 1, 'a'};
        static const uint8_t huge[] = {'S', 'R', 'O', 'I', 1, 1, 0xFF, 0xFF, 0xFF, 0xFF};
        assert_int_equal(cairn_smartreply_optin_import(sr2, unsorted, sizeof(unsorted)),
                         CAIRN_ERR_DECODE);
        assert_int_equal(cairn_smartreply_optin_import(sr2, huge, sizeof(huge)), CAIRN_ERR_LIMIT);
    }
    cairn_free(g_ctx, blob, len);
    cairn_smartreply_destroy(sr2);
    teardown(sr);
}

/* SR-3 */
static void only_when_latest_message_is_from_someone_else(void **state)
{
    cairn_smartreply *sr = rec_setup();
    cairn_smartreply_list *l = NULL;
    const char *texts[] = {"Lunch?", "Sure, where?"};
    int mine[] = {0, 1};
    cairn_smartreply_message m[2];
    (void)state;
    srt_msgs(m, texts, mine, 2);
    assert_int_equal(cairn_smartreply_suggest(sr, SR_CONV, SR_CONV_LEN, m, 2, &l),
                     CAIRN_ERR_DECLINED);
    assert_null(l);
    assert_int_equal(cairn_smartreply_suggest(sr, SR_CONV, SR_CONV_LEN, m, 0, &l),
                     CAIRN_ERR_DECLINED);
    assert_int_equal(rec.calls, 0);
    m[1].from_me = 0;
    assert_int_equal(cairn_smartreply_suggest(sr, SR_CONV, SR_CONV_LEN, m, 2, &l), CAIRN_OK);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(rec.count, 2);
    assert_int_equal(rec.from_me[0], 0);
    cairn_smartreply_list_free(sr, l);
    teardown(sr);
}

/* SR-4 */
static void at_most_the_last_ten_messages(void **state)
{
    cairn_smartreply *sr = rec_setup();
    cairn_smartreply_list *l = NULL;
    cairn_smartreply_message m[25];
    char bufs[25][16];
    (void)state;
    for (int i = 0; i < 25; i++) {
        snprintf(bufs[i], sizeof(bufs[i]), "msg %d", i);
        m[i].text = bufs[i];
        m[i].len = strlen(bufs[i]);
        m[i].from_me = i % 2;
    }
    m[24].from_me = 0;
    assert_int_equal(cairn_smartreply_suggest(sr, SR_CONV, SR_CONV_LEN, m, 25, &l), CAIRN_OK);
    assert_int_equal(rec.count, CAIRN_SMARTREPLY_WINDOW);
    assert_string_equal(rec.text[0], "msg 15");
    assert_string_equal(rec.text[9], "msg 24");
    assert_int_equal(rec.from_me[0], 1);
    cairn_smartreply_list_free(sr, l);
    teardown(sr);
}

static const char *seen_for(cairn_smartreply *sr, const char *text)
{
    cairn_smartreply_list *l = NULL;
    assert_int_equal(srt_suggest1(sr, text, &l), CAIRN_OK);
    cairn_smartreply_list_free(sr, l);
    return rec.text[rec.count - 1];
}

/* SR-6 */
static void urls_emails_and_phones_are_masked(void **state)
{
    cairn_smartreply *sr = rec_setup();
    (void)state;
    assert_string_equal(seen_for(sr, "see https://example.com/a?b=c now"), "see [link] now");
    assert_string_equal(seen_for(sr, "mail me at jo.doe+x@mail.example.org."),
                        "mail me at [email].");
    assert_string_equal(seen_for(sr, "call +1 (555) 123-4567 or 020 7946 0958!"),
                        "call [phone] or [phone]!");
    assert_string_equal(seen_for(sr, "(www.cairn.chat) and example.io/x"), "([link]) and [link]");
    /* not over-eager on ordinary text */
    assert_string_equal(seen_for(sr, "At 5 p.m. e.g. 10:30, room 12"), "At 5 p.m. e.g. 10:30, room 12");
    teardown(sr);
}

/* SR-5: NUL bytes, invalid UTF-8, control characters, huge messages. */
static void hostile_input_is_cleaned_and_bounded(void **state)
{
    cairn_smartreply *sr = rec_setup();
    cairn_smartreply_list *l = NULL;
    cairn_smartreply_message m;
    static const char nul[] = "hi\0there\x01\x7f";
    static const char bad[] = "caf\xc3 \xff\xfe ok \xed\xa0\x80 \xf4\x90\x80\x80";
    size_t big = 8u * 1024u * 1024u;
    char *huge = malloc(big);
    (void)state;
    m.text = nul;
    m.len = sizeof(nul) - 1;
    m.from_me = 0;
    assert_int_equal(cairn_smartreply_suggest(sr, SR_CONV, SR_CONV_LEN, &m, 1, &l), CAIRN_OK);
    cairn_smartreply_list_free(sr, l);
    assert_string_equal(rec.text[0], "hi there  ");
    m.text = bad;
    m.len = sizeof(bad) - 1;
    assert_int_equal(cairn_smartreply_suggest(sr, SR_CONV, SR_CONV_LEN, &m, 1, &l), CAIRN_OK);
    cairn_smartreply_list_free(sr, l);
    assert_string_equal(rec.text[0], "caf\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd ok "
                                     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
                                     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    /* 8 MiB of words: capped, cut at a character boundary. */
    assert_non_null(huge);
    for (size_t i = 0; i < big; i++)
        huge[i] = (i % 7 == 6) ? ' ' : "\xc3\xa9xyz\xc3\xa9"[i % 7];
    m.text = huge;
    m.len = big;
    assert_int_equal(cairn_smartreply_suggest(sr, SR_CONV, SR_CONV_LEN, &m, 1, &l), CAIRN_OK);
    cairn_smartreply_list_free(sr, l);
    assert_true(rec.len[0] <= CAIRN_SMARTREPLY_MAX_TEXT);
    assert_true(rec.len[0] > CAIRN_SMARTREPLY_MAX_TEXT - 8);
    /* A giant run of digits: no safe cut, so nothing of it is shown. */
    memset(huge, '7', big);
    assert_int_equal(cairn_smartreply_suggest(sr, SR_CONV, SR_CONV_LEN, &m, 1, &l), CAIRN_OK);
    cairn_smartreply_list_free(sr, l);
    assert_null(strpbrk(rec.text[0], "0123456789"));
    free(huge);
    /* NULL text with a length is a caller bug. */
    m.text = NULL;
    m.len = 3;
    assert_int_equal(cairn_smartreply_suggest(sr, SR_CONV, SR_CONV_LEN, &m, 1, &l),
                     CAIRN_ERR_INVALID_ARG);
    teardown(sr);
}

/* SR-8, SR-9 */
static void at_most_three_and_one_per_intent(void **state)
{
    cairn_smartreply *sr = rec_setup();
    cairn_smartreply_list *l = NULL;
    (void)state;
    canned(0, 5, "Yes!");
    canned(1, 5, "Yes, sure!");    /* same intent: dropped */
    canned(2, 6, "Yes!");          /* same text: dropped */
    rec.canned.count = 3;
    assert_int_equal(srt_suggest1(sr, "ok?", &l), CAIRN_OK);
    assert_int_equal(l->count, 1);
    assert_string_equal(l->items[0].text, "Yes!");
    cairn_smartreply_list_free(sr, l);

    canned(0, 1, "One.");
    canned(1, 2, "Bad \x01 control.");  /* unclean: dropped */
    canned(2, 3, "Three.");
    rec.canned.count = 99;              /* lies about the count */
    assert_int_equal(srt_suggest1(sr, "ok?", &l), CAIRN_OK);
    assert_int_equal(l->count, 2);
    assert_string_equal(l->items[1].text, "Three.");
    assert_int_not_equal(l->items[0].intent, l->items[1].intent);
    cairn_smartreply_list_free(sr, l);

    rec.canned.replies[0].len = 4000; /* longer than a reply may be */
    rec.canned.count = 1;
    assert_int_equal(srt_suggest1(sr, "ok?", &l), CAIRN_OK);
    assert_int_equal(l->count, 0);
    cairn_smartreply_list_free(sr, l);

    rec.status = CAIRN_ERR_DECLINED;
    assert_int_equal(srt_suggest1(sr, "ok?", &l), CAIRN_ERR_DECLINED);
    assert_null(l);
    rec.status = CAIRN_ERR_CORRUPT;
    assert_int_equal(srt_suggest1(sr, "ok?", &l), CAIRN_ERR_INTERNAL);
    teardown(sr);
}

static void bad_arguments(void **state)
{
    cairn_smartreply *sr = rec_setup();
    cairn_smartreply_list *l = NULL;
    cairn_smartreply_message m = {"x", 1, 0};
    cairn_smartreply_plugin wrong = rec_plugin;
    cairn_smartreply_engine_info info;
    (void)state;
    assert_int_equal(cairn_smartreply_create(NULL, NULL), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_smartreply_suggest(NULL, SR_CONV, 1, &m, 1, &l), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_smartreply_suggest(sr, SR_CONV, 0, &m, 1, &l), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_smartreply_suggest(sr, SR_CONV, 200, &m, 1, &l), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_smartreply_set_conversation(sr, SR_CONV, 0, 1), CAIRN_ERR_INVALID_ARG);
    wrong.abi_version = 2;
    assert_int_equal(cairn_smartreply_add_plugin(sr, &wrong, NULL, 0, NULL), CAIRN_ERR_VERSION);
    wrong = rec_plugin;
    wrong.size = 8;
    assert_int_equal(cairn_smartreply_add_plugin(sr, &wrong, NULL, 0, NULL), CAIRN_ERR_VERSION);
    info.size = sizeof(info);
    assert_int_equal(cairn_smartreply_engine_info_get(sr, 0, &info), CAIRN_OK);
    assert_string_equal(info.name, "recorder");
    assert_int_equal(cairn_smartreply_engine_info_get(sr, 1, &info), CAIRN_ERR_NOT_FOUND);
    cairn_smartreply_list_free(sr, NULL);
    cairn_smartreply_destroy(NULL);
    teardown(sr);
}

/* The built-in engine through the public API (SR-20..SR-24). */
static void builtin_engine_end_to_end(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_smartreply *sr = srt_host(ctx);
    cairn_smartreply_list *l = NULL;
    size_t mlen;
    const uint8_t *model = srt_model(&mlen);
    (void)state;
    assert_int_equal(cairn_smartreply_add_plugin(sr, cairn_smartreply_builtin(), model, mlen, NULL),
                     CAIRN_OK);
    assert_int_equal(srt_suggest1(sr, "Thanks so much for your help today!", &l), CAIRN_OK);
    assert_true(l->count >= 1);
    assert_string_equal(l->items[0].text, "You're welcome!");
    cairn_smartreply_list_free(sr, l);
    /* A yes/no question gets a yes and a no (SR-24). */
    assert_int_equal(srt_suggest1(sr, "Do you want to grab lunch tomorrow?", &l), CAIRN_OK);
    assert_true(l->count >= 2);
    assert_string_equal(l->items[0].text, "Lunch sounds great!");
    assert_string_equal(l->items[1].text, "Sorry, I can't make it this time.");
    for (size_t i = 0; i < l->count; i++)
        for (size_t j = i + 1; j < l->count; j++)
            assert_int_not_equal(l->items[i].intent, l->items[j].intent);
    cairn_smartreply_list_free(sr, l);
    /* Declines: sensitive anywhere in the window, other languages. */
    assert_int_equal(srt_suggest1(sr, "The funeral is on Friday", &l), CAIRN_ERR_DECLINED);
    assert_int_equal(srt_suggest1(sr, "Tu viens ce soir ?", &l), CAIRN_ERR_DECLINED);
    {
        const char *texts[] = {"I need money for rent", "ok", "Thanks!"};
        cairn_smartreply_message m[3];
        srt_msgs(m, texts, NULL, 3);
        assert_int_equal(cairn_smartreply_suggest(sr, SR_CONV, SR_CONV_LEN, m, 3, &l),
                         CAIRN_ERR_DECLINED);
    }
    /* Nothing confident: an empty list, not a guess. */
    assert_int_equal(srt_suggest1(sr, "The bins go out on Thursday", &l), CAIRN_OK);
    assert_int_equal(l->count, 0);
    cairn_smartreply_list_free(sr, l);
    cairn_smartreply_destroy(sr);
    cairn_context_destroy(ctx);
    assert_int_equal(cts_live_allocations(), 0);
}

/* Every allocation failure is reported as CAIRN_ERR_NOMEM, never a crash
 * or a leak. */
static void allocation_failures(void **state)
{
    size_t mlen;
    const uint8_t *model = srt_model(&mlen);
    (void)state;
    for (long n = 0; n < 40; n++) {
        cairn_context *ctx = cts_context();
        cairn_smartreply *sr = NULL;
        cairn_smartreply_list *l = NULL;
        cairn_status st;
        cts_fail_after(n);
        st = cairn_smartreply_create(ctx, &sr);
        if (st == CAIRN_OK) {
            cairn_smartreply_set_enabled(sr, 1);
            st = cairn_smartreply_set_conversation(sr, SR_CONV, SR_CONV_LEN, 1);
        }
        if (st == CAIRN_OK)
            st = cairn_smartreply_add_plugin(sr, cairn_smartreply_builtin(), model, mlen, NULL);
        if (st == CAIRN_OK)
            st = srt_suggest1(sr, "Thanks so much!", &l);
        assert_true(st == CAIRN_OK || st == CAIRN_ERR_NOMEM);
        cairn_smartreply_list_free(sr, l);
        cairn_smartreply_destroy(sr);
        cts_fail_after(-1);
        cairn_context_destroy(ctx);
        assert_int_equal(cts_live_allocations(), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(optin_is_global_and_per_conversation),
        cmocka_unit_test(optin_state_round_trips_and_rejects_bad_blobs),
        cmocka_unit_test(only_when_latest_message_is_from_someone_else),
        cmocka_unit_test(at_most_the_last_ten_messages),
        cmocka_unit_test(urls_emails_and_phones_are_masked),
        cmocka_unit_test(hostile_input_is_cleaned_and_bounded),
        cmocka_unit_test(at_most_three_and_one_per_intent),
        cmocka_unit_test(bad_arguments),
        cmocka_unit_test(builtin_engine_end_to_end),
        cmocka_unit_test(allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
