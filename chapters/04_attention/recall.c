// recall.c: the associative-recall task and its two models (see recall.h).
#include "chapters/04_attention/recall.h"

#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/layers.h"
#include "chapters/02_backprop/optim.h"
#include "common/err.h"
#include "common/init.h"
#include "common/mem.h"
#include "common/progress.h"

int recall_features(const RecallTask *task) { return 2 * task->n_keys + task->n_values; }

void recall_make_batch(const RecallTask *task, float *x, int *labels, int *query_pos, int B, Rng *rng) {
    int NK = task->n_keys, NV = task->n_values, P = task->n_pairs, T = P + 1, F = recall_features(task);
    if (P > NK) DIE("recall: %d pairs need at least %d distinct keys, have %d", P, P, NK);
    int *keys = xmalloc(sizeof(int) * NK);
    memset(x, 0, sizeof(float) * (size_t)B * T * F);
    for (int b = 0; b < B; b++) {
        for (int i = 0; i < NK; i++) keys[i] = i;
        rng_shuffle(rng, keys, NK);   // the first P are this sequence's distinct keys
        float *xb = x + (size_t)b * T * F;
        int q = rng_int(rng, P), answer = 0;
        for (int i = 0; i < P; i++) {
            int value = rng_int(rng, NV);
            xb[(size_t)i * F + keys[i]] = 1.0f;
            xb[(size_t)i * F + NK + value] = 1.0f;
            if (i == q) answer = value;
        }
        xb[(size_t)P * F + NK + NV + keys[q]] = 1.0f;   // the query token
        labels[b] = answer;
        if (query_pos) query_pos[b] = q;
    }
    free(keys);
}

static void param(RecallModel *m, Tensor *t, const char *name, int rows, int cols, Rng *rng) {
    init_param(t, name, rows, cols, rng);
    tensorlist_add(&m->params, t);
}

void recall_model_create(RecallModel *m, RecallKind kind, const RecallTask *task, int C, int NH, int max_B,
                         Rng *rng) {
    memset(m, 0, sizeof *m);
    m->kind = kind, m->task = *task, m->C = C, m->NH = NH, m->max_B = max_B;
    m->F = recall_features(task), m->T = task->n_pairs + 1, m->V = task->n_values;
    param(m, &m->we, "embed.weight", C, m->F, rng);
    param(m, &m->be, "embed.bias", C, 0, rng);
    if (kind == RECALL_ATTENTION) {
        mha_create(&m->mha, "attn", C, NH, rng);
        mha_params(&m->mha, &m->params);
        mha_cache_alloc(&m->cache, max_B, m->T, C, NH);
    }
    param(m, &m->wh, "hidden.weight", C, C, rng);
    param(m, &m->bh, "hidden.bias", C, 0, rng);
    param(m, &m->wo, "out.weight", m->V, C, rng);
    param(m, &m->bo, "out.bias", m->V, 0, rng);
    size_t btc = (size_t)max_B * m->T * C, bc = (size_t)max_B * C, bv = (size_t)max_B * m->V;
    m->e = fzeros(btc), m->att = fzeros(btc), m->h = fzeros(btc), m->d_e = fzeros(btc), m->d_h = fzeros(btc);
    m->r = fzeros(bc), m->z_pre = fzeros(bc), m->z = fzeros(bc), m->d_r = fzeros(bc), m->d_z = fzeros(bc),
    m->d_z_pre = fzeros(bc);
    m->logits = fzeros(bv), m->probs = fzeros(bv), m->d_logits = fzeros(bv);
}

void recall_model_free(RecallModel *m) {
    for (int i = 0; i < m->params.count; i++)
        if (m->kind != RECALL_ATTENTION || strncmp(m->params.items[i]->name, "attn.", 5) != 0)
            tensor_free(m->params.items[i]);
    if (m->kind == RECALL_ATTENTION) mha_free(&m->mha), mha_cache_free(&m->cache);
    tensorlist_free(&m->params);
    float *bufs[] = {m->e, m->att, m->h, m->d_e, m->d_h, m->r, m->z_pre, m->z, m->d_r, m->d_z, m->d_z_pre,
                     m->logits, m->probs, m->d_logits};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
    memset(m, 0, sizeof *m);
}

float recall_forward(RecallModel *m, const float *x, const int *labels, int B) {
    int T = m->T, C = m->C;
    if (B > m->max_B) DIE("recall_forward: batch %d > max_B %d", B, m->max_B);
    linear_forward(m->e, x, m->we.data, m->be.data, B * T, m->F, C);
    if (m->kind == RECALL_ATTENTION) {
        mha_forward(&m->mha, &m->cache, m->att, m->e, NULL, 0, B, T);
        for (size_t i = 0; i < (size_t)B * T * C; i++) m->h[i] = m->e[i] + m->att[i];   // residual
        for (int b = 0; b < B; b++)
            memcpy(m->r + (size_t)b * C, m->h + ((size_t)b * T + T - 1) * C, sizeof(float) * C);
    } else {
        for (int b = 0; b < B; b++)
            for (int c = 0; c < C; c++) {
                double s = 0.0;
                for (int t = 0; t < T; t++) s += m->e[((size_t)b * T + t) * C + c];
                m->r[(size_t)b * C + c] = (float)(s / T);
            }
    }
    linear_forward(m->z_pre, m->r, m->wh.data, m->bh.data, B, C, C);
    relu_forward(m->z, m->z_pre, B * C);
    linear_forward(m->logits, m->z, m->wo.data, m->bo.data, B, C, m->V);
    return softmax_xent_forward(m->probs, m->logits, labels, B, m->V);
}

void recall_backward(RecallModel *m, const float *x, const int *labels, int B) {
    int T = m->T, C = m->C;
    size_t btc = (size_t)B * T * C, bc = (size_t)B * C;
    memset(m->d_logits, 0, sizeof(float) * (size_t)B * m->V);
    memset(m->d_z, 0, sizeof(float) * bc), memset(m->d_z_pre, 0, sizeof(float) * bc), memset(m->d_r, 0, sizeof(float) * bc);
    memset(m->d_e, 0, sizeof(float) * btc), memset(m->d_h, 0, sizeof(float) * btc);
    softmax_xent_backward(m->d_logits, m->probs, labels, B, m->V);
    linear_backward(m->d_z, m->wo.grad, m->bo.grad, m->d_logits, m->z, m->wo.data, B, C, m->V);
    relu_backward(m->d_z_pre, m->d_z, m->z_pre, B * C);
    linear_backward(m->d_r, m->wh.grad, m->bh.grad, m->d_z_pre, m->r, m->wh.data, B, C, C);
    if (m->kind == RECALL_ATTENTION) {
        for (int b = 0; b < B; b++)   // only the last position was read
            memcpy(m->d_h + ((size_t)b * T + T - 1) * C, m->d_r + (size_t)b * C, sizeof(float) * C);
        memcpy(m->d_e, m->d_h, sizeof(float) * btc);   // residual: h = e + MHA(e)
        mha_backward(&m->mha, &m->cache, m->d_e, m->d_h, m->e, B, T);
    } else {
        for (int b = 0; b < B; b++)   // a mean spreads its gradient evenly
            for (int t = 0; t < T; t++)
                for (int c = 0; c < C; c++) m->d_e[((size_t)b * T + t) * C + c] = m->d_r[(size_t)b * C + c] / T;
    }
    linear_backward(NULL, m->we.grad, m->be.grad, m->d_e, x, m->we.data, B * T, m->F, C);
}

float recall_train(RecallModel *m, const RecallTrainConfig *cfg, Rng *rng, float *loss_curve) {
    int T = m->T, F = m->F, B = cfg->batch;
    float *x = xmalloc(sizeof(float) * (size_t)B * T * F);
    int *labels = xmalloc(sizeof(int) * B);
    Adam opt;
    adam_init(&opt, &m->params, cfg->lr, 0.9f, 0.999f, 1e-8f, 0.0f);
    Progress prog;
    progress_start(&prog, cfg->steps, "ex");
    double tail = 0.0;
    int tail_n = 0, tail_from = cfg->steps - (cfg->steps + 9) / 10;
    for (int step = 0; step < cfg->steps; step++) {
        recall_make_batch(&m->task, x, labels, NULL, B, rng);
        tensorlist_zero_grad(&m->params);
        float loss = recall_forward(m, x, labels, B);
        check_finite(loss, "recall training loss", step);
        recall_backward(m, x, labels, B);
        adam_step(&opt, &m->params);
        if (loss_curve) loss_curve[step] = loss;
        if (step >= tail_from) tail += loss, tail_n++;
        progress_update(&prog, step + 1, loss, (double)(step + 1) * B);
    }
    progress_end(&prog);
    adam_free(&opt);
    free(x), free(labels);
    return tail_n ? (float)(tail / tail_n) : 0.0f;
}

float recall_accuracy(RecallModel *m, const float *x, const int *labels, int n) {
    int correct = 0, T = m->T, F = m->F;
    int *pred = xmalloc(sizeof(int) * m->max_B);
    for (int i = 0; i < n; i += m->max_B) {
        int B = n - i < m->max_B ? n - i : m->max_B;
        recall_forward(m, x + (size_t)i * T * F, labels + i, B);
        argmax_rows(pred, m->logits, B, m->V);
        for (int b = 0; b < B; b++) correct += pred[b] == labels[i + b];
    }
    free(pred);
    return (float)correct / (float)n;
}
