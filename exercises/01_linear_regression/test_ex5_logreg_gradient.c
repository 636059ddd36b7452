// Grades exercise 01.5: the BCE of logistic regression and its gradient, by hand,
// against central finite differences, and at extreme logits.
#include <criterion/criterion.h>
#include <math.h>

#include "common/gradcheck.h"
#include "common/rng.h"

float ex_logreg_loss_and_grad(float *d_w, float *d_b, const float *x, const float *y, const float *w, float b,
                              int N, int D);

Test(ex01_5, zero_weights_by_hand) {
    // w = 0, b = 0: p = 1/2 for every row, loss = log 2, dL/dw = (1/N) sum (1/2 - y_i) x_i
    float x[4] = {1, 2, -1, 4}, y[2] = {1, 0}, w[2] = {0, 0}, d_w[2], d_b;
    float loss = ex_logreg_loss_and_grad(d_w, &d_b, x, y, w, 0.0f, 2, 2);
    cr_assert_float_eq(loss, logf(2.0f), 1e-5, "loss = %g, expected log 2 = 0.6931", (double)loss);
    cr_assert_float_eq(d_w[0], (-0.5f * 1 + 0.5f * -1) / 2, 1e-6, "d_w[0] = %g, expected -0.5", (double)d_w[0]);
    cr_assert_float_eq(d_w[1], (-0.5f * 2 + 0.5f * 4) / 2, 1e-6, "d_w[1] = %g, expected 0.5", (double)d_w[1]);
    cr_assert_float_eq(d_b, 0.0f, 1e-6);
}

Test(ex01_5, one_row_by_hand) {
    // z = 2, y = 0: loss = log(1 + e^2) = 2.126928, dL/dz = sigmoid(2) = 0.880797
    float x[1] = {1}, y[1] = {0}, w[1] = {2}, d_w[1], d_b;
    float loss = ex_logreg_loss_and_grad(d_w, &d_b, x, y, w, 0.0f, 1, 1);
    cr_assert_float_eq(loss, 2.126928f, 1e-5, "loss = %g", (double)loss);
    cr_assert_float_eq(d_b, 0.880797f, 1e-5, "d_b = %g", (double)d_b);
    cr_assert_float_eq(d_w[0], 0.880797f, 1e-5);
}

typedef struct {
    const float *x, *y;
    float *w, *b;
    int N, D;
} Ctx;

static double loss_fn(void *p) {   // the BCE in double, written independently
    Ctx *c = p;
    double s = 0;
    for (int i = 0; i < c->N; i++) {
        double z = *c->b;
        for (int j = 0; j < c->D; j++) z += (double)c->x[i * c->D + j] * c->w[j];
        s += fmax(z, 0) - c->y[i] * z + log1p(exp(-fabs(z)));
    }
    return s / c->N;
}

Test(ex01_5, matches_finite_differences) {
    enum { N = 20, D = 3 };
    Rng rng;
    rng_seed(&rng, 5);
    float x[N * D], y[N], w[D], b = 0.3f, d_w[D], d_b;
    for (int i = 0; i < N * D; i++) x[i] = rng_normal(&rng);
    for (int i = 0; i < N; i++) y[i] = (float)(rng_uniform(&rng) < 0.5f);
    for (int j = 0; j < D; j++) w[j] = rng_normal(&rng);
    float loss = ex_logreg_loss_and_grad(d_w, &d_b, x, y, w, b, N, D);
    Ctx ctx = {x, y, w, &b, N, D};
    cr_assert_float_eq(loss, loss_fn(&ctx), 1e-5, "loss = %g, expected %g", (double)loss, loss_fn(&ctx));
    double err_w = gradcheck(loss_fn, &ctx, w, d_w, D), err_b = gradcheck(loss_fn, &ctx, &b, &d_b, 1);
    cr_assert_lt(err_w, 1e-3, "d_w: max relative error %g", err_w);
    cr_assert_lt(err_b, 1e-3, "d_b: max relative error %g", err_b);
}

Test(ex01_5, extreme_logits_stay_finite) {
    // a confident mistake (z = -200, y = 1) costs 200, a confident hit (z = 200, y = 1) ~0
    float x[2] = {-1, 1}, y[2] = {1, 1}, w[1] = {200}, d_w[1], d_b;
    float loss = ex_logreg_loss_and_grad(d_w, &d_b, x, y, w, 0.0f, 2, 1);
    cr_assert(isfinite(loss) && isfinite(d_w[0]) && isfinite(d_b), "loss %g, d_w %g, d_b %g", (double)loss,
              (double)d_w[0], (double)d_b);
    cr_assert_float_eq(loss, 100.0f, 1e-3, "loss = %g, expected (200 + 0)/2 = 100", (double)loss);
    cr_assert_float_eq(d_b, -0.5f, 1e-5, "d_b = %g: (p-y)/N = (0-1)/2 + (1-1)/2", (double)d_b);
}
