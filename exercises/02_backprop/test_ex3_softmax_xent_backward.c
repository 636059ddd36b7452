// exercises/02_backprop/test_ex3_softmax_xent_backward.c: grades exercise 02.3 by hand
// values and against central finite differences of the book's softmax_xent_forward.
#include <criterion/criterion.h>

#include "chapters/02_backprop/layers.h"
#include "common/gradcheck.h"
#include "common/rng.h"

void ex_softmax_xent_backward(float *d_logits, const float *probs, const int *targets, int B, int C);

Test(ex02_3, one_row_by_hand) {
    // logits [1,2,3], target 2, B = 1: p = [0.0900306, 0.2447285, 0.6652410],
    // gradient p - onehot = [0.0900306, 0.2447285, -0.3347590].
    float z[3] = {1, 2, 3}, p[3], d[3] = {0};
    int t = 2;
    softmax_xent_forward(p, z, &t, 1, 3);
    ex_softmax_xent_backward(d, p, &t, 1, 3);
    cr_expect_float_eq(d[0], 0.0900306f, 1e-6, "d[0] = %g", d[0]);
    cr_expect_float_eq(d[1], 0.2447285f, 1e-6, "d[1] = %g", d[1]);
    cr_expect_float_eq(d[2], -0.3347590f, 1e-6, "d[2] = %g", d[2]);
}

enum { B = 4, C = 6 };
typedef struct {
    float logits[B * C], probs[B * C];
    int targets[B];
} Ctx;

static double loss(void *p) {
    Ctx *c = p;
    return softmax_xent_forward(c->probs, c->logits, c->targets, B, C);
}

Test(ex02_3, batch_matches_finite_differences) {
    Rng rng;
    rng_seed(&rng, 23);
    Ctx c;
    for (int i = 0; i < B * C; i++) c.logits[i] = 2.0f * rng_normal(&rng);
    for (int i = 0; i < B; i++) c.targets[i] = rng_int(&rng, C);
    loss(&c);
    float d[B * C] = {0};
    ex_softmax_xent_backward(d, c.probs, c.targets, B, C);
    double err = gradcheck(loss, &c, c.logits, d, B * C);
    cr_assert_lt(err, 1e-2, "max relative error %g (want < 1e-2); did you divide by B?", err);
}

Test(ex02_3, accumulates) {
    float z[3] = {1, 2, 3}, p[3], d[3] = {1, 1, 1};
    int t = 0;
    softmax_xent_forward(p, z, &t, 1, 3);
    ex_softmax_xent_backward(d, p, &t, 1, 3);
    cr_assert_float_eq(d[0], 1.0f + 0.0900306f - 1.0f, 1e-6, "d[0] = %g: use += (the old value is 1)", d[0]);
    cr_assert_float_eq(d[2], 1.0f + 0.6652410f, 1e-6, "d[2] = %g: use +=", d[2]);
}
