// tests/test_08_tagger.c: chapter 08's token-classification model against central finite
// differences, every tensor, with padding, ignored positions and dropout (the loss
// re-seeds the generator, so every evaluation draws the same masks); and the frozen
// encoder, whose tensors must get no gradient at all.
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/08_ner/tagger.h"
#include "common/gradcheck.h"
#include "common/mem.h"
#include "common/rng.h"

enum { B = 2, T = 6, V = 20, K = 5 };

typedef struct {
    Tagger *tg;
    TaggerCache *c;
    const int *ids, *lengths, *labels;
} Ctx;

static double loss_fn(void *v) {
    Ctx *x = v;
    Rng rng;
    rng_seed(&rng, 7);
    int M;
    return tagger_forward(x->tg, x->c, x->ids, x->lengths, x->labels, &rng, B, T, &M, NULL);
}

static void tiny(Tagger *tg, TaggerCache *c) {
    BertConfig cfg = {.vocab = V, .hidden = 8, .layers = 2, .heads = 2, .intermediate = 16, .max_pos = 8,
                      .type_vocab = 2, .dropout = 0.2f, .ln_eps = 1e-12f};
    Rng rng;
    rng_seed(&rng, 3);
    bert_create(&tg->bert, &cfg, &rng);
    tagger_init(tg, K, &rng);
    for (int t = 0; t < tg->params.count; t++) {   // away from the nearly linear start
        Tensor *p = tg->params.items[t];
        for (size_t i = 0; i < p->size; i++) p->data[i] += (p->ndim == 2 ? 0.3f : 0.2f) * rng_normal(&rng);
    }
    // room for longer rows than the tests use: fine-tuning cuts each batch to its
    // longest row, so the model must not depend on the cache's T
    tagger_cache_alloc(c, tg, B, T + 2);
}

// row 0: [CLS] w w w w [SEP]; row 1: [CLS] w w [SEP] [PAD] [PAD]
static const int ids[B * T] = {2, 7, 8, 9, 10, 3, 2, 11, 12, 3, 0, 0}, lengths[B] = {6, 4};
static const int labels[B * T] = {-1, 1, -1, 4, 0, -1, -1, 2, 3, -1, -1, -1};

static void whole_model(int use_crf) {
    Tagger tg;
    TaggerCache c;
    tiny(&tg, &c);
    if (use_crf) {   // transitions away from 0, so that their gradient matters
        tagger_add_crf(&tg);
        Rng rng;
        rng_seed(&rng, 11);
        for (size_t i = 0; i < tg.crf.trans.size; i++) tg.crf.trans.data[i] = rng_normal(&rng);
        for (int k = 0; k < K; k++) tg.crf.start.data[k] = rng_normal(&rng), tg.crf.end.data[k] = rng_normal(&rng);
    }
    Ctx ctx = {&tg, &c, ids, lengths, labels};
    tensorlist_zero_grad(&tg.params);
    cr_assert_gt(loss_fn(&ctx), 0.0);
    cr_assert_eq(c.n_pos, 5);
    tagger_backward(&tg, &c, ids, B, T, 0);
    for (int t = 0; t < tg.params.count; t++) {
        Tensor *p = tg.params.items[t];
        float *g = malloc(sizeof(float) * p->size);
        memcpy(g, p->grad, sizeof(float) * p->size);
        // post-LN encoder: the noise floor of chapter 07's whole-model test
        double err = gradcheck_full(loss_fn, &ctx, p->data, g, p->size, 1e-2f, 2e-2).max_rel_err;
        free(g);
        cr_assert_lt(err, 1e-2, "%s (crf %d): max relative error %g", p->name, use_crf, err);
    }
    tagger_cache_free(&c, &tg), tagger_free(&tg);
}

Test(ch08_tagger, whole_model_matches_finite_differences) { whole_model(0); }
// the CRF's chains are the rows: row 0 has three labelled words, row 1 two
Test(ch08_tagger, with_a_crf_matches_finite_differences) { whole_model(1); }

Test(ch08_tagger, a_frozen_encoder_gets_no_gradient) {
    Tagger tg;
    TaggerCache c;
    tiny(&tg, &c);
    Ctx ctx = {&tg, &c, ids, lengths, labels};
    tensorlist_zero_grad(&tg.params);
    loss_fn(&ctx);
    tagger_backward(&tg, &c, ids, B, T, 1);
    double enc = 0, head = 0;
    for (int t = 0; t < tg.bert.encoder.count; t++) {
        Tensor *p = tg.bert.encoder.items[t];
        for (size_t i = 0; i < p->size; i++) enc += fabs(p->grad[i]);
    }
    for (size_t i = 0; i < tg.cls_w.size; i++) head += fabs(tg.cls_w.grad[i]);
    cr_assert_eq(enc, 0.0);
    cr_assert_gt(head, 0.0);
    cr_assert_str_eq(tg.cls_w.name, "classifier.weight");
    cr_assert_eq(tg.params.count, tg.bert.encoder.count + 2);
    // the lists point into the model itself (a moved Bert once left them dangling)
    cr_assert_eq(tg.params.items[0], &tg.bert.word_emb);
    tagger_cache_free(&c, &tg), tagger_free(&tg);
}
