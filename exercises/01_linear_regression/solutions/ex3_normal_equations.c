// Exercise 01.3 (***): the normal equations -- reference solution, by Gaussian
// elimination with partial pivoting in double precision (the chapter itself uses
// Cholesky, chapters/01_linear_regression/linalg.c).
#include <math.h>
#include <stdlib.h>

int ex_normal_equations(float *w, float *b, const float *x, const float *y, int N, int D) {
    int P = D + 1;
    double *A = calloc((size_t)P * P, sizeof(double)), *r = calloc((size_t)P, sizeof(double));
    if (!A || !r) {
        free(A);
        free(r);
        return -1;
    }
    for (int i = 0; i < N; i++)   // A += a a^T, r += a y_i with a = (x_i, 1)
        for (int j = 0; j < P; j++) {
            double aj = j < D ? x[i * D + j] : 1.0;
            for (int k = 0; k < P; k++) A[j * P + k] += aj * (k < D ? x[i * D + k] : 1.0);
            r[j] += aj * y[i];
        }
    double scale = 0;
    for (int j = 0; j < P; j++) scale = fmax(scale, fabs(A[j * P + j]));
    int status = 0;
    for (int k = 0; k < P && status == 0; k++) {
        int piv = k;
        for (int i = k + 1; i < P; i++)
            if (fabs(A[i * P + k]) > fabs(A[piv * P + k])) piv = i;
        if (fabs(A[piv * P + k]) <= 1e-13 * scale) {   // singular, by the criterion of the stub
            status = -1;
            break;
        }
        if (piv != k) {
            for (int c = 0; c < P; c++) {
                double t = A[k * P + c];
                A[k * P + c] = A[piv * P + c];
                A[piv * P + c] = t;
            }
            double t = r[k];
            r[k] = r[piv];
            r[piv] = t;
        }
        for (int i = k + 1; i < P; i++) {
            double f = A[i * P + k] / A[k * P + k];
            for (int c = k; c < P; c++) A[i * P + c] -= f * A[k * P + c];
            r[i] -= f * r[k];
        }
    }
    if (status == 0) {
        for (int i = P - 1; i >= 0; i--) {
            double s = r[i];
            for (int c = i + 1; c < P; c++) s -= A[i * P + c] * r[c];
            r[i] = s / A[i * P + i];
        }
        for (int j = 0; j < D; j++) w[j] = (float)r[j];
        *b = (float)r[D];
    }
    free(A);
    free(r);
    return status;
}
