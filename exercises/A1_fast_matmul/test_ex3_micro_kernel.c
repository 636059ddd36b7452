// Grades exercise A1.3: the 4x8 micro-kernel on one tile (it must add into C and
// respect ldc), then as the kernel of common/matmul.c's blocked product on ragged
// shapes and every transpose, against the naive triple loop.
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "common/matmul.h"
#include "common/rng.h"

void ex_kernel_4x8(int kc, const float *a, const float *b, float *c, long ldc);

Test(exA1_3, one_tile_adds_into_c) {
    enum { KC = 5, LDC = 11 };
    float a[KC * 4], b[KC * 8], c[4 * LDC];
    for (int i = 0; i < KC * 4; i++) a[i] = (float)(i % 7) - 3;
    for (int i = 0; i < KC * 8; i++) b[i] = (float)(i % 5) - 2;
    for (int i = 0; i < 4 * LDC; i++) c[i] = 100.0f;  // the kernel adds to what is there
    ex_kernel_4x8(KC, a, b, c, LDC);
    for (int r = 0; r < 4; r++)
        for (int j = 0; j < LDC; j++) {
            float want = 100.0f;
            if (j < 8)
                for (int k = 0; k < KC; k++) want += a[k * 4 + r] * b[k * 8 + j];
            cr_assert(c[r * LDC + j] == want, "c[%d][%d] = %g, expected %g%s", r, j, c[r * LDC + j], want,
                      j < 8 ? "" : " (outside the tile: must stay untouched)");
        }
}

Test(exA1_3, drives_the_blocked_matmul) {
    // the kernel is the only part of common/matmul.c that knows the tile size
    // (no kernel_store: matmul_blocked zeroes C for beta = 0, then your kernel adds)
    MatmulKernel mine = {"exercise 4x8", 4, 8, ex_kernel_4x8, NULL};
    static const int shapes[][3] = {{4, 8, 1}, {9, 17, 30}, {50, 33, 300}};
    Rng r;
    rng_seed(&r, 113);
    for (int s = 0; s < 3; s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                int M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
                float *A = malloc(sizeof(float) * M * K), *B = malloc(sizeof(float) * K * N);
                float *C = malloc(sizeof(float) * M * N), *ref = malloc(sizeof(float) * M * N);
                for (int i = 0; i < M * K; i++) A[i] = rng_normal(&r);
                for (int i = 0; i < K * N; i++) B[i] = rng_normal(&r);
                matmul_blocked(&mine, 1, C, A, B, M, N, K, ta, tb, 0.0f);
                matmul_naive(ref, A, B, M, N, K, ta, tb, 0.0f);
                for (int i = 0; i < M * N; i++)
                    cr_assert(fabsf(C[i] - ref[i]) <= 1e-5f * K * (1 + fabsf(ref[i])),
                              "%dx%dx%d trans_a=%d trans_b=%d: C[%d] = %g, expected %g", M, N, K, ta, tb, i,
                              C[i], ref[i]);
                free(A), free(B), free(C), free(ref);
            }
}
