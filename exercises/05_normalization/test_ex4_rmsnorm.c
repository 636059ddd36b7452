// Grades exercise 05.4: RMSNorm forward by hand, backward against central finite
// differences (bound 1e-2), and accumulation.
#include <criterion/criterion.h>
#include <string.h>

#include "common/gradcheck.h"
#include "common/rng.h"

void ex_rmsnorm_forward(float *out, float *rrms, const float *x, const float *gamma, int N, int C);
void ex_rmsnorm_backward(float *d_x, float *d_gamma, const float *d_out, const float *x,
                         const float *rrms, const float *gamma, int N, int C);

Test(ex05_4, hand_computed_row) {
    // rms of {1,2,3} = sqrt(14/3) = 2.1602469: out = x / 2.1602469 (gamma = 1)
    float x[3] = {1, 2, 3}, g[3] = {1, 1, 1}, out[3] = {0}, r = 0;
    ex_rmsnorm_forward(out, &r, x, g, 1, 3);
    cr_assert_float_eq(out[0], 0.46291004f, 1e-5, "out[0] = %g, expected 1/sqrt(14/3) = 0.46291", out[0]);
    cr_assert_float_eq(out[2], 1.3887301f, 1e-5, "out[2] = %g, expected 3/sqrt(14/3) = 1.38873 (no mean subtracted!)", out[2]);
    cr_assert_float_eq(r, 0.46291004f, 1e-5, "rrms = %g", r);
}

enum { N = 4, C = 7 };
typedef struct {
    float x[N * C], g[C], r[N * C], out[N * C], rrms[N];
} Ctx;
static double loss(void *v) {
    Ctx *c = v;
    ex_rmsnorm_forward(c->out, c->rrms, c->x, c->g, N, C);
    return weighted_sum(c->out, c->r, N * C);
}

Test(ex05_4, backward_matches_finite_differences) {
    Ctx c;
    memset(&c, 0, sizeof c);
    Rng rng;
    rng_seed(&rng, 54);
    for (int i = 0; i < N * C; i++) c.x[i] = 1 + 2 * rng_normal(&rng), c.r[i] = rng_normal(&rng);
    for (int j = 0; j < C; j++) c.g[j] = 1 + 0.5f * rng_normal(&rng);
    loss(&c);
    float d_x[N * C] = {0}, d_g[C] = {0};
    ex_rmsnorm_backward(d_x, d_g, c.r, c.x, c.rrms, c.g, N, C);
    double e1 = gradcheck(loss, &c, c.x, d_x, N * C);
    double e2 = gradcheck(loss, &c, c.g, d_g, C);
    cr_assert_lt(e1, 1e-2, "d_x: max relative error %g", e1);
    cr_assert_lt(e2, 1e-2, "d_gamma: max relative error %g", e2);
    float before = d_x[0];
    ex_rmsnorm_backward(d_x, d_g, c.r, c.x, c.rrms, c.g, N, C);
    cr_assert_float_eq(d_x[0], 2 * before, 1e-5, "a second call must add (+=)");
}
