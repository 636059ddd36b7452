#include "common/rng.h"

#include <math.h>

#include "common/err.h"

void rng_seed(Rng *rng, uint64_t seed) {
    rng->state = 0;
    rng->inc = (seed << 1u) | 1u;
    rng->has_spare = 0;
    rng->spare = 0;
    rng_u32(rng);
    rng->state += 0x853c49e6748fea9bULL ^ seed;
    rng_u32(rng);
}

uint32_t rng_u32(Rng *rng) {
    uint64_t old = rng->state;
    rng->state = old * 6364136223846793005ULL + rng->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

float rng_uniform(Rng *rng) {
    // 24 random bits: every float in [0,1) on a 2^-24 grid, never 1.0
    return (float)(rng_u32(rng) >> 8) * (1.0f / 16777216.0f);
}

float rng_uniform_range(Rng *rng, float lo, float hi) { return lo + (hi - lo) * rng_uniform(rng); }

float rng_normal(Rng *rng) {
    if (rng->has_spare) {
        rng->has_spare = 0;
        return rng->spare;
    }
    // Box-Muller: two uniforms -> two independent standard normals.
    double u1 = ((double)rng_u32(rng) + 1.0) / 4294967297.0;  // (0,1], log() is finite
    double u2 = (double)rng_u32(rng) / 4294967296.0;
    double r = sqrt(-2.0 * log(u1));
    double theta = 6.283185307179586 * u2;
    rng->spare = (float)(r * sin(theta));
    rng->has_spare = 1;
    return (float)(r * cos(theta));
}

int rng_int(Rng *rng, int n) {
    if (n <= 0) DIE("rng_int: n must be positive, got %d", n);
    // rejection sampling removes the modulo bias
    uint32_t limit = (uint32_t)(-(uint32_t)n) % (uint32_t)n;
    for (;;) {
        uint32_t r = rng_u32(rng);
        if (r >= limit) return (int)(r % (uint32_t)n);
    }
}

void rng_shuffle(Rng *rng, int *items, int n) {
    for (int i = n - 1; i > 0; i--) {
        int j = rng_int(rng, i + 1);
        int t = items[i];
        items[i] = items[j];
        items[j] = t;
    }
}
