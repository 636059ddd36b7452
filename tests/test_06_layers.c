// tests/test_06_layers.c: chapter 06's new building blocks, each against hand-computed
// values and its backward pass against central finite differences (common/gradcheck.h,
// bound 1e-2): positional encodings, GELU and the feed-forward network, dropout,
// cross-entropy with label smoothing, the warm-up schedule.
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/layers.h"
#include "chapters/06_seq2seq/dropout.h"
#include "chapters/06_seq2seq/ffn.h"
#include "chapters/06_seq2seq/posenc.h"
#include "chapters/06_seq2seq/schedule.h"
#include "chapters/06_seq2seq/smoothing.h"
#include "common/gradcheck.h"
#include "common/mem.h"
#include "common/rng.h"

static void fill_normal(float *x, size_t n, float std, Rng *rng) {
    for (size_t i = 0; i < n; i++) x[i] = std * rng_normal(rng);
}

// ---- positional encodings ----------------------------------------------------------------

Test(ch06_posenc, sinusoidal_by_hand) {
    enum { T = 3, C = 4 };
    float pe[T * C];
    posenc_sinusoidal(pe, T, C);
    // t = 0: sin 0 = 0, cos 0 = 1 in every pair
    for (int i = 0; i < C; i++) cr_assert_float_eq(pe[i], i % 2 ? 1.0f : 0.0f, 1e-7);
    // t = 2: pair 0 turns at 1 radian per step, pair 1 at 1/100 (10000^(2/4) = 100)
    cr_assert_float_eq(pe[2 * C + 0], sinf(2.0f), 1e-6);
    cr_assert_float_eq(pe[2 * C + 1], cosf(2.0f), 1e-6);
    cr_assert_float_eq(pe[2 * C + 2], sinf(0.02f), 1e-6);
    cr_assert_float_eq(pe[2 * C + 3], cosf(0.02f), 1e-6);
}

typedef struct {
    float *x, *pe, *tmp;
    const float *r;
    int B, T, C;
} PeCtx;
static double pe_loss(void *v) {
    PeCtx *c = v;
    size_t n = (size_t)c->B * c->T * c->C;
    memcpy(c->tmp, c->x, sizeof(float) * n);
    posenc_add_forward(c->tmp, c->pe, c->B, c->T, c->C);
    return weighted_sum(c->tmp, c->r, n);
}

Test(ch06_posenc, learned_table_gradient_matches_finite_differences) {
    enum { B = 3, T = 4, C = 6, N = B * T * C };
    Rng rng;
    rng_seed(&rng, 61);
    float x[N], r[N], tmp[N], pe[T * C], d_pe[T * C] = {0};
    fill_normal(x, N, 1, &rng), fill_normal(r, N, 1, &rng), fill_normal(pe, T * C, 1, &rng);
    PeCtx c = {x, pe, tmp, r, B, T, C};
    posenc_add_backward(d_pe, r, B, T, C);   // d_x = r
    double err = gradcheck(pe_loss, &c, pe, d_pe, T * C);
    cr_assert_lt(err, 1e-2, "d_pe: max relative error %g", err);
}

// ---- GELU and the feed-forward network -----------------------------------------------------

Test(ch06_gelu, values_by_hand) {
    float u[3] = {0, 1, -1}, y[3];
    gelu_forward(y, u, 3);
    cr_assert_float_eq(y[0], 0.0f, 1e-7);
    cr_assert_float_eq(y[1], 0.8413447f, 1e-6);    // 1 * Phi(1)
    cr_assert_float_eq(y[2], -0.1586553f, 1e-6);   // -1 * Phi(-1)
    float d_u[3] = {0}, ones[3] = {1, 1, 1};
    gelu_backward(d_u, ones, u, 3);
    cr_assert_float_eq(d_u[0], 0.5f, 1e-6);                      // Phi(0) + 0
    cr_assert_float_eq(d_u[1], 0.8413447f + 0.2419707f, 1e-6);   // Phi(1) + phi(1)
}

// The written-out exp and erf (ffn.c) against libm's, in double, over a grid long
// enough for the vector loop, and far enough out that e^{-u^2/2} underflows (|u| > 13.2:
// the clamp at -87 must give about 1.6e-38, not the garbage of a wrapped exponent field).
Test(ch06_gelu, matches_erf_from_minus_40_to_40) {
    enum { N = 8001 };
    float *u = xmalloc(sizeof(float) * N), *y = xmalloc(sizeof(float) * N), *d_u = xcalloc(N, sizeof(float));
    float *ones = xmalloc(sizeof(float) * N);
    for (int i = 0; i < N; i++) u[i] = -40.0f + 0.01f * (float)i, ones[i] = 1;
    gelu_forward(y, u, N);
    gelu_backward(d_u, ones, u, N);
    for (int i = 0; i < N; i++) {
        double cdf = 0.5 * (1 + erf(u[i] / sqrt(2.0))), pdf = exp(-0.5 * (double)u[i] * u[i]) / 2.5066282746310002;   // sqrt(2 pi)
        double bound = 1e-6 * fmax(1.0, fabs(u[i]));   // A&S: |erf error| <= 1.5e-7, times |u|
        cr_assert_leq(fabs(y[i] - u[i] * cdf), bound, "gelu(%g) = %g, want %g", u[i], y[i], u[i] * cdf);
        cr_assert_leq(fabs(d_u[i] - (cdf + u[i] * pdf)), bound, "gelu'(%g) = %g, want %g", u[i], d_u[i],
                      cdf + u[i] * pdf);
    }
    free(u), free(y), free(d_u), free(ones);
}

typedef struct {
    Ffn *f;
    FfnCache *c;
    float *x, *out;
    const float *r;
    int N;
} FfnCtx;
static double ffn_loss(void *v) {
    FfnCtx *c = v;
    ffn_forward(c->f, c->c, c->out, c->x, c->N);
    return weighted_sum(c->out, c->r, (size_t)c->N * c->f->C);
}

static void check_ffn(int use_gelu) {
    enum { N = 5, C = 4, H = 8 };
    Rng rng;
    // Seed 77: every ReLU pre-activation is at least 0.076 from the kink at 0 (checked
    // below), more than a step of h = 1e-2 times any |x| here moves it. (Seed 62 had
    // one at 3e-4, and the check read an error of 1.7: a corner, not a bug.)
    rng_seed(&rng, 77);
    Ffn f;
    FfnCache cache;
    ffn_create(&f, "ffn", C, H, use_gelu, &rng);
    ffn_cache_alloc(&cache, N, H);
    fill_normal(f.b1.data, H, 0.5f, &rng), fill_normal(f.b2.data, C, 0.5f, &rng);
    float x[N * C], out[N * C], r[N * C], d_x[N * C] = {0};
    fill_normal(x, N * C, 1, &rng), fill_normal(r, N * C, 1, &rng);
    FfnCtx ctx = {&f, &cache, x, out, r, N};
    ffn_loss(&ctx);
    float u_min = INFINITY;
    for (int i = 0; i < N * H; i++) u_min = fminf(u_min, fabsf(cache.u[i]));
    cr_assert_gt(u_min, 0.05f, "a pre-activation sits %g from ReLU's kink: pick another seed", u_min);
    ffn_backward(&f, &cache, d_x, r, x, N);
    Tensor *ps[4] = {&f.w1, &f.b1, &f.w2, &f.b2};
    for (int i = 0; i < 4; i++) {
        double err = gradcheck(ffn_loss, &ctx, ps[i]->data, ps[i]->grad, ps[i]->size);
        cr_assert_lt(err, 1e-2, "%s (%s): max relative error %g", ps[i]->name, use_gelu ? "gelu" : "relu", err);
    }
    double err = gradcheck(ffn_loss, &ctx, x, d_x, N * C);
    cr_assert_lt(err, 1e-2, "d_x (%s): max relative error %g", use_gelu ? "gelu" : "relu", err);
    ffn_cache_free(&cache);
    ffn_free(&f);
}

Test(ch06_ffn, gelu_backward_matches_finite_differences) { check_ffn(1); }
Test(ch06_ffn, relu_backward_matches_finite_differences) { check_ffn(0); }

Test(ch06_ffn, backward_writes_its_scratch_over_garbage) {
    // ffn_backward writes d_a = d_out W2 (beta = 0) instead of zeroing d_a and adding:
    // garbage left in the cache's scratch must not reach the gradients. The sizes are
    // past common/matmul's tiny-product path (32 x 64 x 16 multiply-adds), so the
    // product that writes d_a is the packed one, whose first K block stores its tiles.
    enum { N = 32, C = 16, H = 64 };
    Rng rng;
    rng_seed(&rng, 78);
    Ffn f;
    FfnCache cache;
    ffn_create(&f, "ffn", C, H, 1, &rng);
    ffn_cache_alloc(&cache, N, H);
    float *x = fzeros(N * C), *out = fzeros(N * C), *d_out = fzeros(N * C), *d_x[2] = {fzeros(N * C), fzeros(N * C)};
    fill_normal(x, N * C, 1, &rng), fill_normal(d_out, N * C, 1, &rng);
    ffn_forward(&f, &cache, out, x, N);
    for (int pass = 0; pass < 2; pass++) {
        // the first pass on the zeros of ffn_cache_alloc, the second on NaN
        if (pass == 1)
            for (int i = 0; i < N * H; i++) cache.d_a[i] = cache.d_u[i] = NAN;
        ffn_backward(&f, &cache, d_x[pass], d_out, x, N);
    }
    for (int i = 0; i < N * C; i++)
        cr_assert(d_x[1][i] == d_x[0][i], "d_x[%d]: %g over NaN scratch, %g over zeros", i, d_x[1][i], d_x[0][i]);
    free(x), free(out), free(d_out), free(d_x[0]), free(d_x[1]);
    ffn_cache_free(&cache);
    ffn_free(&f);
}

// ---- dropout ----------------------------------------------------------------------------------

Test(ch06_dropout, eval_and_p0_are_the_identity_training_keeps_the_mean) {
    enum { N = 20000 };
    Rng rng;
    rng_seed(&rng, 63);
    float *x = fzeros(N), *y = fzeros(N), *mask = fzeros(N), *d_x = fzeros(N);
    for (int i = 0; i < N; i++) x[i] = 1.0f;
    dropout_forward(y, mask, x, N, 0.3f, 0, &rng);
    for (int i = 0; i < N; i++) cr_assert(y[i] == 1.0f && mask[i] == 1.0f, "eval mode changed x[%d]", i);
    dropout_forward(y, mask, x, N, 0.3f, 1, &rng);
    int zeros = 0;
    double sum = 0;
    for (int i = 0; i < N; i++) {
        cr_assert(y[i] == 0.0f || fabsf(y[i] - 1.0f / 0.7f) < 1e-6f, "y[%d] = %g: neither dropped nor scaled", i, y[i]);
        zeros += y[i] == 0.0f, sum += y[i];
    }
    // 30% dropped (binomial sd 0.3%), and the mean stays 1 (sd about 0.5%)
    cr_assert(fabs(zeros / (double)N - 0.3) < 0.015, "dropped %d of %d", zeros, N);
    cr_assert(fabs(sum / N - 1.0) < 0.03, "mean %g, expected 1", sum / N);
    dropout_backward(d_x, x, mask, N);   // d_y = 1: d_x is the mask
    for (int i = 0; i < N; i++) cr_assert_eq(d_x[i], mask[i], "d_x[%d] = %g, mask %g", i, d_x[i], mask[i]);
    free(x), free(y), free(mask), free(d_x);
}

// The mask is a hash of (key, position): check that it behaves like independent coin
// flips (neighbours dropped together p^2 of the time) and that each call draws a new key.
Test(ch06_dropout, masks_are_independent_flips_and_new_each_call) {
    enum { N = 100000 };
    Rng rng;
    rng_seed(&rng, 64);
    float *x = fzeros(N), *y = fzeros(N), *m1 = fzeros(N), *m2 = fzeros(N);
    dropout_forward(y, m1, x, N, 0.5f, 1, &rng);
    dropout_forward(y, m2, x, N, 0.5f, 1, &rng);
    int both = 0, same = 0, dropped = 0;
    for (int i = 0; i < N; i++) {
        dropped += m1[i] == 0;
        if (i > 0) both += m1[i] == 0 && m1[i - 1] == 0;
        same += m1[i] == m2[i];
    }
    // binomial sd: 0.16% of N for the fractions below; bounds at about 4 sd
    cr_assert(fabs(dropped / (double)N - 0.5) < 0.007, "dropped %d", dropped);
    cr_assert(fabs(both / (double)(N - 1) - 0.25) < 0.006, "neighbours dropped together %d times", both);
    cr_assert(fabs(same / (double)N - 0.5) < 0.007, "two calls agree on %d of %d", same, N);
    free(x), free(y), free(m1), free(m2);
}

// ---- label smoothing ---------------------------------------------------------------------------

Test(ch06_smoothing, loss_by_hand) {
    // logits (2, 0), target 0, eps 0.2: log-sum-exp = log(e^2 + 1) = 2.1269280;
    // -log p_0 = 0.1269280, -log p_1 = 2.1269280, mean 1.1269280;
    // L = 0.8 * 0.1269280 + 0.2 * 1.1269280 = 0.3269280.
    float z[2] = {2, 0}, p[2];
    int y = 0, n;
    float L = smoothed_xent_forward(p, z, &y, -1, 0.2f, 1, 2, &n);
    cr_assert_eq(n, 1);
    cr_assert_float_eq(L, 0.3269280f, 1e-6, "loss %g", L);
    // eps = 0 is chapter 02's plain cross-entropy
    float p2[2];
    float L0 = smoothed_xent_forward(p, z, &y, -1, 0.0f, 1, 2, &n);
    float Lxent = softmax_xent_forward(p2, z, &y, 1, 2);
    cr_assert_float_eq(L0, Lxent, 1e-6, "eps 0: %g, cross-entropy %g", L0, Lxent);
}

typedef struct {
    float *z, *p;
    const int *y;
    float eps;
    int N, V;
} SmCtx;
static double sm_loss(void *v) {
    SmCtx *c = v;
    int n;
    return smoothed_xent_forward(c->p, c->z, c->y, 0, c->eps, c->N, c->V, &n);
}

Test(ch06_smoothing, backward_matches_finite_differences_and_ignores_padding) {
    enum { N = 6, V = 5 };
    Rng rng;
    rng_seed(&rng, 64);
    float z[N * V], p[N * V], d_z[N * V] = {0};
    int y[N] = {3, 0, 2, 4, 0, 1};   // id 0 is padding here: rows 1 and 4 count for nothing
    fill_normal(z, N * V, 2, &rng);
    SmCtx c = {z, p, y, 0.1f, N, V};
    int n;
    smoothed_xent_forward(p, z, y, 0, 0.1f, N, V, &n);
    cr_assert_eq(n, 4, "counted %d rows, expected 4 (two are padding)", n);
    smoothed_xent_backward(d_z, p, y, 0, 0.1f, N, V, n);
    double err = gradcheck(sm_loss, &c, z, d_z, N * V);
    cr_assert_lt(err, 1e-2, "d_logits: max relative error %g", err);
    for (int k = 0; k < V; k++) cr_assert(d_z[1 * V + k] == 0.0f && d_z[4 * V + k] == 0.0f, "padding got gradient");
}

// ---- schedule ------------------------------------------------------------------------------------

Test(ch06_schedule, warmup_then_inverse_sqrt) {
    cr_assert_float_eq(lr_warmup_rsqrt(1, 4000, 1e-3f), 2.5e-7f, 1e-12);     // 1/4000 of the peak
    cr_assert_float_eq(lr_warmup_rsqrt(4000, 4000, 1e-3f), 1e-3f, 1e-9);     // the peak
    cr_assert_float_eq(lr_warmup_rsqrt(16000, 4000, 1e-3f), 5e-4f, 1e-9);    // sqrt(4000/16000) = 1/2
    cr_assert_float_eq(lr_warmup_rsqrt(9, 0, 1e-3f), 1e-3f / 3, 1e-9);       // no warm-up
    // the same decay without the ramp: the peak from the first step
    cr_assert_float_eq(lr_hold_rsqrt(1, 4000, 1e-3f), 1e-3f, 1e-9);
    cr_assert_float_eq(lr_hold_rsqrt(16000, 4000, 1e-3f), lr_warmup_rsqrt(16000, 4000, 1e-3f), 1e-9);
}

Test(ch06_schedule, warmup_then_linear_decay) {
    // peak 1e-3, 100 warm-up steps, 1000 in all: halfway up at 50, the peak at 100,
    // halfway down at 550, zero at the end
    cr_assert_float_eq(lr_warmup_linear(50, 100, 1000, 1e-3f), 0.5e-3f, 1e-9);
    cr_assert_float_eq(lr_warmup_linear(100, 100, 1000, 1e-3f), 1e-3f, 1e-9);
    cr_assert_float_eq(lr_warmup_linear(550, 100, 1000, 1e-3f), 0.5e-3f, 1e-9);
    cr_assert_eq(lr_warmup_linear(1000, 100, 1000, 1e-3f), 0.0f);
    cr_assert_float_eq(lr_warmup_linear(1, 0, 1000, 1e-3f), 0.999e-3f, 1e-9);   // no warm-up: decay from the start
}

// GELU is computed with its own vectorisable exp and erf (ffn.c): against double
// precision on a fine grid it must be as accurate as float can be. Measured: 1.75e-7
// relative to max(1,|u|) for gelu (libm's erff gives 1.03e-7), 2.9e-7 for gelu'.
Test(ch06_gelu, accurate_to_float_against_double) {
    enum { N = 24001 };
    static float u[N], y[N], d[N], ones[N];
    for (int i = 0; i < N; i++) u[i] = -12.0f + (float)i * 1e-3f, ones[i] = 1;
    gelu_forward(y, u, N);
    gelu_backward(d, ones, u, N);
    for (int i = 0; i < N; i++) {
        double x = u[i], cdf = 0.5 * (1 + erf(x / sqrt(2.0)));
        double ref = x * cdf, dref = cdf + x * exp(-0.5 * x * x) / sqrt(2 * 3.14159265358979323846);
        cr_assert_leq(fabs(y[i] - ref), 3e-7 * fmax(1, fabs(x)), "gelu(%g) = %.9g, expected %.9g", x, y[i], ref);
        cr_assert_leq(fabs(d[i] - dref), 5e-7, "gelu'(%g) = %.9g, expected %.9g", x, d[i], dref);
    }
}
