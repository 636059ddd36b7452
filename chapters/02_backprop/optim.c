// optim.c: the optimisers of optim.h. Update rules derived in
// chapters/02_backprop/README.md, section "Optimisers"; equation numbers refer to it.
// A tensor whose grad is NULL is frozen: every step skips it.
#include "chapters/02_backprop/optim.h"

#include <math.h>
#include <stdlib.h>

#include "common/err.h"
#include "common/mem.h"

// Plain SGD with L2 weight decay folded into the gradient, README eq. (2.13).
void sgd_step(TensorList *params, float lr, float weight_decay) {
    for (int k = 0; k < params->count; k++) {
        Tensor *t = params->items[k];
        if (!t->grad) continue;
        for (size_t i = 0; i < t->size; i++) t->data[i] -= lr * (t->grad[i] + weight_decay * t->data[i]);
    }
}

// One zeroed buffer per parameter tensor, sized like it.
static float **alloc_state(const TensorList *params) {
    float **bufs = xcalloc((size_t)params->count, sizeof(float *));
    for (int k = 0; k < params->count; k++) bufs[k] = fzeros(params->items[k]->size);
    return bufs;
}

static void free_state(float **bufs, int n) {
    if (!bufs) return;
    for (int k = 0; k < n; k++) free(bufs[k]);
    free(bufs);
}

static void check_same_params(int n_state, const TensorList *params, const char *who) {
    if (params->count != n_state)
        DIE("%s: initialised for %d parameter tensors, stepped with %d; pass the same list", who,
            n_state, params->count);
}

// ---- momentum ------------------------------------------------------------------------

void momentum_init(Momentum *opt, const TensorList *params, float lr, float momentum, float weight_decay) {
    opt->lr = lr;
    opt->momentum = momentum;
    opt->weight_decay = weight_decay;
    opt->n = params->count;
    opt->velocity = alloc_state(params);
}

// PyTorch's form, README eq. (2.14): v = mu v + g; w -= lr v. (Some texts write
// v = mu v - lr g; w += v. With a constant lr the two are the same; PyTorch's keeps
// v in gradient units, so changing lr mid-run does not rescale the history.)
void momentum_step(Momentum *opt, TensorList *params) {
    check_same_params(opt->n, params, "momentum_step");
    for (int k = 0; k < params->count; k++) {
        Tensor *t = params->items[k];
        if (!t->grad) continue;
        float *v = opt->velocity[k];
        for (size_t i = 0; i < t->size; i++) {
            float g = t->grad[i] + opt->weight_decay * t->data[i];
            v[i] = opt->momentum * v[i] + g;
            t->data[i] -= opt->lr * v[i];
        }
    }
}

void momentum_free(Momentum *opt) {
    free_state(opt->velocity, opt->n);
    opt->velocity = NULL;
    opt->n = 0;
}

// ---- Adam / AdamW ----------------------------------------------------------------------

void adam_init(Adam *opt, const TensorList *params, float lr, float beta1, float beta2, float eps,
               float weight_decay) {
    opt->lr = lr;
    opt->beta1 = beta1;
    opt->beta2 = beta2;
    opt->eps = eps;
    opt->weight_decay = weight_decay;
    opt->t = 0;
    opt->n = params->count;
    opt->m = alloc_state(params);
    opt->v = alloc_state(params);
    opt->no_decay = NULL;
    opt->lr_scale = NULL;
}

void adam_set_lr_scale(Adam *opt, int k, float scale) {
    if (k < 0 || k >= opt->n) DIE("adam_set_lr_scale: tensor %d of %d", k, opt->n);
    if (!opt->lr_scale) {
        opt->lr_scale = xmalloc(sizeof(float) * (size_t)opt->n);
        for (int i = 0; i < opt->n; i++) opt->lr_scale[i] = 1.0f;
    }
    opt->lr_scale[k] = scale;
}

void adam_exclude_1d_from_decay(Adam *opt, const TensorList *params) {
    check_same_params(opt->n, params, "adam_exclude_1d_from_decay");
    if (!opt->no_decay) opt->no_decay = xcalloc((size_t)opt->n, 1);
    for (int k = 0; k < params->count; k++) opt->no_decay[k] = params->items[k]->ndim == 1;
}

void adam_step(Adam *opt, TensorList *params) {
    check_same_params(opt->n, params, "adam_step");
    opt->t++;
    // Bias corrections, README eq. (2.16): m and v start at 0, so after t steps
    // E[m] = (1 - b1^t) E[g]; dividing by that factor removes the pull towards 0.
    float corr1 = (float)(1.0 - pow(opt->beta1, (double)opt->t));
    float corr2 = (float)(1.0 - pow(opt->beta2, (double)opt->t));
    float b1 = opt->beta1, b2 = opt->beta2;
    for (int k = 0; k < params->count; k++) {
        Tensor *t = params->items[k];
        if (!t->grad) continue;
        float *m = opt->m[k], *v = opt->v[k];
        const float wd = opt->no_decay && opt->no_decay[k] ? 0.0f : opt->weight_decay;
        const float lr = opt->lr_scale ? opt->lr * opt->lr_scale[k] : opt->lr;
        const long size = (long)t->size;
#pragma omp parallel for schedule(static) if (size >= (1L << 16))
        for (long i = 0; i < size; i++) {
            float g = t->grad[i];
            // AdamW, README eq. (2.18): decay the weight directly, outside the
            // adaptive scaling, so every weight of the tensor decays at the same rate
            // lr*wd (lr with the tensor's scale).
            if (wd != 0.0f) t->data[i] -= lr * wd * t->data[i];
            m[i] = b1 * m[i] + (1.0f - b1) * g;          // README eq. (2.15)
            v[i] = b2 * v[i] + (1.0f - b2) * g * g;
            float m_hat = m[i] / corr1, v_hat = v[i] / corr2;
            t->data[i] -= lr * m_hat / (sqrtf(v_hat) + opt->eps);   // README eq. (2.17)
        }
    }
}

void adam_free(Adam *opt) {
    free(opt->no_decay), free(opt->lr_scale);
    opt->no_decay = NULL, opt->lr_scale = NULL;
    free_state(opt->m, opt->n);
    free_state(opt->v, opt->n);
    opt->m = opt->v = NULL;
    opt->n = 0;
}

// ---- gradient clipping -----------------------------------------------------------------

// README eq. (2.19): if ||g|| > max_norm, g *= max_norm / ||g||, over ALL tensors at
// once, so the direction of the full gradient is kept and only its length shrinks.
float clip_grad_norm(TensorList *params, float max_norm) {
    double sq = 0.0;
    for (int k = 0; k < params->count; k++) {
        const Tensor *t = params->items[k];
        if (!t->grad) continue;
        for (size_t i = 0; i < t->size; i++) sq += (double)t->grad[i] * t->grad[i];
    }
    double norm = sqrt(sq);
    if (norm > max_norm) {
        float scale = (float)(max_norm / norm);
        for (int k = 0; k < params->count; k++) {
            Tensor *t = params->items[k];
            if (!t->grad) continue;
            for (size_t i = 0; i < t->size; i++) t->grad[i] *= scale;
        }
    }
    return (float)norm;
}
