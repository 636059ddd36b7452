// Exercise 01.4 (**): one step of minibatch stochastic gradient descent.
// Read chapters/01_linear_regression/README.md, section 01.4 (equations 01.9-01.10), first.
// `make exercise EX=01.4` checks your answer.

// x (N,D) row-major and y (N) are the whole training set; the minibatch is the B rows
// batch_idx[0..B-1]. Take ONE gradient step on the MSE of the minibatch alone,
//     L_batch = (1/B) sum_{k<B} (x_{idx_k} . w + b - y_{idx_k})^2,
// updating w (D) and *b in place: w -= lr * dL_batch/dw, b -= lr * dL_batch/db.
void ex_sgd_step(float *w, float *b, const float *x, const float *y, const int *batch_idx, int B, int D,
                 float lr) {
    (void)w, (void)b, (void)x, (void)y, (void)batch_idx, (void)B, (void)D, (void)lr;
    // TODO(01.4): compute the full gradient of the batch first, THEN update w and b.
    // Hint: updating w[j] while you are still summing residuals would make later rows
    // see half-updated weights -- a different (and untested) algorithm. The mean is
    // over B, not over N: the batch estimates the full gradient.
}
