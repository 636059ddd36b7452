// tests/test_06_blocks.c: the encoder and decoder blocks of chapter 06, every parameter,
// the input and (decoder) the encoder memory against central finite differences, with
// padding masks, and with dropout: the loss re-seeds the generator before each forward
// pass, so every evaluation draws the same masks and the function being differentiated
// is a fixed one. Bound 1e-2 (common/gradcheck.h).
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/06_seq2seq/block.h"
#include "common/gradcheck.h"
#include "common/mem.h"
#include "common/rng.h"

static void fill_normal(float *x, size_t n, float std, Rng *rng) {
    for (size_t i = 0; i < n; i++) x[i] = std * rng_normal(rng);
}

// Gains and shifts away from 1 and 0, biases away from 0: every term of the backward
// pass then carries weight in the check.
static void perturb(TensorList *params, Rng *rng) {
    for (int t = 0; t < params->count; t++) {
        Tensor *p = params->items[t];
        if (p->ndim == 1)
            for (size_t i = 0; i < p->size; i++) p->data[i] += 0.3f * rng_normal(rng);
    }
}

enum { B = 2, TS = 4, TT = 3, C = 8, NH = 2, H = 16 };

typedef struct {
    EncBlock *blk;
    EncCache *c;
    float *x, *y;
    const float *r;
    const int *lengths;
    float p;
} EncCtx;

static double enc_loss(void *v) {
    EncCtx *c = v;
    Rng rng;
    rng_seed(&rng, 99);   // the same dropout masks at every evaluation
    enc_block_forward(c->blk, c->c, c->y, c->x, c->lengths, c->p, c->p > 0 ? &rng : NULL, B, TS);
    return weighted_sum(c->y, c->r, (size_t)B * TS * C);
}

static void check_encoder(const int *lengths, float p, int post_ln, int causal) {
    Rng rng;
    rng_seed(&rng, 71);
    EncBlock blk;
    EncCache cache;
    TensorList params = {0};
    enc_block_create(&blk, "enc.0", C, NH, H, 1, &rng);
    blk.post_ln = post_ln, blk.causal = causal;
    if (post_ln) blk.ln_eps = 1e-12f;   // BERT's
    enc_block_params(&blk, &params);
    perturb(&params, &rng);
    enc_cache_alloc(&cache, B, TS, C, NH, H);
    const int n = B * TS * C;
    float *x = fzeros(n), *y = fzeros(n), *r = fzeros(n), *d_x = fzeros(n);
    fill_normal(x, n, 1, &rng), fill_normal(r, n, 1, &rng);
    EncCtx ctx = {&blk, &cache, x, y, r, lengths, p};
    tensorlist_zero_grad(&params);
    enc_loss(&ctx);
    enc_block_backward(&blk, &cache, d_x, r, x, B, TS);
    for (int t = 0; t < params.count; t++) {
        Tensor *q = params.items[t];
        float *g = malloc(sizeof(float) * q->size);
        memcpy(g, q->grad, sizeof(float) * q->size);
        // post-LN: the last norm divides by each row's spread, and entries whose true
        // gradient is below 1e-2 showed float32 noise of 1e-4 in the central difference
        // (measured: 1.1e-4 at h = 1e-2, 2.8e-4 at h = 3e-3, so rounding, not a wrong
        // formula, which gives errors of order 1); its floor is 2e-2
        double err = gradcheck_full(enc_loss, &ctx, q->data, g, q->size, 1e-2f, post_ln ? 2e-2 : 1e-2).max_rel_err;
        free(g);
        cr_assert_lt(err, 1e-2, "%s (dropout %g, post-LN %d): max relative error %g", q->name, p, post_ln, err);
    }
    // causal: the first position attends to itself alone, and some entries of d_x are
    // ~1e-4; their central differences were float32 noise (measured at one entry with
    // analytic 1.6e-4: -2.1e-4, -8.1e-5, 1.4e-5 at h = 3e-3, 9e-3, 2.7e-2), so the
    // floor is 2e-2 as for post-LN
    double err = gradcheck_full(enc_loss, &ctx, x, d_x, n, 1e-2f, post_ln || causal ? 2e-2 : 1e-2).max_rel_err;
    cr_assert_lt(err, 1e-2, "d_x (dropout %g): max relative error %g", p, err);
    free(x), free(y), free(r), free(d_x);
    tensorlist_free(&params);
    enc_cache_free(&cache);
    enc_block_free(&blk);
}

Test(ch06_encoder, backward_matches_finite_differences) { check_encoder(NULL, 0.0f, 0, 0); }
Test(ch06_encoder, backward_padded_with_dropout_matches_finite_differences) {
    int lengths[B] = {4, 2};
    check_encoder(lengths, 0.2f, 0, 0);
}
// BERT's post-LN block (6.11'), chapter 07
Test(ch06_encoder, post_ln_backward_matches_finite_differences) { check_encoder(NULL, 0.0f, 1, 0); }
Test(ch06_encoder, post_ln_backward_padded_with_dropout_matches_finite_differences) {
    int lengths[B] = {4, 2};
    check_encoder(lengths, 0.2f, 1, 0);
}

// causal = 1: the decoder-only (GPT) block of chapter 09
Test(ch06_encoder, causal_backward_matches_finite_differences) { check_encoder(NULL, 0.0f, 0, 1); }

Test(ch06_encoder, causal_block_never_looks_ahead) {
    Rng rng;
    rng_seed(&rng, 8);
    EncBlock blk;
    EncCache cache;
    enc_block_create(&blk, "enc.0", C, NH, H, 1, &rng);
    blk.causal = 1;
    enc_cache_alloc(&cache, B, TS, C, NH, H);
    const int n = B * TS * C;
    float *x = fzeros(n), *y = fzeros(n), *y2 = fzeros(n);
    fill_normal(x, n, 1, &rng);
    enc_block_forward(&blk, &cache, y, x, NULL, 0, NULL, B, TS);
    for (int c = 0; c < C; c++) x[(TS - 1) * C + c] += 1.0f;   // change the last token of row 0
    enc_block_forward(&blk, &cache, y2, x, NULL, 0, NULL, B, TS);
    for (int i = 0; i < (TS - 1) * C; i++) cr_assert_eq(y[i], y2[i], "an earlier position saw the last one");
    int changed = 0;
    for (int c = 0; c < C; c++) changed += y[(TS - 1) * C + c] != y2[(TS - 1) * C + c];
    cr_assert_gt(changed, 0);
    free(x), free(y), free(y2);
    enc_cache_free(&cache);
    enc_block_free(&blk);
}

// A FeedForward that is another FFN: the block must call it in place of its own, and
// pass it the gradient. Built with H = 0 (no FFN of its own), the block with the hook
// computes what a block with that FFN inside computes.
typedef struct {
    Ffn *f;
    FfnCache *c;
} HookCtx;
static void hook_forward(void *ctx, float *y, const float *x, int N, Rng *rng) {
    (void)rng;
    HookCtx *h = ctx;
    ffn_forward(h->f, h->c, y, x, N);
}
static void hook_backward(void *ctx, float *d_x, const float *d_y, const float *x, int N) {
    HookCtx *h = ctx;
    ffn_backward(h->f, h->c, d_x, d_y, x, N);
}

Test(ch06_encoder, a_replaced_feed_forward_is_the_one_used) {
    Rng rng, rng2;
    rng_seed(&rng, 12), rng_seed(&rng2, 12);
    EncBlock inside, hooked;
    EncCache ci, ch;
    enc_block_create(&inside, "enc.0", C, NH, H, 1, &rng);
    enc_block_create(&hooked, "enc.0", C, NH, 0, 1, &rng2);   // the same draws up to the FFN
    TensorList pi = {0}, ph = {0};
    enc_block_params(&inside, &pi), enc_block_params(&hooked, &ph);
    cr_assert_eq(ph.count, pi.count - 4, "H = 0: no FFN tensors");
    for (int t = 0; t < ph.count; t++) memcpy(ph.items[t]->data, pi.items[t]->data, sizeof(float) * pi.items[t]->size);
    FfnCache fc;
    ffn_cache_alloc(&fc, B * TS, H);
    HookCtx hc = {&inside.ffn, &fc};
    FeedForward ff = {hook_forward, hook_backward, &hc};
    hooked.ff = &ff;
    enc_cache_alloc(&ci, B, TS, C, NH, H), enc_cache_alloc(&ch, B, TS, C, NH, 0);
    const int n = B * TS * C;
    float *x = fzeros(n), *yi = fzeros(n), *yh = fzeros(n), *r = fzeros(n), *dxi = fzeros(n), *dxh = fzeros(n);
    fill_normal(x, n, 1, &rng), fill_normal(r, n, 1, &rng);
    enc_block_forward(&inside, &ci, yi, x, NULL, 0, NULL, B, TS);
    enc_block_forward(&hooked, &ch, yh, x, NULL, 0, NULL, B, TS);
    for (int i = 0; i < n; i++) cr_assert_float_eq(yh[i], yi[i], 1e-6, "y[%d]", i);
    tensorlist_zero_grad(&pi), tensorlist_zero_grad(&ph);
    enc_block_backward(&inside, &ci, dxi, r, x, B, TS);
    float *w1_grad = fzeros(inside.ffn.w1.size);
    memcpy(w1_grad, inside.ffn.w1.grad, sizeof(float) * inside.ffn.w1.size);
    tensor_zero_grad(&inside.ffn.w1);
    enc_block_backward(&hooked, &ch, dxh, r, x, B, TS);
    for (int i = 0; i < n; i++) cr_assert_float_eq(dxh[i], dxi[i], 1e-5, "d_x[%d]", i);
    for (size_t i = 0; i < inside.ffn.w1.size; i++)   // the hook's FFN got the same gradient
        cr_assert_float_eq(inside.ffn.w1.grad[i], w1_grad[i], 1e-5, "fc1 grad %zu", i);
    free(x), free(yi), free(yh), free(r), free(dxi), free(dxh), free(w1_grad);
    tensorlist_free(&pi), tensorlist_free(&ph);
    ffn_cache_free(&fc), enc_cache_free(&ci), enc_cache_free(&ch);
    enc_block_free(&inside), enc_block_free(&hooked);
}

// The post-LN output is a layer norm's: with unit gains and zero shifts every row has
// mean 0 and variance 1 (to eps), which the pre-LN block's output does not.
Test(ch06_encoder, post_ln_output_is_normalised) {
    Rng rng;
    rng_seed(&rng, 5);
    EncBlock blk;
    EncCache cache;
    enc_block_create(&blk, "enc.0", C, NH, H, 1, &rng);
    blk.post_ln = 1;
    enc_cache_alloc(&cache, B, TS, C, NH, H);
    float *x = fzeros(B * TS * C), *y = fzeros(B * TS * C);
    fill_normal(x, B * TS * C, 3, &rng);
    enc_block_forward(&blk, &cache, y, x, NULL, 0, NULL, B, TS);
    for (int r = 0; r < B * TS; r++) {
        double mean = 0, var = 0;
        for (int c = 0; c < C; c++) mean += y[r * C + c] / C;
        for (int c = 0; c < C; c++) var += (y[r * C + c] - mean) * (y[r * C + c] - mean) / C;
        cr_assert(fabs(mean) < 1e-5 && fabs(var - 1) < 1e-3, "row %d: mean %g var %g", r, mean, var);
    }
    free(x), free(y);
    enc_cache_free(&cache);
    enc_block_free(&blk);
}

typedef struct {
    DecBlock *blk;
    DecCache *c;
    float *x, *mem, *y;
    const float *r;
    const int *tgt_len, *src_len;
    float p;
} DecCtx;

static double dec_loss(void *v) {
    DecCtx *c = v;
    Rng rng;
    rng_seed(&rng, 98);
    dec_block_forward(c->blk, c->c, c->y, c->x, c->mem, c->tgt_len, c->src_len, c->p, c->p > 0 ? &rng : NULL, B, TT,
                      TS);
    return weighted_sum(c->y, c->r, (size_t)B * TT * C);
}

static void check_decoder(const int *tgt_len, const int *src_len, float p) {
    Rng rng;
    rng_seed(&rng, 72);
    DecBlock blk;
    DecCache cache;
    TensorList params = {0};
    // GELU: smooth, so the default step h = 1e-2 applies (the ReLU FFN has its own
    // check in test_06_layers.c, with a seed that keeps it off the kink)
    dec_block_create(&blk, "dec.0", C, NH, H, 1, &rng);
    dec_block_params(&blk, &params);
    perturb(&params, &rng);
    dec_cache_alloc(&cache, B, TT, TS, C, NH, H);
    const int nt = B * TT * C, ns = B * TS * C;
    float *x = fzeros(nt), *mem = fzeros(ns), *y = fzeros(nt), *r = fzeros(nt), *d_x = fzeros(nt), *d_mem = fzeros(ns);
    fill_normal(x, nt, 1, &rng), fill_normal(mem, ns, 1, &rng), fill_normal(r, nt, 1, &rng);
    DecCtx ctx = {&blk, &cache, x, mem, y, r, tgt_len, src_len, p};
    tensorlist_zero_grad(&params);
    dec_loss(&ctx);
    dec_block_backward(&blk, &cache, d_x, d_mem, r, x, mem, B, TT, TS);
    for (int t = 0; t < params.count; t++) {
        Tensor *q = params.items[t];
        float *g = malloc(sizeof(float) * q->size);
        memcpy(g, q->grad, sizeof(float) * q->size);
        GradcheckResult gr = gradcheck_full(dec_loss, &ctx, q->data, g, q->size, 1e-2f, 1e-2);
        free(g);
        size_t len = strlen(q->name);
        if (len > 3 && !strcmp(q->name + len - 3, ".bk")) {
            // A key bias adds q.bk to every score of a query: softmax ignores such a shift,
            // so the true gradient is 0 and the central difference is float noise (1e-4
            // seen): check that the analytic one is (near) 0 and the noise small.
            cr_assert_lt(gr.max_abs_err, 1e-3, "%s (dropout %g): max abs error %g", q->name, p, gr.max_abs_err);
            continue;
        }
        cr_assert_lt(gr.max_rel_err, 1e-2, "%s (dropout %g): max relative error %g", q->name, p, gr.max_rel_err);
    }
    double ex = gradcheck(dec_loss, &ctx, x, d_x, nt);
    double em = gradcheck(dec_loss, &ctx, mem, d_mem, ns);
    cr_assert_lt(ex, 1e-2, "d_x (dropout %g): max relative error %g", p, ex);
    cr_assert_lt(em, 1e-2, "d_mem (dropout %g): max relative error %g", p, em);
    if (src_len)   // padded source positions are never looked at: no gradient
        for (int b = 0; b < B; b++)
            for (int i = src_len[b] * C; i < TS * C; i++) cr_assert_eq(d_mem[b * TS * C + i], 0.0f);
    free(x), free(mem), free(y), free(r), free(d_x), free(d_mem);
    tensorlist_free(&params);
    dec_cache_free(&cache);
    dec_block_free(&blk);
}

Test(ch06_decoder, backward_matches_finite_differences) { check_decoder(NULL, NULL, 0.0f); }
Test(ch06_decoder, backward_padded_with_dropout_matches_finite_differences) {
    int tgt_len[B] = {3, 2}, src_len[B] = {2, 4};
    check_decoder(tgt_len, src_len, 0.2f);
}

Test(ch06_decoder, output_ignores_future_targets) {
    // Position t of the decoder must not see target tokens after t (the causal mask),
    // or teacher forcing would let it copy the answer.
    Rng rng;
    rng_seed(&rng, 73);
    DecBlock blk;
    DecCache cache;
    dec_block_create(&blk, "dec.0", C, NH, H, 1, &rng);
    dec_cache_alloc(&cache, 1, TT, TS, C, NH, H);
    float x[TT * C], mem[TS * C], y1[TT * C], y2[TT * C];
    fill_normal(x, TT * C, 1, &rng), fill_normal(mem, TS * C, 1, &rng);
    dec_block_forward(&blk, &cache, y1, x, mem, NULL, NULL, 0.0f, NULL, 1, TT, TS);
    for (int i = 2 * C; i < TT * C; i++) x[i] += 3.0f;   // change the last target position
    dec_block_forward(&blk, &cache, y2, x, mem, NULL, NULL, 0.0f, NULL, 1, TT, TS);
    for (int i = 0; i < 2 * C; i++) cr_assert_eq(y1[i], y2[i], "position %d saw the future", i / C);
    dec_cache_free(&cache);
    dec_block_free(&blk);
}
