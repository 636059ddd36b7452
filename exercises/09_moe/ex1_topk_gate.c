// Exercise 09.1 (**): top-k gating and its gradient.
// Read chapters/09_moe/README.md, sections 09.1 and 09.2.
// `make exercise EX=09.1` checks the choices, the gates and their gradient.
#include <math.h>

// One token's router logits z (E of them). Write in choice[0..k) the k largest (largest
// first, ties to the lower index) and in gate[0..k) their gates: p = softmax(z), gate_j =
// p[choice_j], or with renorm, p[choice_j] / (sum of the k chosen p).
void ex_topk_gate(const float *z, int E, int k, int renorm, int *choice, float *gate) {
    (void)z, (void)E, (void)renorm;
    for (int j = 0; j < k; j++) choice[j] = 0, gate[j] = 0;
    // TODO(09.1): softmax, the k largest, the gates
}

// The gradient: given d_gate (k), the same choices, write d_z (E) = d L / d z (set,
// not accumulate). Through the renormalisation when renorm, then through the softmax:
// d z_i = p_i (d p_i - sum_l p_l d p_l).
void ex_topk_gate_backward(const float *z, int E, int k, int renorm, const int *choice, const float *d_gate,
                           float *d_z) {
    (void)z, (void)k, (void)renorm, (void)choice, (void)d_gate;
    for (int i = 0; i < E; i++) d_z[i] = 0;
    // TODO(09.1): d p from d gate, then the softmax's backward
}
