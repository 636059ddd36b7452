// Exercise 04.4 (**): single-head attention on a padded batch.
// Read chapters/04_attention/README.md, sections "Scaled dot-product attention" and
// "Masks", equations (4.1)-(4.5). `make exercise EX=04.4` checks your answer.
#include <math.h>
#include <string.h>

// q, k, v (B,T,d) -> out (B,T,d), probs (B,T,T); sequence b has lengths[b] real
// positions, the rest is padding. For every query row t of sequence b:
//   s_tj = q_t . k_j / sqrt(d)                    for keys j < lengths[b]
//   p_tj = softmax over those keys (stably), and p_tj = 0 exactly for padded keys j
//   out_t = sum_j p_tj v_j
// A sequence with lengths[b] == 0 has no key to look at: its probs and out are all 0
// (not NaN). Padded QUERY rows (t >= lengths[b]) are computed like the others.
void ex_padded_attention(float *out, float *probs, const float *q, const float *k, const float *v,
                         const int *lengths, int B, int T, int d) {
    memset(out, 0, sizeof(float) * (size_t)B * T * d);
    memset(probs, 0, sizeof(float) * (size_t)B * T * T);
    (void)q, (void)k, (void)v, (void)lengths;
    // TODO(04.4): for each b and t: scores over the visible keys, the stable softmax over
    // them (the masked probabilities stay 0), then out_t = sum_j p_tj v_j.
    // Hint: the mask goes in BEFORE the softmax; a length of 0 must skip the division.
}
