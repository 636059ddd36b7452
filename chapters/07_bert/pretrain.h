// pretrain.h: masked-language-model pre-training, resumable. README section 07.7.
//
// One optimiser step = `accum` micro-batches of `batch` packed sequences:
//   for each micro-batch: mask (mlm.h, the training generator: new masks every time),
//     encode with dropout, MLM loss on the masked rows, backward (grads add up);
//   grads /= accum; clip their global norm; AdamW (no decay on 1-D tensors) at the
//   learning rate of (6.10'), linear warm-up then linear decay.
// The order of the sequences is a fresh permutation each epoch, drawn from a generator
// seeded by (seed, epoch): a resumed run finds its place from the epoch and cursor
// alone. Everything else a step depends on (weights, Adam's moments and step count,
// the masking/dropout generator, the curve so far) is in the checkpoint, so that
// `--resume` continues to the same numbers as an uninterrupted run.
#ifndef CH07_PRETRAIN_H
#define CH07_PRETRAIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "chapters/02_backprop/optim.h"
#include "chapters/07_bert/bert.h"
#include "chapters/07_bert/mlm.h"
#include "chapters/07_bert/wordpiece.h"
#include "common/rng.h"

typedef struct {
    int batch, accum, seq_len;     // sequences per micro-batch, micro-batches per step, T
    long steps, warmup;            // optimiser steps in all; warm-up steps
    float lr, weight_decay, clip, beta2, adam_eps;
    MaskOpts mask;
    int log_every, eval_every, save_every;   // in steps; 0 = never (save: at the end only)
    const char *out_dir;           // checkpoints go to out_dir/checkpoint
    uint64_t seed;
    long stop_after;               // > 0: stop (with a checkpoint) after this step, as if interrupted
    int local_width;               // > 0: for the first local_steps steps, attention only within
    long local_steps;              // blocks of local_width tokens (bert_encode_blocks; 07.9)
    // the corpus mixture (07.4, 07.10): not used here, only kept in the checkpoint so
    // that a resume must match it
    int wikitext_copies, conll_copies, imdb_copies;
} PretrainOpts;

// The held-out set with its masks drawn once, from a fixed seed: every evaluation asks
// the same questions.
typedef struct {
    int n, T, batch, n_batches;
    int *input;          // (n,T) the masked sequences
    int *positions;      // all batches' positions, batch after batch (flat within the batch)
    int *targets;
    int *batch_start;    // (n_batches + 1) offsets into positions/targets
} EvalSet;

void evalset_build(EvalSet *e, const WordPiece *wp, const int *seqs, int n, int T, int batch, const MaskOpts *o,
                   uint64_t seed);
void evalset_free(EvalSet *e);

// The held-out question of every measure in chapters 07 and 08: WikiText-2's validation
// file under data_dir (data_dir/wikitext-2/wiki.valid.tokens), packed into sequences of
// T tokens, the first max_seqs of them (0: all), HELDOUT_MASK_PROB of their tokens
// masked from HELDOUT_SEED, whatever mask rate a run trains with. Returns 0, or -1 with
// err. If seqs is not NULL, *seqs receives the unmasked sequences (caller frees) and
// *n_seqs their number; log (may be NULL) gets corpus_encode_pack's line.
#define HELDOUT_MASK_PROB 0.15f
#define HELDOUT_SEED 20240607u
int heldout_load(EvalSet *e, const WordPiece *wp, const char *data_dir, int T, int batch, int max_seqs, int whole_word,
                 int **seqs, int *n_seqs, FILE *log, char *err, size_t err_len);

typedef struct {
    double loss, accuracy;   // mean loss and arg-max accuracy over every masked token
    long targets;
} EvalResult;

// No dropout; c must hold batches of e->batch x e->T with room for every batch's targets
// (evalset_max_targets).
EvalResult mlm_evaluate(const Bert *m, BertCache *c, const EvalSet *e);
int evalset_max_targets(const EvalSet *e);   // the most targets in one of its batches

typedef struct {
    long step;
    float lr, train_loss, train_acc, val_loss, val_acc;   // val_* NaN where not evaluated
    double seconds, tokens;                               // training time and tokens so far
} CurvePoint;

typedef struct {
    long step, epoch, cursor;   // steps done; the next sequence is order[cursor] of `epoch`
    Rng rng;                    // masks and dropout
    Adam opt;
    CurvePoint *curve;
    int n_curve, cap_curve;
    double seconds, tokens;     // training time (evaluation and saving excluded) and tokens
    double window_loss;         // since the last log line: sum of loss x targets,
    long window_right, window_targets;   // right answers and targets (checkpointed too)
    int *order;                 // (n) this epoch's permutation
    int order_epoch;            // which epoch order holds (-1: none yet)
    long n_seqs;                // training sequences the run draws from (0: not known yet);
                                //   a resume must see as many, or its order would differ
} PretrainState;

void pretrain_state_init(PretrainState *st, Bert *m, const PretrainOpts *o);
void pretrain_state_free(PretrainState *st);

// Trains from st->step to o->steps (or o->stop_after), evaluating on val (may be
// NULL), logging, and saving a checkpoint every save_every steps and at the end.
// seqs: (n, o->seq_len) packed training sequences. Returns 0, or -1 with err.
int pretrain_run(Bert *m, const WordPiece *wp, const int *seqs, int n, const EvalSet *val, const PretrainOpts *o,
                 PretrainState *st, char *err, size_t err_len);

// The checkpoint: a Hugging Face directory (checkpoint.h) plus trainer_state.safetensors
// (Adam's moments, and in its metadata the step, epoch, cursor, generator state and the
// options that must not change on resume); and beside it, in dir's parent directory
// (the run's --out), curve.csv.
int pretrain_save(const char *dir, const Bert *m, const WordPiece *wp, const PretrainState *st, const PretrainOpts *o,
                  char *err, size_t err_len);
// Loads dir into m (created here) and st (initialised here). Refuses a checkpoint made
// with other options that the result depends on (batch, accum, seq_len, steps, warm-up,
// learning rate, seed, masking, weight decay, clipping). The model's sizes and dropout
// come from the checkpoint's config.json, whatever the command line says. Returns 0,
// or -1 with err.
int pretrain_resume(const char *dir, Bert *m, WordPiece *wp, int lowercase, PretrainState *st,
                    const PretrainOpts *o, char *err, size_t err_len);
// Continued pre-training (`--start-from`): loads dir's weights and vocabulary into m and wp
// (created here) and starts a NEW run from them: step 0, Adam's moments zero, o's
// schedule from its warm-up, the given dropout. What a resume restores (the optimiser,
// the step, the data order) is left behind on purpose: this is a second run on
// another mixture (README 07.10), not the first one continued. The MLM head must be in
// the checkpoint (a fresh head would make the first steps undo the encoder). Returns
// 0, or -1 with err.
int pretrain_continue(const char *dir, Bert *m, WordPiece *wp, int lowercase, float dropout, PretrainState *st,
                      const PretrainOpts *o, char *err, size_t err_len);

#endif
