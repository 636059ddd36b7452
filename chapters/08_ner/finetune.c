// finetune.c: see finetune.h.
#include "chapters/08_ner/finetune.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/optim.h"
#include "chapters/06_seq2seq/schedule.h"
#include "common/err.h"
#include "common/mem.h"
#include "common/timer.h"

// Rows idx[0..n) of rows, cut to the longest of them: ids, lengths, and per token
// either the labels (train) or a selector (0 at home pieces, -1 elsewhere).
static int gather(const NerRows *rows, const int *token_labels, const int *idx, int n, int *ids, int *lengths,
                  int *labels) {
    const int T = rows->T;
    int L = 0;
    for (int b = 0; b < n; b++)
        if (rows->length[idx[b]] > L) L = rows->length[idx[b]];
    for (int b = 0; b < n; b++) {
        const size_t from = (size_t)idx[b] * T;
        memcpy(ids + (size_t)b * L, rows->ids + from, sizeof(int) * (size_t)L);
        lengths[b] = rows->length[idx[b]];
        for (int t = 0; t < L; t++)
            labels[(size_t)b * L + t] = token_labels ? token_labels[from + t] : rows->word[from + t] >= 0 ? 0 : -1;
    }
    return L;
}

void tagger_predict(const Tagger *tg, TaggerCache *c, int batch, const NerRows *rows, int *word_pred) {
    int *idx = xmalloc(sizeof(int) * (size_t)batch), *ids = xmalloc(sizeof(int) * (size_t)batch * rows->T);
    int *lengths = xmalloc(sizeof(int) * (size_t)batch), *sel = xmalloc(sizeof(int) * (size_t)batch * rows->T);
    for (int w = 0; w < rows->n_words; w++) word_pred[w] = -1;
    for (int r0 = 0; r0 < rows->n_rows; r0 += batch) {
        const int n = rows->n_rows - r0 < batch ? rows->n_rows - r0 : batch;
        for (int b = 0; b < n; b++) idx[b] = r0 + b;
        const int L = gather(rows, NULL, idx, n, ids, lengths, sel);
        int M;
        tagger_forward(tg, c, ids, lengths, sel, NULL, n, L, &M, NULL);
        for (int i = 0; i < M; i++) {
            const int p = c->positions[i], b = p / L, t = p % L;
            word_pred[rows->word[(size_t)(r0 + b) * rows->T + t]] = c->pred[i];
        }
    }
    // windows.h promises every word exactly one home; a word without one would be scored
    // with whatever the buffer held
    for (int w = 0; w < rows->n_words; w++)
        if (word_pred[w] < 0) DIE("tagger_predict: word %d of %d got no prediction (no home window)", w, rows->n_words);
    free(idx), free(ids), free(lengths), free(sel);
}

void ner_score(NerScore *s, const TagSet *ts, const ConllSet *set, const int *word_pred) {
    nerscore_init(s, ts);
    char(*pred)[TAG_TYPE_LEN + 2] = xmalloc(sizeof *pred * (size_t)(set->n_tokens + 1));
    char **pred_ptr = xmalloc(sizeof(char *) * (size_t)(set->n_tokens + 1));
    tagset_decode(ts, word_pred, set->n_tokens, pred);
    for (int i = 0; i < set->n_tokens; i++) pred_ptr[i] = pred[i];
    for (int k = 0; k < set->n_sents; k++) {
        const int a = set->sent_start[k], n = set->sent_start[k + 1] - a;
        nerscore_add(s, set->tag + a, pred_ptr + a, n);
    }
    free(pred), free(pred_ptr);
}

float finetune_lr_scale(const char *name, int layers, float decay) {
    int depth = layers + 1, l, n = 0;   // the head
    if (!strncmp(name, "bert.embeddings.", 16)) depth = 0;
    else if (sscanf(name, "bert.encoder.layer.%d.%n", &l, &n) == 1 && n > 0 && l >= 0 && l < layers) depth = l + 1;
    else if (!strncmp(name, "bert.", 5))   // an encoder tensor at the head's rate would be a silent error
        DIE("finetune_lr_scale: %s is no embedding and no layer of a %d-layer encoder", name, layers);
    return powf(decay, (float)(layers + 1 - depth));
}

static void curve_push(FtResult *r, FtPoint p) {
    if (r->n_curve == r->cap_curve) {
        r->cap_curve = r->cap_curve ? 2 * r->cap_curve : 64;
        r->curve = xrealloc(r->curve, sizeof(FtPoint) * (size_t)r->cap_curve);
    }
    r->curve[r->n_curve++] = p;
}

void ftresult_free(FtResult *r) {
    free(r->curve);
    memset(r, 0, sizeof *r);
}

static double dev_f1(const Tagger *tg, TaggerCache *c, int batch, const TagSet *ts, const NerSplit *dev,
                     int *word_pred) {
    tagger_predict(tg, c, batch, dev->rows, word_pred);
    NerScore s;
    ner_score(&s, ts, dev->set, word_pred);
    return nerscore_prf(&s, -1).f1;
}

void finetune_run(Tagger *tg, const TagSet *ts, const NerSplit *train, const NerSplit *dev, const FinetuneOpts *o,
                  FtResult *res, FILE *log) {
    memset(res, 0, sizeof *res);
    const NerRows *rows = train->rows;
    const int B = o->batch, T = rows->T, n = rows->n_rows;
    const int steps_per_epoch = (n + B - 1) / B;
    const long total = (long)steps_per_epoch * o->epochs, warmup = lroundf(o->warmup_frac * (float)total);
    const int eval_every = o->eval_every > 0 ? o->eval_every : steps_per_epoch;
    TensorList *trained = o->freeze_encoder ? &tg->head : &tg->params;
    // A frozen encoder is a fixed feature extractor, so it runs as in evaluation, without
    // dropout: the classifier learns to read the features the encoder really gives (a
    // linear probe). Only the classifier's own dropout stays.
    const float encoder_dropout = tg->bert.cfg.dropout;
    if (o->freeze_encoder) tg->bert.cfg.dropout = 0;
    Adam opt;
    adam_init(&opt, trained, o->lr, 0.9f, 0.999f, 1e-6f, o->weight_decay);
    adam_exclude_1d_from_decay(&opt, trained);
    if (o->layer_decay > 0 && o->layer_decay != 1)
        for (int k = 0; k < trained->count; k++)
            adam_set_lr_scale(&opt, k, finetune_lr_scale(trained->items[k]->name, tg->bert.cfg.layers, o->layer_decay));
    TaggerCache c;
    tagger_cache_alloc(&c, tg, B, T);
    Rng rng;
    rng_seed(&rng, o->seed);
    int *order = xmalloc(sizeof(int) * (size_t)n), *ids = xmalloc(sizeof(int) * (size_t)B * T);
    int *lengths = xmalloc(sizeof(int) * (size_t)B), *labels = xmalloc(sizeof(int) * (size_t)B * T);
    int *word_pred = xmalloc(sizeof(int) * (size_t)(dev->set->n_tokens + 1));
    // the best weights so far: early stopping returns to them
    float **best = xmalloc(sizeof(float *) * (size_t)trained->count);
    for (int k = 0; k < trained->count; k++) {   // the starting weights, until an evaluation beats them
        best[k] = xmalloc(sizeof(float) * trained->items[k]->size);
        memcpy(best[k], trained->items[k]->data, sizeof(float) * trained->items[k]->size);
    }
    res->best_f1 = -1;
    double window_loss = 0;
    long window_words = 0;
    int bad_evals = 0;
    for (int epoch = 0; epoch < o->epochs && !res->stopped_early; epoch++) {
        for (int i = 0; i < n; i++) order[i] = i;
        rng_shuffle(&rng, order, n);
        for (int s = 0; s < steps_per_epoch; s++) {
            const double t0 = now_seconds();
            const int nb = n - s * B < B ? n - s * B : B;
            const int L = gather(rows, train->token_labels, order + s * B, nb, ids, lengths, labels);
            nerrows_mask_words(rows, order + s * B, nb, L, ids, o->word_mask, o->mask_id, &rng);
            int M;
            tensorlist_zero_grad(trained);
            float loss = tagger_forward(tg, &c, ids, lengths, labels, &rng, nb, L, &M, NULL);
            tagger_backward(tg, &c, ids, nb, L, o->freeze_encoder);
            clip_grad_norm(trained, o->clip);
            res->steps++;
            opt.lr = lr_warmup_linear(res->steps, warmup, total, o->lr);
            adam_step(&opt, trained);
            res->seconds += now_seconds() - t0;
            window_loss += (double)loss * M, window_words += M, res->words_trained += M;
            const int last = epoch == o->epochs - 1 && s == steps_per_epoch - 1;
            if (res->steps % eval_every == 0 || last) {
                double f1 = dev_f1(tg, &c, B, ts, dev, word_pred);
                curve_push(res, (FtPoint){res->steps, opt.lr, window_words ? (float)(window_loss / window_words) : 0,
                                          f1, res->seconds});
                if (log)
                    fprintf(log, "step %5ld (epoch %d) | lr %.2e | train loss %.4f | dev F1 %6.2f%s\n", res->steps,
                            epoch + 1, opt.lr, window_words ? window_loss / window_words : 0.0, f1,
                            f1 > res->best_f1 ? "  (best)" : ""), fflush(log);
                window_loss = 0, window_words = 0;
                if (f1 > res->best_f1) {
                    res->best_f1 = f1, res->best_step = res->steps, bad_evals = 0;
                    for (int k = 0; k < trained->count; k++)
                        memcpy(best[k], trained->items[k]->data, sizeof(float) * trained->items[k]->size);
                } else if (o->patience > 0 && ++bad_evals >= o->patience) {
                    res->stopped_early = 1;
                    break;
                }
            }
        }
    }
    for (int k = 0; k < trained->count; k++) {
        memcpy(trained->items[k]->data, best[k], sizeof(float) * trained->items[k]->size);
        free(best[k]);
    }
    free(best), free(order), free(ids), free(lengths), free(labels), free(word_pred);
    tagger_cache_free(&c, tg);
    adam_free(&opt);
    tg->bert.cfg.dropout = encoder_dropout;   // the checkpoint's config.json keeps its rate
}
