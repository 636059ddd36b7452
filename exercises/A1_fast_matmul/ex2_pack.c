// Exercise A1.2 (**): packing a block into slivers for the micro-kernel.
// Read chapters/A1_fast_matmul/README.md, section "Step 4: packing", first.
// `make exercise EX=A1.2` checks your layout element by element.
#include <stddef.h>

// X is a row-major matrix with leading dimension ld: X(k, j) = src[k*ld + j] (this is
// B as stored). Copy the block X[k0 .. k0+kc, j0 .. j0+width) into slivers of w
// columns: sliver s holds, for each k = 0 .. kc-1, the w values X(k0+k, j0+s*w+c),
// c = 0 .. w-1, one after another:
//     dst[s*w*kc + k*w + c] = X(k0 + k, j0 + s*w + c),   0 where j0+s*w+c >= j0+width.
// There are ceil(width / w) slivers; the last is padded with zeros to full width, so
// the micro-kernel never needs a bounds check.
void ex_pack_slivers(float *dst, const float *src, int ld, int j0, int width, int k0, int kc, int w) {
    (void)dst, (void)src, (void)ld, (void)j0, (void)width, (void)k0, (void)kc, (void)w;
    // TODO(A1.2): for each sliver s, each k, each c: copy or pad with 0.
}
