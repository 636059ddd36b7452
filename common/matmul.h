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
// All matrices are row-major and contiguous.
#ifndef COMMON_MATMUL_H
#define COMMON_MATMUL_H

void matmul(float *C, const float *A, const float *B, int M, int N, int K,
            int trans_a, int trans_b, float beta);

// The textbook triple loop with a double accumulator: slow, obviously right.
// Tests and benchmarks compare the fast path against it.
void matmul_naive(float *C, const float *A, const float *B, int M, int N, int K,
                  int trans_a, int trans_b, float beta);

#endif
