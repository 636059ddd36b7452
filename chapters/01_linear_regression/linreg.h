// linreg.h: linear regression, y_hat = x w + b, with the mean squared error.
// Derivations: chapters/01_linear_regression/README.md, equations (01.1)-(01.8).
//
// Conventions (the whole book follows them): row-major float arrays, one example per
// row; *_forward writes (=) its output, *_backward ACCUMULATES (+=) into every gradient
// buffer (zero them first); a NULL gradient pointer means "not needed"; the caller owns
// all memory.
#ifndef CH01_LINREG_H
#define CH01_LINREG_H

// x (N,D), w (D), b -> y_hat (N): y_hat_i = sum_j x_ij w_j + b          (01.1)
void linreg_forward(float *y_hat, const float *x, const float *w, float b, int N, int D);

// d_y_hat (N) -> d_w (D) += x^T d_y_hat,  d_b += sum_i d_y_hat_i          (01.4)
void linreg_backward(float *d_w, float *d_b, const float *d_y_hat, const float *x, int N, int D);

// y_hat (N), y (N) -> scalar: the mean squared error                        (01.2)
//   L = (1/N) sum_i (y_hat_i - y_i)^2, accumulated in double.
float mse_forward(const float *y_hat, const float *y, int N);
// y_hat (N), y (N) -> d_y_hat (N) += 2 (y_hat - y) / N                      (01.3)
void mse_backward(float *d_y_hat, const float *y_hat, const float *y, int N);

// y_hat (N), y (N) -> scalar: the coefficient of determination
//   R^2 = 1 - sum (y_hat-y)^2 / sum (y-mean(y))^2: 1 is perfect, 0 is "always predict the mean".
float r2_score(const float *y_hat, const float *y, int N);

// x (N,D), y (N) -> w (D), b: the closed form. Minimises
//   sum_i (y_hat_i - y_i)^2 + ridge (|w|^2 + b^2)
// exactly, by building A = [x 1]^T [x 1] + ridge I and r = [x 1]^T y in double precision and
// solving A [w; b] = r by Cholesky (the normal equations, 01.7-01.8). A tiny ridge
// (the diagonal of A is ~N for standardised columns; 1e-8 N is plenty) keeps A
// positive definite when columns are nearly dependent, and changes the answer by a
// relative ~ridge/lambda_min(A). Returns 0, or -1 if A is not positive definite.
int linreg_fit_normal(float *w, float *b, const float *x, const float *y, int N, int D, double ridge);

// x (N,D) -> H (D+1,D+1), in double: the Hessian of the MSE with respect to (w, b),
// H = (2/N) [x 1]^T [x 1]. It does not depend on y or on the weights (the loss is a
// quadratic). Its eigenvalues tell which learning rates converge (01.11).
void linreg_hessian(double *H, const float *x, int N, int D);

#endif
