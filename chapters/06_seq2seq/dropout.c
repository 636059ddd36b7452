#include "chapters/06_seq2seq/dropout.h"

void dropout_forward(float *y, float *mask, const float *x, int n, float p, int training, Rng *rng) {
    if (!training || p <= 0.0f) {
        for (int i = 0; i < n; i++) mask[i] = 1.0f, y[i] = x[i];
        return;
    }
    const float keep_scale = 1.0f / (1.0f - p);
    for (int i = 0; i < n; i++) {
        mask[i] = rng_uniform(rng) < p ? 0.0f : keep_scale;
        y[i] = x[i] * mask[i];
    }
}

void dropout_backward(float *d_x, const float *d_y, const float *mask, int n) {
    for (int i = 0; i < n; i++) d_x[i] += d_y[i] * mask[i];
}
