// layernorm.h: layer normalisation over the last axis (Ba, Kiros, Hinton 2016).
//   out = (x - mean) / sqrt(var + eps) * gamma + beta, one mean/var per ROW.
// Each row (one example, one token) is normalised using only its own C features, so
// the output of a row never depends on the other rows: batch size, padding and
// train/eval mode change nothing. README eqs. (5.1)-(5.2); backward (5.5)-(5.8).
#ifndef CH05_LAYERNORM_H
#define CH05_LAYERNORM_H

#include "common/tensor.h"

#define LAYERNORM_EPS 1e-5f

// The two parameters of a layer norm as a model holds them: gamma "<name>.weight" (C)
// of ones, beta "<name>.bias" (C) of zeros, both with gradients, so that a fresh norm
// is the plain standardisation of (5.1).
void layernorm_params_create(Tensor *gamma, Tensor *beta, const char *name, int C);

// x (N,C) -> out (N,C); saves mean (N) and rstd (N) = 1/sqrt(var + eps) for the
// backward pass. var is the biased variance (divides by C), as in PyTorch.
void layernorm_forward(float *out, float *mean, float *rstd, const float *x,
                       const float *gamma, const float *beta, int N, int C);

// The same with another epsilon: BERT uses 1e-12 (its config's layer_norm_eps), and a
// checkpoint trained with one gives slightly different outputs with the other. The
// backward pass needs only the saved rstd, whatever eps made it.
void layernorm_forward_eps(float *out, float *mean, float *rstd, const float *x, const float *gamma,
                           const float *beta, int N, int C, float eps);
// Accumulates (+=) into d_x (N,C), d_gamma (C), d_beta (C); NULL = not needed.
// The compact form of d_x is derived in chapters/05_normalization/README.md, eq. (5.7):
//   d_x = rstd * (d_xhat - mean_c(d_xhat) - xhat * mean_c(d_xhat * xhat)),  d_xhat = d_out*gamma
void layernorm_backward(float *d_x, float *d_gamma, float *d_beta,
                        const float *d_out, const float *x, const float *mean,
                        const float *rstd, const float *gamma, int N, int C);

#endif
