/*
 * bench_tlog.c - figures for the durable transparency log: appends per
 * second with every checkpoint made durable (fsync) for batches of 1, 64
 * and 1024 entries per checkpoint, then inclusion/consistency proof
 * generation from the tiles on disk and proof verification. The log lives
 * in $TMPDIR (default /tmp), so the figures are those of that file system.
 * Usage: bench_tlog [seconds per figure, default 2]
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cairn/tlog.h"


static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    struct stat st;
    if (d == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            rmtree(path);
        else
            unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static void die(const char *what, cairn_status rc)
{
    fprintf(stderr, "bench_tlog: %s: %s\n", what, cairn_strerror(rc));
    exit(1);
}

int main(int argc, char **argv)
{
    static const size_t batches[] = {1, 64, 1024};
    double secs = argc > 1 ? atof(argv[1]) : 2.0;
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char base[4096], dir[4200];
    cairn_context *ctx = NULL;
    cairn_note_signer *s = NULL;
    cairn_status rc;
    size_t b;
    cairn_tlog *log = NULL;

    if (cairn_context_create(NULL, &ctx) != CAIRN_OK)
        return 1;
    /* A fresh key: the figures do not depend on which. */
    if ((rc = cairn_note_signer_generate(ctx, "bench.cairn.example/log", &s)) != CAIRN_OK)
        die("signer", rc);
    snprintf(base, sizeof(base), "%s/bench-tlog-XXXXXX", tmp);
    if (mkdtemp(base) == NULL)
        return 1;
    printf("bench_tlog: durable log in %s (fsync on every checkpoint)\n", base);

    for (b = 0; b < sizeof(batches) / sizeof(batches[0]); b++) {
        size_t k = batches[b], j;
        uint8_t entries[1024][64];
        const uint8_t *ptrs[1024];
        size_t lens[1024];
        uint64_t total = 0;
        double t0, t;
        snprintf(dir, sizeof(dir), "%s/b%zu", base, k);
        if ((rc = cairn_tlog_open(ctx, dir, "bench.cairn.example/log", s, CAIRN_TLOG_CREATE,
                                  &log)) != CAIRN_OK)
            die("open", rc);
        for (j = 0; j < k; j++) {
            ptrs[j] = entries[j];
            lens[j] = sizeof(entries[j]);
        }
        t0 = now();
        do {
            for (j = 0; j < k; j++) {
                memcpy(entries[j], &total, sizeof(total));
                total++;
            }
            if ((rc = cairn_tlog_append_batch(log, ptrs, lens, k, NULL)) != CAIRN_OK)
                die("append", rc);
            t = now() - t0;
        } while (t < secs);
        printf("durable appends, batch %4zu: %10.0f entries/s  (%8.1f checkpoints/s, %llu entries)\n",
               k, (double)total / t, (double)total / (double)k / t,
               (unsigned long long)total);
        if (k < 1024)
            cairn_tlog_close(log);
    }

    /* proofs on the largest log */
    {
        uint64_t n = cairn_tlog_size(log), iters = 0;
        uint8_t proof[CAIRN_TLOG_MAX_PROOF_LEN], root[32], leaf[32], r1[32];
        size_t plen;
        double t0 = now(), t;
        cairn_tlog_root(log, root);
        do {
            uint64_t i = randombytes_uniform((uint32_t)(n < UINT32_MAX ? n : UINT32_MAX));
            if ((rc = cairn_tlog_prove_inclusion_at(log, i, n, proof, sizeof(proof), &plen)) !=
                CAIRN_OK)
                die("prove inclusion", rc);
            iters++;
            t = now() - t0;
        } while (t < secs);
        printf("inclusion proof from tiles (n=%llu): %8.1f us/proof\n",
               (unsigned long long)n, t / (double)iters * 1e6);
        iters = 0;
        t0 = now();
        do {
            uint64_t m = 1 + randombytes_uniform((uint32_t)(n - 1));
            if ((rc = cairn_tlog_prove_consistency_at(log, m, n, proof, sizeof(proof), &plen)) !=
                CAIRN_OK)
                die("prove consistency", rc);
            iters++;
            t = now() - t0;
        } while (t < secs);
        printf("consistency proof from tiles:        %8.1f us/proof\n",
               t / (double)iters * 1e6);
        {
            uint64_t i = n / 3;
            uint8_t e[64] = {0};
            memcpy(e, &i, sizeof(i));
            cairn_tlog_hash_leaf(leaf, e, sizeof(e));
            if ((rc = cairn_tlog_prove_inclusion_at(log, i, n, proof, sizeof(proof), &plen)) !=
                CAIRN_OK)
                die("prove", rc);
            iters = 0;
            t0 = now();
            do {
                if (cairn_tlog_verify_inclusion(i, n, leaf, 32, proof, plen, root, 32) !=
                    CAIRN_OK)
                    die("verify inclusion", CAIRN_ERR_PROOF);
                iters++;
                t = now() - t0;
            } while (t < secs);
            printf("inclusion verification (%zu hashes): %8.2f us/verify\n", plen / 32,
                   t / (double)iters * 1e6);
        }
        {
            uint64_t m = n / 2 + 1;
            if ((rc = cairn_tlog_prove_consistency_at(log, m, n, proof, sizeof(proof), &plen)) !=
                    CAIRN_OK ||
                (rc = cairn_tlog_tree_hash_at(log, m, r1)) != CAIRN_OK)
                die("prove", rc);
            iters = 0;
            t0 = now();
            do {
                if (cairn_tlog_verify_consistency(m, n, proof, plen, r1, 32, root, 32) !=
                    CAIRN_OK)
                    die("verify consistency", CAIRN_ERR_PROOF);
                iters++;
                t = now() - t0;
            } while (t < secs);
            printf("consistency verification (%zu hashes): %6.2f us/verify\n", plen / 32,
                   t / (double)iters * 1e6);
        }
    }
    cairn_tlog_close(log);
    cairn_note_signer_destroy(s);
    cairn_context_destroy(ctx);
    rmtree(base);
    return 0;
}
