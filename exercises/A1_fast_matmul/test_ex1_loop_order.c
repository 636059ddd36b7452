// Grades exercise A1.1: the i-k-j product against the naive triple loop (double
// accumulator) on a hand-checked case and on ragged random shapes, then its speed
// against the i-j-k loop (step 1) in the same run: the point of the exercise.
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "chapters/A1_fast_matmul/steps.h"
#include "common/matmul.h"
#include "common/rng.h"
#include "common/timer.h"

void ex_matmul_ikj(float *C, const float *A, const float *B, int M, int N, int K);

Test(exA1_1, hand_computed) {
    // [1 2; 3 4] @ [5 6; 7 8] = [19 22; 43 50]
    float A[4] = {1, 2, 3, 4}, B[4] = {5, 6, 7, 8}, C[4] = {NAN, NAN, NAN, NAN};
    ex_matmul_ikj(C, A, B, 2, 2, 2);
    cr_assert(C[0] == 19 && C[1] == 22 && C[2] == 43 && C[3] == 50,
              "got [%g %g; %g %g], expected [19 22; 43 50] (is C zeroed first?)", C[0], C[1], C[2], C[3]);
}

Test(exA1_1, matches_naive_on_ragged_shapes) {
    static const int shapes[][3] = {{1, 1, 1}, {3, 7, 5}, {17, 33, 9}, {64, 50, 70}};
    Rng r;
    rng_seed(&r, 111);
    for (int s = 0; s < 4; s++) {
        int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
        float *A = malloc(sizeof(float) * M * K), *B = malloc(sizeof(float) * K * N);
        float *C = malloc(sizeof(float) * M * N), *ref = malloc(sizeof(float) * M * N);
        for (int i = 0; i < M * K; i++) A[i] = rng_normal(&r);
        for (int i = 0; i < K * N; i++) B[i] = rng_normal(&r);
        for (int i = 0; i < M * N; i++) C[i] = NAN;
        ex_matmul_ikj(C, A, B, M, N, K);
        matmul_naive(ref, A, B, M, N, K, 0, 0, 0.0f);
        for (int i = 0; i < M * N; i++)
            cr_assert(fabsf(C[i] - ref[i]) <= 1e-4f * (1 + fabsf(ref[i])) * K,
                      "%dx%dx%d: C[%d] = %g, expected %g", M, N, K, i, C[i], ref[i]);
        free(A), free(B), free(C), free(ref);
    }
}

// Best of 3 runs, seconds: the least disturbed by whatever else the machine does.
static double best_time(int ikj, float *C, const float *A, const float *B, int n) {
    double best = 1e30;
    for (int r = 0; r < 3; r++) {
        double t0 = now_seconds();
        if (ikj) ex_matmul_ikj(C, A, B, n, n, n);
        else step1_naive_ijk(C, A, B, n, n, n);
        double t = now_seconds() - t0;
        if (t < best) best = t;
    }
    return best;
}

Test(exA1_1, at_least_three_times_faster_than_ijk) {
    // n = 256: B is 256 KiB, past L1, so i-j-k pays a cache line per multiply-add while
    // i-k-j streams rows. Measured on the chapter's machine: 1.7 vs 21 GFLOP/s (12x);
    // the bar is 3x so that a loaded machine does not fail a right answer.
    enum { n = 256 };
    float *A = malloc(sizeof(float) * n * n), *B = malloc(sizeof(float) * n * n), *C = malloc(sizeof(float) * n * n);
    for (int i = 0; i < n * n; i++) A[i] = (float)(i % 7) - 3, B[i] = (float)(i % 5) - 2;
    double t_ijk = best_time(0, C, A, B, n), t_ikj = best_time(1, C, A, B, n);
    cr_assert(t_ijk >= 3 * t_ikj, "i-k-j took %.1f ms, i-j-k %.1f ms: only %.1fx faster (is the inner loop over j?)",
              t_ikj * 1e3, t_ijk * 1e3, t_ijk / t_ikj);
    free(A), free(B), free(C);
}
