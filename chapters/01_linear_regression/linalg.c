#include "chapters/01_linear_regression/linalg.h"

#include <math.h>

int linalg_cholesky_solve(double *A, double *rhs, int n) {
    // A = L L^T, column by column:
    //   L_jj = sqrt(A_jj - sum_{k<j} L_jk^2),  L_ij = (A_ij - sum_{k<j} L_ik L_jk) / L_jj  (i > j)
    for (int j = 0; j < n; j++) {
        double d = A[j * n + j];
        for (int k = 0; k < j; k++) d -= A[j * n + k] * A[j * n + k];
        if (!(d > 0.0)) return -1;   // also catches NaN
        double ljj = sqrt(d);
        A[j * n + j] = ljj;
        for (int i = j + 1; i < n; i++) {
            double s = A[i * n + j];
            for (int k = 0; k < j; k++) s -= A[i * n + k] * A[j * n + k];
            A[i * n + j] = s / ljj;
        }
    }
    for (int i = 0; i < n; i++) {           // forward substitution: L z = rhs
        double s = rhs[i];
        for (int k = 0; k < i; k++) s -= A[i * n + k] * rhs[k];
        rhs[i] = s / A[i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) {      // back substitution: L^T x = z
        double s = rhs[i];
        for (int k = i + 1; k < n; k++) s -= A[k * n + i] * rhs[k];
        rhs[i] = s / A[i * n + i];
    }
    return 0;
}

void linalg_sym_eigenvalues(double *A, int n, double *eig) {
    // Each rotation in the (p,q) plane zeroes A_pq and A_qp; the off-diagonal mass
    // shrinks every sweep, and a handful of sweeps leaves a diagonal matrix whose
    // entries are the eigenvalues (rotations do not change the spectrum).
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0.0, diag = 0.0;
        for (int p = 0; p < n; p++)
            for (int q = 0; q < n; q++) {
                if (p != q) off += A[p * n + q] * A[p * n + q];
                else diag += A[p * n + p] * A[p * n + p];
            }
        if (off <= 1e-30 * diag || off == 0.0) break;
        for (int p = 0; p < n - 1; p++)
            for (int q = p + 1; q < n; q++) {
                double apq = A[p * n + q];
                if (apq == 0.0) continue;
                // the angle that zeroes A_pq: tan(2 theta) = 2 A_pq / (A_qq - A_pp)
                double theta = (A[q * n + q] - A[p * n + p]) / (2.0 * apq);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
                double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
                for (int k = 0; k < n; k++) {   // A <- A J  (columns p and q)
                    double akp = A[k * n + p], akq = A[k * n + q];
                    A[k * n + p] = c * akp - s * akq;
                    A[k * n + q] = s * akp + c * akq;
                }
                for (int k = 0; k < n; k++) {   // A <- J^T A  (rows p and q)
                    double apk = A[p * n + k], aqk = A[q * n + k];
                    A[p * n + k] = c * apk - s * aqk;
                    A[q * n + k] = s * apk + c * aqk;
                }
            }
    }
    for (int i = 0; i < n; i++) eig[i] = A[i * n + i];
    for (int i = 1; i < n; i++)   // insertion sort, ascending
        for (int j = i; j > 0 && eig[j - 1] > eig[j]; j--) {
            double t = eig[j];
            eig[j] = eig[j - 1];
            eig[j - 1] = t;
        }
}
