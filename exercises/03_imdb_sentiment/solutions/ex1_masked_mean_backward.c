// Exercise 03.1 (**): the backward pass of masked mean pooling -- reference solution.
void ex_masked_mean_backward(float *d_x, const float *d_out, const int *ids, int pad_id, int B, int T, int D) {
    for (int b = 0; b < B; b++) {
        const int *row = ids + b * T;
        int n = 0;
        for (int t = 0; t < T; t++) n += row[t] != pad_id;
        if (n == 0) continue;   // out[b] = 0 does not depend on x: no gradient
        for (int t = 0; t < T; t++) {
            if (row[t] == pad_id) continue;
            for (int d = 0; d < D; d++) d_x[(b * T + t) * D + d] += d_out[b * D + d] / (float)n;   // eq. (03.4)
        }
    }
}
