// Grades exercise 01.1: ex_mse_gradient against hand-computed values and central
// finite differences (common/gradcheck.h, max relative error < 1e-3).
#include <criterion/criterion.h>

#include "common/gradcheck.h"
#include "common/rng.h"

void ex_mse_gradient(float *d_w, float *d_b, const float *x, const float *y, const float *w, float b, int N,
                     int D);

Test(ex01_1, hand_computed) {
    // rows (1,2) and (3,-1), w = (0.5,-2), b = 1: y_hat = (-2.5, 4.5); y = (-3.5, 5.5)
    // residuals r = (1, -1); dL/dw = (2/2)(1*1 + -1*3, 1*2 + -1*-1) = (-2, 3); dL/db = 0
    float x[4] = {1, 2, 3, -1}, y[2] = {-3.5f, 5.5f}, w[2] = {0.5f, -2}, d_w[2] = {99, 99}, d_b = 99;
    ex_mse_gradient(d_w, &d_b, x, y, w, 1.0f, 2, 2);
    cr_assert_float_eq(d_w[0], -2.0f, 1e-5, "d_w[0] = %g, expected -2", (double)d_w[0]);
    cr_assert_float_eq(d_w[1], 3.0f, 1e-5, "d_w[1] = %g, expected 3", (double)d_w[1]);
    cr_assert_float_eq(d_b, 0.0f, 1e-5, "d_b = %g, expected 0", (double)d_b);
}

Test(ex01_1, bias_gradient_by_hand) {
    // one feature that is 0: only the bias matters. y_hat = 2, y = (0, 1): dL/db = (2/2)(2 + 1) = 3
    float x[2] = {0, 0}, y[2] = {0, 1}, w[1] = {5}, d_w[1], d_b;
    ex_mse_gradient(d_w, &d_b, x, y, w, 2.0f, 2, 1);
    cr_assert_float_eq(d_b, 3.0f, 1e-5, "d_b = %g, expected 3", (double)d_b);
    cr_assert_float_eq(d_w[0], 0.0f, 1e-6);
}

typedef struct {
    const float *x, *y;
    float *w, *b;
    int N, D;
} Ctx;

static double loss(void *p) {   // the MSE in double, written independently of the exercise
    Ctx *c = p;
    double s = 0;
    for (int i = 0; i < c->N; i++) {
        double y_hat = *c->b;
        for (int j = 0; j < c->D; j++) y_hat += (double)c->x[i * c->D + j] * c->w[j];
        s += (y_hat - c->y[i]) * (y_hat - c->y[i]);
    }
    return s / c->N;
}

Test(ex01_1, matches_finite_differences) {
    enum { N = 12, D = 4 };
    Rng rng;
    rng_seed(&rng, 1);
    float x[N * D], y[N], w[D], b = 0.7f, d_w[D], d_b;
    for (int i = 0; i < N * D; i++) x[i] = rng_normal(&rng);
    for (int i = 0; i < N; i++) y[i] = rng_normal(&rng);
    for (int j = 0; j < D; j++) w[j] = rng_normal(&rng);
    ex_mse_gradient(d_w, &d_b, x, y, w, b, N, D);
    Ctx ctx = {x, y, w, &b, N, D};
    double err_w = gradcheck(loss, &ctx, w, d_w, D), err_b = gradcheck(loss, &ctx, &b, &d_b, 1);
    cr_assert_lt(err_w, 1e-3, "d_w: max relative error %g (a factor 2 or 1/N missing?)", err_w);
    cr_assert_lt(err_b, 1e-3, "d_b: max relative error %g", err_b);
}
