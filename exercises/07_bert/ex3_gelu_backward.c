// Exercise 07.3 (*): the backward pass of GELU.
// Read chapters/06_seq2seq/README.md, equations (6.4)-(6.5) (BERT's activation).
// `make exercise EX=07.3` checks values by hand, finite differences, accumulation.
#include <math.h>

// gelu(u) = u Phi(u), Phi the standard normal CDF = (1 + erf(u / sqrt 2)) / 2.
// ADD d_y[i] * gelu'(u[i]) into d_u[i], for i < n, with libm's erff and expf.
void ex_gelu_backward(float *d_u, const float *d_y, const float *u, int n) {
    (void)d_u, (void)d_y, (void)u, (void)n;
    // TODO(07.3): derive gelu'(u) = Phi(u) + u phi(u) (product rule; Phi' = phi, the
    // normal density exp(-u^2/2) / sqrt(2 pi)), then accumulate.
}
