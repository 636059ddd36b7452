// exercises/02_backprop/solutions/ex2_linear_backward.c: reference solution of 02.2.
// Plain loops, so each line is one of README eqs. (2.5)-(2.7); the book's own
// linear_backward (chapters/02_backprop/layers.c) does the same with matmul.
#include <stddef.h>

void ex_linear_backward(float *d_x, float *d_W, float *d_b, const float *d_y, const float *x,
                        const float *W, int B, int In, int Out) {
    for (int i = 0; i < B; i++) {
        const float *dy = d_y + (size_t)i * Out;
        for (int o = 0; o < Out; o++) {
            if (d_x)   // d_x[i][k] += sum_o d_y[i][o] W[o][k]   (2.5)
                for (int k = 0; k < In; k++) d_x[(size_t)i * In + k] += dy[o] * W[(size_t)o * In + k];
            if (d_W)   // d_W[o][k] += sum_i d_y[i][o] x[i][k]   (2.6)
                for (int k = 0; k < In; k++) d_W[(size_t)o * In + k] += dy[o] * x[(size_t)i * In + k];
            if (d_b) d_b[o] += dy[o];   // d_b[o] += sum_i d_y[i][o]   (2.7)
        }
    }
}
