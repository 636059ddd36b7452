// Exercise 05.3 (**): layer norm over a padded sequence.
// Read chapters/05_normalization/README.md, sections "Padding" and (5.5)-(5.8), first.
// `make exercise EX=05.3` checks your answer.
#include "chapters/05_normalization/layernorm.h"   // LAYERNORM_EPS; you may call layernorm_*

// x (N,C) holds the tokens of padded sequences, one per row; mask (N) is 1 for a real
// token, 0 for padding. Forward: real rows get ordinary layer norm (5.1)-(5.2); padding
// rows get out = 0 exactly (so that nothing downstream, e.g. a mean over the sequence,
// sees beta), with mean = rstd = 0 stored for them.
void ex_layernorm_masked_forward(float *out, float *mean, float *rstd, const float *x,
                                 const int *mask, const float *gamma, const float *beta,
                                 int N, int C) {
    (void)out, (void)mean, (void)rstd, (void)x, (void)mask, (void)gamma, (void)beta, (void)N, (void)C;
    // TODO(05.3a): layer norm for real rows, zeros for padding rows.
}

// Backward: ACCUMULATE (+=) into d_x (N,C), d_gamma (C), d_beta (C). Padding rows
// contribute nothing, whatever d_out holds there, and their d_x stays untouched.
void ex_layernorm_masked_backward(float *d_x, float *d_gamma, float *d_beta,
                                  const float *d_out, const float *x, const float *mean,
                                  const float *rstd, const int *mask, const float *gamma,
                                  int N, int C) {
    (void)d_x, (void)d_gamma, (void)d_beta, (void)d_out, (void)x, (void)mean, (void)rstd;
    (void)mask, (void)gamma, (void)N, (void)C;
    // TODO(05.3b): (5.5)-(5.7) for the real rows only.
    // Hint: layer norm is per row, so layernorm_backward on one row (N = 1) is enough.
}
