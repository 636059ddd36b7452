// bert.h: BERT (Devlin et al. 2019), the encoder and its masked-language-model head.
// README section 07.5 "The model".
//
//   e   = W_word[ids] + W_pos[t] + W_type[types]                          (B,T,H)  (7.3)
//   x_0 = drop(LN_emb(e))
//   x_l = EncBlock_l(x_{l-1}), post-LN (chapter 06, eq. 6.11'),  l = 1..L
//   MLM head, only on the M masked positions p_1..p_M:
//   u = x_L[p] W_t^T + b_t;  g = gelu(u);  z = LN_t(g)                   (M,H)    (7.4)
//   logits = z W_word^T + b_dec                                          (M,V)    (7.5)
//   loss = mean over the M rows of -log softmax(logits)[target]
//
// W_word serves twice, as the input embedding (7.3) and as the output decoder (7.5):
// tied weights (Press & Wolf 2017), so its gradient is the sum of both uses (chapter
// 02's rule 2.3). Computing the decoder on the M masked rows only, not on all B*T, is
// what keeps a V = 8,192 output layer affordable: M is 15% of the tokens.
//
// Tensor names are Hugging Face's BertForMaskedLM names ("bert.embeddings.word_
// embeddings.weight", "bert.encoder.layer.0.attention.self.query.weight", ...,
// "cls.predictions.bias"), so a checkpoint (checkpoint.h) is a Transformers one.
#ifndef CH07_BERT_H
#define CH07_BERT_H

#include "chapters/06_seq2seq/block.h"
#include "common/rng.h"
#include "common/tensor.h"

#define BERT_MAX_LAYERS 24

typedef struct {
    int vocab, hidden, layers, heads, intermediate, max_pos, type_vocab;
    float dropout, ln_eps;   // 0.1 and 1e-12 in every released BERT
} BertConfig;

// Google's BERT miniatures (Turc et al. 2019): "tiny" L=2 H=128 A=2, "mini" L=4 H=256
// A=4, "small" L=4 H=512 A=8, intermediate 4H, 512 positions, 2 segment types.
// Returns 0, or -1 for an unknown name.
int bert_config_named(BertConfig *cfg, const char *name, int vocab);

typedef struct {
    BertConfig cfg;
    Tensor word_emb, pos_emb, type_emb, emb_ln_g, emb_ln_b;
    EncBlock layer[BERT_MAX_LAYERS];
    Tensor head_w, head_b, head_ln_g, head_ln_b, dec_bias;   // the MLM head; decoder = word_emb
    TensorList params;    // every tensor, Hugging Face's order and names
    TensorList encoder;   // the "bert." tensors only (BertModel; chapter 08's encoder)
} Bert;

// Weights N(0, 0.02) (BERT's initializer_range), biases 0, layer norms 1 and 0.
void bert_create(Bert *m, const BertConfig *cfg, Rng *rng);
void bert_free(Bert *m);

typedef struct {
    int B, T, M;              // capacity: batch, sequence length, masked rows
    float *e, *e_mean, *e_rstd, *e_mask;   // (B,T,H) embedding sum, LN stats, dropout mask
    float *x;                 // (L+1, B,T,H) the embedding output, then each layer's
    EncCache layer[BERT_MAX_LAYERS];
    int *pos_ids;             // (B*T) 0..T-1 per row, for the T of the last bert_encode
    float *hm, *u, *g, *z, *z_mean, *z_rstd;   // (M,H) the head, (7.4)
    float *logits, *probs;    // (M,V)
    float *d_logits, *d_z, *d_g, *d_u, *d_hm;  // backward scratch
    float *d_x, *d_x2;        // (B,T,H) backward scratch
} BertCache;

void bert_cache_alloc(BertCache *c, const Bert *m, int B, int T, int M);
void bert_cache_free(BertCache *c, const Bert *m);
// The final hidden states x_L (B,T,H) of the last bert_encode.
float *bert_hidden(const BertCache *c, const Bert *m);

// ids (B,T), types (B,T) or NULL (all segment 0), lengths (B) or NULL (no padding);
// rng NULL: no dropout (evaluation). Result: bert_hidden(c, m).
void bert_encode(const Bert *m, BertCache *c, const int *ids, const int *types, const int *lengths, Rng *rng, int B,
                 int T);
// Local attention (README 07.9, "Escaping the plateau"): the same encoder, but each row
// of T tokens is cut into T/W blocks of W consecutive tokens that attend only within
// themselves, while every token keeps its position in the full row (block k holds
// positions kW..kW+W-1). No padding, segment 0. c must hold B*T/W rows of W; the
// backward pass is bert_encode_backward with (B*T/W, W). W must divide T.
void bert_encode_blocks(const Bert *m, BertCache *c, const int *ids, Rng *rng, int B, int T, int W);
// d_hidden (B,T,H), the loss's gradient at x_L -> accumulates into every encoder
// parameter's grad (embeddings included). d_hidden is used as scratch (overwritten).
void bert_encode_backward(Bert *m, BertCache *c, float *d_hidden, const int *ids, const int *types, int B, int T);

// The MLM head on the M rows positions (indices into the B*T grid) of the last
// bert_encode: mean cross-entropy against targets (M); *n_correct (may be NULL) gets
// how many rows have their target as the arg-max.
float bert_mlm_forward(const Bert *m, BertCache *c, const int *positions, const int *targets, int M, int *n_correct);
// Accumulates into the head's grads and W_word's, and writes the gradient at x_L into
// d_hidden (B,T,H), zero except at the masked positions.
void bert_mlm_backward(Bert *m, BertCache *c, const int *positions, const int *targets, int M, float *d_hidden,
                       int B, int T);

#endif
