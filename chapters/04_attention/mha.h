// mha.h: multi-head attention with Q/K/V/output projections (Vaswani et al. 2017).
//   q = x Wq^T + bq,  k = x Wk^T + bk,  v = x Wv^T + bv        (B,T,C) each   (4.13)
//   split each into NH heads of hd = C/NH features: (B,T,C) -> (B,NH,T,hd)     (4.14)
//   a = attention(q, k, v) per head, merged back (B,NH,T,hd) -> (B,T,C)
//   out = a Wo^T + bo                                                           (4.15)
// Self-attention: queries, keys and values all come from the same x. Cross-attention
// (chapter 06's decoder looking at the encoder): queries from x, keys and values from
// another sequence, mem. The linear maps are chapter 02's linear_forward/
// linear_backward; the attention is attention.h.
#ifndef CH04_MHA_H
#define CH04_MHA_H

#include "common/rng.h"
#include "common/tensor.h"

typedef struct {
    int C, NH;              // width and number of heads; hd = C / NH
    Tensor wq, wk, wv, wo;  // (C,C), PyTorch layout (out, in)
    Tensor bq, bk, bv, bo;  // (C)
} Mha;

// Allocates parameters (with gradients) named "<prefix>.wq" ...; Xavier-uniform
// weights, zero biases. C must be divisible by NH.
void mha_create(Mha *m, const char *prefix, int C, int NH, Rng *rng);
void mha_free(Mha *m);
void mha_params(Mha *m, TensorList *list);   // appends the 8 tensors, checkpoint order

// Everything the forward pass keeps for the backward pass, for batches up to B x T.
// Sizes: Tq query positions, Tk key positions (both T for self-attention).
typedef struct {
    int B, Tq, Tk, C, NH;    // capacity
    float *q, *k, *v;        // (B,Tq,C), (B,Tk,C), (B,Tk,C) projections
    float *qh, *kh, *vh;     // the same split into heads, (B,NH,T*,hd)
    float *ah;               // (B,NH,Tq,hd) attention output per head
    float *a;                // (B,Tq,C) merged heads
    float *probs;            // (B,NH,Tq,Tk) attention weights (for backward and heatmaps)
    float *d_a, *d_ah, *d_qh, *d_kh, *d_vh, *d_q, *d_k, *d_v;   // backward scratch
    float *scratch;          // 2*Tq*Tk for attention_backward
} MhaCache;

void mha_cache_alloc(MhaCache *c, int B, int T, int C, int NH);   // self-attention
void mha_cache_alloc_qk(MhaCache *c, int B, int Tq, int Tk, int C, int NH);
void mha_cache_free(MhaCache *c);

// (B,T,C) -> (B,NH,T,hd): head h of position t is columns h*hd..h*hd+hd-1 of row t.
void mha_split_heads(float *out, const float *x, int B, int T, int NH, int hd);
// (B,NH,T,hd) -> (B,T,C): the inverse of mha_split_heads.
void mha_merge_heads(float *out, const float *x, int B, int T, int NH, int hd);

// x (B,T,C) -> out (B,T,C). lengths (B) or NULL, causal 0/1: see attention.h.
void mha_forward(const Mha *m, MhaCache *c, float *out, const float *x, const int *lengths, int causal,
                 int B, int T);
// d_out (B,T,C) -> accumulates (+=) into every parameter's grad and into d_x (B,T,C)
// (d_x may be NULL). x is the forward input; c must hold that forward pass.
void mha_backward(Mha *m, MhaCache *c, float *d_x, const float *d_out, const float *x, int B, int T);

// Cross-attention: x (B,Tq,C) asks, mem (B,Tk,C) answers -> out (B,Tq,C).
// mem_lengths (B) or NULL: real positions of each mem sequence (the rest is padding).
void mha_forward_cross(const Mha *m, MhaCache *c, float *out, const float *x, const float *mem,
                       const int *mem_lengths, int B, int Tq, int Tk);
// Accumulates (+=) into every parameter's grad, d_x (B,Tq,C) and d_mem (B,Tk,C);
// either may be NULL.
void mha_backward_cross(Mha *m, MhaCache *c, float *d_x, float *d_mem, const float *d_out, const float *x,
                        const float *mem, int B, int Tq, int Tk);

#endif
