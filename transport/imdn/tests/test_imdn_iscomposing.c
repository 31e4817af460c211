/*
 * test_imdn_iscomposing.c - isComposing (RFC 3994 section 5 examples as
 * facts), round trips and refusals (ISCOMP-1, ISCOMP-2).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/iscomposing.h"
#include "test_support.h"

static cairn_context *g_ctx;

static const char rfc_active[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\"\n"
    "  xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
    "  xsi:schemaLocation=\"urn:ietf:params:xml:ns:im-composing\n"
    "  iscomposing.xsd\">\n"
    "  <state>active</state>\n"
    "  <contenttype>text/plain</contenttype>\n"
    "  <refresh>90</refresh>\n"
    "</isComposing>\n";
static const char rfc_idle[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">\n"
    "  <state>idle</state>\n"
    "  <lastactive>2003-01-27T10:43:00Z</lastactive>\n"
    "  <contenttype>audio</contenttype>\n"
    "</isComposing>\n";

#define X(s) (const uint8_t *)(s), strlen(s)

static void test_rfc(void **state)
{
    cairn_iscomposing c;
    (void)state;
    assert_int_equal(cairn_iscomposing_parse(g_ctx, X(rfc_active), &c), CAIRN_OK);
    assert_true(c.active);
    assert_string_equal(c.contenttype, "text/plain");
    assert_int_equal(c.refresh, 90);
    assert_string_equal(c.lastactive, "");
    assert_int_equal(cairn_iscomposing_parse(g_ctx, X(rfc_idle), &c), CAIRN_OK);
    assert_false(c.active);
    assert_string_equal(c.lastactive, "2003-01-27T10:43:00Z");
    assert_string_equal(c.contenttype, "audio");
    assert_int_equal(c.refresh, 0);
}

static void test_round_trip(void **state)
{
    cairn_iscomposing c, d;
    cairn__buf b;
    (void)state;
    memset(&c, 0, sizeof(c));
    c.active = true;
    strcpy(c.contenttype, "text/plain; charset=\"utf-8\"");
    strcpy(c.lastactive, "2026-05-01T00:00:00Z");
    c.refresh = 120;
    cairn__buf_init(&b, g_ctx, 4096);
    assert_int_equal(cairn_iscomposing_write(&b, &c), CAIRN_OK);
    assert_int_equal(cairn_iscomposing_parse(g_ctx, b.data, b.len, &d), CAIRN_OK);
    assert_memory_equal(&c, &d, sizeof(c));
    /* buffer too small: nothing written */
    cairn__buf_free(&b);
    cairn__buf_init(&b, g_ctx, 50);
    assert_int_equal(cairn_iscomposing_write(&b, &c), CAIRN_ERR_TOO_LARGE);
    assert_int_equal(b.len, 0);
    cairn__buf_free(&b);
}

static void test_refusals(void **state)
{
    static const char *bad[] = {
        "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\"/>",
        "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\"><state>typing</state></isComposing>",
        "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\"><state>active</state><state>idle</state></isComposing>",
        "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\"><state>active</state><refresh>0</refresh></isComposing>",
        "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\"><state>active</state><refresh>-5</refresh></isComposing>",
        "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\"><state>active</state><refresh>99999999999</refresh></isComposing>",
        "<isComposing xmlns=\"urn:example:other\"><state>active</state></isComposing>",
        "<composing><state>active</state></composing>",
        "<!DOCTYPE x [<!ENTITY a \"active\">]><isComposing><state>&a;</state></isComposing>",
    };
    size_t i;
    cairn_iscomposing c;
    (void)state;
    for (i = 0; i < CAIRN_ARRAY_LEN(bad); i++)
        assert_int_equal(cairn_iscomposing_parse(g_ctx, X(bad[i]), &c), CAIRN_ERR_DECODE);
    assert_int_equal(cairn_iscomposing_parse(g_ctx, X("<isComposing><state> idle </state><x>ignored</x></isComposing>"), &c),
                     CAIRN_OK);
    assert_false(c.active);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refusals),
    };
    int rc;
    g_ctx = cts_context();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    cairn_context_destroy(g_ctx);
    return rc;
}
