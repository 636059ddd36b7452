// Exercise 05.3, reference solution: layer norm row by row, skipping padding.
#include "chapters/05_normalization/layernorm.h"

void ex_layernorm_masked_forward(float *out, float *mean, float *rstd, const float *x,
                                 const int *mask, const float *gamma, const float *beta,
                                 int N, int C) {
    for (int i = 0; i < N; i++) {
        if (mask[i]) {
            layernorm_forward(out + i * C, mean + i, rstd + i, x + i * C, gamma, beta, 1, C);
        } else {
            for (int c = 0; c < C; c++) out[i * C + c] = 0;
            mean[i] = rstd[i] = 0;
        }
    }
}

void ex_layernorm_masked_backward(float *d_x, float *d_gamma, float *d_beta,
                                  const float *d_out, const float *x, const float *mean,
                                  const float *rstd, const int *mask, const float *gamma,
                                  int N, int C) {
    for (int i = 0; i < N; i++)
        if (mask[i])
            layernorm_backward(d_x + i * C, d_gamma, d_beta, d_out + i * C, x + i * C, mean + i,
                               rstd + i, gamma, 1, C);
}
