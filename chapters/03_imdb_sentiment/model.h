// model.h: the sentiment classifier, a bag of embeddings (fastText's architecture,
// Joulin et al. 2017, with one output):
//
//   ids (B,T) --embedding--> (B,T,D) --masked mean--> (B,D) --linear--> logit (B)
//   p = sigmoid(logit) = P(positive | review);  loss = binary cross-entropy
//
// The layers: embedding.h (this chapter), linear_forward/backward
// (chapters/02_backprop/layers.h), sigmoid and BCE from logits
// (chapters/01_linear_regression/logreg.h). The embedding table has one row per
// vocabulary word and, with bigrams, one per hash bucket after them:
//   rows 0 .. V-1          words (0 = <pad>, 1 = <unk>)
//   rows V .. V+buckets-1  hashed bigrams
// The model is saved as DIR/model.safetensors (tensors "embedding.weight",
// "fc.weight", "fc.bias", and the tokenizer settings in __metadata__) next to
// DIR/vocab.txt. README sections 03.2-03.5.
#ifndef CH03_MODEL_H
#define CH03_MODEL_H

#include <stddef.h>

#include "chapters/03_imdb_sentiment/vocab.h"
#include "common/rng.h"
#include "common/tensor.h"

typedef struct {
    Tensor embedding;   // (V + buckets, D) "embedding.weight"; its gradient is sparse (BagWork)
    Tensor fc_w;        // (1, D) "fc.weight", with grad
    Tensor fc_b;        // (1) "fc.bias", with grad
    int vocab_size, buckets, dim, max_len;
    TensorList dense;   // fc_w, fc_b: what chapter 02's adam_step updates
} BagModel;

// Embedding rows ~ U(-init, init) (README 03.5), the PAD row 0; fc.weight Xavier-uniform; fc.bias 0.
void bagmodel_init(BagModel *m, int vocab_size, int buckets, int dim, int max_len, float init, Rng *rng);
void bagmodel_free(BagModel *m);

// Buffers for one batch of at most max_B rows of at most max_T ids.
typedef struct {
    int max_B, max_T, D;
    float *emb;        // (B,T,D) looked-up vectors
    float *pooled;     // (B,D) masked means
    float *logits;     // (B)
    float *d_logits;   // (B)
    float *d_pooled;   // (B,D)
    float *d_emb;      // (B,T,D)
    // The embedding's gradient in sparse form, filled by bagmodel_backward:
    int U;             // distinct table rows the batch used
    int *rows;         // (U) their ids in the table
    float *d_rows;     // (U,D) their gradients
    int *local;        // (B,T) position -> index into rows
    int *slot_of;      // (table rows) index into rows, -1 when unused (training only)
    size_t table_rows;
} BagWork;

// with_backward = 0 allocates what a forward pass needs only (evaluation).
void bagwork_init(BagWork *w, const BagModel *m, int max_B, int max_T, int with_backward);
void bagwork_free(BagWork *w);

// ids (B,T) -> w->logits (B). pad_id = VOCAB_PAD masks the padding; -1 masks nothing.
void bagmodel_forward(const BagModel *m, BagWork *w, const int *ids, int B, int T, int pad_id);

// From w->d_logits (B): accumulates fc_w.grad and fc_b.grad (+=), and writes the
// embedding's sparse gradient (w->U, w->rows, w->d_rows). Call after bagmodel_forward
// on the same ids.
void bagmodel_backward(BagModel *m, BagWork *w, const int *ids, int B, int T, int pad_id);

// Forgets the rows of the last backward pass (call after the optimiser step).
void bagwork_clear_rows(BagWork *w);

// P(positive) for one review given its ids (n, unpadded); *logit (may be NULL) gets z.
float bagmodel_predict_ids(const BagModel *m, const int *ids, int n, float *logit);

// The logit contribution of one table row, e[row] . fc_w: how much the word pushes a
// review towards positive (> 0) or negative (< 0) when it is all the review says.
float bagmodel_row_score(const BagModel *m, int row);

// DIR/model.safetensors + DIR/vocab.txt. extra_meta: NULL or {"key", "value", ..., NULL}
// pairs stored as well (the training settings). Returns 0 or -1 with err.
int bagmodel_save(const BagModel *m, const Vocab *v, const char *dir, const char *const *extra_meta, char *err,
                  size_t err_len);
// Loads both and checks they belong together (vocabulary size and fingerprint in the
// metadata, every tensor's shape). Returns 0, or -1 with the reason in err.
int bagmodel_load(BagModel *m, Vocab *v, const char *dir, char *err, size_t err_len);

// The value of an integer __metadata__ entry of DIR/model.safetensors (such as the
// "masked_mean" flag main.c stores), or -1 when the file or the key is missing.
int bagmodel_meta_flag(const char *dir, const char *key);

#endif
