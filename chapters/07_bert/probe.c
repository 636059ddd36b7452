// probe.c: see probe.h.
#include "chapters/07_bert/probe.h"

#include <math.h>
#include <stdlib.h>

void probe_offsets(double *sum, long *count, const float *probs, int B, int NH, int T, int r) {
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++)
            for (int t = 0; t < T; t++) {
                const float *row = probs + (((size_t)b * NH + h) * T + t) * T;
                for (int d = -r; d <= r; d++)
                    if (t + d >= 0 && t + d < T) sum[h * (2 * r + 1) + d + r] += row[t + d];
            }
    for (int d = -r; d <= r; d++)
        if (T - abs(d) > 0) count[d + r] += (long)B * (T - abs(d));   // the queries that have a key at t + d
}

void probe_entropy(double *sum, const float *probs, int B, int NH, int T) {
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++)
            for (int t = 0; t < T; t++) {
                const float *row = probs + (((size_t)b * NH + h) * T + t) * T;
                double e = 0;
                for (int u = 0; u < T; u++)
                    if (row[u] > 0) e -= (double)row[u] * log((double)row[u]);
                sum[h] += e;
            }
}

double probe_cosine_sum(const float *x, int B, int T, int H, long *pairs) {
    double total = 0;
    double *norm = malloc(sizeof(double) * (size_t)(T > 0 ? T : 1));
    for (int b = 0; b < B; b++) {
        const float *xb = x + (size_t)b * T * H;
        for (int t = 0; t < T; t++) {
            double s = 0;
            for (int h = 0; h < H; h++) s += (double)xb[(size_t)t * H + h] * xb[(size_t)t * H + h];
            norm[t] = sqrt(s);
        }
        for (int t = 0; t < T; t++)
            for (int u = t + 1; u < T; u++) {
                double dot = 0;
                for (int h = 0; h < H; h++) dot += (double)xb[(size_t)t * H + h] * xb[(size_t)u * H + h];
                if (norm[t] > 0 && norm[u] > 0) total += dot / (norm[t] * norm[u]);
            }
    }
    free(norm);
    *pairs += (long)B * T * (T - 1) / 2;
    return total;
}
