// lm.c: the language model of lm.h, built from chapter 06's blocks and embeddings and
// this chapter's Moe.
#include "chapters/09_moe/lm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/layers.h"
#include "chapters/05_normalization/layernorm.h"
#include "chapters/06_seq2seq/posenc.h"
#include "common/err.h"
#include "common/mem.h"

int lm_check_config(const LmConfig *cfg, char *err, size_t err_len) {
    if (cfg->vocab < 2 || cfg->C < 2 || cfg->NH < 1 || cfg->C % cfg->NH || cfg->T < 2)
        snprintf(err, err_len, "bad sizes: vocabulary %d, width %d, heads %d (must divide the width), context %d",
                 cfg->vocab, cfg->C, cfg->NH, cfg->T);
    else if (cfg->layers < 1 || cfg->layers > LM_MAX_LAYERS)
        snprintf(err, err_len, "%d layers: 1 to %d are supported", cfg->layers, LM_MAX_LAYERS);
    else if (!(cfg->dropout >= 0 && cfg->dropout < 1))
        snprintf(err, err_len, "dropout %g is not in [0, 1)", (double)cfg->dropout);
    else if (!cfg->moe && cfg->H < 1)
        snprintf(err, err_len, "the dense FFN needs a hidden width (H = %d)", cfg->H);
    else if (cfg->moe && cfg->expert_H < 1)
        snprintf(err, err_len, "the experts need a hidden width (%d)", cfg->expert_H);
    else if (cfg->moe) return moe_check_config(&cfg->moe_cfg, 1, err, err_len);
    else return 0;
    return -1;
}

void lm_create(Lm *m, const LmConfig *cfg, Rng *rng) {
    char err[256], prefix[48];
    if (lm_check_config(cfg, err, sizeof err)) DIE("lm_create: %s", err);
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    const int V = cfg->vocab, C = cfg->C;
    // as chapter 06's model: E ~ N(0, 1/C), so that E sqrt(C) has unit entries and the
    // tied logits h.E_v of a unit-variance h start with variance 1
    tensor_alloc(&m->tok_emb, "tok_emb.weight", 1, 2, V, C);
    for (size_t i = 0; i < m->tok_emb.size; i++) m->tok_emb.data[i] = rng_normal(rng) / sqrtf((float)C);
    tensor_alloc(&m->pos_emb, "pos_emb.weight", 1, 2, cfg->T, C);
    for (size_t i = 0; i < m->pos_emb.size; i++) m->pos_emb.data[i] = 0.1f * rng_normal(rng);
    tensorlist_add(&m->params, &m->tok_emb), tensorlist_add(&m->params, &m->pos_emb);
    for (int l = 0; l < cfg->layers; l++) {
        snprintf(prefix, sizeof prefix, "blocks.%d", l);
        enc_block_create(&m->blocks[l], prefix, C, cfg->NH, cfg->moe ? 0 : cfg->H, 1, rng);
        m->blocks[l].causal = 1;
        enc_block_params(&m->blocks[l], &m->params);
        if (cfg->moe) {
            snprintf(prefix, sizeof prefix, "blocks.%d.moe", l);
            moe_create(&m->moe[l], prefix, &cfg->moe_cfg, C, cfg->expert_H, rng);
            moe_params(&m->moe[l], &m->params);
        }
    }
    layernorm_params_create(&m->ln_f_g, &m->ln_f_b, "ln_f", C);
    tensorlist_add(&m->params, &m->ln_f_g), tensorlist_add(&m->params, &m->ln_f_b);
}

void lm_free(Lm *m) {
    tensor_free(&m->tok_emb), tensor_free(&m->pos_emb), tensor_free(&m->ln_f_g), tensor_free(&m->ln_f_b);
    for (int l = 0; l < m->cfg.layers; l++) {
        enc_block_free(&m->blocks[l]);
        if (m->cfg.moe) moe_free(&m->moe[l]);
    }
    tensorlist_free(&m->params);
}

void lm_cache_alloc(LmCache *c, const Lm *m, int B, int T) { lm_cache_alloc_head(c, m, B, T, LM_HEAD_ROWS); }

void lm_cache_alloc_head(LmCache *c, const Lm *m, int B, int T, int head_rows) {
    const LmConfig *g = &m->cfg;
    const size_t n = (size_t)B * T * g->C, rows = (size_t)B * T;
    if (head_rows < 1) DIE("lm_cache_alloc_head: %d rows of the output layer at a time; it must be at least 1", head_rows);
    memset(c, 0, sizeof *c);
    c->B = B, c->T = T, c->head_rows = (size_t)head_rows < rows ? head_rows : (int)rows;
    c->x = fzeros(n * (size_t)(g->layers + 1));
    c->h = fzeros(n), c->h_mean = fzeros(rows), c->h_rstd = fzeros(rows);
    c->logits = fzeros((size_t)c->head_rows * g->vocab), c->d_logits = fzeros((size_t)c->head_rows * g->vocab);
    c->probs = fzeros(rows * g->vocab), c->row_loss = xcalloc(rows, sizeof(double));
    c->d_x = fzeros(n), c->d_next = fzeros(n), c->d_h = fzeros(n), c->scratch = fzeros(n);
    c->inputs = xcalloc(rows + 1, sizeof(int)), c->targets = xcalloc(rows + 1, sizeof(int));
    for (int l = 0; l < g->layers; l++) {
        enc_cache_alloc(&c->blocks[l], B, T, g->C, g->NH, g->moe ? 0 : g->H);
        if (g->moe) moe_cache_alloc(&c->moe[l], &m->moe[l], B * T);
    }
}

void lm_cache_free(LmCache *c, const Lm *m) {
    float *bufs[] = {c->x, c->h, c->h_mean, c->h_rstd, c->logits, c->probs, c->d_logits, c->d_x, c->d_next, c->d_h,
                     c->scratch};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
    free(c->inputs), free(c->targets), free(c->row_loss);
    for (int l = 0; l < m->cfg.layers; l++) {
        enc_cache_free(&c->blocks[l]);
        if (m->cfg.moe) moe_cache_free(&c->moe[l]);
    }
    memset(c, 0, sizeof *c);
}

// The block's FeedForward (block.h) for a Moe and one of its caches.
static void moe_branch_forward(void *ctx, float *y, const float *x, int N, Rng *rng) {
    MoeBranch *b = ctx;
    moe_forward(b->moe, b->cache, y, x, N, rng);
}

static void moe_branch_backward(void *ctx, float *d_x, const float *d_y, const float *x, int N) {
    MoeBranch *b = ctx;
    moe_backward(b->moe, b->cache, d_x, d_y, x, N);
}

double lm_forward(Lm *m, LmCache *c, const int *ids, Rng *rng, int B, int T) {
    const LmConfig *g = &m->cfg;
    if (B > c->B || T > c->T || T > g->T) DIE("lm_forward: batch %d x %d exceeds the cache (%d x %d) or the context %d",
                                              B, T, c->B, c->T, g->T);
    const int C = g->C, N = B * T;
    const size_t slot = (size_t)c->B * c->T * C;   // spaced for the capacity: forward and backward agree
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            c->inputs[b * T + t] = ids[b * (T + 1) + t], c->targets[b * T + t] = ids[b * (T + 1) + t + 1];
    embed_forward(c->x, m->tok_emb.data, m->pos_emb.data, c->inputs, B, T, C);
    c->aux_loss = c->z_loss = 0;
    for (int l = 0; l < g->layers; l++) {
        if (g->moe) {   // bind the block's branch to this cache's MoE cache
            c->branch[l] = (MoeBranch){&m->moe[l], &c->moe[l]};
            c->ff[l] = (FeedForward){moe_branch_forward, moe_branch_backward, &c->branch[l]};
            m->blocks[l].ff = &c->ff[l];
        }
        enc_block_forward(&m->blocks[l], &c->blocks[l], c->x + (l + 1) * slot, c->x + l * slot, NULL, g->dropout, rng,
                          B, T);
        if (g->moe) c->aux_loss += c->moe[l].stats.aux_loss, c->z_loss += c->moe[l].stats.z_loss;
    }
    layernorm_forward(c->h, c->h_mean, c->h_rstd, c->x + g->layers * slot, m->ln_f_g.data, m->ln_f_b.data, N, C);
    // The output layer a few rows at a time (LM_HEAD_ROWS, lm.h): their logits are still
    // in the cache when the softmax reads them.
    const int V = g->vocab, step = c->head_rows;
    for (int r0 = 0; r0 < N; r0 += step) {
        const int rows = N - r0 < step ? N - r0 : step;
        linear_forward(c->logits, c->h + (size_t)r0 * C, m->tok_emb.data, NULL, rows, C, V);
        softmax_xent_rows(c->probs + (size_t)r0 * V, c->row_loss + r0, c->logits, c->targets + r0, rows, V);
    }
    double total = 0;   // in row order, as softmax_xent_forward adds them
    for (int i = 0; i < N; i++) total += c->row_loss[i];
    return (float)(total / N);
}

void lm_backward(Lm *m, LmCache *c, const int *ids, int B, int T) {
    (void)ids;   // the forward kept inputs and targets
    const LmConfig *g = &m->cfg;
    const int C = g->C, N = B * T;
    const size_t slot = (size_t)c->B * c->T * C, n = (size_t)N * C;
    // The output layer's backward, the same rows at a time as in the forward: each
    // piece of d_logits is written (scratch: no zeroing), then read by the two products
    // while it is in the cache. The pieces add to E's gradient in row order, as a single
    // product over all N rows adds its blocks of 256 (matmul's KC): the same sums (lm.h
    // says when).
    const int V = g->vocab, step = c->head_rows;
    memset(c->d_h, 0, sizeof(float) * n);
    for (int r0 = 0; r0 < N; r0 += step) {
        const int rows = N - r0 < step ? N - r0 : step;
        softmax_xent_backward_write(c->d_logits, c->probs + (size_t)r0 * V, c->targets + r0, rows, V, N);
        linear_backward(c->d_h + (size_t)r0 * C, m->tok_emb.grad, NULL, c->d_logits, c->h + (size_t)r0 * C,
                        m->tok_emb.data, rows, C, V);
    }
    memset(c->d_x, 0, sizeof(float) * n);
    layernorm_backward(c->d_x, m->ln_f_g.grad, m->ln_f_b.grad, c->d_h, c->x + g->layers * slot, c->h_mean, c->h_rstd,
                       m->ln_f_g.data, N, C);
    for (int l = g->layers - 1; l >= 0; l--) {
        memset(c->d_next, 0, sizeof(float) * n);
        enc_block_backward(&m->blocks[l], &c->blocks[l], c->d_next, c->d_x, c->x + l * slot, B, T);
        float *swap = c->d_x;
        c->d_x = c->d_next, c->d_next = swap;
    }
    embed_backward(m->tok_emb.grad, m->pos_emb.grad, c->scratch, c->d_x, c->inputs, B, T, C);
}

size_t lm_params_total(const Lm *m) { return tensorlist_numel(&m->params); }

size_t lm_params_active(const Lm *m) {
    size_t total = lm_params_total(m);
    if (!m->cfg.moe) return total;
    const MoeConfig *mc = &m->cfg.moe_cfg;
    const size_t per_expert = 2 * (size_t)m->cfg.C * m->cfg.expert_H + m->cfg.expert_H + m->cfg.C;
    return total - (size_t)m->cfg.layers * (size_t)(mc->E - mc->k) * per_expert;
}

double lm_macs_per_token(const Lm *m, int T) {
    const LmConfig *g = &m->cfg;
    // per block: q, k, v, out projections 4 C^2; scores and the weighted sum over the
    // (T + 1) / 2 positions a causal token sees on average: 2 C (T + 1) / 2
    double block = 4.0 * g->C * g->C + (double)g->C * (T + 1);
    block += g->moe ? moe_macs_per_token(&m->moe[0]) : 2.0 * g->C * g->H;
    return g->layers * block + (double)g->C * g->vocab;   // + the output layer
}
