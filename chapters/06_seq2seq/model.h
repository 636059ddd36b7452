// model.h: the encoder-decoder Transformer (Vaswani et al. 2017), pre-LN, for
// sequence-to-sequence tasks over one shared vocabulary.
//
//   encoder:  x = E[src] sqrt(C) + PE;  x = EncBlock_l(x), l < L;  mem = LN_enc(x)      (6.13)
//   decoder:  y = E[tgt_in] sqrt(C) + PE;  y = DecBlock_l(y, mem);  h = LN_dec(y)
//   logits = h W_out^T, W_out = E when tied (Press & Wolf 2017), else its own (V,C)
//   loss   = label-smoothed cross-entropy of logits against tgt_out (6.8), PAD ignored
//
// Teacher forcing: tgt_in = BOS y_1 .. y_n, tgt_out = y_1 .. y_n EOS, so position t
// predicts token t+1 from the true tokens before it; the causal mask keeps it from
// looking ahead. All parameters live in `params`, in checkpoint order.
#ifndef CH06_MODEL_H
#define CH06_MODEL_H

#include "chapters/06_seq2seq/block.h"
#include "common/rng.h"
#include "common/tensor.h"

#define S2S_MAX_LAYERS 8

typedef struct {
    int vocab, C, NH, H, layers, max_len;   // max_len: longest source or target sequence
    int use_gelu, tied, learned_pos;
    float dropout, label_smoothing;
    int pad_id;
} S2SConfig;

typedef struct {
    S2SConfig cfg;
    Tensor tok_emb;                   // (V,C) "tok_emb.weight", shared by source and target
    Tensor pos_emb;                   // (max_len,C) "pos_emb.weight" when learned, else unused
    float *pos_table;                 // the positions actually added: pos_emb.data or sinusoids
    EncBlock enc[S2S_MAX_LAYERS];     // "enc.<l>.*"
    DecBlock dec[S2S_MAX_LAYERS];     // "dec.<l>.*"
    Tensor enc_ln_g, enc_ln_b, dec_ln_g, dec_ln_b;
    Tensor out_w;                     // (V,C) "out.weight" when not tied
    TensorList params;
} S2SModel;

// Activations of one forward pass, for batches up to B with sources up to Ts and
// targets up to Tt tokens.
typedef struct {
    int B, Ts, Tt;
    float *enc_x;                     // (L+1, B,Ts,C): input of each encoder block, then its output
    float *mem, *mem_mean, *mem_rstd; // (B,Ts,C) LN_enc output and stats
    float *dec_x;                     // (L+1, B,Tt,C)
    float *h, *h_mean, *h_rstd;       // (B,Tt,C) LN_dec output
    float *logits, *probs;            // (B*Tt, V)
    float *d_enc, *d_dec, *d_mem, *d_h, *d_logits, *d_tmp;   // backward scratch
    int n_counted;                    // target tokens in the loss of the last forward
    EncCache enc[S2S_MAX_LAYERS];
    DecCache dec[S2S_MAX_LAYERS];
} S2SCache;

void s2s_create(S2SModel *m, const S2SConfig *cfg, Rng *rng);
void s2s_free(S2SModel *m);
void s2s_cache_alloc(S2SCache *c, const S2SModel *m, int B, int Ts, int Tt);
void s2s_cache_free(S2SCache *c, const S2SModel *m);

// src (B,Ts), src_len (B); the encoder's output goes to c->mem. rng NULL: no dropout.
void s2s_encode(const S2SModel *m, S2SCache *c, const int *src, const int *src_len, Rng *rng, int B, int Ts);
// tgt_in (B,Tt), tgt_len (B), with c->mem from s2s_encode -> c->logits (B*Tt, V).
void s2s_decode(const S2SModel *m, S2SCache *c, const int *tgt_in, const int *tgt_len, const int *src_len, Rng *rng,
                int B, int Ts, int Tt);
// Both, then the loss against tgt_out (B,Tt; PAD where there is no target).
float s2s_forward_loss(const S2SModel *m, S2SCache *c, const int *src, const int *src_len, const int *tgt_in,
                       const int *tgt_out, const int *tgt_len, Rng *rng, int B, int Ts, int Tt);
// Backward of the last s2s_forward_loss: accumulates into every parameter's grad.
void s2s_backward(S2SModel *m, S2SCache *c, const int *src, const int *tgt_in, const int *tgt_out, int B, int Ts,
                  int Tt);

#endif
