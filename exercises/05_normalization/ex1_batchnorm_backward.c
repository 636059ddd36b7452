// Exercise 05.1 (**): the backward pass of batch normalisation, training mode.
// Read chapters/05_normalization/README.md, equations (5.5)-(5.9), first.
// `make exercise EX=05.1` checks your answer against central finite differences.

// x (N,C) was normalised per COLUMN c with the batch's mean[c] and rstd[c] = 1/sqrt(var+eps):
//   xhat = (x - mean) * rstd,  out = xhat * gamma + beta.
// Given d_out (N,C), ACCUMULATE (+=) into d_x (N,C), d_gamma (C) and d_beta (C).
void ex_batchnorm_backward(float *d_x, float *d_gamma, float *d_beta, const float *d_out,
                           const float *x, const float *mean, const float *rstd,
                           const float *gamma, int N, int C) {
    (void)d_x, (void)d_gamma, (void)d_beta, (void)d_out, (void)x, (void)mean, (void)rstd;
    (void)gamma, (void)N, (void)C;
    // TODO(05.1): for each column c, with d_xhat = d_out * gamma[c]:
    //   d_gamma[c] += sum_i d_out * xhat;   d_beta[c] += sum_i d_out
    //   d_x = rstd * (d_xhat - mean_i(d_xhat) - xhat * mean_i(d_xhat * xhat))   (5.9)
    // Hint: one pass over the rows for the two means, a second one for d_x.
}
