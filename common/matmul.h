// matmul.h: the one matrix multiply every chapter calls.
//
//   C (M,N) = op(A) (M,K) @ op(B) (K,N) + beta * C
//
// op(X) is X or X^T: trans_a = 1 means A is stored as (K,M), trans_b = 1 means
// B is stored as (N,K). These are the three products forward and backward passes
// need without copying a transpose:
//   forward   y  = x  W^T  : matmul(y,  x,  W, B,Out,In, 0,1, 0)
//   backward  dx += dy W    : matmul(dx, dy, W, B,In,Out, 0,0, 1)
//             dW += dy^T x  : matmul(dW, dy, x, Out,In,B, 1,0, 1)
// beta = 1 makes the product accumulate, which is how backward passes "+=".
// All matrices are row-major and contiguous; C must not overlap A or B. Sizes may be
// 0 (then C = beta C), not negative. Each thread keeps its packing buffers (at most
// about 2.3 MiB) from one product to the next: scratch, not state (matmul.c).
//
// How it is made fast (cache blocking, packing, a register micro-kernel, threads) is
// the lesson of chapters/A1_fast_matmul/README.md.
#ifndef COMMON_MATMUL_H
#define COMMON_MATMUL_H

void matmul(float *C, const float *A, const float *B, int M, int N, int K,
            int trans_a, int trans_b, float beta);

// The textbook triple loop with a double accumulator: slow, obviously right.
// Tests and benchmarks compare the fast path against it.
void matmul_naive(float *C, const float *A, const float *B, int M, int N, int K,
                  int trans_a, int trans_b, float beta);

// A micro-kernel computes one MR x NR tile of C from packed panels:
//   c[r*ldc + j] += sum_k a[k*MR + r] * b[k*NR + j],  r < MR, j < NR, k < kc.
// `a` is an MR-row sliver of op(A) stored k-major, `b` an NR-column sliver of op(B)
// stored k-major (see pack_unit in matmul.c). kernel_store, optional, is the same
// with = for +=: with it a product with beta = 0 never reads C (no zeroing pass);
// without it (NULL) C is zeroed first and `kernel` adds to it.
typedef struct {
    const char *name;   // "avx512 12x32", "portable 6x16", ...
    int mr, nr;         // tile height (rows of C) and width (columns of C)
    void (*kernel)(int kc, const float *a, const float *b, float *c, long ldc);
    void (*kernel_store)(int kc, const float *a, const float *b, float *c, long ldc);
} MatmulKernel;

// The kernels compiled into this build, best first (the intrinsics kernels exist only
// when the compiler targets AVX2/AVX-512; the portable C kernel always does).
// matmul() uses kernels[0].
int matmul_kernels(const MatmulKernel **kernels);

// The blocked, packed product with a chosen micro-kernel and thread count:
// threads > 0 runs exactly that many (at most one per band of C), threads <= 0 uses
// every core for products of 2^21 multiply-adds or more and one thread below (ignored
// without OpenMP). The appendix and the tests call it to compare kernels and thread
// counts; matmul() calls it with the best kernel and threads = 0, after handling
// tiny products directly.
void matmul_blocked(const MatmulKernel *kern, int threads, float *C, const float *A,
                    const float *B, int M, int N, int K, int trans_a, int trans_b,
                    float beta);

#endif
