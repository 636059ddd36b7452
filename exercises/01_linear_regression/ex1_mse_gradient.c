// Exercise 01.1 (*): the gradient of the mean squared error.
// Read chapters/01_linear_regression/README.md, section 01.2 (equations 01.2-01.5), first.
// `make exercise EX=01.1` checks your answer against hand-computed values and against
// central finite differences.

// The model is y_hat_i = sum_j x[i*D + j] * w[j] + b, for rows i = 0..N-1, and the loss is
//     L = (1/N) sum_i (y_hat_i - y_i)^2.
// Write (=, do not accumulate) the gradient: d_w[j] = dL/dw_j for j = 0..D-1, *d_b = dL/db.
void ex_mse_gradient(float *d_w, float *d_b, const float *x, const float *y, const float *w, float b, int N,
                     int D) {
    for (int j = 0; j < D; j++) d_w[j] = 0.0f;
    *d_b = 0.0f;
    (void)x, (void)y, (void)w, (void)b, (void)N;
    // TODO(01.1): for each row i, compute the residual r_i = y_hat_i - y_i; then
    //   dL/dw_j = (2/N) sum_i r_i x_ij    and    dL/db = (2/N) sum_i r_i.
    // Hint: the 2 comes from differentiating the square, the 1/N from the mean. Forgetting
    // either still "trains" (the step is just scaled), which is why the test checks the
    // numbers -- hand-computed ones and finite differences -- rather than whether the loss
    // goes down; both checks catch a missing factor.
}
