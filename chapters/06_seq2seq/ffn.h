// ffn.h: the position-wise feed-forward network of a Transformer block, and GELU.
//   FFN(x) = act(x W1^T + b1) W2^T + b2,   x (N,C) -> (N,C), hidden width H (4C)   (6.3)
// applied to every position independently (N = B*T rows). act is ReLU (the original
// Transformer) or GELU (BERT, GPT):
//   gelu(u) = u * Phi(u) = u/2 * (1 + erf(u / sqrt 2))                             (6.4)
//   gelu'(u) = Phi(u) + u * phi(u),  phi(u) = exp(-u^2/2) / sqrt(2 pi)              (6.5)
#ifndef CH06_FFN_H
#define CH06_FFN_H

#include "common/rng.h"
#include "common/tensor.h"

void gelu_forward(float *y, const float *u, int n);
// d_u += d_y * gelu'(u), with the INPUT u (the forward pass keeps it)
void gelu_backward(float *d_u, const float *d_y, const float *u, int n);

typedef struct {
    int C, H, use_gelu;
    Tensor w1, b1, w2, b2;   // (H,C), (H), (C,H), (C): "<prefix>.fc1.weight", ...
} Ffn;

typedef struct {
    int N;                   // rows allocated
    float *u, *a;            // (N,H): pre-activation and activation
    float *d_a, *d_u;        // (N,H) backward scratch
} FfnCache;

void ffn_create(Ffn *f, const char *prefix, int C, int H, int use_gelu, Rng *rng);
void ffn_free(Ffn *f);
void ffn_params(Ffn *f, TensorList *list);
void ffn_cache_alloc(FfnCache *c, int N, int H);
void ffn_cache_free(FfnCache *c);

// x (N,C) -> out (N,C)
void ffn_forward(const Ffn *f, FfnCache *c, float *out, const float *x, int N);
// Accumulates into the four grads and d_x (N,C) (may be NULL).
void ffn_backward(Ffn *f, FfnCache *c, float *d_x, const float *d_out, const float *x, int N);

#endif
