// batchnorm.h: batch normalisation over the BATCH axis (Ioffe & Szegedy 2015).
//   out[i,c] = (x[i,c] - mean_c) / sqrt(var_c + eps) * gamma[c] + beta[c]
// One mean/var per COLUMN (feature), computed over the N rows of the batch: the output
// of a row depends on every other row in the batch. README eqs. (5.3)-(5.4), (5.9)-(5.11).
//
// Two modes:
//  training = 1: mean/var are the batch's own (var BIASED, divides by N: that is what
//    normalises the batch). If running_mean/running_var are not NULL they are updated
//    as in PyTorch (5.10): running = (1 - momentum) * running + momentum * batch_stat,
//    with the UNBIASED variance var * N/(N-1) for the running estimate (for N = 1 the
//    unbiased variance is undefined -- PyTorch refuses; we use the biased one, 0).
//  training = 0 (eval): mean/var are the running estimates; the layer is then a fixed
//    per-feature affine map, and a row's output depends on that row only.
// Batch of 1 in training mode: every x[0,c] equals its own mean, so xhat = 0 and
// out = beta whatever the input, and d_x = 0: nothing before the layer can learn.
#ifndef CH05_BATCHNORM_H
#define CH05_BATCHNORM_H

#define BATCHNORM_EPS 1e-5f

// x (N,C) -> out (N,C). Writes mean (C) and rstd (C) = 1/sqrt(var + eps) of the stats
// actually used (batch or running), which batchnorm_backward needs.
void batchnorm_forward(float *out, float *mean, float *rstd, const float *x,
                       const float *gamma, const float *beta, float *running_mean,
                       float *running_var, float momentum, int training, int N, int C);

// Accumulates (+=) into d_x (N,C), d_gamma (C), d_beta (C); NULL = not needed.
// training = 1: the compact form (5.9), the means taken over the batch (rows):
//   d_x = rstd * (d_xhat - mean_i(d_xhat) - xhat * mean_i(d_xhat * xhat))
// training = 0: the statistics are constants, so d_x = d_out * gamma * rstd.
void batchnorm_backward(float *d_x, float *d_gamma, float *d_beta, const float *d_out,
                        const float *x, const float *mean, const float *rstd,
                        const float *gamma, int training, int N, int C);

// Training-mode forward with statistics over the rows whose mask is non-zero only
// (padding rows of a (batch*time, C) matrix): real rows then do not depend on how much
// padding the batch has. Padding rows are normalised with the same stats (ignore them).
// No running statistics. Rows with mask 0 are excluded; at least one row must be real.
void batchnorm_forward_masked(float *out, float *mean, float *rstd, const float *x,
                              const int *mask, const float *gamma, const float *beta,
                              int N, int C);

#endif
