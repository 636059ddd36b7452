// normnet.c: see normnet.h.
#include "chapters/05_normalization/normnet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/layers.h"
#include "chapters/02_backprop/optim.h"
#include "chapters/05_normalization/batchnorm.h"
#include "chapters/05_normalization/layernorm.h"
#include "common/err.h"
#include "common/init.h"
#include "common/mem.h"
#include "common/progress.h"

const char *normnet_kind_name(NormKind kind) {
    return kind == NORMNET_LAYER ? "layernorm" : kind == NORMNET_BATCH ? "batchnorm" : "none";
}

void normnet_create(NormNet *net, NormKind kind, int in, int hidden, int classes, int max_batch,
                    Rng *rng) {
    memset(net, 0, sizeof *net);
    net->kind = kind, net->in = in, net->hidden = hidden, net->classes = classes;
    net->max_batch = max_batch, net->momentum = 0.1f;
    tensor_alloc(&net->w1, "fc1.weight", 1, 2, hidden, in);
    tensor_alloc(&net->b1, "fc1.bias", 1, 1, hidden);
    tensor_alloc(&net->g1, "norm1.weight", 1, 1, hidden);
    tensor_alloc(&net->be1, "norm1.bias", 1, 1, hidden);
    tensor_alloc(&net->w2, "fc2.weight", 1, 2, hidden, hidden);
    tensor_alloc(&net->b2, "fc2.bias", 1, 1, hidden);
    tensor_alloc(&net->g2, "norm2.weight", 1, 1, hidden);
    tensor_alloc(&net->be2, "norm2.bias", 1, 1, hidden);
    tensor_alloc(&net->w3, "fc3.weight", 1, 2, classes, hidden);
    tensor_alloc(&net->b3, "fc3.bias", 1, 1, classes);
    init_he_normal(net->w1.data, net->w1.size, in, rng);
    init_he_normal(net->w2.data, net->w2.size, hidden, rng);
    init_xavier_uniform(net->w3.data, net->w3.size, hidden, classes, rng);
    init_fill(net->g1.data, hidden, 1), init_fill(net->g2.data, hidden, 1);
    Tensor *all[] = {&net->w1, &net->b1, &net->g1, &net->be1, &net->w2,
                     &net->b2, &net->g2, &net->be2, &net->w3, &net->b3};
    for (int i = 0; i < 10; i++) {
        int is_norm = (i % 4 == 2 || i % 4 == 3) && i < 8;
        if (is_norm && kind == NORMNET_NONE) continue;   // no norm, no parameters
        tensorlist_add(&net->params, all[i]);
    }
    net->run_mean1 = fzeros(hidden), net->run_var1 = fzeros(hidden);
    net->run_mean2 = fzeros(hidden), net->run_var2 = fzeros(hidden);
    init_fill(net->run_var1, hidden, 1), init_fill(net->run_var2, hidden, 1);
    size_t bh = (size_t)max_batch * hidden, stat = (size_t)(max_batch > hidden ? max_batch : hidden);
    net->z1 = fzeros(bh), net->n1 = fzeros(bh), net->a1 = fzeros(bh);
    net->z2 = fzeros(bh), net->n2 = fzeros(bh), net->a2 = fzeros(bh);
    net->logits = fzeros((size_t)max_batch * classes), net->probs = fzeros((size_t)max_batch * classes);
    net->d_logits = fzeros((size_t)max_batch * classes);
    net->mean1 = fzeros(stat), net->rstd1 = fzeros(stat), net->mean2 = fzeros(stat), net->rstd2 = fzeros(stat);
    net->d_a = fzeros(bh), net->d_n = fzeros(bh);
}

void normnet_free(NormNet *net) {
    Tensor *all[] = {&net->w1, &net->b1, &net->g1, &net->be1, &net->w2,
                     &net->b2, &net->g2, &net->be2, &net->w3, &net->b3};
    for (int i = 0; i < 10; i++) tensor_free(all[i]);
    tensorlist_free(&net->params);
    float *bufs[] = {net->run_mean1, net->run_var1, net->run_mean2, net->run_var2, net->z1, net->n1,
                     net->a1, net->z2, net->n2, net->a2, net->logits, net->probs, net->d_logits,
                     net->mean1, net->rstd1, net->mean2, net->rstd2, net->d_a, net->d_n};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
}

static void norm_forward(NormNet *net, float *out, float *mean, float *rstd, const float *z,
                         const Tensor *g, const Tensor *be, float *rm, float *rv, int B,
                         int update_running) {
    int H = net->hidden;
    if (net->kind == NORMNET_NONE) memcpy(out, z, sizeof(float) * (size_t)B * H);
    else if (net->kind == NORMNET_LAYER) layernorm_forward(out, mean, rstd, z, g->data, be->data, B, H);
    else {   // eval mode reads the running stats; training mode writes them only if asked
        int pass = !net->training || update_running;
        batchnorm_forward(out, mean, rstd, z, g->data, be->data, pass ? rm : NULL, pass ? rv : NULL,
                          net->momentum, net->training, B, H);
    }
}

static void norm_backward(NormNet *net, float *d_z, const float *d_n, const float *z,
                          const float *mean, const float *rstd, Tensor *g, Tensor *be, int B) {
    int H = net->hidden;
    if (net->kind == NORMNET_NONE) {
        for (long k = 0; k < (long)B * H; k++) d_z[k] += d_n[k];
    } else if (net->kind == NORMNET_LAYER) {
        layernorm_backward(d_z, g->grad, be->grad, d_n, z, mean, rstd, g->data, B, H);
    } else {
        batchnorm_backward(d_z, g->grad, be->grad, d_n, z, mean, rstd, g->data, net->training, B, H);
    }
}

float normnet_forward_loss(NormNet *net, const float *x, const int *y, int B, int training,
                           int update_running) {
    int H = net->hidden;
    net->x = x, net->batch = B, net->training = training;
    linear_forward(net->z1, x, net->w1.data, net->b1.data, B, net->in, H);
    norm_forward(net, net->n1, net->mean1, net->rstd1, net->z1, &net->g1, &net->be1, net->run_mean1,
                 net->run_var1, B, update_running);
    relu_forward(net->a1, net->n1, B * H);
    linear_forward(net->z2, net->a1, net->w2.data, net->b2.data, B, H, H);
    norm_forward(net, net->n2, net->mean2, net->rstd2, net->z2, &net->g2, &net->be2, net->run_mean2,
                 net->run_var2, B, update_running);
    relu_forward(net->a2, net->n2, B * H);
    linear_forward(net->logits, net->a2, net->w3.data, net->b3.data, B, H, net->classes);
    return softmax_xent_forward(net->probs, net->logits, y, B, net->classes);
}

void normnet_backward(NormNet *net, const int *y) {
    int B = net->batch, H = net->hidden;
    size_t bh = (size_t)B * H;
    memset(net->d_logits, 0, sizeof(float) * (size_t)B * net->classes);
    softmax_xent_backward(net->d_logits, net->probs, y, B, net->classes);
    memset(net->d_a, 0, sizeof(float) * bh);
    linear_backward(net->d_a, net->w3.grad, net->b3.grad, net->d_logits, net->a2, net->w3.data, B, H,
                    net->classes);
    memset(net->d_n, 0, sizeof(float) * bh);
    relu_backward(net->d_n, net->d_a, net->n2, (int)bh);
    memset(net->d_a, 0, sizeof(float) * bh);   // d_a now holds d_z2
    norm_backward(net, net->d_a, net->d_n, net->z2, net->mean2, net->rstd2, &net->g2, &net->be2, B);
    memset(net->d_n, 0, sizeof(float) * bh);   // d_n now holds d_a1
    linear_backward(net->d_n, net->w2.grad, net->b2.grad, net->d_a, net->a1, net->w2.data, B, H, H);
    memset(net->d_a, 0, sizeof(float) * bh);   // d_a now holds d_n1
    relu_backward(net->d_a, net->d_n, net->n1, (int)bh);
    memset(net->d_n, 0, sizeof(float) * bh);   // d_n now holds d_z1
    norm_backward(net, net->d_n, net->d_a, net->z1, net->mean1, net->rstd1, &net->g1, &net->be1, B);
    linear_backward(NULL, net->w1.grad, net->b1.grad, net->d_n, net->x, net->w1.data, B, net->in, H);
}

void normnet_evaluate(NormNet *net, const float *x, const int *y, int n, int batch, int training,
                      float *loss, float *acc) {
    double sum_loss = 0;
    long correct = 0;
    int *pred = xmalloc(sizeof(int) * (size_t)net->max_batch);
    if (batch > net->max_batch) batch = net->max_batch;
    for (int s = 0; s < n; s += batch) {
        int B = n - s < batch ? n - s : batch;
        const float *xb = x + (long)s * net->in;
        sum_loss += (double)normnet_forward_loss(net, xb, y + s, B, training, 0) * B;
        argmax_rows(pred, net->logits, B, net->classes);
        for (int i = 0; i < B; i++) correct += pred[i] == y[s + i];
    }
    free(pred);
    *loss = (float)(sum_loss / n);
    *acc = (float)correct / n;
}

float normnet_train(NormNet *net, const float *x, const int *y, int n, int batch, int epochs,
                    float lr, Rng *rng, int show_progress) {
    Adam opt;
    adam_init(&opt, &net->params, lr, 0.9f, 0.999f, 1e-8f, 0);
    int *order = xmalloc(sizeof(int) * (size_t)n), *yb = xmalloc(sizeof(int) * (size_t)batch);
    float *xb = xmalloc(sizeof(float) * (size_t)batch * net->in);
    for (int i = 0; i < n; i++) order[i] = i;
    long steps_per_epoch = (n + batch - 1) / batch, step = 0;
    Progress prog;
    if (show_progress) progress_start(&prog, steps_per_epoch * epochs, "ex");
    double epoch_loss = 0;
    for (int e = 0; e < epochs; e++) {
        rng_shuffle(rng, order, n);
        epoch_loss = 0;
        for (int s = 0; s < n; s += batch) {
            int B = n - s < batch ? n - s : batch;
            for (int i = 0; i < B; i++) {
                memcpy(xb + (long)i * net->in, x + (long)order[s + i] * net->in, sizeof(float) * (size_t)net->in);
                yb[i] = y[order[s + i]];
            }
            tensorlist_zero_grad(&net->params);
            float loss = normnet_forward_loss(net, xb, yb, B, 1, 1);
            check_finite(loss, "training loss", step + 1);   // stop on NaN/Inf with a cure
            normnet_backward(net, yb);
            adam_step(&opt, &net->params);
            epoch_loss += (double)loss * B;
            step++;
            if (show_progress) progress_update(&prog, step, loss, (double)step * batch);
        }
    }
    if (show_progress) progress_end(&prog);
    adam_free(&opt);
    free(order), free(yb), free(xb);
    return (float)(epoch_loss / n);
}
