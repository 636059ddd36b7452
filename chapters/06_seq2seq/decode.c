#include "chapters/06_seq2seq/decode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/layers.h"
#include "common/err.h"
#include "common/mem.h"

void greedy_decode(const S2SModel *m, S2SCache *c, const int *src, const int *src_len, int B, int Ts, int bos, int eos,
                   int max_len, int *out, int *out_len) {
    const int V = m->cfg.vocab;
    int *prefix = xmalloc(sizeof(int) * (size_t)B * max_len), *lens = xmalloc(sizeof(int) * (size_t)B);
    int *done = xcalloc((size_t)B, sizeof(int));
    s2s_encode(m, c, src, src_len, NULL, B, Ts);
    for (int b = 0; b < B; b++) out_len[b] = 0;
    for (size_t i = 0; i < (size_t)B * max_len; i++) out[i] = m->cfg.pad_id;
    for (int t = 0; t < max_len; t++) {
        // the prefixes BOS y_1 .. y_t as a (B, t+1) batch; finished rows just repeat
        for (int b = 0; b < B; b++) {
            int *row = prefix + (size_t)b * (t + 1);
            row[0] = bos;
            for (int j = 0; j < t; j++) row[j + 1] = out[(size_t)b * max_len + j];
            lens[b] = t + 1;
        }
        s2s_decode(m, c, prefix, lens, src_len, NULL, B, Ts, t + 1);
        int all_done = 1;
        for (int b = 0; b < B; b++) {
            if (done[b]) continue;
            const float *z = c->logits + ((size_t)b * (t + 1) + t) * V;   // position t predicts y_{t+1}
            int best = -1;   // BOS and PAD are never outputs (as in beam_decode)
            for (int v = 0; v < V; v++)
                if (v != bos && v != m->cfg.pad_id && (best < 0 || z[v] > z[best])) best = v;
            if (best == eos) {
                done[b] = 1;
                continue;
            }
            out[(size_t)b * max_len + t] = best;
            out_len[b] = t + 1;
            all_done = 0;
        }
        if (all_done) break;
    }
    free(prefix), free(lens), free(done);
}

typedef struct {
    float score;   // sum of log-probabilities
    int beam, token;
} Candidate;

// Best first; equal scores in (beam, token) order, so that the result does not depend
// on the platform's qsort (which is not stable).
static int by_score_desc(const void *a, const void *b) {
    const Candidate *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    if (x->beam != y->beam) return x->beam - y->beam;
    return x->token - y->token;
}

static float length_penalty(int n, float alpha) { return powf((5.0f + (float)n) / 6.0f, alpha); }

int beam_decode(const S2SModel *m, S2SCache *c, const int *src, int src_len, int Ts, int bos, int eos, int max_len,
                int K, float alpha, int *out, float *score) {
    const int V = m->cfg.vocab, C = m->cfg.C;
    if (K < 1 || K > c->B) DIE("beam_decode: %d beams, the cache holds %d", K, c->B);
    // encode once, then give every beam the same memory row
    s2s_encode(m, c, src, &src_len, NULL, 1, Ts);
    for (int k = 1; k < K; k++) memcpy(c->mem + (size_t)k * Ts * C, c->mem, sizeof(float) * (size_t)Ts * C);
    int *src_lens = xmalloc(sizeof(int) * (size_t)K), *lens = xmalloc(sizeof(int) * (size_t)K);
    int *tokens = xmalloc(sizeof(int) * (size_t)K * max_len), *next = xmalloc(sizeof(int) * (size_t)K * max_len);
    int *prefix = xmalloc(sizeof(int) * (size_t)K * (max_len + 1));
    float *beam_score = xmalloc(sizeof(float) * (size_t)K), *logp = xmalloc(sizeof(float) * (size_t)V);
    Candidate *cand = xmalloc(sizeof(Candidate) * (size_t)K * V);
    for (int k = 0; k < K; k++) src_lens[k] = src_len, beam_score[k] = k == 0 ? 0.0f : -INFINITY;
    // empty slots are decoded too (their scores are ignored): give them valid ids
    for (size_t i = 0; i < (size_t)K * max_len; i++) tokens[i] = next[i] = bos;
    int best_len = 0, alive = K;
    float best_norm = -INFINITY;
    for (int t = 0; t < max_len && alive > 0; t++) {
        for (int k = 0; k < K; k++) {
            int *row = prefix + (size_t)k * (t + 1);
            row[0] = bos;
            memcpy(row + 1, tokens + (size_t)k * max_len, sizeof(int) * (size_t)t);
            lens[k] = t + 1;
        }
        s2s_decode(m, c, prefix, lens, src_lens, NULL, K, Ts, t + 1);
        int n_cand = 0;
        for (int k = 0; k < K; k++) {
            if (!isfinite(beam_score[k])) continue;   // an empty slot (first step, or pruned)
            const float *z = c->logits + ((size_t)k * (t + 1) + t) * V;
            const float lse = (float)softmax_row(logp, z, V);   // chapter 02: log sum exp, stably
            for (int v = 0; v < V; v++) logp[v] = z[v] - lse;   // log-softmax
            for (int v = 0; v < V; v++) cand[n_cand++] = (Candidate){beam_score[k] + logp[v], k, v};
        }
        qsort(cand, (size_t)n_cand, sizeof(Candidate), by_score_desc);
        // the best candidates in order: an EOS finishes its output, anything else fills
        // one of the K slots of the next step
        int filled = 0;
        float next_score[64];
        if (K > 64) DIE("beam_decode: at most 64 beams");
        for (int i = 0; i < n_cand && filled < K; i++) {
            const Candidate *cd = &cand[i];
            if (cd->token == bos || cd->token == m->cfg.pad_id) continue;   // never valid outputs
            if (cd->token == eos || t == max_len - 1) {
                int n = cd->token == eos ? t : t + 1;   // output tokens, EOS not counted in out
                float norm = cd->score / length_penalty(n + 1, alpha);
                if (norm > best_norm) {
                    best_norm = norm, best_len = n;
                    memcpy(out, tokens + (size_t)cd->beam * max_len, sizeof(int) * (size_t)t);
                    if (cd->token != eos) out[t] = cd->token;
                }
                continue;
            }
            memcpy(next + (size_t)filled * max_len, tokens + (size_t)cd->beam * max_len, sizeof(int) * (size_t)t);
            next[(size_t)filled * max_len + t] = cd->token;
            next_score[filled++] = cd->score;
        }
        int *tmp = tokens;
        tokens = next, next = tmp;
        for (int k = 0; k < K; k++) beam_score[k] = k < filled ? next_score[k] : -INFINITY;
        alive = filled;
        // stop when no live beam can still beat the best finished output: a live score
        // only falls as tokens are added, and the penalty at most grows to max_len
        float best_alive = -INFINITY;
        for (int k = 0; k < filled; k++) best_alive = fmaxf(best_alive, next_score[k] / length_penalty(max_len + 1, alpha));
        if (best_alive < best_norm) break;
    }
    *score = best_norm;
    free(src_lens), free(lens), free(tokens), free(next), free(prefix), free(beam_score), free(logp), free(cand);
    return best_len;
}
