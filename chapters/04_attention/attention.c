// attention.c: scaled dot-product attention forward/backward with padding and
// causal masks. The math is derived in chapters/04_attention/README.md.
#include "chapters/04_attention/attention.h"

#include <math.h>
#include <stddef.h>

#include "chapters/02_backprop/layers.h"
#include "common/matmul.h"

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

void attention_forward(float *out, float *probs, const float *q, const float *k, const float *v,
                       const int *lengths, int causal, float scale, int B, int NH, int T, int hd) {
    size_t head = (size_t)T * hd, tt = (size_t)T * T;
    for (int b = 0; b < B; b++) {
        int len = lengths ? lengths[b] : T;
        for (int h = 0; h < NH; h++) {
            size_t bh = (size_t)b * NH + h;
            const float *qh = q + bh * head, *kh = k + bh * head, *vh = v + bh * head;
            float *p = probs + bh * tt, *o = out + bh * head;
            // S = scale * Q K^T (4.1), written into p, then turned into P in place.
            matmul(p, qh, kh, T, T, hd, 0, 1, 0.0f);
            for (size_t i = 0; i < tt; i++) p[i] *= scale;
            for (int t = 0; t < T; t++)
                attention_softmax_row(p + (size_t)t * T, p + (size_t)t * T,
                                      attention_visible_keys(t, T, len, causal), T);
            matmul(o, p, vh, T, hd, T, 0, 0, 0.0f);   // O = P V (4.3)
        }
    }
}

void attention_backward(float *d_q, float *d_k, float *d_v, float *scratch, const float *d_out,
                        const float *q, const float *k, const float *v, const float *probs, int B, int NH,
                        int T, int hd, float scale) {
    size_t head = (size_t)T * hd, tt = (size_t)T * T;
    float *d_p = scratch, *d_s = scratch + tt;
    for (size_t bh = 0; bh < (size_t)B * NH; bh++) {
        const float *qh = q + bh * head, *kh = k + bh * head, *vh = v + bh * head;
        const float *p = probs + bh * tt, *d_o = d_out + bh * head;
        if (d_v) matmul(d_v + bh * head, p, d_o, T, hd, T, 1, 0, 1.0f);   // d_V += P^T d_O (4.11)
        if (!d_q && !d_k) continue;
        matmul(d_p, d_o, vh, T, T, hd, 0, 1, 0.0f);                        // d_P = d_O V^T (4.6)
        for (size_t i = 0; i < tt; i++) d_s[i] = 0.0f;
        for (int t = 0; t < T; t++)
            attention_softmax_row_backward(d_s + (size_t)t * T, p + (size_t)t * T, d_p + (size_t)t * T, T);
        for (size_t i = 0; i < tt; i++) d_s[i] *= scale;   // S = scale Q K^T: the scale comes along
        if (d_q) matmul(d_q + bh * head, d_s, kh, T, hd, T, 0, 0, 1.0f);   // d_Q += d_S K (4.9)
        if (d_k) matmul(d_k + bh * head, d_s, qh, T, hd, T, 1, 0, 1.0f);   // d_K += d_S^T Q (4.10)
    }
}

double attention_entropy(const float *probs, int n) {
    double h = 0.0;
    for (int j = 0; j < n; j++)
        if (probs[j] > 0.0f) h -= (double)probs[j] * log((double)probs[j]);
    return h;
}
