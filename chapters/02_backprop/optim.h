// optim.h: optimisers over a model's parameter list (common/tensor.h TensorList).
// Each step reads t->grad of every tensor and updates t->data in place; it does
// NOT zero the gradients (call tensorlist_zero_grad before the next backward).
// Update rules derived in chapters/02_backprop/README.md, section "Optimisers".
#ifndef CH02_OPTIM_H
#define CH02_OPTIM_H

#include "common/tensor.h"

// Plain SGD: w -= lr * (g + weight_decay * w)
void sgd_step(TensorList *params, float lr, float weight_decay);

// SGD with (heavy-ball) momentum, PyTorch's form: v = mu v + g; w -= lr v.
typedef struct {
    float lr, momentum, weight_decay;
    float **velocity;   // one buffer per parameter tensor, same sizes
    int n;
} Momentum;
void momentum_init(Momentum *opt, const TensorList *params, float lr, float momentum, float weight_decay);
void momentum_step(Momentum *opt, TensorList *params);
void momentum_free(Momentum *opt);

// Adam (Kingma & Ba 2015) with bias correction; weight_decay > 0 gives AdamW
// (decoupled decay: w -= lr * wd * w, Loshchilov & Hutter 2019).
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
//   m_hat = m / (1 - b1^t);  v_hat = v / (1 - b2^t)
//   w -= lr * m_hat / (sqrt(v_hat) + eps)
typedef struct {
    float lr, beta1, beta2, eps, weight_decay;
    long t;             // steps taken so far (for bias correction)
    float **m, **v;
    int n;
    unsigned char *no_decay;   // (n) or NULL: 1 = this tensor is never decayed
    float *lr_scale;           // (n) or NULL: tensor k steps (and decays) at lr * lr_scale[k]
} Adam;
void adam_init(Adam *opt, const TensorList *params, float lr, float beta1, float beta2, float eps,
               float weight_decay);
void adam_step(Adam *opt, TensorList *params);
// AdamW as BERT and GPT-2 are trained: no weight decay on biases and layer-norm gains
// and shifts, i.e. on every 1-D tensor of params. Decaying a gain towards 0 would
// shrink a whole feature, and a bias has no scale to regularise.
void adam_exclude_1d_from_decay(Adam *opt, const TensorList *params);
// Tensor k's learning rate becomes lr * scale, the others' stay lr: PyTorch's
// "parameter groups". Chapter 08 gives lower layers smaller steps with it (08.4).
void adam_set_lr_scale(Adam *opt, int k, float scale);
void adam_free(Adam *opt);

// Rescales all gradients so their global L2 norm is at most max_norm; returns the
// norm before clipping (useful to log).
float clip_grad_norm(TensorList *params, float max_norm);

#endif
