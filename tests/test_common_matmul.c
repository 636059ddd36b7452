// test_common_matmul.c: the fast matmul of common/ against the naive triple loop in
// double precision, for every micro-kernel compiled in, 1 and 2 threads, every
// transpose and beta, and shapes that are not multiples of any block size (the
// packing pads ragged edges with zeros; a wrong pad or a tile written twice shows
// up at exactly those shapes). `make test SANITIZE=1` builds without OpenMP, so CI
// runs these both with and without threads.
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/matmul.h"
#include "common/mem.h"
#include "common/rng.h"

// Which multiply to check: the public matmul(), or matmul_blocked() with one kernel
// and thread count (kernel NULL = matmul()).
typedef struct {
    const MatmulKernel *kernel;
    int threads;
} Variant;

static void multiply(Variant v, float *C, const float *A, const float *B, int M, int N, int K,
                     int ta, int tb, float beta) {
    if (v.kernel) matmul_blocked(v.kernel, v.threads, C, A, B, M, N, K, ta, tb, beta);
    else matmul(C, A, B, M, N, K, ta, tb, beta);
}

// Tolerance: a float dot product of length K is within K * 2^-24 * sum_k |a_ik b_kj|
// of the exact value (the standard rounding-error bound), and adding beta*C adds one
// more rounding; we allow (K + 2) * FLT_EPSILON * (|A||B| + |beta C|)_ij, twice that
// bound. A wrong index or a missed term is off by O(1) and fails by orders of magnitude.
static void check_matmul(Variant v, int M, int N, int K, Rng *r) {
    size_t nc = (size_t)M * N;
    float *A = xmalloc((size_t)M * K * sizeof(float)), *B = xmalloc((size_t)K * N * sizeof(float));
    float *abs_A = xmalloc((size_t)M * K * sizeof(float)), *abs_B = xmalloc((size_t)K * N * sizeof(float));
    float *C0 = xmalloc(nc * sizeof(float)), *C = xmalloc(nc * sizeof(float));
    float *ref = xmalloc(nc * sizeof(float)), *bound = xmalloc(nc * sizeof(float));
    for (size_t i = 0; i < (size_t)M * K; i++) abs_A[i] = fabsf(A[i] = rng_normal(r));
    for (size_t i = 0; i < (size_t)K * N; i++) abs_B[i] = fabsf(B[i] = rng_normal(r));
    for (size_t i = 0; i < nc; i++) C0[i] = rng_normal(r);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int b = 0; b < 3; b++) {
                // beta = 0 must overwrite C even when it holds NaN garbage (and only
                // beta = 0 may: 0.5 takes the scaling pass, then adds)
                const float beta = b == 2 ? 0.5f : (float)b;
                for (size_t i = 0; i < nc; i++) C[i] = ref[i] = beta != 0.0f ? C0[i] : NAN;
                for (size_t i = 0; i < nc; i++) bound[i] = beta != 0.0f ? fabsf(C0[i]) : 0.0f;
                multiply(v, C, A, B, M, N, K, ta, tb, beta);
                matmul_naive(ref, A, B, M, N, K, ta, tb, beta);
                matmul_naive(bound, abs_A, abs_B, M, N, K, ta, tb, beta);
                for (size_t i = 0; i < nc; i++) {
                    double tol = (K + 2) * (double)FLT_EPSILON * bound[i];
                    cr_assert(fabs((double)C[i] - ref[i]) <= tol,
                              "%s, %d threads, M=%d N=%d K=%d trans_a=%d trans_b=%d beta=%g: "
                              "C[%zu] = %.9g, naive %.9g, tol %.3g",
                              v.kernel ? v.kernel->name : "matmul()", v.threads, M, N, K, ta, tb,
                              (double)beta, i, C[i], ref[i], tol);
                }
            }
    float *all[] = {A, B, abs_A, abs_B, C0, C, ref, bound};
    for (int i = 0; i < 8; i++) free(all[i]);
}

// Shapes around the block sizes of matmul.c (KC 256, MC 192, NC 2048) and the
// tile sizes of every kernel (4x8, 6x16, 12x32): one short of, one past, and far from them.
// Tall and narrow shapes (N below 2 slivers per thread) make matmul_blocked split C by
// rows instead of columns; with threads = 2 both splits run threaded.
static const int SHAPES[][3] = {
    {1, 1, 1},     {7, 13, 5},     {127, 129, 65}, {64, 64, 64},  {12, 32, 256},  {13, 33, 257},
    {193, 31, 300}, {5, 17, 513},  {40, 2049, 3},  {2050, 3, 9},  {300, 40, 200}, {97, 20, 33},
};
#define N_SHAPES (int)(sizeof SHAPES / sizeof SHAPES[0])

Test(common_matmul, public_matmul_matches_naive_for_every_transpose_and_beta) {
    Rng r;
    rng_seed(&r, 11);
    for (int s = 0; s < N_SHAPES; s++)
        check_matmul((Variant){NULL, 0}, SHAPES[s][0], SHAPES[s][1], SHAPES[s][2], &r);
}

Test(common_matmul, every_kernel_and_thread_count_matches_naive) {
    const MatmulKernel *kernels;
    int n = matmul_kernels(&kernels);
    cr_assert_geq(n, 1);
    cr_assert(strncmp(kernels[n - 1].name, "portable", 8) == 0, "the portable kernel is always built, last (got %s)",
              kernels[n - 1].name);
    Rng r;
    rng_seed(&r, 12);
    for (int k = 0; k < n; k++) {
        cr_assert(kernels[k].kernel_store, "%s: every built-in kernel can write its tile", kernels[k].name);
        // both ways of meeting beta = 0: the tile written over C's garbage by
        // kernel_store, and (a learner's kernel without one) C zeroed, then added to
        MatmulKernel add_only = kernels[k];
        add_only.kernel_store = NULL;
        for (int threads = 1; threads <= 2; threads++)
            for (int s = 0; s < N_SHAPES; s++) {
                check_matmul((Variant){&kernels[k], threads}, SHAPES[s][0], SHAPES[s][1], SHAPES[s][2], &r);
                check_matmul((Variant){&add_only, threads}, SHAPES[s][0], SHAPES[s][1], SHAPES[s][2], &r);
            }
    }
}

// A plain 12 x 32 kernel, the AVX-512 kernel's tile, so that every machine also packs
// slivers 12 and 32 wide (on AVX machines, through the transposes of pack_unit).
static void kernel_12x32_plain(int kc, const float *a, const float *b, float *c, long ldc) {
    for (int r = 0; r < 12; r++)
        for (int j = 0; j < 32; j++) {
            float sum = 0.0f;
            for (int k = 0; k < kc; k++) sum += a[(size_t)k * 12 + r] * b[(size_t)k * 32 + j];
            c[r * ldc + j] += sum;
        }
}

Test(common_matmul, a_12x32_kernel_packs_wide_slivers) {
    const MatmulKernel wide = {"plain 12x32 (test)", 12, 32, kernel_12x32_plain, NULL};
    Rng r;
    rng_seed(&r, 13);
    for (int threads = 1; threads <= 2; threads++)
        for (int s = 0; s < N_SHAPES; s++)
            check_matmul((Variant){&wide, threads}, SHAPES[s][0], SHAPES[s][1], SHAPES[s][2], &r);
}

Test(common_matmul, large_enough_to_run_in_parallel) {
    // 2^21 multiply-adds is where matmul() starts threads; this is past it, with ragged
    // edges in every dimension, so the parallel packing and tile split are exercised.
    Rng r;
    rng_seed(&r, 13);
    check_matmul((Variant){NULL, 0}, 131, 197, 263, &r);
}

Test(common_matmul, small_product_by_hand) {
    // [1 2; 3 4] @ [5 6; 7 8] = [19 22; 43 50]
    float A[4] = {1, 2, 3, 4}, B[4] = {5, 6, 7, 8}, C[4] = {1, 1, 1, 1};
    matmul(C, A, B, 2, 2, 2, 0, 0, 0.0f);
    cr_assert(C[0] == 19 && C[1] == 22 && C[2] == 43 && C[3] == 50, "%g %g %g %g", C[0], C[1], C[2], C[3]);
    matmul(C, A, B, 2, 2, 2, 0, 0, 1.0f);   // beta = 1 accumulates
    cr_assert(C[0] == 38 && C[3] == 100);
    matmul(C, A, B, 2, 2, 2, 0, 0, 0.5f);   // beta = 0.5: C = 0.5*C + AB
    cr_assert(C[0] == 38 && C[3] == 100);
}

Test(common_matmul, empty_dimensions_only_scale_c) {
    // K = 0: the product is empty, C = beta * C (a batch with no tokens must not crash)
    float C[6] = {1, 2, 3, 4, 5, 6}, dummy = 0;
    matmul(C, &dummy, &dummy, 2, 3, 0, 0, 0, 0.5f);
    cr_assert(C[0] == 0.5f && C[5] == 3.0f);
    const MatmulKernel *kernels;
    matmul_kernels(&kernels);
    matmul_blocked(&kernels[0], 1, C, &dummy, &dummy, 2, 3, 0, 0, 0, 0.0f);
    cr_assert(C[0] == 0.0f && C[5] == 0.0f);
}
