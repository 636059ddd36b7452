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

#endif
