// mha.c: multi-head attention = chapter 02's Linear four times + attention.c; self- and
// cross-attention share one implementation.
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
    init_param(t, full, rows, cols, rng);
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

void mha_cache_alloc_qk(MhaCache *c, int B, int Tq, int Tk, int C, int NH) {
    size_t nq = (size_t)B * Tq * C, nk = (size_t)B * Tk * C;
    c->B = B, c->Tq = Tq, c->Tk = Tk, c->C = C, c->NH = NH;
    float **q_side[] = {&c->q, &c->qh, &c->ah, &c->a, &c->d_a, &c->d_ah, &c->d_qh, &c->d_q};
    float **k_side[] = {&c->k, &c->v, &c->kh, &c->vh, &c->d_kh, &c->d_vh, &c->d_k, &c->d_v};
    for (size_t i = 0; i < 8; i++) *q_side[i] = fzeros(nq), *k_side[i] = fzeros(nk);
    c->probs = fzeros((size_t)B * NH * Tq * Tk);
    c->scratch = fzeros(2 * (size_t)Tq * Tk);
}

void mha_cache_alloc(MhaCache *c, int B, int T, int C, int NH) { mha_cache_alloc_qk(c, B, T, T, C, NH); }

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

// The one implementation of both: queries from xq (B,Tq,C), keys and values from xkv
// (B,Tk,C), which is xq itself for self-attention.
static void mha_forward_qkv(const Mha *m, MhaCache *c, float *out, const float *xq, const float *xkv,
                            const int *lengths, int causal, int B, int Tq, int Tk) {
    int C = m->C, NH = m->NH, hd = C / NH;
    if (B > c->B || Tq > c->Tq || Tk > c->Tk || C != c->C || NH != c->NH)
        DIE("mha_forward: cache too small for B=%d Tq=%d Tk=%d (allocated for %d, %d, %d)", B, Tq, Tk, c->B, c->Tq,
            c->Tk);
    linear_forward(c->q, xq, m->wq.data, m->bq.data, B * Tq, C, C);    // (4.13)
    linear_forward(c->k, xkv, m->wk.data, m->bk.data, B * Tk, C, C);
    linear_forward(c->v, xkv, m->wv.data, m->bv.data, B * Tk, C, C);
    mha_split_heads(c->qh, c->q, B, Tq, NH, hd);                       // (4.14)
    mha_split_heads(c->kh, c->k, B, Tk, NH, hd);
    mha_split_heads(c->vh, c->v, B, Tk, NH, hd);
    attention_forward_qk(c->ah, c->probs, c->qh, c->kh, c->vh, lengths, causal, 1.0f / sqrtf((float)hd), B, NH, Tq,
                         Tk, hd);
    mha_merge_heads(c->a, c->ah, B, Tq, NH, hd);
    linear_forward(out, c->a, m->wo.data, m->bo.data, B * Tq, C, C);    // (4.15)
}

// d_xq collects the gradient through the query projection, d_xkv through the key and
// value projections; for self-attention both are d_x, which then sums all three (2.3).
static void mha_backward_qkv(Mha *m, MhaCache *c, float *d_xq, float *d_xkv, const float *d_out,
                             const float *xq, const float *xkv, int B, int Tq, int Tk) {
    int C = m->C, NH = m->NH, hd = C / NH;
    size_t nq = (size_t)B * Tq * C, nk = (size_t)B * Tk * C;
    // Every scratch gradient starts from zero: the layer functions accumulate.
    float *zero_q[] = {c->d_a, c->d_ah, c->d_qh, c->d_q}, *zero_k[] = {c->d_kh, c->d_vh, c->d_k, c->d_v};
    for (size_t i = 0; i < 4; i++) memset(zero_q[i], 0, sizeof(float) * nq), memset(zero_k[i], 0, sizeof(float) * nk);
    linear_backward(c->d_a, m->wo.grad, m->bo.grad, d_out, c->a, m->wo.data, B * Tq, C, C);
    // Split and merge only move numbers around, so each one's backward is the other.
    mha_split_heads(c->d_ah, c->d_a, B, Tq, NH, hd);
    attention_backward_qk(c->d_qh, c->d_kh, c->d_vh, c->scratch, c->d_ah, c->qh, c->kh, c->vh, c->probs, B, NH, Tq,
                          Tk, hd, 1.0f / sqrtf((float)hd));
    mha_merge_heads(c->d_q, c->d_qh, B, Tq, NH, hd);
    mha_merge_heads(c->d_k, c->d_kh, B, Tk, NH, hd);
    mha_merge_heads(c->d_v, c->d_vh, B, Tk, NH, hd);
    linear_backward(d_xq, m->wq.grad, m->bq.grad, c->d_q, xq, m->wq.data, B * Tq, C, C);
    linear_backward(d_xkv, m->wk.grad, m->bk.grad, c->d_k, xkv, m->wk.data, B * Tk, C, C);
    linear_backward(d_xkv, m->wv.grad, m->bv.grad, c->d_v, xkv, m->wv.data, B * Tk, C, C);
}

void mha_forward(const Mha *m, MhaCache *c, float *out, const float *x, const int *lengths, int causal,
                 int B, int T) {
    mha_forward_qkv(m, c, out, x, x, lengths, causal, B, T, T);
}

void mha_backward(Mha *m, MhaCache *c, float *d_x, const float *d_out, const float *x, int B, int T) {
    mha_backward_qkv(m, c, d_x, d_x, d_out, x, x, B, T, T);
}

void mha_forward_cross(const Mha *m, MhaCache *c, float *out, const float *x, const float *mem,
                       const int *mem_lengths, int B, int Tq, int Tk) {
    mha_forward_qkv(m, c, out, x, mem, mem_lengths, 0, B, Tq, Tk);
}

void mha_backward_cross(Mha *m, MhaCache *c, float *d_x, float *d_mem, const float *d_out, const float *x,
                        const float *mem, int B, int Tq, int Tk) {
    mha_backward_qkv(m, c, d_x, d_mem, d_out, x, mem, B, Tq, Tk);
}
