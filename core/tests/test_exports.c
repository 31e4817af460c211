/*
 * test_exports.c - the ABI guard: the shared library exports exactly the
 * symbols listed in core/cairn.sym (one per line, sorted). Adding a public
 * function means adding it there, on purpose; an internal symbol leaking
 * out, or a public one vanishing, fails here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

static void exported_symbols_match_the_pinned_list(void **state)
{
    const char *lib = getenv("CAIRN_SHARED_LIB"), *list = getenv("CAIRN_SYMBOLS");
    char cmd[8192], line[512], *want, *got = NULL;
    size_t got_len = 0, want_len;
    FILE *p;
    (void)state;
    assert_non_null(lib);
    assert_non_null(list);
    snprintf(cmd, sizeof(cmd),
             "nm -D --defined-only '%s' | awk '$2 ~ /^[TDBR]$/ {print $3}' | sort", lib);
    p = popen(cmd, "r");
    assert_non_null(p);
    while (fgets(line, sizeof(line), p) != NULL) {
        size_t n = strlen(line);
        got = realloc(got, got_len + n + 1);
        memcpy(got + got_len, line, n + 1);
        got_len += n;
    }
    assert_int_equal(pclose(p), 0);
    want = cts_read_file(list, &want_len);
    assert_non_null(want);
    assert_non_null(got);
    if (strcmp(want, got) != 0) {
        fprintf(stderr, "exported symbols differ from %s; the library exports:\n%s", list, got);
        free(want);
        free(got);
        fail();
    }
    /* every exported name carries the public prefix */
    for (char *s = got; *s; s = strchr(s, '\n') + 1) {
        assert_int_equal(strncmp(s, "cairn_", 6), 0);
        assert_true(s[6] != '_');
    }
    free(want);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exported_symbols_match_the_pinned_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
