// Grades exercise 05.2: the running mean/variance update, by hand and against the
// library's training-mode batchnorm_forward over several batches.
#include <criterion/criterion.h>

#include "chapters/05_normalization/batchnorm.h"
#include "common/rng.h"

void ex_batchnorm_update_running(float *running_mean, float *running_var, const float *x,
                                 int N, int C, float momentum);

Test(ex05_2, hand_computed) {
    // one column, batch {1, 3}: mean 2, biased var 1, unbiased var 2
    float x[2] = {1, 3}, rm = 0, rv = 1;
    ex_batchnorm_update_running(&rm, &rv, x, 2, 1, 0.1f);
    cr_assert_float_eq(rm, 0.2f, 1e-6, "running mean %g, expected 0.9*0 + 0.1*2 = 0.2", rm);
    cr_assert_float_eq(rv, 1.1f, 1e-6, "running var %g, expected 0.9*1 + 0.1*2 = 1.1 (UNBIASED var 2)", rv);
}

Test(ex05_2, matches_batchnorm_forward_over_steps) {
    enum { N = 5, C = 3 };
    Rng rng;
    rng_seed(&rng, 52);
    float rm[C] = {0}, rv[C] = {1, 1, 1}, ref_m[C] = {0}, ref_v[C] = {1, 1, 1};
    float x[N * C], g[C] = {1, 1, 1}, b[C] = {0}, out[N * C], mean[C], rstd[C];
    for (int step = 0; step < 4; step++) {
        for (int i = 0; i < N * C; i++) x[i] = 3 * rng_normal(&rng) + (float)step;
        ex_batchnorm_update_running(rm, rv, x, N, C, 0.3f);
        batchnorm_forward(out, mean, rstd, x, g, b, ref_m, ref_v, 0.3f, 1, N, C);
    }
    for (int c = 0; c < C; c++) {
        cr_assert_float_eq(rm[c], ref_m[c], 1e-4, "running mean[%d] %g, expected %g", c, rm[c], ref_m[c]);
        cr_assert_float_eq(rv[c], ref_v[c], 1e-3, "running var[%d] %g, expected %g", c, rv[c], ref_v[c]);
    }
}
