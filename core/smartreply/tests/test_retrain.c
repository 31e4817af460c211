/*
 * test_retrain.c - the committed model is reproducible (SR-36): running
 * model/train.py (python3 standard library, fixed seed) writes a file
 * byte-identical to model/smartreply.model. Skips when no python3 was
 * found at configure time.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "support.h"

static void retraining_reproduces_the_committed_model(void **state)
{
    char *dir, *cmd, *fresh, *committed;
    size_t fresh_len = 0, committed_len = 0;
    int rc;
    (void)state;
    if (SR_PYTHON[0] == '\0') {
        fprintf(stderr, "SKIP: python3 not found at configure time\n");
        skip();
    }
    dir = cts_tempdir();
    assert_non_null(dir);
    cmd = malloc(strlen(dir) + 4096);
    assert_non_null(cmd);
    snprintf(cmd, strlen(dir) + 4096, "'%s' '%s/train.py' --quiet --out '%s/model'",
             SR_PYTHON, SR_MODEL_DIR, dir);
    rc = system(cmd);
    assert_true(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
    snprintf(cmd, strlen(dir) + 4096, "%s/model", dir);
    fresh = cts_read_file(cmd, &fresh_len);
    committed = cts_read_file(SR_MODEL_PATH, &committed_len);
    assert_non_null(fresh);
    assert_non_null(committed);
    assert_int_equal(fresh_len, committed_len);
    if (memcmp(fresh, committed, fresh_len) != 0) {
        fprintf(stderr, "retrained model differs from the committed one; "
                        "commit the output of model/train.py\n");
        fail();
    }
    free(fresh);
    free(committed);
    free(cmd);
    cts_rmdir(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(retraining_reproduces_the_committed_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
