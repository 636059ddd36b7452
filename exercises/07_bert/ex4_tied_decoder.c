// Exercise 07.4 (**): the gradient of a weight used twice (BERT's tied decoder).
// Read chapters/07_bert/README.md, section 07.5, and bert.h (7.3)-(7.5).
// `make exercise EX=07.4` checks the loss by hand and d_E by finite differences.
#include <math.h>

// A toy masked LM: N positions, position i looks up row ids[i] of the embedding E
// (V,H), h_i = E[ids[i]], and predicts targets[i] with the SAME matrix as decoder:
//   logits_i = h_i E^T + b   (V),   loss = mean_i -log softmax(logits_i)[targets[i]]
// Return the loss; ADD dloss/dE into d_E (V,H) and dloss/db into d_b (V).
float ex_tied_loss_backward(const float *E, const float *b, const int *ids, const int *targets, int N, int V, int H,
                            float *d_E, float *d_b) {
    (void)E, (void)b, (void)ids, (void)targets, (void)N, (void)V, (void)H, (void)d_E, (void)d_b;
    // TODO(07.4): E is used twice, so its gradient is the sum of two terms (chapter 02's
    // rule 2.3): as the decoder, d_E[v] += d_logits_i[v] h_i for every i and v; as the
    // embedding, d_E[ids[i]] += d_h_i, where d_h_i = sum_v d_logits_i[v] E[v].
    return 0.0f;
}
