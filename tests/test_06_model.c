// tests/test_06_model.c: the whole encoder-decoder of chapter 06 on a tiny
// configuration: every parameter tensor against central finite differences (tied and
// untied output, sinusoidal and learned positions, padded batches, label smoothing,
// dropout with fixed masks), a hand-checkable property of teacher forcing, and a
// checkpoint round trip through safetensors.
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chapters/06_seq2seq/model.h"
#include "common/gradcheck.h"
#include "common/safetensors.h"
#include "common/rng.h"

enum { B = 2, TS = 5, TT = 4, V = 9, PAD = 0 };   // max_len 6 leaves room for a spare position

// Two sequence pairs, the second padded on both sides.
static const int SRC[B * TS] = {3, 4, 5, 6, 7, 8, 3, 2, PAD, PAD};
static const int SRC_LEN[B] = {5, 3};
static const int TGT_IN[B * TT] = {1, 5, 6, 7, 1, 4, PAD, PAD};
static const int TGT_OUT[B * TT] = {5, 6, 7, 2, 4, 2, PAD, PAD};
static const int TGT_LEN[B] = {4, 2};

typedef struct {
    S2SModel *m;
    S2SCache *c;
} Ctx;

static double model_loss(void *v) {
    Ctx *x = v;
    Rng rng;
    rng_seed(&rng, 5);   // the same dropout masks at every evaluation
    return s2s_forward_loss(x->m, x->c, SRC, SRC_LEN, TGT_IN, TGT_OUT, TGT_LEN, x->m->cfg.dropout > 0 ? &rng : NULL, B,
                            TS, TT);
}

// spare: extra capacity in every dimension of the cache. Activations are laid out by
// the cache's capacity, not by the batch: a backward pass that assumed otherwise would
// still pass with a cache of exactly the batch's size, and fail here.
static void check_model(int tied, int learned_pos, int layers, float dropout, int spare) {
    S2SConfig cfg = {.vocab = V, .C = 8, .NH = 2, .H = 16, .layers = layers, .max_len = 6, .use_gelu = 1,
                     .tied = tied, .learned_pos = learned_pos, .dropout = dropout, .label_smoothing = 0.1f,
                     .pad_id = PAD};
    Rng rng;
    rng_seed(&rng, 81);
    S2SModel m;
    S2SCache cache;
    s2s_create(&m, &cfg, &rng);
    for (int t = 0; t < m.params.count; t++)   // gains, shifts, biases away from 1 and 0
        if (m.params.items[t]->ndim == 1)
            for (size_t i = 0; i < m.params.items[t]->size; i++) m.params.items[t]->data[i] += 0.2f * rng_normal(&rng);
    s2s_cache_alloc(&cache, &m, B + spare, TS + spare, TT + spare);
    Ctx ctx = {&m, &cache};
    tensorlist_zero_grad(&m.params);
    double loss = model_loss(&ctx);
    cr_assert(isfinite(loss) && loss > 0, "loss %g", loss);
    cr_assert_eq(cache.n_counted, 6, "%d target tokens counted, expected 4 + 2", cache.n_counted);
    s2s_backward(&m, &cache, SRC, TGT_IN, TGT_OUT, B, TS, TT);
    for (int t = 0; t < m.params.count; t++) {
        Tensor *p = m.params.items[t];
        float *g = malloc(sizeof(float) * p->size);
        memcpy(g, p->grad, sizeof(float) * p->size);
        double err = gradcheck(model_loss, &ctx, p->data, g, p->size);
        free(g);
        cr_assert_lt(err, 1e-2, "%s (tied %d, learned positions %d, %d layers, dropout %g, spare %d): max relative error %g",
                     p->name, tied, learned_pos, layers, dropout, spare, err);
    }
    s2s_cache_free(&cache, &m);
    s2s_free(&m);
}

Test(ch06_model, backward_tied_sinusoidal_matches_finite_differences) { check_model(1, 0, 2, 0.0f, 0); }
Test(ch06_model, backward_untied_learned_with_dropout_matches_finite_differences) { check_model(0, 1, 1, 0.2f, 0); }
Test(ch06_model, backward_with_a_cache_larger_than_the_batch_matches_finite_differences) { check_model(1, 0, 2, 0.1f, 1); }

Test(ch06_model, prediction_at_t_does_not_depend_on_later_targets) {
    // Teacher forcing feeds the whole target at once; the causal masks must keep the
    // logits of position t from seeing tokens t+1.. of tgt_in.
    S2SConfig cfg = {.vocab = V, .C = 8, .NH = 2, .H = 16, .layers = 2, .max_len = 6, .use_gelu = 1, .tied = 1,
                     .learned_pos = 0, .dropout = 0, .label_smoothing = 0, .pad_id = PAD};
    Rng rng;
    rng_seed(&rng, 82);
    S2SModel m;
    S2SCache cache;
    s2s_create(&m, &cfg, &rng);
    s2s_cache_alloc(&cache, &m, 1, TS, TT);
    int src[TS] = {3, 4, 5, 6, 7}, src_len = TS, tgt_a[TT] = {1, 5, 6, 7}, tgt_b[TT] = {1, 5, 8, 3}, tgt_len = TT;
    float first[2 * V];
    s2s_encode(&m, &cache, src, &src_len, NULL, 1, TS);
    s2s_decode(&m, &cache, tgt_a, &tgt_len, &src_len, NULL, 1, TS, TT);
    memcpy(first, cache.logits, sizeof first);   // positions 0 and 1
    s2s_decode(&m, &cache, tgt_b, &tgt_len, &src_len, NULL, 1, TS, TT);   // tokens 2, 3 changed
    for (int i = 0; i < 2 * V; i++) cr_assert_eq(cache.logits[i], first[i], "logit %d moved", i);
    s2s_cache_free(&cache, &m);
    s2s_free(&m);
}

Test(ch06_model, safetensors_round_trip_gives_the_same_logits) {
    S2SConfig cfg = {.vocab = V, .C = 8, .NH = 2, .H = 16, .layers = 1, .max_len = 6, .use_gelu = 1, .tied = 0,
                     .learned_pos = 1, .dropout = 0, .label_smoothing = 0, .pad_id = PAD};
    Rng rng;
    rng_seed(&rng, 83);
    S2SModel a, b;
    s2s_create(&a, &cfg, &rng);
    s2s_create(&b, &cfg, &rng);   // different random weights until loaded
    char path[] = "/tmp/ch06_roundtrip_XXXXXX", err[512];
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    cr_assert_eq(st_save(path, &a.params, NULL, err, sizeof err), 0, "%s", err);
    StFile f;
    cr_assert_eq(st_open(&f, path, err, sizeof err), 0, "%s", err);
    for (int t = 0; t < b.params.count; t++)
        cr_assert_eq(st_read_tensor(&f, b.params.items[t], err, sizeof err), 0, "%s", err);
    st_close(&f);
    remove(path);
    S2SCache ca, cb;
    s2s_cache_alloc(&ca, &a, B, TS, TT), s2s_cache_alloc(&cb, &b, B, TS, TT);
    s2s_forward_loss(&a, &ca, SRC, SRC_LEN, TGT_IN, TGT_OUT, TGT_LEN, NULL, B, TS, TT);
    s2s_forward_loss(&b, &cb, SRC, SRC_LEN, TGT_IN, TGT_OUT, TGT_LEN, NULL, B, TS, TT);
    for (int i = 0; i < B * TT * V; i++) cr_assert_eq(ca.logits[i], cb.logits[i], "logit %d differs after loading", i);
    s2s_cache_free(&ca, &a), s2s_cache_free(&cb, &b);
    s2s_free(&a), s2s_free(&b);
}
