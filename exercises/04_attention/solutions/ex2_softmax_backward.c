// Exercise 04.2 (**): softmax backward -- reference solution.
void ex_softmax_backward(float *d_scores, const float *probs, const float *d_probs, int n) {
    double dot = 0.0;
    for (int k = 0; k < n; k++) dot += (double)d_probs[k] * probs[k];
    for (int j = 0; j < n; j++) d_scores[j] += probs[j] * (d_probs[j] - (float)dot);
}
