// exercises/02_backprop/solutions/ex3_softmax_xent_backward.c: reference solution of 02.3.
#include <stddef.h>

// dL/dz[i][c] = (p[i][c] - [c == t_i]) / B   (README eq. (2.12))
void ex_softmax_xent_backward(float *d_logits, const float *probs, const int *targets, int B, int C) {
    for (int i = 0; i < B; i++)
        for (int c = 0; c < C; c++) {
            float onehot = (c == targets[i]) ? 1.0f : 0.0f;
            d_logits[(size_t)i * C + c] += (probs[(size_t)i * C + c] - onehot) / (float)B;
        }
}
