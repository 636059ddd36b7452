// tests/test_07_bert.c: chapter 07's BERT as a whole against central finite differences:
// every tensor (the tied word embedding gets gradient from the input lookup and from
// the output decoder; the check sees the sum), with and without dropout (the loss
// re-seeds the generator, so every evaluation draws the same masks), with segment ids
// and with padding; and the parts a reader can verify by hand.
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/07_bert/bert.h"
#include "common/gradcheck.h"
#include "common/mem.h"
#include "common/rng.h"

enum { B = 2, T = 5, M = 3, V = 20 };

typedef struct {
    Bert *m;
    BertCache *c;
    const int *ids, *types, *lengths, *pos, *tgt;
    int dropout;
} Ctx;

static double loss_fn(void *v) {
    Ctx *x = v;
    Rng rng;
    rng_seed(&rng, 7);
    bert_encode(x->m, x->c, x->ids, x->types, x->lengths, x->dropout ? &rng : NULL, B, T);
    return bert_mlm_forward(x->m, x->c, x->pos, x->tgt, M, NULL);
}

static void tiny(Bert *m, BertCache *c, float dropout) {
    BertConfig cfg = {.vocab = V, .hidden = 8, .layers = 2, .heads = 2, .intermediate = 16, .max_pos = 8,
                      .type_vocab = 2, .dropout = dropout, .ln_eps = 1e-12f};
    Rng rng;
    rng_seed(&rng, 3);
    bert_create(m, &cfg, &rng);
    // weights of 0.02 make every layer nearly linear; larger ones and non-trivial
    // gains exercise every term of the backward pass
    for (int t = 0; t < m->params.count; t++) {
        Tensor *p = m->params.items[t];
        for (size_t i = 0; i < p->size; i++) p->data[i] += (p->ndim == 2 ? 0.3f : 0.2f) * rng_normal(&rng);
    }
    bert_cache_alloc(c, m, B, T, M);
}

// Every tensor's .grad (from one backward pass) against central differences of loss.
// Post-LN: the same float32 noise floor as chapter 06's post-LN block test.
static void check_every_tensor(Bert *m, double (*loss)(void *), void *ctx, const char *what) {
    for (int t = 0; t < m->params.count; t++) {
        Tensor *p = m->params.items[t];
        float *g = malloc(sizeof(float) * p->size);
        memcpy(g, p->grad, sizeof(float) * p->size);
        double err = gradcheck_full(loss, ctx, p->data, g, p->size, 1e-2f, 2e-2).max_rel_err;
        free(g);
        cr_assert_lt(err, 1e-2, "%s (%s): max relative error %g", p->name, what, err);
    }
}

static void check(int dropout, const int *types, const int *lengths) {
    Bert m;
    BertCache c;
    tiny(&m, &c, dropout ? 0.2f : 0.0f);
    const int ids[B * T] = {2, 7, 4, 9, 3, 2, 11, 4, 3, 0};
    const int pos[M] = {2, 3, 7}, tgt[M] = {8, 9, 12};
    Ctx ctx = {&m, &c, ids, types, lengths, pos, tgt, dropout};
    tensorlist_zero_grad(&m.params);
    loss_fn(&ctx);
    float *d_hidden = fzeros((size_t)B * T * 8);
    bert_mlm_backward(&m, &c, pos, tgt, M, d_hidden, B, T);
    bert_encode_backward(&m, &c, d_hidden, ids, types, B, T);
    check_every_tensor(&m, loss_fn, &ctx, dropout ? "dropout" : "no dropout");
    free(d_hidden);
    bert_cache_free(&c, &m);
    bert_free(&m);
}

Test(ch07_bert, whole_model_matches_finite_differences) { check(0, NULL, NULL); }
Test(ch07_bert, with_dropout_segments_and_padding) {
    const int types[B * T] = {0, 0, 0, 1, 1, 0, 0, 1, 1, 1}, lengths[B] = {5, 4};
    check(1, types, lengths);
}

Test(ch07_bert, hugging_face_names_and_sizes) {
    Bert m;
    BertConfig cfg;
    cr_assert_eq(bert_config_named(&cfg, "mini", 8192), 0);
    cr_assert(cfg.layers == 4 && cfg.hidden == 256 && cfg.heads == 4 && cfg.intermediate == 1024);
    cr_assert_eq(bert_config_named(&cfg, "huge", 8192), -1);
    bert_config_named(&cfg, "tiny", 1000);
    Rng rng;
    rng_seed(&rng, 1);
    bert_create(&m, &cfg, &rng);
    cr_assert_str_eq(m.params.items[0]->name, "bert.embeddings.word_embeddings.weight");
    cr_assert_not_null(tensorlist_find(&m.params, "bert.encoder.layer.1.attention.self.query.weight"));
    cr_assert_not_null(tensorlist_find(&m.params, "bert.encoder.layer.0.output.LayerNorm.bias"));
    cr_assert_not_null(tensorlist_find(&m.params, "cls.predictions.transform.dense.weight"));
    cr_assert_null(tensorlist_find(&m.encoder, "cls.predictions.bias"));   // the head is not the encoder
    // tiny: embeddings 1000*128 + 512*128 + 2*128 + 256, 2 layers of 4*(128*128+128) + 2*256
    // + 128*512+512 + 512*128+128, head 1000 + 128*128+128 + 256
    size_t per_layer = 4 * (128 * 128 + 128) + 2 * 256 + 128 * 512 + 512 + 512 * 128 + 128;
    size_t want = 1000 * 128 + 512 * 128 + 2 * 128 + 256 + 2 * per_layer + 1000 + 128 * 128 + 128 + 256;
    cr_assert_eq(tensorlist_numel(&m.params), want, "%zu parameters, expected %zu", tensorlist_numel(&m.params), want);
    bert_free(&m);
}

// The embedding layer by hand: with unit gains and zero shifts, x_0 of a token is the
// standardised sum of its three rows.
Test(ch07_bert, embeddings_by_hand) {
    Bert m;
    BertCache c;
    tiny(&m, &c, 0);
    for (int h = 0; h < 8; h++) m.emb_ln_g.data[h] = 1, m.emb_ln_b.data[h] = 0;
    const int ids[B * T] = {2, 7, 4, 9, 3, 2, 11, 4, 3, 0}, types[B * T] = {0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    bert_encode(&m, &c, ids, types, NULL, NULL, B, T);
    float e[8];
    double mean = 0, var = 0;
    for (int h = 0; h < 8; h++) {
        e[h] = m.word_emb.data[7 * 8 + h] + m.pos_emb.data[1 * 8 + h] + m.type_emb.data[1 * 8 + h];
        mean += e[h] / 8;
    }
    for (int h = 0; h < 8; h++) var += (e[h] - mean) * (e[h] - mean) / 8;
    for (int h = 0; h < 8; h++)
        cr_assert_float_eq(c.x[1 * 8 + h], (e[h] - mean) / sqrt(var + 1e-12), 1e-5, "feature %d", h);
    bert_cache_free(&c, &m);
    bert_free(&m);
}

// ---- local attention: bert_encode_blocks ------------------------------------------------------

enum { BB = 2, TB = 6, WB = 3, MB = 4 };

typedef struct {
    Bert *m;
    BertCache *c;
    const int *ids, *pos, *tgt;
} BlockCtx;

static double block_loss(void *v) {
    BlockCtx *x = v;
    bert_encode_blocks(x->m, x->c, x->ids, NULL, BB, TB, WB);
    return bert_mlm_forward(x->m, x->c, x->pos, x->tgt, MB, NULL);
}

// The backward pass of the blocks is bert_encode_backward on B*T/W rows of W, with the
// positions of the full rows: every tensor against central differences.
Test(ch07_bert, local_attention_matches_finite_differences) {
    Bert m;
    BertCache c;
    tiny(&m, &c, 0.0f);
    bert_cache_free(&c, &m);
    bert_cache_alloc(&c, &m, BB * TB / WB, WB, MB);
    const int ids[BB * TB] = {2, 7, 4, 9, 11, 3, 2, 12, 4, 6, 4, 3};
    const int pos[MB] = {2, 4, 8, 10}, tgt[MB] = {8, 10, 14, 5};   // masks in three of the four blocks
    BlockCtx ctx = {&m, &c, ids, pos, tgt};
    tensorlist_zero_grad(&m.params);
    block_loss(&ctx);
    float *d_hidden = fzeros((size_t)BB * TB * 8);
    bert_mlm_backward(&m, &c, pos, tgt, MB, d_hidden, BB * TB / WB, WB);
    bert_encode_backward(&m, &c, d_hidden, ids, NULL, BB * TB / WB, WB);
    check_every_tensor(&m, block_loss, &ctx, "local attention");
    // the position table's gradient reaches rows 3..5, which blocks of 3 can only use as
    // the second block's positions
    int reached = 0;
    for (int i = 3 * 8; i < 6 * 8; i++) reached |= m.pos_emb.grad[i] != 0;
    cr_assert(reached, "no gradient at positions 3..5");
    free(d_hidden);
    bert_cache_free(&c, &m);
    bert_free(&m);
}

// A block sees nothing outside itself and keeps its place in the row: the second block
// of a row equals a row of its own three tokens read by a model whose positions 0..2
// are the first model's 3..5.
Test(ch07_bert, local_attention_blocks_keep_their_positions) {
    Bert m, shifted;
    BertCache c, cs;
    tiny(&m, &c, 0.0f);
    tiny(&shifted, &cs, 0.0f);
    bert_cache_free(&c, &m);
    bert_cache_alloc(&c, &m, 2, TB, 1);   // room for the whole row of 6 and for 2 blocks of 3
    const int H = 8, ids[TB] = {2, 7, 4, 9, 11, 3};
    memcpy(shifted.pos_emb.data, m.pos_emb.data + 3 * H, sizeof(float) * 3 * H);
    float blocks[TB * 8], whole[TB * 8], alone[3 * 8];
    bert_encode_blocks(&m, &c, ids, NULL, 1, TB, WB);
    memcpy(blocks, bert_hidden(&c, &m), sizeof blocks);
    bert_encode(&m, &c, ids, NULL, NULL, NULL, 1, TB);
    memcpy(whole, bert_hidden(&c, &m), sizeof whole);
    bert_encode(&m, &c, ids, NULL, NULL, NULL, 1, 3);   // the first block alone, positions 0..2
    memcpy(alone, bert_hidden(&c, &m), sizeof alone);
    for (int i = 0; i < 3 * H; i++) cr_assert_float_eq(blocks[i], alone[i], 1e-6, "first block, value %d", i);
    bert_encode(&shifted, &cs, ids + 3, NULL, NULL, NULL, 1, 3);   // the second, positions 3..5
    for (int i = 0; i < 3 * H; i++)
        cr_assert_float_eq(blocks[3 * H + i], bert_hidden(&cs, &shifted)[i], 1e-6, "second block, value %d", i);
    double differ = 0;   // and the whole row, where every token sees all six, is another thing
    for (int i = 0; i < TB * H; i++) differ += fabs(blocks[i] - whole[i]);
    cr_assert_gt(differ, 1e-3, "blocks and the whole row give the same states");
    bert_cache_free(&c, &m), bert_cache_free(&cs, &shifted), bert_free(&m), bert_free(&shifted);
}
