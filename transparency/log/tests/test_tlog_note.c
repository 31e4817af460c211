/*
 * test_tlog_note.c - C2SP signed notes, note keys and checkpoints: the
 * shared signed-note vectors, the spec's own example, key text forms, and
 * hostile notes and checkpoints (over-long lines, missing final newline,
 * bad base64, too many signatures, non-UTF-8, control characters, size
 * overflow). Requirements: TLOG-12 .. TLOG-22.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "base.h"
#include "cairn/checkpoint.h"
#include "cairn/note.h"
#include "test_support.h"

static const char *jstr(json_t *j, const char *path1, const char *path2)
{
    json_t *v = json_object_get(j, path1);
    if (path2)
        v = json_object_get(v, path2);
    assert_non_null(v);
    return json_string_value(v);
}

static cairn_note_verifier *verifier(cairn_context *ctx, const char *text)
{
    cairn_note_verifier *v = NULL;
    assert_int_equal(cairn_note_verifier_parse(ctx, text, strlen(text), &v), CAIRN_OK);
    return v;
}

/* TLOG-12 .. TLOG-17 against the shared vectors: each "expect" line. */
static void signed_note_vectors(void **state)
{
    const char *path = CTS_VECTOR_OR_SKIP("signed-note/vectors.json");
    cairn_context *ctx = cts_context();
    long base = cts_live_allocations();
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);
    cairn_note_signer *peter = NULL;
    cairn_note_verifier *vp, *ve;
    cairn_note *n = NULL;
    const char *text, *want, *enoch;
    char *out = NULL, *both;
    size_t out_len, tlen, i, cases = 0;
    (void)state;

    assert_non_null(j);
    text = jstr(j, "text", NULL);
    want = jstr(j, "signed_by_peter", NULL);
    enoch = jstr(j, "signature_line_enoch", NULL);
    {
        json_t *keys = json_object_get(j, "keys");
        const char *psk = jstr(json_object_get(keys, "PeterNeumann"), "signer", NULL);
        assert_int_equal(cairn_note_signer_parse(ctx, psk, strlen(psk), &peter), CAIRN_OK);
        vp = verifier(ctx, jstr(json_object_get(keys, "PeterNeumann"), "verifier", NULL));
        ve = verifier(ctx, jstr(json_object_get(keys, "EnochRoot"), "verifier", NULL));
    }

    /* 1. signing reproduces the vector byte for byte */
    {
        const cairn_note_signer *ss[1] = {peter};
        assert_int_equal(cairn_note_sign(ctx, text, strlen(text), ss, 1, &out, &out_len),
                         CAIRN_OK);
        assert_int_equal(out_len, strlen(want));
        assert_memory_equal(out, want, out_len);
        cairn_free(ctx, out, out_len);
        cases++;
    }
    /* 2. it verifies with Peter's key */
    {
        const cairn_note_verifier *vs[1] = {vp};
        assert_int_equal(cairn_note_open(ctx, (const uint8_t *)want, strlen(want), vs, 1, &n),
                         CAIRN_OK);
        assert_int_equal(cairn_note_verified_count(n), 1);
        assert_string_equal(cairn_note_text(n, &tlen), text);
        cairn_note_destroy(n);
        cases++;
    }
    /* 3. with Enoch's line appended and only Peter known: Enoch ignored */
    both = malloc(strlen(want) + strlen(enoch) + 1);
    strcpy(both, want);
    strcat(both, enoch);
    {
        const cairn_note_verifier *vs[1] = {vp};
        bool verified = true;
        const char *name;
        assert_int_equal(cairn_note_open(ctx, (const uint8_t *)both, strlen(both), vs, 1, &n),
                         CAIRN_OK);
        assert_int_equal(cairn_note_signature_count(n), 2);
        assert_int_equal(cairn_note_verified_count(n), 1);
        assert_int_equal(cairn_note_signature(n, 1, &name, NULL, NULL, NULL, &verified),
                         CAIRN_OK);
        assert_string_equal(name, "EnochRoot");
        assert_false(verified);
        cairn_note_destroy(n);
        cases++;
    }
    /* 4. with both verifiers: two verified signatures */
    {
        const cairn_note_verifier *vs[2] = {ve, vp};
        assert_int_equal(cairn_note_open(ctx, (const uint8_t *)both, strlen(both), vs, 2, &n),
                         CAIRN_OK);
        assert_int_equal(cairn_note_verified_count(n), 2);
        cairn_note_destroy(n);
        cases++;
    }
    /* 5. changing any byte of the text breaks verification */
    {
        const cairn_note_verifier *vs[2] = {vp, ve};
        size_t textlen = strlen(text);
        for (i = 0; i < textlen; i++) {
            char saved = both[i];
            cairn_status rc;
            both[i] = (char)(saved == 'a' ? 'b' : 'a');
            if (both[i] == '\n' || saved == '\n')
                both[i] = saved == '\n' ? 'x' : saved;
            if (both[i] == saved) {
                both[i] = saved;
                continue;
            }
            rc = cairn_note_open(ctx, (const uint8_t *)both, strlen(both), vs, 2, &n);
            assert_int_not_equal(rc, CAIRN_OK);
            assert_null(n);
            both[i] = saved;
            cases++;
        }
    }
    /* Only Enoch known on Peter's note: no verified signature. */
    {
        const cairn_note_verifier *vs[1] = {ve};
        assert_int_equal(cairn_note_open(ctx, (const uint8_t *)want, strlen(want), vs, 1, &n),
                         CAIRN_ERR_AUTH);
    }
    print_message("signed-note vector cases: %zu\n", cases);
    assert_true(cases > 0);
    free(both);
    cairn_note_verifier_destroy(vp);
    cairn_note_verifier_destroy(ve);
    cairn_note_signer_destroy(peter);
    json_decref(j);
    assert_int_equal(cts_live_allocations(), base);
    cairn_context_destroy(ctx);
}

/* The example of the signed-note spec itself (TLOG-15). */
static void spec_example(void **state)
{
    static const char vk[] = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
    static const char note[] =
        "This is an example message.\n\n"
        "\xE2\x80\x94 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
    cairn_context *ctx = cts_context();
    long base = cts_live_allocations();
    cairn_note_verifier *v = verifier(ctx, vk);
    const cairn_note_verifier *vs[1] = {v};
    cairn_note *n = NULL;
    char *txt;
    size_t len;
    (void)state;
    assert_int_equal(cairn_note_verifier_id(v), 0x530d903a);
    assert_string_equal(cairn_note_verifier_name(v), "example.com/foo");
    assert_int_equal(cairn_note_verifier_format(v, &txt, &len), CAIRN_OK);
    assert_string_equal(txt, vk);
    cairn_free(ctx, txt, len);
    assert_int_equal(cairn_note_open(ctx, (const uint8_t *)note, strlen(note), vs, 1, &n),
                     CAIRN_OK);
    cairn_note_destroy(n);
    cairn_note_verifier_destroy(v);
    assert_int_equal(cts_live_allocations(), base);
    cairn_context_destroy(ctx);
}

/* TLOG-14: key text forms, round trips and rejections. */
static void key_forms(void **state)
{
    static const char sk[] =
        "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg";
    static const char vk[] = "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";
    static const char *bad_vk[] = {
        "",
        "+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx",          /* empty name */
        "example.com/log/testdata+33D7B496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx", /* upper hex */
        "example.com/log/testdata+33d7b49+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx",  /* short id */
        "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkS",  /* base64 */
        "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSxAA==", /* long */
        "example.com/log/testdata+33d7b496+",
        "example com+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx",   /* space in name */
        "example.com/log/testdata",
    };
    cairn_context *ctx = cts_context();
    long base = cts_live_allocations();
    cairn_note_signer *s = NULL, *s2 = NULL;
    cairn_note_verifier *v = NULL;
    char *txt;
    size_t len, i;
    (void)state;
    assert_int_equal(cairn_note_signer_parse(ctx, sk, strlen(sk), &s), CAIRN_OK);
    assert_int_equal(cairn_note_signer_id(s), 0x33d7b496);
    assert_int_equal(cairn_note_signer_format(s, &txt, &len), CAIRN_OK);
    assert_string_equal(txt, sk);
    cairn_free(ctx, txt, len);
    assert_int_equal(cairn_note_signer_verifier_text(s, &txt, &len), CAIRN_OK);
    assert_string_equal(txt, vk);
    cairn_free(ctx, txt, len);
    for (i = 0; i < CAIRN_ARRAY_LEN(bad_vk); i++) {
        cairn_status rc = cairn_note_verifier_parse(ctx, bad_vk[i], strlen(bad_vk[i]), &v);
        if (rc == CAIRN_OK)
            fail_msg("accepted bad verifier key %zu: %s", i, bad_vk[i]);
        assert_null(v);
    }
    /* a different ID is a key mismatch */
    assert_int_equal(cairn_note_verifier_parse(ctx,
                         "example.com/log/testdata+33d7b497+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx",
                         78, &v),
                     CAIRN_ERR_BAD_KEY);
    /* another algorithm byte */
    assert_int_equal(cairn_note_verifier_parse(ctx,
                         "example.com/log/testdata+33d7b496+AuHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx",
                         78, &v),
                     CAIRN_ERR_UNSUPPORTED);
    assert_int_not_equal(cairn_note_signer_parse(ctx, sk + 1, strlen(sk) - 1, &s2), CAIRN_OK);
    assert_int_not_equal(cairn_note_signer_parse(ctx, vk, strlen(vk), &s2), CAIRN_OK);
    /* generation round-trips through text */
    assert_int_equal(cairn_note_signer_generate(ctx, "cairn.example/kt", &s2), CAIRN_OK);
    {
        cairn_note_signer *bad = NULL;
        assert_int_equal(cairn_note_signer_generate(ctx, "bad+name", &bad), CAIRN_ERR_INVALID_ARG);
        assert_null(bad);
    }
    assert_int_equal(cairn_note_signer_verifier_text(s2, &txt, &len), CAIRN_OK);
    assert_int_equal(cairn_note_verifier_parse(ctx, txt, len, &v), CAIRN_OK);
    assert_int_equal(cairn_note_verifier_id(v), cairn_note_signer_id(s2));
    cairn_free(ctx, txt, len);
    cairn_note_verifier_destroy(v);
    cairn_note_signer_destroy(s2);
    cairn_note_signer_destroy(s);
    cairn_note_signer_destroy(NULL);
    cairn_note_verifier_destroy(NULL);
    assert_int_equal(cts_live_allocations(), base);
    cairn_context_destroy(ctx);
}

struct fixture {
    long base;
    cairn_context *ctx;
    cairn_note_signer *s;
    cairn_note_verifier *v;
};

static void fixture_init(struct fixture *f)
{
    static const char sk[] =
        "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg";
    f->ctx = cts_context();
    f->base = cts_live_allocations();
    assert_int_equal(cairn_note_signer_parse(f->ctx, sk, strlen(sk), &f->s), CAIRN_OK);
    assert_int_equal(cairn_note_verifier_from_signer(f->ctx, f->s, &f->v), CAIRN_OK);
}

static void fixture_free(struct fixture *f)
{
    cairn_note_verifier_destroy(f->v);
    cairn_note_signer_destroy(f->s);
}

static cairn_status open_str(struct fixture *f, const char *msg, size_t len)
{
    const cairn_note_verifier *vs[1] = {f->v};
    cairn_note *n = NULL;
    cairn_status rc = cairn_note_open(f->ctx, (const uint8_t *)msg, len, vs, 1, &n);
    cairn_note_destroy(n);
    return rc;
}

#define OPEN_LIT(f, lit) open_str(f, lit, sizeof(lit) - 1)

/* TLOG-12, TLOG-13, TLOG-17: hostile notes fail cleanly. */
static void hostile_notes(void **state)
{
    struct fixture f;
    const cairn_note_signer *ss[1];
    char *good = NULL, *buf;
    size_t glen, i, big;
    cairn_status rc;
    (void)state;
    fixture_init(&f);
    ss[0] = f.s;
    assert_int_equal(cairn_note_sign(f.ctx, "hello\n", 6, ss, 1, &good, &glen), CAIRN_OK);
    assert_int_equal(open_str(&f, good, glen), CAIRN_OK);

    /* missing final newline, empty, no blank line, truncated anywhere */
    assert_int_equal(open_str(&f, good, glen - 1), CAIRN_ERR_DECODE);
    assert_int_not_equal(OPEN_LIT(&f, ""), CAIRN_OK);
    for (i = 0; i < glen; i++)
        assert_int_not_equal(open_str(&f, good, i), CAIRN_OK);
    /* every single-byte flip fails (text, name, signature, framing) */
    buf = malloc(glen + 8192 * 40);
    for (i = 0; i < glen; i++) {
        memcpy(buf, good, glen);
        buf[i] ^= 0x01;
        rc = open_str(&f, buf, glen);
        assert_int_not_equal(rc, CAIRN_OK);
    }
    /* bad base64 in the signature */
    memcpy(buf, good, glen);
    buf[glen - 3] = '*';
    assert_int_equal(open_str(&f, buf, glen), CAIRN_ERR_DECODE);
    /* non-UTF-8 and control characters */
    assert_int_equal(OPEN_LIT(&f, "he\xC3\x28lo\n\n\xE2\x80\x94 a AAAAAAA=\n"), CAIRN_ERR_DECODE);
    assert_int_equal(OPEN_LIT(&f, "he\x01lo\n\n\xE2\x80\x94 a AAAAAAA=\n"), CAIRN_ERR_DECODE);
    assert_int_equal(OPEN_LIT(&f, "he\rlo\n\n\xE2\x80\x94 a AAAAAAA=\n"), CAIRN_ERR_DECODE);
    assert_int_equal(OPEN_LIT(&f, "he\xED\xA0\x80lo\n\n\xE2\x80\x94 a AAAAAAA=\n"), CAIRN_ERR_DECODE);
    /* a signature line without the em dash, empty name, '+' in name, too short */
    assert_int_equal(OPEN_LIT(&f, "hi\n\n- a AAAAAAA=\n"), CAIRN_ERR_DECODE);
    assert_int_equal(OPEN_LIT(&f, "hi\n\n\xE2\x80\x94  AAAAAAA=\n"), CAIRN_ERR_DECODE);
    assert_int_equal(OPEN_LIT(&f, "hi\n\n\xE2\x80\x94 a+b AAAAAAA=\n"), CAIRN_ERR_DECODE);
    assert_int_equal(OPEN_LIT(&f, "hi\n\n\xE2\x80\x94 a AAAA\n"), CAIRN_ERR_DECODE);
    assert_int_equal(OPEN_LIT(&f, "hi\n\n\xE2\x80\x94 a \n"), CAIRN_ERR_DECODE);
    /* unknown signatures only: rejected as unverified */
    assert_int_equal(OPEN_LIT(&f, "hi\n\n\xE2\x80\x94 a AAAAAAA=\n"), CAIRN_ERR_AUTH);
    /* a known key's bad signature rejects the whole note, even next to a good one */
    memcpy(buf, good, glen);
    memcpy(buf + glen, good + 7, glen - 7);
    buf[2 * glen - 7 - 5] ^= 0x02; /* inside the second copy's base64 */
    if (buf[2 * glen - 7 - 5] == '=' || buf[2 * glen - 7 - 5] == '\n')
        fail_msg("test layout");
    rc = open_str(&f, buf, 2 * glen - 7);
    assert_true(rc == CAIRN_ERR_BAD_SIGNATURE || rc == CAIRN_ERR_DECODE);

    /* too many signatures: 32 accepted, 33 not (at least 16 MUST be) */
    {
        size_t off = 0, k;
        const char *line = "\xE2\x80\x94 other AAAAAAAAAAAAAAAAAAAAAAAA\n";
        memcpy(buf, good, glen);
        off = glen;
        for (k = 0; k < CAIRN_NOTE_MAX_SIGNATURES - 1; k++) {
            memcpy(buf + off, line, strlen(line));
            off += strlen(line);
        }
        assert_int_equal(open_str(&f, buf, off), CAIRN_OK);
        memcpy(buf + off, line, strlen(line));
        off += strlen(line);
        assert_int_equal(open_str(&f, buf, off), CAIRN_ERR_TOO_LARGE);
    }
    /* an over-long line, and an over-large note */
    big = CAIRN_NOTE_MAX_LINE + 10;
    memset(buf, 'a', big);
    memcpy(buf + big, good + 5, glen - 5);
    assert_int_equal(open_str(&f, buf, big + glen - 5), CAIRN_ERR_TOO_LARGE);
    free(buf);
    big = CAIRN_NOTE_MAX_SIZE + 100;
    buf = malloc(big);
    for (i = 0; i < big; i++)
        buf[i] = (i % 100 == 99) ? '\n' : 'a';
    assert_int_equal(open_str(&f, buf, big), CAIRN_ERR_TOO_LARGE);
    free(buf);

    /* signing refuses bad texts */
    assert_int_equal(cairn_note_sign(f.ctx, "no newline", 10, ss, 1, &buf, &big),
                     CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_note_sign(f.ctx, "", 0, ss, 1, &buf, &big), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_note_sign(f.ctx, "a\x01\n", 3, ss, 1, &buf, &big),
                     CAIRN_ERR_INVALID_ARG);
    /* texts with inner blank lines survive the round trip */
    {
        static const char t[] = "a\n\nb\n\n";
        const cairn_note_verifier *vs[1] = {f.v};
        cairn_note *n = NULL;
        size_t tl;
        assert_int_equal(cairn_note_sign(f.ctx, t, 6, ss, 1, &buf, &big), CAIRN_OK);
        assert_int_equal(cairn_note_open(f.ctx, (const uint8_t *)buf, big, vs, 1, &n), CAIRN_OK);
        assert_memory_equal(cairn_note_text(n, &tl), t, 6);
        assert_int_equal(tl, 6);
        cairn_note_destroy(n);
        cairn_free(f.ctx, buf, big);
    }
    cairn_free(f.ctx, good, glen);
    fixture_free(&f);
    assert_int_equal(cts_live_allocations(), f.base);
    cairn_context_destroy(f.ctx);
}

/* Every allocation in open and sign may fail without leaking. */
static void allocation_failures(void **state)
{
    struct fixture f;
    const cairn_note_signer *ss[1];
    char *good = NULL, *out;
    size_t glen, olen;
    long k;
    (void)state;
    fixture_init(&f);
    ss[0] = f.s;
    assert_int_equal(cairn_note_sign(f.ctx, "hello\n", 6, ss, 1, &good, &glen), CAIRN_OK);
    for (k = 0; k < 20; k++) {
        long before = cts_live_allocations();
        cairn_status rc1, rc2;
        cts_fail_after(k);
        rc1 = open_str(&f, good, glen);
        cts_fail_after(k);
        rc2 = cairn_note_sign(f.ctx, "hello\n", 6, ss, 1, &out, &olen);
        cts_fail_after(-1);
        assert_true(rc1 == CAIRN_OK || rc1 == CAIRN_ERR_NOMEM);
        assert_true(rc2 == CAIRN_OK || rc2 == CAIRN_ERR_NOMEM);
        if (rc2 == CAIRN_OK)
            cairn_free(f.ctx, out, olen);
        assert_int_equal(cts_live_allocations(), before);
    }
    cairn_free(f.ctx, good, glen);
    fixture_free(&f);
    cairn_context_destroy(f.ctx);
}

/* TLOG-18 .. TLOG-21: checkpoint bodies. */
static void checkpoints(void **state)
{
    static const char *bad[] = {
        "",                                                            /* empty */
        "origin\n",                                                    /* short */
        "origin\n15\n",
        "origin\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=",     /* no final newline */
        "\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n",         /* empty origin */
        "origin\n015\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n",  /* leading zero */
        "origin\n+15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n",
        "origin\n 15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n",
        "origin\n-1\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n",
        "origin\n\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n",
        "origin\n18446744073709551616\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n", /* overflow */
        "origin\n99999999999999999999999\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n",
        "origin\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383ct=\n",  /* non-canonical b64 */
        "origin\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383c=\n",   /* 31 bytes */
        "origin\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs\n",   /* no padding */
        "origin\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n\n", /* empty extension */
        "origin\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\next\n\n",
        "ori\x01gin\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n",
        "ori\xffgin\n15\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\n",
        /* libsodium alone decodes this (found by fuzzing): high bytes in base64 */
        "o\n0\n47DEQpj8HBSa+\xd1\xa6ImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
    };
    cairn_checkpoint cp;
    char out[2048];
    size_t i, len;
    char *longo;
    (void)state;
    for (i = 0; i < CAIRN_ARRAY_LEN(bad); i++) {
        memset(&cp, 0x55, sizeof(cp));
        if (cairn_checkpoint_parse(bad[i], strlen(bad[i]), &cp) == CAIRN_OK)
            fail_msg("accepted bad checkpoint %zu", i);
        assert_int_equal(cp.size, 0x5555555555555555ull); /* untouched */
    }
    {
        static const char good[] =
            "example.com/log/testdata\n18446744073709551615\nrKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=\nx y\nz\n";
        assert_int_equal(cairn_checkpoint_parse(good, strlen(good), &cp), CAIRN_OK);
        assert_int_equal(cp.size, UINT64_MAX);
        assert_string_equal(cp.origin, "example.com/log/testdata");
        assert_string_equal(cp.extensions, "x y\nz\n");
        assert_int_equal(cairn_checkpoint_format(&cp, out, sizeof(out), &len), CAIRN_OK);
        assert_int_equal(len, strlen(good));
        assert_memory_equal(out, good, len);
        assert_int_equal(cairn_checkpoint_format(&cp, out, 20, &len), CAIRN_ERR_TOO_LARGE);
    }
    /* an origin past the limit */
    longo = malloc(400);
    memset(longo, 'o', 300);
    strcpy(longo + 300, "\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
    assert_int_equal(cairn_checkpoint_parse(longo, strlen(longo), &cp), CAIRN_ERR_TOO_LARGE);
    free(longo);
}

/* TLOG-20, TLOG-22: signing, opening, and the client's consistency step. */
static void checkpoint_sign_open_update(void **state)
{
    struct fixture f;
    cairn_checkpoint cp, got;
    char *note;
    size_t nlen;
    const cairn_note_verifier *vs[1];
    uint8_t leaves[3][32], r2[32], r3[32], proof[64];
    (void)state;
    fixture_init(&f);
    vs[0] = f.v;
    cairn_tlog_hash_leaf(leaves[0], (const uint8_t *)"a", 1);
    cairn_tlog_hash_leaf(leaves[1], (const uint8_t *)"b", 1);
    cairn_tlog_hash_leaf(leaves[2], (const uint8_t *)"c", 1);
    assert_int_equal(cairn_tlog_root_from_leaf_hashes(r2, &leaves[0][0], 2), CAIRN_OK);
    assert_int_equal(cairn_tlog_root_from_leaf_hashes(r3, &leaves[0][0], 3), CAIRN_OK);
    memset(&cp, 0, sizeof(cp));
    strcpy(cp.origin, "example.com/log/testdata");
    cp.size = 3;
    memcpy(cp.root, r3, 32);
    assert_int_equal(cairn_checkpoint_sign(f.ctx, &cp, f.s, &note, &nlen), CAIRN_OK);
    assert_int_equal(cairn_checkpoint_open(f.ctx, (const uint8_t *)note, nlen,
                                           "example.com/log/testdata", vs, 1, &got),
                     CAIRN_OK);
    assert_int_equal(got.size, 3);
    assert_int_equal(cairn_checkpoint_open(f.ctx, (const uint8_t *)note, nlen,
                                           "example.com/other", vs, 1, &got),
                     CAIRN_ERR_AUTH);
    /* consistency 2 -> 3: proof = [leaf c] */
    memcpy(proof, leaves[2], 32);
    assert_int_equal(cairn_checkpoint_verify_update(f.ctx, (const uint8_t *)note, nlen,
                                                    cp.origin, f.v, 2, r2, proof, 32, &got),
                     CAIRN_OK);
    proof[0] ^= 1;
    assert_int_equal(cairn_checkpoint_verify_update(f.ctx, (const uint8_t *)note, nlen,
                                                    cp.origin, f.v, 2, r2, proof, 32, &got),
                     CAIRN_ERR_PROOF);
    assert_int_equal(cairn_checkpoint_verify_update(f.ctx, (const uint8_t *)note, nlen,
                                                    cp.origin, f.v, 0, NULL, NULL, 0, &got),
                     CAIRN_OK);
    assert_int_equal(cairn_checkpoint_verify_update(f.ctx, (const uint8_t *)note, nlen,
                                                    cp.origin, f.v, 4, r2, NULL, 0, &got),
                     CAIRN_ERR_STALE);
    assert_int_equal(cairn_checkpoint_verify_update(f.ctx, (const uint8_t *)note, nlen,
                                                    cp.origin, f.v, 3, r3, NULL, 0, &got),
                     CAIRN_OK);
    assert_int_equal(cairn_checkpoint_verify_update(f.ctx, (const uint8_t *)note, nlen,
                                                    cp.origin, f.v, 3, r2, NULL, 0, &got),
                     CAIRN_ERR_PROOF);
    note[3] ^= 1;
    assert_int_equal(cairn_checkpoint_verify_update(f.ctx, (const uint8_t *)note, nlen,
                                                    cp.origin, f.v, 0, NULL, NULL, 0, &got),
                     CAIRN_ERR_BAD_SIGNATURE);
    cairn_free(f.ctx, note, nlen);
    fixture_free(&f);
    assert_int_equal(cts_live_allocations(), f.base);
    cairn_context_destroy(f.ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signed_note_vectors),
        cmocka_unit_test(spec_example),
        cmocka_unit_test(key_forms),
        cmocka_unit_test(hostile_notes),
        cmocka_unit_test(allocation_failures),
        cmocka_unit_test(checkpoints),
        cmocka_unit_test(checkpoint_sign_open_update),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
