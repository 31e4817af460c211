/*
 * test_sandbox.c - third-party engines in the seccomp worker (SR-10, SR-12..SR-14):
 * a plugin .so loaded with dlopen answers through the pipe protocol and
 * sees only masked text; one that opens a file or a socket is killed by
 * the kernel, disabled and reaped, while the host keeps serving from the
 * next engine; ABI mismatches and missing objects are refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

static cairn_context *ctx;

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

/* No child of ours is left, running or zombie. */
static void assert_no_children(void)
{
    int st;
    assert_int_equal(waitpid(-1, &st, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

static cairn_smartreply_options sandboxed(uint32_t deadline_ms)
{
    cairn_smartreply_options o;
    cairn_smartreply_options_init(&o);
    o.sandbox = 1;
    o.deadline_ms = deadline_ms;
    o.arena_bytes = 4u * 1024u * 1024u;
    return o;
}

static cairn_status load(cairn_smartreply *sr, const char *mode)
{
    cairn_smartreply_options o = sandboxed(2000);
    return cairn_smartreply_load_plugin(sr, SR_TEST_PLUGIN, (const uint8_t *)mode,
                                        strlen(mode), &o);
}

/* SR-13, SR-14: a dlopen()ed plugin answers over the pipes. */
static void dlopened_plugin_answers_with_masked_text(void **state)
{
    cairn_smartreply *sr = srt_host(ctx);
    cairn_smartreply_list *l = NULL;
    cairn_smartreply_engine_info info;
    (void)state;
    assert_int_equal(load(sr, "echo"), CAIRN_OK);
    for (int round = 0; round < 3; round++) {
        assert_int_equal(srt_suggest1(sr, "mail a@b.example.com or call 555 123 4567", &l),
                         CAIRN_OK);
        assert_int_equal(l->count, 2);
        assert_string_equal(l->items[0].text, "mail [email] or call [phone]");
        assert_string_equal(l->items[1].text, "n=1");
        cairn_smartreply_list_free(sr, l);
    }
    info.size = sizeof(info);
    assert_int_equal(cairn_smartreply_engine_info_get(sr, 0, &info), CAIRN_OK);
    assert_string_equal(info.name, "test-plugin");
    assert_true(info.sandboxed);
    assert_false(info.disabled);
    cairn_smartreply_destroy(sr);
    assert_no_children();
}

/* SR-12: opening a file inside the sandbox kills the worker. */
static void plugin_opening_a_file_is_killed_and_host_keeps_serving(void **state)
{
    cairn_smartreply *sr = srt_host(ctx);
    cairn_smartreply_list *l = NULL;
    cairn_smartreply_engine_info info;
    size_t mlen;
    const uint8_t *model = srt_model(&mlen);
    (void)state;
    assert_int_equal(load(sr, "open"), CAIRN_OK);
    assert_int_equal(cairn_smartreply_add_plugin(sr, cairn_smartreply_builtin(), model, mlen, NULL),
                     CAIRN_OK);
    assert_int_equal(srt_suggest1(sr, "Thanks a lot!", &l), CAIRN_ERR_INTERNAL);
    assert_null(l);
    info.size = sizeof(info);
    assert_int_equal(cairn_smartreply_engine_info_get(sr, 0, &info), CAIRN_OK);
    assert_true(info.disabled);
    assert_no_children(); /* killed and reaped */
    /* The host carries on with the next engine. */
    assert_int_equal(srt_suggest1(sr, "Thanks a lot!", &l), CAIRN_OK);
    assert_true(l->count >= 1);
    assert_string_equal(l->items[0].text, "You're welcome!");
    cairn_smartreply_list_free(sr, l);
    cairn_smartreply_destroy(sr);
}

/* SR-12: so does creating a socket. */
static void plugin_opening_a_socket_is_killed(void **state)
{
    cairn_smartreply *sr = srt_host(ctx);
    cairn_smartreply_list *l = NULL;
    cairn_smartreply_engine_info info;
    (void)state;
    assert_int_equal(load(sr, "socket"), CAIRN_OK);
    assert_int_equal(srt_suggest1(sr, "hello", &l), CAIRN_ERR_INTERNAL);
    info.size = sizeof(info);
    assert_int_equal(cairn_smartreply_engine_info_get(sr, 0, &info), CAIRN_OK);
    assert_true(info.disabled);
    /* Disabled and no other engine: the host answers, without a plugin. */
    assert_int_equal(srt_suggest1(sr, "hello", &l), CAIRN_ERR_STATE);
    assert_no_children();
    cairn_smartreply_destroy(sr);
}

/* An in-process plugin struct can be sandboxed too (SR-12). */
static cairn_status evil_create(const cairn_smartreply_host *h, const uint8_t *m,
                                size_t n, void **st)
{
    (void)m;
    (void)n;
    *st = h->alloc(h->ud, 16);
    return *st ? CAIRN_OK : CAIRN_ERR_NOMEM;
}

static cairn_status evil_suggest(void *st, const cairn_smartreply_message *msgs,
                                 size_t count, cairn_smartreply_output *out)
{
    (void)st;
    (void)msgs;
    (void)count;
    (void)out;
    /* A would-be exfiltration: the kernel kills us at the first syscall. */
    (void)!write(2, "leak", 4); /* fd 2 is closed in the worker anyway */
    (void)!unlink("/tmp/never-created-by-smartreply");
    return CAIRN_OK;
}

static const cairn_smartreply_plugin evil = {
    CAIRN_SMARTREPLY_ABI_VERSION, sizeof(cairn_smartreply_plugin), "evil",
    evil_create, evil_suggest, NULL};

static void registered_plugin_in_sandbox_is_killed(void **state)
{
    cairn_smartreply *sr = srt_host(ctx);
    cairn_smartreply_list *l = NULL;
    cairn_smartreply_options o = sandboxed(2000);
    (void)state;
    assert_int_equal(cairn_smartreply_add_plugin(sr, &evil, NULL, 0, &o), CAIRN_OK);
    assert_int_equal(srt_suggest1(sr, "hello", &l), CAIRN_ERR_INTERNAL);
    assert_int_equal(srt_suggest1(sr, "hello", &l), CAIRN_ERR_STATE);
    assert_no_children();
    cairn_smartreply_destroy(sr);
}

/* SR-10, SR-14: what is refused at load time. */
static void bad_plugins_are_refused(void **state)
{
    cairn_smartreply *sr = srt_host(ctx);
    cairn_smartreply_options o = sandboxed(500);
    (void)state;
    assert_int_equal(cairn_smartreply_load_plugin(sr, "/nonexistent/plugin.so",
                                                  (const uint8_t *)"echo", 4, &o),
                     CAIRN_ERR_NOT_FOUND);
    assert_int_equal(load(sr, "fail"), CAIRN_ERR_DECODE);
    setenv("SR_TEST_PLUGIN_ABI", "bad", 1);
    assert_int_equal(load(sr, "echo"), CAIRN_ERR_VERSION);
    unsetenv("SR_TEST_PLUGIN_ABI");
    assert_int_equal(cairn_smartreply_load_plugin(sr, "", NULL, 0, &o), CAIRN_ERR_INVALID_ARG);
    assert_no_children();
    cairn_smartreply_destroy(sr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dlopened_plugin_answers_with_masked_text),
        cmocka_unit_test(plugin_opening_a_file_is_killed_and_host_keeps_serving),
        cmocka_unit_test(plugin_opening_a_socket_is_killed),
        cmocka_unit_test(registered_plugin_in_sandbox_is_killed),
        cmocka_unit_test(bad_plugins_are_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
