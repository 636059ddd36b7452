// Exercise 05.4 (**): RMSNorm (Zhang & Sennrich 2019), layer norm without the mean.
// Read chapters/05_normalization/README.md, section "RMSNorm", eqs. (5.12)-(5.13), first.
// `make exercise EX=05.4` checks your answer against a hand-computed row and finite differences.
#include "chapters/05_normalization/layernorm.h"   // LAYERNORM_EPS: use it as eps

// x (N,C) -> out (N,C): out = x * rrms * gamma, with rrms = 1/sqrt(mean_c(x^2) + eps), one
// per row, saved in rrms (N). No mean is subtracted and there is no beta.
void ex_rmsnorm_forward(float *out, float *rrms, const float *x, const float *gamma, int N, int C) {
    (void)out, (void)rrms, (void)x, (void)gamma, (void)N, (void)C;
    // TODO(05.4a)
}

// ACCUMULATE (+=) into d_x (N,C) and d_gamma (C).
void ex_rmsnorm_backward(float *d_x, float *d_gamma, const float *d_out, const float *x,
                         const float *rrms, const float *gamma, int N, int C) {
    (void)d_x, (void)d_gamma, (void)d_out, (void)x, (void)rrms, (void)gamma, (void)N, (void)C;
    // TODO(05.4b): with xhat = x * rrms and d_xhat = d_out * gamma:
    //   d_gamma += d_out * xhat;   d_x += rrms * (d_xhat - xhat * mean_c(d_xhat * xhat))
    // (the layer-norm formula (5.7) without the mean(d_xhat) term: derive it!)
}
