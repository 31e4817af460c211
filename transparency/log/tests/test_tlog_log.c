/*
 * test_tlog_log.c - the durable tiled log: byte-for-byte reproduction of
 * the shared 15-entry tlog-tiles vector log (tiles, bundles, every
 * checkpoint), proofs and entries served from disk for a 70,000-entry log
 * (three tile levels), reopening, hostile on-disk state, and crash safety
 * (a child appending in a loop is SIGKILLed at random points; each reopen
 * must find a valid, consistent prefix). Requirements: TLOG-23 .. TLOG-28.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "base.h"
#include "cairn/tlog.h"
#include "test_support.h"

#define HL CAIRN_TLOG_HASH_LEN
#define TEST_SK "PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg"
#define ORIGIN "example.com/log/testdata"

static cairn_note_signer *test_signer(cairn_context *ctx, const char *text)
{
    cairn_note_signer *s = NULL;
    assert_int_equal(cairn_note_signer_parse(ctx, text, strlen(text), &s), CAIRN_OK);
    return s;
}

static void write_file(const char *dir, const char *rel, const void *p, size_t n)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

/* ---- the shared vector log ---------------------------------------------- */

static int g_files;

/* Every file under want/ must exist under got/ with identical bytes. */
static void compare_tree(const char *want, const char *got, const char *rel)
{
    char wp[4096], gp[4096], sub[2048];
    DIR *d;
    struct dirent *e;
    struct stat st;
    snprintf(wp, sizeof(wp), "%s/%s", want, rel);
    d = opendir(wp);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        snprintf(wp, sizeof(wp), "%s/%s", want, sub);
        snprintf(gp, sizeof(gp), "%s/%s", got, sub);
        assert_int_equal(stat(wp, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            compare_tree(want, got, sub);
        } else {
            size_t wl = 0, gl = 0;
            char *w = cts_read_file(wp, &wl), *g = cts_read_file(gp, &gl);
            if (g == NULL)
                fail_msg("missing %s", sub);
            if (wl != gl || memcmp(w, g, wl) != 0)
                fail_msg("differs: %s", sub);
            free(w);
            free(g);
            g_files++;
        }
    }
    closedir(d);
}

/* TLOG-23, TLOG-25: appending the 15 entries of KEYS.txt one checkpoint at
 * a time reproduces the vector log exactly. */
static void vector_log_byte_for_byte(void **state)
{
    static const char *entries[] = {"one", "two", "three", "four", "five",
                                    "six", "seven", "eit", "nain", "ten",
                                    "ileven", "twelf", "threeten", "fourten",
                                    "fivten"};
    const char *keys = CTS_VECTOR_OR_SKIP("tlog-tiles/KEYS.txt");
    char logdir[4096], *keytext, *line, *dir;
    cairn_context *ctx = cts_context();
    cairn_note_signer *s;
    cairn_tlog *log = NULL;
    size_t i, klen;
    (void)state;

    snprintf(logdir, sizeof(logdir), "%s", keys);
    strcpy(strrchr(logdir, '/'), "/log");
    keytext = cts_read_file(keys, &klen);
    assert_non_null(keytext);
    /* The key is read from KEYS.txt; the entries listed there are facts
     * restated above, checked against the file's text. */
    line = strstr(keytext, "LOG_PRIVATE_KEY=");
    assert_non_null(line);
    line += strlen("LOG_PRIVATE_KEY=");
    line[strcspn(line, "\r\n")] = 0;
    s = test_signer(ctx, line);
    for (i = 0; i < CAIRN_ARRAY_LEN(entries); i++)
        assert_non_null(strstr(keytext, entries[i]));

    dir = cts_tempdir();
    {
        char path[4096];
        snprintf(path, sizeof(path), "%s/log", dir);
        /* The origin is the log's key name, as the vector checkpoints show. */
        assert_int_equal(cairn_tlog_open(ctx, path, cairn_note_signer_name(s), s,
                                         CAIRN_TLOG_CREATE | CAIRN_TLOG_KEEP_CHECKPOINTS,
                                         &log),
                         CAIRN_OK);
        for (i = 0; i < CAIRN_ARRAY_LEN(entries); i++) {
            uint64_t idx = 99;
            const uint8_t *e = (const uint8_t *)entries[i];
            size_t l = strlen(entries[i]);
            assert_int_equal(cairn_tlog_append_batch(log, &e, &l, 1, &idx), CAIRN_OK);
            assert_int_equal(idx, i);
        }
        assert_int_equal(cairn_tlog_size(log), 15);
        cairn_tlog_close(log);
        g_files = 0;
        compare_tree(logdir, path, "");
        print_message("vector log files compared: %d\n", g_files);
        assert_int_equal(g_files, 15 + 15 + 17); /* tiles, bundles, checkpoints */
        /* and the log wrote nothing else (dot files are its lock and temp) */
        g_files = 0;
        compare_tree(path, logdir, "");
        assert_int_equal(g_files, 15 + 15 + 17);
    }
    cts_rmdir(dir);
    free(dir);
    free(keytext);
    cairn_note_signer_destroy(s);
    cairn_context_destroy(ctx);
}

/* ---- proofs and entries from disk ------------------------------------- */

static void entry_bytes(uint64_t i, uint8_t *buf, size_t *len)
{
    /* deterministic, variable length, including the empty entry */
    *len = (size_t)(i % 7 == 3 ? 0 : 5 + i % 40);
    memset(buf, (int)(i * 31 + 7), *len);
    if (*len >= 8)
        memcpy(buf, &i, 8);
}

static void leaf(uint64_t i, uint8_t out[HL])
{
    uint8_t buf[64];
    size_t len;
    entry_bytes(i, buf, &len);
    cairn_tlog_hash_leaf(out, buf, len);
}

static void append_range(cairn_tlog *log, uint64_t from, uint64_t to, size_t batch)
{
    uint8_t bufs[1024][64];
    const uint8_t *ptrs[1024];
    size_t lens[1024];
    uint64_t i = from;
    while (i < to) {
        size_t k = 0;
        uint64_t first;
        while (k < batch && i < to) {
            entry_bytes(i, bufs[k], &lens[k]);
            ptrs[k] = bufs[k];
            k++;
            i++;
        }
        assert_int_equal(cairn_tlog_append_batch(log, ptrs, lens, k, &first), CAIRN_OK);
        assert_int_equal(first, i - k);
    }
}

static const char *exists(const char *dir, const char *rel)
{
    static char path[4096];
    struct stat st;
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    return stat(path, &st) == 0 ? path : NULL;
}

/* TLOG-8, TLOG-11, TLOG-26 .. TLOG-28 on a log with three tile levels. */
static void big_log_proofs(void **state)
{
    enum { N = 70000 };
    cairn_context *ctx = cts_context();
    cairn_note_signer *s = test_signer(ctx, TEST_SK);
    cairn_note_verifier *v = NULL;
    uint8_t (*leaves)[HL] = malloc((size_t)N * HL);
    uint8_t root[HL], want[HL], proof[CAIRN_TLOG_MAX_PROOF_LEN];
    char *dir = cts_tempdir();
    cairn_tlog *log = NULL;
    size_t plen;
    uint64_t i;
    int k;
    (void)state;

    for (i = 0; i < N; i++)
        leaf(i, leaves[i]);
    assert_int_equal(cairn_tlog_open(ctx, dir, ORIGIN, s, CAIRN_TLOG_CREATE, &log), CAIRN_OK);
    append_range(log, 0, 300, 7);
    append_range(log, 300, N, 1024);
    assert_int_equal(cairn_tlog_size(log), N);
    cairn_tlog_root(log, root);
    assert_int_equal(cairn_tlog_root_from_leaf_hashes(want, &leaves[0][0], N), CAIRN_OK);
    assert_memory_equal(root, want, HL);

    /* the tile-tiles example of the spec: size 70,000 */
    assert_non_null(exists(dir, "tile/0/272"));
    assert_non_null(exists(dir, "tile/0/273.p/112"));
    assert_non_null(exists(dir, "tile/1/000"));
    assert_non_null(exists(dir, "tile/1/001.p/17"));
    assert_non_null(exists(dir, "tile/2/000.p/1"));
    assert_non_null(exists(dir, "tile/entries/273.p/112"));
    assert_null(exists(dir, "checkpoint.70000"));

    /* the checkpoint on disk opens and names the same tree */
    {
        char *note;
        size_t nlen;
        cairn_checkpoint cp;
        const cairn_note_verifier *vs[1];
        assert_int_equal(cairn_note_verifier_from_signer(ctx, s, &v), CAIRN_OK);
        vs[0] = v;
        assert_int_equal(cairn_tlog_checkpoint_note(log, &note, &nlen), CAIRN_OK);
        assert_int_equal(cairn_checkpoint_open(ctx, (const uint8_t *)note, nlen, ORIGIN, vs,
                                               1, &cp),
                         CAIRN_OK);
        assert_int_equal(cp.size, N);
        assert_memory_equal(cp.root, want, HL);
        cairn_free(ctx, note, nlen);
    }

    for (k = 0; k < 60; k++) {
        uint64_t n = 1 + randombytes_uniform(N), m = 1 + randombytes_uniform((uint32_t)n);
        uint64_t idx = randombytes_uniform((uint32_t)n);
        uint8_t rn[HL], rm[HL], got[HL];
        if (k == 0) {
            n = N;
            idx = N - 1;
        }
        assert_int_equal(cairn_tlog_root_from_leaf_hashes(rn, &leaves[0][0], n), CAIRN_OK);
        assert_int_equal(cairn_tlog_root_from_leaf_hashes(rm, &leaves[0][0], m), CAIRN_OK);
        assert_int_equal(cairn_tlog_tree_hash_at(log, n, got), CAIRN_OK);
        assert_memory_equal(got, rn, HL);
        assert_int_equal(cairn_tlog_prove_inclusion_at(log, idx, n, proof, sizeof(proof), &plen),
                         CAIRN_OK);
        assert_int_equal(cairn_tlog_verify_inclusion(idx, n, leaves[idx], HL, proof, plen, rn, HL),
                         CAIRN_OK);
        assert_int_equal(cairn_tlog_prove_consistency_at(log, m, n, proof, sizeof(proof), &plen),
                         CAIRN_OK);
        assert_int_equal(cairn_tlog_verify_consistency(m, n, proof, plen, rm, HL, rn, HL),
                         CAIRN_OK);
        {
            uint8_t *e = NULL, buf[64];
            size_t elen = 0, wl;
            entry_bytes(idx, buf, &wl);
            assert_int_equal(cairn_tlog_entry(log, idx, &e, &elen), CAIRN_OK);
            assert_int_equal(elen, wl);
            assert_memory_equal(e, buf, wl);
            cairn_free(ctx, e, elen);
        }
    }
    assert_int_equal(cairn_tlog_tree_hash_at(log, N + 1, root), CAIRN_ERR_INVALID_ARG);
    assert_int_equal(cairn_tlog_entry(log, N, (uint8_t **)&proof, &plen), CAIRN_ERR_INVALID_ARG);

    /* staged entries are invisible until published, and a second handle
     * on the same directory is refused */
    {
        cairn_tlog *other = NULL;
        uint8_t big[CAIRN_TLOG_ENTRY_MAX_LEN + 1] = {0};
        uint64_t idx;
        assert_int_equal(cairn_tlog_open(ctx, dir, ORIGIN, s, 0, &other), CAIRN_ERR_STATE);
        assert_null(other);
        assert_int_equal(cairn_tlog_append(log, big, sizeof(big), &idx), CAIRN_ERR_TOO_LARGE);
        assert_int_equal(cairn_tlog_append(log, big, sizeof(big) - 1, &idx), CAIRN_OK);
        assert_int_equal(idx, N);
        assert_int_equal(cairn_tlog_pending(log), 1);
        assert_int_equal(cairn_tlog_size(log), N);
    }
    cairn_tlog_close(log); /* drops the staged entry */

    /* reopen: same state; grow; old and new are consistent */
    assert_int_equal(cairn_tlog_open(ctx, dir, ORIGIN, s, 0, &log), CAIRN_OK);
    assert_int_equal(cairn_tlog_size(log), N);
    cairn_tlog_root(log, root);
    assert_memory_equal(root, want, HL);
    append_range(log, N, N + 10, 3);
    assert_int_equal(cairn_tlog_prove_consistency_at(log, N, N + 10, proof, sizeof(proof), &plen),
                     CAIRN_OK);
    cairn_tlog_root(log, root);
    assert_int_equal(cairn_tlog_verify_consistency(N, N + 10, proof, plen, want, HL, root, HL),
                     CAIRN_OK);
    cairn_tlog_close(log);

    /* a log opened with another key, or another origin, is refused */
    {
        cairn_note_signer *other = NULL;
        assert_int_equal(cairn_note_signer_generate(ctx, ORIGIN, &other), CAIRN_OK);
        assert_int_not_equal(cairn_tlog_open(ctx, dir, ORIGIN, other, 0, &log), CAIRN_OK);
        assert_int_equal(cairn_tlog_open(ctx, dir, "example.com/other", s, 0, &log), CAIRN_ERR_AUTH);
        cairn_note_signer_destroy(other);
    }
    cts_rmdir(dir);
    free(dir);
    free(leaves);
    cairn_note_verifier_destroy(v);
    cairn_note_signer_destroy(s);
    cairn_context_destroy(ctx);
}

/* ---- hostile and crashed state on disk -------------------------------- */

static void expect_root(cairn_tlog *log, uint64_t n)
{
    uint8_t (*leaves)[HL] = malloc((size_t)(n ? n : 1) * HL);
    uint8_t want[HL], got[HL];
    uint64_t i;
    for (i = 0; i < n; i++)
        leaf(i, leaves[i]);
    assert_int_equal(cairn_tlog_root_from_leaf_hashes(want, &leaves[0][0], n), CAIRN_OK);
    cairn_tlog_root(log, got);
    assert_memory_equal(got, want, HL);
    free(leaves);
}

/* TLOG-24, TLOG-27: files beyond the checkpoint are ignored and rewritten;
 * missing or damaged files the checkpoint needs are detected. */
static void hostile_disk_state(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_note_signer *s = test_signer(ctx, TEST_SK);
    char *dir = cts_tempdir();
    cairn_tlog *log = NULL;
    uint8_t junk[8192];
    char *saved;
    size_t slen;
    (void)state;

    memset(junk, 0xA5, sizeof(junk));
    assert_int_equal(cairn_tlog_open(ctx, dir, ORIGIN, s, 0, &log), CAIRN_ERR_NOT_FOUND);
    assert_int_equal(cairn_tlog_open(ctx, dir, ORIGIN, s, CAIRN_TLOG_CREATE, &log), CAIRN_OK);
    append_range(log, 0, 300, 100);
    cairn_tlog_close(log);

    /* A crashed later publish: junk temporaries, junk tiles and bundles at
     * the paths the next sizes will use, a junk full tile. */
    write_file(dir, ".tmp/t0", junk, 100);
    write_file(dir, "tile/0/001.p/45", junk, 45 * 32);
    write_file(dir, "tile/entries/001.p/45", junk, 17);
    write_file(dir, "tile/0/001", junk, 8192);
    write_file(dir, "tile/1/000.p/2", junk, 64);
    assert_int_equal(cairn_tlog_open(ctx, dir, ORIGIN, s, 0, &log), CAIRN_OK);
    assert_int_equal(cairn_tlog_size(log), 300);
    assert_null(exists(dir, ".tmp/t0"));
    expect_root(log, 300);
    append_range(log, 300, 345, 45);
    append_range(log, 345, 600, 50);
    expect_root(log, 600);
    cairn_tlog_close(log);
    assert_int_equal(cairn_tlog_open(ctx, dir, ORIGIN, s, 0, &log), CAIRN_OK);
    expect_root(log, 600);
    {
        uint8_t proof[CAIRN_TLOG_MAX_PROOF_LEN], l[HL], r[HL];
        size_t plen;
        leaf(300, l);
        cairn_tlog_root(log, r);
        assert_int_equal(cairn_tlog_prove_inclusion_at(log, 300, 600, proof, sizeof(proof), &plen),
                         CAIRN_OK);
        assert_int_equal(cairn_tlog_verify_inclusion(300, 600, l, HL, proof, plen, r, HL), CAIRN_OK);
    }
    cairn_tlog_close(log);

    /* 600 = 2*256 + 88: the checkpoint needs tile/0/002.p/88, its bundle
     * and tile/1/000.p/2. Damage each in turn. */
    {
        static const char *needed[] = {"tile/0/002.p/88", "tile/entries/002.p/88",
                                       "tile/1/000.p/2"};
        size_t i;
        for (i = 0; i < CAIRN_ARRAY_LEN(needed); i++) {
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", dir, needed[i]);
            saved = cts_read_file(path, &slen);
            assert_non_null(saved);
            write_file(dir, needed[i], saved, slen - 1); /* truncated */
            assert_int_equal(cairn_tlog_open(ctx, dir, ORIGIN, s, 0, &log), CAIRN_ERR_CORRUPT);
            saved[slen / 2] ^= 0x40; /* flipped */
            write_file(dir, needed[i], saved, slen);
            assert_int_equal(cairn_tlog_open(ctx, dir, ORIGIN, s, 0, &log), CAIRN_ERR_CORRUPT);
            unlink(path); /* missing */
            assert_int_equal(cairn_tlog_open(ctx, dir, ORIGIN, s, 0, &log), CAIRN_ERR_CORRUPT);
            saved[slen / 2] ^= 0x40;
            write_file(dir, needed[i], saved, slen);
            free(saved);
            assert_int_equal(cairn_tlog_open(ctx, dir, ORIGIN, s, 0, &log), CAIRN_OK);
            cairn_tlog_close(log);
        }
    }
    /* a damaged full tile is caught when a proof or entry needs it */
    {
        char path[4096];
        uint8_t *e;
        size_t elen;
        snprintf(path, sizeof(path), "%s/tile/0/000", dir);
        saved = cts_read_file(path, &slen);
        write_file(dir, "tile/0/000", saved, slen - 32);
        assert_int_equal(cairn_tlog_open(ctx, dir, ORIGIN, s, 0, &log), CAIRN_OK);
        assert_int_equal(cairn_tlog_entry(log, 5, &e, &elen), CAIRN_ERR_CORRUPT);
        {
            uint8_t r[HL];
            /* 256 comes from the level-1 tile; 255 needs tile/0/000 */
            assert_int_equal(cairn_tlog_tree_hash_at(log, 256, r), CAIRN_OK);
            assert_int_equal(cairn_tlog_tree_hash_at(log, 255, r), CAIRN_ERR_CORRUPT);
        }
        cairn_tlog_close(log);
        write_file(dir, "tile/0/000", saved, slen);
        free(saved);
    }
    /* a checkpoint with a bad signature, garbage, or an over-large file */
    {
        char path[4096];
        snprintf(path, sizeof(path), "%s/checkpoint", dir);
        saved = cts_read_file(path, &slen);
        saved[2] ^= 1;
        write_file(dir, "checkpoint", saved, slen);
        assert_int_equal(cairn_tlog_open(ctx, dir, ORIGIN, s, 0, &log), CAIRN_ERR_BAD_SIGNATURE);
        write_file(dir, "checkpoint", junk, 100);
        assert_int_equal(cairn_tlog_open(ctx, dir, ORIGIN, s, 0, &log), CAIRN_ERR_CORRUPT);
        saved[2] ^= 1;
        write_file(dir, "checkpoint", saved, slen);
        free(saved);
        assert_int_equal(cairn_tlog_open(ctx, dir, ORIGIN, s, 0, &log), CAIRN_OK);
        cairn_tlog_close(log);
    }
    cts_rmdir(dir);
    free(dir);
    cairn_note_signer_destroy(s);
    cairn_context_destroy(ctx);
}

/* Child: append forever in random batches, entries by index. */
static void crash_child(const char *dir, unsigned seed)
{
    cairn_context *ctx = cts_context();
    cairn_note_signer *s = NULL;
    cairn_tlog *log = NULL;
    uint64_t n;
    if (cairn_note_signer_parse(ctx, TEST_SK, strlen(TEST_SK), &s) != CAIRN_OK ||
        cairn_tlog_open(ctx, dir, ORIGIN, s, CAIRN_TLOG_CREATE, &log) != CAIRN_OK)
        _exit(2);
    srand(seed);
    n = cairn_tlog_size(log);
    for (;;) {
        size_t k = 1 + (size_t)(rand() % 300), j;
        for (j = 0; j < k; j++) {
            uint8_t buf[64];
            size_t len;
            entry_bytes(n + j, buf, &len);
            if (cairn_tlog_append(log, buf, len, NULL) != CAIRN_OK)
                _exit(3);
        }
        if (cairn_tlog_publish(log) != CAIRN_OK)
            _exit(4);
        n += k;
    }
}

/* TLOG-24, TLOG-25: SIGKILL at random points, reopen, verify, continue. */
static void crash_safety(void **state)
{
    cairn_context *ctx = cts_context();
    cairn_note_signer *s = test_signer(ctx, TEST_SK);
    cairn_note_verifier *v = NULL;
    char *dir = cts_tempdir();
    uint8_t prev_root[HL];
    uint64_t prev = 0;
    int round, rounds = 12;
    (void)state;
    assert_int_equal(cairn_note_verifier_from_signer(ctx, s, &v), CAIRN_OK);
    cairn_tlog_hash_empty(prev_root);
    srand((unsigned)time(NULL));
    for (round = 0; round < rounds; round++) {
        cairn_tlog *log = NULL;
        pid_t pid = fork();
        int status;
        assert_true(pid >= 0);
        if (pid == 0)
            crash_child(dir, (unsigned)rand());
        usleep(2000 + (useconds_t)(rand() % 60000));
        kill(pid, SIGKILL);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));

        assert_int_equal(cairn_tlog_open(ctx, dir, ORIGIN, s, 0, &log), CAIRN_OK);
        assert_true(cairn_tlog_size(log) >= prev);
        expect_root(log, cairn_tlog_size(log));
        /* the published checkpoint opens and extends the previous one */
        {
            char *note;
            size_t nlen, plen;
            cairn_checkpoint cp;
            uint8_t proof[CAIRN_TLOG_MAX_PROOF_LEN];
            assert_int_equal(cairn_tlog_checkpoint_note(log, &note, &nlen), CAIRN_OK);
            assert_int_equal(cairn_tlog_prove_consistency_at(log, prev, cairn_tlog_size(log),
                                                             proof, sizeof(proof), &plen),
                             CAIRN_OK);
            assert_int_equal(cairn_checkpoint_verify_update(ctx, (const uint8_t *)note, nlen,
                                                            ORIGIN, v, prev, prev_root, proof,
                                                            plen, &cp),
                             CAIRN_OK);
            cairn_free(ctx, note, nlen);
            prev = cp.size;
            memcpy(prev_root, cp.root, HL);
        }
        if (prev > 0) {
            uint8_t *e;
            size_t elen, wl;
            uint8_t buf[64];
            uint64_t idx = prev - 1;
            entry_bytes(idx, buf, &wl);
            assert_int_equal(cairn_tlog_entry(log, idx, &e, &elen), CAIRN_OK);
            assert_int_equal(elen, wl);
            assert_memory_equal(e, buf, wl);
            cairn_free(ctx, e, elen);
        }
        cairn_tlog_close(log);
    }
    print_message("crash rounds: %d, final size %llu\n", rounds, (unsigned long long)prev);
    assert_true(prev > 0);
    /* and the survivor keeps working */
    {
        cairn_tlog *log = NULL;
        assert_int_equal(cairn_tlog_open(ctx, dir, ORIGIN, s, 0, &log), CAIRN_OK);
        append_range(log, prev, prev + 500, 77);
        expect_root(log, prev + 500);
        cairn_tlog_close(log);
    }
    cts_rmdir(dir);
    free(dir);
    cairn_note_verifier_destroy(v);
    cairn_note_signer_destroy(s);
    cairn_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vector_log_byte_for_byte),
        cmocka_unit_test(big_log_proofs),
        cmocka_unit_test(hostile_disk_state),
        cmocka_unit_test(crash_safety),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
