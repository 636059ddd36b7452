// residual.h: a deep stack of residual blocks, with the norm before (pre-LN) or after
// (post-LN) the residual addition, or no norm at all (README section "Pre-LN and post-LN").
//
//   input:  h_0 = x Wp^T + bp                          x (B,In) -> h_0 (B,D)
//   pre-LN:  h_{l+1} = h_l + f(LN_l(h_l))               (the Transformer since GPT-2)
//   post-LN: h_{l+1} = LN_l(h_l + f(h_l))               (the original Transformer)
//   none:    h_{l+1} = h_l + f(h_l)
//   no-residual: h_{l+1} = f(h_l)      (no residual, no norm: chapter 02's deep MLP)
//   output: logits = LN_f(h_L) Wo^T + bo (LN_f only for pre-LN), softmax cross-entropy
// with f(u) = act(u W_l^T + b_l), act = tanh or relu. Pre-LN keeps the identity path
// h_l -> h_{l+1} free of any norm, so dL/dh_l = dL/dh_L + (terms through the f's):
// gradients reach the first block undiminished (README eq. (5.16)).
#ifndef CH05_RESIDUAL_H
#define CH05_RESIDUAL_H

#include "common/rng.h"
#include "common/tensor.h"

typedef enum { RESNORM_NONE, RESNORM_PRE, RESNORM_POST, RESNORM_PLAIN } ResNormKind;

typedef struct {
    ResNormKind kind;
    int use_tanh;                      // act = tanh (1) or relu (0)
    int in, width, depth, classes, max_batch;
    Tensor proj_w, proj_b, head_w, head_b, lnf_g, lnf_b;
    Tensor *fc_w, *fc_b, *ln_g, *ln_b; // depth each: "blocks.<l>.fc.weight", ...
    TensorList params;
    // kept by the forward pass (depth+1 slots of (max_batch, width) each)
    const float *x;
    int batch;
    float *h, *u, *z, *a, *s;          // h[l] block input; u = LN out (pre); z, a = f; s = h+a (post)
    float *mean, *rstd;                // (depth+1, max_batch): slot depth is LN_f
    float *hf, *logits, *probs;
    float *d_h, *d_t1, *d_t2, *d_logits;   // backward scratch
    float *block_grad_norm;            // (depth) ||dL/dW_l||_F after residual_backward
    float *input_grad_norm;            // (depth+1) ||dL/dh_l||_F: the signal reaching block l
} ResStack;

void residual_create(ResStack *r, ResNormKind kind, int use_tanh, int in, int width, int depth,
                     int classes, int max_batch, Rng *rng);
void residual_free(ResStack *r);
float residual_forward_loss(ResStack *r, const float *x, const int *y, int B);
void residual_backward(ResStack *r, const int *y);   // accumulates into the grads
// Accuracy over n examples (chunks of max_batch).
float residual_accuracy(ResStack *r, const float *x, const int *y, int n);
const char *residual_kind_name(ResNormKind kind);

#endif
