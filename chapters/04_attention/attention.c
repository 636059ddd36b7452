// attention.c: scaled dot-product attention forward/backward with padding and
// causal masks. The math is derived in chapters/04_attention/README.md.
#include "chapters/04_attention/attention.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "chapters/02_backprop/layers.h"
#include "common/err.h"
#include "common/matmul.h"
#include "common/mem.h"

int attention_visible_keys(int t, int T, int length, int causal) {
    int n = length < T ? length : T;
    if (causal && t + 1 < n) n = t + 1;
    return n < 0 ? 0 : n;
}

void attention_softmax_row(float *probs, const float *scores, int n_visible, int n) {
    // The visible keys get chapter 02's stable softmax: max subtraction (4.5), so that
    // exp(s - m) <= 1 never overflows and huge scores (a very confident model) stay
    // finite. Masked keys get exactly 0; a row with no visible key is all zeros.
    if (n_visible > 0) softmax_row(probs, scores, n_visible);
    for (int j = n_visible > 0 ? n_visible : 0; j < n; j++) probs[j] = 0.0f;
}

void attention_softmax_row_backward(float *d_scores, const float *probs, const float *d_probs, int n) {
    double dot = 0.0;   // sum_k d_p_k p_k, eq. (4.8)
    for (int k = 0; k < n; k++) dot += (double)d_probs[k] * probs[k];
    for (int j = 0; j < n; j++) d_scores[j] += probs[j] * (d_probs[j] - (float)dot);
}

void attention_forward_qk(float *out, float *probs, const float *q, const float *k, const float *v,
                          const int *lengths, int causal, float scale, int B, int NH, int Tq, int Tk, int hd) {
    // query t may see keys 0..t: that means something only when both index one sequence
    if (causal && Tq != Tk) DIE("attention: a causal mask needs as many queries as keys (%d vs %d)", Tq, Tk);
    size_t q_head = (size_t)Tq * hd, k_head = (size_t)Tk * hd, tt = (size_t)Tq * Tk;
    // every (sequence, head) pair is independent: one per thread at a time (each
    // product is too small to be worth splitting, see common/matmul.c)
#pragma omp parallel for schedule(static) if (B * NH > 1)
    for (int bhi = 0; bhi < B * NH; bhi++) {
        int b = bhi / NH, len = lengths ? lengths[b] : Tk;
        {
            size_t bh = (size_t)bhi;
            const float *qh = q + bh * q_head, *kh = k + bh * k_head, *vh = v + bh * k_head;
            float *p = probs + bh * tt, *o = out + bh * q_head;
            // S = scale * Q K^T (4.1), written into p, then turned into P in place.
            matmul(p, qh, kh, Tq, Tk, hd, 0, 1, 0.0f);
            for (size_t i = 0; i < tt; i++) p[i] *= scale;
            for (int t = 0; t < Tq; t++)
                attention_softmax_row(p + (size_t)t * Tk, p + (size_t)t * Tk,
                                      attention_visible_keys(t, Tk, len, causal), Tk);
            matmul(o, p, vh, Tq, hd, Tk, 0, 0, 0.0f);   // O = P V (4.3)
        }
    }
}

void attention_forward(float *out, float *probs, const float *q, const float *k, const float *v,
                       const int *lengths, int causal, float scale, int B, int NH, int T, int hd) {
    attention_forward_qk(out, probs, q, k, v, lengths, causal, scale, B, NH, T, T, hd);
}

void attention_backward_qk(float *d_q, float *d_k, float *d_v, float *scratch, const float *d_out,
                           const float *q, const float *k, const float *v, const float *probs, int B,
                           int NH, int Tq, int Tk, int hd, float scale) {
    size_t q_head = (size_t)Tq * hd, k_head = (size_t)Tk * hd, tt = (size_t)Tq * Tk;
    // in parallel over (sequence, head) pairs, as the forward pass; the first thread
    // uses the caller's scratch, the others their own
#pragma omp parallel if (B * NH > 1)
    {
    float *mine = scratch;
#ifdef _OPENMP
    if (omp_get_thread_num() > 0) mine = xmalloc(sizeof(float) * 2 * tt);
#endif
    float *d_p = mine, *d_s = mine + tt;
#pragma omp for schedule(static)
    for (long bhi = 0; bhi < (long)B * NH; bhi++) {
        size_t bh = (size_t)bhi;
        const float *qh = q + bh * q_head, *kh = k + bh * k_head, *vh = v + bh * k_head;
        const float *p = probs + bh * tt, *d_o = d_out + bh * q_head;
        if (d_v) matmul(d_v + bh * k_head, p, d_o, Tk, hd, Tq, 1, 0, 1.0f);   // d_V += P^T d_O (4.11)
        if (!d_q && !d_k) continue;
        matmul(d_p, d_o, vh, Tq, Tk, hd, 0, 1, 0.0f);                          // d_P = d_O V^T (4.6)
        for (size_t i = 0; i < tt; i++) d_s[i] = 0.0f;
        for (int t = 0; t < Tq; t++)
            attention_softmax_row_backward(d_s + (size_t)t * Tk, p + (size_t)t * Tk, d_p + (size_t)t * Tk, Tk);
        for (size_t i = 0; i < tt; i++) d_s[i] *= scale;   // S = scale Q K^T: the scale comes along
        if (d_q) matmul(d_q + bh * q_head, d_s, kh, Tq, hd, Tk, 0, 0, 1.0f);   // d_Q += d_S K (4.9)
        if (d_k) matmul(d_k + bh * k_head, d_s, qh, Tk, hd, Tq, 1, 0, 1.0f);   // d_K += d_S^T Q (4.10)
    }
    if (mine != scratch) free(mine);
    }
}

void attention_backward(float *d_q, float *d_k, float *d_v, float *scratch, const float *d_out,
                        const float *q, const float *k, const float *v, const float *probs, int B, int NH,
                        int T, int hd, float scale) {
    attention_backward_qk(d_q, d_k, d_v, scratch, d_out, q, k, v, probs, B, NH, T, T, hd, scale);
}

double attention_entropy(const float *probs, int n) {
    double h = 0.0;
    for (int j = 0; j < n; j++)
        if (probs[j] > 0.0f) h -= (double)probs[j] * log((double)probs[j]);
    return h;
}
