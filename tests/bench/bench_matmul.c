// bench_matmul: GFLOP/s of common/matmul.c against the naive triple loop, for square
// sizes and for the shapes the chapters use. Thread count comes from OMP_NUM_THREADS
// (common/scripts/bench.sh runs it with 1 and 2). Prints Markdown table rows.
#include <stdio.h>
#include <stdlib.h>

#include "common/matmul.h"
#include "common/mem.h"
#include "common/rng.h"
#include "common/timer.h"

// Best of a few repetitions (the least disturbed run), in GFLOP/s: 2*M*N*K flops.
static double gflops(int naive, int M, int N, int K, int ta, int tb, float *A, float *B, float *C) {
    double flops = 2.0 * M * N * K, best = 1e30;
    int reps = flops > 4e9 ? 2 : flops > 1e8 ? 4 : 20;
    for (int r = 0; r < reps; r++) {
        double t0 = now_seconds();
        if (naive) matmul_naive(C, A, B, M, N, K, ta, tb, 0.0f);
        else matmul(C, A, B, M, N, K, ta, tb, 0.0f);
        double dt = now_seconds() - t0;
        if (dt < best) best = dt;
    }
    return flops / best / 1e9;
}

static void row(const char *what, int M, int N, int K, int ta, int tb, Rng *rng) {
    size_t na = (size_t)M * K, nb = (size_t)K * N;
    float *A = xmalloc(na * sizeof(float)), *B = xmalloc(nb * sizeof(float)), *C = fzeros((size_t)M * N);
    for (size_t i = 0; i < na; i++) A[i] = rng_uniform(rng) - 0.5f;
    for (size_t i = 0; i < nb; i++) B[i] = rng_uniform(rng) - 0.5f;
    double naive = (double)M * N * K <= 130e6 ? gflops(1, M, N, K, ta, tb, A, B, C) : 0;
    double fast = gflops(0, M, N, K, ta, tb, A, B, C);
    char naive_s[32];
    if (naive > 0) snprintf(naive_s, sizeof naive_s, "%.2f", naive);
    else snprintf(naive_s, sizeof naive_s, "(skipped)");
    const char *threads = getenv("OMP_NUM_THREADS");
    printf("| %-34s | %4d x %4d x %4d | %s%s | %7s | %9s | %8.2f |\n", what, M, N, K, ta ? "A^T" : "A", tb ? "B^T" : "B",
           threads ? threads : "all", naive_s, fast);
    free(A), free(B), free(C);
}

int main(int argc, char **argv) {
    int max_n = argc > 1 ? atoi(argv[1]) : 1024;
    Rng rng;
    rng_seed(&rng, 1);
    for (int n = 128; n <= max_n; n *= 2) {
        char what[64];
        snprintf(what, sizeof what, "square n=%d", n);
        row(what, n, n, n, 0, 0, &rng);
    }
    // the products of chapter 02's Fashion-MNIST MLP (batch 128, 784 -> 256 -> 10)
    row("ch02 fc1 forward  x W^T", 128, 256, 784, 0, 1, &rng);
    row("ch02 fc1 backward d_y W", 128, 784, 256, 0, 0, &rng);
    row("ch02 fc1 backward d_y^T x", 256, 784, 128, 1, 0, &rng);
    return 0;
}
