// Exercise 03.1 (**): the backward pass of masked mean pooling.
// Read chapters/03_imdb_sentiment/README.md, section 03.2 (equations 03.3 and 03.4), first.
// `make exercise EX=03.1` checks your answer against central finite differences of the
// chapter's masked_mean_forward, and on a row that is nothing but padding.

// Forward (given): out[b] = (1/n_b) sum over t with ids[b,t] != pad_id of x[b,t],
// n_b = the number of such t; a row with n_b = 0 gives out[b] = 0.
// x (B,T,D), ids (B,T), d_out (B,D). ACCUMULATE (+=) dL/dx into d_x (B,T,D).
void ex_masked_mean_backward(float *d_x, const float *d_out, const int *ids, int pad_id, int B, int T, int D) {
    (void)d_x, (void)d_out, (void)ids, (void)pad_id, (void)B, (void)T, (void)D;
    // TODO(03.1): for every row b, count n_b; then for every position t that is not
    // padding, d_x[b,t,:] += d_out[b,:] / n_b. Padding gets nothing.
    // Hint: an all-padding row must not divide by zero (what reached the output from it?).
}
