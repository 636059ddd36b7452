// poly.h: polynomial regression -- linear regression on the features u, u^2, ..., u^K
// of a single input -- and the experiment that shows why a validation split exists:
// fit every degree K = 1..max on the training split, then ask which degree to keep.
// README section 01.7.
#ifndef CH01_POLY_H
#define CH01_POLY_H

#include "chapters/01_linear_regression/data.h"

// x (N) in [0,1] -> feats (N,degree), column k-1 = u^k with u = 2x - 1 in [-1,1]
// (powers of numbers in [-1,1] stay in [-1,1]; powers of 0..1 would all crowd near 0).
void poly_features(float *feats, const float *x, int N, int degree);

typedef struct {
    int degree;
    float train_mse, val_mse, test_mse;
} PolyRow;

// Fits degree K on train (features standardised with TRAIN statistics, closed form
// with the given ridge) and evaluates the fitted curve at xs (n) -> ys (n).
// Returns 0, or -1 if the normal equations could not be solved.
int poly_fit_predict(float *ys, const float *xs, int n, int degree, const DataXY *train, double ridge);

// One row per degree 1..max_degree: the MSE of the degree-K fit on each split.
// Returns 0, or -1 if a fit failed.
int poly_sweep(PolyRow *rows, int max_degree, const DataXY *train, const DataXY *val, const DataXY *test,
               double ridge);

// Index of the row with the lowest MSE on the chosen split: 0 train, 1 val, 2 test.
int poly_select(const PolyRow *rows, int n_rows, int split);

#endif
