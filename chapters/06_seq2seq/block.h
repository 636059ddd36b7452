// block.h: the encoder and decoder blocks of the Transformer (Vaswani et al. 2017,
// fig. 1), in the pre-LN arrangement that chapter 05 measured to train robustly
// (norm inside each residual branch; a final layer norm after the last block):
//
//   encoder:  h = x + drop(SelfAttn(LN1(x), padding mask))                         (6.11)
//             y = h + drop(FFN(LN2(h)))
//   decoder:  h1 = x  + drop(SelfAttn(LN1(x), causal + padding mask))              (6.12)
//             h2 = h1 + drop(CrossAttn(LN2(h1), mem, source padding mask))
//             y  = h2 + drop(FFN(LN3(h2)))
//
// Built from chapter 04's multi-head attention (mha.h, self and cross), chapter 05's
// layer norm, this chapter's FFN and dropout. Backward passes accumulate (+=) into
// every parameter's grad and into d_x (and d_mem for the decoder): the residual
// connections are the "+" of chapter 02's rule (2.3), a gradient that takes two paths.
#ifndef CH06_BLOCK_H
#define CH06_BLOCK_H

#include "chapters/04_attention/mha.h"
#include "chapters/06_seq2seq/ffn.h"
#include "common/rng.h"
#include "common/tensor.h"

// ---- encoder block -------------------------------------------------------------------------

// The feed-forward branch of an encoder block, when it is not the block's own FFN:
// chapter 09 puts a mixture of experts there. forward: x (N,C) -> y (N,C); backward
// accumulates (+=) into d_x and the layer's own grads. ctx holds the layer and its
// cache (the block's caller owns both). The block keeps only the pointer, so a caller
// with several caches (chapter 09's model) binds blk->ff to the right one before every
// forward, and runs the backward with that same binding: the backward reads what that
// forward stored in ctx's cache.
typedef struct {
    void (*forward)(void *ctx, float *y, const float *x, int N, Rng *rng);
    void (*backward)(void *ctx, float *d_x, const float *d_y, const float *x, int N);
    void *ctx;
} FeedForward;

typedef struct {
    int C;
    Tensor ln1_g, ln1_b, ln2_g, ln2_b;   // (C) each: "<prefix>.ln1.weight", ...
    Mha attn;                            // "<prefix>.attn.*"
    Ffn ffn;                             // "<prefix>.ffn.*"
    // Set after enc_block_create (which gives 0 and chapter 05's LAYERNORM_EPS) for the
    // original post-LN arrangement of BERT (chapter 07), norm after each residual sum:
    //   h = LN1(x + drop(SelfAttn(x)));  y = LN2(h + drop(FFN(h)))                   (6.11')
    int post_ln;
    float ln_eps;
    // Also set after creation: causal = 1 lets position t attend to positions <= t only,
    // which makes the encoder block a decoder-only (GPT) block (chapter 09). ff not NULL
    // replaces the FFN branch; create the block with H = 0 then, and it has no FFN.
    int causal;
    const FeedForward *ff;
} EncBlock;

typedef struct {
    int B, T;                                     // capacity
    // pre-LN: a = LN1(x), h = x + s; b = LN2(h). post-LN: a = x + s (LN1's input),
    // h = LN1(a); b = h + f (LN2's input). s, f: the two branches after dropout.
    float *a, *a_mean, *a_rstd, *s, *s_mask, *h;  // LN1 side, attention out, dropout mask, h
    float *b, *b_mean, *b_rstd, *f, *f_mask;      // LN2 side, FFN out, dropout mask
    float *d_h, *d_a, *d_b, *d_tmp;               // backward scratch (B*T*C each)
    MhaCache attn;
    FfnCache ffn;
} EncCache;

// H = 0: no FFN of its own (set blk->ff before the first forward).
void enc_block_create(EncBlock *blk, const char *prefix, int C, int NH, int H, int use_gelu, Rng *rng);
void enc_block_free(EncBlock *blk);
void enc_block_params(EncBlock *blk, TensorList *list);
void enc_cache_alloc(EncCache *c, int B, int T, int C, int NH, int H);
void enc_cache_free(EncCache *c);

// x (B,T,C) -> y (B,T,C). lengths (B) or NULL; dropout p with rng (rng NULL: no
// dropout, evaluation).
void enc_block_forward(const EncBlock *blk, EncCache *c, float *y, const float *x, const int *lengths, float p,
                       Rng *rng, int B, int T);
void enc_block_backward(EncBlock *blk, EncCache *c, float *d_x, const float *d_y, const float *x, int B, int T);

// ---- decoder block -------------------------------------------------------------------------

typedef struct {
    int C;
    Tensor ln1_g, ln1_b, ln2_g, ln2_b, ln3_g, ln3_b;
    Mha self_attn, cross_attn;   // "<prefix>.self_attn.*", "<prefix>.cross_attn.*"
    Ffn ffn;
} DecBlock;

typedef struct {
    int B, Tt, Ts;
    float *a, *a_mean, *a_rstd, *s, *s_mask, *h1;
    float *b, *b_mean, *b_rstd, *cx, *c_mask, *h2;
    float *e, *e_mean, *e_rstd, *f, *f_mask;
    float *d_h1, *d_h2, *d_a, *d_b, *d_e, *d_tmp;
    MhaCache self_attn, cross_attn;   // cross_attn.probs: (B,NH,Tt,Ts), the heatmaps
    FfnCache ffn;
} DecCache;

void dec_block_create(DecBlock *blk, const char *prefix, int C, int NH, int H, int use_gelu, Rng *rng);
void dec_block_free(DecBlock *blk);
void dec_block_params(DecBlock *blk, TensorList *list);
void dec_cache_alloc(DecCache *c, int B, int Tt, int Ts, int C, int NH, int H);
void dec_cache_free(DecCache *c);

// x (B,Tt,C) target-side input, mem (B,Ts,C) the encoder's output -> y (B,Tt,C).
// tgt_lengths / src_lengths (B) or NULL.
void dec_block_forward(const DecBlock *blk, DecCache *c, float *y, const float *x, const float *mem,
                       const int *tgt_lengths, const int *src_lengths, float p, Rng *rng, int B, int Tt, int Ts);
// Accumulates into the parameters, d_x (B,Tt,C) and d_mem (B,Ts,C).
void dec_block_backward(DecBlock *blk, DecCache *c, float *d_x, float *d_mem, const float *d_y, const float *x,
                        const float *mem, int B, int Tt, int Ts);

#endif
