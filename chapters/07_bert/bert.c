// bert.c: see bert.h. The encoder is chapter 06's EncBlock in its post-LN form; this
// file adds the embeddings (chapter 03's lookup, three times), the MLM head and the
// Hugging Face names.
#include "chapters/07_bert/bert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/layers.h"
#include "chapters/03_imdb_sentiment/embedding.h"
#include "chapters/05_normalization/layernorm.h"
#include "chapters/06_seq2seq/dropout.h"
#include "chapters/06_seq2seq/ffn.h"
#include "chapters/06_seq2seq/smoothing.h"
#include "common/err.h"
#include "common/init.h"
#include "common/mem.h"

int bert_config_named(BertConfig *cfg, const char *name, int vocab) {
    static const struct {
        const char *name;
        int layers, hidden, heads;
    } sizes[] = {{"tiny", 2, 128, 2}, {"mini", 4, 256, 4}, {"small", 4, 512, 8}, {"medium", 8, 512, 8}};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (!strcmp(name, sizes[i].name)) {
            *cfg = (BertConfig){.vocab = vocab, .hidden = sizes[i].hidden, .layers = sizes[i].layers,
                                .heads = sizes[i].heads, .intermediate = 4 * sizes[i].hidden, .max_pos = 512,
                                .type_vocab = 2, .dropout = 0.1f, .ln_eps = 1e-12f};
            return 0;
        }
    return -1;
}

static void hf_name(Tensor *t, const char *fmt, int layer) {
    snprintf(t->name, sizeof t->name, fmt, layer);
}

static void matrix(Tensor *t, const char *name, int rows, int cols, Rng *rng) {
    tensor_alloc(t, name, 1, 2, rows, cols);
    init_normal(t->data, t->size, 0.02f, rng);
}

void bert_create(Bert *m, const BertConfig *cfg, Rng *rng) {
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    const int H = cfg->hidden;
    if (cfg->layers < 1 || cfg->layers > BERT_MAX_LAYERS || H % cfg->heads) {
        fprintf(stderr, "bert_create: %d layers (1..%d), hidden %d not divisible by %d heads\n", cfg->layers,
                BERT_MAX_LAYERS, H, cfg->heads);
        abort();
    }
    matrix(&m->word_emb, "bert.embeddings.word_embeddings.weight", cfg->vocab, H, rng);
    matrix(&m->pos_emb, "bert.embeddings.position_embeddings.weight", cfg->max_pos, H, rng);
    matrix(&m->type_emb, "bert.embeddings.token_type_embeddings.weight", cfg->type_vocab, H, rng);
    layernorm_params_create(&m->emb_ln_g, &m->emb_ln_b, "bert.embeddings.LayerNorm", H);
    Tensor *emb[] = {&m->word_emb, &m->pos_emb, &m->type_emb, &m->emb_ln_g, &m->emb_ln_b};
    for (int i = 0; i < 5; i++) tensorlist_add(&m->params, emb[i]), tensorlist_add(&m->encoder, emb[i]);
    for (int l = 0; l < cfg->layers; l++) {
        EncBlock *b = &m->layer[l];
        enc_block_create(b, "layer", H, cfg->heads, cfg->intermediate, 1, rng);
        b->post_ln = 1, b->ln_eps = cfg->ln_eps;
        // Hugging Face's names, in its order
        struct {
            Tensor *t;
            const char *fmt;
        } names[] = {
            {&b->attn.wq, "bert.encoder.layer.%d.attention.self.query.weight"},
            {&b->attn.bq, "bert.encoder.layer.%d.attention.self.query.bias"},
            {&b->attn.wk, "bert.encoder.layer.%d.attention.self.key.weight"},
            {&b->attn.bk, "bert.encoder.layer.%d.attention.self.key.bias"},
            {&b->attn.wv, "bert.encoder.layer.%d.attention.self.value.weight"},
            {&b->attn.bv, "bert.encoder.layer.%d.attention.self.value.bias"},
            {&b->attn.wo, "bert.encoder.layer.%d.attention.output.dense.weight"},
            {&b->attn.bo, "bert.encoder.layer.%d.attention.output.dense.bias"},
            {&b->ln1_g, "bert.encoder.layer.%d.attention.output.LayerNorm.weight"},
            {&b->ln1_b, "bert.encoder.layer.%d.attention.output.LayerNorm.bias"},
            {&b->ffn.w1, "bert.encoder.layer.%d.intermediate.dense.weight"},
            {&b->ffn.b1, "bert.encoder.layer.%d.intermediate.dense.bias"},
            {&b->ffn.w2, "bert.encoder.layer.%d.output.dense.weight"},
            {&b->ffn.b2, "bert.encoder.layer.%d.output.dense.bias"},
            {&b->ln2_g, "bert.encoder.layer.%d.output.LayerNorm.weight"},
            {&b->ln2_b, "bert.encoder.layer.%d.output.LayerNorm.bias"},
        };
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
            Tensor *t = names[i].t;
            hf_name(t, names[i].fmt, l);
            if (t->ndim == 2) init_normal(t->data, t->size, 0.02f, rng);   // BERT's init, not Xavier
            else if (strstr(t->name, "LayerNorm") == NULL) memset(t->data, 0, sizeof(float) * t->size);
            tensorlist_add(&m->params, t), tensorlist_add(&m->encoder, t);
        }
    }
    tensor_alloc(&m->dec_bias, "cls.predictions.bias", 1, 1, cfg->vocab);
    matrix(&m->head_w, "cls.predictions.transform.dense.weight", H, H, rng);
    tensor_alloc(&m->head_b, "cls.predictions.transform.dense.bias", 1, 1, H);
    layernorm_params_create(&m->head_ln_g, &m->head_ln_b, "cls.predictions.transform.LayerNorm", H);
    Tensor *head[] = {&m->dec_bias, &m->head_w, &m->head_b, &m->head_ln_g, &m->head_ln_b};
    for (int i = 0; i < 5; i++) tensorlist_add(&m->params, head[i]);
}

void bert_free(Bert *m) {
    Tensor *own[] = {&m->word_emb, &m->pos_emb, &m->type_emb, &m->emb_ln_g, &m->emb_ln_b,
                     &m->head_w,   &m->head_b,  &m->head_ln_g, &m->head_ln_b, &m->dec_bias};
    for (int i = 0; i < 10; i++) tensor_free(own[i]);
    for (int l = 0; l < m->cfg.layers; l++) enc_block_free(&m->layer[l]);
    tensorlist_free(&m->params), tensorlist_free(&m->encoder);
}

void bert_cache_alloc(BertCache *c, const Bert *m, int B, int T, int M) {
    const BertConfig *cfg = &m->cfg;
    const size_t n = (size_t)B * T * cfg->hidden, H = (size_t)cfg->hidden;
    memset(c, 0, sizeof *c);
    c->B = B, c->T = T, c->M = M;
    c->e = fzeros(n), c->e_mask = fzeros(n), c->e_mean = fzeros((size_t)B * T), c->e_rstd = fzeros((size_t)B * T);
    c->x = fzeros(n * (size_t)(cfg->layers + 1));
    for (int l = 0; l < cfg->layers; l++) enc_cache_alloc(&c->layer[l], B, T, cfg->hidden, cfg->heads, cfg->intermediate);
    c->pos_ids = xmalloc(sizeof(int) * (size_t)B * T);   // bert_encode fills it
    size_t mh = (size_t)(M > 0 ? M : 1) * H, mv = (size_t)(M > 0 ? M : 1) * (size_t)cfg->vocab;
    float **head[] = {&c->hm, &c->u, &c->g, &c->z, &c->d_z, &c->d_g, &c->d_u, &c->d_hm};
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) *head[i] = fzeros(mh);
    c->z_mean = fzeros((size_t)(M > 0 ? M : 1)), c->z_rstd = fzeros((size_t)(M > 0 ? M : 1));
    c->logits = fzeros(mv), c->probs = fzeros(mv), c->d_logits = fzeros(mv);
    c->d_x = fzeros(n), c->d_x2 = fzeros(n);
}

void bert_cache_free(BertCache *c, const Bert *m) {
    float *bufs[] = {c->e, c->e_mask, c->e_mean, c->e_rstd, c->x, c->hm, c->u, c->g, c->z, c->d_z, c->d_g,
                     c->d_u, c->d_hm, c->z_mean, c->z_rstd, c->logits, c->probs, c->d_logits, c->d_x, c->d_x2};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
    for (int l = 0; l < m->cfg.layers; l++) enc_cache_free(&c->layer[l]);
    free(c->pos_ids);
    memset(c, 0, sizeof *c);
}

float *bert_hidden(const BertCache *c, const Bert *m) {
    return c->x + (size_t)m->cfg.layers * c->B * c->T * m->cfg.hidden;
}

// x_l: slot l of c->x holds capacity B*T rows; a smaller batch uses its first rows,
// so bert_hidden's address does not depend on the batch size of the last call.
static float *layer_x(const BertCache *c, const Bert *m, int l) {
    return c->x + (size_t)l * c->B * c->T * m->cfg.hidden;
}

// The encoder on B rows of T tokens (the attention's rows), where token i of the flat
// B*T grid sits at position i % period: period T for bert_encode, the length of the
// caller's full rows for bert_encode_blocks.
static void encode(const Bert *m, BertCache *c, const int *ids, const int *types, const int *lengths, Rng *rng, int B,
                   int T, int period) {
    const BertConfig *cfg = &m->cfg;
    const int H = cfg->hidden, N = B * T;
    const size_t n = (size_t)N * H;
    // (7.3): three lookups added
    embedding_forward(c->e, m->word_emb.data, ids, N, H);
#pragma omp parallel for schedule(static) if (N >= 256)
    for (int i = 0; i < N; i++) {
        float *e = c->e + (size_t)i * H;
        c->pos_ids[i] = i % period;   // for the backward pass: this call's, not the cache's
        const float *p = m->pos_emb.data + (size_t)(i % period) * H;
        const float *s = m->type_emb.data + (size_t)(types ? types[i] : 0) * H;
        for (int h = 0; h < H; h++) e[h] += p[h] + s[h];
    }
    float *x0 = layer_x(c, m, 0);
    layernorm_forward_eps(x0, c->e_mean, c->e_rstd, c->e, m->emb_ln_g.data, m->emb_ln_b.data, N, H, cfg->ln_eps);
    dropout_forward(x0, c->e_mask, x0, (int)n, cfg->dropout, rng != NULL, rng);
    for (int l = 0; l < cfg->layers; l++)
        enc_block_forward(&m->layer[l], &c->layer[l], layer_x(c, m, l + 1), layer_x(c, m, l), lengths, cfg->dropout,
                          rng, B, T);
}

void bert_encode(const Bert *m, BertCache *c, const int *ids, const int *types, const int *lengths, Rng *rng, int B,
                 int T) {
    encode(m, c, ids, types, lengths, rng, B, T, T);   // the position of token t of every row is t
}

void bert_encode_blocks(const Bert *m, BertCache *c, const int *ids, Rng *rng, int B, int T, int W) {
    if (W < 1 || T % W) DIE("bert_encode_blocks: blocks of %d do not tile rows of %d", W, T);
    // the flat grid is the same; only the attention's rows are shorter
    encode(m, c, ids, NULL, NULL, rng, B * (T / W), W, T);
}

void bert_encode_backward(Bert *m, BertCache *c, float *d_hidden, const int *ids, const int *types, int B, int T) {
    const BertConfig *cfg = &m->cfg;
    const int H = cfg->hidden, N = B * T;
    const size_t n = (size_t)N * H, bytes = sizeof(float) * n;
    float *d_y = d_hidden, *d_in = c->d_x;
    for (int l = cfg->layers - 1; l >= 0; l--) {
        memset(d_in, 0, bytes);
        enc_block_backward(&m->layer[l], &c->layer[l], d_in, d_y, layer_x(c, m, l), B, T);
        d_y = d_in, d_in = d_in == c->d_x ? c->d_x2 : c->d_x;
    }
    // x_0 = drop(LN(e)): d_y is now the gradient at x_0
    memset(d_in, 0, bytes);
    dropout_backward(d_in, d_y, c->e_mask, (int)n);
    float *d_e = d_y;   // d_y's buffer is free again: it takes the gradient at e
    memset(d_e, 0, bytes);
    layernorm_backward(d_e, m->emb_ln_g.grad, m->emb_ln_b.grad, d_in, c->e, c->e_mean, c->e_rstd, m->emb_ln_g.data,
                       N, H);
    // (7.3) backward: each table gets the gradient of the rows that looked it up
    embedding_backward(m->word_emb.grad, d_e, ids, N, H);
    embedding_backward(m->pos_emb.grad, d_e, c->pos_ids, N, H);
    if (types) embedding_backward(m->type_emb.grad, d_e, types, N, H);
    else
        for (int i = 0; i < N; i++)
            for (int h = 0; h < H; h++) m->type_emb.grad[h] += d_e[(size_t)i * H + h];
    (void)T;
}

float bert_mlm_forward(const Bert *m, BertCache *c, const int *positions, const int *targets, int M, int *n_correct) {
    const BertConfig *cfg = &m->cfg;
    const int H = cfg->hidden, V = cfg->vocab;
    const float *x = bert_hidden(c, m);
    for (int i = 0; i < M; i++) memcpy(c->hm + (size_t)i * H, x + (size_t)positions[i] * H, sizeof(float) * H);
    linear_forward(c->u, c->hm, m->head_w.data, m->head_b.data, M, H, H);   // (7.4)
    gelu_forward(c->g, c->u, M * H);
    layernorm_forward_eps(c->z, c->z_mean, c->z_rstd, c->g, m->head_ln_g.data, m->head_ln_b.data, M, H, cfg->ln_eps);
    linear_forward(c->logits, c->z, m->word_emb.data, m->dec_bias.data, M, H, V);   // (7.5), tied
    int counted;
    float loss = smoothed_xent_forward(c->probs, c->logits, targets, -1, 0.0f, M, V, &counted);
    if (n_correct) {
        int right = 0;
        for (int i = 0; i < M; i++) {
            const float *p = c->probs + (size_t)i * V;
            int best = 0;
            for (int v = 1; v < V; v++)
                if (p[v] > p[best]) best = v;
            right += best == targets[i];
        }
        *n_correct = right;
    }
    return loss;
}

void bert_mlm_backward(Bert *m, BertCache *c, const int *positions, const int *targets, int M, float *d_hidden,
                       int B, int T) {
    const BertConfig *cfg = &m->cfg;
    const int H = cfg->hidden, V = cfg->vocab;
    memset(c->d_logits, 0, sizeof(float) * (size_t)M * V);
    smoothed_xent_backward(c->d_logits, c->probs, targets, -1, 0.0f, M, V, M);
    memset(c->d_z, 0, sizeof(float) * (size_t)M * H);
    linear_backward(c->d_z, m->word_emb.grad, m->dec_bias.grad, c->d_logits, c->z, m->word_emb.data, M, H, V);
    memset(c->d_g, 0, sizeof(float) * (size_t)M * H);
    layernorm_backward(c->d_g, m->head_ln_g.grad, m->head_ln_b.grad, c->d_z, c->g, c->z_mean, c->z_rstd,
                       m->head_ln_g.data, M, H);
    memset(c->d_u, 0, sizeof(float) * (size_t)M * H);
    gelu_backward(c->d_u, c->d_g, c->u, M * H);
    memset(c->d_hm, 0, sizeof(float) * (size_t)M * H);
    linear_backward(c->d_hm, m->head_w.grad, m->head_b.grad, c->d_u, c->hm, m->head_w.data, M, H, H);
    memset(d_hidden, 0, sizeof(float) * (size_t)B * T * H);
    for (int i = 0; i < M; i++) {   // scatter back; a position masked twice would add up
        float *dst = d_hidden + (size_t)positions[i] * H;
        const float *src = c->d_hm + (size_t)i * H;
        for (int h = 0; h < H; h++) dst[h] += src[h];
    }
}
