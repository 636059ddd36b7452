// rng.h: one seeded random number generator (PCG32, O'Neill 2014).
// Every random choice in the book (init, shuffling, dropout, data generation)
// draws from an Rng the caller owns, so the same --seed gives the same numbers.
#ifndef COMMON_RNG_H
#define COMMON_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t state;
    uint64_t inc;          // stream selector, always odd
    int has_spare;         // Box-Muller makes normals in pairs; keep the second
    float spare;
} Rng;

void rng_seed(Rng *rng, uint64_t seed);
uint32_t rng_u32(Rng *rng);
float rng_uniform(Rng *rng);                   // in [0, 1)
float rng_uniform_range(Rng *rng, float lo, float hi);
float rng_normal(Rng *rng);                    // mean 0, std 1
int rng_int(Rng *rng, int n);                  // uniform in [0, n), n > 0
void rng_shuffle(Rng *rng, int *items, int n); // Fisher-Yates, in place

#endif
