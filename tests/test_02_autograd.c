// tests/test_02_autograd.c: the scalar autograd of chapter 02 against hand-computed
// derivatives and central finite differences (in double, so the bounds are tight).
#define _POSIX_C_SOURCE 200809L   // fmemopen
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chapters/02_backprop/autograd.h"

// ---- hand-computed values ----------------------------------------------------------------

Test(ch02_autograd, reused_node_gets_both_contributions) {
    // f = x*x + x*y at x=2, y=3: f = 10, df/dx = 2x + y = 7, df/dy = x = 2.
    // x feeds three edges (twice into x*x, once into x*y); a backward pass that
    // assigned instead of accumulating would keep only the last edge it processed:
    // dx = 2 (from x*x) instead of 7.
    ValueArena g;
    ag_arena_init(&g, 16);
    Value *x = ag_new(&g, 2.0), *y = ag_new(&g, 3.0);
    Value *f = ag_add(&g, ag_mul(&g, x, x), ag_mul(&g, x, y));
    ag_backward(f);
    cr_assert_float_eq(f->data, 10.0, 1e-12);
    cr_assert_float_eq(x->grad, 7.0, 1e-12, "dx = %g, want 7", x->grad);
    cr_assert_float_eq(y->grad, 2.0, 1e-12, "dy = %g, want 2", y->grad);
    ag_arena_free(&g);
}

Test(ch02_autograd, square_of_a_node_is_2x) {
    ValueArena g;
    ag_arena_init(&g, 4);
    Value *x = ag_new(&g, -1.5);
    ag_backward(ag_mul(&g, x, x));
    cr_assert_float_eq(x->grad, -3.0, 1e-12);
    ag_arena_free(&g);
}

Test(ch02_autograd, neuron_by_hand) {
    // o = tanh(w x + b) with w = 0.5, x = 2, b = -1: w x + b = 0, o = 0, tanh'(0) = 1,
    // so do/dw = x = 2, do/dx = w = 0.5, do/db = 1.
    ValueArena g;
    ag_arena_init(&g, 8);
    Value *w = ag_new(&g, 0.5), *x = ag_new(&g, 2.0), *b = ag_new(&g, -1.0);
    Value *o = ag_tanh(&g, ag_add(&g, ag_mul(&g, w, x), b));
    ag_backward(o);
    cr_assert_float_eq(o->data, 0.0, 1e-12);
    cr_assert_float_eq(w->grad, 2.0, 1e-12);
    cr_assert_float_eq(x->grad, 0.5, 1e-12);
    cr_assert_float_eq(b->grad, 1.0, 1e-12);
    ag_arena_free(&g);
}

Test(ch02_autograd, each_op_local_derivative) {
    // One op at a time at a = 0.5, against d/da written out by hand.
    ValueArena g;
    ag_arena_init(&g, 64);
    struct { Value *(*op)(ValueArena *, Value *); double value, deriv; } cases[] = {
        {ag_exp, exp(0.5), exp(0.5)},
        {ag_log, log(0.5), 2.0},
        {ag_tanh, tanh(0.5), 1.0 - tanh(0.5) * tanh(0.5)},
        {ag_relu, 0.5, 1.0},
        {ag_neg, -0.5, -1.0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ag_arena_reset(&g);
        Value *a = ag_new(&g, 0.5);
        Value *out = cases[i].op(&g, a);
        ag_backward(out);
        cr_assert_float_eq(out->data, cases[i].value, 1e-12, "case %zu value", i);
        cr_assert_float_eq(a->grad, cases[i].deriv, 1e-12, "case %zu derivative", i);
    }
    ag_arena_reset(&g);
    Value *a = ag_new(&g, 0.5);
    Value *p = ag_pow(&g, a, 3.0);   // d(a^3)/da = 3 a^2 = 0.75
    ag_backward(p);
    cr_assert_float_eq(p->data, 0.125, 1e-12);
    cr_assert_float_eq(a->grad, 0.75, 1e-12);
    ag_arena_reset(&g);
    a = ag_new(&g, -0.5);
    ag_backward(ag_relu(&g, a));
    cr_assert_float_eq(a->grad, 0.0, 1e-12, "relu passes no gradient for a < 0");
    ag_arena_free(&g);
}

// ---- finite differences ------------------------------------------------------------------

typedef Value *(*BuildFn)(ValueArena *g, Value **in);

static double eval_at(BuildFn build, const double *x, int n) {
    ValueArena g;
    ag_arena_init(&g, 256);
    Value *in[8];
    for (int i = 0; i < n; i++) in[i] = ag_new(&g, x[i]);
    double out = build(&g, in)->data;
    ag_arena_free(&g);
    return out;
}

// Worst relative error of ag_backward's gradient against central differences.
static double check_expression(BuildFn build, const double *x0, int n) {
    ValueArena g;
    ag_arena_init(&g, 256);
    Value *in[8];
    for (int i = 0; i < n; i++) in[i] = ag_new(&g, x0[i]);
    ag_backward(build(&g, in));
    double worst = 0.0, x[8];
    memcpy(x, x0, (size_t)n * sizeof(double));
    for (int i = 0; i < n; i++) {
        const double h = 1e-6;
        x[i] = x0[i] + h;
        double plus = eval_at(build, x, n);
        x[i] = x0[i] - h;
        double minus = eval_at(build, x, n);
        x[i] = x0[i];
        double numeric = (plus - minus) / (2 * h), analytic = in[i]->grad;
        double rel = fabs(analytic - numeric) / fmax(fmax(fabs(analytic), fabs(numeric)), 1e-6);
        if (!(rel <= worst)) worst = rel;   // a NaN makes worst NaN, which fails the test
    }
    ag_arena_free(&g);
    return worst;
}

// f = x*x + x*y (the reused node again)
static Value *f_reuse(ValueArena *g, Value **v) {
    return ag_add(g, ag_mul(g, v[0], v[0]), ag_mul(g, v[0], v[1]));
}
// f = tanh(x*y + z) * exp(x)
static Value *f_tanh_exp(ValueArena *g, Value **v) {
    return ag_mul(g, ag_tanh(g, ag_add(g, ag_mul(g, v[0], v[1]), v[2])), ag_exp(g, v[0]));
}
// f = log(x^2 + 1) / (y - z) + z^-2
static Value *f_log_div_pow(ValueArena *g, Value **v) {
    Value *num = ag_log(g, ag_add(g, ag_pow(g, v[0], 2.0), ag_new(g, 1.0)));
    return ag_add(g, ag_div(g, num, ag_sub(g, v[1], v[2])), ag_pow(g, v[2], -2.0));
}
// f = relu(x - y) * relu(x + z)^3 - relu(-x)  (inputs chosen away from the kinks)
static Value *f_relu(ValueArena *g, Value **v) {
    Value *a = ag_relu(g, ag_sub(g, v[0], v[1]));
    Value *b = ag_pow(g, ag_relu(g, ag_add(g, v[0], v[2])), 3.0);
    return ag_sub(g, ag_mul(g, a, b), ag_relu(g, ag_neg(g, v[0])));
}
// A diamond with reuse on two levels: a = x*y; b = a + x; f = a*b + exp(b)*y
static Value *f_diamond(ValueArena *g, Value **v) {
    Value *a = ag_mul(g, v[0], v[1]);
    Value *b = ag_add(g, a, v[0]);
    return ag_add(g, ag_mul(g, a, b), ag_mul(g, ag_exp(g, b), v[1]));
}
// A 2-2-1 tanh network with a squared error: the whole training graph of ch02 in miniature.
static Value *f_tiny_mlp(ValueArena *g, Value **v) {
    // v: x0 x1 w00 w01 w10 w11 u0 u1
    Value *h0 = ag_tanh(g, ag_add(g, ag_mul(g, v[2], v[0]), ag_mul(g, v[3], v[1])));
    Value *h1 = ag_tanh(g, ag_add(g, ag_mul(g, v[4], v[0]), ag_mul(g, v[5], v[1])));
    Value *y = ag_add(g, ag_mul(g, v[6], h0), ag_mul(g, v[7], h1));
    return ag_pow(g, ag_sub(g, y, ag_new(g, 0.25)), 2.0);
}

Test(ch02_autograd, matches_finite_differences) {
    struct { const char *name; BuildFn f; int n; double x[8]; } cases[] = {
        {"x*x + x*y", f_reuse, 2, {2.0, 3.0}},
        {"tanh(x*y + z) * exp(x)", f_tanh_exp, 3, {0.3, -0.7, 0.2}},
        {"log(x^2+1)/(y-z) + z^-2", f_log_div_pow, 3, {1.3, 2.0, -0.6}},
        {"relu compositions", f_relu, 3, {0.9, 0.2, 0.4}},
        {"relu compositions, x<0", f_relu, 3, {-0.8, -1.5, 1.1}},
        {"diamond", f_diamond, 2, {0.7, -0.4}},
        {"tiny mlp", f_tiny_mlp, 8, {0.5, -1.0, 0.3, -0.2, 0.8, 0.1, -0.6, 0.9}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double err = check_expression(cases[i].f, cases[i].x, cases[i].n);
        cr_expect_lt(err, 1e-6, "%s: max relative error %g", cases[i].name, err);
    }
}

// ---- accumulation, marks, long graphs ----------------------------------------------------

Test(ch02_autograd, backward_twice_accumulates_and_zero_grad_resets) {
    ValueArena g;
    ag_arena_init(&g, 16);
    Value *in[2] = {ag_new(&g, 2.0), ag_new(&g, 3.0)};
    Value *f = f_reuse(&g, in);
    ag_backward(f);
    ag_backward(f);   // no zeroing: every grad is added again
    cr_assert_float_eq(in[0]->grad, 14.0, 1e-12, "got %g, want 2 * 7", in[0]->grad);
    cr_assert_float_eq(in[1]->grad, 4.0, 1e-12, "got %g, want 2 * 2", in[1]->grad);
    ag_zero_grad(&g);
    ag_backward(f);
    cr_assert_float_eq(in[0]->grad, 7.0, 1e-12);
    cr_assert_float_eq(in[1]->grad, 2.0, 1e-12);
    for (int i = 0; i < g.count; i++) {
        cr_assert_eq(g.nodes[i].visited, 0, "ag_backward left a mark on v%d", i);
        cr_assert_null(g.nodes[i].topo_next);
    }
    ag_arena_free(&g);
}

Test(ch02_autograd, long_chain_sums_every_use) {
    // f = x + x + ... + x (n terms): df/dx = n, and x is reached through n paths.
    enum { N = 5000 };
    ValueArena g;
    ag_arena_init(&g, N + 1);
    Value *x = ag_new(&g, 0.1), *f = x;
    for (int i = 1; i < N; i++) f = ag_add(&g, f, x);
    ag_backward(f);
    cr_assert_float_eq(x->grad, (double)N, 1e-9);
    cr_assert_float_eq(f->data, 0.1 * N, 1e-9);
    ag_arena_free(&g);
}

// A chain of a million nodes, deeper than any C stack could hold one frame per node:
// ag_backward's search keeps its own stack, so this runs (a recursive search crashed
// here with a stack overflow).
Test(ch02_autograd, million_node_chain_does_not_overflow_the_stack) {
    enum { N = 1000000 };
    ValueArena g;
    ag_arena_init(&g, N + 1);
    Value *x = ag_new(&g, 1e-6), *f = x;
    for (int i = 1; i < N; i++) f = ag_add(&g, f, x);
    ag_backward(f);
    cr_assert_float_eq(x->grad, (double)N, 1e-6);
    cr_assert_eq(g.count, N);   // x and N-1 additions
    ag_arena_free(&g);
}

Test(ch02_autograd, print_graph_names_ops_and_children) {
    ValueArena g;
    ag_arena_init(&g, 8);
    Value *x = ag_new(&g, 2.0), *y = ag_new(&g, 3.0);
    x->label = "x";
    ag_backward(ag_mul(&g, x, y));
    char buf[512] = {0};
    FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
    cr_assert_not_null(f);
    ag_print_graph(f, &g);
    fclose(f);
    cr_assert_not_null(strstr(buf, "v0 = leaf [x]"), "got:\n%s", buf);
    cr_assert_not_null(strstr(buf, "v2 = mul(v0, v1)   data 6   grad 1"), "got:\n%s", buf);
    ag_arena_free(&g);
}

// ---- clear errors --------------------------------------------------------------------------

Test(ch02_autograd, full_arena_stops_with_a_message, .exit_code = 1) {
    ValueArena g;
    ag_arena_init(&g, 2);
    Value *x = ag_new(&g, 1.0);
    ag_mul(&g, x, x);
    ag_mul(&g, x, x);   // the third node does not fit
}

Test(ch02_autograd, log_of_nonpositive_stops, .exit_code = 1) {
    ValueArena g;
    ag_arena_init(&g, 4);
    ag_log(&g, ag_new(&g, -1.0));
}
