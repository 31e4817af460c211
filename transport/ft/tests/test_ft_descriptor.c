/*
 * test_ft_descriptor.c - the FT-over-HTTP descriptor: a GSMA RCC.07 style
 * document with thumbnail and file (as facts), round trips including the
 * audio playing-length, and refusals: missing or duplicate parts, bad
 * numbers, non-http URLs, DOCTYPE, truncation, allocation failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/ft.h"
#include "test_support.h"

static cairn_context *g_ctx;

static const char gsma[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<file xmlns=\"urn:gsma:params:xml:ns:rcs:rcs:fthttp\">\n"
    "  <file-info type=\"thumbnail\">\n"
    "    <file-size>7427</file-size>\n"
    "    <content-type>image/jpeg</content-type>\n"
    "    <data url=\"https://ftcontentserver.rcs/download?id=001\" until=\"2017-04-25T12:17:07Z\"/>\n"
    "  </file-info>\n"
    "  <file-info type=\"file\" file-disposition=\"render\">\n"
    "    <file-size>183524</file-size>\n"
    "    <file-name>DSC00086.jpg</file-name>\n"
    "    <content-type>image/jpeg</content-type>\n"
    "    <data url=\"https://ftcontentserver.rcs/download?id=abc&amp;x=1\" until=\"2017-04-25T12:17:07Z\"/>\n"
    "  </file-info>\n"
    "</file>\n";

#define X(s) (const uint8_t *)(s), strlen(s)

static void test_gsma_example(void **state)
{
    cairn_ft_descriptor d;
    (void)state;
    assert_int_equal(cairn_ft_parse(g_ctx, X(gsma), &d), CAIRN_OK);
    assert_true(d.thumbnail.present);
    assert_int_equal(d.thumbnail.size, 7427);
    assert_string_equal(d.thumbnail.content_type, "image/jpeg");
    assert_string_equal(d.thumbnail.url, "https://ftcontentserver.rcs/download?id=001");
    assert_true(d.file.present);
    assert_int_equal(d.file.size, 183524);
    assert_string_equal(d.file.name, "DSC00086.jpg");
    assert_string_equal(d.file.disposition, "render");
    assert_string_equal(d.file.url, "https://ftcontentserver.rcs/download?id=abc&x=1");
    assert_string_equal(d.file.until, "2017-04-25T12:17:07Z");
    assert_false(d.file.has_playing_length);
}

static void test_round_trip(void **state)
{
    cairn_ft_descriptor d, e;
    cairn__buf b;
    (void)state;
    memset(&d, 0, sizeof(d));
    d.file.present = true;
    d.file.size = 9007199254740991ull;
    strcpy(d.file.name, "voice <1> & \"more\".m4a");
    strcpy(d.file.content_type, "audio/mp4");
    strcpy(d.file.url, "https://ft.example.net/d/xyz?a=1&b=2");
    strcpy(d.file.until, "2026-12-01T00:00:00Z");
    strcpy(d.file.disposition, "attachment");
    d.file.has_playing_length = true;
    d.file.playing_length = 42;
    cairn__buf_init(&b, g_ctx, 8192);
    assert_int_equal(cairn_ft_write(&b, &d), CAIRN_OK);
    assert_non_null(strstr((char *)b.data, "xmlns:am=\"urn:gsma:params:xml:ns:rcs:rcs:rram\""));
    assert_int_equal(cairn_ft_parse(g_ctx, b.data, b.len, &e), CAIRN_OK);
    assert_memory_equal(&d, &e, sizeof(d));
    /* with a thumbnail, which is written first */
    d.thumbnail.present = true;
    d.thumbnail.size = 100;
    strcpy(d.thumbnail.content_type, "image/png");
    strcpy(d.thumbnail.url, "https://ft.example.net/t/xyz");
    strcpy(d.thumbnail.until, "2026-12-01T00:00:00Z");
    cairn__buf_reset(&b);
    assert_int_equal(cairn_ft_write(&b, &d), CAIRN_OK);
    assert_true(strstr((char *)b.data, "type=\"thumbnail\"") < strstr((char *)b.data, "type=\"file\""));
    assert_int_equal(cairn_ft_parse(g_ctx, b.data, b.len, &e), CAIRN_OK);
    assert_memory_equal(&d, &e, sizeof(d));
    /* the writer refuses http:, missing until, missing file */
    strcpy(d.file.url, "http://ft.example.net/plain");
    cairn__buf_reset(&b);
    assert_int_equal(cairn_ft_write(&b, &d), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(b.len, 0);
    strcpy(d.file.url, "https://ft.example.net/ok");
    d.file.until[0] = 0;
    assert_int_equal(cairn_ft_write(&b, &d), CAIRN_ERR_INVALID_ARG);
    d.file.present = false;
    assert_int_equal(cairn_ft_write(&b, &d), CAIRN_ERR_INVALID_ARG);
    cairn__buf_free(&b);
}

static char *with(const char *find, const char *repl)
{
    const char *at = strstr(gsma, find);
    char *s = malloc(strlen(gsma) + strlen(repl) + 1);
    size_t pre = (size_t)(at - gsma);
    memcpy(s, gsma, pre);
    strcpy(s + pre, repl);
    strcat(s, at + strlen(find));
    return s;
}

static void test_refusals(void **state)
{
    static const char *cases[][2] = {
        {"<file-size>183524</file-size>", "<file-size>-1</file-size>"},
        {"<file-size>183524</file-size>", "<file-size>9007199254740992</file-size>"},
        {"<file-size>183524</file-size>", "<file-size>183524</file-size><file-size>1</file-size>"},
        {"<file-size>183524</file-size>", ""},
        {"https://ftcontentserver.rcs/download?id=abc", "javascript:alert(1)"},
        {"https://ftcontentserver.rcs/download?id=abc", "file:///etc/passwd"},
        {"type=\"file\"", "type=\"thumbnail\""},
        {"type=\"file\"", "type=\"other\""},
        {"type=\"file\"", ""},
        {"<content-type>image/jpeg</content-type>\n    <data url=\"https://ftcontentserver.rcs/download?id=abc",
         "<data url=\"https://ftcontentserver.rcs/download?id=abc"},
        {"<file xmlns", "<!DOCTYPE file [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><file xmlns"},
        {"<file xmlns=\"urn:gsma:params:xml:ns:rcs:rcs:fthttp\">", "<file xmlns=\"urn:evil\">"},
    };
    size_t i, n;
    cairn_ft_descriptor d;
    (void)state;
    for (i = 0; i < CAIRN_ARRAY_LEN(cases); i++) {
        char *s = with(cases[i][0], cases[i][1]);
        memset(&d, 0x33, sizeof(d));
        assert_int_equal(cairn_ft_parse(g_ctx, X(s), &d), CAIRN_ERR_DECODE);
        assert_int_equal((unsigned char)d.file.url[0], 0x33); /* untouched */
        free(s);
    }
    /* a thumbnail alone is not a descriptor */
    {
        char *s = with("<file-info type=\"file\" file-disposition=\"render\">", "<x>");
        assert_int_not_equal(cairn_ft_parse(g_ctx, X(s), &d), CAIRN_OK);
        free(s);
    }
    /* an over-long URL does not fit its slot */
    {
        char *url = malloc(3000), *s;
        memcpy(url, "https://", 8);
        memset(url + 8, 'a', 2900);
        url[2908] = 0;
        s = with("https://ftcontentserver.rcs/download?id=abc", url);
        assert_int_equal(cairn_ft_parse(g_ctx, X(s), &d), CAIRN_ERR_TOO_LARGE);
        free(s);
        free(url);
    }
    for (n = 0; n < strlen(gsma) - 1; n++)
        assert_int_equal(cairn_ft_parse(g_ctx, (const uint8_t *)gsma, n, &d), CAIRN_ERR_DECODE);
}

static void test_alloc_failures(void **state)
{
    long k, live0 = cts_live_allocations();
    bool ok = false;
    (void)state;
    for (k = 0; k < 200 && !ok; k++) {
        cairn_ft_descriptor d;
        cairn_status rc;
        cts_fail_after(k);
        rc = cairn_ft_parse(g_ctx, X(gsma), &d);
        cts_fail_after(-1);
        ok = rc == CAIRN_OK;
        if (!ok)
            assert_int_equal(rc, CAIRN_ERR_NOMEM);
        assert_int_equal(cts_live_allocations(), live0);
    }
    assert_true(ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gsma_example),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_alloc_failures),
    };
    int rc;
    g_ctx = cts_context();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    cairn_context_destroy(g_ctx);
    return rc;
}
