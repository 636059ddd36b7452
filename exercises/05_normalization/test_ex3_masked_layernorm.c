// Grades exercise 05.3: masked layer norm. Real rows match layernorm_forward, padding
// rows are exactly 0, and the backward pass matches finite differences (bound 1e-2)
// while ignoring whatever upstream gradient sits on the padding.
#include <criterion/criterion.h>
#include <string.h>

#include "chapters/05_normalization/layernorm.h"
#include "common/gradcheck.h"
#include "common/rng.h"

void ex_layernorm_masked_forward(float *out, float *mean, float *rstd, const float *x,
                                 const int *mask, const float *gamma, const float *beta,
                                 int N, int C);
void ex_layernorm_masked_backward(float *d_x, float *d_gamma, float *d_beta,
                                  const float *d_out, const float *x, const float *mean,
                                  const float *rstd, const int *mask, const float *gamma,
                                  int N, int C);

enum { N = 6, C = 5 };
static const int mask[N] = {1, 1, 0, 1, 0, 0};
typedef struct {
    float x[N * C], g[C], b[C], r[N * C], out[N * C], mean[N], rstd[N];
} Ctx;

static double loss(void *v) {
    Ctx *c = v;
    ex_layernorm_masked_forward(c->out, c->mean, c->rstd, c->x, mask, c->g, c->b, N, C);
    return weighted_sum(c->out, c->r, N * C);
}

static void fill(Ctx *c) {
    Rng rng;
    rng_seed(&rng, 53);
    for (int i = 0; i < N * C; i++) c->x[i] = 2 * rng_normal(&rng), c->r[i] = rng_normal(&rng);
    for (int j = 0; j < C; j++) c->g[j] = 1 + 0.5f * rng_normal(&rng), c->b[j] = 0.5f + rng_normal(&rng);
}

Test(ex05_3, forward_real_rows_and_zero_padding) {
    Ctx c;
    memset(&c, 0, sizeof c);
    fill(&c);
    float ref[C], mu, rs;
    loss(&c);
    for (int i = 0; i < N; i++) {
        if (mask[i]) {
            layernorm_forward(ref, &mu, &rs, c.x + i * C, c.g, c.b, 1, C);
            for (int j = 0; j < C; j++)
                cr_assert_float_eq(c.out[i * C + j], ref[j], 1e-5, "real row %d col %d: %g, expected %g", i, j, c.out[i * C + j], ref[j]);
        } else {
            for (int j = 0; j < C; j++)
                cr_assert_eq(c.out[i * C + j], 0.0f, "padding row %d col %d must be exactly 0, got %g", i, j, c.out[i * C + j]);
        }
    }
}

Test(ex05_3, backward_matches_finite_differences) {
    Ctx c;
    memset(&c, 0, sizeof c);
    fill(&c);
    loss(&c);
    float d_x[N * C] = {0}, d_g[C] = {0}, d_b[C] = {0};
    ex_layernorm_masked_backward(d_x, d_g, d_b, c.r, c.x, c.mean, c.rstd, mask, c.g, N, C);
    double e1 = gradcheck(loss, &c, c.x, d_x, N * C);
    double e2 = gradcheck(loss, &c, c.g, d_g, C);
    double e3 = gradcheck(loss, &c, c.b, d_b, C);
    cr_assert_lt(e1, 1e-2, "d_x: max relative error %g", e1);
    cr_assert_lt(e2, 1e-2, "d_gamma: max relative error %g (padding rows must not contribute)", e2);
    cr_assert_lt(e3, 1e-2, "d_beta: max relative error %g (padding rows must not contribute)", e3);
    float nonzero = 0;
    for (int k = 0; k < N * C; k++) nonzero += d_x[k] != 0;
    cr_assert_gt(nonzero, 0, "d_x is all zero");
}
