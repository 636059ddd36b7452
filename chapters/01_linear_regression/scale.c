#include "chapters/01_linear_regression/scale.h"

#include <math.h>
#include <stddef.h>

#include "common/err.h"

void standardize_fit(float *mean, float *std, const float *x, int N, int D) {
    for (int j = 0; j < D; j++) {
        // two passes in double: the one-pass E[x^2] - E[x]^2 cancels catastrophically
        // when the mean is large compared with the spread (years 1950..2020)
        double sum = 0.0;
        for (int i = 0; i < N; i++) sum += x[(size_t)i * D + j];
        double mu = N > 0 ? sum / N : 0.0, sq = 0.0;
        for (int i = 0; i < N; i++) {
            double dev = x[(size_t)i * D + j] - mu;
            sq += dev * dev;
        }
        double sd = N > 0 ? sqrt(sq / N) : 0.0;
        mean[j] = (float)mu;
        std[j] = sd > 1e-12 * (fabs(mu) + 1.0) ? (float)sd : 1.0f;
    }
}

void standardize_apply(float *out, const float *x, const float *mean, const float *std, int N, int D) {
    for (int i = 0; i < N; i++)
        for (int j = 0; j < D; j++) out[(size_t)i * D + j] = (x[(size_t)i * D + j] - mean[j]) / std[j];
}

void standardize_unscale_weights(float *w_raw, float *b_raw, const float *w, float b,
                                 const float *mean, const float *std, int D) {
    double bias = b;
    for (int j = 0; j < D; j++) {
        w_raw[j] = w[j] / std[j];
        bias -= (double)w[j] * mean[j] / std[j];
    }
    *b_raw = (float)bias;
}

// --- the three splits -------------------------------------------------------------------

const char *const SPLIT_SCALE_NAMES[SPLIT_SCALE_COUNT] = {"train", "none", "own", "all"};
const char *const SPLIT_SCALE_HELP[SPLIT_SCALE_COUNT] = {
    "train statistics applied to every split (correct)",
    "raw features, no scaling (mistake)",
    "each split scaled with its own statistics (mistake)",
    "statistics of all rows, before the split (leak)",
};

static void scale_in_place(DataXY *d, const float *mean, const float *std) {
    standardize_apply(d->x, d->x, mean, std, d->n, d->d);
}

void scaled_splits_make(ScaledSplits *s, SplitScaling mode, const DataXY *all, const DataXY *train,
                        const DataXY *val, const DataXY *test) {
    int D = train->d;
    if (D > HOUSES_D || val->d != D || test->d != D || all->d != D)
        DIE("scaled_splits_make: %d features (at most %d, the same in every split)", D, HOUSES_D);
    dataxy_copy(&s->train, train);
    dataxy_copy(&s->val, val);
    dataxy_copy(&s->test, test);
    for (int j = 0; j < D; j++) s->mean[j] = 0.0f, s->std[j] = 1.0f;
    if (mode == SPLIT_SCALE_NONE) return;
    if (mode == SPLIT_SCALE_ALL) standardize_fit(s->mean, s->std, all->x, all->n, D);   // sees val and test
    else standardize_fit(s->mean, s->std, train->x, train->n, D);
    scale_in_place(&s->train, s->mean, s->std);
    if (mode == SPLIT_SCALE_OWN) {   // the bug: "fit_transform" called again on each split
        float mean[HOUSES_D], std[HOUSES_D];
        standardize_fit(mean, std, val->x, val->n, D);
        scale_in_place(&s->val, mean, std);
        standardize_fit(mean, std, test->x, test->n, D);
        scale_in_place(&s->test, mean, std);
    } else {   // the rule: the very numbers that scaled train, unchanged
        scale_in_place(&s->val, s->mean, s->std);
        scale_in_place(&s->test, s->mean, s->std);
    }
}

void scaled_splits_free(ScaledSplits *s) {
    dataxy_free(&s->train);
    dataxy_free(&s->val);
    dataxy_free(&s->test);
}
