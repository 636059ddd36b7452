// tests/test_08_train.c: chapter 08's fine-tuning loop end to end on a small made-up
// NER task whose tags need the previous word: the loss falls, dev F1 (conlleval) passes
// a bar, and early stopping hands back the best weights.
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/08_ner/finetune.h"
#include "common/mem.h"
#include "common/rng.h"
#include "tests/toy_vocab.h"

// w1 starts a PER, w2 a LOC, w3 an ORG (some written as two pieces, w3w3); w4 right after
// an entity's first word continues it (I- of that type), elsewhere it is O: the tag of
// w4 depends on the word before it. All other words are O.
static const char *write_set(const char *name, int n_sents, uint64_t seed) {
    static char dir[] = "/tmp/book_test08t_XXXXXX", path[2][256];
    static int which = 0;
    if (strstr(dir, "XXXXXX")) cr_assert_not_null(mkdtemp(dir));
    char *p = path[which++ % 2];
    snprintf(p, 256, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f);
    Rng rng;
    rng_seed(&rng, seed);
    static const char *types[] = {"PER", "LOC", "ORG"};
    for (int s = 0; s < n_sents; s++) {
        int len = 4 + rng_int(&rng, 6);
        const char *open = NULL;
        for (int i = 0; i < len; i++) {
            int w = rng_int(&rng, 8);
            if (w >= 1 && w <= 3) {
                open = types[w - 1];
                fprintf(f, "%s B-%s\n", w == 3 && rng_int(&rng, 2) ? "w3w3" : (const char *[]){"", "w1", "w2", "w3"}[w],
                        open);
            } else if (w == 4) {
                fprintf(f, "w4 %s%s\n", open ? "I-" : "O", open ? open : ""), open = NULL;
            } else {
                fprintf(f, "w%d O\n", 5 + w + rng_int(&rng, 5)), open = NULL;
            }
        }
        fputc('\n', f);
    }
    fclose(f);
    return p;
}

Test(ch08_train, learns_tags_that_need_the_previous_word, .timeout = 120) {
    WordPiece wp = toy_vocab();
    ConllSet train_set, dev_set;
    char err[512];
    cr_assert_eq(conll_load(&train_set, write_set("train.txt", 300, 1), err, sizeof err), 0, "%s", err);
    cr_assert_eq(conll_load(&dev_set, write_set("dev.txt", 80, 2), err, sizeof err), 0, "%s", err);
    TagSet ts;
    cr_assert_eq(tagset_build(&ts, train_set.tag, train_set.n_tokens, SCHEME_IOB2, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ts.n_labels, 7);
    ConllSet *sets[2] = {&train_set, &dev_set};
    NerRows rows[2];
    int *word_labels[2], *token_labels[2];
    NerSplit split[2];
    for (int k = 0; k < 2; k++) {
        word_labels[k] = xmalloc(sizeof(int) * (size_t)sets[k]->n_tokens);
        for (int s = 0; s < sets[k]->n_sents; s++) {
            int a = sets[k]->sent_start[s];
            cr_assert_eq(tagset_encode(&ts, sets[k]->tag + a, sets[k]->sent_start[s + 1] - a, word_labels[k] + a, err,
                                       sizeof err), 0, "%s", err);
        }
        nerrows_build(&rows[k], sets[k], &wp, 16, 0);
        token_labels[k] = xmalloc(sizeof(int) * (size_t)rows[k].n_rows * rows[k].T);
        nerrows_token_labels(&rows[k], word_labels[k], token_labels[k]);
        split[k] = (NerSplit){sets[k], &rows[k], word_labels[k], token_labels[k]};
    }
    BertConfig cfg = {.vocab = 45, .hidden = 32, .layers = 2, .heads = 2, .intermediate = 64, .max_pos = 16,
                      .type_vocab = 2, .dropout = 0.1f, .ln_eps = 1e-12f};
    Rng rng;
    rng_seed(&rng, 3);
    Tagger tg;
    bert_create(&tg.bert, &cfg, &rng);
    tagger_init(&tg, ts.n_labels, &rng);
    FinetuneOpts o = {.batch = 16, .epochs = 40, .lr = 3e-3f, .warmup_frac = 0.1f, .weight_decay = 0.01f, .clip = 1.0f,
                      .eval_every = 19, .seed = 1};
    FtResult res;
    finetune_run(&tg, &ts, &split[0], &split[1], &o, &res, NULL);
    cr_assert_gt(res.n_curve, 4);
    const FtPoint *first = &res.curve[0], *last = &res.curve[res.n_curve - 1];
    // Measured: train loss 1.85 over the first 19 steps, 0.004 over the last 76; dev F1
    // 88-90 (every w4 tagged O: the tags that need no context) until about step 300,
    // then up to 97.6 once attention has found the previous word. 90 passes without it.
    cr_assert_lt(last->train_loss, 0.05f * first->train_loss, "train loss %g -> %g", first->train_loss, last->train_loss);
    cr_assert_gt(res.best_f1, 95.0, "best dev F1 %g (89.8 = no use of the previous word)", res.best_f1);
    // the weights handed back are the best ones: scoring them again gives the best F1
    TaggerCache c;
    tagger_cache_alloc(&c, &tg, 16, 16);
    int *pred = xmalloc(sizeof(int) * (size_t)dev_set.n_tokens);
    tagger_predict(&tg, &c, 16, &rows[1], pred);
    NerScore s;
    ner_score(&s, &ts, &dev_set, pred);
    cr_assert_float_eq(nerscore_prf(&s, -1).f1, res.best_f1, 1e-9);
    free(pred), tagger_cache_free(&c, &tg), ftresult_free(&res), tagger_free(&tg);
    for (int k = 0; k < 2; k++) nerrows_free(&rows[k]), free(word_labels[k]), free(token_labels[k]), conll_free(sets[k]);
    wordpiece_free(&wp);
}
