// Exercise 01.3 (***): linear regression in closed form, by the normal equations.
// Read chapters/01_linear_regression/README.md, section 01.3 (equations 01.6-01.8), first.
// `make exercise EX=01.3` checks your answer on exact, noise-free problems.

// x (N,D) row-major, y (N). Find w (D) and b minimising sum_i (x_i . w + b - y_i)^2 by
// solving the (D+1)x(D+1) linear system  A theta = r  with
//     A = Xa^T Xa,   r = Xa^T y,   Xa = [x 1] (x with a column of ones appended),
// theta = (w_0, ..., w_{D-1}, b). Return 0 on success, -1 if the system is singular.
// "Singular" here means: at some step of the elimination the largest available pivot
// has |p| <= 1e-13 * max_j |A[j][j]|. A column of x that repeats another (or is constant,
// repeating the column of ones) gives a pivot of 0 up to rounding (~1e-20 of that scale);
// the hardest solvable test problem has its smallest pivot near 2e-11 of it.
int ex_normal_equations(float *w, float *b, const float *x, const float *y, int N, int D) {
    for (int j = 0; j < D; j++) w[j] = 0.0f;
    *b = 0.0f;
    (void)x, (void)y, (void)N;
    // TODO(01.3): build A and r, then solve A theta = r.
    // Hint 1: work in double (malloc (D+1)*(D+1) doubles): A squares the scale of the
    //   features, and one of the test problems has a column around 2000 next to one
    //   around 0.01 -- float's 7 digits are not enough.
    // Hint 2: Gaussian elimination with partial pivoting is the general tool: for each
    //   column k, swap in the row with the largest |A[i][k]| (i >= k), return -1 if that
    //   pivot is too small (see above), eliminate below, then back-substitute. A is symmetric positive definite, so Cholesky
    //   (chapters/01_linear_regression/linalg.c) works too -- but write your own here.
    return -1;
}
