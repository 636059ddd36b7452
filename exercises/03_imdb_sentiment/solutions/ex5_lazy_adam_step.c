// Exercise 03.5 (**): one lazy Adam step -- reference solution.
#include <math.h>

void ex_lazy_adam_step(float *table, float *m, float *v, const int *rows, const float *grad, int U, int D, long t,
                       float lr, float b1, float b2, float eps) {
    float c1 = (float)(1.0 - pow(b1, (double)t)), c2 = (float)(1.0 - pow(b2, (double)t));
    for (int k = 0; k < U; k++) {
        long off = (long)rows[k] * D;
        for (int d = 0; d < D; d++) {
            float g = grad[(long)k * D + d];
            m[off + d] = b1 * m[off + d] + (1 - b1) * g;
            v[off + d] = b2 * v[off + d] + (1 - b2) * g * g;
            table[off + d] -= lr * (m[off + d] / c1) / (sqrtf(v[off + d] / c2) + eps);
        }
    }
}
