#include "chapters/01_linear_regression/scale.h"

#include <math.h>
#include <stddef.h>

void standardize_fit(float *mean, float *std, const float *x, int N, int D) {
    for (int j = 0; j < D; j++) {
        // two passes in double: the one-pass E[x^2] - E[x]^2 cancels catastrophically
        // when the mean is large compared with the spread (years 1950..2020)
        double sum = 0.0;
        for (int i = 0; i < N; i++) sum += x[(size_t)i * D + j];
        double mu = N > 0 ? sum / N : 0.0, sq = 0.0;
        for (int i = 0; i < N; i++) {
            double dev = x[(size_t)i * D + j] - mu;
            sq += dev * dev;
        }
        double sd = N > 0 ? sqrt(sq / N) : 0.0;
        mean[j] = (float)mu;
        std[j] = sd > 1e-12 * (fabs(mu) + 1.0) ? (float)sd : 1.0f;
    }
}

void standardize_apply(float *out, const float *x, const float *mean, const float *std, int N, int D) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < D; j++) out[(size_t)i * D + j] = (x[(size_t)i * D + j] - mean[j]) / std[j];
}

void standardize_unscale_weights(float *w_raw, float *b_raw, const float *w, float b,
                                 const float *mean, const float *std, int D) {
    double bias = b;
    for (int j = 0; j < D; j++) {
        w_raw[j] = w[j] / std[j];
        bias -= (double)w[j] * mean[j] / std[j];
    }
    *b_raw = (float)bias;
}
