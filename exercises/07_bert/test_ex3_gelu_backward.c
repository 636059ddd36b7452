// Grades exercise 07.3: gelu'(0) = 1/2 and gelu'(1) = Phi(1) + phi(1) by hand, the
// chapter's gelu_forward differentiated by central differences, and accumulation.
#include <criterion/criterion.h>
#include <math.h>

#include "chapters/06_seq2seq/ffn.h"

void ex_gelu_backward(float *d_u, const float *d_y, const float *u, int n);

Test(ex07_3, by_hand_and_by_finite_differences) {
    float u[3] = {0.0f, 1.0f, -2.0f}, ones[3] = {1, 1, 1}, d[3] = {0, 0, 0};
    ex_gelu_backward(d, ones, u, 3);
    cr_assert_float_eq(d[0], 0.5f, 1e-6, "gelu'(0) = Phi(0) = 1/2, got %g", d[0]);
    cr_assert_float_eq(d[1], 0.8413447f + 0.2419707f, 1e-5, "gelu'(1) = Phi(1) + phi(1) = 1.0833155, got %g", d[1]);
    cr_assert_float_eq(d[2], 0.0227501f - 2 * 0.0539910f, 1e-5, "gelu'(-2) = -0.0852318, got %g", d[2]);
    for (int i = 0; i < 200; i++) {   // against the chapter's forward pass
        float x = -6.0f + 0.06f * (float)i, h = 1e-2f, lo = x - h, hi = x + h, ylo, yhi, g = 0, one = 1;
        gelu_forward(&ylo, &lo, 1), gelu_forward(&yhi, &hi, 1);
        ex_gelu_backward(&g, &one, &x, 1);
        cr_assert(fabsf(g - (yhi - ylo) / (2 * h)) < 1e-3, "u = %g: %g, central difference %g", x, g, (yhi - ylo) / (2 * h));
    }
    float two[3] = {2, 2, 2};
    ex_gelu_backward(d, two, u, 3);   // accumulates: now 3 times gelu'
    cr_assert_float_eq(d[0], 1.5f, 1e-6, "backward must add (+=) into d_u, got %g", d[0]);
}
