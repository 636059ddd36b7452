// Grades exercise 01.3: ex_normal_equations must recover the weights of exact, noise-free
// linear data (to 1e-4 relative), including features on very different scales, and
// return -1 on singular systems.
#include <criterion/criterion.h>
#include <math.h>

#include "common/rng.h"

int ex_normal_equations(float *w, float *b, const float *x, const float *y, int N, int D);

Test(ex01_3, two_points_one_feature_by_hand) {
    // the line through (1, 3) and (3, 7) is y = 2x + 1
    float x[2] = {1, 3}, y[2] = {3, 7}, w, b;
    cr_assert_eq(ex_normal_equations(&w, &b, x, y, 2, 1), 0, "returned failure on a solvable problem");
    cr_assert_float_eq(w, 2.0f, 1e-4, "w = %g, expected 2", (double)w);
    cr_assert_float_eq(b, 1.0f, 1e-4, "b = %g, expected 1", (double)b);
}

Test(ex01_3, recovers_exact_weights) {
    enum { N = 40, D = 3 };
    const double w_true[D] = {1.5, -2.0, 0.25}, b_true = 3.0;
    Rng rng;
    rng_seed(&rng, 2);
    float x[N * D], y[N], w[D], b;
    for (int i = 0; i < N; i++) {
        double t = b_true;
        for (int j = 0; j < D; j++) t += w_true[j] * (x[i * D + j] = rng_normal(&rng));
        y[i] = (float)t;
    }
    cr_assert_eq(ex_normal_equations(w, &b, x, y, N, D), 0);
    for (int j = 0; j < D; j++) cr_assert_float_eq(w[j], w_true[j], 1e-4, "w[%d] = %g", j, (double)w[j]);
    cr_assert_float_eq(b, b_true, 1e-4, "b = %g", (double)b);
}

Test(ex01_3, features_on_very_different_scales) {
    // a "year" column (1950..2020), an "area" column (30..250) and a tiny one (0..0.05):
    // A's entries span ~1e-4 .. 1e9. Exact in double; the same elimination done entirely
    // in float gets w[2] ~ 99.97 instead of 100 (the last digits depend on the order of the
    // operations). Its smallest relative pivot is ~2e-11: above the 1e-13 of "singular".
    enum { N = 60, D = 3 };
    const double w_true[D] = {0.5, 2.0, 100.0}, b_true = -900.0;
    Rng rng;
    rng_seed(&rng, 3);
    float x[N * D], y[N], w[D], b;
    for (int i = 0; i < N; i++) {
        x[i * D + 0] = (float)(1950 + rng_int(&rng, 71));
        x[i * D + 1] = (float)(30 + rng_int(&rng, 221));
        x[i * D + 2] = (float)rng_int(&rng, 51) / 1000.0f;
        double t = b_true;
        for (int j = 0; j < D; j++) t += w_true[j] * x[i * D + j];
        y[i] = (float)t;
    }
    cr_assert_eq(ex_normal_equations(w, &b, x, y, N, D), 0);
    for (int j = 0; j < D; j++)
        cr_assert_float_eq(w[j], w_true[j], 1e-4 * fabs(w_true[j]) + 1e-3, "w[%d] = %g, expected %g", j, (double)w[j],
                           w_true[j]);
    cr_assert_float_eq(b, b_true, 0.5, "b = %g, expected %g", (double)b, b_true);
}

Test(ex01_3, singular_systems_return_minus_one) {
    // A duplicated column: every (w0, w1) with w0 + w1 = 3 fits y = 3x + 1 exactly, so
    // A^T A is singular and there is no single answer to return.
    enum { N = 20 };
    Rng rng;
    rng_seed(&rng, 4);
    float x[N * 2], y[N], w[2] = {7, 7}, b = 7;
    for (int i = 0; i < N; i++) {
        x[2 * i] = x[2 * i + 1] = (float)(30 + rng_int(&rng, 221));
        y[i] = 3.0f * x[2 * i] + 1.0f;
    }
    cr_assert_eq(ex_normal_equations(w, &b, x, y, N, 2), -1, "a duplicated column must give -1");
    // A constant column repeats the column of ones that carries the bias: 7 * 1.
    for (int i = 0; i < N; i++) x[2 * i + 1] = 7.0f;
    cr_assert_eq(ex_normal_equations(w, &b, x, y, N, 2), -1, "a constant column must give -1");
}
