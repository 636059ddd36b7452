// Exercise 04.2 (**): the backward pass of softmax, as a Jacobian-vector product.
// Read chapters/04_attention/README.md, equations (4.6)-(4.8), first.
// `make exercise EX=04.2` checks your answer against central finite differences.

// p = softmax(s) over n entries (entries with p = 0 were masked). Given d_p = dL/dp,
// ACCUMULATE (+=) dL/ds into d_scores. Do not build the n x n Jacobian: O(n) is enough.
void ex_softmax_backward(float *d_scores, const float *probs, const float *d_probs, int n) {
    (void)d_scores, (void)probs, (void)d_probs, (void)n;
    // TODO(04.2): d_s_j += p_j * (d_p_j - sum_k d_p_k p_k)
    // Hint: compute the sum once (in double), then one pass over j.
}
