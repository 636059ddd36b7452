#include "chapters/06_seq2seq/block.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/05_normalization/layernorm.h"
#include "chapters/06_seq2seq/dropout.h"
#include "common/mem.h"

// "<prefix>.<name>.weight" / ".bias": chapter 05's layer-norm parameters, named per block
static void norm_params(Tensor *g, Tensor *b, const char *prefix, const char *name, int C) {
    char full[TENSOR_NAME_LEN];
    snprintf(full, sizeof full, "%s.%s", prefix, name);
    layernorm_params_create(g, b, full, C);
}

static void sub_prefix(char *buf, size_t n, const char *prefix, const char *name) {
    snprintf(buf, n, "%s.%s", prefix, name);
}

static void add_rows(float *y, const float *a, const float *b, size_t n) {
    for (size_t i = 0; i < n; i++) y[i] = a[i] + b[i];
}

// ---- encoder -------------------------------------------------------------------------------

// The feed-forward branch: the block's FFN, or what replaces it (blk->ff).
static void branch_forward(const EncBlock *blk, EncCache *c, float *y, const float *x, int N, Rng *rng) {
    if (blk->ff) blk->ff->forward(blk->ff->ctx, y, x, N, rng);
    else ffn_forward(&blk->ffn, &c->ffn, y, x, N);
}

static void branch_backward(EncBlock *blk, EncCache *c, float *d_x, const float *d_y, const float *x, int N) {
    if (blk->ff) blk->ff->backward(blk->ff->ctx, d_x, d_y, x, N);
    else ffn_backward(&blk->ffn, &c->ffn, d_x, d_y, x, N);
}

void enc_block_create(EncBlock *blk, const char *prefix, int C, int NH, int H, int use_gelu, Rng *rng) {
    char name[TENSOR_NAME_LEN];
    blk->C = C;
    norm_params(&blk->ln1_g, &blk->ln1_b, prefix, "ln1", C);
    sub_prefix(name, sizeof name, prefix, "attn");
    mha_create(&blk->attn, name, C, NH, rng);
    norm_params(&blk->ln2_g, &blk->ln2_b, prefix, "ln2", C);
    memset(&blk->ffn, 0, sizeof blk->ffn);
    if (H > 0) {
        sub_prefix(name, sizeof name, prefix, "ffn");
        ffn_create(&blk->ffn, name, C, H, use_gelu, rng);
    }
    blk->post_ln = 0, blk->ln_eps = LAYERNORM_EPS, blk->causal = 0, blk->ff = NULL;
}

void enc_block_free(EncBlock *blk) {
    tensor_free(&blk->ln1_g), tensor_free(&blk->ln1_b), tensor_free(&blk->ln2_g), tensor_free(&blk->ln2_b);
    mha_free(&blk->attn);
    if (blk->ffn.H) ffn_free(&blk->ffn);
}

void enc_block_params(EncBlock *blk, TensorList *list) {
    tensorlist_add(list, &blk->ln1_g), tensorlist_add(list, &blk->ln1_b);
    mha_params(&blk->attn, list);
    tensorlist_add(list, &blk->ln2_g), tensorlist_add(list, &blk->ln2_b);
    if (blk->ffn.H) ffn_params(&blk->ffn, list);
}

void enc_cache_alloc(EncCache *c, int B, int T, int C, int NH, int H) {
    size_t n = (size_t)B * T * C, rows = (size_t)B * T;
    c->B = B, c->T = T;
    float **full[] = {&c->a, &c->s, &c->s_mask, &c->h, &c->b, &c->f, &c->f_mask, &c->d_h, &c->d_a, &c->d_b, &c->d_tmp};
    for (size_t i = 0; i < sizeof full / sizeof full[0]; i++) *full[i] = fzeros(n);
    c->a_mean = fzeros(rows), c->a_rstd = fzeros(rows), c->b_mean = fzeros(rows), c->b_rstd = fzeros(rows);
    mha_cache_alloc(&c->attn, B, T, C, NH);
    memset(&c->ffn, 0, sizeof c->ffn);
    if (H > 0) ffn_cache_alloc(&c->ffn, B * T, H);
}

void enc_cache_free(EncCache *c) {
    float *bufs[] = {c->a, c->s, c->s_mask, c->h, c->b, c->f, c->f_mask, c->d_h, c->d_a, c->d_b, c->d_tmp,
                     c->a_mean, c->a_rstd, c->b_mean, c->b_rstd};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
    mha_cache_free(&c->attn);
    if (c->ffn.N) ffn_cache_free(&c->ffn);
    memset(c, 0, sizeof *c);
}

// (6.11'), BERT's order: the sum of each residual connection is normalised.
static void enc_post_forward(const EncBlock *blk, EncCache *c, float *y, const float *x, const int *lengths,
                             float p, Rng *rng, int B, int T) {
    const int C = blk->C, N = B * T;
    const size_t n = (size_t)N * C;
    mha_forward(&blk->attn, &c->attn, c->s, x, lengths, blk->causal, B, T);
    dropout_forward(c->s, c->s_mask, c->s, (int)n, p, rng != NULL, rng);
    add_rows(c->a, x, c->s, n);                                   // a = x + drop(attn)
    layernorm_forward_eps(c->h, c->a_mean, c->a_rstd, c->a, blk->ln1_g.data, blk->ln1_b.data, N, C, blk->ln_eps);
    branch_forward(blk, c, c->f, c->h, N, rng);
    dropout_forward(c->f, c->f_mask, c->f, (int)n, p, rng != NULL, rng);
    add_rows(c->b, c->h, c->f, n);                                // b = h + drop(ffn)
    layernorm_forward_eps(y, c->b_mean, c->b_rstd, c->b, blk->ln2_g.data, blk->ln2_b.data, N, C, blk->ln_eps);
}

static void enc_post_backward(EncBlock *blk, EncCache *c, float *d_x, const float *d_y, const float *x, int B,
                              int T) {
    const int C = blk->C, N = B * T;
    const size_t n = (size_t)N * C, bytes = sizeof(float) * n;
    // y = LN2(b): every gradient passes through the norm first
    memset(c->d_b, 0, bytes);
    layernorm_backward(c->d_b, blk->ln2_g.grad, blk->ln2_b.grad, d_y, c->b, c->b_mean, c->b_rstd, blk->ln2_g.data,
                       N, C);
    // b = h + drop(FFN(h)): d_b reaches h directly and through the branch
    memcpy(c->d_h, c->d_b, bytes);
    memset(c->d_tmp, 0, bytes);
    dropout_backward(c->d_tmp, c->d_b, c->f_mask, (int)n);
    branch_backward(blk, c, c->d_h, c->d_tmp, c->h, N);
    // h = LN1(a), a = x + drop(Attn(x))
    memset(c->d_a, 0, bytes);
    layernorm_backward(c->d_a, blk->ln1_g.grad, blk->ln1_b.grad, c->d_h, c->a, c->a_mean, c->a_rstd,
                       blk->ln1_g.data, N, C);
    memset(c->d_tmp, 0, bytes);
    dropout_backward(c->d_tmp, c->d_a, c->s_mask, (int)n);
    mha_backward(&blk->attn, &c->attn, d_x, c->d_tmp, x, B, T);   // the weights' grads even without d_x
    if (d_x)
        for (size_t i = 0; i < n; i++) d_x[i] += c->d_a[i];
}

void enc_block_forward(const EncBlock *blk, EncCache *c, float *y, const float *x, const int *lengths, float p,
                       Rng *rng, int B, int T) {
    if (blk->post_ln) {
        enc_post_forward(blk, c, y, x, lengths, p, rng, B, T);
        return;
    }
    const int C = blk->C, N = B * T;
    const size_t n = (size_t)N * C;
    layernorm_forward(c->a, c->a_mean, c->a_rstd, x, blk->ln1_g.data, blk->ln1_b.data, N, C);
    mha_forward(&blk->attn, &c->attn, c->s, c->a, lengths, blk->causal, B, T);
    dropout_forward(c->s, c->s_mask, c->s, (int)n, p, rng != NULL, rng);
    add_rows(c->h, x, c->s, n);                                   // h = x + drop(attn)
    layernorm_forward(c->b, c->b_mean, c->b_rstd, c->h, blk->ln2_g.data, blk->ln2_b.data, N, C);
    branch_forward(blk, c, c->f, c->b, N, rng);
    dropout_forward(c->f, c->f_mask, c->f, (int)n, p, rng != NULL, rng);
    add_rows(y, c->h, c->f, n);                                   // y = h + drop(ffn)
}

void enc_block_backward(EncBlock *blk, EncCache *c, float *d_x, const float *d_y, const float *x, int B, int T) {
    if (blk->post_ln) {
        enc_post_backward(blk, c, d_x, d_y, x, B, T);
        return;
    }
    const int C = blk->C, N = B * T;
    const size_t n = (size_t)N * C, bytes = sizeof(float) * n;
    // y = h + drop(FFN(LN2(h))): d_y reaches h directly and through the branch
    memcpy(c->d_h, d_y, bytes);
    memset(c->d_tmp, 0, bytes), memset(c->d_b, 0, bytes);
    dropout_backward(c->d_tmp, d_y, c->f_mask, (int)n);
    branch_backward(blk, c, c->d_b, c->d_tmp, c->b, N);
    layernorm_backward(c->d_h, blk->ln2_g.grad, blk->ln2_b.grad, c->d_b, c->h, c->b_mean, c->b_rstd,
                       blk->ln2_g.data, N, C);
    // h = x + drop(Attn(LN1(x))): the same again, one level down
    memset(c->d_tmp, 0, bytes), memset(c->d_a, 0, bytes);
    dropout_backward(c->d_tmp, c->d_h, c->s_mask, (int)n);
    mha_backward(&blk->attn, &c->attn, c->d_a, c->d_tmp, c->a, B, T);
    layernorm_backward(d_x, blk->ln1_g.grad, blk->ln1_b.grad, c->d_a, x, c->a_mean, c->a_rstd, blk->ln1_g.data, N,
                       C);   // the gains' gradients even when d_x is not wanted
    if (d_x)
        for (size_t i = 0; i < n; i++) d_x[i] += c->d_h[i];
}

// ---- decoder -------------------------------------------------------------------------------

void dec_block_create(DecBlock *blk, const char *prefix, int C, int NH, int H, int use_gelu, Rng *rng) {
    char name[TENSOR_NAME_LEN];
    blk->C = C;
    norm_params(&blk->ln1_g, &blk->ln1_b, prefix, "ln1", C);
    sub_prefix(name, sizeof name, prefix, "self_attn");
    mha_create(&blk->self_attn, name, C, NH, rng);
    norm_params(&blk->ln2_g, &blk->ln2_b, prefix, "ln2", C);
    sub_prefix(name, sizeof name, prefix, "cross_attn");
    mha_create(&blk->cross_attn, name, C, NH, rng);
    norm_params(&blk->ln3_g, &blk->ln3_b, prefix, "ln3", C);
    sub_prefix(name, sizeof name, prefix, "ffn");
    ffn_create(&blk->ffn, name, C, H, use_gelu, rng);
}

void dec_block_free(DecBlock *blk) {
    Tensor *ts[] = {&blk->ln1_g, &blk->ln1_b, &blk->ln2_g, &blk->ln2_b, &blk->ln3_g, &blk->ln3_b};
    for (int i = 0; i < 6; i++) tensor_free(ts[i]);
    mha_free(&blk->self_attn), mha_free(&blk->cross_attn);
    ffn_free(&blk->ffn);
}

void dec_block_params(DecBlock *blk, TensorList *list) {
    tensorlist_add(list, &blk->ln1_g), tensorlist_add(list, &blk->ln1_b);
    mha_params(&blk->self_attn, list);
    tensorlist_add(list, &blk->ln2_g), tensorlist_add(list, &blk->ln2_b);
    mha_params(&blk->cross_attn, list);
    tensorlist_add(list, &blk->ln3_g), tensorlist_add(list, &blk->ln3_b);
    ffn_params(&blk->ffn, list);
}

void dec_cache_alloc(DecCache *c, int B, int Tt, int Ts, int C, int NH, int H) {
    size_t n = (size_t)B * Tt * C, rows = (size_t)B * Tt;
    c->B = B, c->Tt = Tt, c->Ts = Ts;
    float **full[] = {&c->a, &c->s, &c->s_mask, &c->h1, &c->b, &c->cx, &c->c_mask, &c->h2, &c->e, &c->f,
                      &c->f_mask, &c->d_h1, &c->d_h2, &c->d_a, &c->d_b, &c->d_e, &c->d_tmp};
    for (size_t i = 0; i < sizeof full / sizeof full[0]; i++) *full[i] = fzeros(n);
    float **stats[] = {&c->a_mean, &c->a_rstd, &c->b_mean, &c->b_rstd, &c->e_mean, &c->e_rstd};
    for (size_t i = 0; i < 6; i++) *stats[i] = fzeros(rows);
    mha_cache_alloc(&c->self_attn, B, Tt, C, NH);
    mha_cache_alloc_qk(&c->cross_attn, B, Tt, Ts, C, NH);
    ffn_cache_alloc(&c->ffn, B * Tt, H);
}

void dec_cache_free(DecCache *c) {
    float *bufs[] = {c->a,      c->s,      c->s_mask, c->h1,     c->b,   c->cx,   c->c_mask, c->h2,
                     c->e,      c->f,      c->f_mask, c->d_h1,   c->d_h2, c->d_a, c->d_b,    c->d_e,
                     c->d_tmp,  c->a_mean, c->a_rstd, c->b_mean, c->b_rstd, c->e_mean, c->e_rstd};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
    mha_cache_free(&c->self_attn), mha_cache_free(&c->cross_attn);
    ffn_cache_free(&c->ffn);
    memset(c, 0, sizeof *c);
}

void dec_block_forward(const DecBlock *blk, DecCache *c, float *y, const float *x, const float *mem,
                       const int *tgt_lengths, const int *src_lengths, float p, Rng *rng, int B, int Tt, int Ts) {
    const int C = blk->C, N = B * Tt;
    const size_t n = (size_t)N * C;
    const int training = rng != NULL;
    // 1. causal self-attention: position t sees the target tokens 0..t only
    layernorm_forward(c->a, c->a_mean, c->a_rstd, x, blk->ln1_g.data, blk->ln1_b.data, N, C);
    mha_forward(&blk->self_attn, &c->self_attn, c->s, c->a, tgt_lengths, 1, B, Tt);
    dropout_forward(c->s, c->s_mask, c->s, (int)n, p, training, rng);
    add_rows(c->h1, x, c->s, n);
    // 2. cross-attention: every target position looks at the whole (unpadded) source
    layernorm_forward(c->b, c->b_mean, c->b_rstd, c->h1, blk->ln2_g.data, blk->ln2_b.data, N, C);
    mha_forward_cross(&blk->cross_attn, &c->cross_attn, c->cx, c->b, mem, src_lengths, B, Tt, Ts);
    dropout_forward(c->cx, c->c_mask, c->cx, (int)n, p, training, rng);
    add_rows(c->h2, c->h1, c->cx, n);
    // 3. feed-forward
    layernorm_forward(c->e, c->e_mean, c->e_rstd, c->h2, blk->ln3_g.data, blk->ln3_b.data, N, C);
    ffn_forward(&blk->ffn, &c->ffn, c->f, c->e, N);
    dropout_forward(c->f, c->f_mask, c->f, (int)n, p, training, rng);
    add_rows(y, c->h2, c->f, n);
}

void dec_block_backward(DecBlock *blk, DecCache *c, float *d_x, float *d_mem, const float *d_y, const float *x,
                        const float *mem, int B, int Tt, int Ts) {
    const int C = blk->C, N = B * Tt;
    const size_t n = (size_t)N * C, bytes = sizeof(float) * n;
    // 3. y = h2 + drop(FFN(LN3(h2)))
    memcpy(c->d_h2, d_y, bytes);
    memset(c->d_tmp, 0, bytes), memset(c->d_e, 0, bytes);
    dropout_backward(c->d_tmp, d_y, c->f_mask, (int)n);
    ffn_backward(&blk->ffn, &c->ffn, c->d_e, c->d_tmp, c->e, N);
    layernorm_backward(c->d_h2, blk->ln3_g.grad, blk->ln3_b.grad, c->d_e, c->h2, c->e_mean, c->e_rstd,
                       blk->ln3_g.data, N, C);
    // 2. h2 = h1 + drop(Cross(LN2(h1), mem)): the memory gets its share here
    memcpy(c->d_h1, c->d_h2, bytes);
    memset(c->d_tmp, 0, bytes), memset(c->d_b, 0, bytes);
    dropout_backward(c->d_tmp, c->d_h2, c->c_mask, (int)n);
    mha_backward_cross(&blk->cross_attn, &c->cross_attn, c->d_b, d_mem, c->d_tmp, c->b, mem, B, Tt, Ts);
    layernorm_backward(c->d_h1, blk->ln2_g.grad, blk->ln2_b.grad, c->d_b, c->h1, c->b_mean, c->b_rstd,
                       blk->ln2_g.data, N, C);
    // 1. h1 = x + drop(SelfAttn(LN1(x)))
    memset(c->d_tmp, 0, bytes), memset(c->d_a, 0, bytes);
    dropout_backward(c->d_tmp, c->d_h1, c->s_mask, (int)n);
    mha_backward(&blk->self_attn, &c->self_attn, c->d_a, c->d_tmp, c->a, B, Tt);
    layernorm_backward(d_x, blk->ln1_g.grad, blk->ln1_b.grad, c->d_a, x, c->a_mean, c->a_rstd, blk->ln1_g.data, N,
                       C);
    if (d_x)
        for (size_t i = 0; i < n; i++) d_x[i] += c->d_h1[i];
}
