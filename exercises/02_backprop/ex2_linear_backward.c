// exercises/02_backprop/ex2_linear_backward.c
// Exercise 02.2 (**): the backward pass of a fully connected layer.
// Read chapters/02_backprop/README.md, section "Tensor layers", eqs. (2.4)-(2.7) first.
// `make exercise EX=02.2` checks your answer against finite differences.
//
// The forward pass was y = x W^T + b:   y[i][o] = sum_k x[i][k] W[o][k] + b[o]
//   x (B,In), W (Out,In) (PyTorch layout), b (Out) -> y (B,Out)
// All arrays are row-major: x[i][k] is x[i * In + k], W[o][k] is W[o * In + k].

// Given d_y = dL/dy (B,Out), ACCUMULATE (+=):
//   d_x (B,In)   += dL/dx
//   d_W (Out,In) += dL/dW
//   d_b (Out)    += dL/db
// Any of d_x, d_W, d_b may be NULL, meaning "not needed": skip it.
void ex_linear_backward(float *d_x, float *d_W, float *d_b, const float *d_y, const float *x,
                        const float *W, int B, int In, int Out) {
    // TODO(02.2): three loops, one per gradient. Each is a sum over the index that the
    // gradient does NOT have: d_x sums over o, d_W over the batch i, d_b over i.
    // Write out dy[i][o]/dx[i][k], dy[i][o]/dW[o][k], dy[i][o]/db[o] from the forward
    // formula above, then apply the chain rule (README eqs. (2.5)-(2.7)).
    (void)d_x, (void)d_W, (void)d_b, (void)d_y, (void)x, (void)W, (void)B, (void)In, (void)Out;
}
