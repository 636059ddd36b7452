#include "chapters/01_linear_regression/linreg.h"

#include <stdlib.h>

#include "chapters/01_linear_regression/linalg.h"
#include "common/matmul.h"
#include "common/mem.h"

void linreg_forward(float *y_hat, const float *x, const float *w, float b, int N, int D) {
    // y_hat (N,1) = x (N,D) @ w^T, with w seen as a (1,D) matrix
    matmul(y_hat, x, w, N, 1, D, 0, 1, 0.0f);
    for (int i = 0; i < N; i++) y_hat[i] += b;
}

void linreg_backward(float *d_w, float *d_b, const float *d_y_hat, const float *x, int N, int D) {
    // dL/dw_j = sum_i dL/dy_hat_i * x_ij: d_w (1,D) += d_y_hat^T (1,N) @ x (N,D)
    if (d_w) matmul(d_w, d_y_hat, x, 1, D, N, 1, 0, 1.0f);
    // dL/db = sum_i dL/dy_hat_i * 1
    if (d_b) {
        double s = 0.0;
        for (int i = 0; i < N; i++) s += d_y_hat[i];
        *d_b += (float)s;
    }
}

float mse_forward(const float *y_hat, const float *y, int N) {
    double s = 0.0;
    for (int i = 0; i < N; i++) {
        double r = (double)y_hat[i] - y[i];
        s += r * r;
    }
    return (float)(s / N);
}

void mse_backward(float *d_y_hat, const float *y_hat, const float *y, int N) {
    float scale = 2.0f / (float)N;
    for (int i = 0; i < N; i++) d_y_hat[i] += scale * (y_hat[i] - y[i]);
}

float r2_score(const float *y_hat, const float *y, int N) {
    double mean = 0.0, ss_res = 0.0, ss_tot = 0.0;
    for (int i = 0; i < N; i++) mean += y[i];
    mean /= N;
    for (int i = 0; i < N; i++) {
        double r = (double)y_hat[i] - y[i], t = (double)y[i] - mean;
        ss_res += r * r;
        ss_tot += t * t;
    }
    return ss_tot > 0 ? (float)(1.0 - ss_res / ss_tot) : 0.0f;
}

// A (D+1,D+1) += [x 1]^T [x 1] and, when y != NULL, r (D+1) += [x 1]^T y, in double.
// Not matmul: that one is float32, and forming the Gram matrix squares the condition
// number. For the raw house features kappa([x 1]) is ~560 and kappa(A) = 3.1e5 (measured:
// section 2 of the chapter's output, H being A scaled by 2/N): a solve loses ~5.5 of
// float's ~7 digits, and the exercise's "year" column makes it far worse. Double keeps ~10.
static void gram(double *A, double *r, const float *x, const float *y, int N, int D) {
    int P = D + 1;
    double *row = xmalloc(sizeof(double) * P);
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < D; j++) row[j] = x[(size_t)i * D + j];
        row[D] = 1.0;   // the bias is the weight of a constant feature 1
        for (int j = 0; j < P; j++) {
            for (int k = 0; k <= j; k++) A[j * P + k] += row[j] * row[k];
            if (y) r[j] += row[j] * y[i];
        }
    }
    for (int j = 0; j < P; j++)   // fill the upper triangle by symmetry
        for (int k = j + 1; k < P; k++) A[j * P + k] = A[k * P + j];
    free(row);
}

int linreg_fit_normal(float *w, float *b, const float *x, const float *y, int N, int D, double ridge) {
    int P = D + 1;
    double *A = xcalloc((size_t)P * P, sizeof(double)), *r = xcalloc((size_t)P, sizeof(double));
    gram(A, r, x, y, N, D);
    for (int j = 0; j < P; j++) A[j * P + j] += ridge;
    int status = linalg_cholesky_solve(A, r, P);
    if (status == 0) {
        for (int j = 0; j < D; j++) w[j] = (float)r[j];
        *b = (float)r[D];
    }
    free(A);
    free(r);
    return status;
}

void linreg_hessian(double *H, const float *x, int N, int D) {
    int P = D + 1;
    for (int j = 0; j < P * P; j++) H[j] = 0.0;
    gram(H, NULL, x, NULL, N, D);
    for (int j = 0; j < P * P; j++) H[j] *= 2.0 / N;
}
