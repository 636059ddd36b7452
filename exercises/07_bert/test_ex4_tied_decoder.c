// Grades exercise 07.4: the loss of a case worked by hand, then d_E and d_b against
// central finite differences: a gradient with only one of E's two uses fails here.
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "common/gradcheck.h"
#include "common/rng.h"

float ex_tied_loss_backward(const float *E, const float *b, const int *ids, const int *targets, int N, int V, int H,
                            float *d_E, float *d_b);

Test(ex07_4, loss_by_hand) {
    // V = 2, H = 1, E = (1, 2), b = 0; one position: id 0, target 1.
    // h = 1, logits = (1, 2): loss = log(e + e^2) - 2 = 0.3132617
    float E[2] = {1, 2}, b[2] = {0, 0}, dE[2] = {0, 0}, db[2] = {0, 0};
    int ids[1] = {0}, tgt[1] = {1};
    float L = ex_tied_loss_backward(E, b, ids, tgt, 1, 2, 1, dE, db);
    cr_assert_float_eq(L, 0.3132617f, 1e-5, "loss %g, expected 0.3132617", L);
    // p = (0.2689414, 0.7310586); d_logits = (0.2689414, -0.2689414)
    // decoder: d_E[v] += d_logits[v] * h = (0.2689, -0.2689); embedding: d_E[0] += sum_v d_logits[v] E[v] = -0.2689
    cr_assert_float_eq(dE[0], 0.2689414f - 0.2689414f, 1e-5, "d_E[0] = 0: the two uses cancel here, got %g", dE[0]);
    cr_assert_float_eq(dE[1], -0.2689414f, 1e-5, "d_E[1] = -0.2689414, got %g", dE[1]);
}

enum { N = 5, V = 7, H = 3 };
typedef struct {
    float *E, *b;
    const int *ids, *tgt;
} Ctx;

static double loss_fn(void *v) {
    Ctx *c = v;
    float dE[V * H], db[V];
    return ex_tied_loss_backward(c->E, c->b, c->ids, c->tgt, N, V, H, dE, db);
}

Test(ex07_4, gradient_matches_finite_differences) {
    Rng rng;
    rng_seed(&rng, 74);
    float E[V * H], b[V], dE[V * H] = {0}, db[V] = {0};
    for (int i = 0; i < V * H; i++) E[i] = rng_normal(&rng);
    for (int i = 0; i < V; i++) b[i] = 0.5f * rng_normal(&rng);
    int ids[N] = {0, 3, 3, 6, 1}, tgt[N] = {2, 3, 5, 0, 1};
    ex_tied_loss_backward(E, b, ids, tgt, N, V, H, dE, db);
    Ctx c = {E, b, ids, tgt};
    double eE = gradcheck(loss_fn, &c, E, dE, V * H), eb = gradcheck(loss_fn, &c, b, db, V);
    cr_assert_lt(eE, 1e-2, "d_E: max relative error %g (both uses of E must contribute)", eE);
    cr_assert_lt(eb, 1e-2, "d_b: max relative error %g", eb);
    float dE2[V * H];
    memcpy(dE2, dE, sizeof dE);
    float db2[V] = {0};
    ex_tied_loss_backward(E, b, ids, tgt, N, V, H, dE2, db2);
    cr_assert_float_eq(dE2[4], 2 * dE[4], 1e-6, "backward must add (+=) into d_E");
}
