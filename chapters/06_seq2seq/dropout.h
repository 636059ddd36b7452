// dropout.h: during training, zero each activation with probability p and scale the
// survivors by 1/(1-p), so that the expected value is unchanged and evaluation (no
// dropout) sees the same scale ("inverted dropout", Srivastava et al. 2014).
//   y = x * m / (1-p),  m_i ~ Bernoulli(1-p);   d_x += d_y * m / (1-p)           (6.6)
// The mask is kept for the backward pass; p = 0 or eval mode is the identity.
#ifndef CH06_DROPOUT_H
#define CH06_DROPOUT_H

#include "common/rng.h"

// x (n) -> y (n), mask (n) receives m / (1-p) (0 or 1/(1-p)). y may be x.
void dropout_forward(float *y, float *mask, const float *x, int n, float p, int training, Rng *rng);
// d_x += d_y * mask
void dropout_backward(float *d_x, const float *d_y, const float *mask, int n);

#endif
