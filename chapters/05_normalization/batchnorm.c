// batchnorm.c: see batchnorm.h. Column statistics in double.
#include "chapters/05_normalization/batchnorm.h"

#include <math.h>

#include "common/err.h"

// mean and biased variance of column c over the rows with mask != 0 (all if mask NULL)
static int column_stats(const float *x, const int *mask, int N, int C, int c, double *mu,
                        double *var) {
    double sum = 0, sq = 0;
    int n = 0;
    for (int i = 0; i < N; i++)
        if (!mask || mask[i]) sum += x[(long)i * C + c], n++;
    if (n == 0) DIE("batchnorm: no real rows to take statistics over");
    *mu = sum / n;
    for (int i = 0; i < N; i++)
        if (!mask || mask[i]) {
            double d = x[(long)i * C + c] - *mu;
            sq += d * d;
        }
    *var = sq / n;   // biased: (5.3)
    return n;
}

static void apply(float *out, const float *x, const float *mean, const float *rstd,
                  const float *gamma, const float *beta, int N, int C) {
    for (int i = 0; i < N; i++)
        for (int c = 0; c < C; c++) {
            long k = (long)i * C + c;
            out[k] = (x[k] - mean[c]) * rstd[c] * gamma[c] + beta[c];   // (5.4)
        }
}

void batchnorm_forward(float *out, float *mean, float *rstd, const float *x,
                       const float *gamma, const float *beta, float *running_mean,
                       float *running_var, float momentum, int training, int N, int C) {
    for (int c = 0; c < C; c++) {
        if (training) {
            double mu, var;
            column_stats(x, NULL, N, C, c, &mu, &var);
            mean[c] = (float)mu;
            rstd[c] = (float)(1.0 / sqrt(var + BATCHNORM_EPS));
            if (running_mean && running_var) {   // (5.10), with the unbiased variance
                double unbiased = N > 1 ? var * N / (N - 1) : var;
                running_mean[c] = (1 - momentum) * running_mean[c] + momentum * (float)mu;
                running_var[c] = (1 - momentum) * running_var[c] + momentum * (float)unbiased;
            }
        } else {
            if (!running_mean || !running_var) DIE("batchnorm eval mode needs running statistics");
            mean[c] = running_mean[c];
            rstd[c] = 1.0f / sqrtf(running_var[c] + BATCHNORM_EPS);
        }
    }
    apply(out, x, mean, rstd, gamma, beta, N, C);
}

void batchnorm_forward_masked(float *out, float *mean, float *rstd, const float *x,
                              const int *mask, const float *gamma, const float *beta,
                              int N, int C) {
    for (int c = 0; c < C; c++) {
        double mu, var;
        column_stats(x, mask, N, C, c, &mu, &var);
        mean[c] = (float)mu;
        rstd[c] = (float)(1.0 / sqrt(var + BATCHNORM_EPS));
    }
    apply(out, x, mean, rstd, gamma, beta, N, C);
}

void batchnorm_backward(float *d_x, float *d_gamma, float *d_beta, const float *d_out,
                        const float *x, const float *mean, const float *rstd,
                        const float *gamma, int training, int N, int C) {
    for (int c = 0; c < C; c++) {
        double m_dxhat = 0, m_dxhat_xhat = 0;   // means over the batch (5.9)
        for (int i = 0; i < N; i++) {
            long k = (long)i * C + c;
            float xhat = (x[k] - mean[c]) * rstd[c];
            float dxhat = d_out[k] * gamma[c];
            m_dxhat += dxhat;
            m_dxhat_xhat += dxhat * xhat;
            if (d_gamma) d_gamma[c] += d_out[k] * xhat;
            if (d_beta) d_beta[c] += d_out[k];
        }
        if (!d_x) continue;
        m_dxhat /= N;
        m_dxhat_xhat /= N;
        for (int i = 0; i < N; i++) {
            long k = (long)i * C + c;
            float dxhat = d_out[k] * gamma[c];
            if (training) {
                float xhat = (x[k] - mean[c]) * rstd[c];
                d_x[k] += rstd[c] * (float)(dxhat - m_dxhat - xhat * m_dxhat_xhat);   // (5.9)
            } else {
                d_x[k] += rstd[c] * dxhat;   // eval: a fixed affine map
            }
        }
    }
}
