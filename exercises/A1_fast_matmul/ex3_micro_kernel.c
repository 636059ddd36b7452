// Exercise A1.3 (**): a register-blocked micro-kernel in plain C.
// Read chapters/A1_fast_matmul/README.md, section "Step 4: the micro-kernel", first.
// `make exercise EX=A1.3` checks it alone, then plugs it into common/matmul.c's
// blocked product (matmul_blocked) in place of the built-in kernels.
#include <stddef.h>

// a: a packed sliver of 4 rows of A, k-major: a[k*4 + r] = A(r, k), k < kc.
// b: a packed sliver of 8 columns of B, k-major: b[k*8 + j] = B(k, j).
// c: a 4 x 8 tile of C with row stride ldc. ADD the product:
//     c[r*ldc + j] += sum_k a[k*4 + r] * b[k*8 + j].
// Keep the 32 sums in a local array float acc[4][8] for the whole k loop (the compiler
// puts it in registers) and touch c only once, at the end.
void ex_kernel_4x8(int kc, const float *a, const float *b, float *c, long ldc) {
    (void)kc, (void)a, (void)b, (void)c, (void)ldc;
    // TODO(A1.3): acc = 0; for each k, acc[r][j] += a[k*4+r] * b[k*8+j]; then c += acc.
}
