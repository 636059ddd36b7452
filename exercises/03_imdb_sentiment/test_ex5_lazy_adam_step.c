// Grades exercise 03.5: three lazy Adam steps on different rows, compared with the
// chapter's lazy_adam_step; rows not listed must not change.
#include <criterion/criterion.h>
#include <string.h>

#include "chapters/03_imdb_sentiment/lazy_adam.h"
#include "common/rng.h"

void ex_lazy_adam_step(float *table, float *m, float *v, const int *rows, const float *grad, int U, int D, long t,
                       float lr, float b1, float b2, float eps);

Test(ex03_5, matches_the_chapter_and_leaves_other_rows_alone) {
    enum { R = 6, D = 3 };
    Rng rng;
    rng_seed(&rng, 8);
    float mine[R * D], m[R * D] = {0}, v[R * D] = {0}, grad[3 * D];
    for (int i = 0; i < R * D; i++) mine[i] = rng_normal(&rng);
    float theirs[R * D];
    memcpy(theirs, mine, sizeof mine);
    LazyAdam ref;
    lazy_adam_init(&ref, R, D, 0.05f, 0.9f, 0.999f, 1e-8f);
    int batches[3][3] = {{0, 2, 5}, {2, 3, 4}, {5, 0, 1}};
    for (long t = 1; t <= 3; t++) {
        for (int i = 0; i < 3 * D; i++) grad[i] = rng_normal(&rng);
        ex_lazy_adam_step(mine, m, v, batches[t - 1], grad, 3, D, t, 0.05f, 0.9f, 0.999f, 1e-8f);
        lazy_adam_step(&ref, theirs, batches[t - 1], grad, 3);
        for (int i = 0; i < R * D; i++)
            cr_assert_float_eq(mine[i], theirs[i], 1e-5, "step %ld: row %d entry %d is %g, expected %g", t, i / D, i % D,
                               mine[i], theirs[i]);
    }
    lazy_adam_free(&ref);
}

// Tiny gradients: sqrt(v_hat) = |g| = 1e-6 is far below eps = 1e-3, so the step is
// lr * g / eps (about 5e-5), not lr * sign(g) (0.05) as it would be without eps, nor
// lr * g / sqrt(v_hat + eps) (1.6e-6) with eps in the wrong place.
Test(ex03_5, eps_keeps_tiny_gradients_from_taking_full_steps) {
    enum { R = 4, D = 2 };
    float mine[R * D], theirs[R * D], m[R * D] = {0}, v[R * D] = {0};
    float grad[2 * D] = {1e-6f, -2e-6f, 3e-6f, -1e-6f};
    for (int i = 0; i < R * D; i++) mine[i] = theirs[i] = 0.25f * (float)(i - 3);
    LazyAdam ref;
    lazy_adam_init(&ref, R, D, 0.05f, 0.9f, 0.999f, 1e-3f);
    int rows[2] = {3, 1};
    for (long t = 1; t <= 2; t++) {
        ex_lazy_adam_step(mine, m, v, rows, grad, 2, D, t, 0.05f, 0.9f, 0.999f, 1e-3f);
        lazy_adam_step(&ref, theirs, rows, grad, 2);
        for (int i = 0; i < R * D; i++)
            cr_assert_float_eq(mine[i], theirs[i], 2e-6, "step %ld: row %d entry %d is %.8g, expected %.8g", t, i / D,
                               i % D, mine[i], theirs[i]);
    }
    lazy_adam_free(&ref);
}
