// tests/test_02_optim.c: chapter 02's optimisers. One step of each computed by hand,
// Adam's bias correction, AdamW's decoupled decay, gradient clipping, and each
// optimiser minimising an ill-conditioned quadratic.
#include <criterion/criterion.h>
#include <math.h>

#include "chapters/02_backprop/optim.h"

// One tensor of n entries with a grad buffer, in a one-item list.
typedef struct {
    Tensor w;
    TensorList list;
} OneParam;

static void one_param(OneParam *p, const float *w0, const float *g, int n) {
    tensor_alloc(&p->w, "w", 1, 1, n);
    for (int i = 0; i < n; i++) {
        p->w.data[i] = w0[i];
        p->w.grad[i] = g ? g[i] : 0.0f;
    }
    p->list = (TensorList){0};
    tensorlist_add(&p->list, &p->w);
}

static void one_param_free(OneParam *p) {
    tensorlist_free(&p->list);
    tensor_free(&p->w);
}

// ---- one step by hand -------------------------------------------------------------------

Test(ch02_optim, sgd_step_by_hand) {
    OneParam p;
    one_param(&p, (float[]){1, -2}, (float[]){0.5f, 0.5f}, 2);
    sgd_step(&p.list, 0.1f, 0.0f);                  // w -= 0.1 * g
    cr_assert_float_eq(p.w.data[0], 0.95f, 1e-7);
    cr_assert_float_eq(p.w.data[1], -2.05f, 1e-7);
    cr_assert_float_eq(p.w.grad[0], 0.5f, 0, "steps never touch the gradient");
    one_param_free(&p);
    one_param(&p, (float[]){1, -2}, (float[]){0.5f, 0.5f}, 2);
    sgd_step(&p.list, 0.1f, 0.1f);                  // w -= 0.1 * (g + 0.1 w)
    cr_assert_float_eq(p.w.data[0], 1 - 0.1f * (0.5f + 0.1f), 1e-7);   // 0.94
    cr_assert_float_eq(p.w.data[1], -2 - 0.1f * (0.5f - 0.2f), 1e-7);  // -2.03
    one_param_free(&p);
}

Test(ch02_optim, momentum_two_steps_by_hand) {
    // g = 1 both steps, lr 0.1, mu 0.9: v1 = 1, w1 = 0.9; v2 = 0.9 + 1 = 1.9, w2 = 0.71.
    OneParam p;
    one_param(&p, (float[]){1}, (float[]){1}, 1);
    Momentum opt;
    momentum_init(&opt, &p.list, 0.1f, 0.9f, 0.0f);
    momentum_step(&opt, &p.list);
    cr_assert_float_eq(p.w.data[0], 0.9f, 1e-7);
    momentum_step(&opt, &p.list);
    cr_assert_float_eq(opt.velocity[0][0], 1.9f, 1e-6);
    cr_assert_float_eq(p.w.data[0], 0.71f, 1e-6, "w2 = %g", p.w.data[0]);
    momentum_free(&opt);
    one_param_free(&p);
}

Test(ch02_optim, adam_first_step_is_lr_times_sign_of_gradient) {
    // At t = 1, bias correction gives m_hat = g and v_hat = g^2 exactly, so the step
    // is lr * g / (|g| + eps) = lr * sign(g) whatever the size of g. Without the
    // correction it would be lr * 0.1 g / sqrt(0.001 g^2) ~= 3.16 lr * sign(g).
    float w0[4] = {1, -1, 0.5f, 2}, g[4] = {0.3f, -200, 1e-3f, -1e-2f};
    OneParam p;
    one_param(&p, w0, g, 4);
    Adam opt;
    adam_init(&opt, &p.list, 0.01f, 0.9f, 0.999f, 1e-8f, 0.0f);
    adam_step(&opt, &p.list);
    cr_assert_eq(opt.t, 1);
    for (int i = 0; i < 4; i++) {
        float moved = w0[i] - p.w.data[i], want = 0.01f * (g[i] > 0 ? 1.0f : -1.0f);
        cr_assert_float_eq(moved, want, 1e-6, "w[%d] moved by %g, want %g", i, moved, want);
    }
    adam_free(&opt);
    one_param_free(&p);
}

Test(ch02_optim, adam_second_step_by_hand) {
    // g1 = 1, g2 = 0.5, lr 0.1, b1 0.9, b2 0.999:
    //   m2 = 0.14, v2 = 0.001249, m_hat = 0.14/0.19 = 0.7368421, v_hat = 0.001249/0.001999
    //   = 0.6248124, step = 0.1 * 0.7368421 / sqrt(0.6248124) = 0.0932180
    //   w: 1 -> 0.9 -> 0.8067820
    OneParam p;
    one_param(&p, (float[]){1}, (float[]){1}, 1);
    Adam opt;
    adam_init(&opt, &p.list, 0.1f, 0.9f, 0.999f, 1e-8f, 0.0f);
    adam_step(&opt, &p.list);
    cr_assert_float_eq(p.w.data[0], 0.9f, 1e-6);
    p.w.grad[0] = 0.5f;
    adam_step(&opt, &p.list);
    cr_assert_float_eq(opt.m[0][0], 0.14f, 1e-6);
    cr_assert_float_eq(opt.v[0][0], 0.001249f, 2e-7);   // 1 - 0.999f is 1.00005e-3 in float
    cr_assert_float_eq(p.w.data[0], 0.8067820f, 1e-6, "w2 = %.7f", p.w.data[0]);
    adam_free(&opt);
    one_param_free(&p);
}

Test(ch02_optim, adamw_decay_is_decoupled) {
    // With g = 0 the adaptive term is 0/(0 + eps) = 0 and only the decay acts:
    // w -= lr * wd * w = 2 - 0.1 * 0.5 * 2 = 1.9. (Coupled L2 in Adam would add
    // wd*w to g, and then the adaptive scaling would turn it into a step of ~lr.)
    OneParam p;
    one_param(&p, (float[]){2, -4}, NULL, 2);
    Adam opt;
    adam_init(&opt, &p.list, 0.1f, 0.9f, 0.999f, 1e-8f, 0.5f);
    adam_step(&opt, &p.list);
    cr_assert_float_eq(p.w.data[0], 1.9f, 1e-6, "w = %g", p.w.data[0]);
    cr_assert_float_eq(p.w.data[1], -3.8f, 1e-6);
    adam_free(&opt);
    one_param_free(&p);
    // With a gradient, the first step is the decay plus lr * sign(g).
    one_param(&p, (float[]){2}, (float[]){3}, 1);
    adam_init(&opt, &p.list, 0.1f, 0.9f, 0.999f, 1e-8f, 0.5f);
    adam_step(&opt, &p.list);
    cr_assert_float_eq(p.w.data[0], 2 - 0.1f - 0.1f, 1e-6, "w = %g", p.w.data[0]);
    adam_free(&opt);
    one_param_free(&p);
}

Test(ch02_optim, adamw_skips_1d_tensors_when_asked) {
    // a matrix and a bias, g = 0: only the decay acts, and only on the matrix
    Tensor w, b;
    tensor_alloc(&w, "w", 1, 2, 1, 2), tensor_alloc(&b, "b", 1, 1, 2);
    w.data[0] = 2, w.data[1] = -4, b.data[0] = 2, b.data[1] = -4;
    TensorList list = {0};
    tensorlist_add(&list, &w), tensorlist_add(&list, &b);
    Adam opt;
    adam_init(&opt, &list, 0.1f, 0.9f, 0.999f, 1e-8f, 0.5f);
    adam_exclude_1d_from_decay(&opt, &list);
    adam_step(&opt, &list);
    cr_assert_float_eq(w.data[0], 1.9f, 1e-6, "w = %g", w.data[0]);
    cr_assert_float_eq(w.data[1], -3.8f, 1e-6);
    cr_assert(b.data[0] == 2 && b.data[1] == -4, "the bias decayed: %g %g", b.data[0], b.data[1]);
    adam_free(&opt);
    tensorlist_free(&list);
    tensor_free(&w), tensor_free(&b);
}

// Per-tensor learning rates (parameter groups): the first step moves each weight by
// lr * scale (Adam's first step is lr * sign(g)), and the decay is scaled with it.
Test(ch02_optim, lr_scale_scales_the_step_and_the_decay) {
    Tensor a, b, c;
    tensor_alloc(&a, "a", 1, 2, 1, 2), tensor_alloc(&b, "b", 1, 2, 1, 2), tensor_alloc(&c, "c", 1, 2, 1, 2);
    TensorList list = {0};
    Tensor *all[] = {&a, &b, &c};
    for (int k = 0; k < 3; k++) {
        all[k]->data[0] = 1, all[k]->data[1] = -1, all[k]->grad[0] = 3, all[k]->grad[1] = -5;
        tensorlist_add(&list, all[k]);
    }
    Adam opt;
    adam_init(&opt, &list, 0.1f, 0.9f, 0.999f, 1e-8f, 0.5f);
    adam_set_lr_scale(&opt, 1, 0.25f);
    adam_set_lr_scale(&opt, 2, 0.0f);   // frozen by its rate
    adam_step(&opt, &list);
    // a: decay 1 - 0.1 * 0.5 = 0.95, then -0.1 sign(g)
    cr_assert_float_eq(a.data[0], 0.95f - 0.1f, 1e-6, "a[0] = %g", a.data[0]);
    cr_assert_float_eq(a.data[1], -0.95f + 0.1f, 1e-6, "a[1] = %g", a.data[1]);
    // b: lr 0.025: decay 1 - 0.0125, then -0.025 sign(g)
    cr_assert_float_eq(b.data[0], 0.9875f - 0.025f, 1e-6, "b[0] = %g", b.data[0]);
    cr_assert_float_eq(b.data[1], -0.9875f + 0.025f, 1e-6, "b[1] = %g", b.data[1]);
    cr_assert(c.data[0] == 1 && c.data[1] == -1, "a scale of 0 moved c: %g %g", c.data[0], c.data[1]);
    cr_assert_float_eq(opt.lr, 0.1f, 0, "the base rate is unchanged");
    adam_free(&opt);
    tensorlist_free(&list);
    tensor_free(&a), tensor_free(&b), tensor_free(&c);
}

Test(ch02_optim, frozen_tensor_without_grad_is_skipped) {
    Tensor a, frozen;
    tensor_alloc(&a, "a", 1, 1, 2);
    tensor_alloc(&frozen, "frozen", 0, 1, 2);
    a.data[0] = frozen.data[0] = 1;
    a.grad[0] = 1;
    TensorList list = {0};
    tensorlist_add(&list, &a);
    tensorlist_add(&list, &frozen);
    Adam opt;
    adam_init(&opt, &list, 0.1f, 0.9f, 0.999f, 1e-8f, 0.1f);
    adam_step(&opt, &list);
    sgd_step(&list, 0.1f, 0.1f);
    cr_assert_float_eq(frozen.data[0], 1.0f, 0);
    cr_assert_lt(a.data[0], 1.0f);
    cr_assert_float_eq(clip_grad_norm(&list, 10), 1.0f, 1e-7);
    adam_free(&opt);
    tensorlist_free(&list);
    tensor_free(&a);
    tensor_free(&frozen);
}

Test(ch02_optim, step_with_a_different_list_stops, .exit_code = 1) {
    OneParam p;
    one_param(&p, (float[]){1}, (float[]){1}, 1);
    Adam opt;
    adam_init(&opt, &p.list, 0.1f, 0.9f, 0.999f, 1e-8f, 0.0f);
    tensorlist_add(&p.list, &p.w);   // now 2 tensors, the optimiser has state for 1
    adam_step(&opt, &p.list);
}

// ---- clipping -----------------------------------------------------------------------------

Test(ch02_optim, clip_grad_norm_global_norm_and_scaling) {
    // Two tensors with grads [3, 0] and [4]: global norm 5.
    Tensor a, b;
    tensor_alloc(&a, "a", 1, 1, 2);
    tensor_alloc(&b, "b", 1, 1, 1);
    a.grad[0] = 3;
    b.grad[0] = 4;
    TensorList list = {0};
    tensorlist_add(&list, &a);
    tensorlist_add(&list, &b);
    float norm = clip_grad_norm(&list, 10.0f);   // below the limit: untouched
    cr_assert_float_eq(norm, 5.0f, 1e-6);
    cr_assert_float_eq(a.grad[0], 3.0f, 0);
    norm = clip_grad_norm(&list, 1.0f);           // scaled by 1/5, direction kept
    cr_assert_float_eq(norm, 5.0f, 1e-6, "returns the norm BEFORE clipping");
    cr_assert_float_eq(a.grad[0], 0.6f, 1e-6);
    cr_assert_float_eq(a.grad[1], 0.0f, 0);
    cr_assert_float_eq(b.grad[0], 0.8f, 1e-6);
    cr_assert_float_eq(clip_grad_norm(&list, 1.0f), 1.0f, 1e-6);
    tensorlist_free(&list);
    tensor_free(&a);
    tensor_free(&b);
}

// ---- minimising a quadratic -----------------------------------------------------------------
// L(w) = 1/2 sum_i a_i (w_i - c_i)^2, curvatures a_i from 0.5 to 10 (condition number 20),
// minimum L = 0 at w = c. dL/dw_i = a_i (w_i - c_i).

enum { QN = 4 };
static const float quad_a[QN] = {1, 4, 10, 0.5f}, quad_c[QN] = {1, -2, 0.5f, 3};

static float quad_loss_and_grad(Tensor *w) {
    double L = 0;
    for (int i = 0; i < QN; i++) {
        float d = w->data[i] - quad_c[i];
        w->grad[i] = quad_a[i] * d;
        L += 0.5 * quad_a[i] * d * d;
    }
    return (float)L;
}

typedef enum { RUN_SGD, RUN_MOMENTUM, RUN_ADAM } Which;

static float minimise(Which which, float lr, int steps) {
    OneParam p;
    one_param(&p, (float[]){0, 0, 0, 0}, NULL, QN);
    Momentum mom;
    Adam adam;
    if (which == RUN_MOMENTUM) momentum_init(&mom, &p.list, lr, 0.9f, 0.0f);
    if (which == RUN_ADAM) adam_init(&adam, &p.list, lr, 0.9f, 0.999f, 1e-8f, 0.0f);
    float first = quad_loss_and_grad(&p.w), loss = first;
    for (int s = 0; s < steps; s++) {
        if (which == RUN_SGD) sgd_step(&p.list, lr, 0.0f);
        if (which == RUN_MOMENTUM) momentum_step(&mom, &p.list);
        if (which == RUN_ADAM) adam_step(&adam, &p.list);
        loss = quad_loss_and_grad(&p.w);
    }
    cr_assert_gt(first, 10.0f, "starting loss %g", first);
    if (which == RUN_MOMENTUM) momentum_free(&mom);
    if (which == RUN_ADAM) adam_free(&adam);
    one_param_free(&p);
    return loss;
}

Test(ch02_optim, sgd_minimises_quadratic) {
    float loss = minimise(RUN_SGD, 0.1f, 300);
    cr_assert_lt(loss, 1e-6f, "SGD final loss %g", loss);
}

Test(ch02_optim, momentum_minimises_quadratic) {
    float loss = minimise(RUN_MOMENTUM, 0.02f, 300);
    cr_assert_lt(loss, 1e-6f, "momentum final loss %g", loss);
}

Test(ch02_optim, adam_minimises_quadratic) {
    float loss = minimise(RUN_ADAM, 0.05f, 500);
    cr_assert_lt(loss, 1e-6f, "Adam final loss %g", loss);
}
