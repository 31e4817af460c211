/*
 * test_sip_msg.c - building, querying and serializing SIP messages
 * (SIP-10..13), header injection refusal, and allocation failure at every
 * step leaving no leak.
 */
#include <string.h>

#include "base.h"
#include "cairn/sip.h"
#include "cairn/sip_addr.h"
#include "test_support.h"

static cairn_sip_msg *build_message(cairn_context *ctx)
{
    cairn_sip_msg *m = NULL;
    assert_int_equal(cairn_sip_msg_new_request(ctx, "MESSAGE", "sip:bob@example.net", &m),
                     CAIRN_OK);
    assert_int_equal(cairn_sip_msg_header_add(
                         m, "Via", "SIP/2.0/TLS 192.0.2.1:5061;branch=z9hG4bK776asdhds;rport"),
                     CAIRN_OK);
    assert_int_equal(cairn_sip_msg_header_add(m, "Max-Forwards", "70"), CAIRN_OK);
    assert_int_equal(cairn_sip_msg_header_add(m, "From", "<sip:alice@example.net>;tag=1928301774"),
                     CAIRN_OK);
    assert_int_equal(cairn_sip_msg_header_add(m, "To", "<sip:bob@example.net>"), CAIRN_OK);
    assert_int_equal(cairn_sip_msg_header_add(m, "call-id", "a84b4c76e66710@pc33"), CAIRN_OK);
    assert_int_equal(cairn_sip_msg_header_addf(m, "CSeq", "%u MESSAGE", 314159u), CAIRN_OK);
    assert_int_equal(cairn_sip_msg_header_add(m, "P-Preferred-Service",
                                              "urn:urn-7:3gpp-service.ims.icsi.oma.cpm.msg"),
                     CAIRN_OK);
    assert_int_equal(
        cairn_sip_msg_header_add(m, "Conversation-ID", "f81d4fae7dec11d0a76500a0c91e6bf6"),
        CAIRN_OK);
    assert_int_equal(cairn_sip_msg_body_set(m, "message/cpim", "hello", 5), CAIRN_OK);
    return m;
}

/* SIP-10: strict form, canonical names, computed Content-Length last. */
static void build_serialize_parse(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_sip_msg *m = build_message(ctx), *p = NULL;
    cairn__buf b, b2;
    size_t blen;
    (void)state;

    cairn__buf_init(&b, ctx, 1 << 16);
    assert_int_equal(cairn_sip_msg_serialize(m, &b), CAIRN_OK);
    assert_non_null(strstr((char *)b.data, "MESSAGE sip:bob@example.net SIP/2.0\r\n"));
    assert_non_null(strstr((char *)b.data, "\r\nCall-ID: a84b4c76e66710@pc33\r\n"));
    assert_non_null(strstr((char *)b.data, "\r\nContent-Type: message/cpim\r\n"));
    assert_non_null(strstr((char *)b.data, "\r\nContent-Length: 5\r\n\r\nhello"));
    assert_int_equal(cairn_sip_msg_parse(ctx, NULL, b.data, b.len, &p), CAIRN_OK);
    assert_true(cairn_sip_msg_is_request(p));
    assert_int_equal(cairn_sip_msg_method_id(p), CAIRN_SIP_MESSAGE);
    assert_string_equal(cairn_sip_msg_request_uri(p), "sip:bob@example.net");
    assert_string_equal(cairn_sip_msg_header(p, "i", 0), "a84b4c76e66710@pc33");
    assert_string_equal((const char *)cairn_sip_msg_body(p, &blen), "hello");
    assert_int_equal(blen, 5);
    /* Round trip is byte-exact. */
    cairn__buf_init(&b2, ctx, 1 << 16);
    assert_int_equal(cairn_sip_msg_serialize(p, &b2), CAIRN_OK);
    assert_int_equal(b.len, b2.len);
    assert_memory_equal(b.data, b2.data, b.len);
    cairn__buf_free(&b);
    cairn__buf_free(&b2);
    cairn_sip_msg_free(m);
    cairn_sip_msg_free(p);
    assert_int_equal(cts_live_allocations(), 1);
    cairn_context_destroy(ctx);
}

static void header_editing(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_sip_msg *m = build_message(ctx);
    const char *n, *v;
    size_t i;
    (void)state;

    assert_int_equal(
        cairn_sip_msg_header_prepend(m, "v", "SIP/2.0/TCP proxy.example.net;branch=z9hG4bKp1"),
        CAIRN_OK);
    assert_int_equal(cairn_sip_msg_header_count(m, "VIA"), 2);
    assert_string_equal(cairn_sip_msg_header(m, "Via", 0),
                        "SIP/2.0/TCP proxy.example.net;branch=z9hG4bKp1");
    assert_int_equal(cairn_sip_msg_header_at(m, 0, &n, &v), CAIRN_OK);
    assert_string_equal(n, "Via");
    assert_int_equal(cairn_sip_msg_header_remove_at(m, "via", 0), CAIRN_OK);
    assert_int_equal(cairn_sip_msg_header_count(m, "Via"), 1);
    assert_int_equal(cairn_sip_msg_header_remove_at(m, "via", 5), CAIRN_ERR_NOT_FOUND);
    /* set replaces all values; unknown names keep their spelling. */
    assert_int_equal(cairn_sip_msg_header_add(m, "X-Custom", " one "), CAIRN_OK);
    assert_int_equal(cairn_sip_msg_header_add(m, "x-custom", "two"), CAIRN_OK);
    assert_int_equal(cairn_sip_msg_header_count(m, "X-CUSTOM"), 2);
    assert_string_equal(cairn_sip_msg_header(m, "X-Custom", 0), "one");
    assert_int_equal(cairn_sip_msg_header_set(m, "X-Custom", "three"), CAIRN_OK);
    assert_int_equal(cairn_sip_msg_header_count(m, "x-custom"), 1);
    assert_string_equal(cairn_sip_msg_header(m, "x-custom", 0), "three");
    assert_int_equal(cairn_sip_msg_header_remove(m, "X-Custom"), 1);
    assert_null(cairn_sip_msg_header(m, "X-Custom", 0));
    /* Iteration visits every header once, in order. */
    for (i = 0; cairn_sip_msg_header_at(m, i, &n, &v) == CAIRN_OK; i++)
        assert_non_null(v);
    assert_int_equal(i, cairn_sip_msg_header_count(m, NULL));
    /* Body removal removes Content-Type. */
    assert_int_equal(cairn_sip_msg_body_set(m, NULL, NULL, 0), CAIRN_OK);
    assert_null(cairn_sip_msg_header(m, "Content-Type", 0));
    cairn_sip_msg_free(m);
    assert_int_equal(cts_live_allocations(), 1);
    cairn_context_destroy(ctx);
}

/* SIP-11: the builder refuses header injection and bad start lines. */
static void builder_is_strict(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_sip_msg *m = NULL;
    (void)state;
    assert_int_equal(cairn_sip_msg_new_request(ctx, "MES SAGE", "sip:a@b", &m),
                     CAIRN_ERR_INVALID_ARG);
    assert_null(m);
    assert_int_equal(cairn_sip_msg_new_request(ctx, "MESSAGE", "sip:a@b x", &m),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_sip_msg_new_request(ctx, "MESSAGE", "", &m), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_sip_msg_new_response(ctx, 99, NULL, &m), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_sip_msg_new_response(ctx, 700, NULL, &m), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_sip_msg_new_response(ctx, 200, "OK\r\nVia: x", &m),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_sip_msg_new_response(ctx, 486, NULL, &m), CAIRN_OK);
    assert_string_equal(cairn_sip_msg_reason(m), "Busy Here");
    assert_int_equal(cairn_sip_msg_status(m), 486);
    assert_null(cairn_sip_msg_method(m));
    assert_int_equal(cairn_sip_msg_header_add(m, "To", "<sip:a@b>\r\nContact: <sip:evil@x>"),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_sip_msg_header_add(m, "To", "<sip:a@b>\nX"), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_sip_msg_header_add(m, "Bad Name", "x"), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_sip_msg_header_add(m, "Bad:Name", "x"), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_sip_msg_header_add(m, "", "x"), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_sip_msg_body_set(m, NULL, "x", 1), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_sip_msg_body_set(m, "text/plain\r\nX: y", "x", 1),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_sip_msg_header_count(m, NULL), 0);
    /* A stored Content-Length never reaches the wire: it is recomputed. */
    assert_int_equal(cairn_sip_msg_header_add(m, "Content-Length", "999"), CAIRN_OK);
    {
        cairn__buf b;
        cairn__buf_init(&b, ctx, 4096);
        assert_int_equal(cairn_sip_msg_serialize(m, &b), CAIRN_OK);
        assert_string_equal((char *)b.data, "SIP/2.0 486 Busy Here\r\nContent-Length: 0\r\n\r\n");
        cairn__buf_free(&b);
        /* The output buffer's own cap applies and it is left unchanged. */
        cairn__buf_init(&b, ctx, 10);
        assert_int_equal(cairn_sip_msg_serialize(m, &b), CAIRN_ERR_TOO_LARGE);
        assert_int_equal(b.len, 0);
        cairn__buf_free(&b);
    }
    cairn_sip_msg_free(m);
    cairn_sip_msg_free(NULL);
    assert_int_equal(cts_live_allocations(), 1);
    cairn_context_destroy(ctx);
}

/* Every allocation of build + serialize + parse is failed in turn: each
 * failure is reported as CAIRN_ERR_NOMEM and nothing leaks. */
static void allocation_torture(void **state)
{
    cairn_context *ctx = cts_context();
    long n;
    (void)state;
    for (n = 0; n < 200; n++) {
        cairn_sip_msg *m = NULL, *p = NULL;
        cairn__buf b;
        cairn_status rc;
        cts_fail_after(n);
        cairn__buf_init(&b, ctx, 1 << 16);
        rc = cairn_sip_msg_new_request(ctx, "MESSAGE", "sip:bob@example.net", &m);
        if (rc == CAIRN_OK)
            rc = cairn_sip_msg_header_add(m, "Via", "SIP/2.0/TCP h;branch=z9hG4bK1");
        if (rc == CAIRN_OK)
            rc = cairn_sip_msg_header_set(m, "Call-ID", "x@y");
        if (rc == CAIRN_OK)
            rc = cairn_sip_msg_body_set(m, "text/plain", "hi", 2);
        if (rc == CAIRN_OK)
            rc = cairn_sip_msg_serialize(m, &b);
        if (rc == CAIRN_OK)
            rc = cairn_sip_msg_parse(ctx, NULL, b.data, b.len, &p);
        cts_fail_after(-1);
        if (rc == CAIRN_OK)
            assert_string_equal(cairn_sip_msg_header(p, "Call-ID", 0), "x@y");
        else
            assert_int_equal(rc, CAIRN_ERR_NOMEM);
        cairn_sip_msg_free(m);
        cairn_sip_msg_free(p);
        cairn__buf_free(&b);
        assert_int_equal(cts_live_allocations(), 1);
        if (rc == CAIRN_OK)
            break;
    }
    assert_true(n > 5 && n < 200);
    cairn_context_destroy(ctx);
}

static void branch_and_tokens(void **state)
{
    cairn_context *ctx = cts_context();
    char br[CAIRN_SIP_BRANCH_SIZE], br2[CAIRN_SIP_BRANCH_SIZE], tok[CAIRN_SIP_TOKEN_SIZE];
    (void)state;
    assert_int_equal(cairn_sip_branch_new(ctx, br), CAIRN_OK);
    assert_int_equal(cairn_sip_branch_new(ctx, br2), CAIRN_OK);
    /* SIP-30: magic cookie prefix, unique. */
    assert_memory_equal(br, "z9hG4bK", 7);
    assert_int_equal(strlen(br), 39);
    assert_string_not_equal(br, br2);
    assert_int_equal(cairn_sip_token_new(ctx, tok), CAIRN_OK);
    assert_int_equal(strlen(tok), 32);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(build_serialize_parse), cmocka_unit_test(header_editing),
        cmocka_unit_test(builder_is_strict),     cmocka_unit_test(allocation_torture),
        cmocka_unit_test(branch_and_tokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
