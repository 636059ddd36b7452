#include "common/init.h"

#include <math.h>

void init_fill(float *w, size_t n, float value) {
    for (size_t i = 0; i < n; i++) w[i] = value;
}

void init_uniform(float *w, size_t n, float lo, float hi, Rng *rng) {
    for (size_t i = 0; i < n; i++) w[i] = rng_uniform_range(rng, lo, hi);
}

void init_normal(float *w, size_t n, float std, Rng *rng) {
    for (size_t i = 0; i < n; i++) w[i] = std * rng_normal(rng);
}

void init_xavier_uniform(float *w, size_t n, int fan_in, int fan_out, Rng *rng) {
    float a = sqrtf(6.0f / (float)(fan_in + fan_out));
    init_uniform(w, n, -a, a, rng);
}

void init_he_normal(float *w, size_t n, int fan_in, Rng *rng) {
    init_normal(w, n, sqrtf(2.0f / (float)fan_in), rng);
}

void init_param(Tensor *t, const char *name, int rows, int cols, Rng *rng) {
    if (cols > 0) {
        tensor_alloc(t, name, 1, 2, rows, cols);
        init_xavier_uniform(t->data, t->size, cols, rows, rng);
    } else {
        tensor_alloc(t, name, 1, 1, rows);   // biases start at 0
    }
}
