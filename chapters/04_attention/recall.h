// recall.h: associative recall, a task that needs content-based lookup.
// A sequence shows n_pairs (key, value) pairs, then a query key; the answer is the
// value that was paired with that key:   k3 v7  k12 v1  k5 v7 ... k9 v2  ?k5  -> v7
// Keys within a sequence are distinct; values are random (they may repeat).
//
// Each pair is one token, its features the one-hot key and one-hot value; the query is
// the last token, with its key one-hot in a block of its own:
//   features (F = 2*n_keys + n_values):  [key one-hot | value one-hot | query-key one-hot]
//
// Two models of the same width C, with the same classifier head:
//   attention: e = x We^T + be;  h = e + MHA(e);  r = h[last]            (query reads the pairs)
//   pooling:   e = x We^T + be;  r = mean_t e[t]                          (a bag of tokens)
//   both:      logits = relu(r Wh^T + bh) Wo^T + bo  -> softmax over n_values
// Mean pooling adds the pairs up: which keys and which values occurred survives, but
// which value belonged to which key does not, so it cannot answer better than guessing
// among the values present. Attention lets the query pick the matching token.
#ifndef CH04_RECALL_H
#define CH04_RECALL_H

#include "chapters/04_attention/mha.h"
#include "common/rng.h"
#include "common/tensor.h"

typedef struct {
    int n_keys, n_values, n_pairs;   // T = n_pairs + 1 tokens
} RecallTask;

int recall_features(const RecallTask *task);   // F
// Fills x (B,T,F) and labels (B) with B fresh random examples; if query_pos is not
// NULL it receives the index of the pair whose key is queried.
void recall_make_batch(const RecallTask *task, float *x, int *labels, int *query_pos, int B, Rng *rng);

typedef enum { RECALL_ATTENTION, RECALL_POOL } RecallKind;

typedef struct {
    RecallKind kind;
    RecallTask task;
    int C, NH, F, T, V, max_B;
    Tensor we, be, wh, bh, wo, bo;
    Mha mha;                  // attention model only
    TensorList params;
    // activations and their gradients for batches up to max_B
    float *e, *att, *h, *r, *z_pre, *z, *logits, *probs;
    float *d_e, *d_h, *d_r, *d_z, *d_z_pre, *d_logits;
    MhaCache cache;
} RecallModel;

void recall_model_create(RecallModel *m, RecallKind kind, const RecallTask *task, int C, int NH, int max_B,
                         Rng *rng);
void recall_model_free(RecallModel *m);
// Mean cross-entropy over the batch; fills m->probs and m->logits.
float recall_forward(RecallModel *m, const float *x, const int *labels, int B);
// Accumulates parameter gradients for the batch of the last forward pass.
void recall_backward(RecallModel *m, const float *x, const int *labels, int B);

typedef struct {
    int steps, batch;
    float lr;
} RecallTrainConfig;

// Adam on fresh random batches; loss_curve (steps) may be NULL. Returns the mean loss
// over the last 10% of the steps.
float recall_train(RecallModel *m, const RecallTrainConfig *cfg, Rng *rng, float *loss_curve);
// Accuracy on n examples (x (n,T,F), labels (n)).
float recall_accuracy(RecallModel *m, const float *x, const int *labels, int n);

#endif
