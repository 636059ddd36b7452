// tests/test_06_decode.c: the dates task and the decoders of chapter 06. The generator
// against known calendar facts and hand-written renderings; the split for leaks; greedy
// decoding against beam search with one beam; beam search against an exhaustive search
// over every output of a tiny vocabulary (it must find the best when it has room to);
// and a smoke test: a small model trained for a few hundred steps must learn most of
// the task.
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/optim.h"
#include "chapters/06_seq2seq/dates.h"
#include "chapters/06_seq2seq/decode.h"
#include "chapters/06_seq2seq/model.h"
#include "chapters/06_seq2seq/schedule.h"
#include "common/rng.h"

// ---- the task ------------------------------------------------------------------------------

Test(ch06_dates, calendar_and_renderings_by_hand) {
    cr_assert_eq(dates_weekday((Date){2021, 3, 3}), 3, "3 March 2021 was a Wednesday");
    cr_assert_eq(dates_weekday((Date){1900, 1, 1}), 1, "1 January 1900 was a Monday");
    cr_assert_eq(dates_weekday((Date){2000, 2, 29}), 2, "29 February 2000 was a Tuesday");
    char buf[64];
    Date d = {2021, 3, 3};
    const char *want[DATES_N_FORMATS] = {"3 March 2021",  "March 3, 2021",  "Mar 3 2021",          "3 Mar 2021",
                                         "Wednesday, March 3, 2021", "Wed 3 Mar 2021", "03.03.2021", "2021/03/03",
                                         "3rd of March, 2021", "march 3 2021", "3 MARCH 2021", "the 3rd of march 2021"};
    for (int f = 0; f < DATES_N_FORMATS; f++) {
        dates_render(buf, d, f);
        cr_assert_str_eq(buf, want[f], "format %d", f);
    }
    dates_render(buf, (Date){2011, 11, 12}, 8);
    cr_assert_str_eq(buf, "12th of November, 2011", "12th, not 12nd");
    dates_iso(buf, (Date){1907, 7, 2});
    cr_assert_str_eq(buf, "1907-07-02");
}

Test(ch06_dates, vocabulary_round_trip_and_unknowns) {
    const char *s = "Wed 3 Mar 2021/.,-";
    int ids[32];
    int n = dates_encode(ids, s, 32);
    cr_assert_eq(n, (int)strlen(s));
    for (int i = 0; i < n; i++) cr_assert_eq(dates_id_char(ids[i]), s[i]);
    cr_assert_eq(dates_char_id('#'), DATES_UNK);
    cr_assert_eq(dates_encode(ids, "a string far longer than thirty-two characters", 32), -1);
}

Test(ch06_dates, split_covers_every_date_once_and_batches_are_well_formed) {
    Rng rng;
    rng_seed(&rng, 1);
    DatesSplit s;
    dates_split(&s, &rng);
    cr_assert_eq(s.n_train + s.n_valid + s.n_test, 73049, "days from 1900-01-01 to 2099-12-31");
    // no test date in training: mark every date by its day number
    char *seen = calloc(200 * 12 * 31, 1);
    const Date *all = s.train;
    for (int i = 0; i < s.n_train + s.n_valid + s.n_test; i++) {
        int key = ((all[i].year - 1900) * 12 + all[i].month - 1) * 31 + all[i].day - 1;
        cr_assert_eq(seen[key]++, 0, "%04d-%02d-%02d appears twice", all[i].year, all[i].month, all[i].day);
    }
    free(seen);
    int src[4 * DATES_SRC_MAX], len[4], in[4 * DATES_TGT_LEN], out[4 * DATES_TGT_LEN], Ts;
    int formats[4] = {0, 4, 6, 11};
    dates_batch(s.test, formats, 4, NULL, src, len, &Ts, in, out);
    for (int b = 0; b < 4; b++) {
        cr_assert_eq(in[b * DATES_TGT_LEN], DATES_BOS);
        cr_assert_eq(out[b * DATES_TGT_LEN + 10], DATES_EOS);
        for (int t = 0; t < 10; t++) cr_assert_eq(in[b * DATES_TGT_LEN + t + 1], out[b * DATES_TGT_LEN + t], "shifted by one");
        for (int t = len[b]; t < Ts; t++) cr_assert_eq(src[b * Ts + t], DATES_PAD, "padding after the source");
    }
    dates_split_free(&s);
}

// ---- decoders on a tiny random model ---------------------------------------------------------

enum { V = 6, BOS = 1, EOS = 2, MAXLEN = 3 };

static void tiny_model(S2SModel *m, Rng *rng) {
    S2SConfig cfg = {.vocab = V, .C = 8, .NH = 2, .H = 16, .layers = 1, .max_len = 8, .use_gelu = 1, .tied = 0,
                     .learned_pos = 0, .dropout = 0, .label_smoothing = 0, .pad_id = 0};
    s2s_create(m, &cfg, rng);
    // Smaller weights: nearly flat next-token distributions. Greedy then takes whichever
    // token is slightly most likely and pays for more factors, while the output with the
    // highest log-probability (alpha = 0) is often a shorter one: a case where greedy
    // and the best output differ (with weights x1 or x3, greedy was optimal in all 30
    // trials, and the test would not show that beam search searches).
    for (int t = 0; t < m->params.count; t++)
        if (m->params.items[t]->ndim == 2)
            for (size_t i = 0; i < m->params.items[t]->size; i++) m->params.items[t]->data[i] *= 0.6f;
}

// log p(seq) under the model, seq of n tokens followed by EOS (n < MAXLEN), or n =
// MAXLEN tokens cut off without EOS (the decoders' forced end)
static double sequence_logp(const S2SModel *m, S2SCache *c, const int *src, int src_len, const int *seq, int n) {
    int prefix[MAXLEN + 1], len = n + 1 > MAXLEN ? MAXLEN : n + 1;
    prefix[0] = BOS;
    for (int i = 0; i < n && i + 1 < MAXLEN + 1; i++) prefix[i + 1] = seq[i];
    s2s_encode(m, c, src, &src_len, NULL, 1, 4);
    s2s_decode(m, c, prefix, &len, &src_len, NULL, 1, 4, len);
    double total = 0;
    for (int t = 0; t < len; t++) {
        const float *z = c->logits + (size_t)t * V;
        double mx = z[0], sum = 0;
        for (int v = 1; v < V; v++) mx = fmax(mx, z[v]);
        for (int v = 0; v < V; v++) sum += exp(z[v] - mx);
        int next = t < n ? seq[t] : EOS;
        total += z[next] - mx - log(sum);
    }
    return total;
}

Test(ch06_decode, greedy_equals_beam_of_one_without_length_penalty) {
    Rng rng;
    rng_seed(&rng, 91);
    S2SModel m;
    tiny_model(&m, &rng);
    S2SCache c;
    s2s_cache_alloc(&c, &m, 2, 4, MAXLEN);
    for (int trial = 0; trial < 10; trial++) {
        int src[4], src_len = 4, g[MAXLEN], b[MAXLEN], g_len;
        for (int i = 0; i < 4; i++) src[i] = 3 + rng_int(&rng, V - 3);
        greedy_decode(&m, &c, src, &src_len, 1, 4, BOS, EOS, MAXLEN, g, &g_len);
        float score;
        int b_len = beam_decode(&m, &c, src, src_len, 4, BOS, EOS, MAXLEN, 1, 0.0f, b, &score);
        cr_assert_eq(b_len, g_len, "trial %d: greedy length %d, beam-1 length %d", trial, g_len, b_len);
        for (int t = 0; t < g_len; t++) cr_assert_eq(b[t], g[t], "trial %d, token %d", trial, t);
    }
    s2s_cache_free(&c, &m);
    s2s_free(&m);
}

// The normalised score (6.15) of an output of n tokens: EOS counts, and an output cut
// off at MAXLEN counts MAXLEN + 1, as in beam_decode.
static double normalised(double logp, int n, float alpha) { return logp / pow((5.0 + (n + 1)) / 6.0, alpha); }

static void check_wide_beam(float alpha, int greedy_must_lose) {
    // Outputs use tokens 3..5 (BOS, EOS, PAD never appear inside); enumerate every
    // output of up to MAXLEN tokens and score it with (6.15).
    Rng rng;
    rng_seed(&rng, 92);
    S2SModel m;
    tiny_model(&m, &rng);
    S2SCache c, cb;
    s2s_cache_alloc(&c, &m, 1, 4, MAXLEN);
    s2s_cache_alloc(&cb, &m, 27, 4, MAXLEN);
    int beam_wins = 0;
    for (int trial = 0; trial < 30; trial++) {
        int src[4], src_len = 4;
        for (int i = 0; i < 4; i++) src[i] = 3 + rng_int(&rng, V - 3);
        double best = -INFINITY;
        int seq[MAXLEN];
        for (int n = 0; n <= MAXLEN; n++) {
            int combos = 1;
            for (int i = 0; i < n; i++) combos *= 3;
            for (int k = 0; k < combos; k++) {
                for (int i = 0, r = k; i < n; i++, r /= 3) seq[i] = 3 + r % 3;
                best = fmax(best, normalised(sequence_logp(&m, &c, src, src_len, seq, n), n, alpha));
            }
        }
        int out[MAXLEN];
        float score;
        beam_decode(&m, &cb, src, src_len, 4, BOS, EOS, MAXLEN, 27, alpha, out, &score);
        cr_assert(fabs(score - best) < 1e-4, "alpha %g, trial %d: beam found %.6f, the best output scores %.6f", alpha,
                  trial, score, best);
        // and greedy is not always that good (else this test would prove little)
        int g[MAXLEN], g_len;
        greedy_decode(&m, &c, src, &src_len, 1, 4, BOS, EOS, MAXLEN, g, &g_len);
        beam_wins += normalised(sequence_logp(&m, &c, src, src_len, g, g_len), g_len, alpha) < best - 1e-4;
    }
    if (greedy_must_lose)
        cr_assert_gt(beam_wins, 0, "alpha %g: greedy found the best output in every trial: the model is too peaked to tell",
                     alpha);
    s2s_cache_free(&c, &m), s2s_cache_free(&cb, &m);
    s2s_free(&m);
}

Test(ch06_decode, wide_beam_finds_the_exhaustive_best) { check_wide_beam(0.0f, 1); }
// the length penalty (6.15) and the stopping rule that relies on it; with alpha = 2 long
// outputs win so clearly that greedy finds them too
Test(ch06_decode, wide_beam_finds_the_exhaustive_best_with_a_length_penalty) { check_wide_beam(0.6f, 1); }
Test(ch06_decode, wide_beam_finds_the_exhaustive_best_with_a_strong_length_penalty) { check_wide_beam(2.0f, 0); }

// ---- smoke: a small model learns most of the task in a few seconds --------------------------

Test(ch06_train, small_model_learns_dates, .timeout = 120) {
    Rng rng;
    rng_seed(&rng, 3);
    DatesSplit split;
    dates_split(&split, &rng);
    S2SConfig cfg = {.vocab = dates_vocab_size(), .C = 32, .NH = 2, .H = 64, .layers = 1, .max_len = DATES_SRC_MAX,
                     .use_gelu = 1, .tied = 1, .learned_pos = 0, .dropout = 0, .label_smoothing = 0.1f,
                     .pad_id = DATES_PAD};
    S2SModel m;
    s2s_create(&m, &cfg, &rng);
    enum { BATCH = 32, STEPS = 300, N_EVAL = 100 };
    S2SCache c;
    s2s_cache_alloc(&c, &m, BATCH, DATES_SRC_MAX, DATES_TGT_LEN);
    Adam opt;
    adam_init(&opt, &m.params, 3e-3f, 0.9f, 0.98f, 1e-9f, 0);
    int src[BATCH * DATES_SRC_MAX], len[BATCH], in[BATCH * DATES_TGT_LEN], out[BATCH * DATES_TGT_LEN], Ts;
    Date batch[BATCH];
    float first = 0, last = 0;
    for (int step = 1; step <= STEPS; step++) {
        for (int i = 0; i < BATCH; i++) batch[i] = split.train[rng_int(&rng, split.n_train)];
        dates_batch(batch, NULL, BATCH, &rng, src, len, &Ts, in, out);
        opt.lr = lr_warmup_rsqrt(step, 50, 3e-3f);
        tensorlist_zero_grad(&m.params);
        float loss = s2s_forward_loss(&m, &c, src, len, in, out, NULL, NULL, BATCH, Ts, DATES_TGT_LEN);
        s2s_backward(&m, &c, src, in, out, BATCH, Ts, DATES_TGT_LEN);
        clip_grad_norm(&m.params, 1.0f);
        adam_step(&opt, &m.params);
        if (step == 1) first = loss;
        last = loss;
    }
    cr_assert_lt(last, 0.5f * first, "loss %g -> %g", first, last);
    // characters right on held-out dates, greedy
    int right = 0, total = 0, g[N_EVAL * DATES_TGT_LEN], g_len[N_EVAL];
    int esrc[N_EVAL * DATES_SRC_MAX], elen[N_EVAL], ein[N_EVAL * DATES_TGT_LEN], eout[N_EVAL * DATES_TGT_LEN];
    S2SCache ce;
    s2s_cache_alloc(&ce, &m, N_EVAL, DATES_SRC_MAX, DATES_TGT_LEN);
    dates_batch(split.test, split.test_format, N_EVAL, NULL, esrc, elen, &Ts, ein, eout);
    greedy_decode(&m, &ce, esrc, elen, N_EVAL, Ts, DATES_BOS, DATES_EOS, DATES_TGT_LEN, g, g_len);
    for (int b = 0; b < N_EVAL; b++)
        for (int t = 0; t < 10; t++) right += t < g_len[b] && g[b * DATES_TGT_LEN + t] == eout[b * DATES_TGT_LEN + t], total++;
    cr_assert_gt((float)right / total, 0.7f, "held-out character accuracy %g after %d steps", (float)right / total, STEPS);
    adam_free(&opt);
    s2s_cache_free(&c, &m), s2s_cache_free(&ce, &m);
    s2s_free(&m);
    dates_split_free(&split);
}
