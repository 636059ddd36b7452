// exercises/02_backprop/test_ex5_autograd_ops.c: grades exercise 02.5 by building graphs
// with the learner's ex_ag_mul and ex_ag_tanh and checking ag_backward's gradients.
#include <criterion/criterion.h>
#include <math.h>

#include "chapters/02_backprop/autograd.h"

Value *ex_ag_mul(ValueArena *g, Value *a, Value *b);
Value *ex_ag_tanh(ValueArena *g, Value *a);

Test(ex02_5, mul_with_a_reused_node) {
    // f = x*x + x*y at x = 2, y = 3: df/dx = 2x + y = 7, df/dy = x = 2.
    ValueArena g;
    ag_arena_init(&g, 16);
    Value *x = ag_new(&g, 2.0), *y = ag_new(&g, 3.0);
    Value *f = ag_add(&g, ex_ag_mul(&g, x, x), ex_ag_mul(&g, x, y));
    ag_backward(f);
    cr_expect_float_eq(f->data, 10.0, 1e-12);
    cr_expect_float_eq(x->grad, 7.0, 1e-12, "df/dx = %g, want 7", x->grad);
    cr_expect_float_eq(y->grad, 2.0, 1e-12, "df/dy = %g, want 2", y->grad);
    ag_arena_free(&g);
}

// o = tanh(w1 x1 + w2 x2 + b), a neuron
static Value *neuron(ValueArena *g, Value **v) {
    Value *s = ag_add(g, ag_add(g, ex_ag_mul(g, v[0], v[1]), ex_ag_mul(g, v[2], v[3])), v[4]);
    return ex_ag_tanh(g, s);
}

static double neuron_at(const double *p) {
    ValueArena g;
    ag_arena_init(&g, 16);
    Value *v[5];
    for (int i = 0; i < 5; i++) v[i] = ag_new(&g, p[i]);
    double out = neuron(&g, v)->data;
    ag_arena_free(&g);
    return out;
}

Test(ex02_5, neuron_matches_finite_differences) {
    double p[5] = {0.7, -1.2, -0.4, 0.9, 0.3};   // w1 x1 w2 x2 b
    ValueArena g;
    ag_arena_init(&g, 16);
    Value *v[5];
    for (int i = 0; i < 5; i++) v[i] = ag_new(&g, p[i]);
    ag_backward(neuron(&g, v));
    for (int i = 0; i < 5; i++) {
        const double h = 1e-6;
        double q[5];
        for (int k = 0; k < 5; k++) q[k] = p[k];
        q[i] = p[i] + h;
        double plus = neuron_at(q);
        q[i] = p[i] - h;
        double numeric = (plus - neuron_at(q)) / (2 * h);
        cr_expect_float_eq(v[i]->grad, numeric, 1e-6, "input %d: autograd %g, finite differences %g", i,
                           v[i]->grad, numeric);
    }
    ag_arena_free(&g);
}
