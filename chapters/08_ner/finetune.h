// finetune.h: fine-tuning the tagger, prediction and scoring. README section 08.4.
//
// One step: `batch` rows (shuffled each epoch), cut to the longest row of the batch
// (CoNLL sentences are short: 26 of the 128 positions on average), forward with
// dropout, cross-entropy on the words' home pieces, backward, clip the global norm,
// AdamW (no decay on 1-D tensors) at a learning rate that rises linearly over the first
// warmup_frac of the steps and falls linearly to 0 at the last. The learning rate is
// low next to pre-training's: BERT-base is fine-tuned at 2e-5 to 5e-5 after
// pre-training at 1e-4 (Devlin et al. 2019); the small models here take 5e-4 to 1e-3
// after chapter 07's 1e-3 warm pre-training. The encoder already holds what
// pre-training taught it, and large steps would overwrite it ("catastrophic
// forgetting", measured in section 08.7).
//
// Early stopping: the dev set is scored (conlleval F1) every eval_every steps; the
// weights with the best dev F1 so far are kept, and training stops after `patience`
// evaluations without a better one.
#ifndef CH08_FINETUNE_H
#define CH08_FINETUNE_H

#include <stdint.h>
#include <stdio.h>

#include "chapters/08_ner/conlleval.h"
#include "chapters/08_ner/tagger.h"
#include "chapters/08_ner/windows.h"

// One split of the data as the model sees it.
typedef struct {
    const ConllSet *set;       // words and IOB2 tags
    const NerRows *rows;
    const int *word_labels;    // (set->n_tokens) gold label ids
    int *token_labels;         // (rows->n_rows * rows->T) nerrows_token_labels of them
} NerSplit;

typedef struct {
    int batch, epochs;
    float lr, warmup_frac, weight_decay, clip;
    int freeze_encoder;        // train the classifier only
    int eval_every;            // steps between dev evaluations (0: once per epoch)
    int patience;              // evaluations without a better dev F1 before stopping (0: never)
    int log_every;
    uint64_t seed;
    float layer_decay;         // <= 0 or 1: one learning rate for all; else finetune_lr_scale's
    float word_mask;           // each training word becomes [MASK] with this probability (0: never)
    int mask_id;               // the vocabulary's [MASK]
} FinetuneOpts;

// Layer-wise learning-rate decay (README 08.4): the classifier (and the CRF) train at
// lr, encoder layer l of L at lr * decay^(L - l), the embeddings at lr * decay^(L + 1).
// The scale of the tensor with this Hugging Face name ("bert.embeddings.*",
// "bert.encoder.layer.N.*", anything else: the head).
float finetune_lr_scale(const char *name, int layers, float decay);

typedef struct {
    long step;
    float lr, train_loss;      // mean loss since the previous point
    double dev_f1, seconds;
} FtPoint;

typedef struct {
    FtPoint *curve;
    int n_curve, cap_curve;
    double best_f1;
    long best_step, steps, words_trained;
    double seconds;            // training time (dev evaluations excluded)
    int stopped_early;
} FtResult;

// Trains tg on train, scoring dev; at the end tg holds the best weights. log may be NULL.
void finetune_run(Tagger *tg, const TagSet *ts, const NerSplit *train, const NerSplit *dev, const FinetuneOpts *o,
                  FtResult *res, FILE *log);
void ftresult_free(FtResult *r);

// The label of every word of rows (set->n_tokens of them), read at its home piece.
// c: a cache of at least `batch` rows of rows->T.
void tagger_predict(const Tagger *tg, TaggerCache *c, int batch, const NerRows *rows, int *word_pred);

// conlleval's numbers for predicted word labels against the set's own tags.
void ner_score(NerScore *s, const TagSet *ts, const ConllSet *set, const int *word_pred);

#endif
