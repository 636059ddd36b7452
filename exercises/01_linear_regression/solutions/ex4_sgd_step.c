// Exercise 01.4 (**): one step of minibatch SGD -- reference solution.
#include <stdlib.h>

void ex_sgd_step(float *w, float *b, const float *x, const float *y, const int *batch_idx, int B, int D,
                 float lr) {
    float *d_w = calloc((size_t)D, sizeof(float)), d_b = 0.0f;
    if (!d_w) return;
    for (int k = 0; k < B; k++) {
        const float *row = x + (size_t)batch_idx[k] * D;
        float y_hat = *b;
        for (int j = 0; j < D; j++) y_hat += row[j] * w[j];
        float g = 2.0f * (y_hat - y[batch_idx[k]]) / (float)B;   // eq. (01.3) over the batch
        for (int j = 0; j < D; j++) d_w[j] += g * row[j];
        d_b += g;
    }
    for (int j = 0; j < D; j++) w[j] -= lr * d_w[j];   // eq. (01.9)
    *b -= lr * d_b;
    free(d_w);
}
