// Exercise 06.1, reference solution: (6.1).
#include <math.h>
#include <stddef.h>

void ex_posenc_sinusoidal(float *pe, int T_max, int C) {
    for (int t = 0; t < T_max; t++)
        for (int i = 0; i < C / 2; i++) {
            double angle = t / pow(10000.0, 2.0 * i / C);
            pe[(size_t)t * C + 2 * i] = (float)sin(angle);
            pe[(size_t)t * C + 2 * i + 1] = (float)cos(angle);
        }
}
