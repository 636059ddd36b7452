// Grades exercise 05.1: batch norm backward (training mode) against central finite
// differences of the library's batchnorm_forward (common/gradcheck.h, bound 1e-2),
// and checks that it accumulates.
#include <criterion/criterion.h>
#include <string.h>

#include "chapters/05_normalization/batchnorm.h"
#include "common/gradcheck.h"
#include "common/rng.h"

void ex_batchnorm_backward(float *d_x, float *d_gamma, float *d_beta, const float *d_out,
                           const float *x, const float *mean, const float *rstd,
                           const float *gamma, int N, int C);

enum { N = 6, C = 4 };
typedef struct {
    float x[N * C], g[C], b[C], r[N * C], out[N * C], mean[C], rstd[C];
} Ctx;

static double loss(void *v) {
    Ctx *c = v;
    batchnorm_forward(c->out, c->mean, c->rstd, c->x, c->g, c->b, NULL, NULL, 0.1f, 1, N, C);
    return weighted_sum(c->out, c->r, N * C);
}

Test(ex05_1, matches_finite_differences_and_accumulates) {
    Ctx c;
    memset(&c, 0, sizeof c);
    Rng rng;
    rng_seed(&rng, 51);
    for (int i = 0; i < N * C; i++) c.x[i] = 2 * rng_normal(&rng) + 1, c.r[i] = rng_normal(&rng);
    for (int j = 0; j < C; j++) c.g[j] = 1 + 0.5f * rng_normal(&rng), c.b[j] = rng_normal(&rng);
    loss(&c);
    float d_x[N * C] = {0}, d_g[C] = {0}, d_b[C] = {0};
    ex_batchnorm_backward(d_x, d_g, d_b, c.r, c.x, c.mean, c.rstd, c.g, N, C);
    double e1 = gradcheck(loss, &c, c.x, d_x, N * C);
    double e2 = gradcheck(loss, &c, c.g, d_g, C);
    double e3 = gradcheck(loss, &c, c.b, d_b, C);
    cr_assert_lt(e1, 1e-2, "d_x: max relative error %g (expected < 1e-2)", e1);
    cr_assert_lt(e2, 1e-2, "d_gamma: max relative error %g", e2);
    cr_assert_lt(e3, 1e-2, "d_beta: max relative error %g", e3);
    float d_x2[N * C], d_b2[C];
    memcpy(d_x2, d_x, sizeof d_x), memcpy(d_b2, d_b, sizeof d_b);
    ex_batchnorm_backward(d_x2, d_g, d_b2, c.r, c.x, c.mean, c.rstd, c.g, N, C);
    cr_assert_float_eq(d_x2[0], 2 * d_x[0], 1e-5, "a second call must add (+=): d_x[0] %g, expected %g", d_x2[0], 2 * d_x[0]);
    cr_assert_float_eq(d_b2[0], 2 * d_b[0], 1e-5, "a second call must add (+=) to d_beta");
}
