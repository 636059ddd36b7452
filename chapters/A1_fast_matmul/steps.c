#include "chapters/A1_fast_matmul/steps.h"

#include <stddef.h>
#include <string.h>

#include "common/matmul.h"

void step1_naive_ijk(float *C, const float *A, const float *B, int M, int N, int K) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float sum = 0.0f;
            for (int k = 0; k < K; k++) sum += A[(size_t)i * K + k] * B[(size_t)k * N + j];
            C[(size_t)i * N + j] = sum;
        }
}

void step2_loop_order_ikj(float *C, const float *A, const float *B, int M, int N, int K) {
    memset(C, 0, sizeof(float) * (size_t)M * N);
    for (int i = 0; i < M; i++) {
        float *c = C + (size_t)i * N;
        for (int k = 0; k < K; k++) {
            const float a = A[(size_t)i * K + k];
            const float *b = B + (size_t)k * N;
            for (int j = 0; j < N; j++) c[j] += a * b[j];
        }
    }
}

static int min_int(int a, int b) { return a < b ? a : b; }

void step3_tiled(float *C, const float *A, const float *B, int M, int N, int K) {
    memset(C, 0, sizeof(float) * (size_t)M * N);
    // The two outer loops pick a tile of B; the three inner ones are step 2 on it. The
    // 128 x 256 tile (128 KiB) stays in L2 while all M rows of A use it; the 256 floats
    // of a row of C being updated, and the row of B feeding them, stay in L1.
    for (int j0 = 0; j0 < N; j0 += STEP3_TILE_N)
        for (int k0 = 0; k0 < K; k0 += STEP3_TILE_K) {
            const int j1 = min_int(N, j0 + STEP3_TILE_N), k1 = min_int(K, k0 + STEP3_TILE_K);
            for (int i = 0; i < M; i++) {
                float *c = C + (size_t)i * N;
                for (int k = k0; k < k1; k++) {
                    const float a = A[(size_t)i * K + k];
                    const float *b = B + (size_t)k * N;
                    for (int j = j0; j < j1; j++) c[j] += a * b[j];
                }
            }
        }
}

const char *step_name(int step) {
    static const char *names[N_STEPS] = {
        "1 naive ijk",         "2 loop order ikj",      "3 cache tiles",
        "4 packing + C kernel", "5 intrinsics kernel",   "6 threads",
    };
    return step >= 1 && step <= N_STEPS ? names[step - 1] : "?";
}

void step_run(int step, float *C, const float *A, const float *B, int M, int N, int K) {
    const MatmulKernel *kernels;
    int n_kernels = matmul_kernels(&kernels);
    switch (step) {
    case 1: step1_naive_ijk(C, A, B, M, N, K); break;
    case 2: step2_loop_order_ikj(C, A, B, M, N, K); break;
    case 3: step3_tiled(C, A, B, M, N, K); break;
    // the portable kernel is always last in the list; the best one is first
    case 4: matmul_blocked(&kernels[n_kernels - 1], 1, C, A, B, M, N, K, 0, 0, 0.0f); break;
    case 5: matmul_blocked(&kernels[0], 1, C, A, B, M, N, K, 0, 0, 0.0f); break;
    default: matmul_blocked(&kernels[0], 0, C, A, B, M, N, K, 0, 0, 0.0f); break;
    }
}
