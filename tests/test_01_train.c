// Chapter 01: the training loops end to end -- batch GD and minibatch SGD on the
// houses, against the closed form, and divergence reported instead of crashing.
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "chapters/01_linear_regression/data.h"
#include "chapters/01_linear_regression/linreg.h"
#include "chapters/01_linear_regression/scale.h"
#include "chapters/01_linear_regression/train.h"
#include "common/mem.h"

typedef struct {
    DataXY all, tr, va, te;
} Houses;

// 400 houses, split 60/20/20, features standardised with train statistics.
static void houses_setup(Houses *h, Rng *rng) {
    houses_generate(&h->all, 400, rng);
    dataxy_split(&h->all, 0.6f, 0.2f, rng, &h->tr, &h->va, &h->te);
    float mean[HOUSES_D], std[HOUSES_D];
    standardize_fit(mean, std, h->tr.x, h->tr.n, HOUSES_D);
    standardize_apply(h->tr.x, h->tr.x, mean, std, h->tr.n, HOUSES_D);
    standardize_apply(h->te.x, h->te.x, mean, std, h->te.n, HOUSES_D);
}

static void houses_free(Houses *h) {
    dataxy_free(&h->all);
    dataxy_free(&h->tr);
    dataxy_free(&h->va);
    dataxy_free(&h->te);
}

static float test_r2(const Houses *h, const float *w, float b) {
    float *pred = fzeros((size_t)h->te.n);
    linreg_forward(pred, h->te.x, w, b, h->te.n, HOUSES_D);
    float r2 = r2_score(pred, h->te.y, h->te.n);
    free(pred);
    return r2;
}

Test(ch01_train, smoke_batch_gd_learns_house_prices) {
    Rng rng;
    rng_seed(&rng, 1);
    Houses h;
    houses_setup(&h, &rng);
    float w[HOUSES_D] = {0}, b = 0, hist[201];
    GdConfig cfg = {.lr = 0.1f, .epochs = 200};
    GdReport rep = linreg_train_gd(w, &b, h.tr.x, h.tr.y, h.tr.n, HOUSES_D, &cfg, &rng, hist);
    cr_assert(!rep.diverged);
    cr_assert_eq(rep.steps, 200, "batch GD makes one step per epoch");
    for (int e = 1; e <= 200; e++) cr_assert_leq(hist[e], hist[e - 1], "the loss rose at epoch %d", e);
    // noise variance is 20^2 = 400; a fitted model gets close to it, from ~1e5 at w = 0
    cr_assert_lt(hist[200], 600.0f, "final train MSE %g", (double)hist[200]);
    float r2 = test_r2(&h, w, b);
    cr_assert_gt(r2, 0.95f, "test R^2 %g", (double)r2);
    houses_free(&h);
}

Test(ch01_train, batch_gd_reaches_the_closed_form) {
    Rng rng;
    rng_seed(&rng, 2);
    Houses h;
    houses_setup(&h, &rng);
    float w_cf[HOUSES_D], b_cf, w[HOUSES_D] = {0}, b = 0;
    cr_assert_eq(linreg_fit_normal(w_cf, &b_cf, h.tr.x, h.tr.y, h.tr.n, HOUSES_D, 1e-8 * h.tr.n), 0);
    GdConfig cfg = {.lr = 0.3f, .epochs = 1000};
    linreg_train_gd(w, &b, h.tr.x, h.tr.y, h.tr.n, HOUSES_D, &cfg, &rng, NULL);
    for (int j = 0; j < HOUSES_D; j++)
        cr_assert_float_eq(w[j], w_cf[j], 1e-2 * (1 + fabsf(w_cf[j])), "w[%d]: GD %g, closed form %g", j,
                           (double)w[j], (double)w_cf[j]);
    cr_assert_float_eq(b, b_cf, 1e-2 * fabsf(b_cf));
    houses_free(&h);
}

Test(ch01_train, smoke_minibatch_sgd_learns_house_prices) {
    Rng rng;
    rng_seed(&rng, 3);
    Houses h;
    houses_setup(&h, &rng);
    float w[HOUSES_D] = {0}, b = 0, hist[51];
    GdConfig cfg = {.lr = 0.01f, .epochs = 50, .batch = 32};
    GdReport rep = linreg_train_gd(w, &b, h.tr.x, h.tr.y, h.tr.n, HOUSES_D, &cfg, &rng, hist);
    cr_assert(!rep.diverged);
    cr_assert_eq(rep.steps, 50 * ((h.tr.n + 31) / 32), "one step per minibatch");
    cr_assert_lt(hist[50], 0.01f * hist[0], "train MSE %g -> %g", (double)hist[0], (double)hist[50]);
    float r2 = test_r2(&h, w, b);
    cr_assert_gt(r2, 0.95f, "test R^2 %g", (double)r2);
    houses_free(&h);
}

Test(ch01_train, unscaled_features_diverge_and_are_reported) {
    // the "common mistake": raw features (area ~100) with a learning rate that is fine
    // for standardised ones. The run must stop and say so, not crash or print NaN.
    Rng rng;
    rng_seed(&rng, 4);
    DataXY raw;
    houses_generate(&raw, 200, &rng);
    float w[HOUSES_D] = {0}, b = 0, hist[51];
    GdConfig cfg = {.lr = 0.1f, .epochs = 50};
    GdReport rep = linreg_train_gd(w, &b, raw.x, raw.y, raw.n, HOUSES_D, &cfg, &rng, hist);
    cr_assert(rep.diverged);
    cr_assert_lt(rep.epochs_run, 50);
    cr_assert(isnan(hist[50]), "epochs after the divergence are NaN in the history");
    dataxy_free(&raw);
}
