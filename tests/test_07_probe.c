// tests/test_07_probe.c: chapter 07's probe of a trained encoder: the attention weight
// at each offset, on a hand-made attention pattern and on a real BERT whose heads
// cannot prefer any key; the cosine similarity of hidden states.
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "chapters/07_bert/bert.h"
#include "chapters/07_bert/probe.h"

Test(ch07_probe, offsets_of_a_previous_token_head_and_a_uniform_head) {
    enum { T = 4, NH = 2, R = 2 };
    float probs[NH][T][T] = {{{0}}};
    for (int t = 0; t < T; t++) {
        probs[0][t][t > 0 ? t - 1 : 0] = 1;   // head 0: the previous token (the first query: itself)
        for (int u = 0; u < T; u++) probs[1][t][u] = 0.25f;   // head 1: uniform
    }
    double sum[NH * (2 * R + 1)] = {0};
    long count[2 * R + 1] = {0};
    probe_offsets(sum, count, &probs[0][0][0], 1, NH, T, R);
    // queries with a key at d = -2..2: t = 2,3 | 1..3 | 0..3 | 0..2 | 0,1
    const long want_count[2 * R + 1] = {2, 3, 4, 3, 2};
    const double want_head0[2 * R + 1] = {0, 1, 0.25, 0, 0};
    for (int d = 0; d <= 2 * R; d++) {
        cr_assert_eq(count[d], want_count[d], "offset %d: %ld queries", d - R, count[d]);
        cr_assert_float_eq(sum[d] / (double)count[d], want_head0[d], 1e-12, "head 0, offset %d", d - R);
        cr_assert_float_eq(sum[(2 * R + 1) + d] / (double)count[d], 0.25, 1e-7, "head 1, offset %d", d - R);
    }
    double entropy[NH] = {0};
    probe_entropy(entropy, &probs[0][0][0], 1, NH, T);
    cr_assert_float_eq(entropy[0] / T, 0.0, 1e-12, "one key per row: no uncertainty");
    cr_assert_float_eq(entropy[1] / T, log(4.0), 1e-6, "even over 4 keys: ln 4");
}

Test(ch07_probe, cosine_of_pairs) {
    const float x[2][3][2] = {{{1, 0}, {2, 0}, {0, 1}},      // cosines 1, 0, 0
                              {{1, 1}, {-1, -1}, {0, 0}}};   // -1, and a zero vector counts 0
    long pairs = 0;
    double s = probe_cosine_sum(&x[0][0][0], 2, 3, 2, &pairs);
    cr_assert_eq(pairs, 6);
    cr_assert_float_eq(s, 0.0, 1e-12, "1 + 0 + 0 - 1 + 0 + 0 = %g", s);
    pairs = 0;
    s = probe_cosine_sum(&x[0][0][0], 1, 3, 2, &pairs);   // the first sequence alone
    cr_assert_float_eq(s, 1.0, 1e-12);
    cr_assert_eq(pairs, 3);
}

// With W_q = 0 and b_q = 0 every score is 0: each head spreads 1/T over the keys. The
// probe must read that off the real attention cache, with a batch smaller than the
// cache's capacity.
Test(ch07_probe, a_bert_with_blind_queries_attends_uniformly) {
    BertConfig cfg;
    cr_assert_eq(bert_config_named(&cfg, "tiny", 40), 0);
    cfg.dropout = 0;
    Rng rng;
    rng_seed(&rng, 5);
    Bert m;
    bert_create(&m, &cfg, &rng);
    for (int l = 0; l < cfg.layers; l++) memset(m.layer[l].attn.wq.data, 0, sizeof(float) * m.layer[l].attn.wq.size);
    enum { B = 2, T = 9, R = 2 };
    int ids[B * T];
    for (int i = 0; i < B * T; i++) ids[i] = 5 + (i * 7) % 35;
    BertCache c;
    bert_cache_alloc(&c, &m, 4, 16, 1);
    bert_encode(&m, &c, ids, NULL, NULL, NULL, B, T);
    for (int l = 0; l < cfg.layers; l++) {
        double sum[8 * (2 * R + 1)] = {0};
        long count[2 * R + 1] = {0};
        probe_offsets(sum, count, c.layer[l].attn.probs, B, cfg.heads, T, R);
        for (int h = 0; h < cfg.heads; h++)
            for (int d = 0; d <= 2 * R; d++)
                cr_assert_float_eq(sum[h * (2 * R + 1) + d] / (double)count[d], 1.0 / T, 1e-6, "layer %d head %d offset %d",
                                   l, h, d - R);
    }
    double entropy[8] = {0};
    probe_entropy(entropy, c.layer[0].attn.probs, B, cfg.heads, T);
    for (int h = 0; h < cfg.heads; h++) cr_assert_float_eq(entropy[h] / (B * T), log((double)T), 1e-5, "head %d", h);
    long pairs = 0;
    double cs = probe_cosine_sum(bert_hidden(&c, &m), B, T, cfg.hidden, &pairs);
    cr_assert(cs / (double)pairs > -1 && cs / (double)pairs < 1, "a mean cosine in (-1, 1): %g", cs / (double)pairs);
    bert_cache_free(&c, &m), bert_free(&m);
}
