// Exercise 04.3 (*): split and merge heads -- reference solution.
#include <string.h>

void ex_split_heads(float *out, const float *x, int B, int T, int NH, int hd) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int h = 0; h < NH; h++)
                memcpy(out + (((size_t)b * NH + h) * T + t) * hd, x + ((size_t)b * T + t) * NH * hd + (size_t)h * hd,
                       sizeof(float) * hd);
}

void ex_merge_heads(float *out, const float *x, int B, int T, int NH, int hd) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int h = 0; h < NH; h++)
                memcpy(out + ((size_t)b * T + t) * NH * hd + (size_t)h * hd, x + (((size_t)b * NH + h) * T + t) * hd,
                       sizeof(float) * hd);
}
