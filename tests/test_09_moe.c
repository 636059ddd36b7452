// tests/test_09_moe.c: chapter 09's Mixture-of-Experts layer. A tiny case worked by
// hand (routing, gates, capacity, both losses); dispatch and combine against a naive
// token-by-token reference; the backward pass of the whole layer against central
// finite differences (common/gradcheck.h, bound 1e-2) with the top-k choice fixed, for
// top-1, renormalised top-2 with dropped tokens, and noisy top-k; each auxiliary
// loss's gradient on its own; the balancing bias (it changes the choice and nothing
// else, and moves against the load); the messages for impossible configurations.
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/09_moe/moe.h"
#include "common/gradcheck.h"
#include "common/mem.h"

static void fill_normal(float *x, size_t n, float std, Rng *rng) {
    for (size_t i = 0; i < n; i++) x[i] = std * rng_normal(rng);
}

static MoeConfig config(int E, int k, float cf) {
    MoeConfig c = {.E = E, .k = k, .capacity_factor = cf, .aux_coef = 1e-2f, .z_coef = 1e-3f};
    return c;
}

// 4 tokens, 2 experts, C = 2, the router the identity: z = x, so the choices are
// plain to see. x = (2,0) (0,1) (3,0) (1,1.5): experts 0 1 0 1.
Test(ch09_moe, tiny_case_by_hand) {
    enum { N = 4, C = 2, H = 3 };
    Rng rng;
    rng_seed(&rng, 91);
    MoeConfig cfg = config(2, 1, 1.0f);
    Moe m;
    moe_create(&m, "moe", &cfg, C, H, &rng);
    float eye[4] = {1, 0, 0, 1};
    memcpy(m.router_w.data, eye, sizeof eye);
    MoeCache c;
    moe_cache_alloc(&c, &m, N);
    float x[N * C] = {2, 0, 0, 1, 3, 0, 1, 1.5f}, y[N * C];
    double extra = moe_forward(&m, &c, y, x, N, NULL);
    int want_choice[N] = {0, 1, 0, 1};
    for (int n = 0; n < N; n++) cr_assert_eq(c.choice[n], want_choice[n], "token %d", n);
    // gates: p of the chosen expert, e^2/(e^2+1), e/(1+e), e^3/(e^3+1), e^1.5/(e+e^1.5)
    float want_gate[N] = {0.8807971f, 0.7310586f, 0.9525741f, 0.6224593f};
    for (int n = 0; n < N; n++) cr_assert_float_eq(c.gate[n], want_gate[n], 1e-6, "token %d", n);
    // cap = ceil(1.0 x 1 x 4 / 2) = 2: nothing dropped; expert 0's rows: tokens 0, 2
    cr_assert_eq(c.stats.cap, 2);
    cr_assert_eq(c.stats.dropped, 0);
    cr_assert_eq(c.row_token[0], 0);
    cr_assert_eq(c.row_token[1], 2);
    cr_assert_eq(c.row_token[2], 1);
    cr_assert_eq(c.row_token[3], 3);
    // y_n = g_n FFN_e(x_n)
    FfnCache one;
    ffn_cache_alloc(&one, 1, H);
    for (int n = 0; n < N; n++) {
        float ref[C];
        ffn_forward(&m.experts[want_choice[n]], &one, ref, x + n * C, 1);
        for (int i = 0; i < C; i++) cr_assert_float_eq(y[n * C + i], want_gate[n] * ref[i], 1e-6, "y[%d][%d]", n, i);
    }
    // f = (1/2, 1/2): aux = alpha E sum f_i P_i = alpha (P_0 + P_1) = alpha, whatever P
    cr_assert_float_eq(c.stats.aux_loss, 1e-2, 1e-8);
    // z-loss: beta mean lse^2, lse = log(e^2+1), log(1+e), log(e^3+1), log(e+e^1.5)
    double lse[N] = {2.1269280, 1.3132617, 3.0485874, 1.9740770}, zl = 0;
    for (int n = 0; n < N; n++) zl += lse[n] * lse[n] / N;
    cr_assert_float_eq(c.stats.z_loss, 1e-3 * zl, 1e-8);
    cr_assert_float_eq(extra, c.stats.aux_loss + c.stats.z_loss, 1e-12);

    // capacity 0.5: cap = 1, each expert keeps its first token; tokens 2 and 3 are
    // dropped and get nothing from the layer (the residual carries them)
    m.cfg.capacity_factor = 0.5f;
    moe_forward(&m, &c, y, x, N, NULL);
    cr_assert_eq(c.stats.cap, 1);
    cr_assert_eq(c.stats.dropped, 2);
    cr_assert_eq(c.row[2], -1);
    cr_assert_eq(c.row[3], -1);
    for (int i = 0; i < 2 * C; i++) cr_assert_eq(y[2 * C + i], 0.0f);
    // all four to expert 0: f = (1, 0), aux = alpha 2 P_0; P_0 = mean of p_0
    float x0[N * C] = {2, 0, 1, 0, 3, 0, 1, 0.5f};
    moe_forward(&m, &c, y, x0, N, NULL);
    cr_assert_eq(c.stats.assigned[0], 4);
    double P0 = (0.8807971 + 0.7310586 + 0.9525741 + 0.6224593) / 4;
    cr_assert_float_eq(c.stats.aux_loss, 1e-2 * 2 * P0, 1e-7);
    ffn_cache_free(&one), moe_cache_free(&c), moe_free(&m);
}

// The layer against the obvious, slow version: each token through its kept experts
// one at a time. Top-2 over 4 experts with a capacity that drops some choices.
Test(ch09_moe, dispatch_and_combine_match_token_by_token) {
    enum { N = 24, C = 6, H = 8 };
    Rng rng;
    rng_seed(&rng, 92);
    MoeConfig cfg = config(4, 2, 0.75f);
    cfg.renormalize = 1;
    Moe m;
    moe_create(&m, "moe", &cfg, C, H, &rng);
    fill_normal(m.router_w.data, m.router_w.size, 1.0f, &rng);   // confident, uneven routing
    MoeCache c;
    moe_cache_alloc(&c, &m, N);
    float x[N * C], y[N * C];
    fill_normal(x, N * C, 1, &rng);
    moe_forward(&m, &c, y, x, N, NULL);
    const MoeStats *st = &c.stats;
    cr_assert_eq(st->cap, 9);   // ceil(0.75 x 2 x 24 / 4)
    cr_assert_gt(st->dropped, 0, "the test wants some dropped choices");
    long kept = 0;
    for (int e = 0; e < 4; e++) {
        cr_assert_leq(st->kept[e], st->cap);
        cr_assert_eq(st->kept[e], st->assigned[e] < st->cap ? st->assigned[e] : st->cap);
        cr_assert_eq(c.expert_start[e + 1] - c.expert_start[e], st->kept[e]);
        kept += st->kept[e];
    }
    cr_assert_eq(kept + st->dropped, N * 2);
    // first choices go first: a dropped first choice means its expert is full of first
    // choices, so no second choice got into it
    for (int n = 0; n < N; n++)
        if (c.row[n * 2] < 0)
            for (int t = 0; t < N; t++)
                cr_assert(!(c.choice[t * 2 + 1] == c.choice[n * 2] && c.row[t * 2 + 1] >= 0),
                          "token %d's first choice dropped, token %d's second kept", n, t);
    FfnCache one;
    ffn_cache_alloc(&one, 1, H);
    for (int n = 0; n < N; n++) {
        float ref[C] = {0}, out[C];
        double s = c.probs[n * 4 + c.choice[n * 2]] + c.probs[n * 4 + c.choice[n * 2 + 1]];
        cr_assert_neq(c.choice[n * 2], c.choice[n * 2 + 1]);
        for (int j = 0; j < 2; j++) {
            if (c.row[n * 2 + j] < 0) continue;
            int e = c.choice[n * 2 + j];
            ffn_forward(&m.experts[e], &one, out, x + n * C, 1);
            for (int i = 0; i < C; i++) ref[i] += (float)(c.probs[n * 4 + e] / s) * out[i];
        }
        for (int i = 0; i < C; i++) cr_assert_float_eq(y[n * C + i], ref[i], 1e-5, "token %d", n);
    }
    ffn_cache_free(&one), moe_cache_free(&c), moe_free(&m);
}

// ---- gradients ---------------------------------------------------------------------------------

typedef struct {
    Moe *m;
    MoeCache *c;
    float *x, *y;
    const float *r;   // NULL: the auxiliary losses alone
    int N;
    uint64_t noise_seed;   // noisy: the same eps at every call
} MoeCtx;

static double moe_loss(void *v) {
    MoeCtx *t = v;
    Rng rng;
    rng_seed(&rng, t->noise_seed);
    double extra = moe_forward(t->m, t->c, t->y, t->x, t->N, t->m->cfg.noisy ? &rng : NULL);
    return (t->r ? weighted_sum(t->y, t->r, (size_t)t->N * t->m->C) : 0) + extra;
}

static void check_moe(MoeConfig cfg, int with_output, const char *what) {
    enum { N = 12, C = 5, H = 6 };
    Rng rng;
    rng_seed(&rng, 93);
    Moe m;
    moe_create(&m, "moe", &cfg, C, H, &rng);
    fill_normal(m.router_w.data, m.router_w.size, 0.7f, &rng);
    if (cfg.noisy) fill_normal(m.noise_w.data, m.noise_w.size, 0.5f, &rng);
    if (cfg.bias_rate > 0) fill_normal(m.choice_bias, (size_t)cfg.E, 1.0f, &rng);   // choices other than z's
    for (int e = 0; e < cfg.E; e++)   // biases away from 0, as trained ones are
        fill_normal(m.experts[e].b1.data, H, 0.5f, &rng), fill_normal(m.experts[e].b2.data, C, 0.5f, &rng);
    MoeCache c;
    moe_cache_alloc(&c, &m, N);
    float x[N * C], y[N * C], r[N * C], d_x[N * C] = {0};
    fill_normal(x, N * C, 1, &rng), fill_normal(r, N * C, 1, &rng);
    MoeCtx t = {&m, &c, x, y, with_output ? r : NULL, N, 7};
    moe_loss(&t);
    c.fix_routing = 1;   // the choices (and so f and the drops) stay as they are
    float zeros[N * C] = {0};
    moe_backward(&m, &c, d_x, with_output ? r : zeros, x, N);
    TensorList ps = {0};
    moe_params(&m, &ps);
    for (int i = 0; i < ps.count; i++) {
        Tensor *p = ps.items[i];
        if (!with_output && strstr(p->name, "experts")) continue;   // the losses never see them
        double err = gradcheck(moe_loss, &t, p->data, p->grad, p->size);
        cr_assert_lt(err, 1e-2, "%s: %s: max relative error %g", what, p->name, err);
    }
    double err = gradcheck(moe_loss, &t, x, d_x, N * C);
    cr_assert_lt(err, 1e-2, "%s: d_x: max relative error %g", what, err);
    tensorlist_free(&ps), moe_cache_free(&c), moe_free(&m);
}

Test(ch09_moe, top1_backward_matches_finite_differences) {
    MoeConfig cfg = config(4, 1, 2.0f);
    cfg.aux_coef = 0.5f, cfg.z_coef = 0.2f;   // large, so that their terms are checked too
    check_moe(cfg, 1, "top-1");
}

Test(ch09_moe, top2_renormalised_with_drops_backward_matches_finite_differences) {
    MoeConfig cfg = config(4, 2, 0.5f);   // cap ceil(0.5 x 2 x 12 / 4) = 3 of the 24 choices per expert: drops
    cfg.renormalize = 1, cfg.aux_coef = 0.5f, cfg.z_coef = 0.2f;
    check_moe(cfg, 1, "top-2");
}

Test(ch09_moe, noisy_top2_backward_matches_finite_differences) {
    MoeConfig cfg = config(4, 2, 1.25f);
    cfg.noisy = 1, cfg.aux_coef = 0.5f, cfg.z_coef = 0.2f;
    check_moe(cfg, 1, "noisy top-2");
}

Test(ch09_moe, grouped_top2_backward_matches_finite_differences) {
    MoeConfig cfg = config(4, 2, 0.75f);   // 3 groups of 4 tokens, cap 2 each: drops
    cfg.group_size = 4, cfg.aux_coef = 0.5f, cfg.z_coef = 0.2f;
    check_moe(cfg, 1, "grouped top-2");
}

Test(ch09_moe, biased_top2_backward_matches_finite_differences) {
    MoeConfig cfg = config(4, 2, 0.75f);   // the bias's choices, with drops
    cfg.renormalize = 1, cfg.bias_rate = 1e-3f, cfg.aux_coef = 0.5f, cfg.z_coef = 0.2f;
    check_moe(cfg, 1, "top-2 with the balancing bias");
}

// GShard's groups, as expert parallelism makes them (one per process): the layer over
// G groups is the layer over each group alone; the load-balancing loss is the mean of
// the groups' own, the z-loss the mean over all tokens.
Test(ch09_moe, groups_are_separate_batches) {
    enum { N = 16, C = 4, H = 5, G = 2 };
    Rng rng;
    rng_seed(&rng, 94);
    MoeConfig cfg = config(4, 2, 0.5f);
    cfg.group_size = N / G;
    Moe m;
    moe_create(&m, "moe", &cfg, C, H, &rng);
    fill_normal(m.router_w.data, m.router_w.size, 1.0f, &rng);
    MoeCache c;
    moe_cache_alloc(&c, &m, N);
    float x[N * C], y[N * C], y_part[N * C];
    fill_normal(x, N * C, 1, &rng);
    double both = moe_forward(&m, &c, y, x, N, NULL);
    MoeStats grouped = c.stats;
    cr_assert_eq(grouped.cap, 2);   // ceil(0.5 x 2 x 8 / 4)
    m.cfg.group_size = 0;
    double aux = 0, z = 0;
    long dropped = 0;
    for (int g = 0; g < G; g++) {
        moe_forward(&m, &c, y_part + g * (N / G) * C, x + g * (N / G) * C, N / G, NULL);
        aux += c.stats.aux_loss / G, z += c.stats.z_loss / G, dropped += c.stats.dropped;
    }
    for (int i = 0; i < N * C; i++) cr_assert_float_eq(y[i], y_part[i], 1e-6, "y[%d]", i);
    cr_assert_eq(grouped.dropped, dropped);
    cr_assert_gt(dropped, 0, "the test wants drops");
    cr_assert_float_eq(grouped.aux_loss, aux, 1e-7);
    cr_assert_float_eq(grouped.z_loss, z, 1e-7);
    cr_assert_float_eq(both, aux + z, 1e-7);
    moe_cache_free(&c), moe_free(&m);
}

Test(ch09_moe, each_auxiliary_loss_alone_matches_finite_differences) {
    MoeConfig aux = config(4, 1, 1.25f), z = config(4, 1, 1.25f);
    aux.aux_coef = 1.0f, aux.z_coef = 0;
    z.aux_coef = 0, z.z_coef = 1.0f;
    check_moe(aux, 0, "load-balancing loss");
    check_moe(z, 0, "z-loss");
}

Test(ch09_moe, capacity_rounds_as_the_formula_says) {
    cr_assert_eq(moe_capacity(1.25f, 1, 2048, 8), 320);
    cr_assert_eq(moe_capacity(1.1f, 1, 10, 1), 10, "ceil(1.1 x 10) = 11, but an expert never gets more than 10 tokens");
    cr_assert_eq(moe_capacity(1.1f, 1, 10, 2), 6);     // ceil(5.5); 1.1f is 1.10000002: not 7 by rounding
    cr_assert_eq(moe_capacity(1.1f, 1, 100, 11), 10);  // ceil(10.0000002) would be 11
    cr_assert_eq(moe_capacity(0.5f, 2, 3, 3), 1);
}

Test(ch09_moe, impossible_configurations_say_why) {
    char err[256];
    MoeConfig ok = config(8, 2, 1.25f);
    cr_assert_eq(moe_check_config(&ok, 2, err, sizeof err), 0);
    MoeConfig k_big = config(2, 3, 1.25f);
    cr_assert_eq(moe_check_config(&k_big, 1, err, sizeof err), -1);
    cr_assert(strstr(err, "k = 3") && strstr(err, "E = 2"), "%s", err);
    cr_assert_eq(moe_check_config(&ok, 3, err, sizeof err), -1);
    cr_assert(strstr(err, "3 processes"), "%s", err);
    MoeConfig no_room = config(8, 1, 0);
    cr_assert_eq(moe_check_config(&no_room, 1, err, sizeof err), -1);
    cr_assert(strstr(err, "capacity factor"), "%s", err);
    MoeConfig one_gate = config(8, 1, 1.25f);
    one_gate.renormalize = 1;
    cr_assert_eq(moe_check_config(&one_gate, 1, err, sizeof err), -1);
    cr_assert(strstr(err, "always 1"), "%s", err);
    MoeConfig bias = config(8, 1, 1.25f);
    bias.bias_rate = 1e-3f;
    cr_assert_eq(moe_check_config(&bias, 1, err, sizeof err), 0);
    cr_assert_eq(moe_check_config(&bias, 2, err, sizeof err), -1);
    cr_assert(strstr(err, "balancing bias") && strstr(err, "2-process"), "%s", err);
    bias.bias_rate = -1e-3f;
    cr_assert_eq(moe_check_config(&bias, 1, err, sizeof err), -1);
    cr_assert(strstr(err, ">= 0"), "%s", err);
}

// The bias is added for the choice only: with it, the choices are the top-k of z + b,
// while the logits, the probabilities and the gates are those of z; the load-balancing
// loss sees the new choices (its f) and the unbiased p. The gradient is checked with
// the biased choice fixed.
Test(ch09_moe, the_balancing_bias_steers_the_choice_not_the_gates) {
    enum { N = 24, C = 4, H = 5, E = 4 };
    Rng rng;
    rng_seed(&rng, 95);
    MoeConfig cfg = config(E, 2, 4.0f);   // room for every choice: no drops
    cfg.renormalize = 1, cfg.bias_rate = 0.1f;
    Moe m;
    moe_create(&m, "moe", &cfg, C, H, &rng);
    fill_normal(m.router_w.data, m.router_w.size, 1.0f, &rng);
    MoeCache plain, biased;
    moe_cache_alloc(&plain, &m, N), moe_cache_alloc(&biased, &m, N);
    float x[N * C], y[N * C];
    fill_normal(x, N * C, 1, &rng);
    moe_forward(&m, &plain, y, x, N, NULL);   // b = 0: the plain router
    const float b[E] = {0.8f, -0.5f, 0.0f, 1.5f};
    memcpy(m.choice_bias, b, sizeof b);
    moe_forward(&m, &biased, y, x, N, NULL);
    int changed = 0;
    for (int n = 0; n < N; n++) {
        const float *z = plain.logits + (size_t)n * E, *p = plain.probs + (size_t)n * E;
        int want[2] = {-1, -1};   // the top-2 of z + b, by hand
        for (int i = 0; i < E; i++)
            if (want[0] < 0 || z[i] + b[i] > z[want[0]] + b[want[0]]) want[0] = i;
        for (int i = 0; i < E; i++)
            if (i != want[0] && (want[1] < 0 || z[i] + b[i] > z[want[1]] + b[want[1]])) want[1] = i;
        for (int j = 0; j < 2; j++) {
            cr_assert_eq(biased.choice[n * 2 + j], want[j], "token %d choice %d", n, j);
            const float g = p[want[j]] / (p[want[0]] + p[want[1]]);
            cr_assert_float_eq(biased.gate[n * 2 + j], g, 1e-6, "token %d: the gate is the unbiased p's", n);
            changed += biased.choice[n * 2 + j] != plain.choice[n * 2 + j];
        }
        for (int i = 0; i < E; i++) cr_assert_eq(biased.probs[n * E + i], p[i], "the probabilities are z's");
    }
    cr_assert_gt(changed, 4, "the bias must change some choices (%d)", changed);
    // the load-balancing loss: f from the biased choices, P from the unbiased p
    double f[E] = {0}, P[E] = {0}, aux = 0;
    for (int n = 0; n < N; n++)
        for (int j = 0; j < 2; j++) f[biased.choice[n * 2 + j]] += 1.0 / (N * 2);
    for (int n = 0; n < N; n++)
        for (int i = 0; i < E; i++) P[i] += plain.probs[n * E + i] / N;
    for (int i = 0; i < E; i++) aux += cfg.aux_coef * E * f[i] * P[i];
    cr_assert_float_eq(biased.stats.aux_loss, aux, 1e-6, "aux %g, by hand %g", biased.stats.aux_loss, aux);
    moe_cache_free(&plain), moe_cache_free(&biased), moe_free(&m);
}

// b_i += rate sign(mean - load_i): the overloaded expert down, the idle up, the one at
// the mean unchanged; rate 0 moves nothing.
Test(ch09_moe, the_balancing_bias_moves_against_the_load) {
    Rng rng;
    rng_seed(&rng, 96);
    MoeConfig cfg = config(4, 1, 1.25f);
    cfg.bias_rate = 0.25f;
    Moe m;
    moe_create(&m, "moe", &cfg, 3, 2, &rng);
    const long load[4] = {9, 0, 3, 4};   // mean 4
    moe_update_bias(&m, load);
    moe_update_bias(&m, load);
    const float want[4] = {-0.5f, 0.5f, 0.5f, 0.0f};
    for (int i = 0; i < 4; i++) cr_assert_float_eq(m.choice_bias[i], want[i], 1e-7, "expert %d: %g", i, m.choice_bias[i]);
    m.cfg.bias_rate = 0;
    moe_update_bias(&m, load);
    for (int i = 0; i < 4; i++) cr_assert_float_eq(m.choice_bias[i], want[i], 1e-7);
    moe_free(&m);
    // a mean that is not a round number in binary (E = 10, every load 1): nobody moves
    MoeConfig ten = config(10, 1, 1.25f);
    ten.bias_rate = 0.25f;
    moe_create(&m, "moe", &ten, 3, 2, &rng);
    const long even[10] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    moe_update_bias(&m, even);
    for (int i = 0; i < 10; i++) cr_assert_eq(m.choice_bias[i], 0.0f, "expert %d moved at the mean", i);
    moe_free(&m);
}

// moe_router_backward hands each row's input gradient back to its token, shared out by
// token; a token's rows must be added in row order, as a plain loop over the rows adds
// them (floating-point addition is not associative: another order gives other bits,
// and a run would no longer match an earlier one). With both auxiliary losses off and
// the gates' gradient set to zero, the router adds exact zeros, so d_x must equal that
// loop's, bit for bit.
Test(ch09_moe, the_dispatch_transpose_adds_a_tokens_rows_in_row_order) {
    enum { N = 1024, C = 64, H = 16, E = 8 };
    MoeConfig cfg = config(E, 2, 1.0f);
    cfg.aux_coef = 0, cfg.z_coef = 0;
    Rng rng;
    rng_seed(&rng, 98);
    Moe m;
    moe_create(&m, "moe", &cfg, C, H, &rng);
    fill_normal(m.router_w.data, m.router_w.size, 0.5f, &rng);
    MoeCache c;
    moe_cache_alloc(&c, &m, N);
    const size_t NC = (size_t)N * C;
    float *x = xmalloc(sizeof(float) * NC), *y = xmalloc(sizeof(float) * NC), *d_y = xmalloc(sizeof(float) * NC);
    float *d_x = xmalloc(sizeof(float) * NC), *want = xmalloc(sizeof(float) * NC);
    fill_normal(x, NC, 1, &rng), fill_normal(d_y, NC, 1, &rng), fill_normal(d_x, NC, 1, &rng);
    memcpy(want, d_x, sizeof(float) * NC);
    moe_forward(&m, &c, y, x, N, NULL);
    moe_combine_backward(&m, &c, d_y, N);
    moe_run_experts_backward(&m, &c);
    memset(c.d_gate, 0, sizeof(float) * N * 2);
    moe_router_backward(&m, &c, d_x, x, N);
    int second_first = 0;   // tokens whose second choice has the lower row: order matters
    for (int n = 0; n < N; n++) second_first += c.row[2 * n + 1] >= 0 && c.row[2 * n + 1] < c.row[2 * n];
    cr_assert_gt(second_first, 100, "the test wants tokens whose rows come in the other order");
    for (int r = 0; r < c.expert_start[E]; r++)
        for (int i = 0; i < C; i++) want[(size_t)c.row_token[r] * C + i] += c.d_xin[(size_t)r * C + i];
    for (size_t i = 0; i < NC; i++)
        cr_assert_eq(memcmp(&d_x[i], &want[i], sizeof(float)), 0, "d_x[%zu] = %.9g, row by row %.9g", i, d_x[i], want[i]);
    free(x), free(y), free(d_y), free(d_x), free(want), moe_cache_free(&c), moe_free(&m);
}

#ifdef _OPENMP
#include <omp.h>
// The experts run side by side and the token loops are shared between threads (09.5,
// "Speed"); chapter 09's runs are compared bit for bit across thread counts, so one
// thread and two must give the same output, input gradient and parameter gradients.
// Big enough for every parallel path to split (N C >= 2^16), top-2 so that a token's two
// rows can land on two threads, with drops.
Test(ch09_moe, one_thread_and_two_give_the_same_bits, .timeout = 60) {
    enum { N = 1024, C = 64, H = 32, E = 8 };
    MoeConfig cfg = config(E, 2, 1.0f);
    cfg.renormalize = 1;
    float *x = xmalloc(sizeof(float) * N * C), *d_y = xmalloc(sizeof(float) * N * C);
    float *y[2], *d_x[2];
    Moe m[2];
    for (int t = 0; t < 2; t++) {
        Rng rng;
        rng_seed(&rng, 97);
        moe_create(&m[t], "moe", &cfg, C, H, &rng);
        fill_normal(m[t].router_w.data, m[t].router_w.size, 0.5f, &rng);
        fill_normal(x, (size_t)N * C, 1, &rng), fill_normal(d_y, (size_t)N * C, 1, &rng);
        MoeCache c;
        moe_cache_alloc(&c, &m[t], N);
        // d_x holds something already (backward accumulates): a token's two rows then
        // add up differently in another order, (d + a) + b != (d + b) + a
        y[t] = xcalloc((size_t)N * C, sizeof(float)), d_x[t] = xmalloc(sizeof(float) * N * C);
        fill_normal(d_x[t], (size_t)N * C, 1, &rng);
        omp_set_num_threads(t + 1);
        moe_forward(&m[t], &c, y[t], x, N, NULL);
        cr_assert_gt(c.stats.dropped, 0, "the test wants some dropped choices");
        moe_backward(&m[t], &c, d_x[t], d_y, x, N);
        moe_cache_free(&c);
    }
    cr_assert_eq(memcmp(y[0], y[1], sizeof(float) * N * C), 0, "y differs with 2 threads");
    cr_assert_eq(memcmp(d_x[0], d_x[1], sizeof(float) * N * C), 0, "d_x differs with 2 threads");
    TensorList ps[2] = {{0}, {0}};
    moe_params(&m[0], &ps[0]), moe_params(&m[1], &ps[1]);
    for (int i = 0; i < ps[0].count; i++) {
        const Tensor *a = ps[0].items[i], *b = ps[1].items[i];
        cr_assert_eq(memcmp(a->grad, b->grad, sizeof(float) * a->size), 0, "%s's grad differs with 2 threads", a->name);
    }
    for (int t = 0; t < 2; t++) tensorlist_free(&ps[t]), moe_free(&m[t]), free(y[t]), free(d_x[t]);
    free(x), free(d_y);
}
#endif
