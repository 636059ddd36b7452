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
