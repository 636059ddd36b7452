// Exercise 01.1 (*): the gradient of the mean squared error -- reference solution.
void ex_mse_gradient(float *d_w, float *d_b, const float *x, const float *y, const float *w, float b, int N,
                     int D) {
    for (int j = 0; j < D; j++) d_w[j] = 0.0f;
    *d_b = 0.0f;
    for (int i = 0; i < N; i++) {
        float y_hat = b;
        for (int j = 0; j < D; j++) y_hat += x[i * D + j] * w[j];
        float g = 2.0f * (y_hat - y[i]) / (float)N;   // dL/dy_hat_i, eq. (01.3)
        for (int j = 0; j < D; j++) d_w[j] += g * x[i * D + j];
        *d_b += g;
    }
}
