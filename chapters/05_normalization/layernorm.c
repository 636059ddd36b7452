// layernorm.c: see layernorm.h. Sums in double: a mean of C floats is a sum first.
#include "chapters/05_normalization/layernorm.h"

#include <math.h>
#include <stdio.h>

void layernorm_forward(float *out, float *mean, float *rstd, const float *x,
                       const float *gamma, const float *beta, int N, int C) {
    layernorm_forward_eps(out, mean, rstd, x, gamma, beta, N, C, LAYERNORM_EPS);
}

void layernorm_forward_eps(float *out, float *mean, float *rstd, const float *x, const float *gamma,
                           const float *beta, int N, int C, float eps) {
#pragma omp parallel for schedule(static) if (N >= 256)
    for (int i = 0; i < N; i++) {
        const float *xi = x + (long)i * C;
        float *oi = out + (long)i * C;
        double sum = 0, sq = 0;
        for (int c = 0; c < C; c++) sum += xi[c];
        double mu = sum / C;
        for (int c = 0; c < C; c++) sq += (xi[c] - mu) * (xi[c] - mu);
        float rs = (float)(1.0 / sqrt(sq / C + eps));    // (5.1)
        for (int c = 0; c < C; c++) oi[c] = ((float)(xi[c] - mu) * rs) * gamma[c] + beta[c];  // (5.2)
        mean[i] = (float)mu;
        rstd[i] = rs;
    }
}

// In parallel, with exactly the serial loop's arithmetic (so that results do not
// depend on the number of threads, and chapters 05-06 reproduce their numbers): d_x
// row by row, each row on its own; d_gamma and d_beta column by column, each column
// summing its rows in row order. The column pass reads the rows again, which costs
// less than a second thread saves.
#define LN_COLS 16

void layernorm_backward(float *d_x, float *d_gamma, float *d_beta,
                        const float *d_out, const float *x, const float *mean,
                        const float *rstd, const float *gamma, int N, int C) {
    if (d_x) {
#pragma omp parallel for schedule(static) if (N >= 256)
        for (int i = 0; i < N; i++) {
            const float *xi = x + (long)i * C, *gi = d_out + (long)i * C;
            double m_dxhat = 0, m_dxhat_xhat = 0;   // the two means of (5.7), over the features
            for (int c = 0; c < C; c++) {
                float xhat = (xi[c] - mean[i]) * rstd[i];
                float dxhat = gi[c] * gamma[c];
                m_dxhat += dxhat;
                m_dxhat_xhat += dxhat * xhat;
            }
            m_dxhat /= C;
            m_dxhat_xhat /= C;
            float *dxi = d_x + (long)i * C;
            for (int c = 0; c < C; c++) {
                float xhat = (xi[c] - mean[i]) * rstd[i];
                float dxhat = gi[c] * gamma[c];
                dxi[c] += rstd[i] * (float)(dxhat - m_dxhat - xhat * m_dxhat_xhat);   // (5.7)
            }
        }
    }
    if (!d_gamma && !d_beta) return;
    const int blocks = (C + LN_COLS - 1) / LN_COLS;
#pragma omp parallel for schedule(static) if (N >= 256 && blocks > 1)
    for (int blk = 0; blk < blocks; blk++) {
        const int c0 = blk * LN_COLS, c1 = c0 + LN_COLS < C ? c0 + LN_COLS : C;
        for (int i = 0; i < N; i++) {
            const float *xi = x + (long)i * C, *gi = d_out + (long)i * C;
            for (int c = c0; c < c1; c++) {
                float xhat = (xi[c] - mean[i]) * rstd[i];
                if (d_gamma) d_gamma[c] += gi[c] * xhat;   // (5.5)
                if (d_beta) d_beta[c] += gi[c];            // (5.6)
            }
        }
    }
}

void layernorm_params_create(Tensor *gamma, Tensor *beta, const char *name, int C) {
    char full[TENSOR_NAME_LEN];
    snprintf(full, sizeof full, "%s.weight", name);
    tensor_alloc(gamma, full, 1, 1, C);
    for (int i = 0; i < C; i++) gamma->data[i] = 1.0f;
    snprintf(full, sizeof full, "%s.bias", name);
    tensor_alloc(beta, full, 1, 1, C);
}
