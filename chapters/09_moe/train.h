// train.h: training lm.h's model on a token stream while watching the routers.
// README section 09.4.
//
// Each step: `batch` windows of T+1 tokens at random offsets of the stream (the same
// offsets for the same seed), forward with dropout and router noise, the loss
// cross-entropy + every MoE layer's aux + z-loss, backward, clip the global norm,
// AdamW (no decay on 1-D tensors) at a learning rate that rises linearly over `warmup`
// steps and falls linearly to 0 at the last.
//
// Every log_every steps a point of the curve: the mean losses since the last point,
// and for each MoE layer the load of each expert (choices routed to it, summed), and
// per step averaged: the coefficient of variation of the load (std / mean over the
// experts: 0 = perfectly even), max / mean, the share of dropped choices and the
// router's entropy (ln E = a uniform router, 0 = certain).
#ifndef CH09_TRAIN_H
#define CH09_TRAIN_H

#include <stdint.h>
#include <stdio.h>

#include "chapters/09_moe/lm.h"

typedef struct {
    int batch, T;
    long steps, warmup;
    float lr, weight_decay, clip;
    int log_every, eval_every;   // eval_every: a multiple of log_every; 0 = at the end only
    int eval_max;                // validation windows of the curve's points (0: all)
    uint64_t seed;
} LmTrainOpts;

typedef struct {
    long step;
    float lr;
    double train_loss, aux, z;          // means since the previous point (aux, z: summed over layers)
    double val_loss;                    // NaN where not evaluated
    double val_loss_all;                // the last point only: on every window (NaN elsewhere)
    double seconds, tokens;             // training time (evaluation excluded) and tokens so far
    long load[LM_MAX_LAYERS][MOE_MAX_EXPERTS];   // choices routed to each expert since the previous point
    double cv[LM_MAX_LAYERS], max_mean[LM_MAX_LAYERS], drop[LM_MAX_LAYERS], entropy[LM_MAX_LAYERS];   // per-step means
} LmPoint;

typedef struct {
    LmPoint *points;
    int n, cap;
} LmCurve;

void lmcurve_free(LmCurve *c);

// The load statistics of one step's counts (E of them).
double load_cv(const long *load, int E);
double load_max_mean(const long *load, int E);

// Mean next-token cross-entropy over consecutive windows of the stream (each token
// predicted once; max_windows 0: all), in c's batches.
double lm_evaluate(Lm *m, LmCache *c, const int *stream, long n, int T, int max_windows);

// What the batches' content adds to the per-step load (README 09.5). The trained
// router reads `windows` windows of the stream (0: all) in a random order, in c's
// batches of c->B windows, as training draws them, and each MoE layer's choices are
// counted twice: per group of windows, and dealt at random into groups of the same
// size. The router, the tokens and their choices are the same both ways; only which
// choices share a group differs. out[s] groups 2^s consecutive batches (B 2^s windows,
// the batch of a run with a 2^s times larger batch); its means are over the groups and
// the MoE layers, and it holds no groups when there are fewer than 2^s batches.
enum { LOAD_SCALES = 3 };   // groups of 1, 2 and 4 batches
typedef struct {
    double cv_batches, max_mean_batches;     // grouped as training groups them
    double cv_shuffled, max_mean_shuffled;   // the same choices, dealt at random
    long groups, windows_per_group;          // groups per layer, and their size
} LoadGrouping;
void lm_load_grouping(Lm *m, LmCache *c, const int *stream, long n, int T, int windows, uint64_t seed,
                      LoadGrouping out[LOAD_SCALES]);

// Trains m; val may be NULL. log (may be NULL) gets a line per point.
void lm_train(Lm *m, const int *stream, long n, const int *val, long n_val, const LmTrainOpts *o, LmCurve *curve,
              FILE *log);

#endif
