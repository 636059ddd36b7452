// mlp.h: a multilayer perceptron of any depth, built from the layers of layers.h.
//
//   a_0 = x;   z_l = a_{l-1} W_l^T + b_l,   a_l = f(z_l)   for l = 1..L-1
//   logits = z_L = a_{L-1} W_L^T + b_L;     loss = cross-entropy(softmax(logits), y)
//
// f is ReLU or tanh. The forward pass keeps every z_l and a_l, because the backward
// pass needs them (README section "The MLP", eqs. (2.20)-(2.23)). Parameters are
// Tensors named like the attributes of a PyTorch module with layers fc1, fc2, ...:
// "fc1.weight" (Out,In), "fc1.bias" (Out), "fc2.weight", ... They sit in one TensorList,
// which the optimiser, the gradient check and the safetensors writer all loop over.
//
// Arrays below are indexed from 0: entry i belongs to layer i+1 (named fc<i+1>).
#ifndef CH02_MLP_H
#define CH02_MLP_H

#include "common/rng.h"
#include "common/tensor.h"

#define MLP_MAX_LAYERS 32

typedef enum { MLP_RELU, MLP_TANH } MlpActivation;

// How the weights are drawn (biases start at 0). README section "Initialisation".
typedef enum {
    MLP_INIT_HE,        // N(0, 2/fan_in): keeps Var(a) constant through ReLU layers
    MLP_INIT_XAVIER,    // U(-a, a), a = sqrt(6/(fan_in+fan_out)): Var(W) = 2/(fan_in+fan_out)
    MLP_INIT_SMALL,     // N(0, 0.01^2): the classic "0.01 * randn"; signals shrink per layer
    MLP_INIT_LARGE,     // N(0, 1): "randn"; signals grow by sqrt(fan_in) per layer
} MlpInit;

typedef struct {
    int n_layers;                   // L Linear layers = L-1 hidden layers + the output layer
    int sizes[MLP_MAX_LAYERS + 1];  // sizes[0] inputs, sizes[1..L-1] hidden widths, sizes[L] classes
    MlpActivation act;
    Tensor weight[MLP_MAX_LAYERS];  // weight[i]: "fc<i+1>.weight" (sizes[i+1], sizes[i])
    Tensor bias[MLP_MAX_LAYERS];    // bias[i]:   "fc<i+1>.bias" (sizes[i+1])
    TensorList params;              // fc1.weight, fc1.bias, fc2.weight, ... (checkpoint order)

    // What the forward pass keeps for the backward pass (row capacity max_batch):
    int max_batch, batch;           // capacity, rows in the last forward pass
    const float *input;             // x of the last forward pass (borrowed, not copied)
    float *z[MLP_MAX_LAYERS];       // z[i] (batch, sizes[i+1]): pre-activations; z[L-1] = logits
    float *a[MLP_MAX_LAYERS];       // a[i] = f(z[i]) for the hidden layers i < L-1
    float *probs;                   // softmax(logits) (batch, classes), set by mlp_forward_loss
    int loss_ready;                 // 1 after mlp_forward_loss; 0 after a bare mlp_forward, whose
                                    // z and a no longer match probs (mlp_backward checks it)
    float *d_cur, *d_next;          // scratch for the backward pass (max_batch, widest layer)
    float d_act_norm[MLP_MAX_LAYERS];   // ||dLoss/da[i]||_F of each hidden layer, set by mlp_backward:
                                        // the backward signal, before it meets the weights
} Mlp;

// sizes has n_layers+1 entries, e.g. {784, 256, 10} with n_layers = 2. Allocates the
// parameters (with gradients, all zero) and the activation buffers for up to
// max_batch rows. Call mlp_init_params next.
void mlp_create(Mlp *m, const int *sizes, int n_layers, MlpActivation act, int max_batch);
void mlp_free(Mlp *m);
void mlp_init_params(Mlp *m, MlpInit init, Rng *rng);

// x (B, sizes[0]) -> logits (B, classes), a pointer into m (valid until the next call).
// B <= max_batch. Keeps x and every z_l, a_l for mlp_backward.
const float *mlp_forward(Mlp *m, const float *x, int B);

// Forward pass plus softmax cross-entropy with targets y (B); returns the mean loss
// and keeps the probabilities for mlp_backward.
float mlp_forward_loss(Mlp *m, const float *x, const int *y, int B);

// Backward pass of the LAST mlp_forward_loss: ACCUMULATES (+=) dLoss/dW and dLoss/db
// into every parameter's grad (zero them first with tensorlist_zero_grad).
// If d_input is not NULL it also accumulates dLoss/dx (B, sizes[0]) into it.
// It has no x or B argument: it reuses what that forward pass kept -- the borrowed
// input pointer (so x must still be alive and unchanged), the batch size, every z_l, a_l
// and the probabilities -- and y must be the same targets. Any mlp_forward, mlp_predict
// or mlp_evaluate in between overwrites those buffers: after mlp_forward or mlp_predict
// it dies with a message; after mlp_evaluate (a forward_loss itself) it would silently
// differentiate the last evaluated chunk instead.
void mlp_backward(Mlp *m, const int *y, float *d_input);

// Predicted class of each of n rows of x, evaluated in chunks of max_batch.
void mlp_predict(Mlp *m, const float *x, int n, int *pred);

// ||dLoss/dW_l||_F for l = 1..L into norms (n_layers values): where gradients vanish
// or explode, layer by layer (README section "Vanishing and exploding gradients").
void mlp_grad_norms(const Mlp *m, float *norms);
// Standard deviation of each hidden layer's activations a_l in the last forward pass
// (n_layers-1 values).
void mlp_activation_std(const Mlp *m, float *stds);

// Names for flags and tables: "relu"/"tanh", "he"/"xavier"/"small"/"large".
// The parse functions return 0, or -1 for an unknown name.
const char *mlp_act_name(MlpActivation act);
const char *mlp_init_name(MlpInit init);
int mlp_act_parse(const char *name, MlpActivation *act);
int mlp_init_parse(const char *name, MlpInit *init);

#endif
