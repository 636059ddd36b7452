// normnet.h: a small classifier with a normalisation layer after each hidden Linear,
// the model of the batch-size experiment (README section "The experiment").
//
//   h1 = relu(norm1(x W1^T + b1));  h2 = relu(norm2(h1 W2^T + b2));  logits = h2 W3^T + b3
//
// norm is nothing, layer norm (layernorm.h) or batch norm (batchnorm.h). Built from
// chapter 02's linear/relu/softmax_xent pairs and trained with its Adam.
#ifndef CH05_NORMNET_H
#define CH05_NORMNET_H

#include "common/rng.h"
#include "common/tensor.h"

typedef enum { NORMNET_NONE, NORMNET_LAYER, NORMNET_BATCH } NormKind;

typedef struct {
    NormKind kind;
    int in, hidden, classes, max_batch;
    float momentum;                  // batch norm running-average momentum (PyTorch: 0.1)
    Tensor w1, b1, g1, be1, w2, b2, g2, be2, w3, b3;
    TensorList params;               // fc1.weight, fc1.bias, norm1.weight, norm1.bias, ...
    float *run_mean1, *run_var1, *run_mean2, *run_var2;   // batch norm buffers (hidden)
    // kept by the forward pass for the backward pass (max_batch rows)
    const float *x;
    int batch, training;
    float *z1, *n1, *a1, *z2, *n2, *a2, *logits, *probs;
    float *mean1, *rstd1, *mean2, *rstd2;   // (max_batch) for layer norm, (hidden) for batch norm
    float *d_a, *d_n, *d_logits;            // backward scratch
} NormNet;

void normnet_create(NormNet *net, NormKind kind, int in, int hidden, int classes, int max_batch,
                    Rng *rng);
void normnet_free(NormNet *net);

// x (B,in), y (B) -> mean loss. training selects batch norm's mode; update_running says
// whether a training-mode pass moves the running statistics (not when evaluating).
float normnet_forward_loss(NormNet *net, const float *x, const int *y, int B, int training,
                           int update_running);
// Backward of the last forward_loss: accumulates into every parameter's grad.
void normnet_backward(NormNet *net, const int *y);

// Loss and accuracy over n examples, in chunks of `batch` rows, in the given mode
// (training = 1 uses each chunk's own batch statistics, without updating running stats).
void normnet_evaluate(NormNet *net, const float *x, const int *y, int n, int batch, int training,
                      float *loss, float *acc);

// Adam (lr) for `epochs` passes over n examples in shuffled batches of `batch`;
// returns the mean training loss of the last epoch.
float normnet_train(NormNet *net, const float *x, const int *y, int n, int batch, int epochs,
                    float lr, Rng *rng, int show_progress);

const char *normnet_kind_name(NormKind kind);

#endif
