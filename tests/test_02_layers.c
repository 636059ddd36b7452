// tests/test_02_layers.c: chapter 02's tensor layers. Hand-computed forward values,
// every backward pass against central finite differences (common/gradcheck.h,
// bound 1e-2 as documented there), accumulation, NULL gradients, and softmax on
// logits large enough to overflow a naive exp().
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/layers.h"
#include "common/gradcheck.h"
#include "common/rng.h"

static void fill_normal(float *x, int n, float std, Rng *rng) {
    for (int i = 0; i < n; i++) x[i] = std * rng_normal(rng);
}

// ---- forward values by hand ---------------------------------------------------------------

Test(ch02_layers, linear_forward_by_hand) {
    // x (2,3), W (2,3), b (2):  y = x W^T + b
    float x[6] = {1, 2, 3, 4, 5, 6};
    float W[6] = {1, 0, -1, 0.5f, 0.5f, 0.5f};
    float b[2] = {0.1f, -0.2f};
    float y[4];
    linear_forward(y, x, W, b, 2, 3, 2);
    float want[4] = {1 - 3 + 0.1f, 3 - 0.2f, 4 - 6 + 0.1f, 7.5f - 0.2f};   // -1.9 2.8 -1.9 7.3
    for (int i = 0; i < 4; i++) cr_assert_float_eq(y[i], want[i], 1e-6, "y[%d] = %g", i, y[i]);
    linear_forward(y, x, W, NULL, 2, 3, 2);   // no bias
    cr_assert_float_eq(y[1], 3.0f, 1e-6);
    cr_assert_float_eq(y[2], -2.0f, 1e-6);
}

Test(ch02_layers, relu_and_tanh_forward_by_hand) {
    float x[4] = {-2, -0.0f, 0.5f, 3}, y[4];
    relu_forward(y, x, 4);
    float want_relu[4] = {0, 0, 0.5f, 3};
    for (int i = 0; i < 4; i++) cr_assert_float_eq(y[i], want_relu[i], 0);
    tanh_forward(y, x, 4);
    cr_assert_float_eq(y[2], 0.46211716f, 1e-6);   // tanh(0.5)
    cr_assert_float_eq(y[3], 0.99505475f, 1e-6);   // tanh(3)
}

Test(ch02_layers, softmax_of_1_2_3) {
    float z[3] = {1, 2, 3}, p[3];
    softmax_forward(p, z, 1, 3);
    cr_assert_float_eq(p[0], 0.0900306f, 1e-6);
    cr_assert_float_eq(p[1], 0.2447285f, 1e-6);
    cr_assert_float_eq(p[2], 0.6652410f, 1e-6);
}

Test(ch02_layers, cross_entropy_value_by_hand) {
    // Two rows of logits [1,2,3]; targets 0 and 2: losses -log 0.0900306 = 2.4076059
    // and -log 0.6652410 = 0.4076059, mean 1.4076059.
    float z[6] = {1, 2, 3, 1, 2, 3}, p[6];
    int t[2] = {0, 2};
    float loss = softmax_xent_forward(p, z, t, 2, 3);
    cr_assert_float_eq(loss, 1.4076059f, 1e-6, "loss = %.7f", loss);
    cr_assert_float_eq(p[3], 0.0900306f, 1e-6);
    // Uniform logits: loss = log C for any target.
    float u[4] = {0.3f, 0.3f, 0.3f, 0.3f}, pu[4];
    int t1 = 3;
    cr_assert_float_eq(softmax_xent_forward(pu, u, &t1, 1, 4), logf(4.0f), 1e-6);
}

// A language model's loss: 64 rows of 2,048 words, enough for the rows to be shared
// between threads. Each row's probabilities must be softmax_row's, and the loss their
// mean, summed in row order (the same whatever the thread count); the backward the
// formula's, row by row.
Test(ch02_layers, cross_entropy_over_a_large_batch_matches_row_by_row) {
    enum { B = 64, C = 2048 };
    float *z = malloc(sizeof(float) * B * C), *p = malloc(sizeof(float) * B * C);
    float *row = malloc(sizeof(float) * C), *d = calloc((size_t)B * C, sizeof(float));
    int t[B];
    Rng rng;
    rng_seed(&rng, 12);
    for (int i = 0; i < B * C; i++) z[i] = 3 * rng_normal(&rng);
    for (int i = 0; i < B; i++) t[i] = (i * 37) % C;
    const float loss = softmax_xent_forward(p, z, t, B, C);
    double total = 0;
    for (int i = 0; i < B; i++) {
        total += softmax_row(row, z + (size_t)i * C, C) - (double)z[(size_t)i * C + t[i]];
        cr_assert(!memcmp(row, p + (size_t)i * C, sizeof(float) * C), "row %d differs from softmax_row", i);
    }
    cr_assert_eq(loss, (float)(total / B), "loss %.9g, row by row %.9g", loss, total / B);
    softmax_xent_backward(d, p, t, B, C);
    for (int i = 0; i < B; i++)
        for (int c = 0; c < C; c += 97) {
            const float want = (p[(size_t)i * C + c] - (c == t[i] ? 1.0f : 0.0f)) / B;
            cr_assert_float_eq(d[(size_t)i * C + c], want, 1e-9f, "d[%d][%d]", i, c);
        }
    free(z), free(p), free(row), free(d);
}

// softmax_row as one plain loop of libm expf() calls, the sum taken in the order
// softmax_row documents: entry c goes to lane c mod 8, each lane summed in double
// front to back, the lanes added as ((0+1)+(2+3))+((4+5)+(6+7)).
static double softmax_row_one_loop(float *probs, const float *z, int C) {
    float max = z[0];
    for (int c = 1; c < C; c++)
        if (z[c] > max) max = z[c];
    double lane[8] = {0};
    for (int c = 0; c < C; c++) {
        probs[c] = expf(z[c] - max);
        lane[c % 8] += probs[c];
    }
    double sum = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
    float inv = (float)(1.0 / sum);
    for (int c = 0; c < C; c++) probs[c] *= inv;
    return (double)max + log(sum);
}

// softmax_row takes its max and sum in 8 lanes and its exponentials 512 at a time
// (common/expf_vec.c), summing each block as it goes: on glibc x86-64 with FMA, where
// expf_shifted has libm's bits, that must be the plain loop to the last bit (same
// values, same order of the sum), also for rows that end inside a block or inside a
// group of 8; elsewhere, within float rounding.
Test(ch02_layers, softmax_row_in_blocks_equals_the_plain_loop) {
#if defined(__GLIBC__) && defined(__x86_64__) && defined(__FMA__)
    const int same_bits = 1;
#else
    const int same_bits = 0;
#endif
    const int lengths[] = {1, 7, 9, 511, 512, 513, 1300, 8192};
    Rng rng;
    rng_seed(&rng, 5);
    const float spreads[] = {1, 4, 12};   // 12: tiny terms round in the sum
    for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
        const int C = lengths[l];
        float *z = malloc(sizeof(float) * C), *p = malloc(sizeof(float) * C), *want = malloc(sizeof(float) * C);
        for (int row = 0; row < 30; row++) {   // 30 rows: one changed rounding shows in a few of them
            for (int c = 0; c < C; c++) z[c] = spreads[row % 3] * rng_normal(&rng);
            // a max of 0 makes the log-sum-exp log(sum) itself, fine enough to show the
            // last bit of the sum (next to a max of 40, a changed order would round away)
            float z_max = z[0];
            for (int c = 1; c < C; c++) z_max = z[c] > z_max ? z[c] : z_max;
            for (int c = 0; c < C; c++) z[c] -= z_max;
            const double lse = softmax_row(p, z, C), want_lse = softmax_row_one_loop(want, z, C);
            if (same_bits) {
                cr_assert(lse == want_lse, "C = %d, row %d: log-sum-exp %.17g, plain loop %.17g", C, row, lse, want_lse);
                cr_assert(!memcmp(p, want, sizeof(float) * C), "C = %d, row %d: probabilities differ", C, row);
            } else {
                cr_assert_float_eq(lse, want_lse, 1e-6, "C = %d", C);
                for (int c = 0; c < C; c++) cr_assert_float_eq(p[c], want[c], 1e-6f * want[c] + 1e-30f, "C = %d", C);
            }
        }
        free(z), free(p), free(want);
    }
}

Test(ch02_layers, softmax_is_stable_for_huge_logits) {
    // exp(1000) overflows float (and double); subtracting the row max avoids it.
    float z[6] = {1000, 1001, -1000, -1001, 50, -50}, p[6];
    int t[3] = {0, 1, 1};
    float loss = softmax_xent_forward(p, z, t, 3, 2);
    for (int i = 0; i < 6; i++) cr_assert(isfinite(p[i]), "p[%d] = %g", i, p[i]);
    cr_assert_float_eq(p[0], 0.26894142f, 1e-6);   // softmax([0, 1])
    cr_assert_float_eq(p[1], 0.73105858f, 1e-6);
    cr_assert_float_eq(p[2], 0.73105858f, 1e-6);
    // Losses: 1.3132617 (log(1+e)), 1.3132617, and 100 for the row where the target's
    // probability is e^-100, which underflows to 0 in float: log-sum-exp still gives
    // the right value instead of -log(0) = Inf.
    cr_assert(isfinite(loss));
    cr_assert_float_eq(loss, (1.3132617f + 1.3132617f + 100.0f) / 3.0f, 1e-4, "loss %g", loss);
    float z2[2] = {1000, 1000}, p2[2];
    softmax_forward(p2, z2, 1, 2);
    cr_assert_float_eq(p2[0], 0.5f, 1e-7);
}

Test(ch02_layers, argmax_rows_picks_largest) {
    float z[6] = {0.1f, 0.9f, 0.3f, -1, -2, -0.5f};
    int pred[2];
    argmax_rows(pred, z, 2, 3);
    cr_assert_eq(pred[0], 1);
    cr_assert_eq(pred[1], 2);
}

// ---- finite-difference checks ---------------------------------------------------------------
// Each check turns the layer into a scalar L = sum_i out_i r_i (weighted_sum) with a fixed
// random r, so d_out = r, and compares the analytic gradient with central differences.

enum { B = 4, IN = 5, OUT = 3 };

typedef struct {
    float x[B * IN], W[OUT * IN], b[OUT], y[B * OUT], r[B * OUT];
} LinearCtx;

static double linear_loss(void *p) {
    LinearCtx *c = p;
    linear_forward(c->y, c->x, c->W, c->b, B, IN, OUT);
    return weighted_sum(c->y, c->r, B * OUT);
}

Test(ch02_layers, linear_backward_matches_finite_differences) {
    Rng rng;
    rng_seed(&rng, 1);
    LinearCtx c;
    fill_normal(c.x, B * IN, 1, &rng);
    fill_normal(c.W, OUT * IN, 1, &rng);
    fill_normal(c.b, OUT, 1, &rng);
    fill_normal(c.r, B * OUT, 1, &rng);
    float d_x[B * IN] = {0}, d_W[OUT * IN] = {0}, d_b[OUT] = {0};
    linear_backward(d_x, d_W, d_b, c.r, c.x, c.W, B, IN, OUT);
    double ex = gradcheck(linear_loss, &c, c.x, d_x, B * IN);
    double eW = gradcheck(linear_loss, &c, c.W, d_W, OUT * IN);
    double eb = gradcheck(linear_loss, &c, c.b, d_b, OUT);
    cr_assert_lt(ex, 1e-2, "d_x: max relative error %g", ex);
    cr_assert_lt(eW, 1e-2, "d_W: max relative error %g", eW);
    cr_assert_lt(eb, 1e-2, "d_b: max relative error %g", eb);
}

Test(ch02_layers, linear_backward_large_shapes_match_naive_sums) {
    // Shapes that are not multiples of any blocking size, checked entry by entry
    // against the defining sums (2.5)-(2.7) written as loops.
    enum { Bb = 13, I = 37, O = 19 };
    static float x[Bb * I], W[O * I], dy[Bb * O], dx[Bb * I], dW[O * I], db[O];
    Rng rng;
    rng_seed(&rng, 2);
    fill_normal(x, Bb * I, 1, &rng);
    fill_normal(W, O * I, 1, &rng);
    fill_normal(dy, Bb * O, 1, &rng);
    linear_backward(dx, dW, db, dy, x, W, Bb, I, O);
    for (int i = 0; i < Bb; i++)
        for (int k = 0; k < I; k++) {
            double s = 0;
            for (int o = 0; o < O; o++) s += (double)dy[i * O + o] * W[o * I + k];
            cr_assert_float_eq(dx[i * I + k], s, 1e-4, "d_x[%d,%d]", i, k);
        }
    for (int o = 0; o < O; o++) {
        double sb = 0;
        for (int i = 0; i < Bb; i++) sb += dy[i * O + o];
        cr_assert_float_eq(db[o], sb, 1e-4, "d_b[%d]", o);
        for (int k = 0; k < I; k++) {
            double s = 0;
            for (int i = 0; i < Bb; i++) s += (double)dy[i * O + o] * x[i * I + k];
            cr_assert_float_eq(dW[o * I + k], s, 1e-4, "d_W[%d,%d]", o, k);
        }
    }
}

// Above 65,536 entries the bias's forward and backward share the rows (forward) or
// the columns, 64 at a time (backward) between threads: the same bits as one thread's
// loops. 257 columns: the last group of 64 holds one.
Test(ch02_layers, linear_bias_on_threads_equals_the_serial_loops) {
    enum { Bb = 300, I = 8, O = 257 };
    static float x[Bb * I], W[O * I], b[O], y[Bb * O], want_y[Bb * O], db[O], want_db[O];
    Rng rng;
    rng_seed(&rng, 4);
    fill_normal(x, Bb * I, 1, &rng);
    fill_normal(W, O * I, 1, &rng);
    fill_normal(b, O, 1, &rng);
    fill_normal(db, O, 1, &rng);   // the bias gradient adds to what is there
    memcpy(want_db, db, sizeof db);
    linear_forward(y, x, W, b, Bb, I, O);
    linear_forward(want_y, x, W, NULL, Bb, I, O);
    for (int i = 0; i < Bb; i++)
        for (int o = 0; o < O; o++) want_y[i * O + o] += b[o];
    cr_assert(!memcmp(y, want_y, sizeof y), "the bias added on threads differs from one loop");
    linear_backward(NULL, NULL, db, y, x, W, Bb, I, O);   // y as d_y: any numbers will do
    for (int i = 0; i < Bb; i++)
        for (int o = 0; o < O; o++) want_db[o] += y[i * O + o];
    cr_assert(!memcmp(db, want_db, sizeof db), "the bias gradient on threads differs from one loop");
}

enum { N_ACT = 24 };
typedef struct {
    float x[N_ACT], y[N_ACT], r[N_ACT];
    int use_tanh;
} ActCtx;

static double act_loss(void *p) {
    ActCtx *c = p;
    if (c->use_tanh) tanh_forward(c->y, c->x, N_ACT);
    else relu_forward(c->y, c->x, N_ACT);
    return weighted_sum(c->y, c->r, N_ACT);
}

Test(ch02_layers, relu_backward_matches_finite_differences) {
    Rng rng;
    rng_seed(&rng, 3);
    ActCtx c = {.use_tanh = 0};
    for (int i = 0; i < N_ACT; i++) {
        // |x| >= 0.1, well away from the kink at 0 compared with the step h = 0.01
        float mag = 0.1f + rng_uniform(&rng);
        c.x[i] = (i % 2) ? mag : -mag;
    }
    fill_normal(c.r, N_ACT, 1, &rng);
    float d_x[N_ACT] = {0};
    act_loss(&c);
    relu_backward(d_x, c.r, c.x, N_ACT);
    double err = gradcheck(act_loss, &c, c.x, d_x, N_ACT);
    cr_assert_lt(err, 1e-2, "relu: max relative error %g", err);
}

Test(ch02_layers, tanh_backward_matches_finite_differences) {
    Rng rng;
    rng_seed(&rng, 4);
    ActCtx c = {.use_tanh = 1};
    fill_normal(c.x, N_ACT, 1.5f, &rng);
    fill_normal(c.r, N_ACT, 1, &rng);
    float d_x[N_ACT] = {0};
    act_loss(&c);   // fills c.y, which tanh_backward reads
    float y[N_ACT];
    memcpy(y, c.y, sizeof(y));
    tanh_backward(d_x, c.r, y, N_ACT);
    double err = gradcheck(act_loss, &c, c.x, d_x, N_ACT);
    cr_assert_lt(err, 1e-2, "tanh: max relative error %g", err);
}

enum { XB = 5, XC = 7 };
typedef struct {
    float logits[XB * XC], probs[XB * XC];
    int targets[XB];
} XentCtx;

static double xent_loss(void *p) {
    XentCtx *c = p;
    return softmax_xent_forward(c->probs, c->logits, c->targets, XB, XC);
}

Test(ch02_layers, softmax_xent_backward_matches_finite_differences) {
    Rng rng;
    rng_seed(&rng, 5);
    XentCtx c;
    fill_normal(c.logits, XB * XC, 2, &rng);
    for (int i = 0; i < XB; i++) c.targets[i] = rng_int(&rng, XC);
    xent_loss(&c);
    float d_logits[XB * XC] = {0};
    softmax_xent_backward(d_logits, c.probs, c.targets, XB, XC);
    double err = gradcheck(xent_loss, &c, c.logits, d_logits, XB * XC);
    cr_assert_lt(err, 1e-2, "softmax_xent: max relative error %g", err);
    // Each row of (p - onehot)/B sums to 0: probabilities sum to 1, the one-hot too.
    for (int i = 0; i < XB; i++) {
        double s = 0;
        for (int k = 0; k < XC; k++) s += d_logits[i * XC + k];
        cr_assert_float_eq(s, 0.0, 1e-6, "row %d of d_logits sums to %g", i, s);
    }
}

// The writing variant: the same bits as adding into zeros, whatever the buffer held
// (NaN here, which any read would carry into the result).
Test(ch02_layers, softmax_xent_backward_write_equals_adding_into_zeros) {
    enum { WB = 70, WC = 1000 };   // 70,000 entries: on threads, as chapter 09 calls it (above 65,536)
    static float logits[WB * WC], probs[WB * WC], added[WB * WC], written[WB * WC];
    int targets[WB];
    Rng rng;
    rng_seed(&rng, 9);
    fill_normal(logits, WB * WC, 3, &rng);
    for (int i = 0; i < WB; i++) targets[i] = rng_int(&rng, WC);
    softmax_xent_forward(probs, logits, targets, WB, WC);
    for (int i = 0; i < WB * WC; i++) added[i] = 0.0f, written[i] = NAN;
    softmax_xent_backward(added, probs, targets, WB, WC);
    softmax_xent_backward_write(written, probs, targets, WB, WC, WB);
    cr_assert(!memcmp(added, written, sizeof added), "written and added gradients differ");
    softmax_xent_backward_write(written, probs, targets, WB, WC, WB);   // again: not added to the first
    cr_assert(!memcmp(added, written, sizeof added), "a second call added to the first");
    // in two pieces, rows 0-1 (on one thread) and 2-69 of the batch of 70: still divided by 70
    for (int i = 0; i < WB * WC; i++) written[i] = NAN;
    softmax_xent_backward_write(written, probs, targets, 2, WC, WB);
    softmax_xent_backward_write(written + 2 * WC, probs + 2 * WC, targets + 2, WB - 2, WC, WB);
    cr_assert(!memcmp(added, written, sizeof added), "the batch in two pieces differs from the whole");
}

// A 2-layer MLP, x -> linear -> tanh -> linear -> relu -> linear -> softmax-xent,
// so every backward is used in a chain and the d_x of one layer feeds the next.
enum { MB = 3, M_IN = 4, M_H = 6, M_C = 3 };
typedef struct {
    float x[MB * M_IN], W1[M_H * M_IN], b1[M_H], W2[M_H * M_H], b2[M_H], W3[M_C * M_H], b3[M_C];
    float h1[MB * M_H], a1[MB * M_H], h2[MB * M_H], a2[MB * M_H], logits[MB * M_C], probs[MB * M_C];
    int targets[MB];
} MlpCtx;

static double mlp_loss(void *p) {
    MlpCtx *c = p;
    linear_forward(c->h1, c->x, c->W1, c->b1, MB, M_IN, M_H);
    tanh_forward(c->a1, c->h1, MB * M_H);
    linear_forward(c->h2, c->a1, c->W2, c->b2, MB, M_H, M_H);
    relu_forward(c->a2, c->h2, MB * M_H);
    linear_forward(c->logits, c->a2, c->W3, c->b3, MB, M_H, M_C);
    return softmax_xent_forward(c->probs, c->logits, c->targets, MB, M_C);
}

typedef struct {
    float x[MB * M_IN], W1[M_H * M_IN], b1[M_H], W2[M_H * M_H], b2[M_H], W3[M_C * M_H], b3[M_C];
} MlpGrads;

static void mlp_backward(MlpGrads *g, const MlpCtx *c) {
    float d_logits[MB * M_C] = {0}, d_a2[MB * M_H] = {0}, d_h2[MB * M_H] = {0};
    float d_a1[MB * M_H] = {0}, d_h1[MB * M_H] = {0};
    softmax_xent_backward(d_logits, c->probs, c->targets, MB, M_C);
    linear_backward(d_a2, g->W3, g->b3, d_logits, c->a2, c->W3, MB, M_H, M_C);
    relu_backward(d_h2, d_a2, c->h2, MB * M_H);
    linear_backward(d_a1, g->W2, g->b2, d_h2, c->a1, c->W2, MB, M_H, M_H);
    tanh_backward(d_h1, d_a1, c->a1, MB * M_H);
    linear_backward(g->x, g->W1, g->b1, d_h1, c->x, c->W1, MB, M_IN, M_H);
}

static void mlp_init(MlpCtx *c, unsigned seed) {
    Rng rng;
    rng_seed(&rng, seed);
    fill_normal(c->x, MB * M_IN, 1, &rng);
    fill_normal(c->W1, M_H * M_IN, 0.7f, &rng);
    fill_normal(c->b1, M_H, 0.3f, &rng);
    fill_normal(c->W2, M_H * M_H, 0.7f, &rng);
    fill_normal(c->b2, M_H, 0.3f, &rng);
    fill_normal(c->W3, M_C * M_H, 0.7f, &rng);
    fill_normal(c->b3, M_C, 0.3f, &rng);
    for (int i = 0; i < MB; i++) c->targets[i] = rng_int(&rng, M_C);
}

Test(ch02_layers, two_layer_composite_matches_finite_differences) {
    MlpCtx c;
    mlp_init(&c, 6);
    mlp_loss(&c);
    // ReLU kinks: a pre-activation within h of 0 would make the numeric derivative
    // straddle the kink; the seed above keeps every |h2| > 0.02 (checked here).
    for (int i = 0; i < MB * M_H; i++) cr_assert_gt(fabsf(c.h2[i]), 0.02f, "h2[%d] = %g too near 0", i, c.h2[i]);
    MlpGrads g;
    memset(&g, 0, sizeof(g));
    mlp_backward(&g, &c);
    struct { const char *name; float *param; const float *grad; int n; } checks[] = {
        {"x", c.x, g.x, MB * M_IN},   {"W1", c.W1, g.W1, M_H * M_IN}, {"b1", c.b1, g.b1, M_H},
        {"W2", c.W2, g.W2, M_H * M_H}, {"b2", c.b2, g.b2, M_H},        {"W3", c.W3, g.W3, M_C * M_H},
        {"b3", c.b3, g.b3, M_C},
    };
    for (size_t k = 0; k < sizeof(checks) / sizeof(checks[0]); k++) {
        double err = gradcheck(mlp_loss, &c, checks[k].param, checks[k].grad, (size_t)checks[k].n);
        cr_expect_lt(err, 1e-2, "d_%s: max relative error %g", checks[k].name, err);
    }
}

// ---- accumulation and NULL gradients -----------------------------------------------------------

Test(ch02_layers, backward_accumulates) {
    // Calling every backward twice must give exactly twice the gradient: that is
    // how a tensor used in two places collects both contributions.
    MlpCtx c;
    mlp_init(&c, 7);
    mlp_loss(&c);
    MlpGrads once, twice;
    memset(&once, 0, sizeof(once));
    memset(&twice, 0, sizeof(twice));
    mlp_backward(&once, &c);
    mlp_backward(&twice, &c);
    mlp_backward(&twice, &c);
    const float *a = (const float *)&once, *b = (const float *)&twice;
    for (size_t i = 0; i < sizeof(MlpGrads) / sizeof(float); i++)
        cr_assert_float_eq(b[i], 2 * a[i], 1e-6f * (1 + fabsf(a[i])), "grad entry %zu: %g vs 2 * %g", i, b[i], a[i]);
}

Test(ch02_layers, linear_backward_skips_null_gradients) {
    float x[6] = {1, 2, 3, 4, 5, 6}, W[6] = {1, 0, -1, 0.5f, 0.5f, 0.5f}, dy[4] = {1, -1, 0.5f, 2};
    float d_W_all[6] = {0}, d_b_all[2] = {0}, d_x_all[6] = {0};
    float d_W[6] = {0}, d_b[2] = {0};
    linear_backward(d_x_all, d_W_all, d_b_all, dy, x, W, 2, 3, 2);
    linear_backward(NULL, d_W, NULL, dy, x, W, 2, 3, 2);   // first layer: no d_x, no bias
    linear_backward(NULL, NULL, d_b, dy, x, W, 2, 3, 2);
    for (int i = 0; i < 6; i++) cr_assert_float_eq(d_W[i], d_W_all[i], 1e-6);
    for (int i = 0; i < 2; i++) cr_assert_float_eq(d_b[i], d_b_all[i], 1e-6);
    // by hand: d_b = column sums of dy = [1.5, 1]; d_x row 0 = dy[0] W = 1*W0 - 1*W1
    cr_assert_float_eq(d_b[0], 1.5f, 1e-6);
    cr_assert_float_eq(d_b[1], 1.0f, 1e-6);
    cr_assert_float_eq(d_x_all[0], 0.5f, 1e-6);
    cr_assert_float_eq(d_x_all[2], -1.5f, 1e-6);
}
