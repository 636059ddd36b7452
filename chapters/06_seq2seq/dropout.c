#include "chapters/06_seq2seq/dropout.h"

#include <stdint.h>

void dropout_forward(float *y, float *mask, const float *x, int n, float p, int training, Rng *rng) {
    if (!training || p <= 0.0f) {
        for (int i = 0; i < n; i++) mask[i] = 1.0f, y[i] = x[i];
        return;
    }
    const float keep_scale = 1.0f / (1.0f - p);
    // One draw from the generator per call, a key; element i is then dropped when the
    // hash of (key, i) falls below p. A hash of a counter (SplitMix64's finaliser,
    // Steele et al. 2014) needs no state from one element to the next, so the loop runs
    // in parallel and in vector registers, and the mask is the same for any number of
    // threads. (Drawing from the generator element by element made dropout the
    // slowest part of chapter 07's BERT after the matrix products.)
    const uint64_t key = ((uint64_t)rng_u32(rng) << 32) | rng_u32(rng);
    const uint32_t threshold = (uint32_t)((double)p * 16777216.0);   // p in 24-bit steps
#pragma omp parallel for simd schedule(static) if (n >= (1 << 16))
    for (int i = 0; i < n; i++) {
        uint64_t z = key + (uint64_t)i * 0x9E3779B97F4A7C15ULL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        mask[i] = (uint32_t)(z >> 40) < threshold ? 0.0f : keep_scale;
        y[i] = x[i] * mask[i];
    }
}

void dropout_backward(float *d_x, const float *d_y, const float *mask, int n) {
#pragma omp parallel for simd schedule(static) if (n >= (1 << 16))
    for (int i = 0; i < n; i++) d_x[i] += d_y[i] * mask[i];
}
