// Exercise 04.1 (*): the causal mask.
// Read chapters/04_attention/README.md, sections "Masks" and "Softmax, stably" first.
// `make exercise EX=04.1` checks your answer.

#include <math.h>
#include <stddef.h>

// scores (T,T) -> probs (T,T), row by row: query t may look only at keys j <= t.
//   probs[t][j] = exp(s_tj - m_t) / sum_{k<=t} exp(s_tk - m_t)   for j <= t,  m_t = max_{k<=t} s_tk
//   probs[t][j] = 0 exactly                                      for j >  t
// Every row must sum to 1, and huge scores (1e30) must not give NaN or Inf.
void ex_causal_softmax(float *probs, const float *scores, int T) {
    for (int i = 0; i < T * T; i++) probs[i] = 0.0f;
    (void)scores;
    // TODO(04.1): for each row t, find the max over the visible keys 0..t, exponentiate
    // s - max for those keys, divide by their sum, and leave the future (j > t) at 0.
    // Hint: subtract the max of the VISIBLE keys only; a masked key's score must not
    // take part in the max or the sum (that would be masking after the softmax).
}
