// residual.c: see residual.h.
#include "chapters/05_normalization/residual.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/layers.h"
#include "chapters/05_normalization/layernorm.h"
#include "common/init.h"
#include "common/mem.h"

const char *residual_kind_name(ResNormKind kind) {
    return kind == RESNORM_PRE ? "pre-LN" : kind == RESNORM_POST ? "post-LN" : kind == RESNORM_PLAIN ? "no-residual" : "no-norm";
}

void residual_create(ResStack *r, ResNormKind kind, int use_tanh, int in, int width, int depth,
                     int classes, int max_batch, Rng *rng) {
    memset(r, 0, sizeof *r);
    r->kind = kind, r->use_tanh = use_tanh, r->in = in, r->width = width, r->depth = depth;
    r->classes = classes, r->max_batch = max_batch;
    int D = width;
    tensor_alloc(&r->proj_w, "proj.weight", 1, 2, D, in);
    tensor_alloc(&r->proj_b, "proj.bias", 1, 1, D);
    init_xavier_uniform(r->proj_w.data, r->proj_w.size, in, D, rng);
    tensorlist_add(&r->params, &r->proj_w), tensorlist_add(&r->params, &r->proj_b);
    r->fc_w = xcalloc((size_t)depth, sizeof(Tensor)), r->fc_b = xcalloc((size_t)depth, sizeof(Tensor));
    r->ln_g = xcalloc((size_t)depth, sizeof(Tensor)), r->ln_b = xcalloc((size_t)depth, sizeof(Tensor));
    char name[64];
    for (int l = 0; l < depth; l++) {
        snprintf(name, sizeof name, "blocks.%d.fc.weight", l);
        tensor_alloc(&r->fc_w[l], name, 1, 2, D, D);
        snprintf(name, sizeof name, "blocks.%d.fc.bias", l);
        tensor_alloc(&r->fc_b[l], name, 1, 1, D);
        snprintf(name, sizeof name, "blocks.%d.ln", l);
        layernorm_params_create(&r->ln_g[l], &r->ln_b[l], name, D);
        if (use_tanh) init_xavier_uniform(r->fc_w[l].data, (size_t)D * D, D, D, rng);
        else init_he_normal(r->fc_w[l].data, (size_t)D * D, D, rng);
        tensorlist_add(&r->params, &r->fc_w[l]), tensorlist_add(&r->params, &r->fc_b[l]);
        if (kind == RESNORM_PRE || kind == RESNORM_POST)
            tensorlist_add(&r->params, &r->ln_g[l]), tensorlist_add(&r->params, &r->ln_b[l]);
    }
    layernorm_params_create(&r->lnf_g, &r->lnf_b, "ln_f", D);
    if (kind == RESNORM_PRE) tensorlist_add(&r->params, &r->lnf_g), tensorlist_add(&r->params, &r->lnf_b);
    tensor_alloc(&r->head_w, "head.weight", 1, 2, classes, D);
    tensor_alloc(&r->head_b, "head.bias", 1, 1, classes);
    init_xavier_uniform(r->head_w.data, r->head_w.size, D, classes, rng);
    tensorlist_add(&r->params, &r->head_w), tensorlist_add(&r->params, &r->head_b);
    size_t slot = (size_t)max_batch * D, slots = slot * (size_t)(depth + 1);
    r->h = fzeros(slots), r->u = fzeros(slots), r->z = fzeros(slots), r->a = fzeros(slots), r->s = fzeros(slots);
    r->mean = fzeros((size_t)max_batch * (depth + 1)), r->rstd = fzeros((size_t)max_batch * (depth + 1));
    r->hf = fzeros(slot), r->logits = fzeros((size_t)max_batch * classes), r->probs = fzeros((size_t)max_batch * classes);
    r->d_h = fzeros(slot), r->d_t1 = fzeros(slot), r->d_t2 = fzeros(slot);
    r->d_logits = fzeros((size_t)max_batch * classes);
    r->block_grad_norm = fzeros((size_t)depth), r->input_grad_norm = fzeros((size_t)depth + 1);
}

void residual_free(ResStack *r) {
    for (int l = 0; l < r->depth; l++)
        tensor_free(&r->fc_w[l]), tensor_free(&r->fc_b[l]), tensor_free(&r->ln_g[l]), tensor_free(&r->ln_b[l]);
    free(r->fc_w), free(r->fc_b), free(r->ln_g), free(r->ln_b);
    Tensor *t[] = {&r->proj_w, &r->proj_b, &r->head_w, &r->head_b, &r->lnf_g, &r->lnf_b};
    for (int i = 0; i < 6; i++) tensor_free(t[i]);
    tensorlist_free(&r->params);
    float *b[] = {r->h, r->u, r->z, r->a, r->s, r->mean, r->rstd, r->hf, r->logits, r->probs,
                  r->d_h, r->d_t1, r->d_t2, r->d_logits, r->block_grad_norm, r->input_grad_norm};
    for (size_t i = 0; i < sizeof b / sizeof *b; i++) free(b[i]);
}

static void act_forward(const ResStack *r, float *a, const float *z, int n) {
    if (r->use_tanh) tanh_forward(a, z, n);
    else relu_forward(a, z, n);
}
static void act_backward(const ResStack *r, float *d_z, const float *d_a, const float *z,
                         const float *a, int n) {
    if (r->use_tanh) tanh_backward(d_z, d_a, a, n);
    else relu_backward(d_z, d_a, z, n);
}

float residual_forward_loss(ResStack *r, const float *x, const int *y, int B) {
    int D = r->width;
    long n = (long)B * D;
    size_t slot = (size_t)r->max_batch * D;
    r->x = x, r->batch = B;
    linear_forward(r->h, x, r->proj_w.data, r->proj_b.data, B, r->in, D);
    for (int l = 0; l < r->depth; l++) {
        float *h = r->h + l * slot, *u = r->u + l * slot, *z = r->z + l * slot, *a = r->a + l * slot;
        float *s = r->s + l * slot, *next = r->h + (l + 1) * slot;
        float *mu = r->mean + (size_t)l * r->max_batch, *rs = r->rstd + (size_t)l * r->max_batch;
        const float *f_in = h;
        if (r->kind == RESNORM_PRE) {
            layernorm_forward(u, mu, rs, h, r->ln_g[l].data, r->ln_b[l].data, B, D);
            f_in = u;
        }
        linear_forward(z, f_in, r->fc_w[l].data, r->fc_b[l].data, B, D, D);
        act_forward(r, a, z, (int)n);
        if (r->kind == RESNORM_POST) {
            for (long k = 0; k < n; k++) s[k] = h[k] + a[k];
            layernorm_forward(next, mu, rs, s, r->ln_g[l].data, r->ln_b[l].data, B, D);
        } else if (r->kind == RESNORM_PLAIN) {
            memcpy(next, a, sizeof(float) * (size_t)n);
        } else {
            for (long k = 0; k < n; k++) next[k] = h[k] + a[k];
        }
    }
    const float *last = r->h + (size_t)r->depth * slot;
    if (r->kind == RESNORM_PRE) {
        size_t o = (size_t)r->depth * r->max_batch;
        layernorm_forward(r->hf, r->mean + o, r->rstd + o, last, r->lnf_g.data, r->lnf_b.data, B, D);
    } else {
        memcpy(r->hf, last, sizeof(float) * (size_t)n);
    }
    linear_forward(r->logits, r->hf, r->head_w.data, r->head_b.data, B, D, r->classes);
    return softmax_xent_forward(r->probs, r->logits, y, B, r->classes);
}

static float norm2(const float *v, long n) {
    double s = 0;
    for (long k = 0; k < n; k++) s += (double)v[k] * v[k];
    return (float)sqrt(s);
}

void residual_backward(ResStack *r, const int *y) {
    int B = r->batch, D = r->width;
    long n = (long)B * D;
    size_t slot = (size_t)r->max_batch * D, nb = sizeof(float) * (size_t)n;
    memset(r->d_logits, 0, sizeof(float) * (size_t)B * r->classes);
    softmax_xent_backward(r->d_logits, r->probs, y, B, r->classes);
    memset(r->d_t1, 0, nb);   // d_hf
    linear_backward(r->d_t1, r->head_w.grad, r->head_b.grad, r->d_logits, r->hf, r->head_w.data, B, D,
                    r->classes);
    memset(r->d_h, 0, nb);    // d_h = dL/dh_L
    const float *last = r->h + (size_t)r->depth * slot;
    if (r->kind == RESNORM_PRE) {
        size_t o = (size_t)r->depth * r->max_batch;
        layernorm_backward(r->d_h, r->lnf_g.grad, r->lnf_b.grad, r->d_t1, last, r->mean + o, r->rstd + o,
                           r->lnf_g.data, B, D);
    } else {
        memcpy(r->d_h, r->d_t1, nb);
    }
    r->input_grad_norm[r->depth] = norm2(r->d_h, n);
    for (int l = r->depth - 1; l >= 0; l--) {
        float *h = r->h + l * slot, *u = r->u + l * slot, *z = r->z + l * slot, *a = r->a + l * slot;
        float *s = r->s + l * slot;
        float *mu = r->mean + (size_t)l * r->max_batch, *rs = r->rstd + (size_t)l * r->max_batch;
        float *d_a = r->d_t1, *d_z = r->d_t2;
        if (r->kind == RESNORM_POST) {   // d_h holds dL/d(LN out); turn it into dL/ds
            memset(d_a, 0, nb);
            layernorm_backward(d_a, r->ln_g[l].grad, r->ln_b[l].grad, r->d_h, s, mu, rs, r->ln_g[l].data, B, D);
            memcpy(r->d_h, d_a, nb);     // s = h + a: both get dL/ds
        } else {
            memcpy(d_a, r->d_h, nb);     // the identity path: d_h passes through unchanged
            if (r->kind == RESNORM_PLAIN) memset(r->d_h, 0, nb);   // ... unless there is none
        }
        memset(d_z, 0, nb);
        act_backward(r, d_z, d_a, z, a, (int)n);
        if (r->kind == RESNORM_PRE) {
            memset(d_a, 0, nb);          // reuse as dL/du
            linear_backward(d_a, r->fc_w[l].grad, r->fc_b[l].grad, d_z, u, r->fc_w[l].data, B, D, D);
            layernorm_backward(r->d_h, r->ln_g[l].grad, r->ln_b[l].grad, d_a, h, mu, rs, r->ln_g[l].data, B, D);
        } else {
            linear_backward(r->d_h, r->fc_w[l].grad, r->fc_b[l].grad, d_z, h, r->fc_w[l].data, B, D, D);
        }
        r->block_grad_norm[l] = norm2(r->fc_w[l].grad, (long)D * D);
        r->input_grad_norm[l] = norm2(r->d_h, n);
    }
    linear_backward(NULL, r->proj_w.grad, r->proj_b.grad, r->d_h, r->x, r->proj_w.data, B, r->in, D);
}

float residual_accuracy(ResStack *r, const float *x, const int *y, int n) {
    long correct = 0;
    int *pred = xmalloc(sizeof(int) * (size_t)r->max_batch);
    for (int s = 0; s < n; s += r->max_batch) {
        int B = n - s < r->max_batch ? n - s : r->max_batch;
        residual_forward_loss(r, x + (long)s * r->in, y + s, B);
        argmax_rows(pred, r->logits, B, r->classes);
        for (int i = 0; i < B; i++) correct += pred[i] == y[s + i];
    }
    free(pred);
    return (float)correct / n;
}
