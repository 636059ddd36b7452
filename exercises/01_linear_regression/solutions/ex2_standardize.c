// Exercise 01.2 (*): standardise three splits with train statistics -- reference solution.
#include <math.h>

static void apply(float *x, int n, int D, const float *mean, const float *std) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < D; j++) x[i * D + j] = (x[i * D + j] - mean[j]) / std[j];
}

void ex_standardize_splits(float *mean, float *std, float *train, int n_train, float *val, int n_val, float *test,
                           int n_test, int D) {
    for (int j = 0; j < D; j++) {
        double sum = 0, sq = 0;
        for (int i = 0; i < n_train; i++) sum += train[i * D + j];
        double mu = sum / n_train;
        for (int i = 0; i < n_train; i++) sq += (train[i * D + j] - mu) * (train[i * D + j] - mu);
        double sd = sqrt(sq / n_train);
        mean[j] = (float)mu;
        std[j] = sd > 1e-12 ? (float)sd : 1.0f;
    }
    apply(train, n_train, D, mean, std);
    apply(val, n_val, D, mean, std);
    apply(test, n_test, D, mean, std);
}
