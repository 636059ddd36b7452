// Exercise A1.2, reference solution. (common/matmul.c's pack_unit does the same, row
// by row of X for all slivers at once, which is kinder to the hardware prefetcher.)
#include <stddef.h>

void ex_pack_slivers(float *dst, const float *src, int ld, int j0, int width, int k0, int kc, int w) {
    int slivers = (width + w - 1) / w;
    for (int s = 0; s < slivers; s++)
        for (int k = 0; k < kc; k++)
            for (int c = 0; c < w; c++) {
                int j = s * w + c;
                dst[(size_t)s * w * kc + (size_t)k * w + c] =
                    j < width ? src[(size_t)(k0 + k) * ld + j0 + j] : 0.0f;
            }
}
