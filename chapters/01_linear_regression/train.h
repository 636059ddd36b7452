// train.h: the training loops of the chapter -- batch gradient descent and minibatch
// SGD for linear regression (MSE) and logistic regression (BCE). One loop serves all:
// the batch size is the only difference between "batch GD" (batch = N) and
// "minibatch SGD" (batch = 32, shuffled every epoch), README section 01.4.
#ifndef CH01_TRAIN_H
#define CH01_TRAIN_H

#include "common/rng.h"

typedef struct {
    float lr;           // step size
    int epochs;         // passes over the training set
    int batch;          // examples per step; 0 (or >= N) = the whole set: batch GD
    int show_progress;  // a progress line on stderr (common/progress.h), counting updates
} GdConfig;

typedef struct {
    int epochs_run;     // < cfg.epochs when the run diverged
    int diverged;       // 1: the loss became Inf/NaN or grew past 1e30 -- lr too large
    long steps;         // parameter updates made
    float final_loss;   // full-training-set loss after the last epoch
} GdReport;

// Trains w (D) and b, in place from their current values, by (minibatch) gradient
// descent on the MSE of x (N,D) against y (N). If history is not NULL it receives
// epochs+1 values: the full-training-set MSE before the first step and after every
// epoch (NaN after a divergence). rng shuffles minibatches (unused for batch GD).
// A diverging run is reported, not fatal: the chapter wants to show it.
GdReport linreg_train_gd(float *w, float *b, const float *x, const float *y, int N, int D,
                         const GdConfig *cfg, Rng *rng, float *history);

// The same loop for logistic regression: BCE from logits, labels y in {0,1}.
GdReport logreg_train_gd(float *w, float *b, const float *x, const float *y, int N, int D,
                         const GdConfig *cfg, Rng *rng, float *history);

#endif
