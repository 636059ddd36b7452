// tests/test_03_layers.c: chapter 03's layers and optimiser. The embedding lookup and
// its scatter-add backward (repeated ids accumulate), the masked mean and its backward
// (padding ignored, an all-PAD row gives 0 without dividing by zero), the whole model
// (embedding -> masked mean -> linear -> sigmoid + BCE) against central differences
// of an independent double-precision loss, and lazy Adam against chapter 02's Adam.
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "chapters/01_linear_regression/logreg.h"
#include "chapters/02_backprop/optim.h"
#include "chapters/03_imdb_sentiment/embedding.h"
#include "chapters/03_imdb_sentiment/lazy_adam.h"
#include "chapters/03_imdb_sentiment/model.h"
#include "common/gradcheck.h"
#include "common/mem.h"
#include "common/rng.h"

static void fill_normal(float *x, int n, float std, Rng *rng) {
    for (int i = 0; i < n; i++) x[i] = std * rng_normal(rng);
}

// ---- embedding --------------------------------------------------------------------------

Test(ch03_embedding, forward_copies_rows) {
    float table[6] = {1, 2, 3, 4, 5, 6};   // V = 3, D = 2
    int ids[4] = {2, 0, 2, 1};
    float out[8];
    embedding_forward(out, table, ids, 4, 2);
    float want[8] = {5, 6, 1, 2, 5, 6, 3, 4};
    for (int i = 0; i < 8; i++) cr_assert_eq(out[i], want[i]);
}

Test(ch03_embedding, backward_scatter_adds_and_repeated_ids_accumulate) {
    int ids[5] = {3, 1, 3, 3, 0};
    float d_out[10] = {1, 10, 2, 20, 3, 30, 4, 40, 5, 50}, d_table[8] = {0};   // V = 4, D = 2
    d_table[2] = 100;   // row 1 already holds a gradient: backward adds to it
    embedding_backward(d_table, d_out, ids, 5, 2);
    float want[8] = {5, 50, 100 + 2, 20, 0, 0, 1 + 3 + 4, 10 + 30 + 40};
    for (int i = 0; i < 8; i++) cr_assert_eq(d_table[i], want[i], "d_table[%d] = %g", i, (double)d_table[i]);
}

typedef struct {
    float *table, *out, *r;
    const int *ids;
    int N, V, D;
} EmbCtx;

static double emb_loss(void *p) {
    EmbCtx *c = p;
    embedding_forward(c->out, c->table, c->ids, c->N, c->D);
    return weighted_sum(c->out, c->r, (size_t)c->N * c->D);
}

Test(ch03_embedding, backward_matches_finite_differences) {
    enum { V = 6, D = 4, N = 9 };
    int ids[N] = {1, 4, 1, 0, 5, 4, 1, 2, 2};   // repeats; row 3 unused (gradient 0)
    Rng rng;
    rng_seed(&rng, 3);
    float table[V * D], out[N * D], r[N * D], d_table[V * D] = {0};
    fill_normal(table, V * D, 1.0f, &rng);
    fill_normal(r, N * D, 1.0f, &rng);
    embedding_backward(d_table, r, ids, N, D);   // d_out = r for L = sum out * r
    EmbCtx ctx = {table, out, r, ids, N, V, D};
    double err = gradcheck(emb_loss, &ctx, table, d_table, V * D);
    cr_assert_lt(err, 1e-3, "max relative error %g", err);
    for (int d = 0; d < D; d++) cr_assert_eq(d_table[3 * D + d], 0.0f, "an unused row gets no gradient");
}

// ---- masked mean --------------------------------------------------------------------------

Test(ch03_masked_mean, forward_by_hand_ignores_padding) {
    // B = 3 rows of T = 3 ids, D = 2; row 2 is all padding (an empty review)
    int ids[9] = {5, 7, 0, /**/ 4, 4, 4, /**/ 0, 0, 0};
    float x[18] = {1, 2, 3, 4, 100, 100, /**/ 1, 1, 2, 2, 3, 3, /**/ 9, 9, 9, 9, 9, 9};
    float out[6];
    masked_mean_forward(out, x, ids, 0, 3, 3, 2);
    float want[6] = {2, 3, 2, 2, 0, 0};   // (1+3)/2, (2+4)/2; (1+2+3)/3; all PAD -> 0
    for (int i = 0; i < 6; i++) cr_assert_float_eq(out[i], want[i], 1e-6, "out[%d] = %g", i, (double)out[i]);
    // pad_id -1 masks nothing: the plain mean over T, padding included
    masked_mean_forward(out, x, ids, -1, 3, 3, 2);
    cr_assert_float_eq(out[0], (1 + 3 + 100) / 3.0f, 1e-5);
    cr_assert_float_eq(out[4], 9.0f, 1e-6);
}

Test(ch03_masked_mean, more_padding_changes_nothing) {
    // the same review padded to 2 and to 6 positions gives the same vector; whatever
    // the PAD positions hold
    int ids_a[2] = {3, 8}, ids_b[6] = {3, 8, 0, 0, 0, 0};
    float x_a[6] = {1, -2, 0.5f, 4, 2, 2}, x_b[18], out_a[3], out_b[3];
    for (int i = 0; i < 18; i++) x_b[i] = 77.0f;   // garbage in the padding
    memcpy(x_b, x_a, sizeof x_a);
    masked_mean_forward(out_a, x_a, ids_a, 0, 1, 2, 3);
    masked_mean_forward(out_b, x_b, ids_b, 0, 1, 6, 3);
    for (int d = 0; d < 3; d++) cr_assert_eq(out_a[d], out_b[d]);
}

typedef struct {
    float *x, *out, *r;
    const int *ids;
    int pad, B, T, D;
} MeanCtx;

static double mean_loss(void *p) {
    MeanCtx *c = p;
    masked_mean_forward(c->out, c->x, c->ids, c->pad, c->B, c->T, c->D);
    return weighted_sum(c->out, c->r, (size_t)c->B * c->D);
}

static void check_mean_backward(int pad_id) {
    enum { B = 4, T = 5, D = 3 };
    int ids[B * T] = {2, 9, 4, 0, 0, /**/ 6, 6, 6, 6, 6, /**/ 0, 0, 0, 0, 0, /**/ 1, 0, 3, 0, 7};
    Rng rng;
    rng_seed(&rng, 11);
    float x[B * T * D], out[B * D], r[B * D], d_x[B * T * D];
    fill_normal(x, B * T * D, 1.0f, &rng);
    fill_normal(r, B * D, 1.0f, &rng);
    for (int i = 0; i < B * T * D; i++) d_x[i] = 0.5f;   // backward accumulates on top
    masked_mean_backward(d_x, r, ids, pad_id, B, T, D);
    for (int i = 0; i < B * T * D; i++) d_x[i] -= 0.5f;
    for (int i = 0; i < B * T * D; i++) cr_assert(isfinite(d_x[i]), "d_x[%d] = %g", i, (double)d_x[i]);
    MeanCtx ctx = {x, out, r, ids, pad_id, B, T, D};
    double err = gradcheck(mean_loss, &ctx, x, d_x, B * T * D);
    cr_assert_lt(err, 1e-3, "pad_id %d: max relative error %g", pad_id, err);
    if (pad_id == 0) {
        for (int t = 0; t < T; t++)   // the all-PAD row: no gradient, and no NaN from 0/0
            for (int d = 0; d < D; d++) cr_assert_eq(d_x[(2 * T + t) * D + d], 0.0f);
        cr_assert_float_eq(d_x[(0 * T + 1) * D + 2], r[0 * D + 2] / 3.0f, 1e-6, "row 0 has 3 real tokens");
    }
}

Test(ch03_masked_mean, backward_matches_finite_differences) { check_mean_backward(0); }
Test(ch03_masked_mean, backward_without_mask_matches_finite_differences) { check_mean_backward(-1); }

// ---- the whole model ------------------------------------------------------------------------

typedef struct {
    BagModel *m;
    const int *ids;
    const float *y;
    int B, T;
} ModelCtx;

// The loss written out again in double, independently of the layer code: per row the
// mean of its non-PAD embedding rows, z = w . h + b, BCE(z, y), averaged over rows.
static double model_loss(void *p) {
    ModelCtx *c = p;
    const BagModel *m = c->m;
    int D = m->dim;
    double total = 0;
    for (int b = 0; b < c->B; b++) {
        double h[16] = {0};
        int n = 0;
        for (int t = 0; t < c->T; t++) {
            int id = c->ids[b * c->T + t];
            if (id == VOCAB_PAD) continue;
            for (int d = 0; d < D; d++) h[d] += m->embedding.data[(size_t)id * D + d];
            n++;
        }
        double z = m->fc_b.data[0];
        for (int d = 0; d < D; d++) z += m->fc_w.data[d] * (n ? h[d] / n : 0.0);
        total += fmax(z, 0) - c->y[b] * z + log1p(exp(-fabs(z)));
    }
    return total / c->B;
}

Test(ch03_model, gradients_of_embedding_linear_sigmoid_bce_match_finite_differences) {
    enum { V = 7, BK = 5, D = 4, B = 3, T = 6 };
    Rng rng;
    rng_seed(&rng, 5);
    BagModel m;
    bagmodel_init(&m, V, BK, D, T, 0.5f, &rng);   // large init: gradients of order 0.1, not 1e-3
    // ids from the word rows and the bigram rows; repeats; PAD; row 2 empty
    int ids[B * T] = {2, 3, 3, 9, 0, 0, /**/ 1, 4, 5, 6, 11, 2, /**/ 0, 0, 0, 0, 0, 0};
    float y[B] = {1, 0, 1};
    BagWork w;
    bagwork_init(&w, &m, B, T, 1);
    bagmodel_forward(&m, &w, ids, B, T, VOCAB_PAD);
    ModelCtx ctx = {&m, ids, y, B, T};
    cr_assert_float_eq(bce_logits_forward(w.logits, y, B), model_loss(&ctx), 1e-5);
    memset(w.d_logits, 0, sizeof(float) * B);
    for (int b = 0; b < B; b++) {   // dL/dz = (sigmoid(z) - y) / B, README eq. (03.6)
        float p = 1.0f / (1.0f + expf(-w.logits[b]));
        w.d_logits[b] = (p - y[b]) / B;
    }
    tensorlist_zero_grad(&m.dense);
    bagmodel_backward(&m, &w, ids, B, T, VOCAB_PAD);
    double err_w = gradcheck(model_loss, &ctx, m.fc_w.data, m.fc_w.grad, D);
    double err_b = gradcheck(model_loss, &ctx, m.fc_b.data, m.fc_b.grad, 1);
    cr_assert_lt(err_w, 1e-3, "fc.weight: max relative error %g", err_w);
    cr_assert_lt(err_b, 1e-3, "fc.bias: max relative error %g", err_b);
    // the sparse embedding gradient, scattered into a dense (V+BK, D) one for the check
    float *dense = fzeros((size_t)(V + BK) * D);
    int seen_pad = 0;
    for (int k = 0; k < w.U; k++) {
        seen_pad |= w.rows[k] == VOCAB_PAD;
        for (int d = 0; d < D; d++) dense[(size_t)w.rows[k] * D + d] = w.d_rows[(size_t)k * D + d];
    }
    cr_assert_eq(w.U, 9, "distinct rows: 2, 3, 9, 0 (PAD), 1, 4, 5, 6, 11; got %d", w.U);
    cr_assert(seen_pad, "PAD is listed (with a zero gradient)");
    double err_e = gradcheck(model_loss, &ctx, m.embedding.data, dense, (size_t)(V + BK) * D);
    cr_assert_lt(err_e, 1e-3, "embedding: max relative error %g", err_e);
    for (int d = 0; d < D; d++) cr_assert_eq(dense[VOCAB_PAD * D + d], 0.0f, "PAD gets no gradient");
    // bagwork_clear_rows forgets the batch: the next backward starts from nothing
    bagwork_clear_rows(&w);
    cr_assert_eq(w.U, 0);
    for (size_t r = 0; r < w.table_rows; r++) cr_assert_eq(w.slot_of[r], -1);
    free(dense);
    bagwork_free(&w);
    bagmodel_free(&m);
}

// ---- lazy Adam ------------------------------------------------------------------------------

Test(ch03_lazy_adam, a_row_used_every_step_follows_chapter_02_adam) {
    enum { D = 5, STEPS = 4 };
    Rng rng;
    rng_seed(&rng, 9);
    Tensor t;
    tensor_alloc(&t, "row", 1, 1, D);
    float table[3 * D], g[STEPS][D];
    fill_normal(table, 3 * D, 1.0f, &rng);
    memcpy(t.data, table + 2 * D, sizeof(float) * D);   // dense Adam on a copy of row 2
    for (int s = 0; s < STEPS; s++) fill_normal(g[s], D, 1.0f, &rng);
    TensorList list = {0};
    tensorlist_add(&list, &t);
    Adam adam;
    adam_init(&adam, &list, 0.01f, 0.9f, 0.999f, 1e-8f, 0.0f);
    LazyAdam lazy;
    lazy_adam_init(&lazy, 3, D, 0.01f, 0.9f, 0.999f, 1e-8f);
    int rows[1] = {2};
    for (int s = 0; s < STEPS; s++) {
        memcpy(t.grad, g[s], sizeof(float) * D);
        adam_step(&adam, &list);
        lazy_adam_step(&lazy, table, rows, g[s], 1);
    }
    for (int d = 0; d < D; d++) cr_assert_float_eq(table[2 * D + d], t.data[d], 1e-6, "entry %d", d);
    adam_free(&adam);
    lazy_adam_free(&lazy);
    tensorlist_free(&list);
    tensor_free(&t);
}

Test(ch03_lazy_adam, untouched_rows_do_not_move_and_a_skipped_step_is_skipped) {
    enum { D = 2 };
    float table[3 * D] = {1, 2, 3, 4, 5, 6};
    LazyAdam opt;
    float lr = 0.1f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    lazy_adam_init(&opt, 3, D, lr, b1, b2, eps);
    int r0[1] = {0}, r1[1] = {1};
    float g1[D] = {1.0f, -2.0f}, g2[D] = {0.5f, 0.5f}, g3[D] = {-1.0f, 1.0f};
    lazy_adam_step(&opt, table, r0, g1, 1);   // step 1: row 0
    lazy_adam_step(&opt, table, r1, g2, 1);   // step 2: row 1 only
    lazy_adam_step(&opt, table, r0, g3, 1);   // step 3: row 0 again
    // row 2 never used: unchanged, its moments still 0
    cr_assert(table[4] == 5 && table[5] == 6 && opt.m[4] == 0 && opt.v[5] == 0);
    // row 0 by hand, in double: its moments saw g1 then g3 (step 2 skipped), bias
    // corrections with t = 1 and t = 3
    for (int d = 0; d < D; d++) {
        double w = d == 0 ? 1.0 : 2.0, m = 0, v = 0;   // row 0 started as {1, 2}
        double gs[2] = {g1[d], g3[d]};
        int ts[2] = {1, 3};
        for (int k = 0; k < 2; k++) {
            m = b1 * m + (1 - b1) * gs[k];
            v = b2 * v + (1 - b2) * gs[k] * gs[k];
            w -= lr * (m / (1 - pow(b1, ts[k]))) / (sqrt(v / (1 - pow(b2, ts[k]))) + eps);
        }
        cr_assert_float_eq(table[d], (float)w, 1e-5, "row 0 entry %d: %g, expected %g", d, (double)table[d], w);
    }
    cr_assert_eq(opt.t, 3);
    lazy_adam_free(&opt);
}
