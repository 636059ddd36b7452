// Exercise 04.1 (*): the causal mask -- reference solution.
#include <math.h>
#include <stddef.h>

void ex_causal_softmax(float *probs, const float *scores, int T) {
    for (int t = 0; t < T; t++) {
        const float *s = scores + (size_t)t * T;
        float *p = probs + (size_t)t * T, m = -INFINITY;
        for (int j = 0; j <= t; j++) m = s[j] > m ? s[j] : m;
        double sum = 0.0;
        for (int j = 0; j <= t; j++) sum += p[j] = expf(s[j] - m);
        for (int j = 0; j <= t; j++) p[j] = (float)(p[j] / sum);
        for (int j = t + 1; j < T; j++) p[j] = 0.0f;
    }
}
