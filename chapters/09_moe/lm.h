// lm.h: a decoder-only Transformer language model (GPT-style) whose feed-forward
// layers are dense or Mixtures of Experts. README section 09.3.
//
//   x_0 = E[ids] sqrt(C) + P                       (B,T,C)  chapter 06's embed_forward
//   x_l = Block_l(x_{l-1}), l = 1..L                        chapter 06's pre-LN block, causal,
//                                                           its FFN replaced by a Moe when moe
//   h = LN_f(x_L);  logits = h E^T                 (B*T,V)  the output tied to the input table
//   loss = mean over the B*T positions of -log p(ids[t+1] | ids[..t])
//        + sum over the MoE layers of (aux + z-loss)        (moe.h)
//
// Sequences are cut from the token stream: inputs ids[0..T), targets ids[1..T].
#ifndef CH09_LM_H
#define CH09_LM_H

#include "chapters/06_seq2seq/block.h"
#include "chapters/09_moe/moe.h"
#include "common/rng.h"
#include "common/tensor.h"

enum { LM_MAX_LAYERS = 8 };
// The output layer runs on this many rows (positions) at a time: 256 x 8,192 logits
// are 8 MiB, which stay in a last-level cache from the product that writes them to the
// softmax that reads them (and, backward, d_logits to the two products that read it),
// instead of 64 MiB for a whole batch of 2,048 that go out to memory and back. The
// pieces give the same bits as one product over the batch when the row count is a
// multiple of matmul's KC (256, unless built with -DKC=...), so that E's gradient adds
// the same blocks in the same order, and when every piece's products are large enough
// for matmul's packed path (PACKED_MIN_WORK; any piece of chapter 09's sizes is).
enum { LM_HEAD_ROWS = 256 };

typedef struct {
    int vocab, C, NH, layers, T;   // T: the longest context (learned positions)
    int H;                         // the dense FFN's hidden width (dense: every block; moe: none)
    int moe;                       // 1: every block's FFN is a mixture of E experts of width expert_H
    int expert_H;
    MoeConfig moe_cfg;
    float dropout;
} LmConfig;

typedef struct {
    LmConfig cfg;
    Tensor tok_emb;                // (V,C) "tok_emb.weight", also the output layer
    Tensor pos_emb;                // (T,C) "pos_emb.weight"
    EncBlock blocks[LM_MAX_LAYERS];// "blocks.<l>.*"
    Moe moe[LM_MAX_LAYERS];        // "blocks.<l>.moe.*" when cfg.moe
    Tensor ln_f_g, ln_f_b;         // "ln_f.*"
    TensorList params;             // in that order
} Lm;

typedef struct {
    Moe *moe;
    MoeCache *cache;
} MoeBranch;

typedef struct {
    int B, T;                      // capacity
    int head_rows;                 // rows of the output layer at a time (LM_HEAD_ROWS)
    float *x;                      // (L+1, B,T,C) each block's input, then the last output
    float *h, *h_mean, *h_rstd;    // (B,T,C) LN_f
    float *logits, *d_logits;      // (head_rows, V) the output layer's current rows
    float *probs;                  // (B*T, V)
    double *row_loss;              // (B*T) each position's cross-entropy
    float *d_x, *d_next, *d_h, *scratch;
    int *inputs, *targets;         // (B,T) the forward's ids[:, :T] and ids[:, 1:]
    EncCache blocks[LM_MAX_LAYERS];
    MoeCache moe[LM_MAX_LAYERS];
    MoeBranch branch[LM_MAX_LAYERS];
    FeedForward ff[LM_MAX_LAYERS];
    double aux_loss, z_loss;       // the last forward's, summed over the layers
} LmCache;

// "" or why the configuration cannot be built (returns -1, err filled).
int lm_check_config(const LmConfig *cfg, char *err, size_t err_len);
void lm_create(Lm *m, const LmConfig *cfg, Rng *rng);
void lm_free(Lm *m);
void lm_cache_alloc(LmCache *c, const Lm *m, int B, int T);
// The same with the output layer `head_rows` rows at a time instead of LM_HEAD_ROWS (a
// test takes the whole batch at once: the same bits, under LM_HEAD_ROWS's conditions).
void lm_cache_alloc_head(LmCache *c, const Lm *m, int B, int T, int head_rows);
void lm_cache_free(LmCache *c, const Lm *m);

// ids (B,T+1): inputs are ids[:, :T], targets ids[:, 1:]. rng NULL: evaluation (no
// dropout, no router noise). Returns the mean next-token cross-entropy (without the
// auxiliary losses, which c->aux_loss and c->z_loss hold). The MoE blocks are bound to
// this cache's MoE caches (blk->ff) for this call and its backward.
double lm_forward(Lm *m, LmCache *c, const int *ids, Rng *rng, int B, int T);
// Gradients of (cross-entropy + aux + z-loss), accumulated into every parameter's grad.
void lm_backward(Lm *m, LmCache *c, const int *ids, int B, int T);

// Parameters: all of them, and those one token uses (the router and k experts of each
// MoE layer, everything else). Multiply-adds per token of a forward pass with a context
// of T (the matrix products: projections, attention's two, FFN or router and k
// experts, the output layer).
size_t lm_params_total(const Lm *m);
size_t lm_params_active(const Lm *m);
double lm_macs_per_token(const Lm *m, int T);

#endif
