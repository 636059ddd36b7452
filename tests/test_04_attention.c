// tests/test_04_attention.c: chapter 04's attention and multi-head attention.
// A hand-computed tiny case, the masks (causal, padding, all-masked rows), softmax
// stability, split/merge of heads, and every backward pass against central finite
// differences (common/gradcheck.h, bound 1e-2 as documented there).
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "chapters/04_attention/attention.h"
#include "chapters/04_attention/mha.h"
#include "common/gradcheck.h"
#include "common/mem.h"
#include "common/rng.h"

static void fill_normal(float *x, size_t n, float std, Rng *rng) {
    for (size_t i = 0; i < n; i++) x[i] = std * rng_normal(rng);
}

// ---- the tiny case by hand ------------------------------------------------------------------

// T = 2 positions, d = 2, scale 1/sqrt(2):
//   q = [[1, 0], [0, 0]],  k = [[sqrt2, 0], [0, sqrt2]],  v = [[1, 2], [3, 4]]
//   S = Q K^T / sqrt2 = [[1, 0], [0, 0]]
//   row 0: p = (e, 1)/(e + 1) = (0.7310586, 0.2689414); row 1: p = (0.5, 0.5)
//   out row 0 = 0.7310586 (1,2) + 0.2689414 (3,4) = (1.5378828, 2.5378828); row 1 = (2, 3)
// causal: row 0 sees only key 0: p = (1, 0), out = (1, 2); row 1 unchanged.
// lengths = {1}: both rows see only key 0: out = (1, 2) twice.
static const float hq[4] = {1, 0, 0, 0}, hv[4] = {1, 2, 3, 4};

static void hand_k(float *k) {
    k[0] = sqrtf(2.0f), k[1] = 0, k[2] = 0, k[3] = sqrtf(2.0f);
}

Test(ch04_attention, tiny_case_by_hand) {
    float k[4], out[4], p[4];
    hand_k(k);
    attention_forward(out, p, hq, k, hv, NULL, 0, 1.0f / sqrtf(2.0f), 1, 1, 2, 2);
    float want_p[4] = {0.7310586f, 0.2689414f, 0.5f, 0.5f}, want[4] = {1.5378828f, 2.5378828f, 2, 3};
    for (int i = 0; i < 4; i++) {
        cr_assert_float_eq(p[i], want_p[i], 1e-6, "p[%d] = %.7f, expected %.7f", i, p[i], want_p[i]);
        cr_assert_float_eq(out[i], want[i], 1e-6, "out[%d] = %.7f, expected %.7f", i, out[i], want[i]);
    }
}

Test(ch04_attention, tiny_case_with_masks_by_hand) {
    float k[4], out[4], p[4];
    hand_k(k);
    attention_forward(out, p, hq, k, hv, NULL, 1, 1.0f / sqrtf(2.0f), 1, 1, 2, 2);
    float want_causal[4] = {1, 2, 2, 3};
    for (int i = 0; i < 4; i++) cr_assert_float_eq(out[i], want_causal[i], 1e-6, "causal out[%d] = %g", i, out[i]);
    cr_assert_eq(p[1], 0.0f, "a masked probability must be exactly 0, got %g", p[1]);
    int len[1] = {1};
    attention_forward(out, p, hq, k, hv, len, 0, 1.0f / sqrtf(2.0f), 1, 1, 2, 2);
    float want_pad[4] = {1, 2, 1, 2};
    for (int i = 0; i < 4; i++) cr_assert_float_eq(out[i], want_pad[i], 1e-6, "padded out[%d] = %g", i, out[i]);
    cr_assert_eq(p[1], 0.0f);
    cr_assert_eq(p[3], 0.0f);
}

Test(ch04_attention, visible_keys) {
    cr_assert_eq(attention_visible_keys(0, 5, 5, 0), 5);
    cr_assert_eq(attention_visible_keys(0, 5, 5, 1), 1);
    cr_assert_eq(attention_visible_keys(3, 5, 2, 1), 2);   // padding wins over causal
    cr_assert_eq(attention_visible_keys(1, 5, 4, 1), 2);
    cr_assert_eq(attention_visible_keys(2, 5, 0, 0), 0);
}

// ---- softmax: stability and masking ---------------------------------------------------------

Test(ch04_attention, softmax_huge_scores_no_nan) {
    float s[4] = {1e30f, 1e30f - 1e24f, -1e30f, 5000.0f}, p[4];
    attention_softmax_row(p, s, 4, 4);
    double sum = 0;
    for (int j = 0; j < 4; j++) {
        cr_assert(isfinite(p[j]), "p[%d] = %g", j, p[j]);
        sum += p[j];
    }
    cr_assert_float_eq(sum, 1.0, 1e-6);
    // The same through attention: q and k of size 1e4 give scores of about 1e8.
    enum { T = 6, D = 4 };
    Rng rng;
    rng_seed(&rng, 3);
    float q[T * D], k[T * D], v[T * D], out[T * D], probs[T * T];
    fill_normal(q, T * D, 1e4f, &rng), fill_normal(k, T * D, 1e4f, &rng), fill_normal(v, T * D, 1, &rng);
    attention_forward(out, probs, q, k, v, NULL, 1, 0.5f, 1, 1, T, D);
    for (int i = 0; i < T * D; i++) cr_assert(isfinite(out[i]), "out[%d] = %g", i, out[i]);
}

Test(ch04_attention, all_masked_row_is_zero_not_nan) {
    enum { T = 3, D = 2 };
    float q[T * D] = {1, 2, 3, 4, 5, 6}, k[T * D] = {1, 0, 0, 1, 1, 1}, v[T * D] = {1, 1, 1, 1, 1, 1};
    float out[T * D], probs[T * T], d_q[T * D] = {0}, d_k[T * D] = {0}, d_v[T * D] = {0}, d_out[T * D];
    float scratch[2 * T * T];
    for (int i = 0; i < T * D; i++) d_out[i] = 1.0f;
    int len[1] = {0};
    attention_forward(out, probs, q, k, v, len, 1, 1.0f, 1, 1, T, D);
    for (int i = 0; i < T * T; i++) cr_assert_eq(probs[i], 0.0f, "probs[%d] = %g", i, probs[i]);
    for (int i = 0; i < T * D; i++) cr_assert_eq(out[i], 0.0f, "out[%d] = %g", i, out[i]);
    attention_backward(d_q, d_k, d_v, scratch, d_out, q, k, v, probs, 1, 1, T, D, 1.0f);
    for (int i = 0; i < T * D; i++)
        cr_assert(d_q[i] == 0.0f && d_k[i] == 0.0f && d_v[i] == 0.0f, "gradient %d not zero", i);
}

Test(ch04_attention, entropy_of_uniform_is_log_n) {
    float p[4] = {0.25f, 0.25f, 0.25f, 0.25f}, one[3] = {1, 0, 0};
    cr_assert_float_eq(attention_entropy(p, 4), log(4.0), 1e-6);
    cr_assert_float_eq(attention_entropy(one, 3), 0.0, 1e-12);
}

// ---- backward passes against finite differences --------------------------------------------

typedef struct {
    const float *s, *r;
    float *p;
    int n, n_visible;
} SoftmaxCtx;

static double softmax_loss(void *vctx) {
    SoftmaxCtx *c = vctx;
    attention_softmax_row(c->p, c->s, c->n_visible, c->n);
    return weighted_sum(c->p, c->r, (size_t)c->n);
}

Test(ch04_attention, softmax_row_backward_matches_finite_differences) {
    enum { N = 7 };
    Rng rng;
    rng_seed(&rng, 5);
    float s[N], r[N], p[N], d_s[N];
    fill_normal(s, N, 1, &rng), fill_normal(r, N, 1, &rng);
    for (int n_visible = 4; n_visible <= N; n_visible += 3) {
        attention_softmax_row(p, s, n_visible, N);
        memset(d_s, 0, sizeof d_s);
        attention_softmax_row_backward(d_s, p, r, N);
        SoftmaxCtx ctx = {s, r, p, N, n_visible};
        double err = gradcheck(softmax_loss, &ctx, s, d_s, N);
        cr_assert_lt(err, 1e-2, "n_visible %d: max relative error %g", n_visible, err);
        for (int j = n_visible; j < N; j++) cr_assert_eq(d_s[j], 0.0f, "masked score %d got gradient %g", j, d_s[j]);
    }
}

typedef struct {
    float *q, *k, *v, *out, *probs;
    const float *r;
    const int *lengths;
    int causal, B, NH, T, hd;
    float scale;
} AttnCtx;

static double attn_loss(void *vctx) {
    AttnCtx *c = vctx;
    attention_forward(c->out, c->probs, c->q, c->k, c->v, c->lengths, c->causal, c->scale, c->B, c->NH, c->T, c->hd);
    return weighted_sum(c->out, c->r, (size_t)c->B * c->NH * c->T * c->hd);
}

static void check_attention_grads(const int *lengths, int causal) {
    enum { B = 2, NH = 2, T = 5, HD = 3, N = B * NH * T * HD };
    Rng rng;
    rng_seed(&rng, 11 + causal);
    float *q = fzeros(N), *k = fzeros(N), *v = fzeros(N), *out = fzeros(N), *r = fzeros(N);
    float *probs = fzeros(B * NH * T * T), *scratch = fzeros(2 * T * T);
    float *d_q = fzeros(N), *d_k = fzeros(N), *d_v = fzeros(N);
    fill_normal(q, N, 1, &rng), fill_normal(k, N, 1, &rng), fill_normal(v, N, 1, &rng), fill_normal(r, N, 1, &rng);
    float scale = 1.0f / sqrtf((float)HD);
    AttnCtx ctx = {q, k, v, out, probs, r, lengths, causal, B, NH, T, HD, scale};
    attn_loss(&ctx);
    attention_backward(d_q, d_k, d_v, scratch, r, q, k, v, probs, B, NH, T, HD, scale);
    double eq = gradcheck(attn_loss, &ctx, q, d_q, N), ek = gradcheck(attn_loss, &ctx, k, d_k, N),
           ev = gradcheck(attn_loss, &ctx, v, d_v, N);
    cr_assert_lt(eq, 1e-2, "d_q: max relative error %g (causal %d)", eq, causal);
    cr_assert_lt(ek, 1e-2, "d_k: max relative error %g (causal %d)", ek, causal);
    cr_assert_lt(ev, 1e-2, "d_v: max relative error %g (causal %d)", ev, causal);
    free(q), free(k), free(v), free(out), free(r), free(probs), free(scratch), free(d_q), free(d_k), free(d_v);
}

Test(ch04_attention, backward_no_mask_matches_finite_differences) { check_attention_grads(NULL, 0); }
Test(ch04_attention, backward_causal_matches_finite_differences) { check_attention_grads(NULL, 1); }
Test(ch04_attention, backward_padding_matches_finite_differences) {
    int lengths[2] = {5, 2};
    check_attention_grads(lengths, 0);
}
Test(ch04_attention, backward_padding_and_causal_matches_finite_differences) {
    int lengths[2] = {3, 5};
    check_attention_grads(lengths, 1);
}

Test(ch04_attention, backward_accumulates) {
    enum { T = 3, D = 2, N = T * D };
    Rng rng;
    rng_seed(&rng, 2);
    float q[N], k[N], v[N], out[N], probs[T * T], scratch[2 * T * T], d_out[N], d_q[N], d_q2[N];
    fill_normal(q, N, 1, &rng), fill_normal(k, N, 1, &rng), fill_normal(v, N, 1, &rng), fill_normal(d_out, N, 1, &rng);
    attention_forward(out, probs, q, k, v, NULL, 0, 0.7f, 1, 1, T, D);
    memset(d_q, 0, sizeof d_q);
    attention_backward(d_q, NULL, NULL, scratch, d_out, q, k, v, probs, 1, 1, T, D, 0.7f);
    memcpy(d_q2, d_q, sizeof d_q);
    attention_backward(d_q2, NULL, NULL, scratch, d_out, q, k, v, probs, 1, 1, T, D, 0.7f);
    for (int i = 0; i < N; i++) cr_assert_float_eq(d_q2[i], 2 * d_q[i], 1e-6, "d_q[%d] not accumulated", i);
}

// ---- multi-head attention -------------------------------------------------------------------

Test(ch04_mha, split_and_merge_heads) {
    // B=1, T=2, NH=2, hd=2: x rows (0 1 | 2 3) and (4 5 | 6 7) -> head 0 = [[0,1],[4,5]], head 1 = [[2,3],[6,7]]
    float x[8] = {0, 1, 2, 3, 4, 5, 6, 7}, h[8], back[8];
    mha_split_heads(h, x, 1, 2, 2, 2);
    float want[8] = {0, 1, 4, 5, 2, 3, 6, 7};
    for (int i = 0; i < 8; i++) cr_assert_eq(h[i], want[i], "split[%d] = %g, expected %g", i, h[i], want[i]);
    mha_merge_heads(back, h, 1, 2, 2, 2);
    for (int i = 0; i < 8; i++) cr_assert_eq(back[i], x[i], "merge(split(x)) != x at %d", i);
}

typedef struct {
    Mha *m;
    MhaCache *c;
    float *x, *out;
    const float *r;
    const int *lengths;
    int causal, B, T;
} MhaCtx;

static double mha_loss(void *vctx) {
    MhaCtx *c = vctx;
    mha_forward(c->m, c->c, c->out, c->x, c->lengths, c->causal, c->B, c->T);
    return weighted_sum(c->out, c->r, (size_t)c->B * c->T * c->m->C);
}

static void check_mha_grads(const int *lengths, int causal) {
    enum { B = 2, T = 4, C = 8, NH = 2, N = B * T * C };
    Rng rng;
    rng_seed(&rng, 21 + causal);
    Mha m;
    MhaCache cache;
    mha_create(&m, "attn", C, NH, &rng);
    mha_cache_alloc(&cache, B, T, C, NH);
    Tensor *ps[8] = {&m.wq, &m.wk, &m.wv, &m.wo, &m.bq, &m.bk, &m.bv, &m.bo};
    for (int i = 4; i < 8; i++) fill_normal(ps[i]->data, ps[i]->size, 0.3f, &rng);   // nonzero biases
    float *x = fzeros(N), *out = fzeros(N), *r = fzeros(N), *d_x = fzeros(N);
    fill_normal(x, N, 1, &rng), fill_normal(r, N, 1, &rng);
    MhaCtx ctx = {&m, &cache, x, out, r, lengths, causal, B, T};
    mha_loss(&ctx);
    mha_backward(&m, &cache, d_x, r, x, B, T);
    for (int i = 0; i < 8; i++) {
        double err = gradcheck(mha_loss, &ctx, ps[i]->data, ps[i]->grad, ps[i]->size);
        cr_assert_lt(err, 1e-2, "%s: max relative error %g (causal %d)", ps[i]->name, err, causal);
    }
    double err = gradcheck(mha_loss, &ctx, x, d_x, N);
    cr_assert_lt(err, 1e-2, "d_x: max relative error %g (causal %d)", err, causal);
    free(x), free(out), free(r), free(d_x);
    mha_cache_free(&cache);
    mha_free(&m);
}

Test(ch04_mha, backward_matches_finite_differences) { check_mha_grads(NULL, 0); }
Test(ch04_mha, backward_causal_padded_matches_finite_differences) {
    int lengths[2] = {4, 3};
    check_mha_grads(lengths, 1);
}

// Runs MHA on x, changes x at positions >= from in sequence 0, runs again, and returns
// the largest change of the outputs at positions < from.
static float change_before(const int *lengths, int causal, int from) {
    enum { B = 1, T = 6, C = 8, NH = 2, N = B * T * C };
    Rng rng;
    rng_seed(&rng, 7);
    Mha m;
    MhaCache cache;
    mha_create(&m, "attn", C, NH, &rng);
    mha_cache_alloc(&cache, B, T, C, NH);
    float x[N], out1[N], out2[N];
    fill_normal(x, N, 1, &rng);
    mha_forward(&m, &cache, out1, x, lengths, causal, B, T);
    for (int i = from * C; i < N; i++) x[i] += 5.0f * rng_normal(&rng);
    mha_forward(&m, &cache, out2, x, lengths, causal, B, T);
    float worst = 0;
    for (int i = 0; i < from * C; i++) worst = fmaxf(worst, fabsf(out1[i] - out2[i]));
    mha_cache_free(&cache);
    mha_free(&m);
    return worst;
}

Test(ch04_mha, causal_output_ignores_the_future) {
    for (int t = 1; t < 6; t++) {
        float d = change_before(NULL, 1, t);
        cr_assert_lt(d, 1e-6, "changing inputs from position %d moved earlier outputs by %g", t, d);
    }
    // And the test can fail: without the mask the past sees the future.
    cr_assert_gt(change_before(NULL, 0, 3), 1e-3);
}

Test(ch04_mha, padding_does_not_leak_into_valid_positions) {
    int len[1] = {4};
    float d = change_before(len, 0, 4);
    cr_assert_lt(d, 1e-6, "changing padded positions moved valid outputs by %g", d);
    cr_assert_gt(change_before(NULL, 0, 4), 1e-3, "without the mask padding must leak");
}

// ---- cross-attention: Tq queries over Tk keys (chapter 06's decoder) ----------------------

Test(ch04_attention, cross_one_query_two_keys_by_hand) {
    // One query q = (1, 0) over keys k1 = (1, 0), k2 = (0, 1), scale 1: scores 1 and 0,
    // p = (e/(e+1), 1/(e+1)) = (0.7310586, 0.2689414); values 10 and 20 -> 12.689414.
    float q[2] = {1, 0}, k[4] = {1, 0, 0, 1}, v[2] = {10, 20}, out[1], p[2];
    attention_forward_qk(out, p, q, k, v, NULL, 0, 1.0f, 1, 1, 1, 2, 1);
    cr_assert_float_eq(p[0], 0.7310586f, 1e-6);
    cr_assert_float_eq(out[0], 12.689414f, 1e-4);
    int len = 1;   // the second key is padding: all weight on the first
    attention_forward_qk(out, p, q, k, v, &len, 0, 1.0f, 1, 1, 1, 2, 1);
    cr_assert(p[0] == 1.0f && p[1] == 0.0f && out[0] == 10.0f, "p = (%g, %g), out %g", p[0], p[1], out[0]);
}

typedef struct {
    Mha *m;
    MhaCache *c;
    float *x, *mem, *out;
    const float *r;
    const int *mem_lengths;
    int B, Tq, Tk;
} CrossCtx;

static double cross_loss(void *vctx) {
    CrossCtx *c = vctx;
    mha_forward_cross(c->m, c->c, c->out, c->x, c->mem, c->mem_lengths, c->B, c->Tq, c->Tk);
    return weighted_sum(c->out, c->r, (size_t)c->B * c->Tq * c->m->C);
}

static void check_cross_grads(const int *mem_lengths) {
    enum { B = 2, TQ = 3, TK = 5, C = 8, NH = 2, NQ = B * TQ * C, NK = B * TK * C };
    Rng rng;
    rng_seed(&rng, 31);
    Mha m;
    MhaCache cache;
    mha_create(&m, "cross", C, NH, &rng);
    mha_cache_alloc_qk(&cache, B, TQ, TK, C, NH);
    Tensor *ps[8] = {&m.wq, &m.wk, &m.wv, &m.wo, &m.bq, &m.bk, &m.bv, &m.bo};
    for (int i = 4; i < 8; i++) fill_normal(ps[i]->data, ps[i]->size, 0.3f, &rng);
    float *x = fzeros(NQ), *mem = fzeros(NK), *out = fzeros(NQ), *r = fzeros(NQ), *d_x = fzeros(NQ), *d_mem = fzeros(NK);
    fill_normal(x, NQ, 1, &rng), fill_normal(mem, NK, 1, &rng), fill_normal(r, NQ, 1, &rng);
    CrossCtx ctx = {&m, &cache, x, mem, out, r, mem_lengths, B, TQ, TK};
    cross_loss(&ctx);
    mha_backward_cross(&m, &cache, d_x, d_mem, r, x, mem, B, TQ, TK);
    for (int i = 0; i < 8; i++) {
        double err = gradcheck(cross_loss, &ctx, ps[i]->data, ps[i]->grad, ps[i]->size);
        cr_assert_lt(err, 1e-2, "%s: max relative error %g", ps[i]->name, err);
    }
    double ex = gradcheck(cross_loss, &ctx, x, d_x, NQ), em = gradcheck(cross_loss, &ctx, mem, d_mem, NK);
    cr_assert_lt(ex, 1e-2, "d_x: max relative error %g", ex);
    cr_assert_lt(em, 1e-2, "d_mem: max relative error %g", em);
    if (mem_lengths)   // padded memory positions get no gradient at all
        for (int b = 0; b < B; b++)
            for (int i = mem_lengths[b] * C; i < TK * C; i++)
                cr_assert_eq(d_mem[b * TK * C + i], 0.0f, "padding of sequence %d got gradient", b);
    free(x), free(mem), free(out), free(r), free(d_x), free(d_mem);
    mha_cache_free(&cache);
    mha_free(&m);
}

Test(ch04_mha, cross_backward_matches_finite_differences) { check_cross_grads(NULL); }
Test(ch04_mha, cross_backward_padded_memory_matches_finite_differences) {
    int mem_lengths[2] = {5, 2};
    check_cross_grads(mem_lengths);
}

Test(ch04_mha, cross_with_x_as_memory_is_self_attention) {
    // mha_forward_cross(x, x) must equal mha_forward(x): one implementation, two views.
    enum { B = 2, T = 4, C = 8, NH = 2, N = B * T * C };
    Rng rng;
    rng_seed(&rng, 32);
    Mha m;
    MhaCache cache;
    mha_create(&m, "attn", C, NH, &rng);
    mha_cache_alloc(&cache, B, T, C, NH);
    float x[N], a[N], b[N];
    fill_normal(x, N, 1, &rng);
    int lengths[B] = {4, 2};
    mha_forward(&m, &cache, a, x, lengths, 0, B, T);
    mha_forward_cross(&m, &cache, b, x, x, lengths, B, T, T);
    for (int i = 0; i < N; i++) cr_assert_eq(a[i], b[i], "out[%d]: self %g, cross %g", i, a[i], b[i]);
    mha_cache_free(&cache);
    mha_free(&m);
}
