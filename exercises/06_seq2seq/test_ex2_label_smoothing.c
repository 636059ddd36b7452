// Grades exercise 06.2: the loss by hand, eps = 0 against plain cross-entropy, the
// gradient against central finite differences, and that it accumulates.
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "common/gradcheck.h"
#include "common/rng.h"

float ex_smoothed_xent_row(float *d_logits, const float *z, int y, float eps, int V);

Test(ex06_2, loss_by_hand) {
    // z = (2, 0), y = 0, eps = 0.2: 0.8 * 0.1269280 + 0.2 * (0.1269280 + 2.1269280) / 2
    float z[2] = {2, 0}, d[2] = {0, 0};
    float L = ex_smoothed_xent_row(d, z, 0, 0.2f, 2);
    cr_assert_float_eq(L, 0.3269280f, 1e-5, "loss %g, expected 0.3269280", L);
    float z0[3] = {1, 2, 3}, d0[3] = {0};
    float L0 = ex_smoothed_xent_row(d0, z0, 2, 0.0f, 3);   // eps = 0: -log softmax(z)_2
    cr_assert_float_eq(L0, 0.4076059f, 1e-5, "eps = 0: loss %g, expected -log p_2 = 0.4076059", L0);
    float big[2] = {1000, 0}, dbig[2] = {0};
    float Lbig = ex_smoothed_xent_row(dbig, big, 1, 0.1f, 2);
    cr_assert(isfinite(Lbig), "logit 1000 must not overflow the loss");
    cr_assert(isfinite(dbig[0]) && isfinite(dbig[1]), "logit 1000 must not overflow the gradient (p computed stably?)");
    cr_assert_float_eq(dbig[0], 1.0f - 0.05f, 1e-5, "d_logits[0] = p_0 - q_0 = 1 - 0.05, got %g", dbig[0]);
}

typedef struct {
    float *z, *scratch;
    int y, V;
    float eps;
} Ctx;
static double loss_fn(void *v) {
    Ctx *c = v;
    memset(c->scratch, 0, sizeof(float) * c->V);
    return ex_smoothed_xent_row(c->scratch, c->z, c->y, c->eps, c->V);
}

Test(ex06_2, gradient_matches_finite_differences_and_accumulates) {
    enum { V = 7 };
    Rng rng;
    rng_seed(&rng, 62);
    float z[V], d[V] = {0}, scratch[V];
    for (int k = 0; k < V; k++) z[k] = 2 * rng_normal(&rng);
    ex_smoothed_xent_row(d, z, 4, 0.1f, V);
    Ctx c = {z, scratch, 4, V, 0.1f};
    double err = gradcheck(loss_fn, &c, z, d, V);
    cr_assert_lt(err, 1e-2, "gradient: max relative error %g", err);
    float twice[V];
    memcpy(twice, d, sizeof d);
    ex_smoothed_xent_row(twice, z, 4, 0.1f, V);
    for (int k = 0; k < V; k++) cr_assert_float_eq(twice[k], 2 * d[k], 1e-6, "d_logits[%d] was overwritten, not added to", k);
}
