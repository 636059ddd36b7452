// Exercise 06.2 (**): cross-entropy with label smoothing, forward and backward.
// Read chapters/06_seq2seq/README.md, section "Label smoothing", equations (6.7)-(6.9).
// `make exercise EX=06.2` checks the loss by hand and the gradient by finite differences.
#include <math.h>

// One row of V logits z, target y, smoothing eps. Return the loss
//   L = -sum_k q_k log p_k,   q_k = (1 - eps) [k = y] + eps / V,   p = softmax(z)
// and ADD its gradient dL/dz_k = p_k - q_k into d_logits (V).
// Compute log p_k as z_k - logsumexp(z), with the max subtracted (never log(0)).
float ex_smoothed_xent_row(float *d_logits, const float *z, int y, float eps, int V) {
    (void)d_logits, (void)z, (void)y, (void)eps, (void)V;
    // TODO(06.2): max, log-sum-exp, the loss (6.8), then d_logits += p - q (6.9).
    return 0.0f;
}
