#include "chapters/06_seq2seq/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/layers.h"
#include "chapters/05_normalization/layernorm.h"
#include "chapters/06_seq2seq/posenc.h"
#include "chapters/06_seq2seq/smoothing.h"
#include "common/err.h"
#include "common/mem.h"

void s2s_create(S2SModel *m, const S2SConfig *cfg, Rng *rng) {
    const int V = cfg->vocab, C = cfg->C, L = cfg->layers;
    if (V < 2 || C < 2 || C % 2 || cfg->NH < 1 || C % cfg->NH || cfg->H < 1 || cfg->max_len < 1)
        DIE("s2s_create: bad sizes (vocab %d, width %d (even), heads %d dividing it, ffn %d, max_len %d)", V, C,
            cfg->NH, cfg->H, cfg->max_len);
    if (L < 1 || L > S2S_MAX_LAYERS) DIE("s2s_create: %d layers; 1..%d are supported", L, S2S_MAX_LAYERS);
    if (cfg->dropout < 0.0f || cfg->dropout >= 1.0f) DIE("s2s_create: dropout %g is not in [0, 1)", cfg->dropout);
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    // E ~ N(0, 1/C): E sqrt(C) has unit-variance entries, like the positions, and tied
    // logits h.E_v of a unit-variance h start with variance 1.
    tensor_alloc(&m->tok_emb, "tok_emb.weight", 1, 2, V, C);
    for (size_t i = 0; i < m->tok_emb.size; i++) m->tok_emb.data[i] = rng_normal(rng) / sqrtf((float)C);
    tensorlist_add(&m->params, &m->tok_emb);
    if (cfg->learned_pos) {
        tensor_alloc(&m->pos_emb, "pos_emb.weight", 1, 2, cfg->max_len, C);
        for (size_t i = 0; i < m->pos_emb.size; i++) m->pos_emb.data[i] = 0.1f * rng_normal(rng);
        tensorlist_add(&m->params, &m->pos_emb);
        m->pos_table = m->pos_emb.data;
    } else {
        m->pos_table = xmalloc(sizeof(float) * (size_t)cfg->max_len * C);
        posenc_sinusoidal(m->pos_table, cfg->max_len, C);
    }
    char prefix[32];
    for (int l = 0; l < L; l++) {
        snprintf(prefix, sizeof prefix, "enc.%d", l);
        enc_block_create(&m->enc[l], prefix, C, cfg->NH, cfg->H, cfg->use_gelu, rng);
        enc_block_params(&m->enc[l], &m->params);
    }
    layernorm_params_create(&m->enc_ln_g, &m->enc_ln_b, "enc_ln", C);
    tensorlist_add(&m->params, &m->enc_ln_g), tensorlist_add(&m->params, &m->enc_ln_b);
    for (int l = 0; l < L; l++) {
        snprintf(prefix, sizeof prefix, "dec.%d", l);
        dec_block_create(&m->dec[l], prefix, C, cfg->NH, cfg->H, cfg->use_gelu, rng);
        dec_block_params(&m->dec[l], &m->params);
    }
    layernorm_params_create(&m->dec_ln_g, &m->dec_ln_b, "dec_ln", C);
    tensorlist_add(&m->params, &m->dec_ln_g), tensorlist_add(&m->params, &m->dec_ln_b);
    if (!cfg->tied) {
        tensor_alloc(&m->out_w, "out.weight", 1, 2, V, C);
        for (size_t i = 0; i < m->out_w.size; i++) m->out_w.data[i] = rng_normal(rng) / sqrtf((float)C);
        tensorlist_add(&m->params, &m->out_w);
    }
}

void s2s_free(S2SModel *m) {
    for (int l = 0; l < m->cfg.layers; l++) enc_block_free(&m->enc[l]), dec_block_free(&m->dec[l]);
    tensor_free(&m->tok_emb), tensor_free(&m->enc_ln_g), tensor_free(&m->enc_ln_b);
    tensor_free(&m->dec_ln_g), tensor_free(&m->dec_ln_b);
    if (m->cfg.learned_pos) tensor_free(&m->pos_emb);
    else free(m->pos_table);
    if (!m->cfg.tied) tensor_free(&m->out_w);
    tensorlist_free(&m->params);
    memset(m, 0, sizeof *m);
}

static const float *out_weight(const S2SModel *m) { return m->cfg.tied ? m->tok_emb.data : m->out_w.data; }
static float *out_grad(S2SModel *m) { return m->cfg.tied ? m->tok_emb.grad : m->out_w.grad; }

void s2s_cache_alloc(S2SCache *c, const S2SModel *m, int B, int Ts, int Tt) {
    const S2SConfig *g = &m->cfg;
    const int L = g->layers, C = g->C;
    if (Ts > g->max_len || Tt > g->max_len) DIE("s2s_cache_alloc: lengths %d/%d exceed max_len %d", Ts, Tt, g->max_len);
    memset(c, 0, sizeof *c);
    c->B = B, c->Ts = Ts, c->Tt = Tt;
    size_t ns = (size_t)B * Ts * C, nt = (size_t)B * Tt * C, rows_t = (size_t)B * Tt;
    c->enc_x = fzeros((size_t)(L + 1) * ns), c->dec_x = fzeros((size_t)(L + 1) * nt);
    c->mem = fzeros(ns), c->mem_mean = fzeros((size_t)B * Ts), c->mem_rstd = fzeros((size_t)B * Ts);
    c->h = fzeros(nt), c->h_mean = fzeros(rows_t), c->h_rstd = fzeros(rows_t);
    c->logits = fzeros(rows_t * g->vocab), c->probs = fzeros(rows_t * g->vocab), c->d_logits = fzeros(rows_t * g->vocab);
    c->d_enc = fzeros(2 * ns), c->d_dec = fzeros(2 * nt), c->d_mem = fzeros(ns), c->d_h = fzeros(nt);
    c->d_tmp = fzeros(ns > nt ? ns : nt);
    for (int l = 0; l < L; l++) {
        enc_cache_alloc(&c->enc[l], B, Ts, C, g->NH, g->H);
        dec_cache_alloc(&c->dec[l], B, Tt, Ts, C, g->NH, g->H);
    }
}

void s2s_cache_free(S2SCache *c, const S2SModel *m) {
    float *bufs[] = {c->enc_x, c->dec_x, c->mem, c->mem_mean, c->mem_rstd, c->h, c->h_mean, c->h_rstd, c->logits,
                     c->probs, c->d_logits, c->d_enc, c->d_dec, c->d_mem, c->d_h, c->d_tmp};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
    for (int l = 0; l < m->cfg.layers; l++) enc_cache_free(&c->enc[l]), dec_cache_free(&c->dec[l]);
    memset(c, 0, sizeof *c);
}

static void check_sizes(const S2SCache *c, int B, int Ts, int Tt) {
    if (B > c->B || Ts > c->Ts || Tt > c->Tt)
        DIE("seq2seq: batch %d x (%d, %d) exceeds the cache (%d x (%d, %d))", B, Ts, Tt, c->B, c->Ts, c->Tt);
}

void s2s_encode(const S2SModel *m, S2SCache *c, const int *src, const int *src_len, Rng *rng, int B, int Ts) {
    check_sizes(c, B, Ts, 1);
    const int C = m->cfg.C;
    // slots are spaced for the cache's capacity, so encode and backward agree on them
    const size_t slot = (size_t)c->B * c->Ts * C;
    embed_forward(c->enc_x, m->tok_emb.data, m->pos_table, src, B, Ts, C);
    for (int l = 0; l < m->cfg.layers; l++)
        enc_block_forward(&m->enc[l], &c->enc[l], c->enc_x + (l + 1) * slot, c->enc_x + l * slot, src_len,
                          m->cfg.dropout, rng, B, Ts);
    layernorm_forward(c->mem, c->mem_mean, c->mem_rstd, c->enc_x + m->cfg.layers * slot, m->enc_ln_g.data,
                      m->enc_ln_b.data, B * Ts, C);
}

void s2s_decode(const S2SModel *m, S2SCache *c, const int *tgt_in, const int *tgt_len, const int *src_len, Rng *rng,
                int B, int Ts, int Tt) {
    check_sizes(c, B, Ts, Tt);
    const int C = m->cfg.C;
    const size_t slot = (size_t)c->B * c->Tt * C;
    embed_forward(c->dec_x, m->tok_emb.data, m->pos_table, tgt_in, B, Tt, C);
    for (int l = 0; l < m->cfg.layers; l++)
        dec_block_forward(&m->dec[l], &c->dec[l], c->dec_x + (l + 1) * slot, c->dec_x + l * slot, c->mem, tgt_len,
                          src_len, m->cfg.dropout, rng, B, Tt, Ts);
    layernorm_forward(c->h, c->h_mean, c->h_rstd, c->dec_x + m->cfg.layers * slot, m->dec_ln_g.data, m->dec_ln_b.data,
                      B * Tt, C);
    linear_forward(c->logits, c->h, out_weight(m), NULL, B * Tt, C, m->cfg.vocab);
}

float s2s_forward_loss(const S2SModel *m, S2SCache *c, const int *src, const int *src_len, const int *tgt_in,
                       const int *tgt_out, const int *tgt_len, Rng *rng, int B, int Ts, int Tt) {
    s2s_encode(m, c, src, src_len, rng, B, Ts);
    s2s_decode(m, c, tgt_in, tgt_len, src_len, rng, B, Ts, Tt);
    return smoothed_xent_forward(c->probs, c->logits, tgt_out, m->cfg.pad_id, m->cfg.label_smoothing, B * Tt,
                                 m->cfg.vocab, &c->n_counted);
}

void s2s_backward(S2SModel *m, S2SCache *c, const int *src, const int *tgt_in, const int *tgt_out, int B, int Ts,
                  int Tt) {
    const int C = m->cfg.C, V = m->cfg.vocab, L = m->cfg.layers;
    const size_t ns = (size_t)B * Ts * C, nt = (size_t)B * Tt * C;
    const size_t enc_slot = (size_t)c->B * c->Ts * C, dec_slot = (size_t)c->B * c->Tt * C;
    memset(c->d_logits, 0, sizeof(float) * (size_t)B * Tt * V);
    smoothed_xent_backward(c->d_logits, c->probs, tgt_out, m->cfg.pad_id, m->cfg.label_smoothing, B * Tt, V,
                           c->n_counted);
    memset(c->d_h, 0, sizeof(float) * nt);
    linear_backward(c->d_h, out_grad(m), NULL, c->d_logits, c->h, out_weight(m), B * Tt, C, V);
    // decoder, top to bottom; d_mem collects what every cross-attention sends back
    float *d_cur = c->d_dec, *d_prev = c->d_dec + nt;
    memset(d_cur, 0, sizeof(float) * nt), memset(c->d_mem, 0, sizeof(float) * ns);
    layernorm_backward(d_cur, m->dec_ln_g.grad, m->dec_ln_b.grad, c->d_h, c->dec_x + L * dec_slot, c->h_mean,
                       c->h_rstd, m->dec_ln_g.data, B * Tt, C);
    for (int l = L - 1; l >= 0; l--) {
        memset(d_prev, 0, sizeof(float) * nt);
        dec_block_backward(&m->dec[l], &c->dec[l], d_prev, c->d_mem, d_cur, c->dec_x + l * dec_slot, c->mem, B, Tt,
                           Ts);
        float *t = d_cur;
        d_cur = d_prev, d_prev = t;
    }
    embed_backward(m->tok_emb.grad, m->cfg.learned_pos ? m->pos_emb.grad : NULL, c->d_tmp, d_cur, tgt_in, B, Tt, m->cfg.C);
    // encoder, from the memory down
    d_cur = c->d_enc, d_prev = c->d_enc + ns;
    memset(d_cur, 0, sizeof(float) * ns);
    layernorm_backward(d_cur, m->enc_ln_g.grad, m->enc_ln_b.grad, c->d_mem, c->enc_x + L * enc_slot, c->mem_mean,
                       c->mem_rstd, m->enc_ln_g.data, B * Ts, C);
    for (int l = L - 1; l >= 0; l--) {
        memset(d_prev, 0, sizeof(float) * ns);
        enc_block_backward(&m->enc[l], &c->enc[l], d_prev, d_cur, c->enc_x + l * enc_slot, B, Ts);
        float *t = d_cur;
        d_cur = d_prev, d_prev = t;
    }
    embed_backward(m->tok_emb.grad, m->cfg.learned_pos ? m->pos_emb.grad : NULL, c->d_tmp, d_cur, src, B, Ts, m->cfg.C);
}
