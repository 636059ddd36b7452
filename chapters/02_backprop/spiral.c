// spiral.c: the spiral data set of spiral.h.
#include "chapters/02_backprop/spiral.h"

#include <math.h>

void spiral_make(float *xy, int *labels, int n_per_class, int K, float turns, float noise, Rng *rng) {
    const float two_pi = 6.28318530718f;
    for (int k = 0; k < K; k++) {
        for (int i = 0; i < n_per_class; i++) {
            int row = k * n_per_class + i;
            float r = (float)(i + 1) / (float)n_per_class;   // 0 < r <= 1
            float theta = two_pi * (float)k / (float)K + turns * two_pi * r + noise * rng_normal(rng);
            xy[2 * row] = r * cosf(theta);
            xy[2 * row + 1] = r * sinf(theta);
            labels[row] = k;
        }
    }
}
