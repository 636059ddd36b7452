// test_A1_fast_matmul.c: every step of the appendix computes the same product as the
// naive double-precision reference, on shapes that are not multiples of any tile;
// the roofline probes return plausible numbers.
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "chapters/A1_fast_matmul/roofline.h"
#include "chapters/A1_fast_matmul/steps.h"
#include "common/matmul.h"
#include "common/mem.h"
#include "common/rng.h"

// The tolerance is test_common_matmul.c's: (K + 2) eps sum_k |a_ik b_kj|, twice the
// standard bound on the rounding error of a float dot product of length K.
static void check_step(int step, int M, int N, int K, Rng *r) {
    float *A = xmalloc(sizeof(float) * M * K), *B = xmalloc(sizeof(float) * K * N);
    float *abs_A = xmalloc(sizeof(float) * M * K), *abs_B = xmalloc(sizeof(float) * K * N);
    float *C = xmalloc(sizeof(float) * M * N), *ref = xmalloc(sizeof(float) * M * N);
    float *bound = xmalloc(sizeof(float) * M * N);
    for (int i = 0; i < M * K; i++) abs_A[i] = fabsf(A[i] = rng_normal(r));
    for (int i = 0; i < K * N; i++) abs_B[i] = fabsf(B[i] = rng_normal(r));
    for (int i = 0; i < M * N; i++) C[i] = NAN;  // every step must overwrite C
    step_run(step, C, A, B, M, N, K);
    matmul_naive(ref, A, B, M, N, K, 0, 0, 0.0f);
    matmul_naive(bound, abs_A, abs_B, M, N, K, 0, 0, 0.0f);
    for (int i = 0; i < M * N; i++) {
        double tol = (K + 2) * (double)FLT_EPSILON * bound[i];
        cr_assert(fabs((double)C[i] - ref[i]) <= tol, "step %d (%s), %dx%dx%d: C[%d] = %.9g, naive %.9g",
                  step, step_name(step), M, N, K, i, C[i], ref[i]);
    }
    free(A), free(B), free(abs_A), free(abs_B), free(C), free(ref), free(bound);
}

Test(A1_steps, every_step_matches_naive_on_ragged_shapes) {
    // 1x1x1; smaller than one tile; one past the step-3 tiles (256 columns, 128 deep);
    // and large enough for step 6 to start threads.
    static const int shapes[][3] = {{1, 1, 1}, {7, 13, 5}, {65, 257, 129}, {150, 140, 130}};
    Rng r;
    rng_seed(&r, 21);
    for (int step = 1; step <= N_STEPS; step++)
        for (int s = 0; s < 4; s++) check_step(step, shapes[s][0], shapes[s][1], shapes[s][2], &r);
}

Test(A1_steps, names_are_numbered) {
    cr_assert_str_eq(step_name(1), "1 naive ijk");
    cr_assert_str_eq(step_name(N_STEPS), "6 threads");
    cr_assert_str_eq(step_name(0), "?");
}

Test(A1_roofline, peak_and_bandwidth_are_plausible) {
    // Any machine this book runs on does less than 10,000 GFLOP/s per core and streams
    // less than 10,000 GB/s; a loop the compiler deleted would report far more, a
    // broken timer NaN or infinity. The lower bounds are loose on purpose: under
    // `make test SANITIZE=1` (-O1, every access checked) the FMA loop measured 0.28
    // GFLOP/s, against 175 in a normal build.
    double peak = roofline_peak_gflops(0.02);
    cr_assert(isfinite(peak) && peak > 0.01 && peak < 1e4, "peak %g GFLOP/s", peak);
    double bw = roofline_bandwidth_gbs(1 << 16, 5);
    cr_assert(isfinite(bw) && bw > 0.1 && bw < 1e4, "bandwidth %g GB/s", bw);
}
