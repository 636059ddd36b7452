#include "chapters/01_linear_regression/poly.h"

#include <stdlib.h>

#include "chapters/01_linear_regression/linreg.h"
#include "chapters/01_linear_regression/scale.h"
#include "common/mem.h"

void poly_features(float *feats, const float *x, int N, int degree) {
    for (int i = 0; i < N; i++) {
        float u = 2.0f * x[i] - 1.0f, power = 1.0f;
        for (int k = 0; k < degree; k++) {
            power *= u;
            feats[(size_t)i * degree + k] = power;
        }
    }
}

// A fitted polynomial: weights on standardised features plus the train statistics.
typedef struct {
    int degree;
    float *w, b, *mean, *std;
} PolyModel;

static int poly_fit(PolyModel *m, int degree, const DataXY *train, double ridge) {
    m->degree = degree;
    m->w = fzeros(degree);
    m->mean = fzeros(degree);
    m->std = fzeros(degree);
    float *feats = fzeros((size_t)train->n * degree);
    poly_features(feats, train->x, train->n, degree);
    standardize_fit(m->mean, m->std, feats, train->n, degree);   // train statistics only
    standardize_apply(feats, feats, m->mean, m->std, train->n, degree);
    int status = linreg_fit_normal(m->w, &m->b, feats, train->y, train->n, degree, ridge);
    free(feats);
    return status;
}

static void poly_predict(const PolyModel *m, float *ys, const float *xs, int n) {
    float *feats = fzeros((size_t)n * m->degree);
    poly_features(feats, xs, n, m->degree);
    standardize_apply(feats, feats, m->mean, m->std, n, m->degree);
    linreg_forward(ys, feats, m->w, m->b, n, m->degree);
    free(feats);
}

static void poly_free(PolyModel *m) {
    free(m->w);
    free(m->mean);
    free(m->std);
}

static float poly_mse(const PolyModel *m, const DataXY *d) {
    float *pred = fzeros((size_t)d->n);
    poly_predict(m, pred, d->x, d->n);
    float mse = mse_forward(pred, d->y, d->n);
    free(pred);
    return mse;
}

int poly_fit_predict(float *ys, const float *xs, int n, int degree, const DataXY *train, double ridge) {
    PolyModel m;
    int status = poly_fit(&m, degree, train, ridge);
    if (status == 0) poly_predict(&m, ys, xs, n);
    poly_free(&m);
    return status;
}

int poly_sweep(PolyRow *rows, int max_degree, const DataXY *train, const DataXY *val, const DataXY *test,
               double ridge) {
    for (int k = 1; k <= max_degree; k++) {
        PolyModel m;
        if (poly_fit(&m, k, train, ridge) != 0) {
            poly_free(&m);
            return -1;
        }
        rows[k - 1] = (PolyRow){k, poly_mse(&m, train), poly_mse(&m, val), poly_mse(&m, test)};
        poly_free(&m);
    }
    return 0;
}

int poly_select(const PolyRow *rows, int n_rows, int split) {
    int best = 0;
    for (int i = 1; i < n_rows; i++) {
        float a = split == 0 ? rows[i].train_mse : split == 1 ? rows[i].val_mse : rows[i].test_mse;
        float c = split == 0 ? rows[best].train_mse : split == 1 ? rows[best].val_mse : rows[best].test_mse;
        if (a < c) best = i;
    }
    return best;
}
