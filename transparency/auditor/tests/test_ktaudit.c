/*
 * test_ktaudit.c - unit tests of cairn-audit's parsers and signatures
 * (spec/kt-auditor.md): add-checkpoint bodies (c2sp-tlog-witness.md
 * grammar and caps), gossiped heads, head signature checks over a real
 * directory's configuration, and Ed25519 cosignatures
 * (c2sp-tlog-cosignature.md message layout, key ID with type 0x04).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base.h"
#include "cairn/ktaudit.h"
#include "cairn/ktdir.h"
#include "cairn/note.h"
#include "test_support.h"

static void test_addcp(void **state)
{
    cairn_kta_addcp r;
    const char *ok = "old 3\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n"
                     "jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n\nlog\n4\nroot\n";
    const char *bad[] = {"", "old 3", "old 3\n", "old 03\n\nx", "old -1\n\nx",
                         "olde 3\n\nx", "old 3\nshort\n\nx", "old 3\n\n",
                         "old 18446744073709551616\n\nx"};
    char big[4000];
    size_t o = 0;
    (void)state;
    assert_int_equal(cairn_kta_addcp_parse((const uint8_t *)ok, strlen(ok), &r), CAIRN_OK);
    assert_int_equal(r.old_size, 3);
    assert_int_equal(r.n_proof, 2);
    assert_int_equal(r.note_len, strlen("log\n4\nroot\n"));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_not_equal(cairn_kta_addcp_parse((const uint8_t *)bad[i], strlen(bad[i]), &r),
                             CAIRN_OK);
    /* 64 proof lines: over the cap of 63. */
    o += (size_t)snprintf(big, sizeof big, "old 1\n");
    for (int i = 0; i < 64; i++)
        o += (size_t)snprintf(big + o, sizeof big - o,
                              "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n");
    o += (size_t)snprintf(big + o, sizeof big - o, "\nx\n");
    assert_int_equal(cairn_kta_addcp_parse((const uint8_t *)big, o, &r), CAIRN_ERR_TOO_LARGE);
}

static void test_heads_and_cosign(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_kta_head h;
    const char *j = "{\"tree_size\":3,\"root_b64\":\"PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\","
                    "\"signature_b64\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\"}";
    uint8_t pk[32], sk[64], sig[64], blob[76];
    char line[256], vk[256], msg[512];
    size_t bl;
    const char *text = "example.com/log\n4\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    (void)state;
    assert_int_equal(cairn_kta_head_parse((const uint8_t *)j, strlen(j), &h), CAIRN_OK);
    assert_int_equal(h.tree_size, 3);
    assert_int_not_equal(cairn_kta_head_parse((const uint8_t *)"{\"tree_size\":0}", 15, &h),
                         CAIRN_OK);
    assert_int_not_equal(cairn_kta_head_parse((const uint8_t *)"[", 1, &h), CAIRN_OK);
    /* Cosignature layout: keyid(4) || time(8) || sig(64) over
     * "cosignature/v1\ntime T\n" || text. */
    crypto_sign_keypair(pk, sk);
    assert_int_equal(cairn_kta_cosign("w.example/1", sk, pk, 1700000000, text, strlen(text),
                                      line, sizeof line), CAIRN_OK);
    assert_memory_equal(line, "\xe2\x80\x94 w.example/1 ", 16);
    assert_int_equal(cairn__base64_decode(blob, sizeof blob, &bl, line + 16,
                                          strlen(line + 16) - 1), CAIRN_OK);
    assert_int_equal(bl, 76);
    {
        uint32_t id = cairn_note_key_id("w.example/1", 11, 0x04, pk, 32);
        assert_int_equal(((uint32_t)blob[0] << 24) | ((uint32_t)blob[1] << 16) |
                             ((uint32_t)blob[2] << 8) | blob[3], id);
    }
    snprintf(msg, sizeof msg, "cosignature/v1\ntime 1700000000\n%s", text);
    memcpy(sig, blob + 12, 64);
    assert_int_equal(crypto_sign_verify_detached(sig, (uint8_t *)msg, strlen(msg), pk), 0);
    assert_int_equal(cairn_kta_cosigner_vkey("w.example/1", pk, vk, sizeof vk), CAIRN_OK);
    assert_non_null(strstr(vk, "w.example/1+"));
    assert_int_equal(cairn_kta_cosign("w", sk, pk, 0, text, strlen(text), line, sizeof line),
                     CAIRN_ERR_INVALID_ARG);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addcp),
        cmocka_unit_test(test_heads_and_cosign),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
