/*
 * test_sip_feature.c - RCS feature tags: strict writing (SIP-40) and
 * lenient matching on receive (SIP-41): case, quoting, percent-encoding,
 * ordering, several URNs in one tag, tags in Accept-Contact and
 * P-Preferred-Service.
 */
#include <string.h>

#include "base.h"
#include "cairn/sip_feature.h"
#include "test_support.h"

#define P(s) cairn_sip_features_from_params(cairn_sip_str_of(s))

static void strict_writing(void **state)
{
    cairn_context *ctx = cts_context();
    cairn__buf b;
    (void)state;
    cairn__buf_init(&b, ctx, 1024);
    assert_int_equal(cairn_sip_features_format(&b, CAIRN_SIP_FEATURE_CPM_MSG |
                                                       CAIRN_SIP_FEATURE_CPM_SESSION |
                                                       CAIRN_SIP_FEATURE_FTHTTP),
                     CAIRN_OK);
    assert_string_equal((char *)b.data,
                        ";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session,"
                        "urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg\""
                        ";+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.fthttp\"");
    /* What we write, we read back. */
    assert_int_equal(P((char *)b.data), CAIRN_SIP_FEATURE_CPM_MSG | CAIRN_SIP_FEATURE_CPM_SESSION |
                                            CAIRN_SIP_FEATURE_FTHTTP);
    b.len = 0;
    assert_int_equal(cairn_sip_features_format(&b, 0), CAIRN_OK);
    assert_int_equal(b.len, 0);
    assert_int_equal(cairn_sip_features_format(&b, 1u << 20), CAIRN_ERR_INVALID_ARG);
    assert_string_equal(cairn_sip_feature_urn(CAIRN_SIP_FEATURE_CPM_LARGEMSG),
                        "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.largemsg");
    assert_null(cairn_sip_feature_urn(3));
    cairn__buf_free(&b);
    cairn_context_destroy(ctx);
}

static void lenient_matching(void **state)
{
    (void)state;
    assert_int_equal(P(";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg\""),
                     CAIRN_SIP_FEATURE_CPM_MSG);
    /* Case of name, value and percent-escapes. */
    assert_int_equal(
        P(";+G.3GPP.ICSI-REF=\"URN%3aurn-7%3a3GPP-service.ims.icsi.oma.CPM.largemsg\""),
        CAIRN_SIP_FEATURE_CPM_LARGEMSG);
    /* Not percent-encoded, not quoted, with <>. */
    assert_int_equal(P(";+g.3gpp.iari-ref=\"urn:urn-7:3gpp-application.ims.iari.rcs.fthttp\""),
                     CAIRN_SIP_FEATURE_FTHTTP);
    assert_int_equal(P(";+g.3gpp.icsi-ref=urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session"),
                     CAIRN_SIP_FEATURE_CPM_SESSION);
    assert_int_equal(P(";+g.3gpp.icsi-ref=\"<urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session>\""),
                     CAIRN_SIP_FEATURE_CPM_SESSION);
    /* A list in one tag, in any order with spaces; unknown URNs ignored;
     * the tag repeated; other parameters around. */
    assert_int_equal(
        P(";expires=600;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel, "
          "urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg , "
          "urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\";audio"
          ";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.filetransfer\""),
        CAIRN_SIP_FEATURE_CPM_MSG | CAIRN_SIP_FEATURE_CPM_SESSION |
            CAIRN_SIP_FEATURE_CPM_FILETRANSFER);
    /* A missing '+' is tolerated. */
    assert_int_equal(P(";g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg\""),
                     CAIRN_SIP_FEATURE_CPM_MSG);
    /* Near misses do not match. */
    assert_int_equal(P(";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msgx\""),
                     0);
    assert_int_equal(P(";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm\""), 0);
    assert_int_equal(P(";+g.3gpp.other=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg\""), 0);
    assert_int_equal(P(";+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.msg%\""),
                     0);
    assert_int_equal(P(";+g.3gpp.icsi-ref=\"unterminated"), 0);
    assert_int_equal(P(""), 0);
}

static void in_messages(void **state)
{
    static const char in[] =
        "INVITE sip:bob@example.net SIP/2.0\r\n"
        "Contact: <sip:alice@192.0.2.1:5061;transport=tls>;+sip.instance=\"<urn:gsma:imei:1>\";"
        "+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\";"
        "+g.3gpp.iari-ref=\"urn%3Aurn-7%3A3gpp-application.ims.iari.rcs.fthttp\"\r\n"
        "a: "
        "*;+g.3gpp.icsi-ref=\"urn%3Aurn-7%3A3gpp-service.ims.icsi.oma.cpm.session\";require;"
        "explicit\r\n"
        "P-Preferred-Service: urn:urn-7:3gpp-service.ims.icsi.oma.cpm.session\r\n"
        "Content-Length: 0\r\n\r\n";
    cairn_context *ctx = cts_context();
    cairn_sip_msg *m = NULL;
    (void)state;
    assert_int_equal(cairn_sip_msg_parse(ctx, NULL, (const uint8_t *)in, strlen(in), &m), CAIRN_OK);
    assert_int_equal(cairn_sip_msg_features(m, "m"),
                     CAIRN_SIP_FEATURE_CPM_SESSION | CAIRN_SIP_FEATURE_FTHTTP);
    assert_int_equal(cairn_sip_msg_features(m, "Accept-Contact"), CAIRN_SIP_FEATURE_CPM_SESSION);
    assert_int_equal(cairn_sip_msg_features(m, "p-preferred-service"),
                     CAIRN_SIP_FEATURE_CPM_SESSION);
    assert_int_equal(cairn_sip_msg_features(m, "P-Asserted-Service"), 0);
    cairn_sip_msg_free(m);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strict_writing),
        cmocka_unit_test(lenient_matching),
        cmocka_unit_test(in_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
