// exercises/02_backprop/test_ex1_tanh_backward.c: grades exercise 02.1 against central
// finite differences (common/gradcheck.h) and checks that it accumulates.
#include <criterion/criterion.h>
#include <math.h>

#include "common/gradcheck.h"
#include "common/rng.h"

void ex_tanh_backward(float *d_x, const float *d_y, const float *y, int n);

enum { N = 20 };
typedef struct {
    float x[N], y[N], r[N];
} Ctx;

// L = sum_i tanh(x_i) r_i, so dL/dy = r.
static double loss(void *p) {
    Ctx *c = p;
    for (int i = 0; i < N; i++) c->y[i] = tanhf(c->x[i]);
    return weighted_sum(c->y, c->r, N);
}

static void setup(Ctx *c) {
    Rng rng;
    rng_seed(&rng, 21);
    for (int i = 0; i < N; i++) {
        c->x[i] = 1.5f * rng_normal(&rng);
        c->r[i] = rng_normal(&rng);
    }
    loss(c);
}

Test(ex02_1, tanh_backward_matches_finite_differences) {
    Ctx c;
    setup(&c);
    float y[N], d_x[N] = {0};
    for (int i = 0; i < N; i++) y[i] = c.y[i];
    ex_tanh_backward(d_x, c.r, y, N);
    double err = gradcheck(loss, &c, c.x, d_x, N);
    cr_assert_lt(err, 1e-2, "max relative error %g (want < 1e-2): is tanh'(x) right?", err);
}

Test(ex02_1, tanh_backward_accumulates) {
    Ctx c;
    setup(&c);
    float d_x[N];
    for (int i = 0; i < N; i++) d_x[i] = 1.0f;   // a gradient that was already there
    ex_tanh_backward(d_x, c.r, c.y, N);
    for (int i = 0; i < N; i++) {
        float grad = c.r[i] * (1.0f - c.y[i] * c.y[i]), want = 1.0f + grad;
        // Say which of the likely answers was found: nothing added, overwritten, or other.
        const char *why = fabsf(d_x[i] - 1.0f) < 1e-6f ? "d_x was left unchanged: nothing was added"
                          : fabsf(d_x[i] - grad) < 1e-5f ? "the old value 1 was overwritten: use += instead of ="
                                                          : "check tanh'(x) = 1 - y^2 and the +=";
        cr_assert_float_eq(d_x[i], want, 1e-5, "d_x[%d]: expected 1 (already there) + %g = %g, found %g (%s)", i,
                           grad, want, d_x[i], why);
    }
}
