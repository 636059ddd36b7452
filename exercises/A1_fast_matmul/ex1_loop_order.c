// Exercise A1.1 (*): the loop order that lets the compiler vectorise.
// Read chapters/A1_fast_matmul/README.md, section "Step 2", first.
// `make exercise EX=A1.1` checks your product against the naive triple loop.
#include <stddef.h>

// C (M,N) = A (M,K) @ B (K,N), row-major, C overwritten (it may hold garbage).
// Write the loops in the order i, k, j, so that the innermost loop is
//   C[i, j] += A[i, k] * B[k, j]   for j = 0 .. N-1,
// unit stride in both B and C.
void ex_matmul_ikj(float *C, const float *A, const float *B, int M, int N, int K) {
    (void)C, (void)A, (void)B, (void)M, (void)N, (void)K;
    // TODO(A1.1): zero C, then the three loops i, k, j.
}
