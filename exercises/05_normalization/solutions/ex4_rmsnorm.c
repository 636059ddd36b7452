// Exercise 05.4, reference solution: RMSNorm forward (5.12) and backward (5.13).
#include <math.h>

#include "chapters/05_normalization/layernorm.h"

void ex_rmsnorm_forward(float *out, float *rrms, const float *x, const float *gamma, int N, int C) {
    for (int i = 0; i < N; i++) {
        double sq = 0;
        for (int c = 0; c < C; c++) sq += (double)x[i * C + c] * x[i * C + c];
        rrms[i] = (float)(1.0 / sqrt(sq / C + LAYERNORM_EPS));
        for (int c = 0; c < C; c++) out[i * C + c] = x[i * C + c] * rrms[i] * gamma[c];
    }
}

void ex_rmsnorm_backward(float *d_x, float *d_gamma, const float *d_out, const float *x,
                         const float *rrms, const float *gamma, int N, int C) {
    for (int i = 0; i < N; i++) {
        double m = 0;   // mean_c(d_xhat * xhat)
        for (int c = 0; c < C; c++) {
            float xhat = x[i * C + c] * rrms[i];
            m += d_out[i * C + c] * gamma[c] * xhat;
            d_gamma[c] += d_out[i * C + c] * xhat;
        }
        m /= C;
        for (int c = 0; c < C; c++) {
            float xhat = x[i * C + c] * rrms[i];
            d_x[i * C + c] += rrms[i] * (float)(d_out[i * C + c] * gamma[c] - xhat * m);
        }
    }
}
