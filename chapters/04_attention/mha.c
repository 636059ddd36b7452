// mha.c: multi-head self-attention = chapter 02's Linear four times + attention.c.
#include "chapters/04_attention/mha.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/layers.h"
#include "chapters/04_attention/attention.h"
#include "common/err.h"
#include "common/init.h"
#include "common/mem.h"

static void make_param(Tensor *t, const char *prefix, const char *name, int rows, int cols, Rng *rng) {
    char full[TENSOR_NAME_LEN];
    snprintf(full, sizeof full, "%s.%s", prefix, name);
    if (cols > 0) {
        tensor_alloc(t, full, 1, 2, rows, cols);
        init_xavier_uniform(t->data, t->size, cols, rows, rng);
    } else {
        tensor_alloc(t, full, 1, 1, rows);   // biases start at 0
    }
}

void mha_create(Mha *m, const char *prefix, int C, int NH, Rng *rng) {
    if (NH <= 0 || C % NH != 0) DIE("mha_create: width C=%d is not divisible by NH=%d heads", C, NH);
    m->C = C, m->NH = NH;
    make_param(&m->wq, prefix, "wq", C, C, rng);
    make_param(&m->wk, prefix, "wk", C, C, rng);
    make_param(&m->wv, prefix, "wv", C, C, rng);
    make_param(&m->wo, prefix, "wo", C, C, rng);
    make_param(&m->bq, prefix, "bq", C, 0, rng);
    make_param(&m->bk, prefix, "bk", C, 0, rng);
    make_param(&m->bv, prefix, "bv", C, 0, rng);
    make_param(&m->bo, prefix, "bo", C, 0, rng);
}

void mha_free(Mha *m) {
    Tensor *ts[8] = {&m->wq, &m->wk, &m->wv, &m->wo, &m->bq, &m->bk, &m->bv, &m->bo};
    for (int i = 0; i < 8; i++) tensor_free(ts[i]);
}

void mha_params(Mha *m, TensorList *list) {
    Tensor *ts[8] = {&m->wq, &m->bq, &m->wk, &m->bk, &m->wv, &m->bv, &m->wo, &m->bo};
    for (int i = 0; i < 8; i++) tensorlist_add(list, ts[i]);
}

void mha_cache_alloc(MhaCache *c, int B, int T, int C, int NH) {
    size_t n = (size_t)B * T * C, tt = (size_t)B * NH * T * T;
    c->B = B, c->T = T, c->C = C, c->NH = NH;
    float **bufs[] = {&c->q, &c->k, &c->v, &c->qh, &c->kh, &c->vh, &c->ah, &c->a,
                      &c->d_a, &c->d_ah, &c->d_qh, &c->d_kh, &c->d_vh, &c->d_q, &c->d_k, &c->d_v};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) *bufs[i] = fzeros(n);
    c->probs = fzeros(tt);
    c->scratch = fzeros(2 * (size_t)T * T);
}

void mha_cache_free(MhaCache *c) {
    float *bufs[] = {c->q, c->k, c->v, c->qh, c->kh, c->vh, c->ah, c->a, c->d_a, c->d_ah,
                     c->d_qh, c->d_kh, c->d_vh, c->d_q, c->d_k, c->d_v, c->probs, c->scratch};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
    memset(c, 0, sizeof *c);
}

void mha_split_heads(float *out, const float *x, int B, int T, int NH, int hd) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int h = 0; h < NH; h++)
                memcpy(out + (((size_t)b * NH + h) * T + t) * hd, x + ((size_t)b * T + t) * NH * hd + (size_t)h * hd,
                       sizeof(float) * hd);
}

void mha_merge_heads(float *out, const float *x, int B, int T, int NH, int hd) {
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int h = 0; h < NH; h++)
                memcpy(out + ((size_t)b * T + t) * NH * hd + (size_t)h * hd, x + (((size_t)b * NH + h) * T + t) * hd,
                       sizeof(float) * hd);
}

void mha_forward(const Mha *m, MhaCache *c, float *out, const float *x, const int *lengths, int causal,
                 int B, int T) {
    int C = m->C, NH = m->NH, hd = C / NH, BT = B * T;
    if (B > c->B || T > c->T || C != c->C || NH != c->NH) DIE("mha_forward: cache too small for B=%d T=%d", B, T);
    linear_forward(c->q, x, m->wq.data, m->bq.data, BT, C, C);   // (4.13)
    linear_forward(c->k, x, m->wk.data, m->bk.data, BT, C, C);
    linear_forward(c->v, x, m->wv.data, m->bv.data, BT, C, C);
    mha_split_heads(c->qh, c->q, B, T, NH, hd);                 // (4.14)
    mha_split_heads(c->kh, c->k, B, T, NH, hd);
    mha_split_heads(c->vh, c->v, B, T, NH, hd);
    attention_forward(c->ah, c->probs, c->qh, c->kh, c->vh, lengths, causal, 1.0f / sqrtf((float)hd), B, NH, T, hd);
    mha_merge_heads(c->a, c->ah, B, T, NH, hd);
    linear_forward(out, c->a, m->wo.data, m->bo.data, BT, C, C);   // (4.15)
}

void mha_backward(Mha *m, MhaCache *c, float *d_x, const float *d_out, const float *x, int B, int T) {
    int C = m->C, NH = m->NH, hd = C / NH, BT = B * T;
    size_t n = (size_t)BT * C;
    // Every scratch gradient starts from zero: the layer functions accumulate.
    float *zero[] = {c->d_a, c->d_ah, c->d_qh, c->d_kh, c->d_vh, c->d_q, c->d_k, c->d_v};
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++) memset(zero[i], 0, sizeof(float) * n);
    linear_backward(c->d_a, m->wo.grad, m->bo.grad, d_out, c->a, m->wo.data, BT, C, C);
    // Split and merge only move numbers around, so each one's backward is the other.
    mha_split_heads(c->d_ah, c->d_a, B, T, NH, hd);
    attention_backward(c->d_qh, c->d_kh, c->d_vh, c->scratch, c->d_ah, c->qh, c->kh, c->vh, c->probs, B, NH, T,
                       hd, 1.0f / sqrtf((float)hd));
    mha_merge_heads(c->d_q, c->d_qh, B, T, NH, hd);
    mha_merge_heads(c->d_k, c->d_kh, B, T, NH, hd);
    mha_merge_heads(c->d_v, c->d_vh, B, T, NH, hd);
    // x feeds all three projections, so d_x collects three contributions (eq. 2.3).
    linear_backward(d_x, m->wq.grad, m->bq.grad, c->d_q, x, m->wq.data, BT, C, C);
    linear_backward(d_x, m->wk.grad, m->bk.grad, c->d_k, x, m->wk.data, BT, C, C);
    linear_backward(d_x, m->wv.grad, m->bv.grad, c->d_v, x, m->wv.data, BT, C, C);
}
