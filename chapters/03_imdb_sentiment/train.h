// train.h: from loaded reviews to a trained, evaluated classifier.
//
//   split    a validation set carved from TRAIN (stratified, seeded), never from test
//   vocab    counted on the training rows only
//   encode   every review -> a row of ids (ragged: no padding stored)
//   train    minibatches padded to their longest row; Adam on the dense layer
//            (chapter 02), lazy Adam on the embedding rows the batch used; after each
//            epoch the validation loss decides: better -> keep a copy of the weights;
//            `patience` epochs without improvement -> stop and restore the best copy
//   evaluate loss, accuracy, precision, recall, F1, confusion matrix
//
// The loop lives here, not in main.c, so that tests can train a small model too.
#ifndef CH03_TRAIN_H
#define CH03_TRAIN_H

#include "chapters/03_imdb_sentiment/imdb.h"
#include "chapters/03_imdb_sentiment/metrics.h"
#include "chapters/03_imdb_sentiment/model.h"
#include "chapters/03_imdb_sentiment/vocab.h"
#include "common/rng.h"

// Reviews as rows of token ids, back to back: row i is ids[offset[i] .. offset[i+1]).
typedef struct {
    int n;
    long *offset;   // (n+1)
    int *ids;       // (offset[n])
    int *label;     // (n) 1 positive, 0 negative
    int max_row;    // length of the longest row
} EncodedSet;

// Encodes raw->text[rows[k]] for k < n_rows (rows NULL: every review), in parallel
// when OpenMP is on. total (may be NULL) gets the summed EncodeInfo of all rows.
void encset_build(EncodedSet *out, const ImdbSet *raw, const int *rows, int n_rows, const Vocab *v,
                  const EncodeOpts *o, EncodeInfo *total);
void encset_free(EncodedSet *s);

// Stratified split of n labelled rows: of each class, round(val_frac * count) rows,
// chosen with rng, go to *val_rows; the rest to *train_rows (both ascending, malloc'd).
// Returns 0, or -1 with the reason in err (nothing allocated) when a class would get
// no validation row or no training row (e.g. --max-per-class 3 with --val-frac 0.1).
int sent_split_stratified(const int *labels, int n, float val_frac, Rng *rng, int **train_rows, int *n_train,
                          int **val_rows, int *n_val, char *err, size_t err_len);

// Counts the tokens of raw->text[rows[k]] (rows NULL: all) and builds the vocabulary
// (vocab.h): min_count, max_size. *n_distinct gets how many different tokens were seen.
void sent_build_vocab(Vocab *out, const ImdbSet *raw, const int *rows, int n_rows, long min_count, int max_size,
                      int *n_distinct);

// Adam's learning rate unless told otherwise: the one default, used by
// sent_train_defaults and by ch03's --lr (README "The experiment" explains the choice).
#define SENT_DEFAULT_LR 3e-3f

typedef struct {
    float lr;          // Adam's step size, for all parameters
    int batch;         // reviews per step
    int max_epochs;
    int patience;      // stop after this many epochs without a lower validation loss
                       // and restore the best weights; 0 = train max_epochs, keep the last
    int mask;          // 1: masked mean (correct); 0: mean over every position, PAD
                       // included (a mistake, README "Common mistakes")
    int fixed_len;     // 0: pad each batch to its longest row; > 0 pad every batch (and
                       // every evaluation) to this many ids, truncating longer rows
    int sort_window;   // > 0: batches of similar length (README 03.7): the shuffled rows
                       // are sorted by length within windows of this many batches, and
                       // the batches are then shuffled; 0: plain random batches
    int dense_adam;    // 1: chapter 02's dense Adam on the whole embedding table every
                       // step, with a dense gradient (README 03.4: why we do not)
    const char *monitor_name;   // what `val` is, for the epoch lines ("val" if NULL)
    int verbose;       // 1: a line per epoch on stdout, a progress line on stderr
} SentTrainConfig;

SentTrainConfig sent_train_defaults(void);   // lr SENT_DEFAULT_LR, batch 32, 20 epochs, patience 2, mask, windows of 50 batches

typedef struct {
    int epochs_done;
    int best_epoch;          // 1-based epoch with the lowest validation loss
    int stopped_early;       // patience ran out before max_epochs
    float *train_loss;       // (max_epochs) mean minibatch loss of the epoch
    float *train_acc;        // (max_epochs) minibatch accuracy during the epoch
    float *val_loss;         // (max_epochs) after the epoch
    float *val_acc;
    double seconds;          // wall time of the loop (evaluations included)
    double train_rows_per_s; // reviews per second through forward+backward+update
    double mean_rows_touched;// distinct embedding rows per step (what lazy Adam updates)
} SentHistory;

// Trains m in place; val steers early stopping (the README's "choosing epochs on test"
// mistake passes the test set here). Fills hist (free with sent_history_free).
void sent_train(BagModel *m, const EncodedSet *train, const EncodedSet *val, const SentTrainConfig *cfg, Rng *rng,
                SentHistory *hist);
void sent_history_free(SentHistory *h);

typedef struct {
    float loss;        // mean binary cross-entropy
    Confusion cm;      // at threshold 1/2
    BinaryMetrics m;
} SentEval;

// Forward pass over every row (in parallel chunks); probs (n) may be NULL.
SentEval sent_evaluate(const BagModel *m, const EncodedSet *s, int mask, int fixed_len, float *probs);

#endif
