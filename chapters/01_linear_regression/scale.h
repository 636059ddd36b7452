// scale.h: feature standardisation, x' = (x - mean) / std per column.
//
// Why (README section 01.5): gradient descent converges only for lr < 2/lambda_max of
// the Hessian, and then needs ~lambda_max/lambda_min steps. Columns on different
// scales (area ~100 m^2, rooms ~4) make that ratio huge; standardised columns make it
// small. The rule that matters: mean and std come from the TRAINING split only and are
// then applied, unchanged, to validation, test and every future input -- the model
// must never see statistics of the data it is evaluated on.
#ifndef CH01_SCALE_H
#define CH01_SCALE_H

#include "chapters/01_linear_regression/data.h"

// x (N,D) -> mean (D), std (D): population std (divide by N). A constant column
// gets std = 1 (it becomes all zeros instead of 0/0 = NaN).
void standardize_fit(float *mean, float *std, const float *x, int N, int D);

// x (N,D) -> out (N,D), out = (x - mean) / std; out may equal x (in place).
void standardize_apply(float *out, const float *x, const float *mean, const float *std, int N, int D);

// A model fitted on standardised inputs, y = sum_j w_j (x_j - mean_j)/std_j + b,
// rewritten for raw inputs: w_raw_j = w_j / std_j, b_raw = b - sum_j w_j mean_j / std_j.
// This is how we compare learned weights with the generating formula.
void standardize_unscale_weights(float *w_raw, float *b_raw, const float *w, float b,
                                 const float *mean, const float *std, int D);

// --- the three splits ------------------------------------------------------------------
// Where the statistics come from: the right way and the three mistakes of README
// section 01.6 (chapter 01's --scaling flag), so that they can be run and compared.
typedef enum {
    SPLIT_SCALE_TRAIN,   // train statistics applied to every split (correct)
    SPLIT_SCALE_NONE,    // raw features (a mistake for gradient descent)
    SPLIT_SCALE_OWN,     // each split scaled with its own statistics (a mistake)
    SPLIT_SCALE_ALL,     // statistics of all rows, before the split (a leak)
    SPLIT_SCALE_COUNT
} SplitScaling;
extern const char *const SPLIT_SCALE_NAMES[SPLIT_SCALE_COUNT];   // "train", "none", "own", "all"
extern const char *const SPLIT_SCALE_HELP[SPLIT_SCALE_COUNT];    // one line each, for tables

// Copies of the three splits with their features scaled as `mode` says.
typedef struct {
    DataXY train, val, test;
    float mean[HOUSES_D], std[HOUSES_D];   // the statistics applied to train (0 and 1 for NONE)
} ScaledSplits;

// all = train + val + test before the split (read only by SPLIT_SCALE_ALL). At most
// HOUSES_D features. The inputs are not modified; free the result with scaled_splits_free.
void scaled_splits_make(ScaledSplits *s, SplitScaling mode, const DataXY *all, const DataXY *train,
                        const DataXY *val, const DataXY *test);
void scaled_splits_free(ScaledSplits *s);

#endif
