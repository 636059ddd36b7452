// tests/test_09_train.c: chapter 09's training loop on a stream small enough to learn
// in a second: a repeating pattern of 12 tokens, which a next-token model predicts
// exactly once it has seen where it is. The loss must fall, the validation loss
// reach near zero, and the routing statistics of the curve be well-formed. And the
// balancing bias, on the same stream without the load-balancing loss: it must even
// out the load the router alone leaves uneven.
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "chapters/09_moe/train.h"
#include "common/mem.h"

enum { V = 16, N = 4000 };

// The stream: 12 tokens over and over; "3" is followed by 7 or 8, so context is needed.
static int *pattern_stream(void) {
    int *stream = xmalloc(sizeof(int) * N);
    const int pattern[12] = {3, 7, 1, 9, 9, 4, 12, 5, 3, 8, 2, 15};
    for (int i = 0; i < N; i++) stream[i] = pattern[i % 12];
    return stream;
}

// A 2-block model with 4 top-1 experts per block, and its 120 steps.
static void pattern_model(Lm *m, float aux, float bias_rate) {
    LmConfig cfg = {.vocab = V, .C = 32, .NH = 2, .layers = 2, .T = 24, .moe = 1, .expert_H = 32,
                    .moe_cfg = {.E = 4, .k = 1, .capacity_factor = 1.5f, .aux_coef = aux, .z_coef = 1e-3f,
                                .bias_rate = bias_rate}};
    Rng rng;
    rng_seed(&rng, 3);
    lm_create(m, &cfg, &rng);
}

static LmTrainOpts pattern_opts(int eval_every) {
    return (LmTrainOpts){.batch = 8, .T = 24, .steps = 120, .warmup = 10, .lr = 3e-3f, .weight_decay = 0.0f,
                         .clip = 1.0f, .log_every = 20, .eval_every = eval_every, .eval_max = 20, .seed = 4};
}

Test(ch09_train, a_moe_language_model_learns_a_pattern, .timeout = 120) {
    int *stream = pattern_stream();
    Lm m;
    pattern_model(&m, 1e-2f, 0);
    const LmConfig cfg = m.cfg;
    LmTrainOpts o = pattern_opts(60);
    LmCurve curve = {0};
    // validation: the pattern, with a stray token every 37 after the first 20 windows, so
    // that the loss on all windows differs from the loss on the first 20
    int *val = xmalloc(sizeof(int) * N);
    for (int i = 0; i < N; i++) val[i] = i > 20 * 24 && i % 37 == 0 ? 13 : stream[i];
    lm_train(&m, stream, N, val, N, &o, &curve, NULL);
    cr_assert_eq(curve.n, 6);
    const LmPoint *first = &curve.points[0], *last = &curve.points[curve.n - 1];
    // measured: 2.27 over the first 20 steps, 0.03 over the last 20; validation 0.005
    cr_assert_lt(last->train_loss, 0.25 * first->train_loss, "train loss %g -> %g", first->train_loss, last->train_loss);
    cr_assert_lt(last->val_loss, 0.2, "validation loss %g (chance: ln 16 = 2.77)", last->val_loss);
    // the curve's points use the first 20 windows; the result, once, all 166 of them
    LmCache c;
    lm_cache_alloc(&c, &m, o.batch, o.T);
    const double on_all = lm_evaluate(&m, &c, val, N, o.T, 0), on_20 = lm_evaluate(&m, &c, val, N, o.T, 20);
    lm_cache_free(&c, &m);
    cr_assert_gt(on_all, on_20 + 0.1, "the stray tokens cost: %g on all windows, %g on the first 20", on_all, on_20);
    cr_assert_float_eq(last->val_loss_all, on_all, 1e-9 * (1 + on_all), "%g vs %g", last->val_loss_all, on_all);
    cr_assert_float_eq(last->val_loss, on_20, 1e-9 * (1 + on_20), "%g vs %g", last->val_loss, on_20);
    for (int i = 0; i < curve.n; i++) {
        const LmPoint *p = &curve.points[i];
        cr_assert(i == curve.n - 1 || isnan(p->val_loss_all), "point %d: only the last is on all windows", i);
        for (int l = 0; l < cfg.layers; l++) {
            long routed = 0;
            for (int e = 0; e < 4; e++) routed += p->load[l][e];
            cr_assert_eq(routed, 20L * 8 * 24, "point %d layer %d: every token routed once a step", i, l);
            cr_assert(p->drop[l] >= 0 && p->drop[l] <= 1 && p->cv[l] >= 0 && p->max_mean[l] >= 1 - 1e-9,
                      "point %d layer %d: drop %g cv %g max/mean %g", i, l, p->drop[l], p->cv[l], p->max_mean[l]);
            cr_assert(p->entropy[l] >= 0 && p->entropy[l] <= log(4.0) + 1e-6);
        }
        cr_assert(p->aux > 0 && p->z > 0, "aux %g z %g", p->aux, p->z);
    }
    lmcurve_free(&curve), lm_free(&m), free(stream), free(val);
}

// The load summed over the curve's last `points` points, cv over the experts, the
// worst layer.
static double tail_load_cv(const LmCurve *curve, int layers, int E, int points) {
    double worst = 0;
    for (int l = 0; l < layers; l++) {
        long load[MOE_MAX_EXPERTS] = {0};
        for (int i = curve->n - points; i < curve->n; i++)
            for (int e = 0; e < E; e++) load[e] += curve->points[i].load[l][e];
        double cv = load_cv(load, E);
        worst = cv > worst ? cv : worst;
    }
    return worst;
}

static double train_pattern(float bias_rate, LmCurve *curve) {
    int *stream = pattern_stream();
    Lm m;
    pattern_model(&m, 0, bias_rate);
    LmTrainOpts o = pattern_opts(0);
    lm_train(&m, stream, N, NULL, 0, &o, curve, NULL);
    double moved = 0;   // how far the biases went
    for (int l = 0; l < m.cfg.layers; l++)
        for (int e = 0; e < m.cfg.moe_cfg.E; e++) moved += fabs(m.moe[l].choice_bias[e]);
    lm_free(&m), free(stream);
    return moved;
}

Test(ch09_train, the_balancing_bias_evens_out_the_load, .timeout = 120) {
    LmCurve plain = {0}, biased = {0};
    double moved_plain = train_pattern(0, &plain), moved = train_pattern(2e-2f, &biased);
    double cv_plain = tail_load_cv(&plain, 2, 4, 3), cv_biased = tail_load_cv(&biased, 2, 4, 3);
    // measured: summed cv of the last 60 steps 0.839 without, 0.022 with the bias
    cr_assert_eq(moved_plain, 0, "no bias without a rate");
    cr_assert_gt(cv_plain, 0.3, "the router alone should leave the load uneven here (cv %g)", cv_plain);
    cr_assert_lt(cv_biased, 0.1, "with the bias: cv %g (moved %g)", cv_biased, moved);
    const LmPoint *first = &biased.points[0], *last = &biased.points[biased.n - 1];
    cr_assert_lt(last->train_loss, 0.25 * first->train_loss, "and it still learns: %g -> %g", first->train_loss,
                 last->train_loss);
    lmcurve_free(&plain), lmcurve_free(&biased);
}

// lm_load_grouping (09.5): the same choices counted per group of windows and dealt at
// random into groups as large. Windows that each repeat one token route alike within a
// window, so groups of a few windows are far more uneven than random groups, and less
// so the more windows a group holds; with one group the two countings hold the same
// choices and agree exactly.
Test(ch09_train, load_grouping_separates_the_batches_content_from_chance, .timeout = 60) {
    enum { T = 24, WINDOWS = 160 };
    int *stream = xmalloc(sizeof(int) * (WINDOWS * T + 1));
    for (int i = 0; i <= WINDOWS * T; i++) stream[i] = (i / T * 5) % V;   // window w: token 5w mod 16, T times
    Lm m;
    pattern_model(&m, 1e-2f, 0);
    LmCache c;
    lm_cache_alloc(&c, &m, 2, T);
    LoadGrouping g[LOAD_SCALES];
    lm_load_grouping(&m, &c, stream, WINDOWS * T + 1, T, 0, 9, g);
    for (int s = 0; s < LOAD_SCALES; s++) {
        cr_assert_eq(g[s].groups, (WINDOWS / 2) >> s, "scale %d", s);
        cr_assert_eq(g[s].windows_per_group, 2 << s, "scale %d", s);
        cr_assert(g[s].max_mean_batches > g[s].max_mean_shuffled + 0.2, "scale %d: batches %.3f, shuffled %.3f", s,
                  g[s].max_mean_batches, g[s].max_mean_shuffled);
        cr_assert(g[s].cv_batches > g[s].cv_shuffled + 0.1, "scale %d: batches %.3f, shuffled %.3f", s,
                  g[s].cv_batches, g[s].cv_shuffled);
        if (s) cr_assert_lt(g[s].max_mean_batches, g[s - 1].max_mean_batches - 0.05, "more windows, more even");
    }
    lm_load_grouping(&m, &c, stream, WINDOWS * T + 1, T, 2, 9, g);
    cr_assert_eq(g[0].groups, 1);
    cr_assert_eq(g[0].max_mean_batches, g[0].max_mean_shuffled);
    cr_assert_eq(g[0].cv_batches, g[0].cv_shuffled);
    cr_assert_eq(g[1].groups, 0, "no group of two batches in one");
    cr_assert_eq(g[1].max_mean_batches, 0);
    lm_cache_free(&c, &m), lm_free(&m), free(stream);
}
