// Exercise A1.3, reference solution: common/matmul.c's tile_portable at 4 x 8.
#include <stddef.h>

void ex_kernel_4x8(int kc, const float *a, const float *b, float *c, long ldc) {
    float acc[4][8] = {{0}};
    for (int k = 0; k < kc; k++)
        for (int r = 0; r < 4; r++)
            for (int j = 0; j < 8; j++) acc[r][j] += a[(size_t)k * 4 + r] * b[(size_t)k * 8 + j];
    for (int r = 0; r < 4; r++)
        for (int j = 0; j < 8; j++) c[r * ldc + j] += acc[r][j];
}
