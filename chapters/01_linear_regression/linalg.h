// linalg.h: the two pieces of dense linear algebra this chapter needs, in double
// precision and small (n = number of features + 1, or a polynomial degree + 1).
//   - solving the normal equations A w = r with A symmetric positive definite
//     (Cholesky, README eq. 01.8);
//   - the eigenvalues of a symmetric matrix (the Hessian of the MSE), whose largest
//     value sets the largest stable learning rate, 2/lambda_max (README eq. 01.11).
#ifndef CH01_LINALG_H
#define CH01_LINALG_H

// A (n,n) symmetric positive definite, row-major, rhs (n). Factorises A = L L^T in
// place (L in the lower triangle), then solves L z = rhs, L^T x = z; x overwrites rhs.
// Returns 0, or -1 when a pivot is <= 0: A is not (numerically) positive definite --
// for the normal equations, a feature is a linear combination of the others.
int linalg_cholesky_solve(double *A, double *rhs, int n);

// Eigenvalues of a symmetric A (n,n) by cyclic Jacobi rotations, in ascending order
// into eig (n). A is destroyed (it ends up diagonal).
void linalg_sym_eigenvalues(double *A, int n, double *eig);

#endif
