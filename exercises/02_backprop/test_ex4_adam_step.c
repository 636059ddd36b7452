// exercises/02_backprop/test_ex4_adam_step.c: grades exercise 02.4 with a first step
// computed by hand, a run of steps compared with the book's adam_step, and where eps goes.
#include <criterion/criterion.h>
#include <math.h>

#include "chapters/02_backprop/optim.h"
#include "common/rng.h"

void ex_adam_update(float *w, float *m, float *v, const float *g, int n, long t, float lr,
                    float beta1, float beta2, float eps);

Test(ex02_4, first_step_is_lr_times_sign_of_g) {
    // t = 1: m_hat = g and v_hat = g^2 exactly, so the step is lr * g / |g|.
    float w[4] = {1, -1, 0.5f, 2}, g[4] = {0.3f, -200, 1e-3f, -1e-2f};
    float m[4] = {0}, v[4] = {0};
    ex_adam_update(w, m, v, g, 4, 1, 0.01f, 0.9f, 0.999f, 1e-8f);
    float w0[4] = {1, -1, 0.5f, 2};
    for (int i = 0; i < 4; i++) {
        float moved = w0[i] - w[i], want = 0.01f * (g[i] > 0 ? 1.0f : -1.0f);
        cr_expect_float_eq(moved, want, 1e-6, "w[%d] moved by %g, want %g (= lr * sign(g); if slightly off, "
                           "see where eps goes: test eps_is_added_to_sqrt_of_v_hat)",
                           i, moved, want);
    }
}

Test(ex02_4, second_step_by_hand) {
    // g1 = 1, g2 = 0.5, lr 0.1: w goes 1 -> 0.9 -> 0.8067820 (see tests/test_02_optim.c).
    float w = 1, m = 0, v = 0, g = 1;
    ex_adam_update(&w, &m, &v, &g, 1, 1, 0.1f, 0.9f, 0.999f, 1e-8f);
    g = 0.5f;
    ex_adam_update(&w, &m, &v, &g, 1, 2, 0.1f, 0.9f, 0.999f, 1e-8f);
    cr_assert_float_eq(w, 0.8067820f, 1e-6, "w after two steps = %.7f, want 0.8067820", w);
}

Test(ex02_4, matches_the_books_adam_over_20_steps) {
    enum { N = 8, STEPS = 20 };
    Tensor ref;
    tensor_alloc(&ref, "w", 1, 1, N);
    TensorList list = {0};
    tensorlist_add(&list, &ref);
    Adam opt;
    adam_init(&opt, &list, 0.05f, 0.9f, 0.999f, 1e-8f, 0.0f);
    float w[N], m[N] = {0}, v[N] = {0}, g[N];
    Rng rng;
    rng_seed(&rng, 24);
    for (int i = 0; i < N; i++) w[i] = ref.data[i] = rng_normal(&rng);
    for (long t = 1; t <= STEPS; t++) {
        for (int i = 0; i < N; i++) g[i] = ref.grad[i] = rng_normal(&rng) + 0.5f;
        ex_adam_update(w, m, v, g, N, t, 0.05f, 0.9f, 0.999f, 1e-8f);
        adam_step(&opt, &list);
    }
    for (int i = 0; i < N; i++)
        cr_expect_float_eq(w[i], ref.data[i], 1e-5, "w[%d] = %g, the book's Adam gives %g", i, w[i], ref.data[i]);
    adam_free(&opt);
    tensorlist_free(&list);
    tensor_free(&ref);
}

// Where eps goes. The book (and the TODO) adds eps to sqrt(v_hat), the bias-corrected v:
//   w -= lr * m_hat / (sqrt(v_hat) + eps).
// The Adam paper's "folded" form moves the corrections into the step size,
//   lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t),   w -= lr_t * m / (sqrt(v) + eps),
// which is the same update except that eps is added to sqrt(v), not to sqrt(v_hat): in
// effect eps / sqrt(1 - beta2^t), 31.6 times larger at t = 1. It shows only when |g| is
// close to eps, as here: g = 1e-7 and eps = 1e-8 move w by lr * 0.909 in the book's form
// and by lr * 0.240 in the folded one.
Test(ex02_4, eps_is_added_to_sqrt_of_v_hat) {
    float w = 0, m = 0, v = 0, g = 1e-7f;
    ex_adam_update(&w, &m, &v, &g, 1, 1, 0.01f, 0.9f, 0.999f, 1e-8f);
    float want = -0.01f * 1e-7f / (1e-7f + 1e-8f);                           // m_hat = g, sqrt(v_hat) = |g|
    float folded = -0.01f * 1e-7f / (1e-7f + 1e-8f / sqrtf(1.0f - 0.999f));   // eps added to sqrt(v)
    cr_assert_float_eq(w, want, 1e-6, "w moved to %g, want %g. %s", w, want,
                       fabsf(w - folded) < 1e-6f
                           ? "This is the paper's folded form (the corrections moved into the learning rate), "
                             "which adds eps to sqrt(v). Add eps to sqrt(v_hat), the bias-corrected v, as in "
                             "the TODO: w -= lr * m_hat / (sqrtf(v_hat) + eps)"
                           : "Bias-correct m and v (eq. (2.16)), then w -= lr * m_hat / (sqrtf(v_hat) + eps)");
}
