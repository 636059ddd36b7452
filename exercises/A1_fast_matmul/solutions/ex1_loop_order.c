// Exercise A1.1, reference solution: step 2 of the chapter.
#include <stddef.h>
#include <string.h>

void ex_matmul_ikj(float *C, const float *A, const float *B, int M, int N, int K) {
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
