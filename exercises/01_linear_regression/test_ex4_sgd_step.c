// Grades exercise 01.4: one minibatch SGD step, by hand and against the chapter's own
// linreg/mse backward passes (which tests/test_01_linreg.c checks by finite differences).
#include <criterion/criterion.h>
#include <string.h>

#include "chapters/01_linear_regression/linreg.h"
#include "common/rng.h"

void ex_sgd_step(float *w, float *b, const float *x, const float *y, const int *batch_idx, int B, int D,
                 float lr);

Test(ex01_4, hand_computed_step) {
    // rows: (1) y=1, (2) y=0, (3) y=10; batch = rows 2 and 0 (row 1 is not in it).
    // w = 1, b = 0: residuals row2: 3-10 = -7, row0: 1-1 = 0.
    // dL/dw = (2/2)(-7*3 + 0*1) = -21, dL/db = (2/2)(-7 + 0) = -7; lr 0.1: w = 3.1, b = 0.7
    float x[3] = {1, 2, 3}, y[3] = {1, 0, 10}, w = 1, b = 0;
    int idx[2] = {2, 0};
    ex_sgd_step(&w, &b, x, y, idx, 2, 1, 0.1f);
    cr_assert_float_eq(w, 3.1f, 1e-5, "w = %g, expected 3.1", (double)w);
    cr_assert_float_eq(b, 0.7f, 1e-5, "b = %g, expected 0.7", (double)b);
}

Test(ex01_4, matches_the_chapter_gradient_on_a_random_batch) {
    enum { N = 30, D = 4, B = 8 };
    Rng rng;
    rng_seed(&rng, 4);
    float x[N * D], y[N], w[D], b = 0.2f;
    for (int i = 0; i < N * D; i++) x[i] = rng_normal(&rng);
    for (int i = 0; i < N; i++) y[i] = rng_normal(&rng);
    for (int j = 0; j < D; j++) w[j] = rng_normal(&rng);
    int idx[B];
    for (int k = 0; k < B; k++) idx[k] = rng_int(&rng, N);
    // reference: gather the batch, forward, MSE backward, linear backward, one step
    float xb[B * D], yb[B], y_hat[B], d_y[B] = {0}, d_w[D] = {0}, d_b = 0;
    for (int k = 0; k < B; k++) {
        memcpy(xb + k * D, x + idx[k] * D, sizeof(float) * D);
        yb[k] = y[idx[k]];
    }
    linreg_forward(y_hat, xb, w, b, B, D);
    mse_backward(d_y, y_hat, yb, B);
    linreg_backward(d_w, &d_b, d_y, xb, B, D);
    float w_ref[D], b_ref = b - 0.05f * d_b;
    for (int j = 0; j < D; j++) w_ref[j] = w[j] - 0.05f * d_w[j];
    ex_sgd_step(w, &b, x, y, idx, B, D, 0.05f);
    for (int j = 0; j < D; j++)
        cr_assert_float_eq(w[j], w_ref[j], 1e-5, "w[%d] = %g, expected %g", j, (double)w[j], (double)w_ref[j]);
    cr_assert_float_eq(b, b_ref, 1e-5, "b = %g, expected %g", (double)b, (double)b_ref);
}
