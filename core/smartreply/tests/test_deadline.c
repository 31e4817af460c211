/*
 * test_deadline.c - every call has a deadline (SR-11): a late in-process
 * result is dropped, a sandboxed worker that does not answer in time is
 * killed and reaped, and an engine that misses max_misses deadlines in a
 * row is disabled (SR-11) while a success in between resets the count.
 */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

static cairn_context *ctx;
static int slow_ms;

static int setup(void **state)
{
    (void)state;
    ctx = cts_context();
    return ctx ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    cairn_context_destroy(ctx);
    return 0;
}

static cairn_status slow_create(const cairn_smartreply_host *h, const uint8_t *m,
                                size_t n, void **st)
{
    (void)h;
    (void)m;
    (void)n;
    *st = NULL;
    return CAIRN_OK;
}

static cairn_status slow_suggest(void *st, const cairn_smartreply_message *msgs,
                                 size_t count, cairn_smartreply_output *out)
{
    struct timespec ts;
    (void)st;
    (void)msgs;
    (void)count;
    ts.tv_sec = 0;
    ts.tv_nsec = (long)slow_ms * 1000000L;
    if (slow_ms > 0)
        nanosleep(&ts, NULL);
    out->count = 1;
    out->replies[0].intent = 1;
    out->replies[0].len = 3;
    memcpy(out->replies[0].text, "Ok.", 4);
    return CAIRN_OK;
}

static const cairn_smartreply_plugin slow = {
    CAIRN_SMARTREPLY_ABI_VERSION, sizeof(cairn_smartreply_plugin), "slow",
    slow_create, slow_suggest, NULL};

static void info_of(cairn_smartreply *sr, size_t i, cairn_smartreply_engine_info *info)
{
    info->size = sizeof(*info);
    assert_int_equal(cairn_smartreply_engine_info_get(sr, i, info), CAIRN_OK);
}

static void late_in_process_results_are_dropped_then_disabled(void **state)
{
    cairn_smartreply *sr = srt_host(ctx);
    cairn_smartreply_list *l = NULL;
    cairn_smartreply_options o;
    cairn_smartreply_engine_info info;
    (void)state;
    cairn_smartreply_options_init(&o);
    o.deadline_ms = 20;
    o.max_misses = 3;
    assert_int_equal(cairn_smartreply_add_plugin(sr, &slow, NULL, 0, &o), CAIRN_OK);
    slow_ms = 0;
    assert_int_equal(srt_suggest1(sr, "hi", &l), CAIRN_OK);
    assert_int_equal(l->count, 1);
    cairn_smartreply_list_free(sr, l);
    l = NULL;
    /* Two misses, one success: the streak resets. */
    slow_ms = 60;
    assert_int_equal(srt_suggest1(sr, "hi", &l), CAIRN_ERR_TIMEOUT);
    assert_null(l);
    assert_int_equal(srt_suggest1(sr, "hi", &l), CAIRN_ERR_TIMEOUT);
    info_of(sr, 0, &info);
    assert_int_equal(info.consecutive_misses, 2);
    slow_ms = 0;
    assert_int_equal(srt_suggest1(sr, "hi", &l), CAIRN_OK);
    cairn_smartreply_list_free(sr, l);
    info_of(sr, 0, &info);
    assert_int_equal(info.consecutive_misses, 0);
    assert_false(info.disabled);
    /* Three in a row: disabled. */
    slow_ms = 60;
    for (int i = 0; i < 3; i++)
        assert_int_equal(srt_suggest1(sr, "hi", &l), CAIRN_ERR_TIMEOUT);
    info_of(sr, 0, &info);
    assert_true(info.disabled);
    assert_int_equal(info.total_misses, 5);
    slow_ms = 0;
    assert_int_equal(srt_suggest1(sr, "hi", &l), CAIRN_ERR_STATE);
    cairn_smartreply_destroy(sr);
}

static void sandboxed_worker_past_deadline_is_killed_then_disabled(void **state)
{
    cairn_smartreply *sr = srt_host(ctx);
    cairn_smartreply_list *l = NULL;
    cairn_smartreply_options o;
    cairn_smartreply_engine_info info;
    size_t mlen;
    const uint8_t *model = srt_model(&mlen);
    int st;
    (void)state;
    cairn_smartreply_options_init(&o);
    o.sandbox = 1;
    o.deadline_ms = 50;
    o.max_misses = 3;
    o.arena_bytes = 4u * 1024u * 1024u;
    assert_int_equal(cairn_smartreply_load_plugin(sr, SR_TEST_PLUGIN, (const uint8_t *)"spin",
                                                  4, &o),
                     CAIRN_OK);
    assert_int_equal(cairn_smartreply_add_plugin(sr, cairn_smartreply_builtin(), model, mlen, NULL),
                     CAIRN_OK);
    for (int i = 0; i < 3; i++) {
        int64_t t0 = (int64_t)time(NULL);
        assert_int_equal(srt_suggest1(sr, "Thanks!", &l), CAIRN_ERR_TIMEOUT);
        assert_true((int64_t)time(NULL) - t0 <= 2);
        /* The late worker was killed and reaped before returning. */
        assert_int_equal(waitpid(-1, &st, WNOHANG), -1);
        assert_int_equal(errno, ECHILD);
    }
    info_of(sr, 0, &info);
    assert_true(info.disabled);
    assert_int_equal(info.total_misses, 3);
    /* The built-in engine takes over. */
    assert_int_equal(srt_suggest1(sr, "Thanks!", &l), CAIRN_OK);
    assert_string_equal(l->items[0].text, "You're welcome!");
    cairn_smartreply_list_free(sr, l);
    cairn_smartreply_destroy(sr);
}

/* The built-in engine, sandboxed, answers well within its deadline. */
static void builtin_engine_runs_in_the_sandbox(void **state)
{
    cairn_smartreply *sr = srt_host(ctx);
    cairn_smartreply_list *l = NULL;
    cairn_smartreply_options o;
    size_t mlen;
    const uint8_t *model = srt_model(&mlen);
    (void)state;
    cairn_smartreply_options_init(&o);
    o.sandbox = 1;
    o.deadline_ms = 1000;
    assert_int_equal(cairn_smartreply_add_plugin(sr, cairn_smartreply_builtin(), model, mlen, &o),
                     CAIRN_OK);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(srt_suggest1(sr, "Want to grab a coffee later?", &l), CAIRN_OK);
        assert_true(l->count >= 2);
        assert_string_equal(l->items[0].text, "I'd love a coffee!");
        cairn_smartreply_list_free(sr, l);
    }
    assert_int_equal(srt_suggest1(sr, "The funeral is on Friday", &l), CAIRN_ERR_DECLINED);
    cairn_smartreply_destroy(sr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(late_in_process_results_are_dropped_then_disabled),
        cmocka_unit_test(sandboxed_worker_past_deadline_is_killed_then_disabled),
        cmocka_unit_test(builtin_engine_runs_in_the_sandbox),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
