// Exercise 01.5 (**): logistic regression loss and gradient -- reference solution.
#include <math.h>

float ex_logreg_loss_and_grad(float *d_w, float *d_b, const float *x, const float *y, const float *w, float b,
                              int N, int D) {
    for (int j = 0; j < D; j++) d_w[j] = 0.0f;
    *d_b = 0.0f;
    double loss = 0.0;
    for (int i = 0; i < N; i++) {
        float z = b;
        for (int j = 0; j < D; j++) z += x[i * D + j] * w[j];
        loss += fmax(z, 0.0) - y[i] * (double)z + log1p(exp(-fabs((double)z)));   // eq. (01.15)
        float e = expf(-fabsf(z));
        float p = z >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
        float g = (p - y[i]) / (float)N;   // dL/dz_i, eq. (01.16)
        for (int j = 0; j < D; j++) d_w[j] += g * x[i * D + j];
        *d_b += g;
    }
    return (float)(loss / N);
}
