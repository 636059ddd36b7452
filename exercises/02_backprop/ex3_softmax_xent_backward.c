// exercises/02_backprop/ex3_softmax_xent_backward.c
// Exercise 02.3 (**): the gradient of softmax followed by cross-entropy.
// Read chapters/02_backprop/README.md, section "Tensor layers", eqs. (2.10)-(2.12) first.
// `make exercise EX=02.3` checks your answer against finite differences.
//
// The forward pass, for each row i of logits z (B,C) with target class t_i:
//   p[i][c] = exp(z[i][c]) / sum_k exp(z[i][k])          (kept in probs (B,C))
//   L = (1/B) sum_i -log p[i][t_i]                        (the MEAN over the batch)

// ACCUMULATE (+=) dL/dz into d_logits (B,C).
void ex_softmax_xent_backward(float *d_logits, const float *probs, const int *targets, int B, int C) {
    // TODO(02.3): for each row i and class c, d_logits[i*C + c] += dL/dz[i][c].
    // The softmax Jacobian and the derivative of -log p combine into something very
    // short that needs only probs and targets; derive it (eq. (2.12)) and mind the
    // 1/B of the mean.
    (void)d_logits, (void)probs, (void)targets, (void)B, (void)C;   // delete when you start
}
