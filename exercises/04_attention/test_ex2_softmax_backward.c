// Grades exercise 04.2: softmax backward by hand, against central finite differences
// (common/gradcheck.h, bound 1e-2), with a masked tail, and that it accumulates.
#include <criterion/criterion.h>
#include <string.h>

#include "chapters/04_attention/attention.h"
#include "common/gradcheck.h"
#include "common/rng.h"

void ex_softmax_backward(float *d_scores, const float *probs, const float *d_probs, int n);

Test(ex04_2, hand_computed) {
    // p = (0.5, 0.5), d_p = (1, 0): sum d_p p = 0.5; d_s = (0.5*(1-0.5), 0.5*(0-0.5)) = (0.25, -0.25)
    float p[2] = {0.5f, 0.5f}, d_p[2] = {1, 0}, d_s[2] = {0, 0};
    ex_softmax_backward(d_s, p, d_p, 2);
    cr_assert_float_eq(d_s[0], 0.25f, 1e-6, "d_s[0] = %g, expected 0.25", d_s[0]);
    cr_assert_float_eq(d_s[1], -0.25f, 1e-6, "d_s[1] = %g, expected -0.25", d_s[1]);
    ex_softmax_backward(d_s, p, d_p, 2);   // accumulates
    cr_assert_float_eq(d_s[0], 0.5f, 1e-6, "second call must add: d_s[0] = %g, expected 0.5", d_s[0]);
}

typedef struct {
    const float *s, *r;
    float *p;
    int n, visible;
} Ctx;

static double loss(void *vctx) {   // L = sum_j r_j softmax(s)_j, masked tail
    Ctx *c = vctx;
    attention_softmax_row(c->p, c->s, c->visible, c->n);
    return weighted_sum(c->p, c->r, (size_t)c->n);
}

Test(ex04_2, matches_finite_differences) {
    enum { N = 9 };
    Rng rng;
    rng_seed(&rng, 4);
    float s[N], r[N], p[N], d_s[N];
    for (int i = 0; i < N; i++) s[i] = 2 * rng_normal(&rng), r[i] = rng_normal(&rng);
    for (int visible = 6; visible <= N; visible += 3) {
        attention_softmax_row(p, s, visible, N);
        memset(d_s, 0, sizeof d_s);
        ex_softmax_backward(d_s, p, r, N);
        Ctx ctx = {s, r, p, N, visible};
        double err = gradcheck(loss, &ctx, s, d_s, N);
        cr_assert_lt(err, 1e-2, "%d visible keys: max relative error %g", visible, err);
    }
}
