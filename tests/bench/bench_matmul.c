// bench_matmul: GFLOP/s of common/matmul.c against the steps before it (the naive
// triple loop, chapter A1's cache tiles, packing with the portable C micro-kernel)
// and, when built with -DWITH_OPENBLAS (`make bench`, when OpenBLAS is installed),
// OpenBLAS's sgemm, for square sizes and for the shapes the chapters use. The thread
// count comes from OMP_NUM_THREADS (common/scripts/bench.sh runs 1 and 2); OpenBLAS
// gets the same count. Prints Markdown table rows.
#include <stdio.h>
#include <stdlib.h>

#include "chapters/A1_fast_matmul/steps.h"
#include "common/matmul.h"
#include "common/mem.h"
#include "common/rng.h"
#include "common/timer.h"

#ifdef WITH_OPENBLAS
#include <cblas.h>
// openblas_config.h declares these; not every cblas.h includes it.
void openblas_set_num_threads(int num_threads);
char *openblas_get_corename(void);
#endif

typedef enum { NAIVE, TILED, PACKED_C, FINAL, OPENBLAS } Impl;

static void run(Impl impl, int M, int N, int K, int ta, int tb, const float *A, const float *B, float *C) {
    const MatmulKernel *kernels;
    int n_kernels = matmul_kernels(&kernels);
    switch (impl) {
    case NAIVE: matmul_naive(C, A, B, M, N, K, ta, tb, 0.0f); break;
    case TILED: step3_tiled(C, A, B, M, N, K); break;  // A B only
    case PACKED_C: matmul_blocked(&kernels[n_kernels - 1], 0, C, A, B, M, N, K, ta, tb, 0.0f); break;
    case FINAL: matmul(C, A, B, M, N, K, ta, tb, 0.0f); break;
    case OPENBLAS:
#ifdef WITH_OPENBLAS
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, 1.0f,
                    A, ta ? M : K, B, tb ? K : N, 0.0f, C, N);
#endif
        break;
    }
}

// Best of repeated runs (the least disturbed), at least 2 and for at least 0.2 s, in
// GFLOP/s: 2*M*N*K flops.
static double gflops(Impl impl, int M, int N, int K, int ta, int tb, const float *A, const float *B, float *C) {
    double flops = 2.0 * M * N * K, best = 1e30, start = now_seconds();
    for (int r = 0; r < 2 || now_seconds() - start < 0.2; r++) {
        double t0 = now_seconds();
        run(impl, M, N, K, ta, tb, A, B, C);
        double dt = now_seconds() - t0;
        if (dt < best) best = dt;
    }
    return flops / best / 1e9;
}

static void cell(char *buf, size_t n, double value) {
    if (value > 0) snprintf(buf, n, "%.2f", value);
    else snprintf(buf, n, "-");
}

static void row(const char *what, int M, int N, int K, int ta, int tb, Rng *rng) {
    size_t na = (size_t)M * K, nb = (size_t)K * N;
    float *A = xmalloc(na * sizeof(float)), *B = xmalloc(nb * sizeof(float)), *C = fzeros((size_t)M * N);
    for (size_t i = 0; i < na; i++) A[i] = rng_uniform(rng) - 0.5f;
    for (size_t i = 0; i < nb; i++) B[i] = rng_uniform(rng) - 0.5f;
    double work = (double)M * N * K, g[5] = {0};
    // the naive loop and the A1 tiles are single-threaded: measured in the 1-thread rows only
    const char *threads = getenv("OMP_NUM_THREADS");
    int one_thread = threads && atoi(threads) == 1;
    if (one_thread && work <= 140e6) g[NAIVE] = gflops(NAIVE, M, N, K, ta, tb, A, B, C);   // seconds each beyond 512^3
    if (one_thread && !ta && !tb) g[TILED] = gflops(TILED, M, N, K, ta, tb, A, B, C);
    g[PACKED_C] = gflops(PACKED_C, M, N, K, ta, tb, A, B, C);
    g[FINAL] = gflops(FINAL, M, N, K, ta, tb, A, B, C);
#ifdef WITH_OPENBLAS
    g[OPENBLAS] = gflops(OPENBLAS, M, N, K, ta, tb, A, B, C);
#endif
    char s[5][32], ratio[32];
    for (int i = 0; i < 5; i++) cell(s[i], sizeof s[i], g[i]);
    cell(ratio, sizeof ratio, g[OPENBLAS] > 0 ? 100.0 * g[FINAL] / g[OPENBLAS] : 0);
    printf("| %-26s | %4d x %4d x %4d | %s%s | %7s | %7s | %7s | %9s | %8s | %8s | %9s |\n", what, M, N, K,
           ta ? "A^T" : "A", tb ? "B^T" : "B", threads ? threads : "all", s[NAIVE], s[TILED], s[PACKED_C], s[FINAL],
           s[OPENBLAS], ratio);
    fflush(stdout);
    free(A), free(B), free(C);
}

int main(int argc, char **argv) {
    int max_n = argc > 1 ? atoi(argv[1]) : 2048;
    if (argc > 2) {  // `bench_matmul N header`: the table header, and which OpenBLAS core
        printf("| shape | M x N x K | op | threads | naive | A1 tiles | packed, C kernel | common/matmul | OpenBLAS | matmul/OpenBLAS %% |\n");
        printf("|---|---|---|---|---|---|---|---|---|---|\n");
#ifdef WITH_OPENBLAS
        fprintf(stderr, "OpenBLAS core: %s\n", openblas_get_corename());
#else
        fprintf(stderr, "OpenBLAS: not built in (install libopenblas-dev, or run `make bench COMPARE=1`)\n");
#endif
        return 0;
    }
#ifdef WITH_OPENBLAS
    const char *threads = getenv("OMP_NUM_THREADS");
    openblas_set_num_threads(threads ? atoi(threads) : 0);
#endif
    Rng rng;
    rng_seed(&rng, 1);
    for (int n = 128; n <= max_n; n *= 2) {
        char what[64];
        snprintf(what, sizeof what, "square n=%d", n);
        row(what, n, n, n, 0, 0, &rng);
    }
    // the products of chapter 02's Fashion-MNIST MLP (batch 128, 784 -> 256 -> 10)
    row("ch02 fc1 forward x W^T", 128, 256, 784, 0, 1, &rng);
    row("ch02 fc1 backward d_y W", 128, 784, 256, 0, 0, &rng);
    row("ch02 fc1 backward d_y^T x", 256, 784, 128, 1, 0, &rng);
    // chapter 04's attention cost experiment: one head, n = 1024, d = 64
    row("ch04 scores Q K^T", 1024, 1024, 64, 0, 1, &rng);
    row("ch04 P V", 1024, 64, 1024, 0, 0, &rng);
    // chapter 09's dense-wide model (16 x 128 tokens, width 128, FFN 4096, vocabulary
    // 8192): the three with K = 128 write a C of 32-64 MiB, as large as the L3 cache or
    // larger; the other three read an operand that large and write a small C
    row("ch09 fc1 forward x W1^T", 2048, 4096, 128, 0, 1, &rng);
    row("ch09 fc2 backward d_y W2", 2048, 4096, 128, 0, 0, &rng);
    row("ch09 fc2 forward h W2^T", 2048, 128, 4096, 0, 1, &rng);
    row("ch09 fc2 backward d_y^T h", 128, 4096, 2048, 1, 0, &rng);
    row("ch09 logits x E^T", 2048, 8192, 128, 0, 1, &rng);
    row("ch09 logits backward d_z E", 2048, 128, 8192, 0, 0, &rng);
    return 0;
}
