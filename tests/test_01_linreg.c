// Chapter 01: the linear model, the MSE and its gradient, the normal equations, and
// the linear algebra behind them (Cholesky, symmetric eigenvalues, the Hessian).
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "chapters/01_linear_regression/linalg.h"
#include "chapters/01_linear_regression/linreg.h"
#include "chapters/01_linear_regression/train.h"
#include "common/gradcheck.h"
#include "common/mem.h"
#include "common/rng.h"

Test(ch01_linreg, forward_matches_hand_computed) {
    // two rows, two features: y_hat = x w + b
    float x[4] = {1, 2, 3, -1}, w[2] = {0.5f, -2}, b = 1, y_hat[2];
    linreg_forward(y_hat, x, w, b, 2, 2);
    cr_assert_float_eq(y_hat[0], 1 * 0.5f + 2 * -2.0f + 1, 1e-6);   // -2.5
    cr_assert_float_eq(y_hat[1], 3 * 0.5f + -1 * -2.0f + 1, 1e-6);  // 4.5
}

Test(ch01_linreg, mse_and_its_gradient_by_hand) {
    float y_hat[3] = {1, 2, 3}, y[3] = {0, 2, 5}, d[3] = {0, 0, 0};
    // ((1-0)^2 + 0^2 + (3-5)^2) / 3 = 5/3
    cr_assert_float_eq(mse_forward(y_hat, y, 3), 5.0f / 3.0f, 1e-6);
    mse_backward(d, y_hat, y, 3);   // 2 (y_hat - y) / N
    cr_assert_float_eq(d[0], 2.0f / 3.0f, 1e-6);
    cr_assert_float_eq(d[1], 0.0f, 1e-6);
    cr_assert_float_eq(d[2], -4.0f / 3.0f, 1e-6);
}

Test(ch01_linreg, backward_accumulates_by_hand) {
    // d_w = x^T d_y_hat, d_b = sum d_y_hat; backward adds to what is already there
    float x[4] = {1, 2, 3, -1}, d_y[2] = {1, -0.5f}, d_w[2] = {10, 10}, d_b = 1;
    linreg_backward(d_w, &d_b, d_y, x, 2, 2);
    cr_assert_float_eq(d_w[0], 10 + 1 * 1 + 3 * -0.5f, 1e-6);
    cr_assert_float_eq(d_w[1], 10 + 2 * 1 + -1 * -0.5f, 1e-6);
    cr_assert_float_eq(d_b, 1 + 0.5f, 1e-6);
}

Test(ch01_linreg, r2_by_hand) {
    float y[4] = {1, 2, 3, 4}, perfect[4] = {1, 2, 3, 4}, mean[4] = {2.5f, 2.5f, 2.5f, 2.5f};
    float off[4] = {1, 2, 3, 5};   // SS_res = 1, SS_tot = 5  ->  R^2 = 0.8
    cr_assert_float_eq(r2_score(perfect, y, 4), 1.0f, 1e-6);
    cr_assert_float_eq(r2_score(mean, y, 4), 0.0f, 1e-6);
    cr_assert_float_eq(r2_score(off, y, 4), 0.8f, 1e-6);
}

// --- finite differences: L(w, b) = MSE(x w + b, y) ----------------------------------
typedef struct {
    const float *x, *y;
    float *w, *b;
    int N, D;
} MseCtx;

static double mse_loss(void *p) {
    MseCtx *c = p;
    float *y_hat = fzeros((size_t)c->N);
    linreg_forward(y_hat, c->x, c->w, *c->b, c->N, c->D);
    double loss = mse_forward(y_hat, c->y, c->N);
    free(y_hat);
    return loss;
}

Test(ch01_linreg, mse_gradient_matches_finite_differences) {
    enum { N = 16, D = 5 };
    Rng rng;
    rng_seed(&rng, 3);
    float x[N * D], y[N], w[D], b = 0.3f;
    for (int i = 0; i < N * D; i++) x[i] = rng_normal(&rng);
    for (int i = 0; i < N; i++) y[i] = rng_normal(&rng);
    for (int j = 0; j < D; j++) w[j] = 0.5f * rng_normal(&rng);
    // analytic: d_y_hat from the loss, then through the linear layer (01.3, 01.4)
    float y_hat[N], d_y_hat[N] = {0}, d_w[D] = {0}, d_b = 0;
    linreg_forward(y_hat, x, w, b, N, D);
    mse_backward(d_y_hat, y_hat, y, N);
    linreg_backward(d_w, &d_b, d_y_hat, x, N, D);
    MseCtx ctx = {x, y, w, &b, N, D};
    double err_w = gradcheck(mse_loss, &ctx, w, d_w, D);
    double err_b = gradcheck(mse_loss, &ctx, &b, &d_b, 1);
    cr_assert_lt(err_w, 1e-3, "d_w: max relative error %g", err_w);
    cr_assert_lt(err_b, 1e-3, "d_b: max relative error %g", err_b);
}

// --- the closed form --------------------------------------------------------------------
Test(ch01_linreg, normal_equations_recover_exact_weights) {
    // no noise: y is exactly linear in x, so least squares must give back w and b
    enum { N = 50, D = 3 };
    const float w_true[D] = {1.5f, -2.0f, 0.25f}, b_true = 3.0f;
    Rng rng;
    rng_seed(&rng, 7);
    float x[N * D], y[N], w[D], b;
    for (int i = 0; i < N * D; i++) x[i] = rng_normal(&rng);
    linreg_forward(y, x, w_true, b_true, N, D);
    cr_assert_eq(linreg_fit_normal(w, &b, x, y, N, D, 1e-10), 0);
    for (int j = 0; j < D; j++) cr_assert_float_eq(w[j], w_true[j], 1e-4, "w[%d] = %g", j, (double)w[j]);
    cr_assert_float_eq(b, b_true, 1e-4);
}

Test(ch01_linreg, normal_equations_refuse_duplicated_feature) {
    // two identical columns: X^T X is singular; without a ridge Cholesky must say so
    float x[8] = {1, 1, 2, 2, 3, 3, 4, 4}, y[4] = {1, 2, 3, 4}, w[2], b;
    cr_assert_eq(linreg_fit_normal(w, &b, x, y, 4, 2, 0.0), -1);
    // a small ridge makes it solvable, splitting the weight between the twins
    cr_assert_eq(linreg_fit_normal(w, &b, x, y, 4, 2, 1e-6), 0);
    cr_assert_float_eq(w[0], w[1], 1e-4);
    cr_assert_float_eq(w[0] + w[1], 1.0f, 1e-3);
}

Test(ch01_linalg, cholesky_solves_by_hand) {
    // A = [[4, 2], [2, 3]] = L L^T with L = [[2, 0], [1, sqrt 2]]; A x = [2, 1] -> x = [0.5, 0]
    double A[4] = {4, 2, 2, 3}, r[2] = {2, 1};
    cr_assert_eq(linalg_cholesky_solve(A, r, 2), 0);
    cr_assert_float_eq(A[0], 2.0, 1e-12);
    cr_assert_float_eq(A[2], 1.0, 1e-12);
    cr_assert_float_eq(A[3], sqrt(2.0), 1e-12);
    cr_assert_float_eq(r[0], 0.5, 1e-12);
    cr_assert_float_eq(r[1], 0.0, 1e-12);
    double indefinite[4] = {1, 2, 2, 1}, r2[2] = {1, 1};   // eigenvalues 3 and -1
    cr_assert_eq(linalg_cholesky_solve(indefinite, r2, 2), -1);
}

Test(ch01_linalg, eigenvalues_by_hand) {
    // [[2, 1], [1, 2]] has eigenvalues 1 and 3; a diagonal 3x3 has its diagonal
    double A[4] = {2, 1, 1, 2}, eig[3];
    linalg_sym_eigenvalues(A, 2, eig);
    cr_assert_float_eq(eig[0], 1.0, 1e-10);
    cr_assert_float_eq(eig[1], 3.0, 1e-10);
    double B[9] = {4, 1, 0, 1, 4, 1, 0, 1, 4};   // tridiagonal: 4 - sqrt2, 4, 4 + sqrt2
    linalg_sym_eigenvalues(B, 3, eig);
    cr_assert_float_eq(eig[0], 4 - sqrt(2.0), 1e-10);
    cr_assert_float_eq(eig[1], 4.0, 1e-10);
    cr_assert_float_eq(eig[2], 4 + sqrt(2.0), 1e-10);
}

Test(ch01_linreg, hessian_is_the_gradients_derivative) {
    // the MSE gradient is linear in (w, b) with slope H: g(w + h e_j) - g(w) = h H e_j
    enum { N = 20, D = 3, P = D + 1 };
    Rng rng;
    rng_seed(&rng, 11);
    float x[N * D], y[N];
    for (int i = 0; i < N * D; i++) x[i] = 2.0f * rng_normal(&rng) + 1.0f;
    for (int i = 0; i < N; i++) y[i] = rng_normal(&rng);
    double H[P * P];
    linreg_hessian(H, x, N, D);
    float params[P] = {0.1f, -0.2f, 0.3f, 0.4f};
    for (int j = 0; j < P; j++) {
        float g[2][P];
        for (int s = 0; s < 2; s++) {
            float p[P];
            for (int k = 0; k < P; k++) p[k] = params[k] + (s && k == j ? 0.5f : 0.0f);
            float y_hat[N], d_y[N] = {0}, d_w[D] = {0}, d_b = 0;
            linreg_forward(y_hat, x, p, p[D], N, D);
            mse_backward(d_y, y_hat, y, N);
            linreg_backward(d_w, &d_b, d_y, x, N, D);
            for (int k = 0; k < D; k++) g[s][k] = d_w[k];
            g[s][D] = d_b;
        }
        for (int k = 0; k < P; k++)
            cr_assert_float_eq((g[1][k] - g[0][k]) / 0.5f, H[k * P + j], 1e-3 * (1 + fabs(H[k * P + j])),
                               "H[%d][%d]", k, j);
    }
}

Test(ch01_linreg, gd_converges_below_2_over_lambda_max_and_diverges_above) {
    // The claim of README eq. (01.11), checked on data: lr = 0.95 * 2/lambda_max
    // converges, lr = 1.05 * 2/lambda_max blows up.
    enum { N = 64, D = 3, P = D + 1 };
    Rng rng;
    rng_seed(&rng, 5);
    float x[N * D], y[N];
    for (int i = 0; i < N * D; i++) x[i] = rng_normal(&rng) * (float)(1 + i % D);   // scales 1, 2, 3
    for (int i = 0; i < N; i++) y[i] = x[i * D] - x[i * D + 2] + 0.1f * rng_normal(&rng);
    double H[P * P], eig[P];
    linreg_hessian(H, x, N, D);
    linalg_sym_eigenvalues(H, P, eig);
    float lr_max = (float)(2.0 / eig[P - 1]);
    float w[D] = {0}, b = 0, hist[2001];
    GdConfig slow = {.lr = 0.95f * lr_max, .epochs = 2000};
    GdReport ok = linreg_train_gd(w, &b, x, y, N, D, &slow, &rng, hist);
    cr_assert(!ok.diverged);
    cr_assert_lt(hist[2000], 0.1f * hist[0], "loss %g -> %g", (double)hist[0], (double)hist[2000]);
    float w2[D] = {0}, b2 = 0;
    GdConfig fast = {.lr = 1.05f * lr_max, .epochs = 2000};
    GdReport bad = linreg_train_gd(w2, &b2, x, y, N, D, &fast, &rng, NULL);
    cr_assert(bad.diverged, "lr 1.05 * 2/lambda_max should diverge; final loss %g", (double)bad.final_loss);
}
