// mlp.c: the MLP of mlp.h. Read mlp_forward and mlp_backward side by side: the
// backward pass visits the same layers in reverse, and each step is one of the
// layer backward passes of layers.c. README section "The MLP".
#include "chapters/02_backprop/mlp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/layers.h"
#include "common/err.h"
#include "common/init.h"
#include "common/mem.h"

void mlp_create(Mlp *m, const int *sizes, int n_layers, MlpActivation act, int max_batch) {
    if (n_layers < 1 || n_layers > MLP_MAX_LAYERS)
        DIE("mlp_create: %d layers; expected 1..%d", n_layers, MLP_MAX_LAYERS);
    if (max_batch < 1) DIE("mlp_create: max_batch %d must be positive", max_batch);
    memset(m, 0, sizeof(*m));
    m->n_layers = n_layers;
    m->act = act;
    m->max_batch = max_batch;
    int widest = 0;
    for (int i = 0; i <= n_layers; i++) {
        if (sizes[i] < 1) DIE("mlp_create: layer width sizes[%d] = %d must be positive", i, sizes[i]);
        m->sizes[i] = sizes[i];
        if (sizes[i] > widest) widest = sizes[i];
    }
    for (int i = 0; i < n_layers; i++) {
        char name[TENSOR_NAME_LEN];
        int in = sizes[i], out = sizes[i + 1];
        snprintf(name, sizeof name, "fc%d.weight", i + 1);
        tensor_alloc(&m->weight[i], name, 1, 2, out, in);
        snprintf(name, sizeof name, "fc%d.bias", i + 1);
        tensor_alloc(&m->bias[i], name, 1, 1, out);
        tensorlist_add(&m->params, &m->weight[i]);
        tensorlist_add(&m->params, &m->bias[i]);
        m->z[i] = fzeros((size_t)max_batch * out);
        if (i < n_layers - 1) m->a[i] = fzeros((size_t)max_batch * out);
    }
    m->probs = fzeros((size_t)max_batch * sizes[n_layers]);
    m->d_cur = fzeros((size_t)max_batch * widest);
    m->d_next = fzeros((size_t)max_batch * widest);
}

void mlp_free(Mlp *m) {
    for (int i = 0; i < m->n_layers; i++) {
        tensor_free(&m->weight[i]);
        tensor_free(&m->bias[i]);
        free(m->z[i]);
        free(m->a[i]);
    }
    tensorlist_free(&m->params);
    free(m->probs);
    free(m->d_cur);
    free(m->d_next);
    memset(m, 0, sizeof(*m));
}

// README section "Initialisation": Var(z) = fan_in Var(W) E[a^2], eq. (2.24). He makes
// fan_in Var(W) = 2, which ReLU halves back to 1; Xavier compromises between the
// forward (fan_in) and backward (fan_out) passes. The last layer gets the same rule:
// its outputs are logits, and logits of order 1 give a first loss near log(classes).
void mlp_init_params(Mlp *m, MlpInit init, Rng *rng) {
    for (int i = 0; i < m->n_layers; i++) {
        Tensor *w = &m->weight[i];
        int fan_in = m->sizes[i], fan_out = m->sizes[i + 1];
        switch (init) {
        case MLP_INIT_HE: init_he_normal(w->data, w->size, fan_in, rng); break;
        case MLP_INIT_XAVIER: init_xavier_uniform(w->data, w->size, fan_in, fan_out, rng); break;
        case MLP_INIT_SMALL: init_normal(w->data, w->size, 0.01f, rng); break;
        case MLP_INIT_LARGE: init_normal(w->data, w->size, 1.0f, rng); break;
        }
        init_fill(m->bias[i].data, m->bias[i].size, 0.0f);
    }
}

// x (B, sizes[0]) -> logits (B, sizes[L]), README eq. (2.20)
const float *mlp_forward(Mlp *m, const float *x, int B) {
    if (B < 1 || B > m->max_batch) DIE("mlp_forward: batch %d not in 1..%d (max_batch)", B, m->max_batch);
    m->batch = B;
    m->input = x;
    m->loss_ready = 0;   // z and a change now; probs would be stale
    const float *in = x;
    for (int i = 0; i < m->n_layers; i++) {
        int n_in = m->sizes[i], n_out = m->sizes[i + 1];
        linear_forward(m->z[i], in, m->weight[i].data, m->bias[i].data, B, n_in, n_out);
        if (i == m->n_layers - 1) break;   // the last layer's z are the logits
        if (m->act == MLP_RELU) relu_forward(m->a[i], m->z[i], B * n_out);
        else tanh_forward(m->a[i], m->z[i], B * n_out);
        in = m->a[i];
    }
    return m->z[m->n_layers - 1];
}

float mlp_forward_loss(Mlp *m, const float *x, const int *y, int B) {
    const float *logits = mlp_forward(m, x, B);
    float loss = softmax_xent_forward(m->probs, logits, y, B, m->sizes[m->n_layers]);
    m->loss_ready = 1;
    return loss;
}

// Backward, README eqs. (2.21)-(2.23). d_cur holds dL/dz of the layer being visited;
// the linear backward turns it into dL/da of the layer below (in d_next), and the
// activation backward turns that into dL/dz of the layer below (back into d_cur).
void mlp_backward(Mlp *m, const int *y, float *d_input) {
    int B = m->batch, L = m->n_layers;
    if (B < 1 || !m->loss_ready) DIE("mlp_backward: call mlp_forward_loss first (it keeps the probabilities backward needs)");
    int C = m->sizes[L];
    // dL/dlogits = (probs - onehot(y)) / B, eq. (2.12). Buffers are zeroed first
    // because every backward function accumulates.
    memset(m->d_cur, 0, (size_t)B * C * sizeof(float));
    softmax_xent_backward(m->d_cur, m->probs, y, B, C);
    for (int i = L - 1; i >= 0; i--) {
        int n_in = m->sizes[i], n_out = m->sizes[i + 1];
        const float *layer_in = i > 0 ? m->a[i - 1] : m->input;
        float *d_in = i > 0 ? m->d_next : d_input;   // dL/d(layer input); not needed for x
        if (i > 0) memset(m->d_next, 0, (size_t)B * n_in * sizeof(float));
        linear_backward(d_in, m->weight[i].grad, m->bias[i].grad, m->d_cur, layer_in,
                        m->weight[i].data, B, n_in, n_out);
        if (i == 0) break;
        double sq = 0.0;   // for the figures of README "Vanishing and exploding gradients"
        for (size_t k = 0; k < (size_t)B * n_in; k++) sq += (double)m->d_next[k] * m->d_next[k];
        m->d_act_norm[i - 1] = (float)sqrt(sq);
        // Through the activation of layer i-1: dL/dz = dL/da * f'(z), eq. (2.22).
        memset(m->d_cur, 0, (size_t)B * n_in * sizeof(float));
        if (m->act == MLP_RELU) relu_backward(m->d_cur, m->d_next, m->z[i - 1], B * n_in);
        else tanh_backward(m->d_cur, m->d_next, m->a[i - 1], B * n_in);
    }
}

void mlp_predict(Mlp *m, const float *x, int n, int *pred) {
    int C = m->sizes[m->n_layers], D = m->sizes[0];
    for (int start = 0; start < n; start += m->max_batch) {
        int B = n - start < m->max_batch ? n - start : m->max_batch;
        const float *logits = mlp_forward(m, x + (size_t)start * D, B);
        argmax_rows(pred + start, logits, B, C);
    }
}

void mlp_grad_norms(const Mlp *m, float *norms) {
    for (int i = 0; i < m->n_layers; i++) {
        const Tensor *w = &m->weight[i];
        double sq = 0.0;
        for (size_t k = 0; k < w->size; k++) sq += (double)w->grad[k] * w->grad[k];
        norms[i] = (float)sqrt(sq);
    }
}

void mlp_activation_std(const Mlp *m, float *stds) {
    for (int i = 0; i < m->n_layers - 1; i++) {
        size_t n = (size_t)m->batch * m->sizes[i + 1];
        double sum = 0.0, sq = 0.0;
        for (size_t k = 0; k < n; k++) {
            sum += m->a[i][k];
            sq += (double)m->a[i][k] * m->a[i][k];
        }
        double mean = n ? sum / (double)n : 0.0, var = n ? sq / (double)n - mean * mean : 0.0;
        stds[i] = (float)sqrt(var > 0.0 ? var : 0.0);
    }
}

static const char *const act_names[] = {"relu", "tanh"};
static const char *const init_names[] = {"he", "xavier", "small", "large"};

const char *mlp_act_name(MlpActivation act) { return act_names[act]; }
const char *mlp_init_name(MlpInit init) { return init_names[init]; }

int mlp_act_parse(const char *name, MlpActivation *act) {
    for (int k = 0; k < 2; k++)
        if (strcmp(name, act_names[k]) == 0) {
            *act = (MlpActivation)k;
            return 0;
        }
    return -1;
}

int mlp_init_parse(const char *name, MlpInit *init) {
    for (int k = 0; k < 4; k++)
        if (strcmp(name, init_names[k]) == 0) {
            *init = (MlpInit)k;
            return 0;
        }
    return -1;
}
