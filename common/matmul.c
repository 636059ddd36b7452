#include "common/matmul.h"

#include <stddef.h>

// Loop orders are chosen so the innermost loop walks memory contiguously, which is
// what lets the compiler vectorise it; rows of C are split between OpenMP threads,
// so no two threads ever write the same output. Products below PARALLEL_MIN_WORK
// multiply-adds stay on one thread: a parallel region costs microseconds when both
// cores are free, but when another process holds one core the team waits for a time
// slice (milliseconds), which made small products up to 100x slower.
// (The appendix on fast matmul goes further: blocking, packing, a register micro-kernel.)
#define PARALLEL_MIN_WORK (1L << 21)

static void scale_rows(float *C, int M, int N, float beta) {
    size_t n = (size_t)M * N;
    if (beta == 0.0f) {
        for (size_t i = 0; i < n; i++) C[i] = 0.0f;  // also clears NaN garbage
    } else if (beta != 1.0f) {
        for (size_t i = 0; i < n; i++) C[i] *= beta;
    }
}

void matmul(float *C, const float *A, const float *B, int M, int N, int K,
            int trans_a, int trans_b, float beta) {
    scale_rows(C, M, N, beta);
    if (!trans_b) {
        // C[i,:] += sum_k op(A)[i,k] * B[k,:]  (an axpy per k, contiguous in j)
        #pragma omp parallel for schedule(static) if ((long)M * N * K >= PARALLEL_MIN_WORK)
        for (int i = 0; i < M; i++) {
            float *c = C + (size_t)i * N;
            for (int k = 0; k < K; k++) {
                float a = trans_a ? A[(size_t)k * M + i] : A[(size_t)i * K + k];
                if (a == 0.0f) continue;  // ReLU outputs and one-hot rows are often 0
                const float *b = B + (size_t)k * N;
                for (int j = 0; j < N; j++) c[j] += a * b[j];
            }
        }
    } else {
        // C[i,j] += dot(op(A)[i,:], B[j,:]); 8 partial sums let the dot product
        // vectorise without reassociation flags such as -ffast-math.
        #pragma omp parallel for schedule(static) if ((long)M * N * K >= PARALLEL_MIN_WORK)
        for (int i = 0; i < M; i++) {
            float a_row_buf[256];
            for (int j = 0; j < N; j++) {
                const float *b = B + (size_t)j * K;
                float acc[8] = {0};
                int k = 0;
                if (!trans_a) {
                    const float *a = A + (size_t)i * K;
                    for (; k + 8 <= K; k += 8)
                        for (int u = 0; u < 8; u++) acc[u] += a[k + u] * b[k + u];
                    for (; k < K; k++) acc[0] += a[k] * b[k];
                } else {
                    // op(A)[i,k] = A[k,i]: gather a chunk of the column, then dot
                    for (int k0 = 0; k0 < K; k0 += 256) {
                        int len = K - k0 < 256 ? K - k0 : 256;
                        for (int t = 0; t < len; t++) a_row_buf[t] = A[(size_t)(k0 + t) * M + i];
                        for (int t = 0; t < len; t++) acc[t & 7] += a_row_buf[t] * b[k0 + t];
                    }
                }
                float sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
                C[(size_t)i * N + j] += sum;
            }
        }
    }
}

void matmul_naive(float *C, const float *A, const float *B, int M, int N, int K,
                  int trans_a, int trans_b, float beta) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double sum = 0.0;
            for (int k = 0; k < K; k++) {
                double a = trans_a ? A[(size_t)k * M + i] : A[(size_t)i * K + k];
                double b = trans_b ? B[(size_t)j * K + k] : B[(size_t)k * N + j];
                sum += a * b;
            }
            float *c = &C[(size_t)i * N + j];
            *c = (float)(sum + (beta == 0.0f ? 0.0 : (double)beta * *c));
        }
}
