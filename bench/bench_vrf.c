/*
 * bench_vrf.c - throughput of cairn_vrf_prove, cairn_vrf_verify and
 * cairn_vrf_proof_to_hash on a 32-byte alpha (a KT label's size), printed
 * as operations per second. Asserts nothing: a figure, not a test.
 * Usage: bench_vrf [seconds per operation, default 1]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn/vrf.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    uint8_t sk[32], pk[32], proof[80], beta[64], alpha[32];
    double t0, dt;
    long n;
    unsigned sink = 0;
    int i;

    if (secs <= 0)
        secs = 1.0;
    for (i = 0; i < 32; i++) {
        sk[i] = (uint8_t)(i * 7 + 1);
        alpha[i] = (uint8_t)i;
    }
    if (cairn_vrf_public_key(pk, sk) != CAIRN_OK ||
        cairn_vrf_prove(proof, sk, alpha, sizeof alpha) != CAIRN_OK) {
        fprintf(stderr, "bench_vrf: setup failed\n");
        return 1;
    }

    t0 = now_s();
    n = 0;
    do {
        alpha[0] = (uint8_t)n;
        if (cairn_vrf_prove(proof, sk, alpha, sizeof alpha) != CAIRN_OK)
            return 1;
        n++;
    } while ((dt = now_s() - t0) < secs);
    printf("vrf prove:         %9.0f ops/s (%.1f us/op)\n", n / dt, dt / n * 1e6);

    t0 = now_s();
    n = 0;
    do {
        if (cairn_vrf_verify(beta, pk, proof, alpha, sizeof alpha) != CAIRN_OK)
            return 1;
        sink += beta[0];
        n++;
    } while ((dt = now_s() - t0) < secs);
    printf("vrf verify:        %9.0f ops/s (%.1f us/op)\n", n / dt, dt / n * 1e6);

    t0 = now_s();
    n = 0;
    do {
        if (cairn_vrf_proof_to_hash(beta, proof) != CAIRN_OK)
            return 1;
        sink += beta[0];
        n++;
    } while ((dt = now_s() - t0) < secs);
    printf("vrf proof_to_hash: %9.0f ops/s (%.1f us/op)\n", n / dt, dt / n * 1e6);
    return sink == 0xffffffffu; /* keep the results alive */
}
