// tests/test_09_lm.c: chapter 09's language model, dense and with MoE layers: the
// gradient of the whole model (cross-entropy + the auxiliary losses) against central
// finite differences, with the routing fixed; it never looks ahead; the parameter
// counts.
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/09_moe/lm.h"
#include "common/gradcheck.h"
#include "common/mem.h"

enum { V = 11, B = 2, T = 5 };

static LmConfig tiny(int moe) {
    LmConfig c = {.vocab = V, .C = 8, .NH = 2, .layers = 2, .T = T, .H = 16, .moe = moe, .expert_H = 6,
                  .moe_cfg = {.E = 4, .k = 2, .capacity_factor = 1.0f, .renormalize = 1, .aux_coef = 0.3f, .z_coef = 0.1f}};
    return c;
}

typedef struct {
    Lm *m;
    LmCache *c;
    const int *ids;
} LmCtx;

static double lm_loss(void *v) {
    LmCtx *t = v;
    double ce = lm_forward(t->m, t->c, t->ids, NULL, B, T);
    return ce + t->c->aux_loss + t->c->z_loss;
}

static void check_lm(int moe) {
    Rng rng;
    rng_seed(&rng, 95);
    LmConfig cfg = tiny(moe);
    Lm m;
    lm_create(&m, &cfg, &rng);
    for (int t = 0; t < m.params.count; t++) {   // gains, shifts and biases away from 1 and 0
        Tensor *p = m.params.items[t];
        if (p->ndim == 1)
            for (size_t i = 0; i < p->size; i++) p->data[i] += 0.3f * rng_normal(&rng);
        if (strstr(p->name, "router"))   // confident routing: the choices are far from ties
            for (size_t i = 0; i < p->size; i++) p->data[i] = rng_normal(&rng);
    }
    LmCache c;
    lm_cache_alloc(&c, &m, B, T);
    int ids[B * (T + 1)];
    for (int i = 0; i < B * (T + 1); i++) ids[i] = rng_int(&rng, V);
    LmCtx ctx = {&m, &c, ids};
    tensorlist_zero_grad(&m.params);
    lm_loss(&ctx);
    if (moe)
        for (int l = 0; l < cfg.layers; l++) c.moe[l].fix_routing = 1;
    lm_backward(&m, &c, ids, B, T);
    for (int t = 0; t < m.params.count; t++) {
        Tensor *p = m.params.items[t];
        float *g = malloc(sizeof(float) * p->size);
        memcpy(g, p->grad, sizeof(float) * p->size);
        double err = gradcheck(lm_loss, &ctx, p->data, g, p->size);
        free(g);
        cr_assert_lt(err, 1e-2, "%s %s: max relative error %g", moe ? "moe" : "dense", p->name, err);
    }
    lm_cache_free(&c, &m), lm_free(&m);
}

Test(ch09_lm, dense_backward_matches_finite_differences) { check_lm(0); }
Test(ch09_lm, moe_backward_matches_finite_differences) { check_lm(1); }

// Runs the 5-token input 1 2 3 4 5, then the same with the last input token set to
// `last`; how many entries of the first T-1 positions' final hidden states h differ.
// h is what the output layer reads, row by row, so an earlier prediction changes only
// if its row of h does (comparing probabilities would miss a change that shifts a
// row's logits all alike).
static int earlier_positions_changed(Lm *m, LmCache *c, int last) {
    enum { HC = 8 };   // tiny()'s width
    int ids[T + 1] = {1, 2, 3, 4, 5, 6};
    lm_forward(m, c, ids, NULL, 1, T);
    float before[T * HC];
    memcpy(before, c->h, sizeof before);
    ids[T - 1] = last;
    lm_forward(m, c, ids, NULL, 1, T);
    int changed = 0;
    for (int i = 0; i < (T - 1) * HC; i++) changed += c->h[i] != before[i];
    return changed;
}

Test(ch09_lm, the_last_token_changes_no_earlier_prediction) {
    Rng rng;
    rng_seed(&rng, 96);
    LmConfig cfg = tiny(1);
    // With room for every token (cap = ceil(2 x 2 x 5 / 4) = 5) nothing is ever
    // dropped, and the causal mask is the only path between positions (README 09.3).
    cfg.moe_cfg.capacity_factor = 2.0f;
    Lm m;
    lm_create(&m, &cfg, &rng);
    LmCache c;
    lm_cache_alloc(&c, &m, 1, T);
    int changed = earlier_positions_changed(&m, &c, 9);
    for (int l = 0; l < cfg.layers; l++) cr_assert_eq(c.moe[l].stats.dropped, 0);
    cr_assert_eq(changed, 0, "%d entries of earlier positions changed", changed);
    lm_cache_free(&c, &m), lm_free(&m);
}

// The leak that capacity opens (README 09.3): top-2 with little room. Some value of
// the last token makes its first choice take a slot that an earlier token's second
// choice held, and that earlier position's prediction changes.
Test(ch09_lm, with_drops_a_later_token_can_change_an_earlier_prediction) {
    Rng rng;
    rng_seed(&rng, 98);
    LmConfig cfg = tiny(1);
    cfg.moe_cfg.capacity_factor = 0.5f;   // cap = ceil(0.5 x 2 x 5 / 4) = 2 of the 10 choices per expert
    Lm m;
    lm_create(&m, &cfg, &rng);
    for (int t = 0; t < m.params.count; t++)   // a decided router, as a trained one is
        if (strstr(m.params.items[t]->name, "router"))
            for (size_t i = 0; i < m.params.items[t]->size; i++) m.params.items[t]->data[i] = 2 * rng_normal(&rng);
    LmCache c;
    lm_cache_alloc(&c, &m, 1, T);
    int leaked = 0;
    for (int last = 0; last < V && !leaked; last++) leaked = earlier_positions_changed(&m, &c, last) > 0;
    cr_assert(leaked, "no value of the last token changed an earlier prediction: the test wants the leak");
    lm_cache_free(&c, &m), lm_free(&m);
}

Test(ch09_lm, parameter_counts) {
    Rng rng;
    rng_seed(&rng, 97);
    LmConfig dense_cfg = tiny(0), moe_cfg = tiny(1);
    Lm dense, moe;
    lm_create(&dense, &dense_cfg, &rng), lm_create(&moe, &moe_cfg, &rng);
    // embeddings 11x8 + 5x8 = 128; per block: 2 norms 32, attention 4 (64 + 8) = 288;
    // dense FFN 8x16 + 16 + 16x8 + 8 = 280; final norm 16
    cr_assert_eq(lm_params_total(&dense), 128 + 2 * (32 + 288 + 280) + 16);
    cr_assert_eq(lm_params_active(&dense), lm_params_total(&dense));
    // MoE block: router 4x8 = 32, 4 experts of 8x6 + 6 + 6x8 + 8 = 110; active: 2 of them
    cr_assert_eq(lm_params_total(&moe), 128 + 2 * (32 + 288 + 32 + 4 * 110) + 16);
    cr_assert_eq(lm_params_active(&moe), 128 + 2 * (32 + 288 + 32 + 2 * 110) + 16);
    lm_free(&dense), lm_free(&moe);
}

// The output layer runs LM_HEAD_ROWS rows at a time (lm.h). 60 x 5 = 300 positions are a
// piece of 256 and one of 44; taken in one piece instead, the loss, every probability
// and every gradient must be the same to the last bit (E's gradient too: its pieces add
// in row order, as one product adds its blocks of 256). A vocabulary of 64 keeps every
// piece's products on matmul's packed path (44 x 64 x 8 multiply-adds; with 11 words
// the last piece's fall below PACKED_MIN_WORK to the plain loops, whose sums are
// rounded differently).
Test(ch09_lm, the_output_layer_in_pieces_equals_one_piece) {
    enum { BB = 60, VV = 64 };
    LmConfig cfg = tiny(1);
    cfg.vocab = VV;
    Lm m[2];
    LmCache c[2];
    int *ids = malloc(sizeof(int) * BB * (T + 1));
    Rng rng;
    rng_seed(&rng, 97);
    for (int i = 0; i < BB * (T + 1); i++) ids[i] = rng_int(&rng, VV);
    double loss[2];
    for (int v = 0; v < 2; v++) {
        rng_seed(&rng, 98);   // the same weights in both
        lm_create(&m[v], &cfg, &rng);
        lm_cache_alloc_head(&c[v], &m[v], BB, T, v == 0 ? LM_HEAD_ROWS : BB * T);
        tensorlist_zero_grad(&m[v].params);
        loss[v] = lm_forward(&m[v], &c[v], ids, NULL, BB, T);
        lm_backward(&m[v], &c[v], ids, BB, T);
    }
    cr_assert(c[0].head_rows == LM_HEAD_ROWS && LM_HEAD_ROWS < BB * T, "the test needs two pieces (%d rows of %d)",
              c[0].head_rows, BB * T);
    cr_assert_eq(c[1].head_rows, BB * T, "one piece of all %d rows", BB * T);
    cr_assert(loss[0] == loss[1], "loss %.17g in pieces, %.17g in one", loss[0], loss[1]);
    cr_assert(!memcmp(c[0].probs, c[1].probs, sizeof(float) * BB * T * VV), "the probabilities differ");
    for (int t = 0; t < m[0].params.count; t++) {
        const Tensor *a = m[0].params.items[t], *b = m[1].params.items[t];
        cr_assert(!memcmp(a->grad, b->grad, sizeof(float) * a->size), "%s: the gradients differ", a->name);
    }
    for (int v = 0; v < 2; v++) lm_cache_free(&c[v], &m[v]), lm_free(&m[v]);
    free(ids);
}
