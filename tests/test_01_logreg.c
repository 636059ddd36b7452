// Chapter 01: logistic regression -- the sigmoid, the binary cross-entropy from
// logits and its gradient (p - y)/N, prediction, and a smoke test on two blobs.
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "chapters/01_linear_regression/data.h"
#include "chapters/01_linear_regression/linreg.h"
#include "chapters/01_linear_regression/logreg.h"
#include "chapters/01_linear_regression/scale.h"
#include "chapters/01_linear_regression/train.h"
#include "common/gradcheck.h"
#include "common/mem.h"

Test(ch01_logreg, sigmoid_by_hand_and_at_the_extremes) {
    float z[5] = {0, 2, -2, 100, -100}, p[5];
    logreg_sigmoid(p, z, 5);
    cr_assert_float_eq(p[0], 0.5f, 1e-7);
    cr_assert_float_eq(p[1], 0.880797f, 1e-6);   // 1 / (1 + e^-2)
    cr_assert_float_eq(p[2], 0.119203f, 1e-6);   // sigma(-z) = 1 - sigma(z)
    cr_assert_float_eq(p[3], 1.0f, 1e-7);
    cr_assert(p[4] >= 0.0f && p[4] < 1e-40f, "sigma(-100) = %g", (double)p[4]);
}

Test(ch01_logreg, bce_by_hand) {
    // z = 0: p = 1/2, loss log 2 whatever the label; z = 2, y = 1: log(1 + e^-2);
    // z = 2, y = 0: log(1 + e^2)
    float z[3] = {0, 2, 2}, y[3] = {1, 1, 0};
    double expect = (log(2.0) + log1p(exp(-2.0)) + log1p(exp(2.0))) / 3.0;
    cr_assert_float_eq(bce_logits_forward(z, y, 3), expect, 1e-6);
    float d_z[3] = {0, 0, 0};
    bce_logits_backward(d_z, z, y, 3);   // (sigma(z) - y) / N
    cr_assert_float_eq(d_z[0], (0.5f - 1) / 3, 1e-6);
    cr_assert_float_eq(d_z[1], (0.880797f - 1) / 3, 1e-6);
    cr_assert_float_eq(d_z[2], 0.880797f / 3, 1e-6);
}

Test(ch01_logreg, bce_is_finite_for_confident_mistakes) {
    // log(sigma(-200)) would be log(0) = -inf the naive way; the loss of a confident
    // mistake is |z|, and of a confident right answer ~0
    float z[2] = {-200, 200}, y[2] = {1, 1};
    float loss = bce_logits_forward(z, y, 2);
    cr_assert(isfinite(loss));
    cr_assert_float_eq(loss, 100.0f, 1e-3);   // (200 + 0) / 2
}

typedef struct {
    const float *x, *y;
    float *w, *b;
    int N, D;
} BceCtx;

static double bce_loss(void *p) {
    BceCtx *c = p;
    float *z = fzeros((size_t)c->N);
    linreg_forward(z, c->x, c->w, *c->b, c->N, c->D);
    double loss = bce_logits_forward(z, c->y, c->N);
    free(z);
    return loss;
}

Test(ch01_logreg, bce_gradient_matches_finite_differences) {
    enum { N = 24, D = 3 };
    Rng rng;
    rng_seed(&rng, 9);
    float x[N * D], y[N], w[D], b = -0.2f;
    for (int i = 0; i < N * D; i++) x[i] = rng_normal(&rng);
    for (int i = 0; i < N; i++) y[i] = (float)(rng_uniform(&rng) < 0.5f);
    for (int j = 0; j < D; j++) w[j] = rng_normal(&rng);
    float z[N], d_z[N] = {0}, d_w[D] = {0}, d_b = 0;
    linreg_forward(z, x, w, b, N, D);
    bce_logits_backward(d_z, z, y, N);
    linreg_backward(d_w, &d_b, d_z, x, N, D);   // (1/N) sum_i (p_i - y_i) x_i   (01.17)
    BceCtx ctx = {x, y, w, &b, N, D};
    double err_w = gradcheck(bce_loss, &ctx, w, d_w, D);
    double err_b = gradcheck(bce_loss, &ctx, &b, &d_b, 1);
    cr_assert_lt(err_w, 1e-3, "d_w: max relative error %g", err_w);
    cr_assert_lt(err_b, 1e-3, "d_b: max relative error %g", err_b);
}

Test(ch01_logreg, predict_and_accuracy_by_hand) {
    // boundary x0 - x1 = 0
    float x[6] = {2, 1, 1, 2, 0, 0}, w[2] = {1, -1}, y[3] = {1, 1, 1};
    int pred[3];
    logreg_predict(pred, x, w, 0.0f, 3, 2);
    cr_assert_eq(pred[0], 1);
    cr_assert_eq(pred[1], 0);
    cr_assert_eq(pred[2], 1);   // z = 0 exactly: p = 1/2 counts as class 1
    cr_assert_float_eq(logreg_accuracy(pred, y, 3), 2.0f / 3.0f, 1e-6);
}

Test(ch01_logreg, smoke_gd_separates_two_blobs) {
    Rng rng;
    rng_seed(&rng, 2);
    DataXY all, tr, va, te;
    blobs_generate(&all, 400, &rng);
    dataxy_split(&all, 0.6f, 0.2f, &rng, &tr, &va, &te);
    float mean[2], std[2];
    standardize_fit(mean, std, tr.x, tr.n, 2);
    standardize_apply(tr.x, tr.x, mean, std, tr.n, 2);
    standardize_apply(te.x, te.x, mean, std, te.n, 2);
    float w[2] = {0}, b = 0, hist[101];
    GdConfig cfg = {.lr = 0.5f, .epochs = 100};
    GdReport rep = logreg_train_gd(w, &b, tr.x, tr.y, tr.n, 2, &cfg, &rng, hist);
    cr_assert(!rep.diverged);
    cr_assert_float_eq(hist[0], logf(2.0f), 1e-5);   // w = 0: p = 1/2 everywhere
    cr_assert_lt(hist[100], 0.7f * hist[0], "BCE %g -> %g", (double)hist[0], (double)hist[100]);
    int *pred = malloc(sizeof(int) * te.n);
    logreg_predict(pred, te.x, w, b, te.n, 2);
    float acc = logreg_accuracy(pred, te.y, te.n);
    // the best possible accuracy on these blobs is ~0.93 (README section 01.8)
    cr_assert_gt(acc, 0.85f, "test accuracy %g", (double)acc);
    free(pred);
    dataxy_free(&all);
    dataxy_free(&tr);
    dataxy_free(&va);
    dataxy_free(&te);
}
