// exercises/02_backprop/ex1_tanh_backward.c
// Exercise 02.1 (*): the backward pass of tanh.
// Read chapters/02_backprop/README.md, section "Tensor layers", eq. (2.9) first.
// `make exercise EX=02.1` checks your answer against finite differences.

// The forward pass computed y = tanh(x) and kept y (not x).
// d_y (n) -> d_x (n): ACCUMULATE (+=) dL/dx into d_x; never overwrite it.
void ex_tanh_backward(float *d_x, const float *d_y, const float *y, int n) {
    // TODO(02.1): for every i, d_x[i] += d_y[i] * tanh'(x_i). You are not given x:
    // write tanh'(x_i) using the output y_i alone (README eq. (2.9)).
    (void)d_x, (void)d_y, (void)y, (void)n;   // delete this line when you start
}
