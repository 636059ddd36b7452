// Exercise 01.5 (**): the loss and gradient of logistic regression.
// Read chapters/01_linear_regression/README.md, section 01.8 (equations 01.13-01.17), first.
// `make exercise EX=01.5` checks your answer against hand-computed values and finite
// differences, and feeds it logits of +-200.

// x (N,D) row-major, labels y (N) in {0, 1}. With z_i = x_i . w + b and p_i = sigmoid(z_i),
// return the mean binary cross-entropy
//     L = -(1/N) sum_i [ y_i log p_i + (1 - y_i) log(1 - p_i) ]
// and write (=) its gradient: d_w[j] = dL/dw_j, *d_b = dL/db.
float ex_logreg_loss_and_grad(float *d_w, float *d_b, const float *x, const float *y, const float *w, float b,
                              int N, int D) {
    for (int j = 0; j < D; j++) d_w[j] = 0.0f;
    *d_b = 0.0f;
    (void)x, (void)y, (void)w, (void)b, (void)N;
    // TODO(01.5): the loss, and the gradient dL/dz_i = (p_i - y_i)/N pushed through z = x w + b.
    // Hint 1: log(p) with p = sigmoid(-200) is log(0) = -inf in float. Use the logit form
    //   per example: max(z,0) - y z + log(1 + exp(-|z|))   (README eq. 01.15), and
    //   compute sigmoid as 1/(1+exp(-z)) for z >= 0 but exp(z)/(1+exp(z)) for z < 0.
    // Hint 2: accumulate the loss in double.
    return 0.0f;
}
