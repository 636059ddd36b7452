// Exercise 05.2 (*): batch norm's running statistics.
// Read chapters/05_normalization/README.md, equations (5.10)-(5.11), first.
// `make exercise EX=05.2` checks your answer against a hand-computed example.

// x (N,C) is one training batch. Update, for every column c,
//   running_mean[c] = (1 - momentum) * running_mean[c] + momentum * mean_c
//   running_var[c]  = (1 - momentum) * running_var[c]  + momentum * var_c * N / (N - 1)
// where mean_c and var_c (biased, divides by N) are the batch's column statistics.
// The running variance uses the UNBIASED estimate, as PyTorch does. N >= 2.
void ex_batchnorm_update_running(float *running_mean, float *running_var, const float *x,
                                 int N, int C, float momentum) {
    (void)running_mean, (void)running_var, (void)x, (void)N, (void)C, (void)momentum;
    // TODO(05.2): column mean, biased variance, then the two updates above.
}
