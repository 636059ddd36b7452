// exercises/02_backprop/test_ex2_linear_backward.c: grades exercise 02.2 against central
// finite differences of the book's linear_forward, and checks += and NULL handling.
#include <criterion/criterion.h>
#include <string.h>

#include "chapters/02_backprop/layers.h"
#include "common/gradcheck.h"
#include "common/rng.h"

void ex_linear_backward(float *d_x, float *d_W, float *d_b, const float *d_y, const float *x,
                        const float *W, int B, int In, int Out);

enum { B = 3, IN = 4, OUT = 5 };   // all different, so a swapped index shows
typedef struct {
    float x[B * IN], W[OUT * IN], b[OUT], y[B * OUT], r[B * OUT];
} Ctx;

// L = sum y * r for a fixed random r, so dL/dy = r.
static double loss(void *p) {
    Ctx *c = p;
    linear_forward(c->y, c->x, c->W, c->b, B, IN, OUT);
    return weighted_sum(c->y, c->r, B * OUT);
}

static void setup(Ctx *c) {
    Rng rng;
    rng_seed(&rng, 22);
    for (int i = 0; i < B * IN; i++) c->x[i] = rng_normal(&rng);
    for (int i = 0; i < OUT * IN; i++) c->W[i] = rng_normal(&rng);
    for (int i = 0; i < OUT; i++) c->b[i] = rng_normal(&rng);
    for (int i = 0; i < B * OUT; i++) c->r[i] = rng_normal(&rng);
}

Test(ex02_2, linear_backward_matches_finite_differences) {
    Ctx c;
    setup(&c);
    float d_x[B * IN] = {0}, d_W[OUT * IN] = {0}, d_b[OUT] = {0};
    ex_linear_backward(d_x, d_W, d_b, c.r, c.x, c.W, B, IN, OUT);
    double ex = gradcheck(loss, &c, c.x, d_x, B * IN);
    double eW = gradcheck(loss, &c, c.W, d_W, OUT * IN);
    double eb = gradcheck(loss, &c, c.b, d_b, OUT);
    cr_expect_lt(ex, 1e-2, "d_x: max relative error %g (want < 1e-2), eq. (2.5)", ex);
    cr_expect_lt(eW, 1e-2, "d_W: max relative error %g (want < 1e-2), eq. (2.6)", eW);
    cr_expect_lt(eb, 1e-2, "d_b: max relative error %g (want < 1e-2), eq. (2.7)", eb);
}

// Every gradient buffer starts at 1, so a version that overwrites (=) instead of adding
// (+=) fails; and each of d_x, d_W, d_b is passed as NULL once, as the stub allows.
Test(ex02_2, linear_backward_accumulates_and_skips_null) {
    Ctx c;
    setup(&c);
    float ref_x[B * IN] = {0}, ref_W[OUT * IN] = {0}, ref_b[OUT] = {0};
    linear_backward(ref_x, ref_W, ref_b, c.r, c.x, c.W, B, IN, OUT);   // the book's version
    float d_x[B * IN], d_W[OUT * IN], d_b[OUT];
    for (int i = 0; i < B * IN; i++) d_x[i] = 1.0f;
    for (int i = 0; i < OUT * IN; i++) d_W[i] = 1.0f;
    for (int i = 0; i < OUT; i++) d_b[i] = 1.0f;
    ex_linear_backward(NULL, d_W, NULL, c.r, c.x, c.W, B, IN, OUT);   // first layer: no d_x
    ex_linear_backward(NULL, NULL, d_b, c.r, c.x, c.W, B, IN, OUT);   // only the bias
    ex_linear_backward(d_x, NULL, NULL, c.r, c.x, c.W, B, IN, OUT);   // only the input
    for (int i = 0; i < B * IN; i++)
        cr_assert_float_eq(d_x[i], 1.0f + ref_x[i], 1e-4, "d_x[%d] = %g, want 1 + %g: use +=", i, d_x[i], ref_x[i]);
    for (int i = 0; i < OUT * IN; i++)
        cr_assert_float_eq(d_W[i], 1.0f + ref_W[i], 1e-4, "d_W[%d] = %g, want 1 + %g: use +=", i, d_W[i], ref_W[i]);
    for (int i = 0; i < OUT; i++)
        cr_assert_float_eq(d_b[i], 1.0f + ref_b[i], 1e-4, "d_b[%d] = %g, want 1 + %g: use +=", i, d_b[i], ref_b[i]);
}
