// tagger.c: see tagger.h.
#include "chapters/08_ner/tagger.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/layers.h"
#include "chapters/06_seq2seq/dropout.h"
#include "chapters/06_seq2seq/smoothing.h"
#include "common/init.h"
#include "common/mem.h"

void tagger_init(Tagger *tg, int n_labels, Rng *rng) {
    memset(&tg->cls_w, 0, sizeof *tg - offsetof(Tagger, cls_w));   // everything after the encoder
    tg->n_labels = n_labels, tg->head_dropout = tg->bert.cfg.dropout;
    const int H = tg->bert.cfg.hidden;
    tensor_alloc(&tg->cls_w, "classifier.weight", 1, 2, n_labels, H);
    init_normal(tg->cls_w.data, tg->cls_w.size, 0.02f, rng);
    tensor_alloc(&tg->cls_b, "classifier.bias", 1, 1, n_labels);
    for (int i = 0; i < tg->bert.encoder.count; i++) tensorlist_add(&tg->params, tg->bert.encoder.items[i]);
    tensorlist_add(&tg->params, &tg->cls_w), tensorlist_add(&tg->params, &tg->cls_b);
    tensorlist_add(&tg->head, &tg->cls_w), tensorlist_add(&tg->head, &tg->cls_b);
}

void tagger_add_crf(Tagger *tg) {
    crf_create(&tg->crf, tg->n_labels);
    tg->use_crf = 1;
    Tensor *t[] = {&tg->crf.trans, &tg->crf.start, &tg->crf.end};
    for (int i = 0; i < 3; i++) tensorlist_add(&tg->params, t[i]), tensorlist_add(&tg->head, t[i]);
}

void tagger_free(Tagger *tg) {
    if (tg->use_crf) crf_free(&tg->crf);
    tensor_free(&tg->cls_w), tensor_free(&tg->cls_b);
    tensorlist_free(&tg->params), tensorlist_free(&tg->head);
    bert_free(&tg->bert);
}

void tagger_cache_alloc(TaggerCache *c, const Tagger *tg, int B, int T) {
    memset(c, 0, sizeof *c);
    const size_t H = (size_t)tg->bert.cfg.hidden, K = (size_t)tg->n_labels, M = (size_t)B * T;
    bert_cache_alloc(&c->enc, &tg->bert, B, T, 0);
    c->B = B, c->T = T, c->M = (int)M;
    c->positions = xmalloc(sizeof(int) * M), c->targets = xmalloc(sizeof(int) * M), c->pred = xmalloc(sizeof(int) * M);
    c->h = fzeros(M * H), c->h_mask = fzeros(M * H), c->d_h = fzeros(M * H), c->d_hidden = fzeros(M * H);
    c->logits = fzeros(M * K), c->probs = fzeros(M * K), c->d_logits = fzeros(M * K);
}

void tagger_cache_free(TaggerCache *c, const Tagger *tg) {
    bert_cache_free(&c->enc, &tg->bert);
    free(c->positions), free(c->targets), free(c->pred);
    float *bufs[] = {c->h, c->h_mask, c->d_h, c->d_hidden, c->logits, c->probs, c->d_logits};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
    memset(c, 0, sizeof *c);
}

float tagger_forward(const Tagger *tg, TaggerCache *c, const int *ids, const int *lengths, const int *labels,
                     Rng *rng, int B, int T, int *M_out, int *n_correct) {
    const int H = tg->bert.cfg.hidden, K = tg->n_labels;
    bert_encode(&tg->bert, &c->enc, ids, NULL, lengths, rng, B, T);
    const float *hidden = bert_hidden(&c->enc, &tg->bert);
    int M = 0;
    for (int i = 0; i < B * T; i++)
        if (labels[i] >= 0) c->positions[M] = i, c->targets[M] = labels[i], M++;
    *M_out = c->n_pos = M;
    if (n_correct) *n_correct = 0;
    if (!M) return 0;
    for (int i = 0; i < M; i++) memcpy(c->h + (size_t)i * H, hidden + (size_t)c->positions[i] * H, sizeof(float) * H);
    dropout_forward(c->h, c->h_mask, c->h, M * H, tg->head_dropout, rng != NULL, rng);
    linear_forward(c->logits, c->h, tg->cls_w.data, tg->cls_b.data, M, H, K);
    float loss;
    if (tg->use_crf) {   // one chain per row: the labelled places of row b, in order
        double nll = 0;
        for (int s = 0, e; s < M; s = e) {
            for (e = s + 1; e < M && c->positions[e] / T == c->positions[s] / T;) e++;
            if (rng) nll += crf_nll(&tg->crf, c->logits + (size_t)s * K, c->targets + s, e - s);
            crf_viterbi(&tg->crf, c->logits + (size_t)s * K, e - s, c->pred + s);
        }
        loss = (float)(nll / M);
    } else {
        int counted;
        loss = smoothed_xent_forward(c->probs, c->logits, c->targets, -1, 0.0f, M, K, &counted);
        argmax_rows(c->pred, c->logits, M, K);
    }
    if (n_correct) {
        int right = 0;
        for (int i = 0; i < M; i++) right += c->pred[i] == c->targets[i];
        *n_correct = right;
    }
    return loss;
}

void tagger_backward(Tagger *tg, TaggerCache *c, const int *ids, int B, int T, int freeze_encoder) {
    const int H = tg->bert.cfg.hidden, K = tg->n_labels;
    const int M = c->n_pos;
    if (!M) return;
    memset(c->d_logits, 0, sizeof(float) * (size_t)M * K);
    if (tg->use_crf)
        for (int s = 0, e; s < M; s = e) {
            for (e = s + 1; e < M && c->positions[e] / T == c->positions[s] / T;) e++;
            crf_nll_backward(&tg->crf, c->logits + (size_t)s * K, c->targets + s, e - s, c->d_logits + (size_t)s * K,
                             1.0f / (float)M);
        }
    else smoothed_xent_backward(c->d_logits, c->probs, c->targets, -1, 0.0f, M, K, M);
    memset(c->d_h, 0, sizeof(float) * (size_t)M * H);
    // h here is the dropped-out copy: linear_backward's d_W uses the input the layer saw
    linear_backward(c->d_h, tg->cls_w.grad, tg->cls_b.grad, c->d_logits, c->h, tg->cls_w.data, M, H, K);
    if (freeze_encoder) return;
    float *d_hidden = c->d_hidden;
    memset(d_hidden, 0, sizeof(float) * (size_t)B * T * H);
    for (int i = 0; i < M; i++) {   // undo the dropout and scatter back to the pieces
        float *dst = d_hidden + (size_t)c->positions[i] * H;
        const float *src = c->d_h + (size_t)i * H, *mask = c->h_mask + (size_t)i * H;
        for (int h = 0; h < H; h++) dst[h] += src[h] * mask[h];
    }
    bert_encode_backward(&tg->bert, &c->enc, d_hidden, ids, NULL, B, T);
}
