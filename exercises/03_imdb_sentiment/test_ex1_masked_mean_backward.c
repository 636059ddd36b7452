// Grades exercise 03.1: masked mean pooling backward, against central differences of
// the chapter's forward pass, with a padding-only row and accumulation.
#include <criterion/criterion.h>
#include <math.h>

#include "chapters/03_imdb_sentiment/embedding.h"
#include "common/gradcheck.h"
#include "common/rng.h"

void ex_masked_mean_backward(float *d_x, const float *d_out, const int *ids, int pad_id, int B, int T, int D);

enum { B = 3, T = 4, D = 2 };
typedef struct {
    float *x, *out, *r;
    const int *ids;
} Ctx;

static double loss_fn(void *p) {
    Ctx *c = p;
    masked_mean_forward(c->out, c->x, c->ids, 0, B, T, D);
    return weighted_sum(c->out, c->r, B * D);
}

Test(ex03_1, by_hand) {
    // one row: ids {4, 0, 9, 0}, two real tokens: each gets d_out / 2, padding gets 0
    int ids[4] = {4, 0, 9, 0};
    float d_out[2] = {1.0f, -4.0f}, d_x[8] = {0};
    ex_masked_mean_backward(d_x, d_out, ids, 0, 1, 4, 2);
    float want[8] = {0.5f, -2.0f, 0, 0, 0.5f, -2.0f, 0, 0};
    for (int i = 0; i < 8; i++) cr_assert_float_eq(d_x[i], want[i], 1e-6, "d_x[%d] = %g, expected %g", i, d_x[i], want[i]);
}

Test(ex03_1, matches_finite_differences_and_handles_an_all_padding_row) {
    int ids[B * T] = {3, 5, 0, 0, /**/ 0, 0, 0, 0, /**/ 7, 7, 2, 1};
    Rng rng;
    rng_seed(&rng, 2);
    float x[B * T * D], out[B * D], r[B * D], d_x[B * T * D];
    for (int i = 0; i < B * T * D; i++) x[i] = rng_normal(&rng), d_x[i] = 1.0f;
    for (int i = 0; i < B * D; i++) r[i] = rng_normal(&rng);
    ex_masked_mean_backward(d_x, r, ids, 0, B, T, D);
    for (int i = 0; i < B * T * D; i++) {
        cr_assert(isfinite(d_x[i]), "d_x[%d] = %g: an all-padding row divided by zero?", i, d_x[i]);
        d_x[i] -= 1.0f;   // backward must ADD to what was there (1.0)
    }
    Ctx ctx = {x, out, r, ids};
    double err = gradcheck(loss_fn, &ctx, x, d_x, B * T * D);
    cr_assert_lt(err, 1e-3, "max relative error %g (did you accumulate with +=?)", err);
    for (int i = 0; i < T * D; i++) cr_assert_eq(d_x[T * D + i], 0.0f, "the padding-only row gets no gradient");
}
