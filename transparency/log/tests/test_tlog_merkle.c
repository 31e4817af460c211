/*
 * test_tlog_merkle.c - RFC 6962 / RFC 9162 hashing and proofs: every case
 * of the shared rfc6962-merkle vectors, known RFC values, and property
 * tests over random trees of 1..300 leaves (every proof verifies; flipped,
 * truncated or extended proofs, roots and leaves do not).
 * Requirements: TLOG-1 .. TLOG-6.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sodium.h>

#include "base.h"
#include "cairn/tlog_merkle.h"
#include "test_support.h"

#define HL CAIRN_TLOG_HASH_LEN

/* ---- vector harness ---------------------------------------------------- */

static int g_cases;

/* Decodes a base64 hash of any length (vectors carry deliberately wrong
 * ones). Returns the length, or -1 when not base64. */
static int b64(const char *s, uint8_t *out, size_t cap)
{
    size_t got = 0;
    if (cairn__base64_decode(out, cap, &got, s, strlen(s)) != CAIRN_OK)
        return -1;
    return (int)got;
}

/* The proof is a list of 32-byte hashes on the wire (TLOG-4): an element of
 * another length is a decoding error, so the case fails before verifying.
 * Returns the byte length, or -1 on a malformed element. */
static long decode_proof(json_t *arr, uint8_t *out, size_t cap)
{
    size_t i, n;
    long total = 0;
    if (arr == NULL || json_is_null(arr))
        return 0;
    n = json_array_size(arr);
    for (i = 0; i < n; i++) {
        uint8_t h[64];
        int l = b64(json_string_value(json_array_get(arr, i)), h, sizeof(h));
        if (l != HL || (size_t)total + HL > cap)
            return -1;
        memcpy(out + total, h, HL);
        total += HL;
    }
    return total;
}

/* jansson stores integers as signed 64-bit, and the vectors use sizes up to
 * 2^64 - 1: read the integer fields from the raw text instead. */
static uint64_t raw_u64(const char *text, const char *key)
{
    char pat[64];
    const char *p;
    snprintf(pat, sizeof(pat), "\"%s\"", key);
    p = strstr(text, pat);
    assert_non_null(p);
    p = strchr(p + strlen(pat), ':');
    assert_non_null(p);
    return strtoull(p + 1, NULL, 10);
}

static void run_case(const char *path, bool inclusion)
{
    json_error_t jerr;
    json_t *j = json_load_file(path, JSON_DECODE_INT_AS_REAL, &jerr);
    char *raw = cts_read_file(path, NULL);
    uint8_t proof[CAIRN_TLOG_MAX_PROOF_LEN * 2];
    uint8_t a[64], b[64];
    long plen;
    int al, bl;
    bool want_err, got_err;
    cairn_status rc = CAIRN_OK;

    if (j == NULL || raw == NULL)
        fail_msg("%s: %s", path, jerr.text);
    want_err = json_is_true(json_object_get(j, "wantErr"));
    plen = decode_proof(json_object_get(j, "proof"), proof, sizeof(proof));
    if (inclusion) {
        al = b64(json_string_value(json_object_get(j, "leafHash")), a, sizeof(a));
        bl = b64(json_string_value(json_object_get(j, "root")), b, sizeof(b));
        assert_true(al >= 0 && bl >= 0);
        if (plen >= 0)
            rc = cairn_tlog_verify_inclusion(
                raw_u64(raw, "leafIdx"), raw_u64(raw, "treeSize"),
                a, (size_t)al, proof, (size_t)plen, b, (size_t)bl);
    } else {
        al = b64(json_string_value(json_object_get(j, "root1")), a, sizeof(a));
        bl = b64(json_string_value(json_object_get(j, "root2")), b, sizeof(b));
        assert_true(al >= 0 && bl >= 0);
        if (plen >= 0)
            rc = cairn_tlog_verify_consistency(
                raw_u64(raw, "size1"), raw_u64(raw, "size2"),
                proof, (size_t)plen, a, (size_t)al, b, (size_t)bl);
    }
    got_err = plen < 0 || rc != CAIRN_OK;
    if (got_err != want_err)
        fail_msg("%s (%s): want %s, got %s", path,
                 json_string_value(json_object_get(j, "desc")),
                 want_err ? "error" : "ok", cairn_status_name(rc));
    if (got_err && plen >= 0)
        assert_int_equal(rc, CAIRN_ERR_PROOF);
    g_cases++;
    json_decref(j);
    free(raw);
}

static void walk(const char *dir, bool inclusion)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    struct stat st;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            walk(path, inclusion);
        else if (n > 5 && !strcmp(e->d_name + n - 5, ".json"))
            run_case(path, inclusion);
    }
    closedir(d);
}

/* TLOG-4, TLOG-5: every vector gives its labelled result. */
static void rfc6962_vectors(void **state)
{
    const char *inc = CTS_VECTOR_OR_SKIP("rfc6962-merkle/inclusion");
    char incdir[4096];
    const char *con;
    (void)state;
    snprintf(incdir, sizeof(incdir), "%s", inc);
    g_cases = 0;
    walk(incdir, true);
    print_message("rfc6962 inclusion cases: %d\n", g_cases);
    assert_true(g_cases > 0);
    con = CTS_VECTOR_OR_SKIP("rfc6962-merkle/consistency");
    g_cases = 0;
    walk(con, false);
    print_message("rfc6962 consistency cases: %d\n", g_cases);
    assert_true(g_cases > 0);
}

/* ---- known values ------------------------------------------------------- */

/* TLOG-1: the RFC 6962 empty-tree hash and leaf/node prefixes. */
static void known_hashes(void **state)
{
    uint8_t h[HL], l[HL], r[HL], want[HL], buf[1 + 2 * HL];
    char hex[2 * HL + 1];
    (void)state;
    cairn_tlog_hash_empty(h);
    cairn__hex_encode(hex, h, HL);
    assert_string_equal(
        hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    cairn_tlog_hash_leaf(h, NULL, 0);
    cairn__hex_encode(hex, h, HL);
    /* SHA-256 of the single byte 0x00 (RFC 6962 test data, empty leaf). */
    assert_string_equal(
        hex, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
    cairn_tlog_hash_leaf(l, (const uint8_t *)"a", 1);
    cairn_tlog_hash_leaf(r, (const uint8_t *)"b", 1);
    buf[0] = 1;
    memcpy(buf + 1, l, HL);
    memcpy(buf + 1 + HL, r, HL);
    crypto_hash_sha256(want, buf, sizeof(buf));
    cairn_tlog_hash_children(h, l, r);
    assert_memory_equal(h, want, HL);
    assert_int_equal(cairn_tlog_hash_len(), HL);
    assert_int_equal(cairn_tlog_max_proof_len(), CAIRN_TLOG_MAX_PROOF_LEN);
}

/* ---- property tests ----------------------------------------------------- */

#define MAXN 300

/* All complete subtree hashes of a 300-leaf tree, per level. */
static uint8_t g_tab[10][MAXN][HL];

static cairn_status tab_reader(void *ud, unsigned level, uint64_t index,
                               uint8_t out[HL])
{
    uint64_t n = *(uint64_t *)ud;
    if (level >= 10 || ((index + 1) << level) > n)
        return CAIRN_ERR_INVALID_ARG;
    memcpy(out, g_tab[level][index], HL);
    return CAIRN_OK;
}

static void build_table(void)
{
    unsigned lv;
    uint64_t i;
    for (i = 0; i < MAXN; i++) {
        uint8_t e[8];
        randombytes_buf(e, sizeof(e));
        cairn_tlog_hash_leaf(g_tab[0][i], e, sizeof(e));
    }
    for (lv = 1; lv < 10; lv++)
        for (i = 0; ((i + 1) << lv) <= MAXN; i++)
            cairn_tlog_hash_children(g_tab[lv][i], g_tab[lv - 1][2 * i],
                                     g_tab[lv - 1][2 * i + 1]);
}

static void flip_checks_inclusion(uint64_t i, uint64_t n, const uint8_t *proof,
                                  size_t plen, const uint8_t root[HL])
{
    uint8_t p[CAIRN_TLOG_MAX_PROOF_LEN + HL], leaf[HL], rt[HL];
    size_t k;
    memcpy(leaf, g_tab[0][i], HL);
    memcpy(rt, root, HL);
    memcpy(p, proof, plen);
    for (k = 0; k < plen; k++) {
        p[k] ^= 0x01;
        assert_int_equal(cairn_tlog_verify_inclusion(i, n, leaf, HL, p, plen, rt, HL),
                         CAIRN_ERR_PROOF);
        p[k] ^= 0x01;
    }
    for (k = 0; k < HL; k++) {
        rt[k] ^= 0x80;
        assert_int_equal(cairn_tlog_verify_inclusion(i, n, leaf, HL, p, plen, rt, HL),
                         CAIRN_ERR_PROOF);
        rt[k] ^= 0x80;
        leaf[k] ^= 0x80;
        assert_int_equal(cairn_tlog_verify_inclusion(i, n, leaf, HL, p, plen, rt, HL),
                         CAIRN_ERR_PROOF);
        leaf[k] ^= 0x80;
    }
    if (plen > 0) {
        /* truncated at either end, or by a byte */
        assert_int_equal(cairn_tlog_verify_inclusion(i, n, leaf, HL, p, plen - HL, rt, HL),
                         CAIRN_ERR_PROOF);
        assert_int_equal(cairn_tlog_verify_inclusion(i, n, leaf, HL, p + HL, plen - HL, rt, HL),
                         CAIRN_ERR_PROOF);
        assert_int_equal(cairn_tlog_verify_inclusion(i, n, leaf, HL, p, plen - 1, rt, HL),
                         CAIRN_ERR_PROOF);
    }
    /* extended by a hash, or by a byte */
    memcpy(p + plen, g_tab[0][0], HL);
    assert_int_equal(cairn_tlog_verify_inclusion(i, n, leaf, HL, p, plen + HL, rt, HL),
                     CAIRN_ERR_PROOF);
    assert_int_equal(cairn_tlog_verify_inclusion(i, n, leaf, HL, p, plen + 1, rt, HL),
                     CAIRN_ERR_PROOF);
    /* a neighbouring index with the same proof */
    if (n > 1)
        assert_int_equal(cairn_tlog_verify_inclusion((i ^ 1) < n ? (i ^ 1) : i - 1, n, leaf, HL,
                                                     p, plen, rt, HL),
                         CAIRN_ERR_PROOF);
    assert_int_equal(cairn_tlog_verify_inclusion(n, n, leaf, HL, p, plen, rt, HL),
                     CAIRN_ERR_PROOF);
}

static void flip_checks_consistency(uint64_t m, uint64_t n, const uint8_t *proof,
                                    size_t plen, const uint8_t r1[HL],
                                    const uint8_t r2[HL])
{
    uint8_t p[CAIRN_TLOG_MAX_PROOF_LEN + HL], a[HL], b[HL];
    size_t k;
    memcpy(p, proof, plen);
    memcpy(a, r1, HL);
    memcpy(b, r2, HL);
    for (k = 0; k < plen; k++) {
        p[k] ^= 0x04;
        assert_int_equal(cairn_tlog_verify_consistency(m, n, p, plen, a, HL, b, HL),
                         CAIRN_ERR_PROOF);
        p[k] ^= 0x04;
    }
    for (k = 0; k < HL; k++) {
        a[k] ^= 0x10;
        assert_int_equal(cairn_tlog_verify_consistency(m, n, p, plen, a, HL, b, HL),
                         CAIRN_ERR_PROOF);
        a[k] ^= 0x10;
        b[k] ^= 0x10;
        assert_int_equal(cairn_tlog_verify_consistency(m, n, p, plen, a, HL, b, HL),
                         CAIRN_ERR_PROOF);
        b[k] ^= 0x10;
    }
    if (plen > 0) {
        assert_int_equal(cairn_tlog_verify_consistency(m, n, p, plen - HL, a, HL, b, HL),
                         CAIRN_ERR_PROOF);
        assert_int_equal(cairn_tlog_verify_consistency(m, n, p + HL, plen - HL, a, HL, b, HL),
                         CAIRN_ERR_PROOF);
        assert_int_equal(cairn_tlog_verify_consistency(m, n, p, plen - 1, a, HL, b, HL),
                         CAIRN_ERR_PROOF);
    }
    memcpy(p + plen, g_tab[0][1], HL);
    assert_int_equal(cairn_tlog_verify_consistency(m, n, p, plen + HL, a, HL, b, HL),
                     CAIRN_ERR_PROOF);
    /* swapped roots */
    if (m != n)
        assert_int_equal(cairn_tlog_verify_consistency(m, n, p, plen, b, HL, a, HL),
                         CAIRN_ERR_PROOF);
}

/* TLOG-2 .. TLOG-5: generated proofs verify; tampered ones do not. */
static void random_trees(void **state)
{
    uint8_t root[MAXN + 1][HL];
    uint8_t proof[CAIRN_TLOG_MAX_PROOF_LEN];
    uint64_t n, i;
    size_t plen;
    long proofs = 0;
    (void)state;
    build_table();
    for (n = 1; n <= MAXN; n++) {
        uint8_t mem[HL];
        uint64_t nn = n;
        assert_int_equal(cairn_tlog_tree_hash(tab_reader, &nn, n, root[n]), CAIRN_OK);
        assert_int_equal(cairn_tlog_root_from_leaf_hashes(mem, &g_tab[0][0][0], n),
                         CAIRN_OK);
        assert_memory_equal(mem, root[n], HL);
    }
    for (n = 1; n <= MAXN; n++) {
        uint64_t nn = n, pick = (uint64_t)randombytes_uniform((uint32_t)n);
        uint64_t pickm = 1 + (uint64_t)randombytes_uniform((uint32_t)n);
        for (i = 0; i < n; i++) {
            assert_int_equal(cairn_tlog_prove_inclusion(tab_reader, &nn, i, n, proof,
                                                        sizeof(proof), &plen),
                             CAIRN_OK);
            assert_int_equal(cairn_tlog_verify_inclusion(i, n, g_tab[0][i], HL, proof,
                                                         plen, root[n], HL),
                             CAIRN_OK);
            proofs++;
            if (i == pick)
                flip_checks_inclusion(i, n, proof, plen, root[n]);
        }
        for (i = 1; i <= n; i++) {
            assert_int_equal(cairn_tlog_prove_consistency(tab_reader, &nn, i, n, proof,
                                                          sizeof(proof), &plen),
                             CAIRN_OK);
            assert_int_equal(cairn_tlog_verify_consistency(i, n, proof, plen, root[i], HL,
                                                           root[n], HL),
                             CAIRN_OK);
            proofs++;
            if (i == pickm)
                flip_checks_consistency(i, n, proof, plen, root[i], root[n]);
            /* a proof for one old size never passes for another */
            if (i > 1 && i < n)
                assert_int_equal(cairn_tlog_verify_consistency(i - 1, n, proof, plen,
                                                               root[i - 1], HL,
                                                               root[n], HL),
                                 CAIRN_ERR_PROOF);
        }
    }
    print_message("random-tree proofs checked: %ld\n", proofs);
    assert_true(proofs > 0);
}

/* Argument checks and the capacity contract of generation. */
static void generation_edges(void **state)
{
    uint8_t proof[CAIRN_TLOG_MAX_PROOF_LEN];
    size_t plen = 99;
    uint64_t nn = 100;
    (void)state;
    build_table();
    assert_int_equal(cairn_tlog_prove_inclusion(tab_reader, &nn, 100, 100, proof,
                                                sizeof(proof), &plen),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_tlog_prove_inclusion(tab_reader, &nn, 5, 100, proof, 2 * HL,
                                                &plen),
                     CAIRN_ERR_TOO_LARGE);
    assert_int_equal(cairn_tlog_prove_consistency(tab_reader, &nn, 7, 6, proof,
                                                  sizeof(proof), &plen),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_tlog_prove_consistency(tab_reader, &nn, 0, 6, proof,
                                                  sizeof(proof), &plen),
                     CAIRN_OK);
    assert_int_equal(plen, 0);
    /* reader errors propagate */
    assert_int_equal(cairn_tlog_prove_inclusion(tab_reader, &nn, 5, 400, proof,
                                                sizeof(proof), &plen),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_tlog_verify_inclusion(0, 1, NULL, 32, NULL, 0, NULL, 0),
                     CAIRN_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_hashes),
        cmocka_unit_test(rfc6962_vectors),
        cmocka_unit_test(random_trees),
        cmocka_unit_test(generation_edges),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
