/*
 * wycheproof.c - Wycheproof JSON walking for the crypto tests. A file that
 * cannot be parsed, or whose case count does not match numberOfTests,
 * fails the test rather than passing on nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "base.h"
#include "test_support.h"
#include "wycheproof.h"

size_t wp_for_each(const char *path, wp_case_fn fn, void *arg)
{
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    json_t *groups, *group, *tests, *test;
    size_t gi, ti, count = 0;

    if (root == NULL)
        fail_msg("%s: %s (line %d)", path, err.text, err.line);
    groups = json_object_get(root, "testGroups");
    assert_true(json_is_array(groups));
    json_array_foreach(groups, gi, group) {
        tests = json_object_get(group, "tests");
        assert_true(json_is_array(tests));
        json_array_foreach(tests, ti, test) {
            fn(group, test, arg);
            count++;
        }
    }
    assert_int_equal(count, wp_int(root, "numberOfTests"));
    json_decref(root);
    return count;
}

uint8_t *wp_hex(const json_t *test, const char *field, size_t *len)
{
    const char *s = json_string_value(json_object_get(test, field));
    size_t n, out_len = 0;
    uint8_t *out;

    if (s == NULL)
        fail_msg("tcId %ld: missing field %s", wp_id(test), field);
    n = strlen(s);
    out = malloc(n / 2 + 1);
    assert_non_null(out);
    if (cairn__hex_decode(out, n / 2 + 1, &out_len, s, n) != CAIRN_OK)
        fail_msg("tcId %ld: bad hex in %s", wp_id(test), field);
    *len = out_len;
    return out;
}

long wp_int(const json_t *obj, const char *field)
{
    json_t *v = json_object_get(obj, field);
    if (!json_is_integer(v))
        fail_msg("missing integer field %s", field);
    return (long)json_integer_value(v);
}

int wp_valid(const json_t *test)
{
    const char *r = json_string_value(json_object_get(test, "result"));
    if (r != NULL && strcmp(r, "valid") == 0)
        return 1;
    if (r != NULL && strcmp(r, "invalid") == 0)
        return 0;
    fail_msg("tcId %ld: unexpected result %s", wp_id(test), r ? r : "(none)");
    return 0;
}

long wp_id(const json_t *test)
{
    json_t *v = json_object_get(test, "tcId");
    return json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

void wp_check_mac(const json_t *group, const json_t *test, const uint8_t mac[32], size_t *valid,
                  size_t *invalid)
{
    size_t tag_len;
    uint8_t *tag = wp_hex(test, "tag", &tag_len);
    size_t tag_size = (size_t)wp_int(group, "tagSize") / 8;
    int match;

    assert_true(tag_size > 0 && tag_size <= 32);
    match = tag_len == tag_size && cairn__memeq_ct(mac, tag, tag_size) == 0;
    free(tag);
    if (wp_valid(test)) {
        if (!match)
            fail_msg("tcId %ld: valid tag mismatch", wp_id(test));
        (*valid)++;
    } else {
        if (match)
            fail_msg("tcId %ld: modified tag verified", wp_id(test));
        (*invalid)++;
    }
}
