// Exercise 05.1, reference solution: batch norm backward (5.9), means over the batch.
void ex_batchnorm_backward(float *d_x, float *d_gamma, float *d_beta, const float *d_out,
                           const float *x, const float *mean, const float *rstd,
                           const float *gamma, int N, int C) {
    for (int c = 0; c < C; c++) {
        double m1 = 0, m2 = 0;   // mean_i(d_xhat), mean_i(d_xhat * xhat)
        for (int i = 0; i < N; i++) {
            float xhat = (x[i * C + c] - mean[c]) * rstd[c], g = d_out[i * C + c];
            m1 += g * gamma[c];
            m2 += g * gamma[c] * xhat;
            d_gamma[c] += g * xhat;
            d_beta[c] += g;
        }
        m1 /= N, m2 /= N;
        for (int i = 0; i < N; i++) {
            float xhat = (x[i * C + c] - mean[c]) * rstd[c];
            d_x[i * C + c] += rstd[c] * (float)(d_out[i * C + c] * gamma[c] - m1 - xhat * m2);
        }
    }
}
