// train.h: minibatch training of an MLP classifier, and its evaluation.
//
//   for each epoch: shuffle the training rows (with the caller's Rng)
//     for each minibatch: zero grads; loss = forward; backward; optimiser step
//     evaluate on the validation split (carved from TRAIN, never from test)
//
// The loop lives here and not in main.c so that tests can train a small model too.
#ifndef CH02_TRAIN_H
#define CH02_TRAIN_H

#include "chapters/02_backprop/mlp.h"
#include "common/rng.h"

// Rows of inputs with class labels. A ClsSet either owns x and y (made by
// clsset_split, freed with clsset_free) or borrows them (e.g. from an IdxDataset).
typedef struct {
    float *x;     // (n, dim)
    int *y;       // (n)
    int n, dim;
} ClsSet;

// Carves a validation split from `all`: a random n_val rows go to *val, the others to
// *train (both own copies). Use it on the TRAINING set: the test set is touched once,
// at the end (README "Common mistakes").
void clsset_split(const ClsSet *all, int n_val, Rng *rng, ClsSet *train, ClsSet *val);
// The first n rows of `all` as a borrowed view (no copy).
ClsSet clsset_head(const ClsSet *all, int n);
void clsset_free(ClsSet *s);

typedef enum { OPTIM_SGD, OPTIM_MOMENTUM, OPTIM_ADAM } OptimKind;
const char *optim_kind_name(OptimKind k);             // "sgd", "momentum", "adam"
int optim_kind_parse(const char *name, OptimKind *k);  // 0, or -1 if unknown

typedef struct {
    OptimKind optimizer;
    float lr;
    float momentum;         // mu of OPTIM_MOMENTUM
    float weight_decay;     // L2 for SGD/momentum, decoupled for Adam (AdamW)
    int epochs, batch;
    int cosine;             // 1: lr follows a half cosine from lr to 0 over the run
    int allow_divergence;   // 1: a NaN/Inf loss ends the run with hist->diverged = 1
                            // 0: it stops the program with check_finite's message
    int verbose;            // 1: one line per epoch on stdout and a progress line on stderr
    int keep_grads;         // 1: never zero the gradients. A BUG, kept to show what it
                            // does (README "Common mistakes"); always 0 otherwise
} TrainConfig;

// Adam, lr 1e-3, batch 128, 10 epochs, quiet: callers change what they need.
TrainConfig mlp_train_defaults(void);

typedef struct {
    int epochs_done;
    float *train_loss;      // (epochs) mean minibatch loss of each epoch
    float *val_loss;        // (epochs) on the validation set (NaN without one)
    float *val_acc;         // (epochs)
    long n_steps;           // steps taken
    float *step_loss;       // (n_steps) loss of every minibatch
    int diverged;           // the loss became NaN or Inf (allow_divergence runs)
    double seconds;         // wall time of the training loop
} TrainHistory;

// Trains m in place. val may be NULL. Fills hist (free it with mlp_history_free).
void mlp_train(Mlp *m, const ClsSet *train, const ClsSet *val, const TrainConfig *cfg, Rng *rng,
               TrainHistory *hist);
void mlp_history_free(TrainHistory *hist);

// Accuracy of m on d in [0,1]; the mean cross-entropy goes to *mean_loss when not NULL.
float mlp_evaluate(Mlp *m, const ClsSet *d, float *mean_loss);

#endif
