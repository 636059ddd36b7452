// Exercise 01.2 (*): standardise three splits with the statistics of the training split.
// Read chapters/01_linear_regression/README.md, sections 01.5 and 01.6, first.
// `make exercise EX=01.2` checks your answer.

// train (n_train,D), val (n_val,D), test (n_test,D), row-major. Compute, per column j,
// mean[j] and the population standard deviation std[j] (divide by n_train) of TRAIN, then
// replace every value v of column j, in all three arrays, by (v - mean[j]) / std[j].
// A column that is constant on train would divide by zero: give it std[j] = 1.
void ex_standardize_splits(float *mean, float *std, float *train, int n_train, float *val, int n_val, float *test,
                           int n_test, int D) {
    for (int j = 0; j < D; j++) mean[j] = 0.0f, std[j] = 1.0f;
    (void)train, (void)n_train, (void)val, (void)n_val, (void)test, (void)n_test;
    // TODO(01.2): the statistics from train only, then the same transformation for all three.
    // Hint: compute all statistics BEFORE changing train in place. Validation and test
    // play the part of data that arrives after training; "fitting" the scaler on them
    // is the leak this exercise is about.
}
